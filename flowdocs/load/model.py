"""The design file format, version 1, as typed models.

The models are the one declaration of the format: the loader validates with them, and
`flowdocs schema` prints their JSON Schema. Field names and enumeration values are binding
(see the design-format reference); new optional keys may be added, none renamed.
Cross-field checks (references, overlaps, IPs in subnets) live in `validate.py` and run only
after every field has passed.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal, NamedTuple

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

FORMAT_VERSION = 1

# An IPv4 CIDR already in canonical form (no leading zeros): the common case, checked without
# the `ipaddress` parser, which is about thirty times slower and dominated loading an estate.
_CANONICAL_IPV4_CIDR = re.compile(r"(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\."
                                  r"(0|[1-9]\d{0,2})/(0|[1-9]\d?)")


def _cidr(value: str) -> str:
    """A CIDR with no host bits set, in canonical text form."""
    match = _CANONICAL_IPV4_CIDR.fullmatch(value)
    if match is not None:
        *octets, length = (int(part) for part in match.groups())
        if max(octets) <= 255 and length <= 32:
            address = (octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]
            if address & ((1 << (32 - length)) - 1) == 0:
                return value
    # Anything else (IPv6, host bits set, a typo) takes the full parser and its messages.
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ValueError(f"expected a CIDR such as 10.0.0.0/16, found {value!r}") from None
    if "/" not in value:
        raise ValueError(f"expected a CIDR with a prefix length, found {value!r}")
    if network.network_address != ipaddress.ip_interface(value).ip:
        raise ValueError(f"{value!r} has host bits set; did you mean '{network}'?")
    return str(network)


def _ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ValueError(f"expected an IP address such as 10.0.1.4, found {value!r}") from None


Cidr = Annotated[str, AfterValidator(_cidr)]
IpAddress = Annotated[str, AfterValidator(_ip)]
# Azure resource names; '/' and '~' are reserved for references and peering ids.
Name = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
SubnetRef = Annotated[str, Field(pattern=r"^[^/\s]+/[^/\s]+$", description="VNET/SUBNET")]
# A route's address prefix: a CIDR or a service tag (Storage, Storage.WestEurope, AzureCloud).
RoutePrefix = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9.:/]*$")]

NextHopType = Literal["VirtualAppliance", "VirtualNetworkGateway", "VnetLocal", "Internet", "None"]
NetworkPolicies = Literal["Disabled", "Enabled", "RouteTableEnabled", "NetworkSecurityGroupEnabled"]
FirewallSku = Literal["Basic", "Standard", "Premium"]


class Strict(BaseModel):
    """Unknown keys are errors: a typo must never be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Subnet(Strict):
    name: Name
    prefix: Cidr
    route_table: Name | None = None
    service_endpoints: list[str] = []
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
    vendor: str | None = None
    subnet: SubnetRef
    private_ip: IpAddress
    licensed_throughput_mbps: float | None = Field(None, gt=0)
    tls_inspection: bool = Field(False, description="Extension: TLS inspection on its rules.")


class Gateway(Strict):
    name: Name
    type: Literal["vpn", "expressroute"]
    vnet: Name
    advertises_default_route: bool = False
    advertised_prefixes: list[Cidr] = Field(
        [], description="Extension: on-premises prefixes learned over BGP (besides 0.0.0.0/0)."
    )


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


class ServiceEndpointPolicy(Strict):
    name: Name
    allowed_storage_accounts: list[Name] = []


class PrivateEndpoint(Strict):
    name: Name
    subnet: SubnetRef
    target: Name
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
    daily_gb: float | None = Field(None, ge=0)
    window_hours: float | None = Field(None, gt=0, le=24)


class Workload(Strict):
    name: Name
    type: str = Field(description="A workload type of the flow catalog, e.g. sql-server-in-vm.")
    subnet: SubnetRef
    ip: IpAddress | None = None
    backup: Backup = Backup()


class Design(Strict):
    flowdocs: Literal[1] = Field(description="Format version.")
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]
    title: str = Field(min_length=1)
    summary: str = ""
    region: str | None = Field(None, pattern=r"^[a-z0-9]+$")
    extends: str | None = Field(
        None, description="Extension: a design file (path relative to this one) that this "
                          "design is a variant of; see docs/decisions.md.",
    )
    label: str | None = Field(
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
    service_endpoint_policies: list[ServiceEndpointPolicy] = []
    private_endpoints: list[PrivateEndpoint] = []
    private_dns_zones: list[PrivateDnsZone] = []
    workloads: list[Workload] = []
