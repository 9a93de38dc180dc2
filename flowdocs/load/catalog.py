"""The flow catalog: workload types, the services they reach, and service endpoints.

The catalog is data (`data/catalog.yaml`); this module only types it. A new workload type is
a new entry in the file, never new code.
"""

from __future__ import annotations

import functools
from typing import Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field

from flowdocs.files import packaged_text

Category = Literal["management", "data"]
# What a workload's private endpoint targets: its backup's vault or storage account, or
# (the workload's `target`) a Key Vault or a private link scope for Azure Arc or Azure Monitor.
TargetKind = Literal["vault", "storage_account", "key_vault", "arc_scope", "monitor_scope"]
TARGET_KINDS: tuple[TargetKind, ...] = get_args(TargetKind)
BACKUP_TARGETS: tuple[TargetKind, ...] = ("vault", "storage_account")
CATEGORY_NUMBER: dict[str, int] = {"management": 1, "data": 2}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Service(_Strict):
    """A service a leg reaches: its names, port and protocol, and the service tag that holds
    its addresses (`tag`; the service's own name when not given, so several legs to one
    tag on different ports are several services). `service_endpoint` and `private_endpoint`
    say what can carry the leg off the public path (documentation, shown on the page)."""

    title: str
    fqdns: tuple[str, ...]
    port: int = Field(ge=1, le=65535)
    protocol: Literal["TCP", "UDP"] = "TCP"
    tag: str | None = None
    fqdn_tag: str | None = None
    service_endpoint: str | None = None
    private_endpoint: str | None = None
    source: str = ""


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
    # Where the service is: `target`, the region of the workload's backup target (a vault
    # or storage account); `client`, the workload VNet's. None: the target's region for
    # the services its private endpoint covers, else the client's.
    region: Literal["target", "client"] | None = None


class WorkloadType(_Strict):
    title: str
    # What the workload's private endpoint targets: for `vault` and `storage_account`, what
    # its `backup` names (required); for `key_vault`, `arc_scope` and `monitor_scope`, what
    # its optional `target` names; None: nothing.
    target: TargetKind | None = None
    access: Literal["routed", "platform"] = "routed"
    flows: tuple[CatalogFlow, ...]
    # The services its target's private endpoint makes private for this workload type;
    # None: those of `private_endpoint_targets` for its target kind.
    private_endpoint_services: tuple[str, ...] | None = None
    # What fails when one of its flows never arrives, as findings say it; default: "the
    # backup fails" for a type with a backup target, else its traffic never arrives.
    fails: str | None = None
    source: str = ""

    @property
    def backs_up(self) -> bool:
        """Its target is a backup's: a vault or a storage account."""
        return self.target in BACKUP_TARGETS


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

    def covered(self, kind: WorkloadType) -> tuple[str, ...]:
        """The services a private endpoint for the workload's target makes private."""
        if kind.target is None:
            return ()
        if kind.private_endpoint_services is not None:
            return kind.private_endpoint_services
        return self.private_endpoint_targets.get(kind.target, ())

    def tag(self, service: str) -> str:
        """The service tag that holds the service's addresses."""
        return self.services[service].tag or service


@functools.cache
def default_catalog() -> Catalog:
    """The catalog shipped with flowdocs."""
    return Catalog.model_validate(yaml.safe_load(packaged_text("data/catalog.yaml")))
