"""Heartbeat 3.0.6's own code as the oracle of how a haresources resource word reaches its agent.

For each word the harness does what ResourceManager's ``doscript`` does — the real
``isip``/``canonname``/``resource2script``/``resource2arg`` functions, cut out of
``/usr/share/heartbeat/ResourceManager`` — then runs the top of the real wrapper
``/etc/ha.d/resource.d/SCRIPT`` with ``$arg meta-data`` (unquoted, as ResourceManager passes
them). Nothing is started: the wrappers' ``. hto-mapfuncs`` line is replaced by an
``ra_execocf`` that prints the exported ``OCF_RESKEY_*`` variables and exits, so the OCF agent
(which would change this machine's addresses and mounts) is never reached. ``drbddisk`` is no
OCF wrapper: only its lines before the first function or its ``case "$CMD"`` (which pick ``RES`` and ``CMD``) run.

Everything runs in one ``bash`` (CentOS's ``/bin/sh``, whose ``echo`` leaves backslashes
alone), each word in its own subshell, from an empty folder.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import tempfile
from pathlib import Path

RESOURCE_D = Path("/etc/ha.d/resource.d")
RESOURCE_MANAGER = Path("/usr/share/heartbeat/ResourceManager")
ACTION = "meta-data"  # passed as the action; never reaches an agent (ra_execocf is replaced)
HAVE_HEARTBEAT = RESOURCE_MANAGER.is_file() and (RESOURCE_D / "IPaddr").is_file()

_STUB = (f'LEGAL_ACTIONS="(start|stop|status|usage|meta-data)"\n'
         'ra_execocf() { echo "@ACTION=$1"; env | grep "^OCF_RESKEY_" | sort; exit 0; }\n')
_SOURCE_MAPFUNCS = re.compile(r"^\s*\.\s+/etc/ha\.d/resource\.d//?hto-mapfuncs\s*$", re.MULTILINE)


def _function(text: str, name: str) -> str:
    match = re.search(rf"^{name}\(\) \{{\n.*?^\}}\n", text, re.MULTILINE | re.DOTALL)
    assert match, f"{name}() not found in {RESOURCE_MANAGER}"
    return match.group(0)


def _wrapper_body(script: str) -> str:
    text = (RESOURCE_D / script).read_text()
    if script in ("drbddisk", "drbdupper"):
        # up to the first function or the case on the command: RES and CMD are set
        cut = re.search(r"^(\w+\(\)\s*|case \"\$CMD\" in)$", text, re.MULTILINE)
        return text[:cut.start()] + 'echo "@RES=$RES"; echo "@CMD=$CMD"; exit 0\n'
    assert _SOURCE_MAPFUNCS.search(text), f"{script} does not source hto-mapfuncs"
    return _SOURCE_MAPFUNCS.sub(lambda _m: _STUB, text)


def harness(words: list[str], scripts: tuple[str, ...]) -> str:
    rm = RESOURCE_MANAGER.read_text()
    parts = ["unset $(env | sed -n 's/^\\(OCF_RESKEY_[^=]*\\)=.*/\\1/p')\n"]
    parts += [_function(rm, name) for name in ("isip", "canonname", "resource2script", "resource2arg")]
    bodies = "".join(f"  {s}) {_wrapper_body(s)}\n  ;;\n" for s in scripts)
    parts.append("run_word() {\n"
                 '  script=`resource2script $1`; script=`canonname $script`; script=`resource2script $script`\n'
                 '  arg=`resource2arg $1`\n'
                 '  echo "@SCRIPT=$script"\n'
                 f'  set -- $arg {ACTION}\n'
                 '  case "$script" in\n' + bodies + '  *) echo "@UNMODELLED";;\n  esac\n}\n')
    for word in words:
        parts.append(f"(run_word {shlex.quote(word)}) 2>/dev/null; echo \"@RC=$?\"; echo @END\n")
    return "".join(parts)


def run(words: list[str], scripts: tuple[str, ...]) -> list[dict]:
    """For each word: ``script``, ``variables`` (OCF_RESKEY_* without the prefix; drbddisk:
    ``res``), ``action`` (what the wrapper hands on as the action; None when it stopped before),
    ``rc`` (not 0 with no action: it stopped with its usage text)."""
    with tempfile.TemporaryDirectory() as empty:
        out = subprocess.run(["bash", "-s"], input=harness(words, scripts), capture_output=True, text=True,
                             cwd=empty, env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"}, timeout=300).stdout
    results, current = [], None
    for line in out.splitlines():
        if line.startswith("@SCRIPT="):
            current = {"script": line[8:], "variables": {}, "action": None, "rc": None}
        elif line == "@END":
            results.append(current)
        elif line.startswith("@RC="):
            current["rc"] = int(line[4:])
        elif line.startswith("@ACTION=") or line.startswith("@CMD="):
            current["action"] = line.split("=", 1)[1]
        elif line.startswith("@RES="):
            current["variables"]["res"] = line[5:]
        elif line.startswith("OCF_RESKEY_"):
            key, _, value = line[len("OCF_RESKEY_"):].partition("=")
            current["variables"][key] = value
    assert len(results) == len(words), out[-2000:]
    return results
