"""The work behind ``halint parse``: read each file, parse it, render the outcome."""

from __future__ import annotations

import sys

from elastix_halint.errors import InputError, UsageError
from elastix_halint.model.record import Mutable
from elastix_halint.parsing import kinds
from elastix_halint.parsing.result import ParseResult


class Outcome(Mutable):
    path: str
    kind: str | None
    result: ParseResult | None = None
    error: str | None = None  # the file could not be read at all

    @property
    def ok(self) -> bool:
        return self.error is None and self.result is not None and self.result.ok


def parse_one(path: str, kind: str | None) -> Outcome:
    from elastix_halint.source import read_source

    try:
        if kind is None:
            # Detection by name first; content only when the name says nothing.
            kind = kinds.detect(path)
            if kind is None:
                kind = kinds.detect(path, read_source(path).text)
            if kind is None:
                return Outcome(path, None, error=f"{path}: cannot tell what kind of file this is; pass --kind")
        module = kinds.module_for(kind)
        return Outcome(path, kind, result=module.load(path))
    except InputError as exc:
        return Outcome(path, kind, error=str(exc))


def parse_files(paths: list[str], kind: str | None, json_redact: bool | None = None) -> list[Outcome]:
    """``json_redact``: the outcomes are to be written as JSON (redacted or not): the
    resources of a large drbd.conf are written while its drbdadm verdicts are worked out."""
    if kind is not None and kind not in kinds.PARSERS:
        raise UsageError(f"unknown kind {kind!r}; known kinds: {', '.join(kinds.PARSERS)}")
    if json_redact is None:
        return [parse_one(p, kind) for p in paths]
    from elastix_halint.parsing.drbdadm import ahead

    job = _resources_ahead(json_redact)
    ahead.meanwhile.append(job)
    try:
        return [parse_one(p, kind) for p in paths]
    finally:
        ahead.meanwhile.remove(job)


# How deep render_json's document holds a drbd model's resources: {files: [{model: {resources.
_RESOURCES_LEVEL = 4


def _resources_ahead(redact: bool):
    """The job of ``ahead.meanwhile`` that writes a drbd.conf's resources as outcome_json will."""
    from elastix_halint import jsontext
    from elastix_halint.model.span import json_home

    def job(source, resources) -> None:
        previous = json_home(source.path)  # as outcome_json sets it for this file
        try:
            jsontext.write_ahead(resources, (redact, source.path), lambda: [r.to_json(redact) for r in resources],
                                 _RESOURCES_LEVEL, ensure_ascii=False)
        finally:
            json_home(previous)

    return job


def known_secrets(outcomes: list[Outcome]) -> frozenset:
    """The secrets of every file read (includes too): hidden in every file's comments."""
    from elastix_halint.secrets import secrets_of_text

    found: set[str] = set()
    for o in outcomes:
        if o.result is not None:
            for src in o.result.all_sources():
                found |= secrets_of_text(src.text, o.kind)
    return frozenset(found)


# 2: spans are [line, column, end_line, end_column] (+ file when not the entry's), docs/json-drbd.md
SCHEMA = "halint-parse/2"


def outcome_json(o: Outcome, redact: bool, known=frozenset()) -> dict:
    from elastix_halint.model.span import json_home

    data: dict = {"path": o.path, "kind": o.kind, "ok": o.ok}
    if o.error:
        data["error"] = o.error
        return data
    previous = json_home(o.path)  # spans in this file are written without it
    try:
        return _result_json(o, redact, known, data)
    finally:
        json_home(previous)


def _result_json(o: Outcome, redact: bool, known, data: dict) -> dict:
    r = o.result
    data["encoding"] = r.source.encoding
    data["warnings"] = list(r.source.warnings)
    data["model"] = r.model.to_json(redact=redact) if r.model is not None else None
    if redact and known and data["model"] and data["model"].get("comments"):
        from elastix_halint.secrets import redact_comment

        for comment in data["model"]["comments"]:
            comment["text"] = redact_comment(comment["text"], o.kind, known)
    data["diagnostics"] = [d.to_json() for d in r.diagnostics]
    return data


def render_json(outcomes: list[Outcome], redact: bool) -> None:
    known = known_secrets(outcomes) if redact else frozenset()
    doc = {"schema": SCHEMA, "files": [outcome_json(o, redact, known) for o in outcomes]}
    # One write (json.dump() would write each of ~370,000 chunks of a 400-resource drbd.conf on
    # its own), built by the faster indented writer.
    from elastix_halint import jsontext

    sys.stdout.write(jsontext.dumps(doc, ensure_ascii=False) + "\n")


def render_text(outcomes: list[Outcome], redact: bool) -> None:
    from elastix_halint.parsing.textview import print_outcomes

    print_outcomes(outcomes, redact)
