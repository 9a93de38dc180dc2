"""The site build: a warm `mkdocs build` through the flowdocs plugin against a plain
`mkdocs build` of the very same generated pages.

Warm means the designs have not changed since the last build: the diagram cache must serve
every diagram (no Graphviz run), and the plugin's own work (load, resolve, render pages)
must cost at most a fifth of the build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from benchmarks.report import Section
from flowdocs.mkdocs_plugin import expand_nav
from flowdocs.write.schemadoc import format_context
from flowdocs.write.site import SiteOptions, prepare, write
from flowdocs.write.templating import environment, render

ROOT = Path(__file__).resolve().parent.parent
REPEAT = 5
TARGET_RATIO = 1.2


def run() -> Section:
    section = Section("Site build (`mkdocs build`, plugin vs plain)")
    with tempfile.TemporaryDirectory(prefix="flowdocs-bench-") as scratch:
        project = _copy_project(Path(scratch) / "plugin")
        plain = _plain_project(Path(scratch) / "plain", project)
        cache = project / ".flowdocs-cache" / "diagrams"

        cold = _mkdocs_build(project)
        entries = _cache_entries(cache)
        warm, plain_time = [], []
        for _ in range(REPEAT):  # interleaved, so that machine noise hits both alike
            warm.append(_mkdocs_build(project))
            plain_time.append(_mkdocs_build(plain))
        rendered_warm = len(_cache_entries(cache) - entries)

    ratio = min(warm) / min(plain_time)
    designs = len(list((ROOT / "designs").glob("*.yaml")))
    section.add(f"The example site ({designs} designs): `mkdocs build` in a fresh process, as "
                f"a user runs it, best of {REPEAT} interleaved runs. A diagram rendered when "
                f"warm would add an entry to the diagram cache; none may appear.")
    section.add()
    section.table(["build", "wall time", "diagrams rendered"], [
        ["plugin, cold cache", f"{cold:.2f} s", len(entries) // 2],
        ["plugin, warm (designs unchanged)", f"{min(warm):.2f} s", rendered_warm],
        ["plain mkdocs, the same pages", f"{min(plain_time):.2f} s", "-"],
    ])
    verdict = "within" if ratio <= TARGET_RATIO and rendered_warm == 0 else "OVER"
    section.add(f"Warm plugin build / plain build: **{ratio:.2f}x** ({verdict} the "
                f"{TARGET_RATIO}x target); diagrams rendered when warm: **{rendered_warm}**.")
    return section


def _mkdocs_build(project: Path) -> float:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--quiet"], cwd=project, env=env,
                   check=True)
    return time.perf_counter() - start


def _cache_entries(cache: Path) -> set[Path]:
    return set(cache.rglob("*.*")) if cache.is_dir() else set()


def _copy_project(target: Path) -> Path:
    target.mkdir(parents=True)
    for name in ("docs", "designs"):
        shutil.copytree(ROOT / name, target / name)
    shutil.copy(ROOT / "mkdocs.yml", target / "mkdocs.yml")
    return target


def _plain_project(target: Path, source: Path) -> Path:
    """The same site without the plugin: its pages written by `flowdocs build` into docs/."""
    shutil.copytree(source / "docs", target / "docs")
    options = SiteOptions(designs=(source / "designs",), prefix="designs/", base_dir=source,
                          cache_dir=source / ".flowdocs-cache")
    write(prepare(options), target / "docs")
    reference = render(environment(), "design-format.md.j2", format_context())
    (target / "docs/design-format.md").write_text(reference, encoding="utf-8")
    site = prepare(options)
    config = yaml.safe_load((source / "mkdocs.yml").read_text(encoding="utf-8"))
    config["plugins"] = [p for p in config["plugins"]
                         if not (isinstance(p, dict) and "flowdocs" in p)]
    # The nav the plugin would have built, so both sites have the same pages and menus.
    config["nav"] = expand_nav(config["nav"], "designs/index.md",
                               [p.uri for p in site.pages[1:]])
    (target / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False),
                                       encoding="utf-8")
    return target
