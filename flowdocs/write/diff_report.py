"""`flowdocs diff` for the terminal and as JSON (docs/assets/diff-v1.schema.json)."""

from __future__ import annotations

from typing import Any

from flowdocs.analyse.diff import DesignDiff, Diff, FlowChange
from flowdocs.analyse.diff_gates import GateResult
from flowdocs.resolve.flows import Flow
from flowdocs.write.amounts import money, money_number
from flowdocs.write.contract import finding_document
from flowdocs.write.diff_words import change_words, cost_change, headline, signed_money, way
from flowdocs.write.tables import format_table

DIFF_FORMAT = 1


def diff_table(result: Diff, gates: list[GateResult], before: str, after: str) -> str:
    """The headline, a line per design, then each changed design's flows and findings."""
    lines = [f"flowdocs diff {before} -> {after}: {headline(result)}", ""]
    if result.designs:
        rows = [[d.name, d.change, len(d.flows), sum(1 for f in d.flows if f.bypassed),
                 f"+{len(d.findings_added)} -{len(d.findings_fixed)}",
                 cost_change(d, "->")] for d in result.designs]
        lines += format_table(["design", "change", "flows changed", "bypass", "findings",
                               "monthly cost"], rows).splitlines()
    for design in result.changed:
        lines += ["", f"{design.name}: {design.change}"]
        for change in design.flows:
            lines += _flow_lines(change, design.currency)
        lines += [f"  + {f.id} {f.severity} {f.subject}: {f.message}"
                  for f in design.findings_added]
        lines += [f"  - {f.id} {f.severity} {f.subject} (fixed)" for f in design.findings_fixed]
    if gates:
        lines += ["", "gates:"]
        lines += [f"  {'FAIL' if g.failed else 'pass'}  {g.gate}: {g.detail}" for g in gates]
    return "\n".join(lines) + "\n"


def _flow_lines(change: FlowChange, currency: str) -> list[str]:
    lines = [f"  {change.number} {change.id}: {'; '.join(change_words(change))}",
             f"      before: {way(change.before)}",
             f"      after:  {way(change.after)}"]
    if change.cost_delta:
        lines.append(f"      cost:   {money(change.cost_before, currency)} -> "
                     f"{money(change.cost_after, currency)} a month "
                     f"({signed_money(change.cost_delta, currency)})")
    return lines


def diff_document(result: Diff, gates: list[GateResult], before: str, after: str
                  ) -> dict[str, Any]:
    """The diff as data, for scripts and policy engines: stable keys, every design."""
    flows = result.flows
    return {
        "flowdocs": DIFF_FORMAT,
        "before": before,
        "after": after,
        "headline": headline(result),
        "summary": {
            "designs": {change: sum(1 for d in result.designs if d.change == change)
                        for change in ("added", "removed", "changed", "unchanged")},
            "flows_changed": len(flows),
            "bypass": sum(1 for f in flows if f.bypassed),
            "inspected": sum(1 for f in flows if f.inspected),
            "newly_denied": sum(1 for f in flows if f.newly_denied),
            "newly_dropped": sum(1 for f in flows if f.newly_stopped),
            "findings_added": len(result.findings_added),
            "findings_fixed": len(result.findings_fixed),
            "cost": _cost(result.cost_before, result.cost_after, result.currency),
        },
        "gates": [{"gate": str(g.gate), "failed": g.failed, "hits": g.hits, "detail": g.detail}
                  for g in gates],
        "designs": [_design_document(d) for d in result.designs],
    }


def _design_document(design: DesignDiff) -> dict[str, Any]:
    return {
        "name": design.name,
        "change": design.change,
        "before": design.before.path if design.before else None,
        "after": design.after.path if design.after else None,
        "cost": _cost(design.cost_before, design.cost_after, design.currency),
        "flows": [_flow_change_document(f) for f in design.flows],
        "findings_added": [finding_document(f) for f in design.findings_added],
        "findings_fixed": [finding_document(f) for f in design.findings_fixed],
    }


def _flow_change_document(change: FlowChange) -> dict[str, Any]:
    return {
        "id": change.id,
        "number": change.number,
        "changes": list(change.kinds),
        "summary": "; ".join(change_words(change)),
        "bypassed": list(change.bypassed),
        "inspected": list(change.inspected),
        "before": _flow_state(change.before),
        "after": _flow_state(change.after),
        "cost": {"before": money_number(change.cost_before),
                 "after": money_number(change.cost_after),
                 "delta": money_number(change.cost_delta)},
    }


def _flow_state(flow: Flow | None) -> dict[str, Any] | None:
    if flow is None:
        return None
    route = flow.deciding_route
    return {
        "status": flow.status,
        "access": flow.access,
        "firewalls": list(flow.firewalls),
        "path": [h.node for h in flow.hops],
        "route": route.label() if route is not None else None,
        "reason": flow.reason,
        "policy": [{"at": c.at, "verdict": c.verdict, "rule": c.rule} for c in flow.policy],
    }


def _cost(before: Any, after: Any, currency: str) -> dict[str, Any]:
    return {"currency": currency, "before": money_number(before),
            "after": money_number(after), "delta": money_number(after - before)}
