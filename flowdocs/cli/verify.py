"""`flowdocs verify`: a design's effective routes against the real ones Azure shows."""

from __future__ import annotations

from collections.abc import Sequence

import click

from flowdocs.analyse.resolved import ResolvedDesign, resolve_designs
from flowdocs.analyse.verification import subnet_problems, verify
from flowdocs.cli.catalog_option import catalog_of, catalog_option
from flowdocs.cli.common import echo_json, format_option
from flowdocs.errors import FlowdocsError
from flowdocs.load.effective_routes import (
    RealRouteTable,
    VerifyInputError,
    parse_spec,
    read_all,
)
from flowdocs.write.verification_report import verification_document, verification_text


@click.command("verify")
@click.argument("design", type=click.Path(dir_okay=False))
@click.option("--effective-routes", "specs", multiple=True, required=True,
              metavar="VNET/SUBNET=FILE",
              help="A NIC's real routes in SUBNET: the JSON of `az network nic "
                   "show-effective-route-table --output json`. Repeat it for each NIC.")
@catalog_option()
@format_option()
def command(design: str, specs: tuple[str, ...], catalog_file: str | None,
            output_format: str) -> None:
    """Check a design against the effective routes Azure really computes.

    Compares each subnet's predicted routes with a NIC's real ones, row by row, then runs
    route selection on the real rows for every flow that chooses a route in that subnet
    (from its workload, or from a firewall on its way), and says whether the real network
    sends it the way the design's page says. Exit status 0 when everything agrees, 1 when
    something differs (one line per difference) or an input is wrong.

    \b
    Examples:
      az network nic show-effective-route-table -g rg-spoke -n sqlvm01-nic -o json > sql.json
      flowdocs verify designs/c-sql-storage-service-endpoint.yaml \\
        --effective-routes vnet-spoke-sql/snet-sql=sql.json
      flowdocs verify design.yaml --effective-routes vnet-hub/AzureFirewallSubnet=fw.json \\
        --effective-routes vnet-spoke/snet-app=app.json --format json
    """
    resolved, tables = _inputs(design, specs, catalog_file)
    verification = verify(resolved.resolution, tables)
    if output_format == "json":
        echo_json(verification_document(verification))
    else:
        click.echo(verification_text(verification), nl=False)
    if not verification.agrees:
        raise SystemExit(1)


def _inputs(design: str, specs: Sequence[str], catalog_file: str | None = None
            ) -> tuple[ResolvedDesign, list[RealRouteTable]]:
    """The resolved design and every real table, or every problem with them at once."""
    problems: list[str] = []
    resolved: ResolvedDesign | None = None
    try:
        (resolved,) = resolve_designs([design], catalog_of(catalog_file))
    except FlowdocsError as error:
        problems += error.lines()
    tables: list[RealRouteTable] = []
    for spec in dict.fromkeys(specs):
        pair = parse_spec(spec)
        if pair is None:
            problems.append(f"flowdocs: error: --effective-routes '{spec}': expected "
                            f"VNET/SUBNET=FILE")
            continue
        if resolved is not None:
            problems += [f"{resolved.path}: error: --effective-routes: {message}"
                         for message in subnet_problems(resolved.resolution.topology,
                                                        [pair[0]])]
        read, errors = read_all([pair])
        tables += read
        problems += [line for error in errors for line in error.lines()]
    if problems or resolved is None:
        raise VerifyInputError(problems)
    return resolved, tables
