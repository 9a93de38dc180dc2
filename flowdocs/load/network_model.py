"""Extensions of format v1 for the network parts real estates have: a gateway's connections,
Azure Route Server and internal load balancers in front of appliances.

Names follow ARM in snake_case; every field is optional or new, so designs written before
them stay valid. Cross-field checks live in `network_validation.py`; how the parts route
is docs/routing-rules.md, "Gateways, Route Server and load-balanced appliances".
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from flowdocs.load.model_types import Cidr, IpAddress, Name, Strict, SubnetRef

# A port a load-balancing rule forwards; strict, so that YAML's `true` is not port 1.
Port = Annotated[int, Field(strict=True, ge=1, le=65535)]


class GatewayConnection(Strict):
    """A connection of a VPN or ExpressRoute gateway to on-premises
    (`Microsoft.Network/connections`): what the gateway learns through it."""

    name: Name
    type: Literal["ipsec", "expressroute"] = Field(
        description="`ipsec`: a site-to-site VPN connection; `expressroute`: a connection to "
                    "an ExpressRoute circuit. It must match the gateway's type.")
    bgp: bool | None = Field(
        None, description="The connection runs BGP (ARM `enableBgp`). Default: false for "
                          "ipsec; an ExpressRoute connection always does.")
    learned_prefixes: list[Cidr] = Field(
        [], description="The on-premises prefixes the gateway learns through it: over BGP, "
                        "or, for a static connection, the local network gateway's address "
                        "space. Each becomes a route of source VirtualNetworkGateway.")

    @property
    def uses_bgp(self) -> bool:
        return self.bgp if self.bgp is not None else self.type == "expressroute"


class RouteServerPeer(Strict):
    """An NVA that speaks BGP with an Azure Route Server."""

    name: Name
    peer_ip: IpAddress = Field(
        description="The NVA's address: the private_ip of a firewall or NVA of the design.")
    advertised_prefixes: list[Cidr] = Field(
        [], description="The prefixes the NVA advertises; the Route Server programs each "
                        "into the VNets it serves, next hop the NVA.")
    next_hop_ip: IpAddress | None = Field(
        None, description="The next hop the NVA sets on its routes when it is not itself: "
                          "an internal load balancer's frontend in front of it (Route "
                          "Server's next hop IP support).")


class RouteServer(Strict):
    """An Azure Route Server (`Microsoft.Network/virtualHubs` with a RouteServerSubnet): it
    learns routes from its NVA peers over BGP and programs them into its VNet and into the
    VNets peered with it that use remote gateways."""

    name: Name
    vnet: Name
    peers: list[RouteServerPeer] = Field(
        [], description="The NVAs it peers with over BGP, and what each advertises.")
    branch_to_branch: bool = Field(
        False, description="ARM `allowBranchToBranchTraffic`: the Route Server exchanges "
                           "routes between its NVA peers and the VNet's VPN or ExpressRoute "
                           "gateways. It changes what on-premises learns, not the VNets' "
                           "routes.")


class LoadBalancer(Strict):
    """An internal load balancer in front of a pair (or more) of appliances: a User route
    whose next hop is its frontend hands the flow to one of its backends."""

    name: Name
    subnet: SubnetRef = Field(description="The subnet of its frontend IP configuration.")
    frontend_ip: IpAddress
    ha_ports: bool = Field(
        False, description="A load-balancing rule for all ports and protocols (HA ports): "
                           "every flow passes. Without it only `ports` pass.")
    ports: list[Port] = Field(
        [], description="Without `ha_ports`: the TCP ports its load-balancing rules "
                        "forward; a flow to another port is dropped.")
    backends: list[Name] = Field(
        min_length=1, description="The firewalls or NVAs of its backend pool, by name.")

    def balances(self, port: int) -> bool:
        """Whether a flow to TCP `port` is forwarded to a backend."""
        return self.ha_ports or port in self.ports
