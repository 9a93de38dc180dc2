"""Cross-field checks of a design whose fields are valid: names, references, Azure's rules.

Pure: no I/O. Every check runs, so the author sees all problems at once; each diagnostic
carries the data path of the offending value, located in the file only when reported.
Address checks (ranges, overlaps, IPs) are in `addressing.py`.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from flowdocs.load.addressing import check_addressing
from flowdocs.load.catalog import Catalog, TargetKind
from flowdocs.load.diagnostics import DataPath, Diagnostic, closest
from flowdocs.load.flow_validation import check_own_flows
from flowdocs.load.model import Design, LinkSettings, Peering, PeeringSetting, Route, RouteTable
from flowdocs.load.network_validation import check_network_parts
from flowdocs.load.policy_validation import check_policies

AZURE_FIREWALL_SUBNET = "AzureFirewallSubnet"
_REGION_SUFFIX = re.compile(r"[A-Za-z0-9]+")
# Lists of choices up to this length are spelled out when no close name exists.
_MAX_LISTED_CHOICES = 15


class _Named(Protocol):
    @property
    def name(self) -> str: ...


@dataclass
class _Names:
    """The names a design defines, for reference checks."""

    vnets: set[str]
    subnets: set[str]
    route_tables: set[str]
    policies: set[str]
    vaults: set[str]
    storage_accounts: set[str]
    gateway_vnets: set[str]
    # What a workload's `target` names, by kind: Key Vaults and the two kinds of scope.
    workload_targets: dict[TargetKind, set[str]]

    @classmethod
    def of(cls, design: Design) -> _Names:
        return cls(
            vnets={v.name for v in design.vnets},
            subnets={f"{v.name}/{s.name}" for v in design.vnets for s in v.subnets},
            route_tables={t.name for t in design.route_tables},
            policies={p.name for p in design.service_endpoint_policies},
            vaults={v.name for v in design.vaults},
            storage_accounts={a.name for a in design.storage_accounts},
            # A Route Server is the VNet's gateway for transit too (use_remote_gateways).
            gateway_vnets=({g.vnet for g in design.gateways}
                           | {r.vnet for r in design.route_servers}),
            workload_targets={
                "key_vault": {k.name for k in design.key_vaults},
                "arc_scope": {s.name for s in design.private_link_scopes if s.kind == "arc"},
                "monitor_scope": {s.name for s in design.private_link_scopes
                                  if s.kind == "monitor"},
            },
        )

    @property
    def endpoint_targets(self) -> set[str]:
        """Everything a private endpoint may target."""
        return self.vaults.union(self.storage_accounts, *self.workload_targets.values())


def check_design(design: Design, catalog: Catalog) -> list[Diagnostic]:
    """Every cross-field problem of `design`, as error diagnostics with data paths."""
    names = _Names.of(design)
    return [
        *_duplicate_names(design),
        *_duplicate_route_prefixes(design),
        *_subnet_references(design, names, catalog),
        *_peering_references(design, names),
        *_placement_references(design, names),
        *_target_references(design, names),
        *_workload_targets(design, names, catalog),
        *_workload_rules(design, catalog),
        *_route_rules(design, catalog),
        *_gateway_transit(design, names),
        *_firewall_rules(design, names),
        *check_addressing(design),
        *check_policies(design, catalog, unknown),
        *check_own_flows(design, catalog, unknown),
        *check_network_parts(design, unknown),
    ]


def _error(message: str, path: DataPath, on_key: bool = False) -> Diagnostic:
    return Diagnostic("error", message, path, on_key=on_key)


def unknown(kind: str, value: str, choices: Iterable[str], names: bool = True) -> str:
    """`unknown vault 'rsv-prd'; did you mean 'rsv-prod'?`, or what exists instead.

    A reference to a name the design defines (`names`) is matched exactly. Azure ignores the
    case of names, but the outputs show each name as the design spells it, so a design
    spells every name one way; a reference that differs only in case says so."""
    choices = sorted(choices)
    close = closest(value, choices)
    hint = "" if close is None else f"; did you mean '{close}'?"
    if names and close is not None and close.casefold() == value.casefold():
        hint += " (names are matched exactly, case included)"
    if not hint and not choices:
        hint = f"; the design defines no {kind}"
    elif not hint and len(choices) <= _MAX_LISTED_CHOICES:
        hint = f"; expected one of: {', '.join(choices)}"
    return f"unknown {kind} '{value}'{hint}"


# Names ----------------------------------------------------------------------------------------


def _duplicate_names(design: Design) -> Iterator[Diagnostic]:
    collections: list[tuple[Sequence[_Named], DataPath, str, str]] = [
        (design.vnets, ("vnets",), "vnet", ""),
        (design.route_tables, ("route_tables",), "route table", ""),
        (design.firewalls, ("firewalls",), "firewall", ""),
        (design.gateways, ("gateways",), "gateway", ""),
        (design.vaults, ("vaults",), "vault", ""),
        (design.storage_accounts, ("storage_accounts",), "storage account", ""),
        (design.key_vaults, ("key_vaults",), "key vault", ""),
        (design.private_link_scopes, ("private_link_scopes",), "private link scope", ""),
        (design.service_endpoint_policies, ("service_endpoint_policies",),
         "service endpoint policy", ""),
        (design.private_endpoints, ("private_endpoints",), "private endpoint", ""),
        (design.private_dns_zones, ("private_dns_zones",), "private DNS zone", ""),
        (design.workloads, ("workloads",), "workload", ""),
    ]
    collections += [(vnet.subnets, ("vnets", v, "subnets"), "subnet", f" in vnet '{vnet.name}'")
                    for v, vnet in enumerate(design.vnets)]
    collections += [(table.routes, ("route_tables", t, "routes"), "route",
                     f" in route table '{table.name}'")
                    for t, table in enumerate(design.route_tables)]
    for items, path, noun, where in collections:
        # Azure resource names are case-insensitive: `vnet-hub` and `VNET-HUB` are one VNet.
        if len({item.name.casefold() for item in items}) < len(items):
            yield from _duplicates(items, path, noun, where)
    yield from _shared_target_names(design)


def _shared_target_names(design: Design) -> Iterator[Diagnostic]:
    """A private endpoint's `target` is a bare name: a Key Vault or a scope may not share it
    with a vault, a storage account, or each other."""
    if not design.key_vaults and not design.private_link_scopes:
        return
    taken: dict[str, str] = {}
    for noun, items in (("vault", design.vaults), ("storage account", design.storage_accounts)):
        for item in items:
            taken.setdefault(item.name.casefold(), f"{noun} '{item.name}'")
    later: list[tuple[str, str, DataPath]] = [
        *(("key vault", k.name, ("key_vaults", i, "name"))
          for i, k in enumerate(design.key_vaults)),
        *(("private link scope", s.name, ("private_link_scopes", i, "name"))
          for i, s in enumerate(design.private_link_scopes)),
    ]
    for noun, name, path in later:
        earlier = taken.get(name.casefold())
        if earlier is not None and not earlier.startswith(f"{noun} "):
            yield _error(f"{noun} name '{name}' is also the name of {earlier}: a private "
                         "endpoint's target names one resource", path)
        taken.setdefault(name.casefold(), f"{noun} '{name}'")


def _duplicates(items: Sequence[_Named], path: DataPath, noun: str, where: str
                ) -> Iterator[Diagnostic]:
    first: dict[str, str] = {}  # the first spelling of each case-folded name
    for index, item in enumerate(items):
        folded = item.name.casefold()
        earlier = first.get(folded)
        if earlier is None:
            first[folded] = item.name
        elif earlier == item.name:
            yield _error(f"duplicate {noun} name '{item.name}'{where}", (*path, index, "name"))
        else:
            yield _error(f"{noun} name '{item.name}'{where} differs only in case from {noun} "
                         f"'{earlier}': Azure resource names are case-insensitive",
                         (*path, index, "name"))


def _duplicate_route_prefixes(design: Design) -> Iterator[Diagnostic]:
    """Azure refuses two routes with the same address prefix in one route table
    (learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview)."""
    # IPv6 prefixes have several spellings; without any, prefixes compare as written.
    ipv6 = any(":" in p for p in {r.address_prefix for t in design.route_tables for r in t.routes})
    for t, table in enumerate(design.route_tables):
        keys = [route.address_prefix for route in table.routes]
        if ipv6:
            keys = [_canonical_prefix(key) for key in keys]
        if len(set(keys)) < len(keys):
            yield from _same_prefix(table, keys, ("route_tables", t, "routes"))


def _same_prefix(table: RouteTable, keys: list[str], path: DataPath) -> Iterator[Diagnostic]:
    first: dict[str, str] = {}
    for index, (route, key) in enumerate(zip(table.routes, keys, strict=True)):
        if key in first:
            yield _error(f"route table '{table.name}' already has a route for "
                         f"{route.address_prefix} (route '{first[key]}'); Azure allows one "
                         "route per address prefix", (*path, index, "address_prefix"))
        else:
            first[key] = route.name


def _canonical_prefix(prefix: str) -> str:
    """IPv4 CIDRs that passed the other checks have one spelling; IPv6 ones have several."""
    return prefix if ":" not in prefix else _canonical_ipv6(prefix)


@functools.lru_cache(maxsize=4096)
def _canonical_ipv6(prefix: str) -> str:
    try:
        return str(ipaddress.ip_network(prefix, strict=False))
    except ValueError:
        return prefix


# References -----------------------------------------------------------------------------------


def _subnet_references(design: Design, names: _Names, catalog: Catalog) -> Iterator[Diagnostic]:
    # Every service endpoint Azure offers is in the catalog, with its source.
    endpoints = set(catalog.service_endpoints)
    for v, vnet in enumerate(design.vnets):
        for s, subnet in enumerate(vnet.subnets):
            path = ("vnets", v, "subnets", s)
            table = subnet.route_table
            if table is not None and table not in names.route_tables:
                yield _error(unknown("route table", table, names.route_tables),
                             (*path, "route_table"))
            for k, policy in enumerate(subnet.service_endpoint_policies):
                if policy not in names.policies:
                    yield _error(unknown("service endpoint policy", policy, names.policies),
                                 (*path, "service_endpoint_policies", k))
            for k, endpoint in enumerate(subnet.service_endpoints):
                if endpoint not in endpoints:
                    yield _error(unknown("service endpoint", endpoint, endpoints, names=False),
                                 (*path, "service_endpoints", k))


def _peering_references(design: Design, names: _Names) -> Iterator[Diagnostic]:
    pairs: set[frozenset[str]] = set()
    for p, peering in enumerate(design.peerings):
        path = ("peerings", p, "vnets")
        for k, vnet in enumerate(peering.vnets):
            if vnet not in names.vnets:
                yield _error(unknown("vnet", vnet, names.vnets), (*path, k))
        pair = frozenset(peering.vnets)
        if len(pair) == 1:
            yield _error(f"vnet '{peering.vnets[0]}' cannot be peered with itself", (*path, 1))
        elif pair in pairs:
            a, b = peering.vnets
            yield _error(f"vnets '{a}' and '{b}' are already peered by an earlier entry", path)
        pairs.add(pair)
        for vnet in peering.links:
            # A peering has one link in each of its two VNets, and no other.
            if vnet not in peering.vnets:
                yield _error(unknown("vnet of this peering", vnet, peering.vnets),
                             ("peerings", p, "links", vnet), on_key=True)


def _placement_references(design: Design, names: _Names) -> Iterator[Diagnostic]:
    """Where things sit: subnets (`VNET/SUBNET`) and VNets; the VNets DNS zones serve."""
    placed = [
        *((("firewalls", i, "subnet"), f.subnet) for i, f in enumerate(design.firewalls)),
        *((("private_endpoints", i, "subnet"), e.subnet)
          for i, e in enumerate(design.private_endpoints)),
        *((("workloads", i, "subnet"), w.subnet) for i, w in enumerate(design.workloads)),
    ]
    for path, subnet in placed:
        if subnet not in names.subnets:
            yield _error(unknown("subnet", subnet, names.subnets), path)
    for g, gateway in enumerate(design.gateways):
        if gateway.vnet not in names.vnets:
            yield _error(unknown("vnet", gateway.vnet, names.vnets), ("gateways", g, "vnet"))
    for z, zone in enumerate(design.private_dns_zones):
        for k, vnet in enumerate(zone.vnet_links):
            if vnet not in names.vnets:
                yield _error(unknown("vnet", vnet, names.vnets),
                             ("private_dns_zones", z, "vnet_links", k))


def _target_references(design: Design, names: _Names) -> Iterator[Diagnostic]:
    """What backups and private endpoints point at: vaults and storage accounts."""
    targets = names.endpoint_targets
    noun = ("vault or storage account" if targets == names.vaults | names.storage_accounts
            else "private endpoint target (vault, storage account, key vault or private link "
                 "scope)")
    for e, endpoint in enumerate(design.private_endpoints):
        if endpoint.target not in targets:
            yield _error(unknown(noun, endpoint.target, targets),
                         ("private_endpoints", e, "target"))
    for w, workload in enumerate(design.workloads):
        vault, account = workload.backup.vault, workload.backup.storage_account
        if vault is not None and vault not in names.vaults:
            yield _error(unknown("vault", vault, names.vaults), ("workloads", w, "backup", "vault"))
        if account is not None and account not in names.storage_accounts:
            yield _error(unknown("storage account", account, names.storage_accounts),
                         ("workloads", w, "backup", "storage_account"))
    for p, policy in enumerate(design.service_endpoint_policies):
        for k, account in enumerate(policy.allowed_storage_accounts):
            if account not in names.storage_accounts:
                yield _error(unknown("storage account", account, names.storage_accounts),
                             ("service_endpoint_policies", p, "allowed_storage_accounts", k))


# Each kind of target with its article, as errors name it.
_TARGET_NOUNS: dict[TargetKind, str] = {
    "vault": "a Recovery Services vault", "storage_account": "a storage account",
    "key_vault": "a key vault", "arc_scope": "an Azure Arc private link scope",
    "monitor_scope": "an Azure Monitor private link scope"}


def _workload_targets(design: Design, names: _Names, catalog: Catalog) -> Iterator[Diagnostic]:
    """A workload's `target`: only for the types whose catalog target is a Key Vault or a
    scope, and a resource of that kind."""
    for w, workload in enumerate(design.workloads):
        kind = catalog.workload_types.get(workload.type)
        if workload.target is None or kind is None:
            continue
        path = ("workloads", w, "target")
        if kind.target is None:
            yield _error(f"workload type '{workload.type}' has no private-link target: remove "
                         "target", path, on_key=True)
            continue
        if kind.target not in names.workload_targets:
            where = "backup.vault" if kind.target == "vault" else "backup.storage_account"
            yield _error(f"workload type '{workload.type}' backs up to "
                         f"{_TARGET_NOUNS[kind.target]}: name it in {where}, not target",
                         path, on_key=True)
            continue
        wanted = names.workload_targets[kind.target]
        if workload.target in wanted:
            continue
        other = next((k for k, found in names.workload_targets.items()
                      if workload.target in found), None)
        if other is not None:
            yield _error(f"workload type '{workload.type}' needs {_TARGET_NOUNS[kind.target]}; "
                         f"'{workload.target}' is {_TARGET_NOUNS[other]}", path)
        else:
            noun = _TARGET_NOUNS[kind.target].split(" ", 1)[1]
            yield _error(unknown(noun, workload.target, wanted), path)


def _workload_rules(design: Design, catalog: Catalog) -> Iterator[Diagnostic]:
    """A known workload type, and the backup target its type writes to."""
    for w, workload in enumerate(design.workloads):
        kind = catalog.workload_types.get(workload.type)
        if kind is None:
            yield _error(unknown("workload type", workload.type, catalog.workload_types,
                                 names=False),
                         ("workloads", w, "type"))
        elif kind.target == "vault" and workload.backup.vault is None:
            yield _error(f"workload type '{workload.type}' backs up to a Recovery Services "
                         "vault: backup.vault is required", ("workloads", w, "backup", "vault"))
        elif kind.target == "storage_account" and workload.backup.storage_account is None:
            yield _error(f"workload type '{workload.type}' backs up to a storage account: "
                         "backup.storage_account is required",
                         ("workloads", w, "backup", "storage_account"))


# Azure's rules --------------------------------------------------------------------------------


def _route_rules(design: Design, catalog: Catalog) -> Iterator[Diagnostic]:
    # Large estates repeat the same prefixes in every table: judge each spelling once.
    prefixes = {r.address_prefix for t in design.route_tables for r in t.routes}
    problems = {p: route_prefix_problem(p, catalog.service_tags) for p in prefixes}
    for t, table in enumerate(design.route_tables):
        for r, route in enumerate(table.routes):
            appliance = route.next_hop_type == "VirtualAppliance"
            if appliance == (route.next_hop_ip is None) or problems[route.address_prefix]:
                yield from _route_problems(route, ("route_tables", t, "routes", r), problems)


def _route_problems(route: Route, path: DataPath, problems: dict[str, str | None]
                    ) -> Iterator[Diagnostic]:
    if route.next_hop_type == "VirtualAppliance" and route.next_hop_ip is None:
        yield _error("next_hop_ip is required with next_hop_type VirtualAppliance",
                     (*path, "next_hop_ip"))
    elif route.next_hop_type != "VirtualAppliance" and route.next_hop_ip is not None:
        yield _error("next_hop_ip is only allowed with next_hop_type VirtualAppliance",
                     (*path, "next_hop_ip"), on_key=True)
    problem = problems[route.address_prefix]
    if problem:
        yield _error(f"address_prefix: {problem}", (*path, "address_prefix"))


def route_prefix_problem(prefix: str, service_tags: tuple[str, ...]) -> str | None:
    """What is wrong with a route's address prefix: a CIDR, or a service tag with an optional
    region (`Storage.WestEurope`); azure-rules.md section 3."""
    if prefix[:1].isdigit() or ":" in prefix or "/" in prefix:
        return _cidr_problem(prefix)
    base, dot, region = prefix.partition(".")
    if base not in service_tags:
        return unknown("service tag", base, service_tags, names=False)
    if dot and not _REGION_SUFFIX.fullmatch(region):
        return f"expected a service tag with an optional region such as {base}.WestEurope, " \
               f"found '{prefix}'"
    return None


def _cidr_problem(prefix: str) -> str | None:
    try:
        network = ipaddress.ip_network(prefix, strict=False)
    except ValueError:
        return f"expected a CIDR such as 10.0.0.0/16 or a service tag, found '{prefix}'"
    if "/" not in prefix:
        return f"expected a CIDR with a prefix length, found '{prefix}'; did you mean '{network}'?"
    if network.network_address != ipaddress.ip_interface(prefix).ip:
        return f"'{prefix}' has host bits set; did you mean '{network}'?"
    return None


def _gateway_transit(design: Design, names: _Names) -> Iterator[Diagnostic]:
    """Gateway transit over peerings (learn.microsoft.com/azure/virtual-network/
    virtual-network-manage-peering), link by link: a link that allows gateway transit needs a
    gateway in its VNet; a link that uses remote gateways needs the remote link to allow
    transit, and its VNet to have no gateway of its own and no other such link; no link may
    do both."""
    users: dict[str, str] = {}
    for p, peering in enumerate(design.peerings):
        if len(set(peering.vnets)) < 2:
            continue
        for vnet in peering.vnets:
            link = peering.link(vnet)
            transit_at = _setting_at(p, peering, vnet, "allow_gateway_transit")
            remote_at = _setting_at(p, peering, vnet, "use_remote_gateways")
            if link.allow_gateway_transit and link.use_remote_gateways:
                yield _error(f"the link of vnet '{vnet}' cannot both allow gateway transit and "
                             "use remote gateways", remote_at)
                continue
            if link.allow_gateway_transit and vnet in names.vnets and \
                    vnet not in names.gateway_vnets:
                setting = ("allow_gateway_transit"
                           if _shorthand(peering, vnet, "allow_gateway_transit")
                           else f"allow_gateway_transit on the link of vnet '{vnet}'")
                where = (" (the second vnet of the peering)" if setting == "allow_gateway_transit"
                         else "")
                yield _error(f"{setting} needs a gateway in vnet '{vnet}'{where}; it has none",
                             transit_at)
            if link.use_remote_gateways:
                problem = _remote_gateway_problem(peering, link, names, users)
                if problem:
                    yield _error(problem, remote_at)
                users.setdefault(vnet, link.remote)


def _setting_at(index: int, peering: Peering, vnet: str, setting: PeeringSetting) -> DataPath:
    """The data path where `setting` of `vnet`'s link is written."""
    return ("peerings", index, *peering.setting_path(vnet, setting))


def _shorthand(peering: Peering, vnet: str, setting: PeeringSetting) -> bool:
    """Whether `setting` of `vnet`'s link comes from the peering's shorthand keys."""
    return peering.setting_path(vnet, setting)[:1] != ("links",)


def _remote_gateway_problem(peering: Peering, link: LinkSettings, names: _Names,
                            users: dict[str, str]) -> str | None:
    vnet, remote = link.vnet, link.remote
    if not peering.link(remote).allow_gateway_transit:
        shorthand = _shorthand(peering, vnet, "use_remote_gateways") and \
            _shorthand(peering, remote, "allow_gateway_transit")
        needs = ("allow_gateway_transit: true on this peering" if shorthand
                 else f"allow_gateway_transit: true on the link of vnet '{remote}'")
        if remote in names.vnets and remote not in names.gateway_vnets:
            needs += f" and a gateway in vnet '{remote}'"
        return f"use_remote_gateways needs {needs}"
    if vnet in names.gateway_vnets:
        return f"use_remote_gateways is not allowed: vnet '{vnet}' has its own gateway"
    if vnet in users:
        return (f"vnet '{vnet}' already uses the gateways of vnet '{users[vnet]}'; Azure "
                "allows one peering with use_remote_gateways per vnet")
    return None


def _firewall_rules(design: Design, names: _Names) -> Iterator[Diagnostic]:
    """Azure Firewall needs a SKU and its dedicated subnet, AzureFirewallSubnet
    (learn.microsoft.com/azure/firewall/firewall-faq); the rest describes NVAs only."""
    for f, firewall in enumerate(design.firewalls):
        path = ("firewalls", f)
        if firewall.type == "nva":
            if firewall.sku is not None:
                yield _error("sku is only for type azure-firewall", (*path, "sku"), on_key=True)
            continue
        if firewall.sku is None:
            yield _error("an azure-firewall needs a sku: Basic, Standard or Premium",
                         (*path, "sku"))
        subnet = firewall.subnet.partition("/")[2]
        if firewall.subnet in names.subnets and subnet != AZURE_FIREWALL_SUBNET:
            yield _error(f"an azure-firewall must be in a subnet named {AZURE_FIREWALL_SUBNET}, "
                         f"not '{subnet}'", (*path, "subnet"))
        for key in ("vendor", "licensed_throughput_mbps"):
            if getattr(firewall, key) is not None:
                yield _error(f"{key} is only for type nva", (*path, key), on_key=True)
