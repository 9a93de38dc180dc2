"""`--catalog FILE` (cli/catalog_option.py): a user's workload type, a SQL Managed Instance
client on TCP 1433 held by the Sql service tag, used by a design in tmp_path, through every
verb that resolves designs; and a bad catalog, a located error with exit status 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests_support import SQL_MI_CATALOG, SQL_MI_DESIGN, run_cli

from flowdocs.load.catalog import default_catalog

CATALOG, DESIGN = SQL_MI_CATALOG, SQL_MI_DESIGN

# The same design with a Microsoft.Sql service endpoint on the client's subnet.
WITH_ENDPOINT = DESIGN.replace("route_table: rt-spoke}",
                               "route_table: rt-spoke, service_endpoints: [Microsoft.Sql]}")


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {"catalog": tmp_path / "my-catalog.yaml", "design": tmp_path / "mi.yaml",
             "after": tmp_path / "after" / "mi.yaml", "routes": tmp_path / "routes.json",
             "bad": tmp_path / "bad-catalog.yaml"}
    paths["after"].parent.mkdir()
    paths["catalog"].write_text(CATALOG)
    paths["design"].write_text(DESIGN)
    paths["after"].write_text(WITH_ENDPOINT)
    paths["routes"].write_text('{"value": []}')
    paths["bad"].write_text(CATALOG.replace("port: 1433", "port: 70000"))
    return paths


def unknown_type_line(design: Path) -> str:
    known = ", ".join(sorted(default_catalog().workload_types))
    return (f"{design}:24:11: error: unknown workload type 'sql-mi-client'; expected one of: "
            f"{known}")


def test_validate_fails_without_the_catalog_and_passes_with_it(files: dict[str, Path]) -> None:
    without = run_cli("validate", files["design"])
    assert (without.exit_code, without.stdout) == (1, "")
    assert without.stderr.splitlines() == [unknown_type_line(files["design"])]
    with_catalog = run_cli("validate", files["design"], "--catalog", files["catalog"])
    assert with_catalog.exit_code == 0, with_catalog.stderr
    assert with_catalog.stderr.splitlines() == ["1 design(s) valid, 2 flows, 0 warning(s)"]


def test_resolve_shows_the_users_leg(files: dict[str, Path]) -> None:
    result = run_cli("resolve", files["design"], "--catalog", files["catalog"],
                     "--format", "json")
    assert result.exit_code == 0, result.stderr
    flows = {f["id"]: f for f in json.loads(result.stdout)["flows"]}
    assert list(flows) == ["app/AzureActiveDirectory", "app/SqlMi"]
    sql = flows["app/SqlMi"]
    assert {k: sql[k] for k in ("number", "category", "service", "fqdns", "port", "protocol",
                                "access", "status", "firewalls")} == {
        "number": 2, "category": "data", "service": "SqlMi",
        "fqdns": ["*.database.windows.net"], "port": 1433, "protocol": "TCP",
        "access": "public", "status": "delivered", "firewalls": ["afw-hub"]}


def test_resolve_routes_the_users_leg_by_its_tag(files: dict[str, Path]) -> None:
    # Its tag is Sql: the Microsoft.Sql service endpoint carries it.
    result = run_cli("resolve", files["after"], "--catalog", files["catalog"],
                     "--format", "json")
    assert result.exit_code == 0, result.stderr
    sql = next(f for f in json.loads(result.stdout)["flows"] if f["id"] == "app/SqlMi")
    assert (sql["access"], sql["reason"]) == (
        "service-endpoint", "Microsoft.Sql (Default) -> VirtualNetworkServiceEndpoint")


def test_rules_give_a_network_rule_on_the_users_tag(files: dict[str, Path]) -> None:
    result = run_cli("rules", files["design"], "--catalog", files["catalog"], "--format", "json")
    assert result.exit_code == 0, result.stderr
    exported = json.loads(result.stdout)
    (firewall,) = exported["firewalls"]
    sql = next(r for r in firewall["rules"] if r["service"] == "SqlMi")
    assert {k: sql[k] for k in ("name", "kind", "sources", "fqdn_tags", "service_tags",
                                "protocol", "port", "flows")} == {
        "name": "SqlMi", "kind": "network", "sources": ["10.1.1.0/24"], "fqdn_tags": [],
        "service_tags": ["Sql"], "protocol": "TCP", "port": 1433, "flows": ["app/SqlMi"]}
    nsg = next(r for r in exported["nsg_rules"] if r["service"] == "SqlMi")
    assert (nsg["destination"], nsg["protocol"], nsg["port"]) == ("Sql", "TCP", 1433)


def test_rules_as_an_arm_template(files: dict[str, Path]) -> None:
    result = run_cli("rules", files["design"], "--catalog", files["catalog"], "--format", "arm")
    assert result.exit_code == 0, result.stderr
    template = json.loads(result.stdout)
    rules = [rule for resource in template["resources"]
             for collection in resource["properties"]["ruleCollections"]
             for rule in collection["rules"]]
    sql = next(r for r in rules if r["name"] == "SqlMi")
    assert {k: sql[k] for k in ("ruleType", "ipProtocols", "sourceAddresses",
                                "destinationAddresses", "destinationPorts")} == {
        "ruleType": "NetworkRule", "ipProtocols": ["TCP"], "sourceAddresses": ["10.1.1.0/24"],
        "destinationAddresses": ["Sql"], "destinationPorts": ["1433"]}


def test_diff_with_the_catalog(files: dict[str, Path]) -> None:
    without = run_cli("diff", files["design"], files["after"], "--format", "json")
    assert without.exit_code == 1
    assert unknown_type_line(files["design"]) in without.stderr.splitlines()
    result = run_cli("diff", files["design"], files["after"], "--catalog", files["catalog"],
                     "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["headline"] == "1 flow changed, 1 newly bypasses a firewall"
    (design,) = report["designs"]
    (changed,) = design["flows"]
    assert (changed["id"], changed["number"], changed["bypassed"]) == ("app/SqlMi", 2,
                                                                       ["afw-hub"])
    assert (changed["before"]["access"], changed["after"]["access"]) == (
        "public", "service-endpoint")


def test_compare_routes_and_verify_with_the_catalog(files: dict[str, Path]) -> None:
    renamed = files["after"].parent / "mi-endpoint.yaml"
    renamed.write_text(WITH_ENDPOINT.replace("name: mi\n", "name: mi-endpoint\n"))
    compared = run_cli("compare", files["design"], renamed, "--catalog", files["catalog"],
                       "--format", "json")
    assert compared.exit_code == 0, compared.stderr
    assert [[(f["id"], f["outcome"]) for f in v["flows"]]
            for v in json.loads(compared.stdout)["variants"]] == [
        [("app/AzureActiveDirectory", "public via afw-hub"), ("app/SqlMi", "public via afw-hub")],
        [("app/AzureActiveDirectory", "public via afw-hub"), ("app/SqlMi", "service-endpoint")],
    ]
    routes = run_cli("routes", files["after"], "--subnet", "vnet-spoke/snet-app",
                     "--catalog", files["catalog"])
    assert routes.exit_code == 0, routes.stderr
    assert "Microsoft.Sql" in routes.stdout
    verified = run_cli("verify", files["design"], "--effective-routes",
                       f"vnet-spoke/snet-app={files['routes']}", "--catalog", files["catalog"],
                       "--format", "json")
    # The real table is empty: every row differs, and the user's flow is among those checked.
    assert verified.exit_code == 1
    assert "app/SqlMi" in verified.stdout
    assert "unknown workload type" not in verified.stderr


def test_findings_say_what_the_users_type_loses(files: dict[str, Path]) -> None:
    dropped = files["design"].parent / "dropped.yaml"
    dropped.write_text(DESIGN.replace("next_hop_type: VirtualAppliance, next_hop_ip: 10.0.1.4",
                                      "next_hop_type: None"))
    result = run_cli("validate", dropped, "--catalog", files["catalog"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{dropped}:19:39: warning: app: flows 1 AzureActiveDirectory, 2 SqlMi are dropped, the "
        f"application loses its database: 0.0.0.0/0 (User, rt-spoke/to-fw) -> None: next hop "
        f"None drops the traffic [FD001 error]")


VERBS = {
    "validate": ("validate", "{design}"),
    "resolve": ("resolve", "{design}"),
    "routes": ("routes", "{design}", "--subnet", "vnet-spoke/snet-app"),
    "rules": ("rules", "{design}"),
    "verify": ("verify", "{design}", "--effective-routes", "vnet-spoke/snet-app={routes}"),
    "compare": ("compare", "{design}"),
    "diff": ("diff", "{design}", "{after}"),
}


@pytest.mark.parametrize("verb", list(VERBS))
def test_a_bad_catalog_is_a_located_error(files: dict[str, Path], verb: str) -> None:
    args = [a.format(design=files["design"], after=files["after"], routes=files["routes"])
            for a in VERBS[verb]]
    result = run_cli(*args, "--catalog", files["bad"])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        f"{files['bad']}:6:11: error: services.SqlMi.port: Input should be less than or equal "
        f"to 65535"]
    assert "Traceback" not in result.stderr


def test_a_catalog_with_an_unknown_service_is_a_located_error(files: dict[str, Path]) -> None:
    files["bad"].write_text(CATALOG.replace("{service: SqlMi,", "{service: SqlMl,"))
    result = run_cli("resolve", files["design"], "--catalog", files["bad"])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        f"{files['bad']}:14:19: error: unknown service 'SqlMl' in workload type 'sql-mi-client'"]


def test_a_catalog_that_is_a_folder_is_a_usage_error(files: dict[str, Path]) -> None:
    result = run_cli("validate", files["design"], "--catalog", files["design"].parent)
    assert result.exit_code == 2
    assert "Invalid value for '--catalog'" in result.stderr
