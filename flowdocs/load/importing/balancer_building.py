"""The inventory's internal load balancers to the design's: one per private frontend that
its rules use, with HA ports or its rules' TCP ports, and as backends the firewalls and NVAs
of the design whose IPs are in its backend pools. What the format holds is a load balancer in
front of appliances (docs/routing-rules.md): a public one, or one in front of servers, is left
out with the reason.

A pool's backends are NICs' IP configurations (listed by the pool, or by the NIC), or
addresses given by IP; they are found by IP among the design's firewalls and NVAs.
"""

from __future__ import annotations

from typing import Any

from flowdocs.load.importing.addresses import canonical_ip, ip_in
from flowdocs.load.importing.imported import Entry
from flowdocs.load.importing.inventory import Inventory, Skipped
from flowdocs.load.importing.naming import Namer
from flowdocs.load.importing.network_records import (
    BalancingRuleRecord,
    FrontendRecord,
    LoadBalancerRecord,
)
from flowdocs.load.importing.part_support import Appliance, Placed, Reporter

# A rule for every port and protocol: HA ports (learn.microsoft.com/azure/load-balancer/
# load-balancer-ha-ports-overview), protocol All with frontend and backend port 0.
HA_PROTOCOL = "all"
TCP_PROTOCOLS = ("tcp", "all")


class BalancerBuilder(Reporter):
    def __init__(self, inventory: Inventory, skipped: list[Skipped],
                 notes: list[Skipped]) -> None:
        super().__init__(skipped, notes)
        self.inv = inventory
        self.configuration_ips = {key: ip for nic in inventory.nics
                                  for key, (_, ip) in zip(nic.configuration_keys,
                                                          nic.configurations, strict=False)
                                  if ip}
        self.members_of: dict[str, list[str]] = {}  # pool key: backend IPs, as written
        for member in inventory.pool_members:
            ip = member.ip or self.configuration_ips.get(member.nic_configuration or "")
            if ip is not None and ip not in self.members_of.get(member.pool, []):
                self.members_of.setdefault(member.pool, []).append(ip)
        self.pools_of: dict[str, list[str]] = {}
        for pool in inventory.pools:
            self.pools_of.setdefault(pool.balancer, []).append(pool.key)
        self.rules_of: dict[str, list[BalancingRuleRecord]] = {}
        for rule in inventory.balancing_rules:
            self.rules_of.setdefault(rule.balancer, []).append(rule)
        self.frontend_ips: dict[str, str] = {}  # the imported load balancers' frontends: name

    def backend_ips(self) -> dict[str, list[str]]:
        """The backend IPs of load balancers with a private frontend, and the names of the
        load balancers of each: a NIC that forwards traffic at one of them is an NVA of the
        design."""
        found: dict[str, list[str]] = {}
        for balancer in sorted(self.inv.load_balancers, key=lambda b: (b.name, b.key)):
            if all(f.public for f in balancer.frontends):
                continue
            for pool in self._pools(balancer, self.rules_of.get(balancer.key, [])):
                for written in self.members_of.get(pool, []):
                    ip = canonical_ip(written)
                    if ip is not None and balancer.name not in found.get(ip, []):
                        found.setdefault(ip, []).append(balancer.name)
        return found

    def all_frontends(self) -> dict[str, str]:
        """Every private frontend IP of the sources, and its load balancer's name."""
        return {ip: b.name for b in self.inv.load_balancers for f in b.frontends
                if not f.public and (ip := canonical_ip(f.ip or ""))}

    def entries(self, subnets: dict[str, Placed], appliances: dict[str, Appliance],
                taken: set[str]) -> list[Entry]:
        """The design's load balancers. `taken`: the IPs the design already gives (the
        firewalls'); each frontend imported is added to it."""
        self._orphans()
        found: list[tuple[str, str, dict[str, Any], tuple[str, ...]]] = []
        for balancer in self.inv.load_balancers:
            frontends = self._frontends(balancer)
            for frontend in frontends:
                raw = balancer.name if len(frontends) == 1 else f"{balancer.name}-{frontend.name}"
                data = self._entry(balancer, frontend, subnets, appliances, taken)
                if data is not None:
                    comment = (balancer.origin.label,
                               *([f"frontend {frontend.name}"] if len(frontends) > 1 else []))
                    found.append((frontend.key, raw, data, comment))
        names = Namer("load balancer", self.notes).names((k, raw, c[0]) for k, raw, _, c in found)
        entries = []
        for key, _, data, comment in found:
            self.frontend_ips[data["frontend_ip"]] = names[key]
            entries.append(Entry({"name": names[key], **data}, comment))
        return sorted(entries, key=lambda e: str(e.data["name"]))

    # A load balancer ----------------------------------------------------------------------

    def _frontends(self, balancer: LoadBalancerRecord) -> list[FrontendRecord]:
        """Its private frontends that a rule uses; what else it has is noted."""
        label = balancer.origin.label
        private = [f for f in balancer.frontends if not f.public]
        if not private:
            self.skip(label, "a public load balancer: the design format holds internal load "
                             "balancers, in front of firewalls or NVAs")
            return []
        if len(private) < len(balancer.frontends):
            self.note(label, "its public frontends are left out: the design format holds "
                             "internal load balancers")
        used = [f for f in private if self._rules(balancer, f)]
        for frontend in private:
            if frontend not in used:
                self.skip(f"{label}, frontend {frontend.name}", "no load-balancing rule of "
                                                                "the sources uses it")
        return used

    def _rules(self, balancer: LoadBalancerRecord, frontend: FrontendRecord
               ) -> list[BalancingRuleRecord]:
        # A rule that names no frontend (a plan's, to be created) is its only frontend's.
        only = len(balancer.frontends) == 1
        return [r for r in self.rules_of.get(balancer.key, [])
                if r.frontend == frontend.key or (r.frontend is None and only)]

    def _entry(self, balancer: LoadBalancerRecord, frontend: FrontendRecord,
               subnets: dict[str, Placed], appliances: dict[str, Appliance], taken: set[str]
               ) -> dict[str, Any] | None:
        label = balancer.origin.label if len(balancer.frontends) == 1 else \
            f"{balancer.origin.label}, frontend {frontend.name}"
        placed = subnets.get(frontend.subnet or "")
        ip = canonical_ip(frontend.ip or "")
        if placed is None:
            where = f"its frontend's subnet ({frontend.subnet}) is not in the sources" \
                if frontend.subnet else "its frontend names no subnet"
            self.skip(label, where)
            return None
        if ip is None or not ip_in(ip, placed[2]):
            what = "is not known until apply" if frontend.ip is None else \
                f"{frontend.ip} is not an address of its subnet ({placed[2]})"
            self.skip(label, f"its frontend IP {what}")
            return None
        if ip in taken:
            self.skip(label, f"its frontend IP {ip} is already the address of another object "
                             "of the design")
            return None
        rules = self._rules(balancer, frontend)
        ports = self._ports(rules, label)
        if ports is None:
            return None
        backends = self._backends(balancer, rules, placed[0], appliances, label)
        if backends is None:
            return None
        taken.add(ip)
        return {"subnet": placed[0], "frontend_ip": ip, **ports, "backends": backends}

    def _ports(self, rules: list[BalancingRuleRecord], label: str) -> dict[str, Any] | None:
        """`ha_ports`, else `ports`: the TCP frontend ports of its rules."""
        if any((r.protocol or "").lower() == HA_PROTOCOL and not r.frontend_port
               and not r.backend_port for r in rules):
            return {"ha_ports": True}
        ports: set[int] = set()
        for rule in rules:
            port = rule.frontend_port
            if (rule.protocol or "").lower() in TCP_PROTOCOLS and port and 0 < port < 65536:
                ports.add(port)
            else:
                self.note(f"{label}, rule {rule.name}", f"protocol {rule.protocol} port "
                                                        f"{port}: left out, the design "
                                                        "format's ports are TCP ports")
        if not ports:
            self.skip(label, "no load-balancing rule forwards a TCP port or HA ports")
            return None
        return {"ports": sorted(ports)}

    def _backends(self, balancer: LoadBalancerRecord, rules: list[BalancingRuleRecord],
                  frontend_subnet: str, appliances: dict[str, Appliance], label: str
                  ) -> list[str] | None:
        """The names of its backends that are NVAs of the design; None, with the reason,
        when they cannot be its backends."""
        ips = list(dict.fromkeys(ip for pool in self._pools(balancer, rules)
                                 for written in self.members_of.get(pool, [])
                                 if (ip := canonical_ip(written))))
        if not ips:
            self.skip(label, "its backend pool is empty in the sources (export the NICs, "
                             "`az network nic list`, or the load balancer with its pools)")
            return None
        nvas = [appliances[ip] for ip in ips if ip in appliances
                and appliances[ip].type == "nva"]
        others = [ip for ip in ips if ip not in appliances or appliances[ip].type != "nva"]
        if not nvas:
            self.skip(label, f"its backends ({', '.join(ips)}) are not NVAs of the design "
                             "(NICs that forward traffic): the design format's load "
                             "balancers stand in front of appliances")
            return None
        if others:
            self.note(label, f"backends {', '.join(others)} are not NVAs of the design: left "
                             "out")
        vnet = frontend_subnet.split("/", 1)[0]
        subnets = sorted({a.subnet for a in nvas})
        if len(subnets) > 1 or subnets[0].split("/", 1)[0] != vnet:
            # flowdocs follows a flow on from the backends' one subnet, in the ILB's VNet.
            self.skip(label, f"its backends are in {', '.join(subnets)}: the design format "
                             f"needs them in one subnet of {vnet}, the load balancer's VNet")
            return None
        return sorted(a.name for a in nvas)

    def _pools(self, balancer: LoadBalancerRecord, rules: list[BalancingRuleRecord]
               ) -> list[str]:
        """The pools its rules forward to; all its pools when the rules name none (a plan's,
        to be created)."""
        named = [p for r in rules for p in r.pools]
        return list(dict.fromkeys(named)) or self.pools_of.get(balancer.key, [])

    def _orphans(self) -> None:
        for rule in self.inv.balancing_rules:
            if rule.balancer not in self.inv.load_balancers.by_key:
                self.skip(rule.origin.label, f"its load balancer ({rule.balancer}) is not in "
                                             "the sources")
        for pool in self.inv.pools:
            if pool.balancer not in self.inv.load_balancers.by_key:
                self.skip(pool.origin.label, f"its load balancer ({pool.balancer}) is not in "
                                             "the sources")
