"""Does one rule field match one flow? Addresses, service tags, ports and FQDNs, answered
`yes`, `no` or `maybe`.

`maybe` is the honest answer where the design cannot tell: a rule on part of a subnet (it
depends on the VM's address), a public CIDR against a service's public endpoint (it depends
on the service's current addresses), a rule on one storage account against a flow to "any
account" (`*.blob.core.windows.net`). The evaluator (`policy.py`) turns a `maybe` met before
the deciding rule into an `unknown` verdict when it could change the outcome.
"""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass
from typing import Literal

Match = Literal["yes", "no", "maybe"]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

ANY = "*"
VIRTUAL_NETWORK = "VirtualNetwork"
INTERNET = "Internet"
# The tag of every Azure public address: it holds every service's endpoints.
AZURE_CLOUD = "AzureCloud"


@dataclass(frozen=True)
class Destination:
    """Where a flow goes, as a rule sees it: a private endpoint's address, or a service's
    public endpoint (its service tag, in a region when known)."""

    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None = None
    service: str | None = None
    region: str | None = None  # Azure's region name: westeurope
    # The region as a regional service tag spells it (Storage.WestEurope), for messages.
    region_tag: str | None = None

    def __str__(self) -> str:
        if self.address is not None:
            return str(self.address)
        region = self.region_tag or self.region
        return f"{self.service}.{region}" if region else str(self.service)


@dataclass(frozen=True)
class AddressSpace:
    """What the `VirtualNetwork` tag holds where a rule is evaluated (service-tags-overview):
    the VNet's address space, its peered VNets', the on-premises prefixes its gateways learn,
    and the prefixes of the user-defined routes of the subnet. The last is why a 0.0.0.0/0
    route makes `VirtualNetwork` hold every address, so that the default rule
    AllowVnetOutBound then allows Internet-bound traffic too."""

    networks: tuple[Network, ...]

    def holds_network(self, network: Network) -> Match:
        if any(network.version == n.version and network.subnet_of(n)  # type: ignore[arg-type]
               for n in self.networks):
            return "yes"
        return "maybe" if any(network.overlaps(n) for n in self.networks) else "no"

    @functools.cached_property
    def public(self) -> Match:
        """Does the tag hold a service's public endpoint? Only a user-defined route whose
        prefix is public says so: 0.0.0.0/0 certainly, a narrower public prefix perhaps.
        Asked for every rule of every flow, answered once."""
        public = [n for n in self.networks if not n.is_private]
        if any(n.prefixlen == 0 for n in public):
            return "yes"
        return "maybe" if public else "no"


@functools.lru_cache(maxsize=65536)
def network_of(text: str) -> Network:
    """A prefix of a rule or a route, parsed once: estates repeat the same few."""
    return ipaddress.ip_network(text, strict=False)


def match_source(rule_address: str, source: Network, space: AddressSpace) -> Match:
    """Does a rule's source address hold the flow's source, a subnet of the design? Every
    source is a private address in a VNet: service tags (`Storage`, `Internet`,
    `AzureLoadBalancer`) never hold it."""
    if rule_address == ANY:
        return "yes"
    if rule_address == VIRTUAL_NETWORK:
        return space.holds_network(source)
    if not _is_address(rule_address):
        return "no"
    rule = network_of(rule_address)
    if rule.version != source.version:
        return "no"
    if source.subnet_of(rule):  # type: ignore[arg-type]
        return "yes"
    # Part of the subnet: it depends on the address of the VM that sends the flow.
    return "maybe" if source.overlaps(rule) else "no"


def match_destination(rule_address: str, destination: Destination, space: AddressSpace
                      ) -> Match:
    """Does a rule's destination address hold where the flow goes?"""
    if rule_address == ANY:
        return "yes"
    if destination.address is not None:
        return _match_private(rule_address, destination.address, space)
    return _match_service(rule_address, destination, space)


def _match_private(rule_address: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address,
                   space: AddressSpace) -> Match:
    """A destination by address: a private endpoint, a workload, or an address a design's
    own flow names (on-premises, or public)."""
    if rule_address == VIRTUAL_NETWORK:
        host = ipaddress.ip_network(address)
        return space.holds_network(host) if not address.is_private else \
            ("yes" if space.holds_network(host) == "yes" else "no")
    if not _is_address(rule_address):
        # Internet and the services' tags hold public addresses only; whether a public
        # address is a service's, flowdocs cannot tell.
        if address.is_private:
            return "no"
        return "yes" if rule_address == INTERNET else "maybe"
    return "yes" if address in network_of(rule_address) else "no"


def _match_service(rule_address: str, destination: Destination, space: AddressSpace) -> Match:
    if rule_address == INTERNET:
        # The Internet tag holds Azure's public address space too (service-tags-overview).
        return "yes"
    if rule_address == VIRTUAL_NETWORK:
        return space.public
    if _is_address(rule_address):
        rule = network_of(rule_address)
        if rule.prefixlen == 0:
            return "yes"
        # A private prefix never holds a public endpoint; a public one may, depending on the
        # service's addresses of the day, which flowdocs does not track.
        return "no" if rule.is_private else "maybe"
    base, _, region = rule_address.partition(".")
    if base != AZURE_CLOUD and base != destination.service:
        return "no"
    if not region:
        return "yes"
    if destination.region is None:
        # A regional tag holds the service in that region only, and where the service is
        # cannot be told.
        return "maybe"
    return "yes" if region.lower() == destination.region else "no"


def match_ports(ranges: list[str], port: int) -> Match:
    for text in ranges:
        if text == ANY:
            return "yes"
        low, _, high = text.partition("-")
        if int(low) <= port <= int(high or low):
            return "yes"
    return "no"


def match_fqdn(rule_fqdn: str, flow_fqdn: str) -> Match:
    """Does an application rule's target FQDN hold a name the flow uses? A flow's own
    wildcard (`*.blob.core.windows.net`) stands for the names of accounts the design does
    not list: a rule on one such name matches them only `maybe`. Azure Firewall's `*.x`
    holds names at any depth below x."""
    rule, name = rule_fqdn.lower(), flow_fqdn.lower()
    if rule in (ANY, name):
        return "yes"
    if rule.startswith("*."):
        suffix = rule[1:]  # ".x.y"
        bare = name.removeprefix("*.")
        if ("." + bare).endswith(suffix) and bare != suffix[1:]:
            return "yes"
    # The flow's wildcard holds names that the rule holds too: some of them, not all.
    if name.startswith("*.") and rule.removeprefix("*").endswith(name[1:]):
        return "maybe"
    return "no"


def combine(*matches: Match) -> Match:
    """All fields of a rule must match: `no` wins, then `maybe`."""
    if "no" in matches:
        return "no"
    return "maybe" if "maybe" in matches else "yes"


def any_of(matches: list[Match]) -> Match:
    """One of a field's values must match: `yes` wins, then `maybe`."""
    if "yes" in matches:
        return "yes"
    return "maybe" if "maybe" in matches else "no"


def _is_address(text: str) -> bool:
    return text[0].isdigit() or ":" in text
