"""The analyse stage: what a resolved design means for a decision, findings and costs.

Pure: the price table and the catalog are passed in (the shipped ones by default).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from flowdocs.analyse.costs import DesignCosts, compute_costs
from flowdocs.analyse.findings import Finding, find
from flowdocs.load.catalog import Catalog
from flowdocs.load.prices import PriceTable, default_prices
from flowdocs.resolve.flows import Resolution


class Resolved(Protocol):
    """What the analysis and the pages need of `pipeline.ResolvedDesign`: the resolution and
    its findings, located in the design file."""

    @property
    def resolution(self) -> Resolution: ...

    @property
    def findings(self) -> list[Finding]: ...


@dataclass(frozen=True)
class Analysis:
    """A resolution with its findings and its monthly costs."""

    resolution: Resolution
    findings: list[Finding]
    costs: DesignCosts

    @property
    def name(self) -> str:
        return self.resolution.design.name


def analyse(resolution: Resolution, prices: PriceTable | None = None,
            catalog: Catalog | None = None, findings: list[Finding] | None = None) -> Analysis:
    """Findings (unless already found, e.g. located in their file) and costs."""
    if findings is None:
        findings = find(resolution, catalog)
    return Analysis(resolution, findings, compute_costs(resolution, prices or default_prices()))


def analyse_resolved(resolved: Resolved, prices: PriceTable | None = None) -> Analysis:
    """`analyse` for a resolved design, keeping its located findings."""
    return analyse(resolved.resolution, prices, findings=resolved.findings)
