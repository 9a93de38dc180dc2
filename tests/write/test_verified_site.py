"""A design page verified against real effective routes, in `flowdocs build`, `flowdocs
check` and the MkDocs plugin: the section appears only when tables are given, an unknown
design or subnet is an error, and a changed table makes the page anew."""

from __future__ import annotations

import json
import shlex
import shutil
from pathlib import Path

import pytest
from tests_support import WatchingServer, run_cli

from .test_site import make_project, mkdocs

EXAMPLES = Path(__file__).parents[2] / "examples" / "effective-routes"
DESIGN = "c-sql-storage-service-endpoint"
SQL, HUB = "vnet-spoke-sql/snet-sql", "vnet-hub/AzureFirewallSubnet"
FAMILY = ["b-sql-hub-firewall", DESIGN]


@pytest.fixture
def project(tmp_path, diagram_cache, monkeypatch):
    """Designs b and c, the example tables of c's NICs in routes/, the project the working
    folder."""
    make_project(tmp_path, FAMILY, diagram_cache)
    shutil.copytree(EXAMPLES, tmp_path / "routes")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _specs() -> list[str]:
    return ["--effective-routes", f"{DESIGN}:{SQL}=routes/c-sqlvm01-nic.json",
            "--effective-routes", f"{DESIGN}:{HUB}=routes/c-afw-hub.json"]


def _page() -> str:
    return Path(f"build/flowdocs/{DESIGN}.md").read_text()


def test_build_verifies_only_the_pages_it_is_given_tables_for(project, diagram_cache):
    result = run_cli("build", "--cache-dir", diagram_cache, *_specs())
    assert result.exit_code == 0, result.stderr
    page = _page()
    assert "## Verified against effective routes\n\nThe real effective routes of 2 network " \
           "interfaces (`az network nic show-effective-route-table`) agree with this page" in page
    assert f"| `{SQL}` | `routes/c-sqlvm01-nic.json` | 5 | 0 | 0 |" in page
    assert f"| `{HUB}` | `routes/c-afw-hub.json` | 7 | 0 | 4 |" in page
    # The section sits before the assumptions, and the base design's page has none.
    assert page.index("## Verified against") < page.index("## What flowdocs assumes")
    assert "Verified against" not in Path("build/flowdocs/b-sql-hub-firewall.md").read_text()


def test_a_changed_table_makes_the_page_anew_and_check_sees_it(project, diagram_cache):
    assert run_cli("build", "--cache-dir", diagram_cache, *_specs()).exit_code == 0
    assert run_cli("check", "--cache-dir", diagram_cache, *_specs()).exit_code == 0
    table = project / "routes/c-sqlvm01-nic.json"
    document = json.loads(table.read_text())
    for row in document["value"]:
        if row["source"] == "User":
            row["nextHopIpAddress"] = ["10.0.1.5"]
    table.write_text(json.dumps(document))
    result = run_cli("check", "--cache-dir", diagram_cache, *_specs())
    assert result.exit_code == 1
    # The fix it names carries the tables, so that it writes what check compared.
    fix = result.stderr.splitlines()[-2].split("run: ", 1)[1]
    assert shlex.split(fix)[-4:] == _specs()[-4:]
    assert run_cli(*shlex.split(fix)[1:]).exit_code == 0
    page = _page()
    assert "differ from this page" in page
    assert f"{SQL}: route 0.0.0.0/0: predicted VirtualAppliance 10.0.1.4" in page
    # Without the tables the page is the plain one again: check says it is stale.
    assert run_cli("check", "--cache-dir", diagram_cache).exit_code == 1


def test_tables_for_a_design_the_site_does_not_have_are_an_error(project, diagram_cache):
    result = run_cli("build", "--cache-dir", diagram_cache, "--effective-routes",
                     f"c-sql-storage-service-endpoin:{SQL}=routes/c-sqlvm01-nic.json")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "flowdocs: error: effective routes for 'c-sql-storage-service-endpoin', which is not "
        f"one of the site's designs; did you mean '{DESIGN}'?"]
    assert not Path("build").exists()


def test_an_unknown_subnet_and_an_unreadable_table_are_reported_together(project,
                                                                        diagram_cache):
    Path("routes/broken.json").write_text('{"value": [{"source": "Sideways"}]}')
    result = run_cli("build", "--cache-dir", diagram_cache,
                     "--effective-routes", f"{DESIGN}:vnet-spoke-sql/snet-sqll=routes/x.json",
                     "--effective-routes", f"{DESIGN}:{SQL}=routes/broken.json")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == (f"designs/{DESIGN}.yaml: error: effective routes: no subnet "
                        f"'vnet-spoke-sql/snet-sqll' in the design; did you mean '{SQL}'?")
    assert any(line.startswith("routes/x.json: error: ") for line in lines)
    assert any(line.startswith("routes/broken.json:1:") and "source" in line for line in lines)
    assert "Traceback" not in result.stderr
    assert not Path("build").exists()


@pytest.mark.parametrize("spec", ["c:vnet/subnet", "vnet/subnet=file.json", ":a/b=f.json"])
def test_a_malformed_option_is_a_usage_error(project, spec):
    result = run_cli("build", "--effective-routes", spec)
    assert result.exit_code == 2
    assert "expected DESIGN:VNET/SUBNET=FILE" in result.stderr


def test_the_plugin_verifies_a_page_and_watches_its_tables(tmp_path, diagram_cache,
                                                           monkeypatch):
    from mkdocs.config import load_config

    plugin = (f"      design_warnings: info\n      effective_routes:\n        {DESIGN}:\n"
              f"          {SQL}: routes/c-sqlvm01-nic.json\n"
              f"          {HUB}: [routes/c-afw-hub.json]\n")
    root = make_project(tmp_path, FAMILY, diagram_cache, plugin)
    shutil.copytree(EXAMPLES, root / "routes")
    result = mkdocs(root)
    assert result.returncode == 0, result.stderr
    page = (root / f"site/designs/{DESIGN}.html").read_text()
    assert '<h2 id="verified-against-effective-routes">' in page
    assert "<code>routes/c-afw-hub.json</code>" in page

    monkeypatch.chdir(root)
    config = load_config(str(root / "mkdocs.yml"))
    config = config.plugins.on_config(config)
    server = config.plugins.on_serve(WatchingServer(), config=config, builder=None)
    assert server.watched[-2:] == ["routes/c-sqlvm01-nic.json", "routes/c-afw-hub.json"]


def test_the_plugin_option_of_another_shape_is_one_error(tmp_path, diagram_cache):
    plugin = f"      effective_routes:\n        {DESIGN}: routes/c-sqlvm01-nic.json\n"
    root = make_project(tmp_path, FAMILY, diagram_cache, plugin)
    result = mkdocs(root)
    assert result.returncode == 1
    assert (f"flowdocs: effective_routes: expected a design name with a mapping of "
            f"VNET/SUBNET to files, found '{DESIGN}'") in result.stderr
    assert "Traceback" not in result.stderr
