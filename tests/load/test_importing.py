"""`flowdocs import`'s conversion: exports in Azure's and Terraform's shapes to a design.

The fixtures under data/import/ describe one estate, the hub and spoke of design (d) (the hub
firewall of (b), a vault private endpoint in the spoke, the three private DNS zones), in the
shapes of the az CLI, Azure Resource Graph (two pages), and `terraform show -json` of a state
(azurerm v4) and of a plan (azurerm v3, ids not known until apply, references through a module's
variables and outputs). They were written from Microsoft's and HashiCorp's documented shapes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from tests_support import DESIGNS

from flowdocs.load.diagnostics import DesignErrors
from flowdocs.load.importing import Source, import_design
from flowdocs.load.loader import load_design, load_design_bytes
from flowdocs.resolve.flows import resolve
from flowdocs.write.design_yaml import checked_design_yaml, design_yaml

from .arm_export import GROUP, SUBSCRIPTION, arm_id, export_design

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
# over BGP, which no export holds (the import says so, on its gateway).
MORE_DESIGNS = ["f-third-party-agent-private-storage", "g-misrouted-spokes",
                "h-sql-vault-private-endpoint-hub", "i-two-region-backup"]


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
    key_vault = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/" \
                "Microsoft.KeyVault/vaults/kv-prod"
    endpoint = {"id": arm_id("Microsoft.Network/privateEndpoints", "pe-kv"), "name": "pe-kv",
                "type": "Microsoft.Network/privateEndpoints", "properties": {
                    "subnet": {"id": f"{HUB_ID}/subnets/snet-a"},
                    "privateLinkServiceConnections": [
                        {"properties": {"privateLinkServiceId": key_vault}}]}}
    lonely = {**vnet("vnet-spoke", "10.1.0.0/16", {"s": "10.1.0.0/24"},
                     [link("vnet-spoke", "vnet-hub", peeringState="Initiated")])}
    stray_subnet = {"id": arm_id("Microsoft.Network/virtualNetworks/subnets", "vnet-gone", "x"),
                    "name": "x", "properties": {"addressPrefix": "10.7.0.0/24"}}
    nsg = {"id": arm_id("Microsoft.Network/networkSecurityGroups", "nsg"), "name": "nsg",
           "type": "Microsoft.Network/networkSecurityGroups", "properties": {}}
    imported = imported_from(vnet("vnet-hub", "10.0.0.0/16", {"snet-a": "10.0.0.0/24"}),
                             lonely, table, endpoint, stray_subnet, nsg)
    table_id = arm_id("Microsoft.Network/routeTables", "rt")
    assert [(s.subject, s.reason) for s in imported.skipped] == [
        (arm_id("Microsoft.Network/networkSecurityGroups", "nsg"),
         "network security groups are not part of the design format (`flowdocs rules` lists "
         "the NSG rules the flows need)"),
        (arm_id("Microsoft.Network/privateEndpoints", "pe-kv"),
         f"its target ({key_vault}) is not a Recovery Services vault or a storage account"),
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
