"""The valid design every error test edits, and the helpers that edit it and collect the
lines a bad design prints.

Each error test pins the exact lines the user sees on standard error:
`FILE:LINE:COL: error: MESSAGE`.
"""

from __future__ import annotations

from textwrap import dedent

import pytest

from flowdocs.load.diagnostics import DesignError
from flowdocs.load.loader import load_design_bytes

# The example of design-format.md, cut to what every test needs. Line numbers matter:
# tests that edit it say which line they touch.
VALID = dedent("""\
    flowdocs: 1
    name: sql-backup
    title: SQL Server backup through the hub firewall
    vnets:
      - name: vnet-hub
        address_space: [10.0.0.0/16]
        subnets:
          - name: AzureFirewallSubnet
            prefix: 10.0.1.0/26
      - name: vnet-spoke
        address_space: [10.1.0.0/16]
        subnets:
          - name: snet-sql
            prefix: 10.1.1.0/24
            route_table: rt-spoke
    peerings:
      - vnets: [vnet-spoke, vnet-hub]
    route_tables:
      - name: rt-spoke
        routes:
          - name: default-via-firewall
            address_prefix: 0.0.0.0/0
            next_hop_type: VirtualAppliance
            next_hop_ip: 10.0.1.4
    firewalls:
      - name: afw-hub
        type: azure-firewall
        sku: Standard
        subnet: vnet-hub/AzureFirewallSubnet
        private_ip: 10.0.1.4
    vaults:
      - name: rsv-prod
    workloads:
      - name: sqlvm01
        type: sql-server-in-vm
        subnet: vnet-spoke/snet-sql
        ip: 10.1.1.4
        backup:
          vault: rsv-prod
    """)


def errors(text: str | bytes, name: str = "design.yaml") -> list[str]:
    """The lines a bad design prints; fails the test if it loads."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    with pytest.raises(DesignError) as caught:
        load_design_bytes(data, name)
    return caught.value.lines()


def edited(*pairs: str) -> str:
    """VALID with edits `old, new, old, new, ...`; each `old` must occur exactly once."""
    text = VALID
    for old, new in zip(pairs[::2], pairs[1::2], strict=True):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text
