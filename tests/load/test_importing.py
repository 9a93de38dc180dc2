"""`flowdocs import`'s conversion: exports in Azure's and Terraform's shapes to a design.

The fixtures under data/import/ describe one estate, the hub and spoke of design (d) (the hub
firewall of (b), a vault private endpoint in the spoke, the three private DNS zones), in the
shapes of the az CLI, Azure Resource Graph (two pages), and `terraform show -json` of a state
(azurerm v4) and of a plan (azurerm v3, ids not known until apply, references through a module's
variables and outputs). They were written from Microsoft's and HashiCorp's documented shapes.
The estate's security policy is the same in each: the SQL subnet's NSG, and the hub firewall's
policy with a base policy and one rule collection group (a DNAT collection and a rule using an
IP group among its rules, which the format cannot hold). Resource Graph does not index rule
collection groups, so that shape's come from ARM REST beside the pages.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from tests_support import DESIGNS

from flowdocs.load.diagnostics import DesignErrors
from flowdocs.load.importing import Source, import_design
from flowdocs.load.loader import load_design, load_design_bytes
from flowdocs.resolve.flows import resolve
from flowdocs.write.design_yaml import checked_design_yaml, design_yaml

from .arm_export import GROUP, SUBSCRIPTION, arm_id, export_design, flatten

DATA = Path(__file__).parent / "data" / "import"
FIXTURES = {
    "az": sorted((DATA / "az").glob("*.json")),
    "resource-graph": sorted((DATA / "resource-graph").glob("*.json")),
    "terraform-state": [DATA / "terraform" / "state.json"],
    "terraform-plan": [DATA / "terraform" / "plan.json"],
}
ARTICLE_DESIGNS = ["a-vm-backup", "b-sql-hub-firewall", "c-sql-storage-service-endpoint",
                   "d-sql-vault-private-endpoint"]
# Also round-tripped: the other examples but (e), whose on-premises default route is learned
# over BGP, which no export holds (the import says so, on its gateway). (k)'s Route Server
# peers lose their advertised prefixes, which no export holds either; its backup flows do not
# take them.
MORE_DESIGNS = ["f-third-party-agent-private-storage", "g-misrouted-spokes",
                "h-sql-vault-private-endpoint-hub", "i-two-region-backup",
                "k-hub-route-server-nva-pair"]


def sources(paths: list[Path]) -> list[Source]:
    root = DATA.parent.parent.parent.parent
    return [Source(p.relative_to(root).as_posix(), p.read_bytes()) for p in paths]


def flows(design) -> list[tuple[object, ...]]:
    return [(f.workload, f.service, f.access, f.status, f.firewalls)
            for f in resolve(design).flows]


def with_candidates(text: str) -> str:
    """The imported design with its commented-out candidate workloads uncommented."""
    lines = text.splitlines()
    start = lines.index("# workloads:")
    block = [lines[start]]
    for line in lines[start + 1:]:
        if not line.startswith("#  "):
            break
        block.append(line)
    return text + "\n" + "\n".join(line[2:] for line in block) + "\n"


@pytest.mark.parametrize("shape", FIXTURES)
def test_each_shape_imports_the_estate_of_design_d(shape, golden):
    imported = import_design(sources(FIXTURES[shape]), "hub-spoke-sql")
    text, loaded = checked_design_yaml(imported, "hub-spoke-sql.yaml")
    golden.check(f"import/{shape}.yaml", text)
    assert resolve(loaded.design).flows == []  # no workload until the candidates are chosen
    # The candidate, uncommented, is design (d)'s SQL Server VM: the same flows follow.
    chosen = load_design_bytes(with_candidates(text).encode(), "chosen.yaml").design
    expected = load_design(DESIGNS / "d-sql-vault-private-endpoint.yaml").design
    assert [w.name for w in chosen.workloads] == ["sqlvm01"]
    assert flows(chosen) == flows(expected)


def test_the_output_does_not_depend_on_the_order_of_the_files():
    files = FIXTURES["az"]
    forward = design_yaml(import_design(sources(files), "x"))
    backward = design_yaml(import_design(sources(files[::-1]), "x"))
    header = lambda text: [line for line in text.splitlines() if ".json:" not in line]  # noqa: E731
    assert header(forward) == header(backward)


@pytest.mark.parametrize("shape", ["arm", "az"])
@pytest.mark.parametrize("name", ARTICLE_DESIGNS + MORE_DESIGNS)
def test_round_trip_export_import_gives_the_same_flows(name, shape):
    original = load_design(DESIGNS / f"{name}.yaml").design
    exported = json.dumps(export_design(original, shape)).encode()
    text, _ = checked_design_yaml(import_design([Source("estate.json", exported)], name),
                                  f"{name}.yaml")
    data = yaml.safe_load(text)
    data["workloads"] = [w.model_dump(exclude_defaults=True) for w in original.workloads]
    imported = load_design_bytes(yaml.safe_dump(data).encode(), "imported.yaml").design
    assert flows(imported) == flows(original)
    # The commented-out candidates are the workloads' VMs, in their subnets, at their IPs.
    candidates = load_design_bytes(with_candidates(text).encode(), "c.yaml").design.workloads
    assert sorted((w.name, w.subnet, w.ip) for w in candidates) == \
        sorted((w.name, w.subnet, w.ip) for w in original.workloads)


# Settings and what is left out ---------------------------------------------------------------

HUB_ID = arm_id("Microsoft.Network/virtualNetworks", "vnet-hub")
SPOKE_ID = arm_id("Microsoft.Network/virtualNetworks", "vnet-spoke")


def vnet(name: str, space: str, subnets: dict[str, str], peerings: list[dict] | None = None,
         group: str = GROUP) -> dict:
    vnet_id = arm_id("Microsoft.Network/virtualNetworks", name).replace(
        f"/resourceGroups/{GROUP}/", f"/resourceGroups/{group}/")
    return {"id": vnet_id, "name": name, "type": "Microsoft.Network/virtualNetworks",
            "location": "westeurope",
            "properties": {"addressSpace": {"addressPrefixes": [space]},
                           "subnets": [{"id": f"{vnet_id}/subnets/{s}", "name": s,
                                        "properties": {"addressPrefix": p}}
                                       for s, p in subnets.items()],
                           "virtualNetworkPeerings": peerings or []}}


def link(local: str, remote: str, **settings: object) -> dict:
    properties = {"remoteVirtualNetwork": {"id": arm_id("Microsoft.Network/virtualNetworks",
                                                        remote)},
                  "allowForwardedTraffic": True, "allowGatewayTransit": False,
                  "useRemoteGateways": False, "allowVirtualNetworkAccess": True,
                  "peeringState": "Connected", **settings}
    return {"id": arm_id("Microsoft.Network/virtualNetworks/virtualNetworkPeerings", local,
                         f"to-{remote}"),
            "name": f"to-{remote}", "properties": properties}


def imported_from(*resources: dict):
    imported = import_design([Source("estate.json", json.dumps(list(resources)).encode())],
                             "estate")
    checked_design_yaml(imported, "estate.yaml")  # it validates and resolves
    return imported


def test_peering_links_that_differ_keep_each_side_and_gateway_transit():
    gateway = {"id": arm_id("Microsoft.Network/virtualNetworkGateways", "vgw-hub"),
               "name": "vgw-hub", "type": "Microsoft.Network/virtualNetworkGateways",
               "properties": {"gatewayType": "Vpn", "ipConfigurations": [{"properties": {
                   "subnet": {"id": f"{HUB_ID}/subnets/GatewaySubnet"}}}]}}
    imported = imported_from(
        vnet("vnet-hub", "10.0.0.0/16", {"GatewaySubnet": "10.0.0.0/27"},
             [link("vnet-hub", "vnet-spoke", allowGatewayTransit=True,
                   allowForwardedTraffic=False)]),
        vnet("vnet-spoke", "10.1.0.0/16", {"snet-app": "10.1.1.0/24"},
             [link("vnet-spoke", "vnet-hub", useRemoteGateways=True)]),
        gateway)
    assert imported.design_data()["peerings"] == [{
        "vnets": ["vnet-spoke", "vnet-hub"], "allow_gateway_transit": True,
        "use_remote_gateways": True, "links": {"vnet-hub": {"allow_forwarded_traffic": False}}}]
    assert imported.design_data()["gateways"] == [
        {"name": "vgw-hub", "type": "vpn", "vnet": "vnet-hub"}]


def test_gateway_transit_without_a_gateway_in_the_sources_is_left_out_and_noted():
    imported = imported_from(
        vnet("vnet-hub", "10.0.0.0/16", {"snet-a": "10.0.0.0/24"},
             [link("vnet-hub", "vnet-spoke", allowGatewayTransit=True)]),
        vnet("vnet-spoke", "10.1.0.0/16", {"snet-b": "10.1.1.0/24"},
             [link("vnet-spoke", "vnet-hub", useRemoteGateways=True)]))
    assert imported.design_data()["peerings"] == [{"vnets": ["vnet-spoke", "vnet-hub"]}]
    assert [n.reason for n in imported.notes] == [
        "allow gateway transit left out: no gateway of its VNet is in the sources",
        "use remote gateways left out: the remote VNet offers no gateway in the sources"]


def test_same_names_in_two_resource_groups_get_unique_design_names():
    imported = imported_from(vnet("vnet-hub", "10.0.0.0/16", {"s": "10.0.0.0/24"}),
                             vnet("vnet-hub", "10.8.0.0/16", {"s": "10.8.0.0/24"},
                                  group="rg-other"))
    assert [v["name"] for v in imported.design_data()["vnets"]] == ["vnet-hub", "vnet-hub-2"]
    other = HUB_ID.replace(f"/resourceGroups/{GROUP}/", "/resourceGroups/rg-other/")
    assert [(n.subject, n.reason) for n in imported.notes] == [
        (other, "named 'vnet-hub-2': another vnet of the sources is named 'vnet-hub'")]


def test_what_the_format_cannot_hold_is_listed_with_the_reason():
    table = {"id": arm_id("Microsoft.Network/routeTables", "rt"), "name": "rt",
             "type": "Microsoft.Network/routeTables", "properties": {"routes": [
                 {"name": "odd-tag", "properties": {"addressPrefix": "NoSuchTag",
                                                    "nextHopType": "Internet"}},
                 {"name": "to-nva", "properties": {"addressPrefix": "10.9.0.0/16",
                                                   "nextHopType": "VirtualAppliance",
                                                   "nextHopIpAddress": "10.0.0.10"}}]}}
    sql_server = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/" \
                 "Microsoft.Sql/servers/sql-prod"
    endpoint = {"id": arm_id("Microsoft.Network/privateEndpoints", "pe-sql"), "name": "pe-sql",
                "type": "Microsoft.Network/privateEndpoints", "properties": {
                    "subnet": {"id": f"{HUB_ID}/subnets/snet-a"},
                    "privateLinkServiceConnections": [
                        {"properties": {"privateLinkServiceId": sql_server}}]}}
    lonely = {**vnet("vnet-spoke", "10.1.0.0/16", {"s": "10.1.0.0/24"},
                     [link("vnet-spoke", "vnet-hub", peeringState="Initiated")])}
    stray_subnet = {"id": arm_id("Microsoft.Network/virtualNetworks/subnets", "vnet-gone", "x"),
                    "name": "x", "properties": {"addressPrefix": "10.7.0.0/24"}}
    ip_group = {"id": arm_id("Microsoft.Network/ipGroups", "ipg"), "name": "ipg",
                "type": "Microsoft.Network/ipGroups", "properties": {"ipAddresses": ["10.9.0.0/16"]}}
    imported = imported_from(vnet("vnet-hub", "10.0.0.0/16", {"snet-a": "10.0.0.0/24"}),
                             lonely, table, endpoint, stray_subnet, ip_group)
    table_id = arm_id("Microsoft.Network/routeTables", "rt")
    assert [(s.subject, s.reason) for s in imported.skipped] == [
        (arm_id("Microsoft.Network/ipGroups", "ipg"),
         "IP groups are not part of the design format: firewall policy rules that use them are "
         "left out"),
        (arm_id("Microsoft.Network/privateEndpoints", "pe-sql"),
         f"its target ({sql_server}) is not a Recovery Services vault, a storage account, a Key "
         "Vault or an Azure Arc or Azure Monitor Private Link Scope"),
        (f"{table_id}/routes/odd-tag", "service tag NoSuchTag is not in flowdocs' catalog"),
        (arm_id("Microsoft.Network/virtualNetworks/subnets", "vnet-gone", "x"),
         f"its virtual network ({arm_id('Microsoft.Network/virtualNetworks', 'vnet-gone').lower()})"
         " is not in the sources"),
        (arm_id("Microsoft.Network/virtualNetworks/virtualNetworkPeerings", "vnet-spoke",
                "to-vnet-hub"),
         "the remote VNet's link of this peering is not in the sources, and its state is not "
         "Connected"),
    ]
    assert [(n.subject, n.reason) for n in imported.notes] == [
        (f"{table_id}/routes/to-nva",
         "next hop 10.0.0.10 is no firewall or NVA of the sources (an internal load balancer?)")]


def test_a_nic_that_forwards_traffic_and_is_a_next_hop_is_an_nva():
    nic = {"id": arm_id("Microsoft.Network/networkInterfaces", "nva01-nic"), "name": "nva01-nic",
           "type": "Microsoft.Network/networkInterfaces", "properties": {
               "enableIPForwarding": True,
               "virtualMachine": {"id": arm_id("Microsoft.Compute/virtualMachines", "nva01")},
               "ipConfigurations": [{"properties": {
                   "privateIPAddress": "10.0.0.10",
                   "subnet": {"id": f"{HUB_ID}/subnets/snet-nva"}}}]}}
    table = {"id": arm_id("Microsoft.Network/routeTables", "rt"), "name": "rt",
             "type": "Microsoft.Network/routeTables", "properties": {"routes": [
                 {"name": "default", "properties": {"addressPrefix": "0.0.0.0/0",
                                                    "nextHopType": "virtualappliance",
                                                    "nextHopIpAddress": "10.0.0.10"}}]}}
    imported = imported_from(vnet("vnet-hub", "10.0.0.0/16", {"snet-nva": "10.0.0.0/24"}),
                             nic, table)
    assert imported.design_data()["firewalls"] == [
        {"name": "nva01", "type": "nva", "subnet": "vnet-hub/snet-nva", "private_ip": "10.0.0.10"}]
    assert imported.design_data()["route_tables"][0]["routes"] == [
        {"name": "default", "address_prefix": "0.0.0.0/0", "next_hop_type": "VirtualAppliance",
         "next_hop_ip": "10.0.0.10"}]
    assert imported.candidates == []  # an NVA is no workload


# Bad input: located errors, every one at once -------------------------------------------------


def problems(*files: tuple[str, str | bytes]) -> list[str]:
    with pytest.raises(DesignErrors) as caught:
        import_design([Source(name, data.encode() if isinstance(data, str) else data)
                       for name, data in files], "x")
    return caught.value.lines()


def test_not_json_is_located_at_the_bad_character():
    assert problems(("broken.json", '[\n  {"id": "/subscriptions/x",}\n]\n')) == [
        "broken.json:2:29: error: not JSON: Expecting property name enclosed in double quotes"]


def test_an_unknown_shape_says_what_is_expected():
    assert problems(("other.json", '{"kind": "inventory", "items": []}')) == [
        "other.json:1:1: error: unknown shape: expected the JSON of `az network ... list`, an "
        "Azure Resource Graph or ARM REST export ({\"data\": [...]}, {\"value\": [...]} or a "
        "list of resources), or `terraform show -json`; found an object with keys: items, kind"]


def test_resources_missing_what_the_design_needs_are_all_reported_in_every_file():
    vnets = json.dumps([
        {"id": HUB_ID, "name": "vnet-hub", "type": "Microsoft.Network/virtualNetworks",
         "properties": {"subnets": []}},
        {"name": "no-id", "type": "Microsoft.Network/virtualNetworks"},
    ], indent=2)
    routes = json.dumps({"value": [
        {"id": arm_id("Microsoft.Network/routeTables", "rt"), "name": "rt",
         "type": "Microsoft.Network/routeTables",
         "properties": {"routes": [{"name": "r1", "properties": {"addressPrefix": "0.0.0.0/0"}},
                                   {"name": "r2", "properties": {
                                       "addressPrefix": "0.0.0.0/0",
                                       "nextHopType": "VirtualAppliance"}}]}}]}, indent=1)
    state = json.dumps({"format_version": "1.0", "values": {"root_module": {"resources": [
        {"address": "azurerm_virtual_network.hub", "mode": "managed",
         "type": "azurerm_virtual_network", "name": "hub",
         "values": {"id": HUB_ID, "name": "vnet-hub"}}]}}}, indent=2)
    assert problems(("vnets.json", vnets), ("routes.json", routes), ("ok.json", "[]"),
                    ("state.json", state), ("tab.json", '\t{"format_version": "2.0"}')) == [
        "vnets.json:2:3: error: virtual network 'vnet-hub' has no address space "
        "(properties.addressSpace.addressPrefixes)",
        "vnets.json:10:3: error: resource has no 'id': flowdocs needs each resource's id to "
        "join references",
        "routes.json:9:6: error: route 'r1' has no properties.nextHopType",
        "routes.json:15:6: error: route 'r2' has next hop type VirtualAppliance but no "
        "properties.nextHopIpAddress",
        "state.json:11:21: error: azurerm_virtual_network.hub has no address_space",
        "tab.json:1:21: error: unsupported format_version \"2.0\" of terraform show -json; "
        "flowdocs reads 1.x",
    ]


def test_text_that_is_not_utf8_or_empty():
    assert problems(("utf16.json", "[]".encode("utf-16")), ("empty.json", " \n"),
                    ("latin1.json", b'[\n{"name": "caf\xe9"}]')) == [
        "utf16.json:1:1: error: the file is UTF-16 text; save it as UTF-8 (in PowerShell: | "
        "Out-File -Encoding utf8)",
        "empty.json:1:1: error: empty file",
        "latin1.json:2:14: error: not UTF-8 text: invalid byte 0xe9",
    ]


def test_a_plan_value_not_known_until_apply_is_skipped_not_an_error():
    plan = {"format_version": "1.2",
            "planned_values": {"root_module": {"resources": [
                {"address": "azurerm_virtual_network.hub", "mode": "managed",
                 "type": "azurerm_virtual_network", "name": "hub",
                 "values": {"name": "vnet-hub", "location": "westeurope"}}]}},
            "resource_changes": [
                {"address": "azurerm_virtual_network.hub", "change": {
                    "actions": ["create"], "after_unknown": {"address_space": True, "id": True}}}]}
    imported = imported_from_files(("plan.json", plan))
    assert [(s.subject, s.reason) for s in imported.skipped] == [
        ("azurerm_virtual_network.hub (to be created)", "address_space is not known until apply")]


def test_an_azapi_resource_body_is_read_as_arm():
    body = {"properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                           "subnets": [{"name": "snet-a",
                                        "properties": {"addressPrefix": "10.0.1.0/24"}}]}}
    state = {"format_version": "1.0", "values": {"root_module": {"resources": [
        {"address": "azapi_resource.vnet", "mode": "managed", "type": "azapi_resource",
         "name": "vnet", "values": {"id": HUB_ID, "name": "vnet-hub", "location": "westeurope",
                                    "type": "Microsoft.Network/virtualNetworks@2023-09-01",
                                    "body": json.dumps(body)}}]}}}
    imported = imported_from_files(("state.json", state))
    assert imported.design_data()["vnets"] == [
        {"name": "vnet-hub", "address_space": ["10.0.0.0/16"],
         "subnets": [{"name": "snet-a", "prefix": "10.0.1.0/24"}]}]


def imported_from_files(*files: tuple[str, object]):
    imported = import_design([Source(name, json.dumps(data).encode()) for name, data in files],
                             "estate")
    checked_design_yaml(imported, "estate.yaml")
    return imported


# Security policy: network security groups and firewall policies ---------------------------------

ESTATE_NSG = {"name": "nsg-sql", "rules": [
    {"name": "allow-rdp-from-hub", "priority": 200, "direction": "Inbound", "access": "Allow",
     "protocol": "Tcp", "source_address_prefixes": ["10.0.0.0/16", "10.255.10.0/24"],
     "destination_address_prefixes": ["10.1.1.0/24"], "destination_port_ranges": ["3389"],
     "description": "Administration from the hub's jump hosts"},
    {"name": "allow-backup-to-endpoints", "priority": 100, "direction": "Outbound",
     "access": "Allow", "protocol": "Tcp", "source_address_prefixes": ["10.1.1.0/24"],
     "destination_address_prefixes": ["10.1.2.0/24"], "destination_port_ranges": ["443"],
     "description": "SQL Server backup to the vault's private endpoint"},
    {"name": "allow-entra-id", "priority": 110, "direction": "Outbound", "access": "Allow",
     "protocol": "Tcp", "source_address_prefixes": ["VirtualNetwork"],
     "destination_address_prefixes": ["AzureActiveDirectory"],
     "destination_port_ranges": ["443", "80"]},
    {"name": "deny-internet", "priority": 4000, "direction": "Outbound", "access": "Deny",
     "protocol": "*", "source_address_prefixes": ["*"],
     "destination_address_prefixes": ["Internet"], "destination_port_ranges": ["*"]}]}
ESTATE_POLICIES = [
    {"name": "afwp-base"},
    {"name": "afwp-hub", "base_policy": "afwp-base", "rule_collection_groups": [
        {"name": "rcg-spokes", "priority": 200, "rule_collections": [
            {"name": "net-allow-platform", "priority": 200, "action": "Allow", "kind": "network",
             "rules": [
                 {"name": "entra-id", "source_addresses": ["10.1.0.0/16"], "ip_protocols": ["TCP"],
                  "destination_addresses": ["AzureActiveDirectory"], "destination_ports": ["443"]},
                 {"name": "ntp", "source_addresses": ["10.1.0.0/16"], "ip_protocols": ["UDP"],
                  "destination_addresses": ["*"], "destination_ports": ["123"],
                  "description": "Time for the domain-joined VMs"}]},
            {"name": "app-allow-updates", "priority": 300, "action": "Allow",
             "kind": "application", "rules": [
                 {"name": "windows-update", "source_addresses": ["10.1.1.0/24"],
                  "protocols": [{"protocol_type": "Http", "port": 80},
                                {"protocol_type": "Https", "port": 443}],
                  "fqdn_tags": ["WindowsUpdate"]},
                 {"name": "sql-server-downloads", "source_addresses": ["10.1.1.0/24"],
                  "protocols": [{"protocol_type": "Https", "port": 443}],
                  "target_fqdns": ["download.microsoft.com", "*.download.windowsupdate.com"]}]}]}]}]
DNAT_LEFT_OUT = ("DNAT rule collections are not part of the design format (they translate "
                 "inbound traffic to the firewall's public IP, they do not filter it)")
IP_GROUPS_LEFT_OUT = "it uses source IP groups, which the design format does not hold"


@pytest.mark.parametrize("shape", FIXTURES)
def test_each_shape_imports_the_estates_nsg_and_firewall_policy(shape):
    imported = import_design(sources(FIXTURES[shape]), "hub-spoke-sql")
    _, loaded = checked_design_yaml(imported, "hub-spoke-sql.yaml")  # it loads, and resolves
    data = imported.design_data()
    subnets = {f"{v['name']}/{s['name']}": s.get("network_security_group")
               for v in data["vnets"] for s in v["subnets"]}
    assert subnets == {"vnet-hub/AzureFirewallSubnet": None,
                       "vnet-spoke-sql/snet-sql": "nsg-sql", "vnet-spoke-sql/snet-endpoints": None}
    assert data["network_security_groups"] == [ESTATE_NSG]
    assert [(f["name"], f.get("policy")) for f in data["firewalls"]] == [("afw-hub", "afwp-hub")]
    assert data["firewall_policies"] == ESTATE_POLICIES
    # What the format cannot hold is listed, by the collection and the rule, with the reason.
    left_out = [(s.subject.rsplit(", rule collection ", 1)[-1], s.reason)
                for s in imported.skipped if ", rule collection " in s.subject]
    assert left_out == [("dnat-rdp-jumpbox", DNAT_LEFT_OUT),
                        ("net-allow-platform, rule sql-from-onprem-dbas", IP_GROUPS_LEFT_OUT)]
    counts = imported.counts()
    assert (counts["network_security_groups"], counts["firewall_policies"],
            counts["security_rules"]) == (1, 2, 8)
    assert loaded.design.firewalls[0].policy == "afwp-hub"


def nsg(name: str, *rules: dict, subnets: tuple[str, ...] = ()) -> dict:
    nsg_id = arm_id("Microsoft.Network/networkSecurityGroups", name)
    return {"id": nsg_id, "name": name, "type": "Microsoft.Network/networkSecurityGroups",
            "properties": {"securityRules": [
                {"id": f"{nsg_id}/securityRules/{r['name']}", "name": r["name"],
                 "properties": {k: v for k, v in r.items() if k != "name"}} for r in rules],
                "defaultSecurityRules": [
                    {"name": "DenyAllInBound", "properties": {
                        "priority": 65500, "direction": "Inbound", "access": "Deny",
                        "protocol": "*", "sourceAddressPrefix": "*",
                        "destinationAddressPrefix": "*", "destinationPortRange": "*"}}],
                "subnets": [{"id": s} for s in subnets]}}


def rule(name: str, priority: int, direction: str = "Inbound", **fields: object) -> dict:
    return {"name": name, "priority": priority, "direction": direction, "access": "Allow",
            "protocol": "Tcp", "sourcePortRange": "*", **fields}


@pytest.mark.parametrize("shape", ["arm", "az"])
def test_singular_and_plural_prefix_and_port_fields_merge_into_one_list(shape):
    resources = [
        vnet("vnet-hub", "10.0.0.0/16", {"snet-a": "10.0.0.0/24"}),
        nsg("nsg-a", rule("web", 100, sourceAddressPrefix="10.8.0.0/24",
                          sourceAddressPrefixes=["10.9.0.0/24", "10.8.0.0/24"],
                          destinationAddressPrefix="", destinationAddressPrefixes=["10.0.0.4"],
                          destinationPortRange="443", destinationPortRanges=["8443", "443"]),
            subnets=(f"{HUB_ID}/subnets/snet-a",))]
    exported = resources if shape == "arm" else flatten(resources)
    imported = imported_from(*exported)
    data = imported.design_data()
    assert data["vnets"][0]["subnets"][0]["network_security_group"] == "nsg-a"  # NSG's subnets
    assert data["network_security_groups"] == [{"name": "nsg-a", "rules": [{
        "name": "web", "priority": 100, "direction": "Inbound", "access": "Allow",
        "protocol": "Tcp", "source_address_prefixes": ["10.8.0.0/24", "10.9.0.0/24"],
        "destination_address_prefixes": ["10.0.0.4"],
        "destination_port_ranges": ["443", "8443"]}]}]  # the default rules are implicit


def test_a_security_rule_exported_alone_joins_its_nsg_and_a_missing_nsg_is_noted():
    nsg_id = arm_id("Microsoft.Network/networkSecurityGroups", "nsg-a")
    alone = {"id": f"{nsg_id}/securityRules/ssh",
             "name": "ssh", "type": "Microsoft.Network/networkSecurityGroups/securityRules",
             "properties": rule("ssh", 300, "Inbound", sourceAddressPrefix="10.0.0.0/8",
                                destinationAddressPrefix="*", destinationPortRange="22")}
    stray = {**alone, "id": arm_id("Microsoft.Network/networkSecurityGroups/securityRules",
                                   "nsg-gone", "ssh")}
    subnet_nsg = arm_id("Microsoft.Network/networkSecurityGroups", "nsg-other")
    hub = vnet("vnet-hub", "10.0.0.0/16", {"snet-a": "10.0.0.0/24"})
    hub["properties"]["subnets"][0]["properties"]["networkSecurityGroup"] = {"id": subnet_nsg}
    imported = imported_from(hub, nsg("nsg-a"), alone, stray)
    assert imported.design_data()["network_security_groups"][0]["rules"] == [{
        "name": "ssh", "priority": 300, "direction": "Inbound", "access": "Allow",
        "protocol": "Tcp", "source_address_prefixes": ["10.0.0.0/8"],
        "destination_address_prefixes": ["*"], "destination_port_ranges": ["22"]}]
    assert "network_security_group" not in imported.design_data()["vnets"][0]["subnets"][0]
    assert [(s.subject, s.reason) for s in imported.skipped] == [
        (stray["id"], f"its network security group ({stray['id'].lower().rsplit('/', 2)[0]}) "
                      "is not in the sources")]
    assert [(n.subject, n.reason) for n in imported.notes] == [
        (f"{HUB_ID}/subnets/snet-a", f"network security group {subnet_nsg.lower()} is not in "
                                     "the sources: the subnet is imported without it")]


def policy(name: str, *groups: dict, base: str | None = None, listed: tuple[str, ...] = ()
           ) -> dict:
    """A firewall policy with its rule collection groups embedded whole (an export may), or
    only `listed` by id, as ARM's GET lists them."""
    policy_id = arm_id("Microsoft.Network/firewallPolicies", name)
    properties: dict = {"ruleCollectionGroups": [
        *({"id": f"{policy_id}/ruleCollectionGroups/{g['name']}", **g} for g in groups),
        *({"id": f"{policy_id}/ruleCollectionGroups/{g}"} for g in listed)]}
    if base:
        properties["basePolicy"] = {"id": arm_id("Microsoft.Network/firewallPolicies", base)}
    return {"id": policy_id, "name": name, "type": "Microsoft.Network/firewallPolicies",
            "properties": properties}


def group(name: str, priority: int, *collections: dict) -> dict:
    return {"name": name, "properties": {"priority": priority,
                                         "ruleCollections": list(collections)}}


def collection(name: str, priority: int, *rules: dict, action: str = "Allow",
               kind: str = "FirewallPolicyFilterRuleCollection") -> dict:
    return {"ruleCollectionType": kind, "name": name, "priority": priority,
            "action": {"type": action}, "rules": list(rules)}


def network_rule(name: str, **fields: object) -> dict:
    return {"ruleType": "NetworkRule", "name": name, "ipProtocols": ["TCP"],
            "sourceAddresses": ["10.1.0.0/16"], "destinationAddresses": ["10.2.0.0/16"],
            "destinationPorts": ["443"], **fields}


def application_rule(name: str, **fields: object) -> dict:
    return {"ruleType": "ApplicationRule", "name": name,
            "protocols": [{"protocolType": "Https", "port": 443}],
            "sourceAddresses": ["10.1.0.0/16"], "targetFqdns": ["example.com"], **fields}


def test_rules_the_format_cannot_hold_are_left_out_whole_with_the_reason():
    hub = vnet("vnet-hub", "10.0.0.0/16", {"snet-a": "10.0.0.0/24"})
    rules = collection(
        "net", 200,
        network_rule("kept", ipProtocols=["tcp", "Any"], destinationAddresses=["storage"]),
        network_rule("to-ip-group", destinationAddresses=[],
                     destinationIpGroups=[arm_id("Microsoft.Network/ipGroups", "ipg")]),
        network_rule("to-fqdn", destinationAddresses=[], destinationFqdns=["sql.example.com"]),
        network_rule("to-range", destinationAddresses=["10.2.0.1-10.2.0.9"]))
    web = collection(
        "app", 300,
        application_rule("categories", targetFqdns=[], webCategories=["Gambling"]),
        application_rule("urls", targetFqdns=[], targetUrls=["example.com/path"]),
        application_rule("mssql", protocols=[{"protocolType": "mssql", "port": 1433}]),
        action="Deny")
    mixed = collection("mixed", 400, network_rule("n"), application_rule("a"))
    dnat = collection("dnat", 100, {"ruleType": "NatRule", "name": "rdp"}, action="DNAT",
                      kind="FirewallPolicyNatRuleCollection")
    asg = {"id": arm_id("Microsoft.Network/applicationSecurityGroups", "asg-web")}
    security = nsg("nsg-a",
                   rule("from-asg", 100, sourceApplicationSecurityGroups=[asg],
                        destinationAddressPrefix="*", destinationPortRange="443"),
                   rule("high-ports", 110, sourcePortRange="1024-65535",
                        sourceAddressPrefix="*", destinationAddressPrefix="*",
                        destinationPortRange="8080"))
    security["properties"]["networkInterfaces"] = [
        {"id": arm_id("Microsoft.Network/networkInterfaces", "vm01-nic")}]
    imported = imported_from(hub, security,
                             policy("afwp", group("rcg", 100, rules, web, mixed, dnat)))
    data = imported.design_data()
    groups = data["firewall_policies"][0]["rule_collection_groups"]
    assert groups == [{"name": "rcg", "priority": 100, "rule_collections": [
        {"name": "net", "priority": 200, "action": "Allow", "kind": "network", "rules": [
            {"name": "kept", "source_addresses": ["10.1.0.0/16"], "ip_protocols": ["TCP", "Any"],
             "destination_addresses": ["Storage"], "destination_ports": ["443"]}]},
        {"name": "app", "priority": 300, "action": "Deny", "kind": "application", "rules": [
            {"name": "mssql", "source_addresses": ["10.1.0.0/16"],
             "protocols": [{"protocol_type": "Mssql", "port": 1433}],
             "target_fqdns": ["example.com"]}]}]}]
    assert [r["name"] for r in data["network_security_groups"][0]["rules"]] == ["high-ports"]
    where = arm_id("Microsoft.Network/firewallPolicies/ruleCollectionGroups", "afwp", "rcg")
    assert [(s.subject.removeprefix(where), s.reason) for s in imported.skipped] == [
        (", rule collection app, rule categories",
         "it uses web categories, which the design format does not hold"),
        (", rule collection app, rule urls",
         "it uses target URLs, which the design format does not hold"),
        (", rule collection dnat", DNAT_LEFT_OUT),
        (", rule collection mixed",
         "its rules are of several types, or of one the design format does not know: a rule "
         "collection holds network rules or application rules"),
        (", rule collection net, rule to-fqdn",
         "it uses destination FQDNs, which the design format does not hold"),
        (", rule collection net, rule to-ip-group",
         "it uses destination IP groups, which the design format does not hold"),
        (", rule collection net, rule to-range",
         "address range 10.2.0.1-10.2.0.9 is not part of the design format (it holds CIDRs, IP "
         "addresses, * and service tags)"),
        (arm_id("Microsoft.Network/networkSecurityGroups/securityRules", "nsg-a", "from-asg")
         .removeprefix(where),
         "it uses source application security groups, which the design format does not hold"),
    ]
    assert [(n.subject.rsplit("/", 1)[-1], n.reason) for n in imported.notes] == [
        ("nsg-a", "it is on network interfaces too, which the design format does not hold (it "
                  "holds subnets' NSGs): flows are not checked against it there"),
        ("high-ports", "source ports 1024-65535 are not part of the design format: the rule is "
                       "imported as if for any source port")]


def test_policies_and_groups_not_in_the_sources_are_left_out_and_noted():
    hub = vnet("vnet-hub", "10.0.0.0/16", {"AzureFirewallSubnet": "10.0.1.0/26"})
    gone = arm_id("Microsoft.Network/firewallPolicies", "afwp-gone")
    firewall = {"id": arm_id("Microsoft.Network/azureFirewalls", "afw"), "name": "afw",
                "type": "Microsoft.Network/azureFirewalls", "properties": {
                    "sku": {"name": "AZFW_VNet", "tier": "Premium"},
                    "firewallPolicy": {"id": gone},
                    "ipConfigurations": [{"properties": {
                        "privateIPAddress": "10.0.1.4",
                        "subnet": {"id": f"{HUB_ID}/subnets/AzureFirewallSubnet"}}}]}}
    child = policy("afwp-child", base="afwp-parent", listed=("rcg-elsewhere",))
    orphan = {"id": arm_id("Microsoft.Network/firewallPolicies/ruleCollectionGroups",
                           "afwp-other", "rcg"),
              "name": "rcg", "type": "Microsoft.Network/firewallPolicies/ruleCollectionGroups",
              "properties": {"priority": 100, "ruleCollections": []}}
    imported = imported_from(hub, firewall, child, orphan)
    data = imported.design_data()
    assert data["firewalls"][0] == {"name": "afw", "type": "azure-firewall", "sku": "Premium",
                                    "subnet": "vnet-hub/AzureFirewallSubnet",
                                    "private_ip": "10.0.1.4"}
    assert data["firewall_policies"] == [{"name": "afwp-child"}]
    child_id = child["id"]
    assert [(n.subject, n.reason) for n in imported.notes] == [
        (firewall["id"], f"firewall policy {gone.lower()} is not in the sources: the firewall "
                         "is imported without it, so its verdict on flows is unknown"),
        (child_id, f"base policy {arm_id('Microsoft.Network/firewallPolicies', 'afwp-parent').lower()}"
                   " is not in the sources: imported without it (its rules come before this "
                   "policy's)"),
        (child_id, f"rule collection groups {child_id.lower()}/rulecollectiongroups/"
                   "rcg-elsewhere are not in the sources (export them with `az network firewall "
                   "policy rule-collection-group list`)")]
    assert [(s.subject, s.reason) for s in imported.skipped] == [
        (orphan["id"], f"its firewall policy ({orphan['id'].lower().rsplit('/', 2)[0]}) is not "
                       "in the sources")]


def test_names_and_priorities_the_format_refuses_are_renamed_or_left_out():
    hub = vnet("vnet-hub", "10.0.0.0/16", {"snet-a": "10.0.0.0/24"})
    security = nsg("nsg a", rule("Allow HTTPS", 100, destinationPortRange="443"),
                   rule("same-slot", 100, destinationPortRange="80"),
                   rule("ok", 100, "Outbound", destinationPortRange="80"))
    rules = collection("net rules", 100, network_rule("one"))
    later = collection("later", 100, network_rule("three"))
    imported = imported_from(hub, security, policy("afwp", group("rcg", 70000),
                                                   group("rcg2", 200, rules, later)))
    data = imported.design_data()
    assert [(r["name"], r["direction"], r["priority"])
            for r in data["network_security_groups"][0]["rules"]] == [
        ("Allow-HTTPS", "Inbound", 100), ("ok", "Outbound", 100)]
    assert data["network_security_groups"][0]["name"] == "nsg-a"
    assert data["firewall_policies"][0]["rule_collection_groups"] == [
        {"name": "rcg2", "priority": 200, "rule_collections": [
            {"name": "later", "priority": 100, "action": "Allow", "kind": "network", "rules": [
                {"name": "three", "source_addresses": ["10.1.0.0/16"], "ip_protocols": ["TCP"],
                 "destination_addresses": ["10.2.0.0/16"], "destination_ports": ["443"]}]}]}]
    reasons = sorted(s.reason for s in imported.skipped)
    assert reasons == ["inbound priority 100 is also that of rule 'Allow-HTTPS'",
                       "priority 100 is also that of 'later'",
                       "priority 70000 is outside the design format's 100 to 65000"]


def test_what_the_designs_checks_would_refuse_is_left_out_and_the_rest_loads():
    hub = vnet("vnet-hub", "10.0.0.0/16", {"AzureFirewallSubnet": "10.0.1.0/26",
                                           "snet-a": "10.0.2.0/24"})
    security = nsg("nsg-a",
                   rule("from-gateway-manager", 100, sourceAddressPrefix="GatewayManager",
                        destinationAddressPrefix="*", destinationPortRange="443"),
                   rule("too-high", 110, sourceAddressPrefix="*",
                        destinationAddressPrefix="*", destinationPortRange="80-70000"),
                   rule("web", 120, sourceAddressPrefix="internet",
                        destinationAddressPrefix="storage.WestEurope", destinationPortRange="443"),
                   subnets=(f"{HUB_ID}/subnets/AzureFirewallSubnet", f"{HUB_ID}/subnets/snet-a"))
    first, second = policy("afwp-one", base="afwp-two"), policy("afwp-two", base="afwp-one")
    imported = imported_from(hub, security, first, second)  # it loads: checked_design_yaml
    data = imported.design_data()
    assert [s.get("network_security_group") for s in data["vnets"][0]["subnets"]] == \
        [None, "nsg-a"]
    assert data["network_security_groups"][0]["rules"] == [{
        "name": "web", "priority": 120, "direction": "Inbound", "access": "Allow",
        "protocol": "Tcp", "source_address_prefixes": ["Internet"],
        "destination_address_prefixes": ["Storage.WestEurope"],
        "destination_port_ranges": ["443"]}]
    assert data["firewall_policies"] == [{"name": "afwp-one"}, {"name": "afwp-two"}]
    assert sorted(s.reason for s in imported.skipped) == [
        "not a value the design format accepts: destination_port_ranges: expected ports from 0 "
        "to 65535, low to high, found '80-70000'",
        "service tag GatewayManager is not in flowdocs' catalog"]
    assert sorted(n.reason for n in imported.notes) == [
        "Azure does not allow an NSG on AzureFirewallSubnet: nsg-a left out",
        "base policy afwp-one leads back to this policy, which Azure does not allow: left out",
        "base policy afwp-two leads back to this policy, which Azure does not allow: left out"]


def test_terraform_rules_map_to_the_formats_spellings():
    nsg_id = arm_id("Microsoft.Network/networkSecurityGroups", "nsg-a")
    policy_id = arm_id("Microsoft.Network/firewallPolicies", "afwp")
    tf_rule = {"name": "icmp", "priority": 100, "direction": "Inbound", "access": "Deny",
               "protocol": "Icmp", "source_address_prefix": "*", "source_address_prefixes": [],
               "destination_address_prefix": "", "destination_address_prefixes": ["10.0.0.0/24"],
               "destination_port_range": "*", "destination_port_ranges": [],
               "source_port_range": "*", "source_port_ranges": [], "description": "",
               "source_application_security_group_ids": [],
               "destination_application_security_group_ids": []}
    groups = {"name": "rcg", "priority": 100, "firewall_policy_id": policy_id,
              "network_rule_collection": [{"name": "net", "priority": 100, "action": "Deny",
                                           "rule": [{"name": "any", "protocols": ["Any", "ICMP"],
                                                     "source_addresses": ["*"],
                                                     "destination_addresses": ["*"],
                                                     "destination_ports": ["*"],
                                                     "source_ip_groups": [],
                                                     "destination_ip_groups": [],
                                                     "destination_fqdns": []}]}],
              "application_rule_collection": [{"name": "app", "priority": 200, "action": "Allow",
                                               "rule": [{"name": "sql",
                                                         "protocols": [{"type": "Mssql",
                                                                        "port": 1433}],
                                                         "source_addresses": ["10.0.0.0/24"],
                                                         "destination_fqdns": ["db.example.com"],
                                                         "destination_fqdn_tags": [],
                                                         "destination_urls": [],
                                                         "web_categories": []}]}],
              "nat_rule_collection": [{"name": "dnat", "priority": 300, "action": "Dnat",
                                       "rule": [{"name": "rdp"}]}]}
    state = {"format_version": "1.0", "values": {"root_module": {"resources": [
        {"address": "azurerm_network_security_group.a", "mode": "managed",
         "type": "azurerm_network_security_group", "name": "a",
         "values": {"id": nsg_id, "name": "nsg-a", "security_rule": [tf_rule]}},
        {"address": "azurerm_firewall_policy.p", "mode": "managed",
         "type": "azurerm_firewall_policy", "name": "p",
         "values": {"id": policy_id, "name": "afwp", "base_policy_id": None}},
        {"address": "azurerm_firewall_policy_rule_collection_group.g", "mode": "managed",
         "type": "azurerm_firewall_policy_rule_collection_group", "name": "g",
         "values": {"id": f"{policy_id}/ruleCollectionGroups/rcg", **groups}}]}}}
    imported = imported_from_files(("state.json", state))
    data = imported.design_data()
    assert data["network_security_groups"] == [{"name": "nsg-a", "rules": [{
        "name": "icmp", "priority": 100, "direction": "Inbound", "access": "Deny",
        "protocol": "Icmp", "source_address_prefixes": ["*"],
        "destination_address_prefixes": ["10.0.0.0/24"], "destination_port_ranges": ["*"]}]}]
    assert data["firewall_policies"] == [{"name": "afwp", "rule_collection_groups": [
        {"name": "rcg", "priority": 100, "rule_collections": [
            {"name": "net", "priority": 100, "action": "Deny", "kind": "network", "rules": [
                {"name": "any", "source_addresses": ["*"], "ip_protocols": ["Any", "ICMP"],
                 "destination_addresses": ["*"], "destination_ports": ["*"]}]},
            {"name": "app", "priority": 200, "action": "Allow", "kind": "application",
             "rules": [{"name": "sql", "source_addresses": ["10.0.0.0/24"],
                        "protocols": [{"protocol_type": "Mssql", "port": 1433}],
                        "target_fqdns": ["db.example.com"]}]}]}]}]
    assert [s.reason for s in imported.skipped] == [DNAT_LEFT_OUT]


@pytest.mark.parametrize("shape", ["arm", "az"])
def test_round_trip_keeps_the_security_policy(shape):
    """Design (d) with an NSG on its SQL subnet and a policy on its firewall, exported as Azure
    would list it and imported back: the same NSG, policies and references."""
    data = load_design(DESIGNS / "d-sql-vault-private-endpoint.yaml").design.model_dump(
        mode="json", exclude_defaults=True, exclude={"extends"})
    data["vnets"][1]["subnets"][0]["network_security_group"] = "nsg-sql"
    data["firewalls"][0]["policy"] = "afwp-hub"
    data["network_security_groups"] = [ESTATE_NSG]
    data["firewall_policies"] = ESTATE_POLICIES
    original = load_design_bytes(yaml.safe_dump(data).encode(), "secured.yaml").design
    assert original.vnets[1].subnets[0].name == "snet-sql"
    exported = json.dumps(export_design(original, shape)).encode()
    _, loaded = checked_design_yaml(import_design([Source("estate.json", exported)], "x"),
                                    "x.yaml")
    design = loaded.design
    assert design.network_security_groups == original.network_security_groups
    assert design.firewall_policies == original.firewall_policies
    assert [(s.name, s.network_security_group) for v in design.vnets for s in v.subnets] == \
        [(s.name, s.network_security_group) for v in original.vnets for s in v.subnets]
    assert [f.policy for f in design.firewalls] == ["afwp-hub"]


# A hub's network parts: gateway connections, Route Server, internal load balancers ------------
#
# The fixtures under data/import/hub/ describe the hub of design (k) and its SQL spoke: an
# active-active VPN gateway with a BGP connection to the data centre and a static one to a
# branch office (each with its local network gateway), a Route Server peering with the two
# NVAs, and two internal load balancers in front of the same pair (HA ports; TCP 443 and 1433
# with a UDP rule), plus one in front of two web servers, which the format cannot hold. Each
# shape has them: the az CLI's (`vnet-gateway list`, `vpn-connection list`, `local-gateway
# list`, `routeserver list`, `routeserver peering list`, `lb list`, ...), ARM REST's,
# Resource Graph's (the Route Server's children, IP configuration and BGP connections, from
# ARM REST beside the page), and `terraform show -json` of a state (azurerm v4) and of a plan
# creating it all (azurerm v3).

HUB_DATA = DATA / "hub"
HUB_FIXTURES = {
    "az": sorted((HUB_DATA / "az").glob("*.json")),
    "arm": sorted((HUB_DATA / "arm").glob("*.json")),
    "resource-graph": sorted((HUB_DATA / "resource-graph").glob("*.json")),
    "terraform-state": [HUB_DATA / "terraform" / "state.json"],
    "terraform-plan": [HUB_DATA / "terraform" / "plan.json"],
}
HUB_NVAS = [{"name": "nva-a", "type": "nva", "subnet": "vnet-hub/snet-nva",
             "private_ip": "10.0.2.4"},
            {"name": "nva-b", "type": "nva", "subnet": "vnet-hub/snet-nva",
             "private_ip": "10.0.2.5"}]
HUB_CONNECTIONS = [
    {"name": "cn-branch-office", "type": "ipsec", "learned_prefixes": ["10.200.0.0/24"]},
    {"name": "cn-datacentre", "type": "ipsec", "bgp": True,
     "learned_prefixes": ["192.168.0.0/16", "172.16.0.0/12"]}]
HUB_ROUTE_SERVERS = [{"name": "rs-hub", "vnet": "vnet-hub", "branch_to_branch": True, "peers": [
    {"name": "nva-a", "peer_ip": "10.0.2.4", "advertised_prefixes": []},
    {"name": "nva-b", "peer_ip": "10.0.2.5", "advertised_prefixes": []}]}]
HUB_LOAD_BALANCERS = [
    {"name": "ilb-nva", "subnet": "vnet-hub/snet-nva", "frontend_ip": "10.0.2.10",
     "ha_ports": True, "backends": ["nva-a", "nva-b"]},
    {"name": "ilb-nva-ports", "subnet": "vnet-hub/snet-nva", "frontend_ip": "10.0.2.11",
     "ports": [443, 1433], "backends": ["nva-a", "nva-b"]}]


def hub_import(shape: str):
    imported = import_design(sources(HUB_FIXTURES[shape]), "hub")
    text, _ = checked_design_yaml(imported, "hub.yaml")  # it validates and resolves
    return imported, text


# What a plan's messages call the hub's resources: their addresses (they have no id yet).
PLAN_ADDRESSES = {"ilb-web": "azurerm_lb.web", "ilb-nva-ports": "azurerm_lb.nva_ports",
                  "cn-datacentre": "azurerm_virtual_network_gateway_connection.datacentre",
                  "nva-a": "azurerm_route_server_bgp_connection.nva_a",
                  "nva-b": "azurerm_route_server_bgp_connection.nva_b",
                  "vgw-hub": "azurerm_virtual_network_gateway.hub"}


def reasons(items, shape: str, *names: str) -> list[tuple[str, str]]:
    """(the resource's name and what the subject adds, the reason) of the items about the
    resources `names`, however the shape names them: by id (`.../ilb-nva-ports, rule dns`),
    by address and id (`azurerm_lb.nva_ports (.../ilb-nva-ports), rule dns`), or by address
    alone (`azurerm_lb.nva_ports (to be created), rule dns`)."""
    found = []
    for item in items:
        for name in names:
            head = re.escape(f"{PLAN_ADDRESSES[name]} (to be created)"
                             if shape == "terraform-plan" else f"/{name}")
            match = re.search(rf"{head}\)?(?=$|,)", item.subject)
            if match:
                found.append((name + item.subject[match.end():], item.reason))
    return found


@pytest.mark.parametrize("shape", HUB_FIXTURES)
def test_each_shape_imports_gateway_connections_route_server_and_load_balancers(shape):
    imported, _ = hub_import(shape)
    data = imported.design_data()
    # A plan leaves the gateway's instances to apply; every other shape has them.
    instances = {} if shape == "terraform-plan" else {"instances": ["10.0.0.4", "10.0.0.5"]}
    assert data["gateways"] == [{"name": "vgw-hub", "type": "vpn", "vnet": "vnet-hub",
                                 **instances, "connections": HUB_CONNECTIONS}]
    assert data["route_servers"] == HUB_ROUTE_SERVERS
    assert data["load_balancers"] == HUB_LOAD_BALANCERS
    # The NVAs are found as the load balancers' backends and the Route Server's peers: no
    # route names their IPs.
    assert data["firewalls"] == HUB_NVAS
    assert [w.data["name"] for w in imported.candidates] == ["sqlvm01", "web01", "web02"]
    counts = imported.counts()
    assert (counts["gateways"], counts["connections"], counts["route_servers"],
            counts["load_balancers"]) == (1, 2, 1, 2)
    assert reasons(imported.skipped, shape, "ilb-web") == [
        ("ilb-web", "its backends (10.1.2.4, 10.1.2.5) are not NVAs of the design (NICs that "
                    "forward traffic): the design format's load balancers stand in front of "
                    "appliances")]
    group = "RESOURCE_GROUP" if shape == "terraform-plan" else "rg-hub"
    expected_notes = [
        ("cn-datacentre", "a BGP connection: learned_prefixes are its local network gateway's "
                          "address space, an approximation; the prefixes the gateway learns over "
                          "BGP are listed by `az network vnet-gateway list-learned-routes -g "
                          f"{group} -n vgw-hub`"),
        ("ilb-nva-ports, rule dns", "protocol Udp port 53: left out, the design format's ports "
                                    "are TCP ports"),
        *((peer, "advertised_prefixes left empty: what the NVA advertises is in no export; `az "
                 f"network routeserver peering list-learned-routes -g {group} --routeserver "
                 f"rs-hub -n {peer}` lists it") for peer in ("nva-a", "nva-b")),
        *([("vgw-hub", "instances left empty: its instances' IPs are not known until apply")]
          if shape == "terraform-plan" else [])]
    assert sorted(reasons(imported.notes, shape, *PLAN_ADDRESSES)) == sorted(expected_notes)


@pytest.mark.parametrize("shape", HUB_FIXTURES)
def test_the_imported_hub_sends_the_spokes_flows_through_the_load_balancers_backends(shape):
    _, text = hub_import(shape)
    chosen = load_design_bytes(with_candidates(text).encode(), "chosen.yaml").design
    found = [f for f in resolve(chosen).flows if f.workload == "sqlvm01"]
    assert {f.service for f in found} == {"AzureActiveDirectory", "AzureBackup", "Storage"}
    for flow in found:
        assert flow.firewalls == ("nva-a", "nva-b")  # both need the rules
        path = [(hop.node, hop.kind) for hop in flow.hops]
        at = path.index(("ilb-nva", "load-balancer"))
        assert path[at + 1:at + 3] == [("nva-a", "firewall"), ("nva-b", "firewall")]
    # The same flows as design (k), whose hub this is.
    expected = load_design(DESIGNS / "k-hub-route-server-nva-pair.yaml").design
    assert [f for f in flows(chosen) if f[0] == "sqlvm01"] == flows(expected)


def gateway_resource(name: str, kind: str, **properties: object) -> dict:
    return {"id": arm_id("Microsoft.Network/virtualNetworkGateways", name), "name": name,
            "type": "Microsoft.Network/virtualNetworkGateways",
            "properties": {"gatewayType": kind, "ipConfigurations": [{"properties": {
                "subnet": {"id": f"{HUB_ID}/subnets/GatewaySubnet"}}}], **properties}}


def connection_resource(name: str, kind: str, gateway: str, **properties: object) -> dict:
    return {"id": arm_id("Microsoft.Network/connections", name), "name": name,
            "type": "Microsoft.Network/connections",
            "properties": {"connectionType": kind, "virtualNetworkGateway1": {
                "id": arm_id("Microsoft.Network/virtualNetworkGateways", gateway)},
                **properties}}


def local_gateway_resource(name: str, *prefixes: str) -> dict:
    return {"id": arm_id("Microsoft.Network/localNetworkGateways", name), "name": name,
            "type": "Microsoft.Network/localNetworkGateways",
            "properties": {"localNetworkAddressSpace": {"addressPrefixes": list(prefixes)}}}


def forwarding_nic(name: str, vnet_id: str, subnet: str, ip: str) -> dict:
    return {"id": arm_id("Microsoft.Network/networkInterfaces", name), "name": name,
            "type": "Microsoft.Network/networkInterfaces", "properties": {
                "enableIPForwarding": True, "ipConfigurations": [{
                    "name": "ipconfig1",
                    "id": arm_id("Microsoft.Network/networkInterfaces/ipConfigurations", name,
                                 "ipconfig1"),
                    "properties": {"privateIPAddress": ip,
                                   "subnet": {"id": f"{vnet_id}/subnets/{subnet}"}}}]}}


def by_id(item) -> tuple[str, str]:
    return item.subject.removeprefix(f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/"
                                     "providers/"), item.reason


def test_gateway_instances_and_connections_the_format_cannot_hold_are_noted_or_left_out():
    # An active-standby VPN gateway and an ExpressRoute gateway in one GatewaySubnet (Azure
    # allows one of each), and connections of every kind.
    vpn = gateway_resource("vgw", "Vpn", activeActive=False, bgpSettings={
        "bgpPeeringAddresses": [{"defaultBgpIpAddresses": ["10.0.0.4"],
                                 "customBgpIpAddresses": ["169.254.21.1"]}]})
    expressroute = gateway_resource("ergw", "ExpressRoute")
    lng_gone = arm_id("Microsoft.Network/localNetworkGateways", "lng-gone")
    embedded = {"id": arm_id("Microsoft.Network/localNetworkGateways", "lng-embedded"),
                "properties": {"localNetworkAddressSpace": {"addressPrefixes": ["10.9.0.0/16",
                                                                                "10.9.1.1/16"]}}}
    imported = imported_from(
        vnet("vnet-hub", "10.0.0.0/16", {"GatewaySubnet": "10.0.0.0/27"}), vpn, expressroute,
        connection_resource("cn-static", "IPsec", "vgw", localNetworkGateway2={"id": lng_gone}),
        connection_resource("cn-embedded", "IPsec", "vgw", localNetworkGateway2=embedded),
        connection_resource("cn-er", "ExpressRoute", "ergw", enableBgp=False),
        connection_resource("cn-v2v", "Vnet2Vnet", "vgw"),
        connection_resource("cn-wrong", "IPsec", "ergw"),
        connection_resource("cn-orphan", "IPsec", "vgw-elsewhere"),
        local_gateway_resource("lng-unused", "10.8.0.0/16"))
    assert imported.design_data()["gateways"] == [
        {"name": "ergw", "type": "expressroute", "vnet": "vnet-hub", "connections": [
            {"name": "cn-er", "type": "expressroute", "learned_prefixes": []}]},
        {"name": "vgw", "type": "vpn", "vnet": "vnet-hub", "connections": [
            {"name": "cn-embedded", "type": "ipsec", "learned_prefixes": ["10.9.0.0/16"]},
            {"name": "cn-static", "type": "ipsec", "learned_prefixes": []}]}]
    network = "Microsoft.Network"
    assert sorted(map(by_id, imported.notes)) == [
        (f"{network}/connections/cn-embedded", "address range 10.9.1.1/16 is not a CIDR: left "
                                               "out"),
        (f"{network}/connections/cn-er", "learned_prefixes left empty: what the ExpressRoute "
                                         "circuit advertises is in no export; `az network "
                                         "vnet-gateway list-learned-routes -g rg-net -n ergw` "
                                         "lists it"),
        (f"{network}/connections/cn-static", f"its local network gateway ({lng_gone.lower()}) "
                                             "is not in the sources: learned_prefixes left "
                                             "empty (export it with `az network local-gateway "
                                             "list`)"),
        (f"{network}/virtualNetworkGateways/vgw", "active-standby: Azure names its public IP, "
                                                  "not its instance's 10.0.0.4, as the next hop "
                                                  "of its routes, so instances is left empty")]
    gone = arm_id("Microsoft.Network/virtualNetworkGateways", "vgw-elsewhere").lower()
    assert sorted(map(by_id, imported.skipped)) == [
        (f"{network}/connections/cn-orphan", f"its gateway ({gone}) is not in the sources"),
        (f"{network}/connections/cn-v2v", "connection type Vnet2Vnet is not part of the design "
                                          "format: a gateway's connections are IPsec "
                                          "(site-to-site) or ExpressRoute"),
        (f"{network}/connections/cn-wrong", "connection type IPsec does not fit its "
                                            "ExpressRoute gateway"),
        (f"{network}/localNetworkGateways/lng-unused", "no imported connection uses it (its "
                                                       "address space is imported as a "
                                                       "connection's learned_prefixes)")]


def route_server_resource(name: str, *router_ips: str, **properties: object) -> dict:
    return {"id": arm_id("Microsoft.Network/virtualHubs", name), "name": name,
            "type": "Microsoft.Network/virtualHubs",
            "properties": {"virtualRouterIps": list(router_ips), **properties}}


def peer_resource(server: str, name: str, ip: str) -> dict:
    return {"id": arm_id("Microsoft.Network/virtualHubs/bgpConnections", server, name),
            "name": name, "type": "Microsoft.Network/virtualHubs/bgpConnections",
            "properties": {"peerIp": ip, "peerAsn": 65020}}


def test_route_servers_and_peers_the_format_cannot_hold_are_left_out_with_the_reason():
    other_id = arm_id("Microsoft.Network/virtualNetworks", "vnet-b")
    hub = vnet("vnet-hub", "10.0.0.0/16", {"RouteServerSubnet": "10.0.1.0/28",
                                           "AzureFirewallSubnet": "10.0.3.0/26"})
    other = vnet("vnet-b", "10.5.0.0/16", {"RouteServerSubnet": "10.5.1.0/27",
                                           "snet-nva": "10.5.2.0/24"})
    firewall = {"id": arm_id("Microsoft.Network/azureFirewalls", "afw"), "name": "afw",
                "type": "Microsoft.Network/azureFirewalls", "properties": {
                    "sku": {"name": "AZFW_VNet", "tier": "Standard"},
                    "ipConfigurations": [{"properties": {
                        "privateIPAddress": "10.0.3.4",
                        "subnet": {"id": f"{HUB_ID}/subnets/AzureFirewallSubnet"}}}]}}
    # Placed by its IP configuration; too small a subnet for Azure.
    small = route_server_resource("rs-small", ipConfigurations=[{"properties": {
        "subnet": {"id": f"{HUB_ID}/subnets/RouteServerSubnet"}}}])
    # Placed by its router IPs, as `az network routeserver list` gives no subnet.
    placed = route_server_resource("rs-b", "10.5.1.4", "10.5.1.5", bgpConnections=[
        {"id": arm_id("Microsoft.Network/virtualHubs/bgpConnections", "rs-b", "peer-gone")}])
    nowhere = route_server_resource("rs-nowhere", "10.7.1.4")
    hub_of_wan = route_server_resource("vhub-wan", virtualWan={
        "id": arm_id("Microsoft.Network/virtualWans", "vwan")})
    imported = imported_from(
        hub, other, firewall, small, placed, nowhere, hub_of_wan,
        forwarding_nic("nic-nva", other_id, "snet-nva", "10.5.2.4"),
        peer_resource("rs-b", "peer-nva", "10.5.2.4"), peer_resource("rs-b", "peer-fw", "10.0.3.4"),
        peer_resource("rs-b", "peer-unknown", "10.5.2.99"),
        peer_resource("rs-small", "peer-small", "10.5.2.4"))
    data = imported.design_data()
    assert data["route_servers"] == [{"name": "rs-b", "vnet": "vnet-b", "peers": [
        {"name": "peer-nva", "peer_ip": "10.5.2.4", "advertised_prefixes": []}]}]
    assert [f["name"] for f in data["firewalls"]] == ["afw", "nic-nva"]  # a peer: an NVA
    hubs = "Microsoft.Network/virtualHubs"
    assert sorted(map(by_id, imported.skipped)) == [
        (f"{hubs}/rs-b/bgpConnections/peer-fw", "peer IP 10.0.3.4 is Azure Firewall afw, which "
                                                "does not speak BGP with a Route Server"),
        (f"{hubs}/rs-b/bgpConnections/peer-unknown", "peer IP 10.5.2.99 is no NVA of the "
                                                     "sources (a NIC that forwards traffic)"),
        (f"{hubs}/rs-nowhere", "its subnet is not in the export (its IP configurations are "
                               "ids only) and its virtualRouterIps are in no RouteServerSubnet "
                               "of the sources"),
        (f"{hubs}/rs-small", "vnet-hub/RouteServerSubnet is 10.0.1.0/28; Azure Route Server "
                             "needs a /27 or larger"),
        (f"{hubs}/rs-small/bgpConnections/peer-small", "its Route Server is not imported"),
        (f"{hubs}/vhub-wan", "Virtual WAN hubs are not supported by the design format")]
    gone = arm_id("Microsoft.Network/virtualHubs/bgpConnections", "rs-b", "peer-gone").lower()
    assert (f"{hubs}/rs-b", f"BGP peers {gone} are not in the sources (export them with `az "
                            "network routeserver peering list -g rg-net --routeserver rs-b`)") \
        in map(by_id, imported.notes)


def balancer_resource(name: str, frontends: dict[str, dict], members: list[str],
                      rules: list[tuple[str, str, str, int]]) -> dict:
    """A load balancer: frontends by name (their properties), one pool of NICs' IP
    configurations, rules as (name, frontend, protocol, port)."""
    lb_id = arm_id("Microsoft.Network/loadBalancers", name)
    pool = f"{lb_id}/backendAddressPools/pool"
    return {"id": lb_id, "name": name, "type": "Microsoft.Network/loadBalancers",
            "sku": {"name": "Standard"}, "properties": {
                "frontendIPConfigurations": [
                    {"name": f, "id": f"{lb_id}/frontendIPConfigurations/{f}", "properties": p}
                    for f, p in frontends.items()],
                "backendAddressPools": [{"name": "pool", "id": pool, "properties": {
                    "backendIPConfigurations": [
                        {"id": arm_id("Microsoft.Network/networkInterfaces/ipConfigurations",
                                      nic, "ipconfig1")} for nic in members]}}],
                "loadBalancingRules": [
                    {"name": rule, "properties": {
                        "frontendIPConfiguration": {
                            "id": f"{lb_id}/frontendIPConfigurations/{frontend}"},
                        "backendAddressPool": {"id": pool}, "protocol": protocol,
                        "frontendPort": port, "backendPort": port}}
                    for rule, frontend, protocol, port in rules]}}


def private(ip: str, subnet: str = "snet-nva") -> dict:
    return {"privateIPAddress": ip, "subnet": {"id": f"{HUB_ID}/subnets/{subnet}"}}


def test_load_balancers_the_format_cannot_hold_are_left_out_with_the_reason():
    hub = vnet("vnet-hub", "10.0.0.0/16", {"snet-nva": "10.0.2.0/24", "snet-nva2": "10.0.3.0/24"})
    public = {"publicIPAddress": {"id": arm_id("Microsoft.Network/publicIPAddresses", "pip")}}
    table = {"id": arm_id("Microsoft.Network/routeTables", "rt"), "name": "rt",
             "type": "Microsoft.Network/routeTables", "properties": {"routes": [
                 {"name": f"to-{ip}", "properties": {"addressPrefix": prefix,
                                                     "nextHopType": "VirtualAppliance",
                                                     "nextHopIpAddress": ip}}
                 for prefix, ip in (("10.8.0.0/16", "10.0.2.10"),
                                    ("0.0.0.0/0", "10.0.2.20"))]}}
    imported = imported_from(
        hub, table, forwarding_nic("nva-1", HUB_ID, "snet-nva", "10.0.2.4"),
        forwarding_nic("nva-2", HUB_ID, "snet-nva2", "10.0.3.4"),
        balancer_resource("lb-public", {"fe": public}, ["nva-1"], [("web", "fe", "Tcp", 443)]),
        balancer_resource("lb-split", {"fe": private("10.0.2.10")}, ["nva-1", "nva-2"],
                          [("ha", "fe", "All", 0)]),
        balancer_resource("lb-norule", {"fe": private("10.0.2.11")}, ["nva-1"], []),
        balancer_resource("lb-udp", {"fe": private("10.0.2.12")}, ["nva-1"],
                          [("dns", "fe", "Udp", 53)]),
        balancer_resource("lb-two", {"in": private("10.0.2.20"), "out": private("10.0.2.21")},
                          ["nva-1"], [("ha", "in", "All", 0), ("web", "out", "Tcp", 443),
                                      ("alt", "out", "All", 8443)]))
    assert imported.design_data()["load_balancers"] == [
        {"name": "lb-two-in", "subnet": "vnet-hub/snet-nva", "frontend_ip": "10.0.2.20",
         "ha_ports": True, "backends": ["nva-1"]},
        {"name": "lb-two-out", "subnet": "vnet-hub/snet-nva", "frontend_ip": "10.0.2.21",
         "ports": [443, 8443], "backends": ["nva-1"]}]
    lbs = "Microsoft.Network/loadBalancers"
    assert sorted(map(by_id, imported.skipped)) == [
        (f"{lbs}/lb-norule, frontend fe", "no load-balancing rule of the sources uses it"),
        (f"{lbs}/lb-public", "a public load balancer: the design format holds internal load "
                             "balancers, in front of firewalls or NVAs"),
        (f"{lbs}/lb-split", "its backends are in vnet-hub/snet-nva, vnet-hub/snet-nva2: the "
                            "design format needs them in one subnet of vnet-hub, the load "
                            "balancer's VNet"),
        (f"{lbs}/lb-udp", "no load-balancing rule forwards a TCP port or HA ports")]
    routes = arm_id("Microsoft.Network/routeTables", "rt")
    assert [(n.subject, n.reason) for n in imported.notes] == [
        (f"{arm_id(lbs, 'lb-udp')}, rule dns", "protocol Udp port 53: left out, the design "
                                              "format's ports are TCP ports"),
        (f"{routes}/routes/to-10.0.2.10", "next hop 10.0.2.10 is the frontend of load balancer "
                                          "lb-split, which is not imported")]


# Key Vaults and private link scopes -----------------------------------------------------------

LINK_DATA = DATA / "private-link"
LINK_FIXTURES = {
    "az": sorted((LINK_DATA / "az").glob("*.json")),
    "terraform-state": [LINK_DATA / "terraform" / "state.json"],
}
LINK_ENDPOINTS = [("pe-ampls-apps", "ampls-apps", "10.20.2.6"), ("pe-kv-apps", "kv-apps", "10.20.2.4"),
                  ("pe-kv-shared", "kv-shared", "10.20.2.7"), ("pe-pls-arc", "pls-arc", "10.20.2.5")]


@pytest.mark.parametrize("shape", LINK_FIXTURES)
def test_each_shape_imports_key_vaults_scopes_and_their_private_endpoints(shape):
    imported = import_design(sources(LINK_FIXTURES[shape]), "apps")
    text, loaded = checked_design_yaml(imported, "apps.yaml")
    data = imported.design_data()
    assert data["region"] == "westeurope"
    # kv-shared is only the target of pe-kv-shared; the Monitor scope's `global` is no region.
    assert data["key_vaults"] == [{"name": "kv-apps"}, {"name": "kv-shared"}]
    assert data["private_link_scopes"] == [{"name": "ampls-apps", "kind": "monitor"},
                                           {"name": "pls-arc", "kind": "arc"}]
    assert data["private_endpoints"] == [
        {"name": name, "subnet": "vnet-apps/snet-endpoints", "target": target, "ip": ip}
        for name, target, ip in LINK_ENDPOINTS]
    assert imported.skipped == []
    comments = {e.data["name"]: e.comment for s in ("key_vaults", "private_link_scopes")
                for e in imported.sections[s]}
    shared = "/subscriptions/7d3b5c1e-4a2f-4e8b-9c6d-2f1a0b9e8d7c/resourceGroups/rg-shared/" \
             "providers/Microsoft.KeyVault/vaults/kv-shared"
    assert comments["kv-shared"] == (
        f"{shared}: not in the sources, known as the target of private endpoint pe-kv-shared",
        "a Key Vault client (type key-vault-client) names it in its target")
    assert comments["pls-arc"][1] == \
        "an Arc-enabled server (type arc-connected-machine) names it in its target"
    assert comments["ampls-apps"][1] == \
        "a Monitor agent (type azure-monitor-agent) names it in its target"
    assert [k.name for k in loaded.design.key_vaults] == ["kv-apps", "kv-shared"]
    assert [(s.name, s.kind) for s in loaded.design.private_link_scopes] == \
        [("ampls-apps", "monitor"), ("pls-arc", "arc")]
    # A workload added by hand names them in its target, and the design still loads.
    chosen = yaml.safe_load(text)
    chosen["workloads"] = [
        {"name": "app01", "type": "key-vault-client", "subnet": "vnet-apps/snet-apps",
         "target": "kv-apps"},
        {"name": "srv01", "type": "arc-connected-machine", "subnet": "vnet-apps/snet-apps",
         "target": "pls-arc"},
        {"name": "srv02", "type": "azure-monitor-agent", "subnet": "vnet-apps/snet-apps",
         "target": "ampls-apps"}]
    design = load_design_bytes(yaml.safe_dump(chosen).encode(), "chosen.yaml").design
    assert [w.target for w in design.workloads] == ["kv-apps", "pls-arc", "ampls-apps"]


def test_a_key_vault_sharing_a_vaults_name_is_renamed_so_the_target_names_one():
    vault = {"id": arm_id("Microsoft.RecoveryServices/vaults", "shared"), "name": "shared",
             "type": "Microsoft.RecoveryServices/vaults", "location": "westeurope"}
    key_vault = {"id": arm_id("Microsoft.KeyVault/vaults", "shared"), "name": "shared",
                 "type": "Microsoft.KeyVault/vaults", "location": "westeurope"}
    imported = imported_from(vnet("vnet-hub", "10.0.0.0/16", {"snet-a": "10.0.0.0/24"}),
                             vault, key_vault)
    assert imported.design_data()["vaults"] == [{"name": "shared"}]
    assert imported.design_data()["key_vaults"] == [{"name": "shared-2"}]
