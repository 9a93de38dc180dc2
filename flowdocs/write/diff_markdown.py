"""`flowdocs diff --format markdown`: a pull-request comment.

A hidden marker first, so that a bot finds its own comment and edits it in place (one per
`--tag`); then a one-line headline, a summary table, and each changed design's details in a
collapsible section; then the gates. Past `max_chars` (GitHub refuses comments over 65,536
characters) the details are left out and the summary says how to see them; a summary that is
still too long keeps its first designs and counts the others.
"""

from __future__ import annotations

from flowdocs.analyse.diff import DesignDiff, Diff, FlowChange
from flowdocs.analyse.diff_gates import GateResult
from flowdocs.write.diff_words import (
    change_words,
    cost_change,
    headline,
    risky,
    signed_money,
    way,
)
from flowdocs.write.escaping import code, text

MARKER = "<!-- flowdocs-diff{tag} -->"
DEFAULT_MAX_CHARS = 60_000


def diff_markdown(result: Diff, gates: list[GateResult], before: str, after: str,
                  tag: str = "", max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """The comment, at most `max_chars` long."""
    top = _top(result, before, after, tag)
    bottom = _gates(gates)
    details = [_details(d) for d in result.changed]
    full = "\n".join([*top, _summary(result.designs), *details, *bottom])
    if len(full) <= max_chars:
        return full
    note = (f"_Details left out: the comment would be {len(full):,} characters, over "
            f"{max_chars:,}. Run `flowdocs diff` locally, or use `--format json`, to see "
            "them._\n")
    rows = result.designs
    while True:
        summary = _summary(rows, len(result.designs) - len(rows))
        short = "\n".join([*top, summary, note, *bottom])
        if len(short) <= max_chars or not rows:
            return short[:max_chars]
        rows = rows[:len(rows) // 2]


def _top(result: Diff, before: str, after: str, tag: str) -> list[str]:
    sign = " ⚠️" if risky(result) else ""
    marker = MARKER.format(tag=f":tag={tag}" if tag else "")
    return [marker, f"### flowdocs: {text(headline(result))}{sign}", "",
            f"{code(before)} → {code(after)}", ""]


def _summary(designs: tuple[DesignDiff, ...], hidden: int = 0) -> str:
    if not designs and not hidden:
        return "No design on either side.\n"
    lines = ["| Design | Change | Flows changed | Bypass | Findings | Monthly cost |",
             "|---|---|--:|--:|---|--:|"]
    for d in designs:
        findings = f"+{len(d.findings_added)} / −{len(d.findings_fixed)}"
        lines.append(f"| {code(d.name)} | {d.change} | {len(d.flows)} | "
                     f"{sum(1 for f in d.flows if f.bypassed)} | {findings} | "
                     f"{cost_change(d, '→')} |")
    if hidden:
        lines.append(f"| … and {hidden} more design(s) | | | | | |")
    return "\n".join(lines) + "\n"


def _details(design: DesignDiff) -> str:
    parts = [f"<details><summary>{text(design.name)}: {design.change}, "
             f"{len(design.flows)} flow(s) changed</summary>", ""]
    if design.flows:
        parts += ["| Flow | Change | Before | After | Cost a month |", "|---|---|---|---|--:|"]
        parts += [_flow_row(f, design.currency) for f in design.flows]
        parts.append("")
    for finding in design.findings_added:
        parts.append(f"- ➕ **{finding.id}** {finding.severity} {code(finding.subject)}: "
                     f"{text(finding.message)}")
    for finding in design.findings_fixed:
        parts.append(f"- ✔️ **{finding.id}** fixed: {code(finding.subject)}")
    parts += ["", "</details>", ""]
    return "\n".join(parts)


def _flow_row(change: FlowChange, currency: str) -> str:
    cost = signed_money(change.cost_delta, currency) if change.cost_delta else "—"
    return (f"| {change.number} {code(change.id)} | {text('; '.join(change_words(change)))} | "
            f"{text(way(change.before))} | {text(way(change.after))} | {cost} |")


def _gates(gates: list[GateResult]) -> list[str]:
    if not gates:
        return []
    marks = " · ".join(f"{'❌' if g.failed else '✅'} `{g.gate}` ({g.hits})" for g in gates)
    return [f"Gates: {marks}", ""]
