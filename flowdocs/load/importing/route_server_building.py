"""The inventory's Route Servers to the design's: their VNet (from RouteServerSubnet), their
BGP peers (NVAs of the design, by IP), branch to branch; each left out with a reason when the
format or Azure would refuse it.

What a peer advertises is in no export (it is the NVA's BGP configuration): each peer's
`advertised_prefixes` is left empty, and a note names the command that lists them.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from flowdocs.load.importing.addresses import canonical_ip, ip_in
from flowdocs.load.importing.imported import Entry
from flowdocs.load.importing.inventory import Inventory, Skipped
from flowdocs.load.importing.naming import Namer
from flowdocs.load.importing.network_records import RouteServerPeerRecord, RouteServerRecord
from flowdocs.load.importing.part_support import Appliance, Placed, Reporter, az_names
from flowdocs.load.network_validation import ROUTE_SERVER_SUBNET, ROUTE_SERVER_SUBNET_LONGEST


class RouteServerBuilder(Reporter):
    def __init__(self, inventory: Inventory, skipped: list[Skipped],
                 notes: list[Skipped]) -> None:
        super().__init__(skipped, notes)
        self.inv = inventory
        self.subnet_of = {r.server: r.subnet for r in inventory.route_server_subnets}
        self.peers_of: dict[str, list[RouteServerPeerRecord]] = {}
        for peer in inventory.route_server_peers:
            self.peers_of.setdefault(peer.server, []).append(peer)

    def peer_ips(self) -> dict[str, str]:
        """The IPs of the Route Servers' peers, and the Route Server of each: a NIC that
        forwards traffic at one of them is an NVA of the design."""
        return {ip: server.name for server in self.inv.route_servers
                for peer in self.peers_of.get(server.key, [])
                if peer.peer_ip and (ip := canonical_ip(peer.peer_ip))}

    def entries(self, subnets: dict[str, Placed], appliances: dict[str, Appliance]
                ) -> list[Entry]:
        placed: list[tuple[RouteServerRecord, str]] = []
        taken: dict[str, str] = {}  # VNet: its Route Server
        for server in self.inv.route_servers:
            vnet = self._vnet(server, subnets)
            if vnet is None:
                continue
            if vnet in taken:
                self.skip(server.origin.label, f"vnet {vnet} already has Route Server "
                                               f"{taken[vnet]}; Azure allows one per VNet")
                continue
            taken[vnet] = server.name
            placed.append((server, vnet))
        imported = {server.key for server, _ in placed}
        for peer in self.inv.route_server_peers:
            if peer.server not in imported:
                where = "is not imported" if peer.server in self.inv.route_servers.by_key \
                    else f"({peer.server}) is not in the sources"
                self.skip(peer.origin.label, f"its Route Server {where}")
        names = Namer("route server", self.notes).names(
            (s.key, s.name, s.origin.label) for s, _ in placed)
        entries = []
        for server, vnet in placed:
            data: dict[str, Any] = {"name": names[server.key], "vnet": vnet}
            if server.branch_to_branch:
                data["branch_to_branch"] = True
            peers = self._peers(server, appliances)
            if peers:
                data["peers"] = peers
            entries.append(Entry(data, (server.origin.label,)))
        return sorted(entries, key=lambda e: str(e.data["name"]))

    def _vnet(self, server: RouteServerRecord, subnets: dict[str, Placed]) -> str | None:
        """The design name of the Route Server's VNet; None, with the reason, when it cannot
        be placed."""
        label = server.origin.label
        key = server.subnet or self.subnet_of.get(server.key)
        found = subnets.get(key) if key is not None else None
        if key is None:
            # `az network routeserver list` names its IP configurations by id only: its
            # instances' IPs (virtualRouterIps) tell which RouteServerSubnet holds it.
            found = next((p for p in subnets.values() if p[1].name == ROUTE_SERVER_SUBNET
                          and any(ip_in(ip, p[2]) for ip in server.router_ips)), None)
        if found is None:
            where = f"its subnet ({key}) is not in the sources" if key is not None else \
                "its subnet is not in the export (its IP configurations are ids only) and " \
                "its virtualRouterIps are in no RouteServerSubnet of the sources"
            self.skip(label, where)
            return None
        ref, _, prefix = found
        vnet, subnet = ref.split("/", 1)
        if subnet != ROUTE_SERVER_SUBNET:
            self.skip(label, f"its subnet {ref} is not named {ROUTE_SERVER_SUBNET}, which "
                             "Azure Route Server requires")
            return None
        if ipaddress.ip_network(prefix).prefixlen > ROUTE_SERVER_SUBNET_LONGEST:
            self.skip(label, f"{ref} is {prefix}; Azure Route Server needs a "
                             f"/{ROUTE_SERVER_SUBNET_LONGEST} or larger")
            return None
        return vnet

    def _peers(self, server: RouteServerRecord, appliances: dict[str, Appliance]
               ) -> list[dict[str, Any]]:
        kept: list[tuple[RouteServerPeerRecord, str]] = []
        for peer in self.peers_of.get(server.key, []):
            ip = canonical_ip(peer.peer_ip or "")
            appliance = appliances.get(ip or "")
            if ip is None or appliance is None:
                # flowdocs follows a flow to the NVA at a route's next hop: it must know it.
                self.skip(peer.origin.label, f"peer IP {peer.peer_ip} is no NVA of the sources "
                                             "(a NIC that forwards traffic)")
            elif appliance.type != "nva":
                self.skip(peer.origin.label, f"peer IP {ip} is Azure Firewall "
                                             f"{appliance.name}, which does not speak BGP "
                                             "with a Route Server")
            else:
                kept.append((peer, ip))
        missing = [k for k in server.peer_ids if k not in self.inv.route_server_peers.by_key]
        if missing:
            self.note(server.origin.label, f"BGP peers {', '.join(missing)} are not in the "
                                           "sources (export them with `az network routeserver "
                                           f"peering list {_server_names(server)}`)")
        names = Namer("peer", self.notes).names((p.key, p.name, p.origin.label)
                                                for p, _ in kept)
        found = []
        for peer, ip in sorted(kept, key=lambda k: names[k[0].key]):
            found.append({"name": names[peer.key], "peer_ip": ip, "advertised_prefixes": []})
            self.note(peer.origin.label, "advertised_prefixes left empty: what the NVA "
                                         "advertises is in no export; `az network routeserver "
                                         f"peering list-learned-routes {_server_names(server)} "
                                         f"-n {peer.name}` lists it")
        return found


def _server_names(server: RouteServerRecord) -> str:
    """`-g GROUP --routeserver NAME`, as the az commands about its peers take them."""
    return az_names(server.key, server.name).replace(" -n ", " --routeserver ")
