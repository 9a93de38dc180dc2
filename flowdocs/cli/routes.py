"""`flowdocs routes`: a subnet's effective route table."""

from __future__ import annotations

import click

from flowdocs.analyse.resolved import resolve_designs
from flowdocs.cli.catalog_option import catalog_of, catalog_option
from flowdocs.cli.common import echo_json, format_option
from flowdocs.load.diagnostics import did_you_mean
from flowdocs.write.contract import effective_routes_document
from flowdocs.write.tables import format_table


@click.command("routes")
@click.argument("design", type=click.Path(dir_okay=False))
@click.option("--subnet", required=True, metavar="VNET/SUBNET", help="The subnet to show.")
@catalog_option()
@format_option()
def command(design: str, subnet: str, catalog_file: str | None, output_format: str) -> None:
    """Show a subnet's effective routes, as Azure computes them for its NICs.

    The JSON form has the shape of `az network nic show-effective-route-table`, so the two
    can be compared route by route.

    \b
    Examples:
      flowdocs routes designs/b-sql-hub-firewall.yaml --subnet vnet-spoke-sql/snet-sql
      flowdocs routes designs/b-sql-hub-firewall.yaml --subnet vnet-hub/AzureFirewallSubnet \
        --format json
    """
    (resolved,) = resolve_designs([design], catalog_of(catalog_file))
    topology = resolved.resolution.topology
    if subnet not in topology.subnets:
        raise click.BadParameter(f"no subnet '{subnet}' in {resolved.path}"
                                 f"{did_you_mean(subnet, topology.subnets)}",
                                 param_hint="--subnet")
    view = resolved.resolution.router.effective_routes(topology.subnets[subnet])
    if output_format == "json":
        echo_json(effective_routes_document(view))
        return
    rows = [[r.source, r.state, r.address_prefix, r.next_hop_type, r.next_hop_ip or "",
             f"{r.table}/{r.name}" if r.table else ""] for r in view.routes]
    headers = ["Source", "State", "Address Prefix", "Next Hop Type", "Next Hop IP", "Route"]
    click.echo(f"Effective routes of {subnet}\n")
    click.echo(format_table(headers, rows), nl=False)
