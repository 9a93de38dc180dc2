"""What the diagram shows of gateways, Route Servers and load balancers, and how a flow's
hops are drawn when a route hands it to several appliances (`scene.py` builds the nodes).

A flow that a load balancer or an ECMP route hands to a pair of NVAs crosses one of them:
the diagram draws the load balancer, then the NVAs side by side, each joined to what comes
before and after them, never one after the other.
"""

from __future__ import annotations

from flowdocs.load.model import Gateway
from flowdocs.load.network_model import LoadBalancer, RouteServer
from flowdocs.resolve.appliances import hands_to_appliance, stops
from flowdocs.resolve.flows import Flow
from flowdocs.resolve.topology import Topology

CONNECTION_KINDS = {"ipsec": "IPsec", "expressroute": "ExpressRoute"}


def gateway_detail(gateway: Gateway) -> tuple[str, ...]:
    """The gateway's kind, then its instances and each connection in one line each."""
    kind = "ExpressRoute gateway" if gateway.type == "expressroute" else "VPN gateway"
    lines = [kind]
    if gateway.instances:
        lines.append("instances " + ", ".join(gateway.instances))
    for connection in gateway.connections:
        how = "BGP" if connection.uses_bgp else "static"
        learned = ", ".join(connection.learned_prefixes) or "nothing"
        lines.append(f"{connection.name} ({CONNECTION_KINDS[connection.type]}, {how}): "
                     f"{learned}")
    return tuple(lines)


def route_server_detail(server: RouteServer, topology: Topology) -> tuple[str, ...]:
    """`Route Server`, the NVAs it learns from, and branch to branch when it is on."""
    lines = ["Route Server"]
    if server.peers:
        lines.append("learns from " + ", ".join(peer_names(server, topology)))
    if server.branch_to_branch:
        lines.append("branch to branch: on")
    return tuple(lines)


def peer_names(server: RouteServer, topology: Topology) -> list[str]:
    """The firewall or NVA name of each peer (its address, where the design has none)."""
    return [topology.firewall_by_ip[p.peer_ip].name if p.peer_ip in topology.firewall_by_ip
            else p.peer_ip for p in server.peers]


def balancer_detail(balancer: LoadBalancer) -> tuple[str, ...]:
    ports = "HA ports" if balancer.ha_ports else "ports " + ", ".join(map(str, balancer.ports))
    return ("internal load balancer", f"{balancer.frontend_ip}, {ports}",
            "to " + " or ".join(balancer.backends))


def hop_groups(topology: Topology, flow: Flow) -> list[tuple[int, ...]]:
    """The flow's hops (by index) in drawing order, alternatives grouped: a route that hands
    the flow to a load balancer or an ECMP route's NVAs is followed by the load balancer's
    hop, then one hop per appliance (flows.py), which are drawn side by side."""
    hops = flow.hops
    groups: list[tuple[int, ...]] = [(0,)] if hops else []
    index = 0
    while index < len(hops) - 1:
        route = hops[index].route
        found = stops(topology, route, flow.port)[0] \
            if route is not None and hands_to_appliance(route) else None
        balancers = [b.name for b in found.balancers] if found else []
        firewalls = [f.name for f in found.firewalls] if found else []
        names = [*balancers, *firewalls]
        after = [h.node for h in hops[index + 1:index + 1 + len(names)]]
        if len(names) < 2 or after != names:
            groups.append((index + 1,))
            index += 1
            continue
        start = index + 1
        if balancers:
            groups.append(tuple(range(start, start + len(balancers))))
        groups.append(tuple(range(start + len(balancers), start + len(names))))
        index += len(names)
    return groups
