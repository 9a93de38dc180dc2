"""Every workload's numbered flows, resolved hop by hop (azure-rules.md 4 to 6).

`resolve(design)` is the single source of truth for the diagrams, the pages, the firewall
rules and the costs: nothing downstream re-derives a path.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import Literal, NamedTuple, cast

from flowdocs.load.catalog import (
    CATEGORY_NUMBER,
    Catalog,
    CatalogFlow,
    TargetKind,
    WorkloadType,
    default_catalog,
)
from flowdocs.load.flow_model import OwnFlow
from flowdocs.load.model import Design, PrivateEndpoint, Workload
from flowdocs.load.regions import RegionTable, default_regions
from flowdocs.resolve.appliances import Stops, hands_to_appliance, next_hop_ips, stops
from flowdocs.resolve.dns import NameResolution, NameResolver, region_of_target, region_of_vnet
from flowdocs.resolve.own_flows import source_name, target_address, vnet_holding, with_own_flows
from flowdocs.resolve.policy import PolicyEvaluator, Traffic
from flowdocs.resolve.policy_checks import PolicyCheck
from flowdocs.resolve.policy_match import Destination as PolicyDestination
from flowdocs.resolve.routing import (
    AddressDestination,
    Destination,
    EffectiveRoute,
    Router,
    ServiceDestination,
    ViewKey,
)
from flowdocs.resolve.topology import SubnetRef, Topology, parse_address

# `virtual-network`: a design's own flow to a private address in a VNet (another workload).
Access = Literal["platform", "public", "service-endpoint", "private-endpoint", "on-premises",
                 "virtual-network"]
# `denied`: routed to its destination, and an NSG or firewall on the way denies it (policy.py).
Status = Literal["delivered", "denied", "dropped", "loop"]
# `address`: a design's own flow's destination by address, beyond a gateway or public.
NodeKind = Literal["workload", "firewall", "service", "private-endpoint", "gateway",
                   "load-balancer", "address"]


@dataclass(frozen=True)
class Hop:
    """A node on the path and the route that took the flow onwards from it."""

    node: str
    kind: NodeKind
    route: EffectiveRoute | None = None


@dataclass(frozen=True)
class Flow:
    """One resolved flow of one workload to one service."""

    workload: str
    service: str
    category: str
    fqdns: tuple[str, ...]
    port: int
    access: Access | None
    status: Status
    reason: str
    firewalls: tuple[str, ...]
    peerings: tuple[str, ...]
    hops: tuple[Hop, ...]
    private_endpoint: str | None = None
    # The region of the service the flow reaches: its vault's or storage account's for the
    # services a backup target covers, else the client's (azure-rules.md 3).
    region: str | None = None
    # How the client resolves the names of the private endpoint the flow could use; None when
    # it has none. When `dns.private` is False the flow took the public path instead.
    dns: NameResolution | None = None
    # What the NSGs and firewalls on the path say of the flow, in path order (policy.py).
    policy: tuple[PolicyCheck, ...] = ()
    protocol: Literal["TCP", "UDP"] = "TCP"
    # A design's own flow to an address (a workload's IP as a /32, or the CIDR it names):
    # what its rules allow. None for a service or a private endpoint.
    address: str | None = None
    # A design's own flow states its volume (GB a day); a catalog flow takes its workload's.
    daily_gb: float | None = None

    @property
    def id(self) -> str:
        return f"{self.workload}/{self.service}"

    @property
    def number(self) -> int:
        return CATEGORY_NUMBER[self.category]

    @property
    def routed(self) -> bool:
        """The routes take it to its destination, whatever the policy on the way says."""
        return self.status in ("delivered", "denied")

    @property
    def denial(self) -> PolicyCheck | None:
        """The first check on the path that denies the flow."""
        return next((c for c in self.policy if c.verdict == "denied"), None)

    @property
    def deciding_route(self) -> EffectiveRoute | None:
        """The route the reason names: the first hop's, or where the flow stopped."""
        routed = [h.route for h in self.hops if h.route is not None]
        if not routed:
            return None
        return routed[0] if self.routed else routed[-1]

    def __str__(self) -> str:
        path = " > ".join(h.node for h in self.hops)
        outcome = f"{self.status} {self.access}" if self.routed else self.status
        return f"{self.number} {self.id}: {outcome} | {path} | {self.reason}"


class AddressTarget(NamedTuple):
    """A destination by address (a design's own flow): the IP routes are chosen for, the
    node the path ends at, and the VNet holding the IP (None: outside every VNet)."""

    ip: str
    node: str
    kind: NodeKind
    vnet: str | None


class FlowPath(NamedTuple):
    """Where a flow goes: what a `Flow` adds to its workload and service."""

    access: Access | None
    status: Status
    reason: str
    firewalls: tuple[str, ...]
    peerings: tuple[str, ...]
    hops: tuple[Hop, ...]
    private_endpoint: str | None


@dataclass
class Resolution:
    """A design with all its flows resolved."""

    design: Design
    topology: Topology
    router: Router
    flows: list[Flow]
    # The catalog the flows were resolved with: outputs read services and workload types
    # from it, so a user's catalog (--catalog) reaches every page and rule.
    catalog: Catalog = dataclasses.field(default_factory=default_catalog)

    def __str__(self) -> str:
        return "\n".join(str(f) for f in self.flows)


def resolve(design: Design, catalog: Catalog | None = None,
            regions: RegionTable | None = None) -> Resolution:
    """Resolve every flow of every workload, in the contract's order, then the design's own
    flows in its order."""
    catalog = catalog or default_catalog()
    regions = regions or default_regions()
    design, catalog = with_own_flows(design, catalog)
    topology = Topology(design)
    router = Router(topology, catalog)
    names = NameResolver(topology, regions)
    flows: list[Flow] = []
    paths = PathCache(topology, router)
    policy = PolicyCache(topology, catalog, regions)
    for workload in design.workloads:
        kind = catalog.workload_types[workload.type]
        client_vnet = workload.subnet.split("/", 1)[0]
        target = workload_target(workload, kind.target)
        # A workload without a target (a Key Vault client that names no Key Vault) reaches
        # its services in its own VNet's region.
        target_region = (region_of_target(design, kind.target, target)
                         if kind.target is not None and target is not None
                         else region_of_vnet(design, client_vnet))
        for spec in _ordered_flows(kind.flows):
            service = catalog.services[spec.service]
            covered = spec.service in catalog.covered(kind)
            # Azure Backup and its storage are the vault's (Azure Backup writes to storage
            # accounts in the vault's region); a customer's account is in its own region.
            # Entra ID and Resource Manager have no target: they are taken in the client's
            # region, as the design's region was before regions were per VNet. A leg can
            # say where its service is (Site Recovery's cache storage is in the source).
            at_target = spec.region == "target" or (spec.region is None and covered)
            region = target_region if at_target else region_of_vnet(design, client_vnet)
            dns: NameResolution | None = None
            if kind.access == "platform":
                path = _platform_path(workload.name, spec.service)
            else:
                endpoint = _private_endpoint_for(workload, spec.service, kind, topology, catalog)
                if endpoint is not None and kind.target is not None:
                    dns = names.resolve(client_vnet, kind.target, spec.service, target_region,
                                        endpoint)
                    if not dns.private:
                        # The names resolve to the public address: the flow takes the path
                        # of the service's public endpoint (azure-rules.md 4, Corrections).
                        endpoint = None
                path = paths.follow(workload, spec.service, endpoint, region,
                                    catalog.tag(spec.service))
            checks = policy.checks(workload, spec.service, region, path)
            status: Status = ("denied" if path.status == "delivered"
                              and any(c.verdict == "denied" for c in checks) else path.status)
            flows.append(Flow(
                workload=workload.name, service=spec.service, category=spec.category,
                fqdns=service.fqdns, port=service.port, protocol=service.protocol,
                access=path.access, status=status,
                reason=path.reason, firewalls=path.firewalls, peerings=path.peerings,
                hops=path.hops, private_endpoint=path.private_endpoint, region=region,
                dns=dns, policy=checks))
    flows += [_own_flow(own, design, catalog, topology, paths, policy)
              for own in design.flows]
    return Resolution(design, topology, router, flows, catalog)


def _own_flow(own: OwnFlow, design: Design, catalog: Catalog, topology: Topology,
              paths: PathCache, policy: PolicyCache) -> Flow:
    """One of the design's own flows, followed and checked like a catalog flow."""
    workload = next(w for w in design.workloads if w.name == source_name(own.source))
    region = region_of_vnet(design, workload.subnet.split("/", 1)[0])
    found = target_address(own, design, topology)
    target = (AddressTarget(found[0], found[1], cast(NodeKind, found[2]),
                            vnet_holding(found[0], topology)) if found else None)
    endpoint = own.destination.private_endpoint
    path = paths.follow(workload, own.name, endpoint, region, catalog.tag(own.name), target)
    if own.destination.service is not None and path.hops[-1].kind == "service":
        # The path ends at the catalog service it reaches, as a catalog flow's does.
        last = path.hops[-1]
        path = path._replace(hops=(*path.hops[:-1], Hop(own.destination.service, "service",
                                                        last.route)))
    checks = policy.checks(workload, own.name, region, path, target)
    status: Status = ("denied" if path.status == "delivered"
                      and any(c.verdict == "denied" for c in checks) else path.status)
    service = catalog.services[own.name]
    return Flow(workload=workload.name, service=own.name, category=own.category,
                fqdns=service.fqdns, port=own.port, protocol=own.protocol, access=path.access,
                status=status, reason=path.reason, firewalls=path.firewalls,
                peerings=path.peerings, hops=path.hops, private_endpoint=path.private_endpoint,
                region=region, policy=checks, address=own.destination.address
                or (f"{target.ip}/32" if target else None), daily_gb=own.daily_gb)


def workload_target(workload: Workload, kind: TargetKind | None) -> str | None:
    """What the workload's private endpoint would target, if its type has one: the vault or
    storage account its backup writes to, else the Key Vault or scope its `target` names."""
    if kind is None:
        return None
    if kind == "vault":
        return workload.backup.vault
    if kind == "storage_account":
        return workload.backup.storage_account
    return workload.target


@functools.cache
def _ordered_flows(flows: tuple[CatalogFlow, ...]) -> list[CatalogFlow]:
    """The contract's order: number, then service."""
    return sorted(flows, key=lambda f: (CATEGORY_NUMBER[f.category], f.service))


def _platform_path(workload: str, service: str) -> FlowPath:
    # Azure VM backup needs no outbound connectivity from the VM: the platform takes and moves
    # the snapshot, and the agent talks to 168.63.129.16, which no route can override
    # (azure-rules.md 2.4 and 6).
    return FlowPath(access="platform", status="delivered",
                    reason="platform: Azure Backup moves the snapshot over the Azure fabric; "
                           "no customer route, NSG or firewall applies",
                    firewalls=(), peerings=(),
                    hops=(Hop(workload, "workload"), Hop(service, "service")),
                    private_endpoint=None)


def _private_endpoint_for(workload: Workload, service: str, kind: WorkloadType,
                          topology: Topology, catalog: Catalog) -> str | None:
    """The private endpoint that could make this flow private, if any (azure-rules.md 4).

    Whether the client's DNS resolves the names to it is `dns.py`'s question. With several
    endpoints for one target, the one in the workload's VNet is used, else one in a peered
    VNet, else the first.
    """
    target = workload_target(workload, kind.target)
    if target is None or service not in catalog.covered(kind):
        return None
    endpoints = topology.private_endpoints_by_target.get(target, [])
    if not endpoints:
        return None
    own_vnet = workload.subnet.split("/", 1)[0]
    peers = set(topology.peered_vnets(own_vnet))

    def preference(pe: PrivateEndpoint) -> int:
        vnet = pe.subnet.split("/", 1)[0]
        return 0 if vnet == own_vnet else 1 if vnet in peers else 2

    return min(endpoints, key=preference).name


class PathCache:
    """Paths by (source subnet's route table, service, its region, endpoint): every workload
    of a subnet takes the same path, so an estate of thousands of workloads follows each path
    once."""

    def __init__(self, topology: Topology, router: Router) -> None:
        self.topology = topology
        self.router = router
        self._paths: dict[tuple[ViewKey, str, str | None, str | None], FlowPath] = {}

    def follow(self, workload: Workload, service: str, endpoint: str | None,
               region: str | None = None, tag: str | None = None,
               target: AddressTarget | None = None) -> FlowPath:
        """`tag`: the service tag that holds the service's addresses (default: `service`);
        each service has one, so the service names the path in the cache (an own flow's
        `target` too: the flow is its service)."""
        subnet = self.topology.subnets[workload.subnet]
        key = (self.router.effective_routes(subnet).key, service, region, endpoint)
        path = self._paths.get(key)
        if path is None:
            follower = PathFollower(self.topology, self.router, service, endpoint, region,
                                    tag, target)
            path = self._paths[key] = follower.follow(workload.name, subnet)
        first, *rest = path.hops
        if first.node == workload.name:
            return path
        return path._replace(hops=(Hop(workload.name, first.kind, first.route), *rest),
                             reason=path.reason.replace(first.node, workload.name)
                             if path.status == "loop" else path.reason)


class PolicyCache:
    """The policy checks of delivered flows, by source subnet, service, region and path:
    every workload of a subnet gets the same answer. Platform flows are not network traffic
    from the workload, and dropped flows never reach a decision: neither gets checks."""

    def __init__(self, topology: Topology, catalog: Catalog, regions: RegionTable) -> None:
        self.topology = topology
        self.catalog = catalog
        self.regions = regions
        self.evaluator = PolicyEvaluator(topology)
        self._checks: dict[tuple[str, str, str | None, tuple[str, ...]],
                           tuple[PolicyCheck, ...]] = {}

    def checks(self, workload: Workload, service: str, region: str | None, path: FlowPath,
               target: AddressTarget | None = None) -> tuple[PolicyCheck, ...]:
        if path.status != "delivered" or path.access == "platform":
            return ()
        hops = tuple((h.node, h.kind) for h in path.hops[1:])
        key = (workload.subnet, service, region, tuple(f"{n}:{k}" for n, k in hops))
        found = self._checks.get(key)
        if found is None:
            subnet = self.topology.subnets[workload.subnet]
            spec = self.catalog.services[service]
            destination = (
                PolicyDestination(address=parse_address(
                    self.topology.private_endpoint_ips[path.private_endpoint]))
                if path.access == "private-endpoint" and path.private_endpoint
                else PolicyDestination(address=parse_address(target.ip)) if target
                else self._service_destination(service, region))
            traffic = Traffic(subnet.network, destination, spec.port, spec.fqdns, spec.fqdn_tag,
                              spec.protocol)
            found = self._checks[key] = self.evaluator.checks(subnet, hops, traffic)
        return found

    def _service_destination(self, service: str, region: str | None) -> PolicyDestination:
        """The service's public endpoint, by its tag: in a region only for the tags of Azure
        services (`Internet` is everywhere)."""
        tag = self.catalog.tag(service)
        if tag not in self.catalog.service_tags:
            return PolicyDestination(service=tag)
        return PolicyDestination(service=tag, region=region, region_tag=self._region_tag(region))

    def _region_tag(self, region: str | None) -> str | None:
        """`WestEurope`: how a regional service tag spells the region."""
        if region is None or region not in self.regions.regions:
            return region
        return self.regions.display_name(region).replace(" ", "")


class PathFollower:
    """Follows one flow from its workload, hop by hop (azure-rules.md 5)."""

    def __init__(self, topology: Topology, router: Router, service: str,
                 private_endpoint: str | None, region: str | None = None,
                 tag: str | None = None, target: AddressTarget | None = None) -> None:
        self.topology = topology
        self.router = router
        self.service = service
        self.private_endpoint = private_endpoint
        self.target = target
        # Routes know services by their service tag: two legs to one tag on different
        # ports (AKS's tunnel to AzureCloud) are two services with the same tag.
        self.destination: Destination = (
            AddressDestination(topology.private_endpoint_ips[private_endpoint])
            if private_endpoint else AddressDestination(target.ip) if target
            else ServiceDestination(tag or service, region)
        )

    def follow(self, workload: str, subnet: SubnetRef) -> FlowPath:
        """The path of this flow from `workload` in `subnet`."""
        topo = self.topology
        # The nodes the flow is at: one, or the appliances a load balancer or an ECMP route
        # hands it to (any one of them takes it: appliances.py).
        nodes: tuple[str, ...] = (workload,)
        kind: NodeKind = "workload"
        hops: list[Hop] = []
        firewalls: list[str] = []
        peerings: list[str] = []
        visited = set(nodes)
        origin = subnet.vnet.name  # where the packets' source address is (peering forwarding)
        while True:
            view = self.router.effective_routes(subnet)
            route = self.router.select_route(view, self.destination)
            hops.extend(Hop(node, kind, route) for node in nodes)
            if route is None:
                return self._end(hops, firewalls, peerings, "dropped", None,
                                 f"no route covers {self.destination} in {subnet.id}")
            if hands_to_appliance(route):
                found, why = self._appliance(route, subnet, peerings, origin)
                if found is None:
                    return self._end(hops, firewalls, peerings, "dropped", None,
                                     f"{route.label()}: {why}")
                back = next((f.name for f in found.firewalls if f.name in visited), None)
                if back is not None:
                    cycle = " > ".join([*(h.node for h in hops), back])
                    return self._end(hops, firewalls, peerings, "loop", None,
                                     f"{route.label()}: back to {back}, a loop ({cycle})")
                hops.extend(Hop(balancer.name, "load-balancer") for balancer in found.balancers)
                nodes, kind = tuple(f.name for f in found.firewalls), "firewall"
                visited.update(nodes)
                firewalls.extend(nodes)
                # Assumed: alternatives route alike from the first one's subnet (a load
                # balancer's backends share one subnet: network_validation.py).
                subnet = topo.subnet_of_firewall(found.firewalls[0])
                continue
            return self._terminal(route, subnet, hops, firewalls, peerings, origin)

    def _appliance(self, route: EffectiveRoute, subnet: SubnetRef, peerings: list[str],
                   origin: str) -> tuple[Stops | None, str]:
        """The appliances a route hands the flow to (appliances.py); else None and why.

        Azure does not route to a next hop recursively: each next hop IP must lie in the
        subnet's own VNet or in a directly peered one, whatever User routes cover it
        (azure-rules.md 5).
        """
        found, why = stops(self.topology, route, self.router.catalog.services[self.service].port)
        if found is None:
            return None, why
        view = self.router.effective_routes(subnet)
        crossed: list[str] = []  # next hops in one peered VNet cross its peering once
        for ip in next_hop_ips(route):
            name, vnet = self.topology.appliance_at(ip)
            reach = self.router.reaching_route(view, ip)
            if reach is None:
                return None, (f"next hop {ip} ({name}) is neither in {subnet.vnet.name} "
                              f"nor in a VNet peered with it")
            if reach.next_hop_type == "VNetPeering":
                refused = self.topology.forwarding_refused(vnet, subnet.vnet.name, origin)
                if refused is not None:
                    return None, refused
                if reach.peering not in crossed:
                    crossed.append(reach.peering or "")
        peerings.extend(crossed)
        return found, ""

    def _terminal(self, route: EffectiveRoute, subnet: SubnetRef, hops: list[Hop],
                  firewalls: list[str], peerings: list[str], origin: str) -> FlowPath:
        hop_type, label = route.next_hop_type, route.label()
        if hop_type == "None":
            why = route.note or "next hop None drops the traffic"
            return self._end(hops, firewalls, peerings, "dropped", None, f"{label}: {why}")
        if hop_type == "Internet":
            if self.target is not None and self.target.vnet is not None:
                # An address inside a VNet of the design, whatever its range: the Internet
                # route does not lead into a VNet the subnet is not peered with.
                return self._end(hops, firewalls, peerings, "dropped", None,
                                 f"{label}: {self.target.node} is in {self.target.vnet}, which "
                                 f"{subnet.vnet.name} reaches by no peering; the route sends "
                                 f"it to the Internet")
            if self.target is not None and not parse_address(self.target.ip).is_private:
                hops.append(Hop(self.target.node, self.target.kind))
                return self._end(hops, firewalls, peerings, "delivered", "public", label)
            if isinstance(self.destination, AddressDestination):
                return self._end(hops, firewalls, peerings, "dropped", None,
                                 f"{label}: private address {self.destination} sent to the "
                                 f"Internet")
            hops.append(Hop(self.service, "service"))
            return self._end(hops, firewalls, peerings, "delivered", "public", label)
        if hop_type == "VirtualNetworkServiceEndpoint":
            hops.append(Hop(self.service, "service"))
            return self._end(hops, firewalls, peerings, "delivered", "service-endpoint", label)
        if hop_type == "VirtualNetworkGateway":
            if route.gateway is None:
                return self._end(hops, firewalls, peerings, "dropped", None,
                                 f"{label}: {route.note or 'no gateway'}")
            if route.gateway_vnet and route.gateway_vnet != subnet.vnet.name:
                peering = self.topology.peering_between(subnet.vnet.name, route.gateway_vnet)
                refused = self.topology.forwarding_refused(route.gateway_vnet,
                                                           subnet.vnet.name, origin)
                if refused is not None:
                    return self._end(hops, firewalls, peerings, "dropped", None,
                                     f"{label}: {refused}")
                if peering is not None:
                    peerings.append(peering.id)
            hops.append(Hop(route.gateway, "gateway"))
            if self.target is not None:
                # An on-premises address the design names: beyond the gateway.
                hops.append(Hop(self.target.node, "address"))
            return self._end(hops, firewalls, peerings, "delivered", "on-premises", label)
        if hop_type in ("InterfaceEndpoint", "VnetLocal", "VNetPeering"):
            if self.target is not None:
                return self._to_address(route, subnet, hops, firewalls, peerings, origin)
            return self._to_private_endpoint(route, subnet, hops, firewalls, peerings, origin)
        raise AssertionError(f"unhandled next hop type {hop_type}")

    def _to_address(self, route: EffectiveRoute, subnet: SubnetRef, hops: list[Hop],
                    firewalls: list[str], peerings: list[str], origin: str) -> FlowPath:
        """A private address in a VNet: another workload, or an address the design names.
        Reached across at most one peering, as a private endpoint is."""
        target, label = self.target, route.label()
        assert target is not None
        if target.vnet is None:
            return self._end(hops, firewalls, peerings, "dropped", None,
                             f"{label}: {target.ip} is in no VNet of the design")
        if target.vnet != subnet.vnet.name:
            peering = self.topology.peering_between(subnet.vnet.name, target.vnet)
            if peering is None:
                return self._end(hops, firewalls, peerings, "dropped", None,
                                 f"{label}: {target.node} is in {target.vnet}, not peered with "
                                 f"{subnet.vnet.name}")
            refused = self.topology.forwarding_refused(target.vnet, subnet.vnet.name, origin)
            if refused is not None:
                return self._end(hops, firewalls, peerings, "dropped", None,
                                 f"{label}: {refused}")
            peerings.append(peering.id)
        hops.append(Hop(target.node, target.kind))
        return self._end(hops, firewalls, peerings, "delivered", "virtual-network", label)

    def _to_private_endpoint(self, route: EffectiveRoute, subnet: SubnetRef, hops: list[Hop],
                             firewalls: list[str], peerings: list[str],
                             origin: str) -> FlowPath:
        label = route.label()
        pe_name = self.private_endpoint
        if pe_name is None:
            return self._end(hops, firewalls, peerings, "dropped", None,
                             f"{label}: the public endpoint of {self.service} is not in a "
                             f"virtual network")
        pe_vnet = self.topology.subnets[_pe_subnet(self.topology, pe_name)].vnet.name
        if pe_vnet != subnet.vnet.name:
            peering = self.topology.peering_between(subnet.vnet.name, pe_vnet)
            if peering is None:
                return self._end(hops, firewalls, peerings, "dropped", None,
                                 f"{label}: {pe_name} is in {pe_vnet}, not peered with "
                                 f"{subnet.vnet.name}")
            refused = self.topology.forwarding_refused(pe_vnet, subnet.vnet.name, origin)
            if refused is not None:
                return self._end(hops, firewalls, peerings, "dropped", None,
                                 f"{label}: {refused}")
            peerings.append(peering.id)
        hops.append(Hop(pe_name, "private-endpoint"))
        return self._end(hops, firewalls, peerings, "delivered", "private-endpoint", label)

    def _end(self, hops: list[Hop], firewalls: list[str], peerings: list[str], status: Status,
             access: Access | None, reason: str) -> FlowPath:
        if status == "delivered":
            # The route that decided a delivered flow is the one its workload's subnet chose:
            # it is what sends the flow through a firewall or around it.
            first = hops[0].route
            reason = first.label() if first is not None else reason
        return FlowPath(access=access, status=status, reason=reason,
                        firewalls=tuple(firewalls), peerings=tuple(peerings), hops=tuple(hops),
                        private_endpoint=self.private_endpoint)


def _pe_subnet(topology: Topology, name: str) -> str:
    return next(pe.subnet for pe in topology.design.private_endpoints if pe.name == name)

