"""The drawing model of a resolution: what the diagram shows, before any Graphviz.

Pure: it reads the resolved flows and never re-derives a path. Each flow's hops become edges,
numbered 1 (management) or 2 (data); a firewall a flow crosses is `crossed`, one it goes
around is `bypassed`. A flow the security policy denies is drawn along its routed path, and
from the hop that denies it on its edges are `denied` (see `_denied_edge`); a firewall that
denies says so in red. `dot.py` decides how each of these looks.

A flow filter (`flowdocs render --flows`, `select_flows`) draws a subset: only the flows it
selects, and only the nodes and edges they use (with the subnets and VNets they sit in); the
firewalls they go around, the route tables and the legend are those of these flows alone,
and the title says which subset it is.

Workloads of one type with the same flows, in a crowded subnet, are one node that carries
their flows ("5 × key-vault-client", collapse.py's `TypeGroup`).
"""

from __future__ import annotations

import difflib
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

from flowdocs.errors import FlowdocsError
from flowdocs.load.catalog import CATEGORY_NUMBER, Catalog, TargetKind
from flowdocs.load.model import Firewall
from flowdocs.load.regions import default_regions
from flowdocs.render import collapse
from flowdocs.render.network_parts import (
    balancer_detail,
    gateway_detail,
    hop_groups,
    route_server_detail,
)
from flowdocs.resolve.appliances import hands_to_appliance, stops
from flowdocs.resolve.bypass import REASON_ORDER, SERVICE_TAG_ROUTE, Bypasses, bypass_reason
from flowdocs.resolve.dns import target_kind
from flowdocs.resolve.flows import Flow, Hop, Resolution
from flowdocs.resolve.own_flows import SUBNET_SOURCE_TYPE
from flowdocs.resolve.policy_checks import PolicyCheck

# `grouped`: workloads of one type with the same flows, drawn as one (collapse.TypeGroup).
NodeState = Literal["plain", "crossed", "bypassed", "dropped", "note", "collapsed", "grouped"]
# `bgp`: a Route Server's BGP session with an NVA peer.
EdgeStyle = Literal["routed", "bypass", "dropped", "loop", "link", "note", "denied", "bgp"]
Column = Literal["on-premises", "spokes", "hub", "services"]
COLUMNS: tuple[Column, ...] = ("on-premises", "spokes", "hub", "services")

WORKLOAD_ICONS = {"sql-server-in-vm": "sql-vm", "sap-hana-in-vm": "sap-hana"}
SERVICE_ICONS = {"AzureBackup": "vault", "Storage": "storage",
                 "AzureActiveDirectory": "entra-id", "AzureResourceManager": "resource-manager"}
# A private endpoint's target, by its kind: the node's label and icon.
TARGET_LABELS: dict[TargetKind, tuple[str, str]] = {
    "vault": ("Recovery Services vault", "vault"),
    "storage_account": ("Storage account", "storage"),
    "key_vault": ("Key Vault", "key-vault"),
    "arc_scope": ("Azure Arc Private Link Scope", "arc"),
    "monitor_scope": ("Azure Monitor Private Link Scope", "monitor"),
}
# Service names short enough for an edge label.
SHORT_SERVICE = {"AzureBackup": "Backup", "Storage": "Storage",
                 "AzureActiveDirectory": "Entra ID", "AzureResourceManager": "ARM"}
ACCESS_NOTES = {"platform": "platform", "service-endpoint": "service endpoint",
                "private-endpoint": "private endpoint"}
WRAP = 30  # characters per line of a drop reason; keeps the marker narrow
# How many names of each kind a `--flows` error lists.
LISTED = 12


@dataclass(frozen=True)
class RouteLine:
    """One deciding route in a route-table note, with the flow numbers it decided."""

    numbers: tuple[int, ...]
    text: str


@dataclass
class Node:
    id: str
    kind: str
    title: str
    detail: tuple[str, ...] = ()
    icon: str | None = None
    state: NodeState = "plain"
    routes: list[RouteLine] = field(default_factory=list)
    tooltip: str = ""
    alerts: tuple[str, ...] = ()  # detail lines that warn (a firewall's denials), in red


@dataclass
class Cluster:
    id: str
    label: str
    column: Column
    nodes: list[str] = field(default_factory=list)
    children: list[Cluster] = field(default_factory=list)
    region: bool = False  # a frame around the VNets of one Azure region (multi-region designs)


@dataclass
class Edge:
    """A hop shared by one or more flows of one number (or a loop's way back, any number)."""

    id: str
    tail: str
    head: str
    numbers: tuple[int, ...]
    style: EdgeStyle
    services: list[str] = field(default_factory=list)  # named where the head is no service
    note: str | None = None  # how the flow gets there: platform, service or private endpoint
    flows: list[str] = field(default_factory=list)  # "1 sqlvm01/AzureBackup", for tooltips
    denied_by: str | None = None  # the NSG or firewall that denies, on the first denied edge

    @property
    def label(self) -> tuple[str, ...]:
        """The edge label's lines: the flow number first, so each arrow reads as its flow."""
        numbers = " ".join(map(str, self.numbers))
        if self.style == "loop":
            return (f"{numbers} loop",)
        if self.style == "link":
            return ("private link",)
        if self.style == "bgp":
            return ("BGP",)
        if self.style == "note":
            return ()
        first = " ".join([numbers, ", ".join(self.services)]).strip()
        lines = (first, self.note) if self.note else (first,)
        return (*lines, f"✕ denied by {self.denied_by}") if self.denied_by else lines


@dataclass
class Scene:
    """Everything one diagram shows, in drawing order."""

    name: str
    title: str
    nodes: dict[str, Node]
    clusters: list[Cluster]  # top level, left to right by column
    loose: list[str]  # nodes outside every cluster (drop markers, collapsed spokes)
    edges: list[Edge]
    order: list[tuple[str, str]]  # invisible edges that keep the columns left to right
    legend: list[str]  # legend keys, see dot.LEGEND
    collapsed: bool = False
    # A filtered scene's subset, under the title: "flows 2 only: 5 of 9 flows drawn".
    subset: str | None = None


def build_scene(resolution: Resolution, catalog: Catalog | None = None,
                flows: Sequence[str] | None = None) -> Scene:
    """The scene of a resolution (large designs collapsed, see collapse.py); with `flows`,
    the terms of a flow filter, only the flows they select (`select_flows`). Raises
    FlowFilterError when the filter names what the design does not have."""
    return _Builder(resolution, catalog or resolution.catalog, flows).build()


class _Builder:
    def __init__(self, resolution: Resolution, catalog: Catalog,
                 terms: Sequence[str] | None = None) -> None:
        self.resolution = resolution
        self.design = resolution.design
        self.topology = resolution.topology
        self.catalog = catalog
        self.flows = resolution.flows
        self.subset: str | None = None
        if terms is not None:
            self.flows, used = select_flows(resolution, terms)
            self.subset = (f"flows {', '.join(used)} only: {len(self.flows)} of "
                           f"{len(resolution.flows)} flows drawn")
        self.filtered = self.subset is not None
        self.plan = collapse.plan(resolution, self.flows if self.filtered else None)
        self.nodes: dict[str, Node] = {}
        self.places: dict[str, list[str]] = {}  # VNET or VNET/SUBNET -> node ids
        self.loose: list[str] = []
        self.edges: dict[tuple[object, ...], Edge] = {}
        self.edge_ids: set[str] = set()
        self.services: list[str] = []
        self.crossed: dict[str, set[int]] = {}
        # firewall -> why it is bypassed -> the numbers of the flows that go around it so
        self.bypassed: dict[str, dict[str, set[int]]] = {}
        self.bypasses = Bypasses(resolution)
        self.markers: dict[tuple[str, str], str] = {}
        # firewall -> how it denies ("no rule: default deny") -> the numbers it denies so
        self.denials: dict[str, dict[str, set[int]]] = {}
        self.bgp_sessions: list[tuple[str, str]] = []  # (NVA node, Route Server node)

    def build(self) -> Scene:
        for placeholder in self.plan.placeholders:
            self._placeholder(placeholder)
        for fw in self.design.firewalls:
            self._add(Node(f"fw~{fw.name}", "firewall", fw.name, _firewall_detail(fw),
                          "firewall"), fw.subnet)
        for gw in self.design.gateways:
            self._add(Node(f"gw~{gw.name}", "gateway", gw.name, gateway_detail(gw), "gateway"),
                      self._in_subnet(gw.vnet, "GatewaySubnet"))
        self._network_parts()
        if self.design.gateways:
            self.nodes["onprem"] = Node("onprem", "on-premises", "On-premises network",
                                        ("beyond the gateway:", "not seen by flowdocs"),
                                        "on-premises")
        for pe in self.design.private_endpoints:
            ip = self.topology.private_endpoint_ips.get(pe.name, "")
            if self._add(Node(f"pe~{pe.name}", "private-endpoint", pe.name,
                              (f"→ {pe.target}", ip), "private-endpoint"), pe.subnet):
                self._target(pe.name, pe.target)
        for w in self.design.workloads:
            group = self.plan.group_of.get(w.name)
            if group is not None:
                if group.names[0] == w.name:
                    self._group(group)
            elif w.name in self.plan.workloads:
                detail = (w.type, w.ip) if w.ip else (w.type,)
                self._add(Node(f"w~{w.name}", "workload", w.name, detail,
                               WORKLOAD_ICONS.get(w.type, "vm")), w.subnet)
        for flow in self.flows:
            if flow.workload in self.plan.workloads:
                self._flow(flow)
        self._firewall_states()
        for tail, head in self.bgp_sessions:
            if tail in self.nodes:
                self._edge(tail, head, (), "bgp")
        if self.filtered:
            self._keep_what_the_flows_use()
        clusters = self._clusters()
        return Scene(self.design.name, self.design.title, self.nodes, clusters, self.loose,
                     list(self.edges.values()), self._order(clusters), self._legend(clusters),
                     self.plan.collapsed, self.subset)

    # -- nodes ----------------------------------------------------------------------------

    def _in_subnet(self, vnet: str, subnet: str) -> str:
        """`VNET/SUBNET` where the design has that subnet, else the VNet."""
        ref = f"{vnet}/{subnet}"
        return ref if ref in self.topology.subnets else vnet

    def _network_parts(self) -> None:
        """Route Servers, joined to their NVA peers by their BGP sessions, and internal load
        balancers (network_parts.py)."""
        for server in self.design.route_servers:
            node_id = f"rs~{server.name}"
            if not self._add(Node(node_id, "route-server", server.name,
                                  route_server_detail(server, self.topology), "route-server"),
                             self._in_subnet(server.vnet, "RouteServerSubnet")):
                continue
            for peer in server.peers:
                firewall = self.topology.firewall_by_ip.get(peer.peer_ip)
                if firewall is not None:
                    self.bgp_sessions.append((f"fw~{firewall.name}", node_id))
        for balancer in self.design.load_balancers:
            self._add(Node(f"lb~{balancer.name}", "load-balancer", balancer.name,
                           balancer_detail(balancer), "load-balancer"), balancer.subnet)

    def _add(self, node: Node, place: str) -> bool:
        """Adds a node in its subnet (or VNet); False when that VNet is collapsed away."""
        if place.split("/", 1)[0] in self.plan.hidden_vnets:
            return False
        self.nodes[node.id] = node
        self.places.setdefault(place, []).append(node.id)
        return True

    def _group(self, group: collapse.TypeGroup) -> None:
        """One node for workloads of one type with the same flows: its title counts them,
        its detail and tooltip name them."""
        names = ", ".join(group.names)
        self._add(Node(group.id, "workload", group.title, (names,),
                       WORKLOAD_ICONS.get(group.type, "vm"), state="grouped",
                       tooltip=f"{group.title}: {names}"), group.subnet)

    def _placeholder(self, p: collapse.Placeholder) -> None:
        node = Node(p.id, "collapsed", p.title, p.detail, state="collapsed")
        if p.vnet is None:
            self.nodes[node.id] = node
            self.loose.append(node.id)
        else:
            self._add(node, p.subnet or p.vnet)

    def _target(self, pe: str, target: str) -> None:
        node_id = f"target~{target}"
        if node_id not in self.nodes:
            title, icon = TARGET_LABELS[target_kind(self.design, target) or "storage_account"]
            self.nodes[node_id] = Node(node_id, "target", target, (title,), icon)
            self.services.append(node_id)
        self._edge(f"pe~{pe}", node_id, (), "link")

    def _service(self, service: str) -> str:
        node_id = f"service~{service}"
        if node_id not in self.nodes:
            title = self.catalog.services[service].title
            self.nodes[node_id] = Node(node_id, "service", title, (),
                                       SERVICE_ICONS.get(service, "resource-manager"))
            self.services.append(node_id)
        return node_id

    # -- flows ----------------------------------------------------------------------------

    def _flow(self, flow: Flow) -> None:
        """The flow's hops as edges, exactly as resolved; a denied flow's edges from where the
        policy denies it on are `denied`."""
        # An address beyond a gateway is the on-premises network, drawn once for all.
        beyond = flow.access == "on-premises" and flow.hops[-1].kind == "address"
        hops = flow.hops[:-1] if beyond else flow.hops
        ids = [self._hop_id(h.node, h.kind) for h in hops]
        bypassed = self.bypasses.of(flow)
        style: EdgeStyle = "bypass" if bypassed else "routed"
        denial = flow.denial if flow.status == "denied" else None
        denied_from = self._denied_edge(flow, denial) if denial is not None else len(ids)
        for index, hop in enumerate(hops):
            # A firewall the flow is denied before never sees it: it is not crossed.
            if hop.kind == "firewall" and index <= denied_from:
                self.crossed.setdefault(hop.node, set()).add(flow.number)
        if denial is not None and denial.kind == "firewall":
            self.denials.setdefault(denial.at, {}).setdefault(_denial_text(denial), set()).add(
                flow.number)
        reason = bypass_reason(flow) if bypassed else None
        for name in bypassed:
            self.bypassed.setdefault(name, {}).setdefault(reason or "", set()).add(flow.number)
        # Hops an appliance pair shares are drawn side by side (network_parts.hop_groups).
        groups = hop_groups(self.topology, flow)
        if flow.access == "on-premises":
            ids.append("onprem")
            if not beyond:  # the address's own hop is the on-premises network's
                groups.append((len(ids) - 1,))
        for position, (tails, heads) in enumerate(pairwise(groups)):
            final = position == len(groups) - 2 and flow.routed
            for index, head_index in ((t, h) for t in tails for h in heads):
                tail, head = ids[index], ids[head_index]
                named = final and not head.startswith("service~")
                denied = index >= denied_from
                self._edge(tail, head, (flow.number,), "denied" if denied else style, flow,
                           SHORT_SERVICE.get(flow.service, flow.service) if named else None,
                           self._note(flow, reason) if final else None,
                           _denier(denial) if denial is not None and index == denied_from
                           else None)
        for last in groups[-1]:
            if flow.status == "dropped":
                self._drop(flow, ids[last])
            elif flow.status == "loop":
                self._loop_back(flow, ids[last])
        self._route_notes(flow)

    def _loop_back(self, flow: Flow, last: str) -> None:
        """A loop's way back: to the appliance (or one of the pair) it came from."""
        route = flow.hops[-1].route
        found = stops(self.topology, route, flow.port)[0] \
            if route is not None and hands_to_appliance(route) else None
        seen = {h.node for h in flow.hops[:-1]}
        back = next((f for f in (found.firewalls if found else ()) if f.name in seen), None)
        if back is not None:
            self._edge(last, f"fw~{back.name}", (flow.number,), "loop", flow)

    def _denied_edge(self, flow: Flow, denial: PolicyCheck) -> int:
        """The index of the first edge a denial stops (edge i leaves hop i): the edge out of
        the firewall that denies, the edge out of the subnet whose NSG denies outbound, the
        edge into the subnet whose NSG denies inbound."""
        hops = list(enumerate(flow.hops))
        if denial.kind == "firewall":
            return next((i for i, h in hops if h.kind == "firewall" and h.node == denial.at), 0)
        if denial.kind == "nsg-outbound":
            return next((i for i, h in hops if self._hop_subnet(h) == denial.at), 0)
        return next((i - 1 for i, h in hops[1:] if self._hop_subnet(h) == denial.at),
                    len(flow.hops) - 2)

    def _hop_subnet(self, hop: Hop) -> str | None:
        if hop.kind == "private-endpoint":
            return next((pe.subnet for pe in self.design.private_endpoints
                         if pe.name == hop.node), None)
        return self._subnet_of(hop.node, hop.kind)

    @staticmethod
    def _note(flow: Flow, reason: str | None) -> str | None:
        """How a delivered flow gets to its end, on its last arrow: by platform, service or
        private endpoint, or by the service-tag route that sends it around a firewall."""
        note = ACCESS_NOTES.get(flow.access or "")
        if note is None and reason == SERVICE_TAG_ROUTE:
            return SERVICE_TAG_ROUTE
        return note

    def _hop_id(self, node: str, kind: str) -> str:
        prefix = {"workload": "w", "firewall": "fw", "private-endpoint": "pe", "gateway": "gw",
                  "load-balancer": "lb"}
        if kind == "service":
            return self._service(node)
        if kind == "address":
            return self._address(node)
        group = self.plan.group_of.get(node) if kind == "workload" else None
        return group.id if group is not None else f"{prefix[kind]}~{node}"

    def _address(self, address: str) -> str:
        """An address a design's own flow names outside every VNet: drawn with the services,
        or, beyond a gateway, as the on-premises network (see `_flow`)."""
        node_id = f"address~{address}"
        if node_id not in self.nodes:
            self.nodes[node_id] = Node(node_id, "service", address, ("address",),
                                       "resource-manager")
            self.services.append(node_id)
        return node_id

    def _edge(self, tail: str, head: str, numbers: tuple[int, ...], style: EdgeStyle,
              flow: Flow | None = None, service: str | None = None,
              note: str | None = None, denied_by: str | None = None) -> None:
        # Flows of one number that share a hop share the edge; a loop's way back is one edge
        # for every number, since it is the same misrouting.
        key = (tail, head, style) if style in ("loop", "link", "note", "bgp") \
            else (tail, head, numbers, style, note, denied_by)
        edge = self.edges.get(key)
        if edge is None:
            suffix = ",".join(map(str, numbers)) or "0"
            edge_id = f"e:{tail}>{head}:{suffix}:{style}"
            if edge_id in self.edge_ids:  # the same hop, told apart by its note or denier
                edge_id += f":{len(self.edges)}"
            self.edge_ids.add(edge_id)
            edge = self.edges[key] = Edge(edge_id, tail, head, numbers, style, note=note,
                                          denied_by=denied_by)
        edge.numbers = tuple(sorted({*edge.numbers, *numbers}))
        if service is not None and service not in edge.services:
            edge.services.append(service)
        if flow is not None:
            edge.flows.append(f"{flow.number} {flow.id}")

    def _drop(self, flow: Flow, last: str) -> None:
        route = flow.deciding_route
        why = flow.reason
        if route is not None and why.startswith(route.label() + ": "):
            why = why[len(route.label()) + 2:]  # the route itself is in the route-table note
        marker = self.markers.get((last, why))
        if marker is None:
            marker = f"dropped~{last}" + (f"~{len(self.markers)}" if self.markers else "")
            self.markers[(last, why)] = marker
            self.nodes[marker] = Node(marker, "dropped", "✕ dropped",
                                      tuple(textwrap.wrap(why, WRAP)), state="dropped")
            self.loose.append(marker)
        self._edge(last, marker, (flow.number,), "dropped", flow)

    def _route_notes(self, flow: Flow) -> None:
        """Route tables (and BGP) where they decide this flow's path, with the route."""
        for hop in flow.hops:
            route = hop.route
            if route is None or route.source == "Default" or hop.kind == "service":
                continue
            subnet = self._subnet_of(hop.node, hop.kind)
            if subnet is None or subnet.split("/", 1)[0] in self.plan.hidden_vnets:
                continue
            title = route.table if route.source == "User" else (
                f"BGP (from {route.route_server})" if route.route_server
                else "BGP (from the gateway)")
            note_id = f"routes~{subnet}~{title}"
            note = self.nodes.get(note_id)
            if note is None:
                note = self.nodes[note_id] = Node(note_id, "route-table", title or "",
                                                  icon="route-table", state="note")
                self.places.setdefault(subnet, []).append(note_id)
                self._edge(note_id, self._hop_id(hop.node, hop.kind), (), "note")
            hop_to = route.hop_ips or route.gateway or route.next_hop_type
            text = f"{route.address_prefix} → {hop_to}"
            for i, line in enumerate(note.routes):
                if line.text == text:
                    if flow.number not in line.numbers:
                        note.routes[i] = RouteLine(tuple(sorted({*line.numbers, flow.number})),
                                                   text)
                    break
            else:
                note.routes.append(RouteLine((flow.number,), text))

    def _subnet_of(self, node: str, kind: str) -> str | None:
        if kind == "workload":
            return next((w.subnet for w in self.design.workloads if w.name == node), None)
        if kind == "firewall":
            return self.topology.firewalls[node].subnet
        return None

    def _firewall_states(self) -> None:
        for fw in self.design.firewalls:
            node = self.nodes.get(f"fw~{fw.name}")
            if node is None:
                continue
            crossed, bypassed = self.crossed.get(fw.name, set()), self.bypassed.get(fw.name, {})
            denials = self.denials.get(fw.name, {})
            lines = []
            if crossed:
                lines.append("crossed by " + " ".join(map(str, sorted(crossed))))
            # Every reason, each with its flows: one flow number may go around the firewall
            # by a private endpoint for one workload and a service endpoint for another.
            lines += [f"bypassed by {' '.join(map(str, sorted(bypassed[why])))} ({why})"
                      for why in sorted(bypassed, key=REASON_ORDER.index)]
            alerts = [f"denies {' '.join(map(str, sorted(denials[how])))} ({how})"
                      for how in sorted(denials, key=lambda h: (min(denials[h]), h))]
            node.detail = (*node.detail, *lines)
            node.alerts = tuple(alerts)
            node.state = "crossed" if crossed else "bypassed" if bypassed else "plain"
            node.tooltip = "; ".join([*lines, *alerts])

    def _keep_what_the_flows_use(self) -> None:
        """A filtered scene: only the nodes the drawn flows use (their hops, drop markers and
        route tables), the firewalls they go around, the Route Servers whose routes decide
        them, the collapsed boxes, and the private links and BGP sessions between nodes kept;
        the edges between what is left."""
        used = {n for e in self.edges.values() if e.flows for n in (e.tail, e.head)}
        used |= {e.tail for e in self.edges.values() if e.style == "note" and e.head in used}
        used |= {f"fw~{name}" for name in self.bypassed}
        used |= {f"rs~{h.route.route_server}" for f in self.flows for h in f.hops
                 if h.route is not None and h.route.route_server}
        used |= {p.id for p in self.plan.placeholders}
        used |= {e.head for e in self.edges.values() if e.style == "link" and e.tail in used}
        self.nodes = {k: n for k, n in self.nodes.items() if k in used}
        self.edges = {k: e for k, e in self.edges.items()
                      if e.tail in self.nodes and e.head in self.nodes}
        self.places = {place: [n for n in ids if n in self.nodes]
                       for place, ids in self.places.items()}
        self.loose = [n for n in self.loose if n in self.nodes]
        self.services = [n for n in self.services if n in self.nodes]

    # -- layout ---------------------------------------------------------------------------

    def _clusters(self) -> list[Cluster]:
        hubs = collapse.hub_vnets(self.design)
        out: list[Cluster] = []
        if "onprem" in self.nodes:
            out.append(Cluster("onprem", "On-premises", "on-premises", ["onprem"]))
        for column in ("spokes", "hub"):
            for index, vnet in enumerate(self.design.vnets):
                if (vnet.name in hubs) != (column == "hub"):
                    continue
                cluster = Cluster(f"vnet{index}", f"{vnet.name}  {', '.join(vnet.address_space)}",
                                  column, list(self.places.get(vnet.name, [])))
                for s_index, subnet in enumerate(vnet.subnets):
                    members = self.places.get(f"{vnet.name}/{subnet.name}", [])
                    if members:
                        cluster.children.append(Cluster(
                            f"vnet{index}_subnet{s_index}", f"{subnet.name}  {subnet.prefix}",
                            column, list(members)))
                if cluster.nodes or cluster.children:
                    out.append(cluster)
        out = self._by_region(out)
        if self.services:
            out.append(Cluster("services", "Azure services", "services", list(self.services)))
        return out

    def _by_region(self, clusters: list[Cluster]) -> list[Cluster]:
        """VNet clusters framed by region when the design spans several regions, so that a
        reader sees which traffic crosses regions (global peering, inter-region transfer)."""
        regions = {v.name: self.topology.region_of(v.name) for v in self.design.vnets}
        if len(set(regions.values())) < 2:
            return clusters
        table = default_regions()
        vnet_of = {f"vnet{index}": v.name for index, v in enumerate(self.design.vnets)}
        framed: dict[str | None, Cluster] = {}
        out: list[Cluster] = []
        for cluster in clusters:
            vnet = vnet_of.get(cluster.id)
            if vnet is None:
                out.append(cluster)
                continue
            region = regions[vnet]
            frame = framed.get(region)
            if frame is None:
                label = (f"{table.display_name(region)}  ({region})" if region
                         else "region not stated")
                frame = framed[region] = Cluster(f"region{len(framed)}", label, cluster.column,
                                                 region=True)
                out.append(frame)
            frame.children.append(cluster)
        return out

    def _order(self, clusters: list[Cluster]) -> list[tuple[str, str]]:
        """Invisible edges from every node of a column to every node of the next, so that
        on-premises, spokes, hub and services read left to right whatever the flows. Large
        designs are collapsed first, so the columns stay short."""
        members: dict[str, list[str]] = {c: [] for c in COLUMNS}
        for cluster in (c for top in clusters for c in (top.children if top.region else [top])):
            members[cluster.column].extend(_all_nodes(cluster))
        members["spokes"][:0] = [n for n in self.loose if n.startswith("more-spokes~")]
        filled = [[n for n in members[c] if self.nodes[n].state != "note"] for c in COLUMNS]
        filled = [column for column in filled if column]
        return [(left, right) for lefts, rights in pairwise(filled)
                for left in lefts for right in rights]

    def _legend(self, clusters: list[Cluster]) -> list[str]:
        styles = {e.style for e in self.edges.values()}
        states = {n.state for n in self.nodes.values()}
        numbers: tuple[int, ...] = (1, 2)
        if self.filtered:  # a subset's legend: only the numbers it draws
            numbers = tuple(n for n in numbers if any(f.number == n for f in self.flows))
        keys = [f"flow{n}" for n in numbers]
        keys += [k for k in ("bypass", "link", "loop", "denied", "bgp") if k in styles]
        keys += [k for k in ("crossed", "bypassed", "dropped", "note", "collapsed", "grouped")
                 if k in states]
        if any(c.region for c in clusters):
            keys.append("region")
        return keys


class FlowFilterError(FlowdocsError):
    """A flow filter with a term the design has no flow, workload or service of, or that
    selects no flow of the design: a usage error (`flowdocs render --flows`, exit 2)."""


def select_flows(resolution: Resolution, terms: Sequence[str]
                 ) -> tuple[list[Flow], tuple[str, ...]]:
    """The flows a filter selects, in the resolution's order, and the terms that selected
    some. A term is a flow number (`2`), a flow id (`sqlvm01/Storage`), a workload's name
    (all its flows; a subnet that is an own flow's source by `vnet/subnet` too), or a
    service's (a catalog service: the flows that reach it, own flows included; or an own
    flow's name); names match exactly. A flow is selected when any term names it.

    Raises FlowFilterError when a term names nothing the design or its catalog has (with
    the closest names), or when the filter selects no flow at all."""
    wanted = list(dict.fromkeys(terms))
    aliases = _aliases(resolution)
    named = [(f, _names_of(f, aliases)) for f in resolution.flows]
    selected = [f for f, names in named if not names.isdisjoint(wanted)]
    used = tuple(t for t in wanted if any(t in names for _, names in named))
    design = resolution.design.name
    unknown = [t for t in wanted if t not in used and not _is_known(t, resolution)]
    if unknown:
        candidates = sorted({n for _, names in named for n in names})
        lines = [f"design {design} has no flow, workload or service named {t!r}"
                 + _did_you_mean(t, candidates) for t in unknown]
        raise FlowFilterError("\n".join([*lines, *_what_exists(resolution)]))
    if not selected:
        raise FlowFilterError("\n".join([
            f"{', '.join(wanted) or 'an empty filter'} selects no flow of design {design}",
            *_what_exists(resolution)]))
    return selected, used


def _aliases(resolution: Resolution) -> dict[str, str]:
    """A subnet that is an own flow's source, by its workload name (`vnet.subnet`) -> the
    `vnet/subnet` the design names it by."""
    return {w.name: w.subnet for w in resolution.design.workloads
            if w.type == SUBNET_SOURCE_TYPE}


def _names_of(flow: Flow, aliases: dict[str, str]) -> set[str]:
    """Every term that selects `flow` (`aliases`: see `_aliases`): an own flow to a catalog
    service is selected by that service's name too."""
    workloads = {flow.workload, aliases.get(flow.workload, flow.workload)}
    services = {flow.service}
    if flow.hops[-1].kind == "service":
        services.add(flow.hops[-1].node)
    return {str(flow.number), *services, *workloads,
            *(f"{w}/{flow.service}" for w in workloads)}


def _is_known(term: str, resolution: Resolution) -> bool:
    """Whether `term` names a flow number, a workload, a service, or a workload/service."""
    workloads = {w.name for w in resolution.design.workloads} | set(
        _aliases(resolution).values())
    services = resolution.catalog.services
    workload, _, service = term.rpartition("/")
    return (term in {str(n) for n in CATEGORY_NUMBER.values()} or term in workloads
            or term in services or (workload in workloads and service in services))


def _did_you_mean(term: str, candidates: list[str]) -> str:
    """"; did you mean 'X'?" for the closest candidates, case aside; "" when none is."""
    lowered: dict[str, str] = {}
    for candidate in candidates:
        lowered.setdefault(candidate.lower(), candidate)
    close = difflib.get_close_matches(term.lower(), list(lowered), n=3, cutoff=0.6)
    if not close:
        return ""
    return "; did you mean " + " or ".join(repr(lowered[c]) for c in close) + "?"


def _what_exists(resolution: Resolution) -> list[str]:
    """The design's flows by what a filter can name, a few of each."""
    flows = resolution.flows
    aliases = _aliases(resolution)
    sources = [aliases.get(f.workload, f.workload) for f in flows]

    def listed(items: Sequence[str]) -> str:
        unique = list(dict.fromkeys(items))
        shown = ", ".join(unique[:LISTED])
        return shown if len(unique) <= LISTED else f"{shown}, … ({len(unique)} in all)"

    return [
        f"--flows takes a comma-separated list of these, from design "
        f"{resolution.design.name}:",
        f"  numbers:   {listed([str(n) for n in sorted({f.number for f in flows})])}",
        f"  workloads: {listed(sources)}",
        f"  services:  {listed([f.service for f in flows])}",
        f"  flows:     {listed([f'{s}/{f.service}' for s, f in zip(sources, flows, strict=True)])}",
    ]


def fit_lines(text: str, width: int, most: int) -> tuple[str, ...]:
    """`text` in lines of at most `width` characters, broken at spaces where it can, and at
    most `most` lines: what does not fit is cut, and the last line ends in "…". A text that
    fits one line is left exactly as it is."""
    if len(text) <= width:
        return (text,)
    lines = textwrap.wrap(text, width) or [text[:width]]
    if len(lines) <= most:
        return tuple(lines)
    return (*lines[:most - 1], lines[most - 1][:width - 1].rstrip() + "…")


def _firewall_detail(fw: Firewall) -> tuple[str, ...]:
    kind = f"Azure Firewall {fw.sku or ''}".strip() if fw.type == "azure-firewall" \
        else (fw.vendor or "NVA")
    return (kind, fw.private_ip)


def _denier(check: PolicyCheck) -> str:
    """Who denies: the NSG's name, or the firewall's."""
    return check.policy if check.kind != "firewall" and check.policy else check.at


def _denial_text(check: PolicyCheck) -> str:
    """How a firewall denies, short: its default deny, or the deciding rule by its collection
    and name (`net-deny/storage` of `fwp-hub/rcg-backup/net-deny/storage`)."""
    if check.rule is None:
        return "no rule: default deny"
    return "rule " + "/".join(check.rule.split("/")[-2:])


def _all_nodes(cluster: Cluster) -> list[str]:
    return [*cluster.nodes, *(n for child in cluster.children for n in _all_nodes(child))]
