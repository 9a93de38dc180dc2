"""`flowdocs validate`: check design files without writing anything."""

from __future__ import annotations

import click

from flowdocs.analyse.resolved import resolve_designs
from flowdocs.cli.catalog_option import catalog_of, catalog_option
from flowdocs.cli.common import echo_warnings


@click.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@catalog_option()
def command(paths: tuple[str, ...], strict: bool, catalog_file: str | None) -> None:
    """Check design files (or folders of them) and report every problem.

    Problems print as FILE:LINE:COL: error: MESSAGE, all at once. Findings
    (docs/decisions.md) print as warnings, with their id and severity:
    FILE:LINE:COL: warning: MESSAGE [FD005 warning]. The exit status is 1 when there is a
    problem, or a finding of severity error (a flow dropped or looping, a backup that Azure
    refuses), or, with --strict, any warning. Findings the design accepts (`accept:`, with a
    reason) are not printed and do not count.

    \b
    Examples:
      flowdocs validate designs/
      flowdocs validate --strict designs/b-sql-hub-firewall.yaml
    """
    resolved = resolve_designs(paths, catalog_of(catalog_file))
    warnings = [line for r in resolved for line in r.warning_lines()]
    echo_warnings(warnings)
    flows = sum(len(r.resolution.flows) for r in resolved)
    failing = sum(len(r.failing) for r in resolved)
    summary = f"{len(resolved)} design(s) valid, {flows} flows, {len(warnings)} warning(s)"
    accepted = sum(1 for r in resolved for f in r.findings if not f.counts)
    if accepted:
        summary += f", {accepted} finding(s) accepted by the design"
    if failing:
        summary += f", {failing} of severity error: the flows they name never arrive"
    click.echo(summary, err=True)
    if failing or (strict and warnings):
        raise SystemExit(1)
