"""Files that are not a readable design (not UTF-8, not YAML or JSON, too large, too
deep) give located, readable errors and no traceback.

Each test pins the exact lines the user sees on standard error: `FILE:LINE:COL: error: MESSAGE`.
The design they edit is VALID, in errors_support.py; line numbers refer to it.
"""

from __future__ import annotations

import json
from pathlib import Path
from textwrap import dedent

import pytest
import yaml

from flowdocs.load.diagnostics import DesignError, Diagnostic
from flowdocs.load.loader import MAX_BYTES, load_design, load_design_bytes
from flowdocs.load.model import Design
from flowdocs.load.parsing import check_limits

from .errors_support import VALID, edited, errors

# Files that are not YAML -------------------------------------------------------------------------


def test_broken_yaml() -> None:
    assert errors(dedent("""\
        flowdocs: 1
        name: [sql-backup
        title: broken
        """)) == [
        "design.yaml:3:6: error: invalid YAML: did not find expected ',' or ']' "
        "(while parsing a flow sequence on line 2)",
    ]


@pytest.mark.parametrize("text", ["", "   \n\n\t\n"])
def test_empty_file(text: str) -> None:
    assert errors(text) == ["design.yaml:1:1: error: empty file"]


def test_comments_only_is_not_a_mapping() -> None:
    assert errors("# nothing yet\n") == [
        "design.yaml:1:1: error: expected a mapping at the top level, found nothing",
    ]


def test_binary_file_names_the_first_nul_byte() -> None:
    assert errors(b"flowdocs: 1\nname: ab\x00\x01\x02") == [
        "design.yaml:2:9: error: binary file: NUL byte; a design file is UTF-8 text",
    ]


def test_invalid_utf8_names_the_first_bad_byte() -> None:
    assert errors("flowdocs: 1\ntitle: Café ".encode() + b"\xe9t\xe9\n") == [
        "design.yaml:2:13: error: not UTF-8 text: invalid byte 0xe9; a design file is UTF-8 text",
    ]


def test_utf16_file() -> None:
    assert errors("flowdocs: 1\n".encode("utf-16")) == [
        "design.yaml:1:1: error: the file is UTF-16 text; save it as UTF-8",
    ]


def test_control_character() -> None:
    assert errors("flowdocs: 1\nname: a\x1b[0m\n") == [
        "design.yaml:2:8: error: control character U+001B is not allowed in a design file",
    ]


def test_byte_order_mark_is_ignored() -> None:
    loaded = load_design_bytes(b"\xef\xbb\xbf" + VALID.encode(), "design.yaml")
    assert loaded.design.name == "sql-backup"


@pytest.mark.parametrize(("text", "found"), [
    ("- flowdocs: 1\n- name: x\n", "a list"),
    ("just a sentence\n", "a string"),
    ("42\n", "an integer"),
])
def test_top_level_not_a_mapping(text: str, found: str) -> None:
    assert errors(text) == [
        f"design.yaml:1:1: error: expected a mapping at the top level, found {found}",
    ]


def test_multiple_documents() -> None:
    assert errors(VALID + "---\nflowdocs: 1\n") == [
        "design.yaml:40:1: error: a design file holds one YAML document; found a second one",
    ]


def test_alias_bomb() -> None:
    """The billion laughs: nine levels of nine aliases would expand to 10^9 strings."""
    laughs = ['lol: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        laughs.append(f"lol{level}: &{level} [" + ", ".join([f"*{previous}"] * 9) + "]")
    text = "flowdocs: 1\n" + "\n".join(laughs) + "\n"
    # a: 10 nodes, b: 91, ... g: 5,380,840, on line 8: the first value over the limit.
    assert errors(text) == [
        "design.yaml:8:7: error: alias expansion too large (5,380,840 nodes; "
        "the limit is 1,000,000)",
    ]


def test_recursive_alias() -> None:
    assert errors("flowdocs: 1\nloop: &loop [1, *loop]\n") == [
        "design.yaml:2:7: error: recursive alias: a value contains itself",
    ]


def test_deep_nesting() -> None:
    assert errors("flowdocs: 1\ndeep: " + "[" * 70 + "]" * 70 + "\n") == [
        "design.yaml:2:70: error: nesting deeper than 64 levels",
    ]


def test_absurd_nesting() -> None:
    """libyaml stops at 1000 levels, Python's json module at its recursion limit."""
    assert errors("flowdocs: 1\ndeep: " + "[" * 5000 + "]" * 5000 + "\n") == [
        "design.yaml:2:1006: error: nesting deeper than 64 levels",
    ]
    assert errors('{"flowdocs": 1, "deep": ' + "[" * 100_000 + "]" * 100_000 + "}",
                  "design.json") == [
        "design.json:1:1: error: nesting deeper than 64 levels",
    ]


def test_python_tag() -> None:
    assert errors("flowdocs: 1\nname: !!python/object/apply:os.system ['echo owned']\n") == [
        "design.yaml:2:7: error: unsupported YAML tag '!!python/object/apply:os.system'; "
        "flowdocs reads plain YAML only",
    ]


def test_bad_explicit_scalar() -> None:
    assert errors("flowdocs: 1\nbuilt: 2024-13-45\n") == [
        "design.yaml:2:8: error: invalid YAML: cannot read timestamp '2024-13-45': month must "
        "be in 1..12",
    ]


def test_duplicate_key() -> None:
    text = edited("    sku: Standard\n", "    sku: Standard\n    sku: Premium\n")
    assert errors(text) == [
        "design.yaml:29:5: error: duplicate key 'sku' (first defined on line 28)",
    ]


def test_duplicate_key_beside_a_merge_key() -> None:
    assert errors(dedent("""\
        anchors: &defaults {flowdocs: 1, title: t}
        <<: *defaults
        name: a
        name: b
        """)) == [
        "design.yaml:1:1: error: unknown key 'anchors' at the top level; expected one of: "
        + ", ".join(_top_level_keys()),
        "design.yaml:4:1: error: duplicate key 'name' (first defined on line 3)",
    ]


def _top_level_keys() -> list[str]:
    return list(Design.model_fields)


def test_invalid_json_is_located() -> None:
    assert errors('{\n  "flowdocs": 1,\n  "name": "x",,\n}\n', "design.json") == [
        "design.json:3:15: error: invalid JSON: Expecting property name enclosed in double "
        "quotes",
    ]


def test_duplicate_json_key_is_located() -> None:
    data = yaml.safe_load(VALID)
    text = json.dumps(data, indent=2).replace('"name": "sql-backup",',
                                              '"name": "sql-backup",\n  "name": "again",')
    assert errors(text, "design.json") == [
        "design.json:4:3: error: duplicate key 'name' (first defined on line 3)",
    ]


def test_file_too_large(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as stream:
        stream.truncate(MAX_BYTES + 1)
    with pytest.raises(DesignError) as caught:
        load_design(path, "designs/huge.yaml")
    assert caught.value.lines() == [
        "designs/huge.yaml:1:1: error: file too large: 8.00 MiB (8,388,609 bytes); the limit "
        "is 8 MiB (8,388,608 bytes)",
    ]


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(DesignError) as caught:
        load_design(tmp_path / "missing.yaml", "designs/missing.yaml")
    assert caught.value.lines() == [
        "designs/missing.yaml: error: cannot read the file: No such file or directory",
    ]


# The parts, on plain data --------------------------------------------------------------------------


def test_size_limit_counts_without_expanding() -> None:
    shared = ["x"] * 1000  # 1,001 nodes, met once per reference
    assert check_limits({"a": [shared] * 997}) is None  # 998,000 nodes in all
    assert check_limits({"a": [shared] * 1000}) == Diagnostic(
        "error", "alias expansion too large (1,001,001 nodes; the limit is 1,000,000)", ("a",))
    assert check_limits({"flat": [0] * 1_000_000}) == Diagnostic(
        "error", "design too large (1,000,001 nodes; the limit is 1,000,000)", ("flat",))
