"""`flowdocs check`: for CI, fail when a design is invalid or the generated pages are stale."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path

import click
from click.core import ParameterSource

from flowdocs.cli.build import (
    cache_option,
    designs_argument,
    effective_routes_option,
    output_option,
    site_options,
    strict_option,
    templates_option,
)
from flowdocs.cli.catalog_option import catalog_option
from flowdocs.cli.common import echo_warnings
from flowdocs.write.check import check


@click.command("check")
@designs_argument
@output_option
@templates_option
@cache_option
@effective_routes_option
@catalog_option()
@strict_option
def command(paths: tuple[str, ...], output: str, templates: str | None, cache_dir: str,
            effective_routes: tuple[tuple[str, str, Path], ...], catalog_file: str | None,
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
      flowdocs check --catalog my-catalog.yaml
    """
    fix = build_command(paths, {"--output": output, "--templates": templates,
                                "--cache-dir": cache_dir},
                        [f"{design}:{subnet}={file}" for design, subnet, file in effective_routes],
                        catalog_file)
    report = check(site_options(paths, templates, cache_dir, effective_routes, catalog_file),
                   Path(output), fix)
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


def build_command(paths: tuple[str, ...], options: dict[str, str | None],
                  effective_routes: Sequence[str] = (), catalog: str | None = None) -> str:
    """The `flowdocs build` that brings the output `check` compared up to date: the same
    design paths, each option (`--output`, `--templates`, `--cache-dir`) that was given,
    every `--effective-routes` and the `--catalog`, shell-quoted. `--strict` is left out:
    the build must write even when designs warn."""
    context = click.get_current_context()
    words = ["flowdocs", "build", *paths]
    for option, value in options.items():
        name = option.removeprefix("--").replace("-", "_")
        if value is not None and context.get_parameter_source(name) is not \
                ParameterSource.DEFAULT:
            words += [option, value]
    for spec in effective_routes:
        words += ["--effective-routes", spec]
    if catalog is not None:
        words += ["--catalog", catalog]
    return shlex.join(words)
