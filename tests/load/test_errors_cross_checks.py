"""Cross-checks between the parts of a design (references, addresses, Azure's rules) give
located errors that name both sides.

Each test pins the exact lines the user sees on standard error: `FILE:LINE:COL: error: MESSAGE`.
The design they edit is VALID, in errors_support.py; line numbers refer to it.
"""

from __future__ import annotations

from flowdocs.load.loader import load_design_bytes

from .errors_support import edited, errors

# References ------------------------------------------------------------------------------------


def test_dangling_references() -> None:
    text = edited("route_table: rt-spoke", "route_table: rt-spok",
                  "subnet: vnet-hub/AzureFirewallSubnet", "subnet: vnet-hub/AzureFirewalSubnet",
                  "vnets: [vnet-spoke, vnet-hub]", "vnets: [vnet-spoke, vnet-hb]",
                  "type: sql-server-in-vm", "type: sql-server-in-vn",
                  "vault: rsv-prod", "vault: rsv-prd")
    assert errors(text) == [
        "design.yaml:15:22: error: unknown route table 'rt-spok'; did you mean 'rt-spoke'?",
        "design.yaml:17:25: error: unknown vnet 'vnet-hb'; did you mean 'vnet-hub'?",
        "design.yaml:29:13: error: unknown subnet 'vnet-hub/AzureFirewalSubnet'; "
        "did you mean 'vnet-hub/AzureFirewallSubnet'?",
        "design.yaml:35:11: error: unknown workload type 'sql-server-in-vn'; "
        "did you mean 'sql-server-in-vm'?",
        "design.yaml:39:14: error: unknown vault 'rsv-prd'; did you mean 'rsv-prod'?",
    ]


def test_references_without_a_close_name() -> None:
    text = edited("        route_table: rt-spoke\n",
                  "        route_table: rt-spoke\n"
                  "        service_endpoints: [AzureBackup]\n"
                  "        service_endpoint_policies: [sep-backup]\n")
    assert errors(text) == [
        "design.yaml:16:29: error: unknown service endpoint 'AzureBackup'; expected one "
        "of: Microsoft.AzureActiveDirectory, Microsoft.AzureCosmosDB, "
        "Microsoft.CognitiveServices, Microsoft.ContainerRegistry, Microsoft.EventHub, "
        "Microsoft.KeyVault, Microsoft.ServiceBus, Microsoft.Sql, Microsoft.Storage, "
        "Microsoft.Storage.Global, Microsoft.Web",
        "design.yaml:17:37: error: unknown service endpoint policy 'sep-backup'; the design "
        "defines no service endpoint policy",
    ]


def test_other_service_endpoints_are_accepted() -> None:
    text = edited("        route_table: rt-spoke\n",
                  "        route_table: rt-spoke\n"
                  "        service_endpoints: [Microsoft.Storage, Microsoft.KeyVault]\n")
    assert load_design_bytes(text.encode(), "design.yaml").design.vnets[1].subnets[0] \
        .service_endpoints == ["Microsoft.Storage", "Microsoft.KeyVault"]


def test_workload_needs_its_backup_target() -> None:
    text = edited("    backup:\n      vault: rsv-prod\n", "")
    assert errors(text) == [
        "design.yaml:34:5: error: workload type 'sql-server-in-vm' backs up to a Recovery "
        "Services vault: backup.vault is required",
    ]


def test_peering_references() -> None:
    text = edited("  - vnets: [vnet-spoke, vnet-hub]\n",
                  "  - vnets: [vnet-spoke, vnet-hub]\n"
                  "  - vnets: [vnet-hub, vnet-spoke]\n"
                  "  - vnets: [vnet-hub, vnet-hub]\n")
    assert errors(text) == [
        "design.yaml:18:12: error: vnets 'vnet-hub' and 'vnet-spoke' are already peered by an "
        "earlier entry",
        "design.yaml:19:23: error: vnet 'vnet-hub' cannot be peered with itself",
    ]


def test_duplicate_names() -> None:
    text = edited("  - name: rsv-prod\n", "  - name: rsv-prod\n  - name: rsv-prod\n",
                  "        route_table: rt-spoke\n",
                  "        route_table: rt-spoke\n"
                  "      - name: snet-sql\n"
                  "        prefix: 10.1.2.0/24\n",
                  "        next_hop_ip: 10.0.1.4\n",
                  "        next_hop_ip: 10.0.1.4\n"
                  "      - name: default-via-firewall\n"
                  "        address_prefix: 0.0.0.0/0\n"
                  "        next_hop_type: None\n")
    assert errors(text) == [
        "design.yaml:16:15: error: duplicate subnet name 'snet-sql' in vnet 'vnet-spoke'",
        "design.yaml:27:15: error: duplicate route name 'default-via-firewall' in route table "
        "'rt-spoke'",
        "design.yaml:28:25: error: route table 'rt-spoke' already has a route for 0.0.0.0/0 "
        "(route 'default-via-firewall'); Azure allows one route per address prefix",
        "design.yaml:38:11: error: duplicate vault name 'rsv-prod'",
    ]


# Addresses -------------------------------------------------------------------------------------


def test_overlapping_subnets() -> None:
    text = edited("        route_table: rt-spoke\n",
                  "        route_table: rt-spoke\n"
                  "      - name: snet-app\n"
                  "        prefix: 10.1.0.0/23\n"
                  "      - name: snet-web\n"
                  "        prefix: 10.2.0.0/24\n")
    assert errors(text) == [
        "design.yaml:17:17: error: subnet 'snet-app' (10.1.0.0/23) overlaps subnet 'snet-sql' "
        "(10.1.1.0/24)",
        "design.yaml:19:17: error: subnet prefix 10.2.0.0/24 is outside the address space of "
        "vnet 'vnet-spoke' (10.1.0.0/16)",
    ]


def test_overlapping_peered_vnets() -> None:
    text = edited("address_space: [10.1.0.0/16]", "address_space: [10.0.128.0/20]",
                  "prefix: 10.1.1.0/24", "prefix: 10.0.129.0/24",
                  "ip: 10.1.1.4", "ip: 10.0.129.4")
    assert errors(text) == [
        "design.yaml:17:12: error: vnets 'vnet-spoke' and 'vnet-hub' cannot be peered: their "
        "address spaces overlap (10.0.128.0/20 and 10.0.0.0/16)",
    ]


def test_vnets_peered_with_one_hub_may_not_overlap() -> None:
    text = edited("  - vnets: [vnet-spoke, vnet-hub]\n",
                  "  - vnets: [vnet-spoke, vnet-hub]\n"
                  "  - vnets: [vnet-other, vnet-hub]\n",
                  "peerings:\n",
                  "  - name: vnet-other\n"
                  "    address_space: [10.1.128.0/17]\n"
                  "peerings:\n")
    assert errors(text) == [
        "design.yaml:20:12: error: vnets 'vnet-spoke' and 'vnet-other' are both peered with "
        "'vnet-hub' but their address spaces overlap (10.1.0.0/16 and 10.1.128.0/17)",
    ]


def test_ip_outside_its_subnet() -> None:
    assert errors(edited("    ip: 10.1.1.4\n", "    ip: 10.1.2.4\n")) == [
        "design.yaml:37:9: error: ip 10.1.2.4 is outside subnet 'vnet-spoke/snet-sql' "
        "(10.1.1.0/24)",
    ]


def test_reserved_and_shared_ips() -> None:
    text = edited("private_ip: 10.0.1.4", "private_ip: 10.0.1.3",
                  "next_hop_ip: 10.0.1.4", "next_hop_ip: 10.0.1.3",
                  "    ip: 10.1.1.4\n", "    ip: 10.1.1.255\n",
                  "  - name: sqlvm01\n",
                  "  - name: mars01\n"
                  "    type: mars-agent\n"
                  "    subnet: vnet-spoke/snet-sql\n"
                  "    ip: 10.1.1.255\n"
                  "    backup: {vault: rsv-prod}\n"
                  "  - name: sqlvm01\n")
    reserved = "the first four addresses and the last one are not assignable"
    assert errors(text) == [
        "design.yaml:30:17: error: private_ip 10.0.1.3 is reserved by Azure in subnet "
        f"'vnet-hub/AzureFirewallSubnet' (10.0.1.0/26): {reserved}",
        "design.yaml:37:9: error: ip 10.1.1.255 is reserved by Azure in subnet "
        f"'vnet-spoke/snet-sql' (10.1.1.0/24): {reserved}",
        "design.yaml:42:9: error: IP 10.1.1.255 is already used by workload 'mars01'",
        "design.yaml:42:9: error: ip 10.1.1.255 is reserved by Azure in subnet "
        f"'vnet-spoke/snet-sql' (10.1.1.0/24): {reserved}",
    ]


# Azure's rules ---------------------------------------------------------------------------------


def test_next_hop_ip_where_not_allowed() -> None:
    assert errors(edited("next_hop_type: VirtualAppliance", "next_hop_type: Internet")) == [
        "design.yaml:24:9: error: next_hop_ip is only allowed with next_hop_type "
        "VirtualAppliance",
    ]


def test_missing_next_hop_ip() -> None:
    assert errors(edited("        next_hop_ip: 10.0.1.4\n", "")) == [
        "design.yaml:21:9: error: next_hop_ip is required with next_hop_type VirtualAppliance",
    ]


def test_gateway_transit() -> None:
    text = edited("  - vnets: [vnet-spoke, vnet-hub]\n",
                  "  - vnets: [vnet-spoke, vnet-hub]\n"
                  "    use_remote_gateways: true\n")
    assert errors(text) == [
        "design.yaml:18:26: error: use_remote_gateways needs allow_gateway_transit: true on "
        "this peering and a gateway in vnet 'vnet-hub'",
    ]
    text = edited("  - vnets: [vnet-spoke, vnet-hub]\n",
                  "  - vnets: [vnet-spoke, vnet-hub]\n"
                  "    allow_gateway_transit: true\n")
    assert errors(text) == [
        "design.yaml:18:28: error: allow_gateway_transit needs a gateway in vnet 'vnet-hub' "
        "(the second vnet of the peering); it has none",
    ]


def test_firewall_rules() -> None:
    text = edited("    sku: Standard\n", "    vendor: Microsoft\n",
                  "subnet: vnet-hub/AzureFirewallSubnet", "subnet: vnet-spoke/snet-sql",
                  "private_ip: 10.0.1.4", "private_ip: 10.1.1.5",
                  "next_hop_ip: 10.0.1.4", "next_hop_ip: 10.1.1.5")
    assert errors(text) == [
        "design.yaml:26:5: error: an azure-firewall needs a sku: Basic, Standard or Premium",
        "design.yaml:28:5: error: vendor is only for type nva",
        "design.yaml:29:13: error: an azure-firewall must be in a subnet named "
        "AzureFirewallSubnet, not 'snet-sql'",
    ]
    text = edited("    type: azure-firewall\n", "    type: nva\n")
    assert errors(text) == [
        "design.yaml:28:5: error: sku is only for type azure-firewall",
    ]


# Private-link targets: Key Vaults and scopes that workloads name in `target` ---------------

_PRIVATE_LINK = (
    "vaults:\n  - name: rsv-prod\n",
    "vaults:\n  - name: rsv-prod\n"
    "key_vaults:\n  - name: kv-app\n"
    "private_link_scopes:\n  - {name: pls-arc, kind: arc}\n  - {name: ampls, kind: monitor}\n"
    "private_endpoints:\n"
    "  - {name: pe-kv, subnet: vnet-spoke/snet-sql, target: kv-ap}\n"
    "  - {name: pe-arc, subnet: vnet-spoke/snet-sql, target: pls-arc}\n",
)


def _workloads(*lines: str) -> tuple[str, str]:
    return ("      vault: rsv-prod\n",
            "      vault: rsv-prod\n" + "".join(f"  - {{{line}, subnet: vnet-spoke/snet-sql}}\n"
                                               for line in lines))


def test_private_link_targets_are_checked() -> None:
    text = edited(*_PRIVATE_LINK, *_workloads(
        "name: kv01, type: key-vault-client, target: kv-app",
        "name: kv02, type: key-vault-client, target: ampls",
        "name: arc01, type: arc-connected-machine, target: kv-app",
        "name: ama01, type: azure-monitor-agent, target: amplz",
        "name: aks01, type: aks-nodes, target: kv-app",
        "name: sql02, type: sql-server-in-vm, target: rsv-prod, backup: {vault: rsv-prod}"))
    assert errors(text) == [
        "design.yaml:39:56: error: unknown private endpoint target (vault, storage account, "
        "key vault or private link scope) 'kv-ap'; did you mean 'kv-app'?",
        "design.yaml:49:50: error: workload type 'key-vault-client' needs a key vault; 'ampls' "
        "is an Azure Monitor private link scope",
        "design.yaml:50:56: error: workload type 'arc-connected-machine' needs an Azure Arc "
        "private link scope; 'kv-app' is a key vault",
        "design.yaml:51:54: error: unknown Azure Monitor private link scope 'amplz'; did you "
        "mean 'ampls'?",
        "design.yaml:52:36: error: workload type 'aks-nodes' has no private-link target: "
        "remove target",
        "design.yaml:53:43: error: workload type 'sql-server-in-vm' backs up to a Recovery "
        "Services vault: name it in backup.vault, not target",
    ]


def test_a_key_vault_or_scope_may_not_share_a_vault_s_name() -> None:
    text = edited(_PRIVATE_LINK[0], _PRIVATE_LINK[1]
                  .replace("key_vaults:\n  - name: kv-app", "key_vaults:\n  - name: RSV-prod")
                  .replace("target: kv-ap}", "target: RSV-prod}"))
    assert errors(text) == [
        "design.yaml:34:11: error: key vault name 'RSV-prod' is also the name of vault "
        "'rsv-prod': a private endpoint's target names one resource"]


def test_a_workload_without_a_target_needs_none() -> None:
    text = edited(*_PRIVATE_LINK, "target: kv-ap}", "target: kv-app}", *_workloads(
        "name: kv01, type: key-vault-client", "name: ama01, type: azure-monitor-agent"))
    design = load_design_bytes(text.encode(), "design.yaml").design
    assert [w.target for w in design.workloads] == [None, None, None]
