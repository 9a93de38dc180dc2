"""A small PNG decoder for tests: 8-bit RGB or RGBA, every filter type, no interlacing."""

from __future__ import annotations

import struct
import zlib


def decode_png(data: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """(width, height, pixels as RGBA tuples, row by row)."""
    offset, idat = 8, b""
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind, body = data[offset + 4:offset + 8], data[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0
        elif kind == b"IDAT":
            idat += body
        offset += 12 + length
    channels = 3 if colour == 2 else 4
    raw, row = zlib.decompress(idat), channels * width
    previous, pixels = bytearray(row), []
    for y in range(height):
        start = y * (row + 1)
        line = _unfilter(raw[start], bytearray(raw[start + 1:start + 1 + row]), previous,
                         channels)
        for x in range(width):
            pixel = tuple(line[x * channels:(x + 1) * channels])
            pixels.append(pixel if channels == 4 else (*pixel, 255))
        previous = line
    return width, height, pixels


def _unfilter(kind: int, line: bytearray, previous: bytearray, step: int) -> bytearray:
    for i in range(len(line)):
        left = line[i - step] if i >= step else 0
        up, corner = previous[i], previous[i - step] if i >= step else 0
        if kind == 1:
            line[i] = (line[i] + left) & 255
        elif kind == 2:
            line[i] = (line[i] + up) & 255
        elif kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 255
        elif kind == 4:
            guess = left + up - corner
            near = min((abs(guess - left), 0, left), (abs(guess - up), 1, up),
                       (abs(guess - corner), 2, corner))
            line[i] = (line[i] + near[2]) & 255
    return line
