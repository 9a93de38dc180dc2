"""A hub's network parts in `terraform show -json` to the inventory: gateways and their
connections, Route Servers and load balancers; `terraform.py` hands their resources here.

azurerm's resources (registry.terraform.io/providers/hashicorp/azurerm/latest/docs), v3 and v4
names where v4 renamed one (`bgp_enabled`, `enable_bgp`):
`azurerm_virtual_network_gateway` (`active_active`, computed
`bgp_settings[].peering_addresses[].default_addresses`: the instances, as `network_reading.py`
says), `azurerm_virtual_network_gateway_connection`, `azurerm_local_network_gateway`
(`address_space`), `azurerm_route_server` (`subnet_id`, `virtual_router_ips`,
`branch_to_branch_traffic_enabled`), `azurerm_route_server_bgp_connection` (`peer_ip`),
`azurerm_lb` (`frontend_ip_configuration` blocks), `azurerm_lb_rule`,
`azurerm_lb_backend_address_pool` (computed `backend_ip_configurations`),
`azurerm_lb_backend_address_pool_address` and
`azurerm_network_interface_backend_address_pool_association`. A load balancer's children name
their frontend by name and their load balancer by id, so their keys are made from the load
balancer's (`ids.child_key`), as ARM's ids would be.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from flowdocs.load.importing import ids
from flowdocs.load.importing.inventory import GatewayRecord
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
)
from flowdocs.load.importing.terraform_policy import TerraformReading
from flowdocs.load.importing.terraform_resource import Resource
from flowdocs.load.importing.values import flag, get, number, objects, text, texts


class TerraformNetworkReading(TerraformReading, Protocol):
    """What this module uses of `terraform.TerraformReader` besides what the policy reader
    does."""

    def links(self, resource: Resource, name: str) -> list[str]: ...

    def unknown_at_apply(self, resource: Resource, attribute: str) -> bool: ...


class TerraformNetworkReader:
    def __init__(self, reader: TerraformNetworkReading) -> None:
        self.reader = reader
        self.inventory = reader.inventory

    # Gateways and connections -------------------------------------------------------------

    def gateway(self, resource: Resource) -> None:
        v = resource.values
        kind = (text(v, "type") or "").lower()
        subnet = self.reader.link(resource, "ip_configuration", 0, "subnet_id")
        name = text(v, "name")
        if name is None or kind not in ("vpn", "expressroute"):
            self.reader.missing(resource, "name" if name is None else "type")
            return
        if subnet is None:
            self.reader.unfollowed(resource, "ip_configuration[0].subnet_id")
            return
        settings = dict(objects(v, "bgp_settings")).get(0)
        found = [ip for _, peering in objects(settings, "peering_addresses")
                 for ip in texts(peering, "default_addresses")]
        # v3's `peering_address`: one string, both instances comma-separated.
        found = found or [ip.strip() for written in texts(settings, "peering_address")
                          for ip in written.split(",") if ip.strip()]
        # A plan leaves the computed addresses of a gateway to be created to apply.
        unknown = not found and self.reader.unknown_at_apply(resource, "bgp_settings")
        self.inventory.gateways.add(resource.key, GatewayRecord(
            resource.key, name, kind, subnet, resource.origin, flag(v, "active_active", False),
            None if unknown else tuple(dict.fromkeys(found))))

    def connection(self, resource: Resource) -> None:
        v = resource.values
        name, kind = text(v, "name"), text(v, "type")
        gateway = self.reader.link(resource, "virtual_network_gateway_id")
        if name is None or kind is None:
            self.reader.missing(resource, "name" if name is None else "type")
            return
        if gateway is None:
            self.reader.unfollowed(resource, "virtual_network_gateway_id")
            return
        bgp = get(v, "bgp_enabled")  # v4; v3: enable_bgp
        self.inventory.connections.add(resource.key, ConnectionRecord(
            resource.key, name, gateway, kind,
            bgp if isinstance(bgp, bool) else flag(v, "enable_bgp", False),
            self.reader.link(resource, "local_network_gateway_id"), (), resource.origin))

    def local_gateway(self, resource: Resource) -> None:
        name = text(resource.values, "name")
        if name is None:
            self.reader.missing(resource, "name")
            return
        self.inventory.local_gateways.add(resource.key, LocalGatewayRecord(
            resource.key, name, tuple(texts(resource.values, "address_space")),
            resource.origin))

    # Route Servers ------------------------------------------------------------------------

    def route_server(self, resource: Resource) -> None:
        v = resource.values
        name = text(v, "name")
        if name is None:
            self.reader.missing(resource, "name")
            return
        subnet = self.reader.link(resource, "subnet_id")
        if subnet is None:
            self.reader.unfollowed(resource, "subnet_id")
            return
        self.inventory.route_servers.add(resource.key, RouteServerRecord(
            resource.key, name, subnet, tuple(texts(v, "virtual_router_ips")),
            flag(v, "branch_to_branch_traffic_enabled", False), (), resource.origin))

    def bgp_connection(self, resource: Resource) -> None:
        v = resource.values
        name, peer_ip = text(v, "name"), text(v, "peer_ip")
        server = self.reader.link(resource, "route_server_id")
        if name is None or peer_ip is None:
            self.reader.missing(resource, "name" if name is None else "peer_ip")
            return
        if server is None:
            self.reader.unfollowed(resource, "route_server_id")
            return
        self.inventory.route_server_peers.add(resource.key, RouteServerPeerRecord(
            resource.key, server, name, peer_ip, resource.origin))

    # Load balancers -----------------------------------------------------------------------

    def load_balancer(self, resource: Resource) -> None:
        v = resource.values
        name = text(v, "name")
        if name is None:
            self.reader.missing(resource, "name")
            return
        frontends = []
        for index, block in objects(v, "frontend_ip_configuration"):
            frontend = text(block, "name")
            if frontend is None:
                continue
            subnet = self.reader.link(resource, "frontend_ip_configuration", index, "subnet_id")
            public = bool(text(block, "public_ip_address_id") or
                          text(block, "public_ip_prefix_id"))
            frontends.append(FrontendRecord(
                ids.child_key(resource.key, "frontendipconfigurations", frontend), frontend,
                subnet, text(block, "private_ip_address"), public))
        self.inventory.load_balancers.add(resource.key, LoadBalancerRecord(
            resource.key, name, tuple(frontends), resource.origin))

    def pool(self, resource: Resource) -> None:
        v = resource.values
        name, balancer = text(v, "name"), self.reader.link(resource, "loadbalancer_id")
        if name is None:
            self.reader.missing(resource, "name")
            return
        if balancer is None:
            self.reader.unfollowed(resource, "loadbalancer_id")
            return
        self.inventory.pools.add(resource.key, PoolRecord(resource.key, balancer, name,
                                                          resource.origin))
        # Known in a state only: the NICs' IP configurations Azure reports in the pool.
        for configuration in texts(v, "backend_ip_configurations"):
            if ids.is_arm_id(configuration):
                self._member(resource.key, ids.key_of(configuration), None, resource)

    def pool_address(self, resource: Resource) -> None:
        pool = self.reader.link(resource, "backend_address_pool_id")
        if pool is None:
            self.reader.unfollowed(resource, "backend_address_pool_id")
            return
        self._member(pool, None, text(resource.values, "ip_address"), resource)

    def pool_association(self, resource: Resource) -> None:
        nic = self.reader.link(resource, "network_interface_id")
        pool = self.reader.link(resource, "backend_address_pool_id")
        configuration = text(resource.values, "ip_configuration_name")
        if nic is None or pool is None:
            self.reader.unfollowed(resource, "network_interface_id" if nic is None
                                   else "backend_address_pool_id")
            return
        if configuration is None:
            self.reader.missing(resource, "ip_configuration_name")
            return
        self._member(pool, ids.child_key(nic, "ipconfigurations", configuration), None,
                     resource)

    def balancing_rule(self, resource: Resource) -> None:
        v = resource.values
        name, balancer = text(v, "name"), self.reader.link(resource, "loadbalancer_id")
        if name is None:
            self.reader.missing(resource, "name")
            return
        if balancer is None:
            self.reader.unfollowed(resource, "loadbalancer_id")
            return
        frontend = text(v, "frontend_ip_configuration_name")
        self.inventory.balancing_rules.add(resource.key, BalancingRuleRecord(
            resource.key, balancer, name,
            ids.child_key(balancer, "frontendipconfigurations", frontend) if frontend else None,
            tuple(self.reader.links(resource, "backend_address_pool_ids")),
            text(v, "protocol"), number(v, "frontend_port"), number(v, "backend_port"),
            resource.origin))

    def _member(self, pool: str, configuration: str | None, ip: str | None,
                resource: Resource) -> None:
        self.inventory.pool_members.append(PoolMemberRecord(pool, configuration, ip,
                                                            resource.origin))


def nic_configuration_key(nic: str, block: Any, index: int) -> str:
    """The key of a NIC's IP configuration, as a pool association names it (by name)."""
    return ids.child_key(nic, "ipconfigurations", text(block, "name") or str(index))


HANDLERS: dict[str, Callable[[TerraformNetworkReader, Resource], None]] = {
    "azurerm_virtual_network_gateway": TerraformNetworkReader.gateway,
    "azurerm_virtual_network_gateway_connection": TerraformNetworkReader.connection,
    "azurerm_local_network_gateway": TerraformNetworkReader.local_gateway,
    "azurerm_route_server": TerraformNetworkReader.route_server,
    "azurerm_route_server_bgp_connection": TerraformNetworkReader.bgp_connection,
    "azurerm_lb": TerraformNetworkReader.load_balancer,
    "azurerm_lb_backend_address_pool": TerraformNetworkReader.pool,
    "azurerm_lb_backend_address_pool_address": TerraformNetworkReader.pool_address,
    "azurerm_network_interface_backend_address_pool_association":
        TerraformNetworkReader.pool_association,
    "azurerm_lb_rule": TerraformNetworkReader.balancing_rule,
}
