"""Helpers and constants several drbd rules share."""

from __future__ import annotations

from functools import wraps

from elastix_halint.lint.rule import Rule
from elastix_halint.model import drbd_keywords as kw
from elastix_halint.model.drbd import Resource


def report_once(check):
    """Report each place once: options inherited from ``common`` are seen by every resource."""

    @wraps(check)
    def wrapper(self, subject, ctx):
        seen = set()
        for finding in check(self, subject, ctx):
            node = finding.node
            key = (getattr(node, "span", node), finding.message if node is None else None)
            if key not in seen:
                seen.add(key)
                yield finding

    return wrapper


def closest_word(word: str, choices) -> str | None:
    import difflib  # only when a word is wrong: not at every start

    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.7)
    return match[0] if match else None


def syntax_version(model, ctx=None) -> str | None:
    """The syntax version of the file, else the version of the node's DRBD module."""
    if model.version:
        return model.version
    node = getattr(ctx, "node", None)
    major = node.drbd_module_version if node is not None else None
    return major if major in kw.VERSIONS else None


def resource_label(res: Resource) -> str:
    return "the `common` section" if res.name == "common" and not res.hosts else f"resource `{res.name}`"


def first_value(opt) -> str | None:
    return opt.value if opt is not None else None


def handler_of(res: Resource, name: str):
    return res.handlers.get(name)


def number_of(opt, default=None):
    if opt is None:
        return default
    value = opt.normalised
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# The model all_options last walked, and what it found (a strong reference: ``is`` cannot
# mistake a new model for a freed one at the same address).
_walked: list = [None, ()]


def all_options(model) -> tuple:
    """Every statement of the tree, with its keyword definition (None for unknown ones), in
    document order. Walked once per model however many rules ask (five do; a 400-resource
    drbd.conf has ~5,000 statements)."""
    if _walked[0] is not model:
        found = tuple((opt, kw.keyword(opt.section, opt.name))
                      for top in model.sections for sec in top.walk() for opt in sec.options)
        _walked[:] = [model, found]
    return _walked[1]


class FileRule(Rule):
    """A rule over one drbd.conf (with its includes)."""

    scope = "file"
    kinds = ("drbd",)


class HeartbeatNodeRule(Rule):
    """A rule over one node's drbd.conf together with its Heartbeat haresources."""

    scope = "node"
    needs = ("drbd", "haresources")


def keyword_versions(opt, definition) -> frozenset | None:
    """The DRBD versions that accept ``opt`` (None for an unknown keyword)."""
    return None if definition is None else definition.versions


def gone_from_syncer_in_9(opt, definition) -> bool:
    """An 8.3 ``syncer`` option that drbdadm 9 no longer takes there (``rate``, ``c-*``)."""
    return definition is not None and opt.section == "syncer" and kw.V9 not in definition.versions


def fixed_rate(res: Resource, version: str | None):
    """The resync rate option when it is a fixed rate (no dynamic controller), else None."""
    rate = res.effective("disk", "resync-rate")
    plan = number_of(res.effective("disk", "c-plan-ahead"))
    if plan is None:
        plan = 0 if version in (kw.V83, None) else 20
    return rate, plan == 0


def setting_of(res, section, name, version):
    """(value in the option's unit, option or None) with the version's default."""
    opt = res.effective(section, name)
    value = number_of(opt)
    if value is None:
        definition = kw.keyword(section, name) or kw.keyword("net", name)
        rng = definition.range_for(version) if definition else None
        value = rng[2] if rng else None
        opt = None
    return value, opt
