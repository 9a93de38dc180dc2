"""`flowdocs rules`: the firewall rules a design's flows need, as a table, JSON or ARM."""

from __future__ import annotations

import json

import click

from flowdocs.analyse.firewall_rules import firewall_rules, nsg_rules
from flowdocs.analyse.resolved import resolve_designs
from flowdocs.cli.common import echo_json, echo_warnings
from flowdocs.write.rules_export import arm_template, rules_document, rules_table


@click.command("rules")
@click.argument("design", type=click.Path(dir_okay=False))
@click.option("--format", "output_format", type=click.Choice(["table", "json", "arm"]),
              default="table", show_default=True,
              help="table: for people; json: every field; arm: an ARM template with one "
                   "rule collection group per Azure Firewall.")
@click.pass_context
def command(ctx: click.Context, design: str, output_format: str) -> None:
    """Show the allow rules each firewall or NVA needs for the flows that cross it, and the
    outbound rules of the workload subnets' NSGs.

    Sources are the workload subnets' prefixes; destinations are the AzureBackup FQDN tag
    (application rule, HTTPS 443, no TLS termination), service tags (network rule, TCP 443)
    or private endpoint IPs. Flows that are dropped or loop get no rule. The ARM template
    holds the Azure Firewall rules only.

    \b
    Examples:
      flowdocs rules designs/b-sql-hub-firewall.yaml
      flowdocs rules designs/b-sql-hub-firewall.yaml --format arm > rules.json
      az deployment group create -g rg-hub --template-file rules.json \\
        --parameters afwHubPolicyName=afwp-hub
    """
    (resolved,) = resolve_designs([design])
    echo_warnings(resolved.warning_lines())
    name = resolved.resolution.design.name
    sets = firewall_rules(resolved.resolution)
    if output_format == "table":
        click.echo(rules_table(name, sets, nsg_rules(resolved.resolution)), nl=False)
    elif output_format == "json":
        echo_json(rules_document(name, sets, nsg_rules(resolved.resolution)))
    else:
        template = arm_template(name, sets)
        if not template["resources"]:
            click.echo(f"{resolved.path}: error: no Azure Firewall of {name} carries a flow, so "
                       f"there is no rule collection group to export; NVA rules are in "
                       f"--format table and json", err=True)
            ctx.exit(1)
        # Indented all the way down: this is a file people read and paste from.
        click.echo(json.dumps(template, indent=2))
