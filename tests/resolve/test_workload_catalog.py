"""The workload catalog beyond backup (data/catalog.yaml): each new workload type's legs, where
they go (public through the firewall, a service endpoint, a route on their service tag), the
region of each leg, the policy on legs that are not TCP 443, the rules they need, and what
findings say fails. Then the example designs (l) to (o).

Every scene is the base of scenes.py with its workload replaced by one of the type under test,
`w`, in vnet-spoke/snet-sql (10.1.1.0/24); the design's region is westeurope.
"""

from __future__ import annotations

from typing import Any

import pytest
from scenes import (
    app_rule,
    base,
    flow,
    outcome,
    resolve_scene,
    route_table,
    subnet,
    udr,
    via_firewall,
)
from tests_support import DESIGNS

from flowdocs.analyse.findings import find
from flowdocs.analyse.firewall_rules import firewall_rules, nsg_rules
from flowdocs.load.catalog import Catalog, default_catalog
from flowdocs.load.loader import load_design
from flowdocs.load.model import Design
from flowdocs.load.user_catalog import merge_catalog
from flowdocs.load.validation import check_design
from flowdocs.resolve.flows import Resolution, resolve
from flowdocs.resolve.policy import policy_assumptions
from flowdocs.resolve.policy_checks import PolicyCheck

SPOKE = "vnet-spoke/snet-sql"
VIA_FW = "delivered public via afw-hub"
DIRECT = "delivered public via -"
SERVICE_ENDPOINT = "delivered service-endpoint via -"
Scene = dict[str, Any]

# -- builders ----------------------------------------------------------------------------------


def scene(kind: str, *, firewall: bool = True, endpoints: tuple[str, ...] = (),
          **workload: Any) -> Scene:
    """The base scene with one workload `w` of type `kind` in the spoke; its 0.0.0.0/0 route
    to afw-hub unless `firewall` is False; `endpoints` the spoke subnet's service endpoints."""
    design = base()
    design["workloads"] = [{"name": "w", "type": kind, "subnet": SPOKE, **workload}]
    if firewall:
        via_firewall(design)
    if endpoints:
        subnet(design, SPOKE)["service_endpoints"] = list(endpoints)
    return design


def legs(resolution: Resolution) -> dict[str, tuple[int, int, str]]:
    """flow id -> (number, port, protocol), in the contract's order."""
    return {f.id: (f.number, f.port, f.protocol) for f in resolution.flows}


def regions(resolution: Resolution) -> dict[str, str | None]:
    return {f.id: f.region for f in resolution.flows}


def resolution_ids(resolution: Resolution) -> list[str]:
    return [f.id for f in resolution.flows]


def reasons(resolution: Resolution) -> dict[str, str]:
    return {f.id: f.reason for f in resolution.flows}


def nsg_rule(name: str, priority: int, access: str, *, dst: str = "*", ports: str = "*",
             protocol: str = "*") -> dict[str, Any]:
    return {"name": name, "priority": priority, "direction": "Outbound", "access": access,
            "protocol": protocol, "source_address_prefixes": ["*"],
            "destination_address_prefixes": [dst], "destination_port_ranges": [ports]}


def add_nsg(design: Scene, *rules: dict[str, Any]) -> None:
    design["network_security_groups"] = [{"name": "nsg-w", "rules": list(rules)}]
    subnet(design, SPOKE)["network_security_group"] = "nsg-w"


def network_rule(name: str, dst: str, ports: str, protocols: tuple[str, ...]
                 ) -> dict[str, Any]:
    return {"name": name, "ip_protocols": list(protocols), "source_addresses": ["10.1.1.0/24"],
            "destination_addresses": [dst], "destination_ports": [ports]}





def add_policy(design: Scene, kind: str, *rules: dict[str, Any]) -> None:
    """Policy fwp-hub on afw-hub: one Allow collection `c` of `kind` in group `g`."""
    design["firewall_policies"] = [{"name": "fwp-hub", "rule_collection_groups": [
        {"name": "g", "priority": 100, "rule_collections": [
            {"name": "c", "priority": 100, "action": "Allow", "kind": kind,
             "rules": list(rules)}]}]}]
    design["firewalls"][0]["policy"] = "fwp-hub"


def user_catalog(data: dict[str, Any]) -> Catalog:
    catalog, problems = merge_catalog(data)
    assert catalog is not None, [p.message for p in problems]
    return catalog


def resolve_with(design: Scene, catalog: Catalog) -> Resolution:
    return resolve(Design.model_validate(design), catalog)


def checks(resolution: Resolution, flow_id: str) -> list[tuple[str, str, str | None]]:
    return [(c.kind, c.verdict, c.rule) for c in flow(resolution, flow_id).policy]


# == The catalog itself ========================================================================


def test_a_service_is_held_by_its_tag_or_its_own_name() -> None:
    catalog = default_catalog()
    assert {s: catalog.tag(s) for s in (
        "Storage", "AzureBackup", "AzureSiteRecovery", "SiteRecoveryMonitoring",
        "AzureMonitorControl", "AzureMonitorIngestion", "AzureKeyVault", "ArcPrivateLinkable",
        "ArcNotifications", "AKSApiServer", "AKSTunnelUdp", "AKSTunnelTcp", "AKSImages", "NTP",
        "StorageSyncService", "AzureFilesHttps", "AzureFilesSmb")} == {
        "Storage": "Storage", "AzureBackup": "AzureBackup",
        "AzureSiteRecovery": "AzureSiteRecovery", "SiteRecoveryMonitoring": "EventHub",
        "AzureMonitorControl": "AzureMonitor", "AzureMonitorIngestion": "AzureMonitor",
        "AzureKeyVault": "AzureKeyVault", "ArcPrivateLinkable": "AzureArcInfrastructure",
        "ArcNotifications": "AzureArcInfrastructure", "AKSApiServer": "AzureCloud",
        "AKSTunnelUdp": "AzureCloud", "AKSTunnelTcp": "AzureCloud",
        "AKSImages": "MicrosoftContainerRegistry", "NTP": "Internet",
        "StorageSyncService": "StorageSyncService", "AzureFilesHttps": "Storage",
        "AzureFilesSmb": "Storage",
    }


def test_covered_services_by_workload_type() -> None:
    catalog = default_catalog()
    covered = {name: catalog.covered(kind) for name, kind in catalog.workload_types.items()}
    assert covered == {
        "azure-vm": ("AzureBackup", "Storage"),
        "sql-server-in-vm": ("AzureBackup", "Storage"),
        "sap-hana-in-vm": ("AzureBackup", "Storage"),
        "sap-ase-in-vm": ("AzureBackup", "Storage"),
        "mars-agent": ("AzureBackup", "Storage"),
        "third-party-agent": ("Storage",),
        # Its vault's private endpoint serves Site Recovery through a sub-resource flowdocs
        # does not model: nothing.
        "site-recovery": (),
        # A workload's target: a Monitor scope, a Key Vault, an Arc scope (only the hybrid
        # identity and guest configuration names: partial private link).
        "azure-monitor-agent": ("AzureMonitorControl", "AzureMonitorIngestion"),
        "key-vault-client": ("AzureKeyVault",),
        "arc-connected-machine": ("ArcPrivateLinkable",),
        # No target: nothing to cover.
        "aks-nodes": (), "azure-file-sync": (), "azure-files-smb-client": (),
    }


def test_new_workload_types_target_a_vault_a_key_vault_or_a_scope() -> None:
    kinds = default_catalog().workload_types
    assert {name: (k.target, k.access, k.fails) for name, k in kinds.items()
            if name not in ("azure-vm", "sql-server-in-vm", "sap-hana-in-vm", "sap-ase-in-vm",
                            "mars-agent", "third-party-agent")} == {
        "site-recovery": ("vault", "routed", "the replication fails"),
        "azure-monitor-agent": ("monitor_scope", "routed", None),
        "key-vault-client": ("key_vault", "routed", None),
        "arc-connected-machine": ("arc_scope", "routed", None),
        "aks-nodes": (None, "routed", None),
        "azure-file-sync": (None, "routed", None),
        "azure-files-smb-client": (None, "routed", None),
    }
    assert all(k.source.startswith("learn.microsoft.com/") for name, k in kinds.items()
               if k.target is None or name == "site-recovery")


def test_a_services_documented_service_endpoint_holds_its_tag() -> None:
    # `service_endpoint` is documentation; routing reads the subnet's endpoints, whose routes
    # hold a tag. The two must agree, or the page would name an endpoint that cannot carry
    # the leg.
    catalog = default_catalog()
    documented = {name: s.service_endpoint for name, s in catalog.services.items()
                  if s.service_endpoint}
    new = ("SiteRecoveryMonitoring", "AzureKeyVault", "AzureFilesHttps", "AzureFilesSmb")
    assert {name: documented.get(name) for name in new} == {
        "SiteRecoveryMonitoring": "Microsoft.EventHub", "AzureKeyVault": "Microsoft.KeyVault",
        "AzureFilesHttps": "Microsoft.Storage", "AzureFilesSmb": "Microsoft.Storage"}
    assert all(catalog.service_endpoints[endpoint].service == catalog.tag(name)
               for name, endpoint in documented.items())


# == key-vault-client ==========================================================================


def test_key_vault_client_data_leg_takes_the_key_vault_service_endpoint() -> None:
    resolution = resolve_scene(scene("key-vault-client", endpoints=("Microsoft.KeyVault",)))
    assert legs(resolution) == {
        "w/AzureActiveDirectory": (1, 443, "TCP"),
        "w/AzureKeyVault": (2, 443, "TCP"),
    }
    assert outcome(resolution) == {
        "w/AzureActiveDirectory": VIA_FW,
        "w/AzureKeyVault": SERVICE_ENDPOINT,
    }
    assert reasons(resolution)["w/AzureKeyVault"] == (
        "Microsoft.KeyVault (Default) -> VirtualNetworkServiceEndpoint")
    assert regions(resolution) == dict.fromkeys(resolution_ids(resolution), "westeurope")


def test_key_vault_client_without_its_endpoint_goes_through_the_firewall() -> None:
    # Microsoft.Storage holds Storage's prefixes, not Key Vault's.
    resolution = resolve_scene(scene("key-vault-client", endpoints=("Microsoft.Storage",)))
    assert outcome(resolution) == {
        "w/AzureActiveDirectory": VIA_FW,
        "w/AzureKeyVault": VIA_FW,
    }


def test_key_vault_client_legs_are_in_the_client_vnets_region() -> None:
    # No backup target: every leg is in the workload VNet's region, and the VNet's regional
    # service endpoint covers it there.
    design = scene("key-vault-client", endpoints=("Microsoft.KeyVault",))
    design["vnets"][1]["region"] = "northeurope"
    resolution = resolve_scene(design)
    assert regions(resolution) == {
        "w/AzureActiveDirectory": "northeurope",
        "w/AzureKeyVault": "northeurope",
    }
    assert outcome(resolution)["w/AzureKeyVault"] == SERVICE_ENDPOINT


# == site-recovery =============================================================================


def _site_recovery(vault_region: str, endpoints: tuple[str, ...]) -> Resolution:
    design = scene("site-recovery", endpoints=endpoints, backup={"vault": "rsv"})
    design["vaults"] = [{"name": "rsv", "region": vault_region}]
    return resolve_scene(design)


def test_site_recovery_legs_and_their_regions() -> None:
    # The vault is in the target region (East US, not West Europe's pair): Site Recovery and
    # its monitoring are there; the cache storage account is in the source region.
    resolution = _site_recovery("eastus", ())
    assert legs(resolution) == {
        "w/AzureActiveDirectory": (1, 443, "TCP"),
        "w/AzureSiteRecovery": (1, 443, "TCP"),
        "w/SiteRecoveryMonitoring": (1, 443, "TCP"),
        "w/Storage": (2, 443, "TCP"),
    }
    assert regions(resolution) == {
        "w/AzureActiveDirectory": "westeurope",
        "w/AzureSiteRecovery": "eastus",
        "w/SiteRecoveryMonitoring": "eastus",
        "w/Storage": "westeurope",
    }
    assert outcome(resolution) == dict.fromkeys(resolution_ids(resolution), VIA_FW)


def test_site_recovery_cache_storage_takes_the_source_regions_storage_endpoint() -> None:
    # Microsoft.Storage covers West Europe and its pair only: the Storage leg takes it because
    # it is in the client's region, not the vault's (East US). Microsoft.EventHub covers West
    # Europe only, and the monitoring leg is in East US: it stays on the firewall.
    resolution = _site_recovery("eastus", ("Microsoft.Storage", "Microsoft.EventHub"))
    assert outcome(resolution) == {
        "w/AzureActiveDirectory": VIA_FW,
        "w/AzureSiteRecovery": VIA_FW,
        "w/SiteRecoveryMonitoring": VIA_FW,
        "w/Storage": SERVICE_ENDPOINT,
    }
    assert reasons(resolution)["w/Storage"] == (
        "Microsoft.Storage (Default) -> VirtualNetworkServiceEndpoint")


def test_site_recovery_monitoring_takes_the_event_hub_endpoint_of_the_vaults_region() -> None:
    # The vault in the client's own region: Microsoft.EventHub now covers the monitoring leg.
    resolution = _site_recovery("westeurope", ("Microsoft.EventHub",))
    assert outcome(resolution) == {
        "w/AzureActiveDirectory": VIA_FW,
        "w/AzureSiteRecovery": VIA_FW,
        "w/SiteRecoveryMonitoring": SERVICE_ENDPOINT,
        "w/Storage": VIA_FW,
    }
    assert reasons(resolution)["w/SiteRecoveryMonitoring"] == (
        "Microsoft.EventHub (Default) -> VirtualNetworkServiceEndpoint")


def test_site_recovery_legs_are_routed_by_a_regional_tag_of_the_vaults_region() -> None:
    # Routes on AzureSiteRecovery.EastUS and Storage.WestEurope around the firewall: each
    # covers only the legs in its region.
    design = scene("site-recovery", firewall=False, backup={"vault": "rsv"})
    design["vaults"] = [{"name": "rsv", "region": "eastus"}]
    route_table(design, "rt-spoke", [SPOKE],
                udr("to-fw", "0.0.0.0/0", "VirtualAppliance", "10.0.1.4"),
                udr("asr", "AzureSiteRecovery.EastUS", "Internet"),
                udr("asr-we", "AzureSiteRecovery.WestEurope", "VirtualAppliance", "10.0.1.4"),
                udr("st", "Storage.WestEurope", "Internet"),
                udr("st-eus", "Storage.EastUS", "VirtualAppliance", "10.0.1.4"))
    resolution = resolve_scene(design)
    assert outcome(resolution) == {
        "w/AzureActiveDirectory": VIA_FW,
        "w/AzureSiteRecovery": DIRECT,
        "w/SiteRecoveryMonitoring": VIA_FW,
        "w/Storage": DIRECT,
    }
    assert reasons(resolution)["w/AzureSiteRecovery"] == (
        "AzureSiteRecovery.EastUS (User, rt-spoke/asr) -> Internet")
    assert reasons(resolution)["w/Storage"] == "Storage.WestEurope (User, rt-spoke/st) -> Internet"


def test_a_vault_private_endpoint_carries_backup_not_site_recovery() -> None:
    # private_endpoint_services: []: the vault's endpoint serves the SQL backup beside it,
    # never a Site Recovery leg (the siterecovery sub-resource is not modelled).
    design = base()
    via_firewall(design)
    design["workloads"].append({"name": "w", "type": "site-recovery", "subnet": SPOKE,
                                "backup": {"vault": "rsv"}})
    design["private_endpoints"] = [
        {"name": "pe-rsv", "subnet": "vnet-spoke/snet-endpoints", "target": "rsv"}]
    resolution = resolve_scene(design)
    assert outcome(resolution) == {
        "sql/AzureActiveDirectory": VIA_FW,
        "sql/AzureBackup": "delivered private-endpoint via -",
        "sql/Storage": "delivered private-endpoint via -",
        "w/AzureActiveDirectory": VIA_FW,
        "w/AzureSiteRecovery": VIA_FW,
        "w/SiteRecoveryMonitoring": VIA_FW,
        "w/Storage": VIA_FW,
    }
    recovery = [f for f in resolution.flows if f.workload == "w"]
    assert [(f.private_endpoint, f.dns) for f in recovery] == [(None, None)] * 4


# == azure-monitor-agent =======================================================================


def test_azure_monitor_agent_legs_through_the_firewall() -> None:
    resolution = resolve_scene(scene("azure-monitor-agent"))
    assert legs(resolution) == {
        "w/AzureMonitorControl": (1, 443, "TCP"),
        "w/AzureMonitorIngestion": (2, 443, "TCP"),
    }
    assert outcome(resolution) == dict.fromkeys(resolution_ids(resolution), VIA_FW)
    assert regions(resolution) == dict.fromkeys(resolution_ids(resolution), "westeurope")


def test_azure_monitor_agent_legs_are_routed_by_the_azure_monitor_tag() -> None:
    # The route names the service tag, AzureMonitor, not the services' own names.
    design = scene("azure-monitor-agent", firewall=False)
    route_table(design, "rt-spoke", [SPOKE],
                udr("to-fw", "0.0.0.0/0", "VirtualAppliance", "10.0.1.4"),
                udr("monitor", "AzureMonitor", "Internet"))
    resolution = resolve_scene(design)
    assert outcome(resolution) == dict.fromkeys(resolution_ids(resolution), DIRECT)
    assert set(reasons(resolution).values()) == {
        "AzureMonitor (User, rt-spoke/monitor) -> Internet"}


# == arc-connected-machine =====================================================================


def test_arc_connected_machine_legs() -> None:
    resolution = resolve_scene(scene("arc-connected-machine", endpoints=("Microsoft.Storage",)))
    assert legs(resolution) == {
        "w/ArcNotifications": (1, 443, "TCP"),
        "w/ArcPrivateLinkable": (1, 443, "TCP"),
        "w/AzureActiveDirectory": (1, 443, "TCP"),
        "w/AzureResourceManager": (1, 443, "TCP"),
        "w/Storage": (2, 443, "TCP"),
    }
    assert outcome(resolution) == {
        "w/ArcNotifications": VIA_FW,
        "w/ArcPrivateLinkable": VIA_FW,
        "w/AzureActiveDirectory": VIA_FW,
        "w/AzureResourceManager": VIA_FW,
        "w/Storage": SERVICE_ENDPOINT,
    }
    assert regions(resolution) == dict.fromkeys(resolution_ids(resolution), "westeurope")


def test_arc_legs_are_routed_by_the_arc_infrastructure_tag() -> None:
    design = scene("arc-connected-machine", firewall=False)
    route_table(design, "rt-spoke", [SPOKE],
                udr("to-fw", "0.0.0.0/0", "VirtualAppliance", "10.0.1.4"),
                udr("arc", "AzureArcInfrastructure", "Internet"))
    assert outcome(resolve_scene(design)) == {
        "w/ArcNotifications": DIRECT,
        "w/ArcPrivateLinkable": DIRECT,
        "w/AzureActiveDirectory": VIA_FW,
        "w/AzureResourceManager": VIA_FW,
        "w/Storage": VIA_FW,
    }


# == aks-nodes =================================================================================

AKS_LEGS = {
    "w/AKSApiServer": (1, 443, "TCP"),
    "w/AKSTunnelTcp": (1, 9000, "TCP"),
    "w/AKSTunnelUdp": (1, 1194, "UDP"),
    "w/AzureActiveDirectory": (1, 443, "TCP"),
    "w/AzureResourceManager": (1, 443, "TCP"),
    "w/NTP": (1, 123, "UDP"),
    "w/AKSImages": (2, 443, "TCP"),
}


def test_aks_nodes_legs_through_the_firewall() -> None:
    resolution = resolve_scene(scene("aks-nodes"))
    assert legs(resolution) == AKS_LEGS
    assert outcome(resolution) == dict.fromkeys(AKS_LEGS, VIA_FW)
    assert regions(resolution) == dict.fromkeys(AKS_LEGS, "westeurope")


def _aks_routes(*extra: dict[str, Any]) -> Resolution:
    design = scene("aks-nodes", firewall=False)
    route_table(design, "rt-spoke", [SPOKE],
                udr("to-fw", "0.0.0.0/0", "VirtualAppliance", "10.0.1.4"), *extra)
    return resolve_scene(design)


def test_an_azure_cloud_route_takes_the_tunnel_around_the_firewall() -> None:
    # The tunnel legs' tag is AzureCloud: a route on AzureCloud to Internet covers them.
    # AzureCloud holds every Azure service's prefixes (routing-rules.md; catalog.yaml's
    # service_tags), so it covers the MCR leg (MicrosoftContainerRegistry) too, and, as
    # docs/catalog.md states as an assumption, NTP.
    resolution = _aks_routes(udr("azure-cloud", "AzureCloud", "Internet"))
    assert outcome(resolution) == dict.fromkeys(AKS_LEGS, DIRECT)
    udp = flow(resolution, "w/AKSTunnelUdp")
    assert (udp.protocol, udp.port, udp.reason) == (
        "UDP", 1194, "AzureCloud (User, rt-spoke/azure-cloud) -> Internet")


def test_a_registry_route_keeps_the_mcr_leg_on_the_firewall_beside_an_azure_cloud_route() -> None:
    # A global tag (MicrosoftContainerRegistry) beats AzureCloud for the legs it holds: the
    # tunnel legs go around the firewall, the MCR leg does not.
    resolution = _aks_routes(
        udr("azure-cloud", "AzureCloud", "Internet"),
        udr("mcr", "MicrosoftContainerRegistry", "VirtualAppliance", "10.0.1.4"))
    assert outcome(resolution) == {**dict.fromkeys(AKS_LEGS, DIRECT), "w/AKSImages": VIA_FW}
    assert reasons(resolution)["w/AKSImages"] == (
        "MicrosoftContainerRegistry (User, rt-spoke/mcr) -> VirtualAppliance 10.0.1.4")
    assert reasons(resolution)["w/AKSTunnelUdp"] == (
        "AzureCloud (User, rt-spoke/azure-cloud) -> Internet")


def test_an_azure_cloud_route_of_another_region_leaves_the_tunnel_on_the_firewall() -> None:
    resolution = _aks_routes(udr("azure-cloud-ne", "AzureCloud.NorthEurope", "Internet"))
    assert outcome(resolution) == dict.fromkeys(AKS_LEGS, VIA_FW)
    resolution = _aks_routes(udr("azure-cloud-we", "AzureCloud.WestEurope", "Internet"))
    assert outcome(resolution)["w/AKSTunnelUdp"] == DIRECT


def test_a_route_names_a_service_tag_never_a_service() -> None:
    # AKSTunnelUdp is a service held by AzureCloud: a route cannot name it.
    design = scene("aks-nodes", firewall=False)
    route_table(design, "rt-spoke", [SPOKE], udr("tunnel", "AKSTunnelUdp", "Internet"))
    problems = check_design(Design.model_validate(design), default_catalog())
    assert [p.message for p in problems if p.severity == "error"] == [
        "address_prefix: unknown service tag 'AKSTunnelUdp'"]
    # A route on the registry's tag moves the MCR leg only.
    resolution = _aks_routes(udr("mcr", "MicrosoftContainerRegistry", "Internet"))
    assert outcome(resolution) == {**dict.fromkeys(AKS_LEGS, VIA_FW), "w/AKSImages": DIRECT}


# == azure-file-sync and azure-files-smb-client ================================================


def test_azure_file_sync_legs() -> None:
    resolution = resolve_scene(scene("azure-file-sync", endpoints=("Microsoft.Storage",)))
    assert legs(resolution) == {
        "w/AzureActiveDirectory": (1, 443, "TCP"),
        "w/AzureResourceManager": (1, 443, "TCP"),
        "w/StorageSyncService": (1, 443, "TCP"),
        "w/AzureFilesHttps": (2, 443, "TCP"),
    }
    assert outcome(resolution) == {
        "w/AzureActiveDirectory": VIA_FW,
        "w/AzureResourceManager": VIA_FW,
        "w/StorageSyncService": VIA_FW,
        "w/AzureFilesHttps": SERVICE_ENDPOINT,
    }
    assert regions(resolution) == dict.fromkeys(resolution_ids(resolution), "westeurope")


def test_azure_files_smb_client_leg() -> None:
    resolution = resolve_scene(scene("azure-files-smb-client"))
    assert legs(resolution) == {"w/AzureFilesSmb": (2, 445, "TCP")}
    assert outcome(resolution) == {"w/AzureFilesSmb": VIA_FW}
    assert regions(resolution) == {"w/AzureFilesSmb": "westeurope"}
    # Its tag is Storage: Microsoft.Storage carries SMB too.
    with_endpoint = resolve_scene(scene("azure-files-smb-client",
                                        endpoints=("Microsoft.Storage",)))
    assert outcome(with_endpoint) == {"w/AzureFilesSmb": SERVICE_ENDPOINT}


# == Policy on legs that are not TCP 443 =======================================================


@pytest.mark.parametrize(("protocol", "expected"), [
    ("Tcp", ("denied", "nsg-w/deny-all")),
    ("Udp", ("allowed", "nsg-w/allow-tunnel")),
    ("*", ("allowed", "nsg-w/allow-tunnel")),
])
def test_nsg_rule_protocol_must_match_a_udp_leg(protocol: str, expected: tuple[str, str]
                                               ) -> None:
    design = scene("aks-nodes", firewall=False)
    add_nsg(design, nsg_rule("allow-tunnel", 100, "Allow", dst="AzureCloud", ports="1194",
                             protocol=protocol),
            nsg_rule("deny-all", 200, "Deny"))
    udp = flow(resolve_scene(design), "w/AKSTunnelUdp")
    verdict, rule = expected
    assert udp.policy == (PolicyCheck(
        SPOKE, "nsg-outbound", "nsg-w", verdict, rule,
        f"NSG rule {rule} {'allows' if verdict == 'allowed' else 'denies'} UDP 1194 from "
        f"10.1.1.0/24 to AzureCloud.WestEurope"),)
    assert udp.status == ("delivered" if verdict == "allowed" else "denied")


def test_a_udp_nsg_rule_does_not_allow_the_tcp_tunnel() -> None:
    design = scene("aks-nodes", firewall=False)
    add_nsg(design, nsg_rule("allow-tunnel", 100, "Allow", dst="AzureCloud", ports="9000",
                             protocol="Udp"),
            nsg_rule("deny-all", 200, "Deny"))
    assert checks(resolve_scene(design), "w/AKSTunnelTcp") == [
        ("nsg-outbound", "denied", "nsg-w/deny-all")]


@pytest.mark.parametrize(("protocols", "allowed"), [
    (("TCP",), False),
    (("UDP",), True),
    (("Any",), True),
    (("TCP", "UDP"), True),
    (("ICMP",), False),
])
def test_network_rule_protocols_must_include_a_udp_leg(protocols: tuple[str, ...],
                                                       allowed: bool) -> None:
    design = scene("aks-nodes")
    add_policy(design, "network", network_rule("tunnel", "AzureCloud", "1194", protocols))
    udp = flow(resolve_scene(design), "w/AKSTunnelUdp")
    if allowed:
        assert udp.policy == (PolicyCheck(
            "afw-hub", "firewall", "fwp-hub", "allowed", "fwp-hub/g/c/tunnel",
            "network rule fwp-hub/g/c/tunnel allows UDP 1194 from 10.1.1.0/24 to "
            "AzureCloud.WestEurope"),)
        assert udp.status == "delivered"
    else:
        assert udp.policy == (PolicyCheck(
            "afw-hub", "firewall", "fwp-hub", "denied", None,
            "no rule of fwp-hub allows UDP 1194 from 10.1.1.0/24 to AzureCloud.WestEurope: "
            "default deny; UDP 1194 is not HTTP, HTTPS or MSSQL, so only a network rule can "
            "allow it, never an application rule"),)
        assert udp.status == "denied"


def test_an_application_rule_never_allows_a_udp_leg() -> None:
    # Even an application rule naming NTP's host on its port: application rules see TCP only.
    design = scene("aks-nodes")
    add_policy(design, "application", app_rule(
        "ntp", fqdns=("ntp.ubuntu.com",), protocols=(("Http", 123),)))
    ntp = flow(resolve_scene(design), "w/NTP")
    assert (ntp.status, ntp.denial) == ("denied", PolicyCheck(
        "afw-hub", "firewall", "fwp-hub", "denied", None,
        "no rule of fwp-hub allows UDP 123 from 10.1.1.0/24 to Internet: default "
        "deny; UDP 123 is not HTTP, HTTPS or MSSQL, so only a network rule can allow it, never "
        "an application rule"))


@pytest.mark.parametrize("protocols", [(("Https", 443),), (("Https", 445),)])
def test_smb_cannot_be_allowed_by_an_app_rule(protocols: tuple[tuple[str, int], ...]
                                                      ) -> None:
    design = scene("azure-files-smb-client")
    add_policy(design, "application", app_rule(
        "files", fqdns=("*.file.core.windows.net",), protocols=protocols))
    resolution = resolve_scene(design)
    smb = flow(resolution, "w/AzureFilesSmb")
    assert (smb.status, smb.denial) == ("denied", PolicyCheck(
        "afw-hub", "firewall", "fwp-hub", "denied", None,
        "no rule of fwp-hub allows TCP 445 from 10.1.1.0/24 to Storage.WestEurope: default "
        "deny; TCP 445 is not HTTP, HTTPS or MSSQL, so only a network rule can allow it, never "
        "an application rule"))
    assert [str(f) for f in find(resolution)] == [
        "FD014 error afw-hub: flow 2 w/AzureFilesSmb is denied at afw-hub, the workload's "
        "traffic never arrives: no rule of fwp-hub allows TCP 445 from 10.1.1.0/24 to "
        "Storage.WestEurope: default deny; TCP 445 is not HTTP, HTTPS or MSSQL, so only a "
        "network rule can allow it, never an application rule; fix: add to an Allow network "
        "rule collection of fwp-hub: {name: AzureFilesSmb, ip_protocols: [TCP], "
        "source_addresses: [10.1.1.0/24], destination_addresses: [Storage], "
        "destination_ports: ['445']}",
    ]


def test_the_network_rule_the_smb_finding_gives_allows_smb() -> None:
    design = scene("azure-files-smb-client")
    add_policy(design, "network", network_rule("AzureFilesSmb", "Storage", "445", ("TCP",)))
    resolution = resolve_scene(design)
    assert checks(resolution, "w/AzureFilesSmb") == [
        ("firewall", "allowed", "fwp-hub/g/c/AzureFilesSmb")]
    assert find(resolution) == []


# A user's services beyond the shipped ones: a UDP 443 leg (QUIC) and a TCP 8443 leg, both with
# an FQDN tag, and SQL on TCP 1433.
ODD_LEGS = {
    "version": 1,
    "services": {
        "ApiQuic": {"title": "API over QUIC", "fqdns": ["*.hcp.<region>.azmk8s.io"],
                    "port": 443, "protocol": "UDP", "tag": "AzureCloud",
                    "fqdn_tag": "AzureKubernetesService"},
        "ApiAlt": {"title": "API on 8443", "fqdns": ["*.hcp.<region>.azmk8s.io"],
                   "port": 8443, "tag": "AzureCloud", "fqdn_tag": "AzureKubernetesService"},
        "SqlMi": {"title": "SQL Managed Instance", "fqdns": ["*.database.windows.net"],
                  "port": 1433, "tag": "Sql"},
    },
    "workload_types": {"odd-client": {"title": "Odd client", "flows": [
        {"service": "ApiQuic", "category": "management"},
        {"service": "ApiAlt", "category": "management"},
        {"service": "SqlMi", "category": "data"},
    ]}},
}


def test_application_rules_match_tcp_legs_on_443_80_and_1433_only() -> None:
    design = scene("odd-client")
    add_policy(design, "application",
               app_rule("aks", tags=("AzureKubernetesService",),
                                protocols=(("Https", 443), ("Https", 8443))),
               app_rule("sql", fqdns=("*.database.windows.net",),
                                protocols=(("Mssql", 1433),)))
    resolution = resolve_with(design, user_catalog(ODD_LEGS))
    assert {f.id: (f.status, f.denial.reason if f.denial else f.policy[0].rule)
            for f in resolution.flows} == {
        "w/ApiAlt": ("denied", "no rule of fwp-hub allows TCP 8443 from 10.1.1.0/24 to "
                               "AzureCloud.WestEurope: default deny; TCP 8443 is not HTTP, "
                               "HTTPS or MSSQL, so only a network rule can allow it, never "
                               "an application rule"),
        "w/ApiQuic": ("denied", "no rule of fwp-hub allows UDP 443 from 10.1.1.0/24 to "
                                "AzureCloud.WestEurope: default deny; UDP 443 is not HTTP, "
                                "HTTPS or MSSQL, so only a network rule can allow it, never "
                                "an application rule"),
        "w/SqlMi": ("delivered", "fwp-hub/g/c/sql"),
    }


def test_a_leg_that_is_not_https_needs_a_network_rule_even_with_an_fqdn_tag() -> None:
    resolution = resolve_with(scene("odd-client"), user_catalog(ODD_LEGS))
    (rules,) = firewall_rules(resolution)
    assert [(r.name, r.kind, r.fqdn_tags, r.service_tags, r.protocol, r.port)
            for r in rules.rules] == [
        ("ApiAlt", "network", (), ("AzureCloud",), "TCP", 8443),
        ("ApiQuic", "network", (), ("AzureCloud",), "UDP", 443),
        ("SqlMi", "network", (), ("Sql",), "TCP", 1433),
    ]


# == Rules for aks-nodes =======================================================================


def test_firewall_rules_for_aks_nodes() -> None:
    resolution = resolve_scene(scene("aks-nodes"))
    (rules,) = firewall_rules(resolution)
    assert rules.firewall == "afw-hub"
    assert [(r.name, r.kind, r.sources, r.fqdn_tags, r.service_tags, r.protocol, r.port,
             r.flows) for r in rules.rules] == [
        ("AKSApiServer", "application", ("10.1.1.0/24",), ("AzureKubernetesService",), (),
         "Https", 443, ("w/AKSApiServer",)),
        ("AKSTunnelTcp", "network", ("10.1.1.0/24",), (), ("AzureCloud",), "TCP", 9000,
         ("w/AKSTunnelTcp",)),
        ("AKSTunnelUdp", "network", ("10.1.1.0/24",), (), ("AzureCloud",), "UDP", 1194,
         ("w/AKSTunnelUdp",)),
        ("AzureActiveDirectory", "network", ("10.1.1.0/24",), (), ("AzureActiveDirectory",),
         "TCP", 443, ("w/AzureActiveDirectory",)),
        ("AzureResourceManager", "network", ("10.1.1.0/24",), (), ("AzureResourceManager",),
         "TCP", 443, ("w/AzureResourceManager",)),
        ("NTP", "network", ("10.1.1.0/24",), (), ("Internet",), "UDP", 123, ("w/NTP",)),
        ("AKSImages", "network", ("10.1.1.0/24",), (), ("MicrosoftContainerRegistry",), "TCP",
         443, ("w/AKSImages",)),
    ]


def test_nsg_rules_for_aks_nodes_carry_the_protocol() -> None:
    resolution = resolve_scene(scene("aks-nodes"))
    assert [(r.subnet, r.service, r.destination, r.protocol, r.port)
            for r in nsg_rules(resolution)] == [
        (SPOKE, "AKSApiServer", "AzureCloud", "TCP", 443),
        (SPOKE, "AKSTunnelTcp", "AzureCloud", "TCP", 9000),
        (SPOKE, "AKSTunnelUdp", "AzureCloud", "UDP", 1194),
        (SPOKE, "AzureActiveDirectory", "AzureActiveDirectory", "TCP", 443),
        (SPOKE, "AzureResourceManager", "AzureResourceManager", "TCP", 443),
        (SPOKE, "NTP", "Internet", "UDP", 123),
        (SPOKE, "AKSImages", "MicrosoftContainerRegistry", "TCP", 443),
    ]


def test_an_nsg_denial_of_a_udp_leg_is_fixed_by_a_udp_rule() -> None:
    design = scene("aks-nodes", firewall=False)
    add_nsg(design, nsg_rule("allow-tcp", 100, "Allow", dst="AzureCloud", protocol="Tcp"),
            nsg_rule("allow-registry", 110, "Allow", dst="MicrosoftContainerRegistry"),
            nsg_rule("allow-ntp", 120, "Allow", dst="Internet", ports="123", protocol="Udp"),
            nsg_rule("deny-all", 200, "Deny"))
    (finding,) = find(resolve_scene(design))
    assert str(finding) == (
        "FD014 error vnet-spoke/snet-sql: flow 1 w/AKSTunnelUdp is denied at "
        "vnet-spoke/snet-sql, the workload's traffic never arrives: NSG rule nsg-w/deny-all "
        "denies UDP 1194 from 10.1.1.0/24 to AzureCloud.WestEurope; fix: add to nsg-w's rules: "
        "{name: allow-akstunneludp, priority: 199, direction: Outbound, access: Allow, "
        "protocol: Udp, source_address_prefixes: [10.1.1.0/24], destination_address_prefixes: "
        "[AzureCloud], destination_port_ranges: ['1194']}")


# == What findings say fails ===================================================================


@pytest.mark.parametrize(("kind", "backup", "fails"), [
    ("sql-server-in-vm", {"vault": "rsv"}, "the backup fails"),
    ("third-party-agent", {"storage_account": "stcustomer"}, "the backup fails"),
    ("site-recovery", {"vault": "rsv"}, "the replication fails"),
    ("azure-monitor-agent", None, "the workload's traffic never arrives"),
    ("key-vault-client", None, "the workload's traffic never arrives"),
    ("arc-connected-machine", None, "the workload's traffic never arrives"),
    ("aks-nodes", None, "the workload's traffic never arrives"),
    ("azure-file-sync", None, "the workload's traffic never arrives"),
    ("azure-files-smb-client", None, "the workload's traffic never arrives"),
])
def test_a_dropped_flow_says_what_fails(kind: str, backup: dict[str, str] | None,
                                        fails: str) -> None:
    design = scene(kind, firewall=False, **({"backup": backup} if backup else {}))
    route_table(design, "rt-spoke", [SPOKE], udr("drop", "0.0.0.0/0", "None"))
    resolution = resolve_scene(design)
    names = ", ".join(f"{f.number} {f.service}" for f in resolution.flows)
    verb = "is dropped" if len(resolution.flows) == 1 else "are dropped"
    plural = "s" * (len(resolution.flows) > 1)
    assert [str(f) for f in find(resolution) if f.id == "FD001"] == [
        f"FD001 error w: w: flow{plural} {names} {verb}, {fails}: 0.0.0.0/0 (User, "
        f"rt-spoke/drop) -> None: next hop None drops the traffic"]


def test_a_denied_replication_says_the_replication_fails() -> None:
    design = scene("site-recovery", backup={"vault": "rsv"})
    add_policy(design, "network", network_rule("entra", "AzureActiveDirectory", "443", ("TCP",)),
               network_rule("asr", "AzureSiteRecovery", "443", ("TCP",)),
               network_rule("storage", "Storage", "443", ("TCP",)))
    (finding,) = find(resolve_scene(design))
    assert str(finding) == (
        "FD014 error afw-hub: flow 1 w/SiteRecoveryMonitoring is denied at afw-hub, the "
        "replication fails: no rule of fwp-hub allows TCP 443 from 10.1.1.0/24 to "
        "EventHub.WestEurope: default deny; fix: add to an Allow network rule collection of "
        "fwp-hub: {name: SiteRecoveryMonitoring, ip_protocols: [TCP], source_addresses: "
        "[10.1.1.0/24], destination_addresses: [EventHub], destination_ports: ['443']}")


def test_a_user_workload_type_says_what_it_declares_fails() -> None:
    catalog = user_catalog({"workload_types": {"nightly-export": {
        "title": "Nightly export", "fails": "the nightly export fails",
        "flows": [{"service": "Storage", "category": "data"}]}}})
    design = scene("nightly-export", firewall=False)
    route_table(design, "rt-spoke", [SPOKE], udr("drop", "0.0.0.0/0", "None"))
    (finding,) = find(resolve_with(design, catalog))
    assert str(finding) == (
        "FD001 error w: w: flow 2 Storage is dropped, the nightly export fails: 0.0.0.0/0 "
        "(User, rt-spoke/drop) -> None: next hop None drops the traffic")


# == The example designs =======================================================================


def _example(name: str) -> Resolution:
    return resolve(load_design(DESIGNS / name).design)


def test_example_l_aks_and_key_vault() -> None:
    resolution = _example("l-aks-and-key-vault.yaml")
    assert outcome(resolution) == {
        "aks-nodes/AKSApiServer": VIA_FW,
        "aks-nodes/AKSTunnelTcp": VIA_FW,
        "aks-nodes/AKSTunnelUdp": VIA_FW,
        "aks-nodes/AzureActiveDirectory": VIA_FW,
        "aks-nodes/AzureResourceManager": VIA_FW,
        "aks-nodes/NTP": VIA_FW,
        "aks-nodes/AKSImages": VIA_FW,
        "app01/AzureActiveDirectory": VIA_FW,
        "app01/AzureKeyVault": SERVICE_ENDPOINT,
    }
    assert {f.id: [(c.verdict, c.rule) for c in f.policy] for f in resolution.flows} == {
        "aks-nodes/AKSApiServer": [("allowed", "fwp-hub/rcg-platform/app-aks/aks")],
        "aks-nodes/AKSTunnelTcp": [("allowed", "fwp-hub/rcg-platform/net-aks/aks-tunnel")],
        "aks-nodes/AKSTunnelUdp": [("allowed", "fwp-hub/rcg-platform/net-aks/aks-tunnel")],
        "aks-nodes/AzureActiveDirectory": [
            ("allowed", "fwp-hub/rcg-platform/net-azure/entra-arm")],
        "aks-nodes/AzureResourceManager": [
            ("allowed", "fwp-hub/rcg-platform/net-azure/entra-arm")],
        "aks-nodes/NTP": [("allowed", "fwp-hub/rcg-platform/net-aks/ntp")],
        "aks-nodes/AKSImages": [("allowed", "fwp-hub/rcg-platform/app-aks/mcr")],
        "app01/AzureActiveDirectory": [("allowed", "fwp-hub/rcg-platform/net-azure/entra-arm")],
        "app01/AzureKeyVault": [],
    }
    assert {f.id: f.protocol for f in resolution.flows if f.protocol != "TCP"} == {
        "aks-nodes/AKSTunnelUdp": "UDP", "aks-nodes/NTP": "UDP"}
    assert find(resolution) == []


def test_example_m_site_recovery_two_regions() -> None:
    resolution = _example("m-site-recovery-two-regions.yaml")
    assert outcome(resolution) == {
        "app-vm01/AzureActiveDirectory": VIA_FW,
        "app-vm01/AzureSiteRecovery": VIA_FW,
        "app-vm01/SiteRecoveryMonitoring": VIA_FW,
        "app-vm01/Storage": SERVICE_ENDPOINT,
    }
    assert regions(resolution) == {
        "app-vm01/AzureActiveDirectory": "westeurope",
        "app-vm01/AzureSiteRecovery": "northeurope",
        "app-vm01/SiteRecoveryMonitoring": "northeurope",
        "app-vm01/Storage": "westeurope",
    }
    # EventHub.NorthEurope in the policy matches the monitoring leg because it is in the
    # vault's region.
    assert checks(resolution, "app-vm01/SiteRecoveryMonitoring") == [
        ("firewall", "allowed", "fwp-hub/rcg-site-recovery/net-site-recovery/site-recovery")]
    assert [(f.id, f.severity, f.subject) for f in find(resolution)] == [
        ("FD005", "warning", "vnet-spoke-app/snet-app")]


def test_example_n_denies_smb_with_the_network_rule_to_add() -> None:
    resolution = _example("n-file-sync-through-firewall.yaml")
    assert outcome(resolution) == {
        "filesrv01/AzureActiveDirectory": VIA_FW,
        "filesrv01/AzureResourceManager": VIA_FW,
        "filesrv01/StorageSyncService": VIA_FW,
        "filesrv01/AzureFilesHttps": VIA_FW,
        "clients/AzureFilesSmb": "denied public via afw-hub",
    }
    smb = flow(resolution, "clients/AzureFilesSmb")
    assert (smb.number, smb.port, smb.protocol) == (2, 445, "TCP")
    assert smb.denial == PolicyCheck(
        "afw-hub", "firewall", "fwp-hub", "denied", None,
        "no rule of fwp-hub allows TCP 445 from 10.5.2.0/24 to Storage.WestEurope: default "
        "deny; TCP 445 is not HTTP, HTTPS or MSSQL, so only a network rule can allow it, never "
        "an application rule")
    # The HTTPS legs are allowed by the application rule that cannot see SMB.
    for flow_id in ("filesrv01/AzureActiveDirectory", "filesrv01/AzureResourceManager",
                    "filesrv01/StorageSyncService", "filesrv01/AzureFilesHttps"):
        assert checks(resolution, flow_id) == [
            ("firewall", "allowed", "fwp-hub/rcg-files/app-file-sync/file-sync")]
    assert [str(f) for f in find(resolution)] == [
        "FD014 error afw-hub: flow 2 clients/AzureFilesSmb is denied at afw-hub, the "
        "workload's traffic never arrives: no rule of fwp-hub allows TCP 445 from 10.5.2.0/24 "
        "to Storage.WestEurope: default deny; TCP 445 is not HTTP, HTTPS or MSSQL, so only a "
        "network rule can allow it, never an application rule; fix: add to an Allow network "
        "rule collection of fwp-hub: {name: AzureFilesSmb, ip_protocols: [TCP], "
        "source_addresses: [10.5.2.0/24], destination_addresses: [Storage], "
        "destination_ports: ['445']}",
    ]


def test_example_o_monitor_and_arc() -> None:
    resolution = _example("o-monitor-and-arc.yaml")
    assert outcome(resolution) == {
        "app02/AzureMonitorControl": VIA_FW,
        "app02/AzureMonitorIngestion": VIA_FW,
        "arc01/ArcNotifications": VIA_FW,
        "arc01/ArcPrivateLinkable": VIA_FW,
        "arc01/AzureActiveDirectory": VIA_FW,
        "arc01/AzureResourceManager": VIA_FW,
        "arc01/Storage": VIA_FW,
    }
    assert {f.id: checks(resolution, f.id)[0][2] for f in resolution.flows} == {
        "app02/AzureMonitorControl": "fwp-hub/rcg-platform/net-azure/monitor",
        "app02/AzureMonitorIngestion": "fwp-hub/rcg-platform/net-azure/monitor",
        "arc01/ArcNotifications": "fwp-hub/rcg-platform/net-azure/arc",
        "arc01/ArcPrivateLinkable": "fwp-hub/rcg-platform/net-azure/arc",
        "arc01/AzureActiveDirectory": "fwp-hub/rcg-platform/net-azure/entra-arm",
        "arc01/AzureResourceManager": "fwp-hub/rcg-platform/net-azure/entra-arm",
        "arc01/Storage": "fwp-hub/rcg-platform/net-azure/arc",
    }
    assert find(resolution) == []


# == Bugs found ================================================================================


def test_policy_assumptions_do_not_claim_every_flow_is_tcp() -> None:
    design = load_design(DESIGNS / "l-aks-and-key-vault.yaml").design
    assert "flows are TCP" not in " ".join(policy_assumptions(design))


def test_ntp_reasons_name_the_internet_without_a_region() -> None:
    resolution = _example("l-aks-and-key-vault.yaml")
    (check,) = flow(resolution, "aks-nodes/NTP").policy
    assert check.reason == ("network rule fwp-hub/rcg-platform/net-aks/ntp allows UDP 123 from "
                            "10.2.0.0/22 to Internet")
