"""Paths and runners shared by the tests."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

from click.testing import CliRunner, Result

from flowdocs.cli import cli

ROOT = Path(__file__).resolve().parent.parent
DESIGNS = ROOT / "designs"
EXAMPLES = sorted(DESIGNS.glob("*.yaml"))


def run_cli(*args: str) -> Result:
    """The CLI in-process, with stdout and stderr kept apart."""
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


# A user's catalog with one workload type the shipped catalog lacks (a SQL Managed Instance
# client on TCP 1433), and a design that uses it: the `--catalog` tests of every verb.
SQL_MI_CATALOG = dedent("""\
    version: 1
    services:
      SqlMi:
        title: SQL Managed Instance
        fqdns: ["*.database.windows.net"]
        port: 1433
        tag: Sql
    workload_types:
      sql-mi-client:
        title: Application reaching SQL Managed Instance
        fails: the application loses its database
        flows:
          - {service: AzureActiveDirectory, category: management}
          - {service: SqlMi, category: data}
    """)

# Line 24 names the user's workload type.
SQL_MI_DESIGN = dedent("""\
    flowdocs: 1
    name: mi
    title: SQL MI client behind a firewall
    region: westeurope
    vnets:
      - name: vnet-hub
        address_space: [10.0.0.0/16]
        subnets:
          - {name: AzureFirewallSubnet, prefix: 10.0.1.0/26}
      - name: vnet-spoke
        address_space: [10.1.0.0/16]
        subnets:
          - {name: snet-app, prefix: 10.1.1.0/24, route_table: rt-spoke}
    peerings:
      - vnets: [vnet-spoke, vnet-hub]
    route_tables:
      - name: rt-spoke
        routes:
          - {name: to-fw, address_prefix: 0.0.0.0/0, next_hop_type: VirtualAppliance, next_hop_ip: 10.0.1.4}
    firewalls:
      - {name: afw-hub, type: azure-firewall, sku: Standard, subnet: vnet-hub/AzureFirewallSubnet, private_ip: 10.0.1.4}
    workloads:
      - name: app
        type: sql-mi-client
        subnet: vnet-spoke/snet-app
    """)


class WatchingServer:
    """What the MkDocs plugin's `on_serve` needs of mkdocs' live-reload server: the paths it is
    asked to watch, kept for the test to read."""

    def __init__(self) -> None:
        self.watched: list[str] = []

    def watch(self, path: str) -> None:
        self.watched.append(path)
