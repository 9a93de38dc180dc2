"""Security policy on resolved flows: NSGs and Azure Firewall policies (policy.py, evaluated as
azure-exports-and-policy.md 3.1 and 3.2 say Azure does).

Every test names the rule it pins and asserts the deciding rule's full name and verdict; each
case is built so that a wrong order or a wrong match would pick another rule or verdict.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from scenes import (
    add_nsg,
    app_rule,
    base,
    flow,
    resolve_scene,
    route_table,
    subnet,
    udr,
    via_firewall,
)
from tests_support import DESIGNS

from flowdocs.load.loader import load_design
from flowdocs.load.policy_model import FirewallPolicy, NetworkSecurityGroup
from flowdocs.resolve.flows import Flow, Resolution, resolve
from flowdocs.resolve.policy import Traffic, evaluate_nsg, policy_chain
from flowdocs.resolve.policy_checks import PolicyCheck
from flowdocs.resolve.policy_match import (
    AddressSpace,
    Destination,
    any_of,
    combine,
    match_destination,
    match_fqdn,
    match_ports,
    match_source,
)

SPOKE = "vnet-spoke/snet-sql"
FLOWS = ("sql/AzureActiveDirectory", "sql/AzureBackup", "sql/Storage")
ALLOW_INTERNET = ("allowed", "nsg-sql/AllowInternetOutBound")
ALLOW_VNET = ("allowed", "nsg-sql/AllowVnetOutBound")
# A design as the scenes build it: plain data, validated by resolve_scene.
Scene = dict[str, Any]

# -- design builders ---------------------------------------------------------------------------


def nsg_rule(name: str, priority: int, access: str, direction: str = "Outbound", *,
             src: tuple[str, ...] = ("*",), dst: tuple[str, ...] = ("*",),
             ports: tuple[str, ...] = ("*",), protocol: str = "*") -> dict[str, Any]:
    return {"name": name, "priority": priority, "direction": direction, "access": access,
            "protocol": protocol, "source_address_prefixes": list(src),
            "destination_address_prefixes": list(dst), "destination_port_ranges": list(ports)}





def net_rule(name: str, dst: tuple[str, ...], *, src: tuple[str, ...] = ("10.1.1.0/24",),
             ports: tuple[str, ...] = ("443",), protocols: tuple[str, ...] = ("TCP",)
             ) -> dict[str, Any]:
    return {"name": name, "ip_protocols": list(protocols), "source_addresses": list(src),
            "destination_addresses": list(dst), "destination_ports": list(ports)}





def collection(name: str, priority: int, action: str, kind: str, *rules: dict[str, Any]
               ) -> dict[str, Any]:
    return {"name": name, "priority": priority, "action": action, "kind": kind,
            "rules": list(rules)}


def group(name: str, priority: int, *collections: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "priority": priority, "rule_collections": list(collections)}


def add_policy(design: Scene, name: str, *groups: dict[str, Any], base_policy: str | None = None,
               firewall: str | None = "afw-hub") -> None:
    """A firewall policy; given to `firewall` unless None (a base policy)."""
    policy: dict[str, Any] = {"name": name, "rule_collection_groups": list(groups)}
    if base_policy is not None:
        policy["base_policy"] = base_policy
    design.setdefault("firewall_policies", []).append(policy)
    if firewall is not None:
        next(f for f in design["firewalls"] if f["name"] == firewall)["policy"] = name


def firewalled(*groups: dict[str, Any]) -> Scene:
    """The base scene, its spoke routed through afw-hub, whose policy fwp-hub has `groups`."""
    design = base()
    via_firewall(design)
    add_policy(design, "fwp-hub", *groups)
    return design


def vault_pe(design: Scene, where: str, policies: str | None = None) -> None:
    design["private_endpoints"] = [{"name": "pe-rsv", "subnet": where, "target": "rsv"}]
    if policies is not None:
        subnet(design, where)["private_endpoint_network_policies"] = policies


# -- reading the checks ------------------------------------------------------------------------


def decided(check: PolicyCheck) -> tuple[str, str | None]:
    return check.verdict, check.rule


def only(f: Flow, kind: str) -> PolicyCheck:
    """The flow's one check of `kind`."""
    found = [c for c in f.policy if c.kind == kind]
    assert len(found) == 1, f.policy
    return found[0]


def nsg_out(resolution: Resolution) -> dict[str, tuple[str, str | None]]:
    """flow id -> (verdict, rule) of its outbound NSG check on the workload's subnet."""
    return {f.id: decided(only(f, "nsg-outbound")) for f in resolution.flows}


def at_firewall(resolution: Resolution) -> dict[str, tuple[str, str | None]]:
    """flow id -> (verdict, rule) of its firewall check, for flows through a firewall."""
    return {f.id: decided(only(f, "firewall")) for f in resolution.flows if f.firewalls}


def outbound_decision(*rules: dict[str, Any], design: Scene | None = None
                      ) -> dict[str, tuple[str, str | None]]:
    """The outbound NSG decisions when nsg-sql holds `rules` (the base scene: public paths)."""
    design = design or base()
    add_nsg(design, "nsg-sql", SPOKE, *rules)
    return nsg_out(resolve_scene(design))


# == 1. NSG priority ===========================================================================


def test_nsg_lower_priority_number_decides_not_file_order() -> None:
    # File order is the reverse of priority order in both cases.
    denied = outbound_decision(nsg_rule("allow-storage", 200, "Allow", dst=("Storage",)),
                               nsg_rule("deny-storage", 100, "Deny", dst=("Storage",)))
    assert denied["sql/Storage"] == ("denied", "nsg-sql/deny-storage")
    allowed = outbound_decision(nsg_rule("deny-storage", 200, "Deny", dst=("Storage",)),
                                nsg_rule("allow-storage", 100, "Allow", dst=("Storage",)))
    assert allowed["sql/Storage"] == ("allowed", "nsg-sql/allow-storage")


def test_nsg_denial_sets_status_denied_with_the_full_check() -> None:
    design = base()
    add_nsg(design, "nsg-sql", SPOKE, nsg_rule("allow-storage", 300, "Allow", dst=("Storage",)),
            nsg_rule("deny-storage", 150, "Deny", dst=("Storage",), ports=("443",)))
    storage = flow(resolve_scene(design), "sql/Storage")
    assert storage.policy == (PolicyCheck(
        SPOKE, "nsg-outbound", "nsg-sql", "denied", "nsg-sql/deny-storage",
        "NSG rule nsg-sql/deny-storage denies TCP 443 from 10.1.1.0/24 to Storage.WestEurope"),)
    assert (storage.status, storage.access) == ("denied", "public")


# == 2. NSG default rules ======================================================================


def test_default_allow_internet_outbound_without_a_default_route() -> None:
    # No own rule, no 0.0.0.0/0 route: VirtualNetwork holds no public address, so
    # AllowVnetOutBound (65000) does not match and AllowInternetOutBound (65001) decides.
    assert outbound_decision() == dict.fromkeys(FLOWS, ALLOW_INTERNET)


def test_own_inbound_rules_leave_the_outbound_defaults() -> None:
    decisions = outbound_decision(nsg_rule("deny-all-in", 100, "Deny", "Inbound"))
    assert decisions == dict.fromkeys(FLOWS, ALLOW_INTERNET)


def test_default_route_puts_every_address_in_virtual_network() -> None:
    # A 0.0.0.0/0 user-defined route: the VirtualNetwork tag holds every address, so
    # AllowVnetOutBound (65000) decides before AllowInternetOutBound (65001).
    design = base()
    via_firewall(design)
    assert outbound_decision(design=design) == dict.fromkeys(FLOWS, ALLOW_VNET)


def test_narrower_public_route_makes_virtual_network_a_maybe_of_the_same_access() -> None:
    # A public /8 route: VirtualNetwork may hold the service; both defaults allow, so the
    # doubt changes nothing and AllowInternetOutBound decides.
    design = base()
    route_table(design, "rt-spoke", [SPOKE], udr("some-public", "20.0.0.0/8", "Internet"))
    assert outbound_decision(design=design) == dict.fromkeys(FLOWS, ALLOW_INTERNET)


def test_own_deny_internet_denies_public_flows_not_private_endpoint_flows() -> None:
    design = base()
    via_firewall(design)
    vault_pe(design, "vnet-spoke/snet-endpoints")
    decisions = outbound_decision(
        nsg_rule("deny-internet", 4000, "Deny", dst=("Internet",)), design=design)
    assert decisions == {
        # Public: Internet holds it, and 4000 comes before AllowVnetOutBound (65000).
        "sql/AzureActiveDirectory": ("denied", "nsg-sql/deny-internet"),
        # The private endpoint's IP is in VirtualNetwork, never in Internet.
        "sql/AzureBackup": ALLOW_VNET,
        "sql/Storage": ALLOW_VNET,
    }


def test_default_deny_all_outbound_for_a_private_address_outside_virtual_network() -> None:
    # No flow of a design reaches a private address outside the tag (every route to one is a
    # peering's or a user-defined route's, both in the tag), so the rule is pinned directly.
    nsg = NetworkSecurityGroup(name="nsg", rules=[])
    traffic = Traffic(ipaddress.ip_network("10.1.1.0/24"),
                      Destination(address=ipaddress.ip_address("192.168.5.4")), 443, (), None)
    space = AddressSpace((ipaddress.ip_network("10.1.0.0/16"),))
    decision = evaluate_nsg(nsg, "Outbound", traffic, space)
    assert (decision.verdict, decision.rule) == ("denied", "nsg/DenyAllOutBound")
    inside = Traffic(traffic.source, Destination(address=ipaddress.ip_address("10.1.2.4")), 443,
                     (), None)
    decision = evaluate_nsg(nsg, "Outbound", inside, space)
    assert (decision.verdict, decision.rule) == ("allowed", "nsg/AllowVnetOutBound")


def _hub_pe_via_firewall(*pe_rules: dict[str, Any], policies: str = "Enabled") -> Scene:
    """The vault's endpoint in the hub, reached through afw-hub (a /16 route that the
    endpoint subnet's network policies let take over), with nsg-pe on its subnet."""
    design = base()
    vault_pe(design, "vnet-hub/snet-endpoints", policies)
    route_table(design, "rt-spoke", [SPOKE], udr("to-fw", "0.0.0.0/0", "VirtualAppliance",
                                                  "10.0.1.4"),
                udr("hub-via-fw", "10.0.0.0/16", "VirtualAppliance", "10.0.1.4"))
    add_nsg(design, "nsg-pe", "vnet-hub/snet-endpoints", *pe_rules)
    return design


def test_private_endpoint_nsg_default_allow_vnet_inbound() -> None:
    design = base()
    vault_pe(design, "vnet-hub/snet-endpoints", "Enabled")
    add_nsg(design, "nsg-pe", "vnet-hub/snet-endpoints")
    backup = flow(resolve_scene(design), "sql/AzureBackup")
    assert (backup.access, backup.firewalls) == ("private-endpoint", ())
    # The spoke is peered with the hub: in the hub's VirtualNetwork tag.
    assert backup.policy == (PolicyCheck(
        "vnet-hub/snet-endpoints", "nsg-inbound", "nsg-pe", "allowed", "nsg-pe/AllowVnetInBound",
        "default NSG rule nsg-pe/AllowVnetInBound allows TCP 443 from 10.1.1.0/24 to 10.0.2.4"),)


@pytest.mark.parametrize("policies", ["Enabled", "NetworkSecurityGroupEnabled"])
def test_private_endpoint_nsg_own_inbound_deny(policies: str) -> None:
    design = base()
    vault_pe(design, "vnet-hub/snet-endpoints", policies)
    add_nsg(design, "nsg-pe", "vnet-hub/snet-endpoints",
            nsg_rule("allow-other", 300, "Allow", "Inbound", src=("VirtualNetwork",)),
            nsg_rule("deny-vnet", 200, "Deny", "Inbound", src=("VirtualNetwork",)),
            # An outbound rule never decides an inbound check.
            nsg_rule("allow-out", 100, "Allow", "Outbound"))
    resolution = resolve_scene(design)
    for flow_id in ("sql/AzureBackup", "sql/Storage"):
        pe_flow = flow(resolution, flow_id)
        assert [(c.at, c.kind, *decided(c)) for c in pe_flow.policy] == [
            ("vnet-hub/snet-endpoints", "nsg-inbound", "denied", "nsg-pe/deny-vnet")]
        assert pe_flow.status == "denied"
    # Entra ID goes public: the endpoint's subnet is not on its path.
    assert flow(resolution, "sql/AzureActiveDirectory").policy == ()


@pytest.mark.parametrize("policies", [None, "Disabled", "RouteTableEnabled"])
def test_private_endpoint_nsg_not_evaluated_without_nsg_network_policies(
        policies: str | None) -> None:
    # Disabled is the default: the endpoint subnet's NSG does not apply to the endpoint.
    design = base()
    vault_pe(design, "vnet-hub/snet-endpoints", policies)
    add_nsg(design, "nsg-pe", "vnet-hub/snet-endpoints",
            nsg_rule("deny-all", 100, "Deny", "Inbound"))
    resolution = resolve_scene(design)
    for flow_id in ("sql/AzureBackup", "sql/Storage"):
        assert flow(resolution, flow_id).policy == ()
        assert flow(resolution, flow_id).status == "delivered"


def _spoke_to_spoke(*groups: dict[str, Any]) -> Scene:
    """The vault's endpoint in a second spoke, peered with the hub only: the first spoke
    reaches it through afw-hub; nsg-pe (no own rule) on the endpoint's subnet."""
    design = base()
    design["vnets"].append({"name": "vnet-spoke2", "address_space": ["10.2.0.0/16"],
                            "subnets": [{"name": "snet-endpoints", "prefix": "10.2.2.0/24"}]})
    design["peerings"].append({"vnets": ["vnet-spoke2", "vnet-hub"]})
    vault_pe(design, "vnet-spoke2/snet-endpoints", "Enabled")
    route_table(design, "rt-spoke", [SPOKE],
                udr("spoke2-via-fw", "10.2.0.0/16", "VirtualAppliance", "10.0.1.4"))
    add_nsg(design, "nsg-pe", "vnet-spoke2/snet-endpoints")
    add_policy(design, "fwp-hub", *groups)
    return design


def test_default_deny_all_inbound_for_a_source_outside_virtual_network() -> None:
    # The first spoke is not peered with the second: its addresses are not in the second's
    # VirtualNetwork tag, so AllowVnetInBound does not match and DenyAllInBound decides.
    design = _spoke_to_spoke(group("g", 100, collection(
        "net", 100, "Allow", "network", net_rule("to-spoke2", ("10.2.2.0/24",)))))
    backup = flow(resolve_scene(design), "sql/AzureBackup")
    assert (backup.access, backup.firewalls) == ("private-endpoint", ("afw-hub",))
    assert [(c.at, c.kind, *decided(c)) for c in backup.policy] == [
        ("afw-hub", "firewall", "allowed", "fwp-hub/g/net/to-spoke2"),
        ("vnet-spoke2/snet-endpoints", "nsg-inbound", "denied", "nsg-pe/DenyAllInBound"),
    ]
    assert backup.status == "denied"


def test_application_rule_source_translation_reaches_virtual_network_inbound() -> None:
    # Allowed by an application rule, the flow leaves afw-hub from the firewall's subnet,
    # which is in the peered hub: AllowVnetInBound.
    design = _spoke_to_spoke(group("g", 100, collection(
        "app", 100, "Allow", "application", app_rule("backup", tags=("AzureBackup",)))))
    backup = flow(resolve_scene(design), "sql/AzureBackup")
    assert [(c.at, c.kind, *decided(c)) for c in backup.policy] == [
        ("afw-hub", "firewall", "allowed", "fwp-hub/g/app/backup"),
        ("vnet-spoke2/snet-endpoints", "nsg-inbound", "allowed", "nsg-pe/AllowVnetInBound"),
    ]
    assert backup.policy[1].reason == (
        "default NSG rule nsg-pe/AllowVnetInBound allows TCP 443 from 10.0.1.0/26 to 10.2.2.4")
    assert backup.status == "delivered"


# == 3. Direction ==============================================================================


def test_inbound_rule_never_decides_an_outbound_check() -> None:
    decisions = outbound_decision(
        nsg_rule("deny-all-in", 100, "Deny", "Inbound"),
        nsg_rule("deny-storage-in", 110, "Deny", "Inbound", dst=("Storage",)),
        nsg_rule("allow-storage", 200, "Allow", dst=("Storage",)),
        nsg_rule("deny-all-out", 300, "Deny"))
    assert decisions == {
        "sql/AzureActiveDirectory": ("denied", "nsg-sql/deny-all-out"),
        "sql/AzureBackup": ("denied", "nsg-sql/deny-all-out"),
        "sql/Storage": ("allowed", "nsg-sql/allow-storage"),
    }


# == 4. Service tags ===========================================================================


@pytest.mark.parametrize(("tag", "vault_region", "vnet_region", "matched"), [
    ("Storage", None, None, {"sql/Storage"}),
    ("Storage", "northeurope", None, {"sql/Storage"}),
    ("Storage.WestEurope", None, None, {"sql/Storage"}),
    ("Storage.WestEurope", "northeurope", None, set()),
    ("Storage.NorthEurope", "northeurope", None, {"sql/Storage"}),
    ("Storage.NorthEurope", None, None, set()),
    # Azure Backup is the vault's too; Entra ID is taken in the client VNet's region.
    ("AzureBackup.NorthEurope", "northeurope", None, {"sql/AzureBackup"}),
    ("AzureActiveDirectory.WestEurope", None, "northeurope", set()),
    ("AzureActiveDirectory.NorthEurope", None, "northeurope", {"sql/AzureActiveDirectory"}),
    ("AzureCloud", None, None, set(FLOWS)),
    ("AzureCloud.WestEurope", "northeurope", None, {"sql/AzureActiveDirectory"}),
    ("AzureBackup", None, None, {"sql/AzureBackup"}),
    ("AzureActiveDirectory", None, None, {"sql/AzureActiveDirectory"}),
    ("AzureMonitor", None, None, set()),
    ("Internet", None, None, set(FLOWS)),
    ("VirtualNetwork", None, None, set()),
    ("10.0.0.0/8", None, None, set()),
    ("192.168.0.0/16", None, None, set()),
    ("0.0.0.0/0", None, None, set(FLOWS)),
    ("*", None, None, set(FLOWS)),
])
def test_destination_service_tags(tag: str, vault_region: str | None, vnet_region: str | None,
                                  matched: set[str]) -> None:
    design = base()
    if vault_region:
        design["vaults"][0]["region"] = vault_region
    if vnet_region:
        design["vnets"][1]["region"] = vnet_region
    decisions = outbound_decision(nsg_rule("deny-tag", 100, "Deny", dst=(tag,)), design=design)
    assert decisions == {f: ("denied", "nsg-sql/deny-tag") if f in matched else ALLOW_INTERNET
                         for f in FLOWS}


def test_regional_tag_names_the_region_in_the_reason() -> None:
    design = base()
    design["vaults"][0]["region"] = "northeurope"
    add_nsg(design, "nsg-sql", SPOKE, nsg_rule("deny-storage", 100, "Deny", dst=("Storage",)))
    assert only(flow(resolve_scene(design), "sql/Storage"), "nsg-outbound").reason == (
        "NSG rule nsg-sql/deny-storage denies TCP 443 from 10.1.1.0/24 to Storage.NorthEurope")


def test_regional_tag_without_a_known_region_is_unknown() -> None:
    # Without a region, which region's Storage the flow reaches cannot be told.
    design = base()
    del design["region"]
    decisions = outbound_decision(nsg_rule("deny-we", 100, "Deny", dst=("Storage.WestEurope",)),
                                  design=design)
    assert decisions["sql/Storage"] == ("unknown", "nsg-sql/AllowInternetOutBound")
    assert decisions["sql/AzureBackup"] == ALLOW_INTERNET


def test_public_cidr_may_hold_a_service() -> None:
    # A public prefix may or may not hold the service's addresses of the day: a Deny on it,
    # before an Allow, makes the verdict unknown.
    design = base()
    add_nsg(design, "nsg-sql", SPOKE, nsg_rule("deny-20", 100, "Deny", dst=("20.0.0.0/8",)))
    check = only(flow(resolve_scene(design), "sql/Storage"), "nsg-outbound")
    assert decided(check) == ("unknown", "nsg-sql/AllowInternetOutBound")
    assert check.reason == (
        "NSG rule nsg-sql/deny-20 may match TCP 443 from 10.1.1.0/24 to Storage.WestEurope first "
        "and deny it; else default NSG rule nsg-sql/AllowInternetOutBound allows it")


def test_service_tags_never_hold_a_private_endpoint() -> None:
    design = base()
    vault_pe(design, "vnet-spoke/snet-endpoints")
    decisions = outbound_decision(
        nsg_rule("deny-internet", 100, "Deny", dst=("Internet",)),
        nsg_rule("deny-storage", 110, "Deny", dst=("Storage",)),
        nsg_rule("deny-cloud", 120, "Deny", dst=("AzureCloud",)),
        nsg_rule("deny-pe-subnet", 130, "Deny", dst=("10.1.2.0/24",), ports=("443",)),
        design=design)
    assert decisions == {
        "sql/AzureActiveDirectory": ("denied", "nsg-sql/deny-internet"),
        "sql/AzureBackup": ("denied", "nsg-sql/deny-pe-subnet"),
        "sql/Storage": ("denied", "nsg-sql/deny-pe-subnet"),
    }


def test_virtual_network_destination_holds_a_private_endpoint() -> None:
    design = base()
    vault_pe(design, "vnet-spoke/snet-endpoints")
    decisions = outbound_decision(nsg_rule("deny-vnet", 100, "Deny", dst=("VirtualNetwork",)),
                                  design=design)
    assert decisions == {"sql/AzureActiveDirectory": ALLOW_INTERNET,
                         "sql/AzureBackup": ("denied", "nsg-sql/deny-vnet"),
                         "sql/Storage": ("denied", "nsg-sql/deny-vnet")}


# == 5. Source matching ========================================================================


@pytest.mark.parametrize(("source", "expected"), [
    ("10.1.0.0/16", ("denied", "nsg-sql/deny-storage")),  # holds the whole subnet
    ("10.1.1.0/24", ("denied", "nsg-sql/deny-storage")),
    ("VirtualNetwork", ("denied", "nsg-sql/deny-storage")),
    ("*", ("denied", "nsg-sql/deny-storage")),
    ("10.1.1.0/25", ("unknown", "nsg-sql/AllowInternetOutBound")),  # part of it
    ("10.1.1.4", ("unknown", "nsg-sql/AllowInternetOutBound")),  # the VM, written as an IP
    ("10.2.0.0/16", ALLOW_INTERNET),  # disjoint
    ("Internet", ALLOW_INTERNET),  # a source is a private address of a VNet
    ("Storage", ALLOW_INTERNET),
])
def test_source_matching(source: str, expected: tuple[str, str]) -> None:
    decisions = outbound_decision(
        nsg_rule("deny-storage", 100, "Deny", src=(source,), dst=("Storage",)))
    assert decisions["sql/Storage"] == expected
    assert decisions["sql/AzureBackup"] == ALLOW_INTERNET


def test_partial_source_names_the_rule_that_may_match() -> None:
    design = base()
    add_nsg(design, "nsg-sql", SPOKE,
            nsg_rule("deny-half", 100, "Deny", src=("10.1.1.0/25",), dst=("Storage",)))
    storage = flow(resolve_scene(design), "sql/Storage")
    assert only(storage, "nsg-outbound").reason == (
        "NSG rule nsg-sql/deny-half may match TCP 443 from 10.1.1.0/24 to Storage.WestEurope "
        "first and deny it; else default NSG rule nsg-sql/AllowInternetOutBound allows it")
    # Unknown is not a denial: the flow's status stays delivered.
    assert storage.status == "delivered"


def test_partial_source_of_the_same_access_does_not_make_it_unknown() -> None:
    decisions = outbound_decision(
        nsg_rule("allow-half", 100, "Allow", src=("10.1.1.0/25",), dst=("Storage",)),
        nsg_rule("allow-storage", 200, "Allow", dst=("Storage",)),
        nsg_rule("deny-all", 300, "Deny"))
    assert decisions["sql/Storage"] == ("allowed", "nsg-sql/allow-storage")
    # Against a later Deny, the partial Allow makes it unknown.
    decisions = outbound_decision(
        nsg_rule("allow-half", 100, "Allow", src=("10.1.1.0/25",), dst=("Storage",)),
        nsg_rule("deny-all", 300, "Deny"))
    assert decisions["sql/Storage"] == ("unknown", "nsg-sql/deny-all")


# == 6. Ports and protocols ====================================================================


@pytest.mark.parametrize(("ports", "protocol", "matches"), [
    (("443",), "*", True),
    (("400-500",), "*", True),
    (("443-443",), "*", True),
    (("*",), "*", True),
    (("80", "443"), "*", True),
    (("80", "8443"), "*", False),
    (("444-500",), "*", False),
    (("1-442",), "*", False),
    (("443",), "Tcp", True),
    (("443",), "Udp", False),
    (("443",), "Icmp", False),
])
def test_nsg_ports_and_protocols(ports: tuple[str, ...], protocol: str, matches: bool) -> None:
    decisions = outbound_decision(
        nsg_rule("deny-storage", 100, "Deny", dst=("Storage",), ports=ports, protocol=protocol))
    assert decisions["sql/Storage"] == (
        ("denied", "nsg-sql/deny-storage") if matches else ALLOW_INTERNET)


@pytest.mark.parametrize(("protocols", "ports", "matches"), [
    (("TCP",), ("443",), True),
    (("Any",), ("443",), True),
    (("UDP", "TCP"), ("443",), True),
    (("UDP",), ("443",), False),
    (("ICMP",), ("*",), False),
    (("TCP",), ("400-500",), True),
    (("TCP",), ("*",), True),
    (("TCP",), ("80", "8080-8443"), False),
])
def test_firewall_network_rule_ports_and_protocols(protocols: tuple[str, ...],
                                                   ports: tuple[str, ...], matches: bool) -> None:
    design = firewalled(group("g", 100, collection(
        "net", 100, "Allow", "network",
        net_rule("backup", ("AzureBackup",), ports=ports, protocols=protocols))))
    assert at_firewall(resolve_scene(design))["sql/AzureBackup"] == (
        ("allowed", "fwp-hub/g/net/backup") if matches else ("denied", None))


# == 7. Azure Firewall order ===================================================================


def test_network_rules_before_application_rules_whatever_the_group_priority() -> None:
    design = firewalled(
        group("g-app", 100, collection(
            "app-allow", 100, "Allow", "application", app_rule("backup", tags=("AzureBackup",)))),
        group("g-net", 65000, collection(
            "net-deny", 65000, "Deny", "network", net_rule("backup", ("AzureBackup",)))))
    backup = flow(resolve_scene(design), "sql/AzureBackup")
    assert decided(only(backup, "firewall")) == ("denied", "fwp-hub/g-net/net-deny/backup")
    assert backup.status == "denied"


def test_network_allow_preempts_an_application_deny() -> None:
    # The documented example: a broad network Allow in a late group beats an application
    # Deny in an early one.
    design = firewalled(
        group("g-app", 100, collection(
            "app-deny", 100, "Deny", "application", app_rule("backup", tags=("AzureBackup",)))),
        group("g-net", 65000, collection(
            "net-allow", 65000, "Allow", "network", net_rule("web", ("*",)))))
    assert at_firewall(resolve_scene(design)) == dict.fromkeys(
        FLOWS, ("allowed", "fwp-hub/g-net/net-allow/web"))


def test_group_priority_then_collection_priority() -> None:
    allow = ("AzureBackup",)
    design = firewalled(
        # Listed first, but its group comes second; its collection has the lowest priority
        # number of all.
        group("g-second", 300,
              collection("c-allow", 100, "Allow", "network", net_rule("backup", allow))),
        group("g-first", 200,
              # Listed first in its group, but after c-early by priority.
              collection("c-late", 400, "Allow", "network", net_rule("backup", allow)),
              collection("c-early", 300, "Deny", "network", net_rule("backup", allow))))
    assert at_firewall(resolve_scene(design))["sql/AzureBackup"] == (
        "denied", "fwp-hub/g-first/c-early/backup")


def test_rules_inside_a_collection_in_file_order() -> None:
    design = firewalled(group("g", 100, collection(
        "net", 100, "Allow", "network",
        net_rule("z-not-storage", ("AzureActiveDirectory",)),
        net_rule("y-first", ("AzureCloud",)),
        net_rule("a-second", ("AzureBackup", "Storage")))))
    assert at_firewall(resolve_scene(design)) == {
        "sql/AzureActiveDirectory": ("allowed", "fwp-hub/g/net/z-not-storage"),
        "sql/AzureBackup": ("allowed", "fwp-hub/g/net/y-first"),
        "sql/Storage": ("allowed", "fwp-hub/g/net/y-first"),
    }


def test_firewall_default_deny() -> None:
    design = firewalled(group("g", 100, collection(
        "net", 100, "Allow", "network", net_rule("entra", ("AzureActiveDirectory",)))))
    resolution = resolve_scene(design)
    assert at_firewall(resolution) == {"sql/AzureActiveDirectory": ("allowed", "fwp-hub/g/net/entra"),
                                       "sql/AzureBackup": ("denied", None),
                                       "sql/Storage": ("denied", None)}
    check = only(flow(resolution, "sql/AzureBackup"), "firewall")
    assert check == PolicyCheck(
        "afw-hub", "firewall", "fwp-hub", "denied", None,
        "no rule of fwp-hub allows TCP 443 from 10.1.1.0/24 to AzureBackup.WestEurope: "
        "default deny")


def test_empty_policy_denies_everything() -> None:
    assert at_firewall(resolve_scene(firewalled())) == dict.fromkeys(FLOWS, ("denied", None))


def _parent_and_child(parent: dict[str, Any], child: dict[str, Any]) -> Scene:
    design = base()
    via_firewall(design)
    # The child is listed first: file order must not decide.
    add_policy(design, "fwp-child", child, base_policy="fwp-parent")
    add_policy(design, "fwp-parent", parent, firewall=None)
    return design


def test_base_policy_network_rules_before_the_child_s() -> None:
    backup = ("AzureBackup",)
    design = _parent_and_child(
        parent=group("g-parent", 65000, collection(
            "c-allow", 65000, "Allow", "network", net_rule("backup", backup))),
        child=group("g-child", 100, collection(
            "c-deny", 100, "Deny", "network", net_rule("backup", backup))))
    assert at_firewall(resolve_scene(design))["sql/AzureBackup"] == (
        "allowed", "fwp-parent/g-parent/c-allow/backup")
    design = _parent_and_child(
        parent=group("g-parent", 65000, collection(
            "c-deny", 65000, "Deny", "network", net_rule("backup", backup))),
        child=group("g-child", 100, collection(
            "c-allow", 100, "Allow", "network", net_rule("backup", backup))))
    assert at_firewall(resolve_scene(design))["sql/AzureBackup"] == (
        "denied", "fwp-parent/g-parent/c-deny/backup")


def test_child_network_rules_before_the_base_policy_application_rules() -> None:
    design = _parent_and_child(
        parent=group("g-parent", 100, collection(
            "app-deny", 100, "Deny", "application", app_rule("backup", tags=("AzureBackup",)))),
        child=group("g-child", 65000, collection(
            "net-allow", 65000, "Allow", "network", net_rule("backup", ("AzureBackup",)))))
    assert at_firewall(resolve_scene(design))["sql/AzureBackup"] == (
        "allowed", "fwp-child/g-child/net-allow/backup")


def test_base_policy_application_rules_before_the_child_s() -> None:
    tags = ("AzureBackup",)
    design = _parent_and_child(
        parent=group("g-parent", 65000, collection(
            "app-deny", 65000, "Deny", "application", app_rule("backup", tags=tags))),
        child=group("g-child", 100, collection(
            "app-allow", 100, "Allow", "application", app_rule("backup", tags=tags))))
    assert at_firewall(resolve_scene(design))["sql/AzureBackup"] == (
        "denied", "fwp-parent/g-parent/app-deny/backup")


def test_default_deny_names_the_base_policy() -> None:
    design = _parent_and_child(parent=group("g-parent", 100), child=group("g-child", 100))
    check = only(flow(resolve_scene(design), "sql/Storage"), "firewall")
    assert (check.policy, check.verdict, check.rule) == ("fwp-child", "denied", None)
    assert check.reason == (
        "no rule of fwp-child (with its base policy fwp-parent) allows TCP 443 from 10.1.1.0/24 "
        "to Storage.WestEurope: default deny")


def test_policy_chain_puts_the_root_first() -> None:
    policies = {p.name: p for p in (
        FirewallPolicy(name="child", base_policy="parent"),
        FirewallPolicy(name="root"),
        FirewallPolicy(name="parent", base_policy="root"),
    )}
    assert [p.name for p in policy_chain(policies["child"], policies)] == [
        "root", "parent", "child"]
    # A loop (reported by validation) stops the chain instead of looping.
    looped = {"a": FirewallPolicy(name="a", base_policy="b"),
              "b": FirewallPolicy(name="b", base_policy="a")}
    assert [p.name for p in policy_chain(looped["a"], looped)] == ["b", "a"]


def test_partial_firewall_source_makes_an_allow_unknown() -> None:
    design = firewalled(group("g", 100, collection(
        "net", 100, "Allow", "network", net_rule("half", ("AzureBackup",),
                                                 src=("10.1.1.0/25",)))))
    check = only(flow(resolve_scene(design), "sql/AzureBackup"), "firewall")
    assert decided(check) == ("unknown", "fwp-hub/g/net/half")
    assert check.reason == (
        "only network rule fwp-hub/g/net/half may match TCP 443 from 10.1.1.0/24 to "
        "AzureBackup.WestEurope; it would allow it")


def test_partial_firewall_deny_before_default_deny_is_denied() -> None:
    design = firewalled(group("g", 100, collection(
        "net", 100, "Deny", "network", net_rule("half", ("AzureBackup",),
                                                src=("10.1.1.0/25",)))))
    assert only(flow(resolve_scene(design), "sql/AzureBackup"), "firewall").verdict == "denied"


# == 8. Application rules: FQDN tags, target FQDNs, protocols ==================================


def _application(*rules: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    design = firewalled(group("g", 100, collection("app", 100, "Allow", "application", *rules)))
    return at_firewall(resolve_scene(design))


def test_fqdn_tag_allows_its_service_only() -> None:
    assert _application(app_rule("backup", tags=("AzureBackup",))) == {
        "sql/AzureActiveDirectory": ("denied", None),
        "sql/AzureBackup": ("allowed", "fwp-hub/g/app/backup"),
        "sql/Storage": ("denied", None),
    }


def test_target_fqdn_allows_by_name() -> None:
    assert _application(app_rule("names", fqdns=("*.backup.windowsazure.com",
                                                 "login.microsoftonline.com",
                                                 "*.login.microsoft.com"))) == {
        "sql/AzureActiveDirectory": ("allowed", "fwp-hub/g/app/names"),
        "sql/AzureBackup": ("allowed", "fwp-hub/g/app/names"),
        "sql/Storage": ("denied", None),
    }


def test_entra_id_needs_both_its_names() -> None:
    assert _application(app_rule("login", fqdns=("login.microsoftonline.com",)))[
        "sql/AzureActiveDirectory"] == ("denied", None)


def test_blob_wildcard_alone_leaves_two_storage_names_denied() -> None:
    design = firewalled(group("g", 100, collection(
        "app", 100, "Allow", "application", app_rule("blob", fqdns=("*.blob.core.windows.net",)))))
    storage = flow(resolve_scene(design), "sql/Storage")
    assert only(storage, "firewall") == PolicyCheck(
        "afw-hub", "firewall", "fwp-hub", "denied", None,
        "*.queue.core.windows.net, *.blob.storage.azure.net: no rule of fwp-hub allows TCP 443 "
        "from 10.1.1.0/24 to Storage.WestEurope: default deny")
    assert storage.status == "denied"


def test_parent_domain_wildcards_allow_every_storage_name() -> None:
    assert _application(app_rule("storage", fqdns=("*.core.windows.net", "*.storage.azure.net"))
                        )["sql/Storage"] == ("allowed", "fwp-hub/g/app/storage")


def test_storage_names_allowed_by_several_rules() -> None:
    design = firewalled(group("g", 100, collection(
        "app", 100, "Allow", "application",
        app_rule("core", fqdns=("*.core.windows.net",)),
        app_rule("azure", fqdns=("*.storage.azure.net",)))))
    check = only(flow(resolve_scene(design), "sql/Storage"), "firewall")
    assert decided(check) == ("allowed", "fwp-hub/g/app/core")
    assert "*.blob.storage.azure.net: application rule fwp-hub/g/app/azure allows" in check.reason


def test_one_account_name_may_match_never_allows() -> None:
    account = app_rule("account", fqdns=("acct.blob.core.windows.net",))
    others = app_rule("others", fqdns=("*.queue.core.windows.net", "*.blob.storage.azure.net"))
    # With the other two names allowed, the blob name decides: unknown.
    design = firewalled(group("g", 100, collection("app", 100, "Allow", "application",
                                                   account, others)))
    storage = flow(resolve_scene(design), "sql/Storage")
    check = only(storage, "firewall")
    assert decided(check) == ("unknown", "fwp-hub/g/app/account")
    assert check.reason == (
        "only application rule fwp-hub/g/app/account may match TCP 443 from 10.1.1.0/24 to "
        "Storage.WestEurope; it would allow it")
    assert storage.status == "delivered"
    # Alone, the two names no rule holds are denied.
    assert _application(account)["sql/Storage"] == ("denied", None)


@pytest.mark.parametrize("protocols", [(("Http", 80),), (("Https", 8443),), (("Mssql", 1433),),
                                       (("Http", 443),)])
def test_application_rule_protocol_must_match(protocols: tuple[tuple[str, int], ...]) -> None:
    assert _application(app_rule("backup", tags=("AzureBackup",), protocols=protocols))[
        "sql/AzureBackup"] == ("denied", None)
    assert _application(app_rule("backup", tags=("AzureBackup",),
                                 protocols=(*protocols, ("Https", 443))))[
        "sql/AzureBackup"] == ("allowed", "fwp-hub/g/app/backup")


def test_application_rule_source_must_match() -> None:
    assert _application(app_rule("backup", tags=("AzureBackup",), src=("10.2.0.0/16",)))[
        "sql/AzureBackup"] == ("denied", None)


# == 9. Status and the checks a flow gets ======================================================


def test_denied_flow_keeps_its_path() -> None:
    design = firewalled(group("g", 100, collection(
        "net", 100, "Allow", "network", net_rule("backup", ("AzureBackup",)))))
    add_nsg(design, "nsg-sql", SPOKE, nsg_rule("deny-entra", 100, "Deny",
                                               dst=("AzureActiveDirectory",)))
    resolution = resolve_scene(design)
    storage = flow(resolution, "sql/Storage")
    assert (storage.status, storage.access, storage.firewalls) == ("denied", "public",
                                                                   ("afw-hub",))
    assert [h.node for h in storage.hops] == ["sql", "afw-hub", "Storage"]
    assert storage.routed
    assert storage.denial == storage.policy[1]
    assert [(c.at, c.kind, *decided(c)) for c in storage.policy] == [
        (SPOKE, "nsg-outbound", "allowed", "nsg-sql/AllowVnetOutBound"),
        ("afw-hub", "firewall", "denied", None)]
    # Denied by the NSG first: every check on the path is still listed, in path order.
    entra = flow(resolution, "sql/AzureActiveDirectory")
    assert [(c.at, c.kind, *decided(c)) for c in entra.policy] == [
        (SPOKE, "nsg-outbound", "denied", "nsg-sql/deny-entra"),
        ("afw-hub", "firewall", "denied", None)]
    assert entra.denial == entra.policy[0]
    backup = flow(resolution, "sql/AzureBackup")
    assert (backup.status, backup.denial) == ("delivered", None)


def _through_nva(design: Scene) -> None:
    design["vnets"][0]["subnets"].append({"name": "snet-nva", "prefix": "10.0.3.0/24"})
    design["firewalls"] = [{"name": "nva", "type": "nva", "vendor": "Contoso",
                            "subnet": "vnet-hub/snet-nva", "private_ip": "10.0.3.4"}]
    route_table(design, "rt-spoke", [SPOKE],
                udr("to-nva", "0.0.0.0/0", "VirtualAppliance", "10.0.3.4"))


def test_nva_on_the_path_is_unknown() -> None:
    design = base()
    _through_nva(design)
    storage = flow(resolve_scene(design), "sql/Storage")
    assert storage.policy == (PolicyCheck(
        "nva", "firewall", None, "unknown", None,
        "nva is an NVA: its rules are not evaluated (rules: unknown)"),)
    assert storage.status == "delivered"


def test_nva_subnet_nsg_both_ways_in_path_order() -> None:
    # The NVA's subnet has no default route: its VirtualNetwork tag holds no public address,
    # so transit traffic to a public service meets DenyAllInBound there.
    design = base()
    _through_nva(design)
    add_nsg(design, "nsg-sql", SPOKE)
    add_nsg(design, "nsg-nva", "vnet-hub/snet-nva")
    storage = flow(resolve_scene(design), "sql/Storage")
    assert [(c.at, c.kind, *decided(c)) for c in storage.policy] == [
        (SPOKE, "nsg-outbound", "allowed", "nsg-sql/AllowVnetOutBound"),
        ("vnet-hub/snet-nva", "nsg-inbound", "denied", "nsg-nva/DenyAllInBound"),
        ("nva", "firewall", "unknown", None),
        ("vnet-hub/snet-nva", "nsg-outbound", "allowed", "nsg-nva/AllowInternetOutBound"),
    ]
    assert storage.status == "denied"
    # An own inbound rule for transit traffic fixes it.
    design["network_security_groups"][1]["rules"] = [
        nsg_rule("allow-transit", 100, "Allow", "Inbound", src=("VirtualNetwork",))]
    storage = flow(resolve_scene(design), "sql/Storage")
    assert decided(only(storage, "nsg-inbound")) == ("allowed", "nsg-nva/allow-transit")
    assert storage.status == "delivered"


def test_azure_firewall_without_policy_is_unknown() -> None:
    design = base()
    via_firewall(design)
    resolution = resolve_scene(design)
    for flow_id in FLOWS:
        assert flow(resolution, flow_id).policy == (PolicyCheck(
            "afw-hub", "firewall", None, "unknown", None,
            "the design gives no policy for afw-hub: its rules are not evaluated"),)
        assert flow(resolution, flow_id).status == "delivered"


def test_platform_flows_get_no_checks() -> None:
    design = base()
    via_firewall(design)
    add_policy(design, "fwp-hub")
    design["workloads"] = [{"name": "vm", "type": "azure-vm", "subnet": SPOKE,
                            "backup": {"vault": "rsv"}}]
    add_nsg(design, "nsg-sql", SPOKE, nsg_rule("deny-all", 100, "Deny"))
    resolution = resolve_scene(design)
    assert [(f.id, f.access, f.status, f.policy) for f in resolution.flows] == [
        ("vm/AzureBackup", "platform", "delivered", ()),
        ("vm/Storage", "platform", "delivered", ())]


def test_dropped_flows_get_no_checks() -> None:
    design = base()
    route_table(design, "rt-spoke", [SPOKE], udr("blackhole", "0.0.0.0/0", "None"))
    add_nsg(design, "nsg-sql", SPOKE, nsg_rule("deny-all", 100, "Deny"))
    resolution = resolve_scene(design)
    assert {(f.status, f.policy) for f in resolution.flows} == {("dropped", ())}


def test_subnet_without_nsg_gets_no_nsg_check() -> None:
    resolution = resolve_scene(base())
    assert {f.policy for f in resolution.flows} == {()}
    assert {f.status for f in resolution.flows} == {"delivered"}


# == 10. Source translation by Azure Firewall ==================================================


def _pe_behind_firewall(*collections: dict[str, Any]) -> Scene:
    design = _hub_pe_via_firewall(
        # The firewall's subnet is let in, the workload's subnet is not.
        nsg_rule("deny-spoke", 100, "Deny", "Inbound", src=("10.1.1.0/24",)),
        nsg_rule("allow-firewall", 200, "Allow", "Inbound", src=("10.0.1.0/26",)))
    add_policy(design, "fwp-hub", group("g", 100, *collections))
    return design


def test_application_rule_translates_the_source_to_the_firewall_subnet() -> None:
    design = _pe_behind_firewall(collection(
        "app", 100, "Allow", "application", app_rule("backup", tags=("AzureBackup",))))
    backup = flow(resolve_scene(design), "sql/AzureBackup")
    assert (backup.access, backup.firewalls) == ("private-endpoint", ("afw-hub",))
    assert [(c.at, c.kind, *decided(c)) for c in backup.policy] == [
        ("afw-hub", "firewall", "allowed", "fwp-hub/g/app/backup"),
        ("vnet-hub/snet-endpoints", "nsg-inbound", "allowed", "nsg-pe/allow-firewall"),
    ]
    assert backup.policy[1].reason == (
        "NSG rule nsg-pe/allow-firewall allows TCP 443 from 10.0.1.0/26 to 10.0.2.4")
    assert backup.status == "delivered"


def test_network_rule_keeps_the_workload_source() -> None:
    design = _pe_behind_firewall(collection(
        "net", 100, "Allow", "network", net_rule("pe", ("10.0.2.0/24",))))
    backup = flow(resolve_scene(design), "sql/AzureBackup")
    assert [(c.at, c.kind, *decided(c)) for c in backup.policy] == [
        ("afw-hub", "firewall", "allowed", "fwp-hub/g/net/pe"),
        ("vnet-hub/snet-endpoints", "nsg-inbound", "denied", "nsg-pe/deny-spoke"),
    ]
    assert backup.policy[1].reason == (
        "NSG rule nsg-pe/deny-spoke denies TCP 443 from 10.1.1.0/24 to 10.0.2.4")
    assert backup.status == "denied"


def test_denied_by_the_firewall_the_source_is_not_translated() -> None:
    design = _pe_behind_firewall(collection(
        "app", 100, "Deny", "application", app_rule("backup", tags=("AzureBackup",))))
    backup = flow(resolve_scene(design), "sql/AzureBackup")
    assert [decided(c) for c in backup.policy] == [
        ("denied", "fwp-hub/g/app/backup"), ("denied", "nsg-pe/deny-spoke")]


# == 12. The example designs ===================================================================


def _checks_of(name: str) -> dict[str, list[tuple[str, str, str | None, str, str | None]]]:
    resolution = resolve(load_design(DESIGNS / name).design)
    return {f.id: [(c.at, c.kind, c.policy, c.verdict, c.rule) for c in f.policy]
            for f in resolution.flows}


def test_example_b_allows_every_flow_by_name() -> None:
    spoke = "vnet-spoke-sql/snet-sql"
    assert _checks_of("b-sql-hub-firewall.yaml") == {
        "sqlvm01/AzureActiveDirectory": [
            (spoke, "nsg-outbound", "nsg-sql", "allowed", "nsg-sql/allow-entra-id"),
            ("afw-hub", "firewall", "fwp-hub", "allowed", "fwp-hub/rcg-backup/net-backup/entra-id"),
        ],
        "sqlvm01/AzureBackup": [
            (spoke, "nsg-outbound", "nsg-sql", "allowed", "nsg-sql/allow-azure-backup"),
            ("afw-hub", "firewall", "fwp-hub", "allowed",
             "fwp-hub/rcg-backup/app-backup/azure-backup"),
        ],
        "sqlvm01/Storage": [
            (spoke, "nsg-outbound", "nsg-sql", "allowed", "nsg-sql/allow-storage"),
            ("afw-hub", "firewall", "fwp-hub", "allowed", "fwp-hub/rcg-backup/net-backup/storage"),
        ],
    }
    resolution = resolve(load_design(DESIGNS / "b-sql-hub-firewall.yaml").design)
    assert {f.status for f in resolution.flows} == {"delivered"}


def test_example_j_denies_storage_by_default_deny() -> None:
    resolution = resolve(load_design(DESIGNS / "j-sql-missing-storage-rule.yaml").design)
    assert {f.id: (f.number, f.status) for f in resolution.flows} == {
        "sqlvm01/AzureActiveDirectory": (1, "delivered"),
        "sqlvm01/AzureBackup": (1, "delivered"),
        "sqlvm01/Storage": (2, "denied"),
    }
    storage = flow(resolution, "sqlvm01/Storage")
    assert storage.denial == PolicyCheck(
        "afw-hub", "firewall", "fwp-hub", "denied", None,
        "no rule of fwp-hub allows TCP 443 from 10.1.1.0/24 to Storage.WestEurope: default deny")
    assert decided(only(storage, "nsg-outbound")) == ("allowed", "nsg-sql/allow-storage")
    for flow_id in ("sqlvm01/AzureActiveDirectory", "sqlvm01/AzureBackup"):
        assert {c.verdict for c in flow(resolution, flow_id).policy} == {"allowed"}


# == policy_match, directly ====================================================================

WE = Destination(service="Storage", region="westeurope", region_tag="WestEurope")
SPACE = AddressSpace((ipaddress.ip_network("10.1.0.0/16"), ipaddress.ip_network("10.0.0.0/16")))
DEFAULT_ROUTE = AddressSpace((*SPACE.networks, ipaddress.ip_network("0.0.0.0/0")))


@pytest.mark.parametrize(("rule", "name", "expected"), [
    ("*.blob.core.windows.net", "*.blob.core.windows.net", "yes"),
    ("*.core.windows.net", "*.blob.core.windows.net", "yes"),
    ("*.windows.net", "*.blob.core.windows.net", "yes"),  # any depth below
    ("*.BLOB.core.windows.net", "*.blob.core.windows.net", "yes"),  # case-insensitive
    ("*", "*.blob.core.windows.net", "yes"),
    ("*.blob.core.windows.net", "*.queue.core.windows.net", "no"),
    ("*.blob.core.windows.net", "*.blob.storage.azure.net", "no"),
    ("acct.blob.core.windows.net", "*.blob.core.windows.net", "maybe"),
    ("blob.core.windows.net", "*.blob.core.windows.net", "no"),  # not below it
    ("login.microsoftonline.com", "login.microsoftonline.com", "yes"),
    ("*.microsoftonline.com", "login.microsoftonline.com", "yes"),
    ("*.login.microsoftonline.com", "login.microsoftonline.com", "no"),  # not the apex
    ("*.login.microsoft.com", "*.login.microsoft.com", "yes"),
    ("login.microsoft.com", "*.login.microsoft.com", "no"),
])
def test_match_fqdn(rule: str, name: str, expected: str) -> None:
    assert match_fqdn(rule, name) == expected


def test_match_fqdn_narrower_rule_wildcard_may_match() -> None:
    assert match_fqdn("*.blob.core.windows.net", "*.core.windows.net") == "maybe"


@pytest.mark.parametrize(("ranges", "expected"), [
    (["443"], "yes"), (["400-500"], "yes"), (["*"], "yes"), (["80", "443"], "yes"),
    (["80", "*"], "yes"), (["0-65535"], "yes"), (["444"], "no"), (["444-500"], "no"),
    (["1-442"], "no"), (["80", "8443"], "no"),
])
def test_match_ports(ranges: list[str], expected: str) -> None:
    assert match_ports(ranges, 443) == expected


@pytest.mark.parametrize(("rule", "space", "expected"), [
    ("Storage", SPACE, "yes"),
    ("Storage.WestEurope", SPACE, "yes"),
    ("Storage.westeurope", SPACE, "yes"),
    ("Storage.NorthEurope", SPACE, "no"),
    ("AzureCloud", SPACE, "yes"),
    ("AzureCloud.WestEurope", SPACE, "yes"),
    ("AzureCloud.NorthEurope", SPACE, "no"),
    ("AzureBackup", SPACE, "no"),
    ("Internet", SPACE, "yes"),
    ("VirtualNetwork", SPACE, "no"),
    ("VirtualNetwork", DEFAULT_ROUTE, "yes"),
    ("VirtualNetwork", AddressSpace((ipaddress.ip_network("20.0.0.0/8"),)), "maybe"),
    ("10.0.0.0/8", SPACE, "no"),
    ("0.0.0.0/0", SPACE, "yes"),
    ("20.0.0.0/8", SPACE, "maybe"),
    ("*", SPACE, "yes"),
])
def test_match_destination_service(rule: str, space: AddressSpace, expected: str) -> None:
    assert match_destination(rule, WE, space) == expected


def test_match_destination_regional_tag_without_region_is_maybe() -> None:
    assert match_destination("Storage.WestEurope", Destination(service="Storage"), SPACE) == "maybe"
    assert match_destination("Storage", Destination(service="Storage"), SPACE) == "yes"


@pytest.mark.parametrize(("rule", "expected"), [
    ("10.0.2.4", "yes"), ("10.0.2.0/24", "yes"), ("10.0.0.0/8", "yes"), ("10.0.3.0/24", "no"),
    ("VirtualNetwork", "yes"), ("Internet", "no"), ("Storage", "no"), ("AzureCloud", "no"),
    ("*", "yes"), ("0.0.0.0/0", "yes"),
])
def test_match_destination_private_endpoint(rule: str, expected: str) -> None:
    pe = Destination(address=ipaddress.ip_address("10.0.2.4"))
    assert match_destination(rule, pe, SPACE) == expected


def test_match_destination_private_endpoint_outside_virtual_network() -> None:
    far = Destination(address=ipaddress.ip_address("10.9.2.4"))
    assert match_destination("VirtualNetwork", far, SPACE) == "no"


@pytest.mark.parametrize(("rule", "expected"), [
    ("10.1.1.0/24", "yes"), ("10.1.0.0/16", "yes"), ("10.1.1.0/25", "maybe"),
    ("10.1.1.4", "maybe"), ("10.2.0.0/16", "no"), ("VirtualNetwork", "yes"), ("*", "yes"),
    ("Internet", "no"), ("Storage", "no"), ("AzureLoadBalancer", "no"), ("fd00::/8", "no"),
])
def test_match_source(rule: str, expected: str) -> None:
    assert match_source(rule, ipaddress.ip_network("10.1.1.0/24"), SPACE) == expected


def test_match_source_virtual_network_partly_holding_the_subnet() -> None:
    half = AddressSpace((ipaddress.ip_network("10.1.1.0/25"),))
    assert match_source("VirtualNetwork", ipaddress.ip_network("10.1.1.0/24"), half) == "maybe"


def test_combine_and_any_of() -> None:
    assert combine("yes", "yes") == "yes"
    assert combine("yes", "maybe") == "maybe"
    assert combine("maybe", "no") == "no"
    assert any_of(["no", "maybe"]) == "maybe"
    assert any_of(["maybe", "yes"]) == "yes"
    assert any_of(["no"]) == "no"
    assert any_of([]) == "no"
