"""Property: no Heartbeat rule crashes, whatever ha.cf, authkeys and haresources hold, with and
without node facts (a rule that raises is reported as "rule X crashed" by the engine)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from conftest import SAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from elastix_halint.lint.config import Settings
from elastix_halint.lint.engine import Engine
from elastix_halint.lint.registry import load_registry
from elastix_halint.loader import load_paths

REGISTRY = load_registry()
NODES = ("voipserver.drbd", "voipbackup.drbd")

_HACF_WORDS = st.sampled_from([
    "keepalive", "deadtime", "warntime", "initdead", "udpport", "bcast", "ucast", "mcast", "serial", "node",
    "auto_failback", "crm", "pacemaker", "debug", "logfile", "watchdog", "stonith_host", "autojoin", "dead_time",
    "2", "30", "0", "500ms", "1.5", "x", "on", "off", "legacy", "eth0", "eth1", "ethl", "bond0", "eth0:0",
    "10.1.1.2", "192.168.1.243", "239.0.0.1", "224.0.0.300", "694", "-1", "70000", "voipserver.drbd", "any", "*",
])
_RES_WORDS = st.sampled_from([
    "drbddisk::r0", "drbddisk::rO", "drbddisk", "drbddisk::", "Filesystem::/dev/drbd0::/replica::ext3",
    "Filesystem::/dev/sda3::/replica::ext3", "Filesystem::/dev/drbd1::replica::ext33", "Filesystem::/dev/drbd0",
    "Filesystem::::::", "IPaddr::192.168.1.245/24/eth0/192.168.1.255", "IPaddr::192.168.1.243", "10.9.9.9",
    "IPaddr::1.2.3.4/255.0.255.0", "IPaddr::1.2.3.0/24/eth9:1/1.2.3.7", "IPaddr2::192.168.1.245/33",
    "IPaddr::192.168.1.245//eth0", "IPaddr::", "mysqld", "asterisk", "httpd", "MailTo::a@b", "\\", "#",
])
_LINE = lambda words: st.lists(words, min_size=0, max_size=6).map(" ".join)  # noqa: E731
_HACF = st.lists(_LINE(_HACF_WORDS), max_size=12).map("\n".join)
_HARES = st.lists(st.tuples(st.sampled_from(["voipserver.drbd", "VOIPSERVER.DRBD", "other", "10.0.0.1"]),
                            _LINE(_RES_WORDS), st.sampled_from(["", " \\", "\\", " # c"])),
                  max_size=4).map(lambda groups: "\n".join(f"{n} {r}{end}" for n, r, end in groups))
_AUTH = st.lists(st.sampled_from(["auth 1", "auth 2", "auth x", "auth 16", "1 sha1 k3y-k3y-k3y", "1 md5", "2 crc",
                                  "2 crc extra", "1 sha1 MySecret", "3 shal abcdefgh", "1 sha1 a", "# c"]),
                 max_size=5).map("\n".join)


def crashes(paths: list[str]) -> list[str]:
    run = Engine(REGISTRY, Settings(select=["HB"])).lint(load_paths(paths))
    return [w for w in run.warnings if "crashed" in w or "without a span" in w]


def write(folder: Path, hacf: str, hares: str, auth: str) -> None:
    for name, text in (("ha.cf", hacf), ("haresources", hares), ("authkeys", auth)):
        (folder / "etc/ha.d" / name).write_text(text + "\n")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hacf=_HACF, hares=_HARES, auth=_AUTH)
def test_no_crash_on_a_bundle_with_facts(hacf, hares, auth):
    with tempfile.TemporaryDirectory() as tmp:
        bundle = Path(tmp) / "bundle"
        shutil.copytree(SAMPLES / "elastix-2.3", bundle)
        write(bundle / NODES[0], hacf, hares, auth)
        assert crashes([str(bundle)]) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hacf=_HACF, hares=_HARES, auth=_AUTH)
def test_no_crash_on_loose_files(hacf, hares, auth):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "etc/ha.d").mkdir(parents=True)
        write(folder, hacf, hares, auth)
        paths = [str(folder / "etc/ha.d" / n) for n in ("ha.cf", "haresources", "authkeys")]
        assert crashes(paths) == []
