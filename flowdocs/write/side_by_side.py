"""A comparison of variants (`analyse/compare.py`) as the terminal, the JSON and the pages
show it: options side by side, one line per aspect."""

from __future__ import annotations

from typing import Any

from flowdocs.analyse.compare import Comparison, findings_summary
from flowdocs.analyse.findings import SEVERITY_ORDER
from flowdocs.write.amounts import COST_BASIS, gigabytes, money, money_number, price_line
from flowdocs.write.contract import finding_document
from flowdocs.write.tables import format_table


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
        f"{gigabytes(r.firewall_gb)}/month" for r in rows]))
    lines.append(("traffic per month", [money(r.traffic, currency) for r in rows]))
    lines.append(("fixed per month", [money(r.fixed, currency) for r in rows]))
    lines.append(("total per month", [money(r.total, currency) for r in rows]))
    lines.append(("findings", [findings_summary(r.findings) for r in rows]))
    return lines


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
            "monthly": {"traffic": money_number(r.traffic), "fixed": money_number(r.fixed),
                        "total": money_number(r.total)},
            "findings": [finding_document(f) for f in sorted(
                r.findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.id))],
        } for r in comparison.rows],
    }

