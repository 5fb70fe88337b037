"""No input makes the Heartbeat/hosts parsers raise, and every diagnostic points inside the file."""

from __future__ import annotations

import pytest
from conftest import CORPUS, SAMPLES
from hb_helpers import assert_spans_inside, parse_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from elastix_halint.parsing import authkeys, hacf, haresources, hosts

MODULES = {"hacf": hacf, "authkeys": authkeys, "haresources": haresources, "hosts": hosts}


def _seeds(kind: str) -> list[str]:
    folder = {"hacf": "hacf", "authkeys": "authkeys", "haresources": "haresources"}.get(kind)
    texts = []
    if folder and (CORPUS / folder).is_dir():
        texts += [p.read_text("utf-8", errors="replace") for p in sorted((CORPUS / folder).glob("*"))]
    name = {"hacf": "ha.d/ha.cf", "authkeys": "ha.d/authkeys", "haresources": "ha.d/haresources", "hosts": "hosts"}[kind]
    texts += [(SAMPLES / s / "voipserver.drbd/etc" / name).read_text("utf-8") for s in ("elastix-2.3", "howto-ocr")]
    return texts


# Characters that matter to these formats, plus a few that should not upset anything.
_WORDS = ["auth ", "node ", "::", "mcast ", "ucast ", "keepalive ", "udpport ", "auto_failback ", "stonith_host ",
          "respawn ", "IPaddr::", "Filesystem::/dev/drbd", "127.0.0.1 ", "::1 ", "1 sha1 ", "ms"]
_ALPHABET = st.sampled_from(list("ab1O0l.:/#\\ \t\n\r=*-_") + ["\u00a0", "é", "\x0b", "\x0c"] + _WORDS)
_RANDOM = st.lists(_ALPHABET, max_size=80).map("".join)


def _mutate(data: st.DataObject, text: str) -> str:
    for _ in range(data.draw(st.integers(0, 6))):
        at = data.draw(st.integers(0, len(text)))
        op = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = data.draw(_RANDOM.filter(bool)) if op != "delete" else ""
        cut = data.draw(st.integers(0, 5)) if op != "insert" else 0
        text = text[:at] + piece + text[at + cut :]
    return text


@pytest.mark.parametrize("kind", sorted(MODULES))
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_RANDOM)
def test_random_text_never_raises(kind, text):
    r = parse_text(MODULES[kind], text)
    assert r.model is not None
    assert_spans_inside(r, text)
    r.model.to_json()
    r.model.summary()


@pytest.mark.parametrize("kind", sorted(MODULES))
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_real_files_never_raise(kind, data):
    seeds = _seeds(kind)
    text = _mutate(data, data.draw(st.sampled_from(seeds)))
    r = parse_text(MODULES[kind], text)
    assert r.model is not None
    assert_spans_inside(r, text)
    r.model.to_json()
