"""The routes gateways and Route Servers program into a VNet (docs/routing-rules.md,
"Gateways, Route Server and load-balanced appliances").

Plain data: `routing.py` turns each into rows of source `VirtualNetworkGateway`, one row per
next hop, as `az network nic show-effective-route-table` prints them.
"""

from __future__ import annotations

from dataclasses import dataclass

from flowdocs.load.model import Gateway
from flowdocs.load.network_model import RouteServer
from flowdocs.resolve.topology import Topology


@dataclass(frozen=True)
class LearnedRoute:
    """One prefix a gateway or a Route Server programs, with all its next hops (ECMP)."""

    prefix: str
    next_hops: tuple[str, ...]  # empty: Azure lists addresses the design cannot know
    gateway: Gateway | None = None
    route_server: RouteServer | None = None


def learned_routes(topology: Topology, vnet: str) -> list[LearnedRoute]:
    """The routes of the gateways and Route Servers that serve `vnet`, in design order."""
    found: list[LearnedRoute] = []
    for gateway in topology.remote_gateways(vnet):
        hops = gateway_next_hops(gateway)
        found += [LearnedRoute(p, hops, gateway=gateway) for p in gateway.learned_prefixes()]
    # Assumed: where a gateway and a Route Server program the same prefix, the gateway's
    # route is used. Route Server prefers ExpressRoute by default, and between VPN and an NVA
    # the shorter AS path, which a design does not state (route-server/hub-routing-preference).
    from_gateways = {route.prefix for route in found}
    for server in topology.serving_route_servers(vnet):
        found += [route for route in route_server_routes(server)
                  if route.prefix not in from_gateways]
    return found


def gateway_next_hops(gateway: Gateway) -> tuple[str, ...]:
    """The next hop IPs Azure lists for a gateway's routes.

    A VPN gateway's are its instances: an active-active gateway's routes show twice, once
    per instance's private IP (microsoft/WhatTheHack 036-BGP, challenge 1's effective routes).
    An ExpressRoute gateway's routes name the Microsoft Enterprise Edge routers instead, which
    are not the gateway's and which a design cannot know (observed in real tables; not
    documented): flowdocs lists them without a next hop IP, and `flowdocs verify` takes any.
    """
    return tuple(gateway.instances) if gateway.type == "vpn" else ()


def route_server_routes(server: RouteServer) -> list[LearnedRoute]:
    """A Route Server's routes: each prefix its peers advertise, with every peer that
    advertises it as a next hop (ECMP, one row per peer in real tables), or the next hop the
    peer sets (an internal load balancer's frontend)."""
    hops: dict[str, list[str]] = {}
    for peer in server.peers:
        for prefix in peer.advertised_prefixes:
            ip = peer.next_hop_ip or peer.peer_ip
            if ip not in hops.setdefault(prefix, []):
                hops[prefix].append(ip)
    return [LearnedRoute(prefix, tuple(ips), route_server=server) for prefix, ips in hops.items()]
