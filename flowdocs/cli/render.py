"""`flowdocs render`: each design's diagram as SVG, PNG or PDF."""

from __future__ import annotations

from pathlib import Path

import click

from flowdocs.cli.catalog_option import catalog_option
from flowdocs.cli.common import echo_warnings
from flowdocs.errors import FlowdocsError
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


def _flows(ctx: click.Context, param: click.Parameter, value: str | None
           ) -> tuple[str, ...] | None:
    """A flow filter's terms, in order, each once; None without --flows."""
    if value is None:
        return None
    terms = tuple(dict.fromkeys(t.strip() for t in value.split(",") if t.strip()))
    if not terms:
        raise click.BadParameter("expected a comma-separated list of flow numbers, flow ids "
                                 "(workload/service), workloads and services, but received: "
                                 f"{value!r}")
    return terms


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
@click.option("--flows", "flows", default=None, callback=_flows, metavar="FILTER",
              help="Draw only these flows, and only what they use: a comma-separated list "
                   "of flow numbers (2), flow ids (sqlvm01/Storage), workloads (all their "
                   "flows) and services or own flows (Storage, web-to-sql). A term the "
                   "design does not have is an error that lists what it has. The diagram "
                   "keeps its name, <design-name>.<format>: give -o a folder of its own to "
                   "keep the full diagram.")
@catalog_option()
def command(designs: tuple[str, ...], out_dir: str, formats: tuple[str, ...], dpi: int,
            cache_dir: str, no_cache: bool, jobs: int | None, catalog_file: str | None,
            flows: tuple[str, ...] | None) -> None:
    """Draw each design's resolved flows: spokes, hub, Azure services, numbered arrows.

    DESIGNS are design files or folders of them. Nothing is drawn unless every design
    loads and resolves. Each diagram is rendered by its own Graphviz `dot` process, one
    per core at a time; a design whose diagram is unchanged is copied from the cache.

    A `dot` run that takes longer than 120 seconds is stopped, with an error naming the
    design: set FLOWDOCS_DOT_TIMEOUT=SECONDS to allow more. A PNG is at most 32,767 pixels
    a side: a larger one is refused, with the --dpi that fits.

    --flows draws a subset, for a proposal: the flows it names, the nodes and edges they
    use, and the subnets and VNets these sit in; the title says which flows. Every design
    given must know every term and have a flow the filter selects, else nothing is drawn
    and flowdocs exits with status 2, listing what the design has.

    \b
    Examples:
      flowdocs render designs/ -o docs/showcase
      flowdocs render designs/b-sql-hub-firewall.yaml --format png,pdf --dpi 200
      flowdocs render designs/ --catalog my-catalog.yaml
      flowdocs render designs/p-application-flows.yaml --flows web01 -o diagrams/web01
    """
    try:
        with sigterm_exits():  # a killed render ends its worker and `dot` processes too
            run = render_design_files(designs, Path(out_dir), RenderOptions(formats, dpi),
                                      None if no_cache else Path(cache_dir), workers=jobs,
                                      catalog=catalog_file, flows=flows)
    except FlowdocsError as error:
        from flowdocs.render.scene import FlowFilterError

        if isinstance(error, FlowFilterError):  # a usage error: exit status 2
            raise click.BadParameter(str(error), param_hint="'--flows'") from None
        raise
    echo_warnings(run.warnings)
    subset = f" (flows {', '.join(flows)} only)" if flows else ""
    click.echo(f"{run.designs} diagram(s){subset} in {out_dir}: {run.result.rendered} "
               f"rendered, {run.result.cached} unchanged (cached)", err=True)
