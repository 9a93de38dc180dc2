"""Variants side by side: each option's flows, firewall crossings, monthly cost and findings.

A comparison is built from analysed designs (`analysis.py`), usually a base design and the
variants that extend it (`extends.variant_family`). Pure: the terminal table, the JSON form
and the page (`write/side_by_side.py`) all come from `compare`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from flowdocs.analyse.analysis import Analysis
from flowdocs.analyse.findings import Finding, severity_counts
from flowdocs.resolve.flows import Flow


@dataclass(frozen=True)
class VariantRow:
    """One option of a comparison."""

    design: str
    label: str
    title: str
    extends: str | None
    flows: dict[str, str]  # flow id -> how it goes, e.g. "public via afw-hub"
    firewall_flows: int  # delivered flows that cross a firewall or NVA
    firewall_gb: Decimal  # their volume per month
    traffic: Decimal
    fixed: Decimal
    findings: tuple[Finding, ...]

    @property
    def total(self) -> Decimal:
        return self.traffic + self.fixed


@dataclass(frozen=True)
class Comparison:
    """Options in order, the flows they share, and the price table's date."""

    title: str
    flows: tuple[tuple[int, str], ...]  # (number, flow id), in first-seen order
    rows: tuple[VariantRow, ...]
    currency: str
    price_date: str
    days_per_month: Decimal
    hours_per_month: Decimal


def compare(analyses: Sequence[Analysis]) -> Comparison:
    """The comparison of `analyses`, in the order given (the base first, usually)."""
    if not analyses:
        raise ValueError("nothing to compare")
    flows: dict[str, int] = {}
    rows: list[VariantRow] = []
    for analysis in analyses:
        resolution, costs = analysis.resolution, analysis.costs
        for flow in resolution.flows:
            flows.setdefault(flow.id, flow.number)
        crossing = [f for f in resolution.flows if f.firewalls and f.routed]
        design = resolution.design
        rows.append(VariantRow(
            design=design.name,
            label=design.label or design.name,
            title=design.title,
            extends=design.extends,
            flows={f.id: flow_outcome(f) for f in resolution.flows},
            firewall_flows=len(crossing),
            firewall_gb=sum((costs.volumes.get(f.id, Decimal(0)) for f in crossing),
                            Decimal(0)),
            traffic=costs.traffic,
            fixed=costs.fixed,
            findings=tuple(analysis.findings),
        ))
    first = analyses[0].costs
    return Comparison(analyses[0].resolution.design.title,
                      tuple((n, f) for f, n in flows.items()), tuple(rows), first.currency,
                      first.price_date, first.days_per_month, first.hours_per_month)


def flow_outcome(flow: Flow) -> str:
    """How a flow goes, in a few words: `public via afw-hub`, `private-endpoint pe-x`,
    `private-endpoint pe-x across peering` (a peering a firewall does not already imply)."""
    if not flow.routed:
        return flow.status
    words: list[str] = [flow.access or ""]
    if flow.status == "denied":
        words.insert(0, "denied:")
    if flow.access == "private-endpoint" and flow.private_endpoint:
        words.append(flow.private_endpoint)
    if flow.firewalls:
        words.append(f"via {', '.join(flow.firewalls)}")
    elif flow.peerings:
        words.append("across peering")
    return " ".join(words)


def findings_summary(findings: Sequence[Finding]) -> str:
    """`none`, or `1 warning, 1 info: FD007, FD012`, then what the design accepts:
    `1 info: FD012; FD005 accepted`."""
    counted = [f for f in findings if f.counts]
    accepted = sorted(dict.fromkeys(f.id for f in findings if not f.counts))
    parts = []
    if counted:
        ids = sorted(dict.fromkeys(f.id for f in counted))
        parts.append(f"{severity_summary(counted)}: {', '.join(ids)}")
    if accepted:
        parts.append(f"{', '.join(accepted)} accepted")
    return "; ".join(parts) or "none"


def severity_summary(findings: Sequence[Finding]) -> str:
    """`none`, or how many findings of each severity count, then how many the design
    accepts: `2 errors, 1 info, 1 accepted`."""
    counts = severity_counts(findings)
    parts = [f"{n} {s}{'s' if n > 1 and s != 'info' else ''}" for s, n in counts.items() if n]
    accepted = sum(1 for f in findings if not f.counts)
    if accepted:
        parts.append(f"{accepted} accepted")
    return ", ".join(parts) or "none"
