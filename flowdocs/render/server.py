"""Render servers (libgv/__main__.py): one process per core, each forking a child per diagram.

`render_with_library` takes an idle server, or starts one (they start in parallel, as the
batch's threads first ask for them); servers end when flowdocs does. `library_usable` says
whether this machine can run them: Linux (fork, memfd) with Graphviz's C library, and no
server has failed to start in this process (a Graphviz without its gd or cairo plugins, say).
Elsewhere render.py runs one `dot` per diagram instead.
"""

from __future__ import annotations

import atexit
import ctypes
import functools
import json
import os
import queue
import struct
import subprocess
import sys
import threading
from pathlib import Path

from flowdocs.render.icons import ICON_CLASSES, icon_path, icon_root

SERVER = Path(__file__).resolve().parent / "libgv"
READY = b"ready\n"


class ServerError(Exception):
    """A render server failed: it could not start, or a diagram could not be rendered."""


class ServerStartError(ServerError):
    """No render server can start here; the `dot` command can still render."""


_start_failures: list[str] = []  # why a server could not start, once one could not


def library_usable() -> bool:
    return not _start_failures and _library_present()


@functools.cache
def _library_present() -> bool:
    if sys.platform != "linux" or not hasattr(os, "memfd_create"):
        return False
    try:
        for soname in ("libgvc.so.6", "libcgraph.so.6", "libcairo.so.2"):
            ctypes.CDLL(soname)
    except OSError:
        return False
    return True


class RenderServer:
    """One server process; `render` is not thread-safe (the pool hands it to one thread)."""

    def __init__(self, environment: dict[str, str] | None = None) -> None:
        icons = sorted({icon_path(key) for key in ICON_CLASSES})
        self.process = subprocess.Popen(
            [sys.executable, "-E", "-s", str(SERVER), *icons], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=icon_root(),
            env={**(os.environ if environment is None else environment), "LC_ALL": "C.UTF-8"})
        if self.process.stdout is None or self.process.stdout.readline() != READY:
            raise ServerStartError(f"the render server did not start: {self._stderr()}")

    def render(self, dot: str, formats: tuple[str, ...], dpi: int) -> dict[str, bytes]:
        assert self.process.stdin is not None and self.process.stdout is not None
        header = json.dumps({"formats": list(formats), "dpi": dpi}).encode()
        text = dot.encode("utf-8")
        try:
            self.process.stdin.write(struct.pack(">II", len(header), len(text)) + header + text)
            self.process.stdin.flush()
            (length,) = struct.unpack(">I", self._read(4))
            reply = json.loads(self._read(length))
        except (OSError, struct.error, ValueError):
            raise ServerError(f"the render server stopped: {self._stderr()}") from None
        if "error" in reply:
            raise ServerError(reply["error"])
        return {fmt: self._read(reply["sizes"][fmt]) for fmt in formats}

    def _read(self, length: int) -> bytes:
        assert self.process.stdout is not None
        data = self.process.stdout.read(length)
        if len(data) != length:
            raise OSError("short read")
        return data

    def _stderr(self) -> str:
        self.close()
        assert self.process.stderr is not None
        return self.process.stderr.read().decode("utf-8", "replace").strip() or "no message"

    def close(self) -> None:
        if self.process.stdin is not None and not self.process.stdin.closed:
            self.process.stdin.close()
        self.process.wait()


# Idle servers; None stands for a server that failed to start in the background.
_idle: queue.SimpleQueue[RenderServer | None] = queue.SimpleQueue()
_started: list[RenderServer] = []
_lock = threading.Lock()
_pending = [0]  # servers starting in the background


def prestart(count: int) -> None:
    """Starts `count` servers in the background, unless servers exist: a batch calls it
    before loading its designs, so that the servers warm up meanwhile."""
    with _lock:
        if _started or _pending[0] or not library_usable():
            return
        _pending[0] = count
    for _ in range(count):
        threading.Thread(target=_start_in_background, daemon=True).start()


def _start_in_background() -> None:
    try:
        server: RenderServer | None = _start()
    except ServerStartError:
        server = None
    with _lock:
        _pending[0] -= 1
    _idle.put(server)


def _start() -> RenderServer:
    try:
        server = RenderServer()
    except ServerStartError as error:
        _start_failures.append(str(error))
        raise
    _started.append(server)
    return server


def _take() -> RenderServer:
    """An idle server; else one starting in the background; else a new one."""
    with _lock:
        wait = _pending[0] > 0
    try:
        server = _idle.get() if wait else _idle.get_nowait()
    except queue.Empty:
        return _start()
    if server is None:
        raise ServerStartError(_start_failures[-1])
    return server


def render_with_library(dot: str, formats: tuple[str, ...], dpi: int) -> dict[str, bytes]:
    """One diagram rendered by an idle server (a new one if none is idle)."""
    server = _take()
    try:
        outputs = server.render(dot, formats, dpi)
    except ServerError:
        if server.process.poll() is None:
            _idle.put(server)  # a diagram failed; the server is fine
        raise
    _idle.put(server)
    return outputs


@atexit.register
def _stop_servers() -> None:
    for server in _started:
        server.close()
