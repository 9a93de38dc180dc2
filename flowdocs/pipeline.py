"""Load → resolve for many designs, gathering every problem before anything is written.

`DesignErrors` lives in diagnostics.py (the CLI catches it without importing all this) and is
named here too, where callers have always found it.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flowdocs.catalog import Catalog, default_catalog
from flowdocs.diagnostics import DesignError, DesignErrors, Diagnostic
from flowdocs.files import find_design_files
from flowdocs.findings import Finding, find
from flowdocs.flows import Resolution, resolve
from flowdocs.loader import LoadedDesign, load_design


@dataclass
class ResolvedDesign:
    """A loaded design, its resolution, and its findings located in its file."""

    loaded: LoadedDesign
    resolution: Resolution

    @property
    def path(self) -> str:
        return self.loaded.path

    @functools.cached_property
    def _located(self) -> list[tuple[Finding, Diagnostic]]:
        found = find(self.resolution)
        return list(zip(found, self.loaded.locate([f.diagnostic() for f in found]),
                        strict=True))

    @property
    def findings(self) -> list[Finding]:
        """Every finding (findings.py), with the line and column of its subject."""
        return [f.located(d.line, d.column) for f, d in self._located]

    @property
    def warnings(self) -> list[Diagnostic]:
        """The error and warning findings as located `warning:` diagnostics: what `validate`
        prints and `--strict` fails on."""
        return [d for f, d in self._located if f.severity != "info"]

    def warning_lines(self) -> list[str]:
        return [w.format(self.path) for w in self.warnings]


def load_designs(paths: Iterable[str | os.PathLike]) -> list[LoadedDesign]:
    """Every design under `paths`, or DesignErrors naming every problem in every file."""
    loaded: list[LoadedDesign] = []
    errors: list[DesignError] = []
    for file in find_design_files(paths):
        try:
            loaded.append(load_design(file))
        except DesignError as error:
            errors.append(error)
    by_path = {d.path: d for d in loaded}
    errors.extend(duplicate_name_errors(((d.design.name, d.path) for d in loaded),
                                        lambda path, found: by_path[path].locate(found)))
    if errors:
        raise DesignErrors(errors)
    return loaded


def resolve_designs(paths: Iterable[str | os.PathLike],
                    catalog: Catalog | None = None) -> list[ResolvedDesign]:
    catalog = catalog or default_catalog()
    return [ResolvedDesign(d, resolve(d.design, catalog)) for d in load_designs(paths)]


Locator = Callable[[str, list[Diagnostic]], list[Diagnostic]]


def duplicate_name_errors(designs: Iterable[tuple[str, str]],
                          locate: Locator) -> list[DesignError]:
    """Design names name output files, so two designs may not share one. `designs` gives
    (name, path) pairs in order; `locate(path, diagnostics)` places a problem in its file."""
    first: dict[str, str] = {}
    errors: list[DesignError] = []
    for name, path in designs:
        if name in first:
            message = f"design name '{name}' is already used by {first[name]}"
            errors.append(DesignError(path, locate(path, [Diagnostic("error", message,
                                                                     ("name",))])))
        else:
            first[name] = path
    return errors
