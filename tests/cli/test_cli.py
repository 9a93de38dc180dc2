"""The CLI as a user sees it: whole outputs, exit codes, and the JSON contract."""

from __future__ import annotations

import json

import jsonschema
import pytest
from tests_support import DESIGNS, EXAMPLES, ROOT, run_cli

from flowdocs.cli.common import COMMANDS

OUTPUT_SCHEMA = json.loads((ROOT / "docs/assets/resolve-v1.schema.json").read_text())


@pytest.mark.parametrize("design", EXAMPLES, ids=lambda p: p.stem)
def test_resolve_json_is_the_contract_and_matches_its_golden_file(design, golden):
    result = run_cli("resolve", design, "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    jsonschema.validate(document, OUTPUT_SCHEMA)
    assert [f["id"] for f in document["flows"]] == [
        f"{f['workload']}/{f['service']}" for f in document["flows"]]
    golden.check(f"resolve/{design.stem}.json", result.stdout)


def test_resolve_json_is_byte_identical_across_runs():
    design = DESIGNS / "f-third-party-agent-private-storage.yaml"
    first = run_cli("resolve", design, "--format", "json").stdout
    assert run_cli("resolve", design, "--format", "json").stdout == first


def test_resolve_table(golden):
    result = run_cli("resolve", DESIGNS / "c-sql-storage-service-endpoint.yaml")
    assert result.exit_code == 0
    golden.check("cli/resolve-c.txt", result.stdout)


def test_routes_table_and_json(golden):
    design = DESIGNS / "c-sql-storage-service-endpoint.yaml"
    table = run_cli("routes", design, "--subnet", "vnet-spoke-sql/snet-sql")
    assert table.exit_code == 0
    golden.check("cli/routes-c.txt", table.stdout)
    document = json.loads(run_cli("routes", design, "--subnet", "vnet-spoke-sql/snet-sql",
                                  "--format", "json").stdout)
    assert {"source": "Default", "state": "Active", "addressPrefix": ["Microsoft.Storage"],
            "nextHopType": "VirtualNetworkServiceEndpoint", "nextHopIpAddress": [],
            "name": None} in document["value"]


def test_routes_of_an_unknown_subnet_suggests_the_closest():
    result = run_cli("routes", DESIGNS / "b-sql-hub-firewall.yaml", "--subnet",
                     "vnet-spoke-sql/snet-sq")
    assert result.exit_code == 2
    assert "no subnet 'vnet-spoke-sql/snet-sq'" in result.stderr
    assert "did you mean 'vnet-spoke-sql/snet-sql'?" in result.stderr


def test_validate_a_folder():
    result = run_cli("validate", DESIGNS)
    # (g) shows a review catching a dropped and a looping flow, (j) and (n) flows their
    # firewall policy denies: validate fails on them.
    assert result.exit_code == 1, result.stderr
    assert result.stderr.splitlines()[-1].startswith(f"{len(EXAMPLES)} design(s) valid")
    assert result.stderr.splitlines()[-1].endswith(
        ", 4 of severity error: the flows they name never arrive")


def test_validate_a_missing_path():
    result = run_cli("validate", "no/such/design.yaml")
    assert (result.exit_code, result.stderr) == (
        1, "no/such/design.yaml: error: no such file or folder\n")


def test_validate_reports_every_problem_of_every_file(tmp_path):
    (tmp_path / "one.yaml").write_text("flowdocs: 1\nname: one\ntitle: One\nvnets: 3\n")
    (tmp_path / "two.yaml").write_text("flowdocs: 2\nname: two\ntitle: Two\n")
    result = run_cli("validate", tmp_path)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{tmp_path / 'one.yaml'}:4:8: error: ")
    assert lines[1].startswith(f"{tmp_path / 'two.yaml'}:1:11: error: unsupported format version")


def test_schema_is_the_committed_editor_schema():
    result = run_cli("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "sql-server-in-vm" in schema["$defs"]["Workload"]["properties"]["type"]["enum"]
    committed = (ROOT / "docs/assets/design-v1.schema.json").read_text()
    assert result.stdout == committed, "run: flowdocs schema > docs/assets/design-v1.schema.json"


def test_example_designs_validate_against_the_schema():
    import yaml

    schema = json.loads(run_cli("schema").stdout)
    for design in EXAMPLES:
        first_line = design.read_text().splitlines()[0]
        assert first_line == "# yaml-language-server: $schema=../docs/assets/design-v1.schema.json"
        jsonschema.validate(yaml.safe_load(design.read_text()), schema)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_has_help_with_an_example(command):
    result = run_cli(command, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout
    assert f"flowdocs {command}" in result.stdout
