"""haresources words read as Heartbeat 3.0.6 reads them: ResourceManager's own splitting
functions and the real ``/etc/ha.d/resource.d`` wrappers (argument handling only, nothing
started: tests/hb_wrapper_oracle.py) against halint's model (``split_resource`` and
``hb_wrappers.wrapped``), on generated words and on every word of the corpus and samples."""

from __future__ import annotations

import pytest
from conftest import CORPUS, SAMPLES, drawn_in_fresh_interpreter
from hb_wrapper_oracle import ACTION, HAVE_HEARTBEAT, run
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from elastix_halint.model.haresources import split_resource
from elastix_halint.model.hb_wrappers import WRAPPERS, wrapped
from elastix_halint.parsing import haresources

pytestmark = pytest.mark.skipif(not HAVE_HEARTBEAT, reason="Debian's heartbeat package not installed")

SCRIPTS = tuple(sorted(WRAPPERS))
# Field characters the wrappers' unquoted echo/sed take literally (model/hb_wrappers.py).
_CHARS = "0123456789.abcdefhtx:_@"


def _model(word: str) -> dict:
    script, args, _implicit = split_resource(word)
    got = wrapped(script, args, ACTION)
    if got is None:
        return {"script": script, "modelled": False}
    if got.usage:
        return {"script": script, "usage": True}
    return {"script": script, "variables": got.variables, "action": got.action}


def _oracle(found: dict) -> dict:
    if found["script"] not in SCRIPTS:
        return {"script": found["script"], "modelled": False}
    if found["rc"] != 0 and found["action"] is None:
        return {"script": found["script"], "usage": True}
    return {"script": found["script"], "variables": found["variables"], "action": found["action"]}


def _compare(words: list[str]) -> list[str]:
    return [f"{w!r}: halint {_model(w)} heartbeat {_oracle(o)}"
            for w, o in zip(words, run(words, SCRIPTS)) if _model(w) != _oracle(o)]


_field = st.text(alphabet=_CHARS, max_size=12)
_slashes = st.sampled_from(["/", "/", "/", "//", "///"])


@st.composite
def _address(draw) -> str:
    """IP[/mask[/nic[/broadcast]]] with doubled, trailing and missing parts."""
    ip = draw(st.sampled_from(["10.0.30.15", "192.168.1.245", "fe80::1", "2001:db8::5", "", "10.0.0"]))
    parts = [ip] + draw(st.lists(st.one_of(
        st.sampled_from(["8", "24", "255.255.255.0", "eth0", "eth0:10", "bond0", "10.0.0.255", "1eth", ""]),
        _field), max_size=4))
    text = parts[0]
    for p in parts[1:]:
        text += draw(_slashes) + p
    return text + draw(st.sampled_from(["", "", "/"]))


@st.composite
def _word(draw) -> str:
    script = draw(st.sampled_from(SCRIPTS + ("httpd", "asterisk")))
    args = draw(st.lists(st.one_of(_address(), _field), max_size=5))
    if draw(st.integers(0, 5)) == 0:  # a bare address: Heartbeat's implicit IPaddr
        return draw(_address()) or "10.0.0.1"
    seps = [draw(st.sampled_from(["::", "::", "::", ":::", "::::"])) for _ in args]
    return script + "".join(s + a for s, a in zip(seps, args))


KNOWN = [
    "IPaddr::10.0.30.15//8/eth0:10",  # the doubled slash collapses: netmask 8, interface eth0:10
    "IPaddr::10.0.30.15/24/10.0.30.255",  # a numeric third field is the broadcast
    "IPaddr2::10.0.0.5/24/eth1/",
    "192.168.1.245/24/eth0/192.168.1.255",
    "10.0.0.1::x",
    "IPv6addr::2001:db8::5/64/eth0",  # ResourceManager cuts the address at "::": usage
    "Filesystem::/dev/drbd0::/replica::ext3::defaults::extra",
    "Filesystem::::/dev/drbd0::::/replica",
    "drbddisk", "drbddisk::r0", "drbddisk::r0::start",
    "MailTo::root@localhost::DRBD/HA-ALERT",
    "Delay::::5", "Delay::5::10::15",
    "SendArp::10.0.0.5/eth0", "portblock::tcp::5060::block",
]


def test_known_words_agree_with_heartbeat():
    assert _compare(KNOWN) == []


def test_the_issue_example_reads_as_heartbeat_does():
    got = wrapped(*split_resource("IPaddr::10.0.30.15//8/eth0:10")[:2])
    assert got.variables == {"ip": "10.0.30.15", "cidr_netmask": "8", "nic": "eth0:10", "broadcast": "",
                             "lvs_support": "0"}
    got = wrapped(*split_resource("IPaddr::10.0.30.15/24/10.0.30.255")[:2])
    assert "nic" not in got.variables and got.variables["broadcast"] == "10.0.30.255"


def _corpus_words() -> list[str]:
    files = sorted((CORPUS / "haresources").glob("*")) + sorted(SAMPLES.glob("*/*/etc/ha.d/haresources"))
    return [r.text for f in files if f.is_file() for r in haresources.load(str(f)).model.resources]


def test_corpus_and_sample_words_agree_with_heartbeat():
    words = _corpus_words()
    if not words:
        pytest.skip("no corpus")
    assert _compare(words) == []


def generated_words(count: int) -> list[str]:
    words: list[str] = []

    @settings(max_examples=count, database=None, deadline=None, derandomize=True, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(_word())
    def collect(word):
        words.append(word)

    collect()
    return words


def test_generated_words_agree_with_heartbeat():
    # Drawn in a fresh interpreter, so that CI draws the words a run of this file draws.
    words = drawn_in_fresh_interpreter("test_hb_wrappers_oracle", "generated_words", 600)
    disagreements = _compare(words)
    assert not disagreements, f"{len(disagreements)} of {len(words)}:\n" + "\n".join(disagreements[:10])
