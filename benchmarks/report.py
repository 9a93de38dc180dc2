"""Collects benchmark sections and writes BENCHMARKS.md with the machine and the date."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


@dataclass
class Section:
    title: str
    lines: list[str] = field(default_factory=list)

    def add(self, line: str = "") -> None:
        self.lines.append(line)

    def table(self, headers: list[str], rows: list[list[object]]) -> None:
        self.add("| " + " | ".join(headers) + " |")
        self.add("|" + "|".join("---" for _ in headers) + "|")
        for row in rows:
            self.add("| " + " | ".join(str(c) for c in row) + " |")
        self.add()


def timed(function: Callable[[], T], repeat: int = 1) -> tuple[float, T]:
    """Best wall time of `repeat` runs, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result  # type: ignore[return-value]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    dot = subprocess.run(["dot", "-V"], capture_output=True, text=True).stderr.strip()
    return (f"{cpu}, {os.cpu_count()} cores; {platform.system()} {platform.release()}; "
            f"Python {sys.version.split()[0]}; {dot}")


def write(sections: list[Section], path: Path = Path("BENCHMARKS.md"),
          elapsed: float | None = None) -> None:
    lines = ["# Benchmarks", "",
             "Written by `make bench`. Figures are wall times measured on the machine below;",
             "no test asserts a time.", "",
             f"- Machine: {machine()}",
             f"- Date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}"]
    if elapsed is not None:
        lines.append(f"- `python -m benchmarks` took {elapsed / 60:.1f} minutes")
    lines.append("")
    for section in sections:
        lines += [f"## {section.title}", "", *section.lines, ""]
    path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
