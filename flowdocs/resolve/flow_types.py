"""What a resolved flow is: its hops, its status and access, and what the security policy on
its path said. `flows.py` makes them; every output reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

from flowdocs.load.catalog import CATEGORY_NUMBER
from flowdocs.resolve.dns import NameResolution
from flowdocs.resolve.policy_checks import PolicyCheck
from flowdocs.resolve.routing import EffectiveRoute

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
