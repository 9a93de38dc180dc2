"""The design file format, version 1, as typed models.

The models are the one declaration of the format: the loader validates with them, and
`flowdocs schema` prints their JSON Schema. Field names and enumeration values are binding
(see the design-format reference); new optional keys may be added, none renamed.
Cross-field checks (references, overlaps, IPs in subnets) live in `validate.py` and run only
after every field has passed.
"""

from __future__ import annotations

import ipaddress
import math
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

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


# Text --------------------------------------------------------------------------------------------
# Control characters (C0, DEL, C1) would reach a terminal, a diagram label or a page as they
# are: an ESC recolours the terminal, a NUL cuts a Graphviz label. YAML's "\e" and JSON's
# "\u001b" escapes let them into a value even though the file itself is clean.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_PARAGRAPH_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # keeps tab and line break
_CONTROL_NAMES = {"\t": "a tab", "\n": "a line break", "\r": "a carriage return",
                  "\x00": "NUL", "\x1b": "ESC", "\x7f": "DEL"}


def _no_control(pattern: re.Pattern[str]) -> AfterValidator:
    def check(value: str) -> str:
        found = pattern.search(value)
        if found is not None:
            char = found.group()
            name = _CONTROL_NAMES.get(char, "")
            raise ValueError(f"control character U+{ord(char):04X}{f' ({name})' if name else ''}"
                             f" at character {found.start() + 1} is not allowed in text")
        return value

    return AfterValidator(check)


def _not_blank(value: str) -> str:
    """A title (or label) of spaces and tabs would show as nothing: a page without a
    heading."""
    if value and not value.strip():
        raise ValueError("must not be empty; it holds only white space")
    return value


# One line of text: a title, a label, a reference.
Line = Annotated[str, _no_control(_CONTROL)]
# A paragraph: line breaks and tabs are its own.
Paragraph = Annotated[str, _no_control(_PARAGRAPH_CONTROL)]
Title = Annotated[str, AfterValidator(_not_blank), _no_control(_CONTROL)]
Reason = Annotated[str, AfterValidator(_not_blank), _no_control(_PARAGRAPH_CONTROL)]


# Numbers ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Range:
    """A closed range of finite numbers, checked with a message that names it. Infinity and NaN
    fail it (NaN fails every comparison), so nothing downstream meets a number that the costs'
    decimal arithmetic or the tables cannot handle."""

    low: float
    high: float
    unit: str

    def check(self, value: float) -> float:
        if not self.low <= value <= self.high:
            raise ValueError(f"expected a number from {_number(self.low)} to "
                             f"{_number(self.high)} ({self.unit}), found {_number(value)}")
        return value

    def schema(self) -> dict[str, Any]:
        return {"type": "number", "minimum": self.low, "maximum": self.high}


def _number(value: float) -> str:
    """`1,000,000`, `0.25`, `1e-320`, `infinity`: as a reader of the message thinks of it."""
    if math.isnan(value):
        return "NaN (not a number)"
    if math.isinf(value):
        return "infinity" if value > 0 else "minus infinity"
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return repr(value)


def _not_a_boolean(value: object) -> object:
    """YAML's `yes` and `true` are booleans; pydantic would read them as the number 1."""
    if isinstance(value, bool):
        raise ValueError("expected a number, found a boolean")
    return value


# The ranges are wider than any estate needs, and narrow enough that the derived figures
# (throughput = daily_gb / window_hours, monthly GB, costs) stay ordinary finite numbers.
# 1 PB a day: far beyond the largest single database or VM backed up (tens of TB).
DAILY_GB = _Range(0, 1_000_000, "GB a day, up to 1 PB")
# Azure Backup runs once a day at most; below 15 minutes a backup window would need more
# bandwidth than any VM has.
WINDOW_HOURS = _Range(0.25, 24, "hours, from 15 minutes to a day")
# 1 Mbps to 1 Tbps: NVA licences are sold from tens of Mbps to about 100 Gbps.
THROUGHPUT_MBPS = _Range(1, 1_000_000, "Mbps, up to 1 Tbps")

DailyGb = Annotated[float, BeforeValidator(_not_a_boolean), AfterValidator(DAILY_GB.check),
                    WithJsonSchema(DAILY_GB.schema())]
WindowHours = Annotated[float, BeforeValidator(_not_a_boolean),
                        AfterValidator(WINDOW_HOURS.check), WithJsonSchema(WINDOW_HOURS.schema())]
ThroughputMbps = Annotated[float, BeforeValidator(_not_a_boolean),
                           AfterValidator(THROUGHPUT_MBPS.check),
                           WithJsonSchema(THROUGHPUT_MBPS.schema())]


# Names and addresses ------------------------------------------------------------------------------

Cidr = Annotated[str, AfterValidator(_cidr)]
IpAddress = Annotated[str, AfterValidator(_ip)]
# Azure resource names; '/' and '~' are reserved for references and peering ids.
Name = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
SubnetRef = Annotated[Line, Field(pattern=r"^[^/\s]+/[^/\s]+$", description="VNET/SUBNET")]
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
    daily_gb: DailyGb | None = None
    window_hours: WindowHours | None = None


class Workload(Strict):
    name: Name
    type: Line = Field(description="A workload type of the flow catalog, e.g. sql-server-in-vm.")
    subnet: SubnetRef
    ip: IpAddress | None = None
    backup: Backup = Backup()


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
    service_endpoint_policies: list[ServiceEndpointPolicy] = []
    private_endpoints: list[PrivateEndpoint] = []
    private_dns_zones: list[PrivateDnsZone] = []
    workloads: list[Workload] = []
    accept: list[Acceptance] = Field(
        [], description="Extension: findings accepted on purpose, each with its reason. An "
                        "accepted finding stays on the page, with the reason, and no longer "
                        "counts as a warning or an error.",
    )
