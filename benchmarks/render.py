"""The 50 generated designs the site benchmarks build, and the Graphviz floor they are
measured against: one `dot -Tsvg` per diagram, in the icons' folder with the DOT on stdin
(as flowdocs runs it), one per core at a time."""

from __future__ import annotations

import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

from benchmarks.estate import estate
from flowdocs.render.icons import icon_root

DESIGNS = 50
# Spokes per design, cycled: small hub-and-spokes up to estates that collapse.
SPOKES = (1, 1, 2, 2, 3, 4, 6, 10, 20, 40)


def _write_designs(folder: Path, max_subnets: int = 10) -> list[Path]:
    """The designs, `design-00.yaml` to `design-49.yaml`: spokes cycled through SPOKES, and 1
    to `max_subnets` subnets per spoke, cycled with them (10: issue 3's designs, whose five
    largest have 400 workloads each)."""
    folder.mkdir(parents=True)
    paths = []
    for index in range(DESIGNS):
        spokes = SPOKES[index % len(SPOKES)]
        design = _variant(estate(spokes, subnets_per_spoke=1 + index % max_subnets), index)
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


def dot_svg(text: str, out: Path) -> None:
    """One diagram as flowdocs renders it: a fresh `dot -Tsvg`, the DOT on stdin, run in the
    icons' folder (the DOT names its icons relative to it), the SVG written to `out`."""
    run = subprocess.run(["dot", "-Tsvg"], input=text.encode("utf-8"), cwd=icon_root(),
                         capture_output=True, check=False)
    if run.returncode != 0:
        raise RuntimeError(f"dot failed on {out.name}: {run.stderr.decode(errors='replace')}")
    out.write_bytes(run.stdout)


def dot_all(texts: list[str], folder: Path) -> float:
    """Wall time of every diagram's `dot -Tsvg`, one process per diagram and one per core at
    a time, the largest first (so that no big one starts last and runs alone)."""
    folder.mkdir(parents=True, exist_ok=True)
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    start = time.perf_counter()
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        list(pool.map(lambda i: dot_svg(texts[i], folder / f"{i:02d}.svg"), order))
    return time.perf_counter() - start


def dot_one(text: str, out: Path) -> float:
    """Wall time of one diagram's `dot -Tsvg` in a fresh process."""
    start = time.perf_counter()
    dot_svg(text, out)
    return time.perf_counter() - start
