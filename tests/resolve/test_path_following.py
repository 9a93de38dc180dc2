"""Following the path from hop to hop (azure-rules.md 5), asserted on resolved flows.

Every test names the rule it pins; each would fail if the resolver got that rule wrong.
"""

from __future__ import annotations

from scenes import (
    base,
    flow,
    hub_gateway,
    outcome,
    resolve_scene,
    route_table,
    udr,
    via_firewall,
)

# -- 5. following the path -------------------------------------------------------------------


def test_unreachable_next_hop_drops():
    design = base()
    design["peerings"] = []
    via_firewall(design)
    backup = flow(resolve_scene(design), "sql/AzureBackup")
    assert (backup.status, backup.firewalls) == ("dropped", ())
    assert backup.reason == (
        "0.0.0.0/0 (User, rt-spoke/to-fw) -> VirtualAppliance 10.0.1.4: next hop 10.0.1.4 "
        "(afw-hub) is neither in vnet-spoke nor in a VNet peered with it")


def test_next_hop_with_no_appliance_drops():
    design = base()
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"],
                udr("to-nowhere", "0.0.0.0/0", "VirtualAppliance", "10.0.1.5"))
    assert flow(resolve_scene(design), "sql/Storage").reason.endswith(
        "no firewall or NVA of the design has IP 10.0.1.5")


def test_next_hop_none_drops():
    design = base()
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"], udr("blackhole", "0.0.0.0/0", "None"))
    assert set(outcome(resolve_scene(design)).values()) == {"dropped - via -"}


def _second_appliance(design: dict, route_back_to: str) -> None:
    design["vnets"][0]["subnets"].append({"name": "snet-nva", "prefix": "10.0.3.0/24"})
    design["firewalls"].append({"name": "nva", "type": "nva", "vendor": "Contoso",
                                "subnet": "vnet-hub/snet-nva", "private_ip": "10.0.3.4"})
    route_table(design, "rt-fw", ["vnet-hub/AzureFirewallSubnet"],
                udr("to-nva", "0.0.0.0/0", "VirtualAppliance", "10.0.3.4"))
    route_table(design, "rt-nva", ["vnet-hub/snet-nva"],
                udr("onwards", "0.0.0.0/0", *route_back_to.split()))


def test_chained_appliances_are_all_on_the_path():
    design = base()
    via_firewall(design)
    _second_appliance(design, "Internet")
    storage = flow(resolve_scene(design), "sql/Storage")
    assert (storage.status, storage.firewalls, storage.peerings) == (
        "delivered", ("afw-hub", "nva"), ("vnet-spoke~vnet-hub",))
    assert [h.node for h in storage.hops] == ["sql", "afw-hub", "nva", "Storage"]


def test_loop_between_appliances():
    design = base()
    via_firewall(design)
    _second_appliance(design, "VirtualAppliance 10.0.1.4")
    storage = flow(resolve_scene(design), "sql/Storage")
    assert storage.status == "loop"
    assert storage.reason == (
        "0.0.0.0/0 (User, rt-nva/onwards) -> VirtualAppliance 10.0.1.4: back to afw-hub, "
        "a loop (sql > afw-hub > nva > afw-hub)")


def test_appliance_routing_to_itself_is_a_loop():
    design = base()
    via_firewall(design)
    route_table(design, "rt-fw", ["vnet-hub/AzureFirewallSubnet"],
                udr("self", "0.0.0.0/0", "VirtualAppliance", "10.0.1.4"))
    assert flow(resolve_scene(design), "sql/AzureBackup").status == "loop"


def test_forced_tunnelling_by_bgp():
    design = base()
    hub_gateway(design, advertises_default_route=True)
    storage = flow(resolve_scene(design), "sql/Storage")
    assert (storage.access, storage.status, storage.peerings, storage.hops[-1].node) == (
        "on-premises", "delivered", ("vnet-spoke~vnet-hub",), "vgw")
    assert storage.reason == "0.0.0.0/0 (VirtualNetworkGateway) -> VirtualNetworkGateway"


def test_forced_tunnelling_by_udr():
    design = base()
    hub_gateway(design)
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"],
                udr("to-onprem", "0.0.0.0/0", "VirtualNetworkGateway"))
    storage = flow(resolve_scene(design), "sql/Storage")
    assert (storage.access, storage.hops[-1].node) == ("on-premises", "vgw")
    assert storage.reason == "0.0.0.0/0 (User, rt-spoke/to-onprem) -> VirtualNetworkGateway"


def test_udr_to_a_gateway_that_serves_no_vnet_drops():
    design = base()
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"],
                udr("to-onprem", "0.0.0.0/0", "VirtualNetworkGateway"))
    assert flow(resolve_scene(design), "sql/Storage").reason.endswith(
        "no VPN or ExpressRoute gateway serves vnet-spoke")


def test_propagation_switch_keeps_the_spoke_off_the_bgp_default_route():
    design = base()
    hub_gateway(design, advertises_default_route=True)
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"], disable_bgp=True)
    assert outcome(resolve_scene(design))["sql/Storage"] == "delivered public via -"


def test_firewall_subnet_that_learns_the_bgp_default_sends_its_traffic_on_premises():
    design = base()
    hub_gateway(design, advertises_default_route=True)
    via_firewall(design)
    storage = flow(resolve_scene(design), "sql/Storage")
    assert (storage.firewalls, storage.access, storage.hops[-1].node) == (
        ("afw-hub",), "on-premises", "vgw")


# -- allow_forwarded_traffic, per peering link (virtual-network-manage-peering) --------------


def _second_spoke_with_the_vault_pe(design: dict, **link: bool) -> None:
    """Spoke 2 (10.2.0.0/16), peered with the hub only, holds the vault's private endpoint;
    `link` sets spoke 2's side of its peering."""
    design["vnets"].append({"name": "vnet-spoke-2", "address_space": ["10.2.0.0/16"],
                            "subnets": [{"name": "snet-endpoints", "prefix": "10.2.2.0/24"}]})
    peering: dict = {"vnets": ["vnet-spoke-2", "vnet-hub"]}
    if link:
        peering["links"] = {"vnet-spoke-2": link}
    design["peerings"].append(peering)
    design["private_endpoints"] = [{"name": "pe-rsv", "subnet": "vnet-spoke-2/snet-endpoints",
                                    "target": "rsv"}]
    via_firewall(design)


def test_forwarded_traffic_needs_the_receiving_links_setting():
    # Traffic from spoke 1 that the hub firewall forwards into spoke 2 did not originate in the
    # hub: spoke 2's own link decides. Traffic that originates in the remote VNet never does.
    design = base()
    _second_spoke_with_the_vault_pe(design, allow_forwarded_traffic=False)
    topology = resolve_scene(design).topology
    assert topology.forwarding_refused("vnet-spoke-2", "vnet-hub", origin="vnet-spoke") == (
        "peering link vnet-spoke-2 -> vnet-hub (vnet-spoke-2~vnet-hub) has "
        "allow_forwarded_traffic false: it refuses traffic from vnet-spoke that vnet-hub "
        "forwards into vnet-spoke-2")
    assert topology.forwarding_refused("vnet-spoke-2", "vnet-hub", origin="vnet-hub") is None
    # The hub's link of the same peering keeps the shorthand's true.
    assert topology.forwarding_refused("vnet-hub", "vnet-spoke-2", origin="vnet-spoke") is None


def test_shorthand_allow_forwarded_traffic_sets_both_links():
    design = base()
    design["peerings"][0]["allow_forwarded_traffic"] = False
    topology = resolve_scene(design).topology
    assert topology.forwarding_refused("vnet-hub", "vnet-spoke", origin="vnet-x") is not None
    assert topology.forwarding_refused("vnet-spoke", "vnet-hub", origin="vnet-x") is not None


def test_spoke_to_spoke_through_the_hub_is_dropped_by_the_receiving_link():
    design = base()
    _second_spoke_with_the_vault_pe(design, allow_forwarded_traffic=False)
    storage = flow(resolve_scene(design), "sql/Storage")
    assert storage.status == "dropped"
    assert "peering link vnet-spoke-2 -> vnet-hub" in storage.reason
    assert "allow_forwarded_traffic false" in storage.reason


def test_spoke_to_spoke_through_the_hub_with_forwarding_allowed_is_delivered():
    design = base()
    _second_spoke_with_the_vault_pe(design)
    storage = flow(resolve_scene(design), "sql/Storage")
    assert (storage.status, storage.access, storage.firewalls, storage.peerings) == (
        "delivered", "private-endpoint", ("afw-hub",),
        ("vnet-spoke~vnet-hub", "vnet-spoke-2~vnet-hub"))


def test_workload_traffic_to_the_hub_firewall_does_not_depend_on_forwarding():
    # azure-rules.md 5: a spoke workload's flows through the hub firewall originate in the
    # spoke; public reference designs run with allow_forwarded_traffic off on both sides.
    design = base()
    design["peerings"][0]["allow_forwarded_traffic"] = False
    via_firewall(design)
    assert set(outcome(resolve_scene(design)).values()) == {"delivered public via afw-hub"}
