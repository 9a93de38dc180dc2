"""Variants side by side: each option's flows, firewall crossings, monthly cost and findings.

A comparison is built from analysed designs (`analysis.py`), usually a base design and the
variants that extend it (`extends.variant_family`). Pure: the terminal table, the JSON form
and the page all come from `compare`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flowdocs.analysis import Analysis
from flowdocs.contract import COST_BASIS, finding_document, money
from flowdocs.findings import SEVERITY_ORDER, Finding, severity_counts
from flowdocs.flows import Flow
from flowdocs.textable import format_table


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
    rows = []
    for analysis in analyses:
        resolution, costs = analysis.resolution, analysis.costs
        for flow in resolution.flows:
            flows.setdefault(flow.id, flow.number)
        crossing = [f for f in resolution.flows if f.firewalls and f.status == "delivered"]
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
    if flow.status != "delivered":
        return flow.status
    words = [flow.access or ""]
    if flow.access == "private-endpoint" and flow.private_endpoint:
        words.append(flow.private_endpoint)
    if flow.firewalls:
        words.append(f"via {', '.join(flow.firewalls)}")
    elif flow.peerings:
        words.append("across peering")
    return " ".join(words)


def findings_summary(findings: Sequence[Finding]) -> str:
    """`none`, or `1 warning, 1 info: FD007, FD012`."""
    if not findings:
        return "none"
    ids = sorted(dict.fromkeys(f.id for f in findings))
    return f"{severity_summary(findings)}: {', '.join(ids)}"


def severity_summary(findings: Sequence[Finding]) -> str:
    """`none`, or how many findings of each severity there are: `2 errors, 1 info`."""
    counts = severity_counts(findings)
    parts = [f"{n} {s}{'s' if n > 1 and s != 'info' else ''}" for s, n in counts.items() if n]
    return ", ".join(parts) or "none"


def format_money(value: Decimal, currency: str) -> str:
    """`$1,128.50` in USD, `1,128.50 EUR` otherwise; always to the cent."""
    amount = f"{round(value, 2):,.2f}"
    return f"${amount}" if currency == "USD" else f"{amount} {currency}"


def format_gb(value: Decimal) -> str:
    return f"{value:,.0f} GB" if value == value.to_integral_value() else f"{value:,.1f} GB"


def comparison_cells(comparison: Comparison) -> list[tuple[str, list[str]]]:
    """The comparison transposed: one (aspect, cell per option) pair per line, options side
    by side. The terminal table and the page both print these."""
    rows, currency = comparison.rows, comparison.currency
    lines: list[tuple[str, list[str]]] = [
        (f"{number} {flow}", [r.flows.get(flow, "-") for r in rows])
        for number, flow in comparison.flows
    ]
    lines.append(("firewall crossings", [
        f"{r.firewall_flows} flow{'s' * (r.firewall_flows != 1)}, "
        f"{format_gb(r.firewall_gb)}/month" for r in rows]))
    lines.append(("traffic per month", [format_money(r.traffic, currency) for r in rows]))
    lines.append(("fixed per month", [format_money(r.fixed, currency) for r in rows]))
    lines.append(("total per month", [format_money(r.total, currency) for r in rows]))
    lines.append(("findings", [findings_summary(r.findings) for r in rows]))
    return lines


def price_line(currency: str, price_date: str, days: Decimal, hours: Decimal) -> str:
    """Under every cost: the date of the prices, and that they are not a quote."""
    return (f"Monthly costs in {currency} at the list prices of {price_date}: {COST_BASIS}. "
            f"A month is {days:f} days of backup volume and {hours:f} hours of deployment.")


def comparison_table(comparison: Comparison) -> str:
    """The terminal form: options as columns, then what each label stands for."""
    headers = ["", *(r.label for r in comparison.rows)]
    body = [[aspect, *cells] for aspect, cells in comparison_cells(comparison)]
    legend = "".join(f"  {r.label}: {r.design}\n" for r in comparison.rows
                     if r.label != r.design)
    prices = price_line(comparison.currency, comparison.price_date, comparison.days_per_month,
                        comparison.hours_per_month)
    return (f"{comparison.title}\n\n{format_table(headers, body)}\n{prices}\n"
            + (f"\n{legend}" if legend else ""))


def comparison_document(comparison: Comparison) -> dict[str, Any]:
    """The JSON form of `flowdocs compare`."""
    return {
        "flowdocs": 1,
        "title": comparison.title,
        "currency": comparison.currency,
        "price_date": comparison.price_date,
        "basis": COST_BASIS,
        "variants": [{
            "design": r.design,
            "label": r.label,
            "title": r.title,
            "extends": r.extends,
            "flows": [{"id": flow, "number": number, "outcome": r.flows.get(flow)}
                      for number, flow in comparison.flows],
            "firewall_crossings": {"flows": r.firewall_flows,
                                   "gb_per_month": float(r.firewall_gb)},
            "monthly": {"traffic": money(r.traffic), "fixed": money(r.fixed),
                        "total": money(r.total)},
            "findings": [finding_document(f) for f in sorted(
                r.findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.id))],
        } for r in comparison.rows],
    }

