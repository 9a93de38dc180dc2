"""Runs every benchmark section and writes BENCHMARKS.md."""

from __future__ import annotations

import importlib
import sys
import time

from benchmarks.report import write

# Each section module has `run() -> Section`; they run in this order. benchmarks.render is
# no section: it generates the site benchmark's designs and runs its Graphviz floor.
SECTIONS = ["benchmarks.core", "benchmarks.site", "benchmarks.importing",
            "benchmarks.verify"]


def main() -> None:
    start = time.perf_counter()
    sections = []
    for name in SECTIONS:
        print(f"== {name}", file=sys.stderr)
        sections.append(importlib.import_module(name).run())
    elapsed = time.perf_counter() - start
    write(sections, elapsed=elapsed)
    print(f"wrote BENCHMARKS.md ({elapsed:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
