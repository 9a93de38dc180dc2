"""`flowdocs validate`: check design files without writing anything."""

from __future__ import annotations

import click

from flowdocs.analyse.resolved import resolve_designs
from flowdocs.cli.common import echo_warnings


@click.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
def command(paths: tuple[str, ...], strict: bool) -> None:
    """Check design files (or folders of them) and report every problem.

    Problems print as FILE:LINE:COL: error: MESSAGE, all at once; the exit status is 1 when
    there is an error (or, with --strict, a warning). Findings (docs/decisions.md) print as
    warnings, with their id and severity: FILE:LINE:COL: warning: MESSAGE [FD005 warning].

    \b
    Examples:
      flowdocs validate designs/
      flowdocs validate --strict designs/b-sql-hub-firewall.yaml
    """
    resolved = resolve_designs(paths)
    warnings = [line for r in resolved for line in r.warning_lines()]
    echo_warnings(warnings)
    flows = sum(len(r.resolution.flows) for r in resolved)
    click.echo(f"{len(resolved)} design(s) valid, {flows} flows, {len(warnings)} warning(s)",
               err=True)
    if strict and warnings:
        raise SystemExit(1)
