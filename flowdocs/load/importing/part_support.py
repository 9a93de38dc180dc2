"""What `builder.py` hands the builders of a hub's parts (`gateway_building.py`,
`route_server_building.py`, `balancer_building.py`): where a subnet is in the design, the
design's firewalls and NVAs by IP, and the lists of what was left out and what was changed."""

from __future__ import annotations

from typing import NamedTuple

from flowdocs.load.importing import ids
from flowdocs.load.importing.inventory import Skipped, SubnetRecord

# A subnet placed in the design: its reference (`vnet/subnet`), its record, its prefix.
Placed = tuple[str, SubnetRecord, str]


class Appliance(NamedTuple):
    """A firewall or NVA of the design, as a Route Server or load balancer names it."""

    name: str
    type: str  # azure-firewall | nva
    subnet: str  # reference: vnet/subnet


class Reporter:
    """Adds to the builder's lists of what was left out (`skipped`, with the reason) and what
    was imported with a change or needs the user (`notes`)."""

    def __init__(self, skipped: list[Skipped], notes: list[Skipped]) -> None:
        self.skipped = skipped
        self.notes = notes

    def skip(self, subject: str, reason: str) -> None:
        self.skipped.append(Skipped(subject, reason))

    def note(self, subject: str, note: str) -> None:
        self.notes.append(Skipped(subject, note))


def az_names(key: str, name: str) -> str:
    """`-g GROUP -n NAME` for an az command about a resource (its group from its id, which a
    resource to be created has not yet)."""
    return f"-g {ids.resource_group_of(key) or 'RESOURCE_GROUP'} -n {name}"
