"""Diagrams, as DOT: golden files, and per flow the firewall crossed or bypassed as resolved,
dropped flows marked, loops drawn. Rendering itself is in test_diagram_render.py."""

from __future__ import annotations

import ast
import re

import pytest
import yaml
from tests_support import DESIGNS, EXAMPLES, ROOT

from flowdocs.analyse.resolved import resolve_designs
from flowdocs.load.model import Design
from flowdocs.render import dot_source
from flowdocs.render.collapse import MAX_FULL_WORKLOADS
from flowdocs.render.scene import build_scene
from flowdocs.resolve.bypass import bypassed_firewalls
from flowdocs.resolve.flows import Resolution, resolve

_STATEMENT = re.compile(r'^\s*"?([^"\[]+?)"?(?: -> "?([^"\[]+?)"?)? \[(.*)\]$')


def parse_dot(text: str) -> tuple[dict[str, dict[str, str]], list[dict[str, str]]]:
    """Node and edge statements of our DOT (one statement per line) with their attributes."""
    nodes: dict[str, dict[str, str]] = {}
    edges: list[dict[str, str]] = []
    for line in text.splitlines():
        match = _STATEMENT.match(line)
        if not match or line.lstrip().startswith(("graph", "node", "edge")):
            continue
        tail, head, body = match.groups()
        attrs = _attributes(body)
        if head is None:
            nodes[tail] = attrs
        else:
            edges.append({**attrs, "tail": tail, "head": head})
    return nodes, edges


def _attributes(body: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    index = 0
    while index < len(body):
        key_end = body.index("=", index)
        key = body[index:key_end].strip()
        index = key_end + 1
        if body[index] == '"':
            end = index + 1
            while body[end] != '"' or body[end - 1] == "\\":
                end += 1
            value, index = body[index + 1:end], end + 1
        elif body[index] == "<":
            depth, end = 0, index
            while True:
                depth += {"<": 1, ">": -1}.get(body[end], 0)
                end += 1
                if depth == 0:
                    break
            value, index = body[index:end], end
        else:
            end = body.find(" ", index)
            end = len(body) if end == -1 else end
            value, index = body[index:end], end
        attrs[key] = value
        index += 1
    return attrs


def flow_edges(edges: list[dict[str, str]], tag: str) -> list[dict[str, str]]:
    return [e for e in edges if tag in e.get("tooltip", "").split("; ")]


def estate(spokes: int, subnets: int = 10) -> dict:
    """A hub with a firewall and `spokes` spokes of `subnets` subnets, one SQL VM each, every
    spoke sending 0.0.0.0/0 to the firewall (like benchmarks/estate.py, smaller)."""
    vnets = [{"name": "vnet-hub", "address_space": ["10.0.0.0/16"],
              "subnets": [{"name": "AzureFirewallSubnet", "prefix": "10.0.1.0/26"}]}]
    workloads, peerings, tables = [], [], []
    for i in range(spokes):
        name = f"vnet-spoke-{i:04d}"
        vnets.append({"name": name, "address_space": [f"10.1.{i}.0/24"], "subnets": [
            {"name": f"snet-{s:02d}", "prefix": f"10.1.{i}.{s * 16}/28", "route_table": f"rt-{i}"}
            for s in range(subnets)]})
        workloads += [{"name": f"sql-{i:04d}-{s:02d}", "type": "sql-server-in-vm",
                       "subnet": f"{name}/snet-{s:02d}", "backup": {"vault": "rsv"}}
                      for s in range(subnets)]
        peerings.append({"vnets": [name, "vnet-hub"]})
        tables.append({"name": f"rt-{i}", "routes": [
            {"name": "default", "address_prefix": "0.0.0.0/0",
             "next_hop_type": "VirtualAppliance", "next_hop_ip": "10.0.1.4"}]})
    return {"flowdocs": 1, "name": f"estate-{spokes}", "title": "Estate", "vnets": vnets,
            "peerings": peerings, "route_tables": tables, "vaults": [{"name": "rsv"}],
            "firewalls": [{"name": "afw-hub", "type": "azure-firewall", "sku": "Standard",
                           "subnet": "vnet-hub/AzureFirewallSubnet", "private_ip": "10.0.1.4"}],
            "workloads": workloads}


@pytest.fixture(scope="module")
def resolved() -> dict[str, Resolution]:
    return {r.resolution.design.name: r.resolution for r in resolve_designs([DESIGNS])}


@pytest.mark.parametrize("design", EXAMPLES, ids=lambda p: p.stem)
def test_dot_matches_golden_and_marks_every_flow_as_resolved(design, resolved, golden):
    resolution = resolved[design.stem]
    text = dot_source(resolution)
    golden.check(f"dot/{design.stem}.dot", text)
    assert str(ROOT) not in text and "site-packages" not in text and "uuid" not in text
    nodes, edges = parse_dot(text)
    for flow in resolution.flows:
        tag = f"{flow.number} {flow.id}"
        mine = flow_edges(edges, tag)
        assert mine, f"no edge draws {tag}"
        assert any(e["tail"] == f"w~{flow.workload}" for e in mine), tag
        for firewall in flow.firewalls:
            assert nodes[f"fw~{firewall}"]["class"] == "firewall crossed"
            assert any(e["head"] == f"fw~{firewall}" for e in mine), f"{tag} skips {firewall}"
        for firewall in bypassed_firewalls(resolution, flow):
            assert all(e["class"].startswith("bypass ") for e in mine), tag
            assert f"fw~{firewall}" not in {e["head"] for e in mine}
            assert "bypassed by" in nodes[f"fw~{firewall}"]["label"]
        if flow.status == "dropped":
            (drop,) = [e for e in mine if nodes[e["head"]]["class"] == "dropped dropped"]
            assert drop["arrowhead"] == "tee"
        if flow.status == "loop":
            assert any(e["class"].startswith("loop ") and e["color"] == '#C62828'
                       for e in mine), tag
        for edge in mine:
            colour = {1: "#0072B2", 2: "#E69F00"}[flow.number]
            assert edge["color"] in (colour, "#C62828")
            if edge["class"].split()[0] != "loop":
                assert re.match(rf"<<B>{flow.number}\b", edge["label"]), edge["label"]


# What the article's scenes must show, written out rather than derived: design, flow,
# the firewall and how the flow treats it.
EXPECTED_FIREWALLS = [
    ("a-vm-backup", "1 appvm01/AzureBackup", "afw-hub", "bypass", "platform"),
    ("a-vm-backup", "2 appvm01/Storage", "afw-hub", "bypass", "platform"),
    ("b-sql-hub-firewall", "2 sqlvm01/Storage", "afw-hub", "crossed", ""),
    ("c-sql-storage-service-endpoint", "1 sqlvm01/AzureBackup", "afw-hub", "crossed", ""),
    ("c-sql-storage-service-endpoint", "2 sqlvm01/Storage", "afw-hub", "bypass",
     "service endpoint"),
    ("d-sql-vault-private-endpoint", "2 sqlvm01/Storage", "afw-hub", "bypass",
     "private endpoint"),
    ("d-sql-vault-private-endpoint", "1 sqlvm01/AzureActiveDirectory", "afw-hub", "crossed", ""),
    ("f-third-party-agent-private-storage", "2 filesrv01/Storage", "nva-palo", "crossed", ""),
]


@pytest.mark.parametrize(("design", "tag", "firewall", "how", "reason"), EXPECTED_FIREWALLS)
def test_the_article_scenes_cross_or_bypass_the_firewall(design, tag, firewall, how, reason,
                                                          resolved):
    nodes, edges = parse_dot(dot_source(resolved[design]))
    mine = flow_edges(edges, tag)
    if how == "crossed":
        assert any(e["head"] == f"fw~{firewall}" and e["style"] == "solid" for e in mine)
    else:
        (edge,) = mine
        assert edge["style"] == "dashed" and reason in edge["label"]
        assert f"({reason})" in nodes[f"fw~{firewall}"]["label"]


def test_a_firewall_every_flow_bypasses_is_greyed(resolved):
    nodes, _ = parse_dot(dot_source(resolved["a-vm-backup"]))
    assert nodes["fw~afw-hub"]["class"] == "firewall bypassed"
    assert "dashed" in nodes["fw~afw-hub"]["style"]


def test_route_tables_show_the_deciding_route_beside_their_subnet(resolved):
    scene = build_scene(resolved["f-third-party-agent-private-storage"])
    note = scene.nodes["routes~vnet-spoke-files/snet-files~rt-spoke-files"]
    assert [(r.numbers, r.text) for r in note.routes] == [
        ((1,), "0.0.0.0/0 → 10.0.3.4"), ((2,), "10.0.0.0/16 → 10.0.3.4")]
    bgp = build_scene(resolved["e-hana-forced-tunnelling"])
    (note,) = [n for n in bgp.nodes.values() if n.kind == "route-table"]
    assert note.title == "BGP (from the gateway)"
    assert note.routes[0].text == "0.0.0.0/0 → ergw-hub"


def test_same_named_subnets_stay_apart(resolved):
    text = dot_source(resolved["g-misrouted-spokes"])
    clusters = re.findall(r"subgraph (cluster_\w+)", text)
    assert len(clusters) == len(set(clusters))
    assert text.count("label=<snet-db  ") == 2


def test_same_number_flows_on_one_path_share_an_edge(resolved):
    _, edges = parse_dot(dot_source(resolved["b-sql-hub-firewall"]))
    into_firewall = [e for e in edges if e["head"] == "fw~afw-hub" and "tooltip" in e]
    assert sorted(e["tooltip"] for e in into_firewall) == [
        "1 sqlvm01/AzureActiveDirectory; 1 sqlvm01/AzureBackup", "2 sqlvm01/Storage"]


def test_a_large_estate_collapses_to_one_readable_picture():
    design = Design.model_validate(estate(40))
    scene = build_scene(resolve(design))
    workloads = [n for n in scene.nodes.values() if n.kind == "workload"]
    assert len(design.workloads) == 400 and len(workloads) <= MAX_FULL_WORKLOADS
    titles = sorted(n.title for n in scene.nodes.values() if n.kind == "collapsed")
    assert titles == ["+39 spokes like vnet-spoke-0000", "+9 subnets like snet-00"]
    assert scene.collapsed and "collapsed" in scene.legend


def test_a_collapsed_estate_keeps_every_distinct_path():
    raw = estate(8)
    raw["vnets"][3]["subnets"][1]["service_endpoints"] = ["Microsoft.Storage"]
    scene = build_scene(resolve(Design.model_validate(raw)))
    shown = {n.title for n in scene.nodes.values() if n.kind == "workload"}
    assert {"sql-0000-00", "sql-0002-00", "sql-0002-01"} <= shown
    assert any(e.style == "bypass" for e in scene.edges)


def test_labels_are_escaped(resolved):
    raw = yaml.safe_load((DESIGNS / "b-sql-hub-firewall.yaml").read_text())
    raw["title"] = 'Back\\slash <b>&amp; "quotes"'
    text = dot_source(resolve(Design.model_validate(raw)))
    assert "Back&#92;slash &lt;b&gt;&amp;amp; &quot;quotes&quot;" in text


def test_the_scene_is_pure():
    for module in ("scene", "collapse"):  # bypass is core now: test_architecture checks it
        tree = ast.parse((ROOT / "flowdocs" / "render" / f"{module}.py").read_text())
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import)
                     for a in n.names}
        assert not {m for m in imported if m and m.split(".")[0] in
                    ("diagrams", "graphviz", "subprocess", "os", "pathlib")}, module


def _two_reasons_for_flow_2() -> Resolution:
    """Flow 2 of `sql` reaches its vault's private endpoint; flow 2 of `app` (another vault,
    no endpoint) leaves by its subnet's Storage service endpoint. Both go around afw-hub."""
    from scenes import base, resolve_scene, route_table, subnet, udr

    design = base()
    design["vnets"][1]["subnets"].append({"name": "snet-app", "prefix": "10.1.3.0/24",
                                          "service_endpoints": ["Microsoft.Storage"]})
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql", "vnet-spoke/snet-app"],
                udr("to-fw", "0.0.0.0/0", "VirtualAppliance", "10.0.1.4"))
    design["vaults"].append({"name": "rsv-app"})
    design["private_endpoints"] = [{"name": "pe-rsv", "subnet": "vnet-hub/snet-endpoints",
                                    "target": "rsv"}]
    design["workloads"].append({"name": "app", "type": "sql-server-in-vm",
                                "subnet": "vnet-spoke/snet-app", "ip": "10.1.3.4",
                                "backup": {"vault": "rsv-app"}})
    assert subnet(design, "vnet-spoke/snet-app")["service_endpoints"]
    return resolve_scene(design)


def test_a_firewall_bypassed_for_several_reasons_says_each_service_endpoint_first():
    # The same flow number goes around the firewall two ways: neither may hide the other,
    # and the service endpoint (an exfiltration path) is told first.
    node = build_scene(_two_reasons_for_flow_2()).nodes["fw~afw-hub"]
    bypass_lines = [line for line in node.detail if line.startswith("bypassed")]
    assert bypass_lines == ["bypassed by 2 (service endpoint)",
                            "bypassed by 1 2 (private endpoint)"]
    assert node.state == "crossed"  # flow 1 of both workloads' Entra ID still crosses it


def test_a_service_tag_route_around_the_firewall_is_named_on_the_arrow(resolved):
    scene = build_scene(resolved["i-two-region-backup"])
    firewall = scene.nodes["fw~afw-hub"]
    assert "bypassed by 2 (service-tag route)" in firewall.detail
    (edge,) = [e for e in scene.edges if "2 hana-ne/Storage" in e.flows]
    assert (edge.style, edge.note) == ("bypass", "service-tag route")


def test_a_multi_region_design_frames_its_vnets_by_region(resolved):
    scene = build_scene(resolved["i-two-region-backup"])
    frames = [c for c in scene.clusters if c.region]
    assert [(f.label, [c.label.split()[0] for c in f.children]) for f in frames] == [
        ("West Europe  (westeurope)", ["vnet-spoke-sql", "vnet-hub"]),
        ("North Europe  (northeurope)", ["vnet-spoke-ne"])]
    assert "region" in scene.legend
    nodes, _ = parse_dot(dot_source(resolved["i-two-region-backup"]))
    assert "fw~afw-hub" in nodes  # the framed VNets still draw their nodes


def test_a_single_region_design_has_no_region_frame(resolved):
    scene = build_scene(resolved["b-sql-hub-firewall"])
    assert not any(c.region for c in scene.clusters) and "region" not in scene.legend


def test_a_firewall_that_denies_marks_its_flow_beyond_it(resolved):
    # (j): the hub firewall's policy has no Storage rule, so flow 2 meets its default deny.
    scene = build_scene(resolved["j-sql-missing-storage-rule"])
    storage = [e for e in scene.edges if "2 sqlvm01/Storage" in e.flows]
    into, beyond = ([e for e in storage if e.head == "fw~afw-hub"],
                    [e for e in storage if e.tail == "fw~afw-hub"])
    assert [(e.tail, e.style) for e in into] == [("w~sqlvm01", "routed")]
    assert [(e.head, e.style, e.denied_by) for e in beyond] == [
        ("service~Storage", "denied", "afw-hub")]
    assert beyond[0].label == ("2", "✕ denied by afw-hub")
    firewall = scene.nodes["fw~afw-hub"]
    assert firewall.state == "crossed"
    assert firewall.alerts == ("denies 2 (no rule: default deny)",)
    assert "denies 2 (no rule: default deny)" in firewall.tooltip
    assert all(e.style != "denied" for e in scene.edges if "2 sqlvm01/Storage" not in e.flows)
    assert "denied" in scene.legend
    nodes, edges = parse_dot(dot_source(resolved["j-sql-missing-storage-rule"]))
    (drawn,) = [e for e in flow_edges(edges, "2 sqlvm01/Storage") if e["tail"] == "fw~afw-hub"]
    assert (drawn["style"], drawn["arrowhead"], drawn["color"]) == ("dashed", "tee", "#C62828")
    assert drawn["class"] == "denied flow2"
    assert "denies 2 (no rule: default deny)" in nodes["fw~afw-hub"]["label"]


def test_a_design_whose_policy_allows_everything_has_no_denial(resolved):
    scene = build_scene(resolved["b-sql-hub-firewall"])
    assert not any(e.style == "denied" or e.denied_by for e in scene.edges)
    assert not scene.nodes["fw~afw-hub"].alerts
    assert "denied" not in scene.legend
    assert "denied" not in dot_source(resolved["b-sql-hub-firewall"])


def _nsg(name: str, direction: str, destination: str) -> dict:
    """An NSG that denies TCP 443 to `destination` in one direction."""
    return {"name": name, "rules": [{"name": "deny-it", "priority": 100, "direction": direction,
                                     "access": "Deny", "protocol": "Tcp",
                                     "destination_address_prefixes": [destination],
                                     "destination_port_ranges": ["443"]}]}


def test_an_nsg_that_denies_outbound_marks_the_first_edge():
    from scenes import base, flow, resolve_scene, subnet, via_firewall

    design = base()
    via_firewall(design)
    design["network_security_groups"] = [_nsg("nsg-sql", "Outbound", "Storage")]
    subnet(design, "vnet-spoke/snet-sql")["network_security_group"] = "nsg-sql"
    resolution = resolve_scene(design)
    storage = flow(resolution, "sql/Storage")
    assert storage.status == "denied" and storage.denial is not None
    assert (storage.denial.kind, storage.denial.at) == ("nsg-outbound", "vnet-spoke/snet-sql")
    scene = build_scene(resolution)
    mine = [e for e in scene.edges if "2 sql/Storage" in e.flows]
    # Denied as it leaves its subnet: every edge of its path is denied, the first one says by
    # which NSG, and the firewall it never reaches is not crossed by it.
    assert [(e.tail, e.head, e.style, e.denied_by) for e in mine] == [
        ("w~sql", "fw~afw-hub", "denied", "nsg-sql"),
        ("fw~afw-hub", "service~Storage", "denied", None)]
    assert mine[0].label == ("2", "✕ denied by nsg-sql")
    firewall = scene.nodes["fw~afw-hub"]
    assert "crossed by 1" in firewall.detail and not firewall.alerts
    assert all(e.style == "routed" for e in scene.edges if e.flows and e not in mine)
    assert "denied" in scene.legend
    _, edges = parse_dot(dot_source(resolution))
    first = next(e for e in flow_edges(edges, "2 sql/Storage") if e["tail"] == "w~sql")
    assert (first["style"], first["arrowhead"]) == ("dashed", "tee")
    assert "denied by nsg-sql" in first["label"]


def test_an_nsg_that_denies_inbound_at_the_endpoint_marks_the_last_edge():
    from scenes import base, flow, resolve_scene, subnet

    design = base()
    design["private_endpoints"] = [{"name": "pe-rsv", "subnet": "vnet-spoke/snet-endpoints",
                                    "target": "rsv"}]
    design["network_security_groups"] = [_nsg("nsg-pe", "Inbound", "*")]
    endpoints = subnet(design, "vnet-spoke/snet-endpoints")
    endpoints.update(network_security_group="nsg-pe",
                     private_endpoint_network_policies="Enabled")
    resolution = resolve_scene(design)
    storage = flow(resolution, "sql/Storage")
    assert storage.status == "denied" and storage.access == "private-endpoint"
    scene = build_scene(resolution)
    (edge,) = [e for e in scene.edges if "2 sql/Storage" in e.flows]
    assert (edge.tail, edge.head, edge.style) == ("w~sql", "pe~pe-rsv", "denied")
    assert edge.label == ("2 Storage", "private endpoint", "✕ denied by nsg-pe")


def test_an_unknown_verdict_is_not_drawn(resolved):
    # (f): an NVA's rules are not evaluated; its flows are drawn as routed.
    resolution = resolved["f-third-party-agent-private-storage"]
    assert {c.verdict for f in resolution.flows for c in f.policy} == {"unknown"}
    scene = build_scene(resolution)
    assert not any(e.style == "denied" for e in scene.edges)
    assert not any(n.alerts for n in scene.nodes.values()) and "denied" not in scene.legend


def test_a_collapsed_estate_keeps_apart_flows_denied_in_different_places():
    # Spoke 5's Storage flows meet the firewall's default deny; spoke 6's are denied by its
    # subnets' NSG before they leave. Same paths, same status: only where they are denied
    # differs, and each is drawn.
    raw = estate(8)
    allowed = [f"10.1.{i}.0/24" for i in range(8) if i != 5]

    def rule(name: str, sources: list[str], destination: str) -> dict:
        return {"name": name, "ip_protocols": ["TCP"], "source_addresses": sources,
                "destination_addresses": [destination], "destination_ports": ["443"]}

    raw["firewall_policies"] = [{"name": "fwp", "rule_collection_groups": [{
        "name": "rcg", "priority": 100, "rule_collections": [
            {"name": "net", "priority": 100, "action": "Allow", "kind": "network", "rules": [
                rule("storage", allowed, "Storage"),
                rule("entra-id", ["10.1.0.0/16"], "AzureActiveDirectory"),
                rule("backup", ["10.1.0.0/16"], "AzureBackup")]}]}]}]
    raw["firewalls"][0]["policy"] = "fwp"
    raw["network_security_groups"] = [_nsg("nsg-deny", "Outbound", "Storage")]
    for subnet_ in raw["vnets"][7]["subnets"]:  # vnet-spoke-0006
        subnet_["network_security_group"] = "nsg-deny"
    resolution = resolve(Design.model_validate(raw))
    assert {f.workload.split("-")[1] for f in resolution.flows if f.status == "denied"} == {
        "0005", "0006"}
    scene = build_scene(resolution)
    shown = {n.title for n in scene.nodes.values() if n.kind == "workload"}
    assert {"sql-0000-00", "sql-0005-00", "sql-0006-00"} <= shown
    denied = sorted((e.tail, e.head, e.denied_by) for e in scene.edges
                    if e.style == "denied" and e.denied_by)
    assert denied == [("fw~afw-hub", "service~Storage", "afw-hub"),
                      ("w~sql-0006-00", "fw~afw-hub", "nsg-deny")]
    firewall = scene.nodes["fw~afw-hub"]
    assert firewall.alerts == ("denies 2 (no rule: default deny)",)


def test_one_hop_denied_by_the_firewall_and_after_an_nsg_keeps_unique_edge_ids():
    # `sql`'s Storage flow meets the firewall's default deny; `app`'s is denied by its NSG
    # before: both are drawn from the firewall to Storage, the first naming the firewall.
    from scenes import base, resolve_scene, route_table, udr

    design = base()
    design["vnets"][1]["subnets"].append({"name": "snet-app", "prefix": "10.1.3.0/24",
                                          "network_security_group": "nsg-app"})
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql", "vnet-spoke/snet-app"],
                udr("to-fw", "0.0.0.0/0", "VirtualAppliance", "10.0.1.4"))
    design["network_security_groups"] = [_nsg("nsg-app", "Outbound", "Storage")]
    design["firewall_policies"] = [{"name": "fwp", "rule_collection_groups": [{
        "name": "rcg", "priority": 100, "rule_collections": [{
            "name": "net", "priority": 100, "action": "Allow", "kind": "network",
            "rules": [{"name": "all-but-storage", "ip_protocols": ["TCP"],
                       "source_addresses": ["10.1.0.0/16"],
                       "destination_addresses": ["AzureActiveDirectory", "AzureBackup"],
                       "destination_ports": ["443"]}]}]}]}]
    design["firewalls"][0]["policy"] = "fwp"
    design["workloads"].append({"name": "app", "type": "sql-server-in-vm",
                                "subnet": "vnet-spoke/snet-app", "ip": "10.1.3.4",
                                "backup": {"vault": "rsv"}})
    resolution = resolve_scene(design)
    scene = build_scene(resolution)
    beyond = [(e.denied_by, e.flows) for e in scene.edges
              if (e.tail, e.head) == ("fw~afw-hub", "service~Storage")]
    assert beyond == [("afw-hub", ["2 sql/Storage"]), (None, ["2 app/Storage"])]
    assert len({e.id for e in scene.edges}) == len(scene.edges)
    nodes, _ = parse_dot(dot_source(resolution))
    assert nodes["fw~afw-hub"]["tooltip"] == "crossed by 1 2; denies 2 (no rule: default deny)"


def _crowded_subnet(key_vault_clients: int = 5, aks_pools: int = 2) -> dict:
    """Key Vault clients and AKS node pools in one spoke subnet, all through the firewall."""
    from scenes import base, route_table, udr

    design = base()
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"],
                udr("to-fw", "0.0.0.0/0", "VirtualAppliance", "10.0.1.4"))
    design["workloads"] = [
        {"name": f"kv{i:02d}", "type": "key-vault-client", "subnet": "vnet-spoke/snet-sql",
         "ip": f"10.1.1.{10 + i}"} for i in range(1, key_vault_clients + 1)]
    design["workloads"] += [{"name": f"aks-pool-{i}", "type": "aks-nodes",
                             "subnet": "vnet-spoke/snet-sql"} for i in range(1, aks_pools + 1)]
    return design


def test_a_crowded_subnet_draws_one_node_per_workload_type():
    from flowdocs.render.collapse import MAX_FULL_SUBNET_WORKLOADS

    assert MAX_FULL_SUBNET_WORKLOADS == 3  # docs/diagrams.md says so
    resolution = resolve(Design.model_validate(_crowded_subnet()))
    scene = build_scene(resolution)
    workloads = [n for n in scene.nodes.values() if n.kind == "workload"]
    assert [(n.id, n.title, n.detail, n.state) for n in workloads] == [
        ("types~kv01", "5 × key-vault-client", ("kv01, kv02, kv03, kv04, kv05",), "grouped"),
        ("types~aks-pool-1", "2 × aks-nodes", ("aks-pool-1, aks-pool-2",), "grouped")]
    assert workloads[0].tooltip == "5 × key-vault-client: kv01, kv02, kv03, kv04, kv05"
    assert "grouped" in scene.legend and scene.collapsed
    (subnet,) = [c for top in scene.clusters for c in top.children
                 if c.label.startswith("snet-sql")]
    assert subnet.nodes[:2] == ["types~kv01", "types~aks-pool-1"]
    text = dot_source(resolution)
    nodes, edges = parse_dot(text)
    group = nodes["types~kv01"]
    assert (group["class"], group["peripheries"]) == ("workload grouped", "2")
    assert group["tooltip"] == "5 × key-vault-client: kv01, kv02, kv03, kv04, kv05"
    assert "5 × key-vault-client" in group["label"] and "N × type" in text
    assert not any(n.startswith("w~") for n in nodes)
    # Every flow of every member is drawn, from its type's node.
    for flow in resolution.flows:
        tail = "types~kv01" if flow.workload.startswith("kv") else "types~aks-pool-1"
        assert any(e["tail"] == tail for e in flow_edges(edges, f"{flow.number} {flow.id}"))


def test_a_subnet_of_three_workloads_is_drawn_in_full():
    scene = build_scene(resolve(Design.model_validate(_crowded_subnet(2, 1))))
    assert [n.title for n in scene.nodes.values() if n.kind == "workload"] == [
        "kv01", "kv02", "aks-pool-1"]
    assert "grouped" not in scene.legend and not scene.collapsed


def test_a_workload_with_other_flows_or_that_a_flow_reaches_is_drawn_apart():
    design = _crowded_subnet(5, 1)
    design["flows"] = [
        {"name": "pool-to-kv03", "source": "aks-pool-1", "destination": {"workload": "kv03"},
         "port": 8443},
        {"name": "kv05-to-partner", "source": "kv05", "destination": {"address": "192.0.2.10/32"},
         "port": 443}]
    resolution = resolve(Design.model_validate(design))
    scene = build_scene(resolution)
    assert [n.title for n in scene.nodes.values() if n.kind == "workload"] == [
        "3 × key-vault-client", "kv03", "kv05", "aks-pool-1"]
    assert scene.nodes["types~kv01"].detail == ("kv01, kv02, kv04",)
    (edge,) = [e for e in scene.edges if "2 aks-pool-1/pool-to-kv03" in e.flows]
    assert edge.head == "w~kv03"


def test_a_crowded_subnet_of_a_large_estate_folds_by_type():
    raw = estate(8)
    raw["workloads"] += [{"name": f"sql-extra-{k}", "type": "sql-server-in-vm",
                          "subnet": "vnet-spoke-0000/snet-00", "backup": {"vault": "rsv"}}
                         for k in range(1, 5)]
    scene = build_scene(resolve(Design.model_validate(raw)))
    assert sorted(n.title for n in scene.nodes.values() if n.kind in ("collapsed", "workload")
                  ) == ["+7 spokes like vnet-spoke-0000", "+9 subnets like snet-00",
                        "5 × sql-server-in-vm"]


def test_a_large_design_draws_the_workload_an_own_flow_goes_to():
    # The destination of a design's own flow is never folded away: its arrow ends at it.
    raw = estate(8)
    for w in raw["workloads"]:
        spoke, subnet_ = int(w["name"][4:8]), int(w["name"][9:11])
        w["ip"] = f"10.1.{spoke}.{subnet_ * 16 + 4}"
    raw["flows"] = [{"name": "app-to-db", "source": "sql-0003-02",
                     "destination": {"workload": "sql-0001-01"}, "port": 1433}]
    resolution = resolve(Design.model_validate(raw))
    scene = build_scene(resolution)
    assert {"w~sql-0001-01", "w~sql-0003-02"} <= set(scene.nodes)
    _, edges = parse_dot(dot_source(resolution))
    assert any(e["head"] == "w~sql-0001-01"
               for e in flow_edges(edges, "2 sql-0003-02/app-to-db"))
