"""The format of a design's own flows (`flows:`): application traffic the catalog does not
describe, from a workload or a subnet to a workload, a private endpoint, an address (an
on-premises prefix, a public IP) or a catalog service, on a port and protocol.

Field shapes only; references and names are checked in `flow_validation.py`, and each flow
is resolved like a catalog flow (`resolve/own_flows.py`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from flowdocs.load.model_types import DailyGb, Line, Name, Strict, Title

# An IPv4 or IPv6 address or CIDR; checked in flow_validation.py (a design's addresses are
# CIDRs elsewhere, but a destination is as often one host).
AddressText = Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[0-9A-Fa-f:.]+(/\d+)?$")]


class FlowDestination(Strict):
    """Where the flow goes: exactly one of these."""

    workload: Name | None = Field(None, description="Another workload of the design.")
    private_endpoint: Name | None = Field(None, description="A private endpoint of the design.")
    address: AddressText | None = Field(
        None, description="An IP or CIDR: an on-premises prefix, or a public address.")
    service: Line | None = Field(
        None, description="A service of the flow catalog, by name (its public endpoint).")

    @model_validator(mode="after")
    def _exactly_one(self) -> FlowDestination:
        given = [k for k in ("workload", "private_endpoint", "address", "service")
                 if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of workload, private_endpoint, address or "
                             f"service{'; found ' + ', '.join(given) if given else ''}")
        return self


class OwnFlow(Strict):
    name: Name = Field(description="The flow's name: its service name in the outputs.")
    title: Title | None = Field(None, description="What the page calls it; default: its name.")
    source: Line = Field(description="A workload of the design, or a subnet (VNET/SUBNET).")
    destination: FlowDestination
    port: Annotated[int, Field(ge=1, le=65535)]
    protocol: Literal["TCP", "UDP"] = "TCP"
    category: Literal["management", "data"] = Field(
        "data", description="management (numbered 1) or data (numbered 2).")
    daily_gb: DailyGb | None = Field(None, description="GB a day, for costs (data flows).")
