"""Runs every benchmark section and writes BENCHMARKS.md."""

from __future__ import annotations

import importlib
import sys

from benchmarks.report import write

# Each section module has `run() -> Section`; they run in this order.
SECTIONS = ["benchmarks.core", "benchmarks.site", "benchmarks.render"]


def main() -> None:
    sections = []
    for name in SECTIONS:
        print(f"== {name}", file=sys.stderr)
        sections.append(importlib.import_module(name).run())
    write(sections)
    print("wrote BENCHMARKS.md", file=sys.stderr)


if __name__ == "__main__":
    main()
