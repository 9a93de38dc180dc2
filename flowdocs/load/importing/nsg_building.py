"""The inventory's network security groups to the design's: names, their subnets, and
their rules in the format's terms, each left out with a reason when the format cannot hold
it (`rule_checks.py`). Azure's default rules are implicit in the format."""

from __future__ import annotations

from typing import Any

from flowdocs.load.catalog import Catalog
from flowdocs.load.importing.imported import Entry
from flowdocs.load.importing.inventory import Inventory, SecurityRuleRecord, Skipped, SubnetRecord
from flowdocs.load.importing.naming import Namer
from flowdocs.load.importing.rule_checks import ACTIONS, RuleChecks, line, range_in, uses
from flowdocs.load.policy_model import SecurityRule
from flowdocs.load.policy_validation import AZURE_FIREWALL_SUBNET

NSG_PROTOCOLS = {p.lower(): p for p in ("Tcp", "Udp", "Icmp", "Esp", "Ah", "*")}
DIRECTIONS = {d.lower(): d for d in ("Inbound", "Outbound")}
_ADDRESS_FIELDS = ("source_address_prefixes", "destination_address_prefixes")


class NsgBuilder(RuleChecks):
    def __init__(self, inventory: Inventory, catalog: Catalog, skipped: list[Skipped],
                 notes: list[Skipped]) -> None:
        super().__init__(catalog, skipped, notes)
        self.inv = inventory
        self.names = Namer("network security group", notes).names(
            (n.key, n.name, n.origin.label) for n in inventory.nsgs)
        # Associations, as the NSG reports them and as Terraform's resources give them; a
        # subnet's own reference wins over both.
        self.nsg_of_subnet = {s: n.key for n in inventory.nsgs for s in n.subnets}
        self.nsg_of_subnet.update({a.subnet: a.nsg for a in inventory.nsg_associations})
        self.rules_of: dict[str, list[SecurityRuleRecord]] = {}
        for rule in inventory.security_rules:
            self.rules_of.setdefault(rule.nsg, []).append(rule)

    def subnet_nsg(self, subnet: SubnetRecord) -> str | None:
        """The design name of the subnet's NSG; None, noted, when it is not in the sources."""
        key = subnet.network_security_group or self.nsg_of_subnet.get(subnet.key)
        if key is None:
            return None
        name = self.names.get(key)
        if name is None:
            self.note(subnet.origin.label, f"network security group {key} is not in the "
                                           "sources: the subnet is imported without it")
        elif subnet.name == AZURE_FIREWALL_SUBNET:
            self.note(subnet.origin.label, f"Azure does not allow an NSG on "
                                           f"{AZURE_FIREWALL_SUBNET}: {name} left out")
            return None
        return name

    def entries(self) -> list[Entry]:
        for key, records in self.rules_of.items():
            if key not in self.names:
                for record in records:
                    self.skip(record.origin.label, f"its network security group ({key}) is "
                                                   "not in the sources")
        entries = []
        for nsg in self.inv.nsgs:
            data: dict[str, Any] = {"name": self.names[nsg.key]}
            rules = self._rules(self.rules_of.get(nsg.key, []))
            if rules:
                data["rules"] = rules
            entries.append(Entry(data, (nsg.origin.label,)))
        return sorted(entries, key=lambda e: str(e.data["name"]))

    def _rules(self, records: list[SecurityRuleRecord]) -> list[dict[str, Any]]:
        """The NSG's rules, inbound then outbound, by priority (Azure's order of evaluation);
        Azure's default rules are implicit in the format."""
        namer = Namer("security rule", self.notes)
        taken: dict[tuple[str, int], str] = {}
        rules = []
        for record in sorted(records, key=lambda r: (r.direction.lower(), r.priority,
                                                     r.name.lower(), r.key)):
            data = self._rule(record, namer)
            if data is None:
                continue
            slot = (data["direction"], data["priority"])
            if slot in taken:
                self.skip(record.origin.label, f"{data['direction'].lower()} priority "
                                               f"{data['priority']} is also that of rule "
                                               f"'{taken[slot]}'")
                continue
            taken[slot] = data["name"]
            rules.append(data)
        return rules

    def _rule(self, rule: SecurityRuleRecord, namer: Namer) -> dict[str, Any] | None:
        label = rule.origin.label
        problem = uses(rule.unsupported) or range_in((*rule.sources, *rule.destinations))
        if problem:
            self.skip(label, problem)
            return None
        direction = DIRECTIONS.get(rule.direction.lower())
        access = ACTIONS.get(rule.access.lower())
        protocol = NSG_PROTOCOLS.get((rule.protocol or "*").lower())
        if direction is None or access is None or protocol is None:
            field, value = ("direction", rule.direction) if direction is None else \
                ("access", rule.access) if access is None else ("protocol", rule.protocol)
            self.skip(label, f"{field} {value} is not one the design format knows")
            return None
        data: dict[str, Any] = {
            "name": namer.name(rule.name, label), "priority": rule.priority,
            "direction": direction, "access": access, "protocol": protocol,
            "source_address_prefixes": self.addresses(rule.sources or ("*",)),
            "destination_address_prefixes": self.addresses(rule.destinations or ("*",)),
            "destination_port_ranges": list(rule.ports or ("*",))}
        description = line(rule.description)
        if description:
            data["description"] = description
        if not self.accepted(SecurityRule, data, label, _ADDRESS_FIELDS,
                             "destination_port_ranges"):
            return None
        source_ports = [p for p in rule.source_ports if p != "*"]
        if source_ports:
            self.note(label, f"source ports {', '.join(source_ports)} are not part of the "
                             "design format: the rule is imported as if for any source port")
        return data
