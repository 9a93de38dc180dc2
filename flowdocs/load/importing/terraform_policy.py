"""Network security groups and Azure Firewall policies in `terraform show -json` to the
inventory; `terraform.py` hands their resources here.

azurerm's resources (registry.terraform.io/providers/hashicorp/azurerm/latest/docs):
`azurerm_network_security_group` with inline `security_rule` blocks, or its rules as
`azurerm_network_security_rule` resources (the provider warns against mixing the two; both
are read, and the same rule from both is one);
`azurerm_subnet_network_security_group_association`; `azurerm_firewall_policy`
(`base_policy_id`); `azurerm_firewall_policy_rule_collection_group` with
`network_rule_collection`, `application_rule_collection` and `nat_rule_collection` blocks.
Values are read as written, in the records `policy_reading.py` makes from Azure's shapes;
`nsg_building.py` and `firewall_policy_building.py` put them in the format's terms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from flowdocs.load.diagnostics import DataPath
from flowdocs.load.importing import ids
from flowdocs.load.importing.inventory import (
    FirewallPolicyRecord,
    Inventory,
    NsgAssociationRecord,
    NsgRecord,
    Origin,
    PolicyRuleRecord,
    RuleCollectionGroupRecord,
    RuleCollectionRecord,
    SecurityRuleRecord,
)
from flowdocs.load.importing.policy_reading import APPLICATION_DESTINATIONS, merged
from flowdocs.load.importing.terraform_resource import Resource
from flowdocs.load.importing.values import number, objects, text, texts

_NSG_UNSUPPORTED = (("source_application_security_group_ids",
                     "source application security groups"),
                    ("destination_application_security_group_ids",
                     "destination application security groups"))
_RULE_UNSUPPORTED = (("source_ip_groups", "source IP groups"),
                     ("destination_ip_groups", "destination IP groups"),
                     ("web_categories", "web categories"),
                     ("destination_urls", "target URLs"))
# The collection blocks of a rule collection group: (block, collection type, rule kind).
_COLLECTIONS = (("network_rule_collection", "filter", "network"),
                ("application_rule_collection", "filter", "application"),
                ("nat_rule_collection", "nat", "nat"))


class TerraformReading(Protocol):
    """What this module uses of `terraform.TerraformReader`, which hands it NSGs and
    policies: its references, followed through the plan's configuration, and its reports."""

    inventory: Inventory

    def link(self, resource: Resource, *path: str | int) -> str | None: ...

    def by_name(self, kind: str, resource: Resource, name_attribute: str,
                group_attribute: str = "resource_group_name") -> str | None: ...

    def missing(self, resource: Resource, attribute: str) -> None: ...

    def unfollowed(self, resource: Resource, attribute: str) -> None: ...

    def parent(self, resource: Resource, field: str, kind: str) -> str | None: ...

    def error(self, path: DataPath, message: str) -> None: ...


class TerraformPolicyReader:
    """Reads NSGs and firewall policies for a `TerraformReader`: its references, its
    reports."""

    def __init__(self, reader: TerraformReading) -> None:
        self.reader = reader
        self.inventory = reader.inventory

    def nsg(self, resource: Resource) -> None:
        name = text(resource.values, "name")
        if name is None:
            self.reader.missing(resource, "name")
            return
        self.inventory.nsgs.add(resource.key, NsgRecord(resource.key, name, (),
                                                        resource.origin))
        for index, block in objects(resource.values, "security_rule"):
            self._security_rule(resource, block, resource.key,
                                (*resource.path, "security_rule", index))

    def security_rule(self, resource: Resource) -> None:
        """`azurerm_network_security_rule`: one rule, its NSG named by name."""
        nsg = self.reader.parent(resource, "network_security_group_name", "nsg")
        if nsg is not None:
            self._security_rule(resource, resource.values, nsg, resource.path)

    def _security_rule(self, resource: Resource, block: dict[str, Any], nsg: str,
                       path: DataPath) -> None:
        name, priority = text(block, "name"), number(block, "priority")
        direction, access = text(block, "direction"), text(block, "access")
        if name is None or priority is None or direction is None or access is None:
            missing = "name" if name is None else "priority" if priority is None else \
                "direction" if direction is None else "access"
            self.reader.error((*path, missing), f"{resource.address}: security rule has no "
                                                f"{missing}")
            return
        key = ids.child_key(nsg, "securityrules", name)
        inline = path != resource.path
        label = f"{resource.address}, security rule {name}" if inline else \
            resource.origin.label
        unsupported = tuple(what for field, what in _NSG_UNSUPPORTED if texts(block, field))
        self.inventory.security_rules.add(key, SecurityRuleRecord(
            key, nsg, name, priority, direction, access, text(block, "protocol"),
            merged(block, "source_address_prefix", "source_address_prefixes"),
            merged(block, "destination_address_prefix", "destination_address_prefixes"),
            merged(block, "destination_port_range", "destination_port_ranges"),
            merged(block, "source_port_range", "source_port_ranges"),
            text(block, "description"), unsupported, Origin(resource.origin.file, path, label)))

    def nsg_association(self, resource: Resource) -> None:
        subnet = self.reader.link(resource, "subnet_id")
        nsg = self.reader.link(resource, "network_security_group_id")
        if subnet is None or nsg is None:
            self.reader.unfollowed(resource, "subnet_id" if subnet is None
                                   else "network_security_group_id")
            return
        self.inventory.nsg_associations.append(NsgAssociationRecord(subnet, nsg,
                                                                    resource.origin))

    def firewall_policy(self, resource: Resource) -> None:
        v = resource.values
        name = text(v, "name")
        if name is None:
            self.reader.missing(resource, "name")
            return
        # Known in a state only: the groups and firewalls Azure reports for the policy.
        groups = [ids.key_of(g) for g in texts(v, "rule_collection_groups") if ids.is_arm_id(g)]
        firewalls = [ids.key_of(f) for f in texts(v, "firewalls") if ids.is_arm_id(f)]
        self.inventory.firewall_policies.add(resource.key, FirewallPolicyRecord(
            resource.key, name, self.reader.link(resource, "base_policy_id"), tuple(groups),
            tuple(firewalls), resource.origin))

    def rule_collection_group(self, resource: Resource) -> None:
        v = resource.values
        name, priority = text(v, "name"), number(v, "priority")
        policy = self.reader.link(resource, "firewall_policy_id")
        if name is None or priority is None:
            self.reader.missing(resource, "name" if name is None else "priority")
            return
        if policy is None:
            self.reader.unfollowed(resource, "firewall_policy_id")
            return
        collections: list[RuleCollectionRecord] = []
        for block_name, collection_type, kind in _COLLECTIONS:
            for index, block in objects(v, block_name):
                collection = self._collection(resource, block, collection_type, kind,
                                              (*resource.path, block_name, index))
                if collection is not None:
                    collections.append(collection)
        self.inventory.rule_collection_groups.add(resource.key, RuleCollectionGroupRecord(
            resource.key, policy, name, priority, tuple(collections), resource.origin))

    def _collection(self, resource: Resource, block: dict[str, Any], collection_type: str,
                    kind: str, path: DataPath) -> RuleCollectionRecord | None:
        name, priority = text(block, "name"), number(block, "priority")
        if name is None or priority is None:
            missing = "name" if name is None else "priority"
            self.reader.error((*path, missing), f"{resource.address}: rule collection has no "
                                                f"{missing}")
            return None
        label = f"{resource.origin.label}, rule collection {name}"
        rules = [r for index, rule in objects(block, "rule")
                 if (r := self._rule(resource, rule, kind, label, (*path, "rule", index)))]
        return RuleCollectionRecord(name, priority, collection_type,
                                    kind if collection_type == "filter" and rules else None,
                                    text(block, "action"), tuple(rules), label)

    def _rule(self, resource: Resource, block: dict[str, Any], kind: str, collection: str,
              path: DataPath) -> PolicyRuleRecord | None:
        name = text(block, "name")
        if name is None:
            self.reader.error((*path, "name"), f"{resource.address}: rule has no name")
            return None
        unsupported = [what for field, what in _RULE_UNSUPPORTED if texts(block, field)]
        if kind == "application":
            if texts(block, "destination_addresses"):
                unsupported.append(APPLICATION_DESTINATIONS)
            # An application rule's `destination_fqdns` are ARM's `targetFqdns`; its
            # `protocols` are blocks, a network rule's are names (ARM's `ipProtocols`).
            return PolicyRuleRecord(
                name, kind, tuple(texts(block, "source_addresses")), (), (), (),
                tuple((text(p, "type") or "", number(p, "port"))
                      for _, p in objects(block, "protocols")),
                tuple(texts(block, "destination_fqdns")),
                tuple(texts(block, "destination_fqdn_tags")), text(block, "description"),
                tuple(unsupported), f"{collection}, rule {name}")
        if texts(block, "destination_fqdns"):
            unsupported.append("destination FQDNs")
        return PolicyRuleRecord(
            name, kind, tuple(texts(block, "source_addresses")),
            tuple(texts(block, "protocols")), tuple(texts(block, "destination_addresses")),
            tuple(texts(block, "destination_ports")), (), (), (), text(block, "description"),
            tuple(unsupported), f"{collection}, rule {name}")


HANDLERS: dict[str, Callable[[TerraformPolicyReader, Resource], None]] = {
    "azurerm_network_security_group": TerraformPolicyReader.nsg,
    "azurerm_network_security_rule": TerraformPolicyReader.security_rule,
    "azurerm_subnet_network_security_group_association": TerraformPolicyReader.nsg_association,
    "azurerm_firewall_policy": TerraformPolicyReader.firewall_policy,
    "azurerm_firewall_policy_rule_collection_group": TerraformPolicyReader.rule_collection_group,
}
