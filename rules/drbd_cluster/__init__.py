"""Cross-node DRBD rules (DRBD200–DRBD209): both nodes' drbd.conf against each other and
against each node's facts (`uname -n`, `ip addr`, partition sizes, haresources, ha.cf).

Not implemented, for want of captured data: DRBD203 (filesystem size of the backing device needs
`dumpe2fs -h`), DRBD208 (firewall needs `iptables -L`). DRBD206 and DRBD207 are the file rules
DRBD106/DRBD107/DRBD108 of rules/drbd/ (same IP:port or minor twice on a host, both hosts
with one address, two `on` sections for one host): repeating them here would report every
collision twice.

What they ask of a node (its `on` section, the resources Heartbeat promotes, the resource of a
minor, the `ip addr` line of an address) is answered by the model (``model.cluster.Node``).
"""
