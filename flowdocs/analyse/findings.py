"""Findings: the risks and mistakes a resolved design shows, each tied to the rule it breaks.

A finding has a stable id (`FD001`...), a severity, a subject (the design object it is
about), a message, the source rule (a section of azure-rules.md or a Microsoft page) and a
data path to its subject, so that `validate` prints it located in the design file.

Severities say what happens to the network, not to the file: `error`, the backup does not
work as drawn; `warning`, it works with a risk or cost to decide on; `info`, worth knowing.
A finding never stops a build: `validate` prints error and warning findings as warnings,
and `--strict` fails on them. Each rule holds its check, from `finding_checks.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Literal

from flowdocs.analyse import finding_checks as checks
from flowdocs.analyse.acceptance import reason_for
from flowdocs.analyse.finding_checks import Check, Context
from flowdocs.analyse.policy_denials import flow_denied_by_policy
from flowdocs.load.catalog import Catalog
from flowdocs.load.diagnostics import DataPath, Diagnostic
from flowdocs.resolve.flows import Resolution

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}

# Rules cite the sections of docs/routing-rules.md (the page users read), which follow
# reference/azure-rules.md section by section; costs are explained in docs/decisions.md.
_SECTIONS = {1: "Effective routes of a subnet", 2: "Choosing a route", 3: "Azure services",
             4: "Private endpoints", 5: "Following a flow", 6: "Azure Backup traffic"}


def _rules(section: int) -> str:
    if section == 7:
        return "flowdocs docs, Findings, costs and variants: costs"
    return f"flowdocs docs, Routing rules: {_SECTIONS[section]}"


@dataclass(frozen=True)
class Rule:
    """What a finding checks, how severe a breach is, where the rule comes from, and the
    check that finds its breaches."""

    id: str
    slug: str
    severity: Severity
    title: str
    source: str
    check: Check = field(repr=False, compare=False)


RULES: tuple[Rule, ...] = (
    Rule("FD001", "flow-dropped", "error", "A flow is dropped",
         f"{_rules(5)}; learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview",
         checks.flow_dropped),
    Rule("FD002", "flow-loop", "error", "A flow loops between appliances",
         _rules(5), checks.flow_loop),
    Rule("FD003", "service-endpoint-policy-blocks-backup", "error",
         "A service endpoint policy on a subnet with Azure Backup streaming workloads",
         f"{_rules(6)}; learn.microsoft.com/azure/backup/private-endpoints-overview",
         checks.service_endpoint_policy_blocks_backup),
    Rule("FD004", "backup-tls-inspection", "error",
         "TLS inspection on a firewall that carries Azure Backup traffic",
         f"{_rules(6)}; learn.microsoft.com/azure/backup/sap-ase-database-backup",
         checks.backup_tls_inspection),
    Rule("FD005", "service-endpoint-without-policy", "warning",
         "A Storage service endpoint without a policy: a data-exfiltration path",
         f"{_rules(6)}; learn.microsoft.com/azure/virtual-network/"
         f"virtual-network-service-endpoint-policies-overview",
         checks.service_endpoint_without_policy),
    Rule("FD006", "vault-public-access-with-private-endpoint", "warning",
         "A vault with private endpoints still accepts public network access",
         "learn.microsoft.com/azure/backup/private-endpoints-overview",
         checks.vault_public_access_with_private_endpoint),
    Rule("FD007", "private-endpoint-dns-zone", "warning",
         "Private DNS that sends a private endpoint's flows the public way: a zone missing, "
         "or not answering for a client VNet",
         f"{_rules(4)}; learn.microsoft.com/azure/backup/private-endpoints ; "
         f"learn.microsoft.com/azure/private-link/private-endpoint-dns",
         checks.private_endpoint_dns_zone),
    Rule("FD008", "firewall-subnet-bgp-default-route", "warning",
         "A firewall's subnet learns a default route over BGP",
         f"{_rules(1)}; {_rules(2)}; learn.microsoft.com/azure/firewall/forced-tunneling",
         checks.firewall_subnet_bgp_default_route),
    Rule("FD009", "nva-under-licensed", "warning",
         "An NVA's licence is below the throughput its backup flows need",
         _rules(7), checks.nva_under_licensed),
    Rule("FD010", "public-cidr-route", "warning",
         "A route to a public range that may cover Azure service addresses",
         _rules(3), checks.public_cidr_route),
    Rule("FD011", "nva-throughput-unknown", "info",
         "An NVA carries backup data and its licensed throughput is not stated",
         _rules(7), checks.nva_throughput_unknown),
    Rule("FD012", "entra-id-stays-public", "info",
         "Microsoft Entra ID stays public beside a private endpoint",
         f"{_rules(4)}; learn.microsoft.com/azure/backup/private-endpoints-overview",
         checks.entra_id_stays_public),
    Rule("FD013", "vault-refuses-public-flow", "error",
         "An Azure Backup flow reaches the public endpoint of a vault that denies public access",
         f"{_rules(4)}; learn.microsoft.com/azure/backup/private-endpoints-overview",
         checks.vault_refuses_public_flow),
    Rule("FD014", "flow-denied-by-policy", "error",
         "An NSG or firewall policy denies a flow that the routes deliver",
         "flowdocs docs, Routing rules: Security policy; "
         "learn.microsoft.com/azure/virtual-network/network-security-group-how-it-works ; "
         "learn.microsoft.com/azure/firewall/rule-processing",
         flow_denied_by_policy),
)
RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}


@dataclass(frozen=True)
class Finding:
    """One breach of one rule, about one subject of the design."""

    rule: Rule
    subject: str
    message: str
    path: DataPath = ()
    line: int | None = None  # where `path` is in the design file, once located
    column: int | None = None
    accepted: str | None = None  # the design's reason, when it accepts this finding

    @property
    def counts(self) -> bool:
        """Whether the finding counts as a warning or an error: not when accepted."""
        return self.accepted is None

    def located(self, line: int | None, column: int | None) -> Finding:
        return replace(self, line=line, column=column)

    @property
    def id(self) -> str:
        return self.rule.id

    @property
    def severity(self) -> Severity:
        return self.rule.severity

    @property
    def source(self) -> str:
        return self.rule.source

    def diagnostic(self) -> Diagnostic:
        """The finding as a `validate` warning: it never stops a build, `--strict` fails on
        it, and the bracket keeps its id and its own severity."""
        return Diagnostic("warning", f"{self.message} [{self.id} {self.severity}]", self.path,
                          code=self.id)

    def __str__(self) -> str:
        return f"{self.id} {self.severity} {self.subject}: {self.message}"


def find(resolution: Resolution, catalog: Catalog | None = None) -> list[Finding]:
    """Every finding of a resolved design: by rule id, then in design order; those the
    design accepts carry its reason (acceptance.py)."""
    context = Context(resolution, catalog or resolution.catalog)
    found = [Finding(rule, *breach) for rule in RULES for breach in rule.check(context)]
    accept = resolution.design.accept
    return [replace(f, accepted=reason_for(accept, (f.id, f.subject))) for f in found]


def severity_counts(findings: Iterable[Finding]) -> dict[str, int]:
    """How many findings of each severity count, every severity listed: accepted ones do
    not."""
    counts = dict.fromkeys(SEVERITY_ORDER, 0)
    for finding in findings:
        if finding.counts:
            counts[finding.severity] += 1
    return counts
