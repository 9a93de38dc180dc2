"""One Azure resource being read, in any of Azure's JSON shapes: where it is in its file,
its key and name, and its settings wherever the shape keeps them (`properties`, or flattened
into the object by the az CLI)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flowdocs.load.diagnostics import DataPath
from flowdocs.load.importing.inventory import Origin
from flowdocs.load.importing.values import get, props


@dataclass(frozen=True)
class Item:
    """One resource (or an object embedded in one) being read."""

    path: DataPath  # of the object in its file
    raw: dict[str, Any]
    key: str
    name: str
    origin: Origin

    @property
    def props(self) -> Any:
        return props(self.raw)

    @property
    def props_path(self) -> DataPath:
        inner = get(self.raw, "properties")
        return (*self.path, "properties") if isinstance(inner, dict) else self.path

    @property
    def arm(self) -> bool:
        """Whether settings sit under `properties` (ARM, Resource Graph), not flattened."""
        return self.props_path != self.path

    def field(self, dotted: str, inner: str = "") -> str:
        """A field's name as this file spells it: under `properties.` unless flattened;
        `inner` continues it inside the field's list items, which nest the same way."""
        nested = "properties." if self.arm else ""
        whole = f"{nested}{dotted}"
        return f"{whole}[].{nested}{inner}" if inner else whole
