"""Findings accepted on purpose: a design's `accept:` entries (docs/decisions.md).

An acceptance names a finding id, optionally one subject, and a reason. A finding it matches
stays a finding (the page shows it, with the reason) but no longer counts: `validate` does not
print it, `--strict` and the exit status ignore it, and the page's counts leave it out. An
acceptance that matches nothing is a warning of its own, located at its entry: a finding that
was fixed, or a typo, must not leave a stale excuse in the design.

Findings are named here by (id, subject) pairs, so that `findings.py` can apply acceptances
without the two modules importing each other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flowdocs.load.diagnostics import Diagnostic, did_you_mean
from flowdocs.load.model import Acceptance

FindingKey = tuple[str, str]  # (id, subject)


def matches(acceptance: Acceptance, finding: FindingKey) -> bool:
    finding_id, subject = finding
    return acceptance.finding == finding_id and acceptance.subject in (None, subject)


def reason_for(acceptances: Sequence[Acceptance], finding: FindingKey) -> str | None:
    """The reason of the first acceptance that matches `finding`, if any does."""
    return next((a.reason for a in acceptances if matches(a, finding)), None)


def acceptance_problems(findings: Sequence[FindingKey], acceptances: Sequence[Acceptance],
                        rules: Mapping[str, str]) -> list[Diagnostic]:
    """A warning for each acceptance that names no rule of `rules` (id -> title), or
    matches none of `findings`."""
    problems = []
    for index, acceptance in enumerate(acceptances):
        title = rules.get(acceptance.finding)
        if title is None:
            problems.append(Diagnostic(
                "warning", f"accepts {acceptance.finding}, which is not a flowdocs finding"
                           f"{did_you_mean(acceptance.finding, rules)}",
                ("accept", index, "finding"), code="accept"))
            continue
        if any(matches(acceptance, f) for f in findings):
            continue
        about = f" about {acceptance.subject}" if acceptance.subject else ""
        subjects = sorted({subject for found, subject in findings if found == acceptance.finding})
        hint = (f"; it has one about {', '.join(subjects)}" if subjects
                else "; remove the acceptance")
        problems.append(Diagnostic(
            "warning", f"accepts {acceptance.finding} ({title}){about}, but the design has no "
                       f"such finding{hint}",
            ("accept", index), code="accept"))
    return problems
