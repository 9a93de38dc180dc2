"""cairo's ARGB32 pixels as a PNG, faster than cairo's own writer and with the same pixels.

cairo hands its pixels to libpng, which tries all five row filters on every row and keeps the
best guess; for a diagram that search is most of the time `dot -Tpng` takes. Diagrams are
large flat areas that deflate compresses well as they are, so every row here is written
unfiltered ("None"), which costs nothing and gives smaller files than libpng's choice.

Like cairo, an opaque image is written as RGB and any other as RGBA, with the premultiplied
colours divided back exactly as cairo does. No ancillary chunk is written: the bytes depend on
the pixels and the zlib version only.
"""

from __future__ import annotations

import re
import struct
import sys
import zlib
from array import array
from typing import Any

SIGNATURE = b"\x89PNG\r\n\x1a\n"
# zlib level 3: about three times faster than libpng's level 6 here, and with unfiltered RGB
# rows the files still come out a little smaller than `dot -Tpng`'s.
LEVEL = 3
BAND_ROWS = 64
_PARTLY_TRANSPARENT = re.compile(rb"[\x01-\xfe]")
Pixels = Any  # bytes, or a ctypes char array: anything whose slices are bytes


def encode_argb32(pixels: Pixels, width: int, height: int, stride: int, level: int = LEVEL
                  ) -> bytes:
    """A PNG of cairo ARGB32 pixels (native-endian 32-bit words, alpha premultiplied).

    `pixels` is bytes, or a ctypes char array over cairo's own buffer (slicing it copies only
    the slice). An opaque image is converted and compressed in bands of rows, so that every
    buffer stays small: a fresh render process pays a page fault for each new page it touches.
    """
    if stride != 4 * width:
        pixels, stride = _packed(bytes(pixels), width, height, stride), 4 * width
    # The bytes of a word, A R G B from the most significant: B G R A on a little-endian machine.
    red, green, blue, alpha = (2, 1, 0, 3) if sys.byteorder == "little" else (1, 2, 3, 0)
    compressor = zlib.compressobj(level)
    chunks = []
    row = 3 * width
    for first in range(0, height, BAND_ROWS):
        rows = min(BAND_ROWS, height - first)
        start, stop = first * stride, (first + rows) * stride
        if pixels[start + alpha:stop:4].count(255) != rows * width:
            return _encode_translucent(bytes(pixels), width, height, level)
        band = bytearray(rows * row)
        band[0::3] = pixels[start + red:stop:4]
        band[1::3] = pixels[start + green:stop:4]
        band[2::3] = pixels[start + blue:stop:4]
        view = memoryview(band)
        chunks.append(compressor.compress(b"".join(b"\0" + view[r * row:(r + 1) * row]
                                                   for r in range(rows))))
    chunks.append(compressor.flush())
    return _png_file(width, height, colour_type=2, data=b"".join(chunks))


def _encode_translucent(words: bytes, width: int, height: int, level: int) -> bytes:
    """RGBA, with the premultiplied colours divided back as cairo's PNG writer does."""
    argb = _argb_bytes(words)
    alpha = argb[0::4]
    rgba = bytearray(len(argb))
    rgba[:-1] = argb[1:]
    rgba[3::4] = alpha
    for match in _PARTLY_TRANSPARENT.finditer(alpha):
        a, offset = alpha[match.start()], 4 * match.start()
        rgba[offset:offset + 3] = bytes((c * 255 + a // 2) // a for c in rgba[offset:offset + 3])
    row = 4 * width
    view = memoryview(rgba)
    scanlines = b"".join(b"\0" + view[y * row:(y + 1) * row] for y in range(height))
    return _png_file(width, height, colour_type=6, data=zlib.compress(scanlines, level))


def _packed(data: bytes, width: int, height: int, stride: int) -> bytes:
    if stride == 4 * width:
        return data[:4 * width * height]
    view = memoryview(data)
    return b"".join(view[row * stride:row * stride + 4 * width] for row in range(height))


def _argb_bytes(words: bytes) -> bytes:
    """The 32-bit words as bytes A, R, G, B: byte-swapped on a little-endian machine."""
    if sys.byteorder == "big":
        return words
    swapped = array("I")
    if swapped.itemsize != 4:  # pragma: no cover - no such platform runs Graphviz here
        swapped = array("L")
    swapped.frombytes(words)
    swapped.byteswap()
    return swapped.tobytes()


def _png_file(width: int, height: int, colour_type: int, data: bytes) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
