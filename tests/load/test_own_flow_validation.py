"""A design's own flows (`flows:`) give located errors: the shape of a destination, references
to workloads, subnets, private endpoints and catalog services, addresses, names, ports and
protocols.

Each test pins the exact lines the user sees on standard error: `FILE:LINE:COL: error: MESSAGE`.
The design is VALID of errors_support.py (39 lines: its only workload is sqlvm01 in
vnet-spoke/snet-sql) with a `flows:` section appended, from line 40.
"""

from __future__ import annotations

from flowdocs.load.loader import load_design_bytes

from .errors_support import VALID, errors


def with_flows(flows: str) -> str:
    """VALID with `flows:` (YAML, list items at column 3) from line 40."""
    assert len(VALID.splitlines()) == 39
    return VALID + "flows:\n" + flows


def flow(name: str, destination: str, *, source: str = "sqlvm01", port: str = "443",
         extra: str = "") -> str:
    """One flow item of five lines (more with `extra`): name on its first line, source on its
    second, destination on its third, port on its fourth."""
    return (f"  - name: {name}\n"
            f"    source: {source}\n"
            f"    destination: {destination}\n"
            f"    port: {port}\n" + extra)


def test_a_valid_flows_section_loads() -> None:
    text = with_flows(flow("to-dc", "{address: 192.168.20.0/24}")
                      + flow("from-subnet", "{service: Storage}", source="vnet-spoke/snet-sql",
                             extra="    protocol: UDP\n    category: management\n"
                                   "    daily_gb: 2\n    title: Logs\n"))
    design = load_design_bytes(text.encode(), "design.yaml").design
    assert [(f.name, f.source, f.protocol, f.category, f.daily_gb) for f in design.flows] == [
        ("to-dc", "sqlvm01", "TCP", "data", None),
        ("from-subnet", "vnet-spoke/snet-sql", "UDP", "management", 2)]
    assert design.flows[0].destination.address == "192.168.20.0/24"
    assert design.flows[1].destination.service == "Storage"


def test_a_destination_needs_exactly_one_kind() -> None:
    text = with_flows(flow("two", "{address: 192.168.1.0/24, workload: sqlvm01}")
                      + flow("none", "{}"))
    assert errors(text) == [
        "design.yaml:43:18: error: destination: give exactly one of workload, "
        "private_endpoint, address or service; found workload, address",
        "design.yaml:47:18: error: destination: give exactly one of workload, "
        "private_endpoint, address or service",
    ]


def test_an_unknown_destination_field_is_an_error() -> None:
    lines = errors(with_flows(flow("odd", "{fqdn: example.com}")))
    assert len(lines) == 1 and lines[0].startswith("design.yaml:43:")
    assert "fqdn" in lines[0]


def test_unknown_sources() -> None:
    text = with_flows(flow("a", "{address: 192.168.1.0/24}", source="sqlvm1")
                      + flow("b", "{address: 192.168.1.0/24}", source="vnet-spoke/snet-sq"))
    assert errors(text) == [
        "design.yaml:42:13: error: unknown workload 'sqlvm1'; did you mean 'sqlvm01'?",
        "design.yaml:46:13: error: unknown subnet 'vnet-spoke/snet-sq'; did you mean "
        "'vnet-spoke/snet-sql'?",
    ]


def test_unknown_destinations() -> None:
    text = with_flows(flow("c", "{workload: sqlvm02}")
                      + flow("d", "{private_endpoint: pe-x}")
                      + flow("e", "{service: Storag}"))
    assert errors(text) == [
        "design.yaml:43:29: error: unknown workload 'sqlvm02'; did you mean 'sqlvm01'?",
        "design.yaml:47:37: error: unknown private endpoint 'pe-x'; the design defines no "
        "private endpoint",
        "design.yaml:51:28: error: unknown service 'Storag'; did you mean 'Storage'?",
    ]


def test_an_address_with_host_bits_set() -> None:
    text = with_flows(flow("f", "{address: 192.168.1.1/24}"))
    assert errors(text) == [
        "design.yaml:43:28: error: expected an IP address or a CIDR with no host bits set, "
        "found '192.168.1.1/24'",
    ]


def test_an_address_that_is_no_address() -> None:
    assert errors(with_flows(flow("g", "{address: 300.1.1.1}"))) == [
        "design.yaml:43:28: error: expected an IP address or a CIDR with no host bits set, "
        "found '300.1.1.1'",
    ]
    assert errors(with_flows(flow("h", "{address: not-an-ip}"))) == [
        "design.yaml:43:28: error: address: expected a value matching "
        r"^[0-9A-Fa-f:.]+(/\d+)?$, found 'not-an-ip'",
    ]


def test_a_flow_from_a_workload_to_itself() -> None:
    assert errors(with_flows(flow("g", "{workload: sqlvm01}"))) == [
        "design.yaml:43:29: error: a flow cannot go from a workload to itself",
    ]


def test_duplicate_flow_names_whatever_their_case() -> None:
    text = with_flows(flow("a", "{address: 192.168.1.0/24}")
                      + flow("a", "{address: 192.168.2.0/24}")
                      + flow("A", "{address: 192.168.3.0/24}"))
    assert errors(text) == [
        "design.yaml:45:11: error: duplicate flow name 'a'",
        "design.yaml:49:11: error: duplicate flow name 'A'",
    ]


def test_a_flow_named_like_a_catalog_service() -> None:
    assert errors(with_flows(flow("Storage", "{address: 192.168.1.0/24}"))) == [
        "design.yaml:41:11: error: 'Storage' is a service of the flow catalog: give the flow "
        "another name",
    ]


def test_ports_out_of_range() -> None:
    text = with_flows(flow("p", "{address: 192.168.1.0/24}", port="70000")
                      + flow("q", "{address: 192.168.1.0/24}", port="0"))
    assert errors(text) == [
        "design.yaml:44:11: error: port: expected a number at most 65535, found 70000",
        "design.yaml:48:11: error: port: expected a number at least 1, found 0",
    ]


def test_a_bad_protocol_and_category() -> None:
    text = with_flows(flow("q", "{address: 192.168.1.0/24}",
                           extra="    protocol: ICMP\n    category: backup\n"))
    assert errors(text) == [
        "design.yaml:45:15: error: protocol: expected one of: 'TCP', 'UDP' but received: "
        "'ICMP'",
        "design.yaml:46:15: error: category: expected one of: 'management', 'data' but "
        "received: 'backup'",
    ]


def test_every_problem_of_the_flows_is_reported_at_once() -> None:
    text = with_flows(flow("x", "{workload: nobody}", source="nobody2")
                      + flow("x", "{service: Nothing}"))
    assert errors(text) == [
        "design.yaml:42:13: error: unknown workload 'nobody2'; expected one of: sqlvm01",
        "design.yaml:43:29: error: unknown workload 'nobody'; expected one of: sqlvm01",
        "design.yaml:45:11: error: duplicate flow name 'x'",
        "design.yaml:47:28: error: unknown service 'Nothing'",
    ]
