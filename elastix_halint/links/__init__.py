"""Post-upgrade symlink repair: decide each expected link's state, plan and apply the repair
under a journal, undo it. ``state`` is shared with the linter's replica rules (see docs/links.md)."""
