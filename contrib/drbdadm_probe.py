#!/usr/bin/env python3
"""Ask the real drbdadm binaries which option values they accept, and write the tables halint
uses (elastix_halint/model/drbdadm_values.py). Nothing in those tables is typed from memory:
rerun this script after a drbd-utils upgrade and review the diff.

    sudo python3 contrib/drbdadm_probe.py            # needs Debian's drbd-utils and root
    python3 contrib/drbdadm_probe.py --check         # compare with the committed tables

For each drbdadm version (drbdadm-83 in a private UTS+network namespace whose hostname and
loopback address are those of the probe's host section, drbdadm-84, drbdadm for 9), each
setting section and each option name halint knows (model/drbd_keywords.py; a name is probed in
every section, so a name a version takes elsewhere is found too), the script writes small
configurations and runs ``drbdadm -c FILE dump all`` on each; exit code 0 is "accepted".
Probes run in batches (one shell loop per version) so the whole run takes about a minute.

From the answers it infers, per version, section and option:

* ``any``: every value probe accepted (drbdadm does not look at the value when parsing);
* ``bool``: ``NAME;``, ``NAME yes;`` and ``NAME no;`` accepted, other words refused;
* ``flag``: only ``NAME;``;
* ``number``: the smallest and largest plain numbers accepted (binary search), the default
  unit (``1``, ``k`` or ``s``: the one that predicts every suffix probe) and the unit
  suffixes taken; a number is then ``digits[suffix]`` converted as drbdadm's ``new_strtoll``
  does (rounded up to the default unit) and compared with the range;
* ``enum``: the words accepted among the known values of that option (and not any word);
* ``string``: any word up to the longest length accepted.

The inference is then checked: for every probe, the inferred rule must predict drbdadm's
answer, or the script stops and prints the disagreement.
"""

from __future__ import annotations

import argparse
import json
import os
import pprint
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from elastix_halint.model import drbd_keywords as kw  # noqa: E402

OUT = REPO / "elastix_halint" / "model" / "drbdadm_values.py"
TOOLS = {"8.3": "/usr/lib/drbd/drbdadm-83", "8.4": "/usr/lib/drbd/drbdadm-84", "9": shutil.which("drbdadm") or "/usr/sbin/drbdadm"}
SECTIONS = ("global", "net", "disk", "syncer", "startup", "options", "handlers", "proxy", "peer-disk")
SUFFIXES = "kKmMgGsStTx"
HOSTS = (
    "  on alpha { device /dev/drbd0; disk /dev/sda1; address 10.0.0.1:7788; meta-disk internal; }\n"
    "  on beta { device /dev/drbd0; disk /dev/sda1; address 10.0.0.2:7788; meta-disk internal; }\n"
)
LIMIT = 2**64 - 1


def config(section: str, statement: str) -> str:
    """A valid configuration for every version with ``statement`` in ``section``
    (``peer-disk``: the ``disk`` section of a DRBD 9 ``connection``)."""
    if section == "peer-disk":
        hosts = HOSTS.replace("on alpha { ", "on alpha { node-id 0; ").replace("on beta { ", "on beta { node-id 1; ")
        return (f"resource r0 {{\n{hosts}  connection {{\n    host alpha;\n    host beta;\n"
                f"    disk {{\n      {statement}\n    }}\n  }}\n}}\n")
    if section == "global":
        return f"global {{\n  {statement}\n}}\nresource r0 {{\n  protocol C;\n{HOSTS}}}\n"
    return f"resource r0 {{\n  protocol C;\n  {section} {{\n    {statement}\n  }}\n{HOSTS}}}\n"


class Batch:
    """Configurations to judge with one drbdadm; ``run`` returns their exit codes."""

    def __init__(self, version: str):
        self.version = version
        self.texts: list[str] = []

    def add(self, text: str) -> int:
        self.texts.append(text)
        return len(self.texts) - 1

    def run(self) -> list[int]:
        if not self.texts:
            return []
        with tempfile.TemporaryDirectory(prefix="drbdadm-probe-") as tmp:
            for i, text in enumerate(self.texts):
                Path(tmp, f"{i}.conf").write_text(text)
            loop = (f'for i in $(seq 0 {len(self.texts) - 1}); do "{TOOLS[self.version]}" -c "$i.conf" dump all '
                    f'>/dev/null 2>&1 </dev/null; echo "$i $?"; done')
            if self.version == "8.3":  # drbdadm-83 wants to run on one of the hosts
                loop = "ip link set lo up; ip addr add 10.0.0.1/32 dev lo; hostname alpha; " + loop
                argv = ["unshare", "-u", "-n", "sh", "-c", loop]
            else:
                argv = ["sh", "-c", loop]
            env = dict(os.environ, DRBD_DONT_WARN_ON_VERSION_MISMATCH="1")
            out = subprocess.run(argv, cwd=tmp, env=env, capture_output=True, text=True, check=True).stdout
        codes = [0] * len(self.texts)
        for line in out.split("\n"):
            if line:
                i, rc = line.split()
                codes[int(i)] = int(rc)
        return codes


def judge(version: str, texts: list[str]) -> list[bool]:
    batch = Batch(version)
    for t in texts:
        batch.add(t)
    return [rc == 0 for rc in batch.run()]


# --------------------------------------------------------------------------- value probes


def new_strtoll(text: str, scale: str, suffixes: str) -> int | None:
    """drbd-utils' new_strtoll: ``sscanf("%llu%c%c")`` (blanks, a sign, digits; a minus
    wraps around, too many digits saturate), one optional unit letter, rounded up to the
    default unit ``scale``; None when it is not a number."""
    m = re.fullmatch(r"[ \t\n\v\f\r]*([+-]?)([0-9]+)(.?)", text, re.S)
    if m is None:
        return None
    sign, digits, unit = m.groups()
    n = min(int(digits), LIMIT)
    if sign == "-":
        n = (-n) % (LIMIT + 1)
    if not unit:  # a plain number is in the default unit
        return n
    if unit not in suffixes:
        return None
    shift = {"k": 10, "K": 10, "m": 20, "M": 20, "g": 30, "G": 30, "s": 9}[unit]
    shift -= {"1": 0, "k": 10, "s": 9}[scale]
    if shift < 0:
        return (n + (1 << -shift) - 1) >> -shift
    return n << shift if n <= LIMIT >> shift else None


def number_probes() -> list[str]:
    probes = ["0", "1", "2", "7", "31", "32", "100", "1000", "65535", "65536", "99999999", "100000000",
              "4294967296", "4294967297", "abc", "1.5", "-1", "0x10", "1kk", "+5", '"5"', '" 5"', '"5k"']
    probes += [f"{n}{s}" for n in (1, 2, 3, 8, 64, 512, 5000) for s in SUFFIXES]
    return probes


BOOL_PROBES = ["", "yes", "no", "1", "on", "x"]
STRING_PROBES = ["x", "abc", "1", "md5", '"two words"', "disk", "net", "minor", "syncer", "ask", "1.2.3.4",
                 "a", "c", "Detach", "YES", '"C"']
# Words that may be scanner keywords of some drbdadm (then refused where a value is expected).
SCANNER_WORDS = (
    "yes no ask on via minor inside outside skip include floating stacked-on-top-of ignore-on _this_host _remote_host "
    "address device disk meta-disk flexible-meta-disk volume global common resource startup handlers syncer net "
    "options proxy via host hosts path connection connection-mesh node-id port template-file sci ssocks sdp ipv4 "
    "ipv6 plugin alternate-link-address _peer_node_id _is_standalone"
).split()


NUM = re.compile(r"[0-9]{1,8}[MKGs]?")
IPV4 = re.compile(r"([0-9]{1,3}\.){3}[0-9]{1,3}")


def token_class(value: str) -> str:
    """The class drbdadm's scanner gives a value word (the longest match; a tie goes to the
    rule listed first: IPv4 address, number, then string)."""
    if value.startswith('"'):
        return "string"
    if IPV4.fullmatch(value):
        return "ipaddr"
    if NUM.fullmatch(value):
        return "integer"
    return "string"


def statement(name: str, value: str) -> str:
    return f"{name} {value};" if value else f"{name};"


def binary_search(version: str, cases: list[tuple[str, str, int, int]], accept_low: bool) -> list[int]:
    """For each (section, name, lo, hi) with lo accepted and hi refused (``accept_low``) or the
    reverse, the boundary: the largest accepted (or smallest accepted) plain number."""
    state = [list(c[2:]) for c in cases]
    while any(hi - lo > 1 for lo, hi in state):
        texts, owners = [], []
        for i, ((section, name, _lo, _hi), (lo, hi)) in enumerate(zip(cases, state)):
            if hi - lo > 1:
                texts.append(config(section, statement(name, str((lo + hi) // 2))))
                owners.append(i)
        for i, ok in zip(owners, judge(version, texts)):
            lo, hi = state[i]
            mid = (lo + hi) // 2
            if ok == accept_low:
                state[i] = [mid, hi]
            else:
                state[i] = [lo, mid]
    return [lo if accept_low else hi for lo, hi in state]


def infer_number(observed: dict[str, bool], lo: int, hi: int, kind: str = "number") -> dict | None:
    """The (scale, suffixes) that predict every observation, with the range [lo, hi]."""
    for token in ("word", "integer"):
        for scale in ("1", "k", "s"):
            for suffixes in ("kKmMgGs", "KMGs", "KMG", ""):
                rule = {"kind": kind, "scale": scale, "min": lo, "max": hi, "suffixes": suffixes, "token": token}
                if all(predict(rule, value) == ok for value, ok in observed.items() if value):
                    return rule
    return None


def predict(rule: dict, value: str) -> bool:
    kind = rule["kind"]
    if value == "" and "bare" in rule:
        return rule["bare"]
    if kind == "tokens":
        return True
    if kind == "any":
        return single_token(value)
    if kind in ("word", "name"):
        if not single_token(value) or value in rule["reserved"] or value in rule["refused"]:
            return False
        return token_class(value) != "ipaddr" if kind == "word" else token_class(value) == "string"
    if kind in ("bool", "flag"):
        return value in ("", "yes", "no") if kind == "bool" else value == ""
    if kind == "enum":
        return value in rule["values"]
    if kind == "enum_num" and value in rule.get("values", ()):
        return True
    if kind == "string":
        return bool(value)
    if not value.startswith('"') and not re.fullmatch(r"[A-Za-z0-9/._-]+", value):
        return False  # not one word for the scanner (``+5`` is ``+`` then ``5``)
    if rule.get("token") == "integer" and not NUM.fullmatch(value):
        return False  # the scanner's number token: 1 to 8 digits and one of M K G s
    text = value[1:-1] if value.startswith('"') and value.endswith('"') and len(value) > 1 else value
    n = new_strtoll(text, rule["scale"], rule["suffixes"])
    if n is not None and kind == "enum_num":  # enum_num_to_int returns the number as a C int
        n &= 0xFFFFFFFF
        n = n - 2**32 if n >= 2**31 else n
    return n is not None and rule["min"] <= n <= rule["max"]


def word_rule(observed: dict[str, bool], reserved: list[str], kind: str) -> dict | None:
    """``word`` (a string or number token) or ``name`` (a string token only), neither a
    reserved word, explains ``observed`` — with a few more words refused in this place (``on``
    is a value of ``cram-hmac-alg`` in drbdadm-84, no host name)."""
    rule = {"kind": kind, "reserved": reserved, "refused": []}
    wrong = {v: ok for v, ok in observed.items() if v and predict(rule, v) != ok}
    if len(wrong) > 3 or any(wrong.values()):
        return None
    return dict(rule, refused=sorted(wrong))


def probe_reserved(version: str, names: dict[str, str]) -> list[str]:
    """The words drbdadm's scanner turns into keywords that an option value cannot be: those
    refused as the value of ``cram-hmac-alg``, an option whose value no version checks."""
    words = sorted(set(SCANNER_WORDS) | set(names) | {w for vals in kw.ENUMS.values() for w in vals})
    answers = judge(version, [config("net", statement("cram-hmac-alg", w)) for w in words])
    return [w for w, ok in zip(words, answers) if not ok]


LENGTHS = [1, 63, 64, 65, 79, 80, 81, 127, 128, 129, 254, 255, 256, 1000]


def collect(version: str, names: dict[str, str]) -> dict:
    """drbdadm's raw answers: the reserved words, every value probe of every option it takes
    in some section, the boundaries of plain numbers and the longest quoted value taken."""
    reserved = probe_reserved(version, names)
    every = sorted(set(number_probes() + BOOL_PROBES + STRING_PROBES + [e for vals in kw.ENUMS.values() for e in vals]
                       + [e for vals in HANDLERS.values() for e in vals]))
    sections = SECTIONS if version == "9" else tuple(s for s in SECTIONS if s != "peer-disk")
    first = [(s, n, v) for s in sections for n in sorted(names)
             for v in ("", "yes", "1", "100", "1000", "100000", "x", "alpha", *kw.ENUMS.get(n, ())[:1],
                       *HANDLERS.get(n, ())[:1])]
    valid = {(s, n) for (s, n, _v), ok in zip(first, judge(version, [config(s, statement(n, v)) for s, n, v in first])) if ok}
    triples = [(s, n, v) for s, n in sorted(valid) for v in every]
    observed: dict[str, dict[str, dict[str, bool]]] = {}
    for (section, name, value), ok in zip(triples, judge(version, [config(s, statement(n, v)) for s, n, v in triples])):
        observed.setdefault(section, {}).setdefault(name, {})[value] = ok
    numeric, caps = [], []
    for section, by_name in observed.items():
        for name, obs in by_name.items():
            # An enum that also takes numbers (quorum) keeps them in a C int: search below 2^31.
            words = any(ok and new_strtoll(v.strip('"'), "1", "kKmMgGs") is None for v, ok in obs.items() if v)
            cap = 2**31 if words else LIMIT + 1
            plain = sorted(int(v) for v, ok in obs.items() if ok and v.isdigit() and int(v) < cap)
            if plain:
                numeric.append((section, name, plain[0], plain[-1]))
                caps.append(cap)
    highs = binary_search(version, [(s, n, hi, cap) for (s, n, _lo, hi), cap in zip(numeric, caps)], accept_low=True)
    lows = binary_search(version, [(s, n, -1, lo) for s, n, lo, _hi in numeric], accept_low=False)
    bounds = {f"{s} {n}": [lo, hi] for (s, n, _a, _b), lo, hi in zip(numeric, lows, highs)}
    pairs = [(s, n) for s, by in observed.items() for n in by]
    answers = iter(judge(version, [config(s, statement(n, f'"{"a" * k}"')) for s, n in pairs for k in LENGTHS]))
    lengths = {f"{s} {n}": [k for k in LENGTHS if next(answers)] for s, n in pairs}
    # The exact longest quoted value below 256 (a field's max_len): binary search between the
    # longest accepted and the shortest refused probe length.
    cases = []
    for s, n in pairs:
        ok = lengths[f"{s} {n}"]
        if ok and max(ok) < 255:
            cases.append((s, n, max(ok), min([k for k in LENGTHS if k > max(ok)] or [256])))
    state = {(s, n): [lo, hi] for s, n, lo, hi in cases}
    while any(hi - lo > 1 for lo, hi in state.values()):
        todo = [(s, n, (lo + hi) // 2) for (s, n), (lo, hi) in state.items() if hi - lo > 1]
        for (s, n, k), ok in zip(todo, judge(version, [config(s, statement(n, f'"{"a" * k}"')) for s, n, k in todo])):
            state[(s, n)][0 if ok else 1] = k
    for (s, n), (lo, _hi) in state.items():
        lengths[f"{s} {n}"].append(lo)
    return {"reserved": reserved, "keywords": probe_keywords(version, names), "observed": observed, "bounds": bounds,
            "lengths": lengths}


def infer(version: str, raw: dict) -> dict:
    """{section: {name: rule}} explaining every raw answer of one drbdadm (or SystemExit)."""
    reserved = raw["reserved"]
    tables: dict[str, dict] = {}
    for section, by_name in raw["observed"].items():
        for name, observed in by_name.items():
            if not any(observed.values()):
                continue  # not an option of this section for this version
            key = f"{section} {name}"
            rule = classify(observed, reserved, raw["bounds"].get(key))
            if rule is None:
                raise SystemExit(f"drbdadm {version}: cannot explain {section} {name}: {observed}")
            if rule["kind"] not in ("bool", "flag"):
                # ``NAME;`` alone: drbdadm 9 takes it for every option (yes, or no after no-).
                rule["bare"] = observed[""]
            if rule["kind"] in ("any", "word", "name", "string"):
                rule["max_len"] = max(raw["lengths"][key], default=0)
            wrong = {v: ok for v, ok in observed.items() if predict(rule, v) != ok}
            if wrong:
                raise SystemExit(f"drbdadm {version}: {section} {name}: rule {rule} mispredicts {wrong}")
            tables.setdefault(section, {})[name] = {k: v for k, v in rule.items() if k != "reserved"}
    out = {s: dict(sorted(by.items())) for s, by in sorted(tables.items())}
    out["reserved"] = reserved
    out["keywords"] = raw["keywords"]
    return out


def single_token(value: str) -> bool:
    """Whether drbdadm's scanner reads ``value`` as one token (``+5`` is two: ``+`` and ``5``)."""
    return value.startswith('"') or len(value) == 1 or re.fullmatch(r"[A-Za-z0-9/._-]+", value) is not None


def classify(observed: dict[str, bool], reserved: list[str], bounds: list[int] | None) -> dict | None:
    if all(observed.values()):
        return {"kind": "tokens"}  # anything up to the next ``;`` (drbdadm 9 reads and drops it)
    if all(ok == single_token(v) for v, ok in observed.items() if v):
        return {"kind": "any"}
    for kind in ("word", "name"):
        rule = word_rule(observed, reserved, kind)
        if rule:
            return rule
    valued = {v: ok for v, ok in observed.items() if v}
    if observed[""] and observed["yes"] and observed["no"] and not observed["x"]:
        return {"kind": "bool"}
    if observed[""] and not any(valued.values()):
        return {"kind": "flag"}
    words = sorted(v for v, ok in valued.items() if ok and new_strtoll(v.strip('"'), "1", "kKmMgGs") is None)
    if bounds is not None:
        numbers = {v: ok for v, ok in valued.items() if v not in words}
        rule = infer_number(numbers, max(bounds[0], 0), bounds[1], "enum_num" if words else "number")
        return dict(rule, values=words) if rule is not None and words else rule
    if words and not observed["x"]:
        return {"kind": "enum", "values": words}
    return None


HANDLERS: dict[str, list[str]] = {}  # enum values drbdsetup lists (filled by candidate_names)


def candidate_names() -> dict[str, str]:
    """Option names to probe: halint's keyword tables and the options drbdsetup (9 and 8.4)
    lists in its own ``xml-help`` (the same field tables drbdadm 9 parses with)."""
    names = {}
    for section in SECTIONS:
        for name, definition in kw.KEYWORDS.get(section, {}).items():
            names.setdefault(name, definition.type)
    for tool in (shutil.which("drbdsetup"), "/usr/lib/drbd/drbdsetup-84"):
        for command in ("net-options", "disk-options", "attach", "resource-options", "peer-device-options", "new-peer",
                        "connect", "new-resource"):
            out = subprocess.run([tool, "xml-help", command], capture_output=True, text=True).stdout if tool else ""
            for name, body in re.findall(r'<option name="([^"]+)"[^>]*>(.*?)</option>', out, re.S):
                names.setdefault(name, "?")
                for value in re.findall(r"<handler>([^<]+)</handler>", body):
                    if value not in HANDLERS.setdefault(name, []):
                        HANDLERS[name].append(value)
    return names


def probe_keywords(version: str, names: dict[str, str]) -> list[str]:
    """The words drbdadm's scanner makes keywords: those refused as a resource name."""
    words = sorted(set(SCANNER_WORDS) | set(names) | {w for vals in kw.ENUMS.values() for w in vals}
                   | {f"require-drbd-module-version-{op}" for op in ("eq", "ne", "gt", "ge", "lt", "le")})
    texts = [f"resource {w} {{\n  protocol C;\n{HOSTS}}}\n" for w in words]
    return [w for w, ok in zip(words, judge(version, texts)) if not ok]


def render(tables: dict, versions: dict[str, str]) -> str:
    head = (
        '"""What each drbdadm accepts as the value of each option, per section (GENERATED by\n'
        "contrib/drbdadm_probe.py from the answers of the real binaries; do not edit by hand).\n\n"
        "``DRBDADM_VALUES[version][section][option]`` is a rule: ``any`` (drbdadm does not look at\n"
        "the value), ``bool`` (``NAME;``, ``NAME yes;``, ``NAME no;``), ``flag`` (``NAME;`` only),\n"
        "``number`` (``min``/``max`` in the default unit ``scale``; ``suffixes`` the unit letters\n"
        "it takes), ``enum`` (``values``), ``enum_num`` (values or a number), ``any`` (one token),\n"
        "``word``/``name`` (a word or number / a word, not a ``reserved`` one), ``tokens`` (anything\n"
        "up to ``;``). An option missing from a section is not accepted there by that version.\n"
        "``reserved``: words refused as a value; ``keywords``: words the scanner makes keywords\n"
        "(refused as a resource name).\n"
        '"""\n\n'
    )
    return head + f"PROBED_WITH = {pprint.pformat(versions)}\n\nDRBDADM_VALUES = {pprint.pformat(tables, width=110)}\n"


def tool_versions() -> dict[str, str]:
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "drbd-utils"], capture_output=True, text=True)
    return {v: f"{Path(t).name} (drbd-utils {out.stdout.strip() or '?'})" for v, t in TOOLS.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed tables, write nothing")
    parser.add_argument("--out", default=str(OUT))
    parser.add_argument("--save", help="also write drbdadm's raw answers to this JSON file")
    parser.add_argument("--replay", help="infer from raw answers saved by --save instead of asking drbdadm")
    args = parser.parse_args()
    missing = [t for t in TOOLS.values() if not os.access(t, os.X_OK)]
    if not args.replay and (missing or os.geteuid() != 0):
        sys.stderr.write(f"needs root and drbd-utils ({', '.join(missing) or 'not root'})\n")
        return 2
    names = candidate_names()
    if args.replay:
        raw = json.loads(Path(args.replay).read_text())
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(len(TOOLS)) as pool:
            raw = dict(zip(TOOLS, pool.map(lambda v: collect(v, names), TOOLS)))
        if args.save:
            Path(args.save).write_text(json.dumps(raw))
    tables = {version: infer(version, raw[version]) for version in TOOLS}
    text = render(tables, tool_versions())
    if args.check:
        same = Path(args.out).read_text() == text
        print("tables agree with the binaries" if same else "tables differ from the binaries: rerun without --check")
        return 0 if same else 1
    Path(args.out).write_text(text)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
