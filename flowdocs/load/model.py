"""The design file format, version 1, as typed models.

The models are the one declaration of the format: the loader validates with them, and
`flowdocs schema` prints their JSON Schema. Field names and enumeration values are binding
(see the design-format reference); new optional keys may be added, none renamed.
Cross-field checks (references, overlaps, IPs in subnets) live in `validate.py` and run only
after every field has passed.
"""

from __future__ import annotations

from typing import Annotated, Literal, NamedTuple

from pydantic import Field

from flowdocs.load.flow_model import OwnFlow
from flowdocs.load.model_types import (
    Cidr,
    DailyGb,
    FirewallSku,
    IpAddress,
    Line,
    Name,
    NetworkPolicies,
    NextHopType,
    Paragraph,
    Reason,
    RoutePrefix,
    Strict,
    SubnetRef,
    ThroughputMbps,
    Title,
    WindowHours,
)
from flowdocs.load.network_model import GatewayConnection, LoadBalancer, RouteServer
from flowdocs.load.policy_model import FirewallPolicy, NetworkSecurityGroup


class Subnet(Strict):
    name: Name
    prefix: Cidr
    route_table: Name | None = None
    network_security_group: Name | None = Field(
        None, description="Extension: the NSG associated with the subnet.")
    service_endpoints: list[Line] = []
    service_endpoint_policies: list[Name] = []
    private_endpoint_network_policies: NetworkPolicies = "Disabled"


class VNet(Strict):
    name: Name
    address_space: list[Cidr] = Field(min_length=1)
    subnets: list[Subnet] = []
    region: str | None = Field(
        None, pattern=r"^[a-z0-9]+$",
        description="Extension: the VNet's Azure region when it differs from the design's: "
                    "it decides which regional service tags, service endpoints and private "
                    "DNS zones apply to it (peering across regions is global peering, priced "
                    "apart).",
    )
    dns_servers: list[IpAddress] = Field(
        [], description="Extension: custom DNS servers of the VNet. Empty: Azure-provided DNS, "
                        "which answers from the private DNS zones linked to the VNet.",
    )


PeeringSetting = Literal["allow_forwarded_traffic", "allow_gateway_transit", "use_remote_gateways"]
PEERING_SETTINGS: tuple[PeeringSetting, ...] = (
    "allow_forwarded_traffic", "allow_gateway_transit", "use_remote_gateways")


class PeeringLink(Strict):
    """Extension: the settings of one VNet's side of a peering, where they differ from the
    peering's shorthand. Azure creates a peering as two links, one in each VNet, each with its
    own settings (learn.microsoft.com/azure/virtual-network/virtual-network-manage-peering)."""

    allow_forwarded_traffic: bool | None = Field(
        None, description="Traffic that the remote VNet forwards (not originating in it) may "
                          "enter this VNet.")
    allow_gateway_transit: bool | None = Field(
        None, description="The remote VNet may use this VNet's gateway.")
    use_remote_gateways: bool | None = Field(
        None, description="This VNet uses the remote VNet's gateway.")


class LinkSettings(NamedTuple):
    """The settings in force on `vnet`'s link of a peering with `remote`."""

    vnet: str
    remote: str
    allow_forwarded_traffic: bool
    allow_gateway_transit: bool
    use_remote_gateways: bool


class Peering(Strict):
    vnets: list[Name] = Field(min_length=2, max_length=2)
    allow_forwarded_traffic: bool = Field(True, description="On both VNets' links.")
    allow_gateway_transit: bool = Field(False, description="On the second VNet's link (the hub).")
    use_remote_gateways: bool = Field(False, description="On the first VNet's link (the spoke).")
    links: dict[str, PeeringLink] = Field(
        {}, description="Extension: per-VNet overrides of the settings above, by VNet name "
                        "(one of `vnets`), for peerings whose two links differ.")

    @property
    def id(self) -> str:
        return f"{self.vnets[0]}~{self.vnets[1]}"

    def link(self, vnet: str) -> LinkSettings:
        """The settings of `vnet`'s link: its override in `links`, else the shorthand
        (allow_forwarded_traffic on both links, allow_gateway_transit on the second VNet's,
        use_remote_gateways on the first VNet's)."""
        first, second = self.vnets
        remote = second if vnet == first else first
        override = self.links.get(vnet, _NO_OVERRIDE)

        def pick(explicit: bool | None, shorthand: bool) -> bool:
            return shorthand if explicit is None else explicit

        return LinkSettings(
            vnet, remote,
            pick(override.allow_forwarded_traffic, self.allow_forwarded_traffic),
            pick(override.allow_gateway_transit, self.allow_gateway_transit and vnet == second),
            pick(override.use_remote_gateways, self.use_remote_gateways and vnet == first),
        )

    def setting_path(self, vnet: str, setting: PeeringSetting) -> tuple[str, ...]:
        """Where `setting` of `vnet`'s link is written, relative to the peering entry: in its
        `links` override, else the shorthand key (or the entry itself, for a default)."""
        override = self.links.get(vnet)
        if override is not None and getattr(override, setting) is not None:
            return ("links", vnet, setting)
        return (setting,) if setting in self.model_fields_set else ()


_NO_OVERRIDE = PeeringLink()


class Route(Strict):
    name: Name
    address_prefix: RoutePrefix
    next_hop_type: NextHopType
    next_hop_ip: IpAddress | None = None


class RouteTable(Strict):
    name: Name
    disable_bgp_route_propagation: bool = False
    routes: list[Route] = []


class Firewall(Strict):
    name: Name
    type: Literal["azure-firewall", "nva"]
    sku: FirewallSku | None = None
    vendor: Line | None = None
    subnet: SubnetRef
    private_ip: IpAddress
    licensed_throughput_mbps: ThroughputMbps | None = None
    tls_inspection: bool = Field(False, description="Extension: TLS inspection on its rules.")
    policy: Name | None = Field(
        None, description="Extension: the Azure Firewall's firewall policy: flows through it "
                          "are evaluated against its rules.")
    rules: Literal["unknown"] = Field(
        "unknown", description="Extension: an NVA's rules are not evaluated; its verdict on a "
                               "flow is 'unknown'. An Azure Firewall without `policy` is too.")


class Gateway(Strict):
    name: Name
    type: Literal["vpn", "expressroute"]
    vnet: Name
    advertises_default_route: bool = False
    advertised_prefixes: list[Cidr] = Field(
        [], description="Extension: on-premises prefixes learned over BGP (besides 0.0.0.0/0)."
    )
    instances: list[IpAddress] = Field(
        [], description="Extension: the private IPs of the gateway's instances, two for an "
                        "active-active VPN gateway. Azure lists a VPN gateway's routes once per "
                        "instance, next hop that instance.")
    connections: list[GatewayConnection] = Field(
        [], description="Extension: the gateway's connections to on-premises and the prefixes "
                        "it learns through each.")

    def learned_prefixes(self) -> list[str]:
        """Every on-premises prefix the gateway learns, once, in design order:
        `advertises_default_route` and `advertised_prefixes` first (an implicit BGP
        connection, as the format had before `connections`), then each connection's."""
        implicit = ["0.0.0.0/0"] if self.advertises_default_route else []
        found = [*implicit, *self.advertised_prefixes,
                 *(p for c in self.connections for p in c.learned_prefixes)]
        return list(dict.fromkeys(found))


class Vault(Strict):
    name: Name
    public_network_access: Literal["Enabled", "Disabled"] = "Enabled"
    region: str | None = Field(
        None, pattern=r"^[a-z0-9]+$",
        description="Extension: the vault's Azure region (default: the design's). It names the "
                    "vault's private DNS zone and the regional service its traffic reaches.",
    )


class StorageAccount(Strict):
    name: Name
    region: str | None = Field(
        None, pattern=r"^[a-z0-9]+$",
        description="Extension: the account's Azure region (default: the design's).",
    )


class KeyVault(Strict):
    """Extension: a Key Vault that workloads read (a `key-vault-client` names it in its
    `target`); a private endpoint may target it (its vault sub-resource)."""

    name: Name
    region: str | None = Field(
        None, pattern=r"^[a-z0-9]+$",
        description="Extension: the Key Vault's Azure region (default: the design's).",
    )


class PrivateLinkScope(Strict):
    """Extension: an Azure Arc or Azure Monitor Private Link Scope, named by the `target` of
    an `arc-connected-machine` (arc) or an `azure-monitor-agent` (monitor); a private
    endpoint may target it."""

    name: Name
    kind: Literal["arc", "monitor"] = Field(
        description="arc: an Azure Arc Private Link Scope, which makes only Arc's hybrid "
                    "identity and guest configuration names private (its notification "
                    "service, Entra ID, Resource Manager and Storage stay public); monitor: "
                    "an Azure Monitor Private Link Scope, which makes the Azure Monitor "
                    "agent's handlers and ingestion private.",
    )
    region: str | None = Field(
        None, pattern=r"^[a-z0-9]+$",
        description="Extension: the scope's Azure region (default: the design's).",
    )


class ServiceEndpointPolicy(Strict):
    name: Name
    allowed_storage_accounts: list[Name] = []


class PrivateEndpoint(Strict):
    name: Name
    subnet: SubnetRef
    target: Name = Field(
        description="What it connects to: a vault or a storage account, or (extension) a key "
                    "vault of `key_vaults` or a scope of `private_link_scopes`.")
    ip: IpAddress | None = None


class PrivateDnsZone(Strict):
    """Extension: a private DNS zone and the VNets whose lookups it answers."""

    name: Annotated[str, Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9.-]*$")]
    vnet_links: list[Name] = Field(
        [], description="VNets whose DNS lookups this zone answers: linked to the zone, or "
                        "forwarding to a resolver in a linked VNet.",
    )


class Backup(Strict):
    vault: Name | None = None
    storage_account: Name | None = None
    daily_gb: DailyGb | None = None
    window_hours: WindowHours | None = None


class Workload(Strict):
    name: Name
    type: Line = Field(description="A workload type of the flow catalog, e.g. sql-server-in-vm.")
    subnet: SubnetRef
    ip: IpAddress | None = None
    backup: Backup = Backup()
    target: Name | None = Field(
        None, description="Extension: the private-link resource the workload uses, for the "
                          "types that have one: a key vault of `key_vaults` for "
                          "key-vault-client, an arc scope of `private_link_scopes` for "
                          "arc-connected-machine, a monitor scope for azure-monitor-agent. "
                          "A private endpoint to it carries the legs it makes private; "
                          "without a target, every leg takes the public path. Backup types "
                          "name their vault or storage account in `backup` instead.")


class Acceptance(Strict):
    finding: str = Field(pattern=r"^FD[0-9]{3}$",
                         description="The id of the finding accepted, e.g. FD005.")
    subject: Line | None = Field(
        None, min_length=1,
        description="Only the finding about this subject (as the page and `validate` name "
                    "it, e.g. vnet-spoke-sql/snet-sql); none: every finding of that id.")
    reason: Reason = Field(min_length=1, description="Why it is accepted: shown on the page.")


class Design(Strict):
    flowdocs: Literal[1] = Field(description="Format version.")
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]
    title: Title = Field(min_length=1)
    summary: Paragraph = ""
    region: str | None = Field(None, pattern=r"^[a-z0-9]+$")
    extends: Line | None = Field(
        None, description="Extension: a design file (path relative to this one) that this "
                          "design is a variant of; see docs/decisions.md.",
    )
    label: Title | None = Field(
        None, min_length=1, max_length=40,
        description="Extension: a short name for comparisons, e.g. 'Vault PE in hub'.",
    )
    vnets: list[VNet] = []
    peerings: list[Peering] = []
    route_tables: list[RouteTable] = []
    firewalls: list[Firewall] = []
    gateways: list[Gateway] = []
    vaults: list[Vault] = []
    storage_accounts: list[StorageAccount] = []
    key_vaults: list[KeyVault] = Field(
        [], description="Extension: Key Vaults that workloads name in their `target`.")
    private_link_scopes: list[PrivateLinkScope] = Field(
        [], description="Extension: Azure Arc and Azure Monitor Private Link Scopes that "
                        "workloads name in their `target`.")
    service_endpoint_policies: list[ServiceEndpointPolicy] = []
    private_endpoints: list[PrivateEndpoint] = []
    private_dns_zones: list[PrivateDnsZone] = []
    workloads: list[Workload] = []
    network_security_groups: list[NetworkSecurityGroup] = Field(
        [], description="Extension: network security groups, associated with subnets by their "
                        "`network_security_group`.")
    firewall_policies: list[FirewallPolicy] = Field(
        [], description="Extension: Azure Firewall policies, named by a firewall's `policy`.")
    route_servers: list[RouteServer] = Field(
        [], description="Extension: Azure Route Servers and the NVAs they learn routes from.")
    load_balancers: list[LoadBalancer] = Field(
        [], description="Extension: internal load balancers in front of firewalls or NVAs; a "
                        "route to a frontend IP hands the flow to one of the backends.")
    flows: list[OwnFlow] = Field(
        [], description="Extension: the design's own flows (application traffic), resolved, "
                        "drawn, checked and costed like the catalog's.")
    accept: list[Acceptance] = Field(
        [], description="Extension: findings accepted on purpose, each with its reason. An "
                        "accepted finding stays on the page, with the reason, and no longer "
                        "counts as a warning or an error.",
    )
