"""Private endpoint routes (azure-rules.md 4), asserted on resolved flows.

Every test names the rule it pins; each would fail if the resolver got that rule wrong.
"""

from __future__ import annotations

from scenes import (
    base,
    flow,
    outcome,
    resolve_scene,
    route_table,
    subnet,
    third_party_agent,
    udr,
    via_firewall,
)

# -- 4. private endpoints --------------------------------------------------------------------


def _vault_pe(design: dict, where: str, policies: str | None = None) -> None:
    design["private_endpoints"] = [{"name": "pe-rsv", "subnet": where, "target": "rsv"}]
    if policies:
        subnet(design, where)["private_endpoint_network_policies"] = policies


def test_vault_private_endpoint_makes_backup_and_storage_private_not_entra():
    design = base()
    via_firewall(design)
    _vault_pe(design, "vnet-spoke/snet-endpoints")
    resolution = resolve_scene(design)
    assert outcome(resolution) == {
        "sql/AzureActiveDirectory": "delivered public via afw-hub",
        "sql/AzureBackup": "delivered private-endpoint via -",
        "sql/Storage": "delivered private-endpoint via -",
    }
    assert flow(resolution, "sql/Storage").peerings == ()


def test_private_endpoint_in_the_hub_crosses_the_peering():
    design = base()
    via_firewall(design)
    _vault_pe(design, "vnet-hub/snet-endpoints")
    storage = flow(resolve_scene(design), "sql/Storage")
    assert (storage.access, storage.peerings, storage.hops[-1].node) == (
        "private-endpoint", ("vnet-spoke~vnet-hub",), "pe-rsv")


def test_storage_account_private_endpoint_covers_storage_only():
    design = base()
    third_party_agent(design, "agent")
    design["private_endpoints"] = [{"name": "pe-st", "subnet": "vnet-spoke/snet-endpoints",
                                    "target": "stcustomer"}]
    assert outcome(resolve_scene(design)) == {
        "agent/AzureActiveDirectory": "delivered public via -",
        "agent/Storage": "delivered private-endpoint via -",
    }


def test_private_endpoint_in_a_vnet_that_is_not_peered_follows_the_covering_route():
    design = base()
    design["vnets"].append({"name": "vnet-far", "address_space": ["10.9.0.0/16"],
                           "subnets": [{"name": "snet-endpoints", "prefix": "10.9.2.0/24"}]})
    _vault_pe(design, "vnet-far/snet-endpoints")
    backup = flow(resolve_scene(design), "sql/AzureBackup")
    assert backup.status == "dropped"
    # The spoke's 10.1.0.0/16 lies inside 10.0.0.0/8, which keeps its None route
    # (azure-rules.md 1): the private address in no VNet and no peering is dropped there.
    assert backup.reason == (
        "10.0.0.0/8 (Default) -> None: next hop None drops the traffic")


def test_udr_takes_over_the_pe_route_only_with_network_policies():
    design = base()
    _vault_pe(design, "vnet-hub/snet-endpoints")
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"],
                udr("hub-via-fw", "10.0.0.0/16", "VirtualAppliance", "10.0.1.4"))
    assert outcome(resolve_scene(design))["sql/Storage"] == "delivered private-endpoint via -"
    for policies in ("Enabled", "RouteTableEnabled"):
        subnet(design, "vnet-hub/snet-endpoints")["private_endpoint_network_policies"] = policies
        assert outcome(resolve_scene(design))["sql/Storage"] == (
            "delivered private-endpoint via afw-hub"), policies
    subnet(design, "vnet-hub/snet-endpoints")["private_endpoint_network_policies"] = (
        "NetworkSecurityGroupEnabled")
    assert outcome(resolve_scene(design))["sql/Storage"] == "delivered private-endpoint via -"


def test_udr_shorter_than_the_pe_vnet_range_never_takes_over():
    design = base()
    _vault_pe(design, "vnet-hub/snet-endpoints", policies="Enabled")
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"],
                udr("to-fw", "0.0.0.0/0", "VirtualAppliance", "10.0.1.4"),
                udr("private-via-fw", "10.0.0.0/8", "VirtualAppliance", "10.0.1.4"))
    assert outcome(resolve_scene(design))["sql/Storage"] == "delivered private-endpoint via -"
    # At least as long as the VNet range (/16): it takes over.
    design["route_tables"][0]["routes"].append(
        udr("pe-subnet-via-fw", "10.0.2.0/24", "VirtualAppliance", "10.0.1.4"))
    assert outcome(resolve_scene(design))["sql/Storage"] == "delivered private-endpoint via afw-hub"
