"""The node stream: frames written by lib.sh under every shell decode to the same bytes, binary
and armoured (base64, openssl, od), whatever comes before or around them; cut or damaged
streams are errors, never a wrong result. And the one-line ssh failure messages."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elastix_halint.remote import errors, frames, scripts
from elastix_halint.remote.frames import Frame, StreamError
from elastix_halint.remote.shell import LocalShell

SHELLS = [("dash",), ("posh",), ("mksh",), ("bash", "--posix"), ("busybox", "sh")]
# Names and data a node can hand us: newlines, NUL-free binary names, every byte in data.
NAME = "etc/dr bd.d/a\nb\303\251\377x"
DATA = bytes(range(256)) * 3 + b"\n"


def _shell(argv):
    if shutil.which(argv[0]) is None:
        pytest.skip(f"{argv[0]} is not installed")
    return LocalShell(argv, stdin_script="/dev/stdin" if argv == ("posh",) else "-s --")  # posh has no -s


def _frames_script(armour: bool) -> str:
    body = (
        'hl_main() {\n  hl_start || exit 3\n  hl_begin test\n'
        '  printf "%s" "$DATA" | od -An -v -tx1 >/dev/null\n'  # od must exist: busybox and EL5 have it
        '  cat "$1" >"$hl_tmp/d"\n'
        '  hl_frame F "$2" "$hl_tmp/d" 7\n'
        '  hl_frame_text T "$2" "two\nlines"\n'
        '  hl_frame_text E "" ""\n'
        '  echo "a warning" >&2\n'
        '  hl_end 0\n}\n'
    )
    run = '( hl_main "$@" </dev/null ) | hl_armour\n' if armour else 'hl_main "$@" </dev/null\n'
    return scripts.source("lib") + body + run


@pytest.mark.parametrize("argv", SHELLS, ids=lambda a: " ".join(a))
@pytest.mark.parametrize("armour", [False, True], ids=["binary", "armoured"])
def test_frames_from_every_shell_decode_exactly(argv, armour, tmp_path):
    shell = _shell(argv)
    shell.env["TMPDIR"] = str(tmp_path)  # where hl_start makes its folder: nothing may be left there
    data = tmp_path / "data"
    data.write_bytes(DATA)
    rc, out, err = shell.run_script(_frames_script(armour), [str(data), NAME.encode("utf-8", "surrogateescape").decode("utf-8", "surrogateescape")])
    assert rc == 0, err
    got = frames.decode(b"motd line\n" + out + b"trailing\n", "test")
    name = NAME.encode()
    assert got[0] == Frame("F", name, DATA, "7")
    assert got[1] == Frame("T", name, b"two\nlines")
    assert got[2] == Frame("E", b"", b"")
    assert got[3].tag == "W" and got[3].data == b"a warning\n"
    assert got[4] == Frame("Z", b"", b"", "0")
    assert list(tmp_path.iterdir()) == [data]


@pytest.mark.parametrize("encoder", ["openssl", "od"])
def test_every_armour_fallback_decodes(encoder, tmp_path):
    # A PATH where base64 (and openssl, for od) are missing, as on CentOS 5 / bare busybox.
    from sshd_helpers import make_busybox_bin

    if shutil.which("busybox") is None:
        pytest.skip("busybox is not installed")
    bin_dir = make_busybox_bin(tmp_path / "bb")
    (bin_dir / "base64").unlink()
    if encoder == "openssl":
        if shutil.which("openssl") is None:
            pytest.skip("openssl is not installed")
        (bin_dir / "openssl").symlink_to(shutil.which("openssl"))
    shell = LocalShell(("busybox", "sh"), path=str(bin_dir))
    data = tmp_path / "data"
    data.write_bytes(DATA)
    rc, out, err = shell.run_script(_frames_script(True), [str(data), "n"])
    assert rc == 0, err
    assert out.splitlines()[0] == (b"-----BEGIN HALINT STREAM hex-----" if encoder == "od" else b"-----BEGIN HALINT STREAM base64-----")
    assert frames.decode(out.replace(b"\n", b"\r\n"), "test")[0] == Frame("F", b"n", DATA, "7")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("FSGRZ"[:-1]), st.binary(max_size=40), st.binary(max_size=300)), max_size=6),
       st.sampled_from(["base64", "hex", None]))
def test_encode_decode_round_trip(items, encoding):
    made = [Frame(tag, name, data) for tag, name, data in items]
    stream = frames.encode_stream("k", made, 3)
    if encoding:
        stream = frames.armour(stream, encoding)
    assert frames.decode(stream, "k") == [*made, Frame("Z", b"", b"", "3")]


def test_cut_and_damaged_streams_are_errors():
    stream = frames.encode_stream("k", [Frame("F", b"a", b"0123456789")])
    for cut in range(len(b"HALINT-STREAM 1 k\n") + 1, len(stream) - 1):
        with pytest.raises(StreamError):
            frames.decode(stream[:cut], "k")
    with pytest.raises(StreamError, match="does not end where its size says"):
        frames.decode(stream.replace(b"F 1 10", b"F 1 9"), "k")
    with pytest.raises(StreamError, match="not of 'other'"):
        frames.decode(stream, "other")
    with pytest.raises(StreamError, match="no halint stream"):
        frames.decode(b"bash: sh: command not found\n", "k")
    armoured = frames.armour(stream)
    with pytest.raises(StreamError, match="no END line"):
        frames.decode(armoured[:-30], "k")
    with pytest.raises(StreamError, match="damaged"):
        body = armoured.index(b"\n") + 1
        frames.decode(armoured[:body] + b"*" + armoured[body:], "k")


# ---------------------------------------------------------------------------- ssh failures


@pytest.mark.parametrize(
    "log,expected",
    [
        ("ssh: Could not resolve hostname nodex: Name or service not known\r\n", "nodex: unknown host (Could not resolve hostname nodex"),
        ("ssh: connect to host 127.0.0.1 port 1: Connection refused\r\n", "connection refused"),
        ("ssh: connect to host 192.0.2.1 port 22: Connection timed out\r\n", "connection timed out"),
        ("Connection timed out during banner exchange\r\nConnection to 127.0.0.1 port 9 timed out\r\n", "connection timed out"),
        ("ssh: connect to host 192.0.2.1 port 22: No route to host\r\n", "no route to host"),
        ("root@127.0.0.1: Permission denied (publickey).\r\n", "authentication failed (root@127.0.0.1: Permission denied (publickey).)"),
        ("No ED25519 host key is known for [127.0.0.1]:2 and you have requested strict checking.\r\nHost key verification failed.\r\n",
         "not in known_hosts and strict host key checking is on"),
        ("command-line line 0: Bad configuration option: nosuchoption\r\n", "bad ssh configuration"),
        ("ssh_dispatch_run_fatal: Connection to 192.0.2.10 port 22: error in libcrypto\r\n", "update-crypto-policies --set DEFAULT:SHA1"),
        ("", "ssh failed (exit status 255)"),
    ],
)
def test_ssh_failures_are_one_line(log, expected):
    message = str(errors.ssh_failure("nodex", "nodex", log, 255))
    assert expected in message and "\n" not in message


def test_changed_host_key_names_the_file_and_never_proceeds():
    log = (
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\r\n"
        "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\r\n"
        "Offending ED25519 key in /root/.ssh/known_hosts:3\r\n"
        "Host key verification failed.\r\n"
    )
    message = str(errors.ssh_failure("node1", "node1", log))
    assert "CHANGED" in message and "/root/.ssh/known_hosts line 3" in message and "ssh-keygen -R node1" in message


@pytest.mark.parametrize(
    "offer,what,expected",
    [
        # NODES.md §4: OpenSSH 4.3p2 (CentOS 5) and 5.3p1 (CentOS 6) as a 9.x client sees them.
        ("diffie-hellman-group-exchange-sha1,diffie-hellman-group14-sha1,diffie-hellman-group1-sha1", "key exchange method",
         ["KexAlgorithms=+diffie-hellman-group14-sha1", "HostKeyAlgorithms=+ssh-rsa", "PubkeyAcceptedAlgorithms=+ssh-rsa"]),
        ("diffie-hellman-group1-sha1", "key exchange method",
         ["KexAlgorithms=+diffie-hellman-group1-sha1", "HostKeyAlgorithms=+ssh-rsa", "PubkeyAcceptedAlgorithms=+ssh-rsa"]),
        ("ssh-rsa,ssh-dss", "host key type", ["HostKeyAlgorithms=+ssh-rsa", "PubkeyAcceptedAlgorithms=+ssh-rsa"]),
        ("ssh-dss", "host key type", ["HostKeyAlgorithms=+ssh-dss", "PubkeyAcceptedAlgorithms=+ssh-rsa"]),
        ("aes128-cbc,3des-cbc", "cipher", ["Ciphers=+aes128-cbc"]),
    ],
)
def test_legacy_server_message_gives_the_options(offer, what, expected):
    log = f"Unable to negotiate with 192.0.2.10 port 22: no matching {what} found. Their offer: {offer},kex-strict-s-v00@openssh.com\r\n"
    message = str(errors.ssh_failure("root@node1", "node1", log))
    assert f"(their offer: {offer})" in message and "kex-strict" not in message
    assert " ".join(f"--ssh-option {o}" for o in expected) in message
    assert "under 'Host node1': " + "; ".join(o.replace("=", " ", 1) for o in expected) in message


def test_user_key_refused_for_its_signature_says_which_option():
    log = ("debug1: Remote protocol version 2.0, remote software version OpenSSH_4.3\n"
           "debug1: send_pubkey_test: no mutual signature algorithm\nroot@node1: Permission denied (publickey,password).\n")
    message = str(errors.ssh_failure("root@node1", "node1", log))
    assert "authentication failed" in message and "OpenSSH_4.3" in message and "--ssh-option PubkeyAcceptedAlgorithms=+ssh-rsa" in message


def test_several_failures_read_as_one_error_line_each():
    both = errors.RemoteErrors([errors.RemoteError("a: x"), errors.RemoteError("b: y")])
    assert str(both) == "a: x\nhalint: error: b: y"


def test_local_shell_runs_scripts_with_data_on_stdin(tmp_path):
    shell = LocalShell(("dash",)) if shutil.which("dash") else LocalShell()
    rc, out, _ = shell.run_script('read -r line; printf "%s|%s|%s" "$line" "$1" "$#"', ["a b", "c"], input=b"hello\n")
    assert (rc, out) == (0, b"hello|a b|2")
    proc = shell.popen_script("cat >/dev/null; echo done", data_stdin=True)
    out, _ = proc.communicate(b"x" * 200_000)
    assert out == b"done\n"
    proc = shell.popen_script("echo " + "x" * 40_000 + "; echo $1", ["arg"], stdout=subprocess.PIPE)
    out, _ = proc.communicate()
    assert out.endswith(b"\narg\n")


def test_node_scripts_pass_shellcheck_as_posix_sh():
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed")
    from importlib import resources

    folder = resources.files(scripts.__name__)
    names = sorted(p.name[:-3] for p in folder.iterdir() if p.name.endswith(".sh") and p.name != "lib.sh")
    # lib.sh alone (its variables are for the scripts), then each script as the node gets it.
    texts = [("lib.sh", scripts.source("lib"), ["-e", "SC2034"])] + [(n, scripts.script(n), []) for n in names]
    for name, text, extra in texts:
        done = subprocess.run(["shellcheck", "-s", "sh", *extra, "-"], input=text, capture_output=True, text=True)
        assert done.returncode == 0, f"{name}:\n{done.stdout}"


def test_an_unreadable_answer_is_one_line_with_the_nodes_last_words():
    from elastix_halint.remote.errors import RemoteError, no_usable_answer

    cut = frames.StreamError("the stream ends inside a frame")
    said = no_usable_answer("root@alpha", b"tree.sh: line 3: find: not found\n\n", cut)
    assert isinstance(said, RemoteError)
    assert str(said) == "root@alpha: no usable answer from the node (tree.sh: line 3: find: not found)"
    quiet = no_usable_answer("root@alpha", b" \n", cut, "the node's restore step")
    assert str(quiet) == "root@alpha: no usable answer from the node's restore step (the stream ends inside a frame)"
    assert "\n" not in str(said) + str(quiet)
