"""Azure's JSON shapes to the inventory: az CLI, ARM REST and Azure Resource Graph alike.

The three differ in wrapping (`shapes.py`) and in one rule inside each resource: ARM and
Resource Graph keep a resource's settings under `properties`, at every level (a subnet in a
VNet, a route in a route table); the az CLI flattens them into the object. So every read goes
through `values.props`, and a message names the field as the file spells it.
Field paths: learn.microsoft.com/rest/api/virtualnetwork (virtual networks, route tables,
Azure Firewalls, private endpoints, network interfaces), and the Recovery Services,
Storage, Key Vault, Hybrid Compute (Arc private link scopes), Azure Monitor (private link
scopes), Compute and Private DNS REST references. NSGs and firewall policies are read by
`policy_reading.py`; gateways, their connections, Route Servers and load balancers by
`network_reading.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flowdocs.load.diagnostics import DataPath, Diagnostic
from flowdocs.load.importing import ids
from flowdocs.load.importing.inventory import (
    EndpointRecord,
    FirewallRecord,
    Inventory,
    LinkTargetRecord,
    NicRecord,
    Origin,
    PeeringRecord,
    PolicyRecord,
    RouteRecord,
    RouteTableRecord,
    Skipped,
    StorageAccountRecord,
    SubnetRecord,
    VaultRecord,
    VmRecord,
    VNetRecord,
    ZoneLinkRecord,
    ZoneRecord,
)
from flowdocs.load.importing.items import Item
from flowdocs.load.importing.network_reading import HANDLERS as NETWORK_HANDLERS
from flowdocs.load.importing.network_reading import (
    VIRTUAL_WAN_HUB,
    NetworkReader,
    nic_pool_members,
)
from flowdocs.load.importing.policy_reading import HANDLERS as POLICY_HANDLERS
from flowdocs.load.importing.policy_reading import PolicyReader
from flowdocs.load.importing.values import flag, get, location, objects, props, ref, text, texts

# Why a resource type that the design format has no place for is left out.
UNSUPPORTED = {
    "microsoft.network/ipgroups":
        "IP groups are not part of the design format: firewall policy rules that use them "
        "are left out",
    "microsoft.network/applicationsecuritygroups":
        "application security groups are not part of the design format: NSG rules that use "
        "them are left out",
    "microsoft.network/virtualhubs": VIRTUAL_WAN_HUB,
    "microsoft.network/virtualwans": "Virtual WAN is not supported by the design format",
    "microsoft.network/privateendpoints/privatednszonegroups":
        "not needed: private DNS zones and their VNet links are imported from the zones",
}


class AzureReader:
    """Reads the Azure resources of one file into `inventory`, collecting every problem as a
    diagnostic whose data path points into the file."""

    def __init__(self, file: str, inventory: Inventory) -> None:
        self.file = file
        self.inventory = inventory
        self.problems: list[Diagnostic] = []
        self.policies = PolicyReader(self)
        self.network = NetworkReader(self)

    def read(self, items: list[tuple[DataPath, Any]]) -> None:
        for path, raw in items:
            self.resource(path, raw)

    def resource(self, path: DataPath, raw: Any, label: str | None = None,
                 key: str | None = None) -> None:
        """One top-level resource. `label` and `key` stand in for an id that is not known
        yet (a Terraform azapi resource to be created)."""
        if not isinstance(raw, dict):
            self.error(path, "expected a resource (a JSON object with an id and a type)")
            return
        resource_id = text(raw, "id")
        if resource_id is None and key is None:
            self.error(path, "resource has no 'id': flowdocs needs each resource's id to "
                             "join references")
            return
        written_type = text(raw, "type") or (ids.type_of(resource_id) if resource_id else None)
        if written_type is None:
            self.error(path, f"resource '{resource_id}' has no 'type'")
            return
        kind = written_type.lower()
        name = text(raw, "name") or ids.name_of(resource_id or label or "")
        item = Item(path, raw, key or ids.key_of(resource_id or ""), name,
                    Origin(self.file, path, label or resource_id or name))
        handler = _HANDLERS.get(kind)
        policy_handler = POLICY_HANDLERS.get(kind)
        network_handler = NETWORK_HANDLERS.get(kind)
        if policy_handler is not None:
            policy_handler(self.policies, item)
        elif network_handler is not None:
            network_handler(self.network, item)
        elif handler is None:
            reason = UNSUPPORTED.get(kind, f"resource type {written_type} is not part of the "
                                           "design format")
            self.inventory.skipped.append(Skipped(item.origin.label, reason))
        else:
            handler(self, item)

    # Children -----------------------------------------------------------------------------

    def child(self, parent: Item, collection: str, index: int, raw: dict[str, Any],
              child_type: str) -> Item | None:
        """An object embedded in `parent` (a subnet in a VNet, a route in a route table)."""
        path = (*parent.props_path, collection, index)
        child_id = text(raw, "id")
        name = text(raw, "name") or (ids.name_of(child_id) if child_id else None)
        if name is None:
            self.error(path, f"{child_type[:-1]} {index + 1} of '{parent.name}' has no name")
            return None
        key = ids.key_of(child_id) if child_id else ids.child_key(parent.key, child_type, name)
        label = child_id or f"{parent.origin.label}/{child_type}/{name}"
        return Item(path, raw, key, name, Origin(self.file, path, label))

    # Resource types -----------------------------------------------------------------------

    def vnet(self, item: Item) -> None:
        p = item.props
        space = texts(get(p, "addressSpace"), "addressPrefixes")
        if not space:
            self.error(item.path, f"virtual network '{item.name}' has no address space "
                                  f"({item.field('addressSpace.addressPrefixes')})")
            return
        self.inventory.vnets.add(item.key, VNetRecord(
            item.key, item.name, location(text(item.raw, "location")), tuple(space),
            tuple(texts(get(p, "dhcpOptions"), "dnsServers")), item.origin,
            ids.resource_group_of(item.key)))
        for index, raw in objects(p, "subnets"):
            child = self.child(item, "subnets", index, raw, "subnets")
            if child is not None:
                self.subnet(child, item.key)
        for index, raw in objects(p, "virtualNetworkPeerings"):
            child = self.child(item, "virtualNetworkPeerings", index, raw,
                               "virtualnetworkpeerings")
            if child is not None:
                self.peering(child, item.key)

    def subnet(self, item: Item, vnet: str | None = None) -> None:
        p = item.props
        prefix = text(p, "addressPrefix")
        prefixes = [prefix] if prefix else texts(p, "addressPrefixes")
        if not prefixes:
            self.error(item.path, f"subnet '{item.name}' has no address prefix "
                                  f"({item.field('addressPrefix')} or "
                                  f"{item.field('addressPrefixes')})")
            return
        endpoints = [text(props(e), "service") for _, e in objects(p, "serviceEndpoints")]
        policies = [ref_id for _, e in objects(p, "serviceEndpointPolicies")
                    if (ref_id := text(e, "id"))]
        table, nsg = ref(p, "routeTable"), ref(p, "networkSecurityGroup")
        self.inventory.subnets.add(item.key, SubnetRecord(
            item.key, vnet or ids.parent_key(item.key), item.name, tuple(prefixes),
            ids.key_of(table) if table else None, tuple(e for e in endpoints if e),
            tuple(ids.key_of(i) for i in policies),
            text(p, "privateEndpointNetworkPolicies"), item.origin,
            ids.key_of(nsg) if nsg else None))

    def peering(self, item: Item, vnet: str | None = None) -> None:
        p = item.props
        remote = ref(p, "remoteVirtualNetwork")
        if remote is None:
            self.error(item.path, f"peering '{item.name}' has no remote virtual network "
                                  f"({item.field('remoteVirtualNetwork.id')})")
            return
        # Absent flags take Azure's defaults (the REST API's), not the design format's.
        self.inventory.peerings.add(item.key, PeeringRecord(
            item.key, vnet or ids.parent_key(item.key), ids.key_of(remote), item.name,
            flag(p, "allowForwardedTraffic", False), flag(p, "allowGatewayTransit", False),
            flag(p, "useRemoteGateways", False), flag(p, "allowVirtualNetworkAccess", True),
            text(p, "peeringState"), item.origin))

    def route_table(self, item: Item) -> None:
        p = item.props
        subnets = [i for _, s in objects(p, "subnets") if (i := text(s, "id"))]
        self.inventory.route_tables.add(item.key, RouteTableRecord(
            item.key, item.name, location(text(item.raw, "location")),
            flag(p, "disableBgpRoutePropagation", False),
            tuple(ids.key_of(s) for s in subnets), item.origin, ids.resource_group_of(item.key)))
        for index, raw in objects(p, "routes"):
            child = self.child(item, "routes", index, raw, "routes")
            if child is not None:
                self.route(child, item.key)

    def route(self, item: Item, table: str | None = None) -> None:
        p = item.props
        prefix, hop = text(p, "addressPrefix"), text(p, "nextHopType")
        hop_ip = text(p, "nextHopIpAddress")
        if prefix is None or hop is None:
            missing = item.field("addressPrefix" if prefix is None else "nextHopType")
            self.error(item.path, f"route '{item.name}' has no {missing}")
            return
        if hop.lower() == "virtualappliance" and hop_ip is None:
            self.error(item.path, f"route '{item.name}' has next hop type VirtualAppliance "
                                  f"but no {item.field('nextHopIpAddress')}")
            return
        self.inventory.routes.add(item.key, RouteRecord(
            item.key, table or ids.parent_key(item.key), item.name, prefix, hop, hop_ip,
            None, item.origin))

    def firewall(self, item: Item) -> None:
        p = item.props
        sku = get(p, "sku")
        if (text(sku, "name") or "").lower() == "azfw_hub" or ref(p, "virtualHub"):
            self.inventory.skipped.append(Skipped(
                item.origin.label, "an Azure Firewall in a Virtual WAN hub is not supported by "
                                   "the design format"))
            return
        configuration = next(((props(c), c) for _, c in objects(p, "ipConfigurations")
                              if ref(props(c), "subnet")), None)
        if configuration is None:
            self.error(item.path, f"Azure Firewall '{item.name}' has no IP configuration in a "
                                  f"subnet ({item.field('ipConfigurations', 'subnet.id')})")
            return
        settings = configuration[0]
        subnet = ref(settings, "subnet") or ""
        policy = ref(p, "firewallPolicy")
        self.inventory.firewalls.add(item.key, FirewallRecord(
            item.key, item.name, text(sku, "tier"), ids.key_of(subnet),
            text(settings, "privateIPAddress"), item.origin,
            ids.key_of(policy) if policy else None))

    def vault(self, item: Item) -> None:
        access = (text(item.props, "publicNetworkAccess") or "Enabled").capitalize()
        self.inventory.vaults.add(item.key, VaultRecord(
            item.key, item.name, location(text(item.raw, "location")),
            "Disabled" if access == "Disabled" else "Enabled", item.origin))

    def storage_account(self, item: Item) -> None:
        self.inventory.storage_accounts.add(item.key, StorageAccountRecord(
            item.key, item.name, location(text(item.raw, "location")), item.origin))

    def link_target(self, item: Item, kind: str) -> None:
        """A Key Vault or a private link scope (`kind`, as in `ids.LINK_TARGET_KINDS`): its
        name and region are all the design holds of it."""
        self.inventory.link_targets.add(item.key, LinkTargetRecord(
            item.key, item.name, kind, location(text(item.raw, "location")), item.origin))

    def policy(self, item: Item) -> None:
        accounts: list[str] = []
        scopes: list[str] = []
        for _, definition in objects(item.props, "serviceEndpointPolicyDefinitions"):
            settings = props(definition)
            if (text(settings, "service") or "Microsoft.Storage").lower() != "microsoft.storage":
                continue
            for resource in texts(settings, "serviceResources"):
                target = accounts if ids.type_of(resource) == ids.STORAGE else scopes
                target.append(resource)
        self.inventory.policies.add(item.key, PolicyRecord(
            item.key, item.name, tuple(ids.key_of(a) for a in accounts), tuple(scopes),
            item.origin))

    def private_endpoint(self, item: Item) -> None:
        p = item.props
        subnet = ref(p, "subnet")
        if subnet is None:
            self.error(item.path, f"private endpoint '{item.name}' has no subnet "
                                  f"({item.field('subnet.id')})")
            return
        connections = [*objects(p, "privateLinkServiceConnections"),
                       *objects(p, "manualPrivateLinkServiceConnections")]
        target = next((t for _, c in connections
                       if (t := text(props(c), "privateLinkServiceId"))), None)
        # Its IP: a static IP configuration, else its custom DNS records (empty when a DNS zone
        # group is connected), else the NIC Azure made for it (builder.py, from the NICs).
        ip = next((i for _, c in objects(p, "ipConfigurations")
                   if (i := text(props(c), "privateIPAddress"))), None)
        ip = ip or next((i for _, c in objects(p, "customDnsConfigs")
                         for i in texts(c, "ipAddresses")), None)
        nics = [ids.key_of(n) for _, c in objects(p, "networkInterfaces") if (n := text(c, "id"))]
        self.inventory.endpoints.add(item.key, EndpointRecord(
            item.key, item.name, ids.key_of(subnet), ids.key_of(target) if target else None,
            target, ip, tuple(nics), item.origin))

    def nic(self, item: Item) -> None:
        p = item.props
        configurations = []
        for index, raw in objects(p, "ipConfigurations"):
            settings = props(raw)
            subnet = ref(settings, "subnet")
            if subnet is not None:
                primary = flag(settings, "primary", False)
                ip = text(settings, "privateIPAddress")
                written = text(raw, "id")
                key = ids.key_of(written) if written else ids.child_key(
                    item.key, "ipconfigurations", text(raw, "name") or str(index))
                configurations.append((not primary, ids.key_of(subnet), ip, key))
                self.inventory.pool_members.extend(nic_pool_members(settings, key, ip, item))
        configurations.sort(key=lambda c: c[0])  # stable: the primary first, else as listed
        vm, endpoint = ref(p, "virtualMachine"), ref(p, "privateEndpoint")
        self.inventory.nics.add(item.key, NicRecord(
            item.key, item.name, tuple((s, ip) for _, s, ip, _ in configurations),
            ids.key_of(vm) if vm else None, flag(p, "enableIPForwarding", False),
            ids.key_of(endpoint) if endpoint else None, item.origin,
            tuple(key for _, _, _, key in configurations)))

    def vm(self, item: Item) -> None:
        p = item.props
        nics = []
        for _, raw in objects(get(p, "networkProfile"), "networkInterfaces"):
            nic = text(raw, "id")
            if nic is not None:
                nics.append((not flag(props(raw), "primary", False), ids.key_of(nic)))
        nics.sort(key=lambda n: n[0])
        image = get(get(p, "storageProfile"), "imageReference")
        publisher, offer = text(image, "publisher"), text(image, "offer")
        self.inventory.vms.add(item.key, VmRecord(
            item.key, item.name, tuple(n for _, n in nics),
            f"{publisher}/{offer}" if publisher and offer else None, item.origin))

    def zone(self, item: Item) -> None:
        self.inventory.zones.add(item.key, ZoneRecord(
            item.key, item.name.lower(), item.origin, ids.resource_group_of(item.key)))

    def zone_link(self, item: Item) -> None:
        vnet = ref(item.props, "virtualNetwork")
        if vnet is None:
            self.error(item.path, f"private DNS zone link '{item.name}' has no virtual network "
                                  f"({item.field('virtualNetwork.id')})")
            return
        self.inventory.zone_links.add(item.key, ZoneLinkRecord(
            item.key, ids.parent_key(item.key), ids.key_of(vnet), item.origin))

    def error(self, path: DataPath, message: str) -> None:
        self.problems.append(Diagnostic("error", message, path))


def _link_target(kind: str) -> Callable[[AzureReader, Item], None]:
    return lambda reader, item: reader.link_target(item, kind)


_HANDLERS: dict[str, Callable[[AzureReader, Item], None]] = {
    ids.VNET: AzureReader.vnet,
    ids.SUBNET: AzureReader.subnet,
    ids.PEERING: AzureReader.peering,
    ids.ROUTE_TABLE: AzureReader.route_table,
    ids.ROUTE: AzureReader.route,
    ids.FIREWALL: AzureReader.firewall,
    ids.VAULT: AzureReader.vault,
    ids.STORAGE: AzureReader.storage_account,
    ids.POLICY: AzureReader.policy,
    ids.PRIVATE_ENDPOINT: AzureReader.private_endpoint,
    **{written: _link_target(kind) for written, kind in ids.LINK_TARGET_KINDS.items()},
    ids.NIC: AzureReader.nic,
    ids.VM: AzureReader.vm,
    ids.ZONE: AzureReader.zone,
    ids.ZONE_LINK: AzureReader.zone_link,
}
