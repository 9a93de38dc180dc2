"""DOT text to SVG, PNG and PDF with Graphviz's `dot`, byte-identical from run to run.

Every diagram gets a fresh `dot` process that reads the DOT text on standard input and writes
every requested format from one layout. A fresh process is what makes the output
deterministic: Graphviz 2.43 orders clusters by the heap addresses of their interned names,
so a process that has laid out other graphs first can lay out the same graph differently.
`dot` runs in the icons' folder (the DOT text names each icon by its relative path) with
`LC_ALL=C.UTF-8`, so neither the working folder nor the user's locale reaches the output.

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
import shutil
import struct
import subprocess
from dataclasses import dataclass

from flowdocs.errors import FlowdocsError

FORMATS = ("png", "svg", "pdf")
# Bumped whenever post-processing changes what a render produces (part of the cache key).
POSTPROCESS_VERSION = "3"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_VOLATILE = {b"tIME", b"tEXt", b"zTXt", b"iTXt"}
_SVG_COMMENT = re.compile(r"<!--.*?-->\n?", re.DOTALL)
_SVG_HREF = re.compile(r'xlink:href="([^"]+)"')
_SVG_SIZE = re.compile(r'<svg width="[\d.]+pt" height="[\d.]+pt"\n'
                       r' viewBox="0\.00 0\.00 ([\d.]+) ([\d.]+)"')
_SVG_SCALE = re.compile(r'(class="graph" transform=")scale\([\d.]+ [\d.]+\)')
_PDF_DATE = re.compile(rb"/CreationDate \(D:(\d{14})Z\)")
FIXED_PDF_DATE = b"20000101000000"
NO_DOT = ("Graphviz's `dot` was not found on PATH; install Graphviz (`make system-deps` does "
          "it on Debian and Ubuntu)")


class RenderError(FlowdocsError):
    """Graphviz is missing, or failed on a DOT text (a flowdocs bug, or a broken install)."""


@dataclass(frozen=True)
class RenderOptions:
    """The formats to render, each from the same layout, and the PNG's resolution."""

    formats: tuple[str, ...] = ("svg",)
    dpi: int = 96

    def __post_init__(self) -> None:
        unknown = [f for f in self.formats if f not in FORMATS]
        if unknown or not self.formats:
            raise ValueError(f"expected formats among {list(FORMATS)}, found {list(self.formats)}")
        if not 36 <= self.dpi <= 600:
            raise ValueError(f"expected a dpi between 36 and 600, found {self.dpi}")


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


def dot_command(options: RenderOptions, executable: str = "dot") -> list[str]:
    """`dot` with every requested format: one layout serves them all."""
    return [executable, f"-Gdpi={options.dpi}", *(f"-T{fmt}" for fmt in options.formats)]


def render_dot(text: str, options: RenderOptions) -> dict[str, bytes]:
    """One DOT text rendered by a fresh `dot` process in every format of `options`,
    post-processed. Raises RenderError, with dot's own message, when it fails."""
    from flowdocs.render.icons import icon_root

    command = dot_command(options, dot_executable())
    try:
        run = subprocess.run(command, input=text.encode("utf-8"), capture_output=True,
                             cwd=icon_root(), check=False,
                             env={**os.environ, "LC_ALL": "C.UTF-8"})
    except OSError as error:
        raise RenderError(f"cannot run {command[0]}: {error.strerror or error}") from None
    if run.returncode != 0:
        raise RenderError(f"dot failed (exit status {run.returncode}): "
                          f"{_one_line(run.stderr) or 'no message'}")
    outputs = split_outputs(run.stdout)
    if sorted(outputs) != sorted(options.formats):
        raise RenderError(f"dot wrote {sorted(outputs)}, expected {list(options.formats)}")
    return {fmt: finish(fmt, outputs[fmt]) for fmt in options.formats}


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
    """The SVG without comments, with its icons inlined, drawn at scale 1 and sized in points."""
    from flowdocs.render.icons import icon_data_uri, icon_root

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
