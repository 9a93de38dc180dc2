"""A design file's bytes as text: UTF-8 only, no byte-order mark, no binary, not empty."""

from __future__ import annotations

from flowdocs.load.diagnostics import Diagnostic
from flowdocs.load.parsing import ParseError, error_at, line_column

UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def decode(data: bytes) -> str:
    """UTF-8 text without its byte-order mark. Raises ParseError for binary or empty files."""
    if data.startswith(UTF16_BOMS):
        raise ParseError([error_at("the file is UTF-16 text; save it as UTF-8")])
    nul = data.find(b"\0")
    head = data if nul < 0 else data[:nul]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ParseError([_bad_byte(data, error.start, "not UTF-8 text: invalid byte "
                                    f"0x{data[error.start]:02x}")]) from None
    if nul >= 0:
        raise ParseError([_bad_byte(data, nul, "binary file: NUL byte")])
    text = text.removeprefix("\ufeff")  # editors hide the BOM, so columns are counted without it
    if not text.strip():
        raise ParseError([error_at("empty file")])
    return text


def _bad_byte(data: bytes, offset: int, problem: str) -> Diagnostic:
    prefix = data[:offset].decode("utf-8", errors="replace")
    line, column = line_column(prefix, len(prefix))
    return error_at(f"{problem}; a design file is UTF-8 text", line, column)
