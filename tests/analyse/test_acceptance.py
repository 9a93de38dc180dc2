"""Findings a design accepts (`accept:`, analyse/acceptance.py): an accepted finding stays
on the page with its reason, but `validate`, `--strict`, the exit status and the page's counts
leave it out; an acceptance that matches nothing is a warning of its own."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from tests_support import DESIGNS, run_cli

from flowdocs.analyse.resolved import resolve_designs
from flowdocs.write.decision_sections import findings_context
from flowdocs.write.templating import environment, render

SE = "c-sql-storage-service-endpoint"
SUBNET = "vnet-spoke-sql/snet-sql"
REASON = "The exfiltration path is closed by the firewall's storage rules (ticket NET-42)."


def _variant(tmp_path: Path, accept: object, design: str = SE) -> Path:
    """`design`, copied with its bases, and `accept:` set to `accept`."""
    for base in DESIGNS.glob("*.yaml"):
        (tmp_path / base.name).write_text(base.read_text())
    path = tmp_path / f"{design}.yaml"
    data = yaml.safe_load(path.read_text())
    data["accept"] = accept
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_an_accepted_warning_is_neither_printed_nor_counted_by_validate(tmp_path):
    path = _variant(tmp_path, [{"finding": "FD005", "subject": SUBNET, "reason": REASON}])
    before = run_cli("validate", "--strict", DESIGNS / f"{SE}.yaml")
    assert before.exit_code == 1 and "[FD005 warning]" in before.stderr
    after = run_cli("validate", "--strict", path)
    assert (after.exit_code, after.stderr) == (0, "1 design(s) valid, 3 flows, 0 warning(s), 1 finding(s) accepted by the design\n")


def test_an_accepted_error_no_longer_fails_validate(tmp_path):
    path = _variant(tmp_path, [
        {"finding": "FD001", "reason": "The orphan spoke is being decommissioned."},
        {"finding": "FD002", "subject": "hana-looped", "reason": "Shown on purpose."}],
        "g-misrouted-spokes")
    result = run_cli("validate", path)
    assert result.exit_code == 0, result.stderr
    assert "of severity error" not in result.stderr
    (resolved,) = resolve_designs([path])
    assert [(f.id, f.accepted) for f in resolved.findings] == [
        ("FD001", "The orphan spoke is being decommissioned."), ("FD002", "Shown on purpose.")]
    assert resolved.failing == []


def test_an_acceptance_for_another_subject_accepts_nothing_and_says_so(tmp_path):
    path = _variant(tmp_path, [{"finding": "FD005", "subject": "vnet-spoke-sql/snet-other",
                                "reason": REASON}])
    result = run_cli("validate", path)
    lines = result.stderr.splitlines()
    assert any(line.endswith("[FD005 warning]") for line in lines)
    assert re.fullmatch(
        rf"{re.escape(str(path))}:\d+:\d+: warning: accepts FD005 \(A Storage service endpoint "
        r"without a policy: a data-exfiltration path\) about vnet-spoke-sql/snet-other, but "
        rf"the design has no such finding; it has one about {SUBNET}", lines[1])


def test_an_unknown_finding_id_is_a_warning_with_a_suggestion(tmp_path):
    path = _variant(tmp_path, [{"finding": "FD050", "reason": REASON}])
    result = run_cli("validate", "--strict", path)
    assert result.exit_code == 1
    assert re.search(r":\d+:\d+: warning: accepts FD050, which is not a flowdocs finding; "
                     r"did you mean 'FD0\d\d'\?", result.stderr)


@pytest.mark.parametrize(("accept", "message"), [
    ([{"finding": "FD005"}], "reason: field required"),
    ([{"finding": "FD005", "reason": "   "}], "reason"),
    ([{"finding": "fd5", "reason": REASON}], "finding"),
    (["FD005"], "accept: expected a mapping"),
])
def test_an_acceptance_without_a_reason_or_of_another_shape_is_a_located_error(
        tmp_path, accept, message):
    path = _variant(tmp_path, accept)
    result = run_cli("validate", path)
    assert result.exit_code == 1
    assert re.search(rf"{re.escape(str(path))}:\d+:\d+: error: .*", result.stderr)
    assert message.split(":")[0] in result.stderr
    assert "Traceback" not in result.stderr


def test_the_page_shows_an_accepted_finding_last_with_its_reason(tmp_path):
    path = _variant(tmp_path, [{"finding": "FD005", "reason": REASON}])
    (resolved,) = resolve_designs([path])
    page = render(environment(), "_findings.md.j2", findings_context(resolved.findings, "c.yaml"))
    assert "Findings in this design: 1 accepted." in page
    box = page[page.index('!!! success "'):]
    assert box.startswith('!!! success "A Storage service endpoint without a policy: a '
                          'data-exfiltration path (FD005, warning, accepted)"')
    assert f"\n    Accepted by the design: {REASON}\n" in box


def test_json_carries_the_reason_and_the_counts_leave_it_out(tmp_path):
    path = _variant(tmp_path, [{"finding": "FD005", "reason": REASON}])
    result = run_cli("resolve", path, "--format", "json")
    findings = json.loads(result.stdout)["findings"]
    assert [f.get("accepted") for f in findings if f["id"] == "FD005"] == [REASON]
    assert all("accepted" not in f for f in findings if f["id"] != "FD005")
    compared = run_cli("compare", path)
    assert re.search(r"\nfindings +FD005 accepted\n", compared.stdout)


def test_a_variant_inherits_its_base_s_acceptances_unless_it_sets_its_own(tmp_path):
    base = _variant(tmp_path, [{"finding": "FD005", "reason": REASON}])
    variant = tmp_path / "variant.yaml"
    variant.write_text(f"flowdocs: 1\nextends: {base.name}\nname: variant\n")
    (resolved,) = resolve_designs([variant])
    assert [f.accepted for f in resolved.findings if f.id == "FD005"] == [REASON]
    variant.write_text(f"flowdocs: 1\nextends: {base.name}\nname: variant\naccept: []\n")
    (resolved,) = resolve_designs([variant])
    assert [f.accepted for f in resolved.findings if f.id == "FD005"] == [None]


def test_accepted_findings_come_after_those_that_count(tmp_path):
    path = _variant(tmp_path, [{"finding": "FD001", "reason": "Being decommissioned."}],
                    "g-misrouted-spokes")
    (resolved,) = resolve_designs([path])
    page = render(environment(), "_findings.md.j2", findings_context(resolved.findings, "g.yaml"))
    assert "Findings in this design: 1 error, 1 accepted." in page
    titles = re.findall(r'^!!! (\w+) ".*\((FD\d+), ([\w, ]+)\)"$', page, re.MULTILINE)
    assert titles == [("danger", "FD002", "error"), ("success", "FD001", "error, accepted")]
