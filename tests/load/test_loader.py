"""Loading a whole design file: every problem is reported at once and in order, YAML and
JSON give the same design, findings found later are located, and no damage to a
file gives a traceback.

Errors are pinned as the exact lines the user sees on standard error:
`FILE:LINE:COL: error: MESSAGE`. The design the tests edit is VALID, in errors_support.py;
line numbers refer to it.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import yaml

from flowdocs.load.diagnostics import DesignError, Diagnostic
from flowdocs.load.loader import LoadedDesign, load_design, load_design_bytes
from flowdocs.load.model import Firewall

from .errors_support import VALID, edited, errors

# All at once -----------------------------------------------------------------------------------


def test_several_problems_are_all_reported_sorted_by_line() -> None:
    text = edited("    ip: 10.1.1.4\n", "    ip: 10.9.9.9\n",
                  "route_table: rt-spoke", "route_table: rt-spok",
                  "next_hop_type: VirtualAppliance", "next_hop_type: Internet",
                  "  - name: rsv-prod", "  - name: rsv-prod\n  - name: rsv-prod")
    assert errors(text) == [
        "design.yaml:15:22: error: unknown route table 'rt-spok'; did you mean 'rt-spoke'?",
        "design.yaml:24:9: error: next_hop_ip is only allowed with next_hop_type "
        "VirtualAppliance",
        "design.yaml:33:11: error: duplicate vault name 'rsv-prod'",
        "design.yaml:38:9: error: ip 10.9.9.9 is outside subnet 'vnet-spoke/snet-sql' "
        "(10.1.1.0/24)",
    ]


def test_field_errors_are_all_reported_before_cross_checks() -> None:
    text = edited("prefix: 10.0.1.0/26", "prefix: 10.0.1.0/99",
                  "    sku: Standard", "    sku: Standard\n    colour: red",
                  "      vault: rsv-prod", "      vault: rsv-prod\n      daily_gb: lots")
    assert errors(text) == [
        "design.yaml:9:17: error: prefix: expected a CIDR such as 10.0.0.0/16, "
        "found '10.0.1.0/99'",
        "design.yaml:29:5: error: unknown key 'colour' in firewall 'afw-hub'; expected one of: "
        + ", ".join(_firewall_keys()),
        "design.yaml:41:17: error: daily_gb: expected a number, found a string",
    ]


def _firewall_keys() -> list[str]:
    return list(Firewall.model_fields)


# Valid files -----------------------------------------------------------------------------------


def test_yaml_and_json_give_the_same_design(tmp_path: Path) -> None:
    yaml_file = tmp_path / "design.yaml"
    json_file = tmp_path / "design.json"
    yaml_file.write_text(VALID, encoding="utf-8")
    json_file.write_text(json.dumps(yaml.safe_load(VALID), indent="\t"), encoding="utf-8")
    from_yaml, from_json = load_design(yaml_file), load_design(json_file)
    assert from_yaml.design == from_json.design
    assert from_json.path == str(json_file)


def test_path_is_kept_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("design.yaml").write_text(edited("flowdocs: 1\n", "flowdocs: 3\n"), encoding="utf-8")
    with pytest.raises(DesignError) as caught:
        load_design("design.yaml")
    assert caught.value.lines() == [
        "design.yaml:1:11: error: unsupported format version 3; this flowdocs reads version 1",
    ]


def test_located_later_findings() -> None:
    loaded = load_design_bytes(VALID.encode(), "design.yaml")
    assert isinstance(loaded, LoadedDesign)
    warning = Diagnostic("warning", "a finding", ("route_tables", 0, "routes", 0, "next_hop_ip"))
    key = Diagnostic("warning", "on the key", ("firewalls", 0, "sku"), on_key=True)
    assert [d.format(loaded.path) for d in loaded.locate([warning, key])] == [
        "design.yaml:24:22: warning: a finding",
        "design.yaml:28:5: warning: on the key",
    ]


def test_example_designs_load(design_files: list[Path]) -> None:
    for file in design_files:
        assert load_design(file).design.flowdocs == 1


def test_no_traceback_for_any_damage() -> None:
    """Cut the valid design anywhere, or flip bytes in it: it loads or it says why."""
    data = VALID.encode()
    samples = [data[:cut] for cut in range(0, len(data), 7)]
    rng = random.Random(20240601)
    for _ in range(200):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            damaged[rng.randrange(len(damaged))] = rng.choice(b" :-[]{}&*!#\n\t'\"x0/.\x00\xff")
        samples.append(bytes(damaged))
    for sample in samples:
        for name in ("design.yaml", "design.json"):
            try:
                load_design_bytes(sample, name)
            except DesignError as error:
                assert error.lines() and all(":" in line for line in error.lines())
