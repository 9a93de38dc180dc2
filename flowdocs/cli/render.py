"""`flowdocs render`: each design's diagram as SVG, PNG or PDF."""

from __future__ import annotations

from pathlib import Path

import click

from flowdocs.cli.catalog_option import catalog_option
from flowdocs.cli.common import echo_warnings
from flowdocs.render import FORMATS
from flowdocs.render.designs import render_design_files
from flowdocs.render.graphviz import RenderOptions
from flowdocs.render.workers import sigterm_exits


def _formats(ctx: click.Context, param: click.Parameter, value: str) -> tuple[str, ...]:
    formats = tuple(dict.fromkeys(f.strip().lower() for f in value.split(",") if f.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise click.BadParameter(f"expected a comma-separated list of {', '.join(FORMATS)}, "
                                 f"but received: {value!r}")
    return formats


@click.command("render")
@click.argument("designs", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", "out_dir", default="diagrams", show_default=True,
              type=click.Path(file_okay=False), help="Folder for <design-name>.<format>.")
@click.option("--format", "formats", default="png,svg", show_default=True, callback=_formats,
              metavar="LIST", help="Comma-separated formats: png, svg, pdf.")
@click.option("--dpi", default=96, show_default=True, type=click.IntRange(36, 600),
              help="PNG resolution: 96 for the web, 150-200 for print (SVG and PDF are "
                   "vector: their size does not change).")
@click.option("--cache-dir", default=".flowdocs-cache", show_default=True,
              type=click.Path(file_okay=False), help="Content-hash cache of rendered diagrams.")
@click.option("--no-cache", is_flag=True, help="Render everything, and store nothing.")
@click.option("-j", "--jobs", type=click.IntRange(1), default=None,
              help="Diagrams rendered at once [default: one per core].")
@catalog_option()
def command(designs: tuple[str, ...], out_dir: str, formats: tuple[str, ...], dpi: int,
            cache_dir: str, no_cache: bool, jobs: int | None, catalog_file: str | None) -> None:
    """Draw each design's resolved flows: spokes, hub, Azure services, numbered arrows.

    DESIGNS are design files or folders of them. Nothing is drawn unless every design
    loads and resolves. Each diagram is rendered by its own Graphviz `dot` process, one
    per core at a time; a design whose diagram is unchanged is copied from the cache.

    A `dot` run that takes longer than 120 seconds is stopped, with an error naming the
    design: set FLOWDOCS_DOT_TIMEOUT=SECONDS to allow more. A PNG is at most 32,767 pixels
    a side: a larger one is refused, with the --dpi that fits.

    \b
    Examples:
      flowdocs render designs/ -o docs/showcase
      flowdocs render designs/b-sql-hub-firewall.yaml --format png,pdf --dpi 200
      flowdocs render designs/ --catalog my-catalog.yaml
    """
    with sigterm_exits():  # a killed render ends its worker and `dot` processes too
        run = render_design_files(designs, Path(out_dir), RenderOptions(formats, dpi),
                                  None if no_cache else Path(cache_dir), workers=jobs,
                                  catalog=catalog_file)
    echo_warnings(run.warnings)
    click.echo(f"{run.designs} diagram(s) in {out_dir}: {run.result.rendered} rendered, "
               f"{run.result.cached} unchanged (cached)", err=True)
