"""Choosing the route (azure-rules.md 2, route selection, and 3, service tags), asserted on
resolved flows.

Every test names the rule it pins; each would fail if the resolver got that rule wrong.
"""

from __future__ import annotations

from textwrap import dedent

from scenes import (
    base,
    flow,
    hub_gateway,
    outcome,
    resolve_scene,
    route_table,
    subnet,
    udr,
    via_firewall,
)

from flowdocs.analyse.findings import find
from flowdocs.resolve.routing import AddressDestination, ServiceDestination

# -- 2. choosing the route ---------------------------------------------------------------


def test_no_route_table_goes_straight_to_the_public_endpoints():
    assert outcome(resolve_scene(base())) == {
        "sql/AzureActiveDirectory": "delivered public via -",
        "sql/AzureBackup": "delivered public via -",
        "sql/Storage": "delivered public via -",
    }


def test_default_route_udr_through_the_hub_firewall():
    design = base()
    via_firewall(design)
    resolution = resolve_scene(design)
    assert str(resolution) == dedent("""\
        1 sql/AzureActiveDirectory: delivered public | sql > afw-hub > AzureActiveDirectory | 0.0.0.0/0 (User, rt-spoke/to-fw) -> VirtualAppliance 10.0.1.4
        1 sql/AzureBackup: delivered public | sql > afw-hub > AzureBackup | 0.0.0.0/0 (User, rt-spoke/to-fw) -> VirtualAppliance 10.0.1.4
        2 sql/Storage: delivered public | sql > afw-hub > Storage | 0.0.0.0/0 (User, rt-spoke/to-fw) -> VirtualAppliance 10.0.1.4""")
    storage = flow(resolution, "sql/Storage")
    assert storage.peerings == ("vnet-spoke~vnet-hub",)
    assert [h.route.label() for h in storage.hops if h.route] == [
        "0.0.0.0/0 (User, rt-spoke/to-fw) -> VirtualAppliance 10.0.1.4",
        "0.0.0.0/0 (Default) -> Internet",
    ]


def test_longest_prefix_match_wins_over_source():
    # A Default /32 private endpoint route beats a User /16 route (LPM before source).
    design = base()
    design["private_endpoints"] = [{"name": "pe-rsv", "subnet": "vnet-hub/snet-endpoints",
                                    "target": "rsv"}]
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"],
                udr("hub-via-fw", "10.0.0.0/16", "VirtualAppliance", "10.0.1.4"))
    backup = flow(resolve_scene(design), "sql/AzureBackup")
    assert (backup.status, backup.access, backup.firewalls) == (
        "delivered", "private-endpoint", ())
    assert backup.reason == "10.0.2.4/32 (Default) -> InterfaceEndpoint"


def test_user_beats_bgp_beats_default_on_the_same_prefix():
    design = base()
    hub_gateway(design, advertises_default_route=True)
    # BGP over Default: forced tunnelling.
    assert outcome(resolve_scene(design))["sql/Storage"] == "delivered on-premises via -"
    # User over BGP: the firewall wins back the default route.
    via_firewall(design)
    _firewall_to_internet(design)
    assert outcome(resolve_scene(design))["sql/Storage"] == "delivered public via afw-hub"


def test_vnet_routes_win_over_more_specific_bgp_routes():
    # On-premises advertises part of the hub's range more specifically (a /24 inside the
    # hub's /16); the VNetPeering route still wins (azure-rules.md 2.3).
    design = base()
    hub_gateway(design, advertised_prefixes=["10.0.2.0/24"])
    resolution = resolve_scene(design)
    view = resolution.router.effective_routes(resolution.topology.subnets["vnet-spoke/snet-sql"])
    chosen = resolution.router.select_route(view, AddressDestination("10.0.2.99"))
    assert (chosen.source, chosen.next_hop_type, chosen.address_prefix) == (
        "Default", "VNetPeering", "10.0.0.0/16")
    # A BGP /24 for a range outside every VNet wins by length as usual.
    design["gateways"][0]["advertised_prefixes"] = ["192.168.7.0/24"]
    resolution = resolve_scene(design)
    view = resolution.router.effective_routes(resolution.topology.subnets["vnet-spoke/snet-sql"])
    chosen = resolution.router.select_route(view, AddressDestination("192.168.7.1"))
    assert (chosen.source, chosen.next_hop_type) == (
        "VirtualNetworkGateway", "VirtualNetworkGateway")


def test_service_endpoint_beats_more_specific_bgp_and_default_route_udr():
    design = base()
    hub_gateway(design, advertises_default_route=True)
    subnet(design, "vnet-spoke/snet-sql")["service_endpoints"] = ["Microsoft.Storage"]
    assert outcome(resolve_scene(design))["sql/Storage"] == "delivered service-endpoint via -"
    via_firewall(design)
    _firewall_to_internet(design)
    resolution = resolve_scene(design)
    assert outcome(resolution) == {
        "sql/AzureActiveDirectory": "delivered public via afw-hub",
        "sql/AzureBackup": "delivered public via afw-hub",
        "sql/Storage": "delivered service-endpoint via -",
    }
    assert flow(resolution, "sql/Storage").reason == (
        "Microsoft.Storage (Default) -> VirtualNetworkServiceEndpoint")


def test_platform_flows_ignore_every_route():
    # Azure VM backup rides the platform (168.63.129.16 cannot be overridden).
    design = base()
    design["workloads"][0]["type"] = "azure-vm"
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"],
                udr("drop-all", "0.0.0.0/0", "None"))
    assert outcome(resolve_scene(design)) == {
        "sql/AzureBackup": "delivered platform via -",
        "sql/Storage": "delivered platform via -",
    }


def test_virtual_appliance_next_hop_on_a_private_endpoint_drops():
    design = base()
    design["private_endpoints"] = [{"name": "pe-st", "subnet": "vnet-hub/snet-endpoints",
                                    "target": "stcustomer", "ip": "10.0.2.10"}]
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"],
                udr("to-pe", "0.0.0.0/0", "VirtualAppliance", "10.0.2.10"))
    backup = flow(resolve_scene(design), "sql/AzureBackup")
    assert backup.status == "dropped"
    assert backup.reason == (
        "0.0.0.0/0 (User, rt-spoke/to-pe) -> None 10.0.2.10: next hop 10.0.2.10 is a private "
        "endpoint, not a VM or load balancer")


def _firewall_to_internet(design: dict) -> None:
    """The usual companion of forced tunnelling: the firewall keeps a direct way out."""
    route_table(design, "rt-fw", ["vnet-hub/AzureFirewallSubnet"],
                udr("internet", "0.0.0.0/0", "Internet"))


# -- 3. service tags ----------------------------------------------------------------------


def test_service_tag_udr_beats_the_service_endpoint():
    design = base()
    subnet(design, "vnet-spoke/snet-sql")["service_endpoints"] = ["Microsoft.Storage"]
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"],
                udr("storage-via-fw", "Storage", "VirtualAppliance", "10.0.1.4"))
    resolution = resolve_scene(design)
    assert outcome(resolution) == {
        "sql/AzureActiveDirectory": "delivered public via -",
        "sql/AzureBackup": "delivered public via -",
        "sql/Storage": "delivered public via afw-hub",
    }
    view = resolution.router.effective_routes(resolution.topology.subnets["vnet-spoke/snet-sql"])
    endpoint = next(r for r in view.routes if r.next_hop_type == "VirtualNetworkServiceEndpoint")
    assert endpoint.state == "Invalid"


def test_regional_tag_beats_global_tag_beats_azurecloud():
    design = base()
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"],
                udr("cloud", "AzureCloud", "None"),
                udr("cloud-region", "AzureCloud.WestEurope", "VirtualAppliance", "10.0.1.4"),
                udr("storage", "Storage", "None"),
                udr("storage-region", "Storage.WestEurope", "Internet"))
    resolution = resolve_scene(design)
    assert flow(resolution, "sql/Storage").reason == (
        "Storage.WestEurope (User, rt-spoke/storage-region) -> Internet")
    assert flow(resolution, "sql/AzureBackup").reason == (
        "AzureCloud.WestEurope (User, rt-spoke/cloud-region) -> VirtualAppliance 10.0.1.4")
    # Remove the regional Storage tag: the global one decides.
    design["route_tables"][0]["routes"].pop()
    assert flow(resolve_scene(design), "sql/Storage").status == "dropped"
    # Remove the regional AzureCloud tag: plain AzureCloud decides.
    design["route_tables"][0]["routes"].pop(1)
    assert flow(resolve_scene(design), "sql/AzureBackup").reason == (
        "AzureCloud (User, rt-spoke/cloud) -> None: next hop None drops the traffic")


def test_regional_tag_of_another_region_does_not_cover():
    design = base()
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"],
                udr("storage-us", "Storage.EastUS", "None"))
    assert outcome(resolve_scene(design))["sql/Storage"] == "delivered public via -"


def test_default_route_udr_beats_nothing_more_specific_than_a_tag():
    # A 0.0.0.0/0 User route loses to a tag route for that service (a tag is longer).
    design = base()
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"],
                udr("to-fw", "0.0.0.0/0", "VirtualAppliance", "10.0.1.4"),
                udr("entra-direct", "AzureActiveDirectory", "Internet"))
    assert outcome(resolve_scene(design)) == {
        "sql/AzureActiveDirectory": "delivered public via -",
        "sql/AzureBackup": "delivered public via afw-hub",
        "sql/Storage": "delivered public via afw-hub",
    }


def test_public_cidr_route_is_assumed_not_to_cover_services_and_warns():
    design = base()
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"],
                udr("some-public", "20.38.0.0/16", "None"))
    resolution = resolve_scene(design)
    assert outcome(resolution)["sql/Storage"] == "delivered public via -"
    assert [(f.id, f.severity, f.path, f.message) for f in find(resolution)] == [(
        "FD010", "warning", ("route_tables", 0, "routes", 0, "address_prefix"),
        "route 'rt-spoke/some-public' (20.38.0.0/16) is a public range that may cover Azure "
        "service addresses; flowdocs assumes it covers none of AzureActiveDirectory, "
        "AzureBackup, Storage, which take 0.0.0.0/0 (Default) -> Internet")]


# -- public CIDRs as sets (azure-rules.md 2, "Corrections") ----------------------------------


def _fd010(resolution) -> list:
    return [f for f in find(resolution) if f.id == "FD010"]


def _split(design: dict, low: str, high: str) -> None:
    """The forced-tunnelling split: 0.0.0.0/1 and 128.0.0.0/1, each 'NEXT_HOP [IP]'."""
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"],
                udr("low-half", "0.0.0.0/1", *low.split()),
                udr("high-half", "128.0.0.0/1", *high.split()))


def test_split_default_routes_to_one_appliance_cover_every_service():
    # Together they cover all of IPv4 and each is longer than 0.0.0.0/0: every service goes
    # to the appliance, and nothing is left unknown (no FD010).
    design = base()
    _split(design, "VirtualAppliance 10.0.1.4", "VirtualAppliance 10.0.1.4")
    resolution = resolve_scene(design)
    assert set(outcome(resolution).values()) == {"delivered public via afw-hub"}
    assert flow(resolution, "sql/Storage").reason == (
        "0.0.0.0/1 (User, rt-spoke/low-half) -> VirtualAppliance 10.0.1.4")
    assert find(resolution) == []


def test_split_default_routes_learned_over_bgp_tunnel_every_service():
    design = base()
    hub_gateway(design, advertised_prefixes=["0.0.0.0/1", "128.0.0.0/1"])
    resolution = resolve_scene(design)
    assert set(outcome(resolution).values()) == {"delivered on-premises via -"}
    assert find(resolution) == []


def test_service_endpoint_beats_the_split_default_routes():
    # The endpoint's prefixes are the service's, far longer than /1.
    design = base()
    subnet(design, "vnet-spoke/snet-sql")["service_endpoints"] = ["Microsoft.Storage"]
    _split(design, "VirtualAppliance 10.0.1.4", "VirtualAppliance 10.0.1.4")
    resolution = resolve_scene(design)
    assert outcome(resolution)["sql/Storage"] == "delivered service-endpoint via -"
    assert outcome(resolution)["sql/AzureBackup"] == "delivered public via afw-hub"
    assert _fd010(resolution) == []


def test_split_default_routes_to_different_next_hops_leave_the_path_unknown():
    # 0.0.0.0/1 and 128.0.0.0/1 send each half of the public addresses elsewhere: which half
    # holds a service is unknown. flowdocs assumes the half with more public addresses (the
    # low half: 128.0.0.0/1 holds 169.254/16, 172.16/12, 192.168/16, 198.18/15, multicast
    # and 240/4) and warns on both routes.
    design = base()
    _split(design, "VirtualAppliance 10.0.1.4", "Internet")
    resolution = resolve_scene(design)
    assert set(outcome(resolution).values()) == {"delivered public via afw-hub"}
    assert [(f.id, f.path, f.message) for f in find(resolution)] == [
        ("FD010", ("route_tables", 0, "routes", 0, "address_prefix"),
         "route 'rt-spoke/low-half' (0.0.0.0/1) covers only part of the public address "
         "space, and 128.0.0.0/1 (User, rt-spoke/high-half) -> Internet takes the rest "
         "elsewhere: flowdocs assumes AzureActiveDirectory, AzureBackup, Storage lie in this "
         "route's part, the larger"),
        ("FD010", ("route_tables", 0, "routes", 1, "address_prefix"),
         "route 'rt-spoke/high-half' (128.0.0.0/1) is a public range that may cover Azure "
         "service addresses; flowdocs assumes it covers none of AzureActiveDirectory, "
         "AzureBackup, Storage, which take 0.0.0.0/1 (User, rt-spoke/low-half) -> "
         "VirtualAppliance 10.0.1.4"),
    ]


def test_public_range_sent_where_the_default_route_goes_leaves_nothing_unknown():
    design = base()
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"],
                udr("default", "0.0.0.0/0", "VirtualAppliance", "10.0.1.4"),
                udr("public", "20.38.0.0/16", "VirtualAppliance", "10.0.1.4"))
    resolution = resolve_scene(design)
    assert set(outcome(resolution).values()) == {"delivered public via afw-hub"}
    assert find(resolution) == []


def test_public_range_beside_a_service_endpoint_may_still_hold_the_service():
    # The endpoint route wins by the assumption that its prefixes are longer; a /16 may be
    # longer than some of them: unknown, so FD010 names it for Storage too.
    design = base()
    subnet(design, "vnet-spoke/snet-sql")["service_endpoints"] = ["Microsoft.Storage"]
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"],
                udr("some-public", "20.38.0.0/16", "None"))
    resolution = resolve_scene(design)
    assert outcome(resolution)["sql/Storage"] == "delivered service-endpoint via -"
    (finding,) = _fd010(resolution)
    assert finding.message.endswith(
        "none of AzureActiveDirectory, AzureBackup, Storage, which take 0.0.0.0/0 (Default) "
        "-> Internet or Microsoft.Storage (Default) -> VirtualNetworkServiceEndpoint")


def test_public_cover_shares():
    # Public IPv4 addresses each route wins: 0.0.0.0/1 loses 0/8, 10/8, 100.64/10, 127/8.
    design = base()
    _split(design, "VirtualAppliance 10.0.1.4", "Internet")
    resolution = resolve_scene(design)
    view = resolution.router.effective_routes(resolution.topology.subnets["vnet-spoke/snet-sql"])
    assert [(s.route.address_prefix, s.addresses) for s in view.public_cover] == [
        ("0.0.0.0/1", 2**31 - 3 * 2**24 - 2**22),
        ("128.0.0.0/1", 2**31 - 2**16 - 2**20 - 2 * 2**8 - 2**16 - 2**17 - 2 * 2**8 - 2**29),
    ]


# -- private destinations and the reserved ranges (azure-rules.md 1, "Corrections") ---------


def _spoke_192(design: dict) -> None:
    """A second spoke, 192.168.0.0/16, peered with the hub only, holding the vault's PE."""
    design["vnets"].append({"name": "vnet-spoke-192", "address_space": ["192.168.0.0/16"],
                            "subnets": [{"name": "snet-endpoints", "prefix": "192.168.2.0/24"}]})
    design["peerings"].append({"vnets": ["vnet-spoke-192", "vnet-hub"]})
    design["private_endpoints"] = [{"name": "pe-rsv", "subnet": "vnet-spoke-192/snet-endpoints",
                                    "target": "rsv"}]


def test_private_endpoint_in_another_spoke_is_reached_through_the_hub_firewall():
    # The User 0.0.0.0/0 removed 192.168.0.0/16 None from the 10.x spoke: the firewall takes
    # the flow, and the hub's peering with the 192.168.x spoke delivers it.
    design = base()
    _spoke_192(design)
    via_firewall(design)
    resolution = resolve_scene(design)
    storage = flow(resolution, "sql/Storage")
    assert (storage.status, storage.access, storage.firewalls, storage.peerings) == (
        "delivered", "private-endpoint", ("afw-hub",),
        ("vnet-spoke~vnet-hub", "vnet-spoke-192~vnet-hub"))


def test_private_endpoint_in_an_unpeered_spoke_is_dropped_by_the_reserved_route():
    # Without the User default route, 192.168.0.0/16 None decides: dropped, not sent to the
    # Internet route.
    design = base()
    _spoke_192(design)
    storage = flow(resolve_scene(design), "sql/Storage")
    assert (storage.status, storage.reason) == (
        "dropped", "192.168.0.0/16 (Default) -> None: next hop None drops the traffic")


def test_peered_range_equal_to_a_reserved_prefix_wins_over_its_none_row():
    # A peered VNet of exactly 192.168.0.0/16: the VNetPeering row and the reserved None row
    # have the same prefix; the peering carries the traffic.
    design = base()
    _spoke_192(design)
    design["peerings"].append({"vnets": ["vnet-spoke", "vnet-spoke-192"]})
    storage = flow(resolve_scene(design), "sql/Storage")
    assert (storage.status, storage.access, storage.reason) == (
        "delivered", "private-endpoint", "192.168.2.4/32 (Default) -> InterfaceEndpoint")
    resolution = resolve_scene(design)
    view = resolution.router.effective_routes(resolution.topology.subnets["vnet-spoke/snet-sql"])
    chosen = resolution.router.select_route(view, AddressDestination("192.168.9.9"))
    assert (chosen.next_hop_type, chosen.address_prefix) == ("VNetPeering", "192.168.0.0/16")


# -- regions (azure-rules.md 3) ----------------------------------------------------------------


def _north_spoke(design: dict) -> None:
    """The spoke, and its vault, in North Europe; the design's region is West Europe."""
    design["vnets"][1]["region"] = "northeurope"
    design["vaults"][0]["region"] = "northeurope"


def test_regional_tag_of_the_vnets_region_matches():
    design = base()
    _north_spoke(design)
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"],
                udr("to-fw", "0.0.0.0/0", "VirtualAppliance", "10.0.1.4"),
                udr("storage-ne", "Storage.NorthEurope", "Internet"))
    resolution = resolve_scene(design)
    assert outcome(resolution)["sql/Storage"] == "delivered public via -"
    assert flow(resolution, "sql/Storage").reason == (
        "Storage.NorthEurope (User, rt-spoke/storage-ne) -> Internet")
    # The design's region's tag does not match a North Europe service.
    design["route_tables"][0]["routes"][1]["address_prefix"] = "Storage.WestEurope"
    assert outcome(resolve_scene(design))["sql/Storage"] == "delivered public via afw-hub"


def test_select_route_takes_the_service_region():
    # ServiceDestination.region: where the service is; None: in the subnet's VNet's region.
    design = base()
    design["vnets"][1]["region"] = "northeurope"
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"],
                udr("storage-ne", "Storage.NorthEurope", "None"))
    resolution = resolve_scene(design)
    router = resolution.router
    view = router.effective_routes(resolution.topology.subnets["vnet-spoke/snet-sql"])
    assert view.region == "northeurope"

    def hop(region: str | None) -> str:
        return router.select_route(view, ServiceDestination("Storage", region)).next_hop_type

    assert (hop(None), hop("northeurope"), hop("westeurope")) == ("None", "None", "Internet")


def test_storage_service_endpoint_covers_its_region_and_the_paired_region():
    # virtual-network-service-endpoints-overview; pairs from cross-region-replication-azure.
    design = base()
    design["vnets"][1]["region"] = "westeurope"
    subnet(design, "vnet-spoke/snet-sql")["service_endpoints"] = ["Microsoft.Storage"]
    resolution = resolve_scene(design)
    router = resolution.router
    view = router.effective_routes(resolution.topology.subnets["vnet-spoke/snet-sql"])

    def hop(region: str | None) -> str:
        return router.select_route(view, ServiceDestination("Storage", region)).next_hop_type

    endpoint = "VirtualNetworkServiceEndpoint"
    assert (hop(None), hop("westeurope"), hop("northeurope"), hop("eastus")) == (
        endpoint, endpoint, endpoint, "Internet")
    # Microsoft.Storage.Global covers every region.
    subnet(design, "vnet-spoke/snet-sql")["service_endpoints"] = ["Microsoft.Storage.Global"]
    resolution = resolve_scene(design)
    view = resolution.router.effective_routes(resolution.topology.subnets["vnet-spoke/snet-sql"])
    assert resolution.router.select_route(
        view, ServiceDestination("Storage", "eastus")).next_hop_type == endpoint


def test_service_endpoint_follows_the_vnet_region_not_the_designs():
    # A North Europe spoke's Microsoft.Storage covers North Europe and West Europe; a spoke
    # in East US with the same endpoint covers East US and West US, not West Europe.
    design = base()
    design["vnets"][1]["region"] = "eastus"
    subnet(design, "vnet-spoke/snet-sql")["service_endpoints"] = ["Microsoft.Storage"]
    resolution = resolve_scene(design)
    router = resolution.router
    view = router.effective_routes(resolution.topology.subnets["vnet-spoke/snet-sql"])
    assert [router.select_route(view, ServiceDestination("Storage", r)).next_hop_type
            for r in ("eastus", "westus", "westeurope")] == [
        "VirtualNetworkServiceEndpoint", "VirtualNetworkServiceEndpoint", "Internet"]


def test_regional_tag_and_service_endpoint_split_by_region():
    # Storage.WestEurope (User) beats the endpoint where it holds the service; in the paired
    # North Europe, the endpoint still carries it.
    design = base()
    subnet(design, "vnet-spoke/snet-sql")["service_endpoints"] = ["Microsoft.Storage"]
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"],
                udr("storage-we", "Storage.WestEurope", "VirtualAppliance", "10.0.1.4"))
    resolution = resolve_scene(design)
    router = resolution.router
    view = router.effective_routes(resolution.topology.subnets["vnet-spoke/snet-sql"])
    assert [router.select_route(view, ServiceDestination("Storage", r)).next_hop_type
            for r in ("westeurope", "northeurope")] == [
        "VirtualAppliance", "VirtualNetworkServiceEndpoint"]


def test_a_flow_selects_its_route_for_the_region_of_the_service_it_reaches():
    # A North Europe spoke backs up to a West Europe vault: its Storage.NorthEurope route to
    # the firewall does not hold the vault's storage, so the data flow takes 0.0.0.0/0 to the
    # Internet; moving the vault to North Europe sends the data flow through the firewall.
    design = base()
    design["vnets"][1]["region"] = "northeurope"
    design["vaults"][0]["region"] = "westeurope"
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"],
                udr("storage-ne", "Storage.NorthEurope", "VirtualAppliance", "10.0.1.4"))
    data = flow(resolve_scene(design), "sql/Storage")
    assert (data.region, data.hops[0].route.address_prefix, data.firewalls) == (
        "westeurope", "0.0.0.0/0", ())
    design["vaults"][0]["region"] = "northeurope"
    data = flow(resolve_scene(design), "sql/Storage")
    assert (data.region, data.hops[0].route.address_prefix, data.firewalls) == (
        "northeurope", "Storage.NorthEurope", ("afw-hub",))
