"""The gates of `flowdocs diff --fail-on`: what a change may not do without failing CI.

- `bypass`: a flow no longer crosses a firewall it crossed;
- `dropped`: a flow is newly dropped or loops;
- `denied`: a flow is newly denied by an NSG or firewall policy;
- `new-error`: a finding of severity error is added;
- `cost-increase=N`: the monthly cost rises by more than N (in the price table's
  currency), or by more than N percent with `N%`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flowdocs.analyse.diff import Diff, FlowChange

GATES = ("bypass", "dropped", "denied", "new-error", "cost-increase")


class GateSpecError(ValueError):
    """A `--fail-on` value that names no gate, or a cost limit that is not a number."""


@dataclass(frozen=True)
class Gate:
    name: str
    limit: Decimal | None = None  # cost-increase only
    percent: bool = False

    def __str__(self) -> str:
        if self.limit is None:
            return self.name
        return f"{self.name}={self.limit:f}{'%' * self.percent}"


@dataclass(frozen=True)
class GateResult:
    gate: Gate
    hits: int  # how many flows, findings or (for cost) 1 when the limit is passed
    detail: str

    @property
    def failed(self) -> bool:
        return self.hits > 0


def parse_gates(spec: str) -> list[Gate]:
    """`bypass,new-error,cost-increase=50` -> gates; GateSpecError naming the bad part."""
    gates: list[Gate] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        name, _, value = part.partition("=")
        if name not in GATES:
            raise GateSpecError(f"unknown gate '{name}'; expected one of: {', '.join(GATES)}")
        if name != "cost-increase":
            if value:
                raise GateSpecError(f"gate '{name}' takes no value")
            gates.append(Gate(name))
            continue
        percent = value.endswith("%")
        try:
            limit = Decimal(value.removesuffix("%"))
        except InvalidOperation:
            raise GateSpecError("cost-increase needs a limit: cost-increase=50 (a month, in "
                                "the prices' currency) or cost-increase=10%") from None
        if not limit.is_finite() or limit < 0:
            raise GateSpecError(f"cost-increase limit must be a number of 0 or more, found "
                                f"'{value}'")
        # Shown as written in plain digits: 1e3 as 1000, -0 as 0.
        gates.append(Gate(name, Decimal(f"{limit + 0:f}"), percent))
    return gates


def check_gates(result: Diff, gates: list[Gate]) -> list[GateResult]:
    """Each gate and what in the diff trips it."""
    return [_check(result, gate) for gate in gates]


def _check(result: Diff, gate: Gate) -> GateResult:
    flows = result.flows
    if gate.name == "bypass":
        hits = [f for f in flows if f.bypassed]
        return GateResult(gate, len(hits), _flow_list(hits, "newly bypass a firewall"))
    if gate.name == "dropped":
        hits = [f for f in flows if f.newly_stopped]
        return GateResult(gate, len(hits), _flow_list(hits, "are newly dropped or loop"))
    if gate.name == "denied":
        hits = [f for f in flows if f.newly_denied]
        return GateResult(gate, len(hits), _flow_list(hits, "are newly denied"))
    if gate.name == "new-error":
        errors = [f for f in result.findings_added if f.severity == "error"]
        ids = ", ".join(f"{f.id} {f.subject}" for f in errors)
        return GateResult(gate, len(errors),
                          f"{len(errors)} new error finding(s){': ' + ids if ids else ''}")
    return _cost_gate(result, gate)


def _cost_gate(result: Diff, gate: Gate) -> GateResult:
    assert gate.limit is not None
    delta, before = result.cost_delta, result.cost_before
    if gate.percent and not before:
        # From nothing, any rise is more than any percentage.
        over = delta > 0
        detail = (f"monthly cost from 0 to {round(result.cost_after, 2)} {result.currency} "
                  f"(limit {gate.limit:f}%)")
    elif gate.percent:
        rise = delta * 100 / before
        over = rise > gate.limit
        detail = (f"monthly cost {'+' if delta >= 0 else ''}{round(rise, 1)}% "
                  f"(limit {gate.limit:f}%)")
    else:
        over = delta > gate.limit
        detail = (f"monthly cost {'+' if delta >= 0 else ''}{round(delta, 2)} "
                  f"{result.currency} (limit {gate.limit:f})")
    return GateResult(gate, int(over), detail)


def _flow_list(hits: list[FlowChange], what: str) -> str:
    if not hits:
        return f"0 flows {what}"
    ids = ", ".join(f"{f.number} {f.id}" for f in hits[:5])
    more = f" and {len(hits) - 5} more" if len(hits) > 5 else ""
    return f"{len(hits)} flow(s) {what}: {ids}{more}"
