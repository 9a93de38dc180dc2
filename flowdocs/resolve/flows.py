"""Every workload's numbered flows, resolved hop by hop (azure-rules.md 4 to 6).

`resolve(design)` is the single source of truth for the diagrams, the pages, the firewall
rules and the costs: nothing downstream re-derives a path.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import cast

from flowdocs.load.catalog import (
    CATEGORY_NUMBER,
    Catalog,
    CatalogFlow,
    TargetKind,
    WorkloadType,
    default_catalog,
)
from flowdocs.load.flow_model import OwnFlow
from flowdocs.load.model import Design, PrivateEndpoint, Workload
from flowdocs.load.regions import RegionTable, default_regions
from flowdocs.resolve.dns import NameResolution, NameResolver, region_of_target, region_of_vnet

# The flow's types live in flow_types.py; every output imports them from here too.
from flowdocs.resolve.flow_types import (
    Access,
    AddressTarget,
    Flow,
    FlowPath,
    Hop,
    NodeKind,
    Status,
)
from flowdocs.resolve.own_flows import source_name, target_address, vnet_holding, with_own_flows
from flowdocs.resolve.paths import PathCache, PathFollower, platform_path
from flowdocs.resolve.policy_cache import PolicyCache
from flowdocs.resolve.routing import Router
from flowdocs.resolve.topology import Topology

__all__ = ["Access", "AddressTarget", "Flow", "FlowPath", "Hop", "NodeKind", "PathCache",
           "PathFollower", "PolicyCache", "Resolution", "Status", "resolve", "workload_target"]


@dataclass
class Resolution:
    """A design with all its flows resolved."""

    design: Design
    topology: Topology
    router: Router
    flows: list[Flow]
    # The catalog the flows were resolved with: outputs read services and workload types
    # from it, so a user's catalog (--catalog) reaches every page and rule.
    catalog: Catalog = dataclasses.field(default_factory=default_catalog)

    def __str__(self) -> str:
        return "\n".join(str(f) for f in self.flows)


def resolve(design: Design, catalog: Catalog | None = None,
            regions: RegionTable | None = None) -> Resolution:
    """Resolve every flow of every workload, in the contract's order, then the design's own
    flows in its order."""
    catalog = catalog or default_catalog()
    regions = regions or default_regions()
    design, catalog = with_own_flows(design, catalog)
    topology = Topology(design)
    router = Router(topology, catalog)
    names = NameResolver(topology, regions)
    flows: list[Flow] = []
    paths = PathCache(topology, router)
    policy = PolicyCache(topology, catalog, regions)
    for workload in design.workloads:
        kind = catalog.workload_types[workload.type]
        client_vnet = workload.subnet.split("/", 1)[0]
        target = workload_target(workload, kind.target)
        # A workload without a target (a Key Vault client that names no Key Vault) reaches
        # its services in its own VNet's region.
        target_region = (region_of_target(design, kind.target, target)
                         if kind.target is not None and target is not None
                         else region_of_vnet(design, client_vnet))
        for spec in _ordered_flows(kind.flows):
            service = catalog.services[spec.service]
            covered = spec.service in catalog.covered(kind)
            # Azure Backup and its storage are the vault's (Azure Backup writes to storage
            # accounts in the vault's region); a customer's account is in its own region.
            # Entra ID and Resource Manager have no target: they are taken in the client's
            # region, as the design's region was before regions were per VNet. A leg can
            # say where its service is (Site Recovery's cache storage is in the source).
            at_target = spec.region == "target" or (spec.region is None and covered)
            region = target_region if at_target else region_of_vnet(design, client_vnet)
            dns: NameResolution | None = None
            if kind.access == "platform":
                path = platform_path(workload.name, spec.service)
            else:
                endpoint = _private_endpoint_for(workload, spec.service, kind, topology, catalog)
                if endpoint is not None and kind.target is not None:
                    dns = names.resolve(client_vnet, kind.target, spec.service, target_region,
                                        endpoint)
                    if not dns.private:
                        # The names resolve to the public address: the flow takes the path
                        # of the service's public endpoint (azure-rules.md 4, Corrections).
                        endpoint = None
                path = paths.follow(workload, spec.service, endpoint, region,
                                    catalog.tag(spec.service))
            checks = policy.checks(workload, spec.service, region, path)
            status: Status = ("denied" if path.status == "delivered"
                              and any(c.verdict == "denied" for c in checks) else path.status)
            flows.append(Flow(
                workload=workload.name, service=spec.service, category=spec.category,
                fqdns=service.fqdns, port=service.port, protocol=service.protocol,
                access=path.access, status=status,
                reason=path.reason, firewalls=path.firewalls, peerings=path.peerings,
                hops=path.hops, private_endpoint=path.private_endpoint, region=region,
                dns=dns, policy=checks))
    flows += [_own_flow(own, design, catalog, topology, paths, policy)
              for own in design.flows]
    return Resolution(design, topology, router, flows, catalog)


def _own_flow(own: OwnFlow, design: Design, catalog: Catalog, topology: Topology,
              paths: PathCache, policy: PolicyCache) -> Flow:
    """One of the design's own flows, followed and checked like a catalog flow."""
    workload = next(w for w in design.workloads if w.name == source_name(own.source))
    region = region_of_vnet(design, workload.subnet.split("/", 1)[0])
    found = target_address(own, design, topology)
    target = (AddressTarget(found[0], found[1], cast(NodeKind, found[2]),
                            vnet_holding(found[0], topology)) if found else None)
    endpoint = own.destination.private_endpoint
    path = paths.follow(workload, own.name, endpoint, region, catalog.tag(own.name), target)
    if own.destination.service is not None and path.hops[-1].kind == "service":
        # The path ends at the catalog service it reaches, as a catalog flow's does.
        last = path.hops[-1]
        path = path._replace(hops=(*path.hops[:-1], Hop(own.destination.service, "service",
                                                        last.route)))
    checks = policy.checks(workload, own.name, region, path, target)
    status: Status = ("denied" if path.status == "delivered"
                      and any(c.verdict == "denied" for c in checks) else path.status)
    service = catalog.services[own.name]
    return Flow(workload=workload.name, service=own.name, category=own.category,
                fqdns=service.fqdns, port=own.port, protocol=own.protocol, access=path.access,
                status=status, reason=path.reason, firewalls=path.firewalls,
                peerings=path.peerings, hops=path.hops, private_endpoint=path.private_endpoint,
                region=region, policy=checks, address=own.destination.address
                or (f"{target.ip}/32" if target else None), daily_gb=own.daily_gb)


def workload_target(workload: Workload, kind: TargetKind | None) -> str | None:
    """What the workload's private endpoint would target, if its type has one: the vault or
    storage account its backup writes to, else the Key Vault or scope its `target` names."""
    if kind is None:
        return None
    if kind == "vault":
        return workload.backup.vault
    if kind == "storage_account":
        return workload.backup.storage_account
    return workload.target


@functools.cache
def _ordered_flows(flows: tuple[CatalogFlow, ...]) -> list[CatalogFlow]:
    """The contract's order: number, then service."""
    return sorted(flows, key=lambda f: (CATEGORY_NUMBER[f.category], f.service))


def _private_endpoint_for(workload: Workload, service: str, kind: WorkloadType,
                          topology: Topology, catalog: Catalog) -> str | None:
    """The private endpoint that could make this flow private, if any (azure-rules.md 4).

    Whether the client's DNS resolves the names to it is `dns.py`'s question. With several
    endpoints for one target, the one in the workload's VNet is used, else one in a peered
    VNet, else the first.
    """
    target = workload_target(workload, kind.target)
    if target is None or service not in catalog.covered(kind):
        return None
    endpoints = topology.private_endpoints_by_target.get(target, [])
    if not endpoints:
        return None
    own_vnet = workload.subnet.split("/", 1)[0]
    peers = set(topology.peered_vnets(own_vnet))

    def preference(pe: PrivateEndpoint) -> int:
        vnet = pe.subnet.split("/", 1)[0]
        return 0 if vnet == own_vnet else 1 if vnet in peers else 2

    return min(endpoints, key=preference).name
