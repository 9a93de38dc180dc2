"""Template context of a design page's "Verified against effective routes" section.

Pure data for `templates/_verified.md.j2`, from a `Verification` (analyse/verification.py):
`verified_context` returns a one-key dict, `verified`, to merge into the page context; None
when the build was given no real tables, and the section is then left out. Plain strings are
escaped by the template environment, `Md` is trusted Markdown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flowdocs.analyse.verification import Verification, route_text
from flowdocs.write.escaping import Md, code, md


@dataclass(frozen=True)
class VerifiedTable:
    """One real table (one NIC) and how its rows compare."""

    subnet: Md
    file: Md
    agreed: int
    differences: int
    ignored: int


@dataclass(frozen=True)
class VerifiedFlow:
    """A flow's route from one subnet: as the page says, and as the real table picks it."""

    number: int
    flow: Md
    at: Md
    verdict: Md
    predicted: Md
    real: Md


@dataclass(frozen=True)
class VerifiedSection:
    agrees: bool
    summary: Md
    tables: tuple[VerifiedTable, ...]
    differences: tuple[str, ...]
    flows: tuple[VerifiedFlow, ...]


def verified_context(verification: Verification | None) -> dict[str, Any]:
    """`verified`: the comparison of the page's routes with the real tables, or None."""
    if verification is None:
        return {"verified": None}
    tables = tuple(VerifiedTable(code(t.subnet), code(t.file), t.agreed, len(t.differences),
                                 len(t.ignored)) for t in verification.tables)
    flows = tuple(VerifiedFlow(
        number=f.number, flow=code(f.flow), at=code(f.node),
        verdict=Md(f.verdict) if f.verdict == "agrees" else md("**{0}**", f.verdict),
        predicted=code(route_text(f.predicted)),
        # An agreeing route is shown once: the table stays within the page's width.
        real=Md("the same") if f.verdict == "agrees" else code(route_text(f.real)))
        for t in verification.tables for f in t.flows)
    differences = tuple(verification.difference_lines())
    return {"verified": VerifiedSection(verification.agrees, _summary(verification),
                                        tables, differences, flows)}


def _summary(verification: Verification) -> Md:
    count = len(verification.tables)
    tables = f"{count} network interface{'' if count == 1 else 's'}"
    command = code("az network nic show-effective-route-table")
    if verification.agrees:
        said = md("The real effective routes of {tables} ({command}) agree with this page: "
                  "every route it predicts, and the route every flow takes.",
                  tables=tables, command=command)
    else:
        differences = len(verification.difference_lines())
        said = md("The real effective routes of {tables} ({command}) differ from this page "
                  "in {differences}: the page does not describe the network as it is.",
                  tables=tables, command=command,
                  differences=f"{differences} place{'' if differences == 1 else 's'}")
    ignored = sum(len(t.ignored) for t in verification.tables)
    if not ignored:
        return said
    return Md(said + " " + md("Azure listed {ignored} beyond the four that Microsoft "
                              "documents; those come and go in real tables and are not "
                              "compared.", ignored=f"{ignored} reserved None "
                              f"route{'' if ignored == 1 else 's'}"))
