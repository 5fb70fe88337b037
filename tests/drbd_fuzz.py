"""Differential fuzzing of halint against drbdadm: hypothesis strategies that write random
drbd.conf configurations (valid ones, built from the option tables probed from the binaries,
and damaged copies of them), a batch runner that asks the matching drbdadm about many at once,
and the judge that compares both verdicts and, for accepted files, the whole dumps.

A case is a folder with ``drbd.conf`` (and, when split, ``drbd.d/*.res`` files it includes),
written for one DRBD version. The rule (issue 13): drbdadm accepts ⇒ ``halint parse`` exits 0
and its JSON describes what ``dump-xml`` describes; drbdadm rejects ⇒ halint reports an error
(a parse diagnostic or an error-severity lint finding, lint told the node's DRBD version) on
the file and line drbdadm names.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import strategies as st

from drbd_dump import differences, halint_document, xml_document
from drbd_helpers import DRBDADM9, DRBDADM83, DRBDADM84
from elastix_halint.model.drbdadm_values import DRBDADM_VALUES
from elastix_halint.parsing.drbdadm.numbers import new_strtoll

TOOLS = {"8.3": DRBDADM83, "8.4": DRBDADM84, "9": DRBDADM9}
SETTING_SECTIONS = ("net", "disk", "syncer", "startup", "handlers", "options", "proxy")
_WHERE = re.compile(r"^(?:.*/)?([^/:\s]+):(\d+): ", re.MULTILINE)
WORDS = ("sha1", "md5", "crc32c", "alpha", "beta", "disconnect", "/usr/lib/drbd/notify.sh", "x1", "0", "ff")
HOMOGLYPHS = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441", "n": "\u057c"}
ODD_BLANKS = ("\u00a0", "\u2003", "\u3000", "\f", "\v", "\u200b", "\ufeff")


@dataclass
class Case:
    version: str
    files: dict[str, str]  # relative path -> text; "drbd.conf" is the entry
    mutation: str = "valid"
    alpha_addresses: list[str] = field(default_factory=list)  # for drbdadm-83's namespace


# --------------------------------------------------------------------------- valid configurations


def _number(draw, rule: dict) -> str:
    lo, hi = rule["min"], min(rule["max"], rule["min"] + 10**7)
    n = draw(st.integers(lo, hi))
    suffixes = rule.get("suffixes", "")
    if rule.get("token") == "integer":
        suffixes = "".join(s for s in suffixes if s in "MKGs")
    if suffixes and draw(st.booleans()):
        unit = draw(st.sampled_from(suffixes))
        for k in (n >> 20, n >> 10, n >> 9, n, 1, 2):
            text = f"{k}{unit}"
            value = new_strtoll(text, rule.get("scale", "1"), suffixes)
            if value is not None and lo <= value <= rule["max"] and (rule.get("token") != "integer" or len(str(k)) <= 8):
                return text
    return str(n)


def _value(draw, rule: dict, name: str, resources: list[str], hosts: list[str]) -> str | None:
    """A value drbdadm takes for an option of this rule (None: write the bare ``name;``)."""
    kind = rule["kind"]
    if kind == "flag":
        return None
    if kind == "bool":
        return draw(st.sampled_from([None, "yes", "no"]))
    if kind in ("number", "enum_num"):
        if kind == "enum_num" and rule.get("values") and draw(st.booleans()):
            return draw(st.sampled_from(rule["values"]))
        return _number(draw, rule)
    if kind == "enum":
        return draw(st.sampled_from([v for v in rule["values"]]))
    if kind in ("name",):
        return draw(st.sampled_from(hosts + ["both"]))
    if name in ("resync-after", "after"):
        return draw(st.sampled_from(resources))
    if name in ("become-primary-on",):
        return draw(st.sampled_from(hosts))
    if name in ("cpu-mask",):
        return draw(st.sampled_from(["0", "1", "ff", "3"]))
    word = draw(st.sampled_from(WORDS + ('"a b"', '"/bin/true --x"')))
    if rule.get("max_len", 255) < len(word.strip('"')):
        word = "x"
    return word


def _options(draw, version: str, section: str, resources: list[str], hosts: list[str], count: int) -> list[str]:
    table = DRBDADM_VALUES[version].get(section, {})
    names = sorted(n for n, r in table.items() if r["kind"] != "tokens" and n not in _AVOID)
    if not names:
        return []
    chosen = draw(st.lists(st.sampled_from(names), max_size=count, unique=True))
    out = []
    for name in chosen:
        value = _value(draw, table[name], name, resources, hosts)
        out.append(f"{name};" if value is None else f"{name} {value};")
    return out


# Options whose validity hangs on more than their value (the machine, other sections) or that
# change what the dump shows in ways left to dedicated tests.
_AVOID = frozenset({"discard-my-data", "become-primary-on", "set-defaults", "_name", "transport", "tls",
                    "tls-keyring", "tls-privkey", "tls-certificate", "delay-probe-volume", "delay-probe-interval",
                    "throttle-threshold", "hold-off-threshold", "fence-peer", "outdate-peer", "sndbuf-size",
                    "rcvbuf-size"})


def _block(name: str, lines: list[str], indent: str) -> list[str]:
    if not lines:
        return []
    return [f"{indent}{name} {{"] + [f"{indent}  {line}" for line in lines] + [f"{indent}}}"]


@st.composite
def valid_case(draw, version: str) -> Case:
    nres = draw(st.integers(1, 3))
    names = [f"r{i}" for i in range(nres)]
    if draw(st.booleans()):
        names = [draw(st.sampled_from(["data", "mysql", "web", "asterisk", "r_9", "res-1"])) + str(i) for i in range(nres)]
    main: list[str] = []
    glob = DRBDADM_VALUES[version].get("global", {})
    if draw(st.booleans()):
        lines = []
        if "usage-count" in glob:
            lines.append(f"usage-count {draw(st.sampled_from(['yes', 'no', 'ask']))};")
        if draw(st.booleans()) and "minor-count" in glob:
            lines.append(f"minor-count {draw(st.integers(nres * 4 + 2, 255))};")
        if draw(st.booleans()):
            lines.append("disable-ip-verification;")
        if draw(st.booleans()) and "dialog-refresh" in glob:
            lines.append(f"dialog-refresh {draw(st.integers(0, 600))};")
        for extra in ("udev-always-use-vnr", "cmd-timeout-short", "cmd-timeout-long"):
            if extra in glob and draw(st.integers(0, 3)) == 0:
                lines.append(f"{extra};" if glob[extra]["kind"] == "flag" else f"{extra} {draw(st.integers(0, 900))};")
        main += _block("global", lines, "")
    if draw(st.booleans()):
        common: list[str] = []
        if version == "8.3" and draw(st.booleans()):
            common.append(f"protocol {draw(st.sampled_from('ABC'))};")
        for section in draw(st.lists(st.sampled_from(SETTING_SECTIONS), max_size=3, unique=True)):
            common += _block(section, _options(draw, version, section, names, ["alpha", "beta"], 3), "  ")
        main += _block("common", common, "")
    resources = [_resource(draw, version, i, name, names) for i, name in enumerate(names)]
    if draw(st.integers(0, 5)) == 0:
        resources.append(_stacked(draw, version, nres, names[0]))
        names = names + [f"up{nres}"]
    files = {"drbd.conf": ""}
    if draw(st.integers(0, 7)) == 0:
        main.append("skip old_resource { on x { anything; } }")
    if draw(st.booleans()):
        main.append('include "drbd.d/*.res";')
        for name, text in zip(names, resources):
            files[f"drbd.d/{name}.res"] = text
    else:
        main += resources
    files["drbd.conf"] = "\n".join(main) + "\n"
    alpha = [f"10.1.{i}.1" for i in range(nres)]
    return Case(version, files, "valid", alpha)


def _address(draw, version: str, net: int, index: int, host: int, port: int) -> str:
    if version != "8.3" and draw(st.integers(0, 5)) == 0:
        return f"ipv6 [fd{net:02x}:{index}::{host}]:{port}"
    return f"10.{net}.{index}.{host}:{port}"


def _volume_statements(draw, version: str, name: str, index: int, v: int, minor: int, own_disk: bool) -> list[str]:
    device = draw(st.sampled_from([f"device /dev/drbd{minor};", f"device minor {minor};",
                                   f"device /dev/drbd_{name}{v} minor {minor};"] if version != "8.3" else
                                  [f"device /dev/drbd{minor};", f"device /dev/drbd{minor} minor {minor};"]))
    meta = [f"meta-disk internal;", f"meta-disk /dev/md{index}{v} [{v}];"]
    if version != "8.3":
        meta += [f"meta-disk /dev/md{index}{v};"]
    if version == "8.4":
        meta += [f"flexible-meta-disk /dev/fmd{index}{v};"]
    stmts = [device, f"disk /dev/vg/{name}{v};", draw(st.sampled_from(meta))]
    if own_disk and version != "8.3" and draw(st.integers(0, 3)) == 0:
        stmts += _block("disk", _options(draw, version, "disk", [name], ["alpha"], 2), "")
    return stmts


def _resource(draw, version: str, index: int, name: str, names: list[str]) -> str:
    hosts = ["alpha", "beta"] + (["gamma"] if version == "9" and draw(st.booleans()) else [])
    floating = version != "8.3" and len(hosts) == 2 and draw(st.integers(0, 5)) == 0
    lines: list[str] = []
    if version == "8.3" or draw(st.integers(0, 3)) == 0:
        lines.append(f"protocol {draw(st.sampled_from('ABC'))};")
    if version != "8.3" and draw(st.integers(0, 8)) == 0:
        lines += ["skip {", "  anything { at all; }", "}"] if version == "9" else []
    minor = index * 4
    explicit = version != "8.3" and draw(st.booleans())
    nvol = draw(st.integers(1, 2)) if explicit else 1
    res_level = draw(st.booleans())
    volumes = [(v, _volume_statements(draw, version, name, index, v, minor + v, explicit)) for v in range(nvol)]
    for section in draw(st.lists(st.sampled_from(SETTING_SECTIONS), max_size=4, unique=True)):
        lines += _block(section, _options(draw, version, section, names, hosts, 4), "  ")
    if explicit and res_level:
        for v, stmts in volumes:
            lines += _block(f"volume {v}", stmts, "  ")
    elif res_level:
        lines += volumes[0][1]
    proxies = version == "8.4" and not floating and draw(st.integers(0, 6)) == 0
    for h, host in enumerate(hosts, 1):
        address = _address(draw, version, 1, index, h, 7700 + index)
        body = [] if floating else [f"address {address};"]
        if version == "9":
            body.append(f"node-id {h - 1};")
        if not res_level:
            if explicit:
                for v, stmts in volumes:
                    body += _block(f"volume {v}", stmts, "")
            else:
                body += volumes[0][1]
        if proxies:
            body += _block(f"proxy on {host}", [f"inside 127.0.{index}.{h}:{7900 + index};",
                                                f"outside 192.168.{index}.{h}:{7900 + index};"], "")
        lines += _block(f"floating {address}" if floating else f"on {host}", body, "  ")
    if version == "9" and len(hosts) == 3:
        net = _block("net", _options(draw, version, "net", names, hosts, 2), "")
        if draw(st.booleans()):
            lines += _block("connection-mesh", ["hosts " + " ".join(hosts) + ";"] + net, "  ")
        else:
            for a, b in (("alpha", "beta"), ("alpha", "gamma"), ("beta", "gamma")):
                lines += _block("connection", [f"host {a};", f"host {b};"] + net, "  ")
    elif version == "9" and not floating and draw(st.booleans()):
        port = 7800 + index
        extra = _block("net", _options(draw, version, "net", names, hosts, 2), "")
        if draw(st.integers(0, 2)) == 0:
            extra += _block("disk", _options(draw, version, "peer-disk", names, hosts, 2), "")
        if draw(st.booleans()):
            lines += _block("connection", [f"host alpha address {_address(draw, version, 2, index, 1, port)};",
                                           f"host beta address {_address(draw, version, 2, index, 2, port)};"] + extra,
                            "  ")
        else:
            lines += _block("connection", _block("path", [f"host alpha port {port};", f"host beta port {port};"], "")
                            + _block("path", [f"host alpha address 10.3.{index}.1:{port};",
                                              f"host beta address 10.3.{index}.2:{port};"], "") + extra, "  ")
    body = "\n".join(f"  {line}" if not line.startswith("  ") else line for line in lines)
    return f"resource {name} {{\n{body}\n}}\n"


def _stacked(draw, version: str, index: int, lower: str) -> str:
    """A resource stacked on ``lower`` (its own device in the stacked section) and a third node."""
    port = 7750 + index
    stacked = [f"device /dev/drbd{60 + index};", f"address 10.5.{index}.1:{port};"]
    delta = [f"device /dev/drbd{60 + index};", f"disk /dev/vg/up{index};", "meta-disk internal;",
             f"address 10.5.{index}.2:{port};"]
    if version == "9":
        stacked.append("node-id 0;")
        delta.append("node-id 1;")
    lines = _block(f"stacked-on-top-of {lower}", stacked, "  ") + _block("on delta", delta, "  ")
    if version == "8.3":
        lines.insert(0, "  protocol A;")
    body = "\n".join(f"  {line}" if not line.startswith("  ") else line for line in lines)
    return f"resource up{index} {{\n{body}\n}}\n"


# --------------------------------------------------------------------------- damage

_TOKEN = re.compile(r'"[^"\n]*"|[{};]|[^\s{};"]+')
_INSERTS = ("{", "}", ";", "on", "disk", "device", "net", "resource", "volume", "minor", "7", "10.0.0.9:7788",
            "syncer", "protocol", "C", '"q"', "address", "meta-disk", "internal", "yes", "no", "node-id", "host",
            "connection", "path", "skip", "include", "floating", "options")


def _pick_file(draw, case: Case) -> str:
    return draw(st.sampled_from(sorted(case.files)))


@st.composite
def damaged_case(draw, version: str) -> Case:
    case = draw(valid_case(version))
    name = _pick_file(draw, case)
    text = case.files[name]
    tokens = list(_TOKEN.finditer(text))
    kind = draw(st.sampled_from(["delete", "insert", "swap", "duplicate-line", "brace-include", "odd-blank",
                                 "homoglyph", "crlf", "tabs", "control", "long-word", "long-string", "open-string",
                                 "comment-end", "join-lines"]))
    if kind == "brace-include" and len(case.files) > 1:
        inc = draw(st.sampled_from(sorted(f for f in case.files if f != "drbd.conf")))
        body = case.files[inc].rstrip("\n")
        how = draw(st.sampled_from(["drop", "move", "extra"]))
        if how == "drop" and body.endswith("}"):
            case.files[inc] = body[:-1] + "\n"
        elif how == "move" and body.endswith("}"):
            case.files[inc] = body[:-1] + "\n"
            case.files["drbd.conf"] = case.files["drbd.conf"].rstrip("\n") + "\n}\n"
        else:
            case.files[inc] = body + "\n}\n"
        case.mutation = f"brace-include:{how}:{inc}"
        return case
    if not tokens:
        return case
    i = draw(st.integers(0, len(tokens) - 1))
    tok = tokens[i]
    a, b = tok.span()
    if kind == "delete":
        text = text[:a] + text[b:]
    elif kind == "insert":
        text = text[:a] + draw(st.sampled_from(_INSERTS)) + " " + text[a:]
    elif kind == "swap" and i + 1 < len(tokens):
        c, d = tokens[i + 1].span()
        text = text[:a] + text[c:d] + text[b:c] + text[a:b] + text[d:]
    elif kind == "duplicate-line":
        lines = text.split("\n")
        j = draw(st.integers(0, max(len(lines) - 2, 0)))
        lines.insert(j, lines[j])
        text = "\n".join(lines)
    elif kind == "odd-blank":
        blanks = [m.start() for m in re.finditer(r"[ \t]", text)]
        if blanks:
            p = draw(st.sampled_from(blanks))
            text = text[:p] + draw(st.sampled_from(ODD_BLANKS)) + text[p + 1:]
    elif kind == "homoglyph":
        letters = [m.start() for m in re.finditer("[aeopcn]", text)]
        if letters:
            p = draw(st.sampled_from(letters))
            text = text[:p] + HOMOGLYPHS[text[p]] + text[p + 1:]
    elif kind == "crlf":
        text = text.replace("\n", "\r\n")
    elif kind == "tabs":
        text = re.sub(r"^( +)", lambda m: "\t" * (len(m.group(1)) // 2), text, flags=re.MULTILINE)
    elif kind == "control":
        text = text[:a] + draw(st.sampled_from(["\x01", "\x1b", "\x7f", "\x08"])) + text[a:]
    elif kind == "long-word":
        n = draw(st.sampled_from([79, 80, 81, 127, 128, 129, 200]))
        text = text[:a] + "w" * n + text[b:]
    elif kind == "long-string":
        n = draw(st.sampled_from([254, 255, 256, 300]))
        text = text[:a] + '"' + "s" * n + '"' + text[b:]
    elif kind == "open-string":
        text = text[:a] + '"unterminated ' + text[a:]
    elif kind == "comment-end":
        text = text.rstrip("\n") + draw(st.sampled_from(["\n# no newline at the end", '\n# a "quote', "\n#"]))
    elif kind == "join-lines":
        nls = [m.start() for m in re.finditer("\n", text)]
        if nls:
            p = draw(st.sampled_from(nls))
            text = text[:p] + " " + text[p + 1:]
    case.files[name] = text
    case.mutation = f"{kind}:{name}:{i}"
    return case


def cases(version: str, damaged_share: float = 0.7):
    """Valid and damaged cases of one version, mixed."""
    return st.one_of(valid_case(version), damaged_case(version), damaged_case(version))


def generate(version: str, count: int, chosen_seed: int | None = None) -> list[Case]:
    """``count`` cases of one version, drawn by hypothesis: derandomised, or from ``chosen_seed``.

    Derandomised is not enough to draw the same cases everywhere: hypothesis also draws
    literals of the project's modules that are loaded at the time (``_get_local_constants``), so
    in one process the cases depend on which tests ran before: ``generate_isolated``."""
    from hypothesis import HealthCheck, Phase, given, seed, settings

    out: list[Case] = []

    @settings(max_examples=count, database=None, deadline=None, phases=[Phase.generate],
              derandomize=chosen_seed is None, suppress_health_check=list(HealthCheck))
    @given(cases(version))
    def collect(case):
        out.append(case)

    if chosen_seed is not None:
        collect = seed(chosen_seed)(collect)
    with _no_local_constants():
        collect()
    return out


@contextmanager
def _no_local_constants():
    """Hypothesis mixes into its draws the literals of the modules it deems "local" (not in
    site-packages), and which those are depends on how and where the project is installed
    (editable or not, the checkout's path): CI drew other cases than a run here. Without them
    the cases depend on this file and hypothesis's version only. Private API: when it moves,
    the draw still works, only less reproducibly."""
    try:
        from hypothesis.internal.conjecture import providers
        from sortedcontainers import SortedSet

        original = providers._get_local_constants
        empty = providers.Constants(integers=SortedSet(), floats=SortedSet(key=providers.float_to_int),
                                    bytes=SortedSet(), strings=SortedSet())
    except (ImportError, AttributeError):
        yield
        return
    providers._get_local_constants = lambda: empty
    try:
        yield
    finally:
        providers._get_local_constants = original


def generate_isolated(version: str, count: int, chosen_seed: int | None = None) -> list[Case]:
    """``generate`` in a fresh interpreter (conftest.drawn_in_fresh_interpreter): the same
    cases whatever this process has loaded (a whole test session, one test, another path)."""
    from conftest import drawn_in_fresh_interpreter

    return [Case(**c) for c in drawn_in_fresh_interpreter("drbd_fuzz", "generated_json", version, count, chosen_seed)]


def generated_json(version: str, count: int, chosen_seed: int | None) -> list[dict]:
    return [c.__dict__ for c in generate(version, count, chosen_seed)]


# --------------------------------------------------------------------------- running drbdadm


def write_case(case: Case, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for rel, text in case.files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    return folder / "drbd.conf"


def run_drbdadm(version: str, folders: list[Path], alpha: list[str]) -> list[tuple[int, str, str]]:
    """(exit code, stdout, stderr) of ``drbdadm -c drbd.conf dump-xml all`` in each folder, one
    shell for all (drbdadm-83 in a namespace with the hostname alpha and its addresses)."""
    if not folders:
        return []
    with tempfile.TemporaryDirectory(prefix="halint-fuzz-out-") as out:
        loop = (f'i=0; for d in "$@"; do (cd "$d" && "{TOOLS[version]}" -c drbd.conf dump-xml all '
                f'>"{out}/$i.out" 2>"{out}/$i.err" </dev/null; echo $? >"{out}/$i.rc"); i=$((i+1)); done')
        argv = ["sh", "-c", loop, "sh", *map(str, folders)]
        if version == "8.3":
            setup = "ip link set lo up; " + "".join(f"ip addr add {a}/32 dev lo 2>/dev/null; " for a in sorted(set(alpha)))
            argv = ["unshare", "-u", "-n", "sh", "-c", setup + "hostname alpha; " + loop, "sh", *map(str, folders)]
        env = dict(os.environ, DRBD_DONT_WARN_ON_VERSION_MISMATCH="1")
        subprocess.run(argv, env=env, check=True, timeout=600)
        results = []
        for i in range(len(folders)):
            rc = int(Path(out, f"{i}.rc").read_text())
            results.append((rc, Path(out, f"{i}.out").read_text(errors="replace"),
                            Path(out, f"{i}.err").read_text(errors="replace")))
        return results


# --------------------------------------------------------------------------- judging


# drbdadm messages that name a file and line but do not make it fail.
_WARNINGS = ("explicitly named connections are deprecated", "WARN:", "mentioned in 'resync-after' option is not known",
             "mentioned in 'after' option is not known", "You should put the global", "include file vanished",
             "no match for include pattern", "The 'ignore-on' keyword is deprecated")


def error_location(stderr: str) -> list[tuple[str, int]]:
    """(file name, line) of each error drbdadm printed, first first (warnings left out)."""
    out = []
    lines = stderr.split("\n")
    for i, text in enumerate(lines):
        m = _WHERE.match(text)
        if not m:
            continue
        message = " ".join(lines[i:i + 2])
        if any(w in message for w in _WARNINGS):
            continue
        out.append((m.group(1), int(m.group(2))))
    return out


def accepted(version: str, rc: int, stderr: str) -> bool:
    if version == "8.3" and rc == 1 and "no resources defined!" in stderr:
        return True
    return rc == 0


def halint_errors(conf: Path, version: str) -> tuple[bool, set, dict]:
    """(parse ok, {(file name, line)} of every error, the JSON model) for one case: the parse
    diagnostics and the lint findings, lint told the node's DRBD version (rule DRBD131's
    ``version`` option). The file is parsed once, for both."""
    from elastix_halint.lint.config import Settings
    from elastix_halint.lint.engine import Engine, results_of
    from elastix_halint.loader import load_paths

    cluster = load_paths([str(conf)])
    (result,) = [r for node in cluster.nodes for r in results_of(node) if r.kind == "drbd"]
    model = json.loads(json.dumps(result.model.to_json(redact=False))) if result.model is not None else {}
    errors = {(Path(d.span.file).name, d.span.line) for d in result.diagnostics if d.severity >= 3 and d.span}
    # DRBD131 reports every refusal of the node's drbdadm; the other rules say the same in
    # friendlier words (and are tested on their own).
    settings = Settings(select=["DRBD131"], options={"DRBD131": {"version": version}})
    run = Engine(_registry(), settings).lint(cluster)
    errors |= {(Path(p.span.file).name, p.span.line) for p in run.problems if p.span and p.severity >= 3}
    # A finding at the real place of a statement drbdadm locates in the wrong file says where
    # drbdadm points ("drbdadm says drbd.conf:52").
    errors |= {(name, int(line)) for p in run.problems if p.severity >= 3
               for name, line in re.findall(r"drbdadm says ([^\s:()]+):(\d+)", p.message)}
    return result.ok, errors, model


_REGISTRY = []


def _registry():
    from elastix_halint.lint.registry import load_registry

    if not _REGISTRY:
        _REGISTRY.append(load_registry())
    return _REGISTRY[0]


def judge(case: Case, conf: Path, rc: int, stdout: str, stderr: str) -> str | None:
    """None when halint agrees with drbdadm on this case, else what differs."""
    ok, errors, model = halint_errors(conf, case.version)
    if accepted(case.version, rc, stderr):
        if not ok:
            return f"drbdadm accepts, halint parse fails: {sorted(errors)[:3]}"
        if rc == 0 and stdout.strip():
            diff = differences(halint_document(model, case.version, "alpha"), xml_document(stdout, case.version))
            if diff:
                return "dump differs:\n" + "\n".join(diff[:40])
        return None
    where = error_location(stderr)
    if not where:
        return None if errors else f"drbdadm rejects ({stderr.strip()[:200]}), halint reports no error"
    if where[0] not in errors:
        return f"drbdadm rejects at {where[0]}: {stderr.strip()[:300]!r}; halint errors at {sorted(errors)[:6]}"
    return None


def save_fixture(case: Case, root: Path, name: str, rc: int, stderr: str) -> Path:
    """Keep a disagreement as a regression fixture: the files and what drbdadm said."""
    folder = root / name
    if folder.exists():
        shutil.rmtree(folder)
    write_case(case, folder)
    (folder / "case.json").write_text(json.dumps({"version": case.version, "mutation": case.mutation,
                                                  "drbdadm_rc": rc, "drbdadm_stderr": stderr,
                                                  "alpha_addresses": case.alpha_addresses}, indent=1) + "\n")
    return folder
