"""The render server: `python -E -s flowdocs/diagram/libgv ICON...`, run in the icons' folder.

Why a fork server. Graphviz 2.43 lays a graph out differently after it has laid out others in
the same process (it orders clusters by the heap addresses of their names), so byte-identical
diagrams need a fresh layout state per diagram. A new `dot` process per diagram gives one, but
pays Graphviz's start-up, the fonts and the icons every time. This server pays them once and
forks a child per diagram from that fixed state; the child draws in a new thread, which glibc
gives a fresh heap arena, so the layout sees the same memory whatever the server did before.

What is warmed before forking is chosen so that it cannot change a layout: the plugin
configuration, fontconfig and the icons (decoded by a graph of images with no text). Text is
not laid out in the server: Graphviz's text layout keeps state that made layouts depend on
the server's past. Tests render in different orders and servers and compare the bytes.

Protocol, on standard input and output: a request is `>II` (header length, DOT length), a
JSON header {"formats": [...], "dpi": N} and the DOT bytes; the reply is `>I` (header length),
a JSON header {"sizes": {format: length}} or {"error": message}, and the outputs in order.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import struct
import sys
import threading
from typing import BinaryIO

from graphviz_c import Graphviz, GraphvizError
from png_encoder import encode_argb32

FONTCONFIG = "libfontconfig.so.1"


def main(icons: list[str]) -> int:
    graphviz = Graphviz()
    messages = os.dup(2)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)  # the image device's warning, see graphviz_c
    try:
        _warm_up(graphviz, icons)
    finally:
        os.dup2(messages, 2)  # a failure's traceback is the client's error message
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    replies.write(b"ready\n")
    replies.flush()
    while True:
        request = _read_request(requests)
        if request is None:
            return 0
        header, dot = request
        replies.write(_render_in_child(graphviz, dot, header["formats"], header["dpi"]))
        replies.flush()


def _warm_up(graphviz: Graphviz, icons: list[str]) -> None:
    with contextlib.suppress(OSError):  # without it, fontconfig starts with the first text
        ctypes.CDLL(FONTCONFIG).FcInit()
    nodes = "".join(f'i{n} [image="{icon}"];' for n, icon in enumerate(icons))
    graph = graphviz.layout(f'digraph {{ node [shape=none label="" width=0 height=0 margin=0]; '
                            f'{nodes} }}'.encode(), 96)
    graphviz.pixels(graph, graphviz.render(graph, "svg"))


def _read_request(stream: BinaryIO) -> tuple[dict, bytes] | None:
    head = stream.read(8)
    if len(head) < 8:
        return None
    header_length, dot_length = struct.unpack(">II", head)
    header = json.loads(stream.read(header_length))
    return header, stream.read(dot_length)


def _render_in_child(graphviz: Graphviz, dot: bytes, formats: list[str], dpi: int) -> bytes:
    """The reply for one diagram, rendered by a forked child."""
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # the child: render, send, and leave without running any cleanup
        os.close(read_end)
        try:
            reply = _render_in_new_thread(graphviz, dot, formats, dpi)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(reply)
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        reply = pipe.read()
    _, status = os.waitpid(child, 0)
    if not reply:
        reason = (f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
                  else f"status {os.waitstatus_to_exitcode(status)}")
        return _reply({"error": f"the render process ended with {reason}"}, [])
    return reply


def _render_in_new_thread(graphviz: Graphviz, dot: bytes, formats: list[str], dpi: int
                          ) -> bytes:
    errors = os.memfd_create("graphviz-messages")
    os.dup2(errors, 2)  # Graphviz's messages, kept for an error reply
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # nothing may reach the reply stream
    result: dict[str, bytes] = {}

    def render() -> None:
        try:
            graph = graphviz.layout(dot, dpi)
            svg = graphviz.render(graph, "svg")
            for fmt in formats:
                if fmt == "png":
                    result[fmt] = encode_argb32(*graphviz.pixels(graph, svg))
                else:
                    result[fmt] = svg if fmt == "svg" else graphviz.render(graph, fmt)
        except GraphvizError as error:
            result.clear()
            result["error"] = str(error).encode()

    thread = threading.Thread(target=render)
    thread.start()
    thread.join()
    if "error" in result or len(result) != len(formats):
        os.lseek(errors, 0, os.SEEK_SET)
        messages = os.read(errors, 65536).decode("utf-8", "replace").strip()
        problem = result.get("error", b"the render failed").decode()
        return _reply({"error": f"{problem}: {messages}" if messages else problem}, [])
    return _reply({"sizes": {fmt: len(result[fmt]) for fmt in formats}},
                  [result[fmt] for fmt in formats])


def _reply(header: dict, outputs: list[bytes]) -> bytes:
    encoded = json.dumps(header).encode()
    return struct.pack(">I", len(encoded)) + encoded + b"".join(outputs)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
