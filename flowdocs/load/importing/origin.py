"""Where an inventory record came from; its own module so that every module of records
(`inventory.py`, `network_records.py`) can name it."""

from __future__ import annotations

from dataclasses import dataclass

from flowdocs.load.diagnostics import DataPath


@dataclass(frozen=True)
class Origin:
    """Where a record came from: the file, the place in it, and the resource's id as written
    (or its Terraform address), which the design's comment repeats."""

    file: str
    path: DataPath
    label: str
