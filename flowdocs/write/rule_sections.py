"""The firewall and NSG rules that a design's delivered flows need, as a page shows them.

Pure presentation: `firewall_rules.py` derives every rule (the same ones `flowdocs rules`
prints); this module lays them out for the page's tables, with advice per kind of firewall.
"""

from __future__ import annotations

from dataclasses import dataclass

from flowdocs.analyse.firewall_rules import FirewallRule, NsgRule, firewall_rules, nsg_rules
from flowdocs.analyse.policy_coverage import RuleReview, review_rules
from flowdocs.load.catalog import Catalog
from flowdocs.load.model import Firewall
from flowdocs.resolve.flows import Resolution
from flowdocs.write.escaping import Md, code, heading, join, md
from flowdocs.write.policy_text import coverage_cell


@dataclass(frozen=True)
class RuleRow:
    """One allow rule, as the page's table shows it."""

    rule: Md
    flows: Md
    sources: Md
    destination: Md
    fqdns: Md
    port: str
    in_design: Md


@dataclass(frozen=True)
class FirewallRules:
    """Every rule one firewall or NVA needs, with advice on how to write them."""

    firewall: str
    kind: Md
    rows: tuple[RuleRow, ...]
    notes: tuple[Md, ...]


@dataclass(frozen=True)
class NsgRow:
    """An outbound NSG rule on a workload subnet."""

    subnet: str
    flows: str
    service: str
    destination: Md
    port: str
    in_design: Md


@dataclass(frozen=True)
class RuleReviewSection:
    """Whether the page compares needed rules with the design's policy, and the design's
    rules that no flow uses."""

    evaluated: bool
    unused: tuple[tuple[str, str, str], ...]  # policy, rule, access


def review_of(resolution: Resolution, catalog: Catalog) -> RuleReview:
    """The needed rules against the design's policy (policy_coverage.py), once per page."""
    return review_rules(resolution, firewall_rules(resolution, catalog), nsg_rules(resolution))


def review_section(review: RuleReview) -> RuleReviewSection:
    return RuleReviewSection(review.evaluated,
                             tuple((u.policy, u.rule, u.access) for u in review.unused))


def firewall_sections(resolution: Resolution, catalog: Catalog,
                      review: RuleReview | None = None) -> list[FirewallRules]:
    """Per firewall, in design order, the rules of `firewall_rules.py` ready for a table."""
    numbers = {f.id: f.number for f in resolution.flows}
    firewalls = {f.name: f for f in resolution.design.firewalls}
    sections: list[FirewallRules] = []
    review = review or review_of(resolution, catalog)
    for rule_set in firewall_rules(resolution, catalog):
        firewall = firewalls[rule_set.firewall]
        rows = tuple(
            _rule_row(rule, numbers,
                      coverage_cell(review.of_firewall_rule(rule_set.firewall, rule)))
            for rule in rule_set.rules)
        notes = tuple(_notes(firewall)) if rows else (
            md("No delivered flow crosses {fw}: it needs no rule for this design.",
               fw=firewall.name),)
        sections.append(FirewallRules(firewall.name, firewall_kind(firewall), rows, notes))
    return sections


def firewall_kind(firewall: Firewall) -> Md:
    if firewall.type == "azure-firewall":
        return md("Azure Firewall {sku}", sku=firewall.sku or "")
    # The kind is part of a heading: the vendor is free text (see escaping.heading).
    return md("network virtual appliance ({vendor})",
              vendor=heading(firewall.vendor or "vendor not given"))


def _as_prefix(address: str) -> str:
    """A private endpoint's IP as the /32 a rule names; a prefix as it is."""
    return address if "/" in address else f"{address}/32"


def _rule_row(rule: FirewallRule, numbers: dict[str, int], in_design: Md) -> RuleRow:
    labels = {"FQDN tag": "FQDN tag {v}", "service tag": "service tag {v}", "address": "{v}"}
    destination = [md(labels[kind], v=code(_as_prefix(value) if kind == "address" else value))
                   for kind, value in rule.destinations]
    return RuleRow(
        rule=md("{kind} rule {name}", kind=rule.kind, name=code(rule.name)),
        flows=join((md("{n} {id}", n=numbers.get(i, "?"), id=i) for i in rule.flows), "<br>"),
        sources=join(map(code, rule.sources), "<br>"),
        destination=join(destination, "<br>"),
        fqdns=join(map(code, rule.fqdns), "<br>"),
        port=f"{rule.protocol} {rule.port}",
        in_design=in_design,
    )


def nsg_sections(resolution: Resolution, catalog: Catalog,
                 review: RuleReview | None = None) -> list[NsgRow]:
    """The outbound NSG rules of `firewall_rules.nsg_rules`, ready for a table."""
    numbers = {f.id: f"{f.number} {f.workload}" for f in resolution.flows}
    review = review or review_of(resolution, catalog)
    return [_nsg_row(rule, numbers, catalog, coverage_cell(review.of_nsg_rule(rule)))
            for rule in nsg_rules(resolution)]


def _nsg_row(rule: NsgRule, numbers: dict[str, str], catalog: Catalog, in_design: Md
             ) -> NsgRow:
    if rule.private_endpoint:
        destination = md("{ip} (private endpoint {pe})", ip=code(rule.destination),
                         pe=rule.private_endpoint)
    elif "/" in rule.destination:  # a design's own flow to an address
        destination = code(rule.destination)
    else:
        destination = md("service tag {tag}", tag=code(rule.destination))
    return NsgRow(rule.subnet, ", ".join(numbers[i] for i in rule.flows),
                  catalog.services[rule.service].title, destination,
                  f"{rule.protocol} {rule.port}", in_design)


def _notes(firewall: Firewall) -> list[Md]:
    if firewall.type == "azure-firewall":
        # A firewall that inspects TLS on backup flows is finding FD004, in the findings.
        return [Md("Azure Backup traffic must not go through TLS inspection: leave TLS "
                   "termination off on the application rules.")]
    return [md("{fw} needs the same FQDNs, or the address ranges of the service tags from "
               "Microsoft's published service tag list, in the vendor's own objects.",
               fw=firewall.name)]
