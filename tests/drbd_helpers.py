"""Shared helpers of the tests/test_drbd_*.py files: the corpus oracle, halint's JSON model and
drbdadm's dump-xml reduced to the same comparable facts."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from conftest import CORPUS, SAMPLES, run_halint

DRBDADM84 = "/usr/lib/drbd/drbdadm-84"
DRBDADM9 = shutil.which("drbdadm") or "/usr/sbin/drbdadm"
HAVE_DRBDADM = os.access(DRBDADM84, os.X_OK) and os.access(DRBDADM9, os.X_OK)
SAMPLE_CONFS = sorted(SAMPLES.glob("*/*/etc/drbd.conf"))


def oracle_rows() -> list[dict]:
    path = CORPUS / "ORACLE.tsv"
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def entry_of(row: dict, tmp_dir: Path | None = None) -> Path:
    """The file to parse for an oracle row; a folder without drbd.conf gets the oracle's wrapper
    (global_common.conf, then the other *.conf, then the rest), written into ``tmp_dir``'s copy."""
    base = CORPUS / row["file"]
    if base.is_file():
        return base
    entry = base / row["entry_point"]
    if entry.is_file():
        return entry
    assert tmp_dir is not None, "a synthetic wrapper needs a temp dir"
    copy = tmp_dir / base.name
    shutil.copytree(base, copy)
    names = sorted(p.name for p in copy.iterdir() if p.is_file())
    order = [n for n in names if n == "global_common.conf"]
    order += [n for n in names if n.endswith(".conf") and n not in order]
    order += [n for n in names if n not in order]
    wrapper = copy / row["entry_point"]
    wrapper.write_text("".join(f'include "{n}";\n' for n in order))
    return wrapper


def halint_json(path: Path, *extra: str) -> dict:
    """``halint parse --format json PATH``'s entry for the file, run as a user would."""
    proc = run_halint("parse", "--format", "json", *extra, str(path), cwd=path.parent)
    assert proc.returncode in (0, 2), proc.stderr
    return json.loads(proc.stdout)["files"][0]


def parse_json(path: Path) -> dict:
    """The same entry computed in this process (what ``halint parse`` prints, minus the CLI)."""
    from elastix_halint.parsing.run import outcome_json, parse_one

    return json.loads(json.dumps(outcome_json(parse_one(str(path), None), redact=True)))


# drbdadm fills in `internal` for an unset meta-disk in some versions/sections and not in others.
def _meta(text: str | None) -> str:
    return text or "internal"


def facts_from_model(model: dict) -> dict:
    """resource → host key → (address, sorted volumes): what both tools must agree on."""
    out = {}
    for res in model["resources"]:
        hosts = {}
        for h in res["hosts"]:
            if h["keyword"] not in ("on", "floating", "stacked-on-top-of"):
                continue
            addr = h["address"]
            address = (addr["family"], addr["ip"], str(addr["port"])) if addr else None
            key = f"floating {address}" if h["floating"] else " ".join(h["names"])
            vols = sorted(
                (v["number"], v["minor"], v["device"] or "", v["disk"] or "", _meta(v["meta_disk"]),
                 v["meta_index"]) for v in h["volumes"]
            )
            hosts[key] = (address, vols)
        out[res["name"]] = hosts
    return out


def dump_xml(tool: str, path: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, DRBD_DONT_WARN_ON_VERSION_MISMATCH="1")
    return subprocess.run([tool, "-c", path.name, "dump-xml", "all"], cwd=path.parent, env=env,
                          capture_output=True, text=True, errors="replace", timeout=60)


def facts_from_xml(xml_text: str) -> dict:
    root = ET.fromstring(xml_text)
    out = {}
    for res in root.findall("resource"):
        hosts = {}
        for host in res.findall("host"):
            a = host.find("address")
            address = (a.get("family"), a.text, a.get("port")) if a is not None else None
            key = host.get("name") if host.get("floating") is None else f"floating {address}"
            vols = []
            for vol in host.findall("volume") or [host]:
                dev, disk, md = vol.find("device"), vol.find("disk"), vol.find("meta-disk")
                if dev is None and disk is None and md is None:
                    continue
                index = md.get("index") if md is not None else None
                vols.append((int(vol.get("vnr", 0)), int(dev.get("minor")) if dev is not None and dev.get("minor") else None,
                             (dev.text or "") if dev is not None else "", (disk.text or "") if disk is not None else "",
                             _meta(md.text if md is not None else None), int(index) if index else None))
            hosts[key] = (address, sorted(vols))
        out[res.get("name")] = hosts
    return out


DRBDADM83 = "/usr/lib/drbd/drbdadm-83"
# unshare needs root; CI runs as root, and so does this machine's test run.
HAVE_DRBDADM83 = os.access(DRBDADM83, os.X_OK) and os.geteuid() == 0 and shutil.which("unshare") is not None


def oracle_version(model: dict | None) -> str:
    """The drbdadm to ask about a file: the syntax version halint sees (8.4 when undetermined)."""
    version = (model or {}).get("version")
    return version if version in ("8.3", "9") else "8.4"


def _host_for_83(model: dict | None) -> tuple[str, list[str]]:
    """A node name of the file and its addresses: drbdadm-83 insists on a host section for the
    machine it runs on, with an address the machine has."""
    best: dict[str, list[str]] = {}
    for res in (model or {}).get("resources", []):
        for h in res["hosts"]:
            if h["keyword"] == "on" and h["address"] and h["address"]["family"] in ("ipv4", "ipv6"):
                for name in h["names"]:
                    best.setdefault(name, []).append(h["address"]["ip"])
    if not best:
        return "halint-oracle", []
    name = max(best, key=lambda n: len(best[n]))
    return name, best[name]


def dump_xml_83(path: Path, model: dict | None, command: str = "dump-xml") -> subprocess.CompletedProcess:
    """drbdadm-83 in a private UTS and network namespace whose hostname and loopback addresses
    are those of one of the file's nodes (nothing leaves the namespace)."""
    name, addresses = _host_for_83(model)
    script = "ip link set lo up; " + "".join(f"ip addr add {a}/{128 if ':' in a else 32} dev lo 2>/dev/null; "
                                             for a in sorted(set(addresses)))
    script += f'hostname "$1"; exec {DRBDADM83} -c "$2" {command} all'
    env = dict(os.environ, DRBD_DONT_WARN_ON_VERSION_MISMATCH="1")
    return subprocess.run(["unshare", "-u", "-n", "sh", "-c", script, "sh", name, path.name], cwd=path.parent,
                          env=env, capture_output=True, text=True, errors="replace", timeout=60)


def run_oracle(version: str, path: Path, model: dict | None = None) -> subprocess.CompletedProcess:
    if version == "8.3":
        return dump_xml_83(path, model)
    return dump_xml(DRBDADM9 if version == "9" else DRBDADM84, path)
