"""Heartbeat ``authkeys`` rules (HB200–HB205).

Keys are never quoted: messages say "the key of line N". Collected bundles hold markers in
place of keys (elastix_halint.secrets): equal keys give equal markers, and a marker can still be
compared with a known sample value, so HB204/HB205 work on them too; only the length check of
HB204 needs the key itself.
"""
