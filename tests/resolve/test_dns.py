"""Private DNS decides whether a private endpoint is used (azure-rules.md 4, Corrections;
resolve/dns.py).

A flow reaches its private endpoint only when its client resolves the names to it. Where the
design declares private DNS zones, a client VNet that no zone answers for resolves the public
address and takes the public path; a design without zones keeps the stated assumption that
the names resolve to the endpoint. Each test would fail if that rule were wrong.
"""

from __future__ import annotations

import pytest
from scenes import base, flow, outcome, resolve_scene, third_party_agent, via_firewall

from flowdocs.load.regions import default_regions
from flowdocs.resolve.dns import ANY_BACKUP_ZONE, zones_needed

BACKUP_WE = "privatelink.we.backup.windowsazure.com"
BACKUP_NE = "privatelink.ne.backup.windowsazure.com"
BLOB = "privatelink.blob.core.windows.net"
QUEUE = "privatelink.queue.core.windows.net"

PRIVATE = {
    "sql/AzureActiveDirectory": "delivered public via afw-hub",
    "sql/AzureBackup": "delivered private-endpoint via -",
    "sql/Storage": "delivered private-endpoint via -",
}
PUBLIC = {
    "sql/AzureActiveDirectory": "delivered public via afw-hub",
    "sql/AzureBackup": "delivered public via afw-hub",
    "sql/Storage": "delivered public via afw-hub",
}


def _scene(links: dict[str, list[str]] | None, where: str = "vnet-hub/snet-endpoints") -> dict:
    """The spoke's SQL VM behind the hub firewall, the vault's endpoint in `where`, and the
    zones of `links` (zone -> VNets linked); None: no private_dns_zones at all."""
    design = base()
    via_firewall(design)
    design["private_endpoints"] = [{"name": "pe-rsv", "subnet": where, "target": "rsv"}]
    if links is not None:
        design["private_dns_zones"] = [{"name": zone, "vnet_links": vnets}
                                       for zone, vnets in links.items()]
    return design


def _all_zones(*vnets: str) -> dict[str, list[str]]:
    return {zone: list(vnets) for zone in (BACKUP_WE, BLOB, QUEUE)}


def test_zones_linked_to_the_client_vnet_make_the_flows_private():
    resolution = resolve_scene(_scene(_all_zones("vnet-hub", "vnet-spoke")))
    assert outcome(resolution) == PRIVATE
    dns = flow(resolution, "sql/Storage").dns
    assert dns is not None
    assert (dns.vnet, dns.endpoint, dns.private, dns.assumed) == (
        "vnet-spoke", "pe-rsv", True, False)
    assert [(z.zone, z.basis) for z in dns.zones] == [(BLOB, "link"), (QUEUE, "link")]
    # Entra ID has no private endpoint: no name resolution to check.
    assert flow(resolution, "sql/AzureActiveDirectory").dns is None


def test_zones_not_linked_to_the_client_vnet_send_the_flows_the_public_way():
    # Linked to the hub only: the spoke's lookups get the public addresses, so the spoke's
    # 0.0.0.0/0 route takes every flow to the hub firewall, not over the peering to pe-rsv.
    resolution = resolve_scene(_scene(_all_zones("vnet-hub")))
    assert outcome(resolution) == PUBLIC
    backup = flow(resolution, "sql/AzureBackup")
    assert (backup.private_endpoint, backup.peerings, backup.hops[-1].node) == (
        None, ("vnet-spoke~vnet-hub",), "AzureBackup")
    assert backup.reason == "0.0.0.0/0 (User, rt-spoke/to-fw) -> VirtualAppliance 10.0.1.4"
    assert backup.dns is not None and not backup.dns.private
    assert [(z.zone, z.declared, z.basis) for z in backup.dns.unanswered] == [
        (BACKUP_WE, BACKUP_WE, "not-linked")]


def test_a_design_without_private_dns_zones_keeps_the_assumption():
    resolution = resolve_scene(_scene(None))
    assert outcome(resolution) == PRIVATE
    dns = flow(resolution, "sql/AzureBackup").dns
    assert dns is not None and (dns.assumed, dns.private, dns.zones) == (True, True, ())


def test_a_zone_the_design_does_not_declare_answers_for_no_one():
    # Blob and queue are declared and linked; the Backup zone is missing.
    resolution = resolve_scene(_scene({BLOB: ["vnet-spoke"], QUEUE: ["vnet-spoke"]}))
    assert outcome(resolution) == {**PRIVATE, "sql/AzureBackup": "delivered public via afw-hub"}
    (missing,) = flow(resolution, "sql/AzureBackup").dns.unanswered
    assert (missing.zone, missing.declared, missing.basis) == (BACKUP_WE, None, "not-declared")


def test_each_flow_needs_its_own_zones():
    # The Backup zone answers for the spoke, the blob zone too, the queue zone does not: the
    # Azure Backup flow is private, the Storage flow (blob and queue) is not.
    links = {BACKUP_WE: ["vnet-spoke"], BLOB: ["vnet-spoke"], QUEUE: ["vnet-hub"]}
    resolution = resolve_scene(_scene(links))
    assert outcome(resolution) == {**PRIVATE, "sql/Storage": "delivered public via afw-hub"}
    assert [z.zone for z in flow(resolution, "sql/Storage").dns.unanswered] == [QUEUE]


def test_a_storage_account_endpoint_needs_the_blob_zone_only():
    design = base()
    third_party_agent(design, "agent")
    design["private_endpoints"] = [{"name": "pe-st", "subnet": "vnet-spoke/snet-endpoints",
                                    "target": "stcustomer"}]
    design["private_dns_zones"] = [{"name": BLOB, "vnet_links": ["vnet-spoke"]}]
    resolution = resolve_scene(design)
    assert outcome(resolution)["agent/Storage"] == "delivered private-endpoint via -"
    design["private_dns_zones"] = [{"name": BLOB, "vnet_links": ["vnet-hub"]}]
    assert outcome(resolve_scene(design))["agent/Storage"] == "delivered public via -"


# -- the vault's geo -----------------------------------------------------------------------------


def test_the_backup_zone_is_the_one_of_the_vault_s_region():
    # A vault in North Europe answers under the "ne" zone: a West Europe zone, even linked,
    # does not resolve its names.
    design = _scene(_all_zones("vnet-spoke"))
    design["vaults"][0]["region"] = "northeurope"
    resolution = resolve_scene(design)
    assert outcome(resolution)["sql/AzureBackup"] == "delivered public via afw-hub"
    (answer,) = flow(resolution, "sql/AzureBackup").dns.unanswered
    assert (answer.zone, answer.basis) == (BACKUP_NE, "not-declared")
    design["private_dns_zones"][0]["name"] = BACKUP_NE
    assert outcome(resolve_scene(design)) == PRIVATE


def test_zones_needed_per_flow_and_geo():
    regions = default_regions()
    assert zones_needed("vault", "AzureBackup", "westeurope", regions) == (BACKUP_WE,)
    assert zones_needed("vault", "AzureBackup", "eastus", regions) == (
        "privatelink.eus.backup.windowsazure.com",)
    assert zones_needed("vault", "Storage", "eastus", regions) == (BLOB, QUEUE)
    assert zones_needed("storage_account", "Storage", None, regions) == (BLOB,)
    assert zones_needed("vault", "AzureActiveDirectory", "westeurope", regions) == ()
    # A region the geo-code list does not name: the zone cannot be named.
    assert zones_needed("vault", "AzureBackup", "italynorth", regions) == (ANY_BACKUP_ZONE,)
    assert zones_needed("vault", "AzureBackup", None, regions) == (ANY_BACKUP_ZONE,)


@pytest.mark.parametrize(("region", "geo"), [
    ("westeurope", "we"), ("northeurope", "ne"), ("eastus", "eus"), ("eastus2", "eus2"),
    ("southeastasia", "sea"), ("uksouth", "uks"), ("swedencentral", "sdc"),
    ("germanywestcentral", "gwc"), ("australiaeast", "ae"), ("westus3", "wus3"),
])
def test_geo_codes_follow_the_learn_list(region, geo):
    # learn.microsoft.com/azure/backup/scripts/geo-code-list: the region's own code, not the
    # paired region's ("ner" is the code West Europe uses for North Europe's data).
    assert default_regions().backup_zone(region) == f"privatelink.{geo}.backup.windowsazure.com"


def test_an_unknown_geo_accepts_any_backup_zone_that_answers():
    design = _scene({"privatelink.xyz.backup.windowsazure.com": ["vnet-spoke"],
                     BLOB: ["vnet-spoke"], QUEUE: ["vnet-spoke"]})
    design["vaults"][0]["region"] = "italynorth"
    assert outcome(resolve_scene(design)) == PRIVATE


# -- custom DNS servers --------------------------------------------------------------------------


def test_custom_dns_in_a_linked_vnet_resolves_privately():
    # The spoke asks a forwarder in the hub (10.0.2.100), which forwards to Azure DNS from
    # the hub: the zones linked to the hub answer.
    design = _scene(_all_zones("vnet-hub"))
    design["vnets"][1]["dns_servers"] = ["10.0.2.100"]
    resolution = resolve_scene(design)
    assert outcome(resolution) == PRIVATE
    answer = flow(resolution, "sql/AzureBackup").dns.zones[0]
    assert (answer.basis, answer.dns_servers, answer.dns_vnets) == (
        "custom-dns", ("10.0.2.100",), ("vnet-hub",))


def test_the_firewall_as_dns_proxy_resolves_from_its_own_vnet():
    design = _scene(_all_zones("vnet-hub"))
    design["vnets"][1]["dns_servers"] = ["10.0.1.4"]
    assert outcome(resolve_scene(design)) == PRIVATE


def test_custom_dns_in_an_unlinked_vnet_resolves_publicly():
    design = _scene(_all_zones("vnet-hub"))
    design["vnets"][1]["dns_servers"] = ["10.1.2.100"]  # a forwarder in the spoke itself
    resolution = resolve_scene(design)
    assert outcome(resolution) == PUBLIC
    answer = flow(resolution, "sql/AzureBackup").dns.unanswered[0]
    assert (answer.basis, answer.dns_vnets) == ("not-linked", ("vnet-spoke",))


def test_custom_dns_outside_the_design_is_assumed_to_forward_to_a_linked_vnet():
    # An on-premises server: flowdocs cannot check it, and assumes (stated on the page) that
    # it forwards to Azure DNS in a linked VNet.
    design = _scene(_all_zones("vnet-hub"))
    design["vnets"][1]["dns_servers"] = ["192.168.10.53"]
    resolution = resolve_scene(design)
    assert outcome(resolution) == PRIVATE
    assert flow(resolution, "sql/AzureBackup").dns.zones[0].basis == "custom-dns-outside"


def test_every_custom_dns_server_must_answer_privately():
    # A client may ask either server: one of them resolves from the unlinked spoke.
    design = _scene(_all_zones("vnet-hub"))
    design["vnets"][1]["dns_servers"] = ["10.0.2.100", "10.1.2.100"]
    assert outcome(resolve_scene(design)) == PUBLIC


def test_custom_dns_does_not_apply_without_zones():
    # No zones declared: the assumption holds whatever the DNS servers.
    design = _scene(None)
    design["vnets"][1]["dns_servers"] = ["10.1.2.100"]
    assert outcome(resolve_scene(design)) == PRIVATE


# -- regions of flows ----------------------------------------------------------------------------


def test_a_flow_s_region_is_its_target_s_or_its_client_s():
    design = _scene(_all_zones("vnet-spoke"))
    design["vnets"][1]["region"] = "northeurope"
    design["vaults"][0]["region"] = "northeurope"
    design["private_dns_zones"][0]["name"] = BACKUP_NE
    resolution = resolve_scene(design)
    assert {f.service: f.region for f in resolution.flows} == {
        "AzureActiveDirectory": "northeurope",  # the client's VNet's region
        "AzureBackup": "northeurope",  # the vault's
        "Storage": "northeurope",
    }
    design["vaults"][0]["region"] = None  # falls back to the design's
    design["private_dns_zones"][0]["name"] = BACKUP_WE
    resolution = resolve_scene(design)
    assert [f.region for f in resolution.flows] == ["northeurope", "westeurope", "westeurope"]
