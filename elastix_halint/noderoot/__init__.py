"""A node's root filesystem as snapshot, restore and link repair see it: where the replicated
paths are, whether the replica is mounted, which DRBD role the node has. Shared by the
snapshot and links modules; the linter reads the same facts through the parsing layer."""
