"""The `flowdocs` command line: thin adapters over the pipeline, one module per verb."""

from __future__ import annotations

import click

from flowdocs import __version__
from flowdocs.cli.common import FlowdocsGroup


@click.group(cls=FlowdocsGroup, context_settings={"help_option_names": ["-h", "--help"],
                                                  "max_content_width": 100})
@click.version_option(__version__, prog_name="flowdocs")
def cli() -> None:
    """Resolve Azure network designs into numbered traffic flows, diagrams and docs.

    \b
    Examples:
      flowdocs validate designs/
      flowdocs resolve designs/b-sql-hub-firewall.yaml
      flowdocs routes designs/b-sql-hub-firewall.yaml --subnet vnet-spoke-sql/snet-sql
    """




def main() -> None:
    cli()
