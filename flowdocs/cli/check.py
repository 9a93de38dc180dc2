"""`flowdocs check`: for CI, fail when a design is invalid or the generated pages are stale."""

from __future__ import annotations

from pathlib import Path

import click

from flowdocs.cli.build import (
    cache_option,
    designs_argument,
    output_option,
    site_options,
    strict_option,
    templates_option,
)
from flowdocs.cli.common import echo_warnings
from flowdocs.write.check import check


@click.command("check")
@designs_argument
@output_option
@templates_option
@cache_option
@strict_option
def command(paths: tuple[str, ...], output: str, templates: str | None, cache_dir: str,
            strict: bool) -> None:
    """Validate every design and verify that the generated folder is current.

    Each page is generated in memory (or recalled from the cache) and compared byte for
    byte with the file in the generated folder; only the cache is written, and no diagram
    is rendered. The exit status is 1 on a design error, on a missing, stale or left-over
    page or diagram, or (with --strict) on a warning.

    \b
    Examples:
      flowdocs check
      flowdocs check designs/ --output docs/generated --strict
    """
    report = check(site_options(paths, templates, cache_dir), Path(output))
    site = report.site
    echo_warnings(report.warnings)
    for problem in report.problems:
        click.echo(problem, err=True)
    if not report.ok(strict):
        click.echo(f"{output}: {len(report.problems)} problem(s), {len(report.warnings)} "
                   f"warning(s){' (--strict)' if strict else ''}", err=True)
        raise SystemExit(1)
    click.echo(f"{output}: current ({len(site.pages)} pages, {len(site.diagrams)} diagrams "
               f"from {len(site.designs)} design(s))", err=True)
