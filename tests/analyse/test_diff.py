"""What a change does to the traffic (diff.py, diff_gates.py, diff_words.py): two analysed
sides compared flow by flow, the `--fail-on` gates, and the words the reports share. The
command itself, its outputs and git revisions are in tests/cli/test_diff.py."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from tests_support import DESIGNS

from flowdocs.analyse.analysis import analyse_resolved
from flowdocs.analyse.diff import Diff, Side, diff, diff_flow
from flowdocs.analyse.diff_gates import Gate, GateSpecError, check_gates, parse_gates
from flowdocs.analyse.resolved import resolve_designs
from flowdocs.write.diff_words import change_words, headline, policy_summary, risky, way

B = DESIGNS / "b-sql-hub-firewall.yaml"
C = DESIGNS / "c-sql-storage-service-endpoint.yaml"
G = DESIGNS / "g-misrouted-spokes.yaml"
J = DESIGNS / "j-sql-missing-storage-rule.yaml"

FIREWALL_ROUTE = "0.0.0.0/0 (User, rt-spoke-sql/default-via-firewall) -> VirtualAppliance 10.0.1.4"
ENDPOINT_ROUTE = "Microsoft.Storage (Default) -> VirtualNetworkServiceEndpoint"


def sides(*paths: Path | str) -> list[Side]:
    return [Side(analyse_resolved(r), r.path) for r in resolve_designs(list(paths))]


def paired(old: Path | str, new: Path | str) -> Diff:
    return diff(sides(old), sides(new), pair=True)


def flow(path: Path, flow_id: str):
    (side,) = sides(path)
    return next(f for f in side.analysis.resolution.flows if f.id == flow_id)


# -- b -> c: the Storage service endpoint takes the backup data around the firewall ------------


def test_b_to_c_one_flow_bypasses_the_hub_firewall():
    result = paired(B, C)
    (design,) = result.designs
    # Paired whatever their names, and shown by the new one's.
    assert (design.name, design.change) == ("c-sql-storage-service-endpoint", "changed")
    assert (design.before.path, design.after.path) == (str(B), str(C))
    (change,) = result.flows
    assert (change.number, change.id) == (2, "sqlvm01/Storage")
    assert change.kinds == ("bypass", "access", "path", "policy")
    assert (change.bypassed, change.inspected) == (("afw-hub",), ())
    assert (change.before.access, change.after.access) == ("public", "service-endpoint")
    assert (change.before.status, change.after.status) == ("delivered", "delivered")
    assert [h.node for h in change.before.hops] == ["sqlvm01", "afw-hub", "Storage"]
    assert [h.node for h in change.after.hops] == ["sqlvm01", "Storage"]
    assert change.before.deciding_route.label() == FIREWALL_ROUTE
    assert change.after.deciding_route.label() == ENDPOINT_ROUTE
    # The firewall no longer processes the 200 GB a day of backup data.
    assert (change.cost_before, change.cost_after, change.cost_delta) == (
        Decimal("216.00"), Decimal("0.00"), Decimal("-216.00"))
    assert not change.newly_stopped and not change.newly_denied
    assert (design.cost_before, design.cost_after, design.cost_delta) == (
        Decimal("1128.50"), Decimal("912.50"), Decimal("-216.00"))
    assert (result.cost_before, result.cost_after, result.currency) == (
        Decimal("1128.50"), Decimal("912.50"), "USD")
    assert [(f.id, f.severity, f.subject) for f in design.findings_added] == [
        ("FD005", "warning", "vnet-spoke-sql/snet-sql")]
    assert design.findings_fixed == ()
    assert (result.count("bypass"), result.count("inspected"), result.count("access")) == (1, 0, 1)


def test_b_to_c_in_words():
    result = paired(B, C)
    (change,) = result.flows
    assert change_words(change) == ["no longer crosses afw-hub",
                                    "access public -> service-endpoint"]
    assert way(change.before) == f"public via afw-hub: sqlvm01 > afw-hub > Storage; by {FIREWALL_ROUTE}"
    assert way(change.after) == f"service-endpoint: sqlvm01 > Storage; by {ENDPOINT_ROUTE}"
    assert way(None) == "-"
    assert headline(result) == "1 flow changed, 1 newly bypasses a firewall, monthly cost -$216.00"
    assert risky(result)


def test_c_to_b_the_flow_is_inspected_again_and_the_finding_fixed():
    result = paired(C, B)
    (design,) = result.designs
    assert design.name == "b-sql-hub-firewall"
    (change,) = result.flows
    assert change.kinds == ("inspected", "access", "path", "policy")
    assert (change.bypassed, change.inspected) == ((), ("afw-hub",))
    assert change.cost_delta == Decimal("216.00")
    assert design.findings_added == ()
    assert [(f.id, f.subject) for f in design.findings_fixed] == [
        ("FD005", "vnet-spoke-sql/snet-sql")]
    assert change_words(change) == ["now crosses afw-hub", "access service-endpoint -> public"]
    assert headline(result) == "1 flow changed, monthly cost +$216.00"
    assert not risky(result)


def test_a_design_against_itself_is_no_change():
    result = paired(B, B)
    (design,) = result.designs
    assert design.change == "unchanged"
    assert (result.flows, result.changed, result.findings_added, result.findings_fixed) == (
        [], [], [], [])
    assert result.cost_delta == 0
    assert headline(result) == "no change to any flow, finding or cost"


def test_without_pairing_designs_are_matched_by_name():
    result = diff(sides(B), sides(C))
    assert [(d.name, d.change) for d in result.designs] == [
        ("b-sql-hub-firewall", "removed"), ("c-sql-storage-service-endpoint", "added")]
    removed, added = result.designs
    assert {c.kinds for c in removed.flows} == {("removed",)}
    assert {c.kinds for c in added.flows} == {("added",)}
    assert len(removed.flows) == len(added.flows) == 3
    assert (removed.cost_before, removed.cost_after) == (Decimal("1128.50"), Decimal(0))
    assert (added.cost_before, added.cost_after) == (Decimal(0), Decimal("912.50"))
    # A design's findings come and go with it.
    assert [f.id for f in added.findings_added] == ["FD005"]
    assert headline(result) == ("6 flows changed, 1 design added, 1 design removed, "
                                "monthly cost -$216.00")


def test_b_to_j_the_backup_data_is_newly_denied_by_the_firewall_policy():
    result = paired(B, J)
    (change,) = result.flows
    assert (change.number, change.id) == (2, "sqlvm01/Storage")
    # Same routes, same path, same firewall: only the verdict changed.
    assert change.kinds == ("status", "policy")
    assert (change.before.status, change.after.status) == ("delivered", "denied")
    assert change.newly_denied and not change.newly_stopped
    assert change_words(change) == ["delivered -> denied"]
    assert policy_summary(change.after) == "denied at afw-hub"
    assert [(f.id, f.severity, f.subject) for f in result.findings_added] == [
        ("FD014", "error", "afw-hub")]
    assert headline(result) == ("1 flow changed, 1 newly denied, 1 new error finding, "
                                "monthly cost -$216.00")
    assert risky(result)


# -- one flow ----------------------------------------------------------------------------------


def test_a_flow_only_on_one_side_is_added_or_removed():
    storage = flow(B, "sqlvm01/Storage")
    added = diff_flow(None, storage, Decimal(0), Decimal("216.00"))
    assert (added.kinds, added.id, added.number, added.cost_delta) == (
        ("added",), "sqlvm01/Storage", 2, Decimal("216.00"))
    assert change_words(added) == ["new flow"]
    removed = diff_flow(storage, None)
    assert (removed.kinds, removed.bypassed) == (("removed",), ())
    assert change_words(removed) == ["flow removed"]
    assert diff_flow(storage, storage).kinds == ()


def test_a_new_workload_s_flows_are_added(tmp_path):
    (tmp_path / "b.yaml").write_bytes(B.read_bytes())
    (tmp_path / "b2.yaml").write_text(
        "flowdocs: 1\nextends: b.yaml\nname: b-sql-hub-firewall\nworkloads:\n"
        "  - name: sqlvm02\n    type: sql-server-in-vm\n    subnet: vnet-spoke-sql/snet-sql\n"
        "    ip: 10.1.1.5\n    backup:\n      vault: rsv-prod\n      daily_gb: 100\n"
        "      window_hours: 8\n")
    result = paired(tmp_path / "b.yaml", tmp_path / "b2.yaml")
    assert [(c.number, c.id, c.kinds) for c in result.flows] == [
        (1, "sqlvm02/AzureActiveDirectory", ("added",)),
        (1, "sqlvm02/AzureBackup", ("added",)),
        (2, "sqlvm02/Storage", ("added",))]
    # 100 GB a day more through the hub firewall.
    assert [c.cost_delta for c in result.flows] == [0, 0, Decimal("108.00")]
    assert result.cost_delta == Decimal("108.00")


def test_a_verdict_that_changes_without_the_status_is_a_policy_change():
    storage = flow(B, "sqlvm01/Storage")
    nsg, firewall = storage.policy
    unknown = replace(storage, policy=(nsg, replace(firewall, verdict="unknown", rule=None)))
    change = diff_flow(storage, unknown)
    assert change.kinds == ("policy",)
    assert change_words(change) == ["policy allowed -> unknown at afw-hub"]
    assert not change.newly_denied and not change.bypassed


def test_a_firewall_without_its_policy_is_a_policy_change(tmp_path):
    text = B.read_text()
    assert "    policy: fwp-hub\n" in text
    (tmp_path / "b.yaml").write_text(text)
    (tmp_path / "b-open.yaml").write_text(text.replace("    policy: fwp-hub\n", ""))
    result = paired(tmp_path / "b.yaml", tmp_path / "b-open.yaml")
    assert [(c.number, c.id, c.kinds) for c in result.flows] == [
        (1, "sqlvm01/AzureActiveDirectory", ("policy",)),
        (1, "sqlvm01/AzureBackup", ("policy",)),
        (2, "sqlvm01/Storage", ("policy",))]
    assert {tuple(change_words(c)) for c in result.flows} == {
        ("policy allowed -> unknown at afw-hub",)}


def test_a_renamed_deciding_rule_is_worded(tmp_path):
    text = B.read_text()
    (tmp_path / "b.yaml").write_text(text)
    (tmp_path / "b2.yaml").write_text(
        text.replace("              - name: storage\n", "              - name: storage-443\n"))
    (change,) = paired(tmp_path / "b.yaml", tmp_path / "b2.yaml").flows
    assert change.kinds == ("policy",)
    assert change_words(change) != []


def test_a_flow_already_stopped_is_not_newly_stopped():
    looping = flow(G, "hana-looped/Storage")
    assert looping.status == "loop"
    change = diff_flow(replace(looping, status="dropped"), looping)
    assert change.kinds == ("status",)
    assert not change.newly_stopped


def test_a_flow_that_starts_looping_is_newly_stopped():
    looping = flow(G, "hana-looped/Storage")
    change = diff_flow(replace(looping, status="delivered"), looping)
    assert change.newly_stopped
    assert not diff_flow(looping, looping).newly_stopped
    # A design added with a broken flow brings it in broken.
    assert diff_flow(None, looping).newly_stopped


# -- gates ---------------------------------------------------------------------------------------


def test_parse_gates():
    assert parse_gates("") == []
    assert parse_gates(" bypass , dropped,,denied,new-error ") == [
        Gate("bypass"), Gate("dropped"), Gate("denied"), Gate("new-error")]
    assert parse_gates("cost-increase=50") == [Gate("cost-increase", Decimal(50))]
    assert parse_gates("cost-increase=12.5%") == [Gate("cost-increase", Decimal("12.5"), True)]
    assert [str(g) for g in parse_gates("bypass,cost-increase=0,cost-increase=10%")] == [
        "bypass", "cost-increase=0", "cost-increase=10%"]


@pytest.mark.parametrize(("spec", "message"), [
    ("bypas", "unknown gate 'bypas'; expected one of: bypass, dropped, denied, new-error, "
              "cost-increase"),
    ("Bypass", "unknown gate 'Bypass'"),
    ("bypass=3", "gate 'bypass' takes no value"),
    ("cost-increase", "cost-increase needs a limit"),
    ("cost-increase=abc", "cost-increase needs a limit"),
    ("cost-increase=%", "cost-increase needs a limit"),
    ("cost-increase=-1", "cost-increase limit must be a number of 0 or more, found '-1'"),
    ("cost-increase=NaN", "cost-increase limit must be a number of 0 or more"),
    ("cost-increase=Infinity", "cost-increase limit must be a number of 0 or more"),
])
def test_parse_gates_refuses(spec, message):
    with pytest.raises(GateSpecError) as raised:
        parse_gates(spec)
    assert str(raised.value).startswith(message)


def gate_results(result: Diff, spec: str) -> list[tuple[str, bool, int, str]]:
    return [(str(r.gate), r.failed, r.hits, r.detail)
            for r in check_gates(result, parse_gates(spec))]


def test_gates_on_b_to_c():
    assert gate_results(paired(B, C), "bypass,dropped,denied,new-error,cost-increase=0") == [
        ("bypass", True, 1, "1 flow(s) newly bypass a firewall: 2 sqlvm01/Storage"),
        ("dropped", False, 0, "0 flows are newly dropped or loop"),
        ("denied", False, 0, "0 flows are newly denied"),
        # FD005 is a warning.
        ("new-error", False, 0, "0 new error finding(s)"),
        ("cost-increase=0", False, 0, "monthly cost -216.00 USD (limit 0)"),
    ]


def test_gates_on_c_to_b():
    assert gate_results(paired(C, B), "bypass,cost-increase=50,cost-increase=215.99,"
                                      "cost-increase=216,cost-increase=23.6%,cost-increase=23.7%") == [
        # Inspected again is not a bypass.
        ("bypass", False, 0, "0 flows newly bypass a firewall"),
        ("cost-increase=50", True, 1, "monthly cost +216.00 USD (limit 50)"),
        ("cost-increase=215.99", True, 1, "monthly cost +216.00 USD (limit 215.99)"),
        # "More than" the limit: exactly the limit passes.
        ("cost-increase=216", False, 0, "monthly cost +216.00 USD (limit 216)"),
        # 216 / 912.50 = 23.67%
        ("cost-increase=23.6%", True, 1, "monthly cost +23.7% (limit 23.6%)"),
        ("cost-increase=23.7%", False, 0, "monthly cost +23.7% (limit 23.7%)"),
    ]


def test_gates_on_b_to_j():
    assert gate_results(paired(B, J), "bypass,denied,new-error") == [
        ("bypass", False, 0, "0 flows newly bypass a firewall"),
        ("denied", True, 1, "1 flow(s) are newly denied: 2 sqlvm01/Storage"),
        ("new-error", True, 1, "1 new error finding(s): FD014 afw-hub"),
    ]


def test_the_dropped_gate_on_designs_added_with_stopped_flows():
    result = diff([], sides(G))
    (dropped,) = check_gates(result, parse_gates("dropped"))
    assert (dropped.failed, dropped.hits) == (True, 7)
    assert dropped.detail.startswith("7 flow(s) are newly dropped or loop: ")
    assert dropped.detail.endswith(" and 2 more")


def test_a_cost_from_nothing_passes_no_percent_limit():
    result = diff([], sides(B))
    assert result.cost_delta == Decimal("1128.50")
    (gate,) = check_gates(result, parse_gates("cost-increase=150%"))
    assert gate.failed
