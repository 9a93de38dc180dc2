"""A design's predicted effective routes checked against Azure's real ones (`flowdocs verify`).

Two questions per real table (one NIC's `az network nic show-effective-route-table`):

1. **Row by row**: does each predicted row appear, with the same source, state, address
   prefixes, next hop type and next hop IP? Rows a design cannot express are compared as
   docs/routing-rules.md says ("What real tables show that flowdocs does not"): a service
   endpoint row without its prefixes (Azure lists the service's public ranges, flowdocs names
   the endpoint), a gateway row whose next hops the design does not state (a gateway without
   `instances`, an ExpressRoute gateway) with any next hop IPs, a User route to a service tag
   by its name (Azure lists the tag's ranges). A BGP route with several next hops (ECMP: a
   gateway's instances, a Route Server's peers) is one route, whether Azure prints a row per
   next hop or one row with all of them: its rows are compared as one, by their set of next
   hops. Reserved `None` rows beyond the documented four come and go in Azure's output: they
   are counted, not reported.
2. **Flow by flow**: route selection (resolve/routing.py) run on the *real* rows, for each
   flow that chooses a route in that subnet, from its workload or from a firewall on its way:
   does the real table send it to the same next hop (type and IP) as the page says?

Pure: the tables are read by `flowdocs.load.effective_routes`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal, cast

from flowdocs.load.catalog import Catalog
from flowdocs.load.diagnostics import did_you_mean
from flowdocs.load.effective_routes import RealRoute, RealRouteTable
from flowdocs.resolve.flows import Flow, Hop, Resolution
from flowdocs.resolve.routing import (
    RESERVED_NONE_PREFIXES,
    AddressDestination,
    Destination,
    EffectiveRoute,
    ServiceDestination,
    Source,
    choose_service_route,
    is_cidr,
    parse_service_tag,
    public_cover,
    select_route,
)
from flowdocs.resolve.topology import Topology

Verdict = Literal["agrees", "differs", "unknown"]
GATEWAY = "VirtualNetworkGateway"
SERVICE_ENDPOINT = "VirtualNetworkServiceEndpoint"
# Azure's name for a peering across regions; a design's routes say VNetPeering for both
# (unconfirmed in Azure's documentation: read as the same next hop).
SAME_HOP = {"VNetGlobalPeering": "VNetPeering"}
DOCUMENTED_RESERVED = frozenset(RESERVED_NONE_PREFIXES)


@dataclass(frozen=True)
class Row:
    """A route row as compared; predicted and real rows are both read into this shape."""

    source: str
    state: str
    prefixes: tuple[str, ...]
    next_hop_type: str
    next_hop_ips: tuple[str, ...]

    @property
    def hop(self) -> tuple[str, tuple[str, ...]]:
        """Where the row sends traffic: its next hop type and set of next hop IPs; a None
        row drops the traffic whatever IP it was written with."""
        kind = SAME_HOP.get(self.next_hop_type, self.next_hop_type)
        return kind, () if kind == "None" else tuple(sorted(set(self.next_hop_ips)))

    def agrees_with(self, real: Row) -> bool:
        """Whether this predicted row is the real one. The prefixes are compared by the key
        rows are matched on (`_key`)."""
        return (self.source, self.state) == (real.source, real.state) \
            and same_hop(self.hop, real.hop)

    def describe(self) -> str:
        """`VirtualAppliance 10.0.1.4 (User, Active)`."""
        hop = " ".join([self.next_hop_type, ", ".join(self.hop[1])]).strip()
        return f"{hop} ({self.source}, {self.state})"


@dataclass(frozen=True)
class RowDifference:
    """A predicted row the real table lacks or shows otherwise, or a real row not predicted."""

    subject: str  # `route 10.0.0.0/8`, `service endpoint Microsoft.Storage`
    predicted: Row | None
    real: Row | None

    def line(self, where: str) -> str:
        return (f"{where}: {self.subject}: predicted {_described(self.predicted)}, "
                f"real {_described(self.real)}")


@dataclass(frozen=True)
class FlowCheck:
    """The route a flow takes from one subnet: as predicted, and by the real table."""

    number: int
    flow: str  # workload/service
    node: str  # where the route is chosen: the workload, or a firewall on the way
    destination: str
    predicted: EffectiveRoute | None
    real: EffectiveRoute | None
    verdict: Verdict
    contenders: tuple[EffectiveRoute, ...] = ()  # real routes that may take it instead
    note: str = ""

    def line(self, where: str) -> str:
        text = (f"{where}: flow {self.number} {self.flow} at {self.node}: predicted "
                f"{route_text(self.predicted)}, real {route_text(self.real)}")
        return f"{text} ({self.note})" if self.note else text


@dataclass(frozen=True)
class TableCheck:
    """One real table (one NIC) against its subnet's predicted routes."""

    subnet: str
    file: str
    where: str  # how difference lines name it: the subnet, with the file when it repeats
    agreed: int  # rows that agree
    differences: tuple[RowDifference, ...]
    ignored: tuple[Row, ...]  # undocumented reserved None rows
    flows: tuple[FlowCheck, ...]

    def difference_lines(self) -> list[str]:
        return [*(d.line(self.where) for d in self.differences),
                *(f.line(self.where) for f in self.flows if f.verdict != "agrees")]


@dataclass(frozen=True)
class Verification:
    design: str
    title: str
    tables: tuple[TableCheck, ...]

    def difference_lines(self) -> list[str]:
        """Every difference, one line each, table by table."""
        return [line for table in self.tables for line in table.difference_lines()]

    @property
    def agrees(self) -> bool:
        return not self.difference_lines()


def subnet_problems(topology: Topology, subnets: Iterable[str]) -> list[str]:
    """What is wrong with the subnets named for verification, one message each."""
    return [f"no subnet '{s}' in the design{did_you_mean(s, topology.subnets)}"
            for s in dict.fromkeys(subnets) if s not in topology.subnets]


def verify(resolution: Resolution, tables: Sequence[RealRouteTable]) -> Verification:
    """Each real table against its subnet's predicted routes, in the order given. Every
    subnet must be one of the design's (`subnet_problems`)."""
    counts: dict[str, int] = {}
    for table in tables:
        counts[table.subnet] = counts.get(table.subnet, 0) + 1
    checks = tuple(_check_table(resolution, table, table.subnet if counts[table.subnet] == 1
                                else f"{table.subnet} ({table.file})") for table in tables)
    design = resolution.design
    return Verification(design.name, design.title, checks)


def _check_table(resolution: Resolution, table: RealRouteTable, where: str) -> TableCheck:
    topology, router = resolution.topology, resolution.router
    subnet = topology.subnets[table.subnet]
    view = router.effective_routes(subnet)
    comparison = _RowComparison(view.routes, table.routes)
    real_routes = _real_routes(merge_ecmp(table.routes), comparison.identities, router.catalog)
    flows = _FlowChecker(resolution, real_routes, comparison.unidentified_endpoints,
                         topology.region_of(subnet.vnet.name)).check(table.subnet)
    return TableCheck(table.subnet, table.file, where, comparison.agreed,
                      tuple(comparison.differences), tuple(comparison.ignored), tuple(flows))


# -- row by row --------------------------------------------------------------------------------


def same_hop(predicted: tuple[str, tuple[str, ...]], real: tuple[str, tuple[str, ...]]
             ) -> bool:
    """Whether a predicted next hop (type, IPs) is the real one. A gateway route predicted
    without next hop IPs takes any: the design does not state them (docs/routing-rules.md)."""
    if predicted[0] == GATEWAY and not predicted[1]:
        return real[0] == GATEWAY
    return predicted == real


def predicted_row(route: EffectiveRoute) -> Row:
    ips = route.next_hops or ((route.next_hop_ip,) if route.next_hop_ip else ())
    return Row(route.source, route.state, (route.address_prefix,), route.next_hop_type, ips)


def real_row(route: RealRoute) -> Row:
    return Row(route.source, route.state, route.address_prefixes, route.next_hop_type,
               route.next_hop_ips)


Key = tuple[str, ...]


class _RowComparison:
    """Matches predicted rows with real ones by key, then compares each pair.

    Keys: a service endpoint row is matched by kind alone (its real prefixes do not name
    the service); a User route to a service tag by its name; every other row by source and
    prefixes. Rows of one key are paired equal ones first, then in order.
    """

    def __init__(self, predicted: Sequence[EffectiveRoute], real: Sequence[RealRoute]) -> None:
        self.agreed = 0
        self.differences: list[RowDifference] = []
        self.ignored: list[Row] = []
        # Real service endpoint and service-tag rows, by index, with the predicted route
        # they were matched with: they take its symbolic scope for route selection.
        self.identities: dict[int, EffectiveRoute] = {}
        self.unidentified_endpoints = 0
        tags = {r.name for r in predicted if _is_tag_route(r) and r.name}
        groups: dict[Key, tuple[list[tuple[int, EffectiveRoute]], list[RealRoute]]] = {}
        for index, route in enumerate(predicted):
            if route.next_hops and route.next_hop_ip != route.next_hops[0]:
                continue  # an ECMP route is compared once, by its first row (`predicted_row`)
            groups.setdefault(_predicted_key(route), ([], []))[0].append((index, route))
        for row in merge_ecmp(real):
            groups.setdefault(_real_key(row, tags), ([], []))[1].append(row)
        ordered: list[tuple[tuple[int, int], RowDifference]] = []
        for key, (wanted, found) in groups.items():
            ordered += self._pair(key, wanted, found)
        self.differences = [d for _, d in sorted(ordered, key=lambda pair: pair[0])]

    def _pair(self, key: Key, wanted: list[tuple[int, EffectiveRoute]],
              found: list[RealRoute]) -> list[tuple[tuple[int, int], RowDifference]]:
        left = list(found)
        unmatched: list[tuple[int, EffectiveRoute]] = []
        for index, route in wanted:
            row = predicted_row(route)
            same = next((r for r in left if row.agrees_with(real_row(r))), None)
            if same is None:
                unmatched.append((index, route))
                continue
            left.remove(same)
            self.agreed += 1
            self._identify(key, same, route)
        differences: list[tuple[tuple[int, int], RowDifference]] = []
        for (index, route), other in zip(unmatched, left, strict=False):
            self._identify(key, other, route)
            differences.append(((0, index), RowDifference(
                _subject(route, other), predicted_row(route), real_row(other))))
        for index, route in unmatched[len(left):]:
            differences.append(((0, index), RowDifference(_subject(route, None),
                                                          predicted_row(route), None)))
        for other in left[len(unmatched):]:
            if key[0] == "endpoint":
                self.unidentified_endpoints += other.state == "Active"
            if _undocumented_reserved(other):
                self.ignored.append(real_row(other))
            else:
                differences.append(((1, other.index), RowDifference(_subject(None, other), None,
                                                                   real_row(other))))
        return differences

    def _identify(self, key: Key, real: RealRoute, route: EffectiveRoute) -> None:
        if key[0] in ("endpoint", "tag"):
            self.identities[real.index] = route


def merge_ecmp(rows: Sequence[RealRoute]) -> list[RealRoute]:
    """The real rows with each BGP route's rows as one: Azure prints a route with several
    next hops (an active-active gateway's instances, a Route Server's peers) as one row per
    next hop, and a row may also list several. The merged row keeps the first row's place."""
    merged: dict[tuple[object, ...], RealRoute] = {}
    out: list[RealRoute] = []
    for row in rows:
        if row.source != GATEWAY:
            out.append(row)
            continue
        key = (row.state, tuple(sorted(row.address_prefixes)), row.next_hop_type, row.name)
        first = merged.get(key)
        if first is None:
            merged[key] = row
            out.append(row)
            continue
        ips = (*first.next_hop_ips, *(ip for ip in row.next_hop_ips
                                      if ip not in first.next_hop_ips))
        combined = replace(first, next_hop_ips=ips)
        out[out.index(first)] = merged[key] = combined
    return out


def _is_tag_route(route: EffectiveRoute) -> bool:
    return route.scope is not None and route.next_hop_type != SERVICE_ENDPOINT


def _predicted_key(route: EffectiveRoute) -> Key:
    if route.next_hop_type == SERVICE_ENDPOINT:
        return ("endpoint",)
    if _is_tag_route(route):
        return ("tag", route.name or route.address_prefix)
    return ("route", route.source, route.address_prefix)


def _real_key(route: RealRoute, tags: set[str]) -> Key:
    if route.next_hop_type == SERVICE_ENDPOINT:
        return ("endpoint",)
    if route.source == "User" and route.name in tags:
        return ("tag", route.name)
    return ("route", route.source, *sorted(route.address_prefixes))


def _subject(predicted: EffectiveRoute | None, real: RealRoute | None) -> str:
    if predicted is not None:
        if predicted.next_hop_type == SERVICE_ENDPOINT:
            return f"service endpoint {predicted.address_prefix}"
        return f"route {predicted.address_prefix}"
    assert real is not None
    prefixes = real.address_prefixes
    if real.next_hop_type == SERVICE_ENDPOINT:
        more = f" (+{len(prefixes) - 1} more prefixes)" if len(prefixes) > 1 else ""
        return f"service endpoint route {prefixes[0]}{more}"
    return f"route {', '.join(prefixes)}"


def _undocumented_reserved(route: RealRoute) -> bool:
    """A reserved None row beyond the documented four (docs/routing-rules.md)."""
    return (route.source == "Default" and route.next_hop_type == "None"
            and not DOCUMENTED_RESERVED.intersection(route.address_prefixes))


def _described(row: Row | None) -> str:
    return "absent" if row is None else row.describe()


# -- the real rows as effective routes ---------------------------------------------------------


def _real_routes(rows: Sequence[RealRoute], identities: dict[int, EffectiveRoute],
                 catalog: Catalog) -> list[EffectiveRoute]:
    """The real rows as `EffectiveRoute`s, for route selection: one per CIDR prefix; a
    service endpoint or service-tag row matched with a predicted one takes its symbolic scope
    (flowdocs reasons about service prefixes symbolically); an unmatched service endpoint row
    covers nothing flowdocs can name."""
    routes: list[EffectiveRoute] = []
    for row in rows:
        source = cast(Source, row.source)
        state = cast(Literal["Active", "Invalid"], row.state)
        hop = SAME_HOP.get(row.next_hop_type, row.next_hop_type)
        ip = ", ".join(row.next_hop_ips) or None
        ecmp = row.next_hop_ips if len(row.next_hop_ips) > 1 else ()
        known = identities.get(row.index)
        if known is not None or row.next_hop_type == SERVICE_ENDPOINT:
            prefix = known.address_prefix if known else ", ".join(row.address_prefixes)
            routes.append(EffectiveRoute(source, prefix, hop, ip, state, name=row.name,
                                         scope=known.scope if known else None))
            continue
        for prefix in row.address_prefixes:
            network = ipaddress.ip_network(prefix) if is_cidr(prefix) else None
            scope = None if network else parse_service_tag(prefix, catalog)
            routes.append(EffectiveRoute(source, prefix, hop, ip, state, name=row.name,
                                         network=network, scope=scope, next_hops=ecmp))
    return routes


# -- flow by flow ------------------------------------------------------------------------------


class _FlowChecker:
    """Route selection on the real rows for each flow that chooses a route in one subnet."""

    def __init__(self, resolution: Resolution, real: list[EffectiveRoute],
                 unidentified_endpoints: int, region: str | None) -> None:
        self.resolution = resolution
        self.real = real
        self.unidentified_endpoints = unidentified_endpoints
        self.region = region
        self.cover = public_cover(real)
        catalog = resolution.router.catalog
        self.with_endpoints = {kind.service for kind in catalog.service_endpoints.values()}
        self.workload_subnets = {w.name: w.subnet for w in resolution.design.workloads}

    def check(self, subnet: str) -> list[FlowCheck]:
        return [self._check(flow, hop) for flow in self.resolution.flows
                for hop in flow.hops if hop.route is not None and self._subnet(hop) == subnet]

    def _subnet(self, hop: Hop) -> str | None:
        if hop.kind == "workload":
            return self.workload_subnets.get(hop.node)
        if hop.kind == "firewall":
            return self.resolution.topology.firewalls[hop.node].subnet
        return None

    def _check(self, flow: Flow, hop: Hop) -> FlowCheck:
        destination = self._destination(flow)
        contenders: tuple[EffectiveRoute, ...] = ()
        if isinstance(destination, ServiceDestination):
            choice = choose_service_route(self.real, destination.service,
                                          destination.region or self.region, self.cover)
            real, contenders = choice.route, choice.contenders
        else:
            real = select_route(self.real, destination, self.region)
        verdict: Verdict = "agrees" if _same_outcome(hop.route, real) else "differs"
        note = ""
        if self._may_take(destination, real):
            verdict = "unknown"
            note = (f"the real table has a service endpoint route the design does not have; "
                    f"if it is {destination}'s, it takes the flow")
        return FlowCheck(flow.number, flow.id, hop.node, str(destination), hop.route, real,
                         verdict, contenders, note)

    def _may_take(self, destination: Destination, real: EffectiveRoute | None) -> bool:
        """Whether a real service endpoint row the design does not name may be the flow's:
        one of a service that has service endpoints, unless a User service-tag route, which
        beats any service endpoint, takes the flow."""
        if not self.unidentified_endpoints or not isinstance(destination, ServiceDestination):
            return False
        if destination.service not in self.with_endpoints:
            return False
        return not (real is not None and real.scope is not None and real.source == "User")

    def _destination(self, flow: Flow) -> Destination:
        if flow.private_endpoint is not None:
            ips = self.resolution.topology.private_endpoint_ips
            return AddressDestination(ips[flow.private_endpoint])
        return ServiceDestination(flow.service, flow.region)


def _same_outcome(predicted: EffectiveRoute | None, real: EffectiveRoute | None) -> bool:
    """Whether the real route sends the flow where the predicted one does: next hop type and
    IPs (every next hop of an ECMP route), compared as `same_hop` compares rows."""
    if predicted is None or real is None:
        return predicted is real
    return same_hop(_hop(predicted), _hop(real))


def _hop(route: EffectiveRoute) -> tuple[str, tuple[str, ...]]:
    ips = route.next_hops or (tuple(route.next_hop_ip.split(", ")) if route.next_hop_ip
                              else ())
    return Row(route.source, route.state, (), route.next_hop_type, ips).hop


def route_text(route: EffectiveRoute | None) -> str:
    """`0.0.0.0/0 (User, rt-spoke/default-via-firewall) -> VirtualAppliance 10.0.1.4`; a
    real route names its User route without a table (Azure does not say which)."""
    if route is None:
        return "no route"
    if route.table is None and route.name:
        where = f"{route.source}, {route.name}"
        hop = f"{route.next_hop_type} {route.next_hop_ip}" if route.next_hop_ip \
            else route.next_hop_type
        return f"{route.address_prefix} ({where}) -> {hop}"
    return route.label()
