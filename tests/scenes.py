"""Small designs for routing tests: a hub with a firewall, a spoke with a SQL VM, and helpers
to add what a test needs. Each test states only what differs from this base."""

from __future__ import annotations

import copy
from typing import Any

from flowdocs.load.catalog import default_catalog
from flowdocs.load.model import Design
from flowdocs.resolve.flows import Flow, Resolution, resolve

BASE: dict[str, Any] = {
    "flowdocs": 1,
    "name": "scene",
    "title": "Test scene",
    "region": "westeurope",
    "vnets": [
        {"name": "vnet-hub", "address_space": ["10.0.0.0/16"], "subnets": [
            {"name": "AzureFirewallSubnet", "prefix": "10.0.1.0/26"},
            {"name": "snet-endpoints", "prefix": "10.0.2.0/24"},
        ]},
        {"name": "vnet-spoke", "address_space": ["10.1.0.0/16"], "subnets": [
            {"name": "snet-sql", "prefix": "10.1.1.0/24"},
            {"name": "snet-endpoints", "prefix": "10.1.2.0/24"},
        ]},
    ],
    "peerings": [{"vnets": ["vnet-spoke", "vnet-hub"]}],
    "route_tables": [],
    "firewalls": [{"name": "afw-hub", "type": "azure-firewall", "sku": "Standard",
                   "subnet": "vnet-hub/AzureFirewallSubnet", "private_ip": "10.0.1.4"}],
    "vaults": [{"name": "rsv"}],
    "storage_accounts": [{"name": "stcustomer"}],
    "workloads": [{"name": "sql", "type": "sql-server-in-vm", "subnet": "vnet-spoke/snet-sql",
                   "ip": "10.1.1.4", "backup": {"vault": "rsv"}}],
}


def base() -> dict[str, Any]:
    return copy.deepcopy(BASE)


def subnet(design: dict, ref: str) -> dict:
    vnet_name, subnet_name = ref.split("/")
    vnet = next(v for v in design["vnets"] if v["name"] == vnet_name)
    return next(s for s in vnet["subnets"] if s["name"] == subnet_name)


def route_table(design: dict, name: str, subnets: list[str], *routes: dict,
                disable_bgp: bool = False) -> None:
    """Add a route table and attach it to `subnets`."""
    table: dict[str, Any] = {"name": name, "routes": list(routes)}
    if disable_bgp:
        table["disable_bgp_route_propagation"] = True
    design["route_tables"].append(table)
    for ref in subnets:
        subnet(design, ref)["route_table"] = name


def udr(name: str, prefix: str, next_hop: str, ip: str | None = None) -> dict:
    route = {"name": name, "address_prefix": prefix, "next_hop_type": next_hop}
    if ip:
        route["next_hop_ip"] = ip
    return route


def via_firewall(design: dict, prefix: str = "0.0.0.0/0") -> None:
    """The spoke's classic route: everything to the hub firewall."""
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"],
                udr("to-fw", prefix, "VirtualAppliance", "10.0.1.4"))


def third_party_agent(design: dict, name: str) -> None:
    """Make the spoke's workload a third-party agent writing to the customer's account."""
    design["workloads"][0] = {"name": name, "type": "third-party-agent",
                              "subnet": "vnet-spoke/snet-sql",
                              "backup": {"storage_account": "stcustomer"}}


def hub_gateway(design: dict, **gateway: object) -> None:
    """A VPN gateway in the hub that the spoke uses through gateway transit."""
    design["gateways"] = [{"name": "vgw", "type": "vpn", "vnet": "vnet-hub", **gateway}]
    design["vnets"][0]["subnets"].append({"name": "GatewaySubnet", "prefix": "10.0.0.0/27"})
    design["peerings"][0].update(allow_gateway_transit=True, use_remote_gateways=True)


def resolve_scene(design: dict) -> Resolution:
    """Validate like the loader does (fields, then cross references), then resolve."""
    model = Design.model_validate(design)
    try:
        from flowdocs.load.validation import check_design
    except ImportError:  # pragma: no cover - during bootstrap only
        check_design = None
    if check_design is not None:
        errors = [d for d in check_design(model, default_catalog()) if d.severity == "error"]
        assert not errors, [e.message for e in errors]
    return resolve(model)


def flow(resolution: Resolution, flow_id: str) -> Flow:
    return next(f for f in resolution.flows if f.id == flow_id)


def outcome(resolution: Resolution) -> dict[str, str]:
    """flow id -> 'status access via firewalls' in one short string per flow."""
    found = {}
    for f in resolution.flows:
        via = ",".join(f.firewalls) or "-"
        found[f.id] = f"{f.status} {f.access or '-'} via {via}"
    return found


# Security policy ----------------------------------------------------------------------------


def add_nsg(design: dict, name: str, subnet_ref: str, *rules: dict[str, Any]) -> None:
    """An NSG with `rules`, associated with `subnet_ref`."""
    design.setdefault("network_security_groups", []).append({"name": name, "rules": list(rules)})
    subnet(design, subnet_ref)["network_security_group"] = name


def app_rule(name: str, *, fqdns: tuple[str, ...] = (), tags: tuple[str, ...] = (),
             src: tuple[str, ...] = ("10.1.1.0/24",),
             protocols: tuple[tuple[str, int], ...] = (("Https", 443),)) -> dict[str, Any]:
    rule: dict[str, Any] = {"name": name, "source_addresses": list(src), "protocols": [
        {"protocol_type": p, "port": port} for p, port in protocols]}
    if fqdns:
        rule["target_fqdns"] = list(fqdns)
    if tags:
        rule["fqdn_tags"] = list(tags)
    return rule
