"""Replica symlink rules (NODE106, NODE107): the Elastix data directories must be symlinks
into the DRBD mount point.

The state of each link comes from the same decision code `halint links` uses
(`elastix_halint.links.state.decide`), fed with the node's `facts/links` listing (captured by
`halint collect`, or read live for `--root`), so the linter and `halint links` never disagree.
The link map is the HOWTO's (`elastix_halint.noderoot.linkmap`), under the mount point of
haresources' `Filesystem::` resource (else /replica).
"""
