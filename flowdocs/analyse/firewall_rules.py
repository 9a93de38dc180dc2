"""The allow rules a design's delivered flows need: on each firewall or NVA they cross, and
on the NSG of each workload subnet they leave.

Derived from the resolved flows only, and the one place that derives them: the page
(`write/rule_sections.py`) and `flowdocs rules` (`write/rules_export.py`) only lay them out. One
firewall rule per destination and firewall, its sources the prefixes of the subnets whose
workloads send that flow through it:

- a service with an Azure Firewall FQDN tag (`AzureBackup`): an application rule on that tag,
  HTTPS 443, without TLS termination (azure-rules.md 6);
- another public service (Storage, Entra ID, Resource Manager): a network rule on the
  service tag, TCP 443; the FQDNs are listed too, for NVAs that filter by name;
- a private endpoint behind the firewall: a network rule to its IP, TCP 443.

One NSG rule per workload subnet, service and destination. The NSG sees the original
destination (the service tag, or the private endpoint's IP) even when a firewall is the next
hop. Flows that are dropped or loop get no rule: opening a rule would not deliver them (their
findings say why).
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from dataclasses import dataclass, replace
from typing import Literal

from flowdocs.load.catalog import Catalog
from flowdocs.resolve.flows import Flow, Resolution

RuleKind = Literal["application", "network"]


@dataclass(frozen=True)
class FirewallRule:
    """One allow rule: who may reach what, on which port, and for which flows."""

    name: str
    kind: RuleKind
    service: str
    sources: tuple[str, ...]
    fqdn_tags: tuple[str, ...]
    service_tags: tuple[str, ...]
    fqdns: tuple[str, ...]
    addresses: tuple[str, ...]  # private endpoint IPs
    protocol: Literal["Https", "TCP", "UDP"]
    port: int
    flows: tuple[str, ...]

    @property
    def destinations(self) -> list[tuple[str, str]]:
        """(kind, value) of each destination: `FQDN tag`, `service tag` or `address`."""
        return ([("FQDN tag", t) for t in self.fqdn_tags]
                + [("service tag", t) for t in self.service_tags]
                + [("address", a) for a in self.addresses])

    @property
    def destination(self) -> str:
        """The destination as the rule states it, in one line."""
        return ", ".join(value if kind == "address" else f"{kind} {value}"
                         for kind, value in self.destinations)


@dataclass(frozen=True)
class FirewallRuleSet:
    """The rules of one firewall or NVA."""

    firewall: str
    type: str
    sku: str | None
    rules: tuple[FirewallRule, ...]


def firewall_rules(resolution: Resolution, catalog: Catalog | None = None) -> list[FirewallRuleSet]:
    """Every firewall of the design, in design order, with the rules its flows need."""
    catalog = catalog or resolution.catalog
    subnets = {w.name: w.subnet for w in resolution.design.workloads}
    topology = resolution.topology
    sets: list[FirewallRuleSet] = []
    for firewall in resolution.design.firewalls:
        # One rule per destination and protocol and port: a private endpoint reached on two
        # ports (a design's own flows) needs two rules.
        grouped: dict[tuple[str, str, int], list[Flow]] = {}
        for flow in resolution.flows:
            if flow.routed and firewall.name in flow.firewalls:
                key = (_destination(flow), flow.protocol, flow.port)
                grouped.setdefault(key, []).append(flow)
        several = Counter(destination for destination, _, _ in grouped)
        rules = []
        for (destination, protocol, port), flows in grouped.items():
            prefixes = {topology.subnets[subnets[f.workload]].subnet.prefix for f in flows}
            sources = tuple(sorted(prefixes, key=ipaddress.ip_network))
            rule = _rule(destination, flows, sources, resolution, catalog)
            if several[destination] > 1:
                rule = replace(rule, name=f"{destination}-{protocol.lower()}-{port}")
            rules.append(rule)
        sets.append(FirewallRuleSet(firewall.name, firewall.type, firewall.sku, tuple(rules)))
    return sets


@dataclass(frozen=True)
class NsgRule:
    """An outbound allow rule on the NSG of a workload subnet."""

    subnet: str  # VNET/SUBNET
    service: str
    private_endpoint: str | None  # the endpoint the flows reach, when they reach one
    destination: str  # the service tag, or the private endpoint's IP as a /32
    protocol: Literal["TCP", "UDP"]
    port: int
    flows: tuple[str, ...]


def nsg_rules(resolution: Resolution) -> list[NsgRule]:
    """Outbound rules per workload subnet, in flow order, for every routed delivered flow
    (a platform flow is not network traffic from the VM: no NSG applies to it)."""
    subnets = {w.name: w.subnet for w in resolution.design.workloads}
    catalog = resolution.catalog
    grouped: dict[tuple[str, str, str | None], list[Flow]] = {}
    for flow in resolution.flows:
        if flow.routed and flow.access != "platform":
            key = (subnets[flow.workload], flow.service, _private_endpoint(flow))
            grouped.setdefault(key, []).append(flow)
    rules = []
    for (subnet, service, endpoint), flows in grouped.items():
        address = (f"{resolution.topology.private_endpoint_ips[endpoint]}/32" if endpoint
                   else flows[0].address or catalog.tag(service))
        rules.append(NsgRule(subnet, service, endpoint, address, flows[0].protocol,
                             flows[0].port, tuple(f.id for f in flows)))
    return rules


def _private_endpoint(flow: Flow) -> str | None:
    """The private endpoint the flow reaches, when it reaches one."""
    return flow.private_endpoint if flow.access == "private-endpoint" else None


def _destination(flow: Flow) -> str:
    """What a rule allows: the private endpoint the flow reaches, else its service."""
    return _private_endpoint(flow) or flow.service


def _rule(destination: str, flows: list[Flow], sources: tuple[str, ...],
          resolution: Resolution, catalog: Catalog) -> FirewallRule:
    first = flows[0]
    ids = tuple(f.id for f in flows)
    if destination != first.service:
        ip = resolution.topology.private_endpoint_ips[destination]
        return FirewallRule(destination, "network", first.service, sources, (), (),
                            first.fqdns, (ip,), first.protocol, first.port, ids)
    if first.address is not None:
        # A design's own flow to an address: a workload's IP, or a prefix it names.
        return FirewallRule(destination, "network", destination, sources, (), (), first.fqdns,
                            (first.address,), first.protocol, first.port, ids)
    service = catalog.services[destination]
    # An FQDN tag is for application rules, which see HTTPS only: a leg on another port or
    # over UDP needs a network rule on the service tag.
    if service.fqdn_tag and service.protocol == "TCP" and service.port == 443:
        return FirewallRule(destination, "application", destination, sources,
                            (service.fqdn_tag,), (), service.fqdns, (), "Https", service.port, ids)
    return FirewallRule(destination, "network", destination, sources, (),
                        (catalog.tag(destination),), service.fqdns, (), service.protocol,
                        service.port, ids)
