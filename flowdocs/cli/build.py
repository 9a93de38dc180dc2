"""`flowdocs build`: the design pages and diagrams, as Markdown for any MkDocs-like engine."""

from __future__ import annotations

from pathlib import Path

import click

from flowdocs.cli.catalog_option import catalog_option
from flowdocs.cli.common import echo_warnings
from flowdocs.load.effective_routes import parse_spec
from flowdocs.write.site import DEFAULT_CACHE, DEFAULT_OUTPUT, SiteOptions, prepare, write


def site_options(paths: tuple[str, ...], templates: str | None,
                 cache_dir: str | None = None,
                 effective_routes: tuple[tuple[str, str, Path], ...] = (),
                 catalog: str | None = None) -> SiteOptions:
    """The options both `build` and `check` take; designs default to `designs/`."""
    return SiteOptions(
        designs=tuple(Path(p) for p in paths) or (Path("designs"),),
        templates=Path(templates) if templates else None,
        base_dir=Path("."),
        cache_dir=Path(cache_dir) if cache_dir else None,
        effective_routes=effective_routes,
        catalog=Path(catalog) if catalog else None,
    )


def _effective_routes(ctx: click.Context, param: click.Parameter,
                      values: tuple[str, ...]) -> tuple[tuple[str, str, Path], ...]:
    """Each `DESIGN:VNET/SUBNET=FILE` as (design, subnet, file)."""
    parsed = []
    for value in values:
        design, colon, spec = value.partition(":")
        pair = parse_spec(spec) if colon and design else None
        if pair is None:
            raise click.BadParameter(f"expected DESIGN:VNET/SUBNET=FILE, found {value!r}")
        parsed.append((design, pair[0], Path(pair[1])))
    return tuple(dict.fromkeys(parsed))


designs_argument = click.argument("paths", nargs=-1, type=click.Path())
output_option = click.option(
    "--output", "-o", type=click.Path(file_okay=False), default=str(DEFAULT_OUTPUT),
    show_default=True, help="The generated folder (a docs_dir for MkDocs).")
templates_option = click.option(
    "--templates", type=click.Path(file_okay=False, exists=True),
    help="A folder of templates that override flowdocs' own (design.md.j2, index.md.j2).")
strict_option = click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
effective_routes_option = click.option(
    "--effective-routes", "effective_routes", multiple=True, callback=_effective_routes,
    metavar="DESIGN:VNET/SUBNET=FILE",
    help="Verify DESIGN's page against a NIC's real routes in SUBNET (the JSON of `az "
         "network nic show-effective-route-table -o json`): the page gets a \"Verified "
         "against effective routes\" section. Repeat it for each NIC.")
cache_option = click.option(
    "--cache-dir", type=click.Path(file_okay=False), default=str(DEFAULT_CACHE),
    show_default=True, help="The content-hash cache of drawings, pages and diagrams.")


@click.command("build")
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
    """Write a page per design, an index and the diagrams (SVG) into the generated folder.

    PATHS are design files or folders of them (default: designs/). Every design is
    validated and every page rendered before anything is written; unchanged files are
    left alone, and the pages of designs that no longer exist are removed. Pages and
    diagrams of unchanged designs come from the cache. With --catalog, designs may use
    your own workload types; a change to the catalog makes the pages anew.

    \b
    Examples:
      flowdocs build
      flowdocs build designs/ --output docs/generated --templates my-templates/
      flowdocs build --effective-routes \\
        c-sql-storage-service-endpoint:vnet-spoke-sql/snet-sql=routes/sqlvm01.json
      flowdocs build --catalog my-catalog.yaml
    """
    site = prepare(site_options(paths, templates, cache_dir, effective_routes, catalog_file))
    echo_warnings(site.warnings)
    if strict and site.warnings:
        site.close()
        click.echo(f"{len(site.warnings)} warning(s) with --strict: nothing written", err=True)
        raise SystemExit(1)
    report = write(site, Path(output))
    click.echo(f"{output}: {len(site.pages)} pages and {len(site.diagrams)} diagrams for "
               f"{len(site.designs)} design(s); {len(report.written)} page(s) written, "
               f"{len(report.removed)} file(s) removed", err=True)
