"""Where a route hands a flow to appliances: one firewall or NVA, the backends of an internal
load balancer, or several NVAs that one ECMP route names (a Route Server's peers).

The flow crosses one of them, which one Azure's hashing decides; each of them must allow it.
`flows.py` follows the flow through them and `render/scene.py` draws them side by side, both
from `stops`, so the two cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from flowdocs.load.model import Firewall
from flowdocs.load.network_model import LoadBalancer
from flowdocs.resolve.routing import EffectiveRoute
from flowdocs.resolve.topology import Topology


@dataclass(frozen=True)
class Stops:
    """The appliances a route hands a flow to: the load balancers on the way, then every
    firewall or NVA that may take it, in the design's order, each once."""

    balancers: tuple[LoadBalancer, ...]
    firewalls: tuple[Firewall, ...]


def hands_to_appliance(route: EffectiveRoute) -> bool:
    """A User route to a virtual appliance, or a Route Server's route, whose next hop is the
    NVA that advertised it (its type says VirtualNetworkGateway, as Azure prints it)."""
    return route.next_hop_type == "VirtualAppliance" or route.route_server is not None


def next_hop_ips(route: EffectiveRoute) -> tuple[str, ...]:
    """All the next hops of the route: every row of an ECMP route, else its one IP."""
    if route.next_hops:
        return route.next_hops
    return (route.next_hop_ip,) if route.next_hop_ip else ()


def stops(topology: Topology, route: EffectiveRoute, port: int) -> tuple[Stops | None, str]:
    """The appliances `route` hands a flow to TCP `port` to; None and why when one of its
    next hops is no appliance of the design, or a load balancer that does not forward the
    port (without HA ports only the ports of its rules pass)."""
    balancers: list[LoadBalancer] = []
    firewalls: list[Firewall] = []
    for ip in next_hop_ips(route):
        balancer = topology.load_balancer_by_ip.get(ip)
        if balancer is not None:
            if not balancer.balances(port):
                ports = ", ".join(map(str, balancer.ports)) or "none"
                return None, (f"load balancer {balancer.name} at {ip} has no HA ports and no "
                              f"load-balancing rule for TCP {port} (its ports: {ports})")
            balancers.append(balancer)
            firewalls += [topology.firewalls[name] for name in balancer.backends]
            continue
        firewall = topology.firewall_by_ip.get(ip)
        if firewall is None:
            return None, f"no firewall or NVA of the design has IP {ip}"
        firewalls.append(firewall)
    if not firewalls:
        return None, "the route names no next hop"
    unique = {f.name: f for f in firewalls}
    return Stops(tuple(balancers), tuple(unique.values())), ""
