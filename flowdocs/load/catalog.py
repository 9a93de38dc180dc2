"""The flow catalog: workload types, the services they reach, and service endpoints.

The catalog is data (`data/catalog.yaml`); this module only types it. A new workload type is
a new entry in the file, never new code.
"""

from __future__ import annotations

import functools
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict

from flowdocs.files import packaged_text

Category = Literal["management", "data"]
TargetKind = Literal["vault", "storage_account"]  # what a workload's backup writes to
CATEGORY_NUMBER: dict[str, int] = {"management": 1, "data": 2}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Service(_Strict):
    title: str
    fqdns: tuple[str, ...]
    port: int
    fqdn_tag: str | None = None


class ServiceEndpointKind(_Strict):
    """A service endpoint: the service (by service tag) whose public prefixes its route holds,
    and the regions it covers: the subnet's (`regional`, plus the paired region when `paired`)
    or every region (`global`)."""

    service: str
    scope: Literal["regional", "global"]
    paired: bool = False


class CatalogFlow(_Strict):
    service: str
    category: Category


class WorkloadType(_Strict):
    title: str
    target: TargetKind
    access: Literal["routed", "platform"] = "routed"
    flows: tuple[CatalogFlow, ...]


class Catalog(_Strict):
    version: Literal[1]
    services: dict[str, Service]
    # Every service endpoint Azure offers; a name not listed is an error on a subnet.
    service_endpoints: dict[str, ServiceEndpointKind]
    # Each region's paired region (directed: a few pairs are one-way).
    region_pairs: dict[str, str] = {}
    private_endpoint_targets: dict[TargetKind, tuple[str, ...]]
    service_tags: tuple[str, ...]
    workload_types: dict[str, WorkloadType]


@functools.cache
def default_catalog() -> Catalog:
    """The catalog shipped with flowdocs."""
    return Catalog.model_validate(yaml.safe_load(packaged_text("data/catalog.yaml")))
