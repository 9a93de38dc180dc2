"""The fast YAML build gives exactly the data PyYAML's safe constructor gives, and hands its
node graph to the positions, so that findings are located without a second parse."""

from __future__ import annotations

from textwrap import dedent

import pytest
import yaml
from tests_support import DESIGNS

from flowdocs.load.diagnostics import Diagnostic
from flowdocs.load.model_types import _cidr
from flowdocs.load.parsing import KEEP_NODES_BELOW, ParseError, parse_yaml
from flowdocs.load.positions import Positions

SAFE = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader

TRICKY = [
    "a: 0x1F\nb: 0o17\nc: 1_000\nd: 1:30\ne: -.inf\nf: 2024-01-31\ng: ~\nh: yes\ni: '010'\n",
    "base: &b {x: 1, y: [1, 2]}\nsame: *b\nlist: [*b, *b]\n",
    "text: !!str 123\nfloat: !!float 1\nempty:\nquoted: \"a\\tb\"\n",
    "- 1\n- [a, {b: c}]\n- {}\n- []\n",
    "? [complex, key]\n: value\n",          # unhashable key: the full constructor's error
    "set: !!set {a, b}\n",                 # a tag only the full constructor knows
    "a: 1\nb: 2\na: 3\n",                  # a duplicate key, reported the same way
    "",
]


@pytest.mark.parametrize("text", TRICKY, ids=range(len(TRICKY)))
def test_fast_build_matches_the_safe_constructor(text: str) -> None:
    try:
        expected = yaml.load(text, Loader=SAFE)
    except yaml.YAMLError:
        with pytest.raises(ParseError):
            parse_yaml(text)
        return
    data, _ = parse_yaml(text)
    assert data == expected
    assert type(data) is type(expected)


def test_aliases_stay_shared_objects() -> None:
    data, _ = parse_yaml("base: &b {x: 1}\nsame: *b\n")
    assert data["base"] is data["same"]


def test_duplicate_keys_are_reported_with_their_line() -> None:
    _, duplicates = parse_yaml("a: 1\nb: 2\na: 3\n")
    assert [(d.line, d.column, d.message) for d in duplicates] == [
        (3, 1, "duplicate key 'a' (first defined on line 1)")]


@pytest.mark.parametrize("path", sorted(DESIGNS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_example_design_builds_as_the_safe_constructor_does(path) -> None:
    text = path.read_text(encoding="utf-8")
    assert parse_yaml(text)[0] == yaml.load(text, Loader=SAFE)


def test_positions_take_the_parsed_node_graph() -> None:
    text = dedent("""\
        vnets:
          - name: hub
            prefix: 10.0.0.0/16
        """)
    positions = Positions(text)
    parse_yaml(text, positions)
    assert positions._composed  # nothing left to compose when a finding is located
    located = positions.locate([Diagnostic("warning", "m", ("vnets", 0, "prefix"))])
    assert (located[0].line, located[0].column) == (3, 13)


@pytest.mark.parametrize(("value", "expected"), [
    ("10.0.0.0/16", "10.0.0.0/16"), ("0.0.0.0/0", "0.0.0.0/0"),
    ("255.255.255.255/32", "255.255.255.255/32"), ("fd00::/8", "fd00::/8"),
])
def test_cidrs_in_canonical_form_are_kept(value: str, expected: str) -> None:
    assert _cidr(value) == expected


@pytest.mark.parametrize(("value", "message"), [
    ("10.0.0.1/16", "has host bits set; did you mean '10.0.0.0/16'?"),
    ("010.0.0.0/8", "expected a CIDR such as 10.0.0.0/16"),
    ("10.0.0.0/33", "expected a CIDR such as 10.0.0.0/16"),
    ("300.0.0.0/8", "expected a CIDR such as 10.0.0.0/16"),
    ("10.0.0.0", "expected a CIDR with a prefix length"),
])
def test_other_cidrs_get_the_full_parser_and_its_messages(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("?", r"\?").replace(".", r"\.")):
        _cidr(value)


def test_a_large_text_keeps_no_node_graph_and_is_located_on_demand() -> None:
    filler = "".join(f"  - name: n{i}\n    prefix: 10.0.0.0/16\n" for i in range(7000))
    text = f"vnets:\n{filler}"
    assert len(text) >= KEEP_NODES_BELOW
    positions = Positions(text)
    parse_yaml(text, positions)
    assert not positions._composed  # nothing kept alive for the garbage collector
    located = positions.locate([Diagnostic("warning", "m", ("vnets", 6999, "prefix"))])
    assert (located[0].line, located[0].column) == (14001, 13)
