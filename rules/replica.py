"""Replica symlink rules (NODE106, NODE107): the Elastix data directories must be symlinks
into the DRBD mount point.

The state of each link comes from the same decision code `halint links` uses
(`elastix_halint.links.state.decide`), fed with the node's `facts/links` listing (captured by
`halint collect`, or read live for `--root`), so the linter and `halint links` never disagree.
The link map is the HOWTO's (`elastix_halint.noderoot.linkmap`), under the mount point of
haresources' `Filesystem::` resource (else /replica).
"""

from __future__ import annotations

from elastix_halint.builtin.haresources import is_drbd_device, node_label
from elastix_halint.lint.rule import Finding, Rule, Severity, Span
from elastix_halint.links.state import decide, normalize_target, observe_listing
from elastix_halint.model.facts import LinkListing
from elastix_halint.noderoot.linkmap import DEFAULT_MOUNT, elastix

REPAIR_HINT = ("on the Primary: `halint snapshot`, then `halint links repair --merge-new` (dry run) and "
               "`halint links repair --apply --merge-new`; on the Secondary move the directory aside and link it")


def mount_point(node, peer) -> str:
    """The mount point of haresources' Filesystem resource (on the DRBD device when several)."""
    found = []
    for model in (node.haresources, getattr(peer, "haresources", None)):
        for res in getattr(model, "resources", ()) or ():
            if res.agent == "Filesystem" and len(res.args) >= 2 and res.args[1].startswith("/"):
                found.append((not is_drbd_device(res.args[0]), res.args[1]))
    return min(found)[1] if found else DEFAULT_MOUNT


def link_listing(node) -> LinkListing | None:
    """The node's `facts/links` listing (with its "cannot stat" paths), or None."""
    if node.facts.links is None:
        return None
    source = node.facts.sources.get("links")
    model = getattr(source, "model", None)
    if isinstance(model, LinkListing):
        return model
    return LinkListing(entries=tuple(node.facts.links.values()))


def _is_primary(node) -> bool:
    proc = node.facts.procdrbd
    return proc is not None and any(m.role == "Primary" for m in proc.minors)


def link_states(node, ctx):
    """(LinkState, listing entry or None, listing) of every map path the listing covers."""
    listing = link_listing(node)
    if listing is None or not node.is_cluster_node:
        return  # no listing, or not a cluster node (no DRBD or Heartbeat setup): no opinion
    entries = listing.by_path()
    absent = {normalize_target(m) for m in listing.missing}
    for spec in elastix(mount_point(node, ctx.peer(node))).links:
        entry = entries.get(spec.path) or entries.get(spec.path + "/")
        if entry is None and spec.path not in absent:
            continue  # not captured: no opinion
        yield decide(spec, observe_listing(listing, spec)), entry, listing


def _where(entry, listing, path, node):
    """The listing line about ``path``: its entry, or the "cannot stat" line saying it is absent."""
    if entry is not None:
        return entry
    missing = listing.where_missing(path) if listing is not None else None
    if missing is not None:
        return missing
    source = node.facts.sources.get("links")
    return Span.point(source.source.path, 1) if source is not None else None


class ReplicaPathNotLinked(Rule):
    """An Elastix data path is not a symlink to its place in the replica.

    ## What it checks
    Each path of the HOWTO's link map (`/etc/asterisk`, `/var/lib/asterisk`,
    `/usr/lib/asterisk`, `/var/spool/asterisk`, `/var/lib/mysql`, `/var/log/asterisk`,
    `/var/www`) in the node's `facts/links`: a link to the wrong place, a real file, a link
    loop, or (on the Primary) a link whose target is missing is an error; a path that does not
    exist at all is a warning. A real directory is NODE107's. States are those of
    `halint links`.

    ## Why it matters
    Data outside the replica is local to one node: after a failover calls use stale dialplans,
    voicemail and CDRs, and the two nodes diverge silently (Elastix 2.3 HA HOWTO, "DRBD
    Install and Configuration": the directories are moved into /replica and linked back).

    ## Example
    ```
    symbolic link|/var/lib/mysql|'/var/lib/mysql' -> '/data/mysql'
    ```

    ## Fix
    Move the content into the replica once, on the Primary, and link the path on both nodes
    (`ln -s /replica/var/lib/mysql /var/lib/mysql`); `halint links repair` does it.
    """

    id = "NODE106"
    name = "replica-path-not-linked"
    severity = Severity.ERROR
    scope = "node"
    needs = ("links",)

    def check_node(self, node, ctx):
        primary = _is_primary(node)
        for state, entry, listing in link_states(node, ctx):
            if state.status in ("ok", "replaced-dir") or state.status == "dangling" and not primary:
                continue
            severity = Severity.WARNING if state.status == "missing" else None
            yield Finding(_where(entry, listing, state.path, node), f"{state.path} on {node_label(node)} should link to {state.expected}: "
                                               f"{state.detail} ({state.status})",
                          severity=severity, hint=f"link it: `ln -s {state.expected} {state.path}` "
                                                  "(or `halint links repair`)")


class ReplicaPathReplacedByDirectory(Rule):
    """A replica symlink was replaced by a real directory (typically by a package upgrade).

    ## What it checks
    Each path of the HOWTO's link map that `facts/links` shows as a real directory, where a
    symlink into the replica mount point should be (the `replaced-dir` state of
    `halint links`).

    ## Why it matters
    `yum update asterisk|mysql-server|elastix` replaces a symlinked directory the package owns
    with a real one; from then on this node writes there locally, the peer never sees it, and
    after a failover the data is gone or stale (Elastix 2.3 HA HOWTO symlink step; RPM
    behaviour on directories it owns).

    ## Example
    ```
    directory|/etc/asterisk|'/etc/asterisk'
    ```

    ## Fix
    `halint links repair` (moves the directory aside, merges what is new with `--merge-new`,
    relinks; `halint links undo` reverts). Re-run it after every upgrade.
    """

    id = "NODE107"
    name = "replica-path-replaced-by-directory"
    severity = Severity.ERROR
    scope = "node"
    needs = ("links",)

    def check_node(self, node, ctx):
        for state, entry, listing in link_states(node, ctx):
            if state.status == "replaced-dir":
                yield Finding(_where(entry, listing, state.path, node), f"{state.path} on {node_label(node)} is a real directory where the "
                                                   f"link to {state.expected} should be: what is written there stays "
                                                   "on this node only", hint=REPAIR_HINT)


RULES = [ReplicaPathNotLinked, ReplicaPathReplacedByDirectory]
