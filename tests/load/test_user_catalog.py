"""A user's catalog (`--catalog FILE`, user_catalog.py): merged over the shipped one, and every
problem of the file a located `FILE:LINE:COL: error:` line.

Each error test writes a catalog file into tmp_path and pins the exact lines the user sees.
"""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest
from tests_support import SQL_MI_CATALOG

from flowdocs.load.catalog import CatalogFlow, Service, default_catalog
from flowdocs.load.diagnostics import DesignError
from flowdocs.load.user_catalog import load_catalog, merge_catalog

SQL_MI = SQL_MI_CATALOG  # a workload type the shipped catalog lacks (tests_support)


def write(tmp_path: Path, text: str, name: str = "my-catalog.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str, name: str = "my-catalog.yaml") -> list[str]:
    """The lines a bad catalog file prints, `{path}` standing for the file."""
    path = write(tmp_path, text, name)
    with pytest.raises(DesignError) as caught:
        load_catalog(path)
    return [line.replace(str(path), "{path}") for line in caught.value.lines()]


# == Merging ===================================================================================


def test_no_file_is_the_shipped_catalog() -> None:
    assert load_catalog(None) is default_catalog()


@pytest.mark.parametrize("text", ["{}\n", "version: 1\n", "services: {}\nworkload_types:\n"])
def test_every_section_is_optional(tmp_path: Path, text: str) -> None:
    assert load_catalog(write(tmp_path, text)) == default_catalog()


def test_new_names_are_added(tmp_path: Path) -> None:
    catalog = load_catalog(write(tmp_path, SQL_MI))
    shipped = default_catalog()
    assert catalog.services["SqlMi"] == Service(
        title="SQL Managed Instance", fqdns=("*.database.windows.net",), port=1433, tag="Sql")
    assert (catalog.services["SqlMi"].protocol, catalog.tag("SqlMi")) == ("TCP", "Sql")
    kind = catalog.workload_types["sql-mi-client"]
    assert (kind.title, kind.target, kind.flows) == (
        "Application reaching SQL Managed Instance", None,
        (CatalogFlow(service="AzureActiveDirectory", category="management"),
         CatalogFlow(service="SqlMi", category="data")))
    assert catalog.covered(kind) == ()
    # The shipped entries are all there, unchanged.
    assert set(catalog.services) == {*shipped.services, "SqlMi"}
    assert set(catalog.workload_types) == {*shipped.workload_types, "sql-mi-client"}
    assert all(catalog.services[n] == s for n, s in shipped.services.items())
    assert all(catalog.workload_types[n] == k for n, k in shipped.workload_types.items())
    assert catalog.service_tags == shipped.service_tags


def test_merging_leaves_the_shipped_catalog_alone(tmp_path: Path) -> None:
    load_catalog(write(tmp_path, SQL_MI))
    assert "SqlMi" not in default_catalog().services
    assert "sql-mi-client" not in default_catalog().workload_types


def test_same_names_replace_the_whole_entry(tmp_path: Path) -> None:
    # A shipped name is replaced, not merged field by field: the user's AzureBackup has no
    # FQDN tag, and the user's sql-server-in-vm only the flows given.
    catalog = load_catalog(write(tmp_path, dedent("""\
        services:
          AzureBackup:
            title: Azure Backup, our way
            fqdns: ["*.backup.windowsazure.com"]
            port: 443
        workload_types:
          sql-server-in-vm:
            title: SQL Server, storage only
            target: vault
            flows:
              - {service: Storage, category: data}
        """)))
    assert catalog.services["AzureBackup"] == Service(
        title="Azure Backup, our way", fqdns=("*.backup.windowsazure.com",), port=443)
    assert catalog.services["AzureBackup"].fqdn_tag is None
    sql = catalog.workload_types["sql-server-in-vm"]
    assert (sql.title, sql.flows) == (
        "SQL Server, storage only", (CatalogFlow(service="Storage", category="data"),))
    assert catalog.covered(sql) == ("AzureBackup", "Storage")
    assert catalog.workload_types["mars-agent"] == default_catalog().workload_types["mars-agent"]


def test_service_tags_are_added_to_the_known_ones(tmp_path: Path) -> None:
    catalog = load_catalog(write(tmp_path, dedent("""\
        service_tags: [Sql, PowerBI]
        services:
          Reports:
            title: Power BI
            fqdns: ["*.analysis.windows.net"]
            port: 443
            tag: PowerBI
        """)))
    assert catalog.service_tags == (*default_catalog().service_tags, "PowerBI")
    assert catalog.tag("Reports") == "PowerBI"


def test_a_service_named_after_a_known_tag_needs_no_tag(tmp_path: Path) -> None:
    catalog = load_catalog(write(tmp_path, dedent("""\
        services:
          AzureCosmosDB:
            title: Azure Cosmos DB
            fqdns: ["*.documents.azure.com"]
            port: 443
        """)))
    assert catalog.tag("AzureCosmosDB") == "AzureCosmosDB"


def test_other_sections_merge_by_name(tmp_path: Path) -> None:
    catalog = load_catalog(write(tmp_path, dedent("""\
        region_pairs:
          westeurope: uksouth
          newregion: westeurope
        service_endpoints:
          Microsoft.Storage: {service: Storage, scope: regional}
        private_endpoint_targets:
          storage_account: [Storage, AzureFilesHttps]
        """)))
    shipped = default_catalog()
    assert catalog.region_pairs == {**shipped.region_pairs, "westeurope": "uksouth",
                                    "newregion": "westeurope"}
    assert catalog.service_endpoints["Microsoft.Storage"].paired is False
    assert catalog.service_endpoints["Microsoft.KeyVault"] == \
        shipped.service_endpoints["Microsoft.KeyVault"]
    assert catalog.private_endpoint_targets == {
        **shipped.private_endpoint_targets,
        "vault": ("AzureBackup", "Storage"), "storage_account": ("Storage", "AzureFilesHttps")}


def test_udp_and_legs_with_a_region(tmp_path: Path) -> None:
    catalog = load_catalog(write(tmp_path, dedent("""\
        services:
          Syslog:
            title: Syslog collector
            fqdns: []
            port: 514
            protocol: UDP
            tag: AzureMonitor
        workload_types:
          replicated-app:
            title: Replicated app
            target: vault
            private_endpoint_services: []
            fails: the replication fails
            source: example.com/replicated-app
            flows:
              - {service: Syslog, category: management, region: client}
              - {service: Storage, category: data, region: target}
        """)))
    assert (catalog.services["Syslog"].protocol, catalog.services["Syslog"].port) == ("UDP", 514)
    kind = catalog.workload_types["replicated-app"]
    assert [(f.service, f.region) for f in kind.flows] == [
        ("Syslog", "client"), ("Storage", "target")]
    assert (catalog.covered(kind), kind.fails, kind.source) == (
        (), "the replication fails", "example.com/replicated-app")


def test_one_service_in_two_categories_is_two_flows(tmp_path: Path) -> None:
    # A flow is known by its workload, service and number: this is allowed.
    catalog = load_catalog(write(tmp_path, dedent("""\
        workload_types:
          w:
            title: W
            flows:
              - {service: Storage, category: management}
              - {service: Storage, category: data}
        """)))
    assert len(catalog.workload_types["w"].flows) == 2


def test_merge_catalog_gives_data_paths() -> None:
    catalog, found = merge_catalog({"workload_types": {"w": {"title": "W", "flows": [
        {"service": "Nope", "category": "data"}]}}})
    assert catalog is None
    assert [(d.message, d.path) for d in found] == [
        ("unknown service 'Nope' in workload type 'w'",
         ("workload_types", "w", "flows", 0, "service"))]


# == Located errors ============================================================================


def test_unknown_section(tmp_path: Path) -> None:
    assert problems(tmp_path, dedent("""\
        version: 1
        servics:
          Foo: {title: x, fqdns: [], port: 1}
        """)) == [
        "{path}:2:1: error: unknown section 'servics'; expected one of: version, service_tags, "
        "services, service_endpoints, region_pairs, private_endpoint_targets, workload_types"]


@pytest.mark.parametrize(("text", "column"), [("version: 2\n", 10), ("version: '1'\n", 10)])
def test_bad_version(tmp_path: Path, text: str, column: int) -> None:
    assert problems(tmp_path, text) == [f"{{path}}:1:{column}: error: expected version: 1"]


def test_port_out_of_range(tmp_path: Path) -> None:
    assert problems(tmp_path, SQL_MI.replace("port: 1433", "port: 70000")) == [
        "{path}:6:11: error: services.SqlMi.port: Input should be less than or equal to 65535"]


def test_port_zero_in_a_json_catalog(tmp_path: Path) -> None:
    text = '{"services": {"X": {"title": "X", "fqdns": [], "port": 0, "tag": "Storage"}}}'
    assert problems(tmp_path, text, "my-catalog.json") == [
        "{path}:1:56: error: services.X.port: Input should be greater than or equal to 1"]


def test_missing_title(tmp_path: Path) -> None:
    assert problems(tmp_path, SQL_MI.replace("    title: SQL Managed Instance\n", "")) == [
        "{path}:4:5: error: services.SqlMi.title: Field required"]


def test_protocol_other_than_tcp_or_udp(tmp_path: Path) -> None:
    assert problems(tmp_path, SQL_MI.replace("port: 1433", "port: 1433\n    protocol: ICMP")) == [
        "{path}:7:15: error: services.SqlMi.protocol: Input should be 'TCP' or 'UDP'"]


def test_unknown_field(tmp_path: Path) -> None:
    assert problems(tmp_path, dedent("""\
        services:
          X: {title: X, fqdns: [], port: 5, tag: Storage, colour: red}
        """)) == ["{path}:2:59: error: services.X.colour: Extra inputs are not permitted"]


def test_bad_leg_region(tmp_path: Path) -> None:
    assert problems(tmp_path, dedent("""\
        workload_types:
          w:
            title: W
            flows:
              - {service: Storage, category: data, region: server}
        """)) == [
        "{path}:5:52: error: workload_types.w.flows.0.region: Input should be 'target' or "
        "'client'"]


def test_a_leg_naming_an_unknown_service(tmp_path: Path) -> None:
    assert problems(tmp_path, SQL_MI.replace("{service: SqlMi,", "{service: SqlMl,")) == [
        "{path}:14:19: error: unknown service 'SqlMl' in workload type 'sql-mi-client'"]


def test_a_private_endpoint_service_that_does_not_exist(tmp_path: Path) -> None:
    assert problems(tmp_path, dedent("""\
        workload_types:
          w:
            title: W
            target: vault
            private_endpoint_services: [AzureBackup, Nope]
            flows:
              - {service: AzureBackup, category: management}
        """)) == ["{path}:5:46: error: unknown service 'Nope'"]


def test_a_service_whose_tag_the_catalog_does_not_know(tmp_path: Path) -> None:
    # A tag given: the error is on it. No tag: the service's own name is its tag, and the
    # error is on the service's key.
    assert problems(tmp_path, dedent("""\
        version: 1
        services:
          Thing:
            title: Thing
            fqdns: [thing.example.com]
            port: 443
            tag: NoSuchTag
          Other:
            title: Other
            fqdns: [other.example.com]
            port: 443
        """)) == [
        "{path}:7:10: error: service 'Thing' is held by service tag 'NoSuchTag', which the "
        "catalog does not know: add it to service_tags, or give the service a known tag",
        "{path}:8:3: error: service 'Other' is held by service tag 'Other', which the catalog "
        "does not know: add it to service_tags, or give the service a known tag",
    ]


def test_a_service_listed_twice_in_one_category(tmp_path: Path) -> None:
    assert problems(tmp_path, dedent("""\
        version: 1
        workload_types:
          my-client:
            title: Mine
            flows:
              - {service: Storage, category: data}
              - {service: Storage, category: data}
        """)) == [
        "{path}:6:7: error: workload type 'my-client' lists a service twice in one category: "
        "a flow is known by its workload, service and number"]


def test_sections_of_the_wrong_shape(tmp_path: Path) -> None:
    assert problems(tmp_path, "services: [a, b]\nservice_tags: Foo\n") == [
        "{path}:1:11: error: expected a mapping of services",
        "{path}:2:15: error: expected a list of service tags",
    ]


def test_a_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    assert problems(tmp_path, "- a\n- b\n") == [
        "{path}:1:1: error: expected a mapping, as in flowdocs/data/catalog.yaml (version, "
        "services, workload_types, ...)"]


def test_invalid_yaml(tmp_path: Path) -> None:
    assert problems(tmp_path, "services: {a: [\n") == [
        "{path}:2:1: error: invalid YAML: did not find expected node content (while parsing a "
        "flow node on line 2)"]


def test_duplicate_key(tmp_path: Path) -> None:
    assert problems(tmp_path, dedent("""\
        services:
          A: {title: A, fqdns: [], port: 5, tag: Storage}
          A: {title: B, fqdns: [], port: 6, tag: Storage}
        """)) == ["{path}:3:3: error: duplicate key 'A' (first defined on line 2)"]


def test_empty_file(tmp_path: Path) -> None:
    assert problems(tmp_path, "") == ["{path}:1:1: error: empty file"]


def test_every_problem_at_once_in_file_order(tmp_path: Path) -> None:
    assert problems(tmp_path, dedent("""\
        version: 1
        services:
          Thing: {title: Thing, fqdns: [], port: 443, tag: NoSuchTag}
        workload_types:
          w:
            title: W
            flows:
              - {service: Nope, category: data}
              - {service: Storage, category: data}
              - {service: Storage, category: data}
        """)) == [
        "{path}:3:52: error: service 'Thing' is held by service tag 'NoSuchTag', which the "
        "catalog does not know: add it to service_tags, or give the service a known tag",
        "{path}:8:7: error: workload type 'w' lists a service twice in one category: a flow is "
        "known by its workload, service and number",
        "{path}:8:19: error: unknown service 'Nope' in workload type 'w'",
    ]


# == Bugs found ================================================================================


def test_version_true_is_not_version_1(tmp_path: Path) -> None:
    assert problems(tmp_path, "version: true\n") == ["{path}:1:10: error: expected version: 1"]


def test_a_service_tag_that_is_not_a_string_is_located_on_it(tmp_path: Path) -> None:
    assert problems(tmp_path, "service_tags: [1, NewTag]\n") == [
        "{path}:1:16: error: service_tags.0: Input should be a valid string"]


def test_a_missing_catalog_file_has_no_line(tmp_path: Path) -> None:
    path = tmp_path / "missing.yaml"
    with pytest.raises(DesignError) as caught:
        load_catalog(path)
    assert caught.value.lines() == [
        f"{path}: error: cannot read the catalog: No such file or directory"]
