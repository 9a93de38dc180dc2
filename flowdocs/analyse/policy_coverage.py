"""What exists against what is needed: for each rule the flows need (`firewall_rules.py`),
whether the design's policy already allows its flows, and which rules of the design's NSGs and
firewall policies no flow of the design uses.

Read from the flows' policy checks only (`resolve/policy.py`): a needed rule is `present`
when every one of its flows is allowed where it applies, `missing` when one is denied there,
`unknown` when the policy there is not evaluated (an NVA, a firewall without a policy) or the
answer depends on addresses the design does not give, and `no NSG` for an NSG rule on a
subnet without one (nothing filters it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from flowdocs.analyse.firewall_rules import FirewallRule, FirewallRuleSet, NsgRule
from flowdocs.resolve.flows import Flow, Resolution
from flowdocs.resolve.policy import ordered_rules, policy_chain
from flowdocs.resolve.policy_checks import PolicyCheck

CoverageState = Literal["present", "missing", "unknown", "no NSG"]


@dataclass(frozen=True)
class Coverage:
    state: CoverageState
    existing: tuple[str, ...]  # the rules that allow the flows, when present


FlowIndex = dict[str, Flow]


def flow_index(resolution: Resolution) -> FlowIndex:
    """The flows by id: a rule names its flows, and an estate has thousands of rules."""
    return {f.id: f for f in resolution.flows}


def firewall_rule_coverage(flows: FlowIndex, firewall: str, rule: FirewallRule) -> Coverage:
    checks = _checks(flows, rule.flows, lambda c: c.kind == "firewall" and c.at == firewall)
    return _coverage(checks)


def nsg_rule_coverage(resolution: Resolution, flows: FlowIndex, rule: NsgRule) -> Coverage:
    subnet = resolution.topology.subnets[rule.subnet].subnet
    if subnet.network_security_group is None:
        return Coverage("no NSG", ())
    checks = _checks(flows, rule.flows,
                     lambda c: c.kind == "nsg-outbound" and c.at == rule.subnet)
    return _coverage(checks)


@dataclass(frozen=True)
class UnusedRule:
    policy: str  # the NSG or firewall policy
    rule: str  # its full name
    access: Literal["Allow", "Deny"]


def unused_rules(resolution: Resolution) -> list[UnusedRule]:
    """Allow rules of the NSGs on the design's subnets and of the policies of its firewalls
    that decide no flow of the design. They may serve other traffic: the design lists backup
    flows only, so this is a list to review, not to delete. Deny rules are left out: denying
    what the design does not send is their purpose."""
    design = resolution.design
    used = {c.rule for f in resolution.flows for c in f.policy if c.rule is not None}
    attached_nsgs = {s.network_security_group for v in design.vnets for s in v.subnets}
    unused = [UnusedRule(nsg.name, f"{nsg.name}/{r.name}", r.access)
              for nsg in design.network_security_groups if nsg.name in attached_nsgs
              for r in nsg.rules if r.access == "Allow" and f"{nsg.name}/{r.name}" not in used]
    policies = {p.name: p for p in design.firewall_policies}
    seen: set[str] = set()
    for firewall in design.firewalls:
        if firewall.policy is None or firewall.policy not in policies:
            continue
        for policy in policy_chain(policies[firewall.policy], policies):
            if policy.name in seen:
                continue
            seen.add(policy.name)
            for kind in ("network", "application"):
                unused += [UnusedRule(policy.name, name, access)
                           for name, access, _ in ordered_rules((policy,), kind)
                           if access == "Allow" and name not in used]
    return unused


def _checks(flows: FlowIndex, flow_ids: tuple[str, ...],
            where: Callable[[PolicyCheck], bool]) -> list[PolicyCheck]:
    return [c for i in flow_ids for c in flows[i].policy if where(c)]


def _coverage(checks: list[PolicyCheck]) -> Coverage:
    if not checks:
        return Coverage("unknown", ())
    if any(c.verdict == "denied" for c in checks):
        return Coverage("missing", ())
    if any(c.verdict == "unknown" for c in checks):
        return Coverage("unknown", ())
    return Coverage("present", tuple(dict.fromkeys(c.rule for c in checks if c.rule)))


@dataclass(frozen=True)
class RuleReview:
    """The coverage of every needed rule, by firewall and rule name, and by NSG rule."""

    firewall: dict[tuple[str, str], Coverage]
    nsg: dict[tuple[str, str, str | None], Coverage]
    unused: list[UnusedRule]
    # The design gives NSGs or firewall policies: without them every answer is "unknown" or
    # "no NSG", and outputs leave the comparison out.
    evaluated: bool = True

    def of_firewall_rule(self, firewall: str, rule: FirewallRule) -> Coverage:
        return self.firewall[(firewall, rule.name)]

    def of_nsg_rule(self, rule: NsgRule) -> Coverage:
        return self.nsg[(rule.subnet, rule.service, rule.private_endpoint)]


def review_rules(resolution: Resolution, sets: list[FirewallRuleSet], nsgs: list[NsgRule]
                 ) -> RuleReview:
    flows = flow_index(resolution)
    return RuleReview(
        firewall={(s.firewall, r.name): firewall_rule_coverage(flows, s.firewall, r)
                  for s in sets for r in s.rules},
        nsg={(r.subnet, r.service, r.private_endpoint): nsg_rule_coverage(resolution, flows, r)
             for r in nsgs},
        unused=unused_rules(resolution),
        evaluated=bool(resolution.design.network_security_groups
                       or resolution.design.firewall_policies),
    )
