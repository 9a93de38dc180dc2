"""The JSON output contract of `flowdocs resolve` and `flowdocs routes` (design-format.md).

Plain dicts with a fixed key order, so that `json.dumps` gives byte-identical output. The
`findings` and `costs` keys extend the design-format contract (docs/decisions.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flowdocs.analyse.analysis import Analysis, analyse
from flowdocs.analyse.costs import Charge, DesignCosts, Sizing
from flowdocs.analyse.findings import Finding
from flowdocs.resolve.flows import Flow, Hop, Resolution
from flowdocs.resolve.policy_checks import PolicyCheck
from flowdocs.resolve.routing import EffectiveRoute, RouteTableView
from flowdocs.write.amounts import COST_BASIS, json_number, money_number


def resolution_document(resolution: Resolution,
                        analysis: Analysis | None = None) -> dict[str, Any]:
    """The `resolve --format json` document: the flows, then their findings and costs
    (analysed with the shipped prices unless an analysis is given)."""
    analysis = analysis or analyse(resolution)
    return {
        "flowdocs": 1,
        "design": resolution.design.name,
        "flows": flow_documents(resolution.flows),
        "findings": [finding_document(f) for f in analysis.findings],
        "costs": costs_document(analysis.costs),
    }


def finding_document(finding: Finding) -> dict[str, Any]:
    """A finding; `line` and `column` only once located in its file."""
    document: dict[str, Any] = {
        "id": finding.id,
        "rule": finding.rule.slug,
        "severity": finding.severity,
        "subject": finding.subject,
        "message": finding.message,
        "source": finding.source,
        "path": list(finding.path),
    }
    if finding.line is not None:
        document["line"] = finding.line
        document["column"] = finding.column
    if finding.accepted is not None:  # extension: the design's `accept:` reason
        document["accepted"] = finding.accepted
    return document


def costs_document(costs: DesignCosts) -> dict[str, Any]:
    """Monthly costs: totals, per flow, workload and component, each charge, sizing."""
    return {
        "currency": costs.currency,
        "price_date": costs.price_date,
        "price_source": costs.price_source,
        "basis": COST_BASIS,
        "monthly": {"traffic": money_number(costs.traffic), "fixed": money_number(costs.fixed),
                    "total": money_number(costs.total)},
        "flows": [{"id": flow, "gb_per_month": json_number(costs.volumes[flow]),
                   "monthly": money_number(cost)} for flow, cost in costs.by_flow().items()],
        "workloads": [{"name": name, "monthly": money_number(cost)}
                      for name, cost in costs.by_workload().items()],
        "components": [{"name": name, "monthly": money_number(cost)}
                       for name, cost in costs.by_component().items()],
        "charges": [charge_document(c) for c in costs.charges],
        "sizing": [sizing_document(s) for s in costs.sizing],
        "notes": list(costs.notes),
    }


def charge_document(charge: Charge) -> dict[str, Any]:
    return {
        "item": charge.item,
        "component": charge.component,
        "region": charge.region,
        "quantity": json_number(charge.quantity),
        "unit": charge.unit,
        "unit_price": json_number(charge.unit_price),
        "monthly": money_number(charge.monthly),
        "flow": charge.flow,
        "workload": charge.workload,
    }


def sizing_document(sizing: Sizing) -> dict[str, Any]:
    return {
        "firewall": sizing.firewall,
        "type": sizing.type,
        "required_mbps": float(round(sizing.required_mbps, 1)),
        "licensed_mbps": (None if sizing.licensed_mbps is None
                          else json_number(sizing.licensed_mbps)),
        "under_licensed": sizing.under_licensed,
        "workloads": list(sizing.workloads),
        "full_day_window": list(sizing.full_day),
    }


def hop_document(hop: Hop) -> dict[str, Any]:
    document: dict[str, Any] = {"node": hop.node, "kind": hop.kind}
    if hop.route is not None:
        document["route"] = route_document(hop.route)
    return document


def flow_documents(flows: list[Flow]) -> list[dict[str, Any]]:
    """Every flow's document. Workloads of one subnet share their path's hop objects, so each
    hop is turned into a document once (json.dumps writes a shared dict like any other)."""
    done: dict[int, dict[str, Any]] = {}

    def hop(h: Hop) -> dict[str, Any]:
        document = done.get(id(h))
        if document is None:
            document = done[id(h)] = hop_document(h)
        return document

    return [flow_document(f, hop) for f in flows]


def flow_document(flow: Flow,
                  hop: Callable[[Hop], dict[str, Any]] = hop_document) -> dict[str, Any]:
    document = _flow_fields(flow, hop)
    if flow.address is not None:  # extension: a design's own flow to an address
        document["address"] = flow.address
    return document


def _flow_fields(flow: Flow, hop: Callable[[Hop], dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": flow.id,
        "number": flow.number,
        "category": flow.category,
        "workload": flow.workload,
        "service": flow.service,
        "fqdns": list(flow.fqdns),
        "port": flow.port,
        "protocol": flow.protocol,
        "access": flow.access,
        "status": flow.status,
        "reason": flow.reason,
        "firewalls": list(flow.firewalls),
        "peerings": list(flow.peerings),
        "hops": [hop(h) for h in flow.hops],
        "policy": [policy_check_document(c) for c in flow.policy],
    }


def policy_check_document(check: PolicyCheck) -> dict[str, Any]:
    """One NSG or firewall decision: `at` the subnet or firewall, `rule` its full name (None
    for a firewall's default deny and for `unknown`)."""
    return {"at": check.at, "kind": check.kind, "policy": check.policy,
            "verdict": check.verdict, "rule": check.rule, "reason": check.reason}


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
    if len(route.next_hops) > 1:  # extension: every next hop of an ECMP route, in order
        document["next_hop_ips"] = list(route.next_hops)
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
