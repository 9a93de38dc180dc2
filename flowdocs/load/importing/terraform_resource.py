"""One resource instance of a `terraform show -json` state or plan, as the readers see it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flowdocs.load.diagnostics import DataPath
from flowdocs.load.importing.inventory import Origin

# An address's instance keys (`["a"]`, `[0]`): the configuration names resources without them.
INSTANCE_KEYS = re.compile(r"\[(?:\"(?:[^\"\\]|\\.)*\"|[^\]]*)\]")


@dataclass(frozen=True)
class Resource:
    """One resource instance of the state or plan."""

    address: str
    module: str  # the module instance's address, "" at the root
    mode: str  # managed | data
    type: str
    name: str
    index: Any
    values: dict[str, Any]
    path: DataPath  # of its `values` in the file
    key: str
    origin: Origin

    @property
    def config_address(self) -> str:
        prefix = "data." if self.mode == "data" else ""
        return f"{prefix}{self.type}.{self.name}"

    @property
    def module_path(self) -> str:
        """The module's address without instance keys: how the configuration names it."""
        return INSTANCE_KEYS.sub("", self.module)
