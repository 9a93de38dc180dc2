"""Firewall and NSG rules in three shapes: a terminal table, JSON, and an ARM template with
one Azure Firewall policy rule collection group per Azure Firewall, ready to deploy or paste.
The rules themselves come from `firewall_rules.py`.

ARM shape: learn.microsoft.com/azure/templates/microsoft.network/firewallpolicies/
rulecollectiongroups . Backup rules never terminate TLS (azure-rules.md 6).
"""

from __future__ import annotations

import re
from typing import Any

from flowdocs.analyse.firewall_rules import FirewallRule, FirewallRuleSet, NsgRule
from flowdocs.analyse.policy_coverage import Coverage, RuleReview
from flowdocs.write.tables import format_table

ARM_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
ARM_API_VERSION = "2023-09-01"
RULE_COLLECTION_GROUP_TYPE = "Microsoft.Network/firewallPolicies/ruleCollectionGroups"
# Priorities leave room for the policy's own groups; a user moves them as their policy needs.
GROUP_PRIORITY = 500
COLLECTION_PRIORITY = {"network": 100, "application": 200}


def rules_table(design: str, sets: list[FirewallRuleSet], nsgs: list[NsgRule],
                review: RuleReview) -> str:
    """Each firewall's rules, then the NSG rules, as aligned tables under heading lines, each
    with whether the design's policy already has it; then the rules no flow uses."""
    blocks = []
    for rule_set in sets:
        kind = " ".join(p for p in (rule_set.type, rule_set.sku) if p)
        heading = f"{rule_set.firewall} ({kind})"
        if not rule_set.rules:
            blocks.append(f"{heading}: no flow crosses it, no rule needed\n")
            continue
        rows = [[r.name, r.kind, " ".join(r.sources), r.destination, " ".join(r.fqdns),
                 f"{r.protocol}:{r.port}", " ".join(r.flows),
                 coverage_text(review.of_firewall_rule(rule_set.firewall, r))]
                for r in rule_set.rules]
        headers = ["rule", "kind", "sources", "destination", "fqdns", "port", "flows",
                   "in the design"]
        if not review.evaluated:
            headers, rows = headers[:-1], [row[:-1] for row in rows]
        blocks.append(f"{heading}\n\n" + format_table(headers, rows))
    if not blocks:
        blocks.append(f"{design}: no firewall or NVA\n")
    if nsgs:
        rows = [[r.subnet, r.service, f"{r.destination} ({r.private_endpoint})"
                 if r.private_endpoint else f"service tag {r.destination}",
                 f"{r.protocol}:{r.port}", " ".join(r.flows),
                 coverage_text(review.of_nsg_rule(r))] for r in nsgs]
        headers = ["subnet", "service", "destination", "port", "flows", "in the design"]
        if not review.evaluated:
            headers, rows = headers[:-1], [row[:-1] for row in rows]
        blocks.append("NSG outbound rules\n\n" + format_table(headers, rows))
    if review.unused:
        rows = [[u.policy, u.rule, u.access] for u in review.unused]
        blocks.append("Rules no flow of this design uses (they may serve other traffic)\n\n"
                      + format_table(["policy", "rule", "access"], rows))
    return "\n".join(blocks)


def coverage_text(coverage: Coverage) -> str:
    """`present (fwp-hub/rcg/net/storage)`, `MISSING`, `unknown`, `no NSG`."""
    if coverage.state == "present":
        return f"present ({', '.join(coverage.existing)})" if coverage.existing else "present"
    return "MISSING" if coverage.state == "missing" else coverage.state


def rules_document(design: str, sets: list[FirewallRuleSet], nsgs: list[NsgRule],
                   review: RuleReview) -> dict[str, Any]:
    """The rules as JSON: every firewall, every rule, every field, and whether the design has
    it (`status`: present, missing, unknown, no NSG; `existing`: the rules that allow its
    flows); then the NSG rules; then the design's rules that no flow uses."""
    return {
        "flowdocs": 1,
        "design": design,
        "firewalls": [{"name": s.firewall, "type": s.type, "sku": s.sku,
                       "rules": [{**_rule_document(r),
                                  **_coverage_document(review.of_firewall_rule(s.firewall, r))}
                                 for r in s.rules]} for s in sets],
        "nsg_rules": [{"subnet": r.subnet, "service": r.service,
                       "private_endpoint": r.private_endpoint, "destination": r.destination,
                       "protocol": r.protocol, "port": r.port, "flows": list(r.flows),
                       **_coverage_document(review.of_nsg_rule(r))}
                      for r in nsgs],
        "unused_rules": [{"policy": u.policy, "rule": u.rule, "access": u.access}
                         for u in review.unused],
    }


def _coverage_document(coverage: Coverage) -> dict[str, Any]:
    return {"status": coverage.state, "existing": list(coverage.existing)}


def _rule_document(rule: FirewallRule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "kind": rule.kind,
        "service": rule.service,
        "sources": list(rule.sources),
        "fqdn_tags": list(rule.fqdn_tags),
        "service_tags": list(rule.service_tags),
        "fqdns": list(rule.fqdns),
        "addresses": list(rule.addresses),
        "protocol": rule.protocol,
        "port": rule.port,
        "terminate_tls": False,
        "flows": list(rule.flows),
    }


def arm_template(design: str, sets: list[FirewallRuleSet]) -> dict[str, Any]:
    """A deployable ARM template: for each Azure Firewall with rules, a parameter naming its
    firewall policy and one rule collection group. NVAs are left out: ARM cannot configure
    them (their rules are in the table and JSON forms)."""
    exported = [s for s in sets if s.type == "azure-firewall" and s.rules]
    return {
        "$schema": ARM_SCHEMA,
        "contentVersion": "1.0.0.0",
        "metadata": {"generator": "flowdocs", "design": design},
        "parameters": {
            policy_parameter(s.firewall): {
                "type": "string",
                "metadata": {"description": f"The firewall policy of {s.firewall}."},
            } for s in exported
        },
        "resources": [rule_collection_group(design, s) for s in exported],
    }


def policy_parameter(firewall: str) -> str:
    """`afw-hub` -> `afwHubPolicyName`: ARM parameter names are plain identifiers."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", firewall) if w]
    return words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:]) + "PolicyName"


def rule_collection_group(design: str, rule_set: FirewallRuleSet) -> dict[str, Any]:
    """One `Microsoft.Network/firewallPolicies/ruleCollectionGroups` resource."""
    group = f"flowdocs-{design}"[:80]
    collections = []
    for kind in ("network", "application"):
        rules = [r for r in rule_set.rules if r.kind == kind]
        if not rules:
            continue
        convert = _network_rule if kind == "network" else _application_rule
        collections.append({
            "ruleCollectionType": "FirewallPolicyFilterRuleCollection",
            "name": f"backup-{kind}",
            "priority": COLLECTION_PRIORITY[kind],
            "action": {"type": "Allow"},
            "rules": [convert(r) for r in rules],
        })
    return {
        "type": RULE_COLLECTION_GROUP_TYPE,
        "apiVersion": ARM_API_VERSION,
        "name": f"[format('{{0}}/{{1}}', parameters('{policy_parameter(rule_set.firewall)}'), "
                f"'{group}')]",
        "properties": {"priority": GROUP_PRIORITY, "ruleCollections": collections},
    }


def _description(rule: FirewallRule) -> str:
    return f"flowdocs: {', '.join(rule.flows)}"[:140]


def _application_rule(rule: FirewallRule) -> dict[str, Any]:
    return {
        "ruleType": "ApplicationRule",
        "name": rule.name,
        "description": _description(rule),
        "sourceAddresses": list(rule.sources),
        "protocols": [{"protocolType": rule.protocol, "port": rule.port}],
        "fqdnTags": list(rule.fqdn_tags),
        "targetFqdns": [] if rule.fqdn_tags else list(rule.fqdns),
        # Azure Backup's agents do not accept a re-signed certificate (azure-rules.md 6).
        "terminateTLS": False,
    }


def _network_rule(rule: FirewallRule) -> dict[str, Any]:
    return {
        "ruleType": "NetworkRule",
        "name": rule.name,
        "description": _description(rule),
        "ipProtocols": [rule.protocol],
        "sourceAddresses": list(rule.sources),
        # Service tags are written where addresses go: Azure Firewall expands them.
        "destinationAddresses": list(rule.service_tags or rule.addresses),
        "destinationPorts": [str(rule.port)],
    }
