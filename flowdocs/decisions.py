"""Template contexts of the decision sections of a page: findings, costs and variants.

Pure data for `templates/_findings.md.j2`, `_costs.md.j2` and `_variants.md.j2`. Each
`*_context` function returns a one-key dict (`findings`, `costs`, `variants`) to merge into
the page context, and `decision_context` all three at once; plain strings are escaped by the
template environment, `Md` is trusted Markdown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from flowdocs.analysis import analyse
from flowdocs.compare import (
    Comparison,
    compare,
    comparison_cells,
    findings_summary,
    format_gb,
    format_money,
    price_line,
)
from flowdocs.costs import DesignCosts, Sizing
from flowdocs.escaping import Md, code
from flowdocs.findings import SEVERITY_ORDER, Finding
from flowdocs.prices import PriceTable, default_prices

if TYPE_CHECKING:
    from flowdocs.pipeline import ResolvedDesign

ITEM_TITLES = {
    "firewall data": "Firewall data processed",
    "firewall deployment": "Firewall deployment",
    "peering egress": "VNet peering, out of the sending VNet",
    "peering ingress": "VNet peering, into the receiving VNet",
    "private endpoint data": "Private endpoint data processed",
    "private endpoint hours": "Private endpoint",
}


@dataclass(frozen=True)
class FindingRow:
    id: str
    severity: str
    subject: Md
    message: str
    where: Md
    source: str


@dataclass(frozen=True)
class FindingsSection:
    rows: tuple[FindingRow, ...]
    summary: str


@dataclass(frozen=True)
class FlowCostRow:
    flow: Md
    volume: str
    monthly: str


@dataclass(frozen=True)
class ChargeRow:
    item: str
    component: Md
    region: str
    quantity: str
    unit_price: str
    monthly: str


@dataclass(frozen=True)
class SizingRow:
    firewall: Md
    workloads: str
    required: str
    licensed: str
    verdict: str


@dataclass(frozen=True)
class CostsSection:
    price_note: str
    traffic: str
    fixed: str
    total: str
    flows: tuple[FlowCostRow, ...]
    charges: tuple[ChargeRow, ...]
    sizing: tuple[SizingRow, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class VariantsSection:
    title: str
    columns: tuple[str, ...]
    lines: tuple[tuple[str, tuple[str, ...]], ...]
    legend: tuple[tuple[str, Md, str], ...]  # label, design name, title
    price_note: str


def decision_context(resolved: ResolvedDesign, family: Sequence[ResolvedDesign], source: str,
                     prices: PriceTable | None = None) -> dict[str, Any]:
    """The three sections of a design page in one call: `findings`, `costs`, and `variants`
    (None unless `family`, from `extends.comparison_families`, has other designs)."""
    prices = prices or default_prices()
    own = analyse(resolved.resolution, prices, findings=resolved.findings)
    variants = None
    if len(family) > 1:
        comparison = compare([analyse(r.resolution, prices, findings=r.findings)
                              for r in family])
        variants = variants_context(comparison)["variants"]
    return {**findings_context(resolved.findings, source), **costs_context(own.costs),
            "variants": variants}


def findings_context(findings: list[Finding], source: str) -> dict[str, Any]:
    """`findings`: every finding, errors first, with the line that states its subject."""
    ordered = sorted(findings, key=lambda f: SEVERITY_ORDER[f.severity])
    rows = tuple(FindingRow(
        id=f.id, severity=f.severity, subject=code(f.subject), message=f.message,
        where=code(source if f.line is None else f"{source}:{f.line}:{f.column}"),
        source=f.source) for f in ordered)
    return {"findings": FindingsSection(rows, findings_summary(findings))}


def costs_context(costs: DesignCosts) -> dict[str, Any]:
    """`costs`: totals, each flow's cost, each charge, firewall sizing, and what is not
    priced, under the price table's date."""
    money = _money(costs.currency)
    flows = tuple(FlowCostRow(code(flow), f"{format_gb(costs.volumes[flow])}/month",
                              money(cost)) for flow, cost in costs.by_flow().items())
    charges = tuple(ChargeRow(
        item=ITEM_TITLES[c.item], component=code(c.component), region=c.region or "not given",
        quantity=f"{_number(c.quantity)} {c.unit}{'s' * (c.unit == 'hour')}",
        unit_price=f"{money(c.unit_price, exact=True)} per {c.unit}",
        monthly=money(c.monthly)) for c in costs.charges)
    sizing = tuple(SizingRow(
        firewall=code(s.firewall), workloads=", ".join(s.workloads),
        required=f"{s.required_mbps:,.1f} Mbps",
        licensed=(f"{_number(s.licensed_mbps)} Mbps" if s.licensed_mbps is not None
                  else "not stated" if s.type == "nva" else "-"),
        verdict=_verdict(s)) for s in costs.sizing)
    note = price_line(costs.currency, costs.price_date, costs.days_per_month,
                      costs.hours_per_month)
    return {"costs": CostsSection(note, money(costs.traffic), money(costs.fixed),
                                  money(costs.total), flows, charges, sizing, costs.notes)}


def variants_context(comparison: Comparison) -> dict[str, Any]:
    """`variants`: the options side by side (one column each), as `flowdocs compare`."""
    return {"variants": VariantsSection(
        title=comparison.title,
        columns=tuple(r.label for r in comparison.rows),
        lines=tuple((aspect, tuple(cells)) for aspect, cells in comparison_cells(comparison)),
        legend=tuple((r.label, code(r.design), r.title) for r in comparison.rows),
        price_note=price_line(comparison.currency, comparison.price_date,
                              comparison.days_per_month, comparison.hours_per_month),
    )}


def _number(value: Decimal) -> str:
    """`6,000`, `730`, `0.5`: thousands separated, no trailing zeros."""
    return f"{value.normalize():,f}"


def _verdict(sizing: Sizing) -> str:
    if sizing.licensed_mbps is None:
        # Azure Firewall has no licence to size: its SKU scales (azure-rules.md 7).
        return "licence not stated" if sizing.type == "nva" else "Azure Firewall: no licence"
    return "under-licensed" if sizing.under_licensed else "within licence"


def _money(currency: str):
    def money(value: Decimal, exact: bool = False) -> str:
        if exact:  # a unit price keeps its digits: $0.016, not $0.02
            shown = f"{value.normalize():f}"
            return f"${shown}" if currency == "USD" else f"{shown} {currency}"
        return format_money(value, currency)
    return money
