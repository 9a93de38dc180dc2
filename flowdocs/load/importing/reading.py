"""Export files to JSON data: UTF-8 text, valid JSON, every problem located.

Exports are read here rather than by the design loader: they are JSON only, may be far larger
than a design, and their errors name the export, not a design key.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flowdocs.files import NoDesignsError, PathArg, ReadError, find_design_files, read_design_bytes
from flowdocs.load.diagnostics import DesignError, DesignErrors, Diagnostic
from flowdocs.load.positions import locate

# A Terraform plan of a large estate runs to hundreds of megabytes; a design never does.
MAX_SOURCE_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class Source:
    """One export file: the name messages give it, and its bytes."""

    display: str
    data: bytes


@dataclass(frozen=True)
class ParsedSource:
    display: str
    text: str
    data: Any

    def error(self, diagnostics: Sequence[Diagnostic]) -> DesignError:
        """`diagnostics`, whose data paths point into this file, as a located error."""
        return DesignError(self.display, locate(self.text, diagnostics))


def read_sources(paths: Iterable[PathArg]) -> list[Source]:
    """The export files named by `paths`: files as given, folders searched for `.json` files
    (sorted). Raises DesignErrors naming every file that cannot be read."""
    sources: list[Source] = []
    problems: list[DesignError] = []
    for raw in paths:
        files = find_design_files([raw])
        given = len(files) == 1 and files[0] == Path(raw)
        if not given:
            files = [f for f in files if f.suffix == ".json"]
            if not files:
                raise NoDesignsError(f"{raw}: error: no .json file in this folder")
        for file in files:
            display = str(raw) if given else file.as_posix()
            try:
                sources.append(Source(display, read_design_bytes(file, MAX_SOURCE_BYTES)))
            except ReadError as error:
                problems.append(DesignError(display, [Diagnostic("error", str(error))]))
    if problems:
        raise DesignErrors(problems)
    return sources


def parse_source(source: Source) -> ParsedSource:
    """The JSON data of an export, or DesignError located at the first bad character."""
    text = _text(source)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise DesignError(source.display, [_at(f"not JSON: {error.msg}", error.lineno,
                                               error.colno)]) from None
    except RecursionError:
        raise DesignError(source.display, [_at("not an export: nested too deeply")]) from None
    except ValueError as error:  # an integer longer than Python converts
        raise DesignError(source.display, [_at(f"not JSON: {error}")]) from None
    return ParsedSource(source.display, text, data)


def _text(source: Source) -> str:
    data = source.data
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # PowerShell's `>` writes UTF-16; `az ... -o json > file` there does too.
        raise DesignError(source.display, [_at(
            "the file is UTF-16 text; save it as UTF-8 (in PowerShell: | Out-File -Encoding "
            "utf8)")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        prefix = data[:error.start].decode("utf-8", errors="replace")
        line = prefix.count("\n") + 1
        column = len(prefix) - (prefix.rfind("\n") + 1) + 1
        raise DesignError(source.display, [_at(
            f"not UTF-8 text: invalid byte 0x{data[error.start]:02x}", line, column)]) from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise DesignError(source.display, [_at("empty file")])
    return text


def _at(message: str, line: int = 1, column: int = 1) -> Diagnostic:
    return Diagnostic("error", message).located(line, column)
