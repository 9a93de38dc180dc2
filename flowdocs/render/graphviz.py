"""DOT text to SVG, PNG and PDF with Graphviz's `dot`, byte-identical from run to run.

Every diagram gets fresh `dot` processes that read the DOT text on standard input. A fresh
process is what makes the output deterministic: Graphviz 2.43 orders clusters by the heap
addresses of their interned names, so a process that has laid out other graphs first can lay
out the same graph differently (and so two fresh processes lay it out alike). `dot` runs in
the icons' folder (the DOT text names each icon by its relative path) with `LC_ALL=C.UTF-8`,
so neither the working folder nor the user's locale reaches the output.

The vector formats, SVG and PDF, come from one `dot` run at 72 dpi, so that a PDF's page does
not grow with `--dpi`. A PNG comes from a second run at its dpi, once the first has told its
size: a bitmap larger than cairo can hold (32,767 pixels a side) is refused with the dpi that
fits, before Graphviz tries to draw it. Each run has a timeout (`FLOWDOCS_DOT_TIMEOUT`), and
the processes are tracked (`DotProcesses`), so that a stopped render leaves none behind.

Afterwards each output is made deterministic and self-contained:

- SVG: the icons are inlined as `data:` URIs (an SVG inside `<img>` may load nothing else),
  comments (they carry the Graphviz version) are dropped, and the size is given in points
  whatever the dpi, so the SVG does not depend on the PNG's resolution.
- PNG: ancillary text and time chunks are dropped, should a Graphviz build write any.
- PDF: cairo stamps the creation time; it is replaced by a fixed one of the same length, so
  the cross-reference offsets stay valid.
"""

from __future__ import annotations

import functools
import math
import os
import re
import shutil
import struct
import subprocess
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flowdocs.errors import FlowdocsError

FORMATS = ("png", "svg", "pdf")
# Bumped whenever post-processing changes what a render produces (part of the cache key).
POSTPROCESS_VERSION = "4"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_VOLATILE = {b"tIME", b"tEXt", b"zTXt", b"iTXt"}
_SVG_COMMENT = re.compile(r"<!--.*?-->\n?", re.DOTALL)
_SVG_HREF = re.compile(r'xlink:href="([^"]+)"')
_SVG_SIZE = re.compile(r'<svg width="[\d.]+pt" height="[\d.]+pt"\n'
                       r' viewBox="0\.00 0\.00 ([\d.]+) ([\d.]+)"')
_SVG_VIEWBOX = re.compile(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"')
_SVG_SCALE = re.compile(r'(class="graph" transform=")scale\([\d.]+ [\d.]+\)')
_PDF_DATE = re.compile(rb"/CreationDate \(D:(\d{14})Z\)")
FIXED_PDF_DATE = b"20000101000000"
# SVG and PDF are vector: drawn at 72 dpi, where a pixel is a point, their size never
# depends on the PNG's resolution.
VECTOR_DPI = 72
MIN_DPI, MAX_DPI = 36, 600
# The largest bitmap cairo draws, per side: Graphviz scales a larger PNG down, or fails.
MAX_PNG_SIDE = 32767
TIMEOUT_VARIABLE = "FLOWDOCS_DOT_TIMEOUT"
DEFAULT_TIMEOUT = 120.0  # seconds per `dot` run: a large estate takes a few
NO_DOT = ("Graphviz's `dot` was not found on PATH; install Graphviz (`make system-deps` does "
          "it on Debian and Ubuntu)")


class RenderError(FlowdocsError):
    """Graphviz is missing, or failed on a DOT text (a flowdocs bug, or a broken install)."""


@dataclass(frozen=True)
class RenderOptions:
    """The formats to render, each from the same layout, the PNG's resolution, and how long
    a `dot` run may take, in seconds (None: `FLOWDOCS_DOT_TIMEOUT`, else 120)."""

    formats: tuple[str, ...] = ("svg",)
    dpi: int = 96
    timeout: float | None = None

    def __post_init__(self) -> None:
        unknown = [f for f in self.formats if f not in FORMATS]
        if unknown or not self.formats:
            raise ValueError(f"expected formats among {list(FORMATS)}, found {list(self.formats)}")
        if not MIN_DPI <= self.dpi <= MAX_DPI:
            raise ValueError(f"expected a dpi between {MIN_DPI} and {MAX_DPI}, found {self.dpi}")
        if self.timeout is not None and not (math.isfinite(self.timeout) and self.timeout > 0):
            raise ValueError(f"expected a timeout above 0 seconds, found {self.timeout}")

    def with_timeout(self) -> RenderOptions:
        """These options with their timeout decided (from the environment when not given):
        a bad `FLOWDOCS_DOT_TIMEOUT` is reported before anything renders."""
        if self.timeout is not None:
            return self
        return RenderOptions(self.formats, self.dpi, dot_timeout())


def dot_timeout(environ: Mapping[str, str] = os.environ) -> float:
    """Seconds a `dot` run may take: `FLOWDOCS_DOT_TIMEOUT`, else 120."""
    value = environ.get(TIMEOUT_VARIABLE, "").strip()
    if not value:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise RenderError(f"{TIMEOUT_VARIABLE} must be a number of seconds above 0, "
                          f"found {value!r}")
    return seconds


class DotProcesses:
    """The `dot` processes of one renderer: `stop` kills those running and refuses new ones,
    so that a render stopped by SIGTERM or Ctrl-C leaves no process behind."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[bytes]] = set()
        self.stopped = False

    def start(self, command: list[str]) -> subprocess.Popen[bytes]:
        """`command` started in the icons' folder, pipes on all three streams."""
        from flowdocs.render.icons import icon_root

        with self._lock:  # so that `stop` never misses a process being started
            if self.stopped:
                raise RenderError("the render was stopped")
            try:
                process = subprocess.Popen(
                    command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE, cwd=icon_root(),
                    env={**os.environ, "LC_ALL": "C.UTF-8"})
            except OSError as error:
                raise RenderError(f"cannot run {command[0]}: {error.strerror or error}") \
                    from None
            self._running.add(process)
        return process

    def finished(self, process: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._running.discard(process)

    def stop(self) -> None:
        with self._lock:
            self.stopped = True
            for process in self._running:
                process.kill()


def dot_executable() -> str:
    """The `dot` on PATH, looked up on every call: PATH may change within a process."""
    found = shutil.which("dot")
    if found is None:
        raise RenderError(NO_DOT)
    return found


def dot_version() -> str:
    """`dot -V`: another Graphviz lays out differently, so it is part of the cache key."""
    return _version_of(dot_executable())


@functools.cache
def _version_of(executable: str) -> str:
    try:
        run = subprocess.run([executable, "-V"], capture_output=True, check=False)
    except OSError as error:
        raise RenderError(f"cannot run {executable}: {error.strerror or error}") from None
    if run.returncode != 0:
        raise RenderError(f"`{executable} -V` failed: {_one_line(run.stderr)}")
    return run.stderr.decode("utf-8", "replace").strip()


def renderer_id() -> str:
    """What the bytes of a render depend on besides the DOT text, the format and the dpi:
    flowdocs' post-processing, the Graphviz version and the icons (part of the cache key)."""
    from flowdocs.render.icons import icons_digest

    return f"{POSTPROCESS_VERSION}:{dot_version()}:{icons_digest()}"


def dot_command(formats: Sequence[str], dpi: int, executable: str = "dot") -> list[str]:
    """`dot` with every format of one run: one layout serves them all."""
    return [executable, f"-Gdpi={dpi}", *(f"-T{fmt}" for fmt in formats)]


def render_dot(text: str, options: RenderOptions, processes: DotProcesses | None = None,
               name: str = "the diagram") -> dict[str, bytes]:
    """One DOT text rendered by fresh `dot` processes in every format of `options`,
    post-processed: SVG and PDF at 72 dpi, PNG at the options' dpi. Raises RenderError, with
    dot's own message, when it fails, takes too long or would draw too large a PNG; `name`
    is the diagram in messages."""
    processes = processes if processes is not None else DotProcesses()
    options = options.with_timeout()
    vector = [fmt for fmt in options.formats if fmt != "png"]
    # The PNG's size is known from a vector run: its SVG, drawn for that alone if need be.
    drawn = vector if "svg" in vector or "png" not in options.formats else ["svg", *vector]
    outputs = _run_dot(text, drawn, VECTOR_DPI, options, processes, name)
    finished = {fmt: finish(fmt, outputs[fmt]) for fmt in vector}
    if "png" in options.formats:
        check_png_size(svg_points(outputs["svg"]), options.dpi)
        finished["png"] = finish("png", _run_dot(text, ["png"], options.dpi, options,
                                                 processes, name)["png"])
    return {fmt: finished[fmt] for fmt in options.formats}


def _run_dot(text: str, formats: list[str], dpi: int, options: RenderOptions,
             processes: DotProcesses, name: str) -> dict[str, bytes]:
    """One `dot` run: its outputs, by format."""
    timeout = options.timeout if options.timeout is not None else dot_timeout()
    process = processes.start(dot_command(formats, dpi, dot_executable()))
    try:
        stdout, stderr = process.communicate(text.encode("utf-8"), timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RenderError(f"dot did not finish drawing {name} within {timeout:g} s; "
                          f"allow it longer with {TIMEOUT_VARIABLE}=SECONDS") from None
    finally:
        if process.returncode is None:  # timed out, or this thread was interrupted
            process.kill()
            process.communicate()
        processes.finished(process)
    if processes.stopped:
        raise RenderError("the render was stopped")
    if process.returncode != 0:
        raise RenderError(f"dot failed (exit status {process.returncode}): "
                          f"{_one_line(stderr) or 'no message'}")
    outputs = split_outputs(stdout)
    if sorted(outputs) != sorted(formats):
        raise RenderError(f"dot wrote {sorted(outputs)}, expected {formats}")
    return outputs


def svg_points(svg: bytes) -> tuple[float, float]:
    """An SVG's width and height in points, from its viewBox."""
    match = _SVG_VIEWBOX.search(svg[:2000].decode("utf-8", "replace"))
    if match is None:
        raise RenderError("cannot read the size of dot's SVG")
    width, height = (float(g) for g in match.groups())
    return width, height


def png_pixels(points: tuple[float, float], dpi: int) -> tuple[int, int]:
    """The PNG's size at `dpi`, as Graphviz rounds it."""
    width, height = points
    return round(width * dpi / VECTOR_DPI), round(height * dpi / VECTOR_DPI)


def check_png_size(points: tuple[float, float], dpi: int) -> None:
    """Raises RenderError when the PNG would be larger than a bitmap can be, naming the size
    and the largest dpi that fits (Graphviz would shrink it silently, or fail)."""
    width, height = png_pixels(points, dpi)
    if max(width, height) <= MAX_PNG_SIDE:
        return
    fits = math.floor(MAX_PNG_SIDE * VECTOR_DPI / max(points))
    while fits >= MIN_DPI and max(png_pixels(points, fits)) > MAX_PNG_SIDE:
        fits -= 1
    advice = (f"use --dpi {fits} or less" if fits >= MIN_DPI
              else "render it as SVG or PDF (--format svg,pdf), which have no such limit")
    raise RenderError(f"the diagram is {width:,} x {height:,} pixels at {dpi} dpi; the most a "
                      f"PNG can hold is {MAX_PNG_SIDE:,} per side: {advice}")


def _one_line(message: bytes) -> str:
    """dot's standard error on one line: an error is shown as one `flowdocs: error:` line."""
    return "; ".join(line.strip() for line in message.decode("utf-8", "replace").splitlines()
                     if line.strip())


def split_outputs(data: bytes) -> dict[str, bytes]:
    """dot's standard output with several -T formats, cut into one document per format."""
    outputs: dict[str, bytes] = {}
    offset = 0
    try:
        while offset < len(data):
            if data.startswith(PNG_SIGNATURE, offset):
                end = offset + len(PNG_SIGNATURE)
                while data[end + 4:end + 8] != b"IEND":
                    if end + 8 > len(data):
                        raise ValueError("a PNG without its end")
                    end += 12 + struct.unpack(">I", data[end:end + 4])[0]
                fmt, end = "png", end + 12
            elif data.startswith(b"%PDF", offset):
                fmt, end = "pdf", data.index(b"%%EOF\n", offset) + 6
            elif data.startswith(b"<?xml", offset):
                fmt, end = "svg", data.index(b"</svg>\n", offset) + 7
            else:
                raise ValueError(f"unexpected bytes at {offset}")
            outputs[fmt], offset = data[offset:end], end
    except (ValueError, struct.error) as error:
        raise RenderError(f"cannot read dot's output: {error}") from None
    return outputs


def finish(fmt: str, data: bytes) -> bytes:
    """An output made deterministic and self-contained (see the module docstring)."""
    if fmt == "svg":
        return finish_svg(data.decode("utf-8")).encode("utf-8")
    if fmt == "png":
        return finish_png(data)
    return _PDF_DATE.sub(b"/CreationDate (D:" + FIXED_PDF_DATE + b"Z)", data)


def finish_svg(svg: str) -> str:
    """The SVG without comments, with its icons inlined, drawn at scale 1 and sized in points.

    Only flowdocs' own icons are inlined, by the exact relative path the DOT text gives
    them: any other reference (`../../etc/passwd`, an absolute path, a file beside the
    icons) is refused, so no other file can end up in a diagram."""
    from flowdocs.render.icons import icon_data_uri, packaged_icon

    svg = _SVG_COMMENT.sub("", svg)

    def inline(match: re.Match[str]) -> str:
        href = match.group(1)
        if href.startswith("data:"):
            return match.group(0)
        if packaged_icon(href) is not None:
            return f'xlink:href="{icon_data_uri(href)}"'
        raise RenderError(f"SVG refers to a file that is not one of flowdocs' icons: {href}")

    svg = _SVG_HREF.sub(inline, svg)

    # Graphviz 2.43 scales an SVG's drawing by dpi/72 but not its viewBox, which crops it.
    # An SVG has no resolution: draw it at scale 1 and size it in points, as at 72 dpi.
    svg = _SVG_SCALE.sub(r"\1scale(1 1)", svg, count=1)

    def points(match: re.Match[str]) -> str:
        width, height = (float(g) for g in match.groups())
        return (f'<svg width="{width:.0f}pt" height="{height:.0f}pt"\n'
                f' viewBox="0.00 0.00 {match.group(1)} {match.group(2)}"')

    return _SVG_SIZE.sub(points, svg, count=1)


def finish_png(data: bytes) -> bytes:
    """The PNG without its text and time chunks."""
    if not data.startswith(PNG_SIGNATURE):
        raise RenderError("Graphviz wrote something that is not a PNG")
    out, offset = [PNG_SIGNATURE], len(PNG_SIGNATURE)
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        chunk = data[offset:offset + 12 + length]
        if chunk[4:8] not in _PNG_VOLATILE:
            out.append(chunk)
        offset += 12 + length
    return b"".join(out)


def looks_rendered(fmt: str, data: bytes) -> bool:
    """Whether `data` starts and ends as a finished output of `fmt` does (a cache entry
    that does not is corrupt)."""
    if fmt == "svg":
        return data.startswith(b"<?xml") and data.rstrip().endswith(b"</svg>")
    if fmt == "png":
        return data.startswith(PNG_SIGNATURE) and data[-8:-4] == b"IEND"
    return data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height in pixels, from the IHDR chunk."""
    if not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    return width, height
