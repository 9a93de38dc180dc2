"""Effective route tables in the shape Azure prints them, reproduced row by row.

Each fixture in tests/resolve/data/ is an `az network nic show-effective-route-table` document,
hand-written from a documented example, beside the design that describes the same network:

- learn-routing-example-subnet1.json, -subnet2.json: the "Routing example" of
  learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview (tables "Subnet1"
  and "Subnet2"), in the CLI's spellings (Virtual network = VnetLocal, VNet peering =
  VNetPeering). Subnet1 has a User 0.0.0.0/0 route, and the page says in words that Azure
  removed the reserved None routes from it. The page's Subnet2 table omits 172.16.0.0/12,
  which its own list of default routes and every real table include: the fixture has it.
- hub-spoke-firewall-spoke.json, -hub.json: a spoke whose 0.0.0.0/0 goes to the hub's Azure
  Firewall, and the firewall's subnet, with the newer reserved None rows that recent real
  tables list (127.0.0.0/8, 198.18.0.0/15 and two 25.x ranges).

flowdocs reproduces every row exactly (source, state, addressPrefix, nextHopType,
nextHopIpAddress), except what its design format cannot express, listed in
docs/routing-rules.md ("What real tables show that flowdocs does not") and pinned here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests_support import run_cli

DATA = Path(__file__).parent / "data"

# Reserved None rows that recent real tables list beside the documented four. Undocumented,
# and not the same in every table: flowdocs lists the documented four only.
UNDOCUMENTED_RESERVED = {"127.0.0.0/8", "198.18.0.0/15", "25.33.80.0/20", "25.41.3.0/25"}

Row = tuple[str, str, tuple[str, ...], str, tuple[str, ...]]


def _row(item: dict[str, Any]) -> Row:
    """The columns compared, with the two a design cannot express masked on both sides:
    a service endpoint row's prefixes are the service's public ranges (flowdocs names the
    endpoint instead), and a gateway row's next hop IPs are the gateway's instances."""
    prefixes = tuple(item["addressPrefix"])
    ips = tuple(item["nextHopIpAddress"])
    if item["nextHopType"] == "VirtualNetworkServiceEndpoint":
        prefixes = ("<the service's public prefixes>",)
    if item["nextHopType"] == "VirtualNetworkGateway":
        ips = ("<the gateway's instance IPs>",)
    return (item["source"], item["state"], prefixes, item["nextHopType"], ips)


def _real(name: str) -> tuple[list[Row], list[Row]]:
    """The fixture's rows that flowdocs can express, and the undocumented reserved rows."""
    rows = [_row(item) for item in json.loads((DATA / name).read_text())["value"]]
    undocumented = [r for r in rows if r[0] == "Default" and r[3] == "None"
                    and set(r[2]) <= UNDOCUMENTED_RESERVED]
    return [r for r in rows if r not in undocumented], undocumented


def _flowdocs(design: str, subnet: str) -> list[Row]:
    result = run_cli("routes", DATA / design, "--subnet", subnet, "--format", "json")
    assert result.exit_code == 0, result.output
    return [_row(item) for item in json.loads(result.stdout)["value"]]


@pytest.mark.parametrize(("fixture", "design", "subnet", "undocumented"), [
    ("learn-routing-example-subnet1.json", "learn-routing-example.yaml",
     "Virtual-network-1/Subnet1", set()),
    ("learn-routing-example-subnet2.json", "learn-routing-example.yaml",
     "Virtual-network-1/Subnet2", set()),
    ("hub-spoke-firewall-spoke.json", "hub-spoke-firewall.yaml", "vnet-spoke/snet-app", set()),
    ("hub-spoke-firewall-hub.json", "hub-spoke-firewall.yaml", "vnet-hub/AzureFirewallSubnet",
     UNDOCUMENTED_RESERVED),
])
def test_real_table_is_reproduced_row_by_row(fixture: str, design: str, subnet: str,
                                             undocumented: set[str]) -> None:
    real, skipped = _real(fixture)
    assert sorted(_flowdocs(design, subnet)) == sorted(real)
    # Only the undocumented reserved rows are left out, and they are all left out.
    assert {p for r in skipped for p in r[2]} == undocumented


def test_learn_example_subnet1_lost_its_reserved_none_rows() -> None:
    # The page, under Subnet2: "Azure removed the routes for the 10.0.0.0/8, 192.168.0.0/16,
    # and 100.64.0.0/10 address prefixes from the Subnet1 route table when the user-defined
    # route for the 0.0.0.0/0 address prefix was added to Subnet1."
    rows = _flowdocs("learn-routing-example.yaml", "Virtual-network-1/Subnet1")
    assert not [r for r in rows if r[0] == "Default" and r[3] == "None"]
    subnet2 = _flowdocs("learn-routing-example.yaml", "Virtual-network-1/Subnet2")
    assert {r[2][0] for r in subnet2 if r[3] == "None"} == {
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"}
