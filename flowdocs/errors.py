"""The root of every problem a user can fix: a bad design, a missing file, a broken template,
Graphviz failing. The CLI and the MkDocs plugin catch `FlowdocsError` once and show its lines;
any other exception is a bug and stays a traceback (as click's `ClickException` does)."""

from __future__ import annotations


class FlowdocsError(Exception):
    """A user-facing problem, shown as the lines `lines()` gives, with exit status 1."""

    def lines(self) -> list[str]:
        """What the user sees, one line each: `FILE:LINE:COL: error: MESSAGE` where the
        problem has a place, `flowdocs: error: MESSAGE` where it has none."""
        message = str(self)
        return message.splitlines() if ": error: " in message or ": warning: " in message \
            else [f"flowdocs: error: {message}"]
