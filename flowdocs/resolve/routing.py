"""Effective routes of a subnet and the choice of route for a destination.

Follows reference/azure-rules.md sections 1 to 4. Destinations are either an IP address
(a private endpoint, a firewall) or an Azure service's public endpoint, which flowdocs reasons
about symbolically: 0.0.0.0/0 covers every service, a service tag or a service endpoint covers
its service, and any other public CIDR is assumed not to (a warning names it).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Literal

from flowdocs.load.catalog import Catalog
from flowdocs.load.model import RouteTable
from flowdocs.resolve.topology import SubnetRef, Topology, parse_address, parse_network

Source = Literal["Default", "User", "VirtualNetworkGateway"]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# What a subnet's effective routes depend on: its VNet, route table and service endpoints.
ViewKey = tuple[str, str | None, tuple[str, ...]]

# Same prefix: User beats BGP beats Default (azure-rules.md 2.2).
SOURCE_PRIORITY: dict[str, int] = {"User": 3, "VirtualNetworkGateway": 2, "Default": 1}
# Routes that win over BGP even when the BGP route is more specific (azure-rules.md 2.3).
BEATS_BGP = frozenset({"VnetLocal", "VNetPeering", "VirtualNetworkServiceEndpoint"})
# Reserved private ranges Azure routes to None by default (azure-rules.md 1). Real tables list
# more over time; flowdocs lists the documented four.
RESERVED_NONE_PREFIXES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
_RESERVED_NONE = tuple((text, ipaddress.IPv4Network(text)) for text in RESERVED_NONE_PREFIXES)
DEFAULT_ROUTE = ipaddress.ip_network("0.0.0.0/0")

# Rank of a service-tag route among routes that cover the same service (azure-rules.md 3):
# regional tag > global tag > AzureCloud.<region> > AzureCloud. A service endpoint route has
# "the same prefixes" as the tags of its service, so between the two the source decides.
TAG_RANK_AZURECLOUD, TAG_RANK_AZURECLOUD_REGIONAL, TAG_RANK_GLOBAL, TAG_RANK_REGIONAL = 1, 2, 3, 4


@dataclass(frozen=True)
class ServiceDestination:
    """The public endpoint of an Azure service, by service tag (e.g. `Storage`)."""

    service: str

    def __str__(self) -> str:
        return self.service


@dataclass(frozen=True)
class AddressDestination:
    """A private IP address: a private endpoint or an appliance."""

    ip: str

    @property
    def address(self) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
        return parse_address(self.ip)

    def __str__(self) -> str:
        return self.ip


Destination = ServiceDestination | AddressDestination


@dataclass(frozen=True)
class ServiceScope:
    """What a symbolic prefix (a service tag or a service endpoint) covers."""

    service: str | None  # None: every service (AzureCloud)
    region: str | None  # None: every region
    rank: int

    def covers(self, service: str, design_region: str | None) -> bool:
        if self.service is not None and self.service != service:
            return False
        # A regional scope covers the design's services only when the regions agree. A design
        # without a region cannot tell, and flowdocs assumes the tag does not cover it.
        return self.region is None or self.region == design_region


@dataclass(frozen=True)
class EffectiveRoute:
    """One row of a subnet's effective route table."""

    source: Source
    address_prefix: str
    next_hop_type: str
    next_hop_ip: str | None = None
    state: Literal["Active", "Invalid"] = "Active"
    table: str | None = None
    name: str | None = None
    network: Network | None = None
    scope: ServiceScope | None = None
    remote_vnet: str | None = None  # VNetPeering/InterfaceEndpoint: the VNet across a peering
    peering: str | None = None  # VNetPeering: the peering's id, A~B
    gateway: str | None = None  # VirtualNetworkGateway: the gateway and its VNet
    gateway_vnet: str | None = None
    private_endpoint: str | None = None  # InterfaceEndpoint: the private endpoint
    note: str | None = None  # why Azure shows the route differently from how it was written
    origin: tuple[str | int, ...] | None = None  # design path of a User route, for diagnostics

    def covers(self, destination: Destination, region: str | None) -> bool:
        if isinstance(destination, AddressDestination):
            return self.network is not None and destination.address in self.network
        if self.scope is not None:
            return self.scope.covers(destination.service, region)
        return self.network == DEFAULT_ROUTE

    def label(self) -> str:
        """The route in one line, as `reason` shows it."""
        where = self.source if self.table is None else f"{self.source}, {self.table}/{self.name}"
        hop = f"{self.next_hop_type} {self.next_hop_ip}" if self.next_hop_ip else self.next_hop_type
        return f"{self.address_prefix} ({where}) -> {hop}"


@dataclass
class RouteTableView:
    """A subnet's effective routes, with what selection needs precomputed."""

    routes: list[EffectiveRoute]
    key: ViewKey

    @property
    def active(self) -> list[EffectiveRoute]:
        return [r for r in self.routes if r.state == "Active"]

    @cached_property
    def service_routes(self) -> list[EffectiveRoute]:
        """The only routes that can cover a service's public endpoint: 0.0.0.0/0, service
        tags and service endpoints."""
        return [r for r in self.routes if r.scope is not None or r.network == DEFAULT_ROUTE]


def parse_service_tag(prefix: str, catalog: Catalog) -> ServiceScope | None:
    """`Storage`, `Storage.WestEurope`, `AzureCloud`, `AzureCloud.WestEurope`; None if not a
    tag of the catalog."""
    base, _, region = prefix.partition(".")
    if base not in catalog.service_tags:
        return None
    region_key = region.lower() or None
    if base == "AzureCloud":
        rank = TAG_RANK_AZURECLOUD_REGIONAL if region_key else TAG_RANK_AZURECLOUD
        return ServiceScope(None, region_key, rank)
    return ServiceScope(base, region_key, TAG_RANK_REGIONAL if region_key else TAG_RANK_GLOBAL)


def is_cidr(prefix: str) -> bool:
    return "/" in prefix


class Router:
    """Builds and caches effective route tables and route choices for one design."""

    def __init__(self, topology: Topology, catalog: Catalog) -> None:
        self.topology = topology
        self.catalog = catalog
        self.region = topology.design.region
        self._tables: dict[ViewKey, RouteTableView] = {}
        self._choices: dict[tuple[ViewKey, Destination], EffectiveRoute | None] = {}
        self._reach: dict[tuple[ViewKey, str], EffectiveRoute | None] = {}
        self._user: dict[tuple[str, str | None], list[EffectiveRoute]] = {}

    # -- effective routes ---------------------------------------------------------------

    def effective_routes(self, subnet: SubnetRef) -> RouteTableView:
        """The subnet's effective route table (azure-rules.md 1), cached per distinct input."""
        key: ViewKey = (subnet.vnet.name, subnet.subnet.route_table,
                        tuple(subnet.subnet.service_endpoints))
        view = self._tables.get(key)
        if view is None:
            view = RouteTableView(self._build(subnet), key)
            self._tables[key] = view
        return view

    def _build(self, subnet: SubnetRef) -> list[EffectiveRoute]:
        topo = self.topology
        vnet = subnet.vnet
        table = topo.route_tables.get(subnet.subnet.route_table or "")
        routes: list[EffectiveRoute] = []
        spaces = [parse_network(s) for s in vnet.address_space]
        for space in spaces:
            routes.append(_default(str(space), "VnetLocal", network=space))
        routes.append(_default("0.0.0.0/0", "Internet", network=DEFAULT_ROUTE))
        for text, reserved in _RESERVED_NONE:
            # A VNet range equal to the reserved range is already VnetLocal; a VNet range
            # inside it removes the None route.
            if any(isinstance(s, ipaddress.IPv4Network) and s.subnet_of(reserved)
                   for s in spaces):
                continue
            routes.append(_default(text, "None", network=reserved))
        for peering, remote in topo.peerings_by_vnet.get(vnet.name, []):
            for remote_space in topo.vnets[remote].address_space:
                routes.append(
                    _default(remote_space, "VNetPeering", network=parse_network(remote_space),
                             remote_vnet=remote, peering_id=peering.id)
                )
        for endpoint in subnet.subnet.service_endpoints:
            kind = self.catalog.service_endpoints.get(endpoint)
            if kind is None:
                continue  # a service endpoint for a service no flow of the catalog reaches
            # Regional and global endpoints both cover the design's services: flowdocs assumes
            # a workload's services are in its own region (the vault's region).
            routes.append(
                EffectiveRoute("Default", endpoint, "VirtualNetworkServiceEndpoint",
                               scope=ServiceScope(kind.service, None, 0))
            )
        for vnet_name in [vnet.name, *topo.peered_vnets(vnet.name)]:
            for pe in topo.design.private_endpoints:
                if pe.subnet.split("/", 1)[0] != vnet_name:
                    continue
                ip = topo.private_endpoint_ips.get(pe.name)
                if ip is None:
                    continue
                routes.append(
                    EffectiveRoute("Default", f"{ip}/32", "InterfaceEndpoint",
                                   network=parse_network(f"{ip}/32"),
                                   private_endpoint=pe.name,
                                   remote_vnet=None if vnet_name == vnet.name else vnet_name)
                )
        if table is None or not table.disable_bgp_route_propagation:
            routes.extend(self._bgp_routes(vnet.name))
        if table is not None:
            routes.extend(self._user_routes_cached(table, vnet.name))
        return _settle_states(routes, topo, self)

    def _bgp_routes(self, vnet: str) -> list[EffectiveRoute]:
        found: list[EffectiveRoute] = []
        for gateway in self.topology.remote_gateways(vnet):
            prefixes = (["0.0.0.0/0"] if gateway.advertises_default_route else [])
            prefixes += list(gateway.advertised_prefixes)
            for prefix in prefixes:
                found.append(
                    EffectiveRoute("VirtualNetworkGateway", prefix, "VirtualNetworkGateway",
                                   network=parse_network(prefix), gateway=gateway.name,
                                   gateway_vnet=gateway.vnet)
                )
        return found

    def _user_routes_cached(self, table: RouteTable, vnet: str) -> list[EffectiveRoute]:
        """A table's User routes depend on the VNet only through a gateway next hop, so a
        table shared by many subnets is read once."""
        needs_vnet = any(r.next_hop_type == "VirtualNetworkGateway" for r in table.routes)
        key = (table.name, vnet if needs_vnet else None)
        if key not in self._user:
            self._user[key] = self._user_routes(table, vnet)
        return self._user[key]

    def _user_routes(self, table: RouteTable, vnet: str) -> list[EffectiveRoute]:
        index = self.topology.route_table_index[table.name]
        found: list[EffectiveRoute] = []
        for position, route in enumerate(table.routes):
            prefix = route.address_prefix
            network = parse_network(prefix) if is_cidr(prefix) else None
            scope = None if network else parse_service_tag(prefix, self.catalog)
            next_hop_type, note, gateway = route.next_hop_type, None, None
            # A VirtualAppliance next hop must be a VM or load balancer NIC; Azure shows any
            # other IP (a private endpoint, say) as next hop None (azure-rules.md 2.5).
            ip = route.next_hop_ip
            if next_hop_type == "VirtualAppliance" and self._owned_by_private_endpoint(ip):
                next_hop_type = "None"
                note = f"next hop {ip} is a private endpoint, not a VM or load balancer"
            if next_hop_type == "VirtualNetworkGateway":
                # The VNet's own gateway, or the hub's through gateway transit.
                reachable = self.topology.remote_gateways(vnet)
                gateway = reachable[0] if reachable else None
                if gateway is None:
                    note = f"no VPN or ExpressRoute gateway serves {vnet}"
            found.append(
                EffectiveRoute("User", prefix, next_hop_type, route.next_hop_ip, table=table.name,
                               name=route.name, network=network, scope=scope, note=note,
                               gateway=gateway.name if gateway else None,
                               gateway_vnet=gateway.vnet if gateway else None,
                               origin=("route_tables", index, "routes", position, "address_prefix"))
            )
        return found

    def _owned_by_private_endpoint(self, ip: str | None) -> bool:
        return ip is not None and ip in self.topology.private_endpoint_ip_set

    # -- route selection ----------------------------------------------------------------

    def select_route(self, view: RouteTableView, destination: Destination) -> EffectiveRoute | None:
        """The route Azure uses for `destination` (azure-rules.md 2 and 3)."""
        key = (view.key, destination)
        if key not in self._choices:
            routes = (view.service_routes if isinstance(destination, ServiceDestination)
                      else view.routes)
            self._choices[key] = select_route(routes, destination, self.region)
        return self._choices[key]


    def reaching_route(self, view: RouteTableView, ip: str) -> EffectiveRoute | None:
        """The VnetLocal or VNetPeering route that puts `ip` within reach, whatever its
        state: Azure resolves a next hop IP in the VNet or a peered VNet, not recursively
        through other routes (azure-rules.md 5)."""
        key = (view.key, ip)
        if key not in self._reach:
            address = AddressDestination(ip)
            self._reach[key] = next(
                (r for r in view.routes if r.next_hop_type in ("VnetLocal", "VNetPeering")
                 and r.covers(address, None)), None)
        return self._reach[key]


def select_route(routes: list[EffectiveRoute], destination: Destination,
                 region: str | None) -> EffectiveRoute | None:
    """Longest prefix match, then User > BGP > Default; VnetLocal, VNetPeering and service
    endpoint routes win over BGP routes whatever their length."""
    candidates = [r for r in routes if r.state == "Active" and r.covers(destination, region)]
    if any(r.next_hop_type in BEATS_BGP for r in candidates):
        candidates = [r for r in candidates if r.source != "VirtualNetworkGateway"]
    if not candidates:
        return None
    return max(candidates, key=lambda r: _specificity(r, destination))


def _specificity(route: EffectiveRoute, destination: Destination) -> tuple[int, int, int]:
    priority = SOURCE_PRIORITY[route.source]
    if isinstance(destination, AddressDestination):
        assert route.network is not None
        return (route.network.prefixlen, priority, 0)
    if route.scope is not None:
        # Symbolic prefixes are all longer than 0.0.0.0/0 and "the same prefixes" among
        # themselves: the source decides, then the tag's rank.
        return (1, priority, route.scope.rank)
    return (0, priority, 0)


def _default(prefix: str, next_hop: str, *, network: Network, remote_vnet: str | None = None,
             peering_id: str | None = None) -> EffectiveRoute:
    return EffectiveRoute("Default", prefix, next_hop, network=network, remote_vnet=remote_vnet,
                          peering=peering_id)


def _settle_states(routes: list[EffectiveRoute], topo: Topology,
                   router: Router) -> list[EffectiveRoute]:
    """Mark what a User or BGP route displaces (azure-rules.md 2.2 and 4)."""
    user = [r for r in routes if r.source == "User"]
    user_prefixes = {_prefix_key(r) for r in user}
    bgp_prefixes = {_prefix_key(r) for r in routes if r.source == "VirtualNetworkGateway"}
    settled: list[EffectiveRoute] = []
    for route in routes:
        key = _prefix_key(route)
        if route.source == "Default" and key in bgp_prefixes and key not in user_prefixes:
            continue  # real dumps do not list a Default route that BGP displaced
        invalid = route.source != "User" and key in user_prefixes
        if route.next_hop_type == "VirtualNetworkServiceEndpoint":
            invalid = any(
                u.scope is not None and route.scope is not None
                and u.scope.covers(route.scope.service or "", router.region)
                for u in user
            )
        if route.next_hop_type == "InterfaceEndpoint":
            invalid = _private_endpoint_overridden(route, user, topo)
        settled.append(replace(route, state="Invalid") if invalid else route)
    return settled


def _private_endpoint_overridden(route: EffectiveRoute, user: list[EffectiveRoute],
                                 topo: Topology) -> bool:
    """A User route takes over a private endpoint's /32 only when the endpoint's subnet has
    network policies for route tables, and the route is at least as long as the endpoint
    VNet's range that holds the IP; 0.0.0.0/0 never does (azure-rules.md 4)."""
    pe = next(p for p in topo.design.private_endpoints if p.name == route.private_endpoint)
    policies = topo.subnets[pe.subnet].subnet.private_endpoint_network_policies
    if policies not in ("Enabled", "RouteTableEnabled"):
        return False
    assert route.network is not None
    address = route.network.network_address
    vnet = topo.subnets[pe.subnet].vnet
    holding = [parse_network(s) for s in vnet.address_space if address in parse_network(s)]
    floor = min((n.prefixlen for n in holding), default=32)
    return any(
        u.network is not None and u.network.prefixlen > 0 and address in u.network
        and u.network.prefixlen >= floor
        for u in user
    )


def _prefix_key(route: EffectiveRoute) -> object:
    return route.network if route.network is not None else route.address_prefix
