"""Findings (findings.py, finding_checks.py): each rule fires when the design breaks it and
stays silent when it does not. Assertions are on the whole list of findings of a scene."""

from __future__ import annotations

import inspect

from scenes import base, resolve_scene, route_table, subnet, third_party_agent, udr, via_firewall
from tests_support import DESIGNS, run_cli

from flowdocs.analyse import finding_checks, policy_denials
from flowdocs.analyse.findings import RULES, RULES_BY_ID, find
from flowdocs.analyse.resolved import resolve_designs
from flowdocs.write.decision_sections import findings_context
from flowdocs.write.templating import environment, render


def found(design: dict) -> list[tuple[str, str, tuple]]:
    """(id, subject, data path) of every finding, in the order `find` gives them."""
    return [(f.id, f.subject, f.path) for f in find(resolve_scene(design))]


def messages(design: dict) -> list[str]:
    return [str(f) for f in find(resolve_scene(design))]


def _vault_pe(design: dict, where: str = "vnet-spoke/snet-endpoints", zones: bool = True,
              links: tuple[str, ...] = ("vnet-spoke",)) -> None:
    design["private_endpoints"] = [{"name": "pe-rsv", "subnet": where, "target": "rsv"}]
    design["vaults"] = [{"name": "rsv", "public_network_access": "Disabled"}]
    if zones:
        design["private_dns_zones"] = [
            {"name": name, "vnet_links": list(links)}
            for name in ("privatelink.we.backup.windowsazure.com",
                         "privatelink.blob.core.windows.net",
                         "privatelink.queue.core.windows.net")]


def _nva(design: dict, licensed: float | None = None) -> None:
    """An NVA in the hub in place of Azure Firewall, and the spoke's default route to it."""
    design["vnets"][0]["subnets"].append({"name": "snet-nva", "prefix": "10.0.3.0/24"})
    nva = {"name": "nva", "type": "nva", "vendor": "Palo Alto VM-Series",
           "subnet": "vnet-hub/snet-nva", "private_ip": "10.0.3.4"}
    if licensed is not None:
        nva["licensed_throughput_mbps"] = licensed
    design["firewalls"] = [nva]
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"],
                udr("to-nva", "0.0.0.0/0", "VirtualAppliance", "10.0.3.4"))


def _volume(design: dict, daily_gb: float, window_hours: float | None = 8) -> None:
    backup = design["workloads"][0]["backup"]
    backup["daily_gb"] = daily_gb
    if window_hours is not None:
        backup["window_hours"] = window_hours


def test_rule_ids_are_stable_and_unique():
    assert [(r.id, r.slug, r.severity) for r in RULES] == [
        ("FD001", "flow-dropped", "error"),
        ("FD002", "flow-loop", "error"),
        ("FD003", "service-endpoint-policy-blocks-backup", "error"),
        ("FD004", "backup-tls-inspection", "error"),
        ("FD005", "service-endpoint-without-policy", "warning"),
        ("FD006", "vault-public-access-with-private-endpoint", "warning"),
        ("FD007", "private-endpoint-dns-zone", "warning"),
        ("FD008", "firewall-subnet-bgp-default-route", "warning"),
        ("FD009", "nva-under-licensed", "warning"),
        ("FD010", "public-cidr-route", "warning"),
        ("FD011", "nva-throughput-unknown", "info"),
        ("FD012", "entra-id-stays-public", "info"),
        ("FD013", "vault-refuses-public-flow", "error"),
        ("FD014", "flow-denied-by-policy", "error"),
    ]
    assert all(r.source for r in RULES)


def test_the_findings_reference_lists_every_rule_with_its_severity():
    reference = (DESIGNS.parent / "docs/decisions.md").read_text()
    for rule in RULES:
        assert f"\n| {rule.id} | {rule.severity} | " in reference, rule.id


def test_every_rule_has_its_own_check_and_every_check_a_rule():
    checks = {name: value for module in (finding_checks, policy_denials)
              for name, value in vars(module).items()
              if inspect.isfunction(value) and not name.startswith("_")
              and value.__module__ == module.__name__}
    # A check is named for its rule's slug: a rule wired to another rule's check shows here.
    assert [r.check.__name__ for r in RULES] == [r.slug.replace("-", "_") for r in RULES]
    # Each public function of the check modules is the check of exactly one rule.
    assert sorted(r.check.__name__ for r in RULES) == sorted(checks)
    assert all(checks[r.check.__name__] is r.check for r in RULES)


def test_a_clean_design_has_no_finding():
    design = base()
    via_firewall(design)
    assert found(design) == []


# -- FD001, FD002: flows that never arrive -----------------------------------------------------


def test_dropped_flows_are_one_error_per_workload_at_the_deciding_route():
    design = base()
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"],
                udr("blackhole", "0.0.0.0/0", "None"))
    assert messages(design) == [
        "FD001 error sql: sql: flows 1 AzureActiveDirectory, 1 AzureBackup, 2 Storage are "
        "dropped, the backup fails: 0.0.0.0/0 (User, rt-spoke/blackhole) -> None: next hop "
        "None drops the traffic"]
    assert found(design)[0][2] == ("route_tables", 0, "routes", 0, "address_prefix")


def test_one_dropped_flow_is_named_alone():
    design = base()
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"],
                udr("no-storage", "Storage", "None"))
    assert messages(design) == [
        "FD001 error sql: sql: flow 2 Storage is dropped, the backup fails: Storage (User, "
        "rt-spoke/no-storage) -> None: next hop None drops the traffic"]


def test_looping_flows_are_an_error():
    design = base()
    hub = design["vnets"][0]["subnets"]
    hub += [{"name": "snet-a", "prefix": "10.0.4.0/24"}, {"name": "snet-b", "prefix": "10.0.5.0/24"}]
    design["firewalls"] += [
        {"name": "nva-a", "type": "nva", "subnet": "vnet-hub/snet-a", "private_ip": "10.0.4.4"},
        {"name": "nva-b", "type": "nva", "subnet": "vnet-hub/snet-b", "private_ip": "10.0.5.4"}]
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"],
                udr("to-a", "0.0.0.0/0", "VirtualAppliance", "10.0.4.4"))
    route_table(design, "rt-a", ["vnet-hub/snet-a"],
                udr("to-b", "0.0.0.0/0", "VirtualAppliance", "10.0.5.4"))
    route_table(design, "rt-b", ["vnet-hub/snet-b"],
                udr("to-a", "0.0.0.0/0", "VirtualAppliance", "10.0.4.4"))
    assert found(design) == [
        ("FD002", "sql", ("route_tables", 2, "routes", 0, "address_prefix"))]


# -- FD003, FD005: service endpoints and their policies ------------------------------------------


def _storage_endpoint(design: dict, ref: str = "vnet-spoke/snet-sql",
                      policy: bool = False) -> None:
    subnet(design, ref)["service_endpoints"] = ["Microsoft.Storage"]
    if policy:
        design["service_endpoint_policies"] = [
            {"name": "sep-customer", "allowed_storage_accounts": ["stcustomer"]}]
        subnet(design, ref)["service_endpoint_policies"] = ["sep-customer"]


def test_service_endpoint_without_policy_on_a_backup_subnet_points_to_private_endpoints():
    design = base()
    via_firewall(design)
    _storage_endpoint(design)
    assert messages(design) == [
        "FD005 warning vnet-spoke/snet-sql: Microsoft.Storage on vnet-spoke/snet-sql has no "
        "service endpoint policy: the subnet reaches any storage account of any tenant, a "
        "data-exfiltration path; a policy would block Azure Backup here (FD003): a vault "
        "private endpoint closes it"]
    assert found(design)[0][2] == ("vnets", 1, "subnets", 0, "service_endpoints")


def test_service_endpoint_without_policy_elsewhere_suggests_a_policy():
    design = base()
    _storage_endpoint(design, "vnet-hub/snet-endpoints")
    assert [m.rsplit("; ", 1)[1] for m in messages(design)] == [
        "a service endpoint policy listing your storage accounts closes it"]


def test_other_service_endpoints_are_no_exfiltration_finding():
    design = base()
    subnet(design, "vnet-spoke/snet-sql")["service_endpoints"] = ["Microsoft.KeyVault"]
    assert found(design) == []


def test_service_endpoint_policy_on_a_backup_subnet_is_an_error():
    design = base()
    via_firewall(design)
    _storage_endpoint(design, policy=True)
    assert messages(design) == [
        "FD003 error vnet-spoke/snet-sql: service endpoint policy sep-customer on "
        "vnet-spoke/snet-sql blocks the Azure Backup streaming of sql: Azure Backup writes to "
        "Microsoft-managed storage accounts that no policy can list; remove the policy, or "
        "use a vault private endpoint"]
    assert found(design)[0][2] == ("vnets", 1, "subnets", 0, "service_endpoint_policies")


def test_service_endpoint_policy_is_silent_when_storage_goes_to_the_private_endpoint():
    design = base()
    via_firewall(design)
    _storage_endpoint(design, policy=True)
    _vault_pe(design)
    assert [f[0] for f in found(design)] == ["FD012"]


def test_service_endpoint_policy_is_right_for_a_third_party_agent():
    # A customer-owned account can be listed: the policy closes the exfiltration path.
    design = base()
    third_party_agent(design, "files")
    _storage_endpoint(design, policy=True)
    assert found(design) == []


# -- FD004: TLS inspection -----------------------------------------------------------------------


def test_tls_inspection_on_a_firewall_that_backup_crosses_is_an_error():
    design = base()
    via_firewall(design)
    design["firewalls"][0].update(sku="Premium", tls_inspection=True)
    assert messages(design) == [
        "FD004 error afw-hub: afw-hub inspects TLS, and Azure Backup flows cross it "
        "(sql/AzureActiveDirectory, sql/AzureBackup, sql/Storage): backup rules must not "
        "terminate TLS (terminateTLS: false)"]
    assert found(design)[0][2] == ("firewalls", 0, "tls_inspection")


def test_tls_inspection_is_silent_when_no_backup_flow_crosses():
    design = base()
    design["firewalls"][0].update(sku="Premium", tls_inspection=True)
    assert found(design) == []


# -- FD006, FD007, FD012: private endpoints ------------------------------------------------------


def test_vault_with_private_endpoint_and_public_access_enabled():
    design = base()
    _vault_pe(design)
    design["vaults"] = [{"name": "rsv", "public_network_access": "Enabled"}]
    entra = ("FD012", "sql", ("workloads", 0))
    assert found(design) == [("FD006", "rsv", ("vaults", 0, "public_network_access")), entra]
    design["vaults"] = [{"name": "rsv"}]  # Enabled by default: point at the vault
    assert found(design) == [("FD006", "rsv", ("vaults", 0)), entra]


def test_vault_public_access_is_silent_without_private_endpoint():
    design = base()
    design["vaults"] = [{"name": "rsv", "public_network_access": "Enabled"}]
    assert found(design) == []


def test_private_endpoint_without_its_dns_zones():
    design = base()
    _vault_pe(design, zones=False)
    # The Backup zone named is the vault's own geo's: rsv is in the design's region, West
    # Europe ("we"). A design without zones keeps the stated assumption: the flows are private.
    assert messages(design) == [
        "FD007 warning pe-rsv: private endpoint pe-rsv needs private DNS zones "
        "privatelink.we.backup.windowsazure.com, privatelink.blob.core.windows.net, "
        "privatelink.queue.core.windows.net, not in private_dns_zones: without them rsv's "
        "FQDNs resolve to its public endpoint; the design declares no private DNS zone, so "
        "flowdocs assumes your DNS resolves them to the endpoint",
        "FD012 info sql: sql: Microsoft Entra ID has no private endpoint; flow 1 "
        "sql/AzureActiveDirectory stays public"]
    assert found(design)[0][2] == ("private_endpoints", 0)


def test_dns_zone_not_answering_for_the_workload_vnet():
    design = base()
    _vault_pe(design, "vnet-hub/snet-endpoints", links=("vnet-hub",))
    # The spoke resolves the vault's names publicly: its flows skip the endpoint, so no flow
    # is private (no FD012), and the vault, which denies public access, refuses the Azure
    # Backup flow (FD013).
    assert found(design) == [
        *(("FD007", zone, ("private_dns_zones", index, "vnet_links"))
          for index, zone in enumerate(["privatelink.we.backup.windowsazure.com",
                                        "privatelink.blob.core.windows.net",
                                        "privatelink.queue.core.windows.net"])),
        ("FD013", "rsv", ("vaults", 0, "public_network_access"))]
    assert messages(design)[1] == (
        "FD007 warning privatelink.blob.core.windows.net: private DNS zone "
        "privatelink.blob.core.windows.net does not answer for vnet-spoke: flow 2 sql/Storage "
        "resolves the names of rsv to public addresses, skips pe-rsv and takes the public "
        "path; add vnet-spoke to vnet_links")
    assert messages(design)[3] == (
        "FD013 error rsv: vault rsv denies public network access, and flow 1 sql/AzureBackup "
        "reaches its public endpoint: its names resolve to the vault's public address (FD007); "
        "the vault refuses it and the backup fails")


def test_dns_zone_of_another_geo_does_not_answer_for_the_vault():
    design = base()
    _vault_pe(design, links=("vnet-spoke",))
    design["vaults"][0]["public_network_access"] = "Enabled"
    # The only Backup zone is North Europe's ("ne"); rsv is in West Europe, the design's region.
    design["private_dns_zones"][0]["name"] = "privatelink.ne.backup.windowsazure.com"
    assert messages(design)[1] == (
        "FD007 warning pe-rsv: private endpoint pe-rsv needs private DNS zone "
        "privatelink.we.backup.windowsazure.com, not in private_dns_zones: without it rsv's "
        "FQDNs resolve to its public endpoint; privatelink.ne.backup.windowsazure.com answers "
        "only for vaults of North Europe, and rsv is in West Europe; flow 1 sql/AzureBackup "
        "takes the public path")
    assert found(design)[1][2] == ("private_endpoints", 0)
    # The vault's own region decides, not the design's: in North Europe the zone is right.
    design["vaults"][0]["region"] = "northeurope"
    assert [f for f in found(design) if f[0] == "FD007"] == []


def test_a_vault_whose_region_has_no_known_geo_accepts_any_backup_zone():
    design = base()
    _vault_pe(design, links=("vnet-spoke",))
    design["vaults"][0]["region"] = "italynorth"  # not in the Learn geo-code list
    assert [f for f in found(design) if f[0] == "FD007"] == []


def test_custom_dns_resolving_from_an_unlinked_vnet_is_named():
    design = base()
    _vault_pe(design, links=("vnet-hub",))
    design["vaults"][0]["public_network_access"] = "Enabled"
    # A DNS forwarder in the spoke itself forwards to Azure DNS from the spoke: not linked.
    design["vnets"][1]["dns_servers"] = ["10.1.2.100"]
    blob = next(m for m in messages(design) if m.startswith("FD007 warning privatelink.blob"))
    assert blob.startswith(
        "FD007 warning privatelink.blob.core.windows.net: private DNS zone "
        "privatelink.blob.core.windows.net does not answer for vnet-spoke (its DNS servers "
        "10.1.2.100 resolve from vnet-spoke, not linked): flow 2 sql/Storage resolves")
    # The forwarder in the hub (linked) answers: no DNS finding.
    design["vnets"][1]["dns_servers"] = ["10.0.2.100"]
    assert [f for f in found(design) if f[0] in ("FD007", "FD013")] == []


def test_a_vault_denying_public_access_refuses_public_flows_without_an_endpoint():
    design = base()
    via_firewall(design)
    design["vaults"] = [{"name": "rsv", "public_network_access": "Disabled"}]
    assert messages(design) == [
        "FD013 error rsv: vault rsv denies public network access, and flow 1 sql/AzureBackup "
        "reaches its public endpoint: no private endpoint of the vault serves it; the vault "
        "refuses it and the backup fails"]
    # Through its private endpoint, the vault accepts it.
    _vault_pe(design)
    assert [f for f in found(design) if f[0] == "FD013"] == []


def test_storage_account_private_endpoint_needs_the_blob_zone_only():
    design = base()
    third_party_agent(design, "files")
    design["private_endpoints"] = [{"name": "pe-st", "subnet": "vnet-hub/snet-endpoints",
                                    "target": "stcustomer"}]
    entra = ("FD012", "files", ("workloads", 0))
    assert [m.split(": without")[0] for m in messages(design)[:1]] == [
        "FD007 warning pe-st: private endpoint pe-st needs private DNS zone "
        "privatelink.blob.core.windows.net, not in private_dns_zones"]
    assert found(design)[1:] == [entra]
    design["private_dns_zones"] = [{"name": "privatelink.blob.core.windows.net",
                                    "vnet_links": ["vnet-hub", "vnet-spoke"]}]
    assert found(design) == [entra]


def test_entra_id_stays_public_beside_a_vault_private_endpoint():
    design = base()
    via_firewall(design)
    _vault_pe(design)
    assert messages(design) == [
        "FD012 info sql: sql: Microsoft Entra ID has no private endpoint; flow 1 "
        "sql/AzureActiveDirectory stays public via afw-hub"]


# -- FD008: BGP default route on a firewall subnet -----------------------------------------------


def _forced_tunnelling(design: dict) -> None:
    design["vnets"][0]["subnets"].append({"name": "GatewaySubnet", "prefix": "10.0.0.0/27"})
    design["gateways"] = [{"name": "vgw", "type": "vpn", "vnet": "vnet-hub",
                           "advertises_default_route": True}]


def test_firewall_subnet_learning_a_bgp_default_route():
    design = base()
    _forced_tunnelling(design)
    assert messages(design) == [
        "FD008 warning vnet-hub/AzureFirewallSubnet: vnet-hub/AzureFirewallSubnet, the "
        "subnet of afw-hub, learns 0.0.0.0/0 over BGP from vgw: Azure Firewall needs direct "
        "Internet access: override it with a 0.0.0.0/0 route to Internet on its subnet, or "
        "use forced-tunnelling mode"]
    assert found(design)[0][2] == ("firewalls", 0, "subnet")


def test_bgp_default_route_overridden_on_the_firewall_subnet_is_silent():
    design = base()
    _forced_tunnelling(design)
    route_table(design, "rt-fw", ["vnet-hub/AzureFirewallSubnet"],
                udr("internet", "0.0.0.0/0", "Internet"))
    assert found(design) == []


# -- FD009, FD011: NVA sizing --------------------------------------------------------------------


def test_under_licensed_nva():
    # 200 GB in 8 hours: 200 × 8,000 Mb / 28,800 s = 55.6 Mbps, above a 50 Mbps licence.
    design = base()
    _nva(design, licensed=50)
    _volume(design, 200)
    assert messages(design) == [
        "FD009 warning nva: nva must carry 55.6 Mbps in the backup window (sql), above its "
        "licensed 50 Mbps"]
    assert found(design)[0][2] == ("firewalls", 0, "licensed_throughput_mbps")


def test_nva_within_its_licence_is_silent():
    design = base()
    _nva(design, licensed=60)
    _volume(design, 200)
    assert found(design) == []


def test_nva_without_a_stated_licence_is_info():
    design = base()
    _nva(design)
    _volume(design, 200, window_hours=None)  # 24 hours: 200 × 8,000 / 86,400 = 18.5 Mbps
    assert messages(design) == [
        "FD011 info nva: nva must carry 18.5 Mbps in the backup window (sql); state its "
        "licensed_throughput_mbps to check the licence"]


def test_nva_sizing_needs_a_volume():
    design = base()
    _nva(design, licensed=1)
    assert found(design) == []


# -- FD010: public CIDR routes -------------------------------------------------------------------


def test_public_cidr_route_warns_private_and_default_routes_do_not():
    # 20.38.0.0/16 goes to the Internet while 0.0.0.0/0 goes to the firewall: which of the two
    # carries a service's traffic depends on addresses flowdocs does not know.
    design = base()
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"],
                udr("default", "0.0.0.0/0", "VirtualAppliance", "10.0.1.4"),
                udr("onprem", "192.168.0.0/16", "VirtualAppliance", "10.0.1.4"),
                udr("public", "20.38.0.0/16", "Internet"))
    assert found(design) == [
        ("FD010", "rt-spoke/public", ("route_tables", 0, "routes", 2, "address_prefix"))]


# -- as diagnostics: validate and --strict -------------------------------------------------------


def test_a_finding_is_a_located_warning_with_its_id_and_severity():
    design = base()
    route_table(design, "rt-spoke", ["vnet-spoke/snet-sql"],
                udr("blackhole", "0.0.0.0/0", "None"))
    (finding,) = find(resolve_scene(design))
    diagnostic = finding.diagnostic()
    assert (diagnostic.severity, diagnostic.code, diagnostic.path) == (
        "warning", "FD001", ("route_tables", 0, "routes", 0, "address_prefix"))
    assert diagnostic.message.endswith(" [FD001 error]")
    assert RULES_BY_ID["FD001"] is finding.rule


def test_validate_prints_findings_and_strict_fails_on_them():
    design = DESIGNS / "g-misrouted-spokes.yaml"
    result = run_cli("validate", design)
    assert result.exit_code == 1  # a dropped and a looping flow fail without --strict
    lines = result.stderr.splitlines()
    assert [line.split(": warning: ")[0] for line in lines[:-1]] == [
        f"{design}:44:25", f"{design}:62:25"]
    assert lines[0].endswith("[FD001 error]") and lines[1].endswith("[FD002 error]")
    assert lines[-1] == ("1 design(s) valid, 7 flows, 2 warning(s), 2 of severity error: "
                         "the flows they name never arrive")
    assert run_cli("validate", "--strict", design).exit_code == 1


def test_validate_passes_warnings_without_strict():
    design = DESIGNS / "c-sql-storage-service-endpoint.yaml"  # FD005, a warning
    result = run_cli("validate", design)
    assert (result.exit_code, result.stderr.splitlines()[-1]) == (
        0, "1 design(s) valid, 3 flows, 1 warning(s)")
    assert run_cli("validate", "--strict", design).exit_code == 1


def test_strict_passes_a_design_without_warnings():
    result = run_cli("validate", "--strict", DESIGNS / "b-sql-hub-firewall.yaml")
    assert (result.exit_code, result.stderr) == (0, "1 design(s) valid, 3 flows, 0 warning(s)\n")


def test_the_findings_section_of_the_page(golden):
    (resolved,) = resolve_designs([DESIGNS / "g-misrouted-spokes.yaml"])
    context = findings_context(resolved.findings, "designs/g-misrouted-spokes.yaml")
    golden.check("pages/_findings-g.md", render(environment(), "_findings.md.j2", context))
    empty = findings_context([], "designs/b-sql-hub-firewall.yaml")
    assert render(environment(), "_findings.md.j2", empty) == (
        "## Findings\n\nNo findings: every flow arrives, and no rule of the findings reference "
        "is broken.\n\n")
