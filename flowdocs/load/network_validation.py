"""Cross-field checks of a design's gateways, Route Servers and load balancers
(network_model.py): references, addresses and what Azure refuses. Pure: no I/O.

Where Azure's rule is the reason, the message says so; where flowdocs needs more than Azure
does (a load balancer's backends in one subnet, so that a flow has one way on), it says that.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

from flowdocs.load.diagnostics import DataPath, Diagnostic
from flowdocs.load.model import Design, Gateway, VNet
from flowdocs.load.network_model import LoadBalancer, RouteServer

GATEWAY_SUBNET = "GatewaySubnet"
ROUTE_SERVER_SUBNET = "RouteServerSubnet"
# Learn, "Quickstart: Create a Route Server": RouteServerSubnet must be /27 or larger.
ROUTE_SERVER_SUBNET_LONGEST = 27
# A VPN gateway runs one instance, or two when active-active (vpn-gateway-highlyavailable).
VPN_GATEWAY_INSTANCES = 2


class _Named(Protocol):
    @property
    def name(self) -> str: ...


def check_network_parts(design: Design, unknown: Callable[..., str]) -> Iterator[Diagnostic]:
    """Every problem of the design's gateways' instances and connections, Route Servers and
    load balancers. `unknown` words a reference to a name that does not exist
    (validation.py's)."""
    vnets = {v.name: v for v in design.vnets}
    yield from _unique(design.route_servers, ("route_servers",), "route server")
    yield from _unique(design.load_balancers, ("load_balancers",), "load balancer")
    for g, gateway in enumerate(design.gateways):
        yield from _gateway_problems(gateway, ("gateways", g), vnets.get(gateway.vnet))
    servers_in: dict[str, str] = {}
    for r, server in enumerate(design.route_servers):
        path: DataPath = ("route_servers", r)
        vnet = vnets.get(server.vnet)
        if vnet is None:
            yield _error(unknown("vnet", server.vnet, vnets), (*path, "vnet"))
        else:
            yield from _route_server_subnet(server, vnet, path)
            if server.vnet in servers_in:
                yield _error(f"vnet '{server.vnet}' already has route server "
                             f"'{servers_in[server.vnet]}'; Azure allows one per VNet",
                             (*path, "vnet"))
            servers_in.setdefault(server.vnet, server.name)
        yield from _peer_problems(design, server, path)
    for b, balancer in enumerate(design.load_balancers):
        yield from _balancer_problems(design, balancer, ("load_balancers", b), unknown)


def _error(message: str, path: DataPath, on_key: bool = False) -> Diagnostic:
    return Diagnostic("error", message, path, on_key=on_key)


def _unique(items: Sequence[_Named], path: DataPath, noun: str, where: str = ""
            ) -> Iterator[Diagnostic]:
    seen: set[str] = set()
    for index, item in enumerate(items):
        # Azure resource names are case-insensitive.
        if item.name.casefold() in seen:
            yield _error(f"duplicate {noun} name '{item.name}'{where}", (*path, index, "name"))
        seen.add(item.name.casefold())


def _subnet(vnet: VNet, name: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    prefix = next((s.prefix for s in vnet.subnets if s.name == name), None)
    return None if prefix is None else ipaddress.ip_network(prefix)


# Gateways ------------------------------------------------------------------------------------


def _gateway_problems(gateway: Gateway, path: DataPath, vnet: VNet | None
                      ) -> Iterator[Diagnostic]:
    if gateway.type == "vpn" and len(gateway.instances) > VPN_GATEWAY_INSTANCES:
        yield _error(f"a VPN gateway has one instance, or two when active-active; "
                     f"{len(gateway.instances)} are given", (*path, "instances"))
    seen: set[str] = set()
    for i, ip in enumerate(gateway.instances):
        if ip in seen:
            yield _error(f"instance {ip} is listed twice", (*path, "instances", i))
        seen.add(ip)
        problem = None if vnet is None else _instance_problem(ip, vnet)
        if problem:
            yield _error(problem, (*path, "instances", i))
    yield from _unique(gateway.connections, (*path, "connections"), "connection",
                       f" in gateway '{gateway.name}'")
    wanted = "ipsec" if gateway.type == "vpn" else "expressroute"
    for c, connection in enumerate(gateway.connections):
        at: DataPath = (*path, "connections", c)
        if connection.type != wanted:
            yield _error(f"a {'VPN' if wanted == 'ipsec' else 'ExpressRoute'} gateway's "
                         f"connections are of type {wanted}, not {connection.type}",
                         (*at, "type"))
        elif not connection.uses_bgp and connection.type == "expressroute":
            yield _error("an ExpressRoute connection always uses BGP: bgp cannot be false",
                         (*at, "bgp"))


def _instance_problem(ip: str, vnet: VNet) -> str | None:
    """A gateway's instances are in its VNet's GatewaySubnet; a design that does not declare
    that subnet is only held to the VNet's address space."""
    address = ipaddress.ip_address(ip)
    subnet = _subnet(vnet, GATEWAY_SUBNET)
    if subnet is not None:
        if address not in subnet:
            return (f"instance {ip} is outside {vnet.name}/{GATEWAY_SUBNET} ({subnet}), where "
                    "the gateway's instances are")
        return None
    if not any(address in ipaddress.ip_network(space) for space in vnet.address_space):
        return f"instance {ip} is outside the address space of vnet '{vnet.name}'"
    return None


# Route Servers -------------------------------------------------------------------------------


def _route_server_subnet(server: RouteServer, vnet: VNet, path: DataPath
                         ) -> Iterator[Diagnostic]:
    subnet = _subnet(vnet, ROUTE_SERVER_SUBNET)
    if subnet is None:
        yield _error(f"route server '{server.name}' needs a subnet named {ROUTE_SERVER_SUBNET} "
                     f"in vnet '{vnet.name}'; it has none", (*path, "vnet"))
    elif subnet.prefixlen > ROUTE_SERVER_SUBNET_LONGEST:
        yield _error(f"{vnet.name}/{ROUTE_SERVER_SUBNET} is {subnet}; Azure Route Server needs "
                     f"a /{ROUTE_SERVER_SUBNET_LONGEST} or larger", (*path, "vnet"))


def _peer_problems(design: Design, server: RouteServer, path: DataPath
                   ) -> Iterator[Diagnostic]:
    firewalls = {f.private_ip: f for f in design.firewalls}
    frontends = {b.frontend_ip for b in design.load_balancers}
    yield from _unique(server.peers, (*path, "peers"), "peer", f" in route server '{server.name}'")
    for p, peer in enumerate(server.peers):
        at: DataPath = (*path, "peers", p)
        firewall = firewalls.get(peer.peer_ip)
        if firewall is None:
            # flowdocs follows a flow to the NVA at the route's next hop: it must know it.
            yield _error(f"peer_ip {peer.peer_ip} is not the private_ip of a firewall or NVA of "
                         "the design", (*at, "peer_ip"))
        elif firewall.type != "nva":
            yield _error(f"peer_ip {peer.peer_ip} is Azure Firewall '{firewall.name}', which does "
                         "not speak BGP with a Route Server; peers are NVAs", (*at, "peer_ip"))
        hop = peer.next_hop_ip
        if hop is not None and hop not in frontends and hop not in firewalls:
            yield _error(f"next_hop_ip {hop} is neither a load balancer's frontend_ip nor a "
                         "firewall's or NVA's private_ip", (*at, "next_hop_ip"))


# Load balancers ------------------------------------------------------------------------------


def _balancer_problems(design: Design, balancer: LoadBalancer, path: DataPath,
                       unknown: Callable[..., str]) -> Iterator[Diagnostic]:
    subnets = {f"{v.name}/{s.name}": s.prefix for v in design.vnets for s in v.subnets}
    prefix = subnets.get(balancer.subnet)
    if prefix is None:
        yield _error(unknown("subnet", balancer.subnet, subnets), (*path, "subnet"))
    elif ipaddress.ip_address(balancer.frontend_ip) not in ipaddress.ip_network(prefix):
        yield _error(f"frontend_ip {balancer.frontend_ip} is outside subnet '{balancer.subnet}' "
                     f"({prefix})", (*path, "frontend_ip"))
    holder = _address_holder(design, balancer)
    if holder:
        yield _error(f"frontend_ip {balancer.frontend_ip} is already the address of {holder}",
                     (*path, "frontend_ip"))
    if balancer.ha_ports and balancer.ports:
        yield _error("ports is only for a load balancer without ha_ports, which forwards "
                     "every port", (*path, "ports"), on_key=True)
    elif not balancer.ha_ports and not balancer.ports:
        yield _error("a load balancer without ha_ports needs ports: the TCP ports its "
                     "load-balancing rules forward", (*path, "ports"), on_key=True)
    yield from _backend_problems(design, balancer, path, unknown)


def _address_holder(design: Design, balancer: LoadBalancer) -> str | None:
    """What else of the design has the frontend's address, worded; None when nothing."""
    ip = balancer.frontend_ip
    holders = [*(f"firewall '{f.name}'" for f in design.firewalls if f.private_ip == ip),
               *(f"workload '{w.name}'" for w in design.workloads if w.ip == ip),
               *(f"private endpoint '{e.name}'" for e in design.private_endpoints if e.ip == ip),
               *(f"load balancer '{b.name}'" for b in design.load_balancers
                 if b.frontend_ip == ip and b is not balancer)]
    return holders[0] if holders else None


def _backend_problems(design: Design, balancer: LoadBalancer, path: DataPath,
                      unknown: Callable[..., str]) -> Iterator[Diagnostic]:
    firewalls = {f.name: f for f in design.firewalls}
    vnet = balancer.subnet.split("/", 1)[0]
    placed: dict[str, str] = {}  # subnet -> the first backend in it
    for k, name in enumerate(balancer.backends):
        at: DataPath = (*path, "backends", k)
        firewall = firewalls.get(name)
        if firewall is None:
            yield _error(unknown("firewall", name, firewalls), at)
            continue
        if name in balancer.backends[:k]:
            yield _error(f"backend '{name}' is listed twice", at)
        elif firewall.type != "nva":
            yield _error(f"backend '{name}' is an Azure Firewall, which balances its own "
                         "instances; a load balancer's backends are NVAs", at)
        elif firewall.subnet.split("/", 1)[0] != vnet:
            yield _error(f"backend '{name}' is in {firewall.subnet}, outside vnet '{vnet}' of "
                         "its internal load balancer", at)
        elif placed and firewall.subnet not in placed:
            first_subnet, first = next(iter(placed.items()))
            yield _error(f"backend '{name}' is in {firewall.subnet} and backend '{first}' in "
                         f"{first_subnet}: flowdocs follows a flow on from the backends' one "
                         "subnet, so they must share it", at)
        placed.setdefault(firewall.subnet, name)
