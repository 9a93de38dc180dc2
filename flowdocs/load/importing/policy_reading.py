"""Network security groups and Azure Firewall policies in Azure's JSON shapes (az CLI, ARM
REST, Azure Resource Graph) to the inventory; `azure.py` hands their resources here.

Field paths: learn.microsoft.com/rest/api/virtualnetwork/network-security-groups,
.../firewall-policies and .../firewall-policy-rule-collection-groups. An NSG holds its own
rules in `securityRules` (or they come as `networkSecurityGroups/securityRules` resources);
Azure's default rules, `defaultSecurityRules`, are implicit in the format and not read. A
firewall policy lists its rule collection groups by id only (ARM's GET, Resource Graph), so
the groups come from their own resources (`az network firewall policy rule-collection-group
list`), or from the policy when an export embeds them whole. Rule collections and their rules
are plain objects, without `properties`, in every shape.

Values are read as written; what the format cannot hold (DNAT, IP groups, application
security groups) is recorded on the rule and left out by `nsg_building.py` and
`firewall_policy_building.py`, which say why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from flowdocs.load.diagnostics import DataPath
from flowdocs.load.importing import ids
from flowdocs.load.importing.inventory import (
    FirewallPolicyRecord,
    Inventory,
    NsgRecord,
    PolicyRuleRecord,
    RuleCollectionGroupRecord,
    RuleCollectionRecord,
    SecurityRuleRecord,
    Skipped,
)
from flowdocs.load.importing.items import Item
from flowdocs.load.importing.values import get, number, objects, props, ref, text, texts

# An NSG rule's fields whose lists the format cannot hold, and what messages call them.
_NSG_UNSUPPORTED = (("sourceApplicationSecurityGroups", "source application security groups"),
                    ("destinationApplicationSecurityGroups",
                     "destination application security groups"))
NIC_NSG = ("it is on network interfaces too, which the design format does not hold (it holds "
           "subnets' NSGs): flows are not checked against it there")
# A firewall policy rule's fields the format cannot hold.
_RULE_UNSUPPORTED = (("sourceIpGroups", "source IP groups"),
                     ("destinationIpGroups", "destination IP groups"),
                     ("destinationFqdns", "destination FQDNs"),
                     ("webCategories", "web categories"),
                     ("targetUrls", "target URLs"))
# An application rule's destination addresses (Premium): the format's application rules match
# by FQDN only.
APPLICATION_DESTINATIONS = "destination addresses in an application rule"
_RULE_TYPES = {"networkrule": "network", "applicationrule": "application", "natrule": "nat"}
_COLLECTION_TYPES = {"firewallpolicyfilterrulecollection": "filter",
                     "firewallpolicynatrulecollection": "nat"}


class AzureReading(Protocol):
    """What this module uses of `azure.AzureReader`, which hands it NSGs and policies."""

    inventory: Inventory

    def child(self, parent: Item, collection: str, index: int, raw: dict[str, Any],
              child_type: str) -> Item | None: ...

    def error(self, path: DataPath, message: str) -> None: ...


class PolicyReader:
    """Reads NSGs and firewall policies for an `AzureReader`, into its inventory, reporting
    through it."""

    def __init__(self, reader: AzureReading) -> None:
        self.reader = reader
        self.inventory = reader.inventory

    def nsg(self, item: Item) -> None:
        p = item.props
        subnets = [ids.key_of(i) for _, s in objects(p, "subnets") if (i := text(s, "id"))]
        self.inventory.nsgs.add(item.key, NsgRecord(item.key, item.name, tuple(subnets),
                                                    item.origin))
        if objects(p, "networkInterfaces"):
            self.inventory.notes.append(Skipped(item.origin.label, NIC_NSG))
        for index, raw in objects(p, "securityRules"):
            child = self.reader.child(item, "securityRules", index, raw, "securityrules")
            if child is not None:
                self.security_rule(child, item.key)

    def security_rule(self, item: Item, nsg: str | None = None) -> None:
        p = item.props
        priority = number(p, "priority")
        direction, access = text(p, "direction"), text(p, "access")
        if priority is None or direction is None or access is None:
            missing = "priority" if priority is None else \
                "direction" if direction is None else "access"
            self.reader.error(item.path, f"security rule '{item.name}' has no "
                                         f"{item.field(missing)}")
            return
        unsupported = tuple(what for field, what in _NSG_UNSUPPORTED if objects(p, field))
        self.inventory.security_rules.add(item.key, SecurityRuleRecord(
            item.key, nsg or ids.parent_key(item.key), item.name, priority, direction, access,
            text(p, "protocol"),
            merged(p, "sourceAddressPrefix", "sourceAddressPrefixes"),
            merged(p, "destinationAddressPrefix", "destinationAddressPrefixes"),
            merged(p, "destinationPortRange", "destinationPortRanges"),
            merged(p, "sourcePortRange", "sourcePortRanges"),
            text(p, "description"), unsupported, item.origin))

    def firewall_policy(self, item: Item) -> None:
        p = item.props
        groups: list[str] = []
        for index, raw in objects(p, "ruleCollectionGroups"):
            inner = props(raw)
            if get(inner, "ruleCollections") is not None or get(inner, "priority") is not None:
                child = self.reader.child(item, "ruleCollectionGroups", index, raw,
                                          "rulecollectiongroups")
                if child is not None:
                    self.rule_collection_group(child, item.key)
                    groups.append(child.key)
            elif (group := text(raw, "id")) is not None:
                groups.append(ids.key_of(group))
        base = ref(p, "basePolicy")
        firewalls = [ids.key_of(i) for _, f in objects(p, "firewalls") if (i := text(f, "id"))]
        self.inventory.firewall_policies.add(item.key, FirewallPolicyRecord(
            item.key, item.name, ids.key_of(base) if base else None, tuple(groups),
            tuple(firewalls), item.origin))

    def rule_collection_group(self, item: Item, policy: str | None = None) -> None:
        p = item.props
        priority = number(p, "priority")
        if priority is None:
            self.reader.error(item.path, f"rule collection group '{item.name}' has no "
                                         f"{item.field('priority')}")
            return
        collections = [c for index, raw in objects(p, "ruleCollections")
                       if (c := self._collection(item, index, raw)) is not None]
        self.inventory.rule_collection_groups.add(item.key, RuleCollectionGroupRecord(
            item.key, policy or ids.parent_key(item.key), item.name, priority,
            tuple(collections), item.origin))

    def _collection(self, group: Item, index: int, raw: dict[str, Any]
                    ) -> RuleCollectionRecord | None:
        path = (*group.props_path, "ruleCollections", index)
        name, priority = text(raw, "name"), number(raw, "priority")
        if name is None or priority is None:
            field = f"{group.field('ruleCollections')}[].{'name' if name is None else 'priority'}"
            self.reader.error(path, f"rule collection {index + 1} of '{group.name}' has no "
                                    f"{field}")
            return None
        label = f"{group.origin.label}, rule collection {name}"
        rules = [r for i, rule in objects(raw, "rules")
                 if (r := self._rule(rule, label, (*path, "rules", i))) is not None]
        written = text(raw, "ruleCollectionType") or "unknown"
        return RuleCollectionRecord(
            name, priority, _COLLECTION_TYPES.get(written.lower(), written),
            collection_kind(r.type for r in rules), text(get(raw, "action"), "type"),
            tuple(rules), label)

    def _rule(self, raw: dict[str, Any], collection: str, path: DataPath
              ) -> PolicyRuleRecord | None:
        name = text(raw, "name")
        if name is None:
            self.reader.error(path, f"a rule of {collection.rsplit(', ', 1)[-1]} has no name")
            return None
        written = text(raw, "ruleType") or "unknown"
        kind = _RULE_TYPES.get(written.lower(), written)
        unsupported = [what for field, what in _RULE_UNSUPPORTED if texts(raw, field)]
        if kind == "application" and texts(raw, "destinationAddresses"):
            unsupported.append(APPLICATION_DESTINATIONS)
        protocols = tuple((text(p, "protocolType") or "", number(p, "port"))
                          for _, p in objects(raw, "protocols"))
        return PolicyRuleRecord(
            name, kind, tuple(texts(raw, "sourceAddresses")), tuple(texts(raw, "ipProtocols")),
            tuple(texts(raw, "destinationAddresses")), tuple(texts(raw, "destinationPorts")),
            protocols, tuple(texts(raw, "targetFqdns")), tuple(texts(raw, "fqdnTags")),
            text(raw, "description"), tuple(unsupported), f"{collection}, rule {name}")


def merged(obj: Any, singular: str, plural: str) -> tuple[str, ...]:
    """A field Azure writes in two forms, one value (`sourceAddressPrefix`) or a list
    (`sourceAddressPrefixes`), as one list without repeats: an export sets one and leaves the
    other empty, and a hand-made one may set both."""
    return tuple(dict.fromkeys([*texts(obj, singular), *texts(obj, plural)]))


def collection_kind(rule_types: Iterable[str]) -> str | None:
    """A rule collection's kind from its rules' types: `network` or `application` when all
    agree, `mixed` when they do not, None when it has no rules."""
    kinds = set(rule_types)
    if not kinds:
        return None
    return kinds.pop() if len(kinds) == 1 else "mixed"


HANDLERS: dict[str, Callable[[PolicyReader, Item], None]] = {
    ids.NSG: PolicyReader.nsg,
    ids.SECURITY_RULE: PolicyReader.security_rule,
    ids.FIREWALL_POLICY: PolicyReader.firewall_policy,
    ids.RULE_COLLECTION_GROUP: PolicyReader.rule_collection_group,
}
