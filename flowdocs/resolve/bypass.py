"""Which firewalls a resolved flow goes around, and why.

A flow bypasses a firewall when the workload's traffic would otherwise meet it: another flow
of the same workload crosses it, or the workload subnet's 0.0.0.0/0 route names it as next hop.
That is read from the resolution (the flows, and the subnet's effective routes that decided
them); no path is followed again.

`Bypasses` reads the flows once for a whole resolution; `bypassed_firewalls` answers for a
single flow, and reads every flow each time.
"""

from __future__ import annotations

from flowdocs.resolve.appliances import hands_to_appliance, stops
from flowdocs.resolve.flows import Flow, Resolution
from flowdocs.resolve.routing import SOURCE_PRIORITY, is_cidr

# Why a delivered flow misses the firewall, by its access (design-format.md, `access`).
# A public flow goes around it by a route of its own: a service tag's, or a public CIDR's.
BYPASS_REASONS = {
    "platform": "platform",
    "service-endpoint": "service endpoint",
    "private-endpoint": "private endpoint",
    "on-premises": "gateway",
    "public": "route",
}
SERVICE_TAG_ROUTE = "service-tag route"
# The port asked of a load balancer that stands for a workload's default route: what most
# flows use (a load balancer without HA ports forwards only the ports of its rules).
HTTPS_PORT = 443
# The order reasons are told in: the service endpoint first, since it is an exfiltration path
# (any storage account of the region, not only the customer's, is reachable uninspected).
REASON_ORDER = ("service endpoint", "private endpoint", SERVICE_TAG_ROUTE, "route", "gateway",
                "platform")


def bypass_reason(flow: Flow) -> str:
    """Why a delivered flow goes around a firewall it would otherwise meet."""
    reason = BYPASS_REASONS.get(flow.access or "", "route")
    route = flow.deciding_route
    if reason == "route" and route is not None and not is_cidr(route.address_prefix):
        return SERVICE_TAG_ROUTE
    return reason


class Bypasses:
    """The firewalls each flow of one resolution bypasses, with the flows read once.

    The resolution must not change while this is in use: what each workload's traffic
    would meet is worked out on first asking, and kept.
    """

    def __init__(self, resolution: Resolution) -> None:
        self._resolution = resolution
        self._crossed: dict[str, set[str]] = {}
        for flow in resolution.flows:
            self._crossed.setdefault(flow.workload, set()).update(flow.firewalls)
        self._expected: dict[str, set[str]] = {}

    def of(self, flow: Flow) -> tuple[str, ...]:
        """Firewalls the flow would meet by default but does not cross, in design order."""
        if not flow.routed:
            return ()
        expected = self._expected.get(flow.workload)
        if expected is None:
            expected = _expected(self._resolution, flow.workload,
                                 self._crossed.get(flow.workload, set()))
            self._expected[flow.workload] = expected
        if not expected:
            return ()
        return _missed(self._resolution, flow, expected)


def bypassed_firewalls(resolution: Resolution, flow: Flow) -> tuple[str, ...]:
    """Firewalls the flow would meet by default but does not cross, in design order.

    For many flows of one resolution, `Bypasses` gives the same answers without reading
    every flow for each."""
    if not flow.routed:
        return ()
    crossed = {name for f in resolution.flows if f.workload == flow.workload
               for name in f.firewalls}
    return _missed(resolution, flow, _expected(resolution, flow.workload, crossed))


def default_route_firewall(resolution: Resolution, workload: str) -> str | None:
    """The firewall that the workload subnet's active 0.0.0.0/0 route hands traffic to (the
    first, for a load balancer's backends: `default_route_firewalls` has them all)."""
    found = default_route_firewalls(resolution, workload)
    return found[0] if found else None


def default_route_firewalls(resolution: Resolution, workload: str) -> tuple[str, ...]:
    """Every firewall or NVA the workload subnet's active 0.0.0.0/0 route may hand traffic
    to: one, or a load balancer's backends (appliances.py)."""
    topology = resolution.topology
    subnet_id = next((w.subnet for w in resolution.design.workloads if w.name == workload),
                     None)
    if subnet_id is None or subnet_id not in topology.subnets:
        return ()
    view = resolution.router.effective_routes(topology.subnets[subnet_id])
    defaults = [r for r in view.routes if r.state == "Active" and r.address_prefix == "0.0.0.0/0"]
    if not defaults:
        return ()
    # Same prefix: User beats BGP beats Default (azure-rules.md 2.2).
    route = max(defaults, key=lambda r: SOURCE_PRIORITY[r.source])
    if not hands_to_appliance(route):
        return ()
    # A bypass does not depend on a port: any port the load balancer forwards will do.
    found, _ = stops(topology, route, HTTPS_PORT)
    return tuple(f.name for f in found.firewalls) if found is not None else ()


def _expected(resolution: Resolution, workload: str, crossed: set[str]) -> set[str]:
    """The firewalls the workload's traffic meets: those its flows cross (`crossed`), and
    the one its default route names."""
    expected = set(crossed)
    expected.update(default_route_firewalls(resolution, workload))
    return expected


def _missed(resolution: Resolution, flow: Flow, expected: set[str]) -> tuple[str, ...]:
    return tuple(f.name for f in resolution.design.firewalls
                 if f.name in expected and f.name not in flow.firewalls)
