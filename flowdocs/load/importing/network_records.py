"""The inventory's records of a hub's network parts beyond firewalls: gateway connections and
local network gateways, Azure Route Servers and their BGP peers, and load balancers.

Like the rest of the inventory (`inventory.py`, which holds these in its `Inventory`), values
are kept as the export writes them and references as keys (`ids.key_of`);
`gateway_building.py`, `route_server_building.py` and `balancer_building.py` put them in
the format's terms, or leave them out and say why.
"""

from __future__ import annotations

from dataclasses import dataclass

from flowdocs.load.importing.origin import Origin


@dataclass(frozen=True)
class ConnectionRecord:
    """A `Microsoft.Network/connections` resource: a gateway's link to on-premises."""

    key: str
    name: str
    gateway: str | None  # key of its virtual network gateway
    type: str  # as written: IPsec | ExpressRoute | Vnet2Vnet | VPNClient
    bgp: bool
    local_gateway: str | None  # key of its local network gateway (IPsec)
    local_prefixes: tuple[str, ...]  # the local network gateway's, when the export embeds it
    origin: Origin


@dataclass(frozen=True)
class LocalGatewayRecord:
    """A local network gateway: the on-premises side of an IPsec connection."""

    key: str
    name: str
    prefixes: tuple[str, ...]  # its address space, as written
    origin: Origin


@dataclass(frozen=True)
class RouteServerRecord:
    key: str
    name: str
    subnet: str | None  # key of its RouteServerSubnet, when the export names it
    router_ips: tuple[str, ...]  # its two instances' IPs, in RouteServerSubnet
    branch_to_branch: bool
    peer_ids: tuple[str, ...]  # keys of the BGP connections it lists (ids only)
    origin: Origin


@dataclass(frozen=True)
class RouteServerSubnetRecord:
    """A Route Server's IP configuration, given apart from it (`virtualHubs/ipConfigurations`):
    the only place ARM names its subnet."""

    server: str  # key
    subnet: str  # key
    origin: Origin


@dataclass(frozen=True)
class RouteServerPeerRecord:
    key: str
    server: str  # key
    name: str
    peer_ip: str | None
    origin: Origin


@dataclass(frozen=True)
class FrontendRecord:
    """A load balancer's frontend IP configuration."""

    key: str
    name: str
    subnet: str | None  # key; None for a public frontend
    ip: str | None
    public: bool


@dataclass(frozen=True)
class LoadBalancerRecord:
    key: str
    name: str
    frontends: tuple[FrontendRecord, ...]
    origin: Origin


@dataclass(frozen=True)
class PoolRecord:
    """A load balancer's backend address pool."""

    key: str
    balancer: str  # key
    name: str
    origin: Origin


@dataclass(frozen=True)
class PoolMemberRecord:
    """One backend of a pool: a NIC's IP configuration, or an IP given by address."""

    pool: str  # key
    nic_configuration: str | None  # key of a NIC's IP configuration
    ip: str | None
    origin: Origin


@dataclass(frozen=True)
class BalancingRuleRecord:
    key: str
    balancer: str  # key
    name: str
    frontend: str | None  # key of its frontend IP configuration
    pools: tuple[str, ...]  # keys
    protocol: str | None  # as written: Tcp | Udp | All
    frontend_port: int | None
    backend_port: int | None
    origin: Origin
