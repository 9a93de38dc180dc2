"""`flowdocs resolve`: every flow of a design, as a table or as the JSON contract."""

from __future__ import annotations

import click

from flowdocs.analyse.analysis import analyse
from flowdocs.analyse.costs import DesignCosts, Sizing
from flowdocs.analyse.findings import Finding
from flowdocs.analyse.resolved import resolve_designs
from flowdocs.cli.catalog_option import catalog_of, catalog_option
from flowdocs.cli.common import echo_json, echo_warnings, format_option
from flowdocs.cli.pricing import price_table, prices_option
from flowdocs.resolve.flows import Flow, Resolution
from flowdocs.write.amounts import money, price_line, quantity
from flowdocs.write.contract import resolution_document
from flowdocs.write.tables import format_table


@click.command("resolve")
@click.argument("design", type=click.Path(dir_okay=False))
@prices_option()
@catalog_option()
@format_option()
def command(design: str, prices_file: str | None, catalog_file: str | None,
            output_format: str) -> None:
    """Resolve a design's flows with Azure's routing rules, with findings and costs.

    Flows are numbered 1 (management) and 2 (data). `--format json` prints the output
    contract of the design-format reference, with `findings` and `costs`. Costs are list
    prices with their date, not a quote.

    \b
    Examples:
      flowdocs resolve designs/b-sql-hub-firewall.yaml
      flowdocs resolve designs/b-sql-hub-firewall.yaml --format json > flows.json
      flowdocs resolve designs/b-sql-hub-firewall.yaml --prices my-prices.yaml
    """
    prices = price_table(prices_file)
    (resolved,) = resolve_designs([design], catalog_of(catalog_file))
    echo_warnings(resolved.warning_lines())
    analysis = analyse(resolved.resolution, prices, findings=resolved.findings)
    if output_format == "json":
        echo_json(resolution_document(resolved.resolution, analysis))
    else:
        click.echo(flows_table(resolved.resolution), nl=False)
        click.echo(f"\n{findings_table(analysis.findings)}\n{costs_table(analysis.costs)}",
                   nl=False)


def flows_table(resolution: Resolution) -> str:
    rows = [_row(f) for f in resolution.flows]
    headers = ["#", "workload", "service", "access", "status", "path", "decided by"]
    return f"{resolution.design.title}\n\n" + format_table(headers, rows)


def _row(flow: Flow) -> list[str]:
    route = flow.deciding_route
    decided = "platform" if route is None else route.label()
    return [str(flow.number), flow.workload, flow.service, flow.access or "-", flow.status,
            " > ".join(h.node for h in flow.hops), decided]


def findings_table(findings: list[Finding]) -> str:
    if not findings:
        return "Findings: none\n"
    rows = [[f.id, f.severity if f.counts else f"{f.severity}, accepted", f.subject,
             f.message if f.counts else f"{f.message} (accepted: {f.accepted})"]
            for f in findings]
    return "Findings\n\n" + format_table(["id", "severity", "subject", "finding"], rows)


def costs_table(costs: DesignCosts) -> str:
    """Each charge, the totals and firewall sizing, under the date of the prices."""
    currency = costs.currency
    rows = [[c.component, c.item, quantity(c.quantity, c.unit), f"{c.unit_price.normalize():f}",
             money(c.monthly, currency)] for c in costs.charges]
    rows += [[label, "", "", "", money(value, currency)] for label, value in
             (("traffic", costs.traffic), ("fixed", costs.fixed), ("total", costs.total))]
    text = "Costs\n\n" + format_table(
        ["component", "charge", "quantity", "unit price", "per month"], rows)
    if costs.sizing:
        sizing = [[s.firewall, ", ".join(s.workloads), f"{s.required_mbps:,.1f} Mbps",
                   "not stated" if s.licensed_mbps is None else
                   quantity(s.licensed_mbps, "Mbps"),
                   _verdict(s)] for s in costs.sizing]
        text += "\nThroughput in the backup window\n\n" + format_table(
            ["firewall", "workloads", "needs", "licensed", "verdict"], sizing)
    text += "\n" + price_line(costs.currency, costs.price_date, costs.days_per_month,
                              costs.hours_per_month) + "\n"
    return text + "".join(f"- {note}\n" for note in costs.notes)


def _verdict(sizing: Sizing) -> str:
    if sizing.licensed_mbps is None:
        return "licence not stated" if sizing.type == "nva" else "-"
    return "under-licensed" if sizing.under_licensed else "within licence"
