"""A design as Azure would export it: the resources `az network ... list` or Resource Graph
would return for the deployed design, in ARM's shape (`properties`) or az CLI's (flattened).

Used by the round-trip tests: export a design, import it back, and the flows must not change.
Shapes from the REST references (learn.microsoft.com/rest/api/virtualnetwork, Recovery
Services, Storage, Compute, Private DNS; network security groups, firewall policies and
their rule collection groups; gateways, connections, local network gateways, virtual hubs,
load balancers). A firewall policy lists its rule collection groups by id only, as ARM's GET
does; the groups are resources of their own, as a Route Server's IP configuration and BGP
connections are. What Azure cannot say is not exported: a connection's learned prefixes
become its local network gateway's address space, and a Route Server peer's advertised
prefixes are lost.
"""

from __future__ import annotations

from typing import Any

from flowdocs.load.model import Design
from flowdocs.load.policy_model import FirewallPolicyRule, RuleCollection, SecurityRule
from flowdocs.resolve.topology import Topology

SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
GROUP = "rg-net"


def arm_id(provider_type: str, *names: str) -> str:
    """`/subscriptions/.../providers/Microsoft.Network/virtualNetworks/vnet-hub[/subnets/x]`:
    `provider_type` is the namespace and the types (`Microsoft.Network/virtualNetworks/subnets`)."""
    namespace, *types = provider_type.split("/")
    path = "/".join(f"{t}/{n}" for t, n in zip(types, names, strict=True))
    return f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/{namespace}/{path}"


def export_design(design: Design, shape: str = "arm") -> list[dict[str, Any]]:
    """The resources of `design`, as `shape` ("arm" or "az") lists them."""
    exporter = _Exporter(design)
    resources = exporter.resources()
    return resources if shape == "arm" else [flatten(r) for r in resources]


def flatten(value: Any) -> Any:
    """az CLI's shape: every `properties` merged into its object, and `resourceGroup` added."""
    if isinstance(value, list):
        return [flatten(v) for v in value]
    if not isinstance(value, dict):
        return value
    merged = {k: flatten(v) for k, v in value.items() if k != "properties"}
    if isinstance(value.get("properties"), dict):
        merged.update(flatten(value["properties"]))
    if "id" in merged and "type" in merged:
        merged["resourceGroup"] = GROUP
    return merged


def _ref(resource_id: str) -> dict[str, str]:
    return {"id": resource_id}


class _Exporter:
    def __init__(self, design: Design) -> None:
        self.design = design
        self.region = design.region or "westeurope"
        self.topology = Topology(design)

    def subnet_id(self, ref: str) -> str:
        vnet, subnet = ref.split("/")
        return arm_id("Microsoft.Network/virtualNetworks/subnets", vnet, subnet)

    def resources(self) -> list[dict[str, Any]]:
        d = self.design
        return [*(self.vnet(v.name) for v in d.vnets),
                *(self.route_table(t.name) for t in d.route_tables),
                *(r for f in d.firewalls for r in self.firewall(f.name)),
                *(r for g in d.gateways for r in self.gateway(g.name)),
                *(r for s in d.route_servers for r in self.route_server(s.name)),
                *(self.load_balancer(b.name) for b in d.load_balancers),
                *(self.vault(v.name) for v in d.vaults),
                *(self.storage_account(a.name) for a in d.storage_accounts),
                *(self.policy(p.name) for p in d.service_endpoint_policies),
                *(r for e in d.private_endpoints for r in self.private_endpoint(e.name)),
                *(r for z in d.private_dns_zones for r in self.zone(z.name)),
                *(r for w in d.workloads for r in self.vm(w.name)),
                *(self.nsg(n.name) for n in d.network_security_groups),
                *(r for p in d.firewall_policies for r in self.firewall_policy(p.name))]

    def vnet(self, name: str) -> dict[str, Any]:
        vnet = next(v for v in self.design.vnets if v.name == name)
        subnets = []
        for subnet in vnet.subnets:
            properties: dict[str, Any] = {
                "addressPrefix": subnet.prefix,
                "privateEndpointNetworkPolicies": subnet.private_endpoint_network_policies,
                "provisioningState": "Succeeded"}
            if subnet.route_table:
                properties["routeTable"] = _ref(arm_id("Microsoft.Network/routeTables",
                                                       subnet.route_table))
            if subnet.network_security_group:
                properties["networkSecurityGroup"] = _ref(arm_id(
                    "Microsoft.Network/networkSecurityGroups", subnet.network_security_group))
            if subnet.service_endpoints:
                properties["serviceEndpoints"] = [
                    {"service": s, "locations": [vnet.region or self.region],
                     "provisioningState": "Succeeded"} for s in subnet.service_endpoints]
            if subnet.service_endpoint_policies:
                properties["serviceEndpointPolicies"] = [
                    _ref(arm_id("Microsoft.Network/serviceEndpointPolicies", p))
                    for p in subnet.service_endpoint_policies]
            subnets.append({"id": self.subnet_id(f"{name}/{subnet.name}"), "name": subnet.name,
                            "type": "Microsoft.Network/virtualNetworks/subnets",
                            "properties": properties})
        peerings = []
        for peering in self.design.peerings:
            if name not in peering.vnets:
                continue
            link = peering.link(name)
            peerings.append({
                "id": arm_id("Microsoft.Network/virtualNetworks/virtualNetworkPeerings", name,
                             f"peer-{link.remote}"),
                "name": f"peer-{link.remote}",
                "type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
                "properties": {
                    "remoteVirtualNetwork": _ref(arm_id("Microsoft.Network/virtualNetworks",
                                                        link.remote)),
                    "allowVirtualNetworkAccess": True,
                    "allowForwardedTraffic": link.allow_forwarded_traffic,
                    "allowGatewayTransit": link.allow_gateway_transit,
                    "useRemoteGateways": link.use_remote_gateways,
                    "peeringState": "Connected", "peeringSyncLevel": "FullyInSync"}})
        return {"id": arm_id("Microsoft.Network/virtualNetworks", name), "name": name,
                "type": "Microsoft.Network/virtualNetworks",
                "location": vnet.region or self.region,
                "properties": {"addressSpace": {"addressPrefixes": list(vnet.address_space)},
                               "dhcpOptions": {"dnsServers": list(vnet.dns_servers)},
                               "subnets": subnets, "virtualNetworkPeerings": peerings}}

    def route_table(self, name: str) -> dict[str, Any]:
        table = next(t for t in self.design.route_tables if t.name == name)
        routes = []
        for route in table.routes:
            properties: dict[str, Any] = {"addressPrefix": route.address_prefix,
                                          "nextHopType": route.next_hop_type}
            if route.next_hop_ip:
                properties["nextHopIpAddress"] = route.next_hop_ip
            routes.append({"id": arm_id("Microsoft.Network/routeTables/routes", name,
                                        route.name),
                           "name": route.name, "type": "Microsoft.Network/routeTables/routes",
                           "properties": properties})
        subnets = [_ref(self.subnet_id(f"{v.name}/{s.name}")) for v in self.design.vnets
                   for s in v.subnets if s.route_table == name]
        return {"id": arm_id("Microsoft.Network/routeTables", name), "name": name,
                "type": "Microsoft.Network/routeTables", "location": self.region,
                "properties": {"disableBgpRoutePropagation": table.disable_bgp_route_propagation,
                               "routes": routes, "subnets": subnets}}

    def firewall(self, name: str) -> list[dict[str, Any]]:
        firewall = next(f for f in self.design.firewalls if f.name == name)
        if firewall.type == "nva":
            nic = self.nic(f"{name}-nic", firewall.subnet, firewall.private_ip, name,
                           forwarding=True)
            return [nic, self.vm_resource(name, f"{name}-nic", None)]
        properties: dict[str, Any] = {
            "sku": {"name": "AZFW_VNet", "tier": firewall.sku},
            "threatIntelMode": "Alert",
            "ipConfigurations": [{
                "name": "ipconfig1",
                "id": arm_id("Microsoft.Network/azureFirewalls/azureFirewallIpConfigurations",
                             name, "ipconfig1"),
                "properties": {"privateIPAddress": firewall.private_ip,
                               "subnet": _ref(self.subnet_id(firewall.subnet))}}]}
        if firewall.policy:
            properties["firewallPolicy"] = _ref(arm_id("Microsoft.Network/firewallPolicies",
                                                       firewall.policy))
        return [{"id": arm_id("Microsoft.Network/azureFirewalls", name), "name": name,
                 "type": "Microsoft.Network/azureFirewalls", "location": self.region,
                 "properties": properties}]

    def gateway(self, name: str) -> list[dict[str, Any]]:
        gateway = next(g for g in self.design.gateways if g.name == name)
        kind = "Vpn" if gateway.type == "vpn" else "ExpressRoute"
        gateway_id = arm_id("Microsoft.Network/virtualNetworkGateways", name)
        configurations = [f"{gateway_id}/ipConfigurations/{c}"
                          for c in ("default", "activeActive")[:max(len(gateway.instances), 1)]]
        # Each instance's address is its IP configuration's default BGP peering address.
        peering = [{"ipconfigurationId": c, "defaultBgpIpAddresses": [ip],
                    "customBgpIpAddresses": [], "tunnelIpAddresses": []}
                   for c, ip in zip(configurations, gateway.instances, strict=False)]
        resources = [{
            "id": gateway_id, "name": name, "type": "Microsoft.Network/virtualNetworkGateways",
            "location": self.region,
            "properties": {
                "gatewayType": kind, "activeActive": len(gateway.instances) == 2,
                "bgpSettings": {"asn": 65515, "bgpPeeringAddresses": peering},
                "ipConfigurations": [{
                    "name": c.rsplit("/", 1)[1], "id": c,
                    "properties": {"subnet": _ref(self.subnet_id(
                        f"{gateway.vnet}/GatewaySubnet"))}} for c in configurations]}}]
        for connection in gateway.connections:
            resources += self.connection(gateway_id, connection.name, connection.type,
                                         connection.uses_bgp, connection.learned_prefixes)
        return resources

    def connection(self, gateway_id: str, name: str, kind: str, bgp: bool,
                   prefixes: list[str]) -> list[dict[str, Any]]:
        properties: dict[str, Any] = {
            "virtualNetworkGateway1": _ref(gateway_id), "enableBgp": bgp,
            "connectionType": "IPsec" if kind == "ipsec" else "ExpressRoute"}
        if kind == "expressroute":
            properties["peer"] = _ref(arm_id("Microsoft.Network/expressRouteCircuits",
                                             f"erc-{name}"))
            local: list[dict[str, Any]] = []
        else:
            local_id = arm_id("Microsoft.Network/localNetworkGateways", f"lng-{name}")
            properties["localNetworkGateway2"] = _ref(local_id)
            local = [{"id": local_id, "name": f"lng-{name}",
                      "type": "Microsoft.Network/localNetworkGateways", "location": self.region,
                      "properties": {"localNetworkAddressSpace": {"addressPrefixes": prefixes},
                                     "gatewayIpAddress": "198.51.100.10"}}]
        return [{"id": arm_id("Microsoft.Network/connections", name), "name": name,
                 "type": "Microsoft.Network/connections", "location": self.region,
                 "properties": properties}, *local]

    def route_server(self, name: str) -> list[dict[str, Any]]:
        server = next(s for s in self.design.route_servers if s.name == name)
        hub_id = arm_id("Microsoft.Network/virtualHubs", name)
        configuration = f"{hub_id}/ipConfigurations/ipconfig1"
        peers = [{"id": f"{hub_id}/bgpConnections/{p.name}", "name": p.name,
                  "type": "Microsoft.Network/virtualHubs/bgpConnections",
                  "properties": {"peerIp": p.peer_ip, "peerAsn": 65020,
                                 "connectionState": "Connected"}} for p in server.peers]
        return [{"id": hub_id, "name": name, "type": "Microsoft.Network/virtualHubs",
                 "location": self.region,
                 "properties": {"sku": "Standard", "virtualRouterAsn": 65515,
                                "allowBranchToBranchTraffic": server.branch_to_branch,
                                "ipConfigurations": [_ref(configuration)],
                                "bgpConnections": [_ref(p["id"]) for p in peers]}},
                {"id": configuration, "name": "ipconfig1",
                 "type": "Microsoft.Network/virtualHubs/ipConfigurations",
                 "properties": {"subnet": _ref(self.subnet_id(
                     f"{server.vnet}/RouteServerSubnet"))}},
                *peers]

    def load_balancer(self, name: str) -> dict[str, Any]:
        balancer = next(b for b in self.design.load_balancers if b.name == name)
        lb_id = arm_id("Microsoft.Network/loadBalancers", name)
        frontend, pool = f"{lb_id}/frontendIPConfigurations/frontend", \
            f"{lb_id}/backendAddressPools/backends"
        # The backends are the NVAs' NICs, as `firewall` exports them.
        members = [_ref(arm_id("Microsoft.Network/networkInterfaces/ipConfigurations",
                               f"{b}-nic", "ipconfig1")) for b in balancer.backends]
        ports = [("All", 0)] if balancer.ha_ports else [("Tcp", p) for p in balancer.ports]
        rules = [{"id": f"{lb_id}/loadBalancingRules/rule-{port}", "name": f"rule-{port}",
                  "properties": {"frontendIPConfiguration": _ref(frontend),
                                 "backendAddressPool": _ref(pool), "protocol": protocol,
                                 "frontendPort": port, "backendPort": port}}
                 for protocol, port in ports]
        return {"id": lb_id, "name": name, "type": "Microsoft.Network/loadBalancers",
                "location": self.region, "sku": {"name": "Standard"},
                "properties": {
                    "frontendIPConfigurations": [{
                        "id": frontend, "name": "frontend",
                        "properties": {"privateIPAddress": balancer.frontend_ip,
                                       "privateIPAllocationMethod": "Static",
                                       "subnet": _ref(self.subnet_id(balancer.subnet))}}],
                    "backendAddressPools": [{"id": pool, "name": "backends",
                                             "properties": {"backendIPConfigurations": members}}],
                    "loadBalancingRules": rules}}

    def vault(self, name: str) -> dict[str, Any]:
        vault = next(v for v in self.design.vaults if v.name == name)
        return {"id": arm_id("Microsoft.RecoveryServices/vaults", name), "name": name,
                "type": "Microsoft.RecoveryServices/vaults",
                "location": vault.region or self.region,
                "sku": {"name": "RS0", "tier": "Standard"},
                "properties": {"publicNetworkAccess": vault.public_network_access,
                               "provisioningState": "Succeeded"}}

    def storage_account(self, name: str) -> dict[str, Any]:
        account = next(a for a in self.design.storage_accounts if a.name == name)
        return {"id": arm_id("Microsoft.Storage/storageAccounts", name), "name": name,
                "type": "Microsoft.Storage/storageAccounts",
                "location": account.region or self.region, "kind": "StorageV2",
                "properties": {"publicNetworkAccess": "Enabled"}}

    def policy(self, name: str) -> dict[str, Any]:
        policy = next(p for p in self.design.service_endpoint_policies if p.name == name)
        return {"id": arm_id("Microsoft.Network/serviceEndpointPolicies", name), "name": name,
                "type": "Microsoft.Network/serviceEndpointPolicies", "location": self.region,
                "properties": {"serviceEndpointPolicyDefinitions": [{
                    "name": "storage", "properties": {
                        "service": "Microsoft.Storage",
                        "serviceResources": [arm_id("Microsoft.Storage/storageAccounts", a)
                                             for a in policy.allowed_storage_accounts]}}]}}

    def private_endpoint(self, name: str) -> list[dict[str, Any]]:
        endpoint = next(e for e in self.design.private_endpoints if e.name == name)
        vault = any(v.name == endpoint.target for v in self.design.vaults)
        target = arm_id("Microsoft.RecoveryServices/vaults" if vault
                        else "Microsoft.Storage/storageAccounts", endpoint.target)
        nic_name = f"{name}.nic.0"
        ip = self.topology.private_endpoint_ips[name]
        nic = self.nic(nic_name, endpoint.subnet, ip, None, forwarding=False)
        nic["properties"]["privateEndpoint"] = _ref(arm_id("Microsoft.Network/privateEndpoints",
                                                           name))
        return [{"id": arm_id("Microsoft.Network/privateEndpoints", name), "name": name,
                 "type": "Microsoft.Network/privateEndpoints", "location": self.region,
                 "properties": {
                     "subnet": _ref(self.subnet_id(endpoint.subnet)),
                     "privateLinkServiceConnections": [{
                         "name": name, "properties": {
                             "privateLinkServiceId": target,
                             "groupIds": ["AzureBackup" if vault else "blob"],
                             "privateLinkServiceConnectionState": {"status": "Approved"}}}],
                     "manualPrivateLinkServiceConnections": [],
                     "networkInterfaces": [_ref(arm_id("Microsoft.Network/networkInterfaces",
                                                       nic_name))],
                     "customDnsConfigs": []}},
                nic]

    def zone(self, name: str) -> list[dict[str, Any]]:
        zone = next(z for z in self.design.private_dns_zones if z.name == name)
        links = [{"id": arm_id("Microsoft.Network/privateDnsZones/virtualNetworkLinks", name,
                               f"link-{vnet}"),
                  "name": f"link-{vnet}",
                  "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
                  "location": "global",
                  "properties": {"virtualNetwork": _ref(arm_id("Microsoft.Network/virtualNetworks",
                                                               vnet)),
                                 "registrationEnabled": False,
                                 "virtualNetworkLinkState": "Completed"}}
                 for vnet in zone.vnet_links]
        return [{"id": arm_id("Microsoft.Network/privateDnsZones", name), "name": name,
                 "type": "Microsoft.Network/privateDnsZones", "location": "global",
                 "properties": {"numberOfRecordSets": 1}}, *links]

    def vm(self, name: str) -> list[dict[str, Any]]:
        workload = next(w for w in self.design.workloads if w.name == name)
        sql = workload.type == "sql-server-in-vm"
        image = ("MicrosoftSQLServer", "sql2022-ws2022") if sql else ("Canonical", "ubuntu-24_04-lts")
        nic = self.nic(f"{name}-nic", workload.subnet, workload.ip, name, forwarding=False)
        return [nic, self.vm_resource(name, f"{name}-nic", image)]

    def nic(self, name: str, subnet: str, ip: str | None, vm: str | None,
            forwarding: bool) -> dict[str, Any]:
        configuration = arm_id("Microsoft.Network/networkInterfaces/ipConfigurations", name,
                               "ipconfig1")
        properties: dict[str, Any] = {
            "ipConfigurations": [{"name": "ipconfig1", "id": configuration, "properties": {
                "privateIPAddress": ip, "privateIPAllocationMethod": "Static",
                "subnet": _ref(self.subnet_id(subnet)), "primary": True}}],
            "enableIPForwarding": forwarding}
        if vm is not None:
            properties["virtualMachine"] = _ref(arm_id("Microsoft.Compute/virtualMachines", vm))
        return {"id": arm_id("Microsoft.Network/networkInterfaces", name), "name": name,
                "type": "Microsoft.Network/networkInterfaces", "location": self.region,
                "properties": properties}

    def vm_resource(self, name: str, nic: str, image: tuple[str, str] | None
                    ) -> dict[str, Any]:
        storage = {"imageReference": {"publisher": image[0], "offer": image[1]}} if image else {}
        return {"id": arm_id("Microsoft.Compute/virtualMachines", name), "name": name,
                "type": "Microsoft.Compute/virtualMachines", "location": self.region,
                "properties": {"networkProfile": {"networkInterfaces": [
                    {"id": arm_id("Microsoft.Network/networkInterfaces", nic),
                     "properties": {"primary": True}}]},
                    "storageProfile": storage}}

    def nsg(self, name: str) -> dict[str, Any]:
        nsg = next(n for n in self.design.network_security_groups if n.name == name)
        nsg_id = arm_id("Microsoft.Network/networkSecurityGroups", name)
        subnets = [_ref(self.subnet_id(f"{v.name}/{s.name}")) for v in self.design.vnets
                   for s in v.subnets if s.network_security_group == name]
        return {"id": nsg_id, "name": name, "type": "Microsoft.Network/networkSecurityGroups",
                "location": self.region,
                "properties": {"securityRules": [
                    {"id": f"{nsg_id}/securityRules/{r.name}", "name": r.name,
                     "type": "Microsoft.Network/networkSecurityGroups/securityRules",
                     "properties": _security_rule(r)} for r in nsg.rules],
                    "defaultSecurityRules": [], "subnets": subnets}}

    def firewall_policy(self, name: str) -> list[dict[str, Any]]:
        policy = next(p for p in self.design.firewall_policies if p.name == name)
        policy_id = arm_id("Microsoft.Network/firewallPolicies", name)
        groups = [{"id": f"{policy_id}/ruleCollectionGroups/{g.name}", "name": g.name,
                   "type": "Microsoft.Network/firewallPolicies/ruleCollectionGroups",
                   "properties": {"priority": g.priority,
                                  "ruleCollections": [_collection(c) for c in g.rule_collections]}}
                  for g in policy.rule_collection_groups]
        properties: dict[str, Any] = {"sku": {"tier": "Standard"}, "threatIntelMode": "Alert",
                                      "ruleCollectionGroups": [_ref(g["id"]) for g in groups]}
        if policy.base_policy:
            properties["basePolicy"] = _ref(arm_id("Microsoft.Network/firewallPolicies",
                                                   policy.base_policy))
        return [{"id": policy_id, "name": name, "type": "Microsoft.Network/firewallPolicies",
                 "location": self.region, "properties": properties}, *groups]


def _one_or_many(properties: dict[str, Any], singular: str, values: list[str]) -> None:
    """Azure's two spellings: one value in the singular field, several in the plural one."""
    if len(values) == 1:
        properties[singular] = values[0]
    else:
        properties[f"{singular}es" if singular.endswith("Prefix") else f"{singular}s"] = values


def _security_rule(rule: SecurityRule) -> dict[str, Any]:
    properties: dict[str, Any] = {"priority": rule.priority, "direction": rule.direction,
                                  "access": rule.access, "protocol": rule.protocol,
                                  "sourcePortRange": "*"}
    _one_or_many(properties, "sourceAddressPrefix", rule.source_address_prefixes)
    _one_or_many(properties, "destinationAddressPrefix", rule.destination_address_prefixes)
    _one_or_many(properties, "destinationPortRange", rule.destination_port_ranges)
    if rule.description:
        properties["description"] = rule.description
    return properties


def _collection(collection: RuleCollection) -> dict[str, Any]:
    return {"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": collection.name,
            "priority": collection.priority, "action": {"type": collection.action},
            "rules": [_policy_rule(r, collection.kind) for r in collection.rules]}


def _policy_rule(rule: FirewallPolicyRule, kind: str) -> dict[str, Any]:
    if kind == "network":
        exported: dict[str, Any] = {
            "ruleType": "NetworkRule", "name": rule.name, "ipProtocols": rule.ip_protocols,
            "sourceAddresses": rule.source_addresses, "sourceIpGroups": [],
            "destinationAddresses": rule.destination_addresses, "destinationIpGroups": [],
            "destinationFqdns": [], "destinationPorts": rule.destination_ports}
    else:
        exported = {
            "ruleType": "ApplicationRule", "name": rule.name,
            "protocols": [{"protocolType": p.protocol_type, "port": p.port}
                          for p in rule.protocols],
            "sourceAddresses": rule.source_addresses, "sourceIpGroups": [],
            "targetFqdns": rule.target_fqdns, "fqdnTags": rule.fqdn_tags, "targetUrls": [],
            "webCategories": [], "terminateTLS": False}
    if rule.description:
        exported["description"] = rule.description
    return exported
