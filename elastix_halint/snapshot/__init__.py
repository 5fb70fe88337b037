"""Pre-upgrade snapshots of the replicated tree and its symlink map (issue 5).

``create`` writes one pax tar (zstd by default) whose first member is a JSON-lines manifest;
``verify``, ``show``, ``diff`` read it back; ``restore`` checks every member against the manifest
before writing anything, stages and verifies, then swaps one top-level directory at a time.
docs/snapshot.md describes the format and the guarantees.
"""
