"""Cross-field checks of a design's security policy: NSGs and Azure Firewall policies.

What Azure itself refuses is an error here too: a reference to an NSG or policy that does not
exist, a base policy chain that loops, two NSG rules of one direction with the same priority,
an NSG on AzureFirewallSubnet, a network rule without ports. Pure: no I/O.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

from flowdocs.load.catalog import Catalog
from flowdocs.load.diagnostics import DataPath, Diagnostic, closest
from flowdocs.load.model import Design
from flowdocs.load.policy_model import FirewallPolicy, NetworkSecurityGroup, RuleCollection
from flowdocs.load.regions import default_regions

AZURE_FIREWALL_SUBNET = "AzureFirewallSubnet"
# Tags that NSGs know besides the services' own (network-security-groups-overview, "Service
# tags"): they name address spaces, not services.
NETWORK_TAGS = ("VirtualNetwork", "Internet", "AzureLoadBalancer")


class _Named(Protocol):
    @property
    def name(self) -> str: ...


def check_policies(design: Design, catalog: Catalog, unknown: Callable[..., str]
                   ) -> Iterator[Diagnostic]:
    """Every problem of the design's NSGs and firewall policies, and of the references to
    them. `unknown` words a reference to a name that does not exist (validation.py's)."""
    nsgs = {n.name for n in design.network_security_groups}
    policies = {p.name: p for p in design.firewall_policies}
    yield from _unique(design.network_security_groups, ("network_security_groups",),
                       "network security group")
    yield from _unique(design.firewall_policies, ("firewall_policies",), "firewall policy")
    for v, vnet in enumerate(design.vnets):
        for s, subnet in enumerate(vnet.subnets):
            group = subnet.network_security_group
            at: DataPath = ("vnets", v, "subnets", s, "network_security_group")
            if group is not None and group not in nsgs:
                yield _error(unknown("network security group", group, nsgs), at)
            elif group is not None and subnet.name == AZURE_FIREWALL_SUBNET:
                yield _error(f"Azure does not allow an NSG on {AZURE_FIREWALL_SUBNET}: the "
                             "firewall's own policy filters its traffic", at)
    for f, firewall in enumerate(design.firewalls):
        if firewall.policy is None:
            continue
        at = ("firewalls", f, "policy")
        if firewall.type != "azure-firewall":
            yield _error("policy is only for type azure-firewall; an NVA's rules are not "
                         "evaluated (rules: unknown)", at, on_key=True)
        elif firewall.policy not in policies:
            yield _error(unknown("firewall policy", firewall.policy, policies), at)
    tags = (*catalog.service_tags, *NETWORK_TAGS)
    for n, nsg in enumerate(design.network_security_groups):
        yield from _nsg_problems(nsg, ("network_security_groups", n), tags)
    for p, policy in enumerate(design.firewall_policies):
        path: DataPath = ("firewall_policies", p)
        if policy.base_policy is not None:
            if policy.base_policy not in policies:
                yield _error(unknown("firewall policy", policy.base_policy, policies),
                             (*path, "base_policy"))
            elif _in_loop(policy, policies):
                yield _error(f"base_policy '{policy.base_policy}' leads back to "
                             f"'{policy.name}': a policy cannot inherit from itself",
                             (*path, "base_policy"))
        yield from _policy_problems(policy, path, tags)


def _error(message: str, path: DataPath, on_key: bool = False) -> Diagnostic:
    return Diagnostic("error", message, path, on_key=on_key)


def _unique(items: Sequence[_Named], path: DataPath, noun: str) -> Iterator[Diagnostic]:
    seen: set[str] = set()
    for index, item in enumerate(items):
        # Azure resource names are case-insensitive.
        if item.name.casefold() in seen:
            yield _error(f"duplicate {noun} name '{item.name}'", (*path, index, "name"))
        seen.add(item.name.casefold())


def _in_loop(policy: FirewallPolicy, policies: dict[str, FirewallPolicy]) -> bool:
    """Whether the chain of base policies leads back to `policy` itself; a policy whose chain
    only runs into a loop of others is not reported (each policy of the loop is)."""
    seen: set[str] = set()
    current = policy.base_policy
    while current is not None and current in policies and current not in seen:
        if current == policy.name:
            return True
        seen.add(current)
        current = policies[current].base_policy
    return False


def _nsg_problems(nsg: NetworkSecurityGroup, path: DataPath, tags: tuple[str, ...]
                  ) -> Iterator[Diagnostic]:
    yield from _unique(nsg.rules, (*path, "rules"), f"rule in '{nsg.name}': a")
    priorities: dict[tuple[str, int], str] = {}
    for r, rule in enumerate(nsg.rules):
        rule_path = (*path, "rules", r)
        key = (rule.direction, rule.priority)
        if key in priorities:
            # Azure rejects a second rule with the same priority and direction.
            yield _error(f"priority {rule.priority} is already taken by {rule.direction.lower()}"
                         f" rule '{priorities[key]}'", (*rule_path, "priority"))
        priorities.setdefault(key, rule.name)
        yield from _value_problems(rule, rule_path, tags, ("source_address_prefixes",
                                   "destination_address_prefixes"), "destination_port_ranges")


def _policy_problems(policy: FirewallPolicy, path: DataPath, tags: tuple[str, ...]
                     ) -> Iterator[Diagnostic]:
    groups = policy.rule_collection_groups
    yield from _unique(groups, (*path, "rule_collection_groups"), "rule collection group")
    yield from _unique_priorities(groups, (*path, "rule_collection_groups"),
                                  "rule collection group")
    for g, group in enumerate(groups):
        group_path = (*path, "rule_collection_groups", g, "rule_collections")
        yield from _unique(group.rule_collections, group_path, "rule collection")
        yield from _unique_priorities(group.rule_collections, group_path, "rule collection")
        for c, collection in enumerate(group.rule_collections):
            yield from _collection_problems(collection, (*group_path, c), tags)


class _Prioritised(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def priority(self) -> int: ...


def _unique_priorities(items: Sequence[_Prioritised], path: DataPath, noun: str
                       ) -> Iterator[Diagnostic]:
    taken: dict[int, str] = {}
    for index, item in enumerate(items):
        if item.priority in taken:
            yield _error(f"priority {item.priority} is already taken by {noun} "
                         f"'{taken[item.priority]}'", (*path, index, "priority"))
        taken.setdefault(item.priority, item.name)


_NETWORK_FIELDS = ("ip_protocols", "destination_addresses", "destination_ports")
_APPLICATION_FIELDS = ("protocols", "target_fqdns", "fqdn_tags")


def _collection_problems(collection: RuleCollection, path: DataPath, tags: tuple[str, ...]
                         ) -> Iterator[Diagnostic]:
    yield from _unique(collection.rules, (*path, "rules"), f"rule in '{collection.name}': a")
    own, other = ((_NETWORK_FIELDS, _APPLICATION_FIELDS) if collection.kind == "network"
                  else (_APPLICATION_FIELDS, _NETWORK_FIELDS))
    for r, rule in enumerate(collection.rules):
        rule_path = (*path, "rules", r)
        for field in other:
            if getattr(rule, field):
                yield _error(f"{field} belongs to {_other_kind(collection.kind)} rules; this "
                             f"collection's kind is {collection.kind}", (*rule_path, field),
                             on_key=True)
        if collection.kind == "network":
            for field in own:
                if not getattr(rule, field):
                    yield _error(f"a network rule needs {field}", rule_path)
        elif not rule.protocols:
            yield _error("an application rule needs protocols, such as "
                         "[{protocol_type: Https, port: 443}]", rule_path)
        elif not rule.target_fqdns and not rule.fqdn_tags:
            yield _error("an application rule needs target_fqdns or fqdn_tags", rule_path)
        yield from _value_problems(rule, rule_path, tags,
                                   ("source_addresses", "destination_addresses"),
                                   "destination_ports")


def _value_problems(rule: object, path: DataPath, tags: tuple[str, ...],
                    address_fields: tuple[str, str], ports_field: str) -> Iterator[Diagnostic]:
    """The addresses and ports of an NSG or firewall rule, each checked where it is."""
    for field in address_fields:
        for k, address in enumerate(getattr(rule, field)):
            problem = address_problem(address, tags)
            if problem:
                yield _error(problem, (*path, field, k))
    for k, ports in enumerate(getattr(rule, ports_field)):
        problem = port_problem(ports)
        if problem:
            yield _error(problem, (*path, ports_field, k))


def _other_kind(kind: str) -> str:
    return "application" if kind == "network" else "network"


def address_problem(address: str, tags: tuple[str, ...]) -> str | None:
    """None for `*`, an IPv4 or IPv6 address or CIDR, or a known service tag (`Storage`,
    `Storage.WestEurope`); else what is wrong."""
    if address == "*":
        return None
    if address[0].isdigit() or ":" in address:
        try:
            ipaddress.ip_network(address, strict=False)
        except ValueError:
            return f"expected a CIDR, an IP address, '*' or a service tag, found '{address}'"
        return None
    base, _, region = address.partition(".")
    if base not in tags:
        close = closest(base, sorted(tags))
        hint = f"did you mean '{close}'?" if close else f"flowdocs knows: {', '.join(sorted(tags))}"
        return f"unknown service tag '{address}'; {hint}"
    if region and region.lower() not in _region_tags():
        close = closest(region.lower(), sorted(_region_tags()))
        hint = f"; did you mean '{base}.{_region_tags()[close]}'?" if close else ""
        return f"unknown region '{region}' in service tag '{address}'{hint}"
    return None


@functools.cache
def _region_tags() -> dict[str, str]:
    """`westeurope` -> `WestEurope`: each known region as a regional service tag spells it."""
    table = default_regions()
    return {name: table.display_name(name).replace(" ", "") for name in table.regions}


def port_problem(ports: str) -> str | None:
    if ports == "*":
        return None
    low, _, high = ports.partition("-")
    first, last = int(low), int(high or low)
    if not 0 <= first <= last <= 65535:
        return f"expected ports from 0 to 65535, low to high, found '{ports}'"
    return None
