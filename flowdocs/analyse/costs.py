"""What a design's backup traffic costs per month, at list prices, and how much throughput
each firewall or NVA must carry (azure-rules.md 7).

Volumes: a workload's `daily_gb` is carried by its data flows (number 2). Management flows
(number 1: tokens, job metadata, heartbeats) are counted as zero GB: they are small next to
the backup data, and no public figure sizes them. A flow that is not delivered is not
priced: its backup fails before any volume moves.

A month is `days_per_month` days of volume (30) and `hours_per_month` hours of deployment
(730, as Azure's calculator). Costs are derived from the resolved flows only: nothing here
re-derives a path.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from flowdocs.load.model import Design
from flowdocs.load.model_types import FirewallSku
from flowdocs.load.prices import PeeringPrice, PriceTable, RegionPrices
from flowdocs.resolve.flows import Flow, Resolution

ChargeItem = Literal["firewall data", "firewall deployment", "peering egress",
                     "peering ingress", "private endpoint data", "private endpoint hours"]
# validate.py requires an Azure Firewall's sku; a model built without validation gets Standard.
ASSUMED_FIREWALL_SKU: FirewallSku = "Standard"
FULL_DAY_HOURS = Decimal(24)
MEGABITS_PER_GB = Decimal(8 * 1000)  # decimal GB, as Azure bills: 1 GB = 8,000 megabits
PeeringScope = Literal["regional", "global"]


@dataclass(frozen=True)
class Charge:
    """One priced line of a month: a quantity at a unit price, in one region."""

    item: ChargeItem
    component: str
    region: str | None
    quantity: Decimal
    unit: Literal["GB", "hour"]
    unit_price: Decimal
    flow: str | None = None  # None: a fixed charge of the design, not of a flow
    workload: str | None = None

    @property
    def monthly(self) -> Decimal:
        return self.quantity * self.unit_price


@dataclass(frozen=True)
class Sizing:
    """The throughput a firewall must carry during the backup window, against its licence."""

    firewall: str
    type: str
    required_mbps: Decimal
    licensed_mbps: Decimal | None
    workloads: tuple[str, ...]
    full_day: tuple[str, ...] = ()  # workloads without window_hours: 24 hours assumed

    @property
    def under_licensed(self) -> bool:
        return self.licensed_mbps is not None and self.required_mbps > self.licensed_mbps


@dataclass(frozen=True)
class DesignCosts:
    """A design's monthly charges, with the price table's date: list prices, not a quote."""

    design: str
    currency: str
    price_date: str
    price_source: str
    days_per_month: Decimal
    hours_per_month: Decimal
    volumes: dict[str, Decimal]  # flow id -> GB per month, for every priced flow
    charges: tuple[Charge, ...]
    sizing: tuple[Sizing, ...]
    notes: tuple[str, ...]

    @property
    def traffic(self) -> Decimal:
        """What the flows' volumes cost per month."""
        return _sum(c for c in self.charges if c.flow is not None)

    @property
    def fixed(self) -> Decimal:
        """What the design's firewalls and endpoints cost per month, whatever flows."""
        return _sum(c for c in self.charges if c.flow is None)

    @property
    def total(self) -> Decimal:
        return self.traffic + self.fixed

    def by_flow(self) -> dict[str, Decimal]:
        """Monthly cost of every priced flow, zero included, in flow order."""
        return _totals(dict.fromkeys(self.volumes, Decimal(0)), self.charges,
                       lambda c: c.flow)

    def by_workload(self) -> dict[str, Decimal]:
        workloads = dict.fromkeys((f.partition("/")[0] for f in self.volumes), Decimal(0))
        return _totals(workloads, self.charges, lambda c: c.workload)

    def by_component(self) -> dict[str, Decimal]:
        """Monthly cost of each firewall, peering and endpoint, fixed charges included."""
        return _totals({}, self.charges, lambda c: c.component)


def _totals(totals: dict[str, Decimal], charges: Iterable[Charge],
            key: Callable[[Charge], str | None]) -> dict[str, Decimal]:
    """`totals` with each charge added under its key (one pass: estates are large)."""
    for charge in charges:
        name = key(charge)
        if name is not None:
            totals[name] = totals.get(name, Decimal(0)) + charge.monthly
    return totals


def monthly_gb(flow: Flow, daily_gb: float | None, prices: PriceTable) -> Decimal | None:
    """The flow's volume per month: the workload's daily volume on data flows, zero on
    management flows; None when the workload states no volume."""
    if daily_gb is None:
        return None
    if flow.category != "data":
        return Decimal(0)
    return Decimal(str(daily_gb)) * prices.days_per_month


def own_flow_names(design: Design) -> frozenset[str]:
    return frozenset(f.name for f in design.flows)


def compute_costs(resolution: Resolution, prices: PriceTable) -> DesignCosts:
    """Every monthly charge of the design, per flow and fixed, with sizing and notes."""
    design = resolution.design
    places = _Places(resolution)
    workloads = {w.name: w for w in design.workloads}
    volumes: dict[str, Decimal] = {}
    charges: list[Charge] = []
    notes: list[str] = []
    catalog = resolution.catalog
    sources = {f.source.replace("/", ".") for f in design.flows}
    for workload in design.workloads:
        # A subnet source (a design's own flow) has no flows of its own to price.
        if (workload.backup.daily_gb is None and workload.type != "azure-vm"
                and catalog.workload_types[workload.type].flows):
            # A design's own flows state their volume: the note is about the others.
            which = "the flows of its type are" if workload.name in sources else "its flows are"
            notes.append(f"{workload.name} states no daily_gb: {which} not priced")
    own = own_flow_names(design)
    for flow in resolution.flows:
        # A design's own flow states its own volume.
        daily = flow.daily_gb if flow.service in own else workloads[flow.workload].backup.daily_gb
        volume = monthly_gb(flow, daily, prices)
        if volume is None:
            continue
        if flow.status != "delivered":
            notes.append(f"flow {flow.id} is {flow.status}: not priced")
            continue
        volumes[flow.id] = volume
        if volume:
            charges.extend(_flow_charges(flow, volume, places, prices))
        if flow.access == "on-premises" and volume:
            gateway = next(h.node for h in reversed(flow.hops) if h.kind == "gateway")
            notes.append(f"flow {flow.id} leaves Azure through gateway {gateway}: "
                         f"gateway and circuit charges are not priced")
        crossing = places.region_crossing(flow)
        if crossing is not None and volume:
            # Data transfer between Azure regions is billed by the GB (Azure bandwidth
            # pricing); azure-rules.md 7 has no figure for it, so it is named, not priced.
            notes.append(f"flow {flow.id} leaves {crossing[0]} for {flow.service} in "
                         f"{crossing[1]}: inter-region data transfer is billed and not priced")
    notes.extend(f"peering {peering} joins a VNet whose region is not given: priced as "
                 f"peering within one region" for peering in places.unknown_regions)
    charges.extend(_fixed_charges(resolution, places, prices, notes))
    return DesignCosts(design.name, prices.currency, prices.date, prices.source,
                       prices.days_per_month, prices.hours_per_month, volumes,
                       tuple(charges), tuple(sizing(resolution)), tuple(notes))


def _flow_charges(flow: Flow, volume: Decimal, places: _Places,
                  prices: PriceTable) -> list[Charge]:
    found: list[Charge] = []

    def charge(item: ChargeItem, component: str, region: str | None, price: Decimal) -> None:
        found.append(Charge(item, component, region, volume, "GB", price, flow.id,
                            flow.workload))

    for name in flow.firewalls:
        firewall = places.topology.firewalls[name]
        # A third-party NVA has no Azure per-GB fee: its VM and licence are sized instead.
        if firewall.type == "azure-firewall":
            region = places.region_of_subnet(firewall.subnet)
            sku = firewall.sku or ASSUMED_FIREWALL_SKU
            charge("firewall data", name, region,
                   prices.for_region(region).firewall[sku].data_gb)
    for peering, sender, receiver in places.crossings(flow):
        out_region, in_region = places.region_of_vnet(sender), places.region_of_vnet(receiver)
        scope = places.peering_scope(peering, out_region, in_region)
        charge("peering egress", peering, out_region,
               _peering(prices.for_region(out_region), scope).out_gb)
        charge("peering ingress", peering, in_region,
               _peering(prices.for_region(in_region), scope).in_gb)
    if flow.private_endpoint and flow.access == "private-endpoint":
        endpoint = places.endpoints[flow.private_endpoint]
        region = places.region_of_subnet(endpoint.subnet)
        charge("private endpoint data", endpoint.name, region,
               prices.for_region(region).private_endpoint.data_gb)
    return found


def _fixed_charges(resolution: Resolution, places: _Places, prices: PriceTable,
                   notes: list[str]) -> list[Charge]:
    hours = prices.hours_per_month
    found: list[Charge] = []
    for firewall in resolution.design.firewalls:
        if firewall.type != "azure-firewall":
            notes.append(f"{firewall.name} ({firewall.vendor or 'NVA'}): VM and licence are "
                         f"not priced; see its sizing")
            continue
        region = places.region_of_subnet(firewall.subnet)
        price = prices.for_region(region).firewall[firewall.sku or ASSUMED_FIREWALL_SKU]
        found.append(Charge("firewall deployment", firewall.name, region, hours, "hour",
                            price.deployment_hour))
    for endpoint in resolution.design.private_endpoints:
        region = places.region_of_subnet(endpoint.subnet)
        found.append(Charge("private endpoint hours", endpoint.name, region, hours, "hour",
                            prices.for_region(region).private_endpoint.hour))
    return found


def sizing(resolution: Resolution) -> list[Sizing]:
    """For each firewall that delivered data flows cross: the throughput those flows need
    within their backup windows, assuming the windows overlap (the worst case), against
    `licensed_throughput_mbps`. Mbps = daily_gb × 8 × 1000 / (window_hours × 3600)."""
    workloads = {w.name: w for w in resolution.design.workloads}
    own = own_flow_names(resolution.design)
    found: list[Sizing] = []
    for firewall in resolution.design.firewalls:
        required, names, full_day = Decimal(0), [], []
        for flow in resolution.flows:
            backup = workloads[flow.workload].backup
            # A design's own flow carries its own volume, spread over the whole day.
            daily, hours = ((flow.daily_gb, None) if flow.service in own
                            else (backup.daily_gb, backup.window_hours))
            if (firewall.name not in flow.firewalls or flow.category != "data"
                    or flow.status != "delivered" or not daily):
                continue
            if hours is None:
                full_day.append(flow.workload)
            window = Decimal(str(hours)) if hours else FULL_DAY_HOURS
            required += Decimal(str(daily)) * MEGABITS_PER_GB / (window * 3600)
            names.append(flow.workload)
        if names:
            licensed = firewall.licensed_throughput_mbps
            found.append(Sizing(firewall.name, firewall.type, required,
                                None if licensed is None else Decimal(str(licensed)),
                                tuple(dict.fromkeys(names)), tuple(dict.fromkeys(full_day))))
    return found


def _peering(prices: RegionPrices, scope: PeeringScope) -> PeeringPrice:
    return prices.peering.regional if scope == "regional" else prices.peering.global_


def _sum(charges: Iterable[Charge]) -> Decimal:
    return sum((c.monthly for c in charges), Decimal(0))


class _Places:
    """Which VNet and region each node of a path is in."""

    def __init__(self, resolution: Resolution) -> None:
        self.design = resolution.design
        self.topology = resolution.topology
        self.workload_subnets = {w.name: w.subnet for w in self.design.workloads}
        self.endpoints = {p.name: p for p in self.design.private_endpoints}
        self.gateway_vnets = {g.name: g.vnet for g in self.design.gateways}
        self.unknown_regions: dict[str, None] = {}  # peerings priced without both regions

    def peering_scope(self, peering: str, out_region: str | None,
                      in_region: str | None) -> PeeringScope:
        """Global peering joins VNets of two regions. When one side's region is not given
        (neither the VNet's nor the design's), nothing shows a region crossed: it is priced
        as regional peering, and a note says so."""
        if out_region is None or in_region is None:
            if out_region != in_region:
                self.unknown_regions[peering] = None
            return "regional"
        return "regional" if out_region == in_region else "global"

    def region_crossing(self, flow: Flow) -> tuple[str, str] | None:
        """(region it leaves, region of the service) when a flow to a public service leaves
        Azure's network in another region than its service's; else None."""
        if flow.access not in ("public", "service-endpoint") or flow.region is None:
            return None
        vnets = [v for v in (self._vnet_of(h.node, h.kind) for h in flow.hops) if v]
        leaves = self.region_of_vnet(vnets[-1]) if vnets else None
        if leaves is None or leaves == flow.region:
            return None
        return leaves, flow.region

    def region_of_vnet(self, vnet: str) -> str | None:
        # A VNet without a region of its own is in the design's region.
        return self.topology.vnets[vnet].region or self.design.region

    def region_of_subnet(self, ref: str) -> str | None:
        return self.region_of_vnet(ref.split("/", 1)[0])

    def crossings(self, flow: Flow) -> list[tuple[str, str, str]]:
        """(peering, sending VNet, receiving VNet) for each peering the flow crosses: the
        VNets of consecutive hops tell the direction that the peering id does not."""
        vnets = [v for v in (self._vnet_of(h.node, h.kind) for h in flow.hops) if v]
        steps = [(a, b) for a, b in itertools.pairwise(vnets) if a != b]
        if len(steps) != len(flow.peerings):
            # A crossing the hops do not show (e.g. an endpoint reached over the peering
            # without a hop in between): fall back to the order the peering lists its VNets.
            steps = [(a, b) for a, b in (p.split("~", 1) for p in flow.peerings)]
        return [(p, a, b) for p, (a, b) in zip(flow.peerings, steps, strict=True)]

    def _vnet_of(self, node: str, kind: str) -> str | None:
        if kind == "workload":
            ref = self.workload_subnets[node]
        elif kind == "firewall":
            ref = self.topology.firewalls[node].subnet
        elif kind == "private-endpoint":
            ref = self.endpoints[node].subnet
        elif kind == "gateway":
            return self.gateway_vnets[node]
        else:
            return None
        return ref.split("/", 1)[0]
