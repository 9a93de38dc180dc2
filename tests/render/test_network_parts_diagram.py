"""Diagrams of gateways with instances and connections, a Route Server with its NVA peers, and
a load balancer in front of an NVA pair (render/network_parts.py), as DOT."""

from __future__ import annotations

from tests_support import DESIGNS

from flowdocs.analyse.resolved import resolve_designs
from flowdocs.render import dot_source

from .test_diagram import flow_edges, parse_dot

DESIGN = DESIGNS / "k-hub-route-server-nva-pair.yaml"


def _dot() -> tuple[dict[str, dict[str, str]], list[dict[str, str]]]:
    (resolved,) = resolve_designs([DESIGN])
    return parse_dot(dot_source(resolved.resolution))


def test_the_pair_is_drawn_side_by_side_behind_its_load_balancer():
    nodes, edges = _dot()
    storage = {(e["tail"], e["head"]) for e in flow_edges(edges, "2 sqlvm01/Storage")}
    assert storage == {("w~sqlvm01", "lb~ilb-nva"), ("lb~ilb-nva", "fw~nva-a"),
                       ("lb~ilb-nva", "fw~nva-b"), ("fw~nva-a", "service~Storage"),
                       ("fw~nva-b", "service~Storage")}
    assert nodes["lb~ilb-nva"]["class"] == "load-balancer plain"
    assert "10.0.2.10, HA ports" in nodes["lb~ilb-nva"]["label"]
    assert "to nva-a or nva-b" in nodes["lb~ilb-nva"]["label"]
    assert nodes["fw~nva-a"]["class"] == nodes["fw~nva-b"]["class"] == "firewall crossed"


def test_the_gateway_shows_its_instances_and_connections():
    nodes, _ = _dot()
    label = nodes["gw~vgw-hub"]["label"]
    assert "instances 10.0.0.4, 10.0.0.5" in label
    assert "cn-datacentre (IPsec, BGP):" in label


def test_the_route_server_is_joined_to_its_peers_by_bgp_sessions():
    nodes, edges = _dot()
    assert "learns from nva-a, nva-b" in nodes["rs~rs-hub"]["label"]
    sessions = [e for e in edges if e.get("class", "").startswith("bgp ")]
    assert {(e["tail"], e["head"]) for e in sessions} == {("fw~nva-a", "rs~rs-hub"),
                                                          ("fw~nva-b", "rs~rs-hub")}
    assert {(e["style"], e["constraint"], e["label"]) for e in sessions} == {
        ("dotted", "false", "<<B>BGP</B>>")}
