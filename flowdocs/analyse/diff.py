"""What a change does to the traffic: two analysed versions of the designs, compared design
by design and flow by flow.

Designs are matched by name (two single files are matched to each other whatever their
names, so `b.yaml` can be compared with its variant `c.yaml`); flows by workload, service and
number. A flow is reported when its path, the firewalls it crosses, its status, its access or
its security policy verdicts change; findings by (id, subject), added or fixed; costs by the
month, per design and per flow. Unchanged flows are not listed. Pure: the two sides come
analysed (analysis.py), so the diff never re-derives a path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from flowdocs.analyse.analysis import Analysis
from flowdocs.analyse.findings import Finding
from flowdocs.resolve.flows import Flow

DesignChange = Literal["added", "removed", "changed", "unchanged"]
# What can change about one flow, in the order reports list it.
FlowChangeKind = Literal["added", "removed", "bypass", "inspected", "status", "access", "path",
                         "policy"]


@dataclass(frozen=True)
class Side:
    """One design as one side of the diff has it: the analysis and the file it came from."""

    analysis: Analysis
    path: str


@dataclass(frozen=True)
class FlowChange:
    """One flow whose way through the network changed."""

    id: str  # workload/service
    number: int
    before: Flow | None
    after: Flow | None
    kinds: tuple[FlowChangeKind, ...]
    bypassed: tuple[str, ...]  # firewalls it crossed before and goes around now
    inspected: tuple[str, ...]  # firewalls it crosses now and did not before
    cost_before: Decimal
    cost_after: Decimal

    @property
    def cost_delta(self) -> Decimal:
        return self.cost_after - self.cost_before

    @property
    def newly_stopped(self) -> bool:
        """Dropped or looping now, and not before."""
        return (self.after is not None and self.after.status in ("dropped", "loop")
                and (self.before is None or self.before.status not in ("dropped", "loop")))

    @property
    def newly_denied(self) -> bool:
        return (self.after is not None and self.after.status == "denied"
                and (self.before is None or self.before.status != "denied"))


@dataclass(frozen=True)
class DesignDiff:
    """One design, before and after."""

    name: str
    before: Side | None
    after: Side | None
    flows: tuple[FlowChange, ...]
    findings_added: tuple[Finding, ...]
    findings_fixed: tuple[Finding, ...]

    @property
    def change(self) -> DesignChange:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        changed = self.flows or self.findings_added or self.findings_fixed or self.cost_delta
        return "changed" if changed else "unchanged"

    @property
    def cost_before(self) -> Decimal:
        return self.before.analysis.costs.total if self.before else Decimal(0)

    @property
    def cost_after(self) -> Decimal:
        return self.after.analysis.costs.total if self.after else Decimal(0)

    @property
    def cost_delta(self) -> Decimal:
        return self.cost_after - self.cost_before

    @property
    def currency(self) -> str:
        side = self.after or self.before
        assert side is not None
        return side.analysis.costs.currency


@dataclass(frozen=True)
class Diff:
    """Every design of both sides, in name order."""

    designs: tuple[DesignDiff, ...]

    @property
    def changed(self) -> list[DesignDiff]:
        return [d for d in self.designs if d.change != "unchanged"]

    @property
    def flows(self) -> list[FlowChange]:
        return [f for d in self.designs for f in d.flows]

    @property
    def cost_before(self) -> Decimal:
        return sum((d.cost_before for d in self.designs), Decimal(0))

    @property
    def cost_after(self) -> Decimal:
        return sum((d.cost_after for d in self.designs), Decimal(0))

    @property
    def cost_delta(self) -> Decimal:
        return self.cost_after - self.cost_before

    @property
    def currency(self) -> str:
        return self.designs[0].currency if self.designs else "USD"

    def count(self, kind: FlowChangeKind) -> int:
        return sum(1 for f in self.flows if kind in f.kinds)

    @property
    def findings_added(self) -> list[Finding]:
        return [f for d in self.designs for f in d.findings_added]

    @property
    def findings_fixed(self) -> list[Finding]:
        return [f for d in self.designs for f in d.findings_fixed]


def diff(before: Sequence[Side], after: Sequence[Side], pair: bool = False) -> Diff:
    """The designs of `before` and `after` compared. With `pair`, one design on each side,
    compared with each other whatever their names (shown by the new one's)."""
    if pair:
        (old,), (new,) = before, after
        return Diff((diff_design(new.analysis.name, old, new),))
    old_by_name = {s.analysis.name: s for s in before}
    new_by_name = {s.analysis.name: s for s in after}
    names = sorted(old_by_name.keys() | new_by_name.keys())
    return Diff(tuple(diff_design(n, old_by_name.get(n), new_by_name.get(n)) for n in names))


def diff_design(name: str, before: Side | None, after: Side | None) -> DesignDiff:
    old_flows = _flows(before)
    new_flows = _flows(after)
    keys = list(old_flows) + [k for k in new_flows if k not in old_flows]
    changes = []
    for key in keys:
        change = diff_flow(old_flows.get(key), new_flows.get(key), _cost(before, key),
                           _cost(after, key))
        if change.kinds:
            changes.append(change)
    old_findings = _findings(before)
    new_findings = _findings(after)
    return DesignDiff(
        name, before, after, tuple(changes),
        findings_added=tuple(f for k, f in new_findings.items() if k not in old_findings),
        findings_fixed=tuple(f for k, f in old_findings.items() if k not in new_findings))


def diff_flow(before: Flow | None, after: Flow | None, cost_before: Decimal = Decimal(0),
              cost_after: Decimal = Decimal(0)) -> FlowChange:
    """What changed about one flow; `kinds` is empty when nothing did."""
    flow = after or before
    assert flow is not None
    kinds: list[FlowChangeKind] = []
    bypassed: tuple[str, ...] = ()
    inspected: tuple[str, ...] = ()
    if before is None:
        kinds.append("added")
    elif after is None:
        kinds.append("removed")
    else:
        # A flow that no longer arrives does not get around the firewall: it is dropped,
        # and its status says so.
        bypassed = tuple(f for f in before.firewalls if f not in after.firewalls) \
            if after.routed else ()
        inspected = tuple(f for f in after.firewalls if f not in before.firewalls)
        if bypassed:
            kinds.append("bypass")
        if inspected:
            kinds.append("inspected")
        if before.status != after.status:
            kinds.append("status")
        if before.access != after.access:
            kinds.append("access")
        if _nodes(before) != _nodes(after):
            kinds.append("path")
        if _verdicts(before) != _verdicts(after):
            kinds.append("policy")
    return FlowChange(flow.id, flow.number, before, after, tuple(kinds), bypassed, inspected,
                      cost_before, cost_after)


def _flows(side: Side | None) -> dict[tuple[str, str, int], Flow]:
    if side is None:
        return {}
    return {(f.workload, f.service, f.number): f for f in side.analysis.resolution.flows}


def _findings(side: Side | None) -> dict[tuple[str, str], Finding]:
    """The findings that count (not accepted by the design), by rule and subject: a message
    that words the same problem differently is not a new finding."""
    if side is None:
        return {}
    return {(f.id, f.subject): f for f in side.analysis.findings if f.counts}


def _cost(side: Side | None, key: tuple[str, str, int]) -> Decimal:
    if side is None:
        return Decimal(0)
    flow_id = f"{key[0]}/{key[1]}"
    return sum((c.monthly for c in side.analysis.costs.charges if c.flow == flow_id),
               Decimal(0))


def _nodes(flow: Flow) -> tuple[str, ...]:
    return tuple(h.node for h in flow.hops)


def _verdicts(flow: Flow) -> tuple[tuple[str, str, str | None], ...]:
    return tuple((c.at, c.verdict, c.rule) for c in flow.policy)
