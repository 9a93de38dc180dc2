"""Cross-field checks of a design's own flows (`flows:`): unique names that no catalog
service has, a source that is a workload or a subnet, a destination that exists. Pure."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator

from flowdocs.load.catalog import Catalog
from flowdocs.load.diagnostics import DataPath, Diagnostic
from flowdocs.load.model import Design


def check_own_flows(design: Design, catalog: Catalog, unknown: Callable[..., str]
                    ) -> Iterator[Diagnostic]:
    """Every problem of the design's own flows; `unknown` words a reference to a name that
    does not exist (validation.py's)."""
    if not design.flows:
        return
    workloads = {w.name for w in design.workloads}
    subnets = {f"{v.name}/{s.name}" for v in design.vnets for s in v.subnets}
    endpoints = {e.name for e in design.private_endpoints}
    seen: set[str] = set()
    for f, flow in enumerate(design.flows):
        path: DataPath = ("flows", f)
        # A flow's name is its service in every output: it may not be a catalog service's.
        if flow.name.casefold() in seen:
            yield _error(f"duplicate flow name '{flow.name}'", (*path, "name"))
        elif flow.name.casefold() in {s.casefold() for s in catalog.services}:
            yield _error(f"'{flow.name}' is a service of the flow catalog: give the flow "
                         "another name", (*path, "name"))
        seen.add(flow.name.casefold())
        if flow.source not in workloads and flow.source not in subnets:
            kind = "subnet" if "/" in flow.source else "workload"
            choices = subnets if kind == "subnet" else workloads
            yield _error(unknown(kind, flow.source, choices), (*path, "source"))
        elif flow.source in subnets and flow.source.replace("/", ".") in workloads:
            # A subnet source is drawn and named as a workload `VNET.SUBNET`.
            yield _error(f"a workload is already named '{flow.source.replace('/', '.')}', the "
                         f"name a flow from the subnet {flow.source} takes: rename the "
                         "workload", (*path, "source"))
        yield from _destination_problems(flow.destination, (*path, "destination"), workloads,
                                         endpoints, catalog, unknown)
        if flow.destination.workload is not None and flow.destination.workload == flow.source:
            yield _error("a flow cannot go from a workload to itself",
                         (*path, "destination", "workload"))


def _destination_problems(destination: object, path: DataPath, workloads: set[str],
                          endpoints: set[str], catalog: Catalog, unknown: Callable[..., str]
                          ) -> Iterator[Diagnostic]:
    workload = getattr(destination, "workload", None)
    if workload is not None and workload not in workloads:
        yield _error(unknown("workload", workload, workloads), (*path, "workload"))
    endpoint = getattr(destination, "private_endpoint", None)
    if endpoint is not None and endpoint not in endpoints:
        yield _error(unknown("private endpoint", endpoint, endpoints),
                     (*path, "private_endpoint"))
    service = getattr(destination, "service", None)
    if service is not None and service not in catalog.services:
        yield _error(unknown("service", service, catalog.services, names=False),
                     (*path, "service"))
    address = getattr(destination, "address", None)
    if address is not None:
        try:
            ipaddress.ip_network(address, strict=True)
        except ValueError:
            yield _error(f"expected an IP address or a CIDR with no host bits set, found "
                         f"'{address}'", (*path, "address"))


def _error(message: str, path: DataPath) -> Diagnostic:
    return Diagnostic("error", message, path)
