"""Lint many clusters on several CPUs, with the output of one process.

``halint lint b1 b2 … b300`` (a CI job over a fleet's bundles) spends ~13 ms of CPU a bundle,
all of it in Python: one process uses one core. As flake8's ``--jobs`` does, the clusters are
cut into contiguous shares, one per worker; the workers are forked (``elastix_halint.forked``)
after the rules are loaded and the engine is built, so nothing is imported or set up twice;
each lints its share and sends its ``LintRun``s back, and this process lints the first share
itself. Runs are put back in the clusters' order, so reports are byte for byte those of
``--jobs 1``; an error is the one the serial run meets first (the earliest cluster's).
Without ``os.fork``, once a thread runs, or for a single cluster, everything runs here.
"""

from __future__ import annotations

import gc

from elastix_halint import collector, forked

# The collector is paused while clusters are linted (``collector``: their models form almost no
# cycles); each still leaves a few dozen cyclic objects (~50 for the sample bundle), so a
# long run collects once every this many clusters.
COLLECT_EVERY = 64


def default_jobs() -> int:
    return forked.cpus()


def lint_clusters(engine, loads: list, jobs: int) -> list:
    """``[engine.lint(load()) for load in loads]``, on up to ``jobs`` processes."""
    jobs = min(jobs, len(loads))
    if jobs <= 1 or not forked.available():
        return _lint_share(engine, loads)
    shares = _shares(loads, jobs)
    workers = []
    try:
        for share in shares[1:]:
            workers.append(forked.Forked(lambda share=share: _lint_share(engine, share)))
        runs = _lint_share(engine, shares[0])
        while workers:
            runs += workers.pop(0).result()
        return runs
    finally:
        for worker in workers:  # this process failed or was interrupted: stop the rest
            worker.stop()


def _lint_share(engine, loads: list) -> list:
    runs = []
    with collector.paused():
        for done, load in enumerate(loads, 1):
            runs.append(engine.lint(load()))
            if done % COLLECT_EVERY == 0:
                gc.collect()
    return runs


def _shares(items: list, n: int) -> list[list]:
    size, extra = divmod(len(items), n)
    out, start = [], 0
    for i in range(n):
        end = start + size + (i < extra)
        out.append(items[start:end])
        start = end
    return out
