"""The checks behind the findings: every public function here is the check of one rule.

Each check reads the resolved flows (never re-deriving a path) and the design, through a
shared `Context`, and yields a `Breach`: the subject, the message, and the data path of the
subject in the design file. `findings.py` holds the rule table (ids, severities, sources),
where each rule names its check, and turns breaches into findings. A check is named for its
rule's slug (`flow-dropped`, `flow_dropped`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from functools import cached_property
from typing import NamedTuple

from flowdocs.analyse.costs import Sizing, sizing
from flowdocs.load.catalog import TARGET_KINDS, Catalog, TargetKind
from flowdocs.load.diagnostics import DataPath
from flowdocs.load.model import Design, Workload
from flowdocs.load.regions import default_regions
from flowdocs.resolve.dns import (
    ANY_BACKUP_ZONE,
    BACKUP_ZONE,
    FLOW_ZONES,
    ZoneAnswer,
    declared_zone,
    region_of_target,
    target_kind,
    zones_needed,
)
from flowdocs.resolve.flows import Flow, Resolution, Status
from flowdocs.resolve.routing import (
    EffectiveRoute,
    ServiceDestination,
    holds_public_addresses,
    is_cidr,
)
from flowdocs.resolve.topology import parse_network


class Breach(NamedTuple):
    subject: str
    message: str
    path: DataPath


Check = Callable[["Context"], Iterator[Breach]]

# Private DNS zones a private endpoint's FQDNs resolve through, by the kind of its target:
# the zones of every flow it serves (dns.FLOW_ZONES). Vault: Backup (per geo, e.g.
# privatelink.we.backup.windowsazure.com for West Europe), blob and queue
# (learn.microsoft.com/azure/backup/private-endpoints). Storage account: blob. Key Vault:
# vaultcore. Arc scope: his.arc and guestconfiguration. Monitor scope: monitor and ods.
REQUIRED_ZONES: dict[TargetKind, tuple[str, ...]] = {
    kind: tuple(dict.fromkeys(z for (k, _), zones in FLOW_ZONES.items() if k == kind
                              for z in zones))
    for kind in TARGET_KINDS
}


class _Paths:
    """Data paths of the design's objects, by name."""

    def __init__(self, design: Design) -> None:
        self.subnets: dict[str, DataPath] = {
            f"{v.name}/{s.name}": ("vnets", vi, "subnets", si)
            for vi, v in enumerate(design.vnets) for si, s in enumerate(v.subnets)}
        self.firewalls: dict[str, DataPath] = {
            f.name: ("firewalls", i) for i, f in enumerate(design.firewalls)}
        self.vaults: dict[str, DataPath] = {
            v.name: ("vaults", i) for i, v in enumerate(design.vaults)}
        self.endpoints: dict[str, DataPath] = {
            p.name: ("private_endpoints", i) for i, p in enumerate(design.private_endpoints)}
        self.zones: dict[str, DataPath] = {
            z.name: ("private_dns_zones", i) for i, z in enumerate(design.private_dns_zones)}
        self.workloads: dict[str, DataPath] = {
            w.name: ("workloads", i) for i, w in enumerate(design.workloads)}


class Context:
    """What every check reads; each index is built once per design (estates are large)."""

    def __init__(self, resolution: Resolution, catalog: Catalog) -> None:
        self.resolution = resolution
        self.catalog = catalog

    @cached_property
    def paths(self) -> _Paths:
        return _Paths(self.resolution.design)

    @cached_property
    def workloads(self) -> dict[str, Workload]:
        return {w.name: w for w in self.resolution.design.workloads}

    @cached_property
    def sizing(self) -> list[Sizing]:
        return sizing(self.resolution)

    @cached_property
    def own_flows(self) -> frozenset[str]:
        return frozenset(f.name for f in self.resolution.design.flows)

    def consequence(self, flows: list[Flow]) -> str:
        """What flows that never arrive cost: the workload's backup, its traffic, or (a
        design's own flow) the flow itself."""
        found: list[str] = []
        for flow in flows:
            if flow.service in self.own_flows:
                found.append("the flow never arrives")
                continue
            kind = self.catalog.workload_types[self.workloads[flow.workload].type]
            found.append(kind.fails or ("the backup fails" if kind.backs_up
                                        else "the workload's traffic never arrives"))
        return "; ".join(dict.fromkeys(found))


def _streams_azure_backup(workload: Workload, catalog: Catalog) -> bool:
    """SQL Server, SAP HANA, SAP ASE and MARS: agents in the VM that stream to Azure Backup's
    own storage accounts (azure-rules.md 6); not VM snapshots, not third-party agents."""
    kind = catalog.workload_types[workload.type]
    return (kind.target == "vault" and kind.access == "routed"
            and any(f.service == "AzureBackup" for f in kind.flows))


def _by_workload(flows: list[Flow]) -> dict[tuple[str, str], list[Flow]]:
    grouped: dict[tuple[str, str], list[Flow]] = {}
    for flow in flows:
        grouped.setdefault((flow.workload, flow.reason), []).append(flow)
    return grouped


def flow_dropped(ctx: Context) -> Iterator[Breach]:
    return _undelivered(ctx, "dropped", "is dropped", "are dropped")


def flow_loop(ctx: Context) -> Iterator[Breach]:
    return _undelivered(ctx, "loop", "loops", "loop")


def _undelivered(ctx: Context, status: Status, one: str, many: str) -> Iterator[Breach]:
    resolution, paths = ctx.resolution, ctx.paths
    stopped = [f for f in resolution.flows if f.status == status]
    for (workload, reason), flows in _by_workload(stopped).items():
        route = flows[0].deciding_route
        # Point at the route that decided, when the user wrote it; else at the workload.
        path = route.origin if route is not None and route.origin else \
            (*paths.workloads[workload], "subnet")
        names = ", ".join(f"{f.number} {f.service}" for f in flows)
        verb = one if len(flows) == 1 else many
        yield Breach(workload, f"{workload}: flow{'s' * (len(flows) > 1)} {names} {verb}, "
                               f"{ctx.consequence(flows)}: {reason}", path)


def service_endpoint_policy_blocks_backup(ctx: Context) -> Iterator[Breach]:
    resolution, catalog, paths, workloads = ctx.resolution, ctx.catalog, ctx.paths, ctx.workloads
    blocked: dict[str, list[str]] = {}
    for flow in resolution.flows:
        workload = workloads[flow.workload]
        if flow.access == "service-endpoint" and _streams_azure_backup(workload, catalog):
            blocked.setdefault(workload.subnet, []).append(workload.name)
    for ref, names in blocked.items():
        subnet = resolution.topology.subnets[ref].subnet
        if not subnet.service_endpoint_policies:
            continue
        policies = ", ".join(subnet.service_endpoint_policies)
        yield Breach(ref, f"service endpoint policy {policies} on {ref} blocks the Azure "
                          f"Backup streaming of {', '.join(dict.fromkeys(names))}: Azure Backup "
                          f"writes to Microsoft-managed storage accounts that no policy can "
                          f"list; remove the policy, or use a vault private endpoint",
                     (*paths.subnets[ref], "service_endpoint_policies"))


def backup_tls_inspection(ctx: Context) -> Iterator[Breach]:
    resolution, catalog = ctx.resolution, ctx.catalog
    design, paths = resolution.design, ctx.paths
    workloads = ctx.workloads
    for firewall in design.firewalls:
        if not firewall.tls_inspection:
            continue
        crossing = [f for f in resolution.flows if firewall.name in f.firewalls
                    and _streams_azure_backup(workloads[f.workload], catalog)]
        if crossing:
            flows = ", ".join(f.id for f in crossing)
            yield Breach(firewall.name, f"{firewall.name} inspects TLS, and Azure Backup flows "
                                        f"cross it ({flows}): backup rules must not terminate "
                                        f"TLS (terminateTLS: false)",
                         (*paths.firewalls[firewall.name], "tls_inspection"))


def service_endpoint_without_policy(ctx: Context) -> Iterator[Breach]:
    resolution, catalog = ctx.resolution, ctx.catalog
    design, paths = resolution.design, ctx.paths
    backup_subnets = {w.subnet for w in design.workloads if _streams_azure_backup(w, catalog)}
    for vnet in design.vnets:
        for subnet in vnet.subnets:
            ref = f"{vnet.name}/{subnet.name}"
            storage = [e for e in subnet.service_endpoints
                       if e in catalog.service_endpoints
                       and catalog.service_endpoints[e].service == "Storage"]
            if not storage or subnet.service_endpoint_policies:
                continue
            # A policy closes the path for customer-owned accounts only; on a subnet that
            # streams Azure Backup, it would block the backup (FD003).
            fix = ("a policy would block Azure Backup here (FD003): a vault private endpoint "
                   "closes it" if ref in backup_subnets else
                   "a service endpoint policy listing your storage accounts closes it")
            yield Breach(ref, f"{', '.join(storage)} on {ref} has no service endpoint policy: "
                              f"the subnet reaches any storage account of any tenant, a "
                              f"data-exfiltration path; {fix}",
                         (*paths.subnets[ref], "service_endpoints"))


def vault_public_access_with_private_endpoint(ctx: Context) -> Iterator[Breach]:
    resolution, paths = ctx.resolution, ctx.paths
    for vault in resolution.design.vaults:
        endpoints = resolution.topology.private_endpoints_by_target.get(vault.name, [])
        if not endpoints or vault.public_network_access != "Enabled":
            continue
        path = paths.vaults[vault.name]
        if "public_network_access" in vault.model_fields_set:
            path = (*path, "public_network_access")
        names = ", ".join(p.name for p in endpoints)
        yield Breach(vault.name, f"vault {vault.name} has private endpoints ({names}) but "
                                 f"public network access is Enabled: set it to Disabled so "
                                 f"that backups cannot bypass them", path)


def vault_refuses_public_flow(ctx: Context) -> Iterator[Breach]:
    """A vault whose public network access is Disabled "only allows backups and restores from
    the machines ... requesting via private IPs allocated for the vault"
    (learn.microsoft.com/azure/backup/private-endpoints-overview, "Before you start"): an
    Azure Backup flow that reaches its public endpoint is refused, and the backup fails."""
    resolution, catalog, paths, workloads = ctx.resolution, ctx.catalog, ctx.paths, ctx.workloads
    for vault in resolution.design.vaults:
        if vault.public_network_access != "Disabled":
            continue
        refused = [f for f in resolution.flows
                   if f.service == "AzureBackup" and f.routed
                   and f.access in ("public", "on-premises")
                   and workloads[f.workload].backup.vault == vault.name
                   and _streams_azure_backup(workloads[f.workload], catalog)]
        if not refused:
            continue
        # Why they are public: their names resolve publicly (FD007), or no endpoint serves them.
        one = len(refused) == 1
        dns = [f for f in refused if f.dns is not None]
        why = (f"{'its' if one else 'their'} names resolve to the vault's public address "
               f"(FD007)" if len(dns) == len(refused)
               else f"no private endpoint of the vault serves {'it' if one else 'them'}"
               if not dns else
               "their names resolve publicly (FD007) or no private endpoint serves them")
        path = paths.vaults[vault.name]
        if "public_network_access" in vault.model_fields_set:
            path = (*path, "public_network_access")
        yield Breach(vault.name, f"vault {vault.name} denies public network access, and "
                                 f"{_flow_list(refused)} {_verb(refused, 'reaches', 'reach')} "
                                 f"its public endpoint: {why}; the vault refuses "
                                 f"{'it' if one else 'them'} and the backup fails", path)


def private_endpoint_dns_zone(ctx: Context) -> Iterator[Breach]:
    """A private endpoint is used only when its names resolve to it (azure-rules.md 4,
    Corrections; dns.py): a zone the endpoint needs that the design does not declare (for a
    vault, the Backup zone of its own region's geo), and a declared zone that does not answer
    for a VNet whose flows therefore skip the endpoint and take the public path."""
    resolution, design, paths = ctx.resolution, ctx.resolution.design, ctx.paths
    regions = default_regions()
    # Per private endpoint, the flows that skip it, by the zone answer that sent them public.
    skipped: dict[str, dict[ZoneAnswer, list[Flow]]] = {}
    for flow in resolution.flows:
        if flow.dns is not None and not flow.dns.private:
            by_zone = skipped.setdefault(flow.dns.endpoint, {})
            for answer in flow.dns.unanswered:
                by_zone.setdefault(answer, []).append(flow)
    for endpoint in design.private_endpoints:
        kind = target_kind(design, endpoint.target)
        if kind is None:
            continue
        region = region_of_target(design, kind, endpoint.target)
        needed = tuple(dict.fromkeys(
            z for service in _covered_services(kind)
            for z in zones_needed(kind, service, region, regions)))
        missing = [z for z in needed if declared_zone(z, design) is None]
        own = skipped.get(endpoint.name, {})
        if missing:
            plural = len(missing) > 1
            message = (f"private endpoint {endpoint.name} needs private DNS "
                       f"zone{'s' * plural} {', '.join(missing)}, not in private_dns_zones: "
                       f"without {'them' if plural else 'it'} {endpoint.target}'s FQDNs "
                       f"resolve to its public endpoint")
            other_geo = _other_geo_zones(missing, design)
            if other_geo:
                where = regions.display_name(region or "")
                message += (f"; {', '.join(other_geo)} answer{'s' * (len(other_geo) == 1)} "
                            f"only for vaults of {_geo_regions(other_geo)}, and "
                            f"{endpoint.target} is in {where}")
            flows = [f for answer, fs in own.items() if answer.declared is None for f in fs]
            if flows:
                message += f"; {_flow_list(flows)} {_verb(flows, 'takes', 'take')} the public path"
            elif not design.private_dns_zones:
                message += ("; the design declares no private DNS zone, so flowdocs assumes "
                            "your DNS resolves them to the endpoint")
            yield Breach(endpoint.name, message, paths.endpoints[endpoint.name])
        for zone_name in (declared_zone(z, design) for z in needed):
            if zone_name is None:
                continue
            by_vnet: dict[str, tuple[ZoneAnswer, list[Flow]]] = {}
            for answer, flows in own.items():
                if answer.declared == zone_name.name:
                    for flow in flows:
                        vnet = flow.dns.vnet if flow.dns is not None else ""
                        by_vnet.setdefault(vnet, (answer, []))[1].append(flow)
            if not by_vnet:
                continue
            flows = [f for _, fs in by_vnet.values() for f in fs]
            why = ", ".join(_why_unanswered(v, a) for v, (a, _) in by_vnet.items())
            path = paths.zones[zone_name.name]
            if "vnet_links" in zone_name.model_fields_set:
                path = (*path, "vnet_links")
            verbs = ("resolves", "skips", "takes") if len(flows) == 1 else \
                ("resolve", "skip", "take")
            yield Breach(zone_name.name,
                         f"private DNS zone {zone_name.name} does not answer for {why}: "
                         f"{_flow_list(flows)} {verbs[0]} the names of {endpoint.target} to "
                         f"public addresses, {verbs[1]} {endpoint.name} and {verbs[2]} the "
                         f"public path; add {', '.join(by_vnet)} to vnet_links", path)


def _covered_services(kind: TargetKind) -> list[str]:
    return [service for (k, service) in FLOW_ZONES if k == kind]


def _other_geo_zones(missing: list[str], design: Design) -> list[str]:
    """Declared Backup zones of another geo than the missing one: they answer only for vaults
    of their own geo's region."""
    if not any(BACKUP_ZONE.match(z) for z in missing if z != ANY_BACKUP_ZONE):
        return []
    return [z.name for z in design.private_dns_zones if BACKUP_ZONE.match(z.name)]


def _geo_regions(zones: list[str]) -> str:
    regions = default_regions()
    names = []
    for zone in zones:
        match = BACKUP_ZONE.match(zone)
        region = regions.region_of_geo(match.group(1)) if match else None
        names.append(regions.display_name(region) if region else f"geo {zone.split('.')[1]}")
    return ", ".join(names)


def _why_unanswered(vnet: str, answer: ZoneAnswer) -> str:
    if answer.dns_servers:
        # Custom DNS servers forward to Azure DNS from their own VNet, unlinked here (dns.py).
        return (f"{vnet} (its DNS servers {', '.join(answer.dns_servers)} resolve from "
                f"{', '.join(answer.dns_vnets)}, not linked)")
    return vnet


def _verb(flows: list[Flow], one: str, many: str) -> str:
    return one if len({f.id for f in flows}) == 1 else many


def _flow_list(flows: list[Flow]) -> str:
    ordered = list(dict.fromkeys(f"{f.number} {f.id}" for f in flows))
    return f"flow{'s' * (len(ordered) > 1)} {', '.join(ordered)}"


def firewall_subnet_bgp_default_route(ctx: Context) -> Iterator[Breach]:
    resolution, topology, paths = ctx.resolution, ctx.resolution.topology, ctx.paths
    for firewall in resolution.design.firewalls:
        view = resolution.router.effective_routes(topology.subnet_of_firewall(firewall))
        learned = [r for r in view.routes if r.source == "VirtualNetworkGateway"
                   and r.address_prefix == "0.0.0.0/0" and r.state == "Active"]
        if not learned:
            continue
        consequence = (
            "Azure Firewall needs direct Internet access: override it with a 0.0.0.0/0 route "
            "to Internet on its subnet, or use forced-tunnelling mode"
            if firewall.type == "azure-firewall"
            else "what it forwards to Azure services goes to on-premises")
        yield Breach(firewall.subnet, f"{firewall.subnet}, the subnet of {firewall.name}, "
                                      f"learns 0.0.0.0/0 over BGP from {learned[0].gateway}: "
                                      f"{consequence}",
                     (*paths.firewalls[firewall.name], "subnet"))


def nva_under_licensed(ctx: Context) -> Iterator[Breach]:
    paths = ctx.paths
    for size in ctx.sizing:
        licensed = size.licensed_mbps
        if size.under_licensed and licensed is not None:
            yield Breach(size.firewall, f"{size.firewall} must carry {size.required_mbps:.1f} "
                                        f"Mbps in the backup window "
                                        f"({', '.join(size.workloads)}), above its licensed "
                                        f"{licensed.normalize():f} Mbps",
                         (*paths.firewalls[size.firewall], "licensed_throughput_mbps"))


def nva_throughput_unknown(ctx: Context) -> Iterator[Breach]:
    paths = ctx.paths
    for size in ctx.sizing:
        if size.type == "nva" and size.licensed_mbps is None:
            yield Breach(size.firewall, f"{size.firewall} must carry {size.required_mbps:.1f} "
                                        f"Mbps in the backup window "
                                        f"({', '.join(size.workloads)}); state its "
                                        f"licensed_throughput_mbps to check the licence",
                         paths.firewalls[size.firewall])


def public_cidr_route(ctx: Context) -> Iterator[Breach]:
    # A flow to a service's public endpoint goes to addresses flowdocs does not know. When the
    # public CIDR routes of a subnet it leaves send different parts of the public address
    # space to different next hops, its path depends on which part holds the service:
    # flowdocs assumes the part that decides in `routing.choose_service_route` and warns
    # here, on each public CIDR route in play (azure-rules.md 3). 0.0.0.0/1 + 128.0.0.0/1 to
    # one next hop, or a public range sent where 0.0.0.0/0 goes anyway, leave nothing unknown.
    resolution, topology, router = ctx.resolution, ctx.resolution.topology, \
        ctx.resolution.router
    design = resolution.design
    uncertain: dict[tuple[DataPath, bool], tuple[EffectiveRoute, set[str], set[str]]] = {}
    for flow in resolution.flows:
        if flow.access == "platform" or flow.private_endpoint is not None:
            continue  # not a service's public endpoint
        for hop in flow.hops:
            if hop.route is None or hop.kind not in ("workload", "firewall"):
                continue
            subnet = (ctx.workloads[hop.node].subnet if hop.kind == "workload"
                      else topology.firewalls[hop.node].subnet)
            view = router.effective_routes(topology.subnets[subnet])
            choice = router.service_choice(view, ServiceDestination(flow.service, flow.region))
            if not choice.contenders or choice.route is None:
                continue
            chosen = choice.route
            for route in (chosen, *choice.contenders):
                path = _public_route_path(route, design)
                if path is None:
                    continue
                is_chosen = route is chosen
                others = choice.contenders if is_chosen else (chosen,)
                _, services, elsewhere = uncertain.setdefault((path, is_chosen),
                                                              (route, set(), set()))
                services.add(flow.service)
                elsewhere.update(o.label() for o in others)
    for (path, is_chosen), (route, services, elsewhere) in sorted(
            uncertain.items(), key=lambda item: (item[0][0], item[0][1])):
        names = ", ".join(sorted(services))
        other = " or ".join(sorted(elsewhere))
        where = (f"route '{route.table}/{route.name}'" if route.table
                 else f"route {route.address_prefix} learned from {route.gateway}")
        subject = f"{route.table}/{route.name}" if route.table else \
            f"{route.gateway}/{route.address_prefix}"
        if is_chosen:
            message = (f"{where} ({route.address_prefix}) covers only part of the public "
                       f"address space, and {other} takes the rest elsewhere: flowdocs assumes "
                       f"{names} lie in this route's part, the larger")
        else:
            message = (f"{where} ({route.address_prefix}) is a public range that may cover "
                       f"Azure service addresses; flowdocs assumes it covers none of {names}, "
                       f"which take {other}")
        yield Breach(subject, message, path)


def _public_route_path(route: EffectiveRoute, design: Design) -> DataPath | None:
    """Where a public CIDR route narrower than 0.0.0.0/0 is written: a User route's address
    prefix, or the gateway's advertised prefix of a BGP route; None for any other route."""
    if not is_cidr(route.address_prefix) or not _is_public_range(route.address_prefix):
        return None
    if route.origin is not None:
        return route.origin
    for g_index, gateway in enumerate(design.gateways):
        if gateway.name == route.gateway and route.address_prefix in gateway.advertised_prefixes:
            return ("gateways", g_index, "advertised_prefixes",
                    gateway.advertised_prefixes.index(route.address_prefix))
    return None


@functools.cache
def _is_public_range(prefix: str) -> bool:
    # Cached: an estate repeats the same prefixes in every route table. 0.0.0.0/1 holds
    # public addresses, though it starts in the non-public 0.0.0.0/8.
    network = parse_network(prefix)
    return network.prefixlen > 0 and holds_public_addresses(network)


def entra_id_stays_public(ctx: Context) -> Iterator[Breach]:
    resolution, paths = ctx.resolution, ctx.paths
    flows: dict[str, list[Flow]] = {}
    for flow in resolution.flows:
        flows.setdefault(flow.workload, []).append(flow)
    for workload, own in flows.items():
        private = [f for f in own if f.access == "private-endpoint"]
        entra = [f for f in own if f.service == "AzureActiveDirectory"
                 and f.routed and f.access != "private-endpoint"]
        if private and entra:
            via = f" via {', '.join(entra[0].firewalls)}" if entra[0].firewalls else ""
            yield Breach(workload, f"{workload}: Microsoft Entra ID has no private endpoint; "
                                   f"flow {entra[0].number} {entra[0].id} stays "
                                   f"{entra[0].access}{via}", paths.workloads[workload])

