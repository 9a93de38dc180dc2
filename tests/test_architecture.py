"""The package's folders are the pipeline's stages, and the imports follow them.

Stages, in order: load → resolve → analyse → render → write. A module may import its own
stage, earlier stages and the shared modules at the top of the package (`errors`, `files`);
never a later stage, and never an adapter (`cli/`, `mkdocs_plugin`). The core (load,
resolve, analyse) does no file, process, Graphviz or MkDocs work: every byte it reads comes
through `flowdocs/files.py`. Everything is found by walking the folders, so a new module is
checked the moment it exists.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from tests_support import ROOT

PACKAGE = ROOT / "flowdocs"
STAGES = ("load", "resolve", "analyse", "render", "write")
CORE = ("load", "resolve", "analyse")
SHARED = ("errors", "files")
ADAPTERS = ("cli", "mkdocs_plugin")
# What the core may not import: I/O, processes, and the edges' libraries.
NOT_IN_CORE = {"subprocess", "shutil", "tempfile", "io", "socket", "multiprocessing",
               "concurrent", "importlib", "diagrams", "graphviz", "mkdocs", "jinja2", "click"}
# resolve and analyse work on validated models only: no parsing, no paths either.
NOT_PAST_LOADING = {"yaml", "json", "os", "pathlib"}
# Calls that touch the disk or the terminal, whatever object they are made on.
DISK_CALLS = {"open", "read_bytes", "read_text", "write_bytes", "write_text", "mkdir", "unlink",
              "rglob", "glob", "iterdir", "is_file", "is_dir", "exists", "stat", "realpath",
              "fstat"}
BUILTIN_CALLS = {"open", "print", "exec", "eval", "input"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function, absolute names."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            # `from flowdocs.render import scene` imports the module flowdocs.render.scene
            found |= {f"{node.module}.{a.name}" for a in node.names
                      if f"{node.module}.{a.name}" in MODULES}
    return found


def place(module: str) -> str:
    """The stage, shared module or adapter a flowdocs module belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "flowdocs"


def test_the_folders_are_the_stages():
    folders = sorted(p.name for p in PACKAGE.iterdir()
                     if p.is_dir() and (p / "__init__.py").exists())
    assert folders == sorted([*STAGES, "cli"])
    top = sorted(p.stem for p in PACKAGE.glob("*.py"))
    assert top == sorted(["__init__", "__main__", *SHARED, "mkdocs_plugin"])


@pytest.mark.parametrize("module", sorted(m for m in MODULES if place(m) in STAGES))
def test_a_stage_imports_only_earlier_stages(module):
    stage = STAGES.index(place(module))
    for imported in imports_of(MODULES[module]):
        if not imported.startswith("flowdocs.") or imported not in MODULES:
            continue
        where = place(imported)
        assert where not in ADAPTERS, f"{module} imports the adapter {imported}"
        if where in STAGES:
            assert STAGES.index(where) <= stage, (
                f"{module} ({STAGES[stage]}) imports {imported}, a later stage ({where})")


@pytest.mark.parametrize("module", SHARED)
def test_shared_modules_import_no_stage(module):
    imported = {m for m in imports_of(MODULES[f"flowdocs.{module}"]) if m.startswith("flowdocs.")}
    assert not {m for m in imported if place(m) in (*STAGES, *ADAPTERS)}


@pytest.mark.parametrize("module", sorted(m for m in MODULES if place(m) in CORE))
def test_the_core_does_no_io(module):
    path = MODULES[module]
    forbidden = NOT_IN_CORE | (NOT_PAST_LOADING if place(module) != "load" else set())
    bad = {m for m in imports_of(path) if m.split(".")[0] in forbidden}
    assert not bad, f"{module} imports {sorted(bad)}"
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Name):
            assert node.func.id not in BUILTIN_CALLS, f"{module} calls {node.func.id}()"
        elif isinstance(node.func, ast.Attribute):
            assert node.func.attr not in DISK_CALLS, (
                f"{module} calls .{node.func.attr}() (line {node.lineno}); read and write "
                f"through flowdocs/files.py")


def test_no_import_cycles():
    graph = {m: {i for i in imports_of(p) if i in MODULES and i != m}
             for m, p in MODULES.items()}
    # A package's __init__ importing its own modules is how a package exposes them.
    graph = {m: {i for i in deps if not i.startswith(f"{m}.")} for m, deps in graph.items()}
    done: set[str] = set()

    def visit(module: str, trail: list[str]) -> None:
        if module in trail:
            cycle = [*trail[trail.index(module):], module]
            pytest.fail("import cycle: " + " -> ".join(cycle))
        if module in done:
            return
        for imported in sorted(graph[module]):
            visit(imported, [*trail, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])


def test_the_rules_catch_what_they_forbid(tmp_path):
    """The checks above are not vacuous: a module written against each rule is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("import subprocess\nfrom flowdocs.write import site\nopen('x')\n"
                   "data = path.read_bytes()\n")
    imported = imports_of(bad)
    assert "subprocess" in imported and "flowdocs.write.site" in imported
    assert STAGES.index(place("flowdocs.write.site")) > STAGES.index("resolve")
    calls = {n.func.attr if isinstance(n.func, ast.Attribute) else n.func.id
             for n in ast.walk(ast.parse(bad.read_text())) if isinstance(n, ast.Call)}
    assert {"open", "read_bytes"} <= calls
