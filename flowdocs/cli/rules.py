"""`flowdocs rules`: the firewall rules a design's flows need, as a table, JSON or ARM."""

from __future__ import annotations

import json
from dataclasses import replace

import click

from flowdocs.analyse.firewall_rules import firewall_rules, nsg_rules
from flowdocs.analyse.policy_coverage import review_rules
from flowdocs.analyse.resolved import resolve_designs
from flowdocs.cli.catalog_option import catalog_of, catalog_option
from flowdocs.cli.common import echo_json, echo_warnings
from flowdocs.write.rules_export import arm_template, rules_document, rules_table


@click.command("rules")
@click.argument("design", type=click.Path(dir_okay=False))
@click.option("--format", "output_format", type=click.Choice(["table", "json", "arm"]),
              default="table", show_default=True,
              help="table: for people; json: every field; arm: an ARM template with one "
                   "rule collection group per Azure Firewall.")
@click.option("--missing", is_flag=True,
              help="Only the rules the design's policy lacks: the ones whose flows an NSG or "
                   "firewall policy of the design denies.")
@catalog_option()
@click.pass_context
def command(ctx: click.Context, design: str, output_format: str, missing: bool,
            catalog_file: str | None) -> None:
    """Show the allow rules each firewall or NVA needs for the flows that cross it, and the
    outbound rules of the workload subnets' NSGs.

    Sources are the workload subnets' prefixes; destinations are the AzureBackup FQDN tag
    (application rule, HTTPS 443, no TLS termination), service tags (network rule, TCP 443)
    or private endpoint IPs. Flows that are dropped or loop get no rule. The ARM template
    holds the Azure Firewall rules only.

    Where the design gives its NSGs and firewall policies, each rule says whether the design
    already has it (present, with the existing rule; MISSING; unknown for an NVA or a
    firewall without a policy), and the design's rules that no flow uses are listed.

    \b
    Examples:
      flowdocs rules designs/b-sql-hub-firewall.yaml
      flowdocs rules designs/b-sql-hub-firewall.yaml --format arm > rules.json
      flowdocs rules designs/j-sql-missing-storage-rule.yaml --missing
      az deployment group create -g rg-hub --template-file rules.json \\
        --parameters afwHubPolicyName=afwp-hub
    """
    (resolved,) = resolve_designs([design], catalog_of(catalog_file))
    echo_warnings(resolved.warning_lines())
    name = resolved.resolution.design.name
    sets = firewall_rules(resolved.resolution)
    nsgs = nsg_rules(resolved.resolution)
    review = review_rules(resolved.resolution, sets, nsgs)
    if missing:
        sets = [replace(s, rules=tuple(
            r for r in s.rules if review.of_firewall_rule(s.firewall, r).state == "missing"))
            for s in sets]
        nsgs = [r for r in nsgs if review.of_nsg_rule(r).state == "missing"]
        review = replace(review, unused=[])
    if output_format == "table":
        click.echo(rules_table(name, sets, nsgs, review), nl=False)
    elif output_format == "json":
        echo_json(rules_document(name, sets, nsgs, review))
    else:
        template = arm_template(name, sets)
        if not template["resources"]:
            click.echo(f"{resolved.path}: error: no Azure Firewall of {name} carries a flow, so "
                       f"there is no rule collection group to export; NVA rules are in "
                       f"--format table and json", err=True)
            ctx.exit(1)
        # Indented all the way down: this is a file people read and paste from.
        click.echo(json.dumps(template, indent=2))
