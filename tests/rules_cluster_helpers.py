"""Helpers of the cluster rule tests (DRBD2xx, NODE1xx, STATE1xx): a well-configured two-node
bundle (tests/data/good-cluster) and "break one thing" edits applied to a copy of it.

The broken sample bundles under samples/broken-*/ are samples/elastix-2.3 with one of these
edits (``python tests/rules_cluster_helpers.py`` rewrites them); the tests apply the same edits
to tmp copies of the good cluster and of the sample, so a sample and its test cannot drift
apart.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
GOOD = TESTS / "data" / "good-cluster"
SAMPLE = TESTS.parent / "samples" / "elastix-2.3"
SERVER, BACKUP = "voipserver.drbd", "voipbackup.drbd"
BOTH = (SERVER, BACKUP)

PROC_LINE = " 0: cs:Connected ro:{ro} ds:UpToDate/UpToDate C r-----"


def copy_bundle(dest: Path, source: Path = GOOD) -> Path:
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(source, dest)
    return dest


def replace(bundle: Path, nodes, rel: str, old: str, new: str) -> None:
    """Replace ``old`` (which must be there) by ``new`` in node file ``rel`` of each of ``nodes``."""
    for node in nodes:
        path = bundle / node / rel
        text = path.read_text()
        if old not in text:
            raise AssertionError(f"{old!r} not in {path}")
        path.write_text(text.replace(old, new, 1))


def write(bundle: Path, node: str, rel: str, text: str) -> None:
    path = bundle / node / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def proc_state(bundle: Path, node: str, state_line: str, counters: str | None = None) -> None:
    """Put ``state_line`` (`` 0: cs:... ro:... ds:... C r-----``) into a node's proc/drbd."""
    path = bundle / node / "proc" / "drbd"
    lines = path.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith(" 0: "))
    lines[index] = state_line
    if counters is not None:
        lines[index + 1] = counters
    path.write_text("\n".join(lines) + "\n")


# One broken thing each: name → function(bundle). Used by fixtures, samples and tests.
def smaller_secondary_disk(bundle: Path) -> None:
    replace(bundle, [BACKUP], "proc/partitions", "428919435 sda3", "418919435 sda3")


def renamed_backup(bundle: Path) -> None:
    write(bundle, BACKUP, "facts/uname-n", "voipbackup\n")
    write(bundle, BACKUP, "etc/hostname", "voipbackup\n")


def authkeys_644(bundle: Path) -> None:
    replace(bundle, BOTH, "facts/stat", "600 root root /etc/ha.d/authkeys", "644 root root /etc/ha.d/authkeys")


def violent_split_brain_policy(bundle: Path) -> None:
    replace(bundle, BOTH, "etc/drbd.conf", "after-sb-1pri discard-secondary;", "after-sb-1pri violently-as0p;")
    replace(bundle, BOTH, "etc/drbd.conf", "after-sb-0pri discard-younger-primary;", "after-sb-0pri discard-local;")


def filesystem_on_backing_disk(bundle: Path) -> None:
    replace(bundle, BOTH, "etc/ha.d/haresources", "Filesystem::/dev/drbd0::", "Filesystem::/dev/sda3::")


def upgraded_asterisk(bundle: Path) -> None:
    replace(bundle, [BACKUP], "facts/links", "symbolic link|/etc/asterisk|`/etc/asterisk' -> `/replica/etc/asterisk/'",
            "directory|/etc/asterisk|`/etc/asterisk'")


def peer_name_on_loopback(bundle: Path) -> None:
    replace(bundle, [BACKUP], "etc/hosts", "127.0.0.1 localhost localhost.localdomain",
            "127.0.0.1 localhost voipbackup.drbd localhost.localdomain")


BREAKS = {
    "smaller_secondary_disk": smaller_secondary_disk,
    "renamed_backup": renamed_backup,
    "authkeys_644": authkeys_644,
    "violent_split_brain_policy": violent_split_brain_policy,
    "filesystem_on_backing_disk": filesystem_on_backing_disk,
    "upgraded_asterisk": upgraded_asterisk,
    "peer_name_on_loopback": peer_name_on_loopback,
}

# samples/<name>/: a copy of samples/elastix-2.3 with one break, and the rule that must report it.
SAMPLES = {
    "broken-partition-sizes": (smaller_secondary_disk, "DRBD202"),
    "broken-hostname": (renamed_backup, "DRBD201"),
    "broken-authkeys-644": (authkeys_644, "HB200"),
    "broken-split-brain-policy": (violent_split_brain_policy, "DRBD113"),
    "broken-haresources-device": (filesystem_on_backing_disk, "HB303"),
    "broken-upgrade-symlink": (upgraded_asterisk, "NODE107"),
}


def lint(*paths, select=None, root=None, peer=None):
    """Lint in-process (like `halint lint`) and return the LintRun."""
    from elastix_halint.lint.config import Settings
    from elastix_halint.lint.engine import Engine
    from elastix_halint.lint.registry import load_registry
    from elastix_halint.loader import load_paths

    settings = Settings(select=list(select) if select else None)
    return Engine(load_registry(), settings).lint(load_paths([str(p) for p in paths], root=root, peer=peer))


def findings(run, rule_id: str) -> list:
    return [p for p in run.problems if p.rule_id == rule_id]


def make_samples(root: Path = TESTS.parent / "samples") -> None:
    for name, (brk, _rule) in SAMPLES.items():
        brk(copy_bundle(root / name, SAMPLE))


if __name__ == "__main__":  # regenerate the broken samples
    make_samples()
    print("samples written", file=sys.stderr)
