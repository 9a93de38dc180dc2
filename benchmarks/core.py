"""Issue 2's benchmark: `flowdocs resolve` of a generated estate against the floor, the time
PyYAML's C loader alone takes to read the same file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from benchmarks.estate import estate
from benchmarks.report import Section, timed
from flowdocs.cli.common import dumps_json
from flowdocs.load.loader import load_design
from flowdocs.resolve.flows import resolve
from flowdocs.write.contract import resolution_document

SIZES = (3, 30, 300)  # spokes: 30, 300 and 3,000 subnets
REPEAT = 3


def run() -> Section:
    section = Section("Resolve: a generated estate (issue 2)")
    section.add("1 hub + N spokes x 10 subnets, one SQL Server workload per subnet, a 50-route "
                "table per spoke. Best of 3 runs each. The targets are issue 2's, on this "
                "estate; the same estate with an NSG per spoke and a firewall policy on the hub "
                "firewall (every flow then checked against both) is measured beside it.")
    section.add()
    with tempfile.TemporaryDirectory() as folder:
        rows, headline = [], None
        for spokes in SIZES:
            row, facts = _measure(Path(folder), spokes)
            rows.append(row)
            if spokes == SIZES[-1]:
                headline = facts
        assert headline is not None
        _headline(section, headline)
        section.add("How the time grows with the estate (seconds):")
        section.add()
        section.table(["subnets", "YAML size", "C loader alone (floor)", "load + validate",
                       "resolve", "JSON out", "`flowdocs resolve` end to end",
                       "end to end / floor"], rows)
    return section


def _measure(folder: Path, spokes: int) -> tuple[list[object], dict[str, float]]:
    data = estate(spokes)
    yaml_path = folder / f"estate-{spokes}.yaml"
    yaml_path.write_text(yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False))
    json_path = folder / f"estate-{spokes}.json"
    json_path.write_text(json.dumps(data))
    floor = _floor(yaml_path)
    load, loaded = timed(lambda: load_design(yaml_path), REPEAT)
    resolve_time, resolution = timed(lambda: resolve(loaded.design), REPEAT)
    out, _ = timed(lambda: dumps_json(resolution_document(resolution)), REPEAT)
    end_to_end, peak_mb = _cli(yaml_path)
    json_end_to_end, _ = _cli(json_path)
    # The same estate with an NSG per spoke and a firewall policy: what evaluating them adds.
    policy_path = folder / f"estate-{spokes}-policy.yaml"
    policy_path.write_text(yaml.dump(estate(spokes, policy=True), Dumper=yaml.CSafeDumper,
                                     sort_keys=False))
    with_policy = load_design(policy_path).design
    policy_resolve, _ = timed(lambda: resolve(with_policy), REPEAT)
    policy_e2e, _ = _cli(policy_path)
    subnets = spokes * 10
    facts = {"floor": floor, "resolve": resolve_time, "e2e": end_to_end, "peak": peak_mb,
             "json_e2e": json_end_to_end, "size": yaml_path.stat().st_size / 1e6,
             "subnets": subnets, "load": load, "policy_resolve": policy_resolve,
             "policy_e2e": policy_e2e}
    row = [f"{subnets:,}", f"{facts['size']:.2f} MB", f"{floor:.3f}", f"{load:.3f}",
           f"{resolve_time:.3f}", f"{out:.3f}", f"{end_to_end:.3f}", f"{end_to_end / floor:.2f}x"]
    return row, facts


FLOOR_SCRIPT = """
import sys, time, yaml
text = open(sys.argv[1], encoding="utf-8").read()
start = time.perf_counter()
yaml.load(text, Loader=yaml.CSafeLoader)
print(time.perf_counter() - start)
"""


def _floor(path: Path) -> float:
    """PyYAML's C loader alone on the file, in a fresh process like the one it is compared
    with (a long-lived benchmark process has a larger heap, which slows the loader's garbage
    collection and would flatter the ratio)."""
    runs = [float(subprocess.run([sys.executable, "-c", FLOOR_SCRIPT, str(path)], check=True,
                                 capture_output=True, text=True).stdout) for _ in range(REPEAT)]
    return min(runs)


def _cli(path: Path) -> tuple[float, float]:
    """Best wall time of `flowdocs resolve --format json` in a fresh process, and its peak
    resident memory in MB."""
    best, peak = float("inf"), 0.0
    command = [sys.executable, "-m", "flowdocs", "resolve", str(path), "--format", "json"]
    for _ in range(REPEAT):
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        best = min(best, time.perf_counter() - start)
        if status != 0:
            raise RuntimeError(f"flowdocs resolve failed: {process.stderr.read().decode()}")
        peak = max(peak, usage.ru_maxrss / 1024)
    return best, peak


def _headline(section: Section, f: dict[str, float]) -> None:
    ratio = f["e2e"] / f["floor"]
    section.table(["measure", "figure", "target", "met"], [
        [f"floor: C loader alone on {f['size']:.1f} MB ({f['subnets']:,} subnets)",
         f"{f['floor']:.2f} s", "-", "-"],
        ["`flowdocs resolve --format json`, end to end (fresh process)",
         f"{f['e2e']:.2f} s = {ratio:.2f}x floor", "<= 1.5x floor", _yes(ratio <= 1.5)],
        ["the same design as `.json` (standard JSON parser)", f"{f['json_e2e']:.2f} s",
         "-", "-"],
        ["resolution alone, design loaded", f"{f['resolve']:.3f} s", "< 0.5 s",
         _yes(f["resolve"] < 0.5)],
        ["peak memory (RSS) of the end-to-end run", f"{f['peak']:.0f} MB", "< 500 MB",
         _yes(f["peak"] < 500)],
        ["with an NSG per spoke and a firewall policy: resolution alone",
         f"{f['policy_resolve']:.3f} s", "-", "-"],
        ["with an NSG per spoke and a firewall policy: end to end",
         f"{f['policy_e2e']:.2f} s", "-", "-"],
        ["load with positions kept lazily vs floor", f"{f['load'] / f['floor']:.2f}x",
         "-", "-"],
    ])


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"
