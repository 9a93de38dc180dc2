"""`flowdocs schema`: the JSON Schema of the design format, for editors."""

from __future__ import annotations

import click

from flowdocs.cli.common import echo_json
from flowdocs.load.schema import design_schema


@click.command("schema")
def command() -> None:
    """Print the JSON Schema of the design file format.

    Point your editor's YAML language server at it with a modeline on a design's first line.

    \b
    Examples:
      flowdocs schema > design-v1.schema.json
      # yaml-language-server: $schema=../docs/assets/design-v1.schema.json
    """
    echo_json(design_schema())
