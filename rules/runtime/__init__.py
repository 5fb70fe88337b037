"""Runtime rules (STATE100–STATE110) over a node's captured /proc/drbd.

Each finding points at the minor's line of /proc/drbd and says what to do, in drbdadm 8.3
syntax (`drbdadm -- --discard-my-data connect r0`), which 8.4 still accepts. DRBD 9 prints no
per-minor state in /proc/drbd, so these rules stay silent there. Not implemented: STATE111
(needs the kernel log: `Split-Brain detected` lines); STATE101's "for how long" (one capture
has no duration: every WFConnection is reported).
"""
