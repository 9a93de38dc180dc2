"""Design names for imported resources: Azure's names where the format accepts them, unique
within their list.

Names are the design's identifiers, so two resources of one kind may not share one; an
estate spanning resource groups or subscriptions often has two `vnet-hub`s. The later one (in
the order of their ids) gets `-2`, and a note says so; the comment above it keeps its id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flowdocs.load.importing.inventory import Skipped

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
MAX_NAME = 80
DESIGN_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


def valid_name(raw: str) -> str:
    """`raw` if the format accepts it as a name, else with every other character replaced
    by `-` (and trimmed to the format's 80 characters)."""
    if NAME.fullmatch(raw) and len(raw) <= MAX_NAME:
        return raw
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "-", raw).lstrip("_.-")[:MAX_NAME]
    return cleaned or "unnamed"


def design_name(raw: str) -> str:
    """A design name (`[a-z0-9][a-z0-9-]*`) from a file name or what the user typed."""
    cleaned = re.sub(r"[^a-z0-9-]+", "-", raw.lower()).strip("-")[:MAX_NAME].strip("-")
    return cleaned or "imported"


class Namer:
    """Hands out unique names in one list of the design."""

    def __init__(self, kind: str, notes: list[Skipped]) -> None:
        self.kind = kind
        self.notes = notes
        self.taken: set[str] = set()

    def name(self, raw: str, subject: str) -> str:
        name = valid_name(raw)
        if name != raw:
            self.notes.append(Skipped(subject, f"named '{name}': the design format does not "
                                               f"accept the {self.kind} name '{raw}'"))
        unique, number = name, 1
        while unique.lower() in self.taken:
            number += 1
            suffix = f"-{number}"
            unique = f"{name[:MAX_NAME - len(suffix)]}{suffix}"
        if unique != name:
            self.notes.append(Skipped(subject, f"named '{unique}': another {self.kind} of the "
                                               f"sources is named '{name}'"))
        self.taken.add(unique.lower())
        return unique

    def names(self, records: Iterable[tuple[str, str, str]]) -> dict[str, str]:
        """Names for (key, raw name, subject) triples, handed out in the order of their raw
        names and keys, so that the same sources always give the same names."""
        return {key: self.name(raw, subject)
                for key, raw, subject in sorted(records, key=lambda r: (r[1].lower(), r[0]))}
