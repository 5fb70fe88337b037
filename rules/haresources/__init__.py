"""Heartbeat ``haresources`` rules (HB300–HB312).

A group ``NODE RES1 RES2 ...`` starts left to right and stops right to left. The rules read
the haresources model and, through ``ctx.node``/``ctx.cluster``, the node's drbd.conf, ha.cf,
/etc/hosts and captured facts. Services enabled at boot are NODE103's (rules/node/).
HB305 only catches misspelt Heartbeat scripts (whether a script is installed is not captured);
HB306 (LSB behaviour of init scripts) needs running the scripts and is not implemented.
"""
