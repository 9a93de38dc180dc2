"""Rendering many diagrams at once: cache first, then one `dot` process per core at a time.

Each diagram is its own `dot` run (render.py says why: one graph per process is what keeps
Graphviz 2.43 deterministic), with every format from one layout. The largest diagrams start
first so that no core idles at the end. `partition` splits files the way the benchmark's
floor runs them: many per process, one process per core.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from flowdocs.diagram.cache import RenderCache
from flowdocs.diagram.render import RenderOptions, render_dot
from flowdocs.files import atomic_write

# A batch this long shows progress even when stderr is not a terminal.
LONG_BATCH = 20


@dataclass(frozen=True)
class Job:
    """One diagram to render: its output name (without suffix) and its DOT text."""

    name: str
    dot: str


@dataclass
class BatchResult:
    files: dict[str, dict[str, Path]] = field(default_factory=dict)  # name -> format -> file
    rendered: int = 0
    cached: int = 0
    dots: dict[str, str] = field(default_factory=dict)  # name -> DOT text (the cache's key)


def partition(sizes: Sequence[int], chunks: int) -> list[list[int]]:
    """Indexes of `sizes` split into at most `chunks` groups of similar total size."""
    groups: list[list[int]] = [[] for _ in range(max(1, min(chunks, len(sizes))))]
    totals = [0] * len(groups)
    for index in sorted(range(len(sizes)), key=lambda i: (-sizes[i], i)):
        lightest = totals.index(min(totals))
        groups[lightest].append(index)
        totals[lightest] += sizes[index]
    return [g for g in groups if g]


def render_batch(jobs: Sequence[Job], out_dir: Path, options: RenderOptions,
                 cache: RenderCache | None = None, workers: int | None = None,
                 progress: Callable[[int, int], None] | None = None) -> BatchResult:
    """Renders every job into `out_dir` as `<name>.<fmt>`, atomically; cached ones are only
    copied. `progress(done, total)` is called as diagrams finish (see `stderr_progress`)."""
    result = BatchResult(dots={job.name: job.dot for job in jobs})
    misses: list[Job] = []
    for job in jobs:
        found = cache.lookup(job.dot, options) if cache is not None else None
        if found is None:
            misses.append(job)
        else:
            result.files[job.name] = _write(out_dir, job.name, found)
            result.cached += 1
    if not misses:
        return result
    workers = min(workers or os.cpu_count() or 1, len(misses))
    largest_first = sorted(misses, key=lambda job: -len(job.dot))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        # Threads suffice: each one waits on its `dot` process, which does the work.
        running = {pool.submit(render_dot, job.dot, options): job for job in largest_first}
        for done, future in enumerate(as_completed(running), start=1):
            job, outputs = running[future], future.result()
            if cache is not None:
                cache.store(job.dot, options, outputs)
            result.files[job.name] = _write(out_dir, job.name, outputs)
            result.rendered += 1
            if progress is not None:
                progress(done, len(misses))
    result.files = {job.name: result.files[job.name] for job in jobs}
    return result


def _write(out_dir: Path, name: str, outputs: dict[str, bytes]) -> dict[str, Path]:
    written: dict[str, Path] = {}
    for fmt, data in outputs.items():
        path = out_dir / f"{name}.{fmt}"
        atomic_write(path, data)
        written[fmt] = path
    return written


def stderr_progress(total: int) -> Callable[[int, int], None] | None:
    """A progress line on stderr: redrawn in place on a terminal, every quarter otherwise;
    none at all for a short batch that is not on a terminal."""
    tty = sys.stderr.isatty()
    if not tty and total < LONG_BATCH:
        return None
    shown = {"last": -1}

    def show(done: int, total: int) -> None:
        if tty:
            end = "\n" if done == total else ""
            print(f"\rrendering diagrams: {done}/{total}", end=end, file=sys.stderr, flush=True)
        elif done * 4 // total > shown["last"]:
            shown["last"] = done * 4 // total
            print(f"rendering diagrams: {done}/{total}", file=sys.stderr, flush=True)

    return show
