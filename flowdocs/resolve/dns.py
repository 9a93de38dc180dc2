"""Where a flow's names resolve: to its private endpoint, or to the service's public address.

A private endpoint is used only when the client resolves the service's names to the
endpoint's IP (azure-rules.md 4, Corrections). Azure-provided DNS answers a VNet from the
private DNS zones linked to it (learn.microsoft.com/azure/dns/private-dns-virtual-network-links);
a name whose privatelink zone does not answer resolves to the public address, and the Azure
Backup agents then use the public URL (learn.microsoft.com/azure/backup/private-endpoints-overview,
"Network connectivity setup"). So:

- A design that declares no `private_dns_zones` states nothing about DNS: flowdocs keeps its
  stated assumption that the names resolve to the private endpoint.
- Otherwise a flow uses its private endpoint only when every zone its names need answers for
  the client's VNet: the VNet is in the zone's `vnet_links`, or its custom DNS servers resolve
  through a VNet that is. A zone the design does not declare answers for no one.
- Custom DNS servers (`VNet.dns_servers`): a server inside a VNet of the design is taken to
  forward to Azure DNS (168.63.129.16) from its own VNet, the pattern Learn documents (a DNS
  forwarder, or Azure Firewall's DNS proxy, in a VNet linked to the zones:
  learn.microsoft.com/azure/private-link/private-endpoint-dns-integration), so the zones
  linked to that VNet answer. A server outside every VNet of the design (on-premises) cannot be
  checked: flowdocs assumes it forwards to Azure DNS in a linked VNet, and the page says so.
  With several servers, each must answer privately: a client may ask any of them.
- A flow that needs several zones (the Storage flow of a vault: blob and queue) uses the
  endpoint only when all of them answer; otherwise the names of the zone that does not answer
  go to the public address, and flowdocs shows the whole flow on the public path (one flow has
  one path), so that its firewall rules and costs are not left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from flowdocs.load.catalog import TARGET_KINDS, TargetKind
from flowdocs.load.model import Design, PrivateDnsZone
from flowdocs.load.regions import RegionTable
from flowdocs.resolve.topology import Topology, parse_address, parse_network

# The zones of a private endpoint's names, by its target's kind and the flow's service.
# Vault: learn.microsoft.com/azure/backup/private-endpoints ("Manage DNS records": Backup,
# Blobs and Queues; the Backup zone is per geo). Storage account: the blob sub-resource that
# backup agents write to (learn.microsoft.com/azure/private-link/private-endpoint-dns).
BLOB_ZONE = "privatelink.blob.core.windows.net"
QUEUE_ZONE = "privatelink.queue.core.windows.net"
ANY_BACKUP_ZONE = "privatelink.<geo>.backup.windowsazure.com"
BACKUP_ZONE = re.compile(r"^privatelink\.([a-z0-9]+)\.backup\.windowsazure\.com$")
# Key Vault: the vault sub-resource
# (learn.microsoft.com/azure/key-vault/general/private-link-service).
# Arc Private Link Scope: hybrid identity and guest configuration; Arc's other names stay public
# (learn.microsoft.com/azure/azure-arc/servers/private-link-security). Monitor Private Link
# Scope: the agent's handlers (*.handler.control.monitor.azure.com) and its data collection
# endpoint (*.ingest.monitor.azure.com) are in privatelink.monitor.azure.com, the workspace's
# ingestion (*.ods.opinsights.azure.com) in privatelink.ods.opinsights.azure.com. The scope's
# other zones (oms, agentsvc, blob) serve the legacy Log Analytics agent and solution packs,
# not these legs (learn.microsoft.com/azure/azure-monitor/logs/private-link-configure).
VAULTCORE_ZONE = "privatelink.vaultcore.azure.net"
ARC_HIS_ZONE = "privatelink.his.arc.azure.com"
ARC_GUEST_CONFIG_ZONE = "privatelink.guestconfiguration.azure.com"
MONITOR_ZONE = "privatelink.monitor.azure.com"
MONITOR_ODS_ZONE = "privatelink.ods.opinsights.azure.com"
FLOW_ZONES: dict[tuple[TargetKind, str], tuple[str, ...]] = {
    ("vault", "AzureBackup"): (ANY_BACKUP_ZONE,),
    ("vault", "Storage"): (BLOB_ZONE, QUEUE_ZONE),
    ("storage_account", "Storage"): (BLOB_ZONE,),
    ("key_vault", "AzureKeyVault"): (VAULTCORE_ZONE,),
    ("arc_scope", "ArcPrivateLinkable"): (ARC_HIS_ZONE, ARC_GUEST_CONFIG_ZONE),
    ("monitor_scope", "AzureMonitorControl"): (MONITOR_ZONE,),
    ("monitor_scope", "AzureMonitorIngestion"): (MONITOR_ZONE, MONITOR_ODS_ZONE),
}

# How a zone answers, or why not, for one client VNet.
Basis = Literal["link", "custom-dns", "custom-dns-outside", "not-linked", "not-declared"]


@dataclass(frozen=True)
class ZoneAnswer:
    """Whether one zone a flow needs answers for the client's VNet, and why."""

    zone: str  # the zone needed: ANY_BACKUP_ZONE when the vault's geo is not known
    declared: str | None  # the declared zone that serves it; None: not in private_dns_zones
    answers: bool
    basis: Basis
    # custom-dns, custom-dns-outside and not-linked with custom DNS: the VNet's DNS servers,
    # and the VNets of the design that hold them (where they resolve from).
    dns_servers: tuple[str, ...] = ()
    dns_vnets: tuple[str, ...] = ()


@dataclass(frozen=True)
class NameResolution:
    """How the client of a flow resolves the names of the flow's private endpoint."""

    vnet: str  # the client's VNet
    endpoint: str  # the private endpoint the names point at when resolved privately
    zones: tuple[ZoneAnswer, ...]  # empty: the design declares no private DNS zone

    @property
    def assumed(self) -> bool:
        """No private DNS zone in the design: private resolution is assumed, not checked."""
        return not self.zones

    @property
    def private(self) -> bool:
        return all(z.answers for z in self.zones)

    @property
    def unanswered(self) -> tuple[ZoneAnswer, ...]:
        return tuple(z for z in self.zones if not z.answers)


def region_of_vnet(design: Design, vnet: str) -> str | None:
    """A VNet's region: its own, else the design's."""
    found = next((v for v in design.vnets if v.name == vnet), None)
    return (found.region if found is not None else None) or design.region


class _Target(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def region(self) -> str | None: ...


def targets_of(design: Design, kind: TargetKind) -> Sequence[_Target]:
    """The design's resources of one target kind: what a private endpoint may connect to."""
    if kind == "vault":
        return design.vaults
    if kind == "storage_account":
        return design.storage_accounts
    if kind == "key_vault":
        return design.key_vaults
    scope = "arc" if kind == "arc_scope" else "monitor"
    return [s for s in design.private_link_scopes if s.kind == scope]


def target_kind(design: Design, name: str) -> TargetKind | None:
    """The kind of the resource a private endpoint's `target` names; None: none of them."""
    return next((kind for kind in TARGET_KINDS
                 if any(t.name == name for t in targets_of(design, kind))), None)


def region_of_target(design: Design, kind: TargetKind, name: str | None) -> str | None:
    """A private endpoint target's region (a vault's, a storage account's, a Key Vault's or a
    scope's): its own, else the design's."""
    found = next((t for t in targets_of(design, kind) if t.name == name), None)
    return (found.region if found is not None else None) or design.region


def zones_needed(kind: TargetKind, service: str, target_region: str | None,
                 regions: RegionTable) -> tuple[str, ...]:
    """The zones the names of a flow to `service` need, for a target in `target_region`:
    the Backup zone is the one of the vault's own geo (ANY_BACKUP_ZONE when unknown)."""
    backup = regions.backup_zone(target_region) or ANY_BACKUP_ZONE
    return tuple(backup if z == ANY_BACKUP_ZONE else z for z in FLOW_ZONES.get((kind, service), ()))


def declared_zone(zone: str, design: Design) -> PrivateDnsZone | None:
    """The design's zone of that name; for ANY_BACKUP_ZONE, the first Backup zone."""
    for declared in design.private_dns_zones:
        if declared.name == zone or (zone == ANY_BACKUP_ZONE and BACKUP_ZONE.match(declared.name)):
            return declared
    return None


class NameResolver:
    """Answers, per client VNet, whether a flow's names resolve to its private endpoint."""

    def __init__(self, topology: Topology, regions: RegionTable) -> None:
        self.topology = topology
        self.design = topology.design
        self.regions = regions
        self._answers: dict[tuple[str, str], ZoneAnswer] = {}

    def resolve(self, vnet: str, kind: TargetKind, service: str, target_region: str | None,
                endpoint: str) -> NameResolution:
        if not self.design.private_dns_zones:
            return NameResolution(vnet, endpoint, ())
        zones = zones_needed(kind, service, target_region, self.regions)
        return NameResolution(vnet, endpoint, tuple(self._answer(z, vnet) for z in zones))

    def _answer(self, zone: str, vnet: str) -> ZoneAnswer:
        key = (zone, vnet)
        if key not in self._answers:
            self._answers[key] = self._answer_uncached(zone, vnet)
        return self._answers[key]

    def _answer_uncached(self, zone: str, vnet: str) -> ZoneAnswer:
        declared = declared_zone(zone, self.design)
        if zone == ANY_BACKUP_ZONE:
            # The vault's geo is unknown: any Backup zone may be its own; one that answers
            # for the VNet is taken.
            linked = [z for z in self.design.private_dns_zones
                      if BACKUP_ZONE.match(z.name) and vnet in z.vnet_links]
            declared = linked[0] if linked else declared
        if declared is None:
            return ZoneAnswer(zone, None, False, "not-declared")
        if vnet in declared.vnet_links:
            # The format's vnet_links states that the zone answers the VNet's lookups (linked,
            # or forwarding to a resolver in a linked VNet), whatever its DNS servers.
            return ZoneAnswer(zone, declared.name, True, "link")
        servers = tuple(self.topology.vnets[vnet].dns_servers)
        if not servers:
            return ZoneAnswer(zone, declared.name, False, "not-linked")
        holders = [self._vnet_holding(ip, vnet) for ip in servers]
        inside = tuple(dict.fromkeys(h for h in holders if h is not None))
        answers = all(h is None or h in declared.vnet_links for h in holders)
        basis: Basis = ("not-linked" if not answers else
                        "custom-dns" if all(h is not None for h in holders) else
                        "custom-dns-outside")
        return ZoneAnswer(zone, declared.name, answers, basis, servers, inside)

    def _vnet_holding(self, ip: str, client: str) -> str | None:
        """The VNet of the design whose address space holds `ip`: the client's own first,
        then its peers (a server the client reaches), then any; None when outside them all."""
        address = parse_address(ip)
        order = [client, *self.topology.peered_vnets(client),
                 *(v.name for v in self.design.vnets)]
        for name in dict.fromkeys(order):
            vnet = self.topology.vnets[name]
            if any(address in parse_network(space) for space in vnet.address_space):
                return name
        return None
