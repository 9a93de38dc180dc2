"""The allow rules each firewall or NVA needs for the flows that cross it.

Derived from the resolved flows only. One rule per destination and firewall, its sources
the prefixes of the subnets whose workloads send that flow through it:

- a service with an Azure Firewall FQDN tag (`AzureBackup`): an application rule on that tag,
  HTTPS 443, without TLS termination (azure-rules.md 6);
- another public service (Storage, Entra ID, Resource Manager): a network rule on the
  service tag, TCP 443; the FQDNs are listed too, for NVAs that filter by name;
- a private endpoint behind the firewall: a network rule to its IP, TCP 443.

Flows that are dropped or loop get no rule: opening a rule would not deliver them (their
findings say why).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal

from flowdocs.catalog import Catalog, default_catalog
from flowdocs.flows import Flow, Resolution

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
    protocol: Literal["Https", "TCP"]
    port: int
    flows: tuple[str, ...]

    @property
    def destination(self) -> str:
        """The destination as the rule states it, in one line."""
        parts = ([f"FQDN tag {t}" for t in self.fqdn_tags]
                 + [f"service tag {t}" for t in self.service_tags] + list(self.addresses))
        return ", ".join(parts)


@dataclass(frozen=True)
class FirewallRuleSet:
    """The rules of one firewall or NVA."""

    firewall: str
    type: str
    sku: str | None
    rules: tuple[FirewallRule, ...]


def firewall_rules(resolution: Resolution, catalog: Catalog | None = None) -> list[FirewallRuleSet]:
    """Every firewall of the design, in design order, with the rules its flows need."""
    catalog = catalog or default_catalog()
    subnets = {w.name: w.subnet for w in resolution.design.workloads}
    topology = resolution.topology
    sets: list[FirewallRuleSet] = []
    for firewall in resolution.design.firewalls:
        grouped: dict[str, list[Flow]] = {}
        for flow in resolution.flows:
            if flow.status == "delivered" and firewall.name in flow.firewalls:
                grouped.setdefault(_destination(flow), []).append(flow)
        rules = []
        for destination, flows in grouped.items():
            prefixes = {topology.subnets[subnets[f.workload]].subnet.prefix for f in flows}
            sources = tuple(sorted(prefixes, key=ipaddress.ip_network))
            rules.append(_rule(destination, flows, sources, resolution, catalog))
        sets.append(FirewallRuleSet(firewall.name, firewall.type, firewall.sku, tuple(rules)))
    return sets


def _destination(flow: Flow) -> str:
    """What a rule allows: the private endpoint the flow reaches, else its service."""
    return flow.private_endpoint if flow.access == "private-endpoint" and \
        flow.private_endpoint else flow.service


def _rule(destination: str, flows: list[Flow], sources: tuple[str, ...],
          resolution: Resolution, catalog: Catalog) -> FirewallRule:
    first = flows[0]
    ids = tuple(f.id for f in flows)
    if destination != first.service:
        ip = resolution.topology.private_endpoint_ips[destination]
        return FirewallRule(destination, "network", first.service, sources, (), (),
                            first.fqdns, (ip,), "TCP", first.port, ids)
    service = catalog.services[destination]
    if service.fqdn_tag:
        return FirewallRule(destination, "application", destination, sources,
                            (service.fqdn_tag,), (), service.fqdns, (), "Https", service.port, ids)
    return FirewallRule(destination, "network", destination, sources, (), (destination,),
                        service.fqdns, (), "TCP", service.port, ids)
