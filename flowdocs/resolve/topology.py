"""Indexes over a validated design: names to objects, peers, and who owns which IP.

Everything here is derived once per design so that routing and path following are lookups.
The design must have passed `validate.check_design`; references are assumed to resolve.
"""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass, field
from functools import cached_property

from flowdocs.load.model import (
    Design,
    Firewall,
    Gateway,
    Peering,
    PrivateEndpoint,
    RouteTable,
    Subnet,
    VNet,
    Workload,
)
from flowdocs.load.network_model import LoadBalancer, RouteServer

# Azure keeps the first four addresses and the last of every subnet for itself.
# learn.microsoft.com/azure/virtual-network/virtual-networks-faq (reserved addresses)
RESERVED_LOW_ADDRESSES = 4


@functools.cache
def parse_network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """A CIDR parsed once: large estates repeat the same prefixes in every route table."""
    return ipaddress.ip_network(text)


@functools.cache
def parse_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(text)


@dataclass(frozen=True)
class SubnetRef:
    """A subnet with the VNet that holds it."""

    vnet: VNet
    subnet: Subnet

    @property
    def id(self) -> str:
        return f"{self.vnet.name}/{self.subnet.name}"

    @cached_property
    def network(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
        return parse_network(self.subnet.prefix)


@dataclass
class Topology:
    """Lookups over one design."""

    design: Design
    vnets: dict[str, VNet] = field(init=False)
    subnets: dict[str, SubnetRef] = field(init=False)
    route_tables: dict[str, RouteTable] = field(init=False)
    route_table_index: dict[str, int] = field(init=False)
    firewalls: dict[str, Firewall] = field(init=False)
    firewall_by_ip: dict[str, Firewall] = field(init=False)
    workload_by_ip: dict[str, Workload] = field(init=False)
    gateways_by_vnet: dict[str, list[Gateway]] = field(init=False)
    route_servers_by_vnet: dict[str, list[RouteServer]] = field(init=False)
    load_balancer_by_ip: dict[str, LoadBalancer] = field(init=False)
    peerings_by_vnet: dict[str, list[tuple[Peering, str]]] = field(init=False)
    private_endpoint_ips: dict[str, str] = field(init=False)
    private_endpoint_ip_set: set[str] = field(init=False)
    private_endpoints_by_target: dict[str, list[PrivateEndpoint]] = field(init=False)

    def __post_init__(self) -> None:
        d = self.design
        self.vnets = {v.name: v for v in d.vnets}
        self.subnets = {f"{v.name}/{s.name}": SubnetRef(v, s) for v in d.vnets for s in v.subnets}
        self.route_tables = {t.name: t for t in d.route_tables}
        self.route_table_index = {t.name: i for i, t in enumerate(d.route_tables)}
        self.firewalls = {f.name: f for f in d.firewalls}
        self.firewall_by_ip = {f.private_ip: f for f in d.firewalls}
        self.workload_by_ip = {w.ip: w for w in d.workloads if w.ip}
        self.gateways_by_vnet = {}
        for g in d.gateways:
            self.gateways_by_vnet.setdefault(g.vnet, []).append(g)
        self.route_servers_by_vnet = {}
        for server in d.route_servers:
            self.route_servers_by_vnet.setdefault(server.vnet, []).append(server)
        self.load_balancer_by_ip = {lb.frontend_ip: lb for lb in d.load_balancers}
        self.peerings_by_vnet = {}
        for p in d.peerings:
            a, b = p.vnets
            self.peerings_by_vnet.setdefault(a, []).append((p, b))
            self.peerings_by_vnet.setdefault(b, []).append((p, a))
        self.private_endpoint_ips = _assign_private_endpoint_ips(self)
        self.private_endpoint_ip_set = set(self.private_endpoint_ips.values())
        self.private_endpoints_by_target = {}
        for pe in d.private_endpoints:
            self.private_endpoints_by_target.setdefault(pe.target, []).append(pe)

    def subnet_of_firewall(self, firewall: Firewall) -> SubnetRef:
        return self.subnets[firewall.subnet]

    def appliance_at(self, ip: str) -> tuple[str, str]:
        """The name and VNet of the load balancer or firewall whose address is `ip`; the
        address must be one of theirs."""
        balancer = self.load_balancer_by_ip.get(ip)
        place = balancer.subnet if balancer else self.firewall_by_ip[ip].subnet
        return (balancer or self.firewall_by_ip[ip]).name, place.split("/", 1)[0]

    def peered_vnets(self, vnet: str) -> list[str]:
        return [remote for _, remote in self.peerings_by_vnet.get(vnet, [])]

    def peering_between(self, a: str, b: str) -> Peering | None:
        for peering, remote in self.peerings_by_vnet.get(a, []):
            if remote == b:
                return peering
        return None

    def region_of(self, vnet: str) -> str | None:
        """The VNet's Azure region: its own `region`, else the design's (None: not given)."""
        own = self.vnets[vnet].region if vnet in self.vnets else None
        return own or self.design.region

    def remote_gateways(self, vnet: str) -> list[Gateway]:
        """Gateways whose BGP routes reach subnets of `vnet`: its own, and the remote VNet's
        through a peering whose `vnet` link uses remote gateways and whose remote link allows
        gateway transit (virtual-network-manage-peering)."""
        found = list(self.gateways_by_vnet.get(vnet, []))
        for remote in self._transit_vnets(vnet):
            found.extend(self.gateways_by_vnet.get(remote, []))
        return found

    def serving_route_servers(self, vnet: str) -> list[RouteServer]:
        """Route Servers that program their peers' routes into subnets of `vnet`: its own,
        and a peered VNet's reached the way a remote gateway is (use remote gateways on
        `vnet`'s link, gateway transit on the other), as Learn's Route Server FAQ says."""
        found = list(self.route_servers_by_vnet.get(vnet, []))
        for remote in self._transit_vnets(vnet):
            found.extend(self.route_servers_by_vnet.get(remote, []))
        return found

    def _transit_vnets(self, vnet: str) -> list[str]:
        """The peered VNets whose gateways `vnet` uses."""
        return [remote for peering, remote in self.peerings_by_vnet.get(vnet, [])
                if peering.link(vnet).use_remote_gateways
                and peering.link(remote).allow_gateway_transit]

    def forwarding_refused(self, into: str, from_vnet: str, origin: str) -> str | None:
        """Why the peering refuses a packet that crosses from `from_vnet` into `into`, or None.

        `origin` is the VNet the packet's source address is in. A packet that did not
        originate in `from_vnet` was forwarded by an appliance there; it enters `into` only
        when `into`'s own link allows forwarded traffic ("Allow traffic forwarded from the
        remote virtual network": learn.microsoft.com/azure/virtual-network/
        virtual-network-manage-peering; azure-rules.md 5). Traffic that originates in the
        remote VNet never depends on it.
        """
        if origin == from_vnet:
            return None
        peering = self.peering_between(into, from_vnet)
        if peering is None or peering.link(into).allow_forwarded_traffic:
            return None
        return (f"peering link {into} -> {from_vnet} ({peering.id}) has "
                f"allow_forwarded_traffic false: it refuses traffic from {origin} that "
                f"{from_vnet} forwards into {into}")


def _assign_private_endpoint_ips(topology: Topology) -> dict[str, str]:
    """Each private endpoint's IP: as written, or the subnet's first free address, in design
    order. Azure allocates dynamically the same way (first free after the reserved .0-.3)."""
    design = topology.design
    taken: set[str] = {pe.ip for pe in design.private_endpoints if pe.ip}
    taken |= {f.private_ip for f in design.firewalls}
    taken |= {w.ip for w in design.workloads if w.ip}
    taken |= {lb.frontend_ip for lb in design.load_balancers}
    assigned: dict[str, str] = {}
    for pe in design.private_endpoints:
        if pe.ip:
            assigned[pe.name] = pe.ip
            continue
        network = topology.subnets[pe.subnet].network
        for offset in range(RESERVED_LOW_ADDRESSES, network.num_addresses - 1):
            candidate = str(network.network_address + offset)
            if candidate not in taken:
                taken.add(candidate)
                assigned[pe.name] = candidate
                break
    return assigned
