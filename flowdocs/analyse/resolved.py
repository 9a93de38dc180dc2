"""A design loaded, resolved and analysed for findings: what every output is made from.

`resolve_designs` runs load → resolve for many designs, gathering every problem before
anything is written.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flowdocs.analyse.acceptance import acceptance_problems
from flowdocs.analyse.findings import RULES, Finding, find
from flowdocs.files import PathArg
from flowdocs.load.catalog import Catalog, default_catalog
from flowdocs.load.diagnostics import Diagnostic
from flowdocs.load.loaded import LoadedDesign
from flowdocs.load.loader import load_designs
from flowdocs.load.model import Design
from flowdocs.resolve.flows import Resolution, resolve


@dataclass
class ResolvedDesign:
    """A loaded design, its resolution, and its findings located in its file."""

    loaded: LoadedDesign
    resolution: Resolution

    @property
    def path(self) -> str:
        return self.loaded.path

    @property
    def design(self) -> Design:
        return self.loaded.design

    @functools.cached_property
    def _located(self) -> list[tuple[Finding, Diagnostic]]:
        found = find(self.resolution)
        return list(zip(found, self.loaded.locate([f.diagnostic() for f in found]),
                        strict=True))

    @functools.cached_property
    def _acceptance_problems(self) -> list[Diagnostic]:
        found = [f for f, _ in self._located]
        return self.loaded.locate(acceptance_problems(
            [(f.id, f.subject) for f in found], self.design.accept,
            {rule.id: rule.title for rule in RULES}))

    @property
    def findings(self) -> list[Finding]:
        """Every finding (findings.py), with the line and column of its subject."""
        return [f.located(d.line, d.column) for f, d in self._located]

    @property
    def warnings(self) -> list[Diagnostic]:
        """The error and warning findings the design does not accept, as located `warning:`
        diagnostics, and its acceptances that match no finding: what `validate` prints and
        `--strict` fails on."""
        return [*(d for f, d in self._located if f.severity != "info" and f.counts),
                *self._acceptance_problems]

    @property
    def failing(self) -> list[Finding]:
        """Findings of severity error: a flow dropped or looping, or a backup Azure refuses.
        `validate` fails on them without --strict."""
        return [f for f, _ in self._located if f.severity == "error" and f.counts]

    def warning_lines(self) -> list[str]:
        return [w.format(self.path) for w in self.warnings]


def resolve_designs(paths: Iterable[PathArg], catalog: Catalog | None = None,
                    display: Callable[[PathArg], str] | None = None) -> list[ResolvedDesign]:
    """Every design under `paths`, loaded and resolved; DesignErrors (every problem of every
    file) when any fails to load. `display` names each file in messages."""
    catalog = catalog or default_catalog()
    return [ResolvedDesign(d, resolve(d.design, catalog))
            for d in load_designs(paths, display, catalog)]
