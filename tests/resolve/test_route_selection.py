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
from flowdocs.resolve.routing import AddressDestination

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
        "AzureBackup, AzureResourceManager, Storage")]
