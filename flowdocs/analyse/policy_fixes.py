"""The exact rule that lets a denied flow through, written in the design format so that it
can be pasted into the design (and mirrored in Azure).

The rule itself is `firewall_rules.py`'s, the one place that derives what a flow needs: this
module only finds the needed rule for a denying check and writes it out. A firewall rule goes
into an Allow collection of the firewall's policy; an NSG rule gets the free priority just
before the rule that denies, so that it decides first.
"""

from __future__ import annotations

from dataclasses import dataclass

from flowdocs.analyse.firewall_rules import FirewallRule, NsgRule
from flowdocs.load.policy_model import NetworkSecurityGroup
from flowdocs.resolve.policy_checks import PolicyCheck

# NSG priorities a design may use (network-security-groups-overview).
_LOWEST_NSG_PRIORITY = 4096
_HIGHEST_NSG_PRIORITY = 100


@dataclass(frozen=True)
class PolicyFix:
    """Where to add a rule, and the rule, as one line of YAML in the design format."""

    where: str
    rule: str

    def __str__(self) -> str:
        return f"{self.where}: {self.rule}"


def firewall_fix(check: PolicyCheck, needed: FirewallRule) -> PolicyFix:
    """The rule of a firewall policy that allows `needed`. A Deny rule that decides before
    any Allow rule must also be moved or narrowed: the fix says so."""
    collection = f"an Allow {needed.kind} rule collection of {check.policy}"
    if check.rule is not None:
        collection += (f", evaluated before {check.rule} (a lower group or collection "
                       f"priority, or the base policy)")
    return PolicyFix(f"add to {collection}", firewall_rule_yaml(needed))


def firewall_rule_yaml(rule: FirewallRule) -> str:
    """`{name: ..., ...}`: the needed rule as the format writes a firewall policy rule."""
    sources = _list(rule.sources)
    if rule.kind == "application":
        protocol = f"[{{protocol_type: {rule.protocol}, port: {rule.port}}}]"
        return (f"{{name: {_name(rule.name)}, source_addresses: {sources}, protocols: "
                f"{protocol}, fqdn_tags: {_list(rule.fqdn_tags)}}}")
    destinations = _list((*rule.service_tags, *rule.addresses))
    return (f"{{name: {_name(rule.name)}, ip_protocols: [{rule.protocol}], "
            f"source_addresses: {sources}, "
            f"destination_addresses: {destinations}, destination_ports: ['{rule.port}']}}")


def nsg_fix(check: PolicyCheck, nsg: NetworkSecurityGroup, needed: NsgRule, source: str,
            direction: str, taken: set[int] | None = None) -> PolicyFix:
    """The NSG rule that allows `needed`, at the free priority closest before the rule that
    denies (Azure's default rules come after every priority a design may use). `taken`
    holds the priorities of the fixes already written for this NSG, and gains this one's."""
    denying = next((r.priority for r in nsg.rules if f"{nsg.name}/{r.name}" == check.rule),
                   _LOWEST_NSG_PRIORITY + 1)
    taken = taken if taken is not None else set()
    taken |= {r.priority for r in nsg.rules if r.direction == direction}
    priority = next((p for p in range(min(denying, _LOWEST_NSG_PRIORITY + 1) - 1,
                                      _HIGHEST_NSG_PRIORITY - 1, -1) if p not in taken), None)
    where = f"add to {nsg.name}'s rules"
    if priority is None:
        where += f" (no priority before {check.rule} is free: renumber its rules first)"
        priority = _HIGHEST_NSG_PRIORITY
    taken.add(priority)
    rule = (f"{{name: {_name('allow-' + needed.service.lower())}, priority: {priority}, "
            f"direction: {direction}, access: Allow, protocol: {needed.protocol.capitalize()}, "
            f"source_address_prefixes: "
            f"[{source}], destination_address_prefixes: [{needed.destination}], "
            f"destination_port_ranges: ['{needed.port}']}}")
    return PolicyFix(where, rule)


def _list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(values) + "]"


def _name(text: str) -> str:
    """A rule name the format accepts: letters, digits, '.', '_' and '-'."""
    return "".join(c if c.isalnum() or c in "._-" else "-" for c in text)
