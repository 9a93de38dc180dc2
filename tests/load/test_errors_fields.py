"""Wrong versions, keys and field values give located errors that suggest the fix.

Each test pins the exact lines the user sees on standard error: `FILE:LINE:COL: error: MESSAGE`.
The design they edit is VALID, in errors_support.py; line numbers refer to it.
"""

from __future__ import annotations

from flowdocs.load.field_errors import data_path, model_at
from flowdocs.load.model import Backup, Subnet, VNet

from .errors_support import edited, errors

# Versions and fields ------------------------------------------------------------------------------


def test_unsupported_version() -> None:
    assert errors(edited("flowdocs: 1\n", "flowdocs: 2\n")) == [
        "design.yaml:1:11: error: unsupported format version 2; this flowdocs reads version 1",
    ]


def test_missing_version() -> None:
    assert errors(edited("flowdocs: 1\n", "")) == [
        "design.yaml:1:1: error: missing required key 'flowdocs' (the format version; this "
        "flowdocs reads version 1)",
    ]


def test_unknown_key_suggests_the_closest() -> None:
    text = edited("  - name: vnet-hub\n    address_space:", "  - name: vnet-hub\n    adress_space:")
    allowed = ", ".join(_vnet_keys())
    assert errors(text) == [
        "design.yaml:6:5: error: unknown key 'adress_space' in vnet 'vnet-hub'; did you mean "
        f"'address_space'? Expected one of: {allowed}",
    ]


def _vnet_keys() -> list[str]:
    return list(VNet.model_fields)


def test_unknown_key_in_an_unnamed_object() -> None:
    text = edited("  - vnets: [vnet-spoke, vnet-hub]\n",
                  "  - vnets: [vnet-spoke, vnet-hub]\n    allow_forwarded: false\n")
    assert errors(text) == [
        "design.yaml:18:5: error: unknown key 'allow_forwarded' in peering "
        "'vnet-spoke~vnet-hub'; did you mean 'allow_forwarded_traffic'? Expected one of: vnets, "
        "allow_forwarded_traffic, allow_gateway_transit, use_remote_gateways, links",
    ]


def test_field_errors() -> None:
    text = edited("address_space: [10.1.0.0/16]", "address_space: 10.1.0.0/16",
                  "type: azure-firewall", "type: firewall",
                  "next_hop_type: VirtualAppliance", "next_hop_type: Virtualappliance",
                  "name: rsv-prod", "name: rsv prod")
    assert errors(text) == [
        "design.yaml:11:20: error: address_space: expected a list, found a string",
        "design.yaml:23:24: error: next_hop_type: expected one of: 'VirtualAppliance', "
        "'VirtualNetworkGateway', 'VnetLocal', 'Internet', 'None' but received: "
        "'Virtualappliance'; did you mean 'VirtualAppliance'?",
        "design.yaml:27:11: error: type: expected one of: 'azure-firewall', 'nva' but "
        "received: 'firewall'; did you mean 'azure-firewall'?",
        "design.yaml:32:11: error: name: expected a name of letters, digits, '.', '_' and '-' "
        "that starts with a letter or digit, found 'rsv prod'",
    ]


def test_missing_key() -> None:
    assert errors(edited("    private_ip: 10.0.1.4\n", "")) == [
        "design.yaml:26:5: error: missing required key 'private_ip' in firewall 'afw-hub'",
    ]


def test_bad_cidr() -> None:
    assert errors(edited("prefix: 10.1.1.0/24", "prefix: 10.1.1.0/33")) == [
        "design.yaml:14:17: error: prefix: expected a CIDR such as 10.0.0.0/16, "
        "found '10.1.1.0/33'",
    ]


def test_host_bits() -> None:
    text = edited("prefix: 10.1.1.0/24", "prefix: 10.1.1.1/24",
                  "address_prefix: 0.0.0.0/0", "address_prefix: 10.1.0.1/16")
    # The subnet's prefix fails field validation, so the route (a cross-field check) waits.
    assert errors(text) == [
        "design.yaml:14:17: error: prefix: '10.1.1.1/24' has host bits set; "
        "did you mean '10.1.1.0/24'?",
    ]
    assert errors(edited("address_prefix: 0.0.0.0/0", "address_prefix: 10.1.0.1/16")) == [
        "design.yaml:22:25: error: address_prefix: '10.1.0.1/16' has host bits set; "
        "did you mean '10.1.0.0/16'?",
    ]


def test_route_prefix_service_tags() -> None:
    text = edited(
        "        next_hop_ip: 10.0.1.4\n",
        "        next_hop_ip: 10.0.1.4\n"
        "      - {name: storage, address_prefix: Storage.WestEurope, next_hop_type: Internet}\n"
        "      - {name: backup, address_prefix: AzureBakup, next_hop_type: Internet}\n"
        "      - {name: bare, address_prefix: 10.2.0.1, next_hop_type: Internet}\n")
    assert errors(text) == [
        "design.yaml:26:40: error: address_prefix: unknown service tag 'AzureBakup'; "
        "did you mean 'AzureBackup'?",
        "design.yaml:27:38: error: address_prefix: expected a CIDR with a prefix length, found "
        "'10.2.0.1'; did you mean '10.2.0.1/32'?",
    ]


# The parts, on plain data --------------------------------------------------------------------------


def test_pydantic_labels_are_not_data() -> None:
    data = {"vnets": [{"name": "a"}]}
    loc = ("vnets", 0, "function-after[_cidr(), str]", "name")
    assert data_path(data, loc) == ("vnets", 0, "name")
    assert data_path(data, ("vnets", 0, "prefix"), keep_missing_key=True) == ("vnets", 0, "prefix")


def test_model_at_walks_the_design_fields() -> None:
    assert model_at(("vnets", 3, "subnets", 0)) is Subnet
    assert model_at(("workloads", 0, "backup")) is Backup
    assert model_at(("workloads", 0, "backup", "vault")) is None
    assert model_at(("nothing",)) is None
