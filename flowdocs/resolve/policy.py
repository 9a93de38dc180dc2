"""Does the security policy on a flow's path let it through? NSGs and Azure Firewall policies,
evaluated as Azure documents it (azure-exports-and-policy.md 3.1 and 3.2).

- NSGs (network-security-group-how-it-works): outbound on the subnet the flow leaves, inbound
  on the subnet it enters (a private endpoint's subnet, when its network policies enable NSGs;
  an NVA's subnet, both ways). Rules by priority, lowest first, the first match decides; the
  default rules follow the NSG's own. A subnet without an NSG lets everything through.
- Azure Firewall (rule-processing): all network rules, then all application rules; within
  each, the base policy's before the policy's own, rule collection groups by priority, then
  collections by priority, then rules in order; the first match decides; then default deny.
  Application rules see HTTP, HTTPS and MSSQL only.
- An NVA, and an Azure Firewall whose policy the design does not give, get `unknown`.

Assumptions, stated on the page as well (`policy_assumptions`): a flow's source is any address
of its workload's subnet; the flow is TCP; an NVA does not translate source addresses; Azure
Firewall translates the source to its own address when an application rule allows the flow
(it proxies the connection), and not for a network rule to a private address. Threat
intelligence, DNAT (inbound only), IP groups and the built-in infrastructure collection (which
covers platform names that no catalog flow uses) are not evaluated.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Literal

from flowdocs.load.model import Design, Firewall
from flowdocs.load.policy_model import (
    FirewallPolicy,
    FirewallPolicyRule,
    NetworkSecurityGroup,
    SecurityRule,
)
from flowdocs.resolve.policy_checks import CheckKind, PolicyCheck, Verdict
from flowdocs.resolve.policy_match import (
    AddressSpace,
    Destination,
    Match,
    Network,
    any_of,
    combine,
    match_destination,
    match_fqdn,
    match_ports,
    match_source,
    network_of,
)
from flowdocs.resolve.topology import SubnetRef, Topology

Access = Literal["Allow", "Deny"]
# Application rules inspect these protocols only, each on its usual port (rule-processing).
_APPLICATION_PROTOCOLS = {443: "Https", 80: "Http", 1433: "Mssql"}
# Private endpoints' subnets apply NSGs to the endpoints' traffic only with these settings.
_NSG_ON_PRIVATE_ENDPOINTS = ("Enabled", "NetworkSecurityGroupEnabled")


def _default(name: str, priority: int, direction: Literal["Inbound", "Outbound"], access: Access,
             source: str, destination: str) -> SecurityRule:
    # model_construct: the default rules' priorities (65000 and up) are outside the range a
    # design may use, which is the point of them.
    return SecurityRule.model_construct(
        name=name, priority=priority, direction=direction, access=access, protocol="*",
        source_address_prefixes=[source], destination_address_prefixes=[destination],
        destination_port_ranges=["*"], description="")


# Azure's default rules, after every NSG's own (network-security-groups-overview).
DEFAULT_RULES = {
    "Inbound": (
        _default("AllowVnetInBound", 65000, "Inbound", "Allow", "VirtualNetwork",
                 "VirtualNetwork"),
        _default("AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "AzureLoadBalancer",
                 "*"),
        _default("DenyAllInBound", 65500, "Inbound", "Deny", "*", "*"),
    ),
    "Outbound": (
        _default("AllowVnetOutBound", 65000, "Outbound", "Allow", "VirtualNetwork",
                 "VirtualNetwork"),
        _default("AllowInternetOutBound", 65001, "Outbound", "Allow", "*", "Internet"),
        _default("DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*"),
    ),
}


@dataclass(frozen=True)
class Traffic:
    """What a policy sees of a flow: TCP from a subnet to a destination and port, and the
    names an application rule can match (the service's FQDNs and its FQDN tag)."""

    source: Network
    destination: Destination
    port: int
    fqdns: tuple[str, ...]
    fqdn_tag: str | None
    protocol: Literal["TCP", "UDP"] = "TCP"

    def __str__(self) -> str:
        return self.text

    @functools.cached_property
    def text(self) -> str:
        """What reasons say of the traffic: written into every decision, so made once."""
        return f"{self.protocol} {self.port} from {self.source} to {self.destination}"


@dataclass(frozen=True)
class _Candidate:
    """One rule, in evaluation order, and whether it matches the traffic."""

    name: str
    access: Access
    match: Match
    kind: str  # "NSG rule", "network rule", "application rule"


@dataclass(frozen=True)
class _Decision:
    verdict: Verdict
    rule: str | None
    reason: str
    # An application rule that allowed the flow: Azure Firewall proxies it from its own address.
    proxied: bool = False


class PolicyEvaluator:
    """Evaluates the flows of one design; NSG and firewall answers are cached per subnet,
    service and path, as every workload of a subnet gets the same answer."""

    def __init__(self, topology: Topology) -> None:
        design: Design = topology.design
        self.topology = topology
        self.nsgs = {n.name: n for n in design.network_security_groups}
        self.policies = {p.name: p for p in design.firewall_policies}
        self.workload_subnets = {w.name: w.subnet for w in design.workloads}
        self._ordered: dict[tuple[str, str], tuple[tuple[str, str, SecurityRule], ...]] = {}

    def checks(self, subnet: SubnetRef, hops: Iterable[tuple[str, str]], traffic: Traffic
               ) -> tuple[PolicyCheck, ...]:
        """Every check on the path, in path order. `hops` are (node, kind) after the
        workload: firewalls, then the private endpoint or service."""
        return tuple(self._walk(subnet, hops, traffic))

    def _walk(self, subnet: SubnetRef, hops: Iterable[tuple[str, str]], traffic: Traffic
              ) -> Iterator[PolicyCheck]:
        check = self.nsg_check(subnet, "Outbound", traffic)
        if check is not None:
            yield check
        for node, kind in hops:
            if kind == "firewall":
                firewall = self.topology.firewalls[node]
                where = self.topology.subnet_of_firewall(firewall)
                check = self.nsg_check(where, "Inbound", traffic)
                if check is not None:
                    yield check
                check, proxied = self.firewall_check(firewall, traffic)
                yield check
                check = self.nsg_check(where, "Outbound", traffic)
                if check is not None:
                    yield check
                if proxied:
                    traffic = replace(traffic, source=where.network)
            elif kind == "private-endpoint":
                where = self._subnet_of_endpoint(node)
                if where.subnet.private_endpoint_network_policies in _NSG_ON_PRIVATE_ENDPOINTS:
                    check = self.nsg_check(where, "Inbound", traffic)
                    if check is not None:
                        yield check
            elif kind == "workload" and node in self.workload_subnets:
                # A design's own flow to another workload: inbound on that workload's subnet.
                check = self.nsg_check(self.topology.subnets[self.workload_subnets[node]],
                                       "Inbound", traffic)
                if check is not None:
                    yield check

    def _subnet_of_endpoint(self, name: str) -> SubnetRef:
        endpoint = next(e for e in self.topology.design.private_endpoints if e.name == name)
        return self.topology.subnets[endpoint.subnet]

    # NSGs -------------------------------------------------------------------------------------

    def nsg_check(self, subnet: SubnetRef, direction: Literal["Inbound", "Outbound"],
                  traffic: Traffic) -> PolicyCheck | None:
        """The NSG of `subnet` on the traffic; None when the subnet has no NSG."""
        name = subnet.subnet.network_security_group
        if name is None:
            return None
        kind: CheckKind = "nsg-outbound" if direction == "Outbound" else "nsg-inbound"
        nsg = self.nsgs[name]
        ordered = self._ordered.get((name, direction))
        if ordered is None:
            ordered = self._ordered[(name, direction)] = nsg_rules_in_order(nsg, direction)
        decision = evaluate_nsg(nsg, direction, traffic, self._space(subnet.id), ordered)
        return PolicyCheck(subnet.id, kind, name, decision.verdict, decision.rule,
                           decision.reason)

    def _space(self, subnet_id: str) -> AddressSpace:
        """The `VirtualNetwork` tag as an NSG on this subnet sees it: the same for every
        subnet of a VNet with the same route table."""
        subnet = self.topology.subnets[subnet_id]
        return self._space_of(subnet.vnet.name, subnet.subnet.route_table)

    @functools.cache  # noqa: B019 - one evaluator per design, dropped with it
    def _space_of(self, vnet: str, route_table: str | None) -> AddressSpace:
        topo = self.topology
        vnets = [vnet, *topo.peered_vnets(vnet)]
        networks = [network_of(p) for v in vnets for p in topo.vnets[v].address_space]
        # Prefixes learned from on-premises through the gateways the VNet uses.
        networks += [network_of(p) for g in topo.remote_gateways(vnet)
                     for p in g.learned_prefixes()]
        table = topo.route_tables.get(route_table or "")
        if table is not None:
            networks += [network_of(r.address_prefix) for r in table.routes
                         if "/" in r.address_prefix]
        return AddressSpace(tuple(networks))

    # Firewalls --------------------------------------------------------------------------------

    @functools.cache  # noqa: B019 - one evaluator per design, dropped with it
    def _policy(self, name: str) -> tuple[tuple[FirewallPolicy, ...],
                                          tuple[OrderedRules, OrderedRules]]:
        """A policy's chain and its rules in Azure's order, sorted once per design."""
        chain = policy_chain(self.policies[name], self.policies)
        return chain, (ordered_rules(chain, "network"), ordered_rules(chain, "application"))

    def firewall_check(self, firewall: Firewall, traffic: Traffic) -> tuple[PolicyCheck, bool]:
        """The firewall's verdict, and whether an application rule allowed (proxied) it."""
        if firewall.type == "nva":
            return PolicyCheck(firewall.name, "firewall", None, "unknown", None,
                               f"{firewall.name} is an NVA: its rules are not evaluated "
                               "(rules: unknown)"), False
        if firewall.policy is None:
            return PolicyCheck(firewall.name, "firewall", None, "unknown", None,
                               f"the design gives no policy for {firewall.name}: its rules "
                               "are not evaluated"), False
        chain, ordered = self._policy(firewall.policy)
        space = self._space(self.topology.subnet_of_firewall(firewall).id)
        decision = evaluate_firewall_policy(chain, traffic, space, ordered)
        return (PolicyCheck(firewall.name, "firewall", firewall.policy, decision.verdict,
                            decision.rule, decision.reason), decision.proxied)


def evaluate_nsg(nsg: NetworkSecurityGroup, direction: Literal["Inbound", "Outbound"],
                 traffic: Traffic, space: AddressSpace,
                 ordered: tuple[tuple[str, str, SecurityRule], ...] | None = None) -> _Decision:
    """The first rule of `nsg` (its own by priority, then Azure's defaults) that matches.
    `ordered` is `nsg_rules_in_order(nsg, direction)`, when the caller keeps it."""
    ordered = ordered or nsg_rules_in_order(nsg, direction)
    # Matched one by one as the first match is looked for: rules after it are never asked.
    candidates = (_Candidate(name, rule.access, _match_nsg_rule(rule, traffic, space), kind)
                  for name, kind, rule in ordered)
    decision = _first_match(candidates, traffic)
    # DenyAll* always matches: an NSG always decides.
    assert decision is not None
    return decision


def nsg_rules_in_order(nsg: NetworkSecurityGroup, direction: Literal["Inbound", "Outbound"]
               ) -> tuple[tuple[str, str, SecurityRule], ...]:
    """The rules of one direction in Azure's order, with their full names: the NSG's own by
    priority, then the defaults. Sorted once per NSG, not once per flow."""
    own = sorted((r for r in nsg.rules if r.direction == direction), key=lambda r: r.priority)
    return (*((f"{nsg.name}/{r.name}", "NSG rule", r) for r in own),
            *((f"{nsg.name}/{r.name}", "default NSG rule", r) for r in DEFAULT_RULES[direction]))


def _match_nsg_rule(rule: SecurityRule, traffic: Traffic, space: AddressSpace) -> Match:
    if rule.protocol not in ("*", traffic.protocol.capitalize()):
        return "no"
    return _match_addresses(rule.source_address_prefixes, rule.destination_address_prefixes,
                            rule.destination_port_ranges, traffic, space)


def _match_addresses(sources: list[str], destinations: list[str], ports: list[str],
                     traffic: Traffic, space: AddressSpace) -> Match:
    """Source, destination and port: what NSG rules and network rules match alike. The
    cheap fields first: most rules fail on the port or the destination."""
    port = match_ports(ports, traffic.port)
    if port == "no":
        return "no"
    destination = any_of([match_destination(a, traffic.destination, space)
                          for a in destinations])
    if destination == "no":
        return "no"
    return combine(any_of([match_source(a, traffic.source, space) for a in sources]),
                   destination, port)


def policy_chain(policy: FirewallPolicy, policies: dict[str, FirewallPolicy]
                 ) -> tuple[FirewallPolicy, ...]:
    """The policy and its ancestors, the root base policy first: its rules come first."""
    chain = [policy]
    while chain[-1].base_policy is not None and chain[-1].base_policy in policies:
        parent = policies[chain[-1].base_policy]
        if parent in chain:  # validation reports the loop; stop here all the same
            break
        chain.append(parent)
    return tuple(reversed(chain))


def ordered_rules(chain: tuple[FirewallPolicy, ...], kind: str
                  ) -> list[tuple[str, Access, FirewallPolicyRule]]:
    """The rules of one kind in Azure's order, each with its full name
    (policy/group/collection/rule) and its collection's action."""
    return [
        (f"{policy.name}/{group.name}/{collection.name}/{rule.name}", collection.action, rule)
        for policy in chain
        for group in sorted(policy.rule_collection_groups, key=lambda g: g.priority)
        for collection in sorted(group.rule_collections, key=lambda c: c.priority)
        if collection.kind == kind
        for rule in collection.rules
    ]


OrderedRules = list[tuple[str, Access, FirewallPolicyRule]]


def evaluate_firewall_policy(chain: tuple[FirewallPolicy, ...], traffic: Traffic,
                             space: AddressSpace,
                             ordered: tuple[OrderedRules, OrderedRules] | None = None
                             ) -> _Decision:
    """Network rules, then application rules (per name the flow uses), then default deny.
    `ordered` is the chain's (network, application) `ordered_rules`, when the caller keeps
    them."""
    network_rules, application = ordered or (ordered_rules(chain, "network"),
                                             ordered_rules(chain, "application"))
    # Application rules proxy TCP connections of HTTP, HTTPS and MSSQL only.
    protocol = _APPLICATION_PROTOCOLS.get(traffic.port) if traffic.protocol == "TCP" else None
    decisions: list[tuple[str, _Decision]] = []
    network_matches: list[_Candidate] = []  # matched once, for every name the flow uses

    def network() -> Iterator[_Candidate]:
        yield from network_matches
        for name, access, rule in network_rules[len(network_matches):]:
            candidate = _Candidate(name, access, _match_network_rule(rule, traffic, space),
                                   "network rule")
            network_matches.append(candidate)
            yield candidate

    for fqdn in traffic.fqdns or ("",):
        candidates: Iterable[_Candidate] = network()
        if protocol is not None:
            candidates = itertools.chain(candidates, (
                _Candidate(name, access, _match_application_rule(rule, traffic, fqdn, protocol,
                                                                 space), "application rule")
                for name, access, rule in application))
        decision = (_first_match(candidates, traffic, fallback="Deny")
                    or _default_deny(chain, traffic, protocol))
        decisions.append((fqdn, decision))
    return _per_name(decisions)


def _match_network_rule(rule: FirewallPolicyRule, traffic: Traffic, space: AddressSpace
                        ) -> Match:
    if not any(p in (traffic.protocol, "Any") for p in rule.ip_protocols):
        return "no"
    return _match_addresses(rule.source_addresses, rule.destination_addresses,
                            rule.destination_ports, traffic, space)


def _match_application_rule(rule: FirewallPolicyRule, traffic: Traffic, fqdn: str,
                            protocol: str, space: AddressSpace) -> Match:
    if not any(p.protocol_type == protocol and p.port == traffic.port for p in rule.protocols):
        return "no"
    # An FQDN tag is matched by its name: Microsoft maintains its names, unseen.
    tagged: Match = "yes" if traffic.fqdn_tag and traffic.fqdn_tag in rule.fqdn_tags else "no"
    named = [match_fqdn(target, fqdn) for target in rule.target_fqdns] if fqdn else []
    return combine(
        any_of([match_source(a, traffic.source, space) for a in rule.source_addresses]),
        any_of([tagged, *named]),
    )


def _first_match(candidates: Iterable[_Candidate], traffic: Traffic,
                 fallback: Access | None = None) -> _Decision | None:
    """The first rule that matches decides. A rule before it that only may match (`maybe`)
    and would decide the other way makes the verdict `unknown`. None when no rule decides:
    then `fallback` (a firewall's default deny) does, unless a rule that may match would
    decide otherwise."""
    doubtful: list[_Candidate] = []
    for candidate in candidates:
        if candidate.match == "no":
            continue
        if candidate.match == "maybe":
            doubtful.append(candidate)
            continue
        against = [d for d in doubtful if d.access != candidate.access]
        if against:
            return _Decision("unknown", candidate.name,
                             f"{_named(against[0])} may match {traffic} first and "
                             f"{against[0].access.lower()} it; else {_named(candidate)} "
                             f"{_verb(candidate.access)} it")
        verdict: Verdict = "allowed" if candidate.access == "Allow" else "denied"
        return _Decision(verdict, candidate.name,
                         f"{_named(candidate)} {_verb(candidate.access)} {traffic}",
                         proxied=verdict == "allowed" and candidate.kind == "application rule")
    if doubtful and any(d.access != fallback for d in doubtful):
        first = next(d for d in doubtful if d.access != fallback)
        return _Decision("unknown", first.name,
                         f"only {_named(first)} may match {traffic}; it would "
                         f"{first.access.lower()} it")
    return None


def _default_deny(chain: tuple[FirewallPolicy, ...], traffic: Traffic, protocol: str | None
                  ) -> _Decision:
    names = " (with its base policy " + ", ".join(p.name for p in chain[:-1]) + ")" \
        if len(chain) > 1 else ""
    reason = f"no rule of {chain[-1].name}{names} allows {traffic}: default deny"
    if protocol is None:
        reason += (f"; {traffic.protocol} {traffic.port} is not HTTP, HTTPS or MSSQL, so only a "
                   "network rule can allow it, never an application rule")
    return _Decision("denied", None, reason)


def _per_name(decisions: list[tuple[str, _Decision]]) -> _Decision:
    """One decision for the flow from one per name it uses: every name must be allowed."""
    for wanted in ("denied", "unknown"):
        hit = [(fqdn, d) for fqdn, d in decisions if d.verdict == wanted]
        if hit:
            decision = hit[0][1]
            if len(hit) == len(decisions) or decision.rule is not None:
                return decision
            names = ", ".join(f for f, d in hit if d.rule is None)
            return replace(decision, reason=f"{names}: {decision.reason}")
    rules = list(dict.fromkeys(d.rule for _, d in decisions))
    first = decisions[0][1]
    if len(rules) == 1:
        return first
    reason = "; ".join(f"{fqdn}: {d.reason}" for fqdn, d in decisions)
    return _Decision("allowed", first.rule, reason,
                     proxied=any(d.proxied for _, d in decisions))


def _named(candidate: _Candidate) -> str:
    return f"{candidate.kind} {candidate.name}"


def _verb(access: Access) -> str:
    return "allows" if access == "Allow" else "denies"


def policy_assumptions(design: Design) -> list[str]:
    """What the evaluation assumes, for the page; empty when the design has no policy to
    evaluate."""
    if not design.network_security_groups and not design.firewall_policies:
        return []
    return [
        "Security policy: a flow may come from any address of its workload's subnet, on the "
        "protocol and port its service has in the catalog. An NVA does not translate source "
        "addresses. Azure Firewall translates the "
        "source to its own address when an application rule allows a flow, and not for a "
        "network rule to a private address. Threat intelligence, DNAT, IP groups and the "
        "firewall's built-in infrastructure rule collection are not evaluated.",
        "The VirtualNetwork service tag holds the subnet's VNet, its peered VNets, the "
        "prefixes the design's gateways learn from on-premises and the prefixes of the "
        "subnet's user-defined routes (a 0.0.0.0/0 route makes it hold every address).",
    ]
