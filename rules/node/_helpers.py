"""Helpers and constants several node rules share."""

from __future__ import annotations


def node_names(cluster) -> list[str]:
    """The cluster's node names: each node's `uname -n`, else its ha.cf `node` names.

    None for a lone machine with no DRBD or Heartbeat configuration: it is not a cluster node,
    and its host name on the loopback line is not a cluster problem."""
    if len(cluster.nodes) < 2 and not any(n.is_cluster_node for n in cluster.nodes):
        return []
    names = [n.nodename for n in cluster.nodes if n.nodename]
    if len(names) < len(cluster.nodes):
        for node in cluster.nodes:
            names += list(getattr(node.hacf, "nodes", ()) or ())
    return list(dict.fromkeys(names))
