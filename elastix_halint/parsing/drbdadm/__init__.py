"""What drbdadm 8.3, 8.4 and 9 say of a configuration: accepted, or rejected on which line.

halint's own parser (grammar, recovery, friendly messages: parsing/drbd.py) reads every
version's syntax at once and builds the model the rules walk. Whether a given drbdadm takes
the file is a different question, answered here by following drbd-utils 9.22's hand-written
parsers (``drbdadm_parser.c``, ``drbdadm_postparse.c``, ``drbdadm_main.c`` of ``user/v83``,
``user/v84``, ``user/v9``) on the tokens of its flex scanner (:mod:`.scan`). Why a second
reader: the verdict, and the line drbdadm names, hang on details no grammar for people keeps —
how the scanner cuts ``10.0.0.1:7788``, which words are keywords in which version, which
values each binary takes (tables probed from the binaries: model/drbdadm_values.py), the
order of drbdadm's checks (it stops at the first parse error and goes on after others), what
it derives after parsing. The differential fuzz test (tests/test_drbd_fuzz.py) keeps it
honest against the real binaries.

One module per part of drbdadm, composed into :class:`.emulator.Emulator`:

* :mod:`.reader` — the run, errors, uniqueness tables, the top level and includes;
* :mod:`.options` — setting sections and option values;
* :mod:`.addresses`, :mod:`.volumes`, :mod:`.hosts`, :mod:`.resources` — resource bodies;
* :mod:`.connections` — DRBD 9 connections, paths and meshes;
* :mod:`.postparse` (8.3, 8.4), :mod:`.postparse9` (9) — what drbdadm checks after parsing;
* :mod:`.numbers` (drbd-utils' number readings), :mod:`.config` (what is kept),
  :mod:`.verdict` (the answer).

This package imports nothing itself: halint's parser imports :mod:`.numbers` for every file,
the emulator only when a verdict is asked for.

Where drbdadm depends on the machine it runs on, the emulation is drbdadm run for ``dump all``
without a terminal on a machine none of the host sections names — except drbdadm-83, which
refuses to run anywhere else, so it is emulated on the node named most often in the file (the
tests run it so, in a private namespace). ``require-drbd-module-version-*`` depends on the
loaded kernel module and is left unjudged (``Verdict.depends``).
"""
