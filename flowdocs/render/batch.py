"""Rendering many diagrams at once: from the cache when it has them, else one `dot` each.

A `Renderer` takes diagrams as their DOT text becomes ready, so rendering starts while other
designs are still loading, and always starts the largest diagram waiting, so that no core
idles at the end. Threads are enough: each one waits on its `dot` process.

A render error names the design file it happened in (`Job.source`). Leaving a `Renderer`'s
`with` block by SIGTERM or Ctrl-C (anything but an `Exception`) kills its `dot` processes.
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
from flowdocs.render.cache import Cache, content_key, is_safe_name
from flowdocs.render.graphviz import (
    FORMATS,
    DotProcesses,
    RenderError,
    RenderOptions,
    looks_rendered,
    render_dot,
    renderer_id,
)

# A batch this long shows progress even when stderr is not a terminal.
LONG_BATCH = 20

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Job:
    """One diagram to render: its output name (without suffix), its DOT text, and the design
    file it comes from, which an error names (none: the error names the design)."""

    name: str
    dot: str
    source: str = ""

    def error(self, problem: RenderError) -> RenderError:
        """`problem` located at this diagram's design file."""
        if self.source:
            return RenderError(f"{self.source}: error: {problem}")
        return RenderError(f"design {self.name}: {problem}")


@dataclass
class BatchResult:
    files: dict[str, dict[str, Path]] = field(default_factory=dict)  # name -> format -> file
    rendered: int = 0
    cached: int = 0


def diagram_key(dot: str, fmt: str, options: RenderOptions, renderer: str) -> str:
    """The cache key of one format of a diagram: the DOT text, the format, the renderer
    (post-processing, Graphviz, icons) and, for PNG, the dpi (SVG and PDF are drawn at 72
    dpi whatever it is, graphviz.py)."""
    dpi = str(options.dpi) if fmt == "png" else "any"
    return content_key("diagram", renderer, fmt, dpi, dot)


class Renderer:
    """Renders diagrams into memory (and the cache) as they are `add`ed; writes nothing else.

    Cached diagrams are only read. The others wait in a queue, largest first, for one of
    `workers` render threads. `outputs()` waits for them all. Leaving the `with` block
    early (a design failed to load) drops the diagrams that have not started; leaving it by
    SIGTERM or Ctrl-C also kills the `dot` processes running. Raises RenderError at once when
    Graphviz is missing or `FLOWDOCS_DOT_TIMEOUT` is not a number of seconds.
    """

    def __init__(self, options: RenderOptions, cache: Cache | None = None,
                 workers: int | None = None, progress: Progress | None = None,
                 total: int = 0) -> None:
        self.options, self.cache, self.progress, self.total = (options.with_timeout(), cache,
                                                               progress, total)
        self.renderer = renderer_id()
        self._processes = DotProcesses()
        self.result = BatchResult()
        self._outputs: dict[str, dict[str, bytes]] = {}
        self._dots: dict[str, str] = {}
        self._waiting: list[tuple[int, int, Job]] = []
        self._order = itertools.count()
        self._lock = threading.Lock()
        self._running: list[Future[None]] = []
        self._pool = ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1)

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if error is not None and not isinstance(error, Exception):
            self.stop()  # SIGTERM (SystemExit), Ctrl-C (KeyboardInterrupt)
        self.close()

    def close(self) -> None:
        """Stop: diagrams that have not started are dropped; running ones finish."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def stop(self) -> None:
        """Stop now: the running `dot` processes are killed, the other diagrams dropped."""
        self._processes.stop()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def add(self, job: Job) -> None:
        """Render `job` soon, unless the cache has it."""
        self._dots[job.name] = job.dot
        found = self._recall(job.dot)
        with self._lock:
            if found is not None:
                self._outputs[job.name] = found
                self.result.cached += 1
                self._tick()
                return
            heapq.heappush(self._waiting, (-len(job.dot), next(self._order), job))
        self._running.append(self._pool.submit(self._render_largest))

    def outputs(self) -> dict[str, dict[str, bytes]]:
        """Every added diagram's outputs (name -> format -> bytes), once all are rendered
        (call it once every diagram is added: the render threads then end); raises the
        first render's RenderError."""
        for future in self._running:
            future.result()
        self._pool.shutdown()
        return self._outputs

    def cached_files(self) -> dict[str, Path]:
        """Every added diagram's cache entry (name -> file), once all are rendered: the
        site links them instead of copying (one format only)."""
        if self.cache is None or len(self.options.formats) != 1:
            raise ValueError("cached_files needs a cache and one format")
        self.outputs()
        (fmt,) = self.options.formats
        return {name: self.cache.path("diagram", self.key(dot, fmt))
                for name, dot in self._dots.items()}

    def key(self, dot: str, fmt: str) -> str:
        return diagram_key(dot, fmt, self.options, self.renderer)

    def _recall(self, dot: str) -> dict[str, bytes] | None:
        if self.cache is None:
            return None
        found: dict[str, bytes] = {}
        for fmt in self.options.formats:
            data = self.cache.read("diagram", self.key(dot, fmt))
            if data is None or not looks_rendered(fmt, data):
                self.cache.count(hit=False)
                return None
            found[fmt] = data
        self.cache.count(hit=True)
        return found

    def _render_largest(self) -> None:
        with self._lock:
            _, _, job = heapq.heappop(self._waiting)
        try:
            outputs = render_dot(job.dot, self.options, self._processes, job.name)
        except RenderError as error:
            raise job.error(error) from None
        if self.cache is not None:
            for fmt, data in outputs.items():
                self.cache.write("diagram", self.key(job.dot, fmt), data)
        with self._lock:
            self._outputs[job.name] = outputs
            self.result.rendered += 1
            self._tick()

    def _tick(self) -> None:
        if self.progress is not None:
            self.progress(self.result.rendered + self.result.cached, self.total)


def render_batch(jobs: Sequence[Job], out_dir: Path, options: RenderOptions,
                 cache: Cache | None = None, workers: int | None = None,
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
    """`result` with each diagram written to `out_dir` as `<name>.<fmt>`, in `names`' order.
    A name that could leave `out_dir` is refused: names come from design files."""
    for name in names:
        if not is_safe_name(name):
            raise ValueError(f"not a design name: {name!r}")
        result.files[name] = {}
        for fmt, data in outputs[name].items():
            if fmt not in FORMATS:
                raise ValueError(f"not a format: {fmt!r}")
            path = Path(out_dir) / f"{name}.{fmt}"
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
