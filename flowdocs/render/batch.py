"""Rendering many diagrams at once: cache first, then one diagram per core at a time.

Each diagram is laid out in a fresh Graphviz state (render.py says why and how), with every
format from one layout. A `Renderer` takes diagrams
as they become ready, so rendering starts while other designs are still loading, and always
starts the largest diagram waiting, so that no core idles at the end. `partition` splits files
the way the benchmark's floor runs them: many per process, one process per core.
"""

from __future__ import annotations

import heapq
import itertools
import os
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from flowdocs.files import atomic_write
from flowdocs.render.cache import RenderCache
from flowdocs.render.graphviz import RenderOptions, render_dot

# A batch this long shows progress even when stderr is not a terminal.
LONG_BATCH = 20

Progress = Callable[[int, int], None]


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


class Renderer:
    """Renders diagrams into memory (and the cache) as they are `add`ed; writes nothing else.

    Cached diagrams are only read. The others wait in a queue, largest first, for one of
    `workers` render threads. `outputs()` waits for them all. Leaving the `with` block
    early (a design failed to load) drops the diagrams that have not started.
    """

    def __init__(self, options: RenderOptions, cache: RenderCache | None = None,
                 workers: int | None = None, progress: Progress | None = None,
                 total: int = 0) -> None:
        self.options, self.cache, self.progress, self.total = options, cache, progress, total
        self.result = BatchResult()
        self._outputs: dict[str, dict[str, bytes]] = {}
        self._waiting: list[tuple[int, int, Job]] = []
        self._order = itertools.count()
        self._lock = threading.Lock()
        self._running: list[Future[None]] = []
        # Threads suffice: each one waits on a render process, which does the work.
        self._pool = ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1)

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def add(self, job: Job) -> None:
        """Renders `job` soon, unless the cache has it."""
        self.result.dots[job.name] = job.dot
        found = self.cache.lookup(job.dot, self.options) if self.cache is not None else None
        with self._lock:
            if found is not None:
                self._outputs[job.name] = found
                self.result.cached += 1
                self._tick()
                return
            heapq.heappush(self._waiting, (-len(job.dot), next(self._order), job))
        self._running.append(self._pool.submit(self._render_largest))

    def outputs(self) -> dict[str, dict[str, bytes]]:
        """Every added diagram's outputs (name -> format -> bytes), once all are rendered."""
        for future in self._running:
            future.result()
        return self._outputs

    def _render_largest(self) -> None:
        with self._lock:
            _, _, job = heapq.heappop(self._waiting)
        outputs = render_dot(job.dot, self.options)
        if self.cache is not None:
            self.cache.store(job.dot, self.options, outputs)
        with self._lock:
            self._outputs[job.name] = outputs
            self.result.rendered += 1
            self._tick()

    def _tick(self) -> None:
        if self.progress is not None:
            self.progress(self.result.rendered + self.result.cached, self.total)


def render_batch(jobs: Sequence[Job], out_dir: Path, options: RenderOptions,
                 cache: RenderCache | None = None, workers: int | None = None,
                 progress: Progress | None = None) -> BatchResult:
    """Renders every job into `out_dir` as `<name>.<fmt>`, atomically; cached ones are only
    copied. `progress(done, total)` is called as diagrams finish (see `stderr_progress`)."""
    with Renderer(options, cache, workers, progress, len(jobs)) as renderer:
        for job in sorted(jobs, key=lambda job: -len(job.dot)):
            renderer.add(job)
        outputs = renderer.outputs()
    return write_outputs(renderer.result, out_dir, [job.name for job in jobs], outputs)


def write_outputs(result: BatchResult, out_dir: Path, names: Sequence[str],
                  outputs: dict[str, dict[str, bytes]]) -> BatchResult:
    """`result` with each diagram written to `out_dir` as `<name>.<fmt>`, in `names`' order."""
    for name in names:
        result.files[name] = {}
        for fmt, data in outputs[name].items():
            path = out_dir / f"{name}.{fmt}"
            atomic_write(path, data)
            result.files[name][fmt] = path
    return result


def stderr_progress(total: int) -> Progress | None:
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
