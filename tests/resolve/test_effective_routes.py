"""The effective route table of a subnet (azure-rules.md 1 and 2.2): what is listed, and in
which state. Each test would fail if its rule were wrong."""

from __future__ import annotations

import pytest
from scenes import base, hub_gateway, resolve_scene, route_table, subnet, udr, via_firewall

from flowdocs.load.catalog import default_catalog
from flowdocs.write.contract import effective_routes_document


def rows(design: dict, ref: str) -> list[tuple[str, str, str, str]]:
    """(source, state, prefix, next hop) of each row, as `az` would list them."""
    resolution = resolve_scene(design)
    view = resolution.router.effective_routes(resolution.topology.subnets[ref])
    return [(r.source, r.state, r.address_prefix,
             r.next_hop_type + (f" {r.next_hop_ip}" if r.next_hop_ip else ""))
            for r in view.routes]


def test_system_routes_of_a_spoke():
    # virtual-networks-udr-overview, routing example, Subnet2 of the 10.0.0.0/16 VNet: its
    # table lists 10.0.0.0/8 None. A VNet range inside a reserved prefix changes nothing;
    # only a range that contains the whole prefix does (azure-rules.md 1).
    assert rows(base(), "vnet-spoke/snet-sql") == [
        ("Default", "Active", "10.1.0.0/16", "VnetLocal"),
        ("Default", "Active", "0.0.0.0/0", "Internet"),
        ("Default", "Active", "10.0.0.0/8", "None"),
        ("Default", "Active", "172.16.0.0/12", "None"),
        ("Default", "Active", "192.168.0.0/16", "None"),
        ("Default", "Active", "100.64.0.0/10", "None"),
        ("Default", "Active", "10.0.0.0/16", "VNetPeering"),
    ]


def test_reserved_range_equal_to_the_vnet_range_is_vnetlocal_only():
    design = base()
    design["vnets"][1]["address_space"] = ["192.168.0.0/16"]
    subnet(design, "vnet-spoke/snet-sql")["prefix"] = "192.168.1.0/24"
    subnet(design, "vnet-spoke/snet-endpoints")["prefix"] = "192.168.2.0/24"
    design["workloads"][0]["ip"] = "192.168.1.4"
    listed = rows(design, "vnet-spoke/snet-sql")
    assert ("Default", "Active", "192.168.0.0/16", "VnetLocal") in listed
    assert not any(r[2] == "192.168.0.0/16" and r[3] == "None" for r in listed)
    # 10.0.0.0/8 stays: no range of this VNet lies inside it (the peered hub's does not count).
    assert ("Default", "Active", "10.0.0.0/8", "None") in listed


def test_peering_is_not_transitive():
    design = base()
    design["vnets"].append({"name": "vnet-spoke2", "address_space": ["10.2.0.0/16"],
                           "subnets": [{"name": "snet-app", "prefix": "10.2.1.0/24"}]})
    design["peerings"].append({"vnets": ["vnet-spoke2", "vnet-hub"]})
    spoke = rows(design, "vnet-spoke/snet-sql")
    hub = rows(design, "vnet-hub/AzureFirewallSubnet")
    assert ("Default", "Active", "10.2.0.0/16", "VNetPeering") not in spoke
    assert ("Default", "Active", "10.2.0.0/16", "VNetPeering") in hub
    assert ("Default", "Active", "10.1.0.0/16", "VNetPeering") in hub


def test_user_route_invalidates_the_default_route_with_the_same_prefix():
    design = base()
    via_firewall(design)
    listed = rows(design, "vnet-spoke/snet-sql")
    assert ("Default", "Invalid", "0.0.0.0/0", "Internet") in listed
    assert ("User", "Active", "0.0.0.0/0", "VirtualAppliance 10.0.1.4") in listed


def test_service_endpoint_route_only_on_the_enabling_subnet():
    design = base()
    subnet(design, "vnet-spoke/snet-sql")["service_endpoints"] = ["Microsoft.Storage"]
    assert ("Default", "Active", "Microsoft.Storage", "VirtualNetworkServiceEndpoint") in rows(
        design, "vnet-spoke/snet-sql")
    # Not on the other subnet of the VNet, and never over the peering.
    for other in ("vnet-spoke/snet-endpoints", "vnet-hub/AzureFirewallSubnet"):
        assert not any(r[3] == "VirtualNetworkServiceEndpoint" for r in rows(design, other))


def test_private_endpoint_route_in_its_vnet_and_directly_peered_vnets_only():
    design = base()
    design["private_endpoints"] = [{"name": "pe-rsv", "subnet": "vnet-hub/snet-endpoints",
                                    "target": "rsv"}]
    design["vnets"].append({"name": "vnet-far", "address_space": ["10.9.0.0/16"],
                           "subnets": [{"name": "snet-app", "prefix": "10.9.1.0/24"}]})
    design["peerings"].append({"vnets": ["vnet-far", "vnet-spoke"]})
    pe_row = ("Default", "Active", "10.0.2.4/32", "InterfaceEndpoint")
    assert pe_row in rows(design, "vnet-hub/AzureFirewallSubnet")
    assert pe_row in rows(design, "vnet-spoke/snet-sql")
    assert pe_row not in rows(design, "vnet-far/snet-app")


def test_bgp_default_route_displaces_the_default_internet_route():
    design = base()
    hub_gateway(design, advertises_default_route=True)
    listed = rows(design, "vnet-spoke/snet-sql")
    assert ("VirtualNetworkGateway", "Active", "0.0.0.0/0", "VirtualNetworkGateway") in listed
    # Real dumps do not list a Default route that BGP displaced.
    assert not any(r[0] == "Default" and r[2] == "0.0.0.0/0" for r in listed)


def test_bgp_routes_reach_a_spoke_only_through_gateway_transit():
    design = base()
    hub_gateway(design, advertises_default_route=True)
    design["peerings"][0]["use_remote_gateways"] = False
    assert not any(r[0] == "VirtualNetworkGateway" for r in rows(design, "vnet-spoke/snet-sql"))
    assert any(r[0] == "VirtualNetworkGateway" for r in rows(design, "vnet-hub/snet-endpoints"))


def test_propagation_switch_drops_bgp_routes():
    design = base()
    hub_gateway(design, advertises_default_route=True, advertised_prefixes=["192.168.0.0/16"])
    route_table(design, "rt-no-bgp", ["vnet-spoke/snet-sql"], disable_bgp=True)
    listed = rows(design, "vnet-spoke/snet-sql")
    assert not any(r[0] == "VirtualNetworkGateway" for r in listed)
    assert ("Default", "Active", "0.0.0.0/0", "Internet") in listed


def test_user_route_invalidates_bgp_route_with_the_same_prefix():
    design = base()
    hub_gateway(design, advertises_default_route=True)
    via_firewall(design)
    listed = rows(design, "vnet-spoke/snet-sql")
    assert ("VirtualNetworkGateway", "Invalid", "0.0.0.0/0", "VirtualNetworkGateway") in listed
    assert ("User", "Active", "0.0.0.0/0", "VirtualAppliance 10.0.1.4") in listed


def test_virtual_appliance_route_to_a_private_endpoint_is_shown_as_none():
    design = base()
    design["private_endpoints"] = [{"name": "pe-rsv", "subnet": "vnet-hub/snet-endpoints",
                                    "target": "rsv", "ip": "10.0.2.10"}]
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"],
                udr("to-pe", "0.0.0.0/0", "VirtualAppliance", "10.0.2.10"))
    assert ("User", "Active", "0.0.0.0/0", "None 10.0.2.10") in rows(design, "vnet-spoke/snet-sql")


def test_az_shaped_json():
    design = base()
    via_firewall(design)
    resolution = resolve_scene(design)
    view = resolution.router.effective_routes(resolution.topology.subnets["vnet-spoke/snet-sql"])
    document = effective_routes_document(view)
    assert document["value"][-1] == {
        "source": "User", "state": "Active", "addressPrefix": ["0.0.0.0/0"],
        "nextHopType": "VirtualAppliance", "nextHopIpAddress": ["10.0.1.4"], "name": "to-fw",
    }
    assert document["value"][1]["state"] == "Invalid"


# -- reserved ranges (azure-rules.md 1 and its "Corrections") --------------------------------


def test_vnet_range_containing_a_whole_reserved_prefix_removes_its_none_route():
    # virtual-networks-udr-overview: a range that "includes, but isn't the same as, one of the
    # four reserved address prefixes" removes the prefix's route. 172.0.0.0/11 holds all of
    # 172.16.0.0/12; 10.1.0.0/16 holds only part of 10.0.0.0/8, which stays.
    design = base()
    design["vnets"][1]["address_space"] = ["10.1.0.0/16", "172.0.0.0/11"]
    listed = rows(design, "vnet-spoke/snet-sql")
    assert ("Default", "Active", "172.0.0.0/11", "VnetLocal") in listed
    assert not any(r[2] == "172.16.0.0/12" for r in listed)
    assert ("Default", "Active", "10.0.0.0/8", "None") in listed


def test_user_default_route_removes_every_reserved_none_route():
    # Learn's routing example: Azure removed the reserved routes from Subnet1 when its User
    # 0.0.0.0/0 route was added; the other subnets keep them.
    design = base()
    via_firewall(design)
    assert not any(r[0] == "Default" and r[3] == "None" for r in rows(design, "vnet-spoke/snet-sql"))
    assert [r[2] for r in rows(design, "vnet-spoke/snet-endpoints") if r[3] == "None"] == [
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"]


def test_only_a_user_default_route_removes_the_reserved_none_routes():
    design = base()
    via_firewall(design, prefix="10.0.0.0/8")  # a User route on a reserved prefix itself
    listed = rows(design, "vnet-spoke/snet-sql")
    assert ("Default", "Invalid", "10.0.0.0/8", "None") in listed
    assert ("Default", "Active", "192.168.0.0/16", "None") in listed
    # Nor does a 0.0.0.0/0 learned over BGP: the rows stay.
    design = base()
    hub_gateway(design, advertises_default_route=True)
    assert ("Default", "Active", "10.0.0.0/8", "None") in rows(design, "vnet-spoke/snet-sql")


# -- service endpoints (azure-rules.md 1, "Corrections") -------------------------------------


@pytest.mark.parametrize("endpoint", sorted(default_catalog().service_endpoints))
def test_every_service_endpoint_adds_its_route_to_its_subnet(endpoint):
    # Whether or not a flow of the catalog reaches the service.
    design = base()
    subnet(design, "vnet-spoke/snet-sql")["service_endpoints"] = [endpoint]
    assert ("Default", "Active", endpoint, "VirtualNetworkServiceEndpoint") in rows(
        design, "vnet-spoke/snet-sql")
    assert not any(r[3] == "VirtualNetworkServiceEndpoint"
                   for r in rows(design, "vnet-spoke/snet-endpoints"))


def test_service_endpoint_list_is_learns():
    # virtual-network-service-endpoints-overview, "Generally available" and "Public Preview".
    assert sorted(default_catalog().service_endpoints) == [
        "Microsoft.AzureActiveDirectory", "Microsoft.AzureCosmosDB",
        "Microsoft.CognitiveServices", "Microsoft.ContainerRegistry", "Microsoft.EventHub",
        "Microsoft.KeyVault", "Microsoft.ServiceBus", "Microsoft.Sql", "Microsoft.Storage",
        "Microsoft.Storage.Global", "Microsoft.Web"]


def test_a_regional_tag_leaves_the_service_endpoint_row_active():
    # Storage.WestEurope holds the West Europe part of what Microsoft.Storage holds (West
    # Europe and North Europe): the endpoint's row is not displaced; the global tag's is.
    design = base()
    subnet(design, "vnet-spoke/snet-sql")["service_endpoints"] = ["Microsoft.Storage"]
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"],
                udr("storage-we", "Storage.WestEurope", "VirtualAppliance", "10.0.1.4"))
    endpoint = ("Default", "Active", "Microsoft.Storage", "VirtualNetworkServiceEndpoint")
    assert endpoint in rows(design, "vnet-spoke/snet-sql")
    design["route_tables"][0]["routes"][0]["address_prefix"] = "Storage"
    assert ("Default", "Invalid", "Microsoft.Storage", "VirtualNetworkServiceEndpoint") in rows(
        design, "vnet-spoke/snet-sql")


# -- peering links (virtual-network-manage-peering) ------------------------------------------


def test_gateway_transit_set_per_link():
    # The hub's link allows transit, the spoke's uses remote gateways, written per link.
    design = base()
    hub_gateway(design, advertises_default_route=True)
    design["peerings"][0] = {"vnets": ["vnet-spoke", "vnet-hub"], "links": {
        "vnet-hub": {"allow_gateway_transit": True},
        "vnet-spoke": {"use_remote_gateways": True}}}
    assert ("VirtualNetworkGateway", "Active", "0.0.0.0/0", "VirtualNetworkGateway") in rows(
        design, "vnet-spoke/snet-sql")
    # Listed the other way round, the shorthand would put them on the wrong links; the
    # per-link form does not care about the order.
    design["peerings"][0]["vnets"] = ["vnet-hub", "vnet-spoke"]
    assert ("VirtualNetworkGateway", "Active", "0.0.0.0/0", "VirtualNetworkGateway") in rows(
        design, "vnet-spoke/snet-sql")
    # Without the spoke's use_remote_gateways, no BGP route reaches it.
    del design["peerings"][0]["links"]["vnet-spoke"]
    assert not any(r[0] == "VirtualNetworkGateway" for r in rows(design, "vnet-spoke/snet-sql"))
