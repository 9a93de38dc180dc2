"""Worker processes for the CPU-bound stages: loading, resolving and drawing designs, and
writing their pages. Rendering needs no process of ours: a thread waits on each `dot`.

A pool starts only when there is more than one task, more than one core, and enough work
to pay for starting it (`WORTH_A_POOL`); otherwise the tasks run here, in order, which is
also what a `mkdocs serve` rebuild of one changed design needs.

On Linux the workers are forked, with the modules they need imported first, so they start
at once, unless this process already runs threads (`mkdocs serve` does, and so does a
render under way): forking a threaded process can copy a lock that some thread holds, so
the workers then come from a fork server, a clean process that imported those modules.

A `FlowdocsError` raised in a worker reaches the caller as itself, message, class and
attributes (a `TemplateProblem` stays one); exceptions do not pickle by default when their
constructor takes other arguments than their message.

Stopping: leaving a `Workers` block by SIGTERM or Ctrl-C (anything but an `Exception`) kills
the worker processes rather than waiting for their tasks; `sigterm_exits` turns SIGTERM into
such an exit (Python's default ends the process at once, leaving its children running). The
workers themselves leave both signals to this process, which ends them.
"""

from __future__ import annotations

import importlib
import io
import multiprocessing
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from types import FrameType, TracebackType
from typing import Any, TypeVar

from flowdocs.errors import FlowdocsError

# Bytes of design files to work on before worker processes pay: starting them costs a few
# tenths of a second (importing the pipeline), and a design costs about 10 s per MB.
WORTH_A_POOL = 64 * 1024

A = TypeVar("A")
R = TypeVar("R")


class Workers:
    """Runs a function over many arguments in up to `count` processes (one per core by
    default); `preload` names the modules the function needs, imported once before forking."""

    def __init__(self, count: int | None = None, preload: Sequence[str] = ()) -> None:
        self.count = max(1, count or os.cpu_count() or 1)
        self.preload = tuple(preload)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if error is not None and not isinstance(error, Exception):
            self.stop()  # SIGTERM (SystemExit), Ctrl-C (KeyboardInterrupt)
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def stop(self) -> None:
        """End the worker processes now, their tasks unfinished."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        kill_workers = getattr(pool, "kill_workers", None)  # Python 3.14
        if kill_workers is not None:
            kill_workers()
        else:
            for process in list(getattr(pool, "_processes", {}).values()):
                process.kill()
        pool.shutdown(wait=True, cancel_futures=True)

    def start(self, tasks: int, size: int | None = None) -> None:
        """Start the pool now if `tasks` tasks on design files of `size` bytes in all (None:
        much) need it: before any thread of ours exists, the workers can be forked."""
        worth = size is None or size >= WORTH_A_POOL
        if self._pool is None and tasks > 1 and self.count > 1 and worth:
            self._pool = _new_pool(self.count, self.preload)

    def run(self, function: Callable[[A], R], arguments: Sequence[A], size: int | None = None,
            limit: int | None = None) -> Iterator[tuple[int, R]]:
        """(index, result) for every argument, as results arrive: in worker processes when
        there are several, here otherwise, started in the arguments' order; with `limit`, at
        most that many are given to the workers at a time. A FlowdocsError in any call is raised
        here; the calls not started yet are then dropped. `size` is as for `start`."""
        self.start(len(arguments), size)
        pool = self._pool
        if pool is None:
            for index, argument in enumerate(arguments):
                yield index, function(argument)
            return
        waiting = iter(enumerate(arguments))
        running: dict[Future[tuple[bool, Any]], int] = {}

        def start_next() -> None:
            for index, argument in waiting:
                running[pool.submit(_call, function, argument)] = index
                return

        for _ in range(max(1, limit or len(arguments))):
            start_next()
        try:
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    index = running.pop(future)
                    ok, value = future.result()
                    if not ok:
                        raise pickle.loads(value)
                    start_next()
                    yield index, value
        finally:
            for future in running:
                future.cancel()


def _new_pool(count: int, preload: tuple[str, ...]) -> ProcessPoolExecutor:
    method = _start_method()
    context = multiprocessing.get_context(method)
    if method == "fork":
        for module in preload:
            importlib.import_module(module)
    elif method == "forkserver":
        context.set_forkserver_preload(list(preload))
    pool = ProcessPoolExecutor(count, mp_context=context, initializer=_leave_signals_to_parent)
    # With `fork`, the first task starts every worker at once, so none is forked later
    # from this process once it runs threads.
    pool.submit(int).result()
    return pool


def _leave_signals_to_parent() -> None:
    """In a worker: SIGTERM ends it at once (a forked worker inherits `sigterm_exits`'s
    handler, which would only end its task), and Ctrl-C, which the terminal sends to every
    process of the group, is left to the parent, which ends the workers."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def sigterm_exits() -> Iterator[None]:
    """Within the block, SIGTERM raises SystemExit(143) in the main thread, so that the
    `with` blocks of `Workers` and `Renderer` end their processes on the way out. A second
    SIGTERM while they end is ignored. Elsewhere than in the main thread, nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def exit_now(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, exit_now)
    try:
        yield
    finally:
        # None: a handler set outside Python, which cannot be restored; the default then.
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


def _start_method() -> str | None:
    methods = multiprocessing.get_all_start_methods()
    if sys.platform == "linux" and "fork" in methods and threading.active_count() == 1:
        return "fork"
    if "forkserver" in methods:
        return "forkserver"
    return None  # the platform's default: spawn


def _call(function: Callable[[A], R], argument: A) -> tuple[bool, Any]:
    """In a worker: the result, or the FlowdocsError pickled so that it unpickles as itself."""
    try:
        return True, function(argument)
    except FlowdocsError as error:
        buffer = io.BytesIO()
        _ErrorPickler(buffer).dump(error)
        return False, buffer.getvalue()


class _ErrorPickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, FlowdocsError):
            return _rebuild, (type(obj), obj.args, obj.__dict__)
        return NotImplemented


def _rebuild(kind: type[FlowdocsError], args: tuple[Any, ...],
             state: dict[str, Any]) -> FlowdocsError:
    """An error as it was, without calling its constructor (which may want other arguments)."""
    error = kind.__new__(kind)
    error.args = args
    error.__dict__.update(state)
    return error
