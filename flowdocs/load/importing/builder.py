"""The inventory to a design: names for keys, Azure's settings in the format's terms, and a
reason for everything left out.

What the design must satisfy is what `flowdocs validate` checks, so the builder keeps only what
the format can say and references that lead somewhere: a subnet whose VNet is not in the
sources, a route whose service tag flowdocs does not know, a peering with one link, are left
out and listed. Objects are sorted by name (subnets by address), so that the order of the
files and of the resources in them never changes the design.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from flowdocs.load.catalog import Catalog
from flowdocs.load.importing import ids
from flowdocs.load.importing.addresses import canonical_cidr, canonical_ip, is_cidr, is_ip
from flowdocs.load.importing.balancer_building import BalancerBuilder
from flowdocs.load.importing.firewall_policy_building import FirewallPolicyBuilder
from flowdocs.load.importing.gateway_building import GatewayParts
from flowdocs.load.importing.imported import Entry, ImportedDesign, SourceSummary
from flowdocs.load.importing.inventory import (
    EndpointRecord,
    Inventory,
    NicRecord,
    PeeringRecord,
    RouteRecord,
    Skipped,
    SubnetRecord,
    VNetRecord,
)
from flowdocs.load.importing.naming import Namer
from flowdocs.load.importing.nsg_building import NsgBuilder
from flowdocs.load.importing.part_support import Appliance
from flowdocs.load.importing.route_server_building import RouteServerBuilder

NEXT_HOP_TYPES = {t.lower(): t for t in ("VirtualAppliance", "VirtualNetworkGateway", "VnetLocal",
                                         "Internet", "None")}
NETWORK_POLICIES = {p.lower(): p for p in ("Disabled", "Enabled", "RouteTableEnabled",
                                           "NetworkSecurityGroupEnabled")}
FIREWALL_SKUS = {s.lower(): s for s in ("Basic", "Standard", "Premium")}
# Azure keeps the first four addresses of a subnet; Azure Firewall takes the next one.
FIREWALL_HOST = 4
RESERVED_LOW = 4
SQL_IMAGE_PUBLISHER = "microsoftsqlserver"
ZONE_NAME = re.compile(r"[a-z0-9][a-z0-9.-]*")
# What names a Key Vault or a scope: a workload's `target`. Workloads are only candidates, so
# the comment above each says which type of workload does.
LINK_TARGET_USERS = {
    "key-vault": "a Key Vault client (type key-vault-client) names it in its target",
    "arc": "an Arc-enabled server (type arc-connected-machine) names it in its target",
    "monitor": "a Monitor agent (type azure-monitor-agent) names it in its target",
}


# A firewall or NVA found: its key, its Azure name, its data, and its comment lines.
_Found = tuple[str, str, dict[str, Any], tuple[str, ...]]


def build_design(inventory: Inventory, sources: list[SourceSummary], name: str, title: str,
                 catalog: Catalog) -> ImportedDesign:
    """The design the inventory describes, named `name`."""
    return _Builder(inventory, catalog).build(sources, name, title)


class _Builder:
    def __init__(self, inventory: Inventory, catalog: Catalog) -> None:
        self.inv = inventory
        self.catalog = catalog
        self.skipped: list[Skipped] = list(inventory.skipped)
        self.notes: list[Skipped] = list(inventory.notes)
        self.region: str | None = None
        self.vnet_names: dict[str, str] = {}
        self.subnets: dict[str, tuple[str, SubnetRecord, str]] = {}  # key: (ref, record, prefix)
        self.subnets_of: dict[str, list[tuple[str, SubnetRecord, str]]] = {}  # by VNet key
        self.hubs: set[str] = set()  # VNet keys holding a firewall, NVA or gateway
        self.table_names: dict[str, str] = {}
        self.policy_names: dict[str, str] = {}
        self.vault_names: dict[str, str] = {}
        self.account_names: dict[str, str] = {}
        self.link_target_names: dict[str, str] = {}  # Key Vaults' and scopes'
        self.firewall_ips: dict[str, str] = {}  # firewall or NIC key: its IP
        self.gateway_vnets: set[str] = set()  # design names
        self.used_ips: set[str] = set()
        # Joins, indexed once: an estate has thousands of subnets, routes and NICs.
        self.table_of_subnet = {s: t.key for t in inventory.route_tables for s in t.subnets}
        self.table_of_subnet.update({a.subnet: a.route_table for a in inventory.associations})
        self.routes_of: dict[str, list[RouteRecord]] = {}
        for route in inventory.routes:
            self.routes_of.setdefault(route.table, []).append(route)
        self.vm_of_nic = {n: vm for vm in inventory.vms for n in vm.nics}
        self.nics_of_vm: dict[str, list[NicRecord]] = {}
        self.nics_of_endpoint: dict[str, list[NicRecord]] = {}
        for nic in inventory.nics:
            if nic.vm:
                self.nics_of_vm.setdefault(nic.vm, []).append(nic)
            if nic.private_endpoint:
                self.nics_of_endpoint.setdefault(nic.private_endpoint, []).append(nic)
        self.endpoint_nics = {n for e in inventory.endpoints for n in e.nics}
        self.peers = Counter(link.vnet for link in inventory.peerings)
        # NSGs and firewall policies are named before the subnets and firewalls that name them.
        self.nsgs = NsgBuilder(inventory, catalog, self.skipped, self.notes)
        self.firewall_policies = FirewallPolicyBuilder(inventory, catalog, self.skipped,
                                                       self.notes)
        self.gateway_parts = GatewayParts(inventory, self.skipped, self.notes)
        self.route_servers = RouteServerBuilder(inventory, self.skipped, self.notes)
        self.balancers = BalancerBuilder(inventory, self.skipped, self.notes)
        # What makes a NIC that forwards traffic an NVA, by its IP, in the words of its
        # comment: a route's next hop, else a backend of an internal load balancer (the
        # routes name its frontend), else a Route Server's BGP peer.
        self.appliance_roles = {
            **{ip: f"a BGP peer of Route Server {server}"
               for ip, server in self.route_servers.peer_ips().items()},
            **{ip: f"a backend of load balancer{'s' if len(names) > 1 else ''} "
                   f"{', '.join(names)}" for ip, names in self.balancers.backend_ips().items()},
            **{r.next_hop_ip: "a route's next hop" for r in inventory.routes if r.next_hop_ip}}

    def build(self, sources: list[SourceSummary], name: str, title: str) -> ImportedDesign:
        self.region = _most_common(v.location for v in self.inv.vnets) or \
            _most_common(v.location for v in self.inv.vaults)
        head: dict[str, Any] = {"flowdocs": 1, "name": name, "title": title}
        if self.region:
            head["region"] = self.region
        vnets = self._vnets()
        tables = self._route_tables()
        firewalls = self._firewalls()
        gateways = self._gateways()
        appliances = {str(e.data["private_ip"]): Appliance(
            str(e.data["name"]), str(e.data["type"]), str(e.data["subnet"])) for e in firewalls}
        route_servers = self.route_servers.entries(self.subnets, appliances)
        # Before the private endpoints: a frontend's IP is taken, as a firewall's is.
        balancers = self.balancers.entries(self.subnets, appliances, self.used_ips)
        self._hops_to_nothing()
        vaults, accounts, key_vaults, scopes = self._targets()
        policies = self._policies()
        sections = {
            "vnets": [self._vnet_entry(v) for v in vnets],
            "peerings": self._peerings(),
            "route_tables": [self._table_entry(key) for key in tables],
            "firewalls": firewalls,
            "gateways": gateways,
            "route_servers": route_servers,
            "load_balancers": balancers,
            "vaults": vaults,
            "storage_accounts": accounts,
            "key_vaults": key_vaults,
            "private_link_scopes": scopes,
            "service_endpoint_policies": policies,
            "private_endpoints": self._endpoints(),
            "private_dns_zones": self._zones(),
            "network_security_groups": self.nsgs.entries(),
            "firewall_policies": self.firewall_policies.entries(),
        }
        candidates = self._candidates()
        return ImportedDesign(sources, head, sections, candidates,
                              sorted(set(self.skipped), key=_order),
                              sorted(set(self.notes), key=_order),
                              tuple(self.catalog.workload_types))

    # VNets and subnets --------------------------------------------------------------------

    def _vnets(self) -> list[VNetRecord]:
        kept: list[VNetRecord] = []
        for vnet in self.inv.vnets:
            space = [p for p in vnet.address_space if self._cidr(p, vnet.origin.label)]
            if not space:
                self._skip(vnet.origin.label, "no address range the design format accepts")
                continue
            kept.append(vnet)
        names = Namer("vnet", self.notes).names((v.key, v.name, v.origin.label) for v in kept)
        self.vnet_names = names
        # Route tables and policies are named first: subnets refer to them.
        tables = [t for t in self.inv.route_tables]
        self.table_names = Namer("route table", self.notes).names(
            (t.key, t.name, t.origin.label) for t in tables)
        self.policy_names = Namer("service endpoint policy", self.notes).names(
            (p.key, p.name, p.origin.label) for p in self.inv.policies)
        self._place_subnets()
        for placed in self.subnets.values():
            self.subnets_of.setdefault(placed[1].vnet, []).append(placed)
        hub_subnets = {f.subnet for f in self.inv.firewalls} | \
            {g.subnet for g in self.inv.gateways} | \
            {s for n in self.inv.nics if n.ip_forwarding for s, _ in n.configurations}
        self.hubs = {self.subnets[s][1].vnet for s in hub_subnets if s in self.subnets}
        return sorted(kept, key=lambda v: names[v.key])

    def _place_subnets(self) -> None:
        seen: set[tuple[str, str]] = set()
        for subnet in self.inv.subnets:
            vnet = self.vnet_names.get(subnet.vnet)
            if vnet is None:
                self._skip(subnet.origin.label, f"its virtual network ({subnet.vnet}) is not in "
                                                "the sources")
                continue
            if (subnet.vnet, subnet.name.lower()) in seen:
                continue  # the same subnet, inline in its VNet and as a resource of its own
            seen.add((subnet.vnet, subnet.name.lower()))
            prefix = self._subnet_prefix(subnet)
            if prefix is not None:
                name = Namer("subnet", self.notes).name(subnet.name, subnet.origin.label)
                self.subnets[subnet.key] = (f"{vnet}/{name}", subnet, prefix)

    def _subnet_prefix(self, subnet: SubnetRecord) -> str | None:
        valid = [p for p in subnet.prefixes if self._cidr(p, subnet.origin.label)]
        if not valid:
            self._skip(subnet.origin.label, "no address prefix the design format accepts")
            return None
        # The design holds one prefix a subnet: its first IPv4 one.
        chosen = next((p for p in valid if ":" not in p), valid[0])
        if len(valid) > 1:
            others = ", ".join(p for p in valid if p != chosen)
            self._note(subnet.origin.label, f"has {len(valid)} address prefixes; the design "
                                            f"format holds one: kept {chosen}, left out {others}")
        return chosen

    def _vnet_entry(self, vnet: VNetRecord) -> Entry:
        data: dict[str, Any] = {"name": self.vnet_names[vnet.key]}
        if vnet.location and vnet.location != self.region:
            data["region"] = vnet.location
        data["address_space"] = [c for p in vnet.address_space if (c := canonical_cidr(p))]
        dns = [s for s in vnet.dns_servers if is_ip(s)]
        if dns:
            data["dns_servers"] = dns
        subnets = sorted(self.subnets_of.get(vnet.key, []),
                         key=lambda s: _address_order(s[2], s[0]))
        if subnets:
            data["subnets"] = [self._subnet_data(ref, record, prefix)
                               for ref, record, prefix in subnets]
        return Entry(data, (vnet.origin.label,))

    def _subnet_data(self, ref: str, subnet: SubnetRecord, prefix: str) -> dict[str, Any]:
        data: dict[str, Any] = {"name": ref.split("/", 1)[1],
                                "prefix": canonical_cidr(prefix)}
        table = self._route_table_of(subnet)
        if table is not None:
            data["route_table"] = table
        nsg = self.nsgs.subnet_nsg(subnet)
        if nsg is not None:
            data["network_security_group"] = nsg
        endpoints = self._service_endpoints(subnet)
        if endpoints:
            data["service_endpoints"] = endpoints
        policies = []
        for policy in subnet.policies:
            if policy in self.policy_names:
                policies.append(self.policy_names[policy])
            else:
                self._note(subnet.origin.label, f"service endpoint policy {policy} is not in "
                                                "the sources: left out")
        if policies:
            data["service_endpoint_policies"] = sorted(set(policies))
        written = subnet.network_policies
        network_policies = NETWORK_POLICIES.get((written or "disabled").lower())
        if network_policies is None:
            self._note(subnet.origin.label, f"private endpoint network policies '{written}' "
                                            "are not a value the format knows: left Disabled")
        elif network_policies != "Disabled":
            data["private_endpoint_network_policies"] = network_policies
        return data

    def _route_table_of(self, subnet: SubnetRecord) -> str | None:
        """The subnet's route table: its own reference, else an association resource, else
        the route table's list of subnets."""
        key = subnet.route_table or self.table_of_subnet.get(subnet.key)
        if key is None:
            return None
        if key not in self.table_names:
            self._note(subnet.origin.label, f"route table {key} is not in the sources: the "
                                            "subnet is imported without it")
            return None
        return self.table_names[key]

    def _service_endpoints(self, subnet: SubnetRecord) -> list[str]:
        known = {name.lower(): name for name in self.catalog.service_endpoints}
        kept = []
        for endpoint in subnet.service_endpoints:
            name = known.get(endpoint.lower())
            if name is None:
                self._note(subnet.origin.label, f"service endpoint {endpoint} is not in "
                                                "flowdocs' catalog: left out")
            elif name not in kept:
                kept.append(name)
        return kept

    # Peerings -----------------------------------------------------------------------------

    def _peerings(self) -> list[Entry]:
        pairs: dict[frozenset[str], list[PeeringRecord]] = {}
        for link in self.inv.peerings:
            if link.vnet not in self.vnet_names or link.remote not in self.vnet_names:
                missing = link.vnet if link.vnet not in self.vnet_names else link.remote
                self._skip(link.origin.label, f"virtual network {missing} is not in the sources")
                continue
            pairs.setdefault(frozenset((link.vnet, link.remote)), []).append(link)
        entries = [entry for links in pairs.values() if (entry := self._peering(links))]
        return sorted(entries, key=lambda e: tuple(e.data["vnets"]))

    def _peering(self, links: list[PeeringRecord]) -> Entry | None:
        by_vnet = {link.vnet: link for link in links}
        labels = tuple(link.origin.label for link in sorted(by_vnet.values(),
                                                            key=lambda x: x.key))
        refused = next((link for link in by_vnet.values()
                        if not link.allow_virtual_network_access
                        or (link.state or "Connected").lower() == "disconnected"), None)
        if refused is not None:
            self._skip(refused.origin.label, "the peering does not carry traffic (VNet access "
                                             "off, or disconnected): left out")
            return None
        if len(by_vnet) == 1:
            (only,) = by_vnet.values()
            if (only.state or "").lower() != "connected":
                self._skip(only.origin.label, "the remote VNet's link of this peering is not in "
                                              "the sources, and its state is not Connected")
                return None
            self._note(only.origin.label, "the remote VNet's link is not in the sources: its "
                                          "settings are taken as Azure's defaults")
            by_vnet[only.remote] = PeeringRecord(
                "", only.remote, only.vnet, "", False, False, False, True, "Connected",
                only.origin)
        first, second = self._peering_order(by_vnet)
        return Entry(self._peering_data(by_vnet[first], by_vnet[second]), labels)

    def _peering_order(self, links: dict[str, PeeringRecord]) -> tuple[str, str]:
        """The spoke first, the hub second, as the format's shorthand reads them: the VNet
        whose link uses remote gateways (or whose remote allows transit) first, then the one
        with no firewall or gateway, then the one with fewer peerings."""
        peers, hubs = self.peers, self.hubs

        def spoke_first(vnet: str) -> tuple[bool, bool, int, str]:
            link = links[vnet]
            remote = links[link.remote]
            transit = link.use_remote_gateways or remote.allow_gateway_transit
            return not transit, vnet in hubs, peers[vnet], self.vnet_names[vnet]

        first, second = sorted(links, key=spoke_first)
        return first, second

    def _peering_data(self, first: PeeringRecord, second: PeeringRecord) -> dict[str, Any]:
        a, b = self.vnet_names[first.vnet], self.vnet_names[second.vnet]
        data: dict[str, Any] = {"vnets": [a, b]}
        links: dict[str, dict[str, bool]] = {}
        if first.allow_forwarded_traffic == second.allow_forwarded_traffic:
            if not first.allow_forwarded_traffic:
                data["allow_forwarded_traffic"] = False
        else:
            off = a if not first.allow_forwarded_traffic else b
            links.setdefault(off, {})["allow_forwarded_traffic"] = False
        transit_first, transit_second = (self._transit(first), self._transit(second))
        remote_first = self._remote_gateways(first, transit_second, transit_first)
        remote_second = self._remote_gateways(second, transit_first, transit_second)
        if transit_second:
            data["allow_gateway_transit"] = True
        if remote_first:
            data["use_remote_gateways"] = True
        if transit_first:
            links.setdefault(a, {})["allow_gateway_transit"] = True
        if remote_second:
            links.setdefault(b, {})["use_remote_gateways"] = True
        if links:
            data["links"] = {vnet: links[vnet] for vnet in (a, b) if vnet in links}
        return data

    def _transit(self, link: PeeringRecord) -> bool:
        """Gateway transit, where the link's VNet has a gateway to offer (the format needs
        one)."""
        if link.allow_gateway_transit and self.vnet_names[link.vnet] not in self.gateway_vnets:
            self._note(link.origin.label, "allow gateway transit left out: no gateway of its "
                                          "VNet is in the sources")
            return False
        return link.allow_gateway_transit

    def _remote_gateways(self, link: PeeringRecord, remote_transit: bool,
                         own_transit: bool) -> bool:
        if not link.use_remote_gateways:
            return False
        if not remote_transit or own_transit or \
                self.vnet_names[link.vnet] in self.gateway_vnets:
            self._note(link.origin.label, "use remote gateways left out: the remote VNet "
                                          "offers no gateway in the sources")
            return False
        return True

    # Route tables -------------------------------------------------------------------------

    def _route_tables(self) -> list[str]:
        return sorted(self.table_names, key=lambda key: self.table_names[key])

    def _table_entry(self, key: str) -> Entry:
        table = self.inv.route_tables.get(key)
        assert table is not None
        data: dict[str, Any] = {"name": self.table_names[key]}
        if table.disable_bgp_route_propagation:
            data["disable_bgp_route_propagation"] = True
        routes = []
        names: set[str] = set()
        for route in sorted(self.routes_of.get(key, []),
                            key=lambda r: (r.name.lower(), r.key)):
            if route.name.lower() not in names and (found := self._route(route)) is not None:
                names.add(route.name.lower())
                routes.append(found)
        if routes:
            data["routes"] = routes
        return Entry(data, (table.origin.label,))

    def _route(self, route: RouteRecord) -> dict[str, Any] | None:
        hop = NEXT_HOP_TYPES.get(route.next_hop_type.lower())
        if hop is None:
            self._skip(route.origin.label, f"next hop type {route.next_hop_type} is not one the "
                                           "design format knows")
            return None
        prefix = self._route_prefix(route)
        if prefix is None:
            return None
        data: dict[str, Any] = {"name": Namer("route", []).name(route.name, ""),
                                "address_prefix": prefix, "next_hop_type": hop}
        if hop == "VirtualAppliance":
            ip = route.next_hop_ip or self.firewall_ips.get(route.next_hop_of or "")
            if ip is None or not is_ip(ip):
                self._skip(route.origin.label, "its next hop's IP is not known until apply")
                return None
            data["next_hop_ip"] = canonical_ip(ip)
        return data

    def _route_prefix(self, route: RouteRecord) -> str | None:
        prefix = route.address_prefix
        if prefix[:1].isdigit() or ":" in prefix or "/" in prefix:
            canonical = canonical_cidr(prefix)
            if canonical is not None:
                return canonical
            self._skip(route.origin.label, f"address prefix {prefix} is not a CIDR")
            return None
        base, dot, region = prefix.partition(".")
        tags = {t.lower(): t for t in self.catalog.service_tags}
        tag = tags.get(base.lower())
        if tag is None or (dot and not region.isalnum()):
            self._skip(route.origin.label, f"service tag {prefix} is not in flowdocs' catalog")
            return None
        return f"{tag}{dot}{region}"

    # Firewalls and gateways ---------------------------------------------------------------

    def _firewalls(self) -> list[Entry]:
        found: list[_Found] = []
        for firewall in self.inv.firewalls:
            placed = self.subnets.get(firewall.subnet)
            if placed is None:
                self._skip(firewall.origin.label, f"its subnet ({firewall.subnet}) is not in the "
                                                  "sources")
                continue
            ref, _, prefix = placed
            ip = firewall.private_ip
            comment = [firewall.origin.label]
            if ip is None or not is_ip(ip):
                ip = str(ipaddress.ip_network(prefix)[FIREWALL_HOST])
                comment.append(f"private IP not known until apply: {ip}, the first address "
                               "Azure gives in AzureFirewallSubnet")
            sku = FIREWALL_SKUS.get((firewall.sku or "").lower())
            if sku is None:
                sku = "Standard"
                comment.append(f"SKU tier {firewall.sku or 'not given'}: taken as Standard")
            self.firewall_ips[firewall.key] = ip
            data: dict[str, Any] = {"type": "azure-firewall", "sku": sku, "subnet": ref,
                                    "private_ip": ip}
            policy = self.firewall_policies.firewall_policy(firewall)
            if policy is not None:
                data["policy"] = policy
            found.append((firewall.key, firewall.name, data, tuple(comment)))
        found.extend(self._appliances())
        namer = Namer("firewall", self.notes)
        names = namer.names((key, raw, lines[0]) for key, raw, _, lines in found)
        entries = []
        for key, _, data, lines in found:
            self.used_ips.add(data["private_ip"])
            entries.append(Entry({"name": names[key], **data}, lines))
        return sorted(entries, key=lambda e: str(e.data["name"]))

    def _appliances(self) -> list[_Found]:
        """Network virtual appliances: NICs that forward IP traffic and whose IP is a route's
        next hop, a backend of an internal load balancer or a Route Server's BGP peer."""
        roles = self.appliance_roles
        firewall_ips = set(self.firewall_ips.values())
        found: list[_Found] = []
        for nic in self.inv.nics:
            if not nic.ip_forwarding:
                continue
            for subnet, ip in nic.configurations:
                if ip in roles and ip not in firewall_ips and subnet in self.subnets:
                    vm = self._vm_of(nic)
                    self.firewall_ips[nic.key] = ip
                    found.append((nic.key, vm or nic.name,
                                  {"type": "nva", "subnet": self.subnets[subnet][0],
                                   "private_ip": ip},
                                  (nic.origin.label, f"a NIC that forwards traffic and is "
                                   f"{roles[ip]}: set its vendor")))
                    break
        return found

    def _hops_to_nothing(self) -> None:
        """A note for each VirtualAppliance route whose next hop the design does not hold
        (once the firewalls, NVAs and load balancers are known)."""
        held = set(self.firewall_ips.values()) | set(self.balancers.frontend_ips)
        frontends = self.balancers.all_frontends()
        for route in self.inv.routes:
            hop = route.next_hop_ip
            if not hop or route.next_hop_type.lower() != "virtualappliance" or hop in held:
                continue
            if hop in frontends:
                self._note(route.origin.label, f"next hop {hop} is the frontend of load "
                                               f"balancer {frontends[hop]}, which is not "
                                               "imported")
            else:
                self._note(route.origin.label, f"next hop {hop} is no firewall or NVA of the "
                                               "sources (an internal load balancer?)")

    def _vm_of(self, nic: NicRecord) -> str | None:
        vm = self.inv.vms.get(nic.vm) or self.vm_of_nic.get(nic.key)
        return vm.name if vm is not None else (ids.name_of(nic.vm) if nic.vm else None)

    def _gateways(self) -> list[Entry]:
        found = []
        for gateway in self.inv.gateways:
            placed = self.subnets.get(gateway.subnet)
            if placed is None:
                self._skip(gateway.origin.label, f"its subnet ({gateway.subnet}) is not in the "
                                                 "sources")
                continue
            vnet = placed[0].split("/")[0]
            self.gateway_vnets.add(vnet)
            found.append((gateway.key, gateway.name, vnet, gateway, placed[2]))
        names = Namer("gateway", self.notes).names(
            (key, raw, g.origin.label) for key, raw, _, g, _ in found)
        entries = []
        for key, _, vnet, gateway, prefix in found:
            parts, line = self.gateway_parts.parts(gateway, prefix)
            comment = (gateway.origin.label, *([line] if line else []))
            entries.append(Entry({"name": names[key], "type": gateway.type, "vnet": vnet,
                                  **parts}, comment))
        self.gateway_parts.left_out({key for key, *_ in found})
        return sorted(entries, key=lambda e: str(e.data["name"]))

    # Vaults, storage accounts, policies, private endpoints, DNS ---------------------------

    def _targets(self) -> tuple[list[Entry], list[Entry], list[Entry], list[Entry]]:
        vaults: dict[str, tuple[str, str | None, str, tuple[str, ...]]] = {
            v.key: (v.name, v.location, v.public_network_access, (v.origin.label,))
            for v in self.inv.vaults}
        accounts: dict[str, tuple[str, str | None, str, tuple[str, ...]]] = {
            a.key: (a.name, a.location, "", (a.origin.label,)) for a in self.inv.storage_accounts}
        # Key Vaults and private link scopes: the third field is their kind.
        links: dict[str, tuple[str, str | None, str, tuple[str, ...]]] = {
            t.key: (t.name, t.location, t.kind, (t.origin.label,)) for t in self.inv.link_targets}
        # Targets known only from a reference: a private endpoint's, a policy's.
        wanted = [(e.target, e.target_id, f"private endpoint {e.name}")
                  for e in self.inv.endpoints if e.target]
        wanted += [(a, a, f"service endpoint policy {p.name}")
                   for p in self.inv.policies for a in p.storage_accounts]
        for key, written, user in wanted:
            kind = ids.type_of(written or "")
            if key is None or not written or key in vaults or key in accounts or key in links:
                continue
            comment = (f"{written}: not in the sources, known as the target of {user}",)
            if kind == ids.VAULT:
                vaults[key] = (ids.name_of(written), None, "Enabled", comment)
            elif kind == ids.STORAGE:
                accounts[key] = (ids.name_of(written), None, "", comment)
            elif kind in ids.LINK_TARGET_KINDS:
                links[key] = (ids.name_of(written), None, ids.LINK_TARGET_KINDS[kind], comment)
        self.vault_names = Namer("vault", self.notes).names(
            (k, v[0], v[3][0]) for k, v in vaults.items())
        self.account_names = Namer("storage account", self.notes).names(
            (k, v[0], v[3][0]) for k, v in accounts.items())
        # A private endpoint's target is a bare name: a Key Vault or a scope may not share it
        # with a vault, a storage account, or each other.
        namer = Namer("private endpoint target", self.notes)
        namer.taken |= {n.lower() for n in (*self.vault_names.values(),
                                            *self.account_names.values())}
        self.link_target_names = namer.names((k, v[0], v[3][0]) for k, v in links.items())
        return (self._target_entries(vaults, self.vault_names, vault=True),
                self._target_entries(accounts, self.account_names, vault=False),
                self._link_entries(links, "key-vault"),
                self._link_entries(links, "arc", "monitor"))

    def _link_entries(self, records: dict[str, tuple[str, str | None, str, tuple[str, ...]]],
                      *kinds: str) -> list[Entry]:
        """Key Vaults (`key-vault`), or private link scopes (`arc`, `monitor`), each with the
        workload type that names it in its `target`: workloads are only candidates."""
        entries = []
        for key, (_, region, kind, comment) in records.items():
            if kind not in kinds:
                continue
            data: dict[str, Any] = {"name": self.link_target_names[key]}
            if kind != "key-vault":
                data["kind"] = kind
            if region and region != self.region:
                data["region"] = region
            entries.append(Entry(data, (*comment, LINK_TARGET_USERS[kind])))
        return sorted(entries, key=lambda e: str(e.data["name"]))

    def _target_entries(self, records: dict[str, tuple[str, str | None, str, tuple[str, ...]]],
                        names: dict[str, str], vault: bool) -> list[Entry]:
        entries = []
        for key, (_, region, access, comment) in records.items():
            data: dict[str, Any] = {"name": names[key]}
            if vault and access == "Disabled":
                data["public_network_access"] = "Disabled"
            if region and region != self.region:
                data["region"] = region
            entries.append(Entry(data, comment))
        return sorted(entries, key=lambda e: str(e.data["name"]))

    def _policies(self) -> list[Entry]:
        entries = []
        for policy in self.inv.policies:
            data: dict[str, Any] = {"name": self.policy_names[policy.key]}
            accounts = sorted({self.account_names[a] for a in policy.storage_accounts
                               if a in self.account_names})
            if accounts:
                data["allowed_storage_accounts"] = accounts
            for scope in policy.scopes:
                self._note(policy.origin.label, f"allows every storage account of {scope}: the "
                                                "design format lists accounts one by one")
            entries.append(Entry(data, (policy.origin.label,)))
        return sorted(entries, key=lambda e: str(e.data["name"]))

    def _endpoints(self) -> list[Entry]:
        found = []
        for endpoint in self.inv.endpoints:
            placed = self.subnets.get(endpoint.subnet)
            target = self.vault_names.get(endpoint.target or "") or \
                self.account_names.get(endpoint.target or "") or \
                self.link_target_names.get(endpoint.target or "")
            if placed is None:
                self._skip(endpoint.origin.label, f"its subnet ({endpoint.subnet}) is not in the "
                                                  "sources")
            elif target is None:
                what = endpoint.target_id or "not given"
                self._skip(endpoint.origin.label, f"its target ({what}) is not a Recovery "
                                                  "Services vault, a storage account, a Key "
                                                  "Vault or an Azure Arc or Azure Monitor "
                                                  "Private Link Scope")
            else:
                found.append((endpoint, placed, target))
        names = Namer("private endpoint", self.notes).names(
            (e.key, e.name, e.origin.label) for e, _, _ in found)
        entries = []
        for endpoint, (ref, _, prefix), target in sorted(found, key=lambda f: names[f[0].key]):
            data: dict[str, Any] = {"name": names[endpoint.key], "subnet": ref, "target": target}
            ip = self._endpoint_ip(endpoint, prefix)
            comment = [endpoint.origin.label]
            if ip is not None:
                data["ip"] = ip
            else:
                comment.append("IP not in the sources: flowdocs takes the subnet's first free "
                               "address, as Azure does")
            entries.append(Entry(data, tuple(comment)))
        return entries

    def _endpoint_ip(self, endpoint: EndpointRecord, prefix: str) -> str | None:
        nics = [n for key in endpoint.nics if (n := self.inv.nics.get(key))] + \
            self.nics_of_endpoint.get(endpoint.key, [])
        ip = endpoint.ip or next((ip for n in nics for _, ip in n.configurations if ip), None)
        if ip is None:
            return None
        network = ipaddress.ip_network(prefix)
        if not is_ip(ip) or ipaddress.ip_address(ip) not in network or ip in self.used_ips \
                or int(ipaddress.ip_address(ip)) - int(network.network_address) < RESERVED_LOW:
            self._note(endpoint.origin.label, f"IP {ip} left out: not a free address of its "
                                              "subnet in the design")
            return None
        self.used_ips.add(ip)
        return ip

    def _zones(self) -> list[Entry]:
        zones: dict[str, tuple[list[str], set[str]]] = {}  # name: (labels, VNet names)
        names = {z.key: z.name for z in self.inv.zones}
        for record in self.inv.zones:
            if not ZONE_NAME.fullmatch(record.name):
                self._skip(record.origin.label, "not a DNS zone name the design format accepts")
                continue
            zones.setdefault(record.name, ([], set()))[0].append(record.origin.label)
        for link in self.inv.zone_links:
            zone = names.get(link.zone)
            if zone is None or zone not in zones:
                self._skip(link.origin.label, f"its private DNS zone ({link.zone}) is not in the "
                                              "sources")
            elif link.vnet not in self.vnet_names:
                self._skip(link.origin.label, f"virtual network {link.vnet} is not in the "
                                              "sources")
            else:
                zones[zone][1].add(self.vnet_names[link.vnet])
        return [Entry({"name": name, "vnet_links": sorted(vnets)}, tuple(sorted(labels)))
                for name, (labels, vnets) in sorted(zones.items())]

    # Workloads ----------------------------------------------------------------------------

    def _candidates(self) -> list[Entry]:
        """VMs, and NICs of no VM, as workloads to uncomment: an export cannot tell what a
        VM runs, nor whether it is backed up."""
        entries = []
        claimed: set[str] = set(self.firewall_ips)
        vault = min(self.vault_names.values(), default=None)
        for vm in sorted(self.inv.vms, key=lambda v: (v.name.lower(), v.key)):
            nics = [n for key in vm.nics if (n := self.inv.nics.get(key))] + \
                [n for n in self.nics_of_vm.get(vm.key, []) if n.key not in vm.nics]
            if any(n.key in self.firewall_ips for n in nics):
                continue  # an NVA's VM: a firewall of the design, not a workload
            claimed |= {n.key for n in nics}
            entry = self._candidate(vm.name, nics, vm.image, vm.origin.label, vault)
            if entry is not None:
                entries.append(entry)
        for nic in sorted(self.inv.nics, key=lambda n: (n.name.lower(), n.key)):
            if nic.key in claimed or nic.private_endpoint or \
                    nic.key in self.endpoint_nics:
                continue
            name = ids.name_of(nic.vm) if nic.vm else nic.name
            entry = self._candidate(name, [nic], None, nic.origin.label, vault)
            if entry is not None:
                entries.append(entry)
        return entries

    def _candidate(self, name: str, nics: list[NicRecord], image: str | None, label: str,
                   vault: str | None) -> Entry | None:
        placed = next(((self.subnets[s], ip) for n in nics for s, ip in n.configurations
                       if s in self.subnets), None)
        if placed is None:
            self._skip(label, "candidate workload left out: its subnet is not in the sources")
            return None
        (ref, _, _), ip = placed
        sql = (image or "").lower().startswith(SQL_IMAGE_PUBLISHER)
        comment = [label] + ([f"image {image}"] if image else [])
        # The only types the design's targets allow: a vault's, else a storage account's.
        account = min(self.account_names.values(), default=None)
        kind, backup = ("sql-server-in-vm" if sql else "azure-vm"), {"vault": vault}
        if vault is None and account is not None:
            kind, backup = "third-party-agent", {"storage_account": account}
            comment.append("no vault in the sources: a third-party agent writing to a storage "
                           "account?")
        elif vault is None:
            comment.append("no vault in the sources: set backup.vault")
        data: dict[str, Any] = {"name": Namer("workload", []).name(name, ""), "type": kind,
                                "subnet": ref}
        if ip and is_ip(ip):
            data["ip"] = ip
        if vault is not None or account is not None:
            data["backup"] = backup
        return Entry(data, tuple(comment))

    # Problems -----------------------------------------------------------------------------

    def _cidr(self, prefix: str, subject: str) -> bool:
        if is_cidr(prefix):
            return True
        self._note(subject, f"address range {prefix} is not a CIDR: left out")
        return False

    def _skip(self, subject: str, reason: str) -> None:
        self.skipped.append(Skipped(subject, reason))

    def _note(self, subject: str, note: str) -> None:
        self.notes.append(Skipped(subject, note))


def _most_common(values: Iterable[str | None]) -> str | None:
    counts = Counter(v for v in values if v)
    if not counts:
        return None
    return min(counts, key=lambda v: (-counts[v], v))


@functools.lru_cache(maxsize=65536)
def _address_order(prefix: str, name: str) -> tuple[int, int, str]:
    network = ipaddress.ip_network(prefix)
    return network.version, int(network.network_address), name


def _order(item: Skipped) -> tuple[str, str]:
    return item.subject, item.reason
