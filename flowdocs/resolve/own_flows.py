"""What a design's own flows (`flows:`) add to a resolution: a catalog service per flow (named
after the flow, so every output that reads services reads them), a workload for a subnet that
is a flow's source (any address of the subnet), and each flow's destination by address.

Resolved by `flows.resolve` like catalog flows, after them, in the design's order.
"""

from __future__ import annotations

import ipaddress

from flowdocs.load.catalog import Catalog, Service, WorkloadType
from flowdocs.load.flow_model import OwnFlow
from flowdocs.load.model import Design, Workload
from flowdocs.resolve.topology import Topology

# The workload type of a subnet that is a flow's source: it has no catalog flows.
SUBNET_SOURCE_TYPE = "subnet"
# Azure keeps the first four addresses of a subnet: the first a VM can have is the fifth.
_FIRST_HOST_IN_SUBNET = 4


def with_own_flows(design: Design, catalog: Catalog) -> tuple[Design, Catalog]:
    """The design with a workload for each subnet source, and the catalog with a service
    for each own flow and the subnet source type; both unchanged without own flows."""
    if not design.flows:
        return design, catalog
    services = dict(catalog.services)
    for flow in design.flows:
        services[flow.name] = _service(flow, catalog)
    types = {**catalog.workload_types,
             SUBNET_SOURCE_TYPE: WorkloadType(title="Any address of the subnet", flows=())}
    names = {w.name for w in design.workloads}
    sources = [Workload(name=source_name(flow.source), type=SUBNET_SOURCE_TYPE,
                        subnet=flow.source)
               for flow in design.flows if flow.source not in names]
    unique = list({w.name: w for w in sources}.values())
    return (design.model_copy(update={"workloads": [*design.workloads, *unique]}),
            catalog.model_copy(update={"services": services, "workload_types": types}))


def source_name(source: str) -> str:
    """A flow's source as a workload name: a workload's own, or `vnet.subnet` for a subnet."""
    return source.replace("/", ".")


def _service(flow: OwnFlow, catalog: Catalog) -> Service:
    """The flow as a service: a catalog service's names and tag when it goes to one."""
    target = flow.destination.service
    base = catalog.services.get(target) if target else None
    return Service(title=flow.title or flow.name, fqdns=base.fqdns if base else (),
                   port=flow.port, protocol=flow.protocol,
                   tag=catalog.tag(target) if target else None,
                   fqdn_tag=base.fqdn_tag if base else None,
                   service_endpoint=base.service_endpoint if base else None,
                   source="the design's own flows")


def target_address(flow: OwnFlow, design: Design, topology: Topology
                   ) -> tuple[str, str, str] | None:
    """(ip, node, kind) of a destination by address: a workload (its IP, else the first
    address a VM can have in its subnet), or an address the design names (its first
    address). None for a private endpoint or a service."""
    destination = flow.destination
    if destination.workload is not None:
        workload = next(w for w in design.workloads if w.name == destination.workload)
        ip = workload.ip or str(topology.subnets[workload.subnet].network.network_address
                                + _FIRST_HOST_IN_SUBNET)
        return ip, workload.name, "workload"
    if destination.address is not None:
        network = ipaddress.ip_network(destination.address)
        host = network.network_address if network.num_addresses <= 2 else network[1]
        return str(host), destination.address, "address"
    return None


def vnet_holding(ip: str, topology: Topology) -> str | None:
    """The VNet whose address space holds `ip`, if any."""
    address = ipaddress.ip_address(ip)
    for vnet in topology.vnets.values():
        if any(address in ipaddress.ip_network(space) for space in vnet.address_space):
            return vnet.name
    return None
