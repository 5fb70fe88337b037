"""What the whole-process benchmarks share: a wheel installed into a fresh venv, and alternated runs.

* ``install(work)`` builds the wheel of this checkout (or of a git revision) and installs it into
  a new venv, as a user would (``pip install WHEEL``, dependencies included). With no index
  reachable, the dependencies come from the interpreter running the benchmark instead (a
  ``.pth`` line naming its site-packages; ``.pth`` files there are not run, so nothing else it
  has installed is imported at start-up). The venv is never created with
  ``--system-site-packages``: a ``.pth`` file in the base interpreter's site-packages that
  imports something at every start would slow ``python -c pass`` and flatter every ratio.
* ``alternate(commands, runs)`` runs each command once per round, round after round, so a change
  in the machine's load hits them all alike, and returns the wall time, CPU time (user + system)
  and peak RSS of every run, read from ``wait4`` for that child alone.
"""

from __future__ import annotations

import argparse
import os
import shutil
import site
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import venv
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "samples" / "elastix-2.3"
DRBDADM84 = "/usr/lib/drbd/drbdadm-84"


def sh(*cmd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], check=True, capture_output=True, text=True, **kw)


def source_tree(work: Path, rev: str | None) -> Path:
    """This checkout, or the tree of git revision ``rev`` exported into ``work``."""
    if rev is None:
        return REPO
    dest = work / f"src-{rev.replace('/', '_')}"
    dest.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", rev], check=True, capture_output=True).stdout
    tar_path = work / "src.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(dest, filter="data")
    tar_path.unlink()
    return dest


def install(work: Path, rev: str | None = None, name: str = "venv") -> Path:
    """Build the wheel (of ``rev`` or of this checkout), install it into ``work/name``; return
    the venv's python."""
    src = source_tree(work, rev)
    wheels = work / f"wheels-{name}"
    sh(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", wheels, src)
    wheel = next(wheels.glob("*.whl"))
    env_dir = work / name
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    try:
        sh(py, "-m", "pip", "install", "-q", wheel)
    except subprocess.CalledProcessError:  # no index reachable: borrow our dependencies
        sh(py, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel)
        purelib = sh(py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
        ours = [p for p in (*site.getsitepackages(), site.getusersitepackages()) if os.path.isdir(p)]
        Path(purelib, "_halint_bench_deps.pth").write_text("\n".join(ours) + "\n")
    # Run from elsewhere: from the checkout, '' on sys.path would import the source tree.
    where = sh(py, "-c", "import elastix_halint; print(elastix_halint.__file__)", cwd=work).stdout.strip()
    if not where.startswith(str(env_dir)):
        sys.exit(f"the venv imports elastix_halint from {where}, not from the wheel")
    return py


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # seconds, user + system
    rss_kib: int  # peak resident set


def run_once(cmd: list[str], env: dict | None = None, cwd: Path | None = None, ok=(0, 1), stdout=None) -> Run:
    start = time.perf_counter()
    proc = subprocess.Popen([str(c) for c in cmd], env=env, cwd=cwd, stdout=stdout or subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in ok:
        sys.exit(f"{' '.join(map(str, cmd))[:200]} failed ({proc.returncode}): {err.decode(errors='replace')[-800:]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)


def alternate(commands: dict[str, list], runs: int, env: dict | None = None, cwd: Path | None = None,
              warm: bool = True) -> dict[str, list[Run]]:
    """Every command once per round, ``runs`` rounds (after one warm-up round)."""
    if warm:
        for cmd in commands.values():
            run_once(cmd, env, cwd)
    out: dict[str, list[Run]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            out[name].append(run_once(cmd, env, cwd))
    return out


def median(runs: list[Run], what: str = "wall") -> float:
    return statistics.median(getattr(r, what) for r in runs)


def ratio_line(label: str, ours: list[Run], ref: list[Run], ref_name: str, target: float | None = None) -> str:
    """``label: halint W ms (cpu C ms), ref R ms (cpu ...), ratio X (cpu Y) [target]`` on medians."""
    w, rw = median(ours), median(ref)
    c, rc = median(ours, "cpu"), median(ref, "cpu")
    verdict = ""
    if target is not None:
        verdict = f"  target <= {target:g}x: {'ok' if w / rw <= target else 'MISSED'}"
    return (f"{label}: halint {w * 1000:.0f} ms (cpu {c * 1000:.0f}), {ref_name} {rw * 1000:.1f} ms "
            f"(cpu {rc * 1000:.1f}), ratio {w / rw:.2f}x (cpu {c / rc:.2f}x), medians of {len(ours)}{verdict}")


def quiet_env() -> dict:
    """The environment of a CI log: no colour, not in GitHub Actions."""
    env = dict(os.environ, NO_COLOR="1", DRBD_DONT_WARN_ON_VERSION_MISMATCH="1")
    for key in ("GITHUB_ACTIONS", "FORCE_COLOR", "PYTHONDONTWRITEBYTECODE"):
        env.pop(key, None)
    return env


def today() -> str:
    """The date and machine a result line belongs to, and how busy the machine is (README
    figures quote them: on a loaded machine every absolute time is slower, the ratios less so)."""
    import platform

    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{time.strftime('%Y-%m-%d %H:%M %Z')}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"load average {load}")


def generate_drbd(n: int = 400) -> str:
    """A drbd.conf in the HOWTO's 8.3 style with ``n`` resources and distinct minors/ports
    (~170 KB for 400)."""
    parts = [
        "global { usage-count no; }\n"
        "common {\n  protocol C;\n  startup { wfc-timeout 10; degr-wfc-timeout 30; }\n"
        "  net { cram-hmac-alg \"sha1\"; shared-secret \"bench-secret\"; }\n}\n"
    ]
    for i in range(n):
        parts.append(
            f"# replicated volume of tenant {i}\n"
            f"resource r{i} {{\n"
            f"  startup {{ degr-wfc-timeout 30; }}\n"
            f"  disk {{ on-io-error detach; }}\n"
            f"  net {{ after-sb-0pri discard-zero-changes; after-sb-1pri discard-secondary; }}\n"
            f"  syncer {{ rate 100M; }}\n"
            f"  on voipserver.drbd {{ device /dev/drbd{i}; disk /dev/vg/r{i}; address 10.1.1.1:{7788 + i}; meta-disk internal; }}\n"
            f"  on voipbackup.drbd {{ device /dev/drbd{i}; disk /dev/vg/r{i}; address 10.1.1.2:{7788 + i}; meta-disk internal; }}\n"
            f"}}\n"
        )
    return "".join(parts)


def cleanup(work: Path, keep: bool) -> None:
    if keep:
        print(f"kept {work}", file=sys.stderr)
    else:
        shutil.rmtree(work, ignore_errors=True)


def arguments(doc: str, runs: int) -> argparse.ArgumentParser:
    """The options every benchmark takes: ``--runs`` (rounds, alternated) and ``--keep``."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--runs", type=int, default=runs)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return ap


@contextmanager
def fresh_venv(keep: bool):
    """``(work, python)``: a temporary folder holding a venv with this checkout's wheel
    installed; the folder is removed afterwards unless ``keep``."""
    work = Path(tempfile.mkdtemp(prefix="halint-bench-"))
    try:
        yield work, install(work)
    finally:
        cleanup(work, keep)
