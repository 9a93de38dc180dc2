"""What every command shares: error display, design loading, output formats."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from flowdocs.errors import FlowdocsError
from flowdocs.load.diagnostics import printable

F = TypeVar("F", bound=Callable[..., Any])

# Each verb's module, imported only when that verb runs: `resolve` never pays for Graphviz,
# Jinja or MkDocs imports. The order is the order of `flowdocs --help`.
COMMANDS = {
    "validate": "flowdocs.cli.validate",
    "resolve": "flowdocs.cli.resolve",
    "routes": "flowdocs.cli.routes",
    "rules": "flowdocs.cli.rules",
    "verify": "flowdocs.cli.verify",
    "compare": "flowdocs.cli.compare",
    "diff": "flowdocs.cli.diff",
    "render": "flowdocs.cli.render",
    "build": "flowdocs.cli.build",
    "check": "flowdocs.cli.check",
    "import": "flowdocs.cli.import_",
    "schema": "flowdocs.cli.schema",
}


class FlowdocsGroup(click.Group):
    """Loads verbs lazily, and shows user errors in one place, as `FILE:LINE:COL: error:
    MESSAGE` lines and exit 1. Anything else stays a traceback: it is a bug."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        module = COMMANDS.get(name)
        return importlib.import_module(module).command if module else None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FlowdocsError as error:
            for line in error.lines():
                click.echo(printable(line), err=True)  # a path or value may hold an ESC
            ctx.exit(1)


def format_option(default: str = "table") -> Callable[[F], F]:
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
