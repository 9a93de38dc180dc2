"""Each flow explained in plain words: the route that decides it, whether it crosses a
firewall and why, and what would change it.

Pure: reads a Resolution and the catalog, returns trusted Markdown (`Md`) in which every
name from the design is escaped. The rules behind each sentence are in azure-rules.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from flowdocs.load.catalog import Catalog
from flowdocs.load.flow_model import OwnFlow
from flowdocs.load.model import Workload
from flowdocs.resolve.flows import Flow, Resolution, workload_target
from flowdocs.resolve.routing import EffectiveRoute, ServiceDestination
from flowdocs.resolve.topology import SubnetRef
from flowdocs.write.escaping import Md, code, join, md, text
from flowdocs.write.policy_text import check_line


@dataclass(frozen=True)
class Admonition:
    """A Material admonition: `kind` is note, info, warning or danger."""

    kind: str
    title: str
    text: Md


@dataclass(frozen=True)
class Narrative:
    """What the page says about one flow."""

    flow: Flow
    heading: Md
    story: Md
    decided_by: Md
    firewall: Md
    changes: tuple[Md, ...]
    caveats: tuple[Admonition, ...]
    # What each NSG and firewall on the path decides (policy_text.check_line).
    policy: tuple[Md, ...] = ()


def narrate(flow: Flow, resolution: Resolution, catalog: Catalog) -> Narrative:
    """The narrative of one flow of `resolution`."""
    return _Narrator(flow, _Shared(resolution, catalog)).narrative()


def narrate_all(resolution: Resolution, catalog: Catalog) -> list[Narrative]:
    """The narratives of every flow of `resolution`, in its order. Flows share routes,
    subnets and services: what they share is described once."""
    shared = _Shared(resolution, catalog)
    return [_Narrator(flow, shared).narrative() for flow in resolution.flows]


def describe_route(route: EffectiveRoute) -> Md:
    """A route as a sentence fragment: which kind of route, and prefix → next hop."""
    rule = md("{prefix} → {hop}", prefix=code(route.address_prefix), hop=next_hop(route))
    if route.source == "User":
        return md("the User route {name} ({rule})", name=code(f"{route.table}/{route.name}"),
                  rule=rule)
    if route.source == "VirtualNetworkGateway":
        return md("the route {rule} that {gateway} learned by BGP", rule=rule,
                  gateway=route.gateway or "the gateway")
    return md("the system route {rule}", rule=rule)


def next_hop(route: EffectiveRoute) -> Md:
    if route.next_hop_ip:
        return md("{type} {ip}", type=route.next_hop_type, ip=code(route.next_hop_ip))
    return md("{type}", type=route.next_hop_type)


def deciding_route_line(route: EffectiveRoute | None) -> Md:
    """Table, route, prefix and next hop of the deciding route, as one line."""
    if route is None:
        return Md("no route: the platform carries this traffic")
    if route.source == "User":
        where = md("route table {table}, route {name}", table=code(route.table),
                   name=code(route.name))
    elif route.source == "VirtualNetworkGateway":
        where = md("learned by BGP from {gateway}", gateway=route.gateway or "a gateway")
    else:
        where = Md("system route (Default)")
    return md("{where}, prefix {prefix}, next hop {hop}", where=where,
              prefix=code(route.address_prefix), hop=next_hop(route))


class _RouteWords:
    """How the narratives name one route. It holds the route, so that a memo kept by the
    route's id can never meet another route under the same id."""

    __slots__ = ("deciding_line", "description", "name", "route")

    def __init__(self, route: EffectiveRoute) -> None:
        self.route = route
        self.description = describe_route(route)
        self.name = (md("the User route {n}", n=code(f"{route.table}/{route.name}"))
                     if route.source == "User" else self.description)
        self.deciding_line = deciding_route_line(route)


class _Shared:
    """What the narratives of one resolution have in common, each piece worked out once:
    a page narrates thousands of flows over a few routes, subnets and services. Pieces are
    kept by the identity of the route they describe (routes are shared, not copied)."""

    def __init__(self, resolution: Resolution, catalog: Catalog) -> None:
        self.resolution = resolution
        self.catalog = catalog
        self.topology = resolution.topology
        self.workloads: dict[str, Workload] = {}
        for workload in resolution.design.workloads:
            self.workloads.setdefault(workload.name, workload)
        self._titles: dict[str, Md] = {}
        self._codes: dict[str, Md] = {}
        self._lists: dict[tuple[str, ...], Md] = {}
        self._routes: dict[int, _RouteWords] = {}
        self._defaults: dict[tuple[str, str], EffectiveRoute | None] = {}
        self._endpoints: dict[str, list[str]] = {}
        # The design's own flows, by name (a flow's service is its name).
        self.own_flows: dict[str, OwnFlow] = {f.name: f for f in resolution.design.flows}

    def title(self, service: str) -> Md:
        """The service's title, escaped."""
        if service not in self._titles:
            self._titles[service] = text(self.catalog.services[service].title)
        return self._titles[service]

    def code(self, value: str) -> Md:
        if value not in self._codes:
            self._codes[value] = code(value)
        return self._codes[value]

    def firewall_list(self, firewalls: tuple[str, ...]) -> Md:
        """`a, b and c`; the backends of one load balancer are alternatives: `a or b
        (behind ilb-x)`, since the load balancer hands each connection to one of them."""
        if firewalls not in self._lists:
            balancer = next((b for b in self.resolution.design.load_balancers
                             if len(firewalls) > 1 and set(firewalls) <= set(b.backends)), None)
            self._lists[firewalls] = (
                md("{fws} (behind {lb})", fws=join(firewalls, ", ", " or "), lb=balancer.name)
                if balancer is not None else join(firewalls, ", ", " and "))
        return self._lists[firewalls]

    def route_words(self, route: EffectiveRoute) -> _RouteWords:
        """How the narratives name `route`."""
        known = self._routes.get(id(route))
        if known is None:
            known = _RouteWords(route)
            self._routes[id(route)] = known
        return known

    def default_route(self, subnet: SubnetRef, service: str) -> EffectiveRoute | None:
        """The route that would carry a flow to `service` without its service or private
        endpoint."""
        key = (subnet.id, service)
        if key not in self._defaults:
            self._defaults[key] = _default_route(self.resolution, subnet, service)
        return self._defaults[key]

    def service_endpoints(self, service: str) -> list[str]:
        if service not in self._endpoints:
            self._endpoints[service] = [name for name, kind
                                        in self.catalog.service_endpoints.items()
                                        if kind.service == service]
        return self._endpoints[service]


class _Narrator:
    def __init__(self, flow: Flow, shared: _Shared) -> None:
        self.flow = flow
        self.shared = shared
        self.resolution = shared.resolution
        self.catalog = shared.catalog
        self.topology = shared.topology
        self.workload = shared.workloads[flow.workload]
        self.subnet: SubnetRef = self.topology.subnets[self.workload.subnet]
        self.kind = self.catalog.workload_types[self.workload.type]
        self.route = flow.deciding_route
        # What most sentences name, escaped once.
        self.title = shared.title(flow.service)
        self.number = text(flow.number)
        self.category = text(flow.category)
        self.workload_name = text(flow.workload)
        self.subnet_code = shared.code(self.subnet.id)

    def narrative(self) -> Narrative:
        flow = self.flow
        heading = md("Flow {n}: {w} to {s} ({c})", n=self.number, w=self.workload_name,
                     s=self.title, c=self.category)
        story, firewall, changes = self._story()
        decided_by = (deciding_route_line(None) if self.route is None
                      else self.shared.route_words(self.route).deciding_line)
        return Narrative(flow, heading, story, decided_by, firewall,
                         tuple(changes), tuple(self._caveats()),
                         tuple(check_line(c) for c in flow.policy))

    # -- the story, by outcome ----------------------------------------------------------

    def _story(self) -> tuple[Md, Md, list[Md]]:
        flow = self.flow
        if flow.access == "platform":
            return self._platform()
        if flow.status == "loop":
            return self._loop()
        if flow.status == "dropped":
            return self._dropped()
        own = self.shared.own_flows.get(flow.service)
        if own is not None and flow.routed:
            return self._own_flow(own)
        if flow.access == "on-premises":
            return self._on_premises()
        if flow.access == "service-endpoint":
            return self._service_endpoint()
        if flow.access == "private-endpoint":
            return self._private_endpoint()
        return self._public()

    def _own_flow(self, own: OwnFlow) -> tuple[Md, Md, list[Md]]:
        """A design's own flow to another workload, an address, or a service's public
        endpoint: where it goes, through which firewalls, and what would change that."""
        flow = self.flow
        where = self._own_destination(own)
        parts = [md("Flow {n} ({c}) from {w} to {d} ({p} {port}) leaves {subnet} by {route}",
                    n=self.number, c=self.category, w=self.workload_name, d=where,
                    p=flow.protocol, port=flow.port, subnet=self.subnet_code,
                    route=self._describe(self.route) if self.route else Md("no route")),
                 self._peerings()]
        parts.append(self._inspection())
        parts.append(md(" and reaches {d}.", d=where))
        if flow.firewalls:
            firewall = md("Crosses {fws}: {route} is the most specific route of {subnet} "
                          "that covers {d}.{cost}",
                          fws=self.shared.firewall_list(flow.firewalls),
                          route=self._route_name(), subnet=self.subnet_code, d=where,
                          cost=self._data_cost())
        else:
            firewall = md("Crosses no firewall: {route} takes it straight there.",
                          route=self._route_name())
        changes = [md("A User route on {subnet} more specific than {route} for {d} changes "
                      "its path: next hop VirtualAppliance to inspect it, or the route Azure "
                      "would choose without it to skip the firewall.",
                      subnet=self.subnet_code, route=self._route_name(), d=where)]
        return Md("".join(parts)), firewall, changes

    def _inspection(self) -> Md:
        """`, is inspected by afw-hub, which sends it on by <route>,`: the firewalls on the
        way and the route the last one sends it on by; nothing without a firewall."""
        if not self.flow.firewalls:
            return Md("")
        parts = [md(", is inspected by {fws}", fws=self.shared.firewall_list(self.flow.firewalls))]
        onward = self._onward_route()
        if onward is not None:
            parts.append(md(", which sends it on by {r}", r=self._describe(onward)))
        parts.append(Md(","))
        return Md("".join(parts))

    def _own_destination(self, own: OwnFlow) -> Md:
        destination = own.destination
        if destination.workload is not None:
            return md("the workload {w}", w=destination.workload)
        if destination.private_endpoint is not None:
            ip = self.topology.private_endpoint_ips[destination.private_endpoint]
            return md("the private endpoint {pe} ({ip})", pe=destination.private_endpoint,
                      ip=code(ip))
        if destination.service is not None:
            where = "by its service endpoint" if self.flow.access == "service-endpoint" \
                else "at its public endpoint"
            return md("{s} {w}", s=self.shared.title(destination.service), w=where)
        address = destination.address or ""
        if self.flow.access == "on-premises":
            return md("the on-premises address {a}", a=code(address))
        return md("the address {a}", a=code(address))

    def _opening(self) -> Md:
        assert self.route is not None
        return md("Flow {n} ({c}) from {w} to {s} leaves {subnet} by {route}",
                  n=self.number, c=self.category, w=self.workload_name, s=self.title,
                  subnet=self.subnet_code, route=self._describe(self.route))

    def _platform(self) -> tuple[Md, Md, list[Md]]:
        story = md("Flow {n} ({c}) of {w} to {s} is not network traffic from the VM: Azure "
                   "Backup drives the snapshot through the VM extension and moves it to the "
                   "vault over the Azure fabric. No route of {subnet} applies to it.",
                   n=self.number, c=self.category, w=self.workload_name, s=self.title,
                   subnet=self.subnet_code)
        firewall = Md("Never crosses a firewall, whatever the routes say: no NSG or firewall "
                      "rule is needed for it.")
        changes = [Md("Nothing in the network design. Only a streaming backup (SQL Server, "
                      "SAP HANA or ASE in a VM, the MARS agent) sends routed traffic.")]
        return story, firewall, changes

    def _public(self) -> tuple[Md, Md, list[Md]]:
        flow = self.flow
        parts = [self._opening(), self._peerings()]
        parts.append(self._inspection())
        parts.append(md(" and reaches the public endpoint of {s} over the Microsoft backbone.",
                        s=self.title))
        parts.append(self._public_names())
        story = Md("".join(parts))
        if flow.firewalls:
            firewall = md("Crosses {fws}: {route} is the most specific route of {subnet} "
                          "that covers the public addresses of {s}.{cost}",
                          fws=self.shared.firewall_list(flow.firewalls),
                          route=self._route_name(), subnet=self.subnet_code, s=self.title,
                          cost=self._data_cost())
        else:
            firewall = md("Crosses no firewall: {route} sends it straight out, without "
                          "inspection.", route=self._route_name())
        return story, firewall, self._public_changes()

    def _public_changes(self) -> list[Md]:
        changes: list[Md] = []
        endpoints = self.shared.service_endpoints(self.flow.service)
        if self.flow.firewalls:
            if endpoints and not set(endpoints) & set(self.subnet.subnet.service_endpoints):
                changes.append(md(
                    "A {se} service endpoint on {subnet}: its route covers only the addresses "
                    "of {s}, so it is more specific than 0.0.0.0/0 and the flow skips the "
                    "firewall, at the price of a path to any storage account (exfiltration).",
                    se=code(endpoints[0]), subnet=self.subnet_code, s=self.title))
            changes.append(md(
                "A User route for the {tag} service tag with next hop Internet: it is more "
                "specific than 0.0.0.0/0, so the flow leaves directly, uninspected.",
                tag=self.shared.code(self.flow.service)))
        else:
            changes.append(md("A User route 0.0.0.0/0 → VirtualAppliance on {subnet} would "
                              "send it through a firewall for inspection.",
                              subnet=self.subnet_code))
        changes.extend(self._private_endpoint_change())
        if not endpoints and not self._private_endpoint_possible():
            covers = ("a backup target" if self.kind.backs_up or self.kind.target is None
                      else "the workload's target")
            changes.append(md("{s} has neither a service endpoint nor a private endpoint that "
                              "{covers} covers: it always uses its public endpoint.",
                              s=self.title, covers=Md(covers)))
        return changes

    def _service_endpoint(self) -> tuple[Md, Md, list[Md]]:
        story = md("{opening}, which covers only the addresses of {s}. Azure counts that as "
                   "more specific than 0.0.0.0/0, so the flow goes straight to {s} over the "
                   "Microsoft backbone.", opening=self._opening(), s=self.title)
        default = self.shared.default_route(self.subnet, self.flow.service)
        if default is not None and default.next_hop_type == "VirtualAppliance":
            firewall = md("Bypasses the firewall: the service endpoint route beats {r}, which "
                          "carries the other flows of {subnet} to {fw}.",
                          r=self._describe(default), subnet=self.subnet_code,
                          fw=self._firewall_at(default.next_hop_ip))
        else:
            firewall = Md("Crosses no firewall: the service endpoint route takes it directly.")
        changes = [
            md("A User route for the {tag} service tag (next hop VirtualAppliance) takes it "
               "back through a firewall: on the same prefixes, User beats the system route.",
               tag=self.shared.code(self.flow.service)),
            md("Removing the service endpoint from {subnet} hands the flow back to {r}.",
               subnet=self.subnet_code,
               r=self._describe(default) if default is not None else Md("the 0.0.0.0/0 route")),
            *self._private_endpoint_change(),
        ]
        return story, firewall, changes

    def _private_endpoint(self) -> tuple[Md, Md, list[Md]]:
        flow = self.flow
        pe = next(p for p in self.resolution.design.private_endpoints
                  if p.name == flow.private_endpoint)
        ip = self.topology.private_endpoint_ips[pe.name]
        reach = md("the private endpoint {pe} ({ip}) of {target}", pe=pe.name, ip=code(ip),
                   target=pe.target)
        if flow.firewalls:
            story = md("{opening}{peerings}, is inspected by {fws} and reaches {reach}. "
                       "Private DNS resolves the service's names to that address.",
                       opening=self._opening(), peerings=self._peerings(),
                       fws=self.shared.firewall_list(flow.firewalls), reach=reach)
            firewall = md("Crosses {fws}: {subnet} has network policies for route tables "
                          "({policy}), so the User route, at least as long as the endpoint "
                          "VNet's range, takes over the endpoint's /32 route.",
                          fws=self.shared.firewall_list(flow.firewalls),
                          subnet=code(pe.subnet),
                          policy=code(self.topology.subnets[pe.subnet].subnet
                                      .private_endpoint_network_policies))
            changes = [md("Network policies {off} on {subnet} give the /32 route back: the "
                          "flow would then skip the firewall.", off=code("Disabled"),
                          subnet=code(pe.subnet))]
        else:
            story = md("Flow {n} ({c}) from {w} to {s} goes to {reach}: private DNS resolves "
                       "the service's names to that address, and {route} is more specific "
                       "than any 0.0.0.0/0 route. The flow stays inside the private network.",
                       n=self.number, c=self.category, w=self.workload_name, s=self.title,
                       reach=reach, route=self._describe(self.route) if self.route else "")
            firewall = Md("Bypasses the firewall: a 0.0.0.0/0 User route never takes over a "
                          "private endpoint's /32 route.")
            changes = [md("To inspect it: network policies {on} on {subnet} and a User route "
                          "at least as long as the endpoint VNet's range, next hop "
                          "VirtualAppliance.", on=code("RouteTableEnabled"),
                          subnet=code(pe.subnet))]
        changes.append(Md("Without the private endpoint (or its private DNS zone) the flow "
                          "goes to the public endpoint by the subnet's 0.0.0.0/0 route."))
        return story, firewall, changes

    def _on_premises(self) -> tuple[Md, Md, list[Md]]:
        gateway = self.flow.hops[-1].node
        story = md("{opening}: forced tunnelling hands the flow to {gw}, towards on-premises. "
                   "What happens next is outside the design.", opening=self._opening(),
                   gw=gateway)
        firewall = md("Crosses no Azure firewall that flowdocs can see: any inspection happens "
                      "on-premises, beyond {gw}, where a firewall needs the destinations this "
                      "page lists.", gw=gateway)
        changes = [md("A User route for the {tag} service tag on {subnet} (next hop Internet, "
                      "or VirtualAppliance to a firewall in Azure): User beats BGP.",
                      tag=self.shared.code(self.flow.service), subnet=self.subnet_code)]
        endpoints = self.shared.service_endpoints(self.flow.service)
        if endpoints:
            changes.append(md("A {se} service endpoint: its route wins over BGP routes "
                              "whatever their length.", se=code(endpoints[0])))
        changes.extend(self._private_endpoint_change())
        changes.append(Md("A route table with BGP route propagation disabled on the subnet "
                          "stops the learned 0.0.0.0/0 from applying."))
        return story, firewall, changes

    def _dropped(self) -> tuple[Md, Md, list[Md]]:
        story = md("Flow {n} ({c}) from {w} to {s} is dropped: {reason}.", n=self.number,
                   c=self.category, w=self.workload_name, s=self.title,
                   reason=self.flow.reason)
        firewall = Md("Never reaches a firewall, nor its destination.")
        route = self.route
        if route is not None and route.next_hop_type == "VirtualAppliance":
            fw = self.topology.firewall_by_ip.get(route.next_hop_ip or "")
            if fw is not None:
                fw_vnet = fw.subnet.split("/", 1)[0]
                return story, firewall, [md(
                    "Peering {vnet} with {fw_vnet}, which holds {ip} ({fw}), or pointing "
                    "{route} at an appliance in a VNet peered with {vnet}.",
                    vnet=self.subnet.vnet.name, fw_vnet=fw_vnet, ip=code(route.next_hop_ip),
                    fw=fw.name, route=code(f"{route.table}/{route.name}"))]
        return story, firewall, [Md("A route that covers the destination with a next hop "
                                    "that can be reached.")]

    def _loop(self) -> tuple[Md, Md, list[Md]]:
        story = md("Flow {n} ({c}) from {w} to {s} never arrives: {reason}.",
                   n=self.number, c=self.category, w=self.workload_name,
                   s=self.title, reason=self.flow.reason)
        firewall = md("Circles between {fws} until the packet expires.",
                      fws=self.shared.firewall_list(self.flow.firewalls))
        last = self.route
        changes = [md("Changing {route} so that the last appliance sends the flow out "
                      "(next hop Internet or a gateway) instead of back to {first}.",
                      route=code(f"{last.table}/{last.name}") if last and last.table
                      else Md("the route of the last appliance's subnet"),
                      first=self.flow.firewalls[0] if self.flow.firewalls else "the first")]
        return story, firewall, changes

    # -- caveats ------------------------------------------------------------------------

    def _caveats(self) -> list[Admonition]:
        """What the reader should know about this flow that no finding states: a finding
        (FD005 exfiltration, FD012 Entra ID, FD014 a denied flow) is shown once, in the
        page's findings."""
        if self.flow.access != "service-endpoint" or self.kind.target != "storage_account":
            return []
        subnet = self.subnet.subnet
        policies = [p for p in self.resolution.design.service_endpoint_policies
                    if p.name in subnet.service_endpoint_policies]
        if not policies:
            return []
        allowed = sorted({a for p in policies for a in p.allowed_storage_accounts})
        return [Admonition("note", "Exfiltration path closed", md(
            "The service endpoint policy {p} limits the endpoint to {a}: the path to other "
            "storage accounts is closed.", p=join(p.name for p in policies), a=join(allowed)))]

    # -- helpers ------------------------------------------------------------------------

    def _peerings(self) -> Md:
        if not self.flow.peerings:
            return Md("")
        # A peering across regions is global VNet peering, priced apart (costs.py).
        named = [md("{p} (global, across regions)", p=code(p)) if self._is_global(p)
                 else code(p) for p in self.flow.peerings]
        if len(named) == 1:
            return md(", crosses the peering {p}", p=named[0])
        return md(", crosses the peerings {p}", p=join(named, ", ", " and "))

    def _is_global(self, peering_id: str) -> bool:
        """Whether a peering joins VNets of two regions (global VNet peering)."""
        peering = next((p for p in self.resolution.design.peerings if p.id == peering_id), None)
        if peering is None:
            return False
        a, b = peering.vnets
        return self.topology.region_of(a) != self.topology.region_of(b)

    def _data_cost(self) -> Md:
        """The article's point about backup data through a hub firewall: it is paid for."""
        if self.flow.category != "data":
            return Md("")
        peering = ", and the peering bills both directions" if self.flow.peerings else ""
        what = "byte of the flow" if self.flow.service in self.shared.own_flows \
            else "backup byte"
        return Md(f" Every {what} is processed, and billed, by the firewall{peering}.")

    def _route_name(self) -> Md:
        return Md("no route") if self.route is None else self.shared.route_words(self.route).name

    def _describe(self, route: EffectiveRoute) -> Md:
        return self.shared.route_words(route).description

    def _onward_route(self) -> EffectiveRoute | None:
        firewall_hops = [h for h in self.flow.hops if h.kind == "firewall"]
        return firewall_hops[-1].route if firewall_hops else None

    def _firewall_at(self, ip: str | None) -> Md:
        firewall = self.topology.firewall_by_ip.get(ip or "")
        return md("{name}", name=firewall.name) if firewall else md("{ip}", ip=code(ip or "?"))

    def _private_endpoint_possible(self) -> bool:
        return self.flow.service in self.catalog.covered(self.kind)

    def _skipped_zones(self) -> tuple[str, ...]:
        """The private DNS zones that do not answer for the client's VNet, when that is why
        the flow skipped its private endpoint (dns.py); empty otherwise."""
        dns = self.flow.dns
        if dns is None or dns.private:
            return ()
        return tuple(dict.fromkeys(z.declared or z.zone for z in dns.unanswered))

    def _public_names(self) -> Md:
        """Why a flow with a private endpoint took the public path: its names resolve to
        public addresses in the client's VNet."""
        zones, dns = self._skipped_zones(), self.flow.dns
        if not zones or dns is None:
            return Md("")
        one = len(zones) == 1
        return md(" It does not use the private endpoint {pe}: the private DNS {zone} {zones} "
                  "{verb} not answer for {vnet}, so the service's names resolve to public "
                  "addresses (see the findings).", pe=dns.endpoint,
                  zone="zone" if one else "zones", zones=join(map(code, zones), ", ", " and "),
                  vnet=code(dns.vnet), verb="does" if one else "do")

    def _private_endpoint_change(self) -> list[Md]:
        target = workload_target(self.workload, self.kind.target)
        if not self._private_endpoint_possible():
            return []
        if target is None:
            # A Key Vault client, Arc-enabled server or Monitor agent that names no target.
            return [md("A {kind} named in the workload's {key}, with a private endpoint: the "
                       "flow would go to a private address in the VNet instead of the public "
                       "endpoint.", kind=_TARGET_NOUNS.get(self.kind.target or "", "target"),
                       key=code("target"))]
        zones, dns = self._skipped_zones(), self.flow.dns
        if zones and dns is not None:
            return [md("Private DNS that answers for {vnet}: link {zones} to it (or point its "
                       "DNS servers at a resolver in a linked VNet), and the flow goes to "
                       "{pe} instead of the public endpoint.", vnet=code(dns.vnet),
                       zones=join(map(code, zones), ", ", " and "), pe=dns.endpoint)]
        return [md("A private endpoint for {target}: the flow would go to a private address "
                   "in the VNet instead of the public endpoint.", target=target)]


_TARGET_NOUNS = {"key_vault": "Key Vault", "arc_scope": "Azure Arc Private Link Scope",
                 "monitor_scope": "Azure Monitor Private Link Scope"}


def _default_route(resolution: Resolution, subnet: SubnetRef,
                   service: str) -> EffectiveRoute | None:
    """The route that would carry a flow from `subnet` to `service` without its service or
    private endpoint."""
    view = resolution.router.effective_routes(subnet)
    candidates = [r for r in view.active
                  if r.network is not None and r.network.prefixlen == 0
                  and r.covers(ServiceDestination(service), None)]
    order = {"User": 3, "VirtualNetworkGateway": 2, "Default": 1}
    return max(candidates, key=lambda r: order[r.source], default=None)
