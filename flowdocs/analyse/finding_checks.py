"""The checks behind the findings: every public function here is the check of one rule.

Each check reads the resolved flows (never re-deriving a path) and the design, through a
shared `Context`, and yields a `Breach`: the subject, the message, and the data path of the
subject in the design file. `findings.py` holds the rule table (ids, severities, sources),
where each rule names its check, and turns breaches into findings. A check is named for its
rule's slug (`flow-dropped`, `flow_dropped`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from functools import cached_property
from typing import NamedTuple

from flowdocs.analyse.costs import Sizing, sizing
from flowdocs.load.catalog import Catalog
from flowdocs.load.diagnostics import DataPath
from flowdocs.load.model import Design, PrivateDnsZone, Workload
from flowdocs.resolve.flows import Flow, Resolution, Status
from flowdocs.resolve.routing import is_cidr
from flowdocs.resolve.topology import parse_network


class Breach(NamedTuple):
    subject: str
    message: str
    path: DataPath


Check = Callable[["Context"], Iterator[Breach]]

# Private DNS zones a private endpoint's FQDNs resolve through, by the kind of its target.
# Vault: learn.microsoft.com/azure/backup/private-endpoints (the zone of Azure Backup is
# per geo, e.g. privatelink.we.backup.windowsazure.com for West Europe). Storage account:
# the blob sub-resource that backup agents write to (private-link/private-endpoint-dns).
BACKUP_ZONE = re.compile(r"^privatelink\.[a-z0-9]+\.backup\.windowsazure\.com$")
REQUIRED_ZONES: dict[str, tuple[str, ...]] = {
    "vault": ("privatelink.<geo>.backup.windowsazure.com", "privatelink.blob.core.windows.net",
              "privatelink.queue.core.windows.net"),
    "storage_account": ("privatelink.blob.core.windows.net",),
}


class _Paths:
    """Data paths of the design's objects, by name."""

    def __init__(self, design: Design) -> None:
        self.subnets: dict[str, DataPath] = {
            f"{v.name}/{s.name}": ("vnets", vi, "subnets", si)
            for vi, v in enumerate(design.vnets) for si, s in enumerate(v.subnets)}
        self.firewalls: dict[str, DataPath] = {
            f.name: ("firewalls", i) for i, f in enumerate(design.firewalls)}
        self.vaults: dict[str, DataPath] = {
            v.name: ("vaults", i) for i, v in enumerate(design.vaults)}
        self.endpoints: dict[str, DataPath] = {
            p.name: ("private_endpoints", i) for i, p in enumerate(design.private_endpoints)}
        self.zones: dict[str, DataPath] = {
            z.name: ("private_dns_zones", i) for i, z in enumerate(design.private_dns_zones)}
        self.workloads: dict[str, DataPath] = {
            w.name: ("workloads", i) for i, w in enumerate(design.workloads)}


class Context:
    """What every check reads; each index is built once per design (estates are large)."""

    def __init__(self, resolution: Resolution, catalog: Catalog) -> None:
        self.resolution = resolution
        self.catalog = catalog

    @cached_property
    def paths(self) -> _Paths:
        return _Paths(self.resolution.design)

    @cached_property
    def workloads(self) -> dict[str, Workload]:
        return {w.name: w for w in self.resolution.design.workloads}

    @cached_property
    def sizing(self) -> list[Sizing]:
        return sizing(self.resolution)


def _streams_azure_backup(workload: Workload, catalog: Catalog) -> bool:
    """SQL Server, SAP HANA, SAP ASE and MARS: agents in the VM that stream to Azure Backup's
    own storage accounts (azure-rules.md 6); not VM snapshots, not third-party agents."""
    kind = catalog.workload_types[workload.type]
    return kind.target == "vault" and kind.access == "routed"


def _by_workload(flows: list[Flow]) -> dict[tuple[str, str], list[Flow]]:
    grouped: dict[tuple[str, str], list[Flow]] = {}
    for flow in flows:
        grouped.setdefault((flow.workload, flow.reason), []).append(flow)
    return grouped


def flow_dropped(ctx: Context) -> Iterator[Breach]:
    return _undelivered(ctx, "dropped", "is dropped", "are dropped")


def flow_loop(ctx: Context) -> Iterator[Breach]:
    return _undelivered(ctx, "loop", "loops", "loop")


def _undelivered(ctx: Context, status: Status, one: str, many: str) -> Iterator[Breach]:
    resolution, paths = ctx.resolution, ctx.paths
    stopped = [f for f in resolution.flows if f.status == status]
    for (workload, reason), flows in _by_workload(stopped).items():
        route = flows[0].deciding_route
        # Point at the route that decided, when the user wrote it; else at the workload.
        path = route.origin if route is not None and route.origin else \
            (*paths.workloads[workload], "subnet")
        names = ", ".join(f"{f.number} {f.service}" for f in flows)
        verb = one if len(flows) == 1 else many
        yield Breach(workload, f"{workload}: flow{'s' * (len(flows) > 1)} {names} {verb}, "
                               f"the backup fails: {reason}", path)


def service_endpoint_policy_blocks_backup(ctx: Context) -> Iterator[Breach]:
    resolution, catalog, paths, workloads = ctx.resolution, ctx.catalog, ctx.paths, ctx.workloads
    blocked: dict[str, list[str]] = {}
    for flow in resolution.flows:
        workload = workloads[flow.workload]
        if flow.access == "service-endpoint" and _streams_azure_backup(workload, catalog):
            blocked.setdefault(workload.subnet, []).append(workload.name)
    for ref, names in blocked.items():
        subnet = resolution.topology.subnets[ref].subnet
        if not subnet.service_endpoint_policies:
            continue
        policies = ", ".join(subnet.service_endpoint_policies)
        yield Breach(ref, f"service endpoint policy {policies} on {ref} blocks the Azure "
                          f"Backup streaming of {', '.join(dict.fromkeys(names))}: Azure Backup "
                          f"writes to Microsoft-managed storage accounts that no policy can "
                          f"list; remove the policy, or use a vault private endpoint",
                     (*paths.subnets[ref], "service_endpoint_policies"))


def backup_tls_inspection(ctx: Context) -> Iterator[Breach]:
    resolution, catalog = ctx.resolution, ctx.catalog
    design, paths = resolution.design, ctx.paths
    workloads = ctx.workloads
    for firewall in design.firewalls:
        if not firewall.tls_inspection:
            continue
        crossing = [f for f in resolution.flows if firewall.name in f.firewalls
                    and _streams_azure_backup(workloads[f.workload], catalog)]
        if crossing:
            flows = ", ".join(f.id for f in crossing)
            yield Breach(firewall.name, f"{firewall.name} inspects TLS, and Azure Backup flows "
                                        f"cross it ({flows}): backup rules must not terminate "
                                        f"TLS (terminateTLS: false)",
                         (*paths.firewalls[firewall.name], "tls_inspection"))


def service_endpoint_without_policy(ctx: Context) -> Iterator[Breach]:
    resolution, catalog = ctx.resolution, ctx.catalog
    design, paths = resolution.design, ctx.paths
    backup_subnets = {w.subnet for w in design.workloads if _streams_azure_backup(w, catalog)}
    for vnet in design.vnets:
        for subnet in vnet.subnets:
            ref = f"{vnet.name}/{subnet.name}"
            storage = [e for e in subnet.service_endpoints
                       if e in catalog.service_endpoints
                       and catalog.service_endpoints[e].service == "Storage"]
            if not storage or subnet.service_endpoint_policies:
                continue
            # A policy closes the path for customer-owned accounts only; on a subnet that
            # streams Azure Backup, it would block the backup (FD003).
            fix = ("a policy would block Azure Backup here (FD003): a vault private endpoint "
                   "closes it" if ref in backup_subnets else
                   "a service endpoint policy listing your storage accounts closes it")
            yield Breach(ref, f"{', '.join(storage)} on {ref} has no service endpoint policy: "
                              f"the subnet reaches any storage account of any tenant, a "
                              f"data-exfiltration path; {fix}",
                         (*paths.subnets[ref], "service_endpoints"))


def vault_public_access_with_private_endpoint(ctx: Context) -> Iterator[Breach]:
    resolution, paths = ctx.resolution, ctx.paths
    for vault in resolution.design.vaults:
        endpoints = resolution.topology.private_endpoints_by_target.get(vault.name, [])
        if not endpoints or vault.public_network_access != "Enabled":
            continue
        path = paths.vaults[vault.name]
        if "public_network_access" in vault.model_fields_set:
            path = (*path, "public_network_access")
        names = ", ".join(p.name for p in endpoints)
        yield Breach(vault.name, f"vault {vault.name} has private endpoints ({names}) but "
                                 f"public network access is Enabled: set it to Disabled so "
                                 f"that backups cannot bypass them", path)


def private_endpoint_dns_zone(ctx: Context) -> Iterator[Breach]:
    resolution, design, paths = ctx.resolution, ctx.resolution.design, ctx.paths
    vault_names = {v.name for v in design.vaults}
    users: dict[str, list[str]] = {}  # private endpoint -> VNets of the workloads using it
    subnets = {w.name: w.subnet for w in design.workloads}
    for flow in resolution.flows:
        if flow.private_endpoint and flow.access == "private-endpoint":
            vnet = subnets[flow.workload].split("/", 1)[0]
            users.setdefault(flow.private_endpoint, []).append(vnet)
    for endpoint in design.private_endpoints:
        kind = "vault" if endpoint.target in vault_names else "storage_account"
        needed = REQUIRED_ZONES[kind]
        zones = [_zone_for(pattern, design) for pattern in needed]
        missing = [p for p, z in zip(needed, zones, strict=True) if z is None]
        if missing:
            plural = len(missing) > 1
            yield Breach(endpoint.name, f"private endpoint {endpoint.name} needs private DNS "
                                        f"zone{'s' * plural} {', '.join(missing)}, not in "
                                        f"private_dns_zones: without {'them' if plural else 'it'}"
                                        f" {endpoint.target}'s FQDNs resolve to its public "
                                        f"endpoint", paths.endpoints[endpoint.name])
        for zone in (z for z in zones if z is not None):
            unlinked = [v for v in dict.fromkeys(users.get(endpoint.name, []))
                        if v not in zone.vnet_links]
            if unlinked:
                path = paths.zones[zone.name]
                if "vnet_links" in zone.model_fields_set:
                    path = (*path, "vnet_links")
                yield Breach(zone.name, f"private DNS zone {zone.name} does not answer for "
                                        f"{', '.join(unlinked)}, where workloads reach "
                                        f"{endpoint.name}: add it to vnet_links", path)


def _zone_for(pattern: str, design: Design) -> PrivateDnsZone | None:
    for zone in design.private_dns_zones:
        if zone.name == pattern or ("<geo>" in pattern and BACKUP_ZONE.match(zone.name)):
            return zone
    return None


def firewall_subnet_bgp_default_route(ctx: Context) -> Iterator[Breach]:
    resolution, topology, paths = ctx.resolution, ctx.resolution.topology, ctx.paths
    for firewall in resolution.design.firewalls:
        view = resolution.router.effective_routes(topology.subnet_of_firewall(firewall))
        learned = [r for r in view.routes if r.source == "VirtualNetworkGateway"
                   and r.address_prefix == "0.0.0.0/0" and r.state == "Active"]
        if not learned:
            continue
        consequence = (
            "Azure Firewall needs direct Internet access: override it with a 0.0.0.0/0 route "
            "to Internet on its subnet, or use forced-tunnelling mode"
            if firewall.type == "azure-firewall"
            else "what it forwards to Azure services goes to on-premises")
        yield Breach(firewall.subnet, f"{firewall.subnet}, the subnet of {firewall.name}, "
                                      f"learns 0.0.0.0/0 over BGP from {learned[0].gateway}: "
                                      f"{consequence}",
                     (*paths.firewalls[firewall.name], "subnet"))


def nva_under_licensed(ctx: Context) -> Iterator[Breach]:
    paths = ctx.paths
    for size in ctx.sizing:
        licensed = size.licensed_mbps
        if size.under_licensed and licensed is not None:
            yield Breach(size.firewall, f"{size.firewall} must carry {size.required_mbps:.1f} "
                                        f"Mbps in the backup window "
                                        f"({', '.join(size.workloads)}), above its licensed "
                                        f"{licensed.normalize():f} Mbps",
                         (*paths.firewalls[size.firewall], "licensed_throughput_mbps"))


def nva_throughput_unknown(ctx: Context) -> Iterator[Breach]:
    paths = ctx.paths
    for size in ctx.sizing:
        if size.type == "nva" and size.licensed_mbps is None:
            yield Breach(size.firewall, f"{size.firewall} must carry {size.required_mbps:.1f} "
                                        f"Mbps in the backup window "
                                        f"({', '.join(size.workloads)}); state its "
                                        f"licensed_throughput_mbps to check the licence",
                         paths.firewalls[size.firewall])


def public_cidr_route(ctx: Context) -> Iterator[Breach]:
    resolution, catalog = ctx.resolution, ctx.catalog
    # flowdocs assumes such a route covers no service's addresses (azure-rules.md 3).
    services = ", ".join(sorted(catalog.services))
    for t_index, table in enumerate(resolution.design.route_tables):
        for r_index, route in enumerate(table.routes):
            prefix = route.address_prefix
            if not is_cidr(prefix) or not _is_public_range(prefix):
                continue
            yield Breach(f"{table.name}/{route.name}",
                         f"route '{table.name}/{route.name}' ({prefix}) is a public range that "
                         f"may cover Azure service addresses; flowdocs assumes it covers none "
                         f"of {services}",
                         ("route_tables", t_index, "routes", r_index, "address_prefix"))


@functools.cache
def _is_public_range(prefix: str) -> bool:
    # Cached: an estate repeats the same prefixes in every route table.
    network = parse_network(prefix)
    return network.prefixlen > 0 and network.is_global


def entra_id_stays_public(ctx: Context) -> Iterator[Breach]:
    resolution, paths = ctx.resolution, ctx.paths
    flows: dict[str, list[Flow]] = {}
    for flow in resolution.flows:
        flows.setdefault(flow.workload, []).append(flow)
    for workload, own in flows.items():
        private = [f for f in own if f.access == "private-endpoint"]
        entra = [f for f in own if f.service == "AzureActiveDirectory"
                 and f.status == "delivered" and f.access != "private-endpoint"]
        if private and entra:
            via = f" via {', '.join(entra[0].firewalls)}" if entra[0].firewalls else ""
            yield Breach(workload, f"{workload}: Microsoft Entra ID has no private endpoint; "
                                   f"flow {entra[0].number} {entra[0].id} stays "
                                   f"{entra[0].access}{via}", paths.workloads[workload])

