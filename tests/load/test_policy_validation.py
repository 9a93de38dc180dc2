"""Cross-checks of a design's security policy (policy_validation.py): what Azure itself refuses
in NSGs and firewall policies is a located error that names both sides.

Each test pins the exact lines the user sees on standard error: `FILE:LINE:COL: error: MESSAGE`.
The design they edit is POLICY below (VALID of errors_support.py with an NSG on the SQL subnet
and a policy on the firewall); line numbers refer to it.
"""

from __future__ import annotations

from textwrap import dedent

from flowdocs.load.loader import load_design_bytes

from .errors_support import VALID, errors

# VALID, with nsg-sql on snet-sql (line 16) and fwp-hub on afw-hub (line 32); the NSG starts at
# line 42, the policy at line 52: its network collection at 58, its application one at 68.
POLICY = VALID.replace(
    "        route_table: rt-spoke\n",
    "        route_table: rt-spoke\n        network_security_group: nsg-sql\n",
).replace(
    "    private_ip: 10.0.1.4\n", "    private_ip: 10.0.1.4\n    policy: fwp-hub\n",
) + dedent("""\
    network_security_groups:
      - name: nsg-sql
        rules:
          - name: allow-storage
            priority: 100
            direction: Outbound
            access: Allow
            protocol: Tcp
            destination_address_prefixes: [Storage]
            destination_port_ranges: ["443"]
    firewall_policies:
      - name: fwp-hub
        rule_collection_groups:
          - name: rcg
            priority: 200
            rule_collections:
              - name: net
                priority: 100
                action: Allow
                kind: network
                rules:
                  - name: storage
                    ip_protocols: [TCP]
                    source_addresses: [10.1.1.0/24]
                    destination_addresses: [Storage.WestEurope]
                    destination_ports: ["443"]
              - name: app
                priority: 200
                action: Allow
                kind: application
                rules:
                  - name: backup
                    source_addresses: [10.1.1.0/24]
                    protocols: [{protocol_type: Https, port: 443}]
                    fqdn_tags: [AzureBackup]
    """)

KNOWN_TAGS = (
    "AppService, AzureActiveDirectory, AzureArcInfrastructure, AzureBackup, AzureCloud, "
    "AzureContainerRegistry, AzureCosmosDB, AzureDataLake, AzureKeyVault, AzureLoadBalancer, "
    "AzureMonitor, AzureResourceManager, AzureSiteRecovery, AzureTrafficManager, "
    "CognitiveServicesManagement, EventHub, GuestAndHybridManagement, Internet, "
    "MicrosoftContainerRegistry, ServiceBus, Sql, Storage, StorageSyncService, VirtualNetwork")
BAD_PORTS = "expected ports from 0 to 65535, low to high, found"


def policy_edited(*pairs: str) -> str:
    """POLICY with edits `old, new, old, new, ...`; each `old` must occur exactly once."""
    text = POLICY
    for old, new in zip(pairs[::2], pairs[1::2], strict=True):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def test_the_policy_design_is_valid() -> None:
    design = load_design_bytes(POLICY.encode(), "design.yaml").design
    assert design.vnets[1].subnets[0].network_security_group == "nsg-sql"
    assert design.firewalls[0].policy == "fwp-hub"
    kinds = [c.kind for c in design.firewall_policies[0].rule_collection_groups[0].rule_collections]
    assert kinds == ["network", "application"]


# References ------------------------------------------------------------------------------------


def test_unknown_nsg_on_a_subnet() -> None:
    assert errors(policy_edited("network_security_group: nsg-sql",
                                "network_security_group: nsg-sq")) == [
        "design.yaml:16:33: error: unknown network security group 'nsg-sq'; did you mean "
        "'nsg-sql'?",
    ]
    assert errors(policy_edited("network_security_group: nsg-sql",
                                "network_security_group: zzz")) == [
        "design.yaml:16:33: error: unknown network security group 'zzz'; expected one of: "
        "nsg-sql",
    ]


def test_unknown_firewall_policy() -> None:
    assert errors(policy_edited("policy: fwp-hub", "policy: fwp-hb")) == [
        "design.yaml:32:13: error: unknown firewall policy 'fwp-hb'; did you mean 'fwp-hub'?",
    ]


def test_unknown_base_policy() -> None:
    text = policy_edited("  - name: fwp-hub\n", "  - name: fwp-hub\n    base_policy: fwp-parent\n")
    assert errors(text) == [
        "design.yaml:54:18: error: unknown firewall policy 'fwp-parent'; expected one of: "
        "fwp-hub",
    ]


def test_base_policy_of_itself() -> None:
    text = policy_edited("  - name: fwp-hub\n", "  - name: fwp-hub\n    base_policy: fwp-hub\n")
    assert errors(text) == [
        "design.yaml:54:18: error: base_policy 'fwp-hub' leads back to 'fwp-hub': a policy "
        "cannot inherit from itself",
    ]


def test_base_policy_loop() -> None:
    text = policy_edited("  - name: fwp-hub\n",
                         "  - name: fwp-a\n"
                         "    base_policy: fwp-b\n"
                         "  - name: fwp-b\n"
                         "    base_policy: fwp-a\n"
                         "  - name: fwp-hub\n")
    assert errors(text) == [
        "design.yaml:54:18: error: base_policy 'fwp-b' leads back to 'fwp-a': a policy cannot "
        "inherit from itself",
        "design.yaml:56:18: error: base_policy 'fwp-a' leads back to 'fwp-b': a policy cannot "
        "inherit from itself",
    ]


def test_base_policy_into_a_loop_does_not_lead_back() -> None:
    text = policy_edited("  - name: fwp-hub\n",
                         "  - name: fwp-a\n"
                         "    base_policy: fwp-b\n"
                         "  - name: fwp-b\n"
                         "    base_policy: fwp-a\n"
                         "  - name: fwp-hub\n"
                         "    base_policy: fwp-a\n")
    assert not [line for line in errors(text) if "leads back to 'fwp-hub'" in line]


def test_policy_on_an_nva() -> None:
    text = policy_edited("    type: azure-firewall\n    sku: Standard\n",
                         "    type: nva\n    vendor: Contoso\n")
    assert errors(text) == [
        "design.yaml:32:5: error: policy is only for type azure-firewall; an NVA's rules are not "
        "evaluated (rules: unknown)",
    ]


# Azure's rules ---------------------------------------------------------------------------------


def test_nsg_on_azure_firewall_subnet() -> None:
    text = policy_edited("        prefix: 10.0.1.0/26\n",
                         "        prefix: 10.0.1.0/26\n        network_security_group: nsg-sql\n")
    assert errors(text) == [
        "design.yaml:10:33: error: Azure does not allow an NSG on AzureFirewallSubnet: the "
        "firewall's own policy filters its traffic",
    ]


def test_duplicate_nsg_priority_in_one_direction() -> None:
    # The Inbound rule at 100 is fine: priorities are unique per direction.
    text = policy_edited('        destination_port_ranges: ["443"]\n',
                         '        destination_port_ranges: ["443"]\n'
                         "      - name: deny-in\n"
                         "        priority: 100\n"
                         "        direction: Inbound\n"
                         "        access: Deny\n"
                         "      - name: deny-all\n"
                         "        priority: 100\n"
                         "        direction: Outbound\n"
                         "        access: Deny\n")
    assert errors(text) == [
        "design.yaml:57:19: error: priority 100 is already taken by outbound rule "
        "'allow-storage'",
    ]


def test_same_nsg_priority_in_both_directions_is_valid() -> None:
    text = policy_edited('        destination_port_ranges: ["443"]\n',
                         '        destination_port_ranges: ["443"]\n'
                         "      - name: deny-in\n"
                         "        priority: 100\n"
                         "        direction: Inbound\n"
                         "        access: Deny\n")
    rules = load_design_bytes(text.encode(), "design.yaml").design.network_security_groups[0].rules
    assert [(r.direction, r.priority) for r in rules] == [("Outbound", 100), ("Inbound", 100)]


def test_nsg_priority_range() -> None:
    assert errors(policy_edited("        priority: 100\n        direction",
                                "        priority: 99\n        direction")) == [
        "design.yaml:46:19: error: priority: expected a number at least 100, found 99",
    ]


def test_duplicate_collection_priority_in_a_group() -> None:
    text = policy_edited("            priority: 200\n            action: Allow\n",
                         "            priority: 100\n            action: Allow\n")
    assert errors(text) == [
        "design.yaml:69:23: error: priority 100 is already taken by rule collection 'net'",
    ]


def test_duplicate_group_priority_in_a_policy() -> None:
    text = policy_edited("        rule_collections:\n",
                         "        rule_collections: []\n"
                         "      - name: rcg-other\n"
                         "        priority: 200\n"
                         "        rule_collections:\n")
    assert errors(text) == [
        "design.yaml:59:19: error: priority 200 is already taken by rule collection group 'rcg'",
    ]


def test_duplicate_nsg_name_is_case_insensitive() -> None:
    text = policy_edited("network_security_groups:\n  - name: nsg-sql\n",
                         "network_security_groups:\n  - name: NSG-SQL\n  - name: nsg-sql\n")
    assert errors(text) == [
        "design.yaml:44:11: error: duplicate network security group name 'nsg-sql'",
    ]


# Rule fields by the collection's kind ----------------------------------------------------------


def test_network_rule_without_destination_ports() -> None:
    assert errors(policy_edited('                destination_ports: ["443"]\n', "")) == [
        "design.yaml:63:17: error: a network rule needs destination_ports",
    ]


def test_network_rule_without_ip_protocols() -> None:
    assert errors(policy_edited("                ip_protocols: [TCP]\n", "")) == [
        "design.yaml:63:17: error: a network rule needs ip_protocols",
    ]


def test_application_field_on_a_network_collection() -> None:
    text = policy_edited('                destination_ports: ["443"]\n',
                         '                destination_ports: ["443"]\n'
                         "                fqdn_tags: [AzureBackup]\n")
    assert errors(text) == [
        "design.yaml:68:17: error: fqdn_tags belongs to application rules; this collection's "
        "kind is network",
    ]


def test_network_field_on_an_application_collection() -> None:
    text = policy_edited("                fqdn_tags: [AzureBackup]\n",
                         "                fqdn_tags: [AzureBackup]\n"
                         '                destination_ports: ["443"]\n')
    assert errors(text) == [
        "design.yaml:77:17: error: destination_ports belongs to network rules; this "
        "collection's kind is application",
    ]


def test_application_rule_needs_protocols_and_targets() -> None:
    assert errors(policy_edited(
        "                protocols: [{protocol_type: Https, port: 443}]\n", "")) == [
        "design.yaml:73:17: error: an application rule needs protocols, such as "
        "[{protocol_type: Https, port: 443}]",
    ]
    assert errors(policy_edited("                fqdn_tags: [AzureBackup]\n", "")) == [
        "design.yaml:73:17: error: an application rule needs target_fqdns or fqdn_tags",
    ]


# Addresses and ports ---------------------------------------------------------------------------


def test_unknown_service_tag() -> None:
    text = policy_edited("destination_address_prefixes: [Storage]",
                         "destination_address_prefixes: [Storag]",
                         "destination_addresses: [Storage.WestEurope]",
                         "destination_addresses: [Storag.WestEurope]")
    assert errors(text) == [
        "design.yaml:50:40: error: unknown service tag 'Storag'; did you mean 'Storage'?",
        "design.yaml:66:41: error: unknown service tag 'Storag.WestEurope'; did you mean "
        "'Storage'?",
    ]


def test_unknown_service_tag_far_from_any_lists_the_known_ones() -> None:
    text = policy_edited("destination_address_prefixes: [Storage]",
                         "destination_address_prefixes: [Xyzzy]")
    assert errors(text) == [
        f"design.yaml:50:40: error: unknown service tag 'Xyzzy'; flowdocs knows: {KNOWN_TAGS}"]


def test_unknown_region_of_a_regional_tag() -> None:
    text = policy_edited("destination_addresses: [Storage.WestEurope]",
                         "destination_addresses: [Storage.WestEurop]")
    assert [line for line in errors(text) if "Storage.WestEurop" in line]


def test_bad_port_range() -> None:
    text = policy_edited('destination_port_ranges: ["443"]', 'destination_port_ranges: ["500-400"]',
                         'destination_ports: ["443"]', 'destination_ports: ["65536"]')
    assert errors(text) == [
        f"design.yaml:51:35: error: {BAD_PORTS} '500-400'",
        f"design.yaml:67:37: error: {BAD_PORTS} '65536'",
    ]


def test_bad_cidr() -> None:
    text = policy_edited("source_addresses: [10.1.1.0/24]\n                destination_addresses",
                         "source_addresses: [10.1.1.0/33]\n                destination_addresses")
    assert errors(text) == [
        "design.yaml:65:36: error: expected a CIDR, an IP address, '*' or a service tag, found "
        "'10.1.1.0/33'",
    ]
