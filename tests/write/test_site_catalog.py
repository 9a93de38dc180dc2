"""A user's catalog in the site pipeline: `flowdocs build`, `check` and `render` with
`--catalog FILE`, and the MkDocs plugin's `catalog:` option. The design is a SQL Managed
Instance client (service SqlMi, TCP 1433, held by the Sql service tag), a workload type the
shipped catalog does not know; the catalog is part of every cache key, by its digest only."""

from __future__ import annotations

import functools
import multiprocessing
import os
import pickle
import shlex
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from tests_support import SQL_MI_CATALOG, SQL_MI_DESIGN, WatchingServer, run_cli

from flowdocs.errors import FlowdocsError
from flowdocs.load.catalog import default_catalog
from flowdocs.render import designs as drawing

CATALOG, DESIGN = SQL_MI_CATALOG, SQL_MI_DESIGN

# Where a bad catalog's port is: line 6, column 11.
BAD_PORT = ("bad-catalog.yaml:6:11: error: services.SqlMi.port: Input should be less than "
            "or equal to 65535")
LEG = "`*.database.windows.net` (TCP {port})"


def unknown_type_line(design: str) -> str:
    known = ", ".join(sorted(default_catalog().workload_types))
    return (f"{design}:24:11: error: unknown workload type 'sql-mi-client'; expected one of: "
            f"{known}")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A design folder with the MI client, the user's catalog and a bad one; the working
    folder is the project, and the cache its own."""
    (tmp_path / "designs").mkdir()
    (tmp_path / "designs/mi.yaml").write_text(DESIGN)
    (tmp_path / "my-catalog.yaml").write_text(CATALOG)
    (tmp_path / "bad-catalog.yaml").write_text(CATALOG.replace("port: 1433", "port: 70000"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def built(project: Path) -> Path:
    result = run_cli("build", "--catalog", "my-catalog.yaml")
    assert result.exit_code == 0, result.stderr
    return project


def outputs(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def design_entries(project: Path) -> set[str]:
    return {p.name for p in (project / ".flowdocs-cache/design").rglob("*") if p.is_file()}


def test_build_with_the_catalog_shows_the_users_leg_and_its_diagram(built: Path) -> None:
    page = (built / "build/flowdocs/mi.md").read_text()
    assert LEG.format(port=1433) in page
    assert "| network rule `SqlMi` | 2 app/SqlMi | `10.1.1.0/24` | service tag `Sql` |" in page
    assert (built / "build/flowdocs/mi.svg").read_bytes().lstrip().startswith((b"<?xml", b"<svg"))
    # The catalog is known to keys by its digest: its path is in no output.
    for name, data in outputs(built / "build/flowdocs").items():
        assert str(built).encode() not in data, name
        assert b"my-catalog" not in data, name


def test_build_without_the_catalog_is_the_located_unknown_type_error(project: Path) -> None:
    result = run_cli("build")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [unknown_type_line("designs/mi.yaml")]
    assert not (project / "build").exists()


def test_check_with_the_builds_catalog_passes_and_without_it_fails(built: Path) -> None:
    result = run_cli("check", "--catalog", "my-catalog.yaml")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [
        "build/flowdocs: current (2 pages, 1 diagrams from 1 design(s))"]
    without = run_cli("check")
    assert without.exit_code == 1
    assert without.stderr.splitlines() == [unknown_type_line("designs/mi.yaml")]


def test_a_changed_catalog_makes_check_fail_and_the_fix_rebuild_the_page(built: Path) -> None:
    catalog = built / "my-catalog.yaml"
    entries = design_entries(built)
    catalog.write_text(CATALOG.replace("port: 1433", "port: 1434"))
    result = run_cli("check", "--catalog", "my-catalog.yaml")
    assert result.exit_code == 1
    fix = "flowdocs build --catalog my-catalog.yaml"
    assert result.stderr.splitlines() == [
        f"build/flowdocs/mi.md: error: stale: it differs from what the designs generate; "
        f"run: {fix}",
        "build/flowdocs: 1 problem(s), 0 warning(s)"]
    # The design was drawn anew under a key of the new catalog: the old entries stay.
    assert design_entries(built) > entries
    assert run_cli(*shlex.split(fix)[1:]).exit_code == 0
    page = (built / "build/flowdocs/mi.md").read_text()
    assert LEG.format(port=1434) in page and LEG.format(port=1433) not in page
    assert run_cli("check", "--catalog", "my-catalog.yaml").exit_code == 0
    # Back to the first catalog: its drawing and page come from the warm cache, as they were.
    drawn = design_entries(built)
    catalog.write_text(CATALOG)
    assert run_cli("check", "--catalog", "my-catalog.yaml").exit_code == 1
    assert run_cli("build", "--catalog", "my-catalog.yaml").exit_code == 0
    assert LEG.format(port=1433) in (built / "build/flowdocs/mi.md").read_text()
    assert design_entries(built) == drawn
    assert run_cli("check", "--catalog", "my-catalog.yaml").exit_code == 0


def test_the_fix_that_check_names_repeats_the_catalog(project: Path) -> None:
    result = run_cli("check", "-o", "gen", "--catalog", "my-catalog.yaml")
    assert result.exit_code == 1
    fix = "flowdocs build --output gen --catalog my-catalog.yaml"
    assert result.stderr.splitlines()[:3] == [
        f"gen/index.md: error: missing; run: {fix}",
        f"gen/mi.md: error: missing; run: {fix}",
        f"gen/mi.svg: error: missing diagram; run: {fix}"]
    assert run_cli(*shlex.split(fix)[1:]).exit_code == 0
    assert run_cli("check", "-o", "gen", "--catalog", "my-catalog.yaml").exit_code == 0


@pytest.mark.parametrize("verb", ["build", "check", "render"])
def test_a_bad_catalog_is_a_located_error_before_any_design_is_drawn(project: Path,
                                                                     verb: str) -> None:
    args = ["designs", "-o", "out"] if verb == "render" else ["-o", "out"]
    result = run_cli(verb, *args, "--catalog", "bad-catalog.yaml")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [BAD_PORT]
    assert not (project / "out").exists()
    assert not (project / ".flowdocs-cache").exists()


def test_a_missing_catalog_is_a_located_error(project: Path) -> None:
    result = run_cli("build", "--catalog", "nowhere.yaml")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "nowhere.yaml: error: cannot read the catalog: No such file or directory"]
    assert not (project / "build").exists()


def test_render_with_the_catalog(project: Path) -> None:
    result = run_cli("render", "designs", "-o", "diagrams", "--format", "svg",
                     "--catalog", "my-catalog.yaml")
    assert result.exit_code == 0, result.stderr
    assert (project / "diagrams/mi.svg").is_file()
    without = run_cli("render", "designs", "-o", "elsewhere", "--format", "svg")
    assert without.exit_code == 1
    assert without.stderr.splitlines() == [unknown_type_line("designs/mi.yaml")]
    assert not (project / "elsewhere").exists()


def test_a_worker_loads_the_catalog_from_its_path(project: Path) -> None:
    """What a worker gets is the catalog's path and digest, a few bytes; a fresh process
    loads the catalog itself, and refuses a file whose bytes changed since."""
    catalog = drawing.open_catalog("my-catalog.yaml")
    assert catalog is not None
    task = functools.partial(drawing.draw_design, catalog=catalog)
    assert len(pickle.dumps(task)) < 300
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawn) as pool:
        drawn = pool.submit(task, "designs/mi.yaml").result()
    assert (drawn.errors, drawn.name) == ((), "mi")
    assert "1433" in drawn.dot or "SQL Managed Instance" in drawn.dot
    assert drawn.key == drawing.draw_design("designs/mi.yaml", catalog).key
    (project / "my-catalog.yaml").write_text(CATALOG.replace("1433", "1434"))
    with ProcessPoolExecutor(1, mp_context=spawn) as pool, \
            pytest.raises(FlowdocsError, match="the catalog changed while flowdocs read it"):
        pool.submit(task, "designs/mi.yaml").result()


def test_the_catalogs_digest_is_in_the_design_key(project: Path) -> None:
    first = drawing.open_catalog("my-catalog.yaml")
    (project / "same.yaml").write_text(CATALOG)
    same = drawing.open_catalog("same.yaml")
    (project / "my-catalog.yaml").write_text(CATALOG + "# a comment\n")
    changed = drawing.open_catalog("my-catalog.yaml")
    assert first is not None and same is not None and changed is not None
    keys = [drawing.draw_design("designs/mi.yaml", c).key for c in (first, same, changed)]
    # The same bytes under another path: the same key; other bytes: another.
    assert keys[0] == keys[1] != keys[2]


# The MkDocs plugin's `catalog:` option: a real `mkdocs build --strict`.

def make_site(root: Path, catalog: str) -> None:
    (root / "docs").mkdir()
    (root / "docs/index.md").write_text("# Home\n\nSee [the designs](designs/index.md).\n")
    (root / "mkdocs.yml").write_text(
        "site_name: test\ntheme: material\nuse_directory_urls: false\n"
        f"plugins:\n  - flowdocs:\n      catalog: {catalog}\n"
        "markdown_extensions: [admonition, attr_list, tables, toc]\n")


def mkdocs(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=root,
                          capture_output=True, text=True, env=env)


def test_plugin_builds_with_its_catalog_option(project: Path) -> None:
    make_site(project, "my-catalog.yaml")
    result = mkdocs(project)
    assert result.returncode == 0, result.stderr
    page = (project / "site/designs/mi.html").read_text()
    assert "TCP 1433" in page and "SqlMi" in page
    assert (project / "site/designs/mi.svg").is_file()
    assert str(project) not in page and "my-catalog" not in page
    # A changed catalog makes the page anew (the cache is warm).
    (project / "my-catalog.yaml").write_text(CATALOG.replace("port: 1433", "port: 1434"))
    result = mkdocs(project)
    assert result.returncode == 0, result.stderr
    assert "TCP 1434" in (project / "site/designs/mi.html").read_text()


def test_plugin_reports_a_bad_catalog_located(project: Path) -> None:
    make_site(project, "bad-catalog.yaml")
    result = mkdocs(project)
    assert result.returncode == 1
    assert f"flowdocs: {BAD_PORT}" in result.stderr
    assert not (project / ".flowdocs-cache/design").exists()


def test_plugin_watches_its_catalog_while_serving(project: Path) -> None:
    from mkdocs.config import load_config

    make_site(project, "my-catalog.yaml")
    config = load_config(str(project / "mkdocs.yml"))
    config = config.plugins.on_config(config)

    server = config.plugins.on_serve(WatchingServer(), config=config, builder=None)
    assert server.watched == ["designs", "my-catalog.yaml"]
    config.plugins.on_build_error(error=RuntimeError("the test is done"))
