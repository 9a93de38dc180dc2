"""Address checks of a design: ranges inside ranges, overlaps, and IPs inside their subnets.

Overlaps are found by sorting ranges and sweeping once, so an estate of thousands of subnets
and hundreds of peerings is checked in milliseconds. References that do not resolve are
skipped here: `validate.py` reports them.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from flowdocs.load.diagnostics import DataPath, Diagnostic
from flowdocs.load.model import Design

# Azure keeps the first four addresses and the last of every subnet for itself
# (learn.microsoft.com/azure/virtual-network/virtual-networks-faq, reserved addresses).
RESERVED_LOW_ADDRESSES = 4
RESERVED_HIGH_ADDRESSES = 1


class Span(NamedTuple):
    """A CIDR as integers: IP version, first and last address."""

    version: int
    first: int
    last: int

    def contains(self, address: Address) -> bool:
        return address.version == self.version and self.first <= address.value <= self.last

    def within(self, other: Span) -> bool:
        return self.version == other.version and other.first <= self.first \
            and self.last <= other.last

    def overlaps(self, other: Span) -> bool:
        return self.version == other.version and self.first <= other.last \
            and other.first <= self.last


class Address(NamedTuple):
    version: int
    value: int


@functools.lru_cache(maxsize=65536)
def span(cidr: str) -> Span:
    network = ipaddress.ip_network(cidr, strict=False)
    return Span(network.version, int(network.network_address), int(network.broadcast_address))


@functools.lru_cache(maxsize=65536)
def address(ip: str) -> Address:
    parsed = ipaddress.ip_address(ip)
    return Address(parsed.version, int(parsed))


def overlapping(spans: Sequence[Span]) -> Iterator[tuple[int, int]]:
    """Index pairs (lower, higher) of overlapping spans. Each span that overlaps one before
    it in address order is paired once, with the one reaching furthest: CIDR blocks nest or
    are disjoint, so that block contains it."""
    # Larger blocks first among those that start together, so a block precedes its parts.
    order = sorted(range(len(spans)), key=lambda i: (spans[i].version, spans[i].first,
                                                      -spans[i].last))
    reach = -1
    for i in order:
        here = spans[i]
        if reach >= 0 and spans[reach].version == here.version \
                and here.first <= spans[reach].last:
            yield min(reach, i), max(reach, i)
        if reach < 0 or spans[reach].version != here.version or here.last > spans[reach].last:
            reach = i


def check_addressing(design: Design) -> list[Diagnostic]:
    """Every address problem of `design`."""
    return [
        *_vnet_ranges(design),
        *_subnet_ranges(design),
        *_peered_ranges(design),
        *_neighbour_ranges(design),
        *_assigned_ips(design),
    ]


def _error(message: str, path: DataPath) -> Diagnostic:
    return Diagnostic("error", message, path)


def _vnet_ranges(design: Design) -> Iterator[Diagnostic]:
    for v, vnet in enumerate(design.vnets):
        ranges = vnet.address_space
        for a, b in overlapping([span(c) for c in ranges]):
            yield _error(f"address range {ranges[b]} overlaps {ranges[a]} of the same vnet",
                         ("vnets", v, "address_space", b))


def _subnet_ranges(design: Design) -> Iterator[Diagnostic]:
    for v, vnet in enumerate(design.vnets):
        spaces = [span(c) for c in vnet.address_space]
        subnets = [span(s.prefix) for s in vnet.subnets]
        for k, subnet in enumerate(subnets):
            if not any(subnet.within(space) for space in spaces):
                yield _error(f"subnet prefix {vnet.subnets[k].prefix} is outside the address "
                             f"space of vnet '{vnet.name}' ({', '.join(vnet.address_space)})",
                             ("vnets", v, "subnets", k, "prefix"))
        for a, b in overlapping(subnets):
            first, second = vnet.subnets[a], vnet.subnets[b]
            yield _error(f"subnet '{second.name}' ({second.prefix}) overlaps subnet "
                         f"'{first.name}' ({first.prefix})", ("vnets", v, "subnets", b, "prefix"))


def _peered_ranges(design: Design) -> Iterator[Diagnostic]:
    """Peered VNets may not overlap (learn.microsoft.com/azure/virtual-network/
    virtual-network-manage-peering, requirements and constraints)."""
    spaces = _spaces_by_name(design)
    for p, peering in enumerate(design.peerings):
        a, b = peering.vnets
        if a == b or a not in spaces or b not in spaces:
            continue
        clash = next(((x, y) for x in spaces[a] for y in spaces[b]
                      if span(x).overlaps(span(y))), None)
        if clash:
            yield _error(f"vnets '{a}' and '{b}' cannot be peered: their address spaces "
                         f"overlap ({clash[0]} and {clash[1]})", ("peerings", p, "vnets"))


class _Neighbour(NamedTuple):
    vnet: str
    cidr: str
    peering: int


def _neighbour_ranges(design: Design) -> Iterator[Diagnostic]:
    """Two VNets peered with the same VNet may not overlap either: that VNet would have two
    peering routes for the same range, so Azure refuses the later peering
    (virtual-network-manage-peering)."""
    spaces = _spaces_by_name(design)
    neighbours: dict[str, list[_Neighbour]] = {}
    for p, peering in enumerate(design.peerings):
        a, b = peering.vnets
        if a == b or a not in spaces or b not in spaces:
            continue
        for hub, remote in ((a, b), (b, a)):
            neighbours.setdefault(hub, []).extend(_Neighbour(remote, c, p) for c in spaces[remote])
    for hub, ranges in neighbours.items():
        for i, j in overlapping([span(n.cidr) for n in ranges]):
            first, second = sorted((ranges[i], ranges[j]), key=lambda n: n.peering)
            if first.vnet != second.vnet:
                yield _error(f"vnets '{first.vnet}' and '{second.vnet}' are both peered with "
                             f"'{hub}' but their address spaces overlap ({first.cidr} and "
                             f"{second.cidr})", ("peerings", second.peering, "vnets"))


def _spaces_by_name(design: Design) -> dict[str, list[str]]:
    """Each VNet's address space by name; the first of duplicate names wins, as elsewhere."""
    return {vnet.name: vnet.address_space for vnet in reversed(design.vnets)}


# Who may hold a fixed IP: (collection, key of the IP, what to call one).
_IP_HOLDERS = (("firewalls", "private_ip", "firewall"),
               ("private_endpoints", "ip", "private endpoint"),
               ("workloads", "ip", "workload"))


def _assigned_ips(design: Design) -> Iterator[Diagnostic]:
    """Each IP inside its subnet, not reserved by Azure, and used once."""
    prefixes = {f"{v.name}/{s.name}": s.prefix for v in reversed(design.vnets)
                for s in reversed(v.subnets)}
    owners: dict[str, str] = {}
    for collection, key, kind in _IP_HOLDERS:
        for index, item in enumerate(getattr(design, collection)):
            ip = getattr(item, key)
            if ip is None:
                continue
            prefix = prefixes.get(item.subnet)
            problem = None if prefix is None else _ip_problem(ip, item.subnet, prefix)
            if problem:
                yield _error(f"{key} {problem}", (collection, index, key))
            if ip in owners:
                yield _error(f"IP {ip} is already used by {owners[ip]}", (collection, index, key))
            else:
                owners[ip] = f"{kind} '{item.name}'"


def _ip_problem(ip: str, subnet_id: str, prefix: str) -> str | None:
    where, at = span(prefix), address(ip)
    if not where.contains(at):
        return f"{ip} is outside subnet '{subnet_id}' ({prefix})"
    if at.value < where.first + RESERVED_LOW_ADDRESSES \
            or at.value > where.last - RESERVED_HIGH_ADDRESSES:
        return (f"{ip} is reserved by Azure in subnet '{subnet_id}' ({prefix}): the first "
                "four addresses and the last one are not assignable")
    return None
