"""Helpers and constants several replica rules share."""

from __future__ import annotations

from elastix_halint.links.state import decide, normalize_target, observe_listing
from elastix_halint.lint.rule import Span
from elastix_halint.model.drbd import is_drbd_device
from elastix_halint.model.facts import LinkListing
from elastix_halint.noderoot.linkmap import DEFAULT_MOUNT, elastix


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


def listing_line(entry, listing, path, node):
    """The listing line about ``path``: its entry, or the "cannot stat" line saying it is absent."""
    if entry is not None:
        return entry
    missing = listing.where_missing(path) if listing is not None else None
    if missing is not None:
        return missing
    source = node.facts.sources.get("links")
    return Span.point(source.source.path, 1) if source is not None else None
