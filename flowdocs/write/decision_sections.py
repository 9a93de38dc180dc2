"""Template contexts of the decision sections of a page: findings, costs and variants.

Pure data for `templates/_findings.md.j2`, `_costs.md.j2` and `_variants.md.j2`. Each
`*_context` function returns a one-key dict (`findings`, `costs`, `variants`) to merge into
the page context, and `decision_context` all three at once; plain strings are escaped by the
template environment, `Md` is trusted Markdown. The findings section is the one place a page
states each finding.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flowdocs.analyse.analysis import Resolved, analyse_resolved
from flowdocs.analyse.compare import (
    Comparison,
    VariantRow,
    compare,
    severity_summary,
)
from flowdocs.analyse.costs import DesignCosts, Sizing
from flowdocs.analyse.findings import SEVERITY_ORDER, Finding
from flowdocs.load.prices import PriceTable, default_prices
from flowdocs.write.amounts import gigabytes, money, number, price_line, quantity
from flowdocs.write.escaping import Md, code, join, md, text
from flowdocs.write.side_by_side import comparison_cells

# A finding's admonition shows its severity: Material's danger, warning and info boxes.
ADMONITION_KINDS = {"error": "danger", "warning": "warning", "info": "info"}
ACCEPTED_KIND = "success"  # a finding the design accepts, with its reason
MICROSOFT_DOCS = "learn.microsoft.com/"
ITEM_TITLES = {
    "firewall data": "Firewall data processed",
    "firewall deployment": "Firewall deployment",
    "peering egress": "VNet peering, out of the sending VNet",
    "peering ingress": "VNet peering, into the receiving VNet",
    "private endpoint data": "Private endpoint data processed",
    "private endpoint hours": "Private endpoint",
}


@dataclass(frozen=True)
class FindingBox:
    """One finding, as the admonition that states it."""

    id: str
    severity: str
    kind: str  # the admonition's type
    title: str  # the rule's title
    subject: Md
    message: str
    where: Md
    source: Md
    accepted: str | None = None  # the design's reason, when it accepts the finding


@dataclass(frozen=True)
class FindingsSection:
    boxes: tuple[FindingBox, ...]
    summary: str  # how many of each severity: `2 errors`, `1 warning, 1 info`


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
class Option:
    """What a column of the comparison stands for, and the page that explains it."""

    label: str
    design: Md
    title: Md  # a link to the option's page, when it has one
    current: bool  # the option of the page that shows the comparison


@dataclass(frozen=True)
class VariantsSection:
    title: str
    columns: tuple[str, ...]
    lines: tuple[tuple[str, tuple[str, ...]], ...]
    legend: tuple[Option, ...]
    price_note: str


def decision_context(resolved: Resolved, family: Sequence[Resolved], source: str,
                     prices: PriceTable | None = None,
                     page_of: Callable[[str], str] | None = None) -> dict[str, Any]:
    """The three sections of a design page in one call: `findings`, `costs`, and `variants`
    (None unless `family`, from `extends.comparison_families`, has other designs).
    `page_of` names the page of a design, to link the options of the comparison."""
    prices = prices or default_prices()
    own = analyse_resolved(resolved, prices)
    variants = None
    if len(family) > 1:
        comparison = compare([own if r is resolved else analyse_resolved(r, prices)
                              for r in family])
        current = resolved.resolution.design.name
        variants = variants_context(comparison, page_of, current)["variants"]
    return {**findings_context(resolved.findings, source), **costs_context(own.costs),
            "variants": variants}


def findings_context(findings: list[Finding], source: str) -> dict[str, Any]:
    """`findings`: every finding, errors first, with the line that states its subject."""
    # Accepted findings come last, as notes: the design has decided them.
    ordered = sorted(findings, key=lambda f: (not f.counts, SEVERITY_ORDER[f.severity]))
    boxes = tuple(FindingBox(
        id=f.id, severity=f.severity if f.counts else f"{f.severity}, accepted",
        kind=ADMONITION_KINDS[f.severity] if f.counts else ACCEPTED_KIND, title=f.rule.title,
        subject=code(f.subject), message=f.message,
        where=code(source if f.line is None else f"{source}:{f.line}:{f.column}"),
        source=rule_source(f.source), accepted=f.accepted) for f in ordered)
    return {"findings": FindingsSection(boxes, severity_summary(findings))}


def rule_source(source: str) -> Md:
    """A rule's sources, `;`-separated, with the Microsoft pages as links."""
    parts = [part.strip() for part in source.split(";") if part.strip()]
    return join((md("[{page}](https://{page})", page=Md(part))
                 if part.startswith(MICROSOFT_DOCS) and " " not in part else text(part)
                 for part in parts), "; ")


def costs_context(costs: DesignCosts) -> dict[str, Any]:
    """`costs`: totals, each flow's cost, each charge, firewall sizing, and what is not
    priced, under the price table's date."""
    currency = costs.currency
    flows = tuple(FlowCostRow(code(flow), f"{gigabytes(costs.volumes[flow])}/month",
                              money(cost, currency)) for flow, cost in costs.by_flow().items())
    charges = tuple(ChargeRow(
        item=ITEM_TITLES[c.item], component=code(c.component), region=c.region or "not given",
        quantity=quantity(c.quantity, c.unit),
        unit_price=f"{money(c.unit_price, currency, exact=True)} per {c.unit}",
        monthly=money(c.monthly, currency)) for c in costs.charges)
    sizing = tuple(SizingRow(
        firewall=code(s.firewall), workloads=", ".join(s.workloads),
        required=f"{s.required_mbps:,.1f} Mbps",
        licensed=(f"{number(s.licensed_mbps)} Mbps" if s.licensed_mbps is not None
                  else "not stated" if s.type == "nva" else "-"),
        verdict=_verdict(s)) for s in costs.sizing)
    note = price_line(costs.currency, costs.price_date, costs.days_per_month,
                      costs.hours_per_month)
    return {"costs": CostsSection(note, money(costs.traffic, currency),
                                  money(costs.fixed, currency), money(costs.total, currency),
                                  flows, charges, sizing, costs.notes)}


def variants_context(comparison: Comparison, page_of: Callable[[str], str] | None = None,
                     current: str | None = None) -> dict[str, Any]:
    """`variants`: the options side by side (one column each), as `flowdocs compare`; with
    `page_of`, the legend links each option's page, and marks the `current` design's."""
    def title(row: VariantRow) -> Md:
        if page_of is None or row.design == current:
            return text(row.title)
        return md("[{title}]({page})", title=row.title, page=Md(page_of(row.design)))

    # A flow is one token (a code span, a no-break space after its number): browsers give
    # the first column little room, and a flow broken over two lines reads as two.
    flows = {f"{n} {flow}": md("{n}&nbsp;{flow}", n=n, flow=code(flow))
             for n, flow in comparison.flows}
    return {"variants": VariantsSection(
        title=comparison.title,
        columns=tuple(r.label for r in comparison.rows),
        lines=tuple((flows.get(aspect, aspect), tuple(cells))
                    for aspect, cells in comparison_cells(comparison)),
        legend=tuple(Option(r.label, code(r.design), title(r), r.design == current)
                     for r in comparison.rows),
        price_note=price_line(comparison.currency, comparison.price_date,
                              comparison.days_per_month, comparison.hours_per_month),
    )}


def _verdict(sizing: Sizing) -> str:
    if sizing.licensed_mbps is None:
        # Azure Firewall has no licence to size: its SKU scales (azure-rules.md 7).
        return "licence not stated" if sizing.type == "nva" else "Azure Firewall: no licence"
    return "under-licensed" if sizing.under_licensed else "within licence"
