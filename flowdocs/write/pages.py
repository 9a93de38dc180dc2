"""The template context of a design page and of the index: pure data from a resolution.

Everything a page says comes from the one `Resolution`: the flow table, each flow's
narrative, the firewall and NSG rules the flows need, the workload subnets' effective
routes, the headline facts, and the decision sections of `decision_sections.py` (findings, costs,
and the comparison of the design's variant family). No I/O: the price table is passed in.
`page_context` is the one place that assembles a design page; a new section is a new key
here and a new block in `templates/design.md.j2`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flowdocs.analyse.analysis import Analysis, Resolved, analyse_resolved
from flowdocs.analyse.compare import compare
from flowdocs.analyse.findings import Finding, severity_counts
from flowdocs.analyse.verification import Verification
from flowdocs.load.catalog import Catalog
from flowdocs.load.prices import PriceTable
from flowdocs.load.regions import default_regions
from flowdocs.resolve.bypass import Bypasses
from flowdocs.resolve.flows import Flow, Resolution
from flowdocs.resolve.policy import policy_assumptions
from flowdocs.resolve.routing import EffectiveRoute
from flowdocs.write.amounts import gigabytes, money
from flowdocs.write.decision_sections import VariantsSection, decision_context, variants_context
from flowdocs.write.escaping import Md, code, inline_markdown, join, md, shell_word
from flowdocs.write.narrative import narrate_all
from flowdocs.write.policy_text import policy_cell
from flowdocs.write.rule_sections import (
    firewall_sections,
    nsg_sections,
    review_of,
    review_section,
)
from flowdocs.write.verified_section import verified_context

PageOf = Callable[[str], str]  # a design's name -> the link to its page


@dataclass(frozen=True)
class Facts:
    """The headline numbers of a design."""

    flows: int
    through_firewall: int
    bypassing: int
    on_premises: int
    dropped: int  # every flow that never arrives, denied ones included
    denied: int
    errors: int  # findings by severity (findings.py)
    warnings: int


@dataclass(frozen=True)
class Diagram:
    """Where the page finds its diagram, relative to the page."""

    image: str
    full_size: str
    alt: str


@dataclass(frozen=True)
class FlowRow:
    number: int
    workload: str
    service: str
    endpoints: Md
    path: Md
    firewalls: Md
    access: str
    status: str
    policy: Md


@dataclass(frozen=True)
class RouteRow:
    source: str
    state: str
    prefix: Md
    next_hop_type: str
    next_hop_ip: Md
    route: Md
    used_by: Md


@dataclass(frozen=True)
class SubnetRoutes:
    """The effective routes of one workload subnet, and how to compare them with Azure's."""

    subnet: str
    workloads: Md
    rows: tuple[RouteRow, ...]
    flowdocs_command: str
    az_commands: tuple[str, ...]


ACCESS_MEANINGS: dict[str, str] = {
    "platform": "Azure moves the data over its own fabric; no customer route, NSG or firewall "
                "applies.",
    "public": "the service's public endpoint, reached over the Microsoft backbone.",
    "service-endpoint": "straight from the subnet to the service by the service endpoint "
                        "route. Unless a service endpoint policy closes it, the subnet can "
                        "reach every storage account (finding FD005).",
    # Where Entra ID stays public beside a private endpoint, finding FD012 says so.
    "private-endpoint": "a private address in the virtual network, which private DNS gives "
                        "the service's names.",
    # What flowdocs cannot see beyond the gateway is one of the page's assumptions.
    "on-premises": "handed to a VPN or ExpressRoute gateway, towards on-premises.",
    "virtual-network": "a private address in a VNet of the design, another workload: "
                       "within its VNet or across a peering.",
}


def page_context(resolved: Resolved, *, source: str, digest: str, diagram: Diagram | None,
                 prices: PriceTable, family: Sequence[Resolved] = (),
                 bases: Sequence[str] = (), page_of: PageOf | None = None,
                 catalog: Catalog | None = None,
                 verification: Verification | None = None) -> dict[str, Any]:
    """The context of `templates/design.md.j2` for one resolved design.

    `family` is the design's variant family (`extends.comparison_families`), compared on
    the page when it has other designs; `bases` are the files it extends, as shown; `page_of`
    links another design's page; `verification` compares the page with real effective
    routes, when the build was given them.
    """
    resolution = resolved.resolution
    catalog = catalog or resolution.catalog
    design = resolution.design
    review = review_of(resolution, catalog)
    return {
        "design": design,
        "summary": inline_markdown(design.summary),
        "source": source,
        "bases": list(bases),
        "digest": digest,
        "facts": headline_facts(resolution, resolved.findings),
        "diagram": diagram,
        "flows": [flow_row(f, catalog) for f in resolution.flows],
        "narratives": narrate_all(resolution, catalog),
        "firewall_rules": firewall_sections(resolution, catalog, review),
        "nsg_rules": nsg_sections(resolution, catalog, review),
        "rule_review": review_section(review),
        "route_tables": route_tables(resolution, source),
        "access_meanings": [(kind, ACCESS_MEANINGS[kind]) for kind in ACCESS_MEANINGS
                            if any(f.access == kind for f in resolution.flows)],
        "assumptions": assumptions(resolution),
        "regions": regions_line(resolution),
        **decision_context(resolved, family, source, prices, page_of),
        **verified_context(verification),
    }


def headline_facts(resolution: Resolution, findings: Sequence[Finding]) -> Facts:
    flows = resolution.flows
    delivered = [f for f in flows if f.routed]
    counts = severity_counts(findings)
    bypasses = Bypasses(resolution)
    return Facts(
        flows=len(flows),
        through_firewall=sum(1 for f in delivered if f.firewalls),
        # The diagram's notion, so page and picture agree: a flow goes around a firewall
        # that the workload's traffic would otherwise meet.
        bypassing=sum(1 for f in delivered if bypasses.of(f)),
        on_premises=sum(1 for f in delivered if f.access == "on-premises"),
        dropped=sum(1 for f in flows if f.status != "delivered"),
        denied=sum(1 for f in flows if f.status == "denied"),
        errors=counts["error"],
        warnings=counts["warning"],
    )


def flow_row(flow: Flow, catalog: Catalog) -> FlowRow:
    return FlowRow(
        number=flow.number,
        workload=flow.workload,
        service=catalog.services[flow.service].title,
        # A design's own flow to an address has no names: the address stands for them.
        endpoints=md("{fqdns} ({protocol} {port})",
                     fqdns=join(map(code, flow.fqdns or ((flow.address,) if flow.address
                                                        else ())), "<br>"),
                     protocol=flow.protocol, port=flow.port),
        path=path_text(flow, catalog),
        firewalls=join(flow.firewalls) if flow.firewalls else Md("none"),
        access=flow.access or "none",
        status=flow.status,
        policy=policy_cell(flow),
    )


def path_text(flow: Flow, catalog: Catalog) -> Md:
    """The hops, with the service's title in place of its tag."""
    names = [catalog.services[h.node].title if h.kind == "service" else h.node
             for h in flow.hops]
    if flow.status == "loop" and flow.firewalls:
        names.append(flow.firewalls[0])
    return join(names, " → ")


def route_tables(resolution: Resolution, source: str) -> list[SubnetRoutes]:
    """The effective routes of every subnet that holds a routed workload, in design order."""
    topology, router = resolution.topology, resolution.router
    by_subnet: dict[str, list[str]] = {}
    subnet_of: dict[str, str] = {}
    nics: dict[str, list[str]] = {}  # the NICs whose routes to look at, by subnet
    for workload in resolution.design.workloads:
        by_subnet.setdefault(workload.subnet, []).append(workload.name)
        subnet_of.setdefault(workload.name, workload.subnet)
        # A subnet that is a flow's source has no VM of its own: any NIC in it will do.
        nic = f"<a-nic-in-{workload.subnet.split('/', 1)[1]}>" if workload.type == "subnet" \
            else f"<nic-of-{workload.name}>"
        nics.setdefault(workload.subnet, []).append(nic)
    routed = _routed_flows_by_subnet(resolution.flows, subnet_of)
    tables: list[SubnetRoutes] = []
    for subnet_id, workloads in by_subnet.items():
        flows = routed.get(subnet_id)
        if not flows:
            continue  # platform flows only: no route applies
        view = router.effective_routes(topology.subnets[subnet_id])
        users = _users_by_route(flows)
        rows = tuple(_route_row(route, users.get(route, [])) for route in view.routes)
        command = f"flowdocs routes {shell_word(source)} --subnet {shell_word(subnet_id)}"
        az = tuple(f"az network nic show-effective-route-table --resource-group <resource-group> "
                   f"--name {nic} --output table" for nic in dict.fromkeys(nics[subnet_id]))
        tables.append(SubnetRoutes(subnet_id, join(workloads), rows, command, az))
    return tables


def _routed_flows_by_subnet(flows: Iterable[Flow],
                            subnet_of: Mapping[str, str]) -> dict[str, list[Flow]]:
    """The flows that leave their workload's subnet by a route, by that subnet, in order.
    Workload names are unique (validation.py), so each flow has one subnet."""
    routed: dict[str, list[Flow]] = {}
    for flow in flows:
        subnet = subnet_of.get(flow.workload)
        if subnet is not None and flow.hops[0].route:
            routed.setdefault(subnet, []).append(flow)
    return routed


def _users_by_route(flows: Iterable[Flow]) -> dict[EffectiveRoute, list[str]]:
    """Each first-hop route and the flows it decides, in flow order; equal routes share."""
    users: dict[EffectiveRoute, list[str]] = {}
    for flow in flows:
        route = flow.hops[0].route
        assert route is not None  # only routed flows are listed
        users.setdefault(route, []).append(f"{flow.number} {flow.workload}/{flow.service}")
    return users


def _route_row(route: EffectiveRoute, users: Sequence[str]) -> RouteRow:
    return RouteRow(
        source=route.source,
        state=route.state,
        prefix=code(route.address_prefix),
        next_hop_type=route.next_hop_type,
        next_hop_ip=code(route.next_hop_ip) if route.next_hop_ip else Md(""),
        route=code(f"{route.table}/{route.name}") if route.table else Md(""),
        used_by=join(users, "<br>"),
    )


def assumptions(resolution: Resolution) -> list[Md]:
    """What flowdocs assumes where Azure does not document its behaviour (azure-rules.md)."""
    design = resolution.design
    found = [
        Md("Service addresses are reasoned about symbolically: 0.0.0.0/0 covers every "
           "service, and a service tag or a service endpoint covers its own service."),
        Md("A User route to any other public range is assumed not to cover a service's "
           "addresses; a warning names each such route."),
        _region_assumption(resolution),
        Md("The effective routes list the four documented reserved ranges with next hop "
           "None; real tables may list more of them, which changes no flow."),
    ]
    if design.private_endpoints and not design.private_dns_zones:
        found.append(Md("Private DNS resolves each service's names to its private endpoint "
                        "(the privatelink zones are linked to the virtual networks): the "
                        "design declares no private DNS zone to check it against."))
    elif design.private_endpoints:
        found.append(Md("A VNet resolves a service's names to its private endpoint when a "
                        "declared private DNS zone answers for it: the VNet is linked to the "
                        "zone, or its DNS servers are in a linked VNet. A DNS server outside "
                        "the design is taken to forward to a linked VNet."))
    if any(f.access == "on-premises" for f in resolution.flows):
        found.append(Md("Flows handed to a gateway are counted as delivered: flowdocs cannot "
                        "see beyond the gateway."))
    found += [md("{a}", a=a) for a in policy_assumptions(design)]
    return found


def regions_line(resolution: Resolution) -> Md | None:
    """The regions of a design whose VNets span several, each with its VNets; None for a
    design in one region (the page then states the design's region alone)."""
    topology, table = resolution.topology, default_regions()
    by_region: dict[str | None, list[str]] = {}
    for vnet in resolution.design.vnets:
        by_region.setdefault(topology.region_of(vnet.name), []).append(vnet.name)
    if len(by_region) < 2:
        return None
    return join((md("{name} ({code}): {vnets}", name=table.display_name(region),
                    code=code(region), vnets=join(vnets))
                 if region else md("region not stated: {vnets}", vnets=join(vnets))
                 for region, vnets in by_region.items()), "; ")


def _region_assumption(resolution: Resolution) -> Md:
    """Which region a flow's service is taken to be in: regional service tags and service
    endpoints are matched against it (azure-rules.md 3)."""
    design = resolution.design
    targets_placed = any(v.region for v in design.vaults) or \
        any(a.region for a in design.storage_accounts)
    if regions_line(resolution) is None and not targets_placed:
        return md("The services are in the design's region ({region}), so a regional service "
                  "endpoint such as {se} covers them.", region=design.region or "not given",
                  se=code("Microsoft.Storage"))
    return md("Each flow's service is in its backup target's region (a vault's or storage "
              "account's {key}), or else in the region of the workload's VNet; regional "
              "service tags and service endpoints such as {se} are matched against it.",
              key=code("region"), se=code("Microsoft.Storage"))


@dataclass(frozen=True)
class IndexRow:
    """A design on the index: its page, title, headline facts and monthly cost."""

    link: Md
    title: str
    facts: Facts
    monthly: str


@dataclass(frozen=True)
class FamilyComparison:
    """A base design and its variants side by side, as their pages show them."""

    volumes: Md  # the backup volume every option carries; empty when the options differ
    variants: VariantsSection


def index_context(designs: Sequence[Resolved], families: Mapping[str, Sequence[Resolved]],
                  prices: PriceTable, page_of: PageOf) -> dict[str, Any]:
    """The context of `templates/index.md.j2`: every design's headline facts, then one
    comparison per variant family (`extends.comparison_families`)."""
    analyses = {r.resolution.design.name: analyse_resolved(r, prices) for r in designs}
    rows = [IndexRow(Md(page_of(name)), a.resolution.design.title,
                     headline_facts(a.resolution, a.findings),
                     money(a.costs.total, a.costs.currency))
            for name, a in analyses.items()]
    compared: list[FamilyComparison] = []
    seen: set[str] = set()
    for resolved in designs:
        family = families.get(resolved.resolution.design.name, ())
        root = family[0].resolution.design.name if family else ""
        if len(family) < 2 or root in seen:
            continue
        seen.add(root)
        members = [analyses.get(r.resolution.design.name) or analyse_resolved(r, prices)
                   for r in family]
        compared.append(FamilyComparison(
            shared_volumes(members), variants_context(compare(members), page_of)["variants"]))
    return {"designs": rows, "comparisons": compared}


def shared_volumes(analyses: Sequence[Analysis]) -> Md:
    """The backup volumes, when every option of a comparison carries the same ones."""
    volumes = {tuple((w.name, w.backup.daily_gb) for w in a.resolution.design.workloads
                     if w.backup.daily_gb) for a in analyses}
    if len(volumes) != 1 or not (workloads := next(iter(volumes))):
        return Md("")
    days = analyses[0].costs.days_per_month
    parts = [md("{name}, {day} a day ({month} a month)", name=name,
                day=gigabytes(Decimal(str(gb))), month=gigabytes(Decimal(str(gb)) * days))
             for name, gb in workloads]
    return md("Every option backs up the same data: {parts}.", parts=join(parts, "; "))
