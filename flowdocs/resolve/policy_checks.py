"""What the security policy on a flow's path says of it: one `PolicyCheck` per place that
decides (an NSG outbound on the source subnet, an NSG inbound where the flow enters a subnet,
a firewall it crosses). The evaluation itself is `policy.py`'s; outputs read these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CheckKind = Literal["nsg-outbound", "nsg-inbound", "firewall"]
Verdict = Literal["allowed", "denied", "unknown"]


@dataclass(frozen=True)
class PolicyCheck:
    """One decision on a flow.

    `at` is the node of the path where it applies: the subnet (`VNET/SUBNET`) for an NSG,
    the firewall's name for a firewall. `policy` names the NSG or firewall policy (None: an
    NVA, or an Azure Firewall without a policy, whose verdict is `unknown`). `rule` is the
    deciding rule's full name: `nsg-sql/allow-backup`, `nsg-sql/DenyAllOutBound` (a default
    rule), `fwp-hub/rcg-backup/net-allow/storage` (policy/group/collection/rule); None for a
    firewall's default deny and for `unknown`. `reason` says it in a sentence.
    """

    at: str
    kind: CheckKind
    policy: str | None
    verdict: Verdict
    rule: str | None
    reason: str
