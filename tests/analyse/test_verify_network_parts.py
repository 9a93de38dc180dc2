"""`flowdocs verify` on a hub with an active-active VPN gateway, a Route Server and a
load-balanced NVA pair (designs/k-hub-route-server-nva-pair.yaml).

The fixtures in data/verify/network-parts/ are real-shaped `az network nic
show-effective-route-table --output json` documents: spoke-sql.json for a NIC in the SQL
spoke, hub-nva.json for nva-a's NIC. Azure prints a route with several next hops (the
gateway's two instances, the Route Server's two NVA peers) as one row per next hop; the
REST body may also hold them in one row: spoke-sql.json has both forms.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from tests_support import DESIGNS, run_cli

from flowdocs.analyse.resolved import resolve_designs
from flowdocs.analyse.verification import Verification, verify
from flowdocs.load.effective_routes import read_all
from flowdocs.write.contract import effective_routes_document

DATA = Path(__file__).parent / "data" / "verify" / "network-parts"
DESIGN = DESIGNS / "k-hub-route-server-nva-pair.yaml"
SPOKE, NVA = "vnet-spoke-sql/snet-sql", "vnet-hub/snet-nva"
GATEWAY = "VirtualNetworkGateway"


def _verify(design: Path, *tables: tuple[str, Path]) -> Verification:
    (resolved,) = resolve_designs([design])
    read, errors = read_all([(subnet, str(file)) for subnet, file in tables])
    assert not errors
    return verify(resolved.resolution, read)


def _changed_table(tmp_path: Path, name: str, change: Any) -> Path:
    document = json.loads((DATA / name).read_text())
    change(document["value"])
    path = tmp_path / name
    path.write_text(json.dumps(document, indent=2))
    return path


def _bgp(prefix: str, *ips: str) -> dict[str, Any]:
    return {"addressPrefix": [prefix], "disableBgpRoutePropagation": False, "name": None,
            "nextHopIpAddress": list(ips), "nextHopType": GATEWAY, "source": GATEWAY,
            "state": "Active"}


def test_the_real_tables_agree_row_by_row_and_flow_by_flow():
    verification = _verify(DESIGN, (SPOKE, DATA / "spoke-sql.json"), (NVA, DATA / "hub-nva.json"))
    assert verification.difference_lines() == []
    # A route with two next hops counts once, whatever shape its rows have.
    assert [(t.agreed, len(t.ignored)) for t in verification.tables] == [(7, 0), (8, 3)]
    assert [(f.node, f.verdict) for f in verification.tables[1].flows] == [
        ("nva-a", "agrees"), ("nva-b", "agrees")] * 3


def test_one_row_per_next_hop_and_one_row_with_both_are_the_same_route(tmp_path):
    def reshape(rows: list[dict[str, Any]]) -> None:
        rows[2:5] = [_bgp("192.168.0.0/16", "10.0.0.4", "10.0.0.5"),
                     _bgp("172.16.0.0/12", "10.0.0.5"), _bgp("172.16.0.0/12", "10.0.0.4")]

    table = _changed_table(tmp_path, "spoke-sql.json", reshape)
    assert _verify(DESIGN, (SPOKE, table)).agrees


def test_a_changed_route_server_peer_is_caught(tmp_path):
    def change(rows: list[dict[str, Any]]) -> None:
        rows[6]["nextHopIpAddress"] = ["10.0.2.6"]  # nva-b's route comes from another NVA

    table = _changed_table(tmp_path, "spoke-sql.json", change)
    assert _verify(DESIGN, (SPOKE, table)).difference_lines() == [
        "vnet-spoke-sql/snet-sql: route 10.50.0.0/16: predicted VirtualNetworkGateway "
        "10.0.2.4, 10.0.2.5 (VirtualNetworkGateway, Active), real VirtualNetworkGateway "
        "10.0.2.4, 10.0.2.6 (VirtualNetworkGateway, Active)",
    ]


def test_a_gateway_instance_missing_is_caught(tmp_path):
    def change(rows: list[dict[str, Any]]) -> None:
        del rows[3]  # 192.168.0.0/16 through 10.0.0.5 only: one instance is down

    table = _changed_table(tmp_path, "spoke-sql.json", change)
    assert _verify(DESIGN, (SPOKE, table)).difference_lines() == [
        "vnet-spoke-sql/snet-sql: route 192.168.0.0/16: predicted VirtualNetworkGateway "
        "10.0.0.4, 10.0.0.5 (VirtualNetworkGateway, Active), real VirtualNetworkGateway "
        "10.0.0.4 (VirtualNetworkGateway, Active)",
    ]


def _default_from_the_nvas(tmp_path: Path) -> Path:
    """The design with no route table in the spoke: both NVAs advertise 0.0.0.0/0 to the
    Route Server instead, and the NVAs' subnet sends it to the Internet itself."""
    data = yaml.safe_load(DESIGN.read_text())
    data["vnets"][1]["subnets"][0].pop("route_table")
    data["vnets"][0]["subnets"][2]["route_table"] = "rt-nva"
    data["route_tables"] = [{"name": "rt-nva", "routes": [
        {"name": "out", "address_prefix": "0.0.0.0/0", "next_hop_type": "Internet"}]}]
    for peer in data["route_servers"][0]["peers"]:
        peer["advertised_prefixes"].append("0.0.0.0/0")
    path = tmp_path / "design.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_a_flow_on_a_route_server_route_is_checked_by_all_its_next_hops(tmp_path):
    design = _default_from_the_nvas(tmp_path)

    def default_via(*ips: str) -> Any:
        def change(rows: list[dict[str, Any]]) -> None:
            # The BGP route displaces the Default one; without a User 0.0.0.0/0 route the
            # reserved ranges that BGP does not displace are back.
            rows[7:9] = [*(_bgp("0.0.0.0/0", ip) for ip in ips),
                         *({**rows[0], "addressPrefix": [prefix], "nextHopType": "None"}
                           for prefix in ("10.0.0.0/8", "100.64.0.0/10"))]
        return change

    both = _changed_table(tmp_path, "spoke-sql.json", default_via("10.0.2.4", "10.0.2.5"))
    verification = _verify(design, (SPOKE, both))
    assert verification.agrees
    assert {f.verdict for f in verification.tables[0].flows} == {"agrees"}

    one = _changed_table(tmp_path, "spoke-sql.json", default_via("10.0.2.4"))
    flows = _verify(design, (SPOKE, one)).tables[0].flows
    assert [(f.flow, f.verdict) for f in flows] == [
        ("sqlvm01/AzureActiveDirectory", "differs"), ("sqlvm01/AzureBackup", "differs"),
        ("sqlvm01/Storage", "differs")]
    assert flows[0].line(SPOKE) == (
        "vnet-spoke-sql/snet-sql: flow 1 sqlvm01/AzureActiveDirectory at sqlvm01: predicted "
        "0.0.0.0/0 (VirtualNetworkGateway) -> VirtualNetworkGateway 10.0.2.4, 10.0.2.5, real "
        "0.0.0.0/0 (VirtualNetworkGateway) -> VirtualNetworkGateway 10.0.2.4")


def test_the_az_shaped_document_prints_one_row_per_next_hop():
    (resolved,) = resolve_designs([DESIGN])
    resolution = resolved.resolution
    view = resolution.router.effective_routes(resolution.topology.subnets[SPOKE])
    printed = [r for r in effective_routes_document(view)["value"] if r["source"] == GATEWAY]
    real = [r for r in json.loads((DATA / "spoke-sql.json").read_text())["value"]
            if r["source"] == GATEWAY]
    one_per_hop = [(r["addressPrefix"], [ip]) for r in real for ip in r["nextHopIpAddress"]]
    assert [(r["addressPrefix"], r["nextHopIpAddress"]) for r in printed] == one_per_hop
    assert {(r["nextHopType"], r["state"], r["name"]) for r in printed} == {
        (GATEWAY, "Active", None)}


def test_verify_exits_zero_on_the_real_tables():
    result = run_cli("verify", str(DESIGN), "--effective-routes",
                     f"{SPOKE}={DATA / 'spoke-sql.json'}",
                     "--effective-routes", f"{NVA}={DATA / 'hub-nva.json'}")
    assert result.exit_code == 0, result.output
    assert "Everything agrees: 15 rows and 9 flow routes." in result.output
