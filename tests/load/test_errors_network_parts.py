"""Gateways' instances and connections, Route Servers and load balancers: located errors
that name both sides (load/network_validation.py).

Each test pins the exact lines the user sees on standard error. The designs are VALID
(errors_support.py) with parts added; line numbers refer to the edited text.
"""

from __future__ import annotations

from flowdocs.load.loader import load_design_bytes

from .errors_support import edited, errors


def _with(subnets: str, firewalls: str, parts: str) -> str:
    """VALID with more hub subnets, more firewalls, and `parts` appended at the end."""
    return edited("        prefix: 10.0.1.0/26\n", "        prefix: 10.0.1.0/26\n" + subnets,
                  "    private_ip: 10.0.1.4\n", "    private_ip: 10.0.1.4\n" + firewalls) + parts


def test_references_and_what_azure_refuses():
    text = _with("      - name: GatewaySubnet\n        prefix: 10.0.0.0/27\n", "", """\
gateways:
  - name: vgw-hub
    type: vpn
    vnet: vnet-hub
    instances: [10.0.0.4, 10.0.9.5, 10.0.0.6]
    connections:
      - name: cn-er
        type: expressroute
        learned_prefixes: [192.168.0.0/16]
      - name: cn-dc
        type: ipsec
      - name: CN-DC
        type: ipsec
route_servers:
  - name: rs-hub
    vnet: vnet-hub
    peers:
      - name: nva-x
        peer_ip: 10.0.3.9
        advertised_prefixes: [10.50.0.0/16]
      - name: fw
        peer_ip: 10.0.1.4
        next_hop_ip: 10.0.3.99
  - name: rs-hub
    vnet: vnet-hb
load_balancers:
  - name: ilb
    subnet: vnet-hub/AzureFirewallSubnet
    frontend_ip: 10.0.2.10
    backends: [afw-hub, nva-z, afw-hub]
""")
    assert errors(text) == [
        "design.yaml:46:16: error: a VPN gateway has one instance, or two when active-active; "
        "3 are given",
        "design.yaml:46:27: error: instance 10.0.9.5 is outside vnet-hub/GatewaySubnet "
        "(10.0.0.0/27), where the gateway's instances are",
        "design.yaml:49:15: error: a VPN gateway's connections are of type ipsec, not "
        "expressroute",
        "design.yaml:53:15: error: duplicate connection name 'CN-DC' in gateway 'vgw-hub'",
        "design.yaml:57:11: error: route server 'rs-hub' needs a subnet named "
        "RouteServerSubnet in vnet 'vnet-hub'; it has none",
        "design.yaml:60:18: error: peer_ip 10.0.3.9 is not the private_ip of a firewall or NVA "
        "of the design",
        "design.yaml:63:18: error: peer_ip 10.0.1.4 is Azure Firewall 'afw-hub', which does "
        "not speak BGP with a Route Server; peers are NVAs",
        "design.yaml:64:22: error: next_hop_ip 10.0.3.99 is neither a load balancer's "
        "frontend_ip nor a firewall's or NVA's private_ip",
        "design.yaml:65:11: error: duplicate route server name 'rs-hub'",
        "design.yaml:66:11: error: unknown vnet 'vnet-hb'; did you mean 'vnet-hub'?",
        "design.yaml:68:5: error: a load balancer without ha_ports needs ports: the TCP ports "
        "its load-balancing rules forward",
        "design.yaml:70:18: error: frontend_ip 10.0.2.10 is outside subnet "
        "'vnet-hub/AzureFirewallSubnet' (10.0.1.0/26)",
        "design.yaml:71:16: error: backend 'afw-hub' is an Azure Firewall, which balances its "
        "own instances; a load balancer's backends are NVAs",
        "design.yaml:71:25: error: unknown firewall 'nva-z'; expected one of: afw-hub",
        "design.yaml:71:32: error: backend 'afw-hub' is listed twice",
    ]


def test_addresses_sizes_and_settings():
    text = _with("      - name: RouteServerSubnet\n        prefix: 10.0.2.0/28\n"
                 "      - name: snet-nva\n        prefix: 10.0.3.0/24\n",
                 "  - {name: nva-1, type: nva, subnet: vnet-spoke/snet-sql, "
                 "private_ip: 10.1.1.10}\n"
                 "  - {name: nva-3, type: nva, subnet: vnet-hub/snet-nva, private_ip: 10.0.3.4}\n",
                 """\
gateways:
  - name: ergw-hub
    type: expressroute
    vnet: vnet-hub
    instances: [10.0.0.4, 10.0.0.4, 10.9.0.4]
    connections:
      - name: cn-er
        type: expressroute
        bgp: false
route_servers:
  - name: rs-a
    vnet: vnet-hub
  - name: rs-b
    vnet: vnet-hub
load_balancers:
  - name: ilb-a
    subnet: vnet-spoke/snet-sql
    frontend_ip: 10.1.1.4
    ha_ports: true
    ports: [443]
    backends: [nva-1, nva-3]
""")
    assert errors(text) == [
        "design.yaml:50:27: error: instance 10.0.0.4 is listed twice",
        "design.yaml:50:37: error: instance 10.9.0.4 is outside the address space of vnet "
        "'vnet-hub'",
        "design.yaml:54:14: error: an ExpressRoute connection always uses BGP: bgp cannot be "
        "false",
        "design.yaml:57:11: error: vnet-hub/RouteServerSubnet is 10.0.2.0/28; Azure Route "
        "Server needs a /27 or larger",
        "design.yaml:59:11: error: vnet 'vnet-hub' already has route server 'rs-a'; Azure "
        "allows one per VNet",
        "design.yaml:59:11: error: vnet-hub/RouteServerSubnet is 10.0.2.0/28; Azure Route "
        "Server needs a /27 or larger",
        "design.yaml:63:18: error: frontend_ip 10.1.1.4 is already the address of workload "
        "'sqlvm01'",
        "design.yaml:65:5: error: ports is only for a load balancer without ha_ports, which "
        "forwards every port",
        "design.yaml:66:23: error: backend 'nva-3' is in vnet-hub/snet-nva, outside vnet "
        "'vnet-spoke' of its internal load balancer",
    ]


def test_a_load_balancers_backends_share_one_subnet():
    text = _with("      - name: snet-nva\n        prefix: 10.0.3.0/24\n"
                 "      - name: snet-nva2\n        prefix: 10.0.4.0/24\n",
                 "  - {name: nva-1, type: nva, subnet: vnet-hub/snet-nva, private_ip: 10.0.3.4}\n"
                 "  - {name: nva-2, type: nva, subnet: vnet-hub/snet-nva2, private_ip: 10.0.4.4}\n",
                 """\
load_balancers:
  - name: ilb
    subnet: vnet-hub/snet-nva
    frontend_ip: 10.0.3.10
    ports: [443, 1433]
    backends: [nva-1, nva-2]
""")
    assert errors(text) == [
        "design.yaml:51:23: error: backend 'nva-2' is in vnet-hub/snet-nva2 and backend "
        "'nva-1' in vnet-hub/snet-nva: flowdocs follows a flow on from the backends' one "
        "subnet, so they must share it",
    ]


def test_a_port_is_a_number_not_a_boolean():
    text = _with("      - name: snet-nva\n        prefix: 10.0.3.0/24\n",
                 "  - {name: nva-1, type: nva, subnet: vnet-hub/snet-nva, private_ip: 10.0.3.4}\n",
                 "load_balancers:\n  - {name: ilb, subnet: vnet-hub/snet-nva, "
                 "frontend_ip: 10.0.3.10, ports: [true], backends: [nva-1]}\n")
    assert errors(text) == [
        "design.yaml:44:76: error: ports: expected an integer, found a boolean"]


def test_the_parts_are_optional_and_a_complete_hub_loads():
    text = _with("      - name: GatewaySubnet\n        prefix: 10.0.0.0/27\n"
                 "      - name: RouteServerSubnet\n        prefix: 10.0.2.0/27\n"
                 "      - name: snet-nva\n        prefix: 10.0.3.0/24\n",
                 "  - {name: nva-1, type: nva, subnet: vnet-hub/snet-nva, private_ip: 10.0.3.4}\n"
                 "  - {name: nva-2, type: nva, subnet: vnet-hub/snet-nva, private_ip: 10.0.3.5}\n",
                 """\
gateways:
  - name: vgw-hub
    type: vpn
    vnet: vnet-hub
    advertised_prefixes: [192.168.0.0/16]
    instances: [10.0.0.4, 10.0.0.5]
    connections:
      - {name: cn-dc, type: ipsec, bgp: true, learned_prefixes: [172.16.0.0/12]}
route_servers:
  - name: rs-hub
    vnet: vnet-hub
    peers:
      - {name: nva-1, peer_ip: 10.0.3.4, advertised_prefixes: [10.50.0.0/16]}
      - {name: nva-2, peer_ip: 10.0.3.5, next_hop_ip: 10.0.3.10}
load_balancers:
  - {name: ilb, subnet: vnet-hub/snet-nva, frontend_ip: 10.0.3.10, ha_ports: true,
     backends: [nva-1, nva-2]}
""")
    design = load_design_bytes(text.encode(), "design.yaml").design
    assert design.gateways[0].learned_prefixes() == ["192.168.0.0/16", "172.16.0.0/12"]
    assert design.gateways[0].connections[0].uses_bgp
    assert design.load_balancers[0].balances(8443)
