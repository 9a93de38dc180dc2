"""Addresses as the design format writes them: an export's CIDRs and IPs in canonical form,
or None when the format would refuse them."""

from __future__ import annotations

import functools
import ipaddress


@functools.lru_cache(maxsize=65536)
def canonical_cidr(value: str) -> str | None:
    """The CIDR in canonical form, or None when it is none (or has host bits set). Cached:
    an estate repeats the same route prefixes in every route table."""
    try:
        network = ipaddress.ip_network(value)
    except ValueError:
        return None
    return str(network) if "/" in value else None


@functools.lru_cache(maxsize=65536)
def canonical_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def is_cidr(value: str) -> bool:
    return canonical_cidr(value) is not None


def is_ip(value: str) -> bool:
    return canonical_ip(value) is not None


def ip_in(value: str, prefix: str) -> bool:
    """Whether `value` is an IP inside the CIDR `prefix` (both as the design holds them)."""
    ip = canonical_ip(value)
    return ip is not None and ipaddress.ip_address(ip) in ipaddress.ip_network(prefix)
