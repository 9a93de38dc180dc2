"""The `--prices FILE` option that `resolve` and `compare` share, and its loading."""

from __future__ import annotations

from collections.abc import Callable

import click

from flowdocs.cli.common import F
from flowdocs.load.prices import PriceTable, load_prices


def prices_option() -> Callable[[F], F]:
    return click.option(
        "--prices", "prices_file", type=click.Path(dir_okay=False), default=None,
        metavar="FILE",
        help="Your prices (YAML, the shape of flowdocs/data/prices.yaml, with a 'date'), "
             "merged over the shipped list prices.")


def price_table(path: str | None) -> PriceTable:
    """The shipped prices with the user's file merged in; its problems shown like a
    design's (`FILE: error: ...`, exit 1)."""
    return load_prices(path)
