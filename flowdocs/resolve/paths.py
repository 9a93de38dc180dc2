"""Following a flow hop by hop (azure-rules.md 5): from its workload's subnet, through the
appliances its routes hand it to, to a service, a private endpoint, a gateway or an address.

`PathCache` keeps each path by the source subnet's route table, so an estate of thousands of
workloads follows each path once.
"""

from __future__ import annotations

from flowdocs.load.model import Workload
from flowdocs.resolve.appliances import Stops, hands_to_appliance, next_hop_ips, stops
from flowdocs.resolve.flow_types import Access, AddressTarget, FlowPath, Hop, NodeKind, Status
from flowdocs.resolve.routing import (
    AddressDestination,
    Destination,
    EffectiveRoute,
    Router,
    ServiceDestination,
    ViewKey,
)
from flowdocs.resolve.topology import SubnetRef, Topology, parse_address


def platform_path(workload: str, service: str) -> FlowPath:
    # Azure VM backup needs no outbound connectivity from the VM: the platform takes and moves
    # the snapshot, and the agent talks to 168.63.129.16, which no route can override
    # (azure-rules.md 2.4 and 6).
    return FlowPath(access="platform", status="delivered",
                    reason="platform: Azure Backup moves the snapshot over the Azure fabric; "
                           "no customer route, NSG or firewall applies",
                    firewalls=(), peerings=(),
                    hops=(Hop(workload, "workload"), Hop(service, "service")),
                    private_endpoint=None)


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
