"""stat -c '%a %U %G %n' and stat -c '%F|%n|%N' in the quoting styles of several coreutils."""

from __future__ import annotations

import pytest

from elastix_halint.parsing.facts import links, stat
from facts_helpers import SAMPLES_DIR, errors, load_data, parse_text


def test_stat_modes_owners_and_paths_with_blanks():
    r = parse_text(stat, "600 root root /etc/ha.d/authkeys\n644 asterisk asterisk /etc/my dir/x.conf\n4755 root root /bin/su\n")
    e = r.model.by_path()
    assert r.ok and e["/etc/ha.d/authkeys"].mode == 0o600 and e["/bin/su"].mode == 0o4755
    assert e["/etc/my dir/x.conf"].owner == "asterisk" and e["/etc/my dir/x.conf"].span.column == 23


def test_stat_reports_bad_mode_and_records_missing_paths():
    r = parse_text(stat, "6x0 root root /a\nstat: cannot stat `/etc/ha.d/authkeys': No such file or directory\n")
    assert [d.span.line for d in errors(r)] == [1] and r.model.missing == ("/etc/ha.d/authkeys",)


def test_sample_stat_authkeys_is_private():
    r = stat.load(str(SAMPLES_DIR / "voipbackup.drbd/facts/stat"))
    assert r.model.by_path()["/etc/ha.d/authkeys"].mode == 0o600


@pytest.mark.parametrize("name", ["links-coreutils8-utf8.txt", "links-coreutils9-c.txt"])
def test_links_in_modern_quoting_styles(name):
    r = load_data(links, name)
    e = r.model.by_path()
    assert r.ok and e["/etc/asterisk"].is_symlink and e["/etc/asterisk"].target == "/replica/etc/asterisk"
    assert e["/var/lib/mysql"].is_directory and e["/var/lib/mysql"].target is None
    assert e["/replica"].ftype == "directory"


def test_links_c_locale_escapes_and_missing_paths():
    r = load_data(links, "links-coreutils9-c.txt")
    assert r.model.missing == ("/var/log/asterisk",)
    assert r.model.by_path()["/srv/it's here"].ftype == "regular file"


def test_links_centos5_backtick_quoting_of_the_sample():
    r = links.load(str(SAMPLES_DIR / "voipserver.drbd/facts/links"))
    e = r.model.by_path()
    assert r.ok and len(e) == 8 and e["/var/www"].target == "/replica/var/www"
    assert e["/var/lib/mysql"].target == "/replica/var/lib/mysql/"


@pytest.mark.parametrize(
    "line,path,target",
    [
        ('symbolic link|/a|"/a" -> "/b"', "/a", "/b"),
        ("symbolic link|/a|b|'/a|b' -> '/c'", "/a|b", "/c"),
        ("symbolic link|/x y|'/x y' -> 'rel/target'", "/x y", "rel/target"),
        ("symbolic link|/nl|'/nl' -> '/t'$'\\n''x'", "/nl", "/t\nx"),
    ],
)
def test_links_line_variants(line, path, target):
    r = parse_text(links, line + "\n")
    assert r.ok and r.model.entries[0].path == path and r.model.entries[0].target == target


def test_links_bad_lines_and_unknown_type():
    r = parse_text(links, "directory|/a|'/b'\nno separators\nwormhole|/c|'/c'\n")
    assert [(d.span.line, d.severity.name) for d in r.diagnostics] == [(1, "ERROR"), (2, "ERROR"), (3, "WARNING")]


def test_links_missing_paths_keep_their_line_for_reports():
    # Findings about an absent replica path point at the "cannot stat" line that says so,
    # whichever coreutils wording (stat or statx) the node used.
    text = (
        "symbolic link|/etc/asterisk|'/etc/asterisk' -> '/replica/etc/asterisk'\n"
        "stat: cannot stat '/var/www': No such file or directory\n"
        "stat: cannot statx '/var/lib/mysql': No such file or directory\n"
    )
    listing = parse_text(links, text).model
    assert listing.missing == ("/var/www", "/var/lib/mysql")
    assert listing.where_missing("/var/www").line == 2
    assert listing.where_missing("/var/lib/mysql/").line == 3
    assert listing.where_missing("/etc/asterisk") is None
