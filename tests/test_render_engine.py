"""The render engines: Graphviz's C library in fork servers (Linux), and one `dot` per diagram.

What must hold: the library engine draws the pixels `dot -Tpng` draws; its bytes do not depend
on what a server rendered before, on the order, or on the server's environment; its errors
are Graphviz's own messages; and the `dot` engine stays available on request.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import zlib

import pytest
from png_decoding import decode_png
from tests_support import DESIGNS, ROOT, run_cli

from flowdocs.diagram import dot_source, render, server
from flowdocs.diagram.icons import icon_root
from flowdocs.diagram.libgv.png_encoder import encode_argb32
from flowdocs.diagram.render import (
    ENGINE_VARIABLE,
    RenderError,
    RenderOptions,
    engine,
    render_dot,
    renderer_id,
)
from flowdocs.diagram.server import RenderServer, library_usable
from flowdocs.pipeline import resolve_designs

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="the library engine is Linux's")

# Small enough to decode in Python, with what a diagram has: text in two fonts, an icon, a
# cluster, coloured edges with labels.
SMALL = """digraph small {
  graph [pad=0.2 fontname="DejaVu Sans" label=<<B>Small</B> diagram> rankdir=LR]
  node [fontname="DejaVu Sans" shape=box style="rounded,filled" fillcolor=white]
  subgraph cluster_hub { label="vnet-hub  10.0.0.0/16"; bgcolor="#F1F7EC"
    fw [label=<<TABLE BORDER="0"><TR><TD FIXEDSIZE="TRUE" WIDTH="32" HEIGHT="32">
<IMG SRC="azure/network/firewall.png" SCALE="TRUE"/></TD></TR><TR><TD>afw-hub</TD></TR></TABLE>>] }
  vm -> fw [label="1" color="#0072B2" penwidth=2]
  fw -> storage [label="2" color="#E69F00" style=dashed]
}
"""


# Two generated diagrams: `dot` lays the second out differently when it has laid out the
# first in the same process (Graphviz 2.43 orders clusters by heap addresses).
BEFORE = (ROOT / "tests" / "data" / "history-before.dot").read_text(encoding="utf-8")
SENSITIVE = (ROOT / "tests" / "data" / "history-sensitive.dot").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return [dot_source(r.resolution) for r in resolve_designs([DESIGNS])] + [BEFORE, SENSITIVE]


def _dot_png(*texts: str, folder) -> list[bytes]:
    """`dot -Tpng` on the texts in one process, as the floor of the benchmark runs it."""
    folder.mkdir()
    files = [folder / f"{index}.dot" for index in range(len(texts))]
    for file, text in zip(files, texts, strict=True):
        file.write_text(text, encoding="utf-8")
    subprocess.run(["dot", "-Gdpi=96", "-Tpng", "-O", *map(str, files)], cwd=icon_root(),
                   check=True, capture_output=True)
    return [file.with_suffix(".dot.png").read_bytes() for file in files]


@linux_only
def test_this_machine_renders_with_the_library():
    assert library_usable()
    assert engine() == "library"
    assert ":library:" in renderer_id()


@linux_only
def test_the_library_draws_the_pixels_dot_draws():
    ours = decode_png(render_dot(SMALL, RenderOptions(("png",), 96))["png"])
    run = subprocess.run(["dot", "-Gdpi=96", "-Tpng"], input=SMALL.encode(), cwd=icon_root(),
                         capture_output=True, check=True)
    theirs = decode_png(run.stdout)
    assert ours[:2] == theirs[:2]
    for mine, dots in zip(ours[2], theirs[2], strict=True):
        # dot leaves the page's partly covered last row translucent; ours is on opaque white.
        over_white = tuple(round(c * dots[3] / 255 + 255 * (1 - dots[3] / 255))
                           for c in dots[:3])
        assert mine == (*over_white, 255)


@linux_only
def test_bytes_do_not_depend_on_the_server_history_order_or_environment(texts, tmp_path):
    (alone,) = _dot_png(SENSITIVE, folder=tmp_path / "alone")
    _, after = _dot_png(BEFORE, SENSITIVE, folder=tmp_path / "after")
    assert alone != after, "the fixture no longer shows this Graphviz's history dependence"
    options = ("png", "svg")
    first = RenderServer()
    expected = [first.render(text, options, 96) for text in texts]
    first.close()
    # Another server with a large environment (another heap layout), that renders other
    # graphs first and the designs in reverse order.
    environment = dict(os.environ, FLOWDOCS_TEST_PADDING="x" * 100_000)
    second = RenderServer(environment)
    second.render(SMALL, options, 150)
    again = [second.render(text, options, 96) for text in reversed(texts)][::-1]
    second.close()
    assert again == expected


@linux_only
def test_graphviz_errors_reach_the_user_and_the_server_goes_on():
    with pytest.raises(RenderError, match="syntax error"):
        render_dot("digraph { a -> }", RenderOptions(("png",), 96))
    assert render_dot(SMALL, RenderOptions(("svg",), 96))["svg"].startswith(b"<?xml")


def test_the_dot_engine_on_request(monkeypatch):
    default = render_dot(SMALL, RenderOptions(("png", "svg"), 96))
    monkeypatch.setenv(ENGINE_VARIABLE, "dot")
    assert engine() == "dot" and ":dot:" in renderer_id()
    with_dot = render_dot(SMALL, RenderOptions(("png", "svg"), 96))
    assert with_dot["svg"] == default["svg"]  # the same renderer on the same layout
    theirs, ours = decode_png(with_dot["png"]), decode_png(default["png"])
    assert theirs[:2] == ours[:2]
    assert theirs[2][:-theirs[0]] == ours[2][:-ours[0]]  # all but the last row: see above
    monkeypatch.setenv(ENGINE_VARIABLE, "fast")
    with pytest.raises(RenderError, match="must be one of library, dot"):
        engine()


def _argb32(pixels: list[tuple[int, int, int, int]]) -> bytes:
    """Straight RGBA pixels as cairo stores them: premultiplied, native-endian words."""
    words = [(a << 24) | (r * a // 255 << 16) | (g * a // 255 << 8) | b * a // 255
             for r, g, b, a in pixels]
    return struct.pack(f"={len(words)}I", *words)


def test_an_opaque_image_is_written_as_rgb_with_its_exact_colours():
    pixels = [(255, 255, 255, 255), (0, 114, 178, 255), (230, 159, 0, 255), (1, 2, 3, 255)] * 50
    data = encode_argb32(_argb32(pixels), 8, 25, 32)
    assert data[25] == 2  # colour type RGB
    assert decode_png(data) == (8, 25, pixels)


def test_a_translucent_image_is_unpremultiplied_as_cairo_does():
    pixels = [(255, 255, 255, 153), (200, 100, 50, 128), (0, 0, 0, 0), (10, 20, 30, 255)]
    data = encode_argb32(_argb32(pixels), 2, 2, 8)
    assert data[25] == 6  # colour type RGBA
    _, _, decoded = decode_png(data)
    for got, (r, g, b, a) in zip(decoded, pixels, strict=True):
        assert got[3] == a
        if a:  # premultiplied, a colour keeps 8 bits of a*c/255: within a step of the original
            assert all(abs(x - y) <= 255 // a + 1
                       for x, y in zip(got[:3], (r, g, b), strict=True))
        else:
            assert got == (0, 0, 0, 0)


def test_rows_with_padding_are_packed():
    pixels = [(9, 8, 7, 255)] * 6
    padded = b"".join(_argb32(pixels[row * 3:row * 3 + 3]) + b"\0" * 4 for row in range(2))
    assert decode_png(encode_argb32(padded, 3, 2, 16))[2] == pixels


def test_rows_are_stored_unfiltered_and_the_file_has_no_ancillary_chunk():
    data = encode_argb32(_argb32([(1, 2, 3, 255)] * 4), 2, 2, 8)
    names, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        names.append(data[offset + 4:offset + 8])
        if names[-1] == b"IDAT":
            raw = zlib.decompress(data[offset + 8:offset + 8 + length])
        offset += 12 + length
    assert names == [b"IHDR", b"IDAT", b"IEND"]
    assert raw[0] == 0 and raw[7] == 0  # filter "None" on both rows


def test_a_render_problem_is_one_line_and_exit_1(monkeypatch, tmp_path):
    monkeypatch.setenv(ENGINE_VARIABLE, "fast")
    result = run_cli("render", DESIGNS / "a-vm-backup.yaml", "-o", tmp_path, "--no-cache")
    assert result.exit_code == 1
    assert result.stderr == ("flowdocs: error: FLOWDOCS_RENDER_ENGINE must be one of library, "
                             "dot, found 'fast'\n")
    assert not list(tmp_path.iterdir())


@linux_only
def test_when_no_server_can_start_dot_renders_and_says_so(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(server, "SERVER", tmp_path)  # no server script there
    monkeypatch.setattr(server, "_idle", server.queue.SimpleQueue())
    monkeypatch.setattr(server, "_start_failures", [])
    monkeypatch.setattr(render, "_warned", [])
    outputs = render_dot(SMALL, RenderOptions(("png", "svg"), 96))
    assert decode_png(outputs["png"])[:2] == decode_png(
        render_dot(SMALL, RenderOptions(("png",), 96))["png"])[:2]
    assert engine() == "dot" and ":dot:" in renderer_id()  # the cache keys follow
    warning = capsys.readouterr().err
    assert warning.count("flowdocs: warning: the render server did not start") == 1
    assert "rendering with the `dot` command instead" in warning
