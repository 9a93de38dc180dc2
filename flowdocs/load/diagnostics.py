"""Problems found in a design, located in its file, all reported at once.

A diagnostic carries a *path* into the design data (`("vnets", 0, "subnets", 1, "prefix")`)
rather than a line and column: valid files are loaded fast without positions, and positions
are looked up only when there is something to report (see `positions.py`).
"""

from __future__ import annotations

import difflib
import re
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
        return printable(f"{where}: {self.severity}: {self.message}")


# More problems than this in one file are counted, not listed: a generated file with a
# systematic mistake (every subnet of 3,000) would otherwise bury the terminal, and the
# first ones show what to fix.
MAX_LISTED_PROBLEMS = 200


class DesignError(FlowdocsError):
    """A design that cannot be loaded or resolved: every problem, located in `file`."""

    def __init__(self, file: str, diagnostics: Sequence[Diagnostic]) -> None:
        self.file = file
        self.diagnostics = sorted_diagnostics(_distinct(diagnostics))
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        shown = [d.format(self.file) for d in self.diagnostics[:MAX_LISTED_PROBLEMS]]
        hidden = len(self.diagnostics) - len(shown)
        if hidden > 0:
            shown.append(f"{self.file}: error: {hidden:,} more problem(s) in this file, not "
                         f"listed: fix the ones above first")
        return shown


class DesignErrors(FlowdocsError):
    """Problems in one or more designs; each knows its file."""

    def __init__(self, errors: list[DesignError]) -> None:
        self.errors = errors
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [line for error in self.errors for line in error.lines()]


def _distinct(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """One of each line: a value reached through YAML aliases is one place in the file, and
    its problem is reported once, not at every use."""
    unique = {(d.severity, d.message, d.line, d.column): d for d in diagnostics}
    return list(unique.values())


def sorted_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=lambda d: (d.line or 0, d.column or 0, d.message))


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """`; did you mean 'x'?` for the closest choice, or an empty string."""
    close = closest(value, choices)
    return f"; did you mean '{close}'?" if close is not None else ""


def closest(value: str, choices: Iterable[str]) -> str | None:
    """The choice `value` most probably means, if any. One that differs only in case comes
    first (`VNET-HUB` for `vnet-hub`), though its letters look far apart to difflib."""
    listed = [c for c in choices if c != value]  # the value itself is no suggestion
    folded = value.casefold()
    same = [c for c in listed if c.casefold() == folded]
    if same:  # the spelling nearest to the value's, letter by letter ('ß' folds to 'ss')
        return min(same, key=lambda c: (-sum(a == b for a, b in zip(c, value, strict=False)), c))
    close = difflib.get_close_matches(value, listed, n=1, cutoff=0.6)
    return close[0] if close else None


# C0 and C1 control characters, DEL, and the bidirectional overrides and isolates that make a
# terminal show text in another order than it is (Trojan Source).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NAMED_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def printable(text: str) -> str:
    """`text` with every control character escaped (`\\x1b`, `\\t`), so that a value quoted
    in a message can never move the cursor, recolour or clear a terminal, or hide text.
    Every diagnostic line goes through it; calling it twice changes nothing."""
    return _UNPRINTABLE.sub(_escape, text) if _UNPRINTABLE.search(text) else text


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED_ESCAPES.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
