"""`flowdocs build`: the design pages and diagrams, as Markdown for any MkDocs-like engine."""

from __future__ import annotations

from pathlib import Path

import click

from flowdocs.cli.common import echo_warnings
from flowdocs.write.site import DEFAULT_CACHE, DEFAULT_OUTPUT, SiteOptions, prepare, write


def site_options(paths: tuple[str, ...], templates: str | None,
                 cache_dir: str | None = None) -> SiteOptions:
    """The options both `build` and `check` take; designs default to `designs/`."""
    return SiteOptions(
        designs=tuple(Path(p) for p in paths) or (Path("designs"),),
        templates=Path(templates) if templates else None,
        base_dir=Path("."),
        cache_dir=Path(cache_dir) if cache_dir else None,
    )


designs_argument = click.argument("paths", nargs=-1, type=click.Path())
output_option = click.option(
    "--output", "-o", type=click.Path(file_okay=False), default=str(DEFAULT_OUTPUT),
    show_default=True, help="The generated folder (a docs_dir for MkDocs).")
templates_option = click.option(
    "--templates", type=click.Path(file_okay=False, exists=True),
    help="A folder of templates that override flowdocs' own (design.md.j2, index.md.j2).")
strict_option = click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
cache_option = click.option(
    "--cache-dir", type=click.Path(file_okay=False), default=str(DEFAULT_CACHE),
    show_default=True, help="The content-hash cache of drawings, pages and diagrams.")


@click.command("build")
@designs_argument
@output_option
@templates_option
@cache_option
@strict_option
def command(paths: tuple[str, ...], output: str, templates: str | None, cache_dir: str,
            strict: bool) -> None:
    """Write a page per design, an index and the diagrams (SVG) into the generated folder.

    PATHS are design files or folders of them (default: designs/). Every design is
    validated and every page rendered before anything is written; unchanged files are
    left alone, and the pages of designs that no longer exist are removed. Pages and
    diagrams of unchanged designs come from the cache.

    \b
    Examples:
      flowdocs build
      flowdocs build designs/ --output docs/generated --templates my-templates/
    """
    site = prepare(site_options(paths, templates, cache_dir))
    echo_warnings(site.warnings)
    if strict and site.warnings:
        site.close()
        click.echo(f"{len(site.warnings)} warning(s) with --strict: nothing written", err=True)
        raise SystemExit(1)
    report = write(site, Path(output))
    click.echo(f"{output}: {len(site.pages)} pages and {len(site.diagrams)} diagrams for "
               f"{len(site.designs)} design(s); {len(report.written)} page(s) written, "
               f"{len(report.removed)} file(s) removed", err=True)
