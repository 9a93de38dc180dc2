"""A design's own flows (`flows:`): each kind of destination resolved hop by hop, subnet sources,
numbering and order, the NSGs and firewall policy on the way, the rules they need, their
costs and their JSON contract.

Every scene is the base of scenes.py (hub 10.0.0.0/16 with afw-hub at 10.0.1.4, spoke
10.1.0.0/16 with the SQL VM `sql` at 10.1.1.4) with:

- `app` (azure-vm: platform flows only, so no catalog flow gets in the way) at 10.1.3.4 in
  vnet-spoke/snet-app (10.1.3.0/24);
- `db2` (azure-vm, no `ip`: 10.2.1.4, the first address a VM can have) in
  vnet-spoke2/snet-db (10.2.1.0/24), a second spoke peered with the hub only;
- `hubvm` (azure-vm) at 10.0.2.10 in vnet-hub/snet-endpoints.
"""

from __future__ import annotations

import ipaddress
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from scenes import add_nsg, base, flow, hub_gateway, resolve_scene, route_table, subnet, udr
from tests_support import DESIGNS, ROOT, run_cli

from flowdocs.analyse.costs import compute_costs
from flowdocs.analyse.findings import find
from flowdocs.analyse.firewall_rules import firewall_rules, nsg_rules
from flowdocs.load.loader import load_design, load_design_bytes
from flowdocs.load.prices import default_prices
from flowdocs.resolve.flows import Flow, Resolution, resolve
from flowdocs.resolve.own_flows import SUBNET_SOURCE_TYPE
from flowdocs.resolve.policy import PolicyEvaluator, Traffic
from flowdocs.resolve.policy_match import Destination, network_of

APP = "vnet-spoke/snet-app"
DB2 = "vnet-spoke2/snet-db"
HUB_VM = "vnet-hub/snet-endpoints"
SPOKE_HUB = "vnet-spoke~vnet-hub"
SPOKE2_HUB = "vnet-spoke2~vnet-hub"
OUTPUT_SCHEMA = json.loads((ROOT / "docs/assets/resolve-v1.schema.json").read_text())
Scene = dict[str, Any]

# -- builders ----------------------------------------------------------------------------------


def scene(*flows: dict[str, Any]) -> Scene:
    """The base scene with `app`, `db2`, `hubvm` and the own `flows`."""
    design = base()
    design["vnets"][1]["subnets"].append({"name": "snet-app", "prefix": "10.1.3.0/24"})
    design["vnets"].append({"name": "vnet-spoke2", "address_space": ["10.2.0.0/16"],
                            "subnets": [{"name": "snet-db", "prefix": "10.2.1.0/24"}]})
    design["peerings"].append({"vnets": ["vnet-spoke2", "vnet-hub"]})
    design["workloads"] += [
        {"name": "app", "type": "azure-vm", "subnet": APP, "ip": "10.1.3.4",
         "backup": {"vault": "rsv"}},
        {"name": "db2", "type": "azure-vm", "subnet": DB2, "backup": {"vault": "rsv"}},
        {"name": "hubvm", "type": "azure-vm", "subnet": HUB_VM, "ip": "10.0.2.10",
         "backup": {"vault": "rsv"}},
    ]
    design["flows"] = list(flows)
    return design


def own(name: str, source: str, port: int, **destination: str) -> dict[str, Any]:
    return {"name": name, "source": source, "destination": destination, "port": port}


def via_firewall(design: Scene, *subnets: str) -> None:
    """0.0.0.0/0 of `subnets` to afw-hub, one route table each."""
    for index, ref in enumerate(subnets):
        route_table(design, f"rt-{index}", [ref],
                    udr("default-via-firewall", "0.0.0.0/0", "VirtualAppliance", "10.0.1.4"))


def gateway(design: Scene, *learned: str) -> None:
    """vgw in the hub, learning `learned` over BGP; the spoke uses it (gateway transit)."""
    hub_gateway(design, connections=[{"name": "cn-dc", "type": "ipsec", "bgp": True,
                                      "learned_prefixes": list(learned)}])


def nsg_rule(name: str, priority: int, access: str, direction: str = "Outbound", *,
             src: str = "*", dst: str = "*", ports: str = "*", protocol: str = "*"
             ) -> dict[str, Any]:
    return {"name": name, "priority": priority, "direction": direction, "access": access,
            "protocol": protocol, "source_address_prefixes": [src],
            "destination_address_prefixes": [dst], "destination_port_ranges": [ports]}





def net_rule(name: str, dst: str, port: str, *, src: str = "10.1.3.0/24",
             protocol: str = "TCP") -> dict[str, Any]:
    return {"name": name, "ip_protocols": [protocol], "source_addresses": [src],
            "destination_addresses": [dst], "destination_ports": [port]}


def add_policy(design: Scene, *rules: dict[str, Any]) -> None:
    """Policy fwp on afw-hub: one Allow network collection `g/c` holding `rules`."""
    collection = {"name": "c", "priority": 100, "action": "Allow", "kind": "network",
                  "rules": list(rules)}
    design["firewall_policies"] = [{"name": "fwp", "rule_collection_groups": [
        {"name": "g", "priority": 100, "rule_collections": [collection] if rules else []}]}]
    design["firewalls"][0]["policy"] = "fwp"


def path(f: Flow) -> list[tuple[str, str]]:
    return [(h.node, h.kind) for h in f.hops]


def route(f: Flow) -> str:
    """The route that decided the flow, as the reason of a delivered flow gives it."""
    assert f.deciding_route is not None
    return f.deciding_route.label()


def checks(f: Flow) -> list[tuple[str, str, str, str | None]]:
    return [(c.kind, c.at, c.verdict, c.rule) for c in f.policy]


def own_flows(resolution: Resolution) -> list[Flow]:
    names = {f.name for f in resolution.design.flows}
    return [f for f in resolution.flows if f.service in names]


# == Destinations ================================================================================


def test_a_workload_in_the_same_vnet_is_reached_by_vnetlocal_without_a_firewall() -> None:
    design = scene(own("app-to-sql", "app", 1433, workload="sql"))
    # The spoke's 0.0.0.0/0 to the firewall does not take traffic within the VNet.
    via_firewall(design, APP)
    f = flow(resolve_scene(design), "app/app-to-sql")
    assert (f.status, f.access, f.firewalls, f.peerings) == (
        "delivered", "virtual-network", (), ())
    assert path(f) == [("app", "workload"), ("sql", "workload")]
    assert f.reason == route(f) == "10.1.0.0/16 (Default) -> VnetLocal"
    assert (f.address, f.port, f.protocol, f.number, f.category) == (
        "10.1.1.4/32", 1433, "TCP", 2, "data")
    assert (f.fqdns, f.private_endpoint, f.dns) == ((), None, None)


def test_a_user_route_sends_a_flow_within_the_vnet_through_the_firewall() -> None:
    design = scene(own("app-to-sql", "app", 1433, workload="sql"))
    route_table(design, "rt-app", [APP],
                udr("sql-via-firewall", "10.1.1.0/24", "VirtualAppliance", "10.0.1.4"))
    f = flow(resolve_scene(design), "app/app-to-sql")
    assert (f.status, f.access, f.firewalls) == ("delivered", "virtual-network", ("afw-hub",))
    assert path(f) == [("app", "workload"), ("afw-hub", "firewall"), ("sql", "workload")]
    assert f.reason == "10.1.1.0/24 (User, rt-app/sql-via-firewall) -> VirtualAppliance 10.0.1.4"
    # To the hub and back over the one peering.
    assert f.peerings == (SPOKE_HUB, SPOKE_HUB)
    # The firewall's subnet reaches the spoke over the peering.
    assert f.hops[1].route is not None and f.hops[1].route.next_hop_type == "VNetPeering"


def test_a_workload_in_a_peered_vnet_is_reached_over_the_peering() -> None:
    f = flow(resolve_scene(scene(own("app-to-hub", "app", 22, workload="hubvm"))),
             "app/app-to-hub")
    assert (f.status, f.access, f.firewalls, f.peerings) == (
        "delivered", "virtual-network", (), (SPOKE_HUB,))
    assert path(f) == [("app", "workload"), ("hubvm", "workload")]
    assert f.reason == "10.0.0.0/16 (Default) -> VNetPeering"
    assert f.address == "10.0.2.10/32"


def test_a_workload_in_another_spoke_is_reached_through_the_hub_firewall() -> None:
    # Spokes are not peered with each other: 0.0.0.0/0 takes the flow to the firewall, whose
    # subnet reaches the other spoke over its peering.
    design = scene(own("app-to-db", "app", 1433, workload="db2"))
    via_firewall(design, APP)
    f = flow(resolve_scene(design), "app/app-to-db")
    assert (f.status, f.access, f.firewalls) == ("delivered", "virtual-network", ("afw-hub",))
    assert path(f) == [("app", "workload"), ("afw-hub", "firewall"), ("db2", "workload")]
    assert f.reason == "0.0.0.0/0 (User, rt-0/default-via-firewall) -> VirtualAppliance 10.0.1.4"
    onward = f.hops[1].route
    assert onward is not None and onward.label() == "10.2.0.0/16 (Default) -> VNetPeering"
    assert f.peerings == (SPOKE_HUB, SPOKE2_HUB)
    # db2 has no ip: the first address a VM can have in 10.2.1.0/24.
    assert f.address == "10.2.1.4/32"


def test_a_workload_in_an_unpeered_vnet_without_a_route_is_dropped() -> None:
    design = scene(own("app-to-db", "app", 1433, workload="db2"))
    f = flow(resolve_scene(design), "app/app-to-db")
    assert (f.status, f.access, f.firewalls, f.peerings, f.policy) == (
        "dropped", None, (), (), ())
    assert path(f) == [("app", "workload")]
    # The reserved range's None route of the source subnet is what drops it.
    assert f.reason == "10.0.0.0/8 (Default) -> None: next hop None drops the traffic"


def test_a_route_into_an_unpeered_vnet_drops_the_flow_and_names_the_vnet() -> None:
    design = scene(own("app-to-db", "app", 1433, workload="db2"))
    route_table(design, "rt-app", [APP], udr("to-db", "10.2.0.0/16", "VnetLocal"))
    f = flow(resolve_scene(design), "app/app-to-db")
    assert (f.status, f.access) == ("dropped", None)
    assert f.reason == ("10.2.0.0/16 (User, rt-app/to-db) -> VnetLocal: db2 is in vnet-spoke2, "
                        "not peered with vnet-spoke")


def test_a_workload_in_an_unpeered_vnet_with_public_space_is_not_reached_over_internet() -> None:
    design = scene(own("app-to-db", "app", 1433, workload="db2"))
    design["peerings"] = design["peerings"][:1]
    design["vnets"][2]["address_space"] = ["20.0.0.0/16"]
    design["vnets"][2]["subnets"][0]["prefix"] = "20.0.1.0/24"
    f = flow(resolve_scene(design), "app/app-to-db")
    assert f.status == "dropped", (f.status, f.access, path(f))


def test_a_private_endpoint_is_reached_at_its_ip() -> None:
    design = scene(own("app-to-pe", "app", 443, private_endpoint="pe-st"))
    design["private_endpoints"] = [{"name": "pe-st", "subnet": HUB_VM, "target": "stcustomer",
                                    "ip": "10.0.2.5"}]
    f = flow(resolve_scene(design), "app/app-to-pe")
    assert (f.status, f.access, f.private_endpoint, f.peerings) == (
        "delivered", "private-endpoint", "pe-st", (SPOKE_HUB,))
    assert path(f) == [("app", "workload"), ("pe-st", "private-endpoint")]
    assert f.reason == "10.0.2.5/32 (Default) -> InterfaceEndpoint"
    # Not a flow to an address: the endpoint names it.
    assert f.address is None


def test_an_on_premises_address_is_reached_through_the_hub_gateway() -> None:
    design = scene(own("app-to-dc", "app", 8443, address="192.168.20.0/24"))
    gateway(design, "192.168.0.0/16")
    f = flow(resolve_scene(design), "app/app-to-dc")
    assert (f.status, f.access, f.firewalls, f.peerings) == (
        "delivered", "on-premises", (), (SPOKE_HUB,))
    assert path(f) == [("app", "workload"), ("vgw", "gateway"),
                       ("192.168.20.0/24", "address")]
    assert f.reason == "192.168.0.0/16 (VirtualNetworkGateway) -> VirtualNetworkGateway"
    assert f.address == "192.168.20.0/24"


def test_an_on_premises_address_goes_through_the_firewall_when_bgp_is_not_propagated() -> None:
    design = scene(own("app-to-dc", "app", 8443, address="192.168.20.0/24"))
    gateway(design, "192.168.0.0/16")
    route_table(design, "rt-app", [APP],
                udr("default-via-firewall", "0.0.0.0/0", "VirtualAppliance", "10.0.1.4"),
                disable_bgp=True)
    f = flow(resolve_scene(design), "app/app-to-dc")
    assert (f.status, f.access, f.firewalls) == ("delivered", "on-premises", ("afw-hub",))
    assert path(f) == [("app", "workload"), ("afw-hub", "firewall"), ("vgw", "gateway"),
                       ("192.168.20.0/24", "address")]
    assert f.reason == ("0.0.0.0/0 (User, rt-app/default-via-firewall) -> VirtualAppliance "
                        "10.0.1.4")
    onward = f.hops[1].route
    assert onward is not None and onward.next_hop_type == "VirtualNetworkGateway"
    assert onward.address_prefix == "192.168.0.0/16"


def test_an_on_premises_address_the_gateway_does_not_learn_is_dropped() -> None:
    design = scene(own("app-to-dc", "app", 8443, address="172.20.0.0/24"))
    gateway(design, "192.168.0.0/16")
    f = flow(resolve_scene(design), "app/app-to-dc")
    assert (f.status, f.reason) == (
        "dropped", "172.16.0.0/12 (Default) -> None: next hop None drops the traffic")


def test_a_public_address_is_reached_by_the_internet_route() -> None:
    design = scene(own("app-to-partner", "app", 443, address="20.50.1.10/32"))
    f = flow(resolve_scene(design), "app/app-to-partner")
    assert (f.status, f.access, f.firewalls) == ("delivered", "public", ())
    assert path(f) == [("app", "workload"), ("20.50.1.10/32", "address")]
    assert f.reason == "0.0.0.0/0 (Default) -> Internet"
    assert f.address == "20.50.1.10/32"


def test_a_public_address_through_the_firewall() -> None:
    design = scene(own("app-to-partner", "app", 443, address="20.50.1.10/32"))
    via_firewall(design, APP)
    f = flow(resolve_scene(design), "app/app-to-partner")
    assert (f.status, f.access, f.firewalls) == ("delivered", "public", ("afw-hub",))
    assert path(f) == [("app", "workload"), ("afw-hub", "firewall"),
                       ("20.50.1.10/32", "address")]
    onward = f.hops[1].route
    assert onward is not None and onward.label() == "0.0.0.0/0 (Default) -> Internet"


def test_a_private_address_on_an_internet_route_is_dropped() -> None:
    design = scene(own("app-to-lan", "app", 443, address="192.168.5.0/24"))
    route_table(design, "rt-app", [APP], udr("lan-out", "192.168.5.0/24", "Internet"))
    f = flow(resolve_scene(design), "app/app-to-lan")
    assert (f.status, f.access, f.hops[-1].node) == ("dropped", None, "app")
    # A CIDR is reached at its first host address.
    assert f.reason == ("192.168.5.0/24 (User, rt-app/lan-out) -> Internet: private address "
                        "192.168.5.1 sent to the Internet")


def test_a_private_address_outside_every_vnet_and_gateway_is_dropped() -> None:
    design = scene(own("app-to-lan", "app", 443, address="192.168.5.0/24"))
    f = flow(resolve_scene(design), "app/app-to-lan")
    assert (f.status, f.reason) == (
        "dropped", "192.168.0.0/16 (Default) -> None: next hop None drops the traffic")


def test_a_catalog_service_is_reached_at_its_public_endpoint() -> None:
    design = scene(own("app-logs", "app", 443, service="Storage"))
    f = flow(resolve_scene(design), "app/app-logs")
    assert (f.status, f.access, f.address) == ("delivered", "public", None)
    # The path ends at the catalog service's node, not at the flow's name.
    assert path(f) == [("app", "workload"), ("Storage", "service")]
    assert f.reason == "0.0.0.0/0 (Default) -> Internet"
    assert f.fqdns == ("*.blob.core.windows.net", "*.queue.core.windows.net",
                       "*.blob.storage.azure.net")


def test_a_service_endpoint_on_the_source_subnet_takes_the_flow_to_its_service() -> None:
    design = scene(own("app-logs", "app", 443, service="Storage"),
                   own("app-vault", "app", 443, service="AzureKeyVault"))
    via_firewall(design, APP)
    subnet(design, APP)["service_endpoints"] = ["Microsoft.Storage"]
    resolution = resolve_scene(design)
    logs = flow(resolution, "app/app-logs")
    assert (logs.status, logs.access, logs.firewalls) == (
        "delivered", "service-endpoint", ())
    assert path(logs) == [("app", "workload"), ("Storage", "service")]
    assert logs.reason == "Microsoft.Storage (Default) -> VirtualNetworkServiceEndpoint"
    # The Storage endpoint does not cover Key Vault: 0.0.0.0/0 takes it to the firewall.
    vault = flow(resolution, "app/app-vault")
    assert (vault.access, vault.firewalls) == ("public", ("afw-hub",))
    assert path(vault)[-1] == ("AzureKeyVault", "service")


def test_a_route_on_the_service_tag_takes_the_flow_around_the_firewall() -> None:
    design = scene(own("app-logs", "app", 443, service="Storage"))
    route_table(design, "rt-app", [APP],
                udr("default-via-firewall", "0.0.0.0/0", "VirtualAppliance", "10.0.1.4"),
                udr("storage-direct", "Storage", "Internet"))
    f = flow(resolve_scene(design), "app/app-logs")
    assert (f.status, f.access, f.firewalls) == ("delivered", "public", ())
    assert f.reason == "Storage (User, rt-app/storage-direct) -> Internet"
    assert path(f) == [("app", "workload"), ("Storage", "service")]


# == Subnet sources, numbering and order =========================================================


def test_a_subnet_source_is_a_synthetic_workload_of_type_subnet() -> None:
    design = scene(own("app-logs", APP, 443, service="Storage"),
                   {**own("app-dns", APP, 53, address="20.1.1.1/32"), "protocol": "UDP",
                    "category": "management"})
    resolution = resolve_scene(design)
    sources = [w for w in resolution.design.workloads if w.type == SUBNET_SOURCE_TYPE]
    # Two flows from one subnet share one workload.
    assert [(w.name, w.subnet) for w in sources] == [("vnet-spoke.snet-app", APP)]
    assert SUBNET_SOURCE_TYPE in resolution.catalog.workload_types
    assert resolution.catalog.workload_types[SUBNET_SOURCE_TYPE].flows == ()
    found = [(f.id, f.number, f.protocol, f.port, f.status, f.access)
             for f in own_flows(resolution)]
    assert found == [
        ("vnet-spoke.snet-app/app-logs", 2, "TCP", 443, "delivered", "public"),
        ("vnet-spoke.snet-app/app-dns", 1, "UDP", 53, "delivered", "public"),
    ]
    assert flow(resolution, "vnet-spoke.snet-app/app-dns").hops[0] \
        .node == "vnet-spoke.snet-app"
    # The synthetic workload has no catalog flows of its own.
    assert {f.service for f in resolution.flows if f.workload == "vnet-spoke.snet-app"} == {
        "app-logs", "app-dns"}


def test_a_workload_source_adds_no_synthetic_workload() -> None:
    design = scene(own("app-logs", "app", 443, service="Storage"))
    resolution = resolve_scene(design)
    assert [w.name for w in resolution.design.workloads] == ["sql", "app", "db2", "hubvm"]


def test_the_design_without_own_flows_is_resolved_unchanged() -> None:
    design = scene()
    del design["flows"]
    resolution = resolve_scene(design)
    assert SUBNET_SOURCE_TYPE not in resolution.catalog.workload_types
    assert all(f.address is None and f.daily_gb is None for f in resolution.flows)


def test_a_subnet_source_may_not_share_its_name_with_a_workload() -> None:
    """A subnet source is named `VNET.SUBNET`: a workload already named so would make two
    workloads of one name, the flow leaving from the wrong one. It is refused."""
    design = scene(own("app-out", APP, 443, address="20.1.1.1/32"))
    design["workloads"].append({"name": "vnet-spoke.snet-app", "type": "azure-vm",
                                "subnet": HUB_VM, "backup": {"vault": "rsv"}})
    with pytest.raises(AssertionError) as refused:
        resolve_scene(design)
    assert "a workload is already named 'vnet-spoke.snet-app', the name a flow from the " \
           "subnet vnet-spoke/snet-app takes: rename the workload" in str(refused.value)


def test_own_flows_follow_the_catalog_flows_in_the_design_order() -> None:
    design = scene(own("z-data", "app", 1433, workload="sql"),
                   {**own("a-mgmt", "app", 22, workload="hubvm"), "category": "management"},
                   {**own("m-udp", "app", 514, address="20.1.1.1/32"), "protocol": "UDP"})
    resolution = resolve_scene(design)
    ids = [f.id for f in resolution.flows]
    catalog = [f.id for f in resolution.flows if f.service not in ("z-data", "a-mgmt", "m-udp")]
    assert ids == [*catalog, "app/z-data", "app/a-mgmt", "app/m-udp"]
    found = {f.service: (f.number, f.category, f.protocol) for f in own_flows(resolution)}
    assert found == {"z-data": (2, "data", "TCP"), "a-mgmt": (1, "management", "TCP"),
                     "m-udp": (2, "data", "UDP")}
    assert str(flow(resolution, "app/a-mgmt")).startswith("1 app/a-mgmt: delivered")


def test_each_own_flow_is_a_catalog_service_named_after_it() -> None:
    design = scene({**own("app-logs", "app", 8443, service="Storage"),
                    "title": "App logs", "protocol": "UDP"},
                   own("app-dc", "app", 22, address="20.1.1.1/32"))
    catalog = resolve_scene(design).catalog
    logs, dc = catalog.services["app-logs"], catalog.services["app-dc"]
    assert (logs.title, logs.port, logs.protocol, catalog.tag("app-logs")) == (
        "App logs", 8443, "UDP", "Storage")
    assert logs.fqdns == catalog.services["Storage"].fqdns
    assert (dc.title, dc.fqdns, dc.port) == ("app-dc", (), 22)


# == Policy ======================================================================================


def policy_scene(*flows: dict[str, Any]) -> Scene:
    """app and db2 behind afw-hub (policy fwp: TCP 1433 to db2's subnet); nsg-app lets app out
    to db2's subnet on 1433; nsg-db lets only app's subnet in on 1433 and denies the rest."""
    design = scene(*flows)
    via_firewall(design, APP, DB2)
    add_policy(design, net_rule("sql", "10.2.1.0/24", "1433"))
    add_nsg(design, "nsg-app", APP,
            nsg_rule("allow-sql", 100, "Allow", dst="10.2.1.0/24", ports="1433", protocol="Tcp"))
    add_nsg(design, "nsg-db", DB2,
            nsg_rule("allow-app", 100, "Allow", "Inbound", src="10.1.3.0/24", ports="1433"),
            nsg_rule("deny-in", 4000, "Deny", "Inbound"))
    return design


def test_nsgs_and_the_firewall_on_the_way_allow_a_flow_by_named_rules() -> None:
    f = flow(resolve_scene(policy_scene(own("app-to-db", "app", 1433, workload="db2"))),
             "app/app-to-db")
    assert f.status == "delivered"
    # Outbound on the source, the firewall, inbound on the destination workload's subnet.
    assert checks(f) == [
        ("nsg-outbound", APP, "allowed", "nsg-app/allow-sql"),
        ("firewall", "afw-hub", "allowed", "fwp/g/c/sql"),
        ("nsg-inbound", DB2, "allowed", "nsg-db/allow-app"),
    ]
    # Rules see the workload's address.
    assert f.policy[2].reason == ("NSG rule nsg-db/allow-app allows TCP 1433 from 10.1.3.0/24 "
                                  "to 10.2.1.4")


def test_the_inbound_nsg_of_a_workload_in_the_same_vnet_decides() -> None:
    design = scene(own("app-to-sql", "app", 1433, workload="sql"))
    add_nsg(design, "nsg-sql", "vnet-spoke/snet-sql",
            nsg_rule("deny-app", 100, "Deny", "Inbound", src="10.1.3.0/24"))
    f = flow(resolve_scene(design), "app/app-to-sql")
    assert f.status == "denied"
    assert checks(f) == [("nsg-inbound", "vnet-spoke/snet-sql", "denied", "nsg-sql/deny-app")]
    assert f.denial is f.policy[0]


def test_a_firewall_default_deny_is_fd014_with_the_network_rule_and_nsg_rule_that_fix_it() -> None:
    resolution = resolve_scene(policy_scene(own("app-ssh", "app", 22, workload="db2")))
    f = flow(resolution, "app/app-ssh")
    assert f.status == "denied"
    assert checks(f) == [
        ("nsg-outbound", APP, "allowed", "nsg-app/AllowVnetOutBound"),
        ("firewall", "afw-hub", "denied", None),
        ("nsg-inbound", DB2, "denied", "nsg-db/deny-in"),
    ]
    messages = {f.subject: f.message for f in find(resolution) if f.id == "FD014"}
    assert set(messages) == {"afw-hub", DB2}
    firewall = messages["afw-hub"]
    assert firewall.startswith("flow 2 app/app-ssh is denied at afw-hub, ")
    assert ("no rule of fwp allows TCP 22 from 10.1.3.0/24 to 10.2.1.4: default deny"
            in firewall)
    assert firewall.endswith(
        "fix: add to an Allow network rule collection of fwp: {name: app-ssh, ip_protocols: "
        "[TCP], source_addresses: [10.1.3.0/24], destination_addresses: [10.2.1.4/32], "
        "destination_ports: ['22']}")
    assert messages[DB2].endswith(
        "fix: add to nsg-db's rules: {name: allow-app-ssh, priority: 3999, direction: Inbound, "
        "access: Allow, protocol: Tcp, source_address_prefixes: [10.1.3.0/24], "
        "destination_address_prefixes: [10.2.1.4/32], destination_port_ranges: ['22']}")


def test_a_denied_flow_to_an_address_is_fixed_by_a_rule_to_the_address_and_port() -> None:
    design = scene({**own("app-to-dc", "app", 8443, address="192.168.20.0/24"),
                    "protocol": "UDP"})
    gateway(design, "192.168.0.0/16")
    route_table(design, "rt-app", [APP],
                udr("default-via-firewall", "0.0.0.0/0", "VirtualAppliance", "10.0.1.4"),
                disable_bgp=True)
    add_policy(design)
    resolution = resolve_scene(design)
    f = flow(resolution, "app/app-to-dc")
    assert (f.status, checks(f)) == ("denied", [("firewall", "afw-hub", "denied", None)])
    (finding,) = [x for x in find(resolution) if x.id == "FD014"]
    assert "no rule of fwp allows UDP 8443 from 10.1.3.0/24 to 192.168.20.1: default deny" \
        in finding.message
    assert finding.message.endswith(
        "{name: app-to-dc, ip_protocols: [UDP], source_addresses: [10.1.3.0/24], "
        "destination_addresses: [192.168.20.0/24], destination_ports: ['8443']}")


def test_a_network_rule_on_the_destination_cidr_allows_a_flow_to_an_address() -> None:
    design = scene(own("app-to-dc", "app", 8443, address="192.168.20.0/24"))
    gateway(design, "192.168.0.0/16")
    route_table(design, "rt-app", [APP],
                udr("default-via-firewall", "0.0.0.0/0", "VirtualAppliance", "10.0.1.4"),
                disable_bgp=True)
    add_policy(design, net_rule("other-port", "192.168.20.0/24", "443"),
               net_rule("dc-api", "192.168.0.0/16", "8443"))
    f = flow(resolve_scene(design), "app/app-to-dc")
    assert checks(f) == [("firewall", "afw-hub", "allowed", "fwp/g/c/dc-api")]


def test_the_virtualnetwork_tag_holds_the_prefixes_the_gateway_learns() -> None:
    design = scene(own("app-to-dc", "app", 8443, address="192.168.20.0/24"))
    gateway(design, "192.168.0.0/16")
    add_nsg(design, "nsg-app", APP, nsg_rule("deny-internet", 100, "Deny", dst="Internet"))
    f = flow(resolve_scene(design), "app/app-to-dc")
    assert (f.status, checks(f)) == (
        "delivered", [("nsg-outbound", APP, "allowed", "nsg-app/AllowVnetOutBound")])


@pytest.mark.parametrize(("learned", "expected"), [
    ("192.168.0.0/16", ("allowed", "nsg-app/AllowVnetOutBound")),
    ("172.16.0.0/12", ("denied", "nsg-app/DenyAllOutBound")),
])
def test_without_the_learned_prefix_the_deny_all_catches_an_on_premises_address(
        learned: str, expected: tuple[str, str]) -> None:
    design = scene()
    gateway(design, learned)
    add_nsg(design, "nsg-app", APP, nsg_rule("deny-internet", 100, "Deny", dst="Internet"))
    resolution = resolve_scene(design)
    evaluator = PolicyEvaluator(resolution.topology)
    traffic = Traffic(network_of("10.1.3.0/24"),
                      Destination(address=ipaddress.ip_address("192.168.20.1")), 8443, (), None)
    check = evaluator.nsg_check(resolution.topology.subnets[APP], "Outbound", traffic)
    assert check is not None and (check.verdict, check.rule) == expected


def test_a_public_address_is_in_internet_and_maybe_in_a_service_tag() -> None:
    design = scene(own("app-to-partner", "app", 443, address="20.50.1.10/32"))
    add_nsg(design, "nsg-app", APP)
    f = flow(resolve_scene(design), "app/app-to-partner")
    assert checks(f) == [("nsg-outbound", APP, "allowed", "nsg-app/AllowInternetOutBound")]
    # A rule on a service tag may hold the address: the verdict is unknown.
    design = scene(own("app-to-partner", "app", 443, address="20.50.1.10/32"))
    add_nsg(design, "nsg-app", APP, nsg_rule("deny-storage", 100, "Deny", dst="Storage"))
    f = flow(resolve_scene(design), "app/app-to-partner")
    assert [(c.verdict, c.rule) for c in f.policy] == [
        ("unknown", "nsg-app/AllowInternetOutBound")]
    assert f.status == "delivered"


def test_a_private_address_is_in_no_service_tag() -> None:
    design = scene(own("app-to-sql", "app", 1433, workload="sql"))
    add_nsg(design, "nsg-app", APP, nsg_rule("deny-storage", 100, "Deny", dst="Storage"),
            nsg_rule("deny-internet", 110, "Deny", dst="Internet"))
    f = flow(resolve_scene(design), "app/app-to-sql")
    assert checks(f) == [("nsg-outbound", APP, "allowed", "nsg-app/AllowVnetOutBound")]


def test_an_own_flow_to_a_service_matches_the_rules_on_its_fqdn_tag() -> None:
    data = yaml.safe_load((DESIGNS / "p-application-flows.yaml").read_text())
    data["flows"].append({"name": "sql-to-backup", "source": "sql01",
                          "destination": {"service": "AzureBackup"}, "port": 443})
    resolution = resolve(load_design_bytes(yaml.safe_dump(data).encode(), "p.yaml").design)
    catalog_flow = flow(resolution, "sql01/AzureBackup")
    own_flow = flow(resolution, "sql01/sql-to-backup")
    assert checks(catalog_flow)[-1] == (
        "firewall", "afw-hub", "allowed", "fwp-hub/rcg-apps/app-partners/azure-backup")
    assert checks(own_flow)[-1] == checks(catalog_flow)[-1]


def test_a_finding_on_an_own_flow_does_not_say_the_backup_fails() -> None:
    design = scene(own("sql-to-lan", "sql", 443, address="192.168.5.0/24"))
    (finding,) = [f for f in find(resolve_scene(design)) if "sql-to-lan" in f.message]
    assert "the backup fails" not in finding.message, finding.message


# == Rules =======================================================================================


def rules_scene() -> Scene:
    """Through afw-hub: app to db2 (TCP 1433), to on-premises (TCP 8443), to a public address
    (UDP 4500), to Storage (TCP 443) and to a private endpoint in the other spoke (TCP 443)."""
    design = scene(own("to-db", "app", 1433, workload="db2"),
                   own("to-dc", "app", 8443, address="192.168.20.0/24"),
                   {**own("to-partner", "app", 4500, address="20.50.1.10/32"),
                    "protocol": "UDP"},
                   own("to-storage", "app", 443, service="Storage"),
                   own("to-pe", "app", 443, private_endpoint="pe-db"))
    design["private_endpoints"] = [{"name": "pe-db", "subnet": DB2, "target": "stcustomer",
                                    "ip": "10.2.1.50"}]
    gateway(design, "192.168.0.0/16")
    route_table(design, "rt-app", [APP],
                udr("default-via-firewall", "0.0.0.0/0", "VirtualAppliance", "10.0.1.4"),
                disable_bgp=True)
    return design


def test_firewall_rules_of_own_flows_name_the_destination_as_given() -> None:
    resolution = resolve_scene(rules_scene())
    assert all(f.firewalls == ("afw-hub",) for f in own_flows(resolution)), [
        str(f) for f in own_flows(resolution)]
    (rule_set,) = firewall_rules(resolution)
    found = [(r.name, r.kind, r.sources, r.destination, r.protocol, r.port, r.flows)
             for r in rule_set.rules]
    assert found == [
        ("to-db", "network", ("10.1.3.0/24",), "10.2.1.4/32", "TCP", 1433, ("app/to-db",)),
        ("to-dc", "network", ("10.1.3.0/24",), "192.168.20.0/24", "TCP", 8443,
         ("app/to-dc",)),
        ("to-partner", "network", ("10.1.3.0/24",), "20.50.1.10/32", "UDP", 4500,
         ("app/to-partner",)),
        ("to-storage", "network", ("10.1.3.0/24",), "service tag Storage", "TCP", 443,
         ("app/to-storage",)),
        ("pe-db", "network", ("10.1.3.0/24",), "10.2.1.50", "TCP", 443, ("app/to-pe",)),
    ]


def test_nsg_rules_of_own_flows_name_the_destination_as_given() -> None:
    resolution = resolve_scene(rules_scene())
    found = [(r.subnet, r.service, r.destination, r.protocol, r.port, r.flows)
             for r in nsg_rules(resolution) if r.subnet == APP]
    assert found == [
        (APP, "to-db", "10.2.1.4/32", "TCP", 1433, ("app/to-db",)),
        (APP, "to-dc", "192.168.20.0/24", "TCP", 8443, ("app/to-dc",)),
        (APP, "to-partner", "20.50.1.10/32", "UDP", 4500, ("app/to-partner",)),
        (APP, "to-storage", "Storage", "TCP", 443, ("app/to-storage",)),
        (APP, "to-pe", "10.2.1.50/32", "TCP", 443, ("app/to-pe",)),
    ]


def test_a_subnet_source_needs_rules_from_its_subnet() -> None:
    design = scene(own("logs", APP, 443, service="Storage"))
    via_firewall(design, APP)
    resolution = resolve_scene(design)
    (rule_set,) = firewall_rules(resolution)
    assert [(r.name, r.sources, r.flows) for r in rule_set.rules] == [
        ("logs", ("10.1.3.0/24",), ("vnet-spoke.snet-app/logs",))]
    assert [(r.subnet, r.flows) for r in nsg_rules(resolution) if r.subnet == APP] == [
        (APP, ("vnet-spoke.snet-app/logs",))]


def test_dropped_own_flows_need_no_rule() -> None:
    design = scene(own("to-db", "app", 1433, workload="db2"))
    design["peerings"] = design["peerings"][:1]
    resolution = resolve_scene(design)
    assert flow(resolution, "app/to-db").status == "dropped"
    assert [r for r in nsg_rules(resolution) if r.service == "to-db"] == []


def test_two_own_flows_to_one_private_endpoint_on_two_ports_need_two_rules() -> None:
    design = scene(own("pe-https", "app", 443, private_endpoint="pe-db"),
                   {**own("pe-sql", "app", 1433, private_endpoint="pe-db"), "protocol": "UDP"})
    design["private_endpoints"] = [{"name": "pe-db", "subnet": DB2, "target": "stcustomer",
                                    "ip": "10.2.1.50"}]
    via_firewall(design, APP)
    add_policy(design)
    resolution = resolve_scene(design)
    (rule_set,) = firewall_rules(resolution)
    assert sorted((r.protocol, r.port) for r in rule_set.rules) == [("TCP", 443), ("UDP", 1433)]


# == Costs =======================================================================================


def costs_scene(*flows: dict[str, Any]) -> Resolution:
    design = scene(*flows)
    via_firewall(design, APP)
    gateway(design, "192.168.0.0/16")
    return resolve_scene(design)


def test_the_daily_gb_of_a_data_own_flow_is_priced() -> None:
    resolution = costs_scene({**own("to-db", "app", 1433, workload="db2"), "daily_gb": 20})
    prices = default_prices()
    costs = compute_costs(resolution, prices)
    assert costs.volumes["app/to-db"] == Decimal(20) * prices.days_per_month
    mine = [(c.item, c.component, c.quantity) for c in costs.charges if c.flow == "app/to-db"]
    assert mine == [
        ("firewall data", "afw-hub", Decimal(600)),
        ("peering egress", SPOKE_HUB, Decimal(600)),
        ("peering ingress", SPOKE_HUB, Decimal(600)),
        ("peering egress", SPOKE2_HUB, Decimal(600)),
        ("peering ingress", SPOKE2_HUB, Decimal(600)),
    ]
    region = prices.for_region("westeurope")
    firewall_data = next(c for c in costs.charges if c.flow == "app/to-db"
                         and c.item == "firewall data")
    assert firewall_data.unit_price == region.firewall["Standard"].data_gb
    assert costs.by_flow()["app/to-db"] == sum(
        (c.monthly for c in costs.charges if c.flow == "app/to-db"), Decimal(0))
    assert costs.by_workload()["app"] == costs.by_flow()["app/to-db"]


def test_a_management_own_flow_or_one_without_daily_gb_is_not_priced() -> None:
    resolution = costs_scene(
        {**own("mgmt", "app", 22, workload="db2"), "category": "management", "daily_gb": 50},
        own("quiet", "app", 1433, workload="db2"))
    costs = compute_costs(resolution, default_prices())
    assert costs.volumes["app/mgmt"] == Decimal(0)
    assert "app/quiet" not in costs.volumes
    assert [c for c in costs.charges if c.flow in ("app/mgmt", "app/quiet")] == []


def test_an_own_flow_that_is_not_delivered_is_not_priced() -> None:
    design = scene({**own("to-db", "app", 1433, workload="db2"), "daily_gb": 20})
    resolution = resolve_scene(design)
    costs = compute_costs(resolution, default_prices())
    assert "app/to-db" not in costs.volumes
    assert "flow app/to-db is dropped: not priced" in costs.notes


def test_the_on_premises_note_of_an_own_flow_names_its_gateway() -> None:
    resolution = costs_scene({**own("to-dc", "app", 8443, address="192.168.20.0/24"),
                              "daily_gb": 10})
    notes = [n for n in compute_costs(resolution, default_prices()).notes if "app/to-dc" in n]
    assert notes == ["flow app/to-dc leaves Azure through gateway vgw: gateway and circuit "
                     "charges are not priced"]


def test_an_own_flow_does_not_count_its_workloads_backup_volume_in_the_sizing() -> None:
    design = scene({**own("sql-to-db", "sql", 1433, workload="db2"), "daily_gb": 1})
    via_firewall(design, "vnet-spoke/snet-sql")
    design["workloads"][0]["backup"].update(daily_gb=100, window_hours=8)
    resolution = resolve_scene(design)
    assert flow(resolution, "sql/sql-to-db").firewalls == ("afw-hub",)
    (with_flow,) = compute_costs(resolution, default_prices()).sizing
    design["flows"] = []
    (without,) = compute_costs(resolve_scene(design), default_prices()).sizing
    # 1 GB a day is 0.09 Mbps over a full day: nothing like the backup's 27.8 Mbps again.
    assert with_flow.required_mbps - without.required_mbps < 1


def test_the_no_daily_gb_note_does_not_deny_an_own_flows_price() -> None:
    loaded = load_design(DESIGNS / "p-application-flows.yaml")
    costs = compute_costs(resolve(loaded.design), default_prices())
    assert costs.by_flow()["web01/web-to-sql"] > 0
    assert "web01 states no daily_gb: its flows are not priced" not in costs.notes


# == The JSON contract ===========================================================================


def contract_scene() -> Scene:
    design = scene(own("to-sql", "app", 1433, workload="sql"),
                   {**own("to-partner", "app", 53, address="20.50.1.10/32"), "protocol": "UDP",
                    "category": "management"},
                   own("to-pe", "app", 443, private_endpoint="pe-st"),
                   {**own("logs", APP, 443, service="Storage"), "daily_gb": 5},
                   own("to-db", "app", 1433, workload="db2"))
    design["private_endpoints"] = [{"name": "pe-st", "subnet": HUB_VM, "target": "stcustomer",
                                    "ip": "10.0.2.5"}]
    via_firewall(design, APP)
    return design


def resolve_json(design: Scene, tmp_path: Path) -> dict[str, Any]:
    file = tmp_path / "own.yaml"
    file.write_text(yaml.safe_dump(design, sort_keys=False), encoding="utf-8")
    result = run_cli("resolve", file, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_the_json_of_own_flows_is_the_contract(tmp_path: Path) -> None:
    document = resolve_json(contract_scene(), tmp_path)
    jsonschema.validate(document, OUTPUT_SCHEMA)
    flows = {f["id"]: f for f in document["flows"]}
    own_ids = ["app/to-sql", "app/to-partner", "app/to-pe", "vnet-spoke.snet-app/logs",
               "app/to-db"]
    assert [f["id"] for f in document["flows"]][-5:] == own_ids
    # `address` only on own flows to an address or a workload.
    assert {i: f.get("address") for i, f in flows.items() if "address" in f} == {
        "app/to-sql": "10.1.1.4/32", "app/to-partner": "20.50.1.10/32",
        "app/to-db": "10.2.1.4/32"}
    partner = flows["app/to-partner"]
    assert (partner["number"], partner["category"], partner["protocol"], partner["port"],
            partner["access"]) == (1, "management", "UDP", 53, "public")
    assert partner["hops"][-1] == {"node": "20.50.1.10/32", "kind": "address"}
    assert flows["app/to-sql"]["access"] == "virtual-network"
    assert flows["app/to-pe"]["access"] == "private-endpoint"
    logs = flows["vnet-spoke.snet-app/logs"]
    assert (logs["workload"], logs["hops"][-1]["node"]) == ("vnet-spoke.snet-app", "Storage")
    (cost,) = [c for c in document["costs"]["flows"] if c["id"] == logs["id"]]
    assert cost["gb_per_month"] == 150 and cost["monthly"] > 0


def test_the_json_of_an_on_premises_own_flow_is_the_contract(tmp_path: Path) -> None:
    design = scene(own("to-dc", "app", 8443, address="192.168.20.0/24"),
                   own("dropped", "app", 1433, workload="db2"))
    design["peerings"] = design["peerings"][:1]
    gateway(design, "192.168.0.0/16")
    document = resolve_json(design, tmp_path)
    jsonschema.validate(document, OUTPUT_SCHEMA)
    flows = {f["id"]: f for f in document["flows"]}
    assert [(h["node"], h["kind"]) for h in flows["app/to-dc"]["hops"]] == [
        ("app", "workload"), ("vgw", "gateway"), ("192.168.20.0/24", "address")]
    assert (flows["app/to-dc"]["access"], flows["app/to-dc"]["address"]) == (
        "on-premises", "192.168.20.0/24")
    dropped = flows["app/dropped"]
    assert (dropped["status"], dropped["access"], dropped["address"]) == (
        "dropped", None, "10.2.1.4/32")


def test_the_catalog_flows_have_no_address_key(tmp_path: Path) -> None:
    document = resolve_json(contract_scene(), tmp_path)
    names = {f["name"] for f in contract_scene()["flows"]}
    assert all("address" not in f for f in document["flows"] if f["service"] not in names)


def test_the_json_of_the_application_flows_design_validates() -> None:
    result = run_cli("resolve", DESIGNS / "p-application-flows.yaml", "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    jsonschema.validate(document, OUTPUT_SCHEMA)
    addresses = {f["service"]: f.get("address") for f in document["flows"]
                 if f["workload"] in ("web01", "vnet-spoke-web.snet-web")}
    assert addresses == {"AzureMonitorControl": None, "AzureMonitorIngestion": None,
                         "web-to-sql": "10.7.1.4/32",
                         "web-to-datacentre-api": "192.168.20.0/24",
                         "web-to-partner": "20.50.1.10/32", "app-logs": None}
