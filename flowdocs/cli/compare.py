"""`flowdocs compare`: a design and its variants side by side."""

from __future__ import annotations

import os

import click

from flowdocs.analyse.analysis import analyse_resolved
from flowdocs.analyse.compare import compare
from flowdocs.analyse.resolved import resolve_designs
from flowdocs.cli.catalog_option import catalog_of, catalog_option
from flowdocs.cli.common import echo_json, echo_warnings, format_option
from flowdocs.cli.pricing import price_table, prices_option
from flowdocs.files import find_design_files
from flowdocs.load.extends import variant_family
from flowdocs.load.loader import read_top_level
from flowdocs.write.side_by_side import comparison_document, comparison_table


@click.command("compare")
@click.argument("designs", nargs=-1, required=True, type=click.Path(dir_okay=False))
@prices_option()
@catalog_option()
@format_option()
def command(designs: tuple[str, ...], prices_file: str | None, catalog_file: str | None,
            output_format: str) -> None:
    """Compare options side by side: flows, firewall crossings, monthly cost, findings.

    With one design: that design and every design in its folder that extends it (directly
    or through another variant). With several: exactly those, in the order given. Costs
    are list prices with their date, not a quote.

    \b
    Examples:
      flowdocs compare designs/b-sql-hub-firewall.yaml
      flowdocs compare designs/b-sql-hub-firewall.yaml designs/c-sql-storage-service-endpoint.yaml
      flowdocs compare designs/b-sql-hub-firewall.yaml --prices my-prices.yaml --format json
    """
    prices = price_table(prices_file)
    files = list(designs) if len(designs) > 1 else _family(designs[0])
    resolved = resolve_designs(files, catalog_of(catalog_file))
    for design in resolved:
        echo_warnings(design.warning_lines())
    comparison = compare([analyse_resolved(r, prices) for r in resolved])
    if output_format == "json":
        echo_json(comparison_document(comparison))
    else:
        click.echo(comparison_table(comparison), nl=False)


def _family(base: str) -> list[str]:
    """`base` and the design files of its folder that extend it."""
    siblings = [str(p) for p in find_design_files([os.path.dirname(base) or "."])]
    return variant_family(base, [(path, _extends_of(path)) for path in siblings])


def _extends_of(path: str) -> str | None:
    """A file's top-level `extends`, read without validating it: a broken sibling that is
    not part of the family must not stop the comparison."""
    data = read_top_level(path)
    extends = data.get("extends") if isinstance(data, dict) else None
    return extends if isinstance(extends, str) else None
