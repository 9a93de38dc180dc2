"""A generated hub-and-spoke estate for benchmarks: 1 hub + N spokes × 10 subnets, one SQL
workload per subnet, a 50-route table per spoke; with `policy`, also an NSG per spoke and a
firewall policy on the hub firewall, so that every flow is checked against both."""

from __future__ import annotations

from typing import Any

SUBNETS_PER_SPOKE = 10
ROUTES_PER_TABLE = 50


def estate(spokes: int, subnets_per_spoke: int = SUBNETS_PER_SPOKE,
           policy: bool = False) -> dict[str, Any]:
    """The design as plain data, ready for yaml.dump or json.dumps."""
    vnets: list[dict[str, Any]] = [{
        "name": "vnet-hub", "address_space": ["10.0.0.0/16"],
        "subnets": [{"name": "AzureFirewallSubnet", "prefix": "10.0.1.0/26"},
                    {"name": "snet-endpoints", "prefix": "10.0.2.0/24"}],
    }]
    peerings, tables, workloads, nsgs = [], [], [], []
    for index in range(spokes):
        second, third = 1 + index // 200, index % 200  # 10.<1..>.<0..199>.0/24 ranges per spoke
        name = f"vnet-spoke-{index:04d}"
        space = f"10.{second}.{third}.0/24" if subnets_per_spoke <= 16 else None
        subnets = []
        for s in range(subnets_per_spoke):
            prefix = f"10.{second}.{third}.{s * 16}/28"
            subnets.append({"name": f"snet-{s:02d}", "prefix": prefix,
                            "route_table": f"rt-{name}"})
            if policy:
                subnets[-1]["network_security_group"] = f"nsg-{name}"
            workloads.append({"name": f"sql-{index:04d}-{s:02d}", "type": "sql-server-in-vm",
                              "subnet": f"{name}/snet-{s:02d}",
                              "ip": f"10.{second}.{third}.{s * 16 + 4}",
                              "backup": {"vault": "rsv-prod", "daily_gb": 50,
                                         "window_hours": 8}})
        vnets.append({"name": name, "address_space": [space], "subnets": subnets})
        peerings.append({"vnets": [name, "vnet-hub"]})
        tables.append({"name": f"rt-{name}", "routes": _routes()})
        nsgs.append({"name": f"nsg-{name}", "rules": _nsg_rules()})
    design: dict[str, Any] = {
        "flowdocs": 1, "name": f"estate-{spokes}", "title": f"Estate of {spokes} spokes",
        "region": "westeurope", "vnets": vnets, "peerings": peerings, "route_tables": tables,
        "firewalls": [{"name": "afw-hub", "type": "azure-firewall", "sku": "Premium",
                       "subnet": "vnet-hub/AzureFirewallSubnet", "private_ip": "10.0.1.4"}],
        "vaults": [{"name": "rsv-prod"}], "workloads": workloads,
    }
    if policy:
        design["firewalls"][0]["policy"] = "fwp-hub"
        design.update(network_security_groups=nsgs, firewall_policies=[_policy()])
    return design


def _nsg_rules() -> list[dict[str, Any]]:
    """The three services of a streaming backup allowed, the rest of the Internet denied."""
    rules = [{"name": f"allow-{tag.lower()}", "priority": 100 + 10 * n, "direction": "Outbound",
              "access": "Allow", "protocol": "Tcp", "source_address_prefixes": ["VirtualNetwork"],
              "destination_address_prefixes": [tag], "destination_port_ranges": ["443"]}
             for n, tag in enumerate(("AzureBackup", "Storage", "AzureActiveDirectory"))]
    rules.append({"name": "deny-internet", "priority": 4000, "direction": "Outbound",
                  "access": "Deny", "destination_address_prefixes": ["Internet"]})
    return rules


def _policy() -> dict[str, Any]:
    network = {"name": "net-backup", "priority": 100, "action": "Allow", "kind": "network",
               "rules": [{"name": tag.lower(), "ip_protocols": ["TCP"],
                          "source_addresses": ["10.0.0.0/8"], "destination_addresses": [tag],
                          "destination_ports": ["443"]}
                         for tag in ("Storage", "AzureActiveDirectory")]}
    application = {"name": "app-backup", "priority": 200, "action": "Allow",
                   "kind": "application",
                   "rules": [{"name": "azure-backup", "source_addresses": ["10.0.0.0/8"],
                              "protocols": [{"protocol_type": "Https", "port": 443}],
                              "fqdn_tags": ["AzureBackup"]}]}
    return {"name": "fwp-hub", "rule_collection_groups": [
        {"name": "rcg-backup", "priority": 200, "rule_collections": [network, application]}]}


def _routes() -> list[dict[str, Any]]:
    """0.0.0.0/0 to the firewall, and 49 on-premises /24s through it."""
    routes = [{"name": "default-via-firewall", "address_prefix": "0.0.0.0/0",
               "next_hop_type": "VirtualAppliance", "next_hop_ip": "10.0.1.4"}]
    for n in range(ROUTES_PER_TABLE - 1):
        routes.append({"name": f"onprem-{n:02d}", "address_prefix": f"192.168.{n}.0/24",
                       "next_hop_type": "VirtualAppliance", "next_hop_ip": "10.0.1.4"})
    return routes
