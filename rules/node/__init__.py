"""Node fact rules (NODE100–NODE104): /etc/hosts, host names and services at boot.

NODE106/NODE107 (replica symlinks) are in rules/replica/. Not implemented, for want of
captured data: NODE105 (needs /etc/fstab), NODE108 (needs the mount table and the mount
point's content on the Secondary), NODE109 (needs both nodes' clocks at one instant), NODE110
(needs fstab, mounts, swap and LVM/MD membership of the backing device).
"""
