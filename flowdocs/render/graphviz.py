"""DOT text to PNG, SVG and PDF with Graphviz, byte-identical from run to run.

Two engines, one layout per diagram in a fresh Graphviz state (see libgv/__main__.py):

- `library` (Linux with Graphviz's C library): render servers that fork a child per diagram
  and write PNGs with `libgv/png_encoder.py`, about twice as fast as `dot -Tpng`.
- `dot`: a new `dot` process per diagram, reading stdin; used elsewhere, or when
  `FLOWDOCS_RENDER_ENGINE=dot` asks for it.

Both draw the same pixels; their PNG bytes differ, so the engine is part of the cache key.
Graphviz runs in the icons' folder, so the DOT text names each icon by its relative path.
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
import os
import re
import struct
import subprocess
import sys
from dataclasses import dataclass

from flowdocs.errors import FlowdocsError
from flowdocs.render.icons import icon_data_uri, icon_root
from flowdocs.render.server import (
    ServerError,
    ServerStartError,
    library_usable,
    render_with_library,
)

FORMATS = ("png", "svg", "pdf")
ENGINES = ("library", "dot")
ENGINE_VARIABLE = "FLOWDOCS_RENDER_ENGINE"
# Bumped whenever post-processing changes what a render produces (part of the cache key).
POSTPROCESS_VERSION = "2"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_VOLATILE = {b"tIME", b"tEXt", b"zTXt", b"iTXt"}
_SVG_COMMENT = re.compile(r"<!--.*?-->\n?", re.DOTALL)
_SVG_HREF = re.compile(r'xlink:href="([^"]+)"')
_SVG_SIZE = re.compile(r'<svg width="[\d.]+pt" height="[\d.]+pt"\n'
                       r' viewBox="0\.00 0\.00 ([\d.]+) ([\d.]+)"')
_SVG_SCALE = re.compile(r'(class="graph" transform=")scale\([\d.]+ [\d.]+\)')
_PDF_DATE = re.compile(rb"/CreationDate \(D:(\d{14})Z\)")
FIXED_PDF_DATE = b"20000101000000"


class RenderError(FlowdocsError):
    """Graphviz failed on a DOT text: a flowdocs bug, or a broken Graphviz install."""


@dataclass(frozen=True)
class RenderOptions:
    formats: tuple[str, ...] = ("png", "svg")
    dpi: int = 96

    def __post_init__(self) -> None:
        unknown = [f for f in self.formats if f not in FORMATS]
        if unknown or not self.formats:
            raise ValueError(f"expected formats among {list(FORMATS)}, found {list(self.formats)}")
        if not 36 <= self.dpi <= 600:
            raise ValueError(f"expected a dpi between 36 and 600, found {self.dpi}")


@functools.cache
def dot_version() -> str:
    """`dot -V`, part of the cache key: another Graphviz lays out differently."""
    try:
        run = subprocess.run(["dot", "-V"], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise RenderError("Graphviz `dot` was not found on PATH; run `make system-deps`") from None
    return run.stderr.strip()


def engine() -> str:
    """The engine this run renders with: `library` where it can run, unless the environment
    asks for `dot`."""
    wanted = os.environ.get(ENGINE_VARIABLE, "")
    if wanted not in ("", *ENGINES):
        raise RenderError(f"{ENGINE_VARIABLE} must be one of {', '.join(ENGINES)}, "
                          f"found {wanted!r}")
    return "library" if wanted != "dot" and library_usable() else "dot"


def renderer_id() -> str:
    """What the bytes of a render depend on besides the DOT text (part of the cache keys)."""
    return f"{POSTPROCESS_VERSION}:{engine()}:{dot_version()}"


def dot_command(options: RenderOptions) -> list[str]:
    """`dot` with every requested format: one layout serves them all."""
    return ["dot", f"-Gdpi={options.dpi}", *(f"-T{fmt}" for fmt in options.formats)]


def render_dot(text: str, options: RenderOptions) -> dict[str, bytes]:
    """One DOT text rendered in every format of `options`, post-processed."""
    outputs = None
    if engine() == "library":
        try:
            outputs = render_with_library(text, options.formats, options.dpi)
        except ServerStartError as error:
            _warn_falling_back(str(error))
        except ServerError as error:
            raise RenderError(f"Graphviz failed: {error}") from None
    if outputs is None:
        outputs = _render_with_dot(text, options)
    return {fmt: finish(fmt, outputs[fmt], options.dpi) for fmt in options.formats}


_warned: list[str] = []


def _warn_falling_back(reason: str) -> None:
    """Once per run: the library engine cannot start here, so `dot` renders (and the cache
    keys say so, as `engine()` now answers `dot`)."""
    if not _warned:
        _warned.append(reason)
        print(f"flowdocs: warning: {reason}; rendering with the `dot` command instead "
              f"(set {ENGINE_VARIABLE}=dot to skip the attempt)", file=sys.stderr)


def _render_with_dot(text: str, options: RenderOptions) -> dict[str, bytes]:
    """A fresh `dot` process for one diagram, reading stdin, with the same arguments and the
    icons' folder as working directory. Graphviz 2.43 orders clusters by the address of their
    interned names, so a process that has laid out other graphs first (or was given other
    file names) can lay out the same graph differently; a fresh, identical process cannot."""
    try:
        run = subprocess.run(dot_command(options), input=text.encode("utf-8"),
                             capture_output=True, cwd=icon_root(), check=False,
                             env={**os.environ, "LC_ALL": "C.UTF-8"})
    except FileNotFoundError:
        raise RenderError("Graphviz `dot` was not found on PATH; run `make system-deps`") from None
    if run.returncode != 0:
        raise RenderError(f"dot failed: {run.stderr.decode('utf-8', 'replace').strip()}")
    outputs = split_outputs(run.stdout)
    if sorted(outputs) != sorted(options.formats):
        raise RenderError(f"dot wrote {sorted(outputs)}, expected {list(options.formats)}")
    return outputs


def split_outputs(data: bytes) -> dict[str, bytes]:
    """dot's standard output with several -T formats, cut into one document per format."""
    outputs: dict[str, bytes] = {}
    offset = 0
    while offset < len(data):
        if data.startswith(PNG_SIGNATURE, offset):
            end = offset + len(PNG_SIGNATURE)
            while data[end + 4:end + 8] != b"IEND":
                end += 12 + struct.unpack(">I", data[end:end + 4])[0]
            fmt, end = "png", end + 12
        elif data.startswith(b"%PDF", offset):
            fmt, end = "pdf", data.index(b"%%EOF\n", offset) + 6
        elif data.startswith(b"<?xml", offset):
            fmt, end = "svg", data.index(b"</svg>\n", offset) + 7
        else:
            raise RenderError(f"unexpected output from dot at byte {offset}")
        outputs[fmt], offset = data[offset:end], end
    return outputs


def finish(fmt: str, data: bytes, dpi: int) -> bytes:
    """An output made deterministic and self-contained (see the module docstring)."""
    if fmt == "svg":
        return finish_svg(data.decode("utf-8"), dpi).encode("utf-8")
    if fmt == "png":
        return finish_png(data)
    return _PDF_DATE.sub(b"/CreationDate (D:" + FIXED_PDF_DATE + b"Z)", data)


def finish_svg(svg: str, dpi: int) -> str:
    svg = _SVG_COMMENT.sub("", svg)

    def inline(match: re.Match[str]) -> str:
        href = match.group(1)
        if href.startswith("data:"):
            return match.group(0)
        if (icon_root() / href).is_file():
            return f'xlink:href="{icon_data_uri(href)}"'
        raise RenderError(f"SVG refers to a file that is not an icon: {href}")

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


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height in pixels, from the IHDR chunk."""
    if not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    return width, height
