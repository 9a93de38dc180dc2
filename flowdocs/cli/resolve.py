"""`flowdocs resolve`: every flow of a design, as a table or as the JSON contract."""

from __future__ import annotations

import click

from flowdocs.cli.common import echo_json, echo_warnings, format_option
from flowdocs.contract import resolution_document
from flowdocs.flows import Flow, Resolution
from flowdocs.pipeline import resolve_designs
from flowdocs.textable import format_table


@click.command("resolve")
@click.argument("design", type=click.Path(dir_okay=False))
@format_option()
def command(design: str, output_format: str) -> None:
    """Resolve a design's flows with Azure's routing rules.

    Flows are numbered 1 (management) and 2 (data). `--format json` prints the output
    contract of the design-format reference.

    \b
    Examples:
      flowdocs resolve designs/b-sql-hub-firewall.yaml
      flowdocs resolve designs/b-sql-hub-firewall.yaml --format json > flows.json
    """
    (resolved,) = resolve_designs([design])
    echo_warnings(resolved.warning_lines())
    if output_format == "json":
        echo_json(resolution_document(resolved.resolution))
    else:
        click.echo(flows_table(resolved.resolution), nl=False)


def flows_table(resolution: Resolution) -> str:
    rows = [_row(f) for f in resolution.flows]
    headers = ["#", "workload", "service", "access", "status", "path", "decided by"]
    return f"{resolution.design.title}\n\n" + format_table(headers, rows)


def _row(flow: Flow) -> list[str]:
    route = flow.deciding_route
    decided = "platform" if route is None else route.label()
    return [str(flow.number), flow.workload, flow.service, flow.access or "-", flow.status,
            " > ".join(h.node for h in flow.hops), decided]
