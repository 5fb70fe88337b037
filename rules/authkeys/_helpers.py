"""Helpers and constants several authkeys rules share."""

from __future__ import annotations


AUTHKEYS = ("authkeys",)
AUTHKEYS_PATH = "/etc/ha.d/authkeys"


def authkeys_stat(node):
    stat = node.facts.stat or {}
    return stat.get(AUTHKEYS_PATH)
