"""halint collect: the bundle layout, secret markers, the tar stream, a root left untouched,
and the loader reading the result back."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collect_helpers import AUTHKEYS_KEY, DRBD_SECRET, bundle_texts, make_root, tree_state
from conftest import run_halint
from elastix_halint import collect
from elastix_halint.loader import load_paths
from elastix_halint.secrets import is_marker, marker_for

NODE = "voipserver.drbd"


@pytest.fixture
def root(tmp_path):
    return make_root(tmp_path)


def test_collect_writes_the_bundle_layout(root, tmp_path):
    done = run_halint("collect", "--root", str(root), "--out", str(tmp_path / "bundle"))
    assert done.returncode == 0, done.stderr
    files = set(bundle_texts(tmp_path / "bundle" / NODE))
    assert {
        "etc/drbd.conf", "etc/drbd.d/r0.res", "etc/ha.d/ha.cf", "etc/ha.d/authkeys", "etc/ha.d/haresources",
        "etc/hosts", "etc/hostname", "proc/partitions", "proc/drbd", "facts/stat", "facts/links", "facts/chkconfig",
    } == files  # a fake root runs no commands: no uname-n, ip-addr, systemctl
    assert oct((tmp_path / "bundle" / NODE / "etc/ha.d/authkeys").stat().st_mode & 0o777) == "0o600"


def test_secrets_are_replaced_by_markers_unless_asked(root, tmp_path):
    files = collect.bundle_files(str(root)).files
    everything = b"".join(data for data, _mode in files.values())
    for secret in (DRBD_SECRET, AUTHKEYS_KEY, "plain-secret-9"):
        assert secret.encode() not in everything
    assert f'shared-secret "{marker_for(DRBD_SECRET)}";'.encode() in files["etc/drbd.conf"][0]
    assert f"shared-secret {marker_for('plain-secret-9')};".encode() in files["etc/drbd.d/r0.res"][0]
    assert files["etc/ha.d/authkeys"][0].decode().splitlines() == ["# keys", "auth 1", f"1 sha1 {marker_for(AUTHKEYS_KEY)}"]
    plain = collect.bundle_files(str(root), with_secrets=True).files
    assert DRBD_SECRET.encode() in plain["etc/drbd.conf"][0] and AUTHKEYS_KEY.encode() in plain["etc/ha.d/authkeys"][0]


def _drbd(text: str) -> str:
    return collect.redact("/etc/drbd.conf", text.encode(), True).decode()


def _authkeys(text: str) -> str:
    return collect.redact("/etc/ha.d/authkeys", text.encode(), False).decode()


@pytest.mark.parametrize(
    "line,secret",
    [('  shared-secret "a\\"b c";', 'a"b c'), ("shared-secret x1;", "x1"), ('SHARED-SECRET "k";  # c', "k")],
)
def test_drbd_secret_forms(line, secret):
    out = _drbd(line)
    assert secret not in out.replace(marker_for(secret), "") and marker_for(secret) in out


def test_authkeys_crc_line_has_no_key_to_hide():
    assert _authkeys("auth 2\n2 crc\n# keep mode 600\n") == "auth 2\n2 crc\n# keep mode 600\n"


def test_secrets_in_comments_are_replaced_too():
    """A commented-out key or shared-secret, and a secret repeated in a trailing comment, get
    the marker like the live one (the marker keeps equal secrets comparable)."""
    keys = _authkeys("auth 1\n1 sha1 LiveKey1 # LiveKey1\n#3 md5 OldKey3\n# 2 sha1 OldKey2\n")
    assert "LiveKey1" not in keys and "OldKey3" not in keys and "OldKey2" not in keys
    assert f"#3 md5 {marker_for('OldKey3')}" in keys
    conf = _drbd('net {\n shared-secret "Live9"; # Live9 since 2020\n # shared-secret Old8;\n}\n')
    assert "Live9" not in conf and "Old8" not in conf
    assert f"# {marker_for('Live9')} since 2020" in conf and f"# shared-secret {marker_for('Old8')};" in conf


def test_a_secret_of_one_file_is_hidden_in_the_comments_of_another(root):
    (root / "etc/hosts").write_text(f"10.0.0.1 alpha # key {AUTHKEYS_KEY}\n")
    files = collect.bundle_files(str(root)).files
    assert AUTHKEYS_KEY.encode() not in files["etc/hosts"][0]
    assert marker_for(AUTHKEYS_KEY).encode() in files["etc/hosts"][0]


def test_root_is_not_modified(root, tmp_path):
    before = tree_state(root)
    collect.write_folder(str(tmp_path / "b"), collect.bundle_files(str(root)))
    assert tree_state(root) == before


def test_facts_describe_the_root(root):
    facts = collect.capture_facts(str(root), live=False)
    links = facts["facts/links"].splitlines()
    assert "symbolic link|/etc/asterisk|'/etc/asterisk' -> '/replica/etc/asterisk'" in links
    assert "directory|/var/lib/mysql|'/var/lib/mysql'" in links
    assert "stat: cannot stat '/var/log/asterisk': No such file or directory" in links
    assert "600 " + f"{_owner(root / 'etc/ha.d/authkeys')} /etc/ha.d/authkeys" in facts["facts/stat"]
    chk = {line.split()[0]: line.split()[1:] for line in facts["facts/chkconfig"].splitlines()}
    assert chk["drbd"][3] == "3:on" and chk["asterisk"][3] == "3:off"


def _owner(path) -> str:
    import grp
    import pwd

    st = path.stat()
    return f"{pwd.getpwuid(st.st_uid).pw_name} {grp.getgrgid(st.st_gid).gr_name}"


def test_tar_stream_extracts_to_the_same_folder(root, tmp_path):
    out = tmp_path / "from-tar"
    out.mkdir()
    cmd = f'"{sys.executable}" -m elastix_halint collect --root "{root}" --out - | tar -x -C "{out}"'
    done = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    collect.write_folder(str(tmp_path / "direct"), collect.bundle_files(str(root)))
    assert bundle_texts(out / NODE) == bundle_texts(tmp_path / "direct" / NODE)


def test_tar_stream_refuses_a_terminal(root, monkeypatch):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    from elastix_halint.commands.collect import collect_command
    from elastix_halint.errors import UsageError

    with pytest.raises(UsageError):
        collect_command(root=str(root), out="-", with_secrets=False, ssh=None, ssh_config=None, ssh_option=None,
                        script=False, from_stream=None)


def test_recollect_replaces_the_node_folder_whole(root, tmp_path):
    collect.write_folder(str(tmp_path / "b"), collect.bundle_files(str(root)))
    stale = tmp_path / "b" / NODE / "facts" / "systemctl"
    stale.write_text("UNIT FILE STATE\n")
    collect.write_folder(str(tmp_path / "b"), collect.bundle_files(str(root)))
    assert not stale.exists() and sorted(os.listdir(tmp_path / "b")) == [NODE]


def test_loader_reads_the_collected_bundle_back(root, tmp_path):
    collect.write_folder(str(tmp_path / "b"), collect.bundle_files(str(root)))
    cluster = load_paths([str(tmp_path / "b")])
    (node,) = cluster.nodes
    assert node.name == NODE and node.nodename == NODE and cluster.origin == "bundle"
    f = node.facts
    assert f.links["/etc/asterisk"].target == "/replica/etc/asterisk" and f.links["/var/lib/mysql"].is_directory
    assert f.stat["/etc/ha.d/authkeys"].mode == 0o600 and f.boot["drbd"].enabled and not f.boot["asterisk"].enabled
    assert f.procdrbd.minors[0].role == "Primary" and f.partitions["sda3"].size_bytes == 428919435 * 1024
    assert f.uname is None and f.ipaddrs is None and "uname" in node.missing
    drbd = node.files["/etc/drbd.conf"]
    assert f"{NODE}/etc/drbd.d/r0.res" in [s.path for s in drbd.all_sources()]  # absolute include, under the node
    assert node.authkeys.selected.secret == marker_for(AUTHKEYS_KEY) and is_marker(node.authkeys.selected.secret)
    assert [r.name for r in node.drbd.resources] == ["r0"]


def test_collect_of_a_missing_root_is_an_input_error(tmp_path):
    from elastix_halint.errors import InputError

    with pytest.raises(InputError, match="not a directory"):
        collect.bundle_files(str(tmp_path / "nope"))


def test_unreadable_config_file_is_skipped_and_named(root, monkeypatch):
    real_open = open

    def guarded(path, *args, **kwargs):
        if str(path).endswith("authkeys"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", guarded)
    bundle = collect.bundle_files(str(root))
    assert "etc/ha.d/authkeys" not in bundle.files and bundle.skipped == ("/etc/ha.d/authkeys: Permission denied",)
    assert "etc/ha.d/ha.cf" in bundle.files


def test_out_that_is_a_file_is_an_input_error(root, tmp_path):
    from elastix_halint.errors import InputError

    (tmp_path / "plain").write_text("x")
    with pytest.raises(InputError, match="cannot write the bundle"):
        collect.write_folder(str(tmp_path / "plain"), collect.bundle_files(str(root)))


@settings(max_examples=200, deadline=None)
@given(
    path=st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=30).map(lambda p: "/" + p),
    target=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30),
)
def test_links_written_by_collect_read_back_exactly(path, target):
    from elastix_halint.parsing.facts import links
    from elastix_halint.source import SourceFile

    line = f"symbolic link|{path}|{collect._quote(path)} -> {collect._quote(target)}"
    (entry,) = links.parse(SourceFile("facts/links", line + "\n")).model.entries
    assert (entry.path, entry.target) == (path, target)
