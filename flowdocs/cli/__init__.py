"""The `flowdocs` command line: thin adapters over the pipeline, one module per verb."""

from __future__ import annotations

import io
import sys

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
    _tolerate_any_terminal_encoding()
    cli()


def _tolerate_any_terminal_encoding() -> None:
    """Outputs hold characters beyond latin-1: a title or summary as written (→, ✕), '…' where
    a message cuts a long value. Under a latin-1 or ASCII locale (`PYTHONIOENCODING=latin-1`,
    `LANG=en_US.ISO-8859-1`) Python would raise UnicodeEncodeError half-way through a table;
    instead such a character is written as its escape (`\\u2192`), which JSON output reads
    back as the same character."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
