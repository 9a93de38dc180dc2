"""Graphviz's C library and cairo through ctypes: one layout, then each format from it.

PNG is not rendered by Graphviz's PNG device. The graph is drawn by Graphviz's own cairo
renderer onto a cairo image surface that we own (`gvRenderContext`, the API for drawing into
a caller's context), and `png_encoder` writes the file: the pixels of `dot -Tpng` (but for an
opaque last row, below), in a fraction of the time. The surface must have the size Graphviz
gives the page, which its SVG states in its `width` and `height`; the SVG is rendered first
for that.

Graphviz reports problems on standard error; the caller redirects it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import re

AGRAPH = 0  # cgraph's object kind of a graph, for agattr
CAIRO_FORMAT_ARGB32 = 0
# Graphviz's cairo renderer with a raster device: the renderer draws and leaves the pixels
# in the surface. The device (gd) then fails to write its format ("GD image support has been
# disabled" on Debian) and writes nothing, which is what we want.
PIXELS_FORMAT = b"gd:cairo"
_SVG_PAGE = re.compile(rb'<svg width="(\d+)pt" height="(\d+)pt"')


class GraphvizError(Exception):
    """Graphviz could not read, lay out or render a graph."""


def _library(name: str, soname: str) -> ctypes.CDLL:
    try:
        return ctypes.CDLL(soname)
    except OSError:
        found = ctypes.util.find_library(name)
        if found is None:
            raise
        return ctypes.CDLL(found)


class Graphviz:
    """A Graphviz context (plugins loaded once) and the calls a render needs."""

    def __init__(self) -> None:
        self.gvc = _library("gvc", "libgvc.so.6")
        self.cgraph = _library("cgraph", "libcgraph.so.6")
        self.cairo = _library("cairo", "libcairo.so.2")
        self._declare()
        self.context = self.gvc.gvContext()
        if not self.context:
            raise GraphvizError("Graphviz could not create a context")

    def _declare(self) -> None:
        void_p, char_p = ctypes.c_void_p, ctypes.c_char_p
        functions = {
            (self.gvc, "gvContext"): (void_p, []),
            (self.gvc, "gvLayout"): (ctypes.c_int, [void_p, void_p, char_p]),
            (self.gvc, "gvRenderData"): (ctypes.c_int, [void_p, void_p, char_p,
                                                        ctypes.POINTER(ctypes.c_void_p),
                                                        ctypes.POINTER(ctypes.c_uint)]),
            (self.gvc, "gvRenderContext"): (ctypes.c_int, [void_p, void_p, char_p, void_p]),
            (self.cgraph, "agmemread"): (void_p, [char_p]),
            (self.cgraph, "agattr"): (void_p, [void_p, ctypes.c_int, char_p, char_p]),
            (self.cairo, "cairo_image_surface_create"): (void_p, [ctypes.c_int, ctypes.c_int,
                                                                  ctypes.c_int]),
            (self.cairo, "cairo_create"): (void_p, [void_p]),
            (self.cairo, "cairo_set_source_rgb"): (None, [void_p, ctypes.c_double,
                                                          ctypes.c_double, ctypes.c_double]),
            (self.cairo, "cairo_paint"): (None, [void_p]),
            (self.cairo, "cairo_surface_flush"): (None, [void_p]),
            (self.cairo, "cairo_surface_status"): (ctypes.c_int, [void_p]),
            (self.cairo, "cairo_image_surface_get_data"): (void_p, [void_p]),
            (self.cairo, "cairo_image_surface_get_stride"): (ctypes.c_int, [void_p]),
        }
        for (library, name), (result, arguments) in functions.items():
            function = getattr(library, name)
            function.restype, function.argtypes = result, arguments

    def layout(self, dot: bytes, dpi: int) -> int:
        """The graph of `dot`, laid out by `dot` at `dpi`: a handle for the render calls."""
        graph = self.cgraph.agmemread(dot)
        if not graph:
            raise GraphvizError("Graphviz could not read the DOT text")
        self.cgraph.agattr(graph, AGRAPH, b"dpi", str(dpi).encode())
        if self.gvc.gvLayout(self.context, graph, b"dot") != 0:
            raise GraphvizError("Graphviz could not lay out the graph")
        return graph

    def render(self, graph: int, fmt: str) -> bytes:
        """The laid-out graph in one of Graphviz's own formats (svg, pdf), in memory."""
        data, length = ctypes.c_void_p(), ctypes.c_uint()
        if self.gvc.gvRenderData(self.context, graph, fmt.encode(), ctypes.byref(data),
                                 ctypes.byref(length)) != 0 or not data.value:
            raise GraphvizError(f"Graphviz could not render {fmt}")
        return ctypes.string_at(data.value, length.value)

    def pixels(self, graph: int, svg: bytes) -> tuple[ctypes.Array, int, int, int]:
        """The laid-out graph drawn by Graphviz's cairo renderer: (ARGB32 pixels, width,
        height, stride), the page size read from the graph's `svg` at the same dpi. The pixels
        are cairo's own buffer (a char array; its slices are bytes), valid while the process
        lives: a render process draws one graph."""
        page = _SVG_PAGE.search(svg)
        if page is None:
            raise GraphvizError("the SVG does not state its page size")
        width, height = (int(n) for n in page.groups())
        surface = self.cairo.cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height)
        if self.cairo.cairo_surface_status(surface) != 0:
            raise GraphvizError(f"cairo could not make a {width}x{height} image")
        # An opaque white page: Graphviz paints the background over whole points, which leaves
        # the last pixel row or column partly transparent; here it is white, so the image is
        # opaque and written as RGB.
        context = self.cairo.cairo_create(surface)
        self.cairo.cairo_set_source_rgb(context, 1.0, 1.0, 1.0)
        self.cairo.cairo_paint(context)
        if self.gvc.gvRenderContext(self.context, graph, PIXELS_FORMAT, context) != 0:
            raise GraphvizError("Graphviz could not draw the image")
        self.cairo.cairo_surface_flush(surface)
        stride = self.cairo.cairo_image_surface_get_stride(surface)
        address = self.cairo.cairo_image_surface_get_data(surface)
        return (ctypes.c_char * (stride * height)).from_address(address), width, height, stride
