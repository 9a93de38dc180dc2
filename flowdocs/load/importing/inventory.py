"""The normalised inventory: what every source shape is read into, before a design is built.

Each reader (Azure's JSON shapes in `azure.py`, Terraform's in `terraform.py`) turns its
resources into these records, keyed by resource id (`ids.key_of`), so that several files, and
several shapes, describe one estate: the first record of a key wins, and a reference from one
file finds its resource in another. References stay keys here; `builder.py` turns them into
design names, and reports those that lead nowhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from flowdocs.load.importing.network_records import (
    BalancingRuleRecord,
    ConnectionRecord,
    LoadBalancerRecord,
    LocalGatewayRecord,
    PoolMemberRecord,
    PoolRecord,
    RouteServerPeerRecord,
    RouteServerRecord,
    RouteServerSubnetRecord,
)
from flowdocs.load.importing.origin import Origin

__all__ = ["Origin"]  # where the readers import it from, beside the records


@dataclass(frozen=True)
class VNetRecord:
    key: str
    name: str
    location: str | None
    address_space: tuple[str, ...]
    dns_servers: tuple[str, ...]
    origin: Origin
    group: str | None = None  # resource group, lower case: Terraform joins by name in it


@dataclass(frozen=True)
class SubnetRecord:
    key: str
    vnet: str  # key
    name: str
    prefixes: tuple[str, ...]
    route_table: str | None  # key
    service_endpoints: tuple[str, ...]
    policies: tuple[str, ...]  # keys
    network_policies: str | None
    origin: Origin
    network_security_group: str | None = None  # key


@dataclass(frozen=True)
class PeeringRecord:
    """One link of a peering: Azure creates a peering as a link in each of the two VNets."""

    key: str
    vnet: str  # key of the VNet that holds the link
    remote: str  # key of the remote VNet
    name: str
    allow_forwarded_traffic: bool
    allow_gateway_transit: bool
    use_remote_gateways: bool
    allow_virtual_network_access: bool
    state: str | None
    origin: Origin


@dataclass(frozen=True)
class RouteTableRecord:
    key: str
    name: str
    location: str | None
    disable_bgp_route_propagation: bool
    subnets: tuple[str, ...]  # keys: the associations the route table reports
    origin: Origin
    group: str | None = None


@dataclass(frozen=True)
class RouteRecord:
    key: str
    table: str  # key
    name: str
    address_prefix: str
    next_hop_type: str
    next_hop_ip: str | None
    next_hop_of: str | None  # key of the firewall or NIC whose IP it is, when not yet known
    origin: Origin


@dataclass(frozen=True)
class AssociationRecord:
    """A subnet's route table given apart from both (Terraform's association resource)."""

    subnet: str
    route_table: str
    origin: Origin


@dataclass(frozen=True)
class FirewallRecord:
    key: str
    name: str
    sku: str | None  # tier: Basic | Standard | Premium
    subnet: str  # key
    private_ip: str | None
    origin: Origin
    policy: str | None = None  # key of its firewall policy


@dataclass(frozen=True)
class GatewayRecord:
    key: str
    name: str
    type: str  # vpn | expressroute
    subnet: str  # key of its GatewaySubnet
    origin: Origin
    active_active: bool = False
    # Its instances' private IPs as the export gives them (`network_reading.py` says which
    # fields); None when a plan leaves them to apply.
    addresses: tuple[str, ...] | None = ()


@dataclass(frozen=True)
class VaultRecord:
    key: str
    name: str
    location: str | None
    public_network_access: str  # Enabled | Disabled
    origin: Origin


@dataclass(frozen=True)
class StorageAccountRecord:
    key: str
    name: str
    location: str | None
    origin: Origin


@dataclass(frozen=True)
class LinkTargetRecord:
    """A Key Vault, or an Azure Arc or Azure Monitor Private Link Scope: what a private
    endpoint may target besides vaults and storage accounts."""

    key: str
    name: str
    kind: str  # key-vault | arc | monitor (ids.LINK_TARGET_KINDS)
    location: str | None
    origin: Origin


@dataclass(frozen=True)
class PolicyRecord:
    key: str
    name: str
    storage_accounts: tuple[str, ...]  # keys
    scopes: tuple[str, ...]  # subscriptions or resource groups allowed whole: not modelled
    origin: Origin


@dataclass(frozen=True)
class EndpointRecord:
    key: str
    name: str
    subnet: str  # key
    target: str | None  # key of the resource it makes private
    target_id: str | None  # as written, for names and types
    ip: str | None
    nics: tuple[str, ...]  # keys, to find the IP on the NIC when the endpoint lists none
    origin: Origin


@dataclass(frozen=True)
class NicRecord:
    key: str
    name: str
    configurations: tuple[tuple[str, str | None], ...]  # (subnet key, private IP), primary first
    vm: str | None  # key
    ip_forwarding: bool
    private_endpoint: str | None  # key: the NIC Azure made for a private endpoint
    origin: Origin
    # The keys of `configurations`' IP configurations, in the same order: a load balancer's
    # backend pool names them.
    configuration_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class VmRecord:
    key: str
    name: str
    nics: tuple[str, ...]  # keys, primary first
    image: str | None  # publisher/offer, a hint at the workload type
    origin: Origin


@dataclass(frozen=True)
class ZoneRecord:
    key: str
    name: str
    origin: Origin
    group: str | None = None


@dataclass(frozen=True)
class ZoneLinkRecord:
    key: str
    zone: str  # key
    vnet: str  # key
    origin: Origin


@dataclass(frozen=True)
class NsgRecord:
    key: str
    name: str
    subnets: tuple[str, ...]  # keys: the associations the NSG reports
    origin: Origin


@dataclass(frozen=True)
class SecurityRuleRecord:
    """One NSG rule as the export writes it: `nsg_building.py` puts its values in the
    format's terms, or leaves it out and says why. Singular and plural fields
    (`sourceAddressPrefix` and `sourceAddressPrefixes`) are already one list here."""

    key: str
    nsg: str  # key
    name: str
    priority: int
    direction: str
    access: str
    protocol: str | None
    sources: tuple[str, ...]
    destinations: tuple[str, ...]
    ports: tuple[str, ...]
    source_ports: tuple[str, ...]
    description: str | None
    unsupported: tuple[str, ...]  # what it uses that the format has no place for
    origin: Origin


@dataclass(frozen=True)
class NsgAssociationRecord:
    """A subnet's NSG given apart from both (Terraform's association resource)."""

    subnet: str
    nsg: str
    origin: Origin


@dataclass(frozen=True)
class FirewallPolicyRecord:
    key: str
    name: str
    base_policy: str | None  # key
    groups: tuple[str, ...]  # keys of the rule collection groups it lists
    firewalls: tuple[str, ...]  # keys: the firewalls the policy reports using it
    origin: Origin


@dataclass(frozen=True)
class PolicyRuleRecord:
    """A rule of a firewall policy's rule collection, as written."""

    name: str
    type: str  # network | application | nat, else the rule type as written
    sources: tuple[str, ...]
    ip_protocols: tuple[str, ...]
    destinations: tuple[str, ...]
    ports: tuple[str, ...]
    protocols: tuple[tuple[str, int | None], ...]  # application rules: (type, port)
    target_fqdns: tuple[str, ...]
    fqdn_tags: tuple[str, ...]
    description: str | None
    unsupported: tuple[str, ...]
    label: str  # what messages call it


@dataclass(frozen=True)
class RuleCollectionRecord:
    name: str
    priority: int
    type: str  # filter | nat, else the collection type as written
    kind: str | None  # network | application, from its rules; None when it has none
    action: str | None
    rules: tuple[PolicyRuleRecord, ...]
    label: str


@dataclass(frozen=True)
class RuleCollectionGroupRecord:
    key: str
    policy: str  # key
    name: str
    priority: int
    collections: tuple[RuleCollectionRecord, ...]
    origin: Origin


@dataclass(frozen=True)
class Skipped:
    """Something the design does not hold, and why: printed at the end of the design."""

    subject: str
    reason: str


R = TypeVar("R")


class Records(Generic[R]):
    """Records of one kind by key, in the order first seen; a key seen again is ignored (the
    same resource, in another file or embedded in its parent as well as listed alone)."""

    def __init__(self) -> None:
        self.by_key: dict[str, R] = {}

    def add(self, key: str, record: R) -> None:
        self.by_key.setdefault(key, record)

    def get(self, key: str | None) -> R | None:
        return None if key is None else self.by_key.get(key)

    def __iter__(self) -> Iterator[R]:
        return iter(self.by_key.values())

    def __len__(self) -> int:
        return len(self.by_key)


@dataclass
class Inventory:
    vnets: Records[VNetRecord] = field(default_factory=Records)
    subnets: Records[SubnetRecord] = field(default_factory=Records)
    peerings: Records[PeeringRecord] = field(default_factory=Records)
    route_tables: Records[RouteTableRecord] = field(default_factory=Records)
    routes: Records[RouteRecord] = field(default_factory=Records)
    associations: list[AssociationRecord] = field(default_factory=list)
    firewalls: Records[FirewallRecord] = field(default_factory=Records)
    gateways: Records[GatewayRecord] = field(default_factory=Records)
    vaults: Records[VaultRecord] = field(default_factory=Records)
    storage_accounts: Records[StorageAccountRecord] = field(default_factory=Records)
    link_targets: Records[LinkTargetRecord] = field(default_factory=Records)
    policies: Records[PolicyRecord] = field(default_factory=Records)
    endpoints: Records[EndpointRecord] = field(default_factory=Records)
    nics: Records[NicRecord] = field(default_factory=Records)
    vms: Records[VmRecord] = field(default_factory=Records)
    zones: Records[ZoneRecord] = field(default_factory=Records)
    zone_links: Records[ZoneLinkRecord] = field(default_factory=Records)
    nsgs: Records[NsgRecord] = field(default_factory=Records)
    security_rules: Records[SecurityRuleRecord] = field(default_factory=Records)
    nsg_associations: list[NsgAssociationRecord] = field(default_factory=list)
    firewall_policies: Records[FirewallPolicyRecord] = field(default_factory=Records)
    rule_collection_groups: Records[RuleCollectionGroupRecord] = field(default_factory=Records)
    connections: Records[ConnectionRecord] = field(default_factory=Records)
    local_gateways: Records[LocalGatewayRecord] = field(default_factory=Records)
    route_servers: Records[RouteServerRecord] = field(default_factory=Records)
    route_server_subnets: list[RouteServerSubnetRecord] = field(default_factory=list)
    route_server_peers: Records[RouteServerPeerRecord] = field(default_factory=Records)
    load_balancers: Records[LoadBalancerRecord] = field(default_factory=Records)
    pools: Records[PoolRecord] = field(default_factory=Records)
    pool_members: list[PoolMemberRecord] = field(default_factory=list)
    balancing_rules: Records[BalancingRuleRecord] = field(default_factory=Records)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[Skipped] = field(default_factory=list)
