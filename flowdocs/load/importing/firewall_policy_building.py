"""The inventory's Azure Firewall policies to the design's: names, base policies, and their
rule collection groups, collections and rules in the format's terms, each left out with a
reason when the format cannot hold it (DNAT, IP groups, web categories, URLs; see
`rule_checks.py`). Groups and collections are written by priority, Azure's order of
evaluation; the rules of a collection in their own order."""

from __future__ import annotations

from typing import Any

from flowdocs.load.catalog import Catalog
from flowdocs.load.importing.imported import Entry
from flowdocs.load.importing.inventory import (
    FirewallPolicyRecord,
    FirewallRecord,
    Inventory,
    PolicyRuleRecord,
    RuleCollectionGroupRecord,
    RuleCollectionRecord,
    Skipped,
)
from flowdocs.load.importing.naming import Namer
from flowdocs.load.importing.rule_checks import ACTIONS, RuleChecks, line, range_in, uses
from flowdocs.load.policy_model import FirewallPolicyRule

# Network rules: ARM and azurerm write TCP, UDP, ICMP and Any.
IP_PROTOCOLS = {p.lower(): p for p in ("TCP", "UDP", "ICMP", "Any")}
APPLICATION_PROTOCOLS = {p.lower(): p for p in ("Http", "Https", "Mssql")}
POLICY_PRIORITIES = range(100, 65001)
_ADDRESS_FIELDS = ("source_addresses", "destination_addresses")


class FirewallPolicyBuilder(RuleChecks):
    def __init__(self, inventory: Inventory, catalog: Catalog, skipped: list[Skipped],
                 notes: list[Skipped]) -> None:
        super().__init__(catalog, skipped, notes)
        self.inv = inventory
        self.names = Namer("firewall policy", notes).names(
            (p.key, p.name, p.origin.label) for p in inventory.firewall_policies)
        self.policy_of_firewall = {f: p.key for p in inventory.firewall_policies
                                   for f in p.firewalls}
        self.groups_of: dict[str, list[RuleCollectionGroupRecord]] = {}
        for group in inventory.rule_collection_groups:
            self.groups_of.setdefault(group.policy, []).append(group)

    def firewall_policy(self, firewall: FirewallRecord) -> str | None:
        """The design name of the firewall's policy: its own reference, else the policy's
        list of firewalls; None, noted, when it is not in the sources."""
        key = firewall.policy or self.policy_of_firewall.get(firewall.key)
        if key is None:
            return None
        name = self.names.get(key)
        if name is None:
            self.note(firewall.origin.label, f"firewall policy {key} is not in the sources: "
                                             "the firewall is imported without it, so its "
                                             "verdict on flows is unknown")
        return name

    def entries(self) -> list[Entry]:
        for policy, groups in self.groups_of.items():
            if policy not in self.names:
                for group in groups:
                    self.skip(group.origin.label, f"its firewall policy ({policy}) is not in "
                                                  "the sources")
        entries = [self._policy(policy) for policy in self.inv.firewall_policies]
        return sorted(entries, key=lambda e: str(e.data["name"]))

    def _policy(self, policy: FirewallPolicyRecord) -> Entry:
        data: dict[str, Any] = {"name": self.names[policy.key]}
        if policy.base_policy is not None:
            base = self.names.get(policy.base_policy)
            if base is None:
                self.note(policy.origin.label, f"base policy {policy.base_policy} is not in "
                                               "the sources: imported without it (its rules "
                                               "come before this policy's)")
            elif self._inherits_from_itself(policy):
                self.note(policy.origin.label, f"base policy {base} leads back to this policy, "
                                               "which Azure does not allow: left out")
            else:
                data["base_policy"] = base
        listed = [g for g in policy.groups if self.inv.rule_collection_groups.get(g) is None]
        if listed:
            self.note(policy.origin.label, f"rule collection groups {', '.join(listed)} are "
                                           "not in the sources (export them with `az network "
                                           "firewall policy rule-collection-group list`)")
        records = sorted(self.groups_of.get(policy.key, []),
                         key=lambda g: (g.priority, g.name.lower(), g.key))
        namer = Namer("rule collection group", self.notes)
        taken: dict[int, str] = {}
        groups = [g for record in records if (g := self._group(record, namer, taken))]
        if groups:
            data["rule_collection_groups"] = groups
        return Entry(data, (policy.origin.label, *(r.origin.label for r in records)))

    def _inherits_from_itself(self, policy: FirewallPolicyRecord) -> bool:
        seen: set[str] = set()
        current = policy.base_policy
        while current is not None and current not in seen:
            if current == policy.key:
                return True
            seen.add(current)
            record = self.inv.firewall_policies.get(current)
            current = record.base_policy if record is not None else None
        return False

    def _group(self, group: RuleCollectionGroupRecord, namer: Namer, taken: dict[int, str]
               ) -> dict[str, Any] | None:
        label = group.origin.label
        if not self._priority(group.priority, label, taken):
            return None
        name = namer.name(group.name, label)
        taken[group.priority] = name
        data: dict[str, Any] = {"name": name, "priority": group.priority}
        collection_namer = Namer("rule collection", self.notes)
        priorities: dict[int, str] = {}
        collections = [c for record in sorted(group.collections,
                                              key=lambda c: (c.priority, c.name.lower()))
                       if (c := self._collection(record, collection_namer, priorities))]
        if collections:
            data["rule_collections"] = collections
        return data

    def _collection(self, collection: RuleCollectionRecord, namer: Namer,
                    taken: dict[int, str]) -> dict[str, Any] | None:
        label = collection.label
        action = ACTIONS.get((collection.action or "").lower())
        kind = collection.kind
        if kind not in ("network", "application") or action is None \
                or collection.type != "filter":
            self.skip(label, _collection_problem(collection))
            return None
        if not self._priority(collection.priority, label, taken):
            return None
        name = namer.name(collection.name, label)
        taken[collection.priority] = name
        data: dict[str, Any] = {"name": name, "priority": collection.priority, "action": action,
                                "kind": kind}
        rule_namer = Namer("rule", self.notes)
        rules = [r for record in collection.rules
                 if (r := self._policy_rule(record, kind, rule_namer))]
        if rules:
            data["rules"] = rules
        return data

    def _policy_rule(self, rule: PolicyRuleRecord, kind: str, namer: Namer
                     ) -> dict[str, Any] | None:
        label = rule.label
        problem = uses(rule.unsupported) or range_in((*rule.sources, *rule.destinations))
        if not problem and not rule.sources:
            problem = "it has no source addresses"
        if problem:
            self.skip(label, problem)
            return None
        data: dict[str, Any] = {"name": namer.name(rule.name, label),
                                "source_addresses": self.addresses(rule.sources)}
        fields = self._network_fields if kind == "network" else self._application_fields
        found = fields(rule)
        if isinstance(found, str):
            self.skip(label, found)
            return None
        data.update(found)
        description = line(rule.description)
        if description:
            data["description"] = description
        return data if self.accepted(FirewallPolicyRule, data, label, _ADDRESS_FIELDS,
                                     "destination_ports") else None

    def _network_fields(self, rule: PolicyRuleRecord) -> dict[str, Any] | str:
        """A network rule's fields, or why it cannot be imported."""
        protocols = [IP_PROTOCOLS.get(p.lower()) for p in rule.ip_protocols]
        unknown = [p for p, known in zip(rule.ip_protocols, protocols, strict=True) if not known]
        if unknown:
            return f"IP protocol {unknown[0]} is not one the design format knows"
        missing = next((what for what, values in (("IP protocols", protocols),
                                                  ("destination addresses", rule.destinations),
                                                  ("destination ports", rule.ports))
                        if not values), None)
        if missing is not None:
            return f"it has no {missing}"
        return {"ip_protocols": list(dict.fromkeys(p for p in protocols if p)),
                "destination_addresses": self.addresses(rule.destinations),
                "destination_ports": list(rule.ports)}

    def _application_fields(self, rule: PolicyRuleRecord) -> dict[str, Any] | str:
        protocols = []
        for written, port in rule.protocols:
            protocol = APPLICATION_PROTOCOLS.get(written.lower())
            if protocol is None or port is None:
                return f"protocol {written or 'not given'}:{port or 'no port'} is not one the " \
                       "design format knows (Http, Https or Mssql, with a port)"
            if {"protocol_type": protocol, "port": port} not in protocols:
                protocols.append({"protocol_type": protocol, "port": port})
        if not protocols:
            return "it has no protocols"
        if not rule.target_fqdns and not rule.fqdn_tags:
            return "it has no target FQDNs or FQDN tags"
        data: dict[str, Any] = {"protocols": protocols}
        if rule.target_fqdns:
            data["target_fqdns"] = list(dict.fromkeys(rule.target_fqdns))
        if rule.fqdn_tags:
            data["fqdn_tags"] = list(dict.fromkeys(rule.fqdn_tags))
        return data

    def _priority(self, priority: int, label: str, taken: dict[int, str]) -> bool:
        if priority not in POLICY_PRIORITIES:
            self.skip(label, f"priority {priority} is outside the design format's 100 to 65000")
            return False
        if priority in taken:
            self.skip(label, f"priority {priority} is also that of '{taken[priority]}'")
            return False
        return True

def _collection_problem(collection: RuleCollectionRecord) -> str:
    """Why a rule collection cannot be imported."""
    if collection.type == "nat":
        return "DNAT rule collections are not part of the design format (they translate " \
               "inbound traffic to the firewall's public IP, they do not filter it)"
    if collection.type != "filter":
        return f"rule collection type {collection.type} is not one the design format knows"
    if collection.kind is None:
        return "it has no rules"
    if collection.kind not in ("network", "application"):
        return "its rules are of several types, or of one the design format does not know: " \
               "a rule collection holds network rules or application rules"
    return f"action {collection.action or 'not given'} is not Allow or Deny"
