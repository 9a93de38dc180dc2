"""The security policy checks of each flow, evaluated once per source subnet, service,
region and path (policy.py evaluates; this keeps the answers)."""

from __future__ import annotations

from flowdocs.load.catalog import Catalog
from flowdocs.load.model import Workload
from flowdocs.load.regions import RegionTable
from flowdocs.resolve.flow_types import AddressTarget, FlowPath
from flowdocs.resolve.policy import PolicyEvaluator, Traffic
from flowdocs.resolve.policy_checks import PolicyCheck
from flowdocs.resolve.policy_match import Destination as PolicyDestination
from flowdocs.resolve.topology import Topology, parse_address


class PolicyCache:
    """The policy checks of delivered flows, by source subnet, service, region and path:
    every workload of a subnet gets the same answer. Platform flows are not network traffic
    from the workload, and dropped flows never reach a decision: neither gets checks."""

    def __init__(self, topology: Topology, catalog: Catalog, regions: RegionTable) -> None:
        self.topology = topology
        self.catalog = catalog
        self.regions = regions
        self.evaluator = PolicyEvaluator(topology)
        self._checks: dict[tuple[str, str, str | None, tuple[str, ...]],
                           tuple[PolicyCheck, ...]] = {}

    def checks(self, workload: Workload, service: str, region: str | None, path: FlowPath,
               target: AddressTarget | None = None) -> tuple[PolicyCheck, ...]:
        if path.status != "delivered" or path.access == "platform":
            return ()
        hops = tuple((h.node, h.kind) for h in path.hops[1:])
        key = (workload.subnet, service, region, tuple(f"{n}:{k}" for n, k in hops))
        found = self._checks.get(key)
        if found is None:
            subnet = self.topology.subnets[workload.subnet]
            spec = self.catalog.services[service]
            destination = (
                PolicyDestination(address=parse_address(
                    self.topology.private_endpoint_ips[path.private_endpoint]))
                if path.access == "private-endpoint" and path.private_endpoint
                else PolicyDestination(address=parse_address(target.ip)) if target
                else self._service_destination(service, region))
            traffic = Traffic(subnet.network, destination, spec.port, spec.fqdns, spec.fqdn_tag,
                              spec.protocol)
            found = self._checks[key] = self.evaluator.checks(subnet, hops, traffic)
        return found

    def _service_destination(self, service: str, region: str | None) -> PolicyDestination:
        """The service's public endpoint, by its tag: in a region only for the tags of Azure
        services (`Internet` is everywhere)."""
        tag = self.catalog.tag(service)
        if tag not in self.catalog.service_tags:
            return PolicyDestination(service=tag)
        return PolicyDestination(service=tag, region=region, region_tag=self._region_tag(region))

    def _region_tag(self, region: str | None) -> str | None:
        """`WestEurope`: how a regional service tag spells the region."""
        if region is None or region not in self.regions.regions:
            return region
        return self.regions.display_name(region).replace(" ", "")
