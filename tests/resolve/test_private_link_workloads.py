"""Private endpoints beyond backup (azure-rules.md 4): a Key Vault, an Azure Arc Private Link
Scope and an Azure Monitor Private Link Scope, named by a workload's `target`.

Each kind makes private only the legs the catalog lists for it: Arc's is partial (its
notification service, Entra ID, Resource Manager and Storage stay public). As for vaults, a
declared zone that does not answer for the client's VNet sends the flow public (FD007).
"""

from __future__ import annotations

from typing import Any

import pytest
from scenes import base, flow, outcome, resolve_scene, via_firewall

from flowdocs.analyse.findings import find
from flowdocs.load.catalog import default_catalog
from flowdocs.render.scene import build_scene
from flowdocs.resolve.dns import FLOW_ZONES

KV_ZONE = "privatelink.vaultcore.azure.net"
ARC_ZONES = ("privatelink.his.arc.azure.com", "privatelink.guestconfiguration.azure.com")
MONITOR_ZONES = ("privatelink.monitor.azure.com", "privatelink.ods.opinsights.azure.com")


def _scene(workload_type: str, target: str | None, resources: dict[str, list[dict[str, Any]]],
           pe_target: str | None = None, zones: tuple[str, ...] = (),
           links: tuple[str, ...] = ("vnet-spoke",)) -> dict[str, Any]:
    """The base spoke's workload becomes `workload_type`, through the hub firewall; a private
    endpoint in the spoke to `pe_target`; `zones` linked to `links`."""
    design = base()
    via_firewall(design)
    workload: dict[str, Any] = {"name": "app", "type": workload_type,
                                "subnet": "vnet-spoke/snet-sql", "ip": "10.1.1.4"}
    if target is not None:
        workload["target"] = target
    design["workloads"] = [workload]
    design.update(resources)
    if pe_target is not None:
        design["private_endpoints"] = [{"name": "pe-app", "subnet": "vnet-spoke/snet-endpoints",
                                        "target": pe_target}]
    if zones:
        design["private_dns_zones"] = [{"name": z, "vnet_links": list(links)} for z in zones]
    return design


def _key_vault(**kwargs: Any) -> dict[str, Any]:
    return _scene("key-vault-client", "kv-app", {"key_vaults": [{"name": "kv-app"}]},
                  pe_target="kv-app", **kwargs)


def _arc(**kwargs: Any) -> dict[str, Any]:
    return _scene("arc-connected-machine", "pls-arc",
                  {"private_link_scopes": [{"name": "pls-arc", "kind": "arc"}]},
                  pe_target="pls-arc", **kwargs)


def _monitor(**kwargs: Any) -> dict[str, Any]:
    return _scene("azure-monitor-agent", "ampls",
                  {"private_link_scopes": [{"name": "ampls", "kind": "monitor"}]},
                  pe_target="ampls", **kwargs)


# -- each kind goes private with its endpoint and its zones ---------------------------------


def test_key_vault_private_endpoint_makes_the_data_plane_private_not_entra():
    resolution = resolve_scene(_key_vault(zones=(KV_ZONE,)))
    assert outcome(resolution) == {
        "app/AzureActiveDirectory": "delivered public via afw-hub",
        "app/AzureKeyVault": "delivered private-endpoint via -",
    }
    data = flow(resolution, "app/AzureKeyVault")
    assert (data.private_endpoint, data.hops[-1].node) == ("pe-app", "pe-app")
    assert data.dns is not None and [z.zone for z in data.dns.zones] == [KV_ZONE]


def test_arc_scope_makes_only_the_private_linkable_names_private():
    # Partial private link: hybrid identity and guest configuration go to the endpoint; the
    # notification service, Entra ID, Resource Manager and Storage still cross the firewall.
    resolution = resolve_scene(_arc(zones=ARC_ZONES))
    assert outcome(resolution) == {
        "app/AzureActiveDirectory": "delivered public via afw-hub",
        "app/AzureResourceManager": "delivered public via afw-hub",
        "app/ArcNotifications": "delivered public via afw-hub",
        "app/ArcPrivateLinkable": "delivered private-endpoint via -",
        "app/Storage": "delivered public via afw-hub",
    }
    private = flow(resolution, "app/ArcPrivateLinkable")
    assert private.dns is not None and tuple(z.zone for z in private.dns.zones) == ARC_ZONES
    assert flow(resolution, "app/Storage").dns is None


def test_monitor_scope_makes_the_handlers_and_ingestion_private():
    resolution = resolve_scene(_monitor(zones=MONITOR_ZONES))
    assert outcome(resolution) == {
        "app/AzureMonitorControl": "delivered private-endpoint via -",
        "app/AzureMonitorIngestion": "delivered private-endpoint via -",
    }
    control = flow(resolution, "app/AzureMonitorControl")
    ingestion = flow(resolution, "app/AzureMonitorIngestion")
    assert control.dns is not None and ingestion.dns is not None
    assert [z.zone for z in control.dns.zones] == ["privatelink.monitor.azure.com"]
    assert tuple(z.zone for z in ingestion.dns.zones) == MONITOR_ZONES


def test_the_zones_of_each_kind_are_those_of_the_legs_it_covers():
    catalog = default_catalog()
    for kind in ("key_vault", "arc_scope", "monitor_scope"):
        assert {s for (k, s) in FLOW_ZONES if k == kind} == \
            set(catalog.private_endpoint_targets[kind])


def test_without_a_target_every_leg_is_public():
    design = _scene("key-vault-client", None, {"key_vaults": [{"name": "kv-app"}]},
                    pe_target="kv-app", zones=(KV_ZONE,))
    resolution = resolve_scene(design)
    assert outcome(resolution)["app/AzureKeyVault"] == "delivered public via afw-hub"
    assert flow(resolution, "app/AzureKeyVault").dns is None


def test_without_zones_the_endpoint_is_assumed_to_resolve():
    # A design that declares no private DNS zone keeps the stated assumption, as for vaults.
    resolution = resolve_scene(_arc())
    assert outcome(resolution)["app/ArcPrivateLinkable"] == "delivered private-endpoint via -"
    assert [(f.id, f.subject) for f in find(resolution) if f.id == "FD007"] == [
        ("FD007", "pe-app")]


def test_the_flow_s_region_is_its_target_s():
    design = _key_vault(zones=(KV_ZONE,))
    design["key_vaults"] = [{"name": "kv-app", "region": "northeurope"}]
    resolution = resolve_scene(design)
    assert flow(resolution, "app/AzureKeyVault").region == "northeurope"
    assert flow(resolution, "app/AzureActiveDirectory").region == "westeurope"


# -- a zone that does not answer sends the flow public, and FD007 says so --------------------


@pytest.mark.parametrize(("scene", "service", "zone"), [
    (_key_vault, "AzureKeyVault", KV_ZONE),
    (_arc, "ArcPrivateLinkable", "privatelink.guestconfiguration.azure.com"),
    (_monitor, "AzureMonitorIngestion", "privatelink.ods.opinsights.azure.com"),
])
def test_a_zone_not_linked_to_the_client_sends_the_flow_public(scene, service, zone):
    design = scene(zones=(KV_ZONE, *ARC_ZONES, *MONITOR_ZONES))
    unlinked = next(z for z in design["private_dns_zones"] if z["name"] == zone)
    unlinked["vnet_links"] = ["vnet-hub"]
    resolution = resolve_scene(design)
    skipped = flow(resolution, f"app/{service}")
    assert (skipped.status, skipped.access, skipped.firewalls) == (
        "delivered", "public", ("afw-hub",))
    assert skipped.dns is not None and [z.zone for z in skipped.dns.unanswered] == [zone]
    fd007 = [str(f) for f in find(resolution) if f.id == "FD007"]
    assert fd007 == [
        f"FD007 warning {zone}: private DNS zone {zone} does not answer for vnet-spoke: "
        f"flow {skipped.number} app/{service} resolves the names of {design['workloads'][0]['target']} "
        f"to public addresses, skips pe-app and takes the public path; add vnet-spoke to "
        f"vnet_links"]


def test_a_zone_the_design_does_not_declare_is_reported_on_the_endpoint():
    resolution = resolve_scene(_monitor(zones=("privatelink.monitor.azure.com",)))
    assert outcome(resolution) == {
        "app/AzureMonitorControl": "delivered private-endpoint via -",
        "app/AzureMonitorIngestion": "delivered public via afw-hub",
    }
    assert [str(f) for f in find(resolution) if f.id == "FD007"] == [
        "FD007 warning pe-app: private endpoint pe-app needs private DNS zone "
        "privatelink.ods.opinsights.azure.com, not in private_dns_zones: without it ampls's "
        "FQDNs resolve to its public endpoint; flow 2 app/AzureMonitorIngestion takes the "
        "public path"]


# -- diagrams name the new targets ------------------------------------------------------------


@pytest.mark.parametrize(("scene", "target", "label", "icon"), [
    (_key_vault, "kv-app", "Key Vault", "key-vault"),
    (_arc, "pls-arc", "Azure Arc Private Link Scope", "arc"),
    (_monitor, "ampls", "Azure Monitor Private Link Scope", "monitor"),
])
def test_the_diagram_labels_each_target_by_its_kind(scene, target, label, icon):
    node = build_scene(resolve_scene(scene())).nodes[f"target~{target}"]
    assert (node.detail, node.icon) == ((label,), icon)
