"""The format of security policy in a design: network security groups and Azure Firewall
policies (an extension of format v1, names after ARM in snake_case).

Field shapes only; what needs the whole design (references, priorities that must be unique,
which rule fields a collection's kind allows) is checked in `policy_validation.py`, and the
evaluation of a flow against them is `resolve/policy.py`'s.

ARM names, for import and for readers who know the portal:
- an NSG rule: `properties.{priority, direction, access, protocol, sourceAddressPrefix(es),
  destinationAddressPrefix(es), destinationPortRange(s)}`; the singular and plural ARM fields
  are one list here;
- a firewall policy: `Microsoft.Network/firewallPolicies` with `basePolicy`, and its
  `ruleCollectionGroups[].properties.{priority, ruleCollections[]}`; a collection is a
  `FirewallPolicyFilterRuleCollection` (`action.type`, `priority`, `rules[]`), its rules
  `NetworkRule` (`ipProtocols`, `sourceAddresses`, `destinationAddresses`,
  `destinationPorts`) or `ApplicationRule` (`protocols[].{protocolType, port}`,
  `sourceAddresses`, `targetFqdns`, `fqdnTags`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from flowdocs.load.model_types import Line, Name, Strict

# An address in a rule: a CIDR, an IP, `*`, or a service tag (`Storage`, `Storage.WestEurope`,
# `VirtualNetwork`, `Internet`, `AzureBackup`); checked in policy_validation.py.
RuleAddress = Annotated[str, Field(min_length=1, max_length=100,
                                   pattern=r"^(\*|[A-Za-z0-9][A-Za-z0-9.:/-]*)$")]
# A port or range: `443`, `1024-65535`, `*`.
PortRange = Annotated[str, Field(min_length=1, max_length=11, pattern=r"^(\*|[0-9]+(-[0-9]+)?)$")]
# NSG priorities: 100 to 4096, lower first.
NsgPriority = Annotated[int, Field(ge=100, le=4096)]
# Rule collection group and rule collection priorities: 100 to 65000, lower first.
PolicyPriority = Annotated[int, Field(ge=100, le=65000)]
Fqdn = Annotated[str, Field(min_length=1, max_length=255,
                            pattern=r"^(\*|(\*\.)?[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*)$")]


class SecurityRule(Strict):
    name: Name
    priority: NsgPriority
    direction: Literal["Inbound", "Outbound"]
    access: Literal["Allow", "Deny"]
    protocol: Literal["Tcp", "Udp", "Icmp", "Esp", "Ah", "*"] = "*"
    source_address_prefixes: list[RuleAddress] = Field(["*"], min_length=1)
    destination_address_prefixes: list[RuleAddress] = Field(["*"], min_length=1)
    destination_port_ranges: list[PortRange] = Field(["*"], min_length=1)
    description: Line = ""


class NetworkSecurityGroup(Strict):
    name: Name
    rules: list[SecurityRule] = Field(
        [], description="The NSG's own rules. Azure's default rules (AllowVnetInBound 65000, "
                        "AllowAzureLoadBalancerInBound 65001, DenyAllInBound 65500, "
                        "AllowVnetOutBound 65000, AllowInternetOutBound 65001, DenyAllOutBound "
                        "65500) always follow them and are not written here.")


class ApplicationProtocol(Strict):
    protocol_type: Literal["Http", "Https", "Mssql"]
    port: Annotated[int, Field(ge=1, le=65535)]


class FirewallPolicyRule(Strict):
    """A network rule (`ip_protocols`, `destination_addresses`, `destination_ports`) or an
    application rule (`protocols`, `target_fqdns`, `fqdn_tags`), as its collection's `kind`
    says; `source_addresses` belongs to both."""

    name: Name
    source_addresses: list[RuleAddress] = Field(min_length=1)
    # network rules
    ip_protocols: list[Literal["TCP", "UDP", "ICMP", "Any"]] = []
    destination_addresses: list[RuleAddress] = []
    destination_ports: list[PortRange] = []
    # application rules
    protocols: list[ApplicationProtocol] = []
    target_fqdns: list[Fqdn] = []
    fqdn_tags: list[Line] = []
    description: Line = ""


class RuleCollection(Strict):
    name: Name
    priority: PolicyPriority
    action: Literal["Allow", "Deny"]
    kind: Literal["network", "application"]
    rules: list[FirewallPolicyRule] = []


class RuleCollectionGroup(Strict):
    name: Name
    priority: PolicyPriority
    rule_collections: list[RuleCollection] = []


class FirewallPolicy(Strict):
    name: Name
    base_policy: Name | None = Field(
        None, description="The parent policy: its rules are evaluated before this policy's, "
                          "each rule type apart (network rules of both before application "
                          "rules of either).")
    rule_collection_groups: list[RuleCollectionGroup] = []
