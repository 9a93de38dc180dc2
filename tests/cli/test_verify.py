"""`flowdocs verify` as a user sees it: whole reports, exit codes, the JSON document, and
every input problem at once, located, without a traceback. Fixtures: tests/analyse/data/verify/
(see tests/analyse/test_verification.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from tests_support import ROOT, run_cli

DATA = "tests/analyse/data/verify"
DESIGN = f"{DATA}/hub-spoke.yaml"
HUB, SQL, FILES = ("vnet-hub/AzureFirewallSubnet", "vnet-spoke-sql/snet-sql",
                   "vnet-spoke-files/snet-files")


@pytest.fixture(autouse=True)
def _at_the_root(monkeypatch: pytest.MonkeyPatch) -> None:
    # Paths as a user types them, relative, as the report shows them.
    monkeypatch.chdir(ROOT)


def _options(folder: str = DATA) -> list[str]:
    return ["--effective-routes", f"{HUB}={folder}/hub.json",
            "--effective-routes", f"{SQL}={folder}/spoke-sql.json",
            "--effective-routes", f"{FILES}={folder}/spoke-files.json"]


AGREES = f"""\
Effective routes of hub-spoke against 3 real tables

{HUB}, from {DATA}/hub.json: 9 rows agree; 4 undocumented reserved None rows ignored \
(127.0.0.0/8, 25.33.80.0/20, 25.41.3.0/25, 198.18.0.0/15)
#  flow                          at       verdict  flowdocs predicts                the real table
-  ----------------------------  -------  -------  -------------------------------  -------------------------------
1  sqlvm01/AzureActiveDirectory  afw-hub  agrees   0.0.0.0/0 (Default) -> Internet  0.0.0.0/0 (Default) -> Internet
1  sqlvm01/AzureBackup           afw-hub  agrees   0.0.0.0/0 (Default) -> Internet  0.0.0.0/0 (Default) -> Internet

{SQL}, from {DATA}/spoke-sql.json: 6 rows agree
#  flow                          at       verdict  flowdocs predicts                                                                 the real table
-  ----------------------------  -------  -------  --------------------------------------------------------------------------------  -------------------------------------------------------------------
1  sqlvm01/AzureActiveDirectory  sqlvm01  agrees   0.0.0.0/0 (User, rt-spoke-sql/default-via-firewall) -> VirtualAppliance 10.0.1.4  0.0.0.0/0 (User, default-via-firewall) -> VirtualAppliance 10.0.1.4
1  sqlvm01/AzureBackup           sqlvm01  agrees   0.0.0.0/0 (User, rt-spoke-sql/default-via-firewall) -> VirtualAppliance 10.0.1.4  0.0.0.0/0 (User, default-via-firewall) -> VirtualAppliance 10.0.1.4
2  sqlvm01/Storage               sqlvm01  agrees   Microsoft.Storage (Default) -> VirtualNetworkServiceEndpoint                      Microsoft.Storage (Default) -> VirtualNetworkServiceEndpoint

{FILES}, from {DATA}/spoke-files.json: 8 rows agree
#  flow                            at         verdict  flowdocs predicts                            the real table
-  ------------------------------  ---------  -------  -------------------------------------------  -------------------------------------------
1  filesrv01/AzureActiveDirectory  filesrv01  agrees   0.0.0.0/0 (Default) -> Internet              0.0.0.0/0 (Default) -> Internet
2  filesrv01/Storage               filesrv01  agrees   10.0.2.10/32 (Default) -> InterfaceEndpoint  10.0.2.10/32 (Default) -> InterfaceEndpoint

Everything agrees: 23 rows and 7 flow routes.
"""

DIFFERENCES = f"""\
9 differences:
{HUB}: route 10.0.0.0/8: predicted None (Default, Active), real absent
{SQL}: service endpoint Microsoft.Storage: predicted VirtualNetworkServiceEndpoint (Default, Active), real absent
{SQL}: route 0.0.0.0/0: predicted VirtualAppliance 10.0.1.4 (User, Active), real VirtualAppliance 10.0.1.5 (User, Active)
{SQL}: flow 1 sqlvm01/AzureActiveDirectory at sqlvm01: predicted 0.0.0.0/0 (User, rt-spoke-sql/default-via-firewall) -> VirtualAppliance 10.0.1.4, real 0.0.0.0/0 (User, default-via-firewall) -> VirtualAppliance 10.0.1.5
{SQL}: flow 1 sqlvm01/AzureBackup at sqlvm01: predicted 0.0.0.0/0 (User, rt-spoke-sql/default-via-firewall) -> VirtualAppliance 10.0.1.4, real 0.0.0.0/0 (User, default-via-firewall) -> VirtualAppliance 10.0.1.5
{SQL}: flow 2 sqlvm01/Storage at sqlvm01: predicted Microsoft.Storage (Default) -> VirtualNetworkServiceEndpoint, real 0.0.0.0/0 (User, default-via-firewall) -> VirtualAppliance 10.0.1.5
{FILES}: route 10.0.2.10/32: predicted InterfaceEndpoint (Default, Active), real InterfaceEndpoint (Default, Invalid)
{FILES}: route 10.0.2.10/32: predicted absent, real VirtualAppliance 10.0.1.4 (User, Active)
{FILES}: flow 2 filesrv01/Storage at filesrv01: predicted 10.0.2.10/32 (Default) -> InterfaceEndpoint, real 10.0.2.10/32 (User, pe-via-firewall) -> VirtualAppliance 10.0.1.4
"""


def test_matching_tables_agree():
    result = run_cli("verify", DESIGN, *_options())
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == AGREES


def test_changed_tables_report_every_difference_and_exit_1():
    result = run_cli("verify", DESIGN, *_options(f"{DATA}/changed"))
    assert (result.exit_code, result.stderr) == (1, "")
    assert result.stdout.endswith("\n\n" + DIFFERENCES)
    # Each table's line counts its rows; the flow the real table sends elsewhere says so.
    assert f"{SQL}, from {DATA}/changed/spoke-sql.json: 4 rows agree, 2 differ\n" in result.stdout
    assert re.search(r"\n2  filesrv01/Storage +filesrv01  differs  10\.0\.2\.10/32 \(Default\) "
                     r"-> InterfaceEndpoint  10\.0\.2\.10/32 \(User, pe-via-firewall\) -> "
                     r"VirtualAppliance 10\.0\.1\.4\n", result.stdout)


def test_the_json_document():
    result = run_cli("verify", DESIGN, *_options(f"{DATA}/changed"), "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert (document["design"], document["agrees"]) == ("hub-spoke", False)
    assert document["differences"] == DIFFERENCES.splitlines()[1:]
    files = document["tables"][2]
    assert (files["subnet"], files["rows_agreed"]) == (FILES, 7)
    assert files["differences"][1] == {
        "subject": "route 10.0.2.10/32", "predicted": None,
        "real": {"source": "User", "state": "Active", "addressPrefix": ["10.0.2.10/32"],
                 "nextHopType": "VirtualAppliance", "nextHopIpAddress": ["10.0.1.4"]}}
    stolen = files["flows"][1]
    assert (stolen["flow"], stolen["at"], stolen["destination"], stolen["verdict"]) == (
        "filesrv01/Storage", "filesrv01", "10.0.2.10", "differs")
    assert stolen["real"]["route"] == ("10.0.2.10/32 (User, pe-via-firewall) -> "
                                       "VirtualAppliance 10.0.1.4")
    hub = document["tables"][0]
    assert [r["addressPrefix"] for r in hub["ignored_reserved"]] == [
        ["127.0.0.0/8"], ["25.33.80.0/20"], ["25.41.3.0/25"], ["198.18.0.0/15"]]


def test_matching_json_is_byte_identical_across_runs():
    first = run_cli("verify", DESIGN, *_options(), "--format", "json")
    assert first.exit_code == 0
    assert json.loads(first.stdout)["differences"] == []
    assert run_cli("verify", DESIGN, *_options(), "--format", "json").stdout == first.stdout


def test_bad_inputs_are_reported_at_once_located(tmp_path: Path):
    (tmp_path / "table.txt").write_text("Source    State    Address Prefix\n")
    (tmp_path / "list.json").write_text("[1, 2]\n")
    (tmp_path / "bad.json").write_text(
        '{"value": [\n'
        '  {"source": "Magic", "state": "Active", "addressPrefix": ["10.0.0.0/33"],'
        ' "nextHopType": "VnetLocal", "nextHopIpAddress": ["nope"]},\n'
        '  {"state": "Active", "addressPrefix": [], "nextHopType": "VnetLocal"},\n'
        '  "x"\n'
        ']}\n')
    result = run_cli(
        "verify", DESIGN,
        "--effective-routes", f"vnet-spoke-sql/snet-sq={DATA}/spoke-sql.json",
        "--effective-routes", "nonsense",
        "--effective-routes", f"{HUB}={tmp_path}/missing.json",
        "--effective-routes", f"{HUB}={tmp_path}/table.txt",
        "--effective-routes", f"{HUB}={tmp_path}/list.json",
        "--effective-routes", f"{HUB}={tmp_path}/bad.json")
    assert (result.exit_code, result.stdout) == (1, "")
    az = "`az network nic show-effective-route-table --output json`"
    assert result.stderr.splitlines() == [
        f"{DESIGN}: error: --effective-routes: no subnet 'vnet-spoke-sql/snet-sq' in the "
        "design; did you mean 'vnet-spoke-sql/snet-sql'?",
        "flowdocs: error: --effective-routes 'nonsense': expected VNET/SUBNET=FILE",
        f"{tmp_path}/missing.json: error: cannot read the file: No such file or directory",
        f"{tmp_path}/table.txt:1:1: error: invalid JSON: Expecting value; expected the output "
        f"of {az}",
        f"{tmp_path}/list.json:1:1: error: expected an object with a \"value\" list of "
        f"routes, as {az} prints",
        f"{tmp_path}/bad.json:2:14: error: source 'Magic' is not one of Default, User, "
        "VirtualNetworkGateway",
        f"{tmp_path}/bad.json:2:60: error: address prefix '10.0.0.0/33' is neither a CIDR "
        "range nor a service tag",
        f"{tmp_path}/bad.json:2:125: error: next hop IP 'nope' is not an IP address",
        f"{tmp_path}/bad.json:3:3: error: route without 'source'",
        f"{tmp_path}/bad.json:3:40: error: addressPrefix must be a non-empty list of strings",
        f"{tmp_path}/bad.json:4:3: error: expected a route (an object with source, state, "
        "addressPrefix and nextHopType)",
    ]


def test_a_missing_design_and_a_missing_table_are_reported_together(tmp_path: Path):
    result = run_cli("verify", tmp_path / "nothere.yaml",
                     "--effective-routes", f"{SQL}={tmp_path}/missing.json")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        f"{tmp_path}/nothere.yaml: error: no such file or folder",
        f"{tmp_path}/missing.json: error: cannot read the file: No such file or directory",
    ]


def test_a_table_saved_by_windows_powershell_is_read(tmp_path: Path):
    # Windows PowerShell 5 redirects `az ... > file` as UTF-16 with a byte-order mark.
    table = tmp_path / "sql.json"
    table.write_bytes((ROOT / DATA / "spoke-sql.json").read_text().encode("utf-16"))
    result = run_cli("verify", DESIGN, "--effective-routes", f"{SQL}={table}")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("Everything agrees: 6 rows and 3 flow routes.\n")


def test_the_docs_show_the_current_report():
    result = run_cli("verify", DESIGN, *_options(f"{DATA}/changed"))
    docs = (ROOT / "docs/verify.md").read_text()
    command = (f"$ flowdocs verify {DESIGN} \\\n"
               f"    --effective-routes {HUB}={DATA}/changed/hub.json \\\n"
               f"    --effective-routes {SQL}={DATA}/changed/spoke-sql.json \\\n"
               f"    --effective-routes {FILES}={DATA}/changed/spoke-files.json\n")
    assert f"{command}{result.stdout}```" in docs, "paste the report into docs/verify.md"
