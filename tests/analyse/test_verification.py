"""A design's predicted effective routes against real `az network nic
show-effective-route-table` documents (analyse/verification.py), and the page section that
shows the result (templates/_verified.md.j2).

The fixtures in data/verify/ describe one hub and spoke (hub-spoke.yaml): hub.json,
spoke-sql.json and spoke-files.json are the real tables of a NIC in each subnet, in the shape
az prints (keys sorted, `nextLink`), with a service endpoint's public prefixes and the
undocumented reserved None rows recent tables list. changed/ holds the same tables after
four changes: the hub lost its 10.0.0.0/8 None row, the SQL spoke's 0.0.0.0/0 goes to
10.0.1.5 and its Storage service endpoint is gone, and the files spoke has an extra User
route that takes the private endpoint's /32 to the firewall.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from flowdocs.analyse.resolved import resolve_designs
from flowdocs.analyse.verification import Verification, verify
from flowdocs.load.effective_routes import parse_effective_routes, read_all
from flowdocs.write.templating import environment, render
from flowdocs.write.verified_section import verified_context

DATA = Path(__file__).parent / "data" / "verify"
RESOLVE_DATA = Path(__file__).parent.parent / "resolve" / "data"
DESIGN = DATA / "hub-spoke.yaml"
HUB, SQL, FILES = ("vnet-hub/AzureFirewallSubnet", "vnet-spoke-sql/snet-sql",
                   "vnet-spoke-files/snet-files")
UNDOCUMENTED = ["127.0.0.0/8", "25.33.80.0/20", "25.41.3.0/25", "198.18.0.0/15"]
STORAGE_PREFIXES = ["20.38.96.0/19", "20.60.0.0/16", "20.150.0.0/15", "52.239.128.0/18"]


def _verify(design: Path, *tables: tuple[str, Path | str]) -> Verification:
    (resolved,) = resolve_designs([design])
    read, errors = read_all([(subnet, str(file)) for subnet, file in tables])
    assert not errors
    return verify(resolved.resolution, read)


def _all(folder: Path = DATA) -> Verification:
    return _verify(DESIGN, (HUB, folder / "hub.json"), (SQL, folder / "spoke-sql.json"),
                   (FILES, folder / "spoke-files.json"))


def _flows(verification: Verification) -> list[tuple[str, str, str, str]]:
    return [(t.subnet, f.flow, f.node, f.verdict) for t in verification.tables for f in t.flows]


def _changed_design(tmp_path: Path, change: Any) -> Path:
    data = yaml.safe_load(DESIGN.read_text())
    change(data)
    path = tmp_path / "design.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _changed_table(tmp_path: Path, source: Path, change: Any) -> Path:
    document = json.loads(source.read_text())
    change(document["value"])
    path = tmp_path / source.name
    path.write_text(json.dumps(document, indent=2))
    return path


def _row(source: str, prefixes: list[str], hop: str, ips: tuple[str, ...] = (),
         state: str = "Active", name: str | None = None) -> dict[str, Any]:
    return {"addressPrefix": prefixes, "disableBgpRoutePropagation": False, "name": name,
            "nextHopIpAddress": list(ips), "nextHopType": hop, "source": source,
            "state": state}


def test_matching_tables_agree_row_by_row_and_flow_by_flow():
    verification = _all()
    assert verification.agrees
    assert verification.difference_lines() == []
    assert [(t.subnet, t.agreed, len(t.differences)) for t in verification.tables] == [
        (HUB, 9, 0), (SQL, 6, 0), (FILES, 8, 0)]
    # Every flow is checked where it chooses a route: at its workload, and at the firewall.
    assert _flows(verification) == [
        (HUB, "sqlvm01/AzureActiveDirectory", "afw-hub", "agrees"),
        (HUB, "sqlvm01/AzureBackup", "afw-hub", "agrees"),
        (SQL, "sqlvm01/AzureActiveDirectory", "sqlvm01", "agrees"),
        (SQL, "sqlvm01/AzureBackup", "sqlvm01", "agrees"),
        (SQL, "sqlvm01/Storage", "sqlvm01", "agrees"),
        (FILES, "filesrv01/AzureActiveDirectory", "filesrv01", "agrees"),
        (FILES, "filesrv01/Storage", "filesrv01", "agrees"),
    ]


def test_undocumented_reserved_rows_are_counted_not_reported():
    hub = _all().tables[0]
    assert [p for row in hub.ignored for p in row.prefixes] == UNDOCUMENTED
    assert hub.differences == ()


def test_every_change_of_the_real_tables_is_a_difference():
    assert _all(DATA / "changed").difference_lines() == [
        f"{HUB}: route 10.0.0.0/8: predicted None (Default, Active), real absent",
        f"{SQL}: service endpoint Microsoft.Storage: predicted VirtualNetworkServiceEndpoint "
        "(Default, Active), real absent",
        f"{SQL}: route 0.0.0.0/0: predicted VirtualAppliance 10.0.1.4 (User, Active), "
        "real VirtualAppliance 10.0.1.5 (User, Active)",
        f"{SQL}: flow 1 sqlvm01/AzureActiveDirectory at sqlvm01: predicted 0.0.0.0/0 (User, "
        "rt-spoke-sql/default-via-firewall) -> VirtualAppliance 10.0.1.4, real 0.0.0.0/0 "
        "(User, default-via-firewall) -> VirtualAppliance 10.0.1.5",
        f"{SQL}: flow 1 sqlvm01/AzureBackup at sqlvm01: predicted 0.0.0.0/0 (User, "
        "rt-spoke-sql/default-via-firewall) -> VirtualAppliance 10.0.1.4, real 0.0.0.0/0 "
        "(User, default-via-firewall) -> VirtualAppliance 10.0.1.5",
        # Without its service endpoint, Storage follows 0.0.0.0/0 to the appliance.
        f"{SQL}: flow 2 sqlvm01/Storage at sqlvm01: predicted Microsoft.Storage (Default) -> "
        "VirtualNetworkServiceEndpoint, real 0.0.0.0/0 (User, default-via-firewall) -> "
        "VirtualAppliance 10.0.1.5",
        f"{FILES}: route 10.0.2.10/32: predicted InterfaceEndpoint (Default, Active), real "
        "InterfaceEndpoint (Default, Invalid)",
        f"{FILES}: route 10.0.2.10/32: predicted absent, real VirtualAppliance 10.0.1.4 "
        "(User, Active)",
        # The extra User route steals the private endpoint's flow.
        f"{FILES}: flow 2 filesrv01/Storage at filesrv01: predicted 10.0.2.10/32 (Default) -> "
        "InterfaceEndpoint, real 10.0.2.10/32 (User, pe-via-firewall) -> VirtualAppliance "
        "10.0.1.4",
    ]


def test_flows_the_changes_do_not_touch_still_agree():
    verification = _all(DATA / "changed")
    assert not verification.agrees
    assert [(t.subnet, t.agreed) for t in verification.tables] == [(HUB, 8), (SQL, 4),
                                                                   (FILES, 7)]
    assert [f for f in _flows(verification) if f[3] == "agrees"] == [
        (HUB, "sqlvm01/AzureActiveDirectory", "afw-hub", "agrees"),
        (HUB, "sqlvm01/AzureBackup", "afw-hub", "agrees"),
        (FILES, "filesrv01/AzureActiveDirectory", "filesrv01", "agrees"),
    ]


def test_learn_example_tables_agree_with_what_a_design_cannot_express_left_out():
    # Subnet1's Storage service endpoint row lists the service's prefixes, and both tables'
    # gateway rows list the gateway's instance IPs: neither is a difference.
    verification = _verify(
        RESOLVE_DATA / "learn-routing-example.yaml",
        ("Virtual-network-1/Subnet1", RESOLVE_DATA / "learn-routing-example-subnet1.json"),
        ("Virtual-network-1/Subnet2", RESOLVE_DATA / "learn-routing-example-subnet2.json"))
    assert verification.agrees
    assert [t.agreed for t in verification.tables] == [12, 9]


def test_a_changed_gateway_ip_is_not_a_difference_but_a_changed_prefix_is(tmp_path):
    def change(rows: list[dict[str, Any]]) -> None:
        rows[3]["nextHopIpAddress"] = ["10.0.255.9"]  # the gateway's instances
        rows[1]["addressPrefix"] = ["10.1.0.0/17"]

    table = _changed_table(tmp_path, RESOLVE_DATA / "learn-routing-example-subnet2.json",
                           change)
    verification = _verify(RESOLVE_DATA / "learn-routing-example.yaml",
                           ("Virtual-network-1/Subnet2", table))
    assert verification.difference_lines() == [
        "Virtual-network-1/Subnet2: route 10.1.0.0/16: predicted VNetPeering (Default, "
        "Active), real absent",
        "Virtual-network-1/Subnet2: route 10.1.0.0/17: predicted absent, real VNetPeering "
        "(Default, Active)",
    ]


def test_a_service_tag_route_is_matched_by_its_name(tmp_path):
    # Azure lists a User route to a service tag with the tag's prefixes: matched by name, it
    # keeps the tag's meaning, and takes the Storage flow around the service endpoint.
    def add_route(data: dict[str, Any]) -> None:
        data["route_tables"][0]["routes"].append(
            {"name": "storage-direct", "address_prefix": "Storage", "next_hop_type": "Internet"})

    def add_row(rows: list[dict[str, Any]]) -> None:
        endpoint = next(r for r in rows if r["nextHopType"] == "VirtualNetworkServiceEndpoint")
        endpoint["state"] = "Invalid"
        rows.append(_row("User", STORAGE_PREFIXES, "Internet", name="storage-direct"))

    design = _changed_design(tmp_path, add_route)
    verification = _verify(design, (SQL, _changed_table(tmp_path, DATA / "spoke-sql.json", add_row)))
    assert verification.agrees, verification.difference_lines()
    storage = next(f for f in verification.tables[0].flows if f.flow == "sqlvm01/Storage")
    assert storage.real is not None
    assert (storage.real.address_prefix, storage.real.next_hop_type) == ("Storage", "Internet")


def test_a_service_endpoint_the_design_lacks_leaves_the_service_flows_unknown(tmp_path):
    def drop_endpoint(data: dict[str, Any]) -> None:
        del data["vnets"][1]["subnets"][0]["service_endpoints"]

    design = _changed_design(tmp_path, drop_endpoint)
    verification = _verify(design, (SQL, DATA / "spoke-sql.json"))
    lines = verification.difference_lines()
    assert lines[0] == (f"{SQL}: service endpoint route 20.38.96.0/19 (+3 more prefixes): "
                        "predicted absent, real VirtualNetworkServiceEndpoint (Default, Active)")
    # Entra ID and Azure Backup have no service endpoint: the row cannot be theirs.
    assert [(f.flow, f.verdict) for f in verification.tables[0].flows] == [
        ("sqlvm01/AzureActiveDirectory", "agrees"), ("sqlvm01/AzureBackup", "agrees"),
        ("sqlvm01/Storage", "unknown")]
    assert lines[1] == (
        f"{SQL}: flow 2 sqlvm01/Storage at sqlvm01: predicted 0.0.0.0/0 (User, "
        "rt-spoke-sql/default-via-firewall) -> VirtualAppliance 10.0.1.4, real 0.0.0.0/0 "
        "(User, default-via-firewall) -> VirtualAppliance 10.0.1.4 (the real table has a "
        "service endpoint route the design does not have; if it is Storage's, it takes the "
        "flow)")


def test_global_peering_is_read_as_peering(tmp_path):
    def global_peering(rows: list[dict[str, Any]]) -> None:
        for row in rows:
            if row["nextHopType"] == "VNetPeering":
                row["nextHopType"] = "VNetGlobalPeering"

    verification = _verify(DESIGN, (FILES, _changed_table(tmp_path, DATA / "spoke-files.json",
                                                          global_peering)))
    assert verification.agrees


def test_a_documented_reserved_row_the_design_removed_is_a_difference(tmp_path):
    def add_reserved(rows: list[dict[str, Any]]) -> None:
        rows.append(_row("Default", ["10.0.0.0/8"], "None"))
        rows.append(_row("Default", ["127.0.0.0/8"], "None"))

    verification = _verify(DESIGN, (SQL, _changed_table(tmp_path, DATA / "spoke-sql.json",
                                                        add_reserved)))
    assert verification.difference_lines() == [
        f"{SQL}: route 10.0.0.0/8: predicted absent, real None (Default, Active)"]
    assert [p for row in verification.tables[0].ignored for p in row.prefixes] == [
        "127.0.0.0/8"]


def test_two_nics_of_one_subnet_are_told_apart_by_their_files(tmp_path):
    other = tmp_path / "other.json"
    other.write_text((DATA / "changed" / "spoke-sql.json").read_text())
    verification = _verify(DESIGN, (SQL, DATA / "spoke-sql.json"), (SQL, other))
    assert verification.difference_lines()[0] == (
        f"{SQL} ({other}): service endpoint Microsoft.Storage: predicted "
        "VirtualNetworkServiceEndpoint (Default, Active), real absent")
    assert verification.tables[0].difference_lines() == []


def test_a_powershell_utf16_table_is_read():
    data = (DATA / "spoke-sql.json").read_text().encode("utf-16")
    table = parse_effective_routes(data, SQL, "spoke-sql.json")
    assert len(table.routes) == 6


# -- the page section ---------------------------------------------------------------------------


def test_the_section_is_left_out_without_real_tables():
    assert render(environment(), "_verified.md.j2", verified_context(None)) == ""


def test_the_section_of_matching_tables():
    page = render(environment(), "_verified.md.j2", verified_context(_all()))
    assert page == f"""\
## Verified against effective routes

The real effective routes of 3 network interfaces (`az network nic show-effective-route-table`) \
agree with this page: every route it predicts, and the route every flow takes. Azure listed 4 \
reserved None routes beyond the four that Microsoft documents; those come and go in real tables \
and are not compared.

| Subnet | Real table | Rows that agree | Rows that differ | Reserved rows ignored |
|---|---|--:|--:|--:|
| `{HUB}` | `{DATA}/hub.json` | 9 | 0 | 4 |
| `{SQL}` | `{DATA}/spoke-sql.json` | 6 | 0 | 0 |
| `{FILES}` | `{DATA}/spoke-files.json` | 8 | 0 | 0 |

| # | Flow | At | Verdict | This page | The real table |
|--:|---|---|---|---|---|
| 1 | `sqlvm01/AzureActiveDirectory` | `afw-hub` | agrees | `0.0.0.0/0 (Default) -> Internet` \
| the same |
| 1 | `sqlvm01/AzureBackup` | `afw-hub` | agrees | `0.0.0.0/0 (Default) -> Internet` \
| the same |
| 1 | `sqlvm01/AzureActiveDirectory` | `sqlvm01` | agrees | `0.0.0.0/0 (User, \
rt-spoke-sql/default-via-firewall) -> VirtualAppliance 10.0.1.4` | the same |
| 1 | `sqlvm01/AzureBackup` | `sqlvm01` | agrees | `0.0.0.0/0 (User, \
rt-spoke-sql/default-via-firewall) -> VirtualAppliance 10.0.1.4` | the same |
| 2 | `sqlvm01/Storage` | `sqlvm01` | agrees | `Microsoft.Storage (Default) -> \
VirtualNetworkServiceEndpoint` | the same |
| 1 | `filesrv01/AzureActiveDirectory` | `filesrv01` | agrees | `0.0.0.0/0 (Default) -> \
Internet` | the same |
| 2 | `filesrv01/Storage` | `filesrv01` | agrees | `10.0.2.10/32 (Default) -> \
InterfaceEndpoint` | the same |

"""


def test_the_section_of_changed_tables_lists_what_differs():
    page = render(environment(), "_verified.md.j2", verified_context(_all(DATA / "changed")))
    assert ("differ from this page in 9 places: the page does not describe the network as it "
            "is.") in page
    assert (f'!!! danger "What differs"\n'
            f"    - {HUB}: route 10.0.0.0/8: predicted None (Default, Active), real absent\n"
            ) in page
    assert ("| 2 | `filesrv01/Storage` | `filesrv01` | **differs** | `10.0.2.10/32 (Default) "
            "-> InterfaceEndpoint` | `10.0.2.10/32 (User, pe-via-firewall) -> "
            "VirtualAppliance 10.0.1.4` |\n") in page
