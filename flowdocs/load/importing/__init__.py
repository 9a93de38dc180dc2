"""`flowdocs import`: Azure and Terraform exports to a design file.

The pure conversion: export bytes (`reading.py`) are told apart by shape (`shapes.py`), read
into one normalised inventory (`azure.py`, `terraform.py`, `inventory.py`), and built into a
design (`builder.py`), each object with the id it came from. `write/design_yaml.py` writes it.
"""

from __future__ import annotations

from collections.abc import Sequence

from flowdocs.load.catalog import Catalog, default_catalog
from flowdocs.load.diagnostics import DesignError, DesignErrors
from flowdocs.load.importing.azure import AzureReader
from flowdocs.load.importing.builder import build_design
from flowdocs.load.importing.imported import ImportedDesign, SourceSummary
from flowdocs.load.importing.inventory import Inventory
from flowdocs.load.importing.naming import design_name
from flowdocs.load.importing.reading import Source, parse_source, read_sources
from flowdocs.load.importing.shapes import SHAPE_TITLES, ShapeError, detect
from flowdocs.load.importing.terraform import TerraformReader

__all__ = ["ImportedDesign", "Source", "design_name", "import_design", "read_sources"]


def import_design(sources: Sequence[Source], name: str, title: str | None = None,
                  catalog: Catalog | None = None) -> ImportedDesign:
    """The design the exports describe. Raises DesignErrors naming every problem of every
    file (not JSON, an unknown shape, a resource without what the design needs)."""
    inventory = Inventory()
    summaries: list[SourceSummary] = []
    errors: list[DesignError] = []
    for source in sources:
        try:
            summaries.append(_read(source, inventory))
        except DesignError as error:
            errors.append(error)
    if errors:
        raise DesignErrors(errors)
    return build_design(inventory, summaries, name, title or f"{name} (imported)",
                        catalog or default_catalog())


def _read(source: Source, inventory: Inventory) -> SourceSummary:
    parsed = parse_source(source)
    try:
        detected = detect(parsed.data)
    except ShapeError as error:
        raise parsed.error([error.diagnostic]) from None
    if detected.shape.startswith("terraform"):
        terraform = TerraformReader(source.display, parsed.data, inventory)
        terraform.read()
        problems, count = terraform.problems, len(terraform.resources)
    else:
        azure = AzureReader(source.display, inventory)
        azure.read(detected.items)
        problems, count = azure.problems, len(detected.items)
    if problems:
        raise parsed.error(problems)
    return SourceSummary(source.display, SHAPE_TITLES[detected.shape], count)
