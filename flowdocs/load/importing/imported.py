"""An imported design: the design's data, each object with the comment naming its source,
the candidate workloads, and what was left out. `write/design_yaml.py` writes it as YAML."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flowdocs.load.importing.inventory import Skipped

# The design's lists, in the order of the format (and of the example designs): a hub's
# Route Servers and load balancers beside its gateways, as design (k) has them; the security
# policy last, as the format's extension has it.
SECTIONS = ("vnets", "peerings", "route_tables", "firewalls", "gateways", "route_servers",
            "load_balancers", "vaults", "storage_accounts", "key_vaults", "private_link_scopes",
            "service_endpoint_policies", "private_endpoints", "private_dns_zones",
            "network_security_groups", "firewall_policies")


@dataclass(frozen=True)
class Entry:
    """One object of a design list, and the comment lines written above it."""

    data: dict[str, Any]
    comment: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceSummary:
    display: str
    shape: str  # e.g. "az CLI"
    resources: int


@dataclass
class ImportedDesign:
    sources: list[SourceSummary]
    head: dict[str, Any]  # flowdocs, name, title, region
    sections: dict[str, list[Entry]] = field(default_factory=dict)
    candidates: list[Entry] = field(default_factory=list)  # workloads, written commented out
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[Skipped] = field(default_factory=list)
    workload_types: tuple[str, ...] = ()  # what a candidate's type may be set to

    def design_data(self) -> dict[str, Any]:
        """The design as plain data, as the written YAML loads (without the candidates)."""
        data = dict(self.head)
        for section in SECTIONS:
            entries = self.sections.get(section, [])
            if entries:
                data[section] = [entry.data for entry in entries]
        return data

    def counts(self) -> dict[str, int]:
        """How many objects of each list were imported, for the command's summary."""
        counts = {s: len(self.sections.get(s, [])) for s in SECTIONS}
        counts["subnets"] = sum(len(e.data.get("subnets", [])) for e in
                                self.sections.get("vnets", []))
        counts["routes"] = sum(len(e.data.get("routes", [])) for e in
                               self.sections.get("route_tables", []))
        counts["connections"] = sum(len(e.data.get("connections", [])) for e in
                                    self.sections.get("gateways", []))
        # Security rules: the NSGs' own, and the firewall policies' (in every collection of
        # every group).
        nsg_rules = sum(len(e.data.get("rules", [])) for e in
                        self.sections.get("network_security_groups", []))
        policy_rules = sum(len(c.get("rules", [])) for e in
                           self.sections.get("firewall_policies", [])
                           for g in e.data.get("rule_collection_groups", [])
                           for c in g.get("rule_collections", []))
        counts["security_rules"] = nsg_rules + policy_rules
        return counts
