"""`flowdocs render --flows`: a diagram of a subset of the flows, and only what they use.

Scene and DOT level on the example designs (p has catalog flows, own flows to a workload, to
on-premises, to a public address and from a subnet; l has a flow that goes around the
firewall); one CLI run renders, the others stop before anything renders (exit 2)."""

from __future__ import annotations

import html
import os
import subprocess
import sys

import pytest
from tests_support import DESIGNS, ROOT, run_cli

from flowdocs.analyse.resolved import resolve_designs
from flowdocs.load.model import Design
from flowdocs.render.dot import to_dot
from flowdocs.render.scene import FlowFilterError, Scene, build_scene, select_flows
from flowdocs.resolve.flows import Resolution, resolve

from .test_diagram import estate, parse_dot

P = DESIGNS / "p-application-flows.yaml"


@pytest.fixture(scope="module")
def resolved() -> dict[str, Resolution]:
    return {r.resolution.design.name: r.resolution for r in resolve_designs([DESIGNS])}


@pytest.fixture(scope="module")
def p(resolved) -> Resolution:
    return resolved["p-application-flows"]


def tags(resolution: Resolution, terms: list[str]) -> set[str]:
    """The edge-tooltip tags of the flows `terms` select."""
    return {f"{f.number} {f.id}" for f in select_flows(resolution, terms)[0]}


def check_only(resolution: Resolution, terms: list[str]) -> tuple[Scene, dict, list]:
    """The filtered scene and its DOT: every selected flow drawn, no other flow's edge, and
    no node that no drawn flow uses."""
    scene = build_scene(resolution, flows=terms)
    nodes, every = parse_dot(to_dot(scene))
    edges = [e for e in every if "class" in e]  # not the invisible ones that order columns
    wanted = tags(resolution, terms)
    drawn = {tag for e in edges for tag in e.get("tooltip", "").split("; ") if tag}
    assert drawn == wanted
    on_paths = {n for e in edges if e.get("tooltip") for n in (e["tail"], e["head"])}
    notes = {e["tail"] for e in edges if e["class"].startswith("note ")}
    links = {e["head"] for e in edges if e["class"].startswith("link ")}
    bypassed = {n for n, attrs in nodes.items() if attrs.get("class") == "firewall bypassed"}
    assert set(nodes) == on_paths | notes | links | bypassed, set(nodes) ^ on_paths
    assert all(e["tail"] in nodes and e["head"] in nodes for e in edges)
    return scene, nodes, edges


def test_a_number_draws_only_those_flows(p):
    scene, nodes, _ = check_only(p, ["2"])
    assert len(tags(p, ["2"])) == 6
    assert {"service~AzureBackup", "service~AzureActiveDirectory",
            "service~AzureMonitorControl"}.isdisjoint(nodes)
    assert scene.subset == "flows 2 only: 6 of 9 flows drawn"
    assert [k for k in scene.legend if k.startswith("flow")] == ["flow2"]
    assert "crossed by 2" in scene.nodes["fw~afw-hub"].detail
    text = to_dot(scene)
    assert "Subset: flows 2 only: 6 of 9 flows drawn" in text
    assert "1 management flow" not in text


def test_a_flow_id_draws_that_flow_and_what_it_uses(p):
    scene, nodes, edges = check_only(p, ["sql01/Storage"])
    assert set(nodes) == {"w~sql01", "fw~afw-hub", "service~Storage",
                          "routes~vnet-spoke-data/snet-sql~rt-spokes"}
    assert [(e["tail"], e["head"]) for e in edges if e.get("tooltip")] == [
        ("w~sql01", "fw~afw-hub"), ("fw~afw-hub", "service~Storage")]
    # Only the subnets and VNets that hold what is drawn, and no gateway, no on-premises.
    labels = sorted(c.label.split()[0] for c in scene.clusters)
    assert labels == ["Azure", "vnet-hub", "vnet-spoke-data"]
    assert scene.nodes["routes~vnet-spoke-data/snet-sql~rt-spokes"].routes[0].numbers == (2,)


def test_a_workload_draws_all_its_flows_and_the_workload_they_reach(p):
    _, nodes, _ = check_only(p, ["web01"])
    assert len(tags(p, ["web01"])) == 5
    # web-to-sql ends at sql01, drawn, but none of sql01's own flows is.
    assert "w~sql01" in nodes and "service~AzureBackup" not in nodes
    assert {"gw~vgw-hub", "onprem", "address~20.50.1.10/32"} <= set(nodes)
    assert "w~vnet-spoke-web.snet-web" not in nodes


def test_a_service_draws_every_flow_that_reaches_it(p):
    # sql01's catalog flow and the own flow app-logs both reach Azure Storage.
    assert tags(p, ["Storage"]) == {"2 sql01/Storage", "2 vnet-spoke-web.snet-web/app-logs"}
    check_only(p, ["Storage"])


def test_an_own_flow_by_its_name_and_a_subnet_source_by_its_address(p):
    scene, nodes, _ = check_only(p, ["web-to-sql"])
    assert set(nodes) == {"w~web01", "fw~afw-hub", "w~sql01",
                          "routes~vnet-spoke-web/snet-web~rt-spokes"}
    assert scene.subset == "flows web-to-sql only: 1 of 9 flows drawn"
    assert tags(p, ["vnet-spoke-web/snet-web"]) == tags(p, ["vnet-spoke-web.snet-web"]) == {
        "2 vnet-spoke-web.snet-web/app-logs"}
    assert tags(p, ["vnet-spoke-web/snet-web/app-logs"]) == tags(p, ["app-logs"])


def test_several_terms_draw_every_flow_any_of_them_names(p):
    scene, _, _ = check_only(p, ["web-to-partner", "sql01/AzureBackup", "web-to-partner"])
    assert tags(p, ["web-to-partner", "sql01/AzureBackup"]) == {
        "2 web01/web-to-partner", "1 sql01/AzureBackup"}
    assert scene.subset == "flows web-to-partner, sql01/AzureBackup only: 2 of 9 flows drawn"


def test_a_firewall_the_flows_go_around_stays_drawn(resolved):
    # (l): app01's Key Vault data flow leaves by its subnet's service endpoint, around afw-hub.
    resolution = resolved["l-aks-and-key-vault"]
    (flow,) = [f for f in resolution.flows
               if f.workload == "app01" and f.access == "service-endpoint"]
    scene, nodes, edges = check_only(resolution, [flow.id])
    firewall = scene.nodes["fw~afw-hub"]
    assert firewall.state == "bypassed"
    assert firewall.detail[-1] == "bypassed by 2 (service endpoint)"
    assert not any(line.startswith("crossed") for line in firewall.detail)
    assert "bypass" in scene.legend and "crossed" not in scene.legend
    assert not any(n.startswith("w~aks") or "AKS" in n for n in nodes)
    assert [e["class"] for e in edges if e.get("tooltip")] == ["bypass flow2"]


def test_a_filter_of_a_large_estate_collapses_only_what_it_draws():
    resolution = resolve(Design.model_validate(estate(40)))
    every = build_scene(resolution, flows=["2"])
    assert sorted(n.title for n in every.nodes.values() if n.kind == "collapsed") == [
        "+39 spokes like vnet-spoke-0000", "+9 subnets like snet-00"]
    one = build_scene(resolution, flows=["sql-0007-03"])
    assert not one.collapsed and "collapsed" not in one.legend
    assert sorted(n.title for n in one.nodes.values() if n.kind == "workload") == [
        "sql-0007-03"]
    assert one.subset == "flows sql-0007-03 only: 3 of 1200 flows drawn"


def test_the_filtered_scene_is_deterministic(p):
    terms = ["web01", "Storage"]
    first = to_dot(build_scene(p, flows=terms))
    assert to_dot(build_scene(resolve_designs([P])[0].resolution, flows=terms)) == first
    # Whatever the hash seed (set order), in a fresh process.
    script = ("import sys; from flowdocs.analyse.resolved import resolve_designs; "
              "from flowdocs.render.dot import to_dot; "
              "from flowdocs.render.scene import build_scene; "
              "r = resolve_designs([sys.argv[1]])[0].resolution; "
              "sys.stdout.write(to_dot(build_scene(r, flows=sys.argv[2].split(','))))")
    for seed in ("1", "2"):
        run = subprocess.run([sys.executable, "-c", script, str(P), ",".join(terms)],
                             capture_output=True, text=True, check=True, cwd=ROOT,
                             env={**os.environ, "PYTHONHASHSEED": seed})
        assert run.stdout == first


def test_without_a_filter_the_scene_is_unchanged(p):
    assert to_dot(build_scene(p)) == to_dot(build_scene(p, flows=None))
    assert build_scene(p).subset is None


@pytest.mark.parametrize(("terms", "expected"), [
    (["Storag"], "design p-application-flows has no flow, workload or service named "
                 "'Storag'; did you mean 'Storage'"),
    (["sqlvm01/Storage"], "named 'sqlvm01/Storage'; did you mean 'sql01/Storage'"),
    (["3"], "named '3'"),
    (["storage"], "did you mean 'Storage'"),
    (["AzureSiteRecovery"], "AzureSiteRecovery selects no flow of design p-application-flows"),
])
def test_a_term_the_design_lacks_names_what_it_has(p, terms, expected):
    with pytest.raises(FlowFilterError) as caught:
        build_scene(p, flows=terms)
    message = str(caught.value)
    assert expected in message
    assert "  numbers:   1, 2\n  workloads: web01, sql01, vnet-spoke-web/snet-web\n" in message


def test_cli_flows_renders_the_subset_and_keeps_the_file_name(tmp_path):
    cache = tmp_path / "cache"
    result = run_cli("render", P, "-o", tmp_path / "subset", "--format", "svg",
                     "--cache-dir", cache, "--flows", " 2 ,web-to-sql,2")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.endswith(
        "1 diagram(s) (flows 2, web-to-sql only) in "
        f"{tmp_path / 'subset'}: 1 rendered, 0 unchanged (cached)\n")
    svg = html.unescape((tmp_path / "subset" / "p-application-flows.svg").read_text())
    assert "Subset: flows 2, web-to-sql only: 6 of 9 flows drawn" in svg
    assert "Azure Backup" not in svg
    # The full diagram, with the same cache, is not the subset's drawing.
    full = run_cli("render", P, "-o", tmp_path / "full", "--format", "svg",
                   "--cache-dir", cache)
    assert full.exit_code == 0, full.stderr
    svg = html.unescape((tmp_path / "full" / "p-application-flows.svg").read_text())
    assert "Subset" not in svg and "Azure Backup" in svg


def test_cli_an_unknown_term_is_a_usage_error_listing_what_exists(tmp_path):
    result = run_cli("render", P, "-o", tmp_path / "out", "--no-cache", "--flows",
                     "web01,Storag")
    assert (result.exit_code, result.stdout) == (2, "")
    assert ("Error: Invalid value for '--flows': design p-application-flows has no flow, "
            "workload or service named 'Storag'; did you mean 'Storage'") in result.stderr
    assert "--flows takes a comma-separated list of these" in result.stderr
    assert "  flows:     web01/AzureMonitorControl, " in result.stderr
    assert not (tmp_path / "out").exists()


def test_cli_a_filter_that_selects_nothing_is_a_usage_error(tmp_path):
    result = run_cli("render", P, "-o", tmp_path / "out", "--no-cache", "--flows",
                     "AzureSiteRecovery")
    assert result.exit_code == 2
    assert "AzureSiteRecovery selects no flow of design p-application-flows" in result.stderr
    assert not (tmp_path / "out").exists()
    empty = run_cli("render", P, "-o", tmp_path / "out", "--no-cache", "--flows", " , ")
    assert empty.exit_code == 2
    assert "expected a comma-separated list of flow numbers" in empty.stderr


def test_cli_every_design_must_have_the_terms(tmp_path):
    # sql01 is p's; b has sqlvm01: the error names the design without it.
    result = run_cli("render", P, DESIGNS / "b-sql-hub-firewall.yaml", "-o", tmp_path / "out",
                     "--no-cache", "--flows", "sql01", "-j", "1")
    assert result.exit_code == 2
    assert "design b-sql-hub-firewall has no flow, workload or service named 'sql01'; " \
           "did you mean 'sqlvm01'" in result.stderr
    assert not (tmp_path / "out").exists()
