"""Effective routes of a subnet and the choice of route for a destination.

Follows reference/azure-rules.md sections 1 to 4. Destinations are either an IP address
(a private endpoint, a firewall) or an Azure service's public endpoint, whose addresses
flowdocs does not know: they are some public addresses. Such a destination is reasoned about
with sets: a service tag or a service endpoint covers its service; the CIDR routes cover the
public address space together (0.0.0.0/0 alone, or the split 0.0.0.0/1 + 128.0.0.0/1), and
when they send different parts of it to different next hops, which part holds the service is
unknown: flowdocs assumes the largest and says so (finding FD010).
"""

from __future__ import annotations

import bisect
import functools
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Literal, NamedTuple

from flowdocs.load.catalog import Catalog
from flowdocs.load.model import RouteTable
from flowdocs.resolve.gateway_routes import learned_routes
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

# IPv4 ranges that are not public, unicast and globally reachable, so hold no Azure service's
# public endpoint: IANA IPv4 Special-Purpose Address Registry (RFC 6890), plus multicast
# (RFC 5771) and the reserved 240.0.0.0/4. Everything else is "the public address space".
NOT_PUBLIC_PREFIXES = (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15",
    "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
)
# A CIDR route this wide (/8 or shorter) is assumed to be wider than every prefix that a
# service tag or a service endpoint stands for (Azure's service tags list far longer
# prefixes), so the tag or endpoint wins by longest prefix, as it does over 0.0.0.0/0 and
# over the split 0.0.0.0/1 + 128.0.0.0/1 (azure-rules.md 2, "Corrections"). A longer public
# CIDR route may or may not hold some of the service's addresses: that is unknown.
WIDEST_UNKNOWN_PREFIX = 8

# Rank of a service-tag route among routes that cover the same service (azure-rules.md 3):
# regional tag > global tag > AzureCloud.<region> > AzureCloud. A service endpoint route has
# "the same prefixes" as the tags of its service, so between the two the source decides.
TAG_RANK_AZURECLOUD, TAG_RANK_AZURECLOUD_REGIONAL, TAG_RANK_GLOBAL, TAG_RANK_REGIONAL = 1, 2, 3, 4


@dataclass(frozen=True)
class ServiceDestination:
    """The public endpoint of an Azure service, by service tag (e.g. `Storage`), in `region`
    (an Azure region name such as `westeurope`).

    `region` None: the service is in the region of the subnet whose routes are consulted
    (its VNet's `region`, else the design's). Regional service tags and service endpoints
    cover the destination only when their regions include the service's.
    """

    service: str
    region: str | None = None

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
    regions: frozenset[str] | None  # None: every region
    rank: int
    # Whether it covers a service whose region is unknown: a service endpoint does (the
    # service is assumed in the subnet's own region), a regional tag does not.
    covers_unknown_region: bool = False

    def covers(self, service: str, region: str | None) -> bool:
        """Whether it holds the public prefixes of `service` in `region`."""
        if self.service is not None and self.service != service:
            return False
        if self.regions is None:
            return True
        return self.covers_unknown_region if region is None else region in self.regions

    def includes(self, other: ServiceScope) -> bool:
        """Whether every prefix of `other` is also one of this scope's."""
        if self.service is not None and self.service != other.service:
            return False
        if self.regions is None:
            return True
        return other.regions is not None and other.regions <= self.regions


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
    # A route with several next hops (ECMP: a gateway's instances, a Route Server's peers)
    # is one row per next hop, each with its own `next_hop_ip`; every row names them all.
    next_hops: tuple[str, ...] = ()
    route_server: str | None = None  # VirtualNetworkGateway: the Route Server that set it
    private_endpoint: str | None = None  # InterfaceEndpoint: the private endpoint
    note: str | None = None  # why Azure shows the route differently from how it was written
    origin: tuple[str | int, ...] | None = None  # design path of a User route, for diagnostics

    def covers(self, destination: Destination, region: str | None) -> bool:
        """Whether the route certainly covers `destination`; `region` is the service's (for
        a service destination), None if unknown. A CIDR route covers every service only as
        0.0.0.0/0; other CIDRs are judged together, by `public_cover`."""
        if isinstance(destination, AddressDestination):
            return self.network is not None and destination.address in self.network
        if self.scope is not None:
            return self.scope.covers(destination.service, region)
        return self.network == DEFAULT_ROUTE

    @property
    def hop_ips(self) -> str | None:
        """The next hop IPs as one text: all of an ECMP route's, else its own."""
        return ", ".join(self.next_hops) if self.next_hops else self.next_hop_ip

    @property
    def outcome(self) -> tuple[str, str | None, str | None]:
        """Where the route sends traffic: routes with the same outcome are interchangeable
        (the rows of one ECMP route among them)."""
        return (self.next_hop_type, self.hop_ips, self.gateway)

    def label(self) -> str:
        """The route in one line, as `reason` shows it."""
        where = self.source if self.table is None else f"{self.source}, {self.table}/{self.name}"
        ips = self.hop_ips
        hop = f"{self.next_hop_type} {ips}" if ips else self.next_hop_type
        return f"{self.address_prefix} ({where}) -> {hop}"


class CoverShare(NamedTuple):
    """A CIDR route and how many public IPv4 addresses it is the chosen route for."""

    route: EffectiveRoute
    addresses: int


@dataclass(frozen=True)
class ServiceChoice:
    """The route a service destination takes, and the routes that might take it instead.

    `contenders` send some public addresses elsewhere than `route` does; whether the service's
    addresses are among them is unknown. Empty: the choice does not depend on where the
    service's addresses are.
    """

    route: EffectiveRoute | None
    contenders: tuple[EffectiveRoute, ...] = ()


@dataclass
class RouteTableView:
    """A subnet's effective routes, with what selection needs precomputed."""

    routes: list[EffectiveRoute]
    key: ViewKey
    region: str | None = None  # the region of the subnet's VNet

    @property
    def active(self) -> list[EffectiveRoute]:
        return [r for r in self.routes if r.state == "Active"]

    @cached_property
    def service_routes(self) -> list[EffectiveRoute]:
        """The routes that can cover a service's public endpoint: service tags and service
        endpoints, and the CIDR routes of the public address space."""
        return [r for r in self.routes if r.scope is not None or _may_hold_services(r)]

    @cached_property
    def public_cover(self) -> tuple[CoverShare, ...]:
        """The active CIDR routes that some public address takes, largest share first."""
        return public_cover(self.routes)


def parse_service_tag(prefix: str, catalog: Catalog) -> ServiceScope | None:
    """`Storage`, `Storage.WestEurope`, `AzureCloud`, `AzureCloud.WestEurope`; None if not a
    tag of the catalog. A regional tag holds the service's prefixes in that region only."""
    base, _, region = prefix.partition(".")
    if base not in catalog.service_tags:
        return None
    regions = frozenset({region.lower()}) if region else None
    if base == "AzureCloud":
        rank = TAG_RANK_AZURECLOUD_REGIONAL if regions else TAG_RANK_AZURECLOUD
        return ServiceScope(None, regions, rank)
    return ServiceScope(base, regions, TAG_RANK_REGIONAL if regions else TAG_RANK_GLOBAL)


def service_endpoint_scope(name: str, region: str | None, catalog: Catalog) -> ServiceScope:
    """What the route of service endpoint `name` holds on a subnet in `region`: its service in
    that region (and its paired region when the catalog says so), or in every region
    (virtual-network-service-endpoints-overview). A subnet whose region is not known cannot
    tell: flowdocs assumes its regional endpoints cover the service wherever it is."""
    kind = catalog.service_endpoints[name]
    regions: frozenset[str] | None = None
    if kind.scope == "regional" and region is not None:
        pair = catalog.region_pairs.get(region) if kind.paired else None
        regions = frozenset({region, pair} if pair else {region})
    return ServiceScope(kind.service, regions, 0, covers_unknown_region=True)


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
        self._service_choices: dict[tuple[ViewKey, str, str | None], ServiceChoice] = {}
        self._reach: dict[tuple[ViewKey, str], EffectiveRoute | None] = {}
        self._user: dict[tuple[str, str | None], list[EffectiveRoute]] = {}

    # -- effective routes ---------------------------------------------------------------

    def effective_routes(self, subnet: SubnetRef) -> RouteTableView:
        """The subnet's effective route table (azure-rules.md 1), cached per distinct input."""
        key: ViewKey = (subnet.vnet.name, subnet.subnet.route_table,
                        tuple(subnet.subnet.service_endpoints))
        view = self._tables.get(key)
        if view is None:
            region = self.topology.region_of(subnet.vnet.name)
            view = RouteTableView(self._build(subnet, region), key, region)
            self._tables[key] = view
        return view

    def _build(self, subnet: SubnetRef, region: str | None) -> list[EffectiveRoute]:
        topo = self.topology
        vnet = subnet.vnet
        table = topo.route_tables.get(subnet.subnet.route_table or "")
        routes: list[EffectiveRoute] = []
        spaces = [parse_network(s) for s in vnet.address_space]
        for space in spaces:
            routes.append(_default(str(space), "VnetLocal", network=space))
        routes.append(_default("0.0.0.0/0", "Internet", network=DEFAULT_ROUTE))
        routes.extend(_reserved_none_routes(spaces, table))
        for peering, remote in topo.peerings_by_vnet.get(vnet.name, []):
            for remote_space in topo.vnets[remote].address_space:
                routes.append(
                    _default(remote_space, "VNetPeering", network=parse_network(remote_space),
                             remote_vnet=remote, peering_id=peering.id)
                )
        for endpoint in subnet.subnet.service_endpoints:
            # Every service endpoint adds its route on the subnet that enables it, whether or
            # not a flow reaches its service (azure-rules.md 1, "Corrections").
            if endpoint in self.catalog.service_endpoints:
                routes.append(
                    EffectiveRoute("Default", endpoint, "VirtualNetworkServiceEndpoint",
                                   scope=service_endpoint_scope(endpoint, region, self.catalog))
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
        return _settle_states(routes, topo)

    def _bgp_routes(self, vnet: str) -> list[EffectiveRoute]:
        """The routes gateways and Route Servers program, one row per next hop."""
        found: list[EffectiveRoute] = []
        for learned in learned_routes(self.topology, vnet):
            gateway, server = learned.gateway, learned.route_server
            for ip in learned.next_hops or (None,):
                found.append(
                    EffectiveRoute("VirtualNetworkGateway", learned.prefix,
                                   "VirtualNetworkGateway", ip,
                                   network=parse_network(learned.prefix),
                                   gateway=gateway.name if gateway else None,
                                   gateway_vnet=gateway.vnet if gateway else None,
                                   next_hops=learned.next_hops,
                                   route_server=server.name if server else None)
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
        """The route Azure uses for `destination` from a subnet with effective routes `view`
        (azure-rules.md 2 and 3); None when no route covers it.

        A `ServiceDestination` without a region is taken to be in the view's region. When
        where the service's addresses lie decides between routes, the documented assumption
        of `service_choice` picks one.
        """
        if isinstance(destination, ServiceDestination):
            return self.service_choice(view, destination).route
        key = (view.key, destination)
        if key not in self._choices:
            self._choices[key] = select_route(view.routes, destination, view.region)
        return self._choices[key]

    def service_choice(self, view: RouteTableView,
                       destination: ServiceDestination) -> ServiceChoice:
        """The route a service's public endpoint takes, with the routes that might take it
        instead (see `choose_service_route`)."""
        region = destination.region or view.region
        key = (view.key, destination.service, region)
        choice = self._service_choices.get(key)
        if choice is None:
            choice = choose_service_route(view.service_routes, destination.service, region,
                                          view.public_cover)
            self._service_choices[key] = choice
        return choice

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
    endpoint routes win over BGP routes whatever their length. `region`: where a service
    destination without its own region is."""
    if isinstance(destination, ServiceDestination):
        service_region = destination.region or region
        return choose_service_route(routes, destination.service, service_region,
                                    public_cover(routes)).route
    candidates = [r for r in routes if r.state == "Active" and r.covers(destination, region)]
    if any(r.next_hop_type in BEATS_BGP for r in candidates):
        candidates = [r for r in candidates if r.source != "VirtualNetworkGateway"]
    if not candidates:
        return None
    return max(candidates, key=_address_specificity)


def _address_specificity(route: EffectiveRoute) -> tuple[int, int, int]:
    assert route.network is not None
    # A reserved None row loses a tie on its exact prefix: a peered VNet whose range is
    # exactly 192.168.0.0/16 is reached over the peering (the None row only stands for
    # addresses in no network). Azure does not document the tie; flowdocs assumes this.
    reserved = route.source == "Default" and route.next_hop_type == "None"
    return (route.network.prefixlen, SOURCE_PRIORITY[route.source], 0 if reserved else 1)


def choose_service_route(routes: Iterable[EffectiveRoute], service: str, region: str | None,
                         cover: tuple[CoverShare, ...]) -> ServiceChoice:
    """The route to `service` in `region` (None: unknown), given the routes that may hold
    services and the public cover of the table's CIDR routes (azure-rules.md 2 and 3).

    1. A service tag or service endpoint route that holds the service wins over the CIDR
       routes whose prefixes are all wider than the service's (0.0.0.0/0, the split /1s,
       any route of /8 or shorter): longest prefix. Among such routes the source decides
       (User over Default), then the tag's rank.
    2. Otherwise the CIDR routes decide. Every public address takes exactly one of them, so
       when all the routes of the public cover send traffic to one next hop, every service
       goes there (0.0.0.0/1 and 128.0.0.0/1 to one appliance are 0.0.0.0/0 to it). When they
       differ, the service's path depends on addresses flowdocs does not know: it assumes the
       service lies in the next hop's share that holds the most public addresses, and names
       the other routes as contenders (finding FD010).
    """
    symbolic = [r for r in routes if r.scope is not None and r.state == "Active"
                and r.scope.covers(service, region)]
    if symbolic:
        chosen = max(symbolic, key=_symbolic_specificity)
        contenders = tuple(share.route for share in cover
                           if share.route.network is not None
                           and share.route.network.prefixlen > WIDEST_UNKNOWN_PREFIX
                           and share.route.outcome != chosen.outcome)
        return ServiceChoice(chosen, contenders)
    if not cover:
        return ServiceChoice(None)
    totals: dict[tuple[str, str | None, str | None], int] = {}
    for share in cover:
        totals[share.route.outcome] = totals.get(share.route.outcome, 0) + share.addresses
    # `cover` is largest share first: max keeps the first of equal totals, so ties go to the
    # outcome of the larger single route.
    outcome = max(totals, key=lambda o: totals[o])
    chosen = next(share.route for share in cover if share.route.outcome == outcome)
    contenders = tuple(share.route for share in cover if share.route.outcome != outcome)
    return ServiceChoice(chosen, contenders)


def _symbolic_specificity(route: EffectiveRoute) -> tuple[int, int]:
    # Symbolic prefixes are "the same prefixes" among themselves: the source decides, then
    # the tag's rank (azure-rules.md 3).
    assert route.scope is not None
    return (SOURCE_PRIORITY[route.source], route.scope.rank)


def _may_hold_services(route: EffectiveRoute) -> bool:
    """A CIDR route that can carry traffic to a service's public endpoint: 0.0.0.0/0, and
    any User or BGP route. Default routes of VNets, peerings, private endpoints and the
    reserved ranges hold private or customer addresses, not Azure's."""
    network = route.network
    if network is None or network.version != 4:
        return False
    return network.prefixlen == 0 or route.source != "Default"


_NOT_PUBLIC = tuple(ipaddress.IPv4Network(p) for p in NOT_PUBLIC_PREFIXES)


@functools.cache
def holds_public_addresses(network: Network) -> bool:
    """Whether some address of `network` is public (where a service's endpoint may be).
    0.0.0.0/1 does, though it starts in the non-public 0.0.0.0/8."""
    if network.version != 4:
        return network.is_global
    return _Claimed(_NOT_PUBLIC).claim(int(network.network_address),
                                       int(network.broadcast_address) + 1) > 0


def public_cover(routes: Iterable[EffectiveRoute]) -> tuple[CoverShare, ...]:
    """The active CIDR routes that public IPv4 addresses take, each with the number of public
    addresses for which it is the longest matching route; largest share first, then by
    address. Prefixes nest or are disjoint, so claiming the longest first leaves each route
    exactly the addresses it wins."""
    best: dict[Network, EffectiveRoute] = {}
    for route in routes:
        if route.state != "Active" or not _may_hold_services(route):
            continue
        assert route.network is not None
        held = best.get(route.network)
        if held is None or SOURCE_PRIORITY[route.source] > SOURCE_PRIORITY[held.source]:
            best[route.network] = route
    claimed = _Claimed(_NOT_PUBLIC)
    shares: list[CoverShare] = []
    for network in sorted(best, key=lambda n: (-n.prefixlen, int(n.network_address))):
        won = claimed.claim(int(network.network_address), int(network.broadcast_address) + 1)
        if won:
            shares.append(CoverShare(best[network], won))
    shares.sort(key=lambda s: (-s.addresses, _start(s.route)))
    return tuple(shares)


def _start(route: EffectiveRoute) -> int:
    assert route.network is not None
    return int(route.network.network_address)


class _Claimed:
    """Disjoint address intervals already taken, sorted; each claim takes what is left of a
    CIDR. Works because CIDRs nest or are disjoint."""

    def __init__(self, networks: Iterable[ipaddress.IPv4Network]) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        for network in sorted(networks, key=lambda n: int(n.network_address)):
            self.claim(int(network.network_address), int(network.broadcast_address) + 1)

    def claim(self, start: int, end: int) -> int:
        """Take [start, end); the number of addresses not taken before."""
        # An earlier interval that contains the whole CIDR leaves nothing.
        at = bisect.bisect_right(self.starts, start) - 1
        if at >= 0 and self.ends[at] >= end:
            return 0
        first = bisect.bisect_left(self.starts, start)
        last = bisect.bisect_left(self.starts, end)
        taken = sum(self.ends[i] - self.starts[i] for i in range(first, last))
        self.starts[first:last] = [start]
        self.ends[first:last] = [end]
        return end - start - taken


def _reserved_none_routes(spaces: list[Network], table: RouteTable | None) -> list[EffectiveRoute]:
    """The reserved ranges' None rows (azure-rules.md 1; virtual-networks-udr-overview).

    A VNet range equal to a reserved prefix turns its row into the VnetLocal one; a range
    that contains the whole prefix removes it. A range inside it (10.1.0.0/16 in 10.0.0.0/8)
    changes nothing: the None row stays, as every real table shows. A User 0.0.0.0/0 route
    removes all of them (Learn's routing example: "Azure removed the routes for the
    10.0.0.0/8, 192.168.0.0/16, and 100.64.0.0/10 address prefixes ... when the user-defined
    route for the 0.0.0.0/0 address prefix was added").
    """
    if table is not None and any(r.address_prefix == "0.0.0.0/0" for r in table.routes):
        return []
    return [_default(text, "None", network=reserved) for text, reserved in _RESERVED_NONE
            if not any(isinstance(s, ipaddress.IPv4Network) and s.supernet_of(reserved)
                       for s in spaces)]


def _default(prefix: str, next_hop: str, *, network: Network, remote_vnet: str | None = None,
             peering_id: str | None = None) -> EffectiveRoute:
    return EffectiveRoute("Default", prefix, next_hop, network=network, remote_vnet=remote_vnet,
                          peering=peering_id)


def _settle_states(routes: list[EffectiveRoute], topo: Topology) -> list[EffectiveRoute]:
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
            # A User service-tag route holding every prefix of the endpoint's route displaces
            # it (User over Default on the same prefixes). A regional tag holds only part of
            # them: the endpoint's row stays Active and selection decides per region.
            invalid = any(u.scope is not None and route.scope is not None
                          and u.scope.includes(route.scope) for u in user)
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
