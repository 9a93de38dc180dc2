"""Problems found in a design, located in its file, all reported at once.

A diagnostic carries a *path* into the design data (`("vnets", 0, "subnets", 1, "prefix")`)
rather than a line and column: valid files are loaded fast without positions, and positions
are looked up only when there is something to report (see `positions.py`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from flowdocs.errors import FlowdocsError

Severity = Literal["error", "warning"]
DataPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Diagnostic:
    """One problem. `on_key` points at the key of the last path element rather than its value
    (for unknown keys)."""

    severity: Severity
    message: str
    path: DataPath = ()
    code: str = ""
    on_key: bool = False
    line: int | None = None
    column: int | None = None

    def located(self, line: int, column: int) -> Diagnostic:
        return Diagnostic(self.severity, self.message, self.path, self.code, self.on_key, line,
                          column)

    def format(self, file: str) -> str:
        """`FILE:LINE:COL: error: MESSAGE`, the form compilers and editors understand."""
        where = file if self.line is None else f"{file}:{self.line}:{self.column}"
        return f"{where}: {self.severity}: {self.message}"


class DesignError(FlowdocsError):
    """A design that cannot be loaded or resolved: every problem, located in `file`."""

    def __init__(self, file: str, diagnostics: Sequence[Diagnostic]) -> None:
        self.file = file
        self.diagnostics = sorted_diagnostics(diagnostics)
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [d.format(self.file) for d in self.diagnostics]


class DesignErrors(FlowdocsError):
    """Problems in one or more designs; each knows its file."""

    def __init__(self, errors: list[DesignError]) -> None:
        self.errors = errors
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [line for error in self.errors for line in error.lines()]


def sorted_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=lambda d: (d.line or 0, d.column or 0, d.message))


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """` (did you mean 'x'?)` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""
