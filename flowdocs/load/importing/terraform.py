"""`terraform show -json` to the inventory: a state, or a plan.

Format: developer.hashicorp.com/terraform/internals/json-format. A state holds its resources
under `values.root_module` (modules under `child_modules`); a plan holds what apply will leave
under `planned_values`, with every value not known until apply left out, and the
configuration under `configuration`. A resource to be created has no id yet, nor has anything
that refers to it (a subnet's id in an association), so such references are followed through
the configuration's `expressions.<attribute>.references` to the planned resource they name;
failing that, by name (a subnet's `virtual_network_name` in its resource group).
Attribute names are azurerm's, v3 and v4 (v4 upgrade guide): where v4 renamed one,
both are read. NSGs and firewall policies are read by `terraform_policy.py`; gateways, their
connections, Route Servers and load balancers by `terraform_network.py`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from flowdocs.load.diagnostics import DataPath, Diagnostic
from flowdocs.load.importing import ids
from flowdocs.load.importing.azure import UNSUPPORTED, AzureReader
from flowdocs.load.importing.inventory import (
    AssociationRecord,
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
from flowdocs.load.importing.terraform_network import HANDLERS as NETWORK_HANDLERS
from flowdocs.load.importing.terraform_network import (
    TerraformNetworkReader,
    nic_configuration_key,
)
from flowdocs.load.importing.terraform_policy import HANDLERS as POLICY_HANDLERS
from flowdocs.load.importing.terraform_policy import TerraformPolicyReader
from flowdocs.load.importing.terraform_resource import INSTANCE_KEYS, Resource
from flowdocs.load.importing.values import flag, get, location, objects, text, texts

_TOKENS = re.compile(r"\[[^\]]*\]|[^.\[\]]+")
# References that name no resource: locals, iteration values and the like.
_NOT_RESOURCES = {"local", "each", "count", "path", "self", "terraform"}
# The last module call of a module instance's address, and its instance key.
_LAST_MODULE = re.compile(r"\.?module\.([^.\[]+)(?:\[(?:\"(?:[^\"\\]|\\.)*\"|[^\]]*)\])?$")
# References followed through variables and outputs, at most: modules nest a few deep.
_MAX_HOPS = 16


class TerraformReader:
    def __init__(self, file: str, data: dict[str, Any], inventory: Inventory) -> None:
        self.file = file
        self.data = data
        self.inventory = inventory
        self.problems: list[Diagnostic] = []
        self.plan = any(k in data for k in ("planned_values", "resource_changes",
                                            "configuration"))
        self.resources: list[Resource] = []
        self._by_config: dict[tuple[str, str], list[Resource]] = {}
        self._by_name: dict[tuple[str, str], list[tuple[str | None, str]]] = {}
        self._by_key: dict[str, Resource] = {}
        self._unknown: dict[str, Any] = {}
        self._config: dict[tuple[str, str], dict[str, Any]] = {}
        self._calls: dict[tuple[str, str], dict[str, Any]] = {}
        self._azure = AzureReader(file, inventory)
        self.policies = TerraformPolicyReader(self)
        self.network = TerraformNetworkReader(self)

    def read(self) -> None:
        version = get(self.data, "format_version")
        if not isinstance(version, str) or version.split(".")[0] != "1":
            self.error(("format_version",), f"unsupported format_version {json.dumps(version)} "
                                            "of terraform show -json; flowdocs reads 1.x")
            return
        self._collect()
        for resource in self.resources:
            handler = _HANDLERS.get(resource.type)
            policy_handler = POLICY_HANDLERS.get(resource.type)
            network_handler = NETWORK_HANDLERS.get(resource.type)
            if handler is not None:
                handler(self, resource)
            elif policy_handler is not None:
                policy_handler(self.policies, resource)
            elif network_handler is not None:
                network_handler(self.network, resource)
            elif resource.type == "azapi_resource":
                self._azapi(resource)
            elif resource.mode == "managed":
                self.skip(resource, _REASONS.get(resource.type, f"resource type {resource.type} "
                                                 "is not part of the design format"))
        self.problems.extend(self._azure.problems)

    # Collecting ---------------------------------------------------------------------------

    def _collect(self) -> None:
        if self.plan:
            self._walk(get(get(self.data, "planned_values"), "root_module"),
                       ("planned_values", "root_module"))
            # Data sources read during the plan are in its prior state only.
            self._walk(get(get(get(self.data, "prior_state"), "values"), "root_module"),
                       ("prior_state", "values", "root_module"), data_only=True)
            for _, change in objects(self.data, "resource_changes"):
                address = text(change, "address")
                if address is not None:
                    self._unknown[address] = get(get(change, "change"), "after_unknown")
            self._walk_config(get(get(self.data, "configuration"), "root_module"), "")
        else:
            self._walk(get(get(self.data, "values"), "root_module"), ("values", "root_module"))
        for resource in self.resources:
            self._by_config.setdefault((resource.module, resource.config_address),
                                       []).append(resource)
            self._by_key[resource.key] = resource
            kind = _NAMED.get(resource.type)
            name = text(resource.values, "name")
            if kind is not None and name is not None:
                group = text(resource.values, "resource_group_name")
                self._by_name.setdefault((kind, name.lower()), []).append(
                    (group.lower() if group else None, resource.key))

    def _walk(self, module: Any, path: DataPath, data_only: bool = False) -> None:
        if not isinstance(module, dict):
            return
        address = text(module, "address") or ""
        seen = {r.address for r in self.resources} if data_only else set()
        for index, raw in objects(module, "resources"):
            resource = self._resource(raw, address, (*path, "resources", index))
            if resource is not None and not (data_only and (resource.mode != "data"
                                                            or resource.address in seen)):
                self.resources.append(resource)
        for index, child in objects(module, "child_modules"):
            self._walk(child, (*path, "child_modules", index), data_only)

    def _resource(self, raw: dict[str, Any], module: str, path: DataPath) -> Resource | None:
        address, kind, name = text(raw, "address"), text(raw, "type"), text(raw, "name")
        values = get(raw, "values")
        if address is None or kind is None or name is None or not isinstance(values, dict):
            self.error(path, "resource has no address, type, name or values")
            return None
        known_id = text(values, "id")
        key = ids.key_of(known_id) if known_id else ids.TERRAFORM_KEY_PREFIX + address
        label = f"{address} ({known_id})" if known_id else \
            f"{address} (to be created)" if self.plan else address
        return Resource(address, module, text(raw, "mode") or "managed", kind, name,
                        get(raw, "index"), values, (*path, "values"), key,
                        Origin(self.file, path, label))

    def _walk_config(self, module: Any, module_path: str) -> None:
        if not isinstance(module, dict):
            return
        for _, raw in objects(module, "resources"):
            address = text(raw, "address")
            if address is not None:
                self._config[(module_path, address)] = raw
        calls = get(module, "module_calls")
        if isinstance(calls, dict):
            for name, call in calls.items():
                prefix = f"{module_path}." if module_path else ""
                if isinstance(call, dict):
                    self._calls[(module_path, name)] = call
                self._walk_config(get(call, "module"), f"{prefix}module.{name}")

    # References ---------------------------------------------------------------------------

    def link(self, resource: Resource, *path: str | int) -> str | None:
        """The key of the resource an attribute refers to: its id when known, else the
        planned resource the configuration's expression names."""
        value = _dig(resource.values, path)
        if ids.is_arm_id(value):
            return ids.key_of(str(value))
        for reference in self._references(resource, path):
            target = self._follow(resource, reference)
            if target is not None:
                return target.key
        return None

    def links(self, resource: Resource, name: str) -> list[str]:
        """The keys a list attribute refers to (`network_interface_ids`)."""
        known = [ids.key_of(v) for v in texts(resource.values, name) if ids.is_arm_id(v)]
        if known:
            return known
        found: list[str] = []
        for reference in self._references(resource, (name,)):
            target = self._follow(resource, reference)
            if target is not None and target.key not in found:
                found.append(target.key)
        return found

    def target(self, key: str | None) -> Resource | None:
        return None if key is None else self._by_key.get(key)

    def by_name(self, kind: str, resource: Resource, name_attribute: str,
                group_attribute: str = "resource_group_name") -> str | None:
        """The key of the `kind` resource of this file named by an attribute (a subnet's
        `virtual_network_name`), in the same resource group when there are several."""
        name = text(resource.values, name_attribute)
        if name is None:
            return None
        found = self._by_name.get((kind, name.lower()), [])
        group = (text(resource.values, group_attribute) or "").lower()
        same = [key for g, key in found if g == group] or [key for _, key in found]
        return same[0] if len(same) == 1 else None

    def _references(self, resource: Resource, path: tuple[str | int, ...]) -> list[str]:
        config = self._config.get((resource.module_path, resource.config_address))
        expression: Any = get(config, "expressions")
        for part in path:
            if isinstance(part, int):
                if not isinstance(expression, list) or not expression:
                    return []
                expression = expression[min(part, len(expression) - 1)]
            else:
                expression = get(expression, part)
        return texts(expression, "references")

    def _follow(self, resource: Resource, reference: str) -> Resource | None:
        return self._follow_in(resource.module, reference, resource.index, 0)

    def _follow_in(self, module: str, reference: str, index: Any, depth: int
                   ) -> Resource | None:
        """The resource instance `reference` names from inside the module instance `module`:
        a resource directly, or through a module's input variable (the argument its caller
        passes) or a child module's output (the expression it returns)."""
        tokens = _TOKENS.findall(reference)
        if depth > _MAX_HOPS or len(tokens) < 2:
            return None
        if tokens[0] == "var":
            return self._through_variable(module, tokens[1], depth)
        if tokens[0] == "module":
            return self._through_output(module, tokens[1:], depth)
        prefix = ""
        if tokens[0] == "data":
            prefix, tokens = "data.", tokens[1:]
        if len(tokens) < 2 or tokens[0] in _NOT_RESOURCES or tokens[1].startswith("["):
            return None
        candidates = self._by_config.get((module, f"{prefix}{tokens[0]}.{tokens[1]}"), [])
        if len(tokens) > 2 and tokens[2].startswith("["):
            wanted = tokens[2][1:-1]
            candidates = [c for c in candidates if _index_text(c.index) == wanted]
        if len(candidates) > 1:
            # `for_each = azurerm_subnet.app` and the like: the instance of the same key.
            candidates = [c for c in candidates if c.index == index]
        return candidates[0] if len(candidates) == 1 else None

    def _through_variable(self, module: str, variable: str, depth: int) -> Resource | None:
        match = _LAST_MODULE.search(module)
        if match is None:
            return None  # a root variable: its value is not in the plan's references
        parent = module[:match.start()]
        call = self._calls.get((INSTANCE_KEYS.sub("", parent), match.group(1)))
        references = texts(get(get(call, "expressions"), variable), "references")
        return self._first(parent, references, depth)

    def _through_output(self, module: str, tokens: list[str], depth: int) -> Resource | None:
        name, rest = tokens[0], tokens[1:]
        instance = f"{module}.module.{name}" if module else f"module.{name}"
        if rest and rest[0].startswith("["):
            instance, rest = instance + rest[0], rest[1:]
        if not rest:
            return None
        call = self._calls.get((INSTANCE_KEYS.sub("", module), name))
        output = get(get(get(call, "module"), "outputs"), rest[0])
        return self._first(instance, texts(get(output, "expression"), "references"), depth)

    def _first(self, module: str, references: list[str], depth: int) -> Resource | None:
        for reference in references:
            found = self._follow_in(module, reference, None, depth + 1)
            if found is not None:
                return found
        return None

    def _unknown_at_apply(self, resource: Resource, name: str) -> bool:
        return bool(get(self._unknown.get(resource.address), name))

    def unknown_at_apply(self, resource: Resource, attribute: str) -> bool:
        """Whether a plan leaves the attribute to apply (an id, a computed address)."""
        return self.plan and self._unknown_at_apply(resource, attribute)

    # Resource types -----------------------------------------------------------------------

    def vnet(self, resource: Resource) -> None:
        v = resource.values
        name, space = text(v, "name"), texts(v, "address_space")
        if name is None or not space:
            self.missing(resource, "name" if name is None else "address_space")
            return
        self.inventory.vnets.add(resource.key, VNetRecord(
            resource.key, name, location(text(v, "location")), tuple(space),
            tuple(texts(v, "dns_servers")), resource.origin,
            (text(v, "resource_group_name") or "").lower() or None))
        # Inline subnets: v3 blocks carry `address_prefix`; v4 `address_prefixes` and more.
        for index, block in objects(v, "subnet"):
            subnet_name = text(block, "name")
            prefixes = texts(block, "address_prefixes") or texts(block, "address_prefix")
            if subnet_name is None or not prefixes:
                continue
            block_id = text(block, "id")
            key = ids.key_of(block_id) if block_id else \
                ids.child_key(resource.key, "subnets", subnet_name)
            table = self.link(resource, "subnet", index, "route_table_id")
            nsg = self.link(resource, "subnet", index, "security_group")
            policies = [ids.key_of(p) for p in texts(block, "service_endpoint_policy_ids")]
            path = (*resource.path, "subnet", index)
            self.inventory.subnets.add(key, SubnetRecord(
                key, resource.key, subnet_name, tuple(prefixes), table,
                tuple(texts(block, "service_endpoints")), tuple(policies),
                _network_policies(block),
                Origin(self.file, path, f"{resource.address}, subnet {subnet_name}"), nsg))

    def subnet(self, resource: Resource) -> None:
        v = resource.values
        name = text(v, "name")
        prefixes = texts(v, "address_prefixes") or texts(v, "address_prefix")
        vnet = self.link(resource, "virtual_network_name") or \
            self.by_name("vnet", resource, "virtual_network_name")
        if vnet is None and not resource.key.startswith(ids.TERRAFORM_KEY_PREFIX):
            vnet = ids.parent_key(resource.key)
        if name is None or not prefixes:
            self.missing(resource, "name" if name is None else "address_prefixes")
            return
        if vnet is None:
            self.unfollowed(resource, "virtual_network_name")
            return
        policies = self.links(resource, "service_endpoint_policy_ids")
        # The data source reports its route table and NSG; the resource leaves them to
        # association resources.
        table = self.link(resource, "route_table_id")
        nsg = self.link(resource, "network_security_group_id")
        self.inventory.subnets.add(resource.key, SubnetRecord(
            resource.key, vnet, name, tuple(prefixes), table,
            tuple(texts(v, "service_endpoints")), tuple(policies), _network_policies(v),
            resource.origin, nsg))

    def route_table(self, resource: Resource) -> None:
        v = resource.values
        name = text(v, "name")
        if name is None:
            self.missing(resource, "name")
            return
        enabled = get(v, "bgp_route_propagation_enabled")  # v4; v3 said the opposite
        disabled = (not enabled) if isinstance(enabled, bool) else \
            flag(v, "disable_bgp_route_propagation", False)
        self.inventory.route_tables.add(resource.key, RouteTableRecord(
            resource.key, name, location(text(v, "location")), disabled,
            tuple(ids.key_of(s) for s in texts(v, "subnets") if ids.is_arm_id(s)),
            resource.origin, (text(v, "resource_group_name") or "").lower() or None))
        for index, block in objects(v, "route"):
            self._route(resource, block, resource.key, (*resource.path, "route", index),
                        ("route", index))

    def route(self, resource: Resource) -> None:
        table = self.parent(resource, "route_table_name", "route_table")
        if table is not None:
            self._route(resource, resource.values, table, resource.path, ())

    def parent(self, resource: Resource, field: str, kind: str) -> str | None:
        """The key of the resource that a child resource (a route, an NSG rule) belongs to,
        named by `field`; None, reported as not followed, when it cannot be found."""
        parent = self.link(resource, field) or self.by_name(kind, resource, field)
        if parent is None and not resource.key.startswith(ids.TERRAFORM_KEY_PREFIX):
            parent = ids.parent_key(resource.key)
        if parent is None:
            self.unfollowed(resource, field)
        return parent

    def _route(self, resource: Resource, block: dict[str, Any], table: str, path: DataPath,
               at: tuple[str | int, ...]) -> None:
        name, prefix = text(block, "name"), text(block, "address_prefix")
        hop = text(block, "next_hop_type")
        if name is None or prefix is None or hop is None:
            missing = "name" if name is None else "address_prefix" if prefix is None \
                else "next_hop_type"
            self.error((*path, missing), f"{resource.address}: route has no {missing}")
            return
        hop_ip = text(block, "next_hop_in_ip_address")
        # An appliance's IP that apply will assign (a firewall's): the resource that holds it.
        hop_of = self.link(resource, *at, "next_hop_in_ip_address") if hop_ip is None else None
        key = ids.child_key(table, "routes", name)
        label = resource.origin.label if not at else f"{resource.address}, route {name}"
        self.inventory.routes.add(key, RouteRecord(
            key, table, name, prefix, hop, hop_ip, hop_of, Origin(self.file, path, label)))

    def association(self, resource: Resource) -> None:
        subnet, table = self.link(resource, "subnet_id"), self.link(resource, "route_table_id")
        if subnet is None or table is None:
            self.unfollowed(resource, "subnet_id" if subnet is None else "route_table_id")
            return
        self.inventory.associations.append(AssociationRecord(subnet, table, resource.origin))

    def peering(self, resource: Resource) -> None:
        v = resource.values
        vnet = self.link(resource, "virtual_network_name") or \
            self.by_name("vnet", resource, "virtual_network_name")
        remote = self.link(resource, "remote_virtual_network_id")
        if vnet is None or remote is None:
            self.unfollowed(resource, "virtual_network_name" if vnet is None
                            else "remote_virtual_network_id")
            return
        # azurerm's defaults are Azure's: forwarded traffic off, VNet access on.
        self.inventory.peerings.add(resource.key, PeeringRecord(
            resource.key, vnet, remote, text(v, "name") or resource.name,
            flag(v, "allow_forwarded_traffic", False), flag(v, "allow_gateway_transit", False),
            flag(v, "use_remote_gateways", False), flag(v, "allow_virtual_network_access", True),
            "Connected", resource.origin))

    def firewall(self, resource: Resource) -> None:
        v = resource.values
        if (text(v, "sku_name") or "").lower() == "azfw_hub" or objects(v, "virtual_hub"):
            self.skip(resource, "an Azure Firewall in a Virtual WAN hub is not supported by "
                                "the design format")
            return
        name = text(v, "name")
        subnet = self.link(resource, "ip_configuration", 0, "subnet_id")
        if name is None:
            self.missing(resource, "name")
            return
        if subnet is None:
            self.unfollowed(resource, "ip_configuration[0].subnet_id")
            return
        configuration = dict(objects(v, "ip_configuration")).get(0)
        self.inventory.firewalls.add(resource.key, FirewallRecord(
            resource.key, name, text(v, "sku_tier"), subnet,
            text(configuration, "private_ip_address"), resource.origin,
            self.link(resource, "firewall_policy_id")))

    def vault(self, resource: Resource) -> None:
        v = resource.values
        name = text(v, "name")
        if name is None:
            self.missing(resource, "name")
            return
        public = flag(v, "public_network_access_enabled", True)
        self.inventory.vaults.add(resource.key, VaultRecord(
            resource.key, name, location(text(v, "location")),
            "Enabled" if public else "Disabled", resource.origin))

    def storage_account(self, resource: Resource) -> None:
        name = text(resource.values, "name")
        if name is None:
            self.missing(resource, "name")
            return
        self.inventory.storage_accounts.add(resource.key, StorageAccountRecord(
            resource.key, name, location(text(resource.values, "location")), resource.origin))

    def link_target(self, resource: Resource) -> None:
        """A Key Vault, or an Arc or Monitor private link scope: its name and region."""
        name = text(resource.values, "name")
        if name is None:
            self.missing(resource, "name")
            return
        kind = ids.LINK_TARGET_KINDS[_PROVIDER_TYPES[resource.type].lower()]
        self.inventory.link_targets.add(resource.key, LinkTargetRecord(
            resource.key, name, kind, location(text(resource.values, "location")),
            resource.origin))

    def policy(self, resource: Resource) -> None:
        v = resource.values
        name = text(v, "name")
        if name is None:
            self.missing(resource, "name")
            return
        accounts: list[str] = []
        scopes: list[str] = []
        for index, block in objects(v, "definition"):
            if (text(block, "service") or "Microsoft.Storage").lower() != "microsoft.storage":
                continue
            written = texts(block, "service_resources")
            for item in written:
                if ids.type_of(item) == ids.STORAGE:
                    accounts.append(ids.key_of(item))
                else:
                    scopes.append(item)
            if not written:
                target = self.link(resource, "definition", index, "service_resources")
                if target is not None:
                    accounts.append(target)
        self.inventory.policies.add(resource.key, PolicyRecord(
            resource.key, name, tuple(accounts), tuple(scopes), resource.origin))

    def private_endpoint(self, resource: Resource) -> None:
        v = resource.values
        name = text(v, "name")
        subnet = self.link(resource, "subnet_id")
        if name is None:
            self.missing(resource, "name")
            return
        if subnet is None:
            self.unfollowed(resource, "subnet_id")
            return
        connection = dict(objects(v, "private_service_connection")).get(0)
        target_id = text(connection, "private_connection_resource_id")
        target = self.link(resource, "private_service_connection", 0,
                           "private_connection_resource_id")
        ips = [*(text(c, "private_ip_address") for _, c in objects(v, "ip_configuration")),
               text(connection, "private_ip_address"),
               *(i for _, c in objects(v, "custom_dns_configs") for i in texts(c, "ip_addresses"))]
        nics = [ids.key_of(n) for _, c in objects(v, "network_interface")
                if (n := text(c, "id"))]
        self.inventory.endpoints.add(resource.key, EndpointRecord(
            resource.key, name, subnet, target, target_id or self._type_id(target),
            next((ip for ip in ips if ip), None), tuple(nics), resource.origin))

    def nic(self, resource: Resource) -> None:
        v = resource.values
        name = text(v, "name")
        if name is None:
            self.missing(resource, "name")
            return
        configurations = []
        for index, block in objects(v, "ip_configuration"):
            subnet = self.link(resource, "ip_configuration", index, "subnet_id")
            if subnet is not None:
                primary = flag(block, "primary", index == 0)
                configurations.append((not primary, subnet, text(block, "private_ip_address"),
                                       nic_configuration_key(resource.key, block, index)))
        configurations.sort(key=lambda c: c[0])
        forwarding = get(v, "ip_forwarding_enabled")  # v4; v3: enable_ip_forwarding
        self.inventory.nics.add(resource.key, NicRecord(
            resource.key, name, tuple((s, ip) for _, s, ip, _ in configurations), None,
            forwarding if isinstance(forwarding, bool) else flag(v, "enable_ip_forwarding",
                                                                 False),
            None, resource.origin, tuple(key for _, _, _, key in configurations)))

    def vm(self, resource: Resource) -> None:
        v = resource.values
        name = text(v, "name")
        if name is None:
            self.missing(resource, "name")
            return
        image = next((b for key in ("source_image_reference", "storage_image_reference")
                      for _, b in objects(v, key)), None)
        publisher, offer = text(image, "publisher"), text(image, "offer")
        self.inventory.vms.add(resource.key, VmRecord(
            resource.key, name, tuple(self.links(resource, "network_interface_ids")),
            f"{publisher}/{offer}" if publisher and offer else None, resource.origin))

    def zone(self, resource: Resource) -> None:
        name = text(resource.values, "name")
        if name is None:
            self.missing(resource, "name")
            return
        self.inventory.zones.add(resource.key, ZoneRecord(
            resource.key, name.lower(), resource.origin,
            (text(resource.values, "resource_group_name") or "").lower() or None))

    def zone_link(self, resource: Resource) -> None:
        zone = self.link(resource, "private_dns_zone_name") or \
            self.by_name("zone", resource, "private_dns_zone_name")
        vnet = self.link(resource, "virtual_network_id")
        if zone is None or vnet is None:
            self.unfollowed(resource, "private_dns_zone_name" if zone is None
                            else "virtual_network_id")
            return
        self.inventory.zone_links.add(resource.key, ZoneLinkRecord(
            resource.key, zone, vnet, resource.origin))

    def _azapi(self, resource: Resource) -> None:
        """azapi's `body` is the ARM shape (a JSON string before azapi 2): read it as ARM."""
        v = resource.values
        body = get(v, "body")
        if isinstance(body, str):
            try:
                body = json.loads(body)
            except ValueError:
                body = None
        written_type = (text(v, "type") or "").split("@")[0]
        if not isinstance(body, dict) or not written_type:
            self.skip(resource, "azapi_resource without a type and a body")
            return
        raw = {"id": text(v, "id"), "name": text(v, "name"), "type": written_type,
               "location": text(v, "location"), "properties": get(body, "properties") or {}}
        self._azure.resource(resource.path, {k: x for k, x in raw.items() if x is not None},
                             resource.origin.label, resource.key)

    # Problems -----------------------------------------------------------------------------

    def _type_id(self, key: str | None) -> str | None:
        """An ARM-like id standing for a resource to be created, for its type and name."""
        target = self.target(key)
        provider = _PROVIDER_TYPES.get(target.type) if target is not None else None
        name = text(target.values, "name") if target is not None else None
        return f"/providers/{provider}/{name}" if provider and name else None

    def missing(self, resource: Resource, attribute: str) -> None:
        if self.plan and self._unknown_at_apply(resource, attribute):
            self.skip(resource, f"{attribute} is not known until apply")
        else:
            self.error((*resource.path, attribute),
                       f"{resource.address} has no {attribute}")

    def unfollowed(self, resource: Resource, attribute: str) -> None:
        self.skip(resource, f"{attribute} refers to nothing in the sources (a value not known "
                            "until apply that the configuration does not trace to a resource)")

    def skip(self, resource: Resource, reason: str) -> None:
        self.inventory.skipped.append(Skipped(resource.origin.label, reason))

    def error(self, path: DataPath, message: str) -> None:
        self.problems.append(Diagnostic("error", message, path))


def _dig(values: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        if isinstance(part, int):
            values = values[part] if isinstance(values, list) and part < len(values) else None
        else:
            values = get(values, part)
    return values


def _index_text(index: Any) -> str:
    """An instance key as a reference writes it: `0`, or `"a"` with its quotes."""
    return json.dumps(index) if isinstance(index, str) else str(index)


def _network_policies(values: Any) -> str | None:
    """The private endpoint network policies of a subnet, in Azure's values: v4's string;
    v3's `private_endpoint_network_policies_enabled`; the older
    `enforce_private_link_endpoint_network_policies`, true when the policies are *off*."""
    written = get(values, "private_endpoint_network_policies")
    if isinstance(written, str):
        return written
    enabled = get(values, "private_endpoint_network_policies_enabled")
    if isinstance(enabled, bool):
        return "Enabled" if enabled else "Disabled"
    enforced = get(values, "enforce_private_link_endpoint_network_policies")
    if isinstance(enforced, bool):
        return "Disabled" if enforced else "Enabled"
    return None


# What `by_name` finds: the resources other resources name rather than refer to by id.
_NAMED = {
    "azurerm_virtual_network": "vnet",
    "azurerm_route_table": "route_table",
    "azurerm_private_dns_zone": "zone",
    "azurerm_network_security_group": "nsg",
}
# Why some resource types are left out: Azure's reasons, where the type is Azure's.
_REASONS = {
    "azurerm_ip_group": UNSUPPORTED["microsoft.network/ipgroups"],
    "azurerm_network_interface_security_group_association":
        "NSGs on network interfaces are not part of the design format (it holds subnets' NSGs)",
    "azurerm_application_security_group":
        UNSUPPORTED["microsoft.network/applicationsecuritygroups"],
    "azurerm_virtual_hub": UNSUPPORTED["microsoft.network/virtualhubs"],
    "azurerm_virtual_wan": UNSUPPORTED["microsoft.network/virtualwans"],
    "azurerm_resource_group": "resource groups hold no network settings",
}
_PROVIDER_TYPES = {
    "azurerm_recovery_services_vault": "Microsoft.RecoveryServices/vaults",
    "azurerm_storage_account": "Microsoft.Storage/storageAccounts",
    "azurerm_key_vault": "Microsoft.KeyVault/vaults",
    "azurerm_arc_private_link_scope": "Microsoft.HybridCompute/privateLinkScopes",
    "azurerm_monitor_private_link_scope": "microsoft.insights/privateLinkScopes",
}
_VMS = ("azurerm_linux_virtual_machine", "azurerm_windows_virtual_machine",
        "azurerm_virtual_machine")
_HANDLERS: dict[str, Callable[[TerraformReader, Resource], None]] = {
    "azurerm_virtual_network": TerraformReader.vnet,
    "azurerm_subnet": TerraformReader.subnet,
    "azurerm_route_table": TerraformReader.route_table,
    "azurerm_route": TerraformReader.route,
    "azurerm_subnet_route_table_association": TerraformReader.association,
    "azurerm_virtual_network_peering": TerraformReader.peering,
    "azurerm_firewall": TerraformReader.firewall,
    "azurerm_recovery_services_vault": TerraformReader.vault,
    "azurerm_storage_account": TerraformReader.storage_account,
    "azurerm_subnet_service_endpoint_storage_policy": TerraformReader.policy,
    "azurerm_private_endpoint": TerraformReader.private_endpoint,
    "azurerm_key_vault": TerraformReader.link_target,
    "azurerm_arc_private_link_scope": TerraformReader.link_target,
    "azurerm_monitor_private_link_scope": TerraformReader.link_target,
    "azurerm_network_interface": TerraformReader.nic,
    "azurerm_private_dns_zone": TerraformReader.zone,
    "azurerm_private_dns_zone_virtual_network_link": TerraformReader.zone_link,
    **{vm: TerraformReader.vm for vm in _VMS},
}
