"""--ssh values: every accepted form, the refused ones, and a round trip through each syntax."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elastix_halint.errors import UsageError
from elastix_halint.remote.dest import Dest, parse_dest


@pytest.mark.parametrize(
    "value,host,user,port,root",
    [
        ("node1", "node1", None, None, "/"),
        ("root@node1", "node1", "root", None, "/"),
        ("my-alias", "my-alias", None, None, "/"),
        ("node1:/srv/node1-root", "node1", None, None, "/srv/node1-root"),
        ("root@10.0.0.5:/srv/r/", "10.0.0.5", "root", None, "/srv/r"),
        ("node1:/", "node1", None, None, "/"),
        ("node1:/srv/a@b:c", "node1", None, None, "/srv/a@b:c"),
        ("node1:/srv/my root", "node1", None, None, "/srv/my root"),
        ("ssh://root@10.0.0.5:2222/srv/root", "10.0.0.5", "root", 2222, "/srv/root"),
        ("ssh://node1", "node1", None, None, "/"),
        ("ssh://node1/", "node1", None, None, "/"),
        ("ssh://admin@node1:22", "node1", "admin", 22, "/"),
        ("ssh://[::1]:2222/srv/r", "::1", None, 2222, "/srv/r"),
        ("ssh://root@[fe80::1%eth0]", "fe80::1%eth0", "root", None, "/"),
        ("[fe80::1%eth0]:/srv/r", "fe80::1%eth0", None, None, "/srv/r"),
        ("root@[::1]:/srv/r", "::1", "root", None, "/srv/r"),
        ("root@[::1]", "::1", "root", None, "/"),
        ("::1", "::1", None, None, "/"),
        ("root@2001:db8::5", "2001:db8::5", "root", None, "/"),
        ("node1://srv//r", "node1", None, None, "/srv/r"),
    ],
)
def test_accepted_forms(value, host, user, port, root):
    dest = parse_dest(value)
    assert (dest.host, dest.user, dest.port, dest.root) == (host, user, port, root)
    assert dest.live == (root == "/")


@pytest.mark.parametrize(
    "value,message",
    [
        ("", "empty"),
        ("node1:srv/root", "absolute path"),
        ("node1:", "absolute path"),
        ("node1:2222", "ssh://node1:2222"),
        ("node1::module", "daemon syntax"),
        ("-oProxyCommand=evil", "cannot start with '-'"),
        ("-x@node1", "cannot start with '-'"),
        ("ssh://node1:99999/", "port"),
        ("ssh://node1:x/", "port"),
        ("ssh://fe80::1/", "brackets"),
        ("ssh://[::1/", "without its ']'"),
        ("[::1:/srv", "without its ']'"),
        ("no[de]1:/x", "brackets"),
        ("node\n1", "control"),
        ("no de1", "spaces"),
        ("@node1", "no user"),
        ("root@", "no host"),
        ("ssh://root@/x", "no host"),
        ("node1:/srv/../etc", "'..'"),
    ],
)
def test_refused_forms_name_the_value(value, message):
    with pytest.raises(UsageError, match="--ssh") as info:
        parse_dest(value)
    assert message in str(info.value)


def test_ssh_arguments_never_reparse_the_host():
    dest = parse_dest("ssh://ad@min@node1:2200/x")
    assert dest.user == "ad@min"
    assert dest.ssh_args() == ["-l", "ad@min", "-p", "2200", "--", "node1"]
    assert parse_dest("node1").ssh_args() == ["--", "node1"]
    assert parse_dest("ssh://root@[::1]:2222").label == "root@[::1]:2222"


_name = st.text(st.sampled_from("abcxyz019-._"), min_size=1, max_size=12).filter(lambda s: not s.startswith("-"))
_root = st.lists(st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/"), min_size=1, max_size=8)
                 .filter(lambda s: s not in (".", "..")), max_size=4).map(lambda parts: "/" + "/".join(parts))


@settings(max_examples=300, deadline=None)
@given(user=st.none() | _name, host=_name, port=st.none() | st.integers(1, 65535), root=_root, v6=st.booleans())
def test_every_syntax_round_trips(user, host, port, root, v6):
    if v6:
        host = "fd00::" + format(abs(hash(host)) % 65536, "x")
    bracketed = f"[{host}]" if v6 else host
    at = f"{user}@" if user else ""
    url = f"ssh://{at}{bracketed}{f':{port}' if port else ''}{root if root != '/' else ''}"
    parsed = parse_dest(url)
    assert parsed == Dest(host, user, port, root, url)
    rsync = f"{at}{bracketed}:{root}"
    parsed = parse_dest(rsync)
    assert (parsed.host, parsed.user, parsed.port, parsed.root) == (host, user, None, root)
