"""The words every form of `flowdocs diff` shares: the headline, what changed about a flow,
and a flow's way in one line. The terminal report, the JSON and the pull-request comment
only lay them out."""

from __future__ import annotations

from decimal import Decimal

from flowdocs.analyse.compare import flow_outcome
from flowdocs.analyse.diff import DesignDiff, Diff, FlowChange
from flowdocs.resolve.flows import Flow
from flowdocs.write.amounts import money


def headline(result: Diff) -> str:
    """One line a reviewer reads first: what changed, the risky part first."""
    flows = result.flows
    if not result.changed:
        return "no change to any flow, finding or cost"
    parts = [_count(len(flows), "flow changed", "flows changed")]
    risky = [(result.count("bypass"), "newly bypasses a firewall", "newly bypass a firewall"),
             (sum(1 for f in flows if f.newly_denied), "newly denied", "newly denied"),
             (sum(1 for f in flows if f.newly_stopped), "newly dropped or looping",
              "newly dropped or looping")]
    parts += [f"{n} {one if n == 1 else many}" for n, one, many in risky if n]
    errors = sum(1 for f in result.findings_added if f.severity == "error")
    if errors:
        parts.append(_count(errors, "new error finding", "new error findings"))
    added = {d.change for d in result.designs}
    for change in ("added", "removed"):
        if change in added:
            n = sum(1 for d in result.designs if d.change == change)
            parts.append(f"{_count(n, 'design', 'designs')} {change}")
    if result.cost_delta:
        parts.append(f"monthly cost {signed_money(result.cost_delta, result.currency)}")
    return ", ".join(parts)


def risky(result: Diff) -> bool:
    """Whether the headline deserves a warning sign."""
    return any(f.bypassed or f.newly_denied or f.newly_stopped for f in result.flows) or any(
        f.severity == "error" for f in result.findings_added)


def change_words(change: FlowChange) -> list[str]:
    """`no longer crosses afw-hub`, `access public -> service-endpoint`, ..."""
    before, after = change.before, change.after
    if before is None:
        return ["new flow"]
    if after is None:
        return ["flow removed"]
    words: list[str] = []
    if change.bypassed:
        words.append(f"no longer crosses {', '.join(change.bypassed)}")
    if change.inspected:
        words.append(f"now crosses {', '.join(change.inspected)}")
    if "status" in change.kinds:
        words.append(f"{before.status} -> {after.status}")
    if "access" in change.kinds:
        words.append(f"access {before.access or 'none'} -> {after.access or 'none'}")
    old_policy, new_policy = policy_summary(before), policy_summary(after)
    if "status" not in change.kinds and old_policy != new_policy:
        words.append(f"policy {old_policy} -> {new_policy}")
    if not words and "path" in change.kinds:
        words.append("path changed")
    if not words and "policy" in change.kinds:
        # Same verdicts, decided by other rules: a rule renamed or replaced.
        old_rules = [c.rule or c.verdict for c in before.policy]
        new_rules = [c.rule or c.verdict for c in after.policy]
        words.append(f"decided by {', '.join(new_rules) or 'no rule'} "
                     f"(was {', '.join(old_rules) or 'no rule'})")
    return words


def way(flow: Flow | None) -> str:
    """A flow's way in one line: outcome, hops, and the route that decides it."""
    if flow is None:
        return "-"
    hops = " > ".join(h.node for h in flow.hops)
    route = flow.deciding_route
    decided = f"; by {route.label()}" if route is not None else ""
    return f"{flow_outcome(flow)}: {hops}{decided}"


def policy_summary(flow: Flow) -> str:
    """`allowed`, `denied at afw-hub`, `unknown at nva-x`, `none`."""
    for verdict in ("denied", "unknown"):
        places = [c.at for c in flow.policy if c.verdict == verdict]
        if places:
            return f"{verdict} at {', '.join(dict.fromkeys(places))}"
    return "allowed" if flow.policy else "none"


def cost_change(design: DesignDiff, arrow: str) -> str:
    """`$1,128.50 -> $912.50 (-$216.00)`, or the one amount when it did not change."""
    currency = design.currency
    if not design.cost_delta:
        return money(design.cost_after, currency)
    return (f"{money(design.cost_before, currency)} {arrow} {money(design.cost_after, currency)} "
            f"({signed_money(design.cost_delta, currency)})")


def signed_money(value: Decimal, currency: str) -> str:
    """`+$12.00`, `-$216.00`."""
    return ("-" if value < 0 else "+") + money(abs(value), currency)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
