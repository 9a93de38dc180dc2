"""Which workloads a large design's diagram draws, and what stands in for the rest.

The choice for large designs (docs/diagrams.md): one picture, with spokes collapsed. Workloads,
subnets and spokes whose flows take the same paths as one already drawn are folded into a
single "+N like X" box. Every distinct path, every dropped, looping and denied flow stays drawn,
so the picture still tells the whole story; the page's tables list every flow.

A spoke with its own NVA (one its workloads alone go through) is a spoke like any other: an
estate of such spokes folds the same way, each spoke's own appliance standing for the others'.

Folding by type, in every design, large or not: in a subnet of more than
`MAX_FULL_SUBNET_WORKLOADS` workloads, workloads of one type whose flows take the same paths
are drawn as one node, "5 × key-vault-client", that carries their flows (`TypeGroup`); its
tooltip names them. A workload another flow goes to (a design's own flow) never folds: the
arrow must end at it.

The plan is made for the flows drawn: every flow, or those a `--flows` filter selects
(`plan(resolution, flows)`), so a filtered diagram folds only what it shows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from flowdocs.load.model import Design
from flowdocs.resolve.flows import Flow, Resolution

# Above these sizes a design is "large" and collapses; below, everything is drawn.
MAX_FULL_WORKLOADS = 12
MAX_FULL_SPOKES = 4
# Above this many workloads in one subnet, workloads of one type with the same flows fold
# into one "N × type" node (`TypeGroup`), in any design.
MAX_FULL_SUBNET_WORKLOADS = 3
# What a reader sees of a workload's flows (`_signature`): equal ones fold together.
Signature = tuple[tuple[object, ...], ...]
# A workload's grouping key: its type and signature, or ("target", name) for one a flow goes to.
Key = tuple[object, ...]

T = TypeVar("T")


@dataclass(frozen=True)
class Placeholder:
    """A box standing for collapsed spokes, subnets or workloads."""

    id: str
    vnet: str | None  # the VNet cluster it sits in; None: the spokes column
    subnet: str | None  # the subnet cluster it sits in (VNET/SUBNET)
    title: str
    detail: tuple[str, ...]


@dataclass(frozen=True)
class TypeGroup:
    """Workloads of one type in one subnet, with the same flows, drawn as one node that
    carries all their flows: "3 × key-vault-client"."""

    id: str
    subnet: str  # VNET/SUBNET
    type: str
    names: tuple[str, ...]  # in the design's order

    @property
    def title(self) -> str:
        return f"{len(self.names)} × {self.type}"


@dataclass
class Plan:
    """What to draw: the workloads shown (a type group's members included), the VNets
    hidden, the placeholders, and the workloads drawn as one node per type (`groups`)."""

    workloads: set[str]
    hidden_vnets: set[str] = field(default_factory=set)
    placeholders: list[Placeholder] = field(default_factory=list)
    groups: list[TypeGroup] = field(default_factory=list)
    group_of: dict[str, TypeGroup] = field(default_factory=dict)  # workload -> its group

    @property
    def collapsed(self) -> bool:
        return bool(self.placeholders or self.groups)

    def fold(self, group: TypeGroup) -> None:
        self.groups.append(group)
        self.workloads.update(group.names)
        for name in group.names:
            self.group_of[name] = group


def hub_vnets(design: Design) -> set[str]:
    """The hub column: VNets that hold a gateway or a Route Server, or a firewall or NVA
    that serves others (the VNet holds no workload, or is peered with several VNets). Others
    are spokes, a spoke with an NVA of its own included."""
    peers = Counter(vnet for peering in design.peerings for vnet in peering.vnets)
    with_workloads = {w.subnet.split("/", 1)[0] for w in design.workloads}
    filtering = {f.subnet.split("/", 1)[0] for f in design.firewalls}
    serving = {vnet for vnet in filtering if vnet not in with_workloads or peers[vnet] > 1}
    return serving | {g.vnet for g in design.gateways} | {r.vnet for r in design.route_servers}


def is_large(design: Design) -> bool:
    spokes = [v for v in design.vnets if v.name not in hub_vnets(design)]
    return _large(len(design.workloads), len(spokes))


def _large(workloads: int, spokes: int) -> bool:
    return workloads > MAX_FULL_WORKLOADS or spokes > MAX_FULL_SPOKES


def plan(resolution: Resolution, flows: Sequence[Flow] | None = None) -> Plan:
    """Everything for a small design; for a large one, one representative per path shape.
    In either, a crowded subnet's workloads fold by type. `flows`: the flows drawn (None:
    every flow); only the workloads they start from or go to are drawn."""
    design = resolution.design
    drawn = resolution.flows if flows is None else flows
    flows_of: dict[str, list[Flow]] = {}
    for flow in drawn:
        flows_of.setdefault(flow.workload, []).append(flow)
    # A workload a flow goes to: never folded, its arrow ends at it.
    targets = {h.node for f in drawn for h in f.hops[1:] if h.kind == "workload"}
    workloads = [w for w in design.workloads
                 if flows is None or w.name in flows_of or w.name in targets]
    own = _own_appliances(design)
    types = {w.name: w.type for w in workloads}
    by_subnet: dict[str, list[str]] = {}
    for w in workloads:
        by_subnet.setdefault(w.subnet, []).append(w.name)
    keys: dict[str, Key] = {}
    for w in workloads:
        # What a reader sees of a workload: its type and its flows. One a flow goes to is
        # told apart by its name.
        keys[w.name] = ("target", w.name) if w.name in targets else (
            w.type, _signature(flows_of.get(w.name, []), own.get(w.subnet.split("/", 1)[0],
                                                                  set())))
    hubs = hub_vnets(design)
    spokes = [v.name for v in design.vnets if v.name not in hubs]
    if flows is not None:  # a filtered diagram: the spokes it draws workloads in
        holding = {w.subnet.split("/", 1)[0] for w in workloads}
        spokes = [v for v in spokes if v in holding]
    if not _large(len(workloads), len(spokes)):
        result = Plan({w.name for w in workloads})
        for subnet, names in by_subnet.items():
            _fold_types(result, subnet, names, keys, types, large=False)
        return result
    subnet_sig = {s: frozenset(keys[w] for w in names) for s, names in by_subnet.items()}
    result = Plan(set())

    def vnet_sig(vnet: str) -> frozenset[frozenset[Key]]:
        return frozenset(sig for s, sig in subnet_sig.items() if s.split("/", 1)[0] == vnet)

    shown_vnets = [v.name for v in design.vnets if v.name in hubs]
    for rep, others in _group(spokes, vnet_sig):
        shown_vnets.append(rep)
        if others:
            count = sum(len(by_subnet.get(s, [])) for s in by_subnet
                        if s.split("/", 1)[0] in others)
            result.hidden_vnets.update(others)
            result.placeholders.append(Placeholder(
                f"more-spokes~{rep}", None, None, f"+{len(others)} spokes like {rep}",
                (f"{count} workloads", "same flows")))
    for vnet in shown_vnets:
        subnets = [s for s in by_subnet if s.split("/", 1)[0] == vnet]
        for rep, others in _group(subnets, subnet_sig.__getitem__):
            if others:
                count = sum(len(by_subnet[s]) for s in others)
                result.placeholders.append(Placeholder(
                    f"more-subnets~{rep}", vnet, None,
                    f"+{len(others)} subnets like {rep.split('/', 1)[1]}",
                    (f"{count} workloads", "same flows")))
            _fold_types(result, rep, by_subnet[rep], keys, types, large=True)
    return result


def _fold_types(result: Plan, subnet: str, names: list[str], keys: dict[str, Key],
                types: dict[str, str], large: bool) -> None:
    """The workloads of one subnet into `result`: alike ones (same key: type and flows) as
    one node per type when the subnet holds more than `MAX_FULL_SUBNET_WORKLOADS`; else
    each drawn, or, in a large design, one drawn and a "+N like X" box for the others."""
    crowded = len(names) > MAX_FULL_SUBNET_WORKLOADS
    vnet = subnet.split("/", 1)[0]
    for name, more in _group(names, keys.__getitem__):
        if more and crowded:
            result.fold(TypeGroup(f"types~{name}", subnet, types[name], (name, *more)))
        elif large:
            result.workloads.add(name)
            if more:
                result.placeholders.append(Placeholder(
                    f"more-workloads~{name}", vnet, subnet, f"+{len(more)} like {name}",
                    ("same flows",)))
        else:
            result.workloads.update([name, *more])


def _group(items: Iterable[T], key: Callable[[T], Hashable]) -> list[tuple[T, list[T]]]:
    """Items grouped by key, in first-seen order: (representative, the others)."""
    groups: dict[Hashable, list[T]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return [(members[0], members[1:]) for members in groups.values()]


OWN_APPLIANCE = "its spoke's own appliance"


def _own_appliances(design: Design) -> dict[str, set[tuple[str, str]]]:
    """VNet -> its firewalls and NVAs, each as ("firewall", name) and ("ip", address)."""
    own: dict[str, set[tuple[str, str]]] = {}
    for fw in design.firewalls:
        own.setdefault(fw.subnet.split("/", 1)[0], set()).update(
            {("firewall", fw.name), ("ip", fw.private_ip)})
    return own


def _signature(flows: list[Flow], own: set[tuple[str, str]]) -> Signature:
    """What a reader sees of a workload's flows, without its own name: the path after the
    workload, how it ends, the routes that decided it (by prefix and next hop, since
    every spoke of an estate has its own route table name), and where the policy denies it
    (which check of the path, of what kind; a firewall by name and rule). An appliance of the
    workload's own VNet (`own`) counts as `OWN_APPLIANCE`, since every such spoke has its
    own."""

    def seen(kind: str, value: str | None) -> str | None:
        return OWN_APPLIANCE if value is not None and (kind, value) in own else value

    def denial(f: Flow) -> tuple[object, ...] | None:
        check = f.denial if f.status == "denied" else None
        if check is None:
            return None
        firewall = check.kind == "firewall"
        return (f.policy.index(check), check.kind, seen("firewall", check.at) if firewall
                else None, check.rule if firewall else None)

    return tuple(
        (f.number, f.service, f.status, f.access,
         tuple(seen(h.kind, h.node) for h in f.hops[1:]),
         tuple((h.route.address_prefix, h.route.next_hop_type, seen("ip", h.route.next_hop_ip))
               for h in f.hops if h.route is not None),
         denial(f))
        for f in flows
    )
