"""What the security policy says of a flow, in the page's words: the flow table's cell, a
line per NSG or firewall decision for the narrative, and a needed rule's standing.

Pure presentation of `Flow.policy` (resolve/policy.py) and `policy_coverage.py`.
"""

from __future__ import annotations

from flowdocs.analyse.policy_coverage import Coverage
from flowdocs.resolve.flows import Flow
from flowdocs.resolve.policy_checks import PolicyCheck
from flowdocs.write.escaping import Md, code, join, md

_WHERE = {"nsg-outbound": "outbound on", "nsg-inbound": "inbound on"}


def policy_cell(flow: Flow) -> Md:
    """`allowed`, `**denied** at afw-hub`, `unknown at nva-hub`, or `none applies`."""
    if flow.access == "platform":
        return Md("none applies")
    if not flow.routed:
        return Md("n/a")
    if not flow.policy:
        return Md("no NSG or firewall")
    denied = [c for c in flow.policy if c.verdict == "denied"]
    if denied:
        return md("**denied** at {at}", at=join(dict.fromkeys(c.at for c in denied)))
    unknown = [c for c in flow.policy if c.verdict == "unknown"]
    if unknown:
        return md("unknown at {at}", at=join(dict.fromkeys(c.at for c in unknown)))
    return Md("allowed")


def check_line(check: PolicyCheck) -> Md:
    """One decision, as a list item: where, what, by which rule, and why."""
    if check.kind == "firewall":
        where = md("{fw}", fw=code(check.at))
        if check.policy:
            where = md("{fw} (policy {p})", fw=code(check.at), p=code(check.policy))
    else:
        where = md("NSG {nsg} {dir} {subnet}", nsg=code(check.policy or ""),
                   dir=_WHERE[check.kind], subnet=code(check.at))
    verdict = md("**{v}**", v=check.verdict) if check.verdict == "denied" else md(
        "{v}", v=check.verdict)
    if check.rule and check.verdict != "unknown":
        # The rule says it all; its reason would repeat the flow.
        return md("{where}: {verdict} by {rule}.", where=where, verdict=verdict,
                  rule=code(check.rule))
    return md("{where}: {verdict}. {reason}.", where=where, verdict=verdict,
              reason=_sentence(check.reason))


def coverage_cell(coverage: Coverage) -> Md:
    """A needed rule's standing in the design's policy."""
    if coverage.state == "present":
        return md("present: {rules}", rules=join(map(code, coverage.existing), "<br>")) \
            if coverage.existing else Md("present")
    if coverage.state == "missing":
        return Md("**missing**")
    return md("{s}", s=coverage.state)


def _sentence(reason: str) -> str:
    """The reason with its first letter capitalised, without a closing full stop."""
    reason = reason.rstrip(".")
    return reason[:1].upper() + reason[1:]
