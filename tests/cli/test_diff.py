"""`flowdocs diff` as a user and a CI job see it: the terminal report, JSON and the
pull-request comment, the `--fail-on` gates through the exit status, folders, and designs at
git revisions (in throw-away repositories)."""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from pathlib import Path

import jsonschema
import pytest
from tests_support import DESIGNS, ROOT, run_cli

B = DESIGNS / "b-sql-hub-firewall.yaml"
C = DESIGNS / "c-sql-storage-service-endpoint.yaml"
J = DESIGNS / "j-sql-missing-storage-rule.yaml"
SCHEMA = ROOT / "docs/assets/diff-v1.schema.json"

FIREWALL_ROUTE = "0.0.0.0/0 (User, rt-spoke-sql/default-via-firewall) -> VirtualAppliance 10.0.1.4"
ENDPOINT_ROUTE = "Microsoft.Storage (Default) -> VirtualNetworkServiceEndpoint"
B_TO_C = "1 flow changed, 1 newly bypasses a firewall, monthly cost -$216.00"
NO_CHANGE = "no change to any flow, finding or cost"
ALL_GATES = "bypass,dropped,denied,new-error,cost-increase=0"

SQL_SUBNET = "        network_security_group: nsg-sql\n"
ENDPOINT = "        service_endpoints: [Microsoft.Storage]\n"


def b_with_endpoint() -> str:
    """(b) with a Storage service endpoint on the SQL subnet: (c) written out whole."""
    text = B.read_text()
    assert text.count(SQL_SUBNET) == 1
    return text.replace(SQL_SUBNET, SQL_SUBNET + ENDPOINT)


def diff_json(*args: str | Path) -> dict:
    result = run_cli("diff", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def check_schema(document: dict) -> None:
    """The JSON contract: docs/assets/diff-v1.schema.json."""
    jsonschema.validate(document, json.loads(SCHEMA.read_text()))


# -- b -> c: two files, paired whatever their names --------------------------------------------


def test_b_to_c_table(monkeypatch, golden):
    monkeypatch.chdir(ROOT)
    b, c = "designs/b-sql-hub-firewall.yaml", "designs/c-sql-storage-service-endpoint.yaml"
    result = run_cli("diff", b, c)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == f"flowdocs diff {b} -> {c}: {B_TO_C}"
    assert "  2 sqlvm01/Storage: no longer crosses afw-hub; access public -> service-endpoint" in lines
    assert f"      before: public via afw-hub: sqlvm01 > afw-hub > Storage; by {FIREWALL_ROUTE}" in lines
    assert f"      after:  service-endpoint: sqlvm01 > Storage; by {ENDPOINT_ROUTE}" in lines
    assert "      cost:   $216.00 -> $0.00 a month (-$216.00)" in lines
    assert any(line.startswith("  + FD005 warning vnet-spoke-sql/snet-sql: ") for line in lines)
    assert "$1,128.50 -> $912.50 (-$216.00)" in result.stdout
    # Only the changed flow: the management flows keep their way.
    assert "AzureBackup" not in result.stdout and "AzureActiveDirectory" not in result.stdout
    golden.check("cli/diff-b-c.txt", result.stdout)


def test_b_to_c_json(monkeypatch, golden):
    monkeypatch.chdir(ROOT)
    b, c = "designs/b-sql-hub-firewall.yaml", "designs/c-sql-storage-service-endpoint.yaml"
    document = diff_json(b, c)
    check_schema(document)
    assert (document["flowdocs"], document["before"], document["after"]) == (1, b, c)
    assert document["headline"] == B_TO_C
    assert document["summary"] == {
        "designs": {"added": 0, "removed": 0, "changed": 1, "unchanged": 0},
        "flows_changed": 1, "bypass": 1, "inspected": 0, "newly_denied": 0, "newly_dropped": 0,
        "findings_added": 1, "findings_fixed": 0,
        "cost": {"currency": "USD", "before": 1128.5, "after": 912.5, "delta": -216.0},
    }
    assert document["gates"] == []
    (design,) = document["designs"]
    assert (design["name"], design["change"], design["before"], design["after"]) == (
        "c-sql-storage-service-endpoint", "changed", b, c)
    (flow,) = design["flows"]
    assert (flow["id"], flow["number"]) == ("sqlvm01/Storage", 2)
    assert flow["changes"] == ["bypass", "access", "path", "policy"]
    assert flow["summary"] == "no longer crosses afw-hub; access public -> service-endpoint"
    assert (flow["bypassed"], flow["inspected"]) == (["afw-hub"], [])
    before, after = flow["before"], flow["after"]
    assert (before["status"], before["access"], before["firewalls"], before["path"],
            before["route"]) == ("delivered", "public", ["afw-hub"],
                                 ["sqlvm01", "afw-hub", "Storage"], FIREWALL_ROUTE)
    assert (after["status"], after["access"], after["firewalls"], after["path"],
            after["route"]) == ("delivered", "service-endpoint", [], ["sqlvm01", "Storage"],
                                ENDPOINT_ROUTE)
    assert [c["at"] for c in before["policy"]] == ["vnet-spoke-sql/snet-sql", "afw-hub"]
    assert [c["at"] for c in after["policy"]] == ["vnet-spoke-sql/snet-sql"]
    assert flow["cost"] == {"before": 216.0, "after": 0.0, "delta": -216.0}
    assert [(f["id"], f["severity"], f["subject"], f["line"]) for f in design["findings_added"]] == [
        ("FD005", "warning", "vnet-spoke-sql/snet-sql", 20)]
    assert design["findings_fixed"] == []
    golden.check("cli/diff-b-c.json", run_cli("diff", b, c, "--format", "json").stdout)


def test_b_to_b_is_no_change_and_trips_no_gate():
    result = run_cli("diff", B, B, "--fail-on", ALL_GATES)
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines()[0] == f"flowdocs diff {B} -> {B}: {NO_CHANGE}"
    assert "b-sql-hub-firewall  unchanged" in result.stdout
    assert "sqlvm01" not in result.stdout
    assert [line for line in result.stdout.splitlines() if line.startswith("  pass  ")] == [
        "  pass  bypass: 0 flows newly bypass a firewall",
        "  pass  dropped: 0 flows are newly dropped or loop",
        "  pass  denied: 0 flows are newly denied",
        "  pass  new-error: 0 new error finding(s)",
        "  pass  cost-increase=0: monthly cost +0.00 USD (limit 0)",
    ]
    assert "FAIL" not in result.stdout
    document = diff_json(B, B, "--fail-on", ALL_GATES)
    check_schema(document)
    assert document["headline"] == NO_CHANGE
    assert document["summary"]["flows_changed"] == 0
    assert document["summary"]["designs"] == {"added": 0, "removed": 0, "changed": 0,
                                              "unchanged": 1}
    assert [d["flows"] for d in document["designs"]] == [[]]
    assert [(g["gate"], g["failed"]) for g in document["gates"]] == [
        ("bypass", False), ("dropped", False), ("denied", False), ("new-error", False),
        ("cost-increase=0", False)]


# -- gates, through the exit status ------------------------------------------------------------


@pytest.mark.parametrize(("old", "new", "gates", "status"), [
    (B, C, "bypass", 1),
    # c -> b: the flow now crosses afw-hub ("inspected"), which is no bypass.
    (C, B, "bypass", 0),
    (B, J, "denied", 1),
    (B, C, "denied", 0),
    (B, J, "new-error", 1),
    # FD005 is a warning.
    (B, C, "new-error", 0),
    (B, C, "dropped", 0),
    (C, B, "cost-increase=50", 1),
    (C, B, "cost-increase=500", 0),
    (C, B, "cost-increase=10%", 1),  # 216 / 912.50 = 23.7%
    (C, B, "cost-increase=30%", 0),
    (B, C, "cost-increase=0", 0),  # cheaper
    (B, C, "cost-increase=0%", 0),
    (C, B, "bypass,new-error,cost-increase=50", 1),
    (B, J, "bypass", 0),
], ids=lambda v: v.stem[:1] if isinstance(v, Path) else str(v))
def test_gates_set_the_exit_status(old, new, gates, status):
    result = run_cli("diff", old, new, "--fail-on", gates)
    assert result.exit_code == status, result.stdout
    # A tripped gate is reported, not an error.
    assert result.stderr == ""
    assert ("  FAIL  " in result.stdout) == bool(status)


def test_the_gates_lines():
    result = run_cli("diff", C, B, "--fail-on", "bypass,cost-increase=50,cost-increase=10%")
    assert result.stdout.endswith(
        "gates:\n"
        "  pass  bypass: 0 flows newly bypass a firewall\n"
        "  FAIL  cost-increase=50: monthly cost +216.00 USD (limit 50)\n"
        "  FAIL  cost-increase=10%: monthly cost +23.7% (limit 10%)\n")
    result = run_cli("diff", B, J, "--fail-on", "denied,new-error")
    assert result.stdout.endswith(
        "gates:\n"
        "  FAIL  denied: 1 flow(s) are newly denied: 2 sqlvm01/Storage\n"
        "  FAIL  new-error: 1 new error finding(s): FD014 afw-hub\n")


def test_a_route_to_an_ip_nobody_has_drops_the_flows(tmp_path):
    text = B.read_text()
    assert text.count("next_hop_ip: 10.0.1.4\n") == 1
    (tmp_path / "b.yaml").write_text(text)
    (tmp_path / "b-lost.yaml").write_text(text.replace("next_hop_ip: 10.0.1.4\n",
                                                       "next_hop_ip: 10.0.1.99\n"))
    old, new = tmp_path / "b.yaml", tmp_path / "b-lost.yaml"
    result = run_cli("diff", old, new, "--fail-on", "dropped")
    assert result.exit_code == 1, result.stdout
    assert ("  FAIL  dropped: 3 flow(s) are newly dropped or loop: 1 sqlvm01/AzureActiveDirectory, "
            "1 sqlvm01/AzureBackup, 2 sqlvm01/Storage") in result.stdout
    assert "3 newly dropped or looping" in result.stdout.splitlines()[0]
    assert "  + FD001 error sqlvm01: " in result.stdout
    assert run_cli("diff", old, new, "--fail-on", "denied").exit_code == 0
    assert run_cli("diff", new, old, "--fail-on", "dropped").exit_code == 0
    document = diff_json(old, new)
    check_schema(document)
    assert document["summary"]["newly_dropped"] == 3
    assert {(f["before"]["status"], f["after"]["status"], f["after"]["access"])
            for f in document["designs"][0]["flows"]} == {("delivered", "dropped", None)}


@pytest.mark.parametrize(("args", "message"), [
    (("--fail-on", "bypas"), "Invalid value for --fail-on: unknown gate 'bypas'; expected one "
                             "of: bypass, dropped, denied, new-error, cost-increase"),
    (("--fail-on", "cost-increase=abc"), "Invalid value for --fail-on: cost-increase needs a "
                                         "limit: cost-increase=50"),
    (("--fail-on", "bypass=3"), "Invalid value for --fail-on: gate 'bypass' takes no value"),
    (("--fail-on", "cost-increase=-5"), "Invalid value for --fail-on: cost-increase limit must "
                                        "be a number of 0 or more, found '-5'"),
    (("--tag", "a b"), "Invalid value for --tag: letters, digits, '.', '_' and '-', up to 40"),
    (("--tag", "x" * 41), "Invalid value for --tag"),
    (("--max-chars", "999"), "Invalid value for '--max-chars'"),
    (("--format", "html"), "Invalid value for '--format'"),
])
def test_bad_options_are_usage_errors(args, message):
    result = run_cli("diff", B, C, *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr


def test_paths_that_do_not_pair_are_usage_errors(tmp_path):
    missing = tmp_path / "nope.yaml"
    for old, new in ((B, missing), (missing, B)):
        result = run_cli("diff", old, new)
        assert result.exit_code == 2
        assert (f"Error: '{missing}' is neither a file nor a folder; two revisions are compared "
                "as `flowdocs diff A B` or `A..B`") in result.stderr
    for old, new in ((B, DESIGNS), (DESIGNS, B)):
        result = run_cli("diff", old, new)
        assert result.exit_code == 2
        assert "Error: compare two design files, or two folders of designs" in result.stderr
    result = run_cli("diff", B)
    assert result.exit_code == 2
    assert ("Error: give two design files or folders, or a git revision (flowdocs diff main)"
            in result.stderr)


# -- folders -----------------------------------------------------------------------------------


def test_two_folders_match_designs_by_name(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    for name in ("a-vm-backup", "b-sql-hub-firewall", "c-sql-storage-service-endpoint",
                 "e-hana-forced-tunnelling"):
        (old / f"{name}.yaml").write_bytes((DESIGNS / f"{name}.yaml").read_bytes())
    # New: a and e as they were, b changed (and under another file name), c removed, f added.
    for name in ("a-vm-backup", "e-hana-forced-tunnelling", "f-third-party-agent-private-storage"):
        (new / f"{name}.yaml").write_bytes((DESIGNS / f"{name}.yaml").read_bytes())
    (new / "b-renamed.yaml").write_text(b_with_endpoint())
    result = run_cli("diff", old, new, "--fail-on", "bypass")
    assert result.exit_code == 1, result.stderr
    assert result.stdout.splitlines()[0] == (
        f"flowdocs diff {old} -> {new}: 6 flows changed, 1 newly bypasses a firewall, "
        "1 design added, 1 design removed, monthly cost -$671.20")
    document = diff_json(old, new)
    check_schema(document)
    assert [(d["name"], d["change"], len(d["flows"])) for d in document["designs"]] == [
        ("a-vm-backup", "unchanged", 0),
        ("b-sql-hub-firewall", "changed", 1),
        ("c-sql-storage-service-endpoint", "removed", 3),
        ("e-hana-forced-tunnelling", "unchanged", 0),
        ("f-third-party-agent-private-storage", "added", 2),
    ]
    by_name = {d["name"]: d for d in document["designs"]}
    b = by_name["b-sql-hub-firewall"]
    assert (b["before"], b["after"]) == (str(old / "b-sql-hub-firewall.yaml"),
                                         str(new / "b-renamed.yaml"))
    assert [(f["number"], f["id"], f["bypassed"]) for f in b["flows"]] == [
        (2, "sqlvm01/Storage", ["afw-hub"])]
    removed = by_name["c-sql-storage-service-endpoint"]
    assert removed["after"] is None
    assert {tuple(f["changes"]) for f in removed["flows"]} == {("removed",)}
    assert removed["cost"] == {"currency": "USD", "before": 912.5, "after": 0.0, "delta": -912.5}
    added = by_name["f-third-party-agent-private-storage"]
    assert added["before"] is None
    assert {tuple(f["changes"]) for f in added["flows"]} == {("added",)}
    assert document["summary"]["designs"] == {"added": 1, "removed": 1, "changed": 1,
                                              "unchanged": 2}


# -- designs that do not load ----------------------------------------------------------------


@pytest.mark.parametrize("side", ["old", "new"])
def test_a_design_that_does_not_load_is_a_located_error(tmp_path, side):
    broken = tmp_path / "broken.yaml"
    broken.write_text("flowdocs: 1\nname: broken\nvnets: [\n")
    args = (broken, B) if side == "old" else (B, broken)
    result = run_cli("diff", *args, "--fail-on", "bypass")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"{broken}:4:1: error: invalid YAML: ")
    assert all(re.match(rf"{re.escape(str(broken))}:\d+:\d+: error: ", line)
               for line in result.stderr.splitlines())
    assert "Traceback" not in result.stderr


def test_every_problem_of_a_folder_is_located(tmp_path):
    (tmp_path / "old").mkdir()
    new = tmp_path / "new"
    new.mkdir()
    (new / "bad.yaml").write_text(
        "flowdocs: 1\nname: bad\nvnets:\n  - name: v\n    address_space: [notacidr]\n")
    result = run_cli("diff", tmp_path / "old", new)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{new / 'bad.yaml'}:1:1: error: missing required key 'title' at the top level",
        f"{new / 'bad.yaml'}:5:21: error: address_space: expected a CIDR such as 10.0.0.0/16, "
        "found 'notacidr'",
    ]


# -- markdown: the pull-request comment --------------------------------------------------------


def test_markdown_comment(monkeypatch, golden):
    monkeypatch.chdir(ROOT)
    b, c = "designs/b-sql-hub-firewall.yaml", "designs/c-sql-storage-service-endpoint.yaml"
    result = run_cli("diff", b, c, "--format", "markdown", "--fail-on", "bypass,new-error")
    assert result.exit_code == 1
    comment = result.stdout
    lines = comment.splitlines()
    assert lines[0] == "<!-- flowdocs-diff -->"
    assert lines[1] == f"### flowdocs: {B_TO_C} ⚠️"
    assert f"`{b}` → `{c}`" in lines
    assert ("| `c-sql-storage-service-endpoint` | changed | 1 | 1 | +1 / −0 | "
            "$1,128.50 → $912.50 (-$216.00) |") in lines
    assert comment.count("<details>") == comment.count("</details>") == 1
    assert ("<details><summary>c-sql-storage-service-endpoint: changed, 1 flow(s) changed"
            "</summary>") in lines
    assert any(line.startswith("| 2 `sqlvm01/Storage` | no longer crosses afw-hub; ")
               and line.endswith(" | -$216.00 |") for line in lines)
    assert any(line.startswith("- ➕ **FD005** warning `vnet-spoke-sql/snet-sql`: ")
               for line in lines)
    assert "Gates: ❌ `bypass` (1) · ✅ `new-error` (0)" in lines
    golden.check("cli/diff-b-c.md", comment)


def test_markdown_tag_and_a_safe_change():
    result = run_cli("diff", C, B, "--format", "markdown", "--tag", "prod")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "<!-- flowdocs-diff:tag=prod -->"
    # Now inspected by the firewall, dearer: nothing risky, no warning sign.
    assert lines[1] == "### flowdocs: 1 flow changed, monthly cost +$216.00"
    assert "- ✔️ **FD005** fixed: `vnet-spoke-sql/snet-sql`" in lines
    assert not any(line.startswith("Gates:") for line in lines)
    result = run_cli("diff", B, B, "--format", "markdown", "--tag", "eu-west_1.a")
    assert result.stdout.splitlines()[:2] == ["<!-- flowdocs-diff:tag=eu-west_1.a -->",
                                              f"### flowdocs: {NO_CHANGE}"]
    assert "<details>" not in result.stdout


def test_markdown_past_max_chars_keeps_the_summary(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    full = run_cli("diff", empty, DESIGNS, "--format", "markdown", "--fail-on", "bypass").stdout
    assert len(full) > 5000 and full.count("<details>") == len(list(DESIGNS.glob("*.yaml")))
    result = run_cli("diff", empty, DESIGNS, "--format", "markdown", "--max-chars", "1000",
                     "--fail-on", "bypass")
    assert result.exit_code == 0
    comment = result.stdout
    assert len(comment) <= 1000
    lines = comment.splitlines()
    assert lines[0] == "<!-- flowdocs-diff -->"
    # The headline is the full comment's: every example design added, with all its flows.
    assert lines[1] == full.splitlines()[1]
    designs = len(list(DESIGNS.glob("*.yaml")))
    assert re.fullmatch(rf"### flowdocs: \d+ flows changed, .*{designs} designs added, monthly "
                        r"cost \+\$[\d,]+\.\d\d ⚠️", lines[1])
    assert "<details>" not in comment
    assert f"_Details left out: the comment would be {len(full):,} characters, over 1,000." in comment
    assert "| `a-vm-backup` | added |" in comment
    assert re.search(r"^\| … and \d+ more design\(s\) \| \| \| \| \| \|$", comment, re.M)
    assert "Gates: ✅ `bypass` (0)" in lines
    # At the default limit, every detail.
    assert "<details>" in run_cli("diff", empty, DESIGNS, "--format", "markdown",
                                  "--max-chars", str(len(full))).stdout


# -- -o FILE -----------------------------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["table", "json", "markdown"])
def test_output_file(tmp_path, output_format):
    out = tmp_path / "report.out"
    for gate, status in (("bypass", 1), ("denied", 0)):
        printed = run_cli("diff", B, C, "--format", output_format, "--fail-on", gate)
        assert printed.exit_code == status
        result = run_cli("diff", B, C, "--format", output_format, "-o", out, "--fail-on", gate)
        assert (result.exit_code, result.stdout, result.stderr) == (status, "", "")
        assert out.read_text(encoding="utf-8") == printed.stdout


def test_every_example_design_added_and_removed_fits_the_schema(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    gates = "bypass,dropped,denied,new-error,cost-increase=0,cost-increase=12.5%"
    for old, new in ((empty, DESIGNS), (DESIGNS, empty)):
        result = run_cli("diff", old, new, "--format", "json", "--fail-on", gates)
        assert result.exit_code == (1 if new == DESIGNS else 0), result.stderr
        check_schema(json.loads(result.stdout))
    for old, new in ((B, J), (C, B)):
        result = run_cli("diff", old, new, "--format", "json", "--fail-on", gates)
        check_schema(json.loads(result.stdout))


@pytest.mark.parametrize("limit", ["1e3", "-0"])
def test_a_cost_limit_in_any_notation_fits_the_schema(limit):
    result = run_cli("diff", B, C, "--format", "json", "--fail-on", f"cost-increase={limit}")
    assert result.exit_code == 0, result.stderr
    check_schema(json.loads(result.stdout))


# -- git revisions -----------------------------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.email=tests@flowdocs.invalid", "-c", "user.name=flowdocs tests",
         "-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null", *args],
        cwd=repo, check=True, capture_output=True, text=True)
    return done.stdout


def commit(repo: Path, files: dict[str, str], message: str) -> None:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    """An empty git repository, the current folder; git's temporary checkouts go to
    `tmp_path/scratch`, which the test checks is left empty."""
    for variable in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
                     "GIT_COMMON_DIR", "GIT_NAMESPACE"):
        monkeypatch.delenv(variable, raising=False)
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.chdir(root)
    return root


def no_temporary_path(result) -> None:
    for output in (result.stdout, result.stderr):
        assert "/tmp" not in output and "flowdocs-diff-" not in output, output


def checkouts_removed(repo: Path) -> None:
    assert list((repo.parent / "scratch").iterdir()) == []


@pytest.fixture
def two_commits(repo) -> Path:
    """designs/x.yaml as (b), then with the Storage service endpoint of (c)."""
    commit(repo, {"designs/x.yaml": B.read_text()}, "b")
    commit(repo, {"designs/x.yaml": b_with_endpoint()}, "b with a Storage service endpoint")
    return repo


def test_two_revisions(two_commits):
    result = run_cli("diff", "HEAD~1..HEAD", "--fail-on", "bypass")
    assert result.exit_code == 1, result.stderr
    assert result.stdout.splitlines()[0] == f"flowdocs diff HEAD~1 -> HEAD: {B_TO_C}"
    assert "  2 sqlvm01/Storage: no longer crosses afw-hub; access public -> service-endpoint" \
        in result.stdout
    assert "  FAIL  bypass: 1 flow(s) newly bypass a firewall: 2 sqlvm01/Storage" in result.stdout
    no_temporary_path(result)
    document = diff_json("HEAD~1..HEAD")
    check_schema(document)
    assert (document["before"], document["after"], document["headline"]) == (
        "HEAD~1", "HEAD", B_TO_C)
    (design,) = document["designs"]
    assert (design["name"], design["change"], design["before"], design["after"]) == (
        "b-sql-hub-firewall", "changed", "HEAD~1:designs/x.yaml", "HEAD:designs/x.yaml")
    assert [(f["id"], f["bypassed"]) for f in design["flows"]] == [
        ("sqlvm01/Storage", ["afw-hub"])]
    # `A B` is `A..B`; `A..` is `A..HEAD`.
    assert diff_json("HEAD~1", "HEAD") == document
    assert diff_json("HEAD~1..") == document
    checkouts_removed(two_commits)


def test_a_revision_against_the_working_tree(two_commits):
    result = run_cli("diff", "HEAD~1", "--format", "json")
    assert result.exit_code == 0, result.stderr
    no_temporary_path(result)
    document = json.loads(result.stdout)
    assert (document["before"], document["after"], document["headline"]) == (
        "HEAD~1", "working tree", B_TO_C)
    (design,) = document["designs"]
    assert (design["before"], design["after"]) == ("HEAD~1:designs/x.yaml", "designs/x.yaml")
    # The working tree as it is, not as committed: put (b) back, and the firewall is crossed
    # again.
    (two_commits / "designs/x.yaml").write_text(B.read_text())
    assert diff_json("HEAD~1")["headline"] == NO_CHANGE
    document = diff_json("HEAD")
    assert document["headline"] == "1 flow changed, monthly cost +$216.00"
    assert document["designs"][0]["flows"][0]["inspected"] == ["afw-hub"]
    checkouts_removed(two_commits)


def test_a_variant_and_its_base_at_a_revision(repo):
    variant = C.read_text()
    commit(repo, {"designs/b-sql-hub-firewall.yaml": B.read_text(), "designs/c.yaml": variant},
           "b and its variant c")
    assert variant.count("service_endpoints: [Microsoft.Storage]") == 1
    commit(repo, {"designs/c.yaml": variant.replace("service_endpoints: [Microsoft.Storage]",
                                                    "service_endpoints: []")},
           "c without its endpoint")
    result = run_cli("diff", "HEAD~1..HEAD", "--format", "json", "--fail-on", "bypass")
    assert result.exit_code == 0, result.stderr
    no_temporary_path(result)
    document = json.loads(result.stdout)
    assert [(d["name"], d["change"], d["before"]) for d in document["designs"]] == [
        ("b-sql-hub-firewall", "unchanged", "HEAD~1:designs/b-sql-hub-firewall.yaml"),
        ("c-sql-storage-service-endpoint", "changed", "HEAD~1:designs/c.yaml")]
    c = document["designs"][1]
    assert [(f["id"], f["inspected"]) for f in c["flows"]] == [("sqlvm01/Storage", ["afw-hub"])]
    assert [f["id"] for f in c["findings_fixed"]] == ["FD005"]
    # Only the paths asked for are taken from git: a variant without its base is a located
    # error, named as at the revision.
    result = run_cli("diff", "HEAD~1..HEAD", "--path", "designs/c.yaml")
    assert result.exit_code == 1
    no_temporary_path(result)
    assert re.match(r"HEAD~1:designs/c\.yaml:\d+:\d+: error: cannot read the base design "
                    r"'b-sql-hub-firewall\.yaml'", result.stderr), result.stderr
    checkouts_removed(repo)


def test_a_design_that_does_not_load_at_a_revision(two_commits):
    commit(two_commits, {"designs/x.yaml": "flowdocs: 1\nname: x\n"}, "broken")
    result = run_cli("diff", "HEAD~1..HEAD")
    assert result.exit_code == 1
    assert result.stderr == ("HEAD:designs/x.yaml:1:1: error: missing required key 'title' at "
                             "the top level\n")
    no_temporary_path(result)
    checkouts_removed(two_commits)


@pytest.mark.parametrize("args", [("nope",), ("nope..HEAD",), ("HEAD", "nope"), ("HEAD~5..",)])
def test_an_unknown_revision(two_commits, args):
    result = run_cli("diff", *args)
    assert result.exit_code == 1
    assert result.stdout == ""
    revision = {"nope..HEAD": "nope", "HEAD~5..": "HEAD~5"}.get(args[0], "nope")
    assert result.stderr == f"flowdocs: error: unknown git revision '{revision}'\n"


def test_revisions_outside_a_repository(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    result = run_cli("diff", "main")
    assert result.exit_code == 1
    assert result.stderr.startswith("flowdocs: error: ")
    assert "not a git repository" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_path_missing_at_the_old_revision_holds_no_design(two_commits):
    commit(two_commits, {"more/a.yaml": (DESIGNS / "a-vm-backup.yaml").read_text()}, "more")
    result = run_cli("diff", "HEAD~1..HEAD", "--path", "more", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ("flowdocs: note: more does not exist at HEAD~1: taken as holding "
                             "no design\n")
    no_temporary_path(result)
    document = json.loads(result.stdout)
    assert [(d["name"], d["change"], d["before"], d["after"]) for d in document["designs"]] == [
        ("a-vm-backup", "added", None, "HEAD:more/a.yaml")]
    assert document["summary"]["designs"]["added"] == 1
    # Several paths: each from its place.
    document = diff_json("HEAD~1..HEAD", "--path", "more", "--path", "designs")
    assert [(d["name"], d["change"]) for d in document["designs"]] == [
        ("a-vm-backup", "added"), ("b-sql-hub-firewall", "unchanged")]
    checkouts_removed(two_commits)


def test_from_a_subfolder_of_the_repository(two_commits, monkeypatch):
    monkeypatch.chdir(two_commits / "designs")
    result = run_cli("diff", "HEAD~1", "--path", ".", "--fail-on", "bypass")
    assert result.exit_code == 1, result.stderr
    assert result.stdout.splitlines()[0] == f"flowdocs diff HEAD~1 -> working tree: {B_TO_C}"
    no_temporary_path(result)
    document = diff_json("HEAD~1..HEAD", "--path", "x.yaml")
    assert document["headline"] == B_TO_C
    assert [d["flows"][0]["id"] for d in document["designs"]] == ["sqlvm01/Storage"]
    checkouts_removed(two_commits)


def test_from_a_subfolder_files_keep_their_git_names(two_commits, monkeypatch):
    monkeypatch.chdir(two_commits / "designs")
    (design,) = diff_json("HEAD~1..HEAD", "--path", ".")["designs"]
    for name in (design["before"], design["after"]):
        shown = subprocess.run(["git", "show", name], capture_output=True, text=True,
                               check=False)
        assert shown.returncode == 0, (name, shown.stderr)


def test_the_docs_show_the_current_diff_of_b_and_c(monkeypatch: pytest.MonkeyPatch):
    """docs/diff.md shows a real run: it must be what the command prints today."""
    monkeypatch.chdir(DESIGNS.parent)
    result = run_cli("diff", "designs/b-sql-hub-firewall.yaml",
                     "designs/c-sql-storage-service-endpoint.yaml", "--fail-on",
                     "bypass,new-error")
    docs = (DESIGNS.parent / "docs/diff.md").read_text()
    command = ("$ flowdocs diff designs/b-sql-hub-firewall.yaml "
               "designs/c-sql-storage-service-endpoint.yaml --fail-on bypass,new-error\n")
    assert f"{command}{result.stdout}```" in docs, "paste the output of the command into docs"
