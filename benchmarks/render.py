"""Issue 3's benchmark: `flowdocs render` of 50 generated designs of mixed sizes against the
floor, raw `dot -Tpng` on the same DOT files (many files per process, one process per core),
and a warm re-run with nothing changed."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

from benchmarks.estate import estate
from benchmarks.report import Section, timed
from flowdocs.analyse.resolved import resolve_designs
from flowdocs.render import dot_source
from flowdocs.render.batch import BatchResult, Job, partition, render_batch
from flowdocs.render.cache import RenderCache
from flowdocs.render.designs import render_design_files
from flowdocs.render.graphviz import ENGINE_VARIABLE, RenderOptions, engine
from flowdocs.render.icons import icon_root

DESIGNS = 50
# Spokes per design, cycled: small hub-and-spokes up to estates that collapse.
SPOKES = (1, 1, 2, 2, 3, 4, 6, 10, 20, 40)
REPEAT = 3


def run() -> Section:
    section = Section("Render: 50 generated designs (issue 3)")
    section.add(f"{DESIGNS} designs, 1 to {max(SPOKES)} spokes of 1 to 10 subnets, some with a "
                "Storage service endpoint, a vault private endpoint or forced tunnelling. "
                f"Best of {REPEAT} interleaved runs each; {os.cpu_count()} cores.")
    section.add()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        paths = _write_designs(root / "designs")
        resolved = resolve_designs(paths)
        texts = [dot_source(r.resolution) for r in resolved]
        dots = _write_dot_files(root / "dot", texts)
        jobs = [Job(r.resolution.design.name, text) for r, text in zip(resolved, texts,
                                                                        strict=True)]
        # The machine's speed drifts: the runs are interleaved, and each keeps its best.
        best: dict[str, float] = {}
        for _ in range(REPEAT):
            for name, run in (("floor", lambda: _floor(dots)),
                              ("stage", lambda: _stage(jobs, root)),
                              ("cold", lambda: _cold(paths, root, ("png", "svg"))),
                              ("cold_png", lambda: _cold(paths, root, ("png",))),
                              ("cold_cli", lambda: _cold_cli(root)),
                              ("cold_dot", lambda: _cold_with_dot(paths, root))):
                seconds, _ = timed(run)
                best[name] = min(best.get(name, seconds), seconds)
        cache = root / "cache-warm"
        _render(paths, root / "out-warm", cache, ("png", "svg"))
        warm, result = timed(lambda: _render(paths, root / "out-warm", cache, ("png", "svg")),
                             REPEAT)
        assert result.rendered == 0 and result.cached == DESIGNS
        nodes = [text.count("[label=") for text in texts]
        png_bytes = sum(p.stat().st_size for p in (root / "out-png").glob("*.png"))
        floor_bytes = sum(p.stat().st_size for p in (root / "dot").glob("*.png"))
    floor, cold = best["floor"], best["cold"]
    section.add(f"DOT sizes: {min(nodes)} to {max(nodes)} nodes per diagram (large designs "
                "collapsed), 96 dpi.")
    section.add()
    section.table(["run", "seconds", "ratio"], [
        ["floor: `dot -Tpng`, many files per process, one process per core", f"{floor:.2f}",
         "1.00 x floor"],
        [f"render stage: the same DOT texts to PNG + SVG ({engine()} engine), cache",
         f"{best['stage']:.2f}", f"{best['stage'] / floor:.2f} x floor"],
        ["**cold: load, resolve, draw, PNG + SVG, cache**", f"**{cold:.2f}**",
         f"**{cold / floor:.2f} x floor**"],
        ["cold, PNG only", f"{best['cold_png']:.2f}", f"{best['cold_png'] / floor:.2f} x floor"],
        ["cold, `flowdocs render` in a fresh process (start-up and imports too)",
         f"{best['cold_cli']:.2f}", f"{best['cold_cli'] / floor:.2f} x floor"],
        ["cold, PNG + SVG, `FLOWDOCS_RENDER_ENGINE=dot` (one `dot` per diagram)",
         f"{best['cold_dot']:.2f}", f"{best['cold_dot'] / floor:.2f} x floor"],
        ["warm: nothing changed, nothing rendered", f"{warm:.2f}", f"{warm / cold:.1%} of cold"],
    ])
    met = "met" if cold <= 1.3 * floor else "missed"
    section.add(f"Targets: cold at most 1.3 x the floor ({met}: {cold / floor:.2f} x); warm "
                f"under 10 % of cold ({'met' if warm < 0.1 * cold else 'missed'}). The PNG "
                f"files of the {engine()} engine take {png_bytes / 2**20:.1f} MB, the floor's "
                f"{floor_bytes / 2**20:.1f} MB.")
    section.add()
    section.add("Why the render stage beats the floor: `dot -Tpng` spends most of its time in "
                "libpng choosing a compression filter for every row. The library engine lays "
                "each diagram out in a child forked from a warm render server (a fresh layout "
                "state, which Graphviz 2.43 needs for identical bytes), lets Graphviz's cairo "
                "renderer draw onto an image flowdocs owns, and writes the rows unfiltered at "
                "zlib level 3: the same pixels, smaller files, a third of the time "
                "(docs/diagrams.md). The time saved pays for loading, resolving and drawing "
                "the designs, which the floor does not do, in worker processes that overlap "
                "with rendering. One `dot` per diagram, the other engine, pays Graphviz's "
                "start-up, fonts and icons for every diagram and libpng's filter search. The "
                "in-process runs measure the batch as `flowdocs render` runs it after start-up; "
                "they reuse the render servers the first run started. The fresh-process row "
                "pays for everything: the interpreter, the imports and starting the servers.")
    return section


def _write_designs(folder: Path) -> list[Path]:
    folder.mkdir(parents=True)
    paths = []
    for index in range(DESIGNS):
        spokes = SPOKES[index % len(SPOKES)]
        design = _variant(estate(spokes, subnets_per_spoke=1 + index % 10), index)
        path = folder / f"design-{index:02d}.yaml"
        path.write_text(yaml.safe_dump(design, sort_keys=False), encoding="utf-8")
        paths.append(path)
    return paths


def _variant(design: dict[str, Any], index: int) -> dict[str, Any]:
    """Every third design has a service endpoint, every fourth a vault private endpoint,
    every seventh forced tunnelling through a gateway: diagrams with every kind of edge."""
    design["name"] = f"design-{index:02d}"
    # The diagram draws the deciding route only: a one-route table is what the picture needs
    # (benchmarks.core measures resolving 50-route tables).
    design["route_tables"] = [{**t, "routes": t["routes"][:1]} for t in design["route_tables"]]
    design["title"] = f"Generated design {index}"
    hub = design["vnets"][0]
    if index % 3 == 1:
        design["vnets"][1]["subnets"][0]["service_endpoints"] = ["Microsoft.Storage"]
    if index % 4 == 2:
        design["private_endpoints"] = [{"name": "pe-rsv", "subnet": "vnet-hub/snet-endpoints",
                                        "target": "rsv-prod"}]
    if index % 7 == 5:
        hub["subnets"].append({"name": "GatewaySubnet", "prefix": "10.0.0.0/27"})
        design["gateways"] = [{"name": "ergw-hub", "type": "expressroute", "vnet": "vnet-hub",
                               "advertises_default_route": True}]
    return design


def _write_dot_files(folder: Path, texts: list[str]) -> list[Path]:
    folder.mkdir(parents=True)
    paths = [folder / f"{index:02d}.dot" for index in range(len(texts))]
    for path, text in zip(paths, texts, strict=True):
        path.write_text(text, encoding="utf-8")
    return paths


def _floor(dots: list[Path]) -> None:
    """`dot -Tpng -O` on the DOT files: one process per core, the files balanced by size,
    run in the icons' folder so that the icons load as they do in a real render."""
    chunks = partition([p.stat().st_size for p in dots], os.cpu_count() or 1)

    def run_chunk(chunk: list[int]) -> None:
        subprocess.run(["dot", "-Gdpi=96", "-Tpng", "-O", *(str(dots[i]) for i in chunk)],
                       cwd=icon_root(), check=True, capture_output=True)

    with ThreadPoolExecutor(len(chunks)) as pool:
        list(pool.map(run_chunk, chunks))


@contextlib.contextmanager
def _engine(name: str) -> Iterator[None]:
    before = os.environ.get(ENGINE_VARIABLE)
    os.environ[ENGINE_VARIABLE] = name
    try:
        yield
    finally:
        if before is None:
            del os.environ[ENGINE_VARIABLE]
        else:
            os.environ[ENGINE_VARIABLE] = before


def _cold_with_dot(paths: list[Path], root: Path) -> None:
    with _engine("dot"):
        _cold(paths, root, ("png", "svg"), "dot")


def _cold_cli(root: Path) -> None:
    """`flowdocs render` as a user types it: a new process, PNG and SVG, an empty cache."""
    for folder in (root / "out-cli", root / "cache-cli"):
        subprocess.run(["rm", "-rf", str(folder)], check=True)
    subprocess.run([sys.executable, "-m", "flowdocs", "render", str(root / "designs"), "-o",
                    str(root / "out-cli"), "--cache-dir", str(root / "cache-cli")],
                   check=True, capture_output=True)


def _stage(jobs: list[Job], root: Path) -> None:
    subprocess.run(["rm", "-rf", str(root / "stage")], check=True)
    result = render_batch(jobs, root / "stage" / "out", RenderOptions(("png", "svg")),
                          RenderCache(root / "stage" / "cache"))
    assert result.rendered == DESIGNS


def _cold(paths: list[Path], root: Path, formats: tuple[str, ...], label: str = "") -> None:
    name = "-".join((*formats, label) if label else formats)
    for folder in (root / f"out-{name}", root / f"cache-{name}"):
        subprocess.run(["rm", "-rf", str(folder)], check=True)
    result = _render(paths, root / f"out-{name}", root / f"cache-{name}", formats)
    assert result.rendered == DESIGNS


def _render(paths: list[Path], out: Path, cache: Path, formats: tuple[str, ...]) -> BatchResult:
    """What `flowdocs render` does after start-up: load, resolve, draw, render, write."""
    return render_design_files(paths, out, RenderOptions(formats), cache,
                               show_progress=False).result
