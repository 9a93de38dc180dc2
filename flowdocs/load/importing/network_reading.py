"""A hub's network parts in Azure's JSON shapes (az CLI, ARM REST, Azure Resource Graph) to
the inventory: VPN and ExpressRoute gateways, their connections and local network gateways,
Azure Route Servers and their BGP peers, and load balancers. `azure.py` hands their
resources here.

Field paths (learn.microsoft.com/rest/api/virtualnetwork): virtual network gateways
(`gatewayType`, `activeActive`, `bgpSettings.bgpPeeringAddresses`), connections
(`connectionType`, `enableBgp`, `virtualNetworkGateway1`, `localNetworkGateway2`), local
network gateways (`localNetworkAddressSpace.addressPrefixes`), virtual hubs (a Route Server is
a `Microsoft.Network/virtualHubs` without a `virtualWan`: `virtualRouterIps`,
`allowBranchToBranchTraffic`, and its children `ipConfigurations`, which name its subnet, and
`bgpConnections`: `peerIp`), load balancers (`frontendIPConfigurations`,
`backendAddressPools`, `loadBalancingRules`). The hub lists its children by id only, so they
come from their own resources (`az network routeserver peering list`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flowdocs.load.importing import ids
from flowdocs.load.importing.inventory import GatewayRecord, Skipped
from flowdocs.load.importing.items import Item
from flowdocs.load.importing.network_records import (
    BalancingRuleRecord,
    ConnectionRecord,
    FrontendRecord,
    LoadBalancerRecord,
    LocalGatewayRecord,
    PoolMemberRecord,
    PoolRecord,
    RouteServerPeerRecord,
    RouteServerRecord,
    RouteServerSubnetRecord,
)
from flowdocs.load.importing.policy_reading import AzureReading
from flowdocs.load.importing.values import flag, get, number, objects, props, ref, text, texts

VIRTUAL_WAN_HUB = "Virtual WAN hubs are not supported by the design format"


def gateway_addresses(p: Any) -> tuple[str, ...]:
    """A gateway's instances' private IPs, in GatewaySubnet, one per IP configuration.

    Read from the BGP peering addresses, not the IP configurations: Azure fills
    `bgpSettings.bgpPeeringAddresses[].defaultBgpIpAddresses` for every gateway, one entry
    per IP configuration (so two for an active-active one), whether BGP is on or not (the
    REST reference's VirtualNetworkGatewayGet example), while an IP configuration's own
    `privateIPAddress` is there only when the gateway has `enablePrivateIpAddress`. Those
    default addresses are the instances' addresses, the next hops of their routes. The custom
    (APIPA, 169.254.21.x) and tunnel (public) addresses are not the instances'. Older API
    versions give `bgpPeeringAddress` alone, both instances comma-separated."""
    settings = get(p, "bgpSettings")
    found = [ip for _, peering in objects(settings, "bgpPeeringAddresses")
             for ip in texts(peering, "defaultBgpIpAddresses")]
    found = found or [ip.strip() for ip in (text(settings, "bgpPeeringAddress") or "").split(",")
                      if ip.strip()]
    found = found or [ip for _, c in objects(p, "ipConfigurations")
                      if (ip := text(props(c), "privateIPAddress"))]
    return tuple(dict.fromkeys(found))


class NetworkReader:
    """Reads gateways, connections, Route Servers and load balancers for an `AzureReader`,
    into its inventory, reporting through it."""

    def __init__(self, reader: AzureReading) -> None:
        self.reader = reader
        self.inventory = reader.inventory

    # Gateways and connections -------------------------------------------------------------

    def gateway(self, item: Item) -> None:
        p = item.props
        kind = (text(p, "gatewayType") or "").lower()
        if kind not in ("vpn", "expressroute"):
            self._skip(item, f"gateway type {text(p, 'gatewayType') or 'unknown'} is not "
                             "supported: the design format has vpn and expressroute")
            return
        subnet = next((s for _, c in objects(p, "ipConfigurations")
                       if (s := ref(props(c), "subnet"))), None)
        if subnet is None:
            self.reader.error(item.path, f"virtual network gateway '{item.name}' has no IP "
                                         "configuration in a subnet "
                                         f"({item.field('ipConfigurations', 'subnet.id')})")
            return
        self.inventory.gateways.add(item.key, GatewayRecord(
            item.key, item.name, kind, ids.key_of(subnet), item.origin,
            flag(p, "activeActive", False), gateway_addresses(p)))

    def connection(self, item: Item) -> None:
        p = item.props
        kind, gateway = text(p, "connectionType"), ref(p, "virtualNetworkGateway1")
        if kind is None or gateway is None:
            missing = "connectionType" if kind is None else "virtualNetworkGateway1.id"
            self.reader.error(item.path, f"connection '{item.name}' has no "
                                         f"{item.field(missing)}")
            return
        # ARM's GET embeds the local network gateway whole; the CLI gives its id only.
        local = get(p, "localNetworkGateway2")
        local_id = text(local, "id")
        embedded = texts(get(props(local), "localNetworkAddressSpace"), "addressPrefixes")
        self.inventory.connections.add(item.key, ConnectionRecord(
            item.key, item.name, ids.key_of(gateway), kind, flag(p, "enableBgp", False),
            ids.key_of(local_id) if local_id else None, tuple(embedded), item.origin))

    def local_gateway(self, item: Item) -> None:
        prefixes = texts(get(item.props, "localNetworkAddressSpace"), "addressPrefixes")
        self.inventory.local_gateways.add(item.key, LocalGatewayRecord(
            item.key, item.name, tuple(prefixes), item.origin))

    # Route Servers ------------------------------------------------------------------------

    def virtual_hub(self, item: Item) -> None:
        p = item.props
        if ref(p, "virtualWan") is not None:
            self._skip(item, VIRTUAL_WAN_HUB)
            return
        # An IP configuration names the subnet only when the export embeds it whole.
        for _, raw in objects(p, "ipConfigurations"):
            subnet = ref(props(raw), "subnet")
            if subnet is not None:
                self.inventory.route_server_subnets.append(RouteServerSubnetRecord(
                    item.key, ids.key_of(subnet), item.origin))
        listed: list[str] = []
        for index, raw in objects(p, "bgpConnections"):
            if isinstance(get(raw, "properties"), dict) or get(raw, "peerIp") is not None:
                child = self.reader.child(item, "bgpConnections", index, raw, "bgpconnections")
                if child is not None:
                    self.bgp_connection(child, item.key)
            elif (peer := text(raw, "id")) is not None:
                listed.append(ids.key_of(peer))
        self.inventory.route_servers.add(item.key, RouteServerRecord(
            item.key, item.name, None, tuple(texts(p, "virtualRouterIps")),
            flag(p, "allowBranchToBranchTraffic", False), tuple(listed), item.origin))

    def hub_ip_configuration(self, item: Item) -> None:
        subnet = ref(item.props, "subnet")
        if subnet is None:
            self.reader.error(item.path, f"IP configuration '{item.name}' has no "
                                         f"{item.field('subnet.id')}")
            return
        self.inventory.route_server_subnets.append(RouteServerSubnetRecord(
            ids.parent_key(item.key), ids.key_of(subnet), item.origin))

    def bgp_connection(self, item: Item, server: str | None = None) -> None:
        peer_ip = text(item.props, "peerIp")
        if peer_ip is None:
            self.reader.error(item.path, f"BGP connection '{item.name}' has no "
                                         f"{item.field('peerIp')}")
            return
        self.inventory.route_server_peers.add(item.key, RouteServerPeerRecord(
            item.key, server or ids.parent_key(item.key), item.name, peer_ip, item.origin))

    # Load balancers -----------------------------------------------------------------------

    def load_balancer(self, item: Item) -> None:
        p = item.props
        frontends = []
        for index, raw in objects(p, "frontendIPConfigurations"):
            child = self.reader.child(item, "frontendIPConfigurations", index, raw,
                                      "frontendipconfigurations")
            if child is None:
                continue
            settings = child.props
            subnet = ref(settings, "subnet")
            public = ref(settings, "publicIPAddress") is not None or \
                ref(settings, "publicIPPrefix") is not None
            frontends.append(FrontendRecord(
                child.key, child.name, ids.key_of(subnet) if subnet else None,
                text(settings, "privateIPAddress"), public))
        self.inventory.load_balancers.add(item.key, LoadBalancerRecord(
            item.key, item.name, tuple(frontends), item.origin))
        for index, raw in objects(p, "backendAddressPools"):
            child = self.reader.child(item, "backendAddressPools", index, raw,
                                      "backendaddresspools")
            if child is not None:
                self.pool(child, item.key)
        for index, raw in objects(p, "loadBalancingRules"):
            child = self.reader.child(item, "loadBalancingRules", index, raw,
                                      "loadbalancingrules")
            if child is not None:
                self.balancing_rule(child, item.key)

    def pool(self, item: Item, balancer: str | None = None) -> None:
        p = item.props
        self.inventory.pools.add(item.key, PoolRecord(
            item.key, balancer or ids.parent_key(item.key), item.name, item.origin))
        # NICs' IP configurations (the usual backends), or addresses given by IP.
        for _, raw in objects(p, "backendIPConfigurations"):
            configuration = text(raw, "id")
            if configuration is not None:
                self.inventory.pool_members.append(PoolMemberRecord(
                    item.key, ids.key_of(configuration), None, item.origin))
        for _, raw in objects(p, "loadBalancerBackendAddresses"):
            settings = props(raw)
            configuration = ref(settings, "networkInterfaceIPConfiguration")
            self.inventory.pool_members.append(PoolMemberRecord(
                item.key, ids.key_of(configuration) if configuration else None,
                text(settings, "ipAddress"), item.origin))

    def balancing_rule(self, item: Item, balancer: str | None = None) -> None:
        p = item.props
        frontend = ref(p, "frontendIPConfiguration")
        pools = [r for r in (ref(p, "backendAddressPool"),
                             *(text(x, "id") for _, x in objects(p, "backendAddressPools")))
                 if r is not None]
        self.inventory.balancing_rules.add(item.key, BalancingRuleRecord(
            item.key, balancer or ids.parent_key(item.key), item.name,
            ids.key_of(frontend) if frontend else None,
            tuple(dict.fromkeys(ids.key_of(r) for r in pools)), text(p, "protocol"),
            number(p, "frontendPort"), number(p, "backendPort"), item.origin))

    def _skip(self, item: Item, reason: str) -> None:
        self.inventory.skipped.append(Skipped(item.origin.label, reason))


def nic_pool_members(settings: Any, configuration: str, ip: str | None, item: Item
                     ) -> list[PoolMemberRecord]:
    """The backend pools a NIC's IP configuration says it is in (`az network nic list`
    lists them on the NIC; the load balancer lists them too, when it is exported)."""
    return [PoolMemberRecord(ids.key_of(pool), configuration, ip, item.origin)
            for _, raw in objects(settings, "loadBalancerBackendAddressPools")
            if (pool := text(raw, "id")) is not None]


HANDLERS: dict[str, Callable[[NetworkReader, Item], None]] = {
    ids.GATEWAY: NetworkReader.gateway,
    ids.CONNECTION: NetworkReader.connection,
    ids.LOCAL_GATEWAY: NetworkReader.local_gateway,
    ids.VIRTUAL_HUB: NetworkReader.virtual_hub,
    ids.HUB_IP_CONFIGURATION: NetworkReader.hub_ip_configuration,
    ids.HUB_BGP_CONNECTION: NetworkReader.bgp_connection,
    ids.LOAD_BALANCER: NetworkReader.load_balancer,
    ids.BACKEND_POOL: NetworkReader.pool,
    ids.BALANCING_RULE: NetworkReader.balancing_rule,
}
