"""Azure regions: display names, and the geo codes that name a vault's private DNS zone.

The table is data (`data/regions.yaml`, with its Learn source); this module only types it.
A Recovery Services vault's private endpoint answers under
`privatelink.<geo>.backup.windowsazure.com`, where `<geo>` is the code of the vault's region
(learn.microsoft.com/azure/backup/private-endpoints, "Manage DNS records").
"""

from __future__ import annotations

import functools
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from flowdocs.files import packaged_text

BACKUP_ZONE_TEMPLATE = "privatelink.{geo}.backup.windowsazure.com"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Region(_Strict):
    name: str = Field(min_length=1, description="Display name, e.g. West Europe.")
    geo: str = Field(pattern=r"^[a-z0-9]+$", description="Azure Backup geo code, e.g. we.")


class RegionTable(_Strict):
    version: Literal[1]
    source: str
    regions: dict[str, Region]

    def display_name(self, region: str) -> str:
        """`West Europe` for `westeurope`; the name as given when the table lacks it."""
        known = self.regions.get(region)
        return known.name if known is not None else region

    def backup_zone(self, region: str | None) -> str | None:
        """The private DNS zone of a vault in `region`; None when the region is not given or
        its geo code is not in the table."""
        known = self.regions.get(region or "")
        return None if known is None else BACKUP_ZONE_TEMPLATE.format(geo=known.geo)

    def region_of_geo(self, geo: str) -> str | None:
        """The region whose vaults answer under the geo code `geo`."""
        return next((name for name, r in self.regions.items() if r.geo == geo), None)


@functools.cache
def default_regions() -> RegionTable:
    """The region table shipped with flowdocs."""
    return RegionTable.model_validate(yaml.safe_load(packaged_text("data/regions.yaml")))
