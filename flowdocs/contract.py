"""The JSON output contract of `flowdocs resolve` and `flowdocs routes` (design-format.md).

Plain dicts with a fixed key order, so that `json.dumps` gives byte-identical output.
"""

from __future__ import annotations

from typing import Any

from flowdocs.flows import Flow, Hop, Resolution
from flowdocs.routing import EffectiveRoute, RouteTableView


def resolution_document(resolution: Resolution) -> dict[str, Any]:
    """The `resolve --format json` document."""
    return {
        "flowdocs": 1,
        "design": resolution.design.name,
        "flows": [flow_document(f) for f in resolution.flows],
    }


def flow_document(flow: Flow) -> dict[str, Any]:
    return {
        "id": flow.id,
        "number": flow.number,
        "category": flow.category,
        "workload": flow.workload,
        "service": flow.service,
        "fqdns": list(flow.fqdns),
        "port": flow.port,
        "access": flow.access,
        "status": flow.status,
        "reason": flow.reason,
        "firewalls": list(flow.firewalls),
        "peerings": list(flow.peerings),
        "hops": [hop_document(h) for h in flow.hops],
    }


def hop_document(hop: Hop) -> dict[str, Any]:
    document: dict[str, Any] = {"node": hop.node, "kind": hop.kind}
    if hop.route is not None:
        document["route"] = route_document(hop.route)
    return document


def route_document(route: EffectiveRoute) -> dict[str, Any]:
    """A hop's route: the keys of the contract, the optional ones only when they apply."""
    document: dict[str, Any] = {"source": route.source}
    if route.table is not None:
        document["table"] = route.table
        document["name"] = route.name
    document["address_prefix"] = route.address_prefix
    document["next_hop_type"] = route.next_hop_type
    if route.next_hop_ip:
        document["next_hop_ip"] = route.next_hop_ip
    return document


def effective_routes_document(view: RouteTableView) -> dict[str, Any]:
    """The shape of `az network nic show-effective-route-table`."""
    return {"value": [_az_route(r) for r in view.routes]}


def _az_route(route: EffectiveRoute) -> dict[str, Any]:
    return {
        "source": route.source,
        "state": route.state,
        "addressPrefix": [route.address_prefix],
        "nextHopType": route.next_hop_type,
        "nextHopIpAddress": [route.next_hop_ip] if route.next_hop_ip else [],
        "name": route.name,
    }
