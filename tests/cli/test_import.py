"""`flowdocs import` as a user runs it: the file written, what it says, and its errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests_support import ROOT, run_cli

from flowdocs.cli.common import COMMANDS

AZ = "tests/load/data/import/az"
GOLDEN = ROOT / "tests" / "golden" / "import"


@pytest.fixture
def in_root(monkeypatch) -> Path:
    """Run from the repository, so that sources are named as the golden files name them."""
    monkeypatch.chdir(ROOT)
    return ROOT


def test_import_writes_the_design_that_validate_accepts(in_root, tmp_path):
    out = tmp_path / "hub-spoke-sql.yaml"
    result = run_cli("import", AZ, "-o", out)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == (
        f"{out}: 2 vnets, 3 subnets, 1 peering, 1 route table, 1 route, 1 firewall, 1 vault, "
        "1 private endpoint, 3 private DNS zones, 1 network security group, 2 firewall "
        "policies, 8 security rules imported; 1 candidate workload(s), 2 resource(s) not "
        "imported (listed at the end of the file)\n")
    # The design's name comes from the file's; the text is the golden import of the az shape.
    assert out.read_text() == (GOLDEN / "az.yaml").read_text()
    validated = run_cli("validate", out)
    assert (validated.exit_code, validated.stderr) == (
        0, "1 design(s) valid, 0 flows, 0 warning(s)\n")


def test_import_to_standard_output_with_a_name_and_title(in_root):
    result = run_cli("import", f"{AZ}/vnets.json", "-o", "-", "--name", "Prod Estate",
                     "--title", "Production: hub and spoke")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == ["# Imported by `flowdocs import` from 1 file:",
                         f"#   {AZ}/vnets.json: az CLI (flattened), 2 resources"]
    assert lines[5:8] == ["flowdocs: 1", "name: prod-estate",
                          'title: "Production: hub and spoke"']


def test_bad_sources_are_all_reported_located_and_nothing_is_written(tmp_path):
    (tmp_path / "broken.json").write_text('[\n  {"id": "/subscriptions/x",}\n]\n')
    (tmp_path / "other.json").write_text('{"kind": "inventory"}')
    out = tmp_path / "estate.yaml"
    result = run_cli("import", tmp_path / "broken.json", tmp_path / "other.json", "-o", out)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{tmp_path}/broken.json:2:29: error: not JSON: Expecting property name enclosed in "
        "double quotes",
        f"{tmp_path}/other.json:1:1: error: unknown shape: expected the JSON of `az network ... "
        "list`, an Azure Resource Graph or ARM REST export ({\"data\": [...]}, {\"value\": "
        "[...]} or a list of resources), or `terraform show -json`; found an object with "
        "keys: kind"]
    assert not out.exists()


def test_a_missing_source_and_a_folder_without_exports(tmp_path):
    missing = run_cli("import", tmp_path / "nope.json", "-o", tmp_path / "x.yaml")
    assert (missing.exit_code, missing.stderr) == (
        1, f"{tmp_path}/nope.json: error: no such file or folder\n")
    (tmp_path / "empty").mkdir()
    empty = run_cli("import", tmp_path / "empty", "-o", tmp_path / "x.yaml")
    assert (empty.exit_code, empty.stderr) == (
        1, f"{tmp_path}/empty: error: no .json file in this folder\n")


def test_the_output_must_be_a_yaml_file(tmp_path):
    result = run_cli("import", tmp_path, "-o", tmp_path / "estate.json")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: Invalid value for '-o' / '--output': the design is written as YAML: name it "
        "DESIGN.yaml")


def test_import_is_a_verb_with_examples():
    assert "import" in COMMANDS
    help_text = run_cli("import", "--help").stdout
    assert "Examples:" in help_text
    assert "flowdocs import vnets.json route-tables.json firewalls.json -o estate.yaml" \
        in help_text


def test_an_output_that_cannot_be_written_is_an_error_not_a_traceback(in_root, tmp_path):
    (tmp_path / "file").write_text("")
    out = tmp_path / "file" / "estate.yaml"
    result = run_cli("import", f"{AZ}/vnets.json", "-o", out)
    assert (result.exit_code, result.stderr) == (
        1, f"{out}: error: cannot write the design: File exists\n")


def test_a_hubs_gateway_connections_route_server_and_load_balancers_are_counted(in_root,
                                                                              tmp_path):
    out = tmp_path / "hub.yaml"
    result = run_cli("import", "tests/load/data/import/hub/az", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == (
        f"{out}: 2 vnets, 5 subnets, 1 peering, 1 route table, 1 route, 2 firewalls, 1 gateway, "
        "2 gateway connections, 1 route server, 2 load balancers, 1 vault imported; 3 candidate "
        "workload(s), 1 resource(s) not imported (listed at the end of the file)\n")
    text = out.read_text()
    # What no export holds is said where the user will look for it.
    assert "# - /subscriptions/7d3b5c1e-4a2f-4e8b-9c6d-2f1a0b9e8d7c/resourceGroups/rg-hub/" \
        "providers/Microsoft.Network/virtualHubs/rs-hub/bgpConnections/nva-a: " \
        "advertised_prefixes left empty: what the NVA advertises is in no export; `az network " \
        "routeserver peering list-learned-routes -g rg-hub --routeserver rs-hub -n nva-a` " \
        "lists it" in text.splitlines()
    validated = run_cli("validate", out)
    assert (validated.exit_code, validated.stderr) == (
        0, "1 design(s) valid, 0 flows, 0 warning(s)\n")
