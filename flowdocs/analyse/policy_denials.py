"""The check behind finding FD014: a flow that the routes deliver and an NSG or firewall
policy on the way denies. Its fix is the exact rule to add (`policy_fixes.py`)."""

from __future__ import annotations

from collections.abc import Iterator

from flowdocs.analyse.finding_checks import Breach, Context
from flowdocs.analyse.firewall_rules import firewall_rules, nsg_rules
from flowdocs.analyse.policy_fixes import PolicyFix, firewall_fix, nsg_fix
from flowdocs.load.diagnostics import DataPath
from flowdocs.resolve.flows import Flow
from flowdocs.resolve.policy_checks import PolicyCheck


def flow_denied_by_policy(ctx: Context) -> Iterator[Breach]:
    """One finding per place and denying rule, with the flows it denies and the rules that
    would let them through."""
    resolution = ctx.resolution
    # Flows denied at one place by one rule for one reason (the same traffic from one
    # subnet, or by default to one destination) make one finding.
    groups: dict[tuple[str, str, str | None, str], list[tuple[Flow, PolicyCheck]]] = {}
    for flow in resolution.flows:
        for check in flow.policy:
            if check.verdict == "denied":
                key = (check.at, check.kind, check.rule, check.reason)
                groups.setdefault(key, []).append((flow, check))
    if not groups:
        return
    design = resolution.design
    needed_firewall = {s.firewall: s.rules for s in firewall_rules(resolution, ctx.catalog)}
    needed_nsg = nsg_rules(resolution)
    nsg_index = {n.name: i for i, n in enumerate(design.network_security_groups)}
    subnets = {w.name: w.subnet for w in design.workloads}
    for (at, kind, _, _), denied in groups.items():
        flows = [flow for flow, _ in denied]
        check = denied[0][1]
        ids = {f.id for f in flows}
        fixes: list[PolicyFix]
        path: DataPath
        if kind == "firewall":
            fixes = [firewall_fix(check, rule) for rule in needed_firewall.get(at, ())
                     if ids & set(rule.flows)]
            path = (*ctx.paths.firewalls[at], "policy")
        else:
            assert check.policy is not None
            nsg = design.network_security_groups[nsg_index[check.policy]]
            direction = "Outbound" if kind == "nsg-outbound" else "Inbound"
            fixes = []
            taken: set[int] = set()  # each fix takes its own priority
            for rule in needed_nsg:
                if ids & set(rule.flows):
                    source = ctx.resolution.topology.subnets[rule.subnet].subnet.prefix
                    fixes.append(nsg_fix(check, nsg, rule, source, direction, taken))
            path = ("network_security_groups", nsg_index[check.policy])
        names = ", ".join(f"{f.number} {f.id}" for f in flows)
        plural = "s" * (len(flows) > 1)
        workloads = sorted({subnets[f.workload] for f in flows})
        fails = ctx.consequence(flows)
        message = (f"flow{plural} {names} {'are' if plural else 'is'} denied at {at}, "
                   f"{fails}: {check.reason}")
        if fixes:
            message += "; fix: " + "; ".join(str(f) for f in fixes)
        elif workloads:
            message += f"; no rule can be derived for {', '.join(workloads)}"
        yield Breach(at, message, path)
