"""Hostile input through the command line, as a user runs it: a clean located error and exit
1, never a traceback; and output that survives a terminal that cannot show every character."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests_support import DESIGNS, run_cli

EXAMPLE = (DESIGNS / "b-sql-hub-firewall.yaml").read_text(encoding="utf-8")


def example_with(old: str, new: str) -> str:
    assert EXAMPLE.count(old) == 1, old
    return EXAMPLE.replace(old, new)


def line_of(text: str) -> int:
    """The line of the example that holds `text`, so that the expected messages follow the
    example as it grows."""
    return EXAMPLE[:EXAMPLE.index(text)].count("\n") + 1


BAD_NUMBERS = [
    ("inf.yaml", example_with("daily_gb: 200", "daily_gb: .inf"),
     f"inf.yaml:{line_of('daily_gb: 200')}:17: error: daily_gb: expected a number from 0 to 1,000,000 (GB a day, up to "
     "1 PB), found infinity"),
    ("huge.yaml", example_with("daily_gb: 200", "daily_gb: 1e26"),
     f"huge.yaml:{line_of('daily_gb: 200')}:17: error: daily_gb: expected a number from 0 to 1,000,000 (GB a day, up to "
     "1 PB), found 1e+26"),
    ("tiny.yaml", example_with("window_hours: 8", "window_hours: 1e-320"),
     f"tiny.yaml:{line_of('window_hours: 8')}:21: error: window_hours: expected a number from 0.25 to 24 (hours, from 15 "
     "minutes to a day), found 1e-320"),
]


@pytest.mark.parametrize("verb", ["validate", "resolve", "build"])
@pytest.mark.parametrize(("name", "text", "line"), BAD_NUMBERS, ids=[b[0] for b in BAD_NUMBERS])
def test_numbers_no_estate_has_stop_every_verb_with_one_located_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, verb: str, name: str, text: str,
        line: str) -> None:
    """Before: validate passed them, then resolve and build died in the cost arithmetic
    (decimal.InvalidOperation) or printed a 400-digit throughput."""
    monkeypatch.chdir(tmp_path)
    Path(name).write_text(text, encoding="utf-8")
    extra = ["--output", "site"] if verb == "build" else []
    result = run_cli(verb, name, *extra)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", line + "\n")
    assert not Path("site").exists()


def test_a_path_with_a_terminal_escape_is_shown_escaped() -> None:
    result = run_cli("validate", "\x1b[2Jmissing.yaml")
    assert (result.exit_code, result.stderr) == (
        1, "\\x1b[2Jmissing.yaml: error: no such file or folder\n")


def test_a_title_with_an_escape_is_refused_and_shown_escaped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("esc.yaml").write_text(example_with('"(b) SQL Server', '"\\e[31m(b) SQL Server'))
    result = run_cli("resolve", "esc.yaml")
    assert (result.exit_code, result.stderr) == (
        1, "esc.yaml:4:8: error: title: control character U+001B (ESC) at character 1 is not "
           "allowed in text\n")


def test_a_30_mb_design_is_refused_with_its_size_and_the_limit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with open("estate.yaml", "wb") as stream:
        stream.truncate(30 * 2**20)
    result = run_cli("validate", "estate.yaml")
    assert (result.exit_code, result.stderr) == (
        1, "estate.yaml:1:1: error: file too large: 30 MiB (31,457,280 bytes); the limit is "
           "8 MiB (8,388,608 bytes)\n")


# A terminal that speaks latin-1 -------------------------------------------------------------------


def flowdocs_in_latin1(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """The installed entry point (`python -m flowdocs` runs the same `main`), in a process
    whose standard streams encode latin-1, as under LANG=en_US.ISO-8859-1."""
    env = {**os.environ, "PYTHONIOENCODING": "latin-1", "PYTHONUTF8": "0"}
    return subprocess.run([sys.executable, "-m", "flowdocs", *args], cwd=cwd, env=env,
                          capture_output=True, check=False)


def test_output_beyond_latin1_is_escaped_not_a_traceback(tmp_path: Path) -> None:
    """Before: UnicodeEncodeError on the first arrow, a traceback and exit 1."""
    (tmp_path / "arrows.yaml").write_text(
        example_with('"(b) SQL Server streaming backup through the hub firewall"',
                     '"Spoke → hub firewall ✕ café"'), encoding="utf-8")
    result = flowdocs_in_latin1("resolve", "arrows.yaml", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, b"")
    # é is latin-1 and stays itself; → and ✕ are not, and are written as their escapes.
    assert result.stdout.splitlines()[0] == b"Spoke \\u2192 hub firewall \\u2715 caf\xe9"


def test_errors_beyond_latin1_are_escaped_not_a_traceback(tmp_path: Path) -> None:
    """A value cut short in a message ends in '…', which latin-1 cannot encode. (Python's
    standard error already escapes; this keeps it so.)"""
    name = "rsv prod " + "x" * 70
    (tmp_path / "long.yaml").write_text(
        example_with("  - name: rsv-prod\n", f'  - name: "{name}"\n'), encoding="utf-8")
    result = flowdocs_in_latin1("validate", "long.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.decode("latin-1").splitlines() == [
        f"long.yaml:{line_of('- name: rsv-prod')}:11: error: name: expected a name of letters, digits, '.', '_' and '-' that "
        f"starts with a letter or digit, found '{name[:60]}\\u2026'",
    ]
