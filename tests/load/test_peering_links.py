"""Peering links and service endpoint names: the format's extensions for routing, their
meaning and their located errors.

A peering is two links, one in each VNet, each with its own settings
(learn.microsoft.com/azure/virtual-network/virtual-network-manage-peering). The shorthand keys
of a peering entry keep their v1 meaning; `links` overrides them per VNet. Line numbers refer
to the VALID design of errors_support.py.
"""

from __future__ import annotations

import pytest

from flowdocs.load.loader import load_design_bytes
from flowdocs.load.model import LinkSettings, Peering

from .errors_support import edited, errors

PEERING = "  - vnets: [vnet-spoke, vnet-hub]\n"


def _with_links(links: str) -> str:
    return edited(PEERING, PEERING + "    links:\n" + links)


def test_shorthand_keeps_its_v1_meaning():
    # allow_forwarded_traffic on both links, allow_gateway_transit on the second VNet's,
    # use_remote_gateways on the first VNet's (design-format.md).
    peering = Peering(vnets=["spoke", "hub"], allow_forwarded_traffic=False,
                      allow_gateway_transit=True, use_remote_gateways=True)
    assert peering.link("spoke") == LinkSettings("spoke", "hub", False, False, True)
    assert peering.link("hub") == LinkSettings("hub", "spoke", False, True, False)
    assert Peering(vnets=["a", "b"]).link("a") == LinkSettings("a", "b", True, False, False)


def test_links_override_the_shorthand_per_side():
    peering = Peering(vnets=["spoke", "hub"], allow_gateway_transit=True,
                      links={"hub": {"allow_forwarded_traffic": False},
                             "spoke": {"allow_gateway_transit": True}})
    assert peering.link("hub") == LinkSettings("hub", "spoke", False, True, False)
    assert peering.link("spoke") == LinkSettings("spoke", "hub", True, True, False)
    # Where each setting is written, for located errors.
    assert peering.setting_path("hub", "allow_forwarded_traffic") == (
        "links", "hub", "allow_forwarded_traffic")
    assert peering.setting_path("hub", "allow_gateway_transit") == ("allow_gateway_transit",)
    assert peering.setting_path("spoke", "use_remote_gateways") == ()


def test_links_load_from_yaml():
    text = _with_links("      vnet-hub: {allow_forwarded_traffic: false}\n")
    peering = load_design_bytes(text.encode(), "design.yaml").design.peerings[0]
    assert not peering.link("vnet-hub").allow_forwarded_traffic
    assert peering.link("vnet-spoke").allow_forwarded_traffic


def test_link_of_a_vnet_outside_the_peering():
    assert errors(_with_links("      vnet-hb: {allow_forwarded_traffic: false}\n")) == [
        "design.yaml:19:7: error: unknown vnet of this peering 'vnet-hb'; did you mean "
        "'vnet-hub'?",
    ]


def test_link_cannot_both_allow_transit_and_use_remote_gateways():
    text = _with_links("      vnet-spoke: {allow_gateway_transit: true, "
                       "use_remote_gateways: true}\n")
    assert errors(text) == [
        "design.yaml:19:70: error: the link of vnet 'vnet-spoke' cannot both allow gateway "
        "transit and use remote gateways",
    ]


def test_gateway_transit_checks_name_the_link():
    assert errors(_with_links("      vnet-hub: {allow_gateway_transit: true}\n")) == [
        "design.yaml:19:41: error: allow_gateway_transit on the link of vnet 'vnet-hub' needs "
        "a gateway in vnet 'vnet-hub'; it has none",
    ]
    assert errors(_with_links("      vnet-spoke: {use_remote_gateways: true}\n")) == [
        "design.yaml:19:41: error: use_remote_gateways needs allow_gateway_transit: true on "
        "the link of vnet 'vnet-hub' and a gateway in vnet 'vnet-hub'",
    ]


def test_unknown_key_in_a_link():
    assert errors(_with_links("      vnet-spoke: {allow_forwarded: false}\n")) == [
        "design.yaml:19:20: error: unknown key 'allow_forwarded' in peering link of peering "
        "'vnet-spoke~vnet-hub'; did you mean 'allow_forwarded_traffic'? Expected one of: "
        "allow_forwarded_traffic, allow_gateway_transit, use_remote_gateways",
    ]


@pytest.mark.parametrize(("written", "meant"), [
    ("Microsoft.Keyvault", "Microsoft.KeyVault"),
    ("microsoft.storage", "Microsoft.Storage"),
    ("Microsoft.Storage.Globl", "Microsoft.Storage.Global"),
])
def test_unknown_service_endpoint_is_located_with_did_you_mean(written: str, meant: str):
    text = edited("        route_table: rt-spoke\n",
                  "        route_table: rt-spoke\n"
                  f"        service_endpoints: [{written}]\n")
    assert errors(text) == [
        f"design.yaml:16:29: error: unknown service endpoint '{written}'; did you mean "
        f"'{meant}'?",
    ]
