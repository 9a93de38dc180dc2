"""The page and the diagram of a design's own flows: designs/p-application-flows.yaml (a web tier
to its SQL Server in another spoke through the hub firewall, to an on-premises API over the
VPN, to a partner's public address, and a subnet's logs to Storage), and what the narratives
say of own flows to a private endpoint and through a service endpoint."""

from __future__ import annotations

import re
from typing import Any

import pytest
from scenes import base, resolve_scene, subnet
from tests_support import DESIGNS, ROOT

from flowdocs.load.loader import load_design
from flowdocs.render import dot_source
from flowdocs.resolve.flows import Resolution, resolve
from flowdocs.write.narrative import Narrative, narrate_all
from flowdocs.write.site import SiteOptions, prepare

DESIGN = "p-application-flows"
OWN = ("web-to-sql", "web-to-datacentre-api", "web-to-partner", "app-logs")


@pytest.fixture(scope="module")
def page() -> str:
    options = SiteOptions(designs=(DESIGNS / f"{DESIGN}.yaml",), base_dir=ROOT, cache_dir=None)
    site = prepare(options, render=False)
    return next(p.markdown for p in site.pages if p.uri == f"{DESIGN}.md")


@pytest.fixture(scope="module")
def resolution() -> Resolution:
    return resolve(load_design(DESIGNS / f"{DESIGN}.yaml").design)


def section(page: str, heading: str) -> str:
    """The text under `heading` (a whole heading line), up to the next heading of any level."""
    start = page.index(heading + "\n") + len(heading) + 1
    following = re.search(r"^#{1,6} ", page[start:], re.MULTILINE)
    return page[start:start + following.start()] if following else page[start:]


def rows(table_text: str) -> list[list[str]]:
    """The cells of each row of the Markdown tables in `table_text`."""
    return [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in table_text.splitlines() if line.startswith("|")]


# == The page ====================================================================================


def test_the_flows_table_lists_the_own_flows_with_protocol_and_port(page: str) -> None:
    table = rows(section(page, "## The flows"))
    own = {r[2]: r for r in table if r[2] in (
        "Web tier to SQL Server", "Web tier to the datacentre API",
        "Web tier to a partner's API", "App subnet logs to Azure Storage")}
    assert len(own) == 4
    number, workload, _, port, path, firewalls, access, policy, status = \
        own["Web tier to SQL Server"]
    assert (number, workload, port, firewalls, access, policy, status) == (
        "2", "web01", "`10.7.1.4/32` (TCP 1433)", "afw-hub", "virtual-network", "allowed", "delivered")
    assert path == "web01 → afw-hub → sql01"
    datacentre = own["Web tier to the datacentre API"]
    assert datacentre[3] == "`192.168.20.0/24` (TCP 8443)"
    assert datacentre[4] == r"web01 → afw-hub → vgw-hub → 192\.168.20.0/24"
    assert datacentre[6] == "on-premises"
    partner = own["Web tier to a partner's API"]
    assert (partner[3], partner[4], partner[6]) == (
        "`20.50.1.10/32` (TCP 443)", r"web01 → afw-hub → 20\.50.1.10/32", "public")
    logs = own["App subnet logs to Azure Storage"]
    assert logs[1] == "vnet-spoke-web.snet-web"
    assert logs[3].endswith("(TCP 443)") and "`*.blob.core.windows.net`" in logs[3]
    assert logs[4] == "vnet-spoke-web.snet-web → afw-hub → Azure Storage"
    # The own flows come after the catalog's, in the design's order.
    titles = [r[2] for r in table[2:]]
    assert titles[-4:] == list(own)


def test_the_narrative_of_web_to_sql_crosses_the_firewall_to_the_workload(page: str) -> None:
    text = section(page, "### Flow 2: web01 to Web tier to SQL Server (data)")
    story = text.strip().split("\n\n")[0]
    assert story.startswith("Flow 2 (data) from web01 to the workload sql01 (TCP 1433) leaves "
                            "`vnet-spoke-web/snet-web` by the User route "
                            "`rt-spokes/default-via-firewall`")
    assert "is inspected by afw-hub" in story
    assert "`10.7.0.0/16` → VNetPeering" in story
    assert story.endswith("and reaches the workload sql01.")
    assert "- **Firewall:** Crosses afw-hub" in text
    assert "NSG `nsg-sql` inbound on `vnet-spoke-data/snet-sql`: allowed by " \
           "`nsg-sql/allow-web-sql`" in text
    assert "`afw-hub` (policy `fwp-hub`): allowed by `fwp-hub/rcg-apps/net-apps/web-to-sql`" \
        in text


def test_the_narrative_of_the_datacentre_flow_says_on_premises(page: str) -> None:
    text = section(page, "### Flow 2: web01 to Web tier to the datacentre API (data)")
    story = text.strip().split("\n\n")[0]
    assert story.startswith("Flow 2 (data) from web01 to the on-premises address "
                            "`192.168.20.0/24` (TCP 8443)")
    assert "vgw-hub learned by BGP" in story
    assert story.endswith("and reaches the on-premises address `192.168.20.0/24`.")


def test_the_narrative_of_the_partner_flow_names_the_public_address(page: str) -> None:
    text = section(page, "### Flow 2: web01 to Web tier to a partner's API (data)")
    story = text.strip().split("\n\n")[0]
    assert "to the address `20.50.1.10/32` (TCP 443)" in story
    assert "on-premises" not in story
    assert story.endswith("and reaches the address `20.50.1.10/32`.")


def test_the_narrative_of_the_subnet_flow_names_the_service(page: str) -> None:
    text = section(page, "### Flow 2: vnet-spoke-web.snet-web to App subnet logs to Azure "
                         "Storage (data)")
    assert "to Azure Storage at its public endpoint (TCP 443)" in text


def test_the_rules_section_has_network_rules_to_the_own_destinations(page: str) -> None:
    table = rows(section(page, "### afw-hub: Azure Firewall Standard"))
    own = {r[0]: r[1:] for r in table if r[0].startswith("network rule `") and any(
        f"`{name}`" in r[0] for name in OWN)}
    assert own == {
        "network rule `web-to-sql`": [
            "2 web01/web-to-sql", "`10.6.1.0/24`", "`10.7.1.4/32`", "", "TCP 1433",
            "present: `fwp-hub/rcg-apps/net-apps/web-to-sql`"],
        "network rule `web-to-datacentre-api`": [
            "2 web01/web-to-datacentre-api", "`10.6.1.0/24`", "`192.168.20.0/24`", "",
            "TCP 8443", "present: `fwp-hub/rcg-apps/net-apps/web-to-datacentre-api`"],
        "network rule `web-to-partner`": [
            "2 web01/web-to-partner", "`10.6.1.0/24`", "`20.50.1.10/32`", "", "TCP 443",
            "present: `fwp-hub/rcg-apps/net-apps/partner-api`"],
        "network rule `app-logs`": [
            "2 vnet-spoke-web.snet-web/app-logs", "`10.6.1.0/24`", "service tag `Storage`",
            "`*.blob.core.windows.net`<br>`*.queue.core.windows.net`<br>"
            "`*.blob.storage.azure.net`", "TCP 443",
            "present: `fwp-hub/rcg-apps/net-apps/logs-to-storage`"],
    }


def test_the_costs_price_the_own_flows_that_state_a_volume(page: str) -> None:
    table = rows(section(page, "## Costs"))
    priced = {r[0]: r[1:] for r in table if r[0].startswith("`")}
    assert priced["`web01/web-to-sql`"] == ["600 GB/month", "$33.60"]
    assert priced["`vnet-spoke-web.snet-web/app-logs`"] == ["150 GB/month", "$5.40"]
    # No daily_gb: not priced.
    assert "`web01/web-to-partner`" not in priced


def test_the_nsg_table_shows_an_own_flows_address_as_an_address(page: str) -> None:
    table = rows(section(page, "### NSG outbound rules"))
    destinations = {r[2]: r[3] for r in table if r[2] in (
        "Web tier to SQL Server", "Web tier to the datacentre API")}
    assert destinations == {"Web tier to SQL Server": "`10.7.1.4/32`",
                            "Web tier to the datacentre API": "`192.168.20.0/24`"}


def test_the_route_commands_name_no_nic_for_a_subnet_source(page: str) -> None:
    assert "<nic-of-web01>" in page
    assert "<nic-of-vnet-spoke-web.snet-web>" not in page


# == The diagram =================================================================================

_EDGE = re.compile(r'^\s*"?([^"\s]+)"? -> "?([^"\s]+)"? \[(.*)\]$')
_NODE = re.compile(r'^\s*"?([^"\s]+)"? \[(.*)\]$')


def edges(dot: str) -> list[tuple[str, str, str]]:
    """(tail, head, tooltip) of every drawn flow edge."""
    found = []
    for line in dot.splitlines():
        match = _EDGE.match(line)
        if match and "tooltip=" in match.group(3):
            tooltip = re.search(r'tooltip="([^"]*)"', match.group(3))
            found.append((match.group(1), match.group(2), tooltip.group(1) if tooltip else ""))
    return found


def nodes(dot: str) -> dict[str, str]:
    found = {}
    for line in dot.splitlines():
        if " -> " in line:
            continue
        match = _NODE.match(line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def drawn(dot: str, flow_id: str) -> set[tuple[str, str]]:
    """The edges whose tooltip names the flow (edges of one number are shared)."""
    return {(t, h) for t, h, tip in edges(dot) if flow_id in tip.split("; ")}


def test_the_diagram_draws_the_datacentre_flow_into_the_on_premises_network(
        resolution: Resolution) -> None:
    dot = dot_source(resolution)
    assert "onprem" in nodes(dot)
    assert drawn(dot, "2 web01/web-to-datacentre-api") == {
        ("w~web01", "fw~afw-hub"), ("fw~afw-hub", "gw~vgw-hub"), ("gw~vgw-hub", "onprem")}
    # The address beyond the gateway is the on-premises network's: no node of its own.
    assert not any("192.168.20.0" in name for name in nodes(dot))


def test_the_diagram_has_a_node_for_the_partners_address(resolution: Resolution) -> None:
    dot = dot_source(resolution)
    node = nodes(dot)["address~20.50.1.10/32"]
    assert "<B>20.50.1.10/32</B>" in node
    assert drawn(dot, "2 web01/web-to-partner") == {
        ("w~web01", "fw~afw-hub"), ("fw~afw-hub", "address~20.50.1.10/32")}


def test_the_diagram_draws_web_to_sql_into_the_workload(resolution: Resolution) -> None:
    dot = dot_source(resolution)
    assert drawn(dot, "2 web01/web-to-sql") == {
        ("w~web01", "fw~afw-hub"), ("fw~afw-hub", "w~sql01")}
    assert drawn(dot, "2 vnet-spoke-web.snet-web/app-logs") == {
        ("w~vnet-spoke-web.snet-web", "fw~afw-hub"), ("fw~afw-hub", "service~Storage")}
    assert "w~vnet-spoke-web.snet-web" in nodes(dot)


# == Narratives of own flows to a private endpoint or a service ==================================


def narratives(*flows: dict[str, Any], endpoints: bool = False) -> dict[str, Narrative]:
    """The narratives of `flows` from `app` (10.1.3.4 in vnet-spoke/snet-app) in the base scene,
    with a private endpoint pe-st (10.0.2.5 in the hub) and, with `endpoints`, a
    Microsoft.Storage service endpoint on the app's subnet."""
    design = base()
    design["vnets"][1]["subnets"].append({"name": "snet-app", "prefix": "10.1.3.0/24"})
    design["workloads"].append({"name": "app", "type": "azure-vm", "ip": "10.1.3.4",
                                "subnet": "vnet-spoke/snet-app", "backup": {"vault": "rsv"}})
    design["private_endpoints"] = [{"name": "pe-st", "subnet": "vnet-hub/snet-endpoints",
                                    "target": "stcustomer", "ip": "10.0.2.5"}]
    if endpoints:
        subnet(design, "vnet-spoke/snet-app")["service_endpoints"] = ["Microsoft.Storage"]
    design["flows"] = list(flows)
    resolution = resolve_scene(design)
    names = {f["name"] for f in flows}
    return {n.flow.service: n for n in narrate_all(resolution, resolution.catalog)
            if n.flow.service in names}


def test_the_narrative_of_an_own_flow_to_a_private_endpoint_names_it() -> None:
    (story,) = narratives({"name": "to-pe", "source": "app", "port": 443,
                           "destination": {"private_endpoint": "pe-st"}}).values()
    assert "the private endpoint pe-st (`10.0.2.5`)" in str(story.story)


def test_the_narrative_of_an_own_flow_to_a_private_endpoint_does_not_claim_dns() -> None:
    (story,) = narratives({"name": "to-pe", "source": "app", "port": 443,
                           "destination": {"private_endpoint": "pe-st"}}).values()
    assert "DNS" not in str(story.story), str(story.story)


def test_the_narrative_of_an_own_flow_through_a_service_endpoint_names_the_tag() -> None:
    (story,) = narratives({"name": "st", "source": "app", "port": 443,
                           "destination": {"service": "Storage"}}, endpoints=True).values()
    assert story.flow.access == "service-endpoint"
    text = " ".join(str(x) for x in (story.story, *story.changes))
    assert "`st` service tag" not in text and "addresses of st" not in text, text
