from __future__ import annotations

from elastix_halint.builtin.drbd._helpers import FileRule, all_options, gone_from_syncer_in_9, keyword_versions
from elastix_halint.lint.rule import Finding, Severity
from elastix_halint.model import drbd_keywords as kw


class KeywordOfOtherVersion(FileRule):
    """A keyword that the DRBD version this file is written for does not know.

    ## What it checks
    Every statement and block against the keyword tables of the syntax version the file
    shows (8.3, 8.4 or 9, told from keywords only one version has): e.g. `discard-my-data`,
    `max-bio-bvecs`, `ignore-on` or `syncer { rate }` in a DRBD 9 file (drbdadm 9 keeps only
    `after`, `al-extents`, `use-rle`, `cpu-mask`, `verify-alg`, `csums-alg` in `syncer`), the
    deprecated 8.3 `delay-probe-*` in an 8.4 file. Keywords no version knows, and known
    keywords in the wrong section, are reported by the parser (PARSE001) instead.

    ## Why it matters
    drbdadm aborts on a keyword its version does not have (`pe_expected` → exit 10, "config
    invalid"), so `/etc/init.d/drbd start` does nothing and Heartbeat's `drbddisk` fails on the
    next failover (drbd-utils `drbdadm_scanner.fl`/`drbdadm_parser.c`; KEYWORDS.md §3).

    ## Example
    ```
    resource r0 {
      net { discard-my-data; }          # removed in DRBD 9
      on alpha { node-id 0; ... }       # DRBD 9 syntax
    }
    ```

    ## Fix
    Write the keyword of the version in use (rename table in drbd.conf(5) of 8.4 and 9), or
    remove the statement.
    """

    id = "DRBD100"
    name = "keyword-of-other-version"
    severity = Severity.ERROR

    def check_file(self, model, ctx):
        version = model.version
        if version is None:
            return
        evidence = f" (the file uses DRBD {version} syntax: {model.version_evidence[0]})" if model.version_evidence else ""
        for opt, definition in all_options(model):
            if version == kw.V9 and gone_from_syncer_in_9(opt, definition):
                yield Finding(opt.name_span, f"drbdadm 9 accepts no `{opt.name}` in `syncer`{evidence}",
                              hint=f"write `{opt.canonical_name}` in the `disk` section")
                continue
            versions = keyword_versions(opt, definition)
            if versions is None or version in versions:
                continue
            if not versions:
                yield Finding(opt.name_span, f"no drbdadm takes `{opt.name}` in a `{opt.section}` section of a "
                                             "configuration file", hint=_rename_hint(opt, version))
                continue
            known = "/".join(sorted(versions))
            yield Finding(opt.name_span, f"`{opt.name}` is DRBD {known} syntax, not DRBD {version}{evidence}",
                          hint=_rename_hint(opt, version))
        for top in model.sections:
            yield from self._blocks(top, "top", version, evidence)

    def _blocks(self, sec, parent, version, evidence):
        allowed = kw.section_versions(parent, sec.keyword)
        if allowed is not None and version not in allowed:
            known = "/".join(sorted(allowed))
            yield Finding(sec.keyword_span, f"a `{sec.keyword}` section is DRBD {known} syntax, not DRBD {version}{evidence}",
                          hint="remove it or write the configuration for one DRBD version")
        for sub in sec.sections:
            yield from self._blocks(sub, kw.table_for(parent, sec.keyword), version, evidence)


def _rename_hint(opt, version) -> str:
    if opt.canonical_name != opt.name and version != kw.V83:
        return f"write `{opt.canonical_name}` in the `{opt.canonical_section}` section"
    return "remove it or use the keyword of this DRBD version (drbd.conf(5))"
