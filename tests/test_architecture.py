"""The pure core stays pure: no file, process, Graphviz or MkDocs code in it."""

from __future__ import annotations

import ast

import pytest
from tests_support import ROOT

# load → resolve → analyse is pure; render and write live at the edges.
CORE = ["model", "topology", "routing", "flows", "bypass", "diagnostics", "contract", "validate",
        "addressing", "findings", "checks", "costs", "firewall_rules", "compare", "variants",
        "analysis", "decisions", "narrative", "required_rules", "pages"]
FORBIDDEN = {"os", "pathlib", "subprocess", "shutil", "tempfile", "io", "diagrams", "graphviz",
             "mkdocs", "jinja2", "click", "yaml", "json", "importlib", "flowdocs.files",
             "flowdocs.loader", "flowdocs.pipeline", "flowdocs.site", "flowdocs.cli"}


@pytest.mark.parametrize("module", CORE)
def test_core_module_does_no_io(module):
    tree = ast.parse((ROOT / "flowdocs" / f"{module}.py").read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in ("open", "print", "exec", "eval"), (
                f"{module} calls {node.func.id}()")
    bad = {name for name in imported
           if name in FORBIDDEN or name.split(".")[0] in FORBIDDEN}
    assert not bad, f"flowdocs/{module}.py imports {sorted(bad)}"
