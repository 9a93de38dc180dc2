"""What every command shares: error display, design loading, output formats."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from flowdocs.files import NoDesignsError
from flowdocs.pipeline import DesignErrors


class FlowdocsGroup(click.Group):
    """Shows user errors in one place, as `FILE:LINE:COL: error: MESSAGE` lines and exit 1.
    Anything else stays a traceback: it is a bug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DesignErrors as error:
            for line in error.lines():
                click.echo(line, err=True)
            ctx.exit(1)
        except NoDesignsError as error:
            click.echo(str(error), err=True)
            ctx.exit(1)


def format_option(default: str = "table"):
    return click.option("--format", "output_format", type=click.Choice(["table", "json"]),
                        default=default, show_default=True, help="Output format.")


def echo_json(document: Any) -> None:
    sys.stdout.write(dumps_json(document))


def dumps_json(document: Any) -> str:
    """Stable, readable and fast JSON: top-level keys one per line, list items one per line,
    each item compact. The key order is the contract's. (json's C encoder only runs without
    `indent`; the pure-Python indenting encoder takes seconds on a large estate.)"""
    if not isinstance(document, dict):
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    encode = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    lines = []
    for key, value in document.items():
        if isinstance(value, list) and value:
            items = ",\n".join(f"    {encode(item)}" for item in value)
            lines.append(f"  {encode(key)}: [\n{items}\n  ]")
        else:
            lines.append(f"  {encode(key)}: {encode(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def echo_warnings(lines: list[str]) -> None:
    for line in lines:
        click.echo(line, err=True)
