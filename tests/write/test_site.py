"""The site for real: `mkdocs build --strict` through the plugin and on `flowdocs build`'s
folder, the decision sections in the built HTML, hostile user text, and `flowdocs check`
and the cache catching stale output (a variant's base included)."""

from __future__ import annotations

import html
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests_support import DESIGNS, WatchingServer, run_cli

from flowdocs.analyse.resolved import resolve_designs
from flowdocs.mkdocs_plugin import expand_nav

ARTICLE = ["a-vm-backup", "b-sql-hub-firewall", "c-sql-storage-service-endpoint",
           "d-sql-vault-private-endpoint"]
EXTENSIONS = "markdown_extensions: [admonition, attr_list, tables, toc]\n"
HOSTILE = """\
flowdocs: 1
name: hostile
title: "<script>alert('title')</script> {{ 7*7 }} | a | b |"
summary: |
  # Not a heading
  | x | y |
  |---|---|
  | 1 | 2 |

  {% if true %}template{% endif %} <img src=x onerror=alert(1)> [click](javascript:alert(1))
  !!! danger "not an admonition"
vnets:
  - name: vnet_hub
    address_space: [10.0.0.0/16]
    subnets:
      - {name: snet_nva, prefix: 10.0.1.0/24}
  - name: vnet_spoke
    address_space: [10.1.0.0/16]
    subnets:
      - {name: snet_db, prefix: 10.1.1.0/24, route_table: rt_spoke}
peerings:
  - vnets: [vnet_spoke, vnet_hub]
route_tables:
  - name: rt_spoke
    routes:
      - {name: to_nva, address_prefix: 0.0.0.0/0, next_hop_type: VirtualAppliance,
         next_hop_ip: 10.0.1.4}
firewalls:
  - name: nva_1
    type: nva
    vendor: "<b>Vendor</b> | {{ vendor }} `tick`"
    subnet: vnet_hub/snet_nva
    private_ip: 10.0.1.4
    licensed_throughput_mbps: 1000
vaults:
  - name: rsv_1
workloads:
  - name: sql_vm_1
    type: sql-server-in-vm
    subnet: vnet_spoke/snet_db
    backup: {vault: rsv_1}
"""


def make_project(root: Path, designs: list[str], cache: Path, plugin: str = "") -> Path:
    (root / "designs").mkdir(parents=True)
    for name in designs:
        shutil.copy(DESIGNS / f"{name}.yaml", root / "designs")
    (root / "docs").mkdir()
    (root / "docs/index.md").write_text("# Home\n\nSee [the designs](designs/index.md).\n")
    (root / "mkdocs.yml").write_text(
        "site_name: test\ntheme: material\nuse_directory_urls: false\n"
        f"plugins:\n  - flowdocs:\n      cache_dir: {cache}\n{plugin}" + EXTENSIONS)
    return root


def mkdocs(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", *args],
                          cwd=root, capture_output=True, text=True, env=env)


def test_plugin_build_is_strict_clean_and_holds_diagram_table_and_admonitions(
        tmp_path, diagram_cache):
    root = make_project(tmp_path, ARTICLE, diagram_cache, "      design_warnings: info\n")
    result = mkdocs(root)
    assert result.returncode == 0, result.stderr
    page = (root / "site/designs/c-sql-storage-service-endpoint.html").read_text()
    image = ('<img alt="Diagram of the flows of c-sql-storage-service-endpoint" '
             'src="c-sql-storage-service-endpoint.svg" />')
    assert f'<a href="c-sql-storage-service-endpoint.svg" title="Open the diagram full size">'\
           f'{image}</a>' in page
    assert (root / "site/designs/c-sql-storage-service-endpoint.svg").read_bytes() \
        .startswith(b"<?xml")
    assert sorted(p.suffix for p in (root / "site/designs").iterdir() if p.suffix != ".html") \
        == [".svg"] * len(ARTICLE), "the site renders SVG only"
    assert "<th>FQDNs and port</th>" in page
    assert ('<div class="admonition warning">\n<p class="admonition-title">A Storage service '
            'endpoint without a policy: a data-exfiltration path (FD005, warning)</p>') in page
    index = (root / "site/designs/index.html").read_text()
    article = index[index.index("<article"):index.index("</article>")]
    assert article.count('href="b-sql-hub-firewall.html"') == 2  # the list, the comparison
    assert 'href="b-sql-hub-firewall.html"' in index[:index.index("<article")]  # the nav
    # Generated pages never land in docs_dir.
    assert sorted(p.name for p in (root / "docs").iterdir()) == ["index.md"]


def test_built_pages_state_each_finding_once_price_the_design_and_compare_options(
        tmp_path, diagram_cache):
    root = make_project(tmp_path, [*ARTICLE, "g-misrouted-spokes",
                                   "h-sql-vault-private-endpoint-hub"],
                        diagram_cache, "      design_warnings: info\n")
    result = mkdocs(root)
    assert result.returncode == 0, result.stderr
    severities = {"error": "danger", "warning": "warning", "info": "info"}
    for design in resolve_designs([root / "designs"]):
        name = design.resolution.design.name
        page = _article(root / f"site/designs/{name}.html")
        assert '<h2 id="findings">Findings' in page
        for finding in design.findings:
            title = f"{finding.rule.title} ({finding.id}, {finding.severity})"
            box = (f'<div class="admonition {severities[finding.severity]}">\n'
                   f'<p class="admonition-title">{html.escape(title, quote=False)}</p>')
            assert page.count(box) == 1, (name, finding.id)
            assert page.count(html.escape(finding.message[:60], quote=False)) == 1, name
        assert page.count('class="admonition ') == len(design.findings) + 1, name  # + prices
        assert ('<p class="admonition-title">List prices, not a quote</p>\n<p>Monthly costs '
                'in USD at the list prices of 2024: list prices, not a quote.') in page, name
    b = _article(root / "site/designs/b-sql-hub-firewall.html")
    assert '<h2 id="variants-options-compared">Variants: options compared' in b
    assert ("<tr>\n<td>total per month</td>\n<td>$1,128.50</td>\n<td>$912.50</td>\n"
            "<td>$979.80</td>\n<td>$1,099.80</td>\n</tr>") in b
    assert "<th>Storage service endpoint</th>" in b
    assert '<a href="c-sql-storage-service-endpoint.html">(c) SQL Server backup' in b
    assert "Variants: options compared" not in _article(root / "site/designs/a-vm-backup.html")
    index = _article(root / "site/designs/index.html")
    assert "<td>$1,128.50</td>" in index and "<th>Vault PE in hub</th>" in index
    assert "sqlvm01, 200 GB a day (6,000 GB a month)" in index


def _article(path: Path) -> str:
    """The page's own content, without the navigation."""
    page = path.read_text()
    return page[page.index("<article"):page.index("</article>")]


def test_strict_build_fails_on_a_design_warning(tmp_path, diagram_cache):
    root = make_project(tmp_path, ["b-sql-hub-firewall", "c-sql-storage-service-endpoint"],
                        diagram_cache)
    result = mkdocs(root)
    assert result.returncode == 1
    assert re.search(r"WARNING -  flowdocs: designs/c-sql-storage-service-endpoint\.yaml:\d+:\d+: "
                     r"warning: Microsoft\.Storage on vnet-spoke-sql/snet-sql has no service "
                     r"endpoint policy", result.stderr)
    assert "Aborted with 1 warnings in strict mode!" in result.stdout


def test_a_design_error_is_a_plugin_error_naming_the_design(tmp_path, diagram_cache):
    root = make_project(tmp_path, ["b-sql-hub-firewall"], diagram_cache)
    design = root / "designs/b-sql-hub-firewall.yaml"
    design.write_text(design.read_text().replace("next_hop_ip: 10.0.1.4",
                                                 "next_hop_ip: 10.0.1.400"))
    result = mkdocs(root)
    assert result.returncode == 1
    assert re.search(r"ERROR   -  flowdocs: the designs have errors:\n"
                     r"designs/b-sql-hub-firewall\.yaml:\d+:\d+: error: next_hop_ip: expected an "
                     r"IP address such as 10\.0\.1\.4, found '10\.0\.1\.400'\n", result.stderr)
    assert "Traceback" not in result.stderr


def test_cli_output_builds_with_plain_mkdocs(tmp_path, diagram_cache, monkeypatch):
    make_project(tmp_path, ARTICLE, diagram_cache)
    monkeypatch.chdir(tmp_path)
    result = run_cli("build", "designs", "--output", "generated", "--cache-dir",
                     str(diagram_cache))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[-1] == ("generated: 5 pages and 4 diagrams for 4 "
                                              "design(s); 5 page(s) written, 0 file(s) removed")
    # The site shows SVG only; PNG and PDF are for `flowdocs render`.
    assert sorted(p.name for p in (tmp_path / "generated").iterdir()) == sorted(
        [f"{name}.{suffix}" for name in ARTICLE for suffix in ("md", "svg")] + ["index.md"])
    (tmp_path / "mkdocs.yml").write_text("site_name: plain\ndocs_dir: generated\n"
                                         "theme: material\nuse_directory_urls: false\n"
                                         + EXTENSIONS)
    built = mkdocs(tmp_path)
    assert built.returncode == 0, built.stderr
    page = (tmp_path / "site/b-sql-hub-firewall.html").read_text()
    assert 'src="b-sql-hub-firewall.svg"' in page
    assert (tmp_path / "site/b-sql-hub-firewall.svg").read_bytes().startswith(b"<?xml")


def test_hostile_design_renders_harmlessly(tmp_path, diagram_cache):
    root = make_project(tmp_path, [], diagram_cache, "      design_warnings: info\n")
    (root / "designs/hostile.yaml").write_text(HOSTILE)
    result = mkdocs(root)
    assert result.returncode == 0, result.stderr
    page = (root / "site/designs/hostile.html").read_text()
    assert "<script>alert" not in page and "</script> {{" not in page
    assert "<img src=x" not in page and 'src="x"' not in page
    assert "javascript:" not in page.replace("[click](javascript:alert(1))", "")
    assert "<b>Vendor</b>" not in page
    assert "49" not in re.sub(r"<[^>]*>", "", page)  # {{ 7*7 }} was never evaluated
    title = html.unescape(re.search(r"<h1[^>]*>(.*?)<", page).group(1))
    assert title == "\u2039script\u203aalert('title')\u2039/script\u203a {{ 7*7 }} | a | b |"
    assert "<title>\u2039script\u203aalert('title')" in page
    main = page[page.index('<article'):page.index('</article>')]
    assert main.count("<h1") == 1  # "# Not a heading" stayed text
    assert 'class="admonition danger"' not in main
    # The only tables are the page's own: flows, firewall rules, NSG rules, the cost
    # summary (an NVA without daily_gb has no charge to list), routes.
    assert main.count("<table>") == 5
    assert "sql_vm_1" in main and "snet\\_db" not in main


def test_a_name_with_markup_is_rejected_by_validation(tmp_path):
    design = tmp_path / "bad.yaml"
    design.write_text(HOSTILE.replace("name: sql_vm_1", "name: <script>x</script>"))
    result = run_cli("check", str(design), "--output", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert re.match(rf"{re.escape(str(design))}:\d+:\d+: error: .*<script>x</script>",
                    result.stderr)


@pytest.fixture
def built(tmp_path, diagram_cache, monkeypatch):
    """Designs a-d and their generated folder, working folder set to the project."""
    make_project(tmp_path, ARTICLE, diagram_cache)
    monkeypatch.chdir(tmp_path)
    result = run_cli("build", "--cache-dir", str(diagram_cache))
    assert result.exit_code == 0, result.stderr
    return tmp_path


def test_check_passes_on_current_output(built):
    result = run_cli("check")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr.endswith(
        "build/flowdocs: current (5 pages, 4 diagrams from 4 design(s))\n")


def test_check_fails_with_strict_on_design_warnings(built):
    result = run_cli("check", "--strict")
    assert result.exit_code == 1
    assert re.search(r"\nbuild/flowdocs: 0 problem\(s\), [1-9]\d* warning\(s\) \(--strict\)\n$",
                     result.stderr)


def test_check_catches_a_stale_page(built):
    page = built / "build/flowdocs/b-sql-hub-firewall.md"
    page.write_text(page.read_text().replace("afw-hub", "afw-elsewhere"))
    result = run_cli("check")
    assert result.exit_code == 1
    problem, summary = result.stderr.splitlines()[-2:]
    assert problem == ("build/flowdocs/b-sql-hub-firewall.md: error: stale: it differs from "
                       "what the designs generate; run: flowdocs build")
    assert re.fullmatch(r"build/flowdocs: 1 problem\(s\), \d+ warning\(s\)", summary)


def test_check_catches_a_changed_design(built):
    design = built / "designs/a-vm-backup.yaml"
    design.write_text(design.read_text() + "# a comment changes no flow, but the source\n")
    result = run_cli("check")
    assert result.exit_code == 1
    assert ("build/flowdocs/a-vm-backup.md: error: stale: it differs from what the designs "
            "generate; run: flowdocs build") in result.stderr.splitlines()
    assert run_cli("build").exit_code == 0
    assert run_cli("check").exit_code == 0


def test_check_catches_a_changed_base_in_every_variant_that_extends_it(built):
    base = built / "designs/b-sql-hub-firewall.yaml"
    base.write_text(base.read_text() + "# a comment changes no flow, but the base\n")
    result = run_cli("check")
    assert result.exit_code == 1
    stale = [line.split(":")[0] for line in result.stderr.splitlines() if ": error: " in line]
    assert stale == [f"build/flowdocs/{name}.md" for name in (
        "b-sql-hub-firewall", "c-sql-storage-service-endpoint", "d-sql-vault-private-endpoint")]
    assert run_cli("build").exit_code == 0
    assert run_cli("check").exit_code == 0


def test_check_catches_missing_and_left_over_files(built):
    (built / "build/flowdocs/d-sql-vault-private-endpoint.svg").unlink()
    (built / "designs/a-vm-backup.yaml").unlink()
    result = run_cli("check")
    assert result.exit_code == 1
    problems = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert problems == [
        "build/flowdocs/index.md: error: stale: it differs from what the designs generate; "
        "run: flowdocs build",
        "build/flowdocs/d-sql-vault-private-endpoint.svg: error: missing diagram; run: "
        "flowdocs build",
        "build/flowdocs/a-vm-backup.md: error: generated by flowdocs, but no design generates "
        "it any more; to remove it, run: flowdocs build",
    ]
    assert run_cli("build").exit_code == 0
    assert not (built / "build/flowdocs/a-vm-backup.md").exists()
    assert not (built / "build/flowdocs/a-vm-backup.svg").exists()
    assert run_cli("check").exit_code == 0


def test_check_names_the_build_that_fixes_the_folder_it_checked(built):
    """The hint repeats the paths and options `check` was given, shell-quoted, so that it
    writes where `check` looked (`--strict` aside: the build must write despite warnings)."""
    (built / "my designs").mkdir()
    shutil.copy(DESIGNS / "a-vm-backup.yaml", built / "my designs")
    (built / "my templates").mkdir()
    result = run_cli("check", "my designs", "-o", "docs/gen erated", "--templates",
                     "my templates", "--cache-dir", "it's cache", "--strict")
    assert result.exit_code == 1
    fix = ("flowdocs build 'my designs' --output 'docs/gen erated' --templates 'my templates' "
           "--cache-dir 'it'\"'\"'s cache'")
    assert [line for line in result.stderr.splitlines() if ": error: " in line] == [
        f"docs/gen erated/index.md: error: missing; run: {fix}",
        f"docs/gen erated/a-vm-backup.md: error: missing; run: {fix}",
        f"docs/gen erated/a-vm-backup.svg: error: missing diagram; run: {fix}",
    ]
    command = shlex.split(fix)
    assert command[:2] == ["flowdocs", "build"]
    assert run_cli(*command[1:]).exit_code == 0
    assert run_cli("check", "my designs", "-o", "docs/gen erated", "--templates",
                   "my templates", "--cache-dir", "it's cache").exit_code == 0


def test_serve_watches_designs_and_templates(tmp_path, diagram_cache, monkeypatch):
    from mkdocs.config import load_config

    root = make_project(tmp_path, ["b-sql-hub-firewall"], diagram_cache,
                        "      templates: my-templates\n")
    (root / "my-templates").mkdir()
    monkeypatch.chdir(root)
    config = load_config(str(root / "mkdocs.yml"))
    config = config.plugins.on_config(config)

    server = config.plugins.on_serve(WatchingServer(), config=config, builder=None)
    assert server.watched == ["designs", "my-templates"]
    # A base design outside the design folder is watched too.
    (root / "shared").mkdir()
    (root / "designs/b-sql-hub-firewall.yaml").rename(root / "shared/b.yaml")
    (root / "designs/c.yaml").write_text("flowdocs: 1\nextends: ../shared/b.yaml\nname: c\n")
    config = load_config(str(root / "mkdocs.yml"))
    config = config.plugins.on_config(config)
    server = config.plugins.on_serve(WatchingServer(), config=config, builder=None)
    assert server.watched == ["designs", "my-templates", str(root / "shared/b.yaml")]


def test_nav_entry_of_the_index_lists_every_design_page():
    nav = [{"Home": "index.md"}, {"Designs": "designs/index.md"}]
    assert expand_nav(nav, "designs/index.md", ["designs/a.md", "designs/b.md"]) == [
        {"Home": "index.md"}, {"Designs": ["designs/index.md", "designs/a.md", "designs/b.md"]}]


def test_warm_build_reuses_the_last_generation_until_an_input_changes(tmp_path, diagram_cache):
    root = make_project(tmp_path, ["b-sql-hub-firewall"], diagram_cache)
    assert mkdocs(root).returncode == 0
    entries = _entries(diagram_cache)
    assert mkdocs(root).returncode == 0
    assert _entries(diagram_cache) == entries  # nothing drawn, made or rendered again
    design = root / "designs/b-sql-hub-firewall.yaml"
    design.write_text(design.read_text().replace("(b) SQL Server streaming backup",
                                                 "(b) Changed title"))
    assert mkdocs(root).returncode == 0
    assert "(b) Changed title" in (root / "site/designs/b-sql-hub-firewall.html").read_text()
    assert "(b) Changed title" in (root / "site/designs/b-sql-hub-firewall.svg").read_text()


def _entries(cache: Path) -> dict[Path, int]:
    """Every cache entry and when it was last written."""
    return {p: p.stat().st_mtime_ns for p in cache.rglob("*") if p.is_file()}


def test_a_changed_design_makes_its_family_anew_and_nothing_else(tmp_path, diagram_cache):
    root = make_project(tmp_path, [*ARTICLE, "e-hana-forced-tunnelling"], diagram_cache)
    result = run_cli("build", root / "designs", "-o", root / "out", "--cache-dir",
                     tmp_path / "cache")
    assert result.exit_code == 0, result.stderr
    entries = _entries(tmp_path / "cache")
    variant = root / "designs/d-sql-vault-private-endpoint.yaml"
    variant.write_text(variant.read_text().replace("label: ", "label: New "))
    assert run_cli("build", root / "designs", "-o", root / "out", "--cache-dir",
                   tmp_path / "cache").exit_code == 0
    new = {p.parent.parent.name for p in set(_entries(tmp_path / "cache")) - set(entries)}
    # d is drawn anew (its diagram is the same); the pages of its family (b, c, d), which
    # compare it, and the index are made anew: a and e are not.
    assert new == {"design", "inputs", "page", "index"}
    pages = [p for p in set(_entries(tmp_path / "cache")) - set(entries)
             if p.parent.parent.name == "index"]
    assert len(pages) == 3
    assert "New Vault PE" in (root / "out/b-sql-hub-firewall.md").read_text()
    assert "New Vault PE" not in (root / "out/a-vm-backup.md").read_text()


def test_warm_build_notices_a_changed_base_outside_the_design_folder(tmp_path, diagram_cache):
    root = make_project(tmp_path, [], diagram_cache, "      design_warnings: info\n")
    (root / "shared").mkdir()
    shutil.copy(DESIGNS / "b-sql-hub-firewall.yaml", root / "shared")
    variant = (DESIGNS / "c-sql-storage-service-endpoint.yaml").read_text()
    (root / "designs/c.yaml").write_text(
        variant.replace("extends: b-sql-hub-firewall.yaml",
                        "extends: ../shared/b-sql-hub-firewall.yaml"))
    assert mkdocs(root).returncode == 0
    page = root / "site/designs/c-sql-storage-service-endpoint.html"
    assert "Region: westeurope." in page.read_text()
    base = root / "shared/b-sql-hub-firewall.yaml"
    base.write_text(base.read_text().replace("region: westeurope", "region: northeurope"))
    assert mkdocs(root).returncode == 0
    assert "Region: northeurope." in page.read_text()


def test_the_catalog_page_lists_every_workload_type_and_service():
    """docs/catalog.md is the reference of the shipped catalog: nothing in it may go unlisted."""
    from flowdocs.load.catalog import default_catalog
    page = (Path(__file__).parents[2] / "docs/catalog.md").read_text()
    catalog = default_catalog()
    for name in (*catalog.workload_types, *catalog.services):
        assert f"`{name}`" in page, name
