from __future__ import annotations

import os

from elastix_halint.builtin.drbd._helpers import FileRule
from elastix_halint.lint.rule import Finding, Severity
from elastix_halint.model import drbd_keywords as kw
from elastix_halint.model.span import Span


class DrbdadmRejects(FileRule):
    """The node's drbdadm refuses this configuration, here.

    ## What it checks
    halint reads every drbd.conf (with its includes) the way drbdadm 8.3, 8.4 and 9 do
    (drbd-utils 9.22's own parsers, followed step by step; the option tables come from the
    binaries themselves, see contrib/drbdadm_probe.py). This rule reports where the drbdadm of
    the node's DRBD version stops or finds the configuration invalid: a syntax error, a value
    out of range or not a number, an address, minor, disk or meta-data index used twice, a
    host section without `device`, `disk`, `address` or `meta-disk`, volumes that differ
    between hosts, a DRBD 9 connection without two ends, a missing `node-id`. The version is
    the rule option `version` ("8.3", "8.4", "9"), else the node's /proc/drbd, else the syntax
    version of the file, else 8.4. Syntax errors already reported by `halint parse` for that
    version are not repeated. drbdadm is emulated as run without a terminal (an unknown
    resource in `resync-after` is dropped with a warning, as for Heartbeat's and Pacemaker's
    calls) on a machine that is none of the file's hosts (drbdadm-83: on the node the file
    names most often, the only place it runs).

    ## Why it matters
    drbdadm exits with an error on such a file: `drbdadm up`, the init script and Heartbeat's
    `drbddisk` do nothing, so the resource never comes up on the next boot or failover.

    ## Example
    ```
    on alpha { device /dev/drbd0; disk /dev/sda3; address 10.1.1.1:7788; meta-disk internal; }
    on beta  { device /dev/drbd0; disk /dev/sda3; address 10.1.1.1:7788; meta-disk internal; }
    # drbdadm: conflicting use of IP '10.1.1.1:7788'
    ```

    ## Fix
    Correct the statement at the reported line (drbd.conf(5) of the node's version); run
    `drbdadm dump` on the node to confirm.
    """

    id = "DRBD131"
    name = "drbdadm-rejects"
    severity = Severity.ERROR
    options = {"version": ""}

    def check_file(self, model, ctx):
        node = getattr(ctx, "node", None)
        module = node.drbd_module_version if node is not None else None
        version = str(ctx.option("version", "") or "") or module or model.version
        version = version if version in kw.VERSIONS else kw.V84
        verdict = model.verdict(version)
        if verdict is None or verdict.ok or verdict.depends or version in model.drbdadm_in_parse:
            return
        file = verdict.real_file or verdict.file or (model.files[0] if model.files else "drbd.conf")
        line = verdict.real_line or verdict.line or 1
        span = Span(file, line, verdict.column, line, verdict.column + 1)
        where = ""
        if verdict.line is None:
            where = " (drbdadm names no line)"
        elif verdict.real_line is not None:  # drbdadm prints the entry file for an included statement
            where = f" (drbdadm says {os.path.basename(verdict.file or '')}:{verdict.line})"
        yield Finding(span, f"drbdadm {version} rejects the configuration here{where}: {verdict.message}",
                      hint=f"correct it for DRBD {version}; `drbdadm dump` on the node shows the same error")
