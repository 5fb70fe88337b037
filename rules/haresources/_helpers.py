"""Constants several haresources rules share (what they compute about the model is in
elastix_halint.model: Node.drbd_devices, Resource.ip_fields, ResourceGroup.drbddisk_names...)."""

from __future__ import annotations

HARESOURCES = ("haresources",)

# Heartbeat's own resource.d scripts (heartbeat 2.x/3.x, drbd's drbddisk): names are case-sensitive.
STANDARD_AGENTS = (
    "IPaddr", "IPaddr2", "IPv6addr", "IPsrcaddr", "SendArp", "Filesystem", "drbddisk", "drbdupper", "MailTo",
    "AudibleAlarm", "Delay", "LVM", "LinuxSCSI", "Raid1", "ServeRAID", "WAS", "WinPopup", "Xinetd", "ICP",
    "portblock", "apache", "db2", "hto-mapfuncs", "OCF",
)
