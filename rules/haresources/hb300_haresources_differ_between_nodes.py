from __future__ import annotations

from elastix_halint.lint.rule import Finding, Rule, Severity


def _normal_groups(model) -> list[tuple[str, tuple[str, ...]]]:
    return sorted((g.node_key, tuple(r.canonical for r in g.resources)) for g in model.groups)


class HaresourcesDifferBetweenNodes(Rule):
    """haresources is not the same on both nodes.

    ## What it checks
    The two nodes' groups as ResourceManager reads them (comments, blanks, continuation
    lines and group order do not matter; resource order inside a group does); the first
    differing group or resource is named with the other node's line.

    ## Why it matters
    "The haresources files MUST BE IDENTICAL on all nodes … If your files are different then
    almost certainly something won't work right" (heartbeat doc/haresources): the nodes
    disagree on what to take over, so a failover starts other resources or none.

    ## Example
    ```
    node1 drbddisk::r0 Filesystem::/dev/drbd0::/replica::ext3 IPaddr::10.0.0.5 mysqld asterisk
    node1 drbddisk::r0 Filesystem::/dev/drbd0::/replica::ext3 IPaddr::10.0.0.5 mysqld   # other node
    ```

    ## Fix
    Copy /etc/ha.d/haresources from one node to the other.
    """

    id = "HB300"
    name = "haresources-differ-between-nodes"
    severity = Severity.ERROR
    scope = "cluster"
    needs = ("haresources", "peer")

    def check_cluster(self, cluster, ctx):
        a, b = cluster.nodes[0], cluster.nodes[1]
        if _normal_groups(a.haresources) == _normal_groups(b.haresources):
            return
        mine, theirs, label, left, right = _first_difference(a.haresources, b.haresources)
        where, other = (mine, theirs) if mine is not None else (theirs, None)
        if other is None:  # present on one node only: relate it to the other node's file
            groups = (b if mine is not None else a).haresources.groups
            other = groups[0] if groups else None
        yield Finding(where,
                      f"haresources differs between nodes: {label} is {left} on {a.label} but {right} on "
                      f"{b.label}",
                      related=(other,) if other is not None else (),
                      hint="make haresources identical on both nodes")


def _words(group) -> tuple[str, ...]:
    return tuple(r.canonical for r in group.resources)


def _first_difference(left, right):
    """``(left node, right node, what, left text, right text)`` of the first difference."""
    rest = list(right.groups)
    unmatched = []
    for g in left.groups:
        twin = next((o for o in rest if o.node_key == g.node_key and _words(o) == _words(g)), None)
        if twin is not None:
            rest.remove(twin)
        else:
            unmatched.append(g)
    if not unmatched:
        extra = rest[0]
        return None, extra, f"the group of {extra.node} starting {extra.key.text if extra.key else ''}", "absent", "present"
    g = unmatched[0]
    other = next((o for o in rest if o.node_key == g.node_key and o.key and g.key and o.key.canonical == g.key.canonical),
                 next((o for o in rest if o.node_key == g.node_key), None))
    label = f"the group of {g.node} starting {g.key.text if g.key else ''}"
    if other is None:
        return g, None, label, "present", "absent"
    for i in range(max(len(g.resources), len(other.resources))):
        mine = g.resources[i] if i < len(g.resources) else None
        theirs = other.resources[i] if i < len(other.resources) else None
        if mine is None or theirs is None or mine.canonical != theirs.canonical:
            return (mine or g, theirs or other, f"resource {i + 1} of {label}",
                    mine.text if mine else "(end of group)", theirs.text if theirs else "(end of group)")
    return g, other, label, "different", "different"  # pragma: no cover - groups differ somewhere
