"""Issue 12's benchmark: `flowdocs verify` of 100 NICs, one per subnet of a generated estate.

The estate is benchmarks/estate.py's (1 hub + 10 spokes x 10 subnets, one SQL Server workload
per subnet, a 50-route table per spoke). Each NIC's real table is the subnet's predicted one in
the shape of `az network nic show-effective-route-table --output json`, with the undocumented
reserved None rows recent tables list; in every tenth table the 0.0.0.0/0 route goes to
another next hop IP, so the differences are found and reported too. Not part of `make bench`
(benchmarks/__main__.py): run it alone with `python -m benchmarks.verify`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from benchmarks.estate import estate
from benchmarks.report import Section, timed
from flowdocs.analyse.resolved import resolve_designs
from flowdocs.analyse.verification import verify
from flowdocs.load.effective_routes import read_all
from flowdocs.write.contract import effective_routes_document
from flowdocs.write.verification_report import verification_document, verification_text

SPOKES = 10  # x 10 subnets: 100 NICs
REPEAT = 3
UNDOCUMENTED_RESERVED = ("127.0.0.0/8", "198.18.0.0/15", "25.33.80.0/20", "25.41.3.0/25")


def run() -> Section:
    section = Section("Verify: 100 NICs against their real effective routes (issue 12)")
    section.add(f"1 hub + {SPOKES} spokes x 10 subnets, a 50-route table per spoke; one "
                "`az network nic show-effective-route-table` document per subnet, every tenth "
                f"with a changed next hop. Best of {REPEAT} runs each.")
    section.add()
    with tempfile.TemporaryDirectory() as folder:
        design, specs = _write(Path(folder))
        (resolved,) = resolve_designs([design])
        read, (tables, errors) = timed(lambda: read_all(specs), REPEAT)
        assert not errors, errors
        compare, verification = timed(lambda: verify(resolved.resolution, tables), REPEAT)
        text, _ = timed(lambda: verification_text(verification), REPEAT)
        document, _ = timed(lambda: json.dumps(verification_document(verification)), REPEAT)
        end_to_end = _cli(design, specs)
    rows = sum(len(t.routes) for t in tables)
    differences = len(verification.difference_lines())
    section.table(["step", "seconds"], [
        [f"read and check {len(tables)} tables ({rows:,} rows)", f"{read:.3f}"],
        ["compare them with the design, row by row and flow by flow", f"{compare:.3f}"],
        ["the terminal report", f"{text:.3f}"],
        ["the JSON document", f"{document:.3f}"],
        ["`flowdocs verify` end to end (fresh process, design loaded and resolved)",
         f"{end_to_end:.3f}"],
    ])
    section.add(f"{differences} differences found, as expected "
                f"({len(tables) // 10} tables changed: a row and its flows each).")
    return section


def _write(folder: Path) -> tuple[Path, list[tuple[str, str]]]:
    """The design and one table per subnet that holds a workload, as (subnet, file)."""
    design = folder / "estate.yaml"
    design.write_text(yaml.dump(estate(SPOKES), Dumper=yaml.CSafeDumper, sort_keys=False))
    (resolved,) = resolve_designs([design])
    topology, router = resolved.resolution.topology, resolved.resolution.router
    specs: list[tuple[str, str]] = []
    for index, workload in enumerate(resolved.design.workloads):
        view = router.effective_routes(topology.subnets[workload.subnet])
        rows = [_az_row(row) for row in effective_routes_document(view)["value"]]
        rows += [_az_row({"source": "Default", "state": "Active", "addressPrefix": [prefix],
                          "nextHopType": "None", "nextHopIpAddress": [], "name": None})
                 for prefix in UNDOCUMENTED_RESERVED]
        if index % 10 == 0:
            default = next(r for r in rows if r["source"] == "User"
                           and r["addressPrefix"] == ["0.0.0.0/0"])
            default["nextHopIpAddress"] = ["10.0.1.5"]
        path = folder / f"nic-{index:03d}.json"
        path.write_text(json.dumps({"nextLink": None, "value": rows}, indent=2, sort_keys=True))
        specs.append((workload.subnet, str(path)))
    return design, specs


def _az_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row as az prints it: with the keys `flowdocs routes` leaves out."""
    return {**row, "disableBgpRoutePropagation": False}


def _cli(design: Path, specs: list[tuple[str, str]]) -> float:
    options = [part for subnet, file in specs
               for part in ("--effective-routes", f"{subnet}={file}")]
    command = [sys.executable, "-m", "flowdocs", "verify", str(design), *options]
    best = float("inf")
    for _ in range(REPEAT):
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True)
        best = min(best, time.perf_counter() - start)
        if result.returncode != 1:  # the changed tables differ
            raise RuntimeError(f"flowdocs verify: {result.returncode}: {result.stderr}")
    return best


if __name__ == "__main__":
    print("\n".join(run().lines))
