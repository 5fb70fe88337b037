"""DRBD100-DRBD130: one drbd.conf (with its includes) checked on its own.

Keyword, range and enum checks read the tables of :mod:`elastix_halint.model.drbd_keywords`
for the syntax version the file appears to use (``DrbdConfig.version``). The parser already
reports unknown keywords (also "belongs in a `disk` section"), unreadable numbers, addresses and
digest names, and unknown ``resync-after`` targets (PARSE001/PARSE002): these rules report what
the parser cannot see, never the same problem again.

Policy rules work on each resource with ``common`` merged in (``Resource.settings``). A file
with only a ``common`` section (``global_common.conf`` linted on its own) is checked as one
pseudo-resource by the rules about values that are *present*; rules about something *missing*
stay silent there, because the resource files may add it.
"""
