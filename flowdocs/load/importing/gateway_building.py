"""The inventory's gateway instances and connections to the design's: `instances` and
`connections` of each imported gateway, each connection's `learned_prefixes` as near as an
export allows, and a reason for every connection and local network gateway left out.

What a gateway learns over BGP is in no export: a BGP connection gets its local network
gateway's address space as an approximation (a static connection's is exact), an ExpressRoute
connection none, and a note names the command that lists the real routes.
"""

from __future__ import annotations

from typing import Any

from flowdocs.load.importing.addresses import canonical_cidr, canonical_ip, ip_in
from flowdocs.load.importing.inventory import GatewayRecord, Inventory, Skipped
from flowdocs.load.importing.naming import Namer
from flowdocs.load.importing.network_records import ConnectionRecord
from flowdocs.load.importing.part_support import Reporter, az_names
from flowdocs.load.network_validation import VPN_GATEWAY_INSTANCES

# The format's connection types, by ARM's `connectionType` (VNet-to-VNet and point-to-site
# connections have no place in it).
CONNECTION_TYPES = {"ipsec": "ipsec", "expressroute": "expressroute"}
GATEWAY_TYPES = {"ipsec": "vpn", "expressroute": "expressroute"}
NO_CONNECTION = ("routes learned from on-premises are not in an export: set "
                 "advertises_default_route and advertised_prefixes")


class GatewayParts(Reporter):
    def __init__(self, inventory: Inventory, skipped: list[Skipped],
                 notes: list[Skipped]) -> None:
        super().__init__(skipped, notes)
        self.inv = inventory
        self.connections_of: dict[str, list[ConnectionRecord]] = {}
        for connection in inventory.connections:
            if connection.gateway is not None:
                self.connections_of.setdefault(connection.gateway, []).append(connection)
        self.used_local_gateways: set[str] = set()

    def parts(self, gateway: GatewayRecord, prefix: str) -> tuple[dict[str, Any], str | None]:
        """The gateway's `instances` and `connections` (when it has any), and the comment
        line to write above it."""
        data: dict[str, Any] = {}
        instances = self._instances(gateway, prefix)
        if instances:
            data["instances"] = instances
        connections = self._connections(gateway)
        if connections:
            data["connections"] = connections
        return data, None if connections else NO_CONNECTION

    def left_out(self, imported: set[str]) -> None:
        """Connections of gateways not imported, and local network gateways no imported
        connection uses, with the reason."""
        for connection in self.inv.connections:
            if connection.gateway not in imported:
                where = "is not imported" if connection.gateway in self.inv.gateways.by_key \
                    else f"({connection.gateway}) is not in the sources"
                self.skip(connection.origin.label, f"its gateway {where}")
        for local in self.inv.local_gateways:
            if local.key not in self.used_local_gateways:
                self.skip(local.origin.label, "no imported connection uses it (its address "
                                              "space is imported as a connection's "
                                              "learned_prefixes)")

    # Instances ----------------------------------------------------------------------------

    def _instances(self, gateway: GatewayRecord, prefix: str) -> list[str]:
        label = gateway.origin.label
        if gateway.addresses is None:
            self.note(label, "instances left empty: its instances' IPs are not known until "
                             "apply")
            return []
        if not gateway.addresses and gateway.active_active:
            self.note(label, "instances left empty: an active-active gateway, but its "
                             "instances' IPs are not in the export (bgpSettings."
                             "bgpPeeringAddresses)")
            return []
        inside = [ip for written in gateway.addresses if (ip := canonical_ip(written))
                  and ip_in(ip, prefix)]
        outside = [a for a in gateway.addresses if canonical_ip(a) not in inside]
        if outside:
            self.note(label, f"instance address {', '.join(outside)} is outside its subnet "
                             f"({prefix}): left out")
        if gateway.type == "vpn" and not gateway.active_active and inside:
            # Azure lists an active-standby gateway's routes with its public IP as the next
            # hop, not its instance's private one (docs/routing-rules.md, "One row per next
            # hop"); without instances the design keeps one row with no IP, which matches.
            self.note(label, f"active-standby: Azure names its public IP, not its instance's "
                             f"{inside[0]}, as the next hop of its routes, so instances is "
                             "left empty")
            return []
        if gateway.type == "vpn" and len(inside) > VPN_GATEWAY_INSTANCES:
            self.note(label, f"{len(inside)} instance addresses: a VPN gateway has two at most, "
                             f"kept {', '.join(inside[:VPN_GATEWAY_INSTANCES])}")
            inside = inside[:VPN_GATEWAY_INSTANCES]
        return inside

    # Connections --------------------------------------------------------------------------

    def _connections(self, gateway: GatewayRecord) -> list[dict[str, Any]]:
        kept: list[tuple[ConnectionRecord, str]] = []
        for connection in self.connections_of.get(gateway.key, []):
            kind = CONNECTION_TYPES.get(connection.type.lower())
            if kind is None:
                self.skip(connection.origin.label, f"connection type {connection.type} is not "
                                                   "part of the design format: a gateway's "
                                                   "connections are IPsec (site-to-site) or "
                                                   "ExpressRoute")
            elif GATEWAY_TYPES[kind] != gateway.type:
                which = "VPN" if gateway.type == "vpn" else "ExpressRoute"
                self.skip(connection.origin.label, f"connection type {connection.type} does "
                                                   f"not fit its {which} gateway")
            else:
                kept.append((connection, kind))
        names = Namer("connection", self.notes).names(
            (c.key, c.name, c.origin.label) for c, _ in kept)
        found = []
        for connection, kind in sorted(kept, key=lambda k: names[k[0].key]):
            data: dict[str, Any] = {"name": names[connection.key], "type": kind}
            if kind == "ipsec" and connection.bgp:
                data["bgp"] = True
            data["learned_prefixes"] = self._learned(connection, kind, gateway)
            found.append(data)
        return found

    def _learned(self, connection: ConnectionRecord, kind: str, gateway: GatewayRecord
                 ) -> list[str]:
        label = connection.origin.label
        names = az_names(gateway.key, gateway.name)
        routes = f"`az network vnet-gateway list-learned-routes {names}`"
        if kind == "expressroute":
            self.note(label, "learned_prefixes left empty: what the ExpressRoute circuit "
                             f"advertises is in no export; {routes} lists it")
            return []
        if connection.local_gateway is not None:
            self.used_local_gateways.add(connection.local_gateway)
        local = self.inv.local_gateways.get(connection.local_gateway)
        written = local.prefixes if local is not None else connection.local_prefixes
        if local is None and not written:
            self.note(label, f"its local network gateway ({connection.local_gateway or 'none'}) "
                             "is not in the sources: learned_prefixes left empty (export it "
                             "with `az network local-gateway list`)")
        prefixes = []
        for prefix in written:
            cidr = canonical_cidr(prefix)
            if cidr is None:
                self.note(label, f"address range {prefix} is not a CIDR: left out")
            elif cidr not in prefixes:
                prefixes.append(cidr)
        if connection.bgp:
            self.note(label, "a BGP connection: learned_prefixes are its local network "
                             "gateway's address space, an approximation; the prefixes the "
                             f"gateway learns over BGP are listed by {routes}")
        return prefixes
