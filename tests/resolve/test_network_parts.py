"""Gateways with instances and connections, Azure Route Server, and an internal load balancer
in front of an NVA pair (docs/routing-rules.md, "Gateways, Route Server and load-balanced
appliances").

Every test names the rule it pins; each would fail if the resolver got that rule wrong.
"""

from __future__ import annotations

from typing import Any

from scenes import base, flow, hub_gateway, resolve_scene, route_table, subnet, udr

from flowdocs.analyse.costs import sizing
from flowdocs.analyse.firewall_rules import firewall_rules
from flowdocs.resolve.flows import Resolution
from flowdocs.resolve.routing import EffectiveRoute

SPOKE, HUB_NVA = "vnet-spoke/snet-sql", "vnet-hub/snet-nva"


def rows(resolution: Resolution, ref: str, prefix: str) -> list[tuple[str, str, str | None]]:
    """(source, next hop type, next hop IP) of each row of `ref`'s table for `prefix`."""
    view = resolution.router.effective_routes(resolution.topology.subnets[ref])
    return [(r.source, r.next_hop_type, r.next_hop_ip) for r in view.routes
            if r.address_prefix == prefix]


def bgp_prefixes(resolution: Resolution, ref: str) -> set[str]:
    view = resolution.router.effective_routes(resolution.topology.subnets[ref])
    return {r.address_prefix for r in view.routes if r.source == "VirtualNetworkGateway"}


def nva_pair(design: dict[str, Any]) -> None:
    """Two NVAs in the hub's snet-nva, at 10.0.3.4 and 10.0.3.5; their subnet sends
    0.0.0.0/0 to the Internet itself, as a Route Server's NVAs need (troubleshoot-route-server:
    the default route an NVA advertises is programmed on its own subnet too)."""
    design["vnets"][0]["subnets"].append({"name": "snet-nva", "prefix": "10.0.3.0/24"})
    for name, ip in (("nva-a", "10.0.3.4"), ("nva-b", "10.0.3.5")):
        design["firewalls"].append({"name": name, "type": "nva", "vendor": "Contoso",
                                    "subnet": HUB_NVA, "private_ip": ip})
    route_table(design, "rt-nva", [HUB_NVA], udr("out", "0.0.0.0/0", "Internet"))


def route_server(design: dict[str, Any], *peers: dict[str, Any]) -> None:
    """A Route Server in the hub that the spoke uses like a remote gateway."""
    design["vnets"][0]["subnets"].append({"name": "RouteServerSubnet", "prefix": "10.0.4.0/27"})
    design["route_servers"] = [{"name": "rs-hub", "vnet": "vnet-hub", "peers": list(peers)}]
    # A hub gateway too: validation.py asks for one before it allows gateway transit.
    hub_gateway(design)


def peer(name: str, ip: str, *prefixes: str, **more: str) -> dict[str, Any]:
    return {"name": name, "peer_ip": ip, "advertised_prefixes": list(prefixes), **more}


def balancer(design: dict[str, Any], **settings: Any) -> None:
    """An internal load balancer at 10.0.3.10 in front of the pair, and the spoke's 0.0.0.0/0
    route to its frontend."""
    design["load_balancers"] = [{"name": "ilb-nva", "subnet": HUB_NVA,
                                 "frontend_ip": "10.0.3.10", "backends": ["nva-a", "nva-b"],
                                 **settings}]
    route_table(design, "rt-spoke", [SPOKE],
                udr("to-ilb", "0.0.0.0/0", "VirtualAppliance", "10.0.3.10"))


# -- gateways: instances and connections ----------------------------------------------------


def test_an_active_active_gateway_route_is_one_row_per_instance():
    # WhatTheHack 036-BGP: an active-active gateway's routes show once per instance IP.
    design = base()
    hub_gateway(design, instances=["10.0.0.4", "10.0.0.5"],
                advertised_prefixes=["192.168.0.0/16"])
    resolution = resolve_scene(design)
    assert rows(resolution, SPOKE, "192.168.0.0/16") == [
        ("VirtualNetworkGateway", "VirtualNetworkGateway", "10.0.0.4"),
        ("VirtualNetworkGateway", "VirtualNetworkGateway", "10.0.0.5"),
    ]


def test_a_gateway_without_instances_keeps_one_row_without_ip():
    design = base()
    hub_gateway(design, advertised_prefixes=["192.168.0.0/16"])
    assert rows(resolve_scene(design), SPOKE, "192.168.0.0/16") == [
        ("VirtualNetworkGateway", "VirtualNetworkGateway", None)]


def test_every_connection_adds_its_prefixes_bgp_or_static_once():
    # A static connection's local network gateway prefixes show like BGP ones (source
    # VirtualNetworkGateway); a prefix learned twice is one route.
    design = base()
    hub_gateway(design, advertised_prefixes=["192.168.0.0/16"], connections=[
        {"name": "cn-bgp", "type": "ipsec", "bgp": True,
         "learned_prefixes": ["172.16.0.0/12", "192.168.0.0/16"]},
        {"name": "cn-static", "type": "ipsec", "learned_prefixes": ["10.200.0.0/16"]},
    ])
    resolution = resolve_scene(design)
    assert bgp_prefixes(resolution, SPOKE) == {"192.168.0.0/16", "172.16.0.0/12",
                                               "10.200.0.0/16"}
    assert len(rows(resolution, SPOKE, "192.168.0.0/16")) == 1


def test_expressroute_routes_name_no_instance():
    # Their next hops are the Microsoft edge routers, not the gateway's instances.
    design = base()
    hub_gateway(design, type="expressroute", instances=["10.0.0.4", "10.0.0.5"],
                connections=[{"name": "cn-er", "type": "expressroute", "bgp": True,
                              "learned_prefixes": ["192.168.0.0/16"]}])
    assert rows(resolve_scene(design), SPOKE, "192.168.0.0/16") == [
        ("VirtualNetworkGateway", "VirtualNetworkGateway", None)]


def test_several_rows_are_one_route_to_the_gateway():
    design = base()
    hub_gateway(design, instances=["10.0.0.4", "10.0.0.5"], advertises_default_route=True)
    backup = flow(resolve_scene(design), "sql/Storage")
    assert (backup.status, backup.access, [h.node for h in backup.hops]) == (
        "delivered", "on-premises", ["sql", "vgw"])
    assert backup.reason == ("0.0.0.0/0 (VirtualNetworkGateway) -> VirtualNetworkGateway "
                             "10.0.0.4, 10.0.0.5")
    assert backup.firewalls == ()


# -- Route Server ----------------------------------------------------------------------------


def test_route_server_routes_reach_its_vnet_and_spokes_using_remote_gateways():
    design = base()
    nva_pair(design)
    route_server(design, peer("nva-a", "10.0.3.4", "10.50.0.0/16"))
    resolution = resolve_scene(design)
    expected = [("VirtualNetworkGateway", "VirtualNetworkGateway", "10.0.3.4")]
    assert rows(resolution, SPOKE, "10.50.0.0/16") == expected
    assert rows(resolution, "vnet-hub/AzureFirewallSubnet", "10.50.0.0/16") == expected


def test_a_spoke_that_does_not_use_remote_gateways_gets_no_route_server_routes():
    design = base()
    nva_pair(design)
    route_server(design, peer("nva-a", "10.0.3.4", "10.50.0.0/16"))
    design["peerings"][0]["use_remote_gateways"] = False
    resolution = resolve_scene(design)
    assert rows(resolution, SPOKE, "10.50.0.0/16") == []
    assert rows(resolution, HUB_NVA, "10.50.0.0/16") != []


def test_disable_bgp_route_propagation_drops_gateway_and_route_server_routes():
    design = base()
    nva_pair(design)
    route_server(design, peer("nva-a", "10.0.3.4", "10.50.0.0/16"))
    design["gateways"][0]["advertised_prefixes"] = ["192.168.0.0/16"]
    route_table(design, "rt-spoke", [SPOKE], udr("keep", "10.99.0.0/16", "None"),
                disable_bgp=True)
    resolution = resolve_scene(design)
    assert bgp_prefixes(resolution, SPOKE) == set()
    assert bgp_prefixes(resolution, "vnet-hub/AzureFirewallSubnet") == {"10.50.0.0/16",
                                                                        "192.168.0.0/16"}


def test_a_flow_on_a_route_server_route_crosses_the_nva_that_advertised_it():
    design = base()
    nva_pair(design)
    route_server(design, peer("nva-a", "10.0.3.4", "0.0.0.0/0"))
    backup = flow(resolve_scene(design), "sql/Storage")
    assert (backup.status, backup.access, backup.firewalls) == ("delivered", "public",
                                                                 ("nva-a",))
    assert [h.node for h in backup.hops] == ["sql", "nva-a", "Storage"]
    assert backup.reason == ("0.0.0.0/0 (VirtualNetworkGateway) -> VirtualNetworkGateway "
                             "10.0.3.4")
    assert backup.peerings == ("vnet-spoke~vnet-hub",)


def test_an_ecmp_route_server_route_crosses_one_nva_of_the_pair():
    design = base()
    nva_pair(design)
    route_server(design, peer("nva-a", "10.0.3.4", "0.0.0.0/0"),
                 peer("nva-b", "10.0.3.5", "0.0.0.0/0"))
    resolution = resolve_scene(design)
    # The Default route to the Internet that BGP displaces is not listed, as in real tables.
    assert [ip for _, _, ip in rows(resolution, SPOKE, "0.0.0.0/0")] == ["10.0.3.4",
                                                                       "10.0.3.5"]
    backup = flow(resolution, "sql/Storage")
    assert backup.firewalls == ("nva-a", "nva-b")
    assert [h.node for h in backup.hops] == ["sql", "nva-a", "nva-b", "Storage"]


def test_an_nva_advertising_the_default_route_loops_without_a_route_of_its_own():
    # troubleshoot-route-server: the NVA's own subnet learns the route it advertises.
    design = base()
    nva_pair(design)
    design["route_tables"] = []
    del subnet(design, HUB_NVA)["route_table"]
    route_server(design, peer("nva-a", "10.0.3.4", "0.0.0.0/0"))
    backup = flow(resolve_scene(design), "sql/Storage")
    assert backup.status == "loop"
    assert backup.reason.endswith("back to nva-a, a loop (sql > nva-a > nva-a)")


def test_a_gateway_route_wins_over_a_route_server_route_for_the_same_prefix():
    design = base()
    nva_pair(design)
    route_server(design, peer("nva-a", "10.0.3.4", "192.168.0.0/16"))
    design["gateways"][0]["advertised_prefixes"] = ["192.168.0.0/16"]
    assert rows(resolve_scene(design), SPOKE, "192.168.0.0/16") == [
        ("VirtualNetworkGateway", "VirtualNetworkGateway", None)]


def test_a_peer_may_set_a_load_balancer_as_next_hop():
    design = base()
    nva_pair(design)
    route_server(design, peer("nva-a", "10.0.3.4", "0.0.0.0/0", next_hop_ip="10.0.3.10"),
                 peer("nva-b", "10.0.3.5", "0.0.0.0/0", next_hop_ip="10.0.3.10"))
    balancer(design, ha_ports=True)
    design["route_tables"] = [t for t in design["route_tables"] if t["name"] != "rt-spoke"]
    del subnet(design, SPOKE)["route_table"]
    resolution = resolve_scene(design)
    assert rows(resolution, SPOKE, "0.0.0.0/0") == [
        ("VirtualNetworkGateway", "VirtualNetworkGateway", "10.0.3.10")]
    assert [h.node for h in flow(resolution, "sql/Storage").hops] == [
        "sql", "ilb-nva", "nva-a", "nva-b", "Storage"]


# -- an internal load balancer in front of an NVA pair ----------------------------------------


def test_a_route_to_a_load_balancer_crosses_one_of_its_backends():
    design = base()
    nva_pair(design)
    balancer(design, ha_ports=True)
    backup = flow(resolve_scene(design), "sql/Storage")
    assert (backup.status, backup.access) == ("delivered", "public")
    assert [(h.node, h.kind) for h in backup.hops] == [
        ("sql", "workload"), ("ilb-nva", "load-balancer"), ("nva-a", "firewall"),
        ("nva-b", "firewall"), ("Storage", "service")]
    # The pair shares the route of their subnet; the load balancer's hop chooses none.
    assert [h.route.label() if h.route else None for h in backup.hops[1:4]] == [
        None, "0.0.0.0/0 (User, rt-nva/out) -> Internet", "0.0.0.0/0 (User, rt-nva/out) -> "
        "Internet"]
    assert backup.firewalls == ("nva-a", "nva-b")
    assert backup.peerings == ("vnet-spoke~vnet-hub",)


def test_both_backends_need_the_rules_and_the_throughput():
    design = base()
    nva_pair(design)
    balancer(design, ha_ports=True)
    design["workloads"][0]["backup"].update(daily_gb=100, window_hours=8)
    resolution = resolve_scene(design)
    needed = {s.firewall: len(s.rules) for s in firewall_rules(resolution)}
    assert needed == {"afw-hub": 0, "nva-a": 3, "nva-b": 3}
    assert [s.firewall for s in sizing(resolution)] == ["nva-a", "nva-b"]


def test_without_ha_ports_only_the_balanced_ports_pass():
    design = base()
    nva_pair(design)
    balancer(design, ports=[80, 1433])
    backup = flow(resolve_scene(design), "sql/Storage")
    assert (backup.status, backup.firewalls) == ("dropped", ())
    assert backup.reason == (
        "0.0.0.0/0 (User, rt-spoke/to-ilb) -> VirtualAppliance 10.0.3.10: load balancer "
        "ilb-nva at 10.0.3.10 has no HA ports and no load-balancing rule for TCP 443 (its "
        "ports: 80, 1433)")
    design["load_balancers"][0]["ports"] = [443]
    assert flow(resolve_scene(design), "sql/Storage").status == "delivered"


def test_a_load_balancer_out_of_reach_drops_the_flow():
    design = base()
    nva_pair(design)
    balancer(design, ha_ports=True)
    design["peerings"] = []
    assert flow(resolve_scene(design), "sql/Storage").reason.endswith(
        "next hop 10.0.3.10 (ilb-nva) is neither in vnet-spoke nor in a VNet peered with it")


def test_a_load_balancer_that_sends_the_flow_back_to_its_pair_is_a_loop():
    design = base()
    nva_pair(design)
    balancer(design, ha_ports=True)
    next(t for t in design["route_tables"] if t["name"] == "rt-nva")["routes"] = [
        udr("back", "0.0.0.0/0", "VirtualAppliance", "10.0.3.10")]
    backup = flow(resolve_scene(design), "sql/Storage")
    assert backup.status == "loop"
    assert backup.reason == ("0.0.0.0/0 (User, rt-nva/back) -> VirtualAppliance 10.0.3.10: "
                             "back to nva-a, a loop (sql > ilb-nva > nva-a > nva-b > nva-a)")


def test_ecmp_rows_are_one_outcome_for_route_choice():
    route = EffectiveRoute("VirtualNetworkGateway", "0.0.0.0/0", "VirtualNetworkGateway",
                           "10.0.0.5", next_hops=("10.0.0.4", "10.0.0.5"), gateway="vgw")
    sibling = EffectiveRoute("VirtualNetworkGateway", "0.0.0.0/0", "VirtualNetworkGateway",
                             "10.0.0.4", next_hops=("10.0.0.4", "10.0.0.5"), gateway="vgw")
    assert route.outcome == sibling.outcome


def test_a_flow_around_a_load_balanced_pair_bypasses_both_backends():
    """The subnet's default route names the load balancer: its backends are what the
    workload's traffic meets, so a Storage service endpoint goes around both, even for a
    workload none of whose flows crosses the pair (an SMB client: its one flow)."""
    from flowdocs.resolve.bypass import Bypasses

    design = base()
    nva_pair(design)
    balancer(design, ha_ports=True)
    design["vnets"][1]["subnets"][0]["service_endpoints"] = ["Microsoft.Storage"]
    design["workloads"][0].update(type="azure-files-smb-client", backup={})
    resolution = resolve_scene(design)
    smb = flow(resolution, "sql/AzureFilesSmb")
    assert (smb.access, smb.firewalls) == ("service-endpoint", ())
    assert Bypasses(resolution).of(smb) == ("nva-a", "nva-b")
