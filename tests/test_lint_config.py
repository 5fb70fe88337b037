"""Configuration discovery, validation and rule selection."""

from __future__ import annotations

import tomllib

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from lint_helpers import DOC, registry_of

from elastix_halint.diagnostics import Severity
from elastix_halint.errors import UsageError
from elastix_halint.lint.config import _MAY_HOLD_TOOL_HALINT, Settings, find_config, load_settings, selected_ids
from elastix_halint.lint.rule import Rule


def _rule(rid, name):
    return type(name, (Rule,), {"__doc__": DOC, "id": rid, "name": name, "kinds": ("drbd",), "check_file": lambda s, m, c: ()})


REG = registry_of(_rule("DRBD111", "a-one"), _rule("DRBD201", "b-two"), _rule("DRBD202", "b-three"), _rule("HB101", "hb"), with_meta=False)


@pytest.mark.parametrize(
    "select, ignore, expected",
    [
        (None, [], {"DRBD111", "DRBD201", "DRBD202", "HB101"}),
        (["DRBD2"], [], {"DRBD201", "DRBD202"}),
        (["drbd"], ["DRBD202"], {"DRBD111", "DRBD201"}),
        (["a-one", "HB"], [], {"DRBD111", "HB101"}),
        (None, ["b-two", "HB101"], {"DRBD111", "DRBD202"}),
    ],
)
def test_selection_by_id_prefix_and_name(select, ignore, expected):
    assert selected_ids(Settings(select=select, ignore=ignore), REG)[0] == expected


def test_unknown_reference_is_a_usage_error_with_a_suggestion():
    with pytest.raises(UsageError, match="did you mean DRBD111"):
        selected_ids(Settings(select=["DRBD11l"]), REG)
    with pytest.raises(UsageError, match="unknown rule"):
        selected_ids(Settings(severity={"XX999": Severity.INFO}), REG)


def test_config_found_upward_and_pyproject_without_table_is_skipped(tmp_path):
    (tmp_path / ".halint.toml").write_text('select = ["DRBD2"]\nfail-on = "error"\n[severity]\nDRBD201 = "info"\n')
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "a" / "b").mkdir()
    found = find_config(str(tmp_path / "a" / "b"))
    assert found == str(tmp_path / ".halint.toml")
    s = load_settings(found)
    assert (s.select, s.fail_on, s.severity) == (["DRBD2"], "error", {"DRBD201": Severity.INFO})
    (tmp_path / "a" / "pyproject.toml").write_text('[tool.halint]\nignore = ["HB"]\n')
    assert find_config(str(tmp_path / "a" / "b")) == str(tmp_path / "a" / "pyproject.toml")
    assert load_settings(str(tmp_path / "a" / "pyproject.toml")).ignore == ["HB"]


@pytest.mark.parametrize(
    "text, message",
    [
        ('selct = ["X"]\n', "unknown key"),
        ('fail-on = "sometimes"\n', "fail-on must be"),
        ("select = 3\n", "must be a list"),
        ('[severity]\nDRBD111 = "fatal"\n', "unknown severity"),
        ("select = [\n", "not valid TOML"),
        ('options = 1\n', "must be a table"),
    ],
)
def test_bad_config_is_a_usage_error(tmp_path, text, message):
    path = tmp_path / ".halint.toml"
    path.write_text(text)
    with pytest.raises(UsageError, match=message):
        load_settings(str(path))


# Pieces of TOML documents: keys, headers and values that name tool and halint in many ways.
_TOML_PIECES = [
    "[tool.halint]\n", "[tool]\n", "[[tool]]\n", "[ tool . 'halint' ]\n", '["tool"."halint"]\n', "[tool.ruff]\n",
    "[project.scripts]\n", "[tool.halint.severity]\n", "[project]\n", "halint = 1\n", "halint.select = ['X']\n",
    "tool.halint = {}\n", "tool.halint.ignore = []\n", "tool = { halint = {} }\n", "tool = {}\n", '"tool" = {}\n',
    "'tool'.'halint' = {}\n", 'name = "elastix-halint"\n', "x = 'tool.halint'\n", '"\\u0074ool" = { halint = 1 }\n',
    '"\\u0068alint" = 2\n', "# [tool.halint]\n", 'd = """\n[tool]\n"""\n', "a.b = 1\n", "select = [\n", "tool.x = 1\n",
]


@given(st.lists(st.sampled_from(_TOML_PIECES), max_size=6))
@example(["[project]\n", "[tool]\n", "halint = 1\n"])
@example(["tool = { halint = {} }\n"])
@example(['"\\u0074ool" = { halint = 1 }\n'])
@settings(max_examples=400, deadline=None)
def test_a_pyproject_left_unread_has_no_halint_table(pieces):
    """find_config reads a pyproject.toml with tomllib only where [tool.halint] may be written."""
    text = "".join(pieces)
    try:
        table = tomllib.loads(text).get("tool", {})
        table = table.get("halint") if isinstance(table, dict) else None
    except tomllib.TOMLDecodeError:
        table = None
    if table is not None:
        assert _MAY_HOLD_TOOL_HALINT.search(text), text


def test_a_pyproject_without_any_tool_table_is_not_read(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "elastix-halint"\n[project.scripts]\nhalint = "x"\n[broken\n')
    assert find_config(str(tmp_path)) is None  # not even read as TOML: it cannot hold [tool.halint]
    (tmp_path / "pyproject.toml").write_text('[tool]\nhalint = { select = ["DRBD1"] }\n')
    assert find_config(str(tmp_path)) == str(tmp_path / "pyproject.toml")
