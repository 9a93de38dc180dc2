"""Firewall rules (firewall_rules.py, rules_export.py): what each firewall must allow, as a
table, as JSON, and as an ARM rule collection group that passes a schema of its shape."""

from __future__ import annotations

import json

import jsonschema
from scenes import base, resolve_scene, route_table, udr, via_firewall
from tests_support import DESIGNS, run_cli

from flowdocs.analyse.firewall_rules import firewall_rules, nsg_rules
from flowdocs.analyse.policy_coverage import review_rules
from flowdocs.write.rules_export import arm_template, policy_parameter, rules_document

# The ARM resource shape of an Azure Firewall policy rule collection group, as far as
# flowdocs writes it: learn.microsoft.com/azure/templates/microsoft.network/firewallpolicies/
# rulecollectiongroups . Strict (no other properties), so a misspelt property fails.
_STRINGS = {"type": "array", "items": {"type": "string", "minLength": 1}}
_NAME = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$"}
ARM_RULE_COLLECTION_GROUP = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://flowdocs.dev/test/arm-rule-collection-group.json",
    "type": "object",
    "additionalProperties": False,
    "required": ["type", "apiVersion", "name", "properties"],
    "properties": {
        "type": {"const": "Microsoft.Network/firewallPolicies/ruleCollectionGroups"},
        "apiVersion": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
        # A child resource's name is "<policy>/<group>", here an ARM expression.
        "name": {"type": "string", "pattern": r"^\[format\('\{0\}/\{1\}', parameters\('"},
        "properties": {
            "type": "object",
            "additionalProperties": False,
            "required": ["priority", "ruleCollections"],
            "properties": {
                "priority": {"type": "integer", "minimum": 100, "maximum": 65000},
                "ruleCollections": {"type": "array", "minItems": 1,
                                    "items": {"$ref": "#/$defs/collection"}},
            },
        },
    },
    "$defs": {
        "collection": {
            "type": "object",
            "additionalProperties": False,
            "required": ["ruleCollectionType", "name", "priority", "action", "rules"],
            "properties": {
                "ruleCollectionType": {"const": "FirewallPolicyFilterRuleCollection"},
                "name": _NAME,
                "priority": {"type": "integer", "minimum": 100, "maximum": 65000},
                "action": {"type": "object", "additionalProperties": False,
                           "required": ["type"],
                           "properties": {"type": {"enum": ["Allow", "Deny"]}}},
                "rules": {"type": "array", "minItems": 1, "items": {"oneOf": [
                    {"$ref": "#/$defs/applicationRule"}, {"$ref": "#/$defs/networkRule"}]}},
            },
        },
        "applicationRule": {
            "type": "object",
            "additionalProperties": False,
            "required": ["ruleType", "name", "sourceAddresses", "protocols", "terminateTLS"],
            "properties": {
                "ruleType": {"const": "ApplicationRule"},
                "name": _NAME,
                "description": {"type": "string", "maxLength": 140},
                "sourceAddresses": {**_STRINGS, "minItems": 1},
                "protocols": {"type": "array", "minItems": 1, "items": {
                    "type": "object", "additionalProperties": False,
                    "required": ["protocolType", "port"],
                    "properties": {"protocolType": {"enum": ["Http", "Https", "Mssql"]},
                                   "port": {"type": "integer", "minimum": 1,
                                            "maximum": 65535}}}},
                "fqdnTags": _STRINGS,
                "targetFqdns": _STRINGS,
                "terminateTLS": {"const": False},
            },
            # A rule allows something: an FQDN tag or target FQDNs.
            "anyOf": [{"properties": {"fqdnTags": {"minItems": 1}}, "required": ["fqdnTags"]},
                      {"properties": {"targetFqdns": {"minItems": 1}},
                       "required": ["targetFqdns"]}],
        },
        "networkRule": {
            "type": "object",
            "additionalProperties": False,
            "required": ["ruleType", "name", "ipProtocols", "sourceAddresses",
                         "destinationAddresses", "destinationPorts"],
            "properties": {
                "ruleType": {"const": "NetworkRule"},
                "name": _NAME,
                "description": {"type": "string", "maxLength": 140},
                "ipProtocols": {"type": "array", "minItems": 1,
                                "items": {"enum": ["TCP", "UDP", "ICMP", "Any"]}},
                "sourceAddresses": {**_STRINGS, "minItems": 1},
                "destinationAddresses": {**_STRINGS, "minItems": 1},
                "destinationPorts": {"type": "array", "minItems": 1,
                                     "items": {"type": "string", "pattern": r"^\d+(-\d+)?$"}},
            },
        },
    },
}
ARM_TEMPLATE = {
    "type": "object",
    "required": ["$schema", "contentVersion", "parameters", "resources"],
    "properties": {
        "$schema": {"const": "https://schema.management.azure.com/schemas/2019-04-01/"
                              "deploymentTemplate.json#"},
        "contentVersion": {"type": "string"},
        "parameters": {"type": "object", "additionalProperties": {
            "type": "object", "required": ["type"], "properties": {"type": {"const": "string"}}}},
        "resources": {"type": "array", "items": ARM_RULE_COLLECTION_GROUP},
    },
}


def test_design_b_arm_snippet_passes_the_schema_of_its_resource_shape():
    result = run_cli("rules", DESIGNS / "b-sql-hub-firewall.yaml", "--format", "arm")
    assert result.exit_code == 0, result.stderr
    template = json.loads(result.stdout)
    jsonschema.validate(template, ARM_TEMPLATE)
    (group,) = template["resources"]
    jsonschema.validate(group, ARM_RULE_COLLECTION_GROUP)
    assert template["parameters"] == {"afwHubPolicyName": {
        "type": "string", "metadata": {"description": "The firewall policy of afw-hub."}}}
    assert group["name"] == ("[format('{0}/{1}', parameters('afwHubPolicyName'), "
                             "'flowdocs-b-sql-hub-firewall')]")
    network, application = group["properties"]["ruleCollections"]
    assert [(r["name"], r["destinationAddresses"]) for r in network["rules"]] == [
        ("AzureActiveDirectory", ["AzureActiveDirectory"]), ("Storage", ["Storage"])]
    assert application["rules"] == [{
        "ruleType": "ApplicationRule",
        "name": "AzureBackup",
        "description": "flowdocs: sqlvm01/AzureBackup",
        "sourceAddresses": ["10.1.1.0/24"],
        "protocols": [{"protocolType": "Https", "port": 443}],
        "fqdnTags": ["AzureBackup"],
        "targetFqdns": [],
        "terminateTLS": False,
    }]


def test_the_schema_rejects_a_wrong_shape():
    group = arm_template("x", firewall_rules(_scene_through_firewall()))["resources"][0]
    group["properties"]["ruleCollections"][1]["rules"][0]["terminateTLS"] = True
    try:
        jsonschema.validate(group, ARM_RULE_COLLECTION_GROUP)
    except jsonschema.ValidationError:
        return
    raise AssertionError("a rule that terminates TLS passed the schema")


def _scene_through_firewall():
    design = base()
    via_firewall(design)
    design["workloads"].append({"name": "sql2", "type": "sql-server-in-vm",
                                "subnet": "vnet-hub/snet-endpoints",
                                "backup": {"vault": "rsv"}})
    route_table(design, "rt-hub", ["vnet-hub/snet-endpoints"],
                udr("to-fw", "0.0.0.0/0", "VirtualAppliance", "10.0.1.4"))
    return resolve_scene(design)


def test_one_rule_per_destination_with_every_source_subnet():
    (rules,) = firewall_rules(_scene_through_firewall())
    assert [(r.name, r.kind, r.sources, r.destination, f"{r.protocol}:{r.port}", r.flows)
            for r in rules.rules] == [
        ("AzureActiveDirectory", "network", ("10.0.2.0/24", "10.1.1.0/24"),
         "service tag AzureActiveDirectory", "TCP:443",
         ("sql/AzureActiveDirectory", "sql2/AzureActiveDirectory")),
        ("AzureBackup", "application", ("10.0.2.0/24", "10.1.1.0/24"), "FQDN tag AzureBackup",
         "Https:443", ("sql/AzureBackup", "sql2/AzureBackup")),
        ("Storage", "network", ("10.0.2.0/24", "10.1.1.0/24"), "service tag Storage", "TCP:443",
         ("sql/Storage", "sql2/Storage")),
    ]


def test_rules_table_of_design_b():
    """Every rule the flows need, and where the design's policy has it (b's is complete)."""
    result = run_cli("rules", DESIGNS / "b-sql-hub-firewall.yaml")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        "afw-hub (azure-firewall Standard)",
        "",
        "rule                  kind         sources      destination                       "
        "fqdns                                                                      port       "
        "flows                         in the design",
        "--------------------  -----------  -----------  --------------------------------  "
        "-------------------------------------------------------------------------  ---------  "
        "----------------------------  ----------------------------------------------------",
        "AzureActiveDirectory  network      10.1.1.0/24  service tag AzureActiveDirectory  "
        "login.microsoftonline.com *.login.microsoft.com                            TCP:443    "
        "sqlvm01/AzureActiveDirectory  present (fwp-hub/rcg-backup/net-backup/entra-id)",
        "AzureBackup           application  10.1.1.0/24  FQDN tag AzureBackup              "
        "*.backup.windowsazure.com                                                  Https:443  "
        "sqlvm01/AzureBackup           present (fwp-hub/rcg-backup/app-backup/azure-backup)",
        "Storage               network      10.1.1.0/24  service tag Storage               "
        "*.blob.core.windows.net *.queue.core.windows.net *.blob.storage.azure.net  TCP:443    "
        "sqlvm01/Storage               present (fwp-hub/rcg-backup/net-backup/storage)",
        "",
        "NSG outbound rules",
        "",
        "subnet                   service               destination                       "
        "port     flows                         in the design",
        "-----------------------  --------------------  --------------------------------  "
        "-------  ----------------------------  ------------------------------------",
        "vnet-spoke-sql/snet-sql  AzureActiveDirectory  service tag AzureActiveDirectory  "
        "TCP:443  sqlvm01/AzureActiveDirectory  present (nsg-sql/allow-entra-id)",
        "vnet-spoke-sql/snet-sql  AzureBackup           service tag AzureBackup           "
        "TCP:443  sqlvm01/AzureBackup           present (nsg-sql/allow-azure-backup)",
        "vnet-spoke-sql/snet-sql  Storage               service tag Storage               "
        "TCP:443  sqlvm01/Storage               present (nsg-sql/allow-storage)",
    ]


def test_rules_diff_what_exists_against_what_is_needed():
    """j lacks the Storage rule: it is the one MISSING, `--missing` keeps it alone, and the
    JSON says which existing rule covers each of the others."""
    design = DESIGNS / "j-sql-missing-storage-rule.yaml"
    document = json.loads(run_cli("rules", design, "--format", "json").stdout)
    (firewall,) = document["firewalls"]
    assert [(r["name"], r["status"], r["existing"]) for r in firewall["rules"]] == [
        ("AzureActiveDirectory", "present", ["fwp-hub/rcg-backup/net-backup/entra-id"]),
        ("AzureBackup", "present", ["fwp-hub/rcg-backup/app-backup/azure-backup"]),
        ("Storage", "missing", [])]
    assert {r["status"] for r in document["nsg_rules"]} == {"present"}
    # deny-internet is a Deny rule: denying what no flow sends is its job, not unused.
    assert document["unused_rules"] == []
    missing = run_cli("rules", design, "--missing")
    assert missing.exit_code == 0
    lines = missing.stdout.splitlines()
    assert [line.split()[0] for line in lines[4:]] == ["Storage"]
    assert lines[4].endswith("MISSING")
    assert "NSG outbound rules" not in missing.stdout
    arm = json.loads(run_cli("rules", design, "--missing", "--format", "arm").stdout)
    (group,) = arm["resources"]
    assert [rule["name"] for c in group["properties"]["ruleCollections"]
            for rule in c["rules"]] == ["Storage"]


def test_an_allow_rule_no_flow_uses_is_listed_for_review(tmp_path):
    text = (DESIGNS / "b-sql-hub-firewall.yaml").read_text()
    text = text.replace("""      - name: deny-internet""", """      - name: allow-sql-replication
        priority: 200
        direction: Outbound
        access: Allow
        protocol: Tcp
        destination_address_prefixes: [Sql]
        destination_port_ranges: ["1433"]
      - name: deny-internet""")
    path = tmp_path / "b.yaml"
    path.write_text(text)
    document = json.loads(run_cli("rules", path, "--format", "json").stdout)
    assert document["unused_rules"] == [
        {"policy": "nsg-sql", "rule": "nsg-sql/allow-sql-replication", "access": "Allow"}]
    assert "Rules no flow of this design uses" in run_cli("rules", path).stdout


def test_nva_rules_in_json_reach_the_private_endpoint_ip():
    result = run_cli("rules", DESIGNS / "f-third-party-agent-private-storage.yaml",
                     "--format", "json")
    document = json.loads(result.stdout)
    assert document["design"] == "f-third-party-agent-private-storage"
    (nva,) = document["firewalls"]
    assert (nva["name"], nva["type"], nva["sku"]) == ("nva-palo", "nva", None)
    assert nva["rules"][1] == {
        "name": "pe-stbackupfiles-blob", "kind": "network", "service": "Storage",
        "sources": ["10.3.1.0/24"], "fqdn_tags": [], "service_tags": [],
        "fqdns": ["*.blob.core.windows.net", "*.queue.core.windows.net",
                  "*.blob.storage.azure.net"],
        "addresses": ["10.0.2.10"], "protocol": "TCP", "port": 443, "terminate_tls": False,
        "flows": ["filesrv01/Storage"],
        # An NVA's rules are not evaluated: flowdocs cannot tell whether it has this one.
        "status": "unknown", "existing": []}


def test_no_arm_export_without_an_azure_firewall_carrying_flows():
    design = DESIGNS / "f-third-party-agent-private-storage.yaml"
    result = run_cli("rules", design, "--format", "arm")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.endswith(
        f"{design}: error: no Azure Firewall of f-third-party-agent-private-storage carries a "
        f"flow, so there is no rule collection group to export; NVA rules are in --format "
        f"table and json\n")


def test_dropped_flows_and_bypassing_flows_need_no_rule():
    design = base()
    via_firewall(design)
    design["vnets"][1]["subnets"][0]["service_endpoints"] = ["Microsoft.Storage"]
    (rules,) = firewall_rules(resolve_scene(design))
    assert [r.name for r in rules.rules] == ["AzureActiveDirectory", "AzureBackup"]
    design["route_tables"][0]["routes"][0]["next_hop_ip"] = "10.0.9.9"  # nobody's IP
    resolution = resolve_scene(design)
    (rules,) = firewall_rules(resolution)
    assert rules.rules == ()
    nsgs = nsg_rules(resolution)
    document = rules_document("scene", [rules], nsgs, review_rules(resolution, [rules], nsgs))
    assert document["firewalls"] == [
        {"name": "afw-hub", "type": "azure-firewall", "sku": "Standard", "rules": []}]
    # Only the Storage flow still arrives, by its service endpoint: the NSG still sees it.
    assert [r["service"] for r in document["nsg_rules"]] == ["Storage"]


def test_nsg_rules_see_the_original_destination_and_skip_platform_flows():
    result = run_cli("rules", DESIGNS / "d-sql-vault-private-endpoint.yaml", "--format", "json")
    assert [(r["service"], r["private_endpoint"], r["destination"], r["flows"])
            for r in json.loads(result.stdout)["nsg_rules"]] == [
        ("AzureActiveDirectory", None, "AzureActiveDirectory",
         ["sqlvm01/AzureActiveDirectory"]),
        ("AzureBackup", "pe-rsv-prod", "10.1.2.4/32", ["sqlvm01/AzureBackup"]),
        ("Storage", "pe-rsv-prod", "10.1.2.4/32", ["sqlvm01/Storage"]),
    ]
    a = run_cli("rules", DESIGNS / "a-vm-backup.yaml")
    assert a.stdout == "afw-hub (azure-firewall Standard): no flow crosses it, no rule needed\n"


def test_policy_parameter_names_are_identifiers():
    assert [policy_parameter(n) for n in ("afw-hub", "fw_west.2", "x")] == [
        "afwHubPolicyName", "fwWest2PolicyName", "xPolicyName"]
