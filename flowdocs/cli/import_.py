"""`flowdocs import`: a design file from Azure or Terraform exports."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from flowdocs.errors import FlowdocsError
from flowdocs.files import atomic_write
from flowdocs.load.importing import design_name, import_design, read_sources
from flowdocs.write.design_yaml import checked_design_yaml

COUNTED = (("vnets", "vnet"), ("subnets", "subnet"), ("peerings", "peering"),
           ("route_tables", "route table"), ("routes", "route"), ("firewalls", "firewall"),
           ("gateways", "gateway"), ("connections", "gateway connection"),
           ("route_servers", "route server"), ("load_balancers", "load balancer"),
           ("vaults", "vault"), ("key_vaults", "key vault"),
           ("private_link_scopes", "private link scope"),
           ("private_endpoints", "private endpoint"),
           ("private_dns_zones", "private DNS zone"),
           ("network_security_groups", "network security group"),
           ("firewall_policies", "firewall policy"), ("security_rules", "security rule"))
# Nouns whose plural is not the noun and an s.
PLURALS = {"firewall policy": "firewall policies"}


@click.command("import")
@click.argument("sources", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", required=True, metavar="DESIGN.yaml",
              help="The design file to write (`-` for standard output).")
@click.option("--name", help="The design's name [default: from the output file's name].")
@click.option("--title", help="The design's title [default: NAME (imported)].")
def command(sources: tuple[str, ...], output: str, name: str | None,
            title: str | None) -> None:
    """Write a design file from exports of an existing estate.

    SOURCES are JSON files (or folders of them), in any mix of shapes, told apart file by
    file: the az CLI's (`az network vnet list`, `route-table list`, `firewall list`,
    `private-endpoint list`, `vnet-gateway list`, `vpn-connection list`, `local-gateway
    list`, `routeserver list`, `routeserver peering list`, `lb list`, `nic list`, `vm list`,
    `nsg list`, `firewall policy list`, `firewall policy rule-collection-group list`, ...), Azure
    Resource Graph's (`az graph query`, pages as several files) and ARM REST's
    (`{"value": [...]}`), and `terraform show -json` of a state or a plan (azurerm v3 and v4).

    Each object of the design keeps, in a comment, the id it came from. NSGs and firewall
    policies come with their rules, except those the format has no place for (DNAT,
    IP groups, application security groups, web categories, URLs); gateways with their
    instances and connections, Route Servers with their NVA peers, internal load balancers
    in front of NVAs. What BGP learns is in no export: the notes say where to read it. What
    is left out (those rules, Virtual WAN, a load balancer in front of servers, a reference
    to a resource outside the exports) is listed at the end of the file with the reason.
    Workloads cannot be read from an export: VMs are
    written as candidates, commented out, for you to uncomment and type. The design is
    validated and resolved before it is written.

    \b
    Examples:
      az network vnet list > vnets.json
      az network route-table list > route-tables.json
      az network firewall list > firewalls.json
      flowdocs import vnets.json route-tables.json firewalls.json -o estate.yaml
      az network nsg list > nsgs.json
      az network firewall policy list > policies.json
      az network firewall policy rule-collection-group list -g rg-hub \\
        --policy-name afwp-hub > groups.json
      flowdocs import *.json -o estate.yaml
      az graph query -q "resources | where type startswith 'microsoft.network/'" \\
        --first 1000 > graph.json
      flowdocs import graph.json -o estate.yaml --title "Production estate"
      terraform show -json tfplan > plan.json && flowdocs import plan.json -o planned.yaml
    """
    if output != "-" and not output.endswith((".yaml", ".yml")):
        raise click.BadParameter("the design is written as YAML: name it DESIGN.yaml",
                                 param_hint="'-o' / '--output'")
    chosen = design_name(name or (Path(output).stem if output != "-" else "imported"))
    imported = import_design(read_sources(sources), chosen, title)
    text, _ = checked_design_yaml(imported, output)
    counts = imported.counts()
    summary = ", ".join(f"{counts[key]} {noun if counts[key] == 1 else _plural(noun)}"
                        for key, noun in COUNTED if counts[key])
    if output == "-":
        sys.stdout.write(text)
    else:
        try:
            atomic_write(output, text)
        except OSError as error:  # atomic_write left no temporary file behind
            raise FlowdocsError(f"{output}: error: cannot write the design: "
                                f"{error.strerror or error}") from None
    click.echo(f"{output}: {summary or 'nothing'} imported; {len(imported.candidates)} "
               f"candidate workload(s), {len(imported.skipped)} resource(s) not imported "
               "(listed at the end of the file)", err=True)


def _plural(noun: str) -> str:
    return PLURALS.get(noun, f"{noun}s")
