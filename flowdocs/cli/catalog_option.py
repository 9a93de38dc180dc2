"""The `--catalog FILE` option: a user's workload types and services, merged over the
shipped catalog, for every verb that resolves designs."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from flowdocs.cli.common import F

if TYPE_CHECKING:
    from flowdocs.load.catalog import Catalog


def catalog_option() -> Callable[[F], F]:
    return click.option(
        "--catalog", "catalog_file", type=click.Path(dir_okay=False), default=None,
        metavar="FILE",
        help="Your workload types and services (YAML, the shape of "
             "flowdocs/data/catalog.yaml), merged over the shipped catalog.")


def catalog_of(path: str | None) -> Catalog:
    """The shipped catalog with the user's file merged in; its problems shown located
    (`FILE:LINE:COL: error: ...`, exit 1). Imported here, when a verb runs: the loader
    brings pydantic and the catalog, which `build` and `check` only need in their workers."""
    from flowdocs.load.user_catalog import load_catalog

    return load_catalog(path)
