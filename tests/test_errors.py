"""Every kind of bad design file gives located, complete, readable errors and no traceback.

Each test pins the exact lines the user sees on standard error: `FILE:LINE:COL: error: MESSAGE`.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from textwrap import dedent

import pytest
import yaml

from flowdocs.load.diagnostics import DesignError, Diagnostic
from flowdocs.load.field_errors import data_path, model_at
from flowdocs.load.loader import MAX_BYTES, LoadedDesign, load_design, load_design_bytes
from flowdocs.load.model import Backup, Design, Firewall, Subnet, VNet
from flowdocs.load.parsing import check_limits

# The example of design-format.md, cut to what every test needs. Line numbers matter:
# tests that edit it say which line they touch.
VALID = dedent("""\
    flowdocs: 1
    name: sql-backup
    title: SQL Server backup through the hub firewall
    vnets:
      - name: vnet-hub
        address_space: [10.0.0.0/16]
        subnets:
          - name: AzureFirewallSubnet
            prefix: 10.0.1.0/26
      - name: vnet-spoke
        address_space: [10.1.0.0/16]
        subnets:
          - name: snet-sql
            prefix: 10.1.1.0/24
            route_table: rt-spoke
    peerings:
      - vnets: [vnet-spoke, vnet-hub]
    route_tables:
      - name: rt-spoke
        routes:
          - name: default-via-firewall
            address_prefix: 0.0.0.0/0
            next_hop_type: VirtualAppliance
            next_hop_ip: 10.0.1.4
    firewalls:
      - name: afw-hub
        type: azure-firewall
        sku: Standard
        subnet: vnet-hub/AzureFirewallSubnet
        private_ip: 10.0.1.4
    vaults:
      - name: rsv-prod
    workloads:
      - name: sqlvm01
        type: sql-server-in-vm
        subnet: vnet-spoke/snet-sql
        ip: 10.1.1.4
        backup:
          vault: rsv-prod
    """)


def errors(text: str | bytes, name: str = "design.yaml") -> list[str]:
    """The lines a bad design prints; fails the test if it loads."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    with pytest.raises(DesignError) as caught:
        load_design_bytes(data, name)
    return caught.value.lines()


def edited(*pairs: str) -> str:
    """VALID with edits `old, new, old, new, ...`; each `old` must occur exactly once."""
    text = VALID
    for old, new in zip(pairs[::2], pairs[1::2], strict=True):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


# Files that are not YAML -------------------------------------------------------------------------


def test_broken_yaml() -> None:
    assert errors(dedent("""\
        flowdocs: 1
        name: [sql-backup
        title: broken
        """)) == [
        "design.yaml:3:6: error: invalid YAML: did not find expected ',' or ']' "
        "(while parsing a flow sequence on line 2)",
    ]


@pytest.mark.parametrize("text", ["", "   \n\n\t\n"])
def test_empty_file(text: str) -> None:
    assert errors(text) == ["design.yaml:1:1: error: empty file"]


def test_comments_only_is_not_a_mapping() -> None:
    assert errors("# nothing yet\n") == [
        "design.yaml:1:1: error: expected a mapping at the top level, found nothing",
    ]


def test_binary_file_names_the_first_nul_byte() -> None:
    assert errors(b"flowdocs: 1\nname: ab\x00\x01\x02") == [
        "design.yaml:2:9: error: binary file: NUL byte; a design file is UTF-8 text",
    ]


def test_invalid_utf8_names_the_first_bad_byte() -> None:
    assert errors("flowdocs: 1\ntitle: Café ".encode() + b"\xe9t\xe9\n") == [
        "design.yaml:2:13: error: not UTF-8 text: invalid byte 0xe9; a design file is UTF-8 text",
    ]


def test_utf16_file() -> None:
    assert errors("flowdocs: 1\n".encode("utf-16")) == [
        "design.yaml:1:1: error: the file is UTF-16 text; save it as UTF-8",
    ]


def test_control_character() -> None:
    assert errors("flowdocs: 1\nname: a\x1b[0m\n") == [
        "design.yaml:2:8: error: control character U+001B is not allowed in a design file",
    ]


def test_byte_order_mark_is_ignored() -> None:
    loaded = load_design_bytes(b"\xef\xbb\xbf" + VALID.encode(), "design.yaml")
    assert loaded.design.name == "sql-backup"


@pytest.mark.parametrize(("text", "found"), [
    ("- flowdocs: 1\n- name: x\n", "a list"),
    ("just a sentence\n", "a string"),
    ("42\n", "an integer"),
])
def test_top_level_not_a_mapping(text: str, found: str) -> None:
    assert errors(text) == [
        f"design.yaml:1:1: error: expected a mapping at the top level, found {found}",
    ]


def test_multiple_documents() -> None:
    assert errors(VALID + "---\nflowdocs: 1\n") == [
        "design.yaml:40:1: error: a design file holds one YAML document; found a second one",
    ]


def test_alias_bomb() -> None:
    """The billion laughs: nine levels of nine aliases would expand to 10^9 strings."""
    laughs = ['lol: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        laughs.append(f"lol{level}: &{level} [" + ", ".join([f"*{previous}"] * 9) + "]")
    text = "flowdocs: 1\n" + "\n".join(laughs) + "\n"
    # a: 10 nodes, b: 91, ... g: 5,380,840, on line 8: the first value over the limit.
    assert errors(text) == [
        "design.yaml:8:7: error: alias expansion too large (5,380,840 nodes; "
        "the limit is 1,000,000)",
    ]


def test_recursive_alias() -> None:
    assert errors("flowdocs: 1\nloop: &loop [1, *loop]\n") == [
        "design.yaml:2:7: error: recursive alias: a value contains itself",
    ]


def test_deep_nesting() -> None:
    assert errors("flowdocs: 1\ndeep: " + "[" * 70 + "]" * 70 + "\n") == [
        "design.yaml:2:70: error: nesting deeper than 64 levels",
    ]


def test_absurd_nesting() -> None:
    """libyaml stops at 1000 levels, Python's json module at its recursion limit."""
    assert errors("flowdocs: 1\ndeep: " + "[" * 5000 + "]" * 5000 + "\n") == [
        "design.yaml:2:1006: error: nesting deeper than 64 levels",
    ]
    assert errors('{"flowdocs": 1, "deep": ' + "[" * 100_000 + "]" * 100_000 + "}",
                  "design.json") == [
        "design.json:1:1: error: nesting deeper than 64 levels",
    ]


def test_python_tag() -> None:
    assert errors("flowdocs: 1\nname: !!python/object/apply:os.system ['echo owned']\n") == [
        "design.yaml:2:7: error: unsupported YAML tag '!!python/object/apply:os.system'; "
        "flowdocs reads plain YAML only",
    ]


def test_bad_explicit_scalar() -> None:
    assert errors("flowdocs: 1\nbuilt: 2024-13-45\n") == [
        "design.yaml:2:8: error: invalid YAML: cannot read timestamp '2024-13-45': month must "
        "be in 1..12",
    ]


def test_duplicate_key() -> None:
    text = edited("    sku: Standard\n", "    sku: Standard\n    sku: Premium\n")
    assert errors(text) == [
        "design.yaml:29:5: error: duplicate key 'sku' (first defined on line 28)",
    ]


def test_duplicate_key_beside_a_merge_key() -> None:
    assert errors(dedent("""\
        anchors: &defaults {flowdocs: 1, title: t}
        <<: *defaults
        name: a
        name: b
        """)) == [
        "design.yaml:1:1: error: unknown key 'anchors' at the top level; expected one of: "
        + ", ".join(_top_level_keys()),
        "design.yaml:4:1: error: duplicate key 'name' (first defined on line 3)",
    ]


def _top_level_keys() -> list[str]:
    return list(Design.model_fields)


def test_invalid_json_is_located() -> None:
    assert errors('{\n  "flowdocs": 1,\n  "name": "x",,\n}\n', "design.json") == [
        "design.json:3:15: error: invalid JSON: Expecting property name enclosed in double "
        "quotes",
    ]


def test_duplicate_json_key_is_located() -> None:
    data = yaml.safe_load(VALID)
    text = json.dumps(data, indent=2).replace('"name": "sql-backup",',
                                              '"name": "sql-backup",\n  "name": "again",')
    assert errors(text, "design.json") == [
        "design.json:4:3: error: duplicate key 'name' (first defined on line 3)",
    ]


def test_file_too_large(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as stream:
        stream.truncate(MAX_BYTES + 1)
    with pytest.raises(DesignError) as caught:
        load_design(path, "designs/huge.yaml")
    assert caught.value.lines() == [
        "designs/huge.yaml:1:1: error: file too large (32.0 MiB; the limit is 32 MiB)",
    ]


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(DesignError) as caught:
        load_design(tmp_path / "missing.yaml", "designs/missing.yaml")
    assert caught.value.lines() == [
        "designs/missing.yaml: error: cannot read the file: No such file or directory",
    ]


# Versions and fields ------------------------------------------------------------------------------


def test_unsupported_version() -> None:
    assert errors(edited("flowdocs: 1\n", "flowdocs: 2\n")) == [
        "design.yaml:1:11: error: unsupported format version 2; this flowdocs reads version 1",
    ]


def test_missing_version() -> None:
    assert errors(edited("flowdocs: 1\n", "")) == [
        "design.yaml:1:1: error: missing required key 'flowdocs' (the format version; this "
        "flowdocs reads version 1)",
    ]


def test_unknown_key_suggests_the_closest() -> None:
    text = edited("  - name: vnet-hub\n    address_space:", "  - name: vnet-hub\n    adress_space:")
    allowed = ", ".join(_vnet_keys())
    assert errors(text) == [
        "design.yaml:6:5: error: unknown key 'adress_space' in vnet 'vnet-hub'; did you mean "
        f"'address_space'? Expected one of: {allowed}",
    ]


def _vnet_keys() -> list[str]:
    return list(VNet.model_fields)


def test_unknown_key_in_an_unnamed_object() -> None:
    text = edited("  - vnets: [vnet-spoke, vnet-hub]\n",
                  "  - vnets: [vnet-spoke, vnet-hub]\n    allow_forwarded: false\n")
    assert errors(text) == [
        "design.yaml:18:5: error: unknown key 'allow_forwarded' in peering "
        "'vnet-spoke~vnet-hub'; did you mean 'allow_forwarded_traffic'? Expected one of: vnets, "
        "allow_forwarded_traffic, allow_gateway_transit, use_remote_gateways",
    ]


def test_field_errors() -> None:
    text = edited("address_space: [10.1.0.0/16]", "address_space: 10.1.0.0/16",
                  "type: azure-firewall", "type: firewall",
                  "next_hop_type: VirtualAppliance", "next_hop_type: Virtualappliance",
                  "name: rsv-prod", "name: rsv prod")
    assert errors(text) == [
        "design.yaml:11:20: error: address_space: expected a list, found a string",
        "design.yaml:23:24: error: next_hop_type: expected one of: 'VirtualAppliance', "
        "'VirtualNetworkGateway', 'VnetLocal', 'Internet', 'None' but received: "
        "'Virtualappliance'; did you mean 'VirtualAppliance'?",
        "design.yaml:27:11: error: type: expected one of: 'azure-firewall', 'nva' but "
        "received: 'firewall'; did you mean 'azure-firewall'?",
        "design.yaml:32:11: error: name: expected a name of letters, digits, '.', '_' and '-' "
        "that starts with a letter or digit, found 'rsv prod'",
    ]


def test_missing_key() -> None:
    assert errors(edited("    private_ip: 10.0.1.4\n", "")) == [
        "design.yaml:26:5: error: missing required key 'private_ip' in firewall 'afw-hub'",
    ]


def test_bad_cidr() -> None:
    assert errors(edited("prefix: 10.1.1.0/24", "prefix: 10.1.1.0/33")) == [
        "design.yaml:14:17: error: prefix: expected a CIDR such as 10.0.0.0/16, "
        "found '10.1.1.0/33'",
    ]


def test_host_bits() -> None:
    text = edited("prefix: 10.1.1.0/24", "prefix: 10.1.1.1/24",
                  "address_prefix: 0.0.0.0/0", "address_prefix: 10.1.0.1/16")
    # The subnet's prefix fails field validation, so the route (a cross-field check) waits.
    assert errors(text) == [
        "design.yaml:14:17: error: prefix: '10.1.1.1/24' has host bits set; "
        "did you mean '10.1.1.0/24'?",
    ]
    assert errors(edited("address_prefix: 0.0.0.0/0", "address_prefix: 10.1.0.1/16")) == [
        "design.yaml:22:25: error: address_prefix: '10.1.0.1/16' has host bits set; "
        "did you mean '10.1.0.0/16'?",
    ]


def test_route_prefix_service_tags() -> None:
    text = edited(
        "        next_hop_ip: 10.0.1.4\n",
        "        next_hop_ip: 10.0.1.4\n"
        "      - {name: storage, address_prefix: Storage.WestEurope, next_hop_type: Internet}\n"
        "      - {name: backup, address_prefix: AzureBakup, next_hop_type: Internet}\n"
        "      - {name: bare, address_prefix: 10.2.0.1, next_hop_type: Internet}\n")
    assert errors(text) == [
        "design.yaml:26:40: error: address_prefix: unknown service tag 'AzureBakup'; "
        "did you mean 'AzureBackup'?",
        "design.yaml:27:38: error: address_prefix: expected a CIDR with a prefix length, found "
        "'10.2.0.1'; did you mean '10.2.0.1/32'?",
    ]


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


# All at once -----------------------------------------------------------------------------------


def test_several_problems_are_all_reported_sorted_by_line() -> None:
    text = edited("    ip: 10.1.1.4\n", "    ip: 10.9.9.9\n",
                  "route_table: rt-spoke", "route_table: rt-spok",
                  "next_hop_type: VirtualAppliance", "next_hop_type: Internet",
                  "  - name: rsv-prod", "  - name: rsv-prod\n  - name: rsv-prod")
    assert errors(text) == [
        "design.yaml:15:22: error: unknown route table 'rt-spok'; did you mean 'rt-spoke'?",
        "design.yaml:24:9: error: next_hop_ip is only allowed with next_hop_type "
        "VirtualAppliance",
        "design.yaml:33:11: error: duplicate vault name 'rsv-prod'",
        "design.yaml:38:9: error: ip 10.9.9.9 is outside subnet 'vnet-spoke/snet-sql' "
        "(10.1.1.0/24)",
    ]


def test_field_errors_are_all_reported_before_cross_checks() -> None:
    text = edited("prefix: 10.0.1.0/26", "prefix: 10.0.1.0/99",
                  "    sku: Standard", "    sku: Standard\n    colour: red",
                  "      vault: rsv-prod", "      vault: rsv-prod\n      daily_gb: lots")
    assert errors(text) == [
        "design.yaml:9:17: error: prefix: expected a CIDR such as 10.0.0.0/16, "
        "found '10.0.1.0/99'",
        "design.yaml:29:5: error: unknown key 'colour' in firewall 'afw-hub'; expected one of: "
        + ", ".join(_firewall_keys()),
        "design.yaml:41:17: error: daily_gb: expected a number, found a string",
    ]


def _firewall_keys() -> list[str]:
    return list(Firewall.model_fields)


# The parts, on plain data --------------------------------------------------------------------------


def test_size_limit_counts_without_expanding() -> None:
    shared = ["x"] * 1000  # 1,001 nodes, met once per reference
    assert check_limits({"a": [shared] * 997}) is None  # 998,000 nodes in all
    assert check_limits({"a": [shared] * 1000}) == Diagnostic(
        "error", "alias expansion too large (1,001,001 nodes; the limit is 1,000,000)", ("a",))
    assert check_limits({"flat": [0] * 1_000_000}) == Diagnostic(
        "error", "design too large (1,000,001 nodes; the limit is 1,000,000)", ("flat",))


def test_pydantic_labels_are_not_data() -> None:
    data = {"vnets": [{"name": "a"}]}
    loc = ("vnets", 0, "function-after[_cidr(), str]", "name")
    assert data_path(data, loc) == ("vnets", 0, "name")
    assert data_path(data, ("vnets", 0, "prefix"), keep_missing_key=True) == ("vnets", 0, "prefix")


def test_model_at_walks_the_design_fields() -> None:
    assert model_at(("vnets", 3, "subnets", 0)) is Subnet
    assert model_at(("workloads", 0, "backup")) is Backup
    assert model_at(("workloads", 0, "backup", "vault")) is None
    assert model_at(("nothing",)) is None


# Valid files -----------------------------------------------------------------------------------


def test_yaml_and_json_give_the_same_design(tmp_path: Path) -> None:
    yaml_file = tmp_path / "design.yaml"
    json_file = tmp_path / "design.json"
    yaml_file.write_text(VALID, encoding="utf-8")
    json_file.write_text(json.dumps(yaml.safe_load(VALID), indent="\t"), encoding="utf-8")
    from_yaml, from_json = load_design(yaml_file), load_design(json_file)
    assert from_yaml.design == from_json.design
    assert from_json.path == str(json_file)


def test_path_is_kept_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("design.yaml").write_text(edited("flowdocs: 1\n", "flowdocs: 3\n"), encoding="utf-8")
    with pytest.raises(DesignError) as caught:
        load_design("design.yaml")
    assert caught.value.lines() == [
        "design.yaml:1:11: error: unsupported format version 3; this flowdocs reads version 1",
    ]


def test_located_later_findings() -> None:
    loaded = load_design_bytes(VALID.encode(), "design.yaml")
    assert isinstance(loaded, LoadedDesign)
    warning = Diagnostic("warning", "a finding", ("route_tables", 0, "routes", 0, "next_hop_ip"))
    key = Diagnostic("warning", "on the key", ("firewalls", 0, "sku"), on_key=True)
    assert [d.format(loaded.path) for d in loaded.locate([warning, key])] == [
        "design.yaml:24:22: warning: a finding",
        "design.yaml:28:5: warning: on the key",
    ]


def test_example_designs_load(design_files: list[Path]) -> None:
    for file in design_files:
        assert load_design(file).design.flowdocs == 1


def test_no_traceback_for_any_damage() -> None:
    """Cut the valid design anywhere, or flip bytes in it: it loads or it says why."""
    data = VALID.encode()
    samples = [data[:cut] for cut in range(0, len(data), 7)]
    rng = random.Random(20240601)
    for _ in range(200):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            damaged[rng.randrange(len(damaged))] = rng.choice(b" :-[]{}&*!#\n\t'\"x0/.\x00\xff")
        samples.append(bytes(damaged))
    for sample in samples:
        for name in ("design.yaml", "design.json"):
            try:
                load_design_bytes(sample, name)
            except DesignError as error:
                assert error.lines() and all(":" in line for line in error.lines())
