"""Helpers and constants several runtime rules share."""

from __future__ import annotations

from elastix_halint.lint.rule import Rule


SPLIT_BRAIN_HINT = ("if it was a split brain (kernel log: \"Split-Brain detected\"), pick the node whose changes "
                    "are lost: `drbdadm secondary {r}; drbdadm -- --discard-my-data connect {r}` there, "
                    "`drbdadm connect {r}` on the survivor; otherwise fix the cause in the kernel log and "
                    "`drbdadm connect {r}`")


class MinorRule(Rule):
    """A rule over each configured minor of a node's /proc/drbd: subclasses define ``check``."""

    scope = "node"
    needs = ("procdrbd",)

    def check_node(self, node, ctx):
        for minor in node.facts.procdrbd.minors:
            if minor.unconfigured:
                continue
            res, _vol = node.resource_of_minor(minor.minor)
            label = res.name if res is not None else str(minor.minor)
            yield from self.check(node, minor, res, label, ctx)

    def check(self, node, minor, res, label, ctx):  # pragma: no cover - overridden
        return ()


def minor_where(minor, label: str, node) -> str:
    return f"minor {minor.minor} (resource {label}) on {node.label}" if label != str(minor.minor) \
        else f"minor {minor.minor} on {node.label}"
