"""Hostile or careless input: numbers no estate has, control characters, names that differ
only in case, files too large, alias bombs. Each is refused while loading, with the exact
line the user sees, instead of crashing a later stage or slipping into the outputs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from benchmarks.estate import estate
from flowdocs.files import MAX_DESIGN_BYTES
from flowdocs.load.diagnostics import DesignError, did_you_mean, printable
from flowdocs.load.loader import load_design, load_design_bytes
from flowdocs.load.parsing import check_limits

from .errors_support import VALID, edited, errors

BACKUP = "      vault: rsv-prod\n"  # line 39; a key added after it is on line 40


def with_backup(line: str) -> str:
    return edited(BACKUP, f"{BACKUP}      {line}\n")


# 1. Numbers --------------------------------------------------------------------------------------

DAILY_GB = "daily_gb: expected a number from 0 to 1,000,000 (GB a day, up to 1 PB), found"
WINDOW = "window_hours: expected a number from 0.25 to 24 (hours, from 15 minutes to a day), found"


@pytest.mark.parametrize(("line", "expected"), [
    ("daily_gb: .inf", f"design.yaml:40:17: error: {DAILY_GB} infinity"),
    ("daily_gb: -.inf", f"design.yaml:40:17: error: {DAILY_GB} minus infinity"),
    ("daily_gb: 1e26", f"design.yaml:40:17: error: {DAILY_GB} 1e+26"),
    ("daily_gb: 1000001", f"design.yaml:40:17: error: {DAILY_GB} 1,000,001"),
    ("daily_gb: -1", f"design.yaml:40:17: error: {DAILY_GB} -1"),
    ("daily_gb: true", "design.yaml:40:17: error: daily_gb: expected a number, found a boolean"),
    ("window_hours: 1e-320", f"design.yaml:40:21: error: {WINDOW} 1e-320"),
    ("window_hours: .nan", f"design.yaml:40:21: error: {WINDOW} NaN (not a number)"),
    ("window_hours: 0.1", f"design.yaml:40:21: error: {WINDOW} 0.1"),
    ("window_hours: 25", f"design.yaml:40:21: error: {WINDOW} 25"),
])
def test_backup_figures_outside_their_range_are_located(line: str, expected: str) -> None:
    assert errors(with_backup(line)) == [expected]


def test_licensed_throughput_outside_its_range_is_located() -> None:
    text = edited("private_ip: 10.0.1.4\n",
                  "private_ip: 10.0.1.4\n    licensed_throughput_mbps: 1e300\n")
    assert errors(text) == [
        "design.yaml:31:31: error: licensed_throughput_mbps: expected a number from 1 to "
        "1,000,000 (Mbps, up to 1 Tbps), found 1e+300",
    ]


@pytest.mark.parametrize(("value", "shown"), [
    (float("inf"), "infinity"), (float("nan"), "NaN (not a number)")])
def test_json_infinity_and_nan_are_located(value: float, shown: str) -> None:
    data = yaml.safe_load(VALID)
    data["workloads"][0]["backup"]["daily_gb"] = value
    text = json.dumps(data, indent=2)  # writes Infinity and NaN, as JSON's parser reads them
    assert errors(text, "design.json") == [f"design.json:75:21: error: {DAILY_GB} {shown}"]


def test_the_ends_of_the_ranges_load() -> None:
    text = with_backup("daily_gb: 1000000\n      window_hours: 0.25")
    backup = load_design_bytes(text.encode(), "design.yaml").design.workloads[0].backup
    assert (backup.daily_gb, backup.window_hours) == (1_000_000, 0.25)


# 2. Control characters ----------------------------------------------------------------------------

TITLE = "title: SQL Server backup through the hub firewall"


@pytest.mark.parametrize(("title", "expected"), [
    ('"\\e[31mred"', "design.yaml:3:8: error: title: control character U+001B (ESC) at "
                     "character 1 is not allowed in text"),
    ('"a\\0b"', "design.yaml:3:8: error: title: control character U+0000 (NUL) at character 2 "
                "is not allowed in text"),
    ('"a\\x7fb"', "design.yaml:3:8: error: title: control character U+007F (DEL) at character "
                  "2 is not allowed in text"),
    ('"one\\ntwo"', "design.yaml:3:8: error: title: control character U+000A (a line break) at "
                    "character 4 is not allowed in text"),
    ('" \\t "', "design.yaml:3:8: error: title: must not be empty; it holds only white space"),
    ('"   "', "design.yaml:3:8: error: title: must not be empty; it holds only white space"),
])
def test_a_title_with_control_characters_or_only_spaces_is_refused(title: str,
                                                                   expected: str) -> None:
    assert errors(edited(TITLE, f"title: {title}")) == [expected]


def test_control_characters_in_summary_label_and_references_are_located() -> None:
    text = edited(TITLE, f'{TITLE}\nsummary: "x\\u009b2J"\nlabel: "\\t"',
                  "subnet: vnet-spoke/snet-sql", 'subnet: "vnet-spoke\\e[2J/snet-sql"',
                  "route_table: rt-spoke\n",
                  'route_table: rt-spoke\n        service_endpoints: ["Microsoft.Storage\\a"]\n')
    assert errors(text) == [
        "design.yaml:4:10: error: summary: control character U+009B at character 2 is not "
        "allowed in text",
        "design.yaml:5:8: error: label: must not be empty; it holds only white space",
        "design.yaml:18:29: error: service_endpoints: control character U+0007 at character "
        "18 is not allowed in text",
        "design.yaml:39:13: error: subnet: control character U+001B (ESC) at character 11 is "
        "not allowed in text",
    ]


def test_a_summary_keeps_its_line_breaks_and_tabs() -> None:
    text = edited(TITLE, f'{TITLE}\nsummary: "First line.\\n\\tIndented."')
    assert load_design_bytes(text.encode(), "design.yaml").design.summary == \
        "First line.\n\tIndented."


def test_messages_never_pass_a_terminal_escape_through() -> None:
    """Values quoted in messages (a name, an unknown key) show their control characters
    escaped: the terminal shows `\\x1b[31m`, it does not turn red."""
    text = edited("name: rsv-prod", 'name: "rsv\\e[31m"', "peerings:",
                  '"\\e]0;pwned\\a": 1\npeerings:')
    lines = errors(text)
    assert lines == [
        "design.yaml:16:1: error: unknown key '\\x1b]0;pwned\\x07' at the top level; expected "
        "one of: flowdocs, name, title, summary, region, extends, label, vnets, peerings, "
        "route_tables, firewalls, gateways, vaults, storage_accounts, key_vaults, "
        "private_link_scopes, "
        "service_endpoint_policies, private_endpoints, private_dns_zones, workloads, network_security_groups, firewall_policies, route_servers, load_balancers, flows, accept",
        "design.yaml:33:11: error: name: expected a name of letters, digits, '.', '_' and '-' "
        "that starts with a letter or digit, found 'rsv\\x1b[31m'",
    ]
    assert not any(char in line for line in lines for char in "\x1b\x07")


def test_printable_escapes_controls_and_bidi_overrides_once() -> None:
    assert printable("a\x1b[2Jb\tc\x9b\u202ed\x7f") == "a\\x1b[2Jb\\tc\\x9b\\u202ed\\x7f"
    assert printable(printable("\x00\n")) == "\\x00\\n"
    assert printable("vnet-hub → afw ✕") == "vnet-hub → afw ✕"


# 3. Names that differ only in case ----------------------------------------------------------------


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("  - name: vnet-spoke\n", "  - name: VNET-HUB\n    address_space: [10.9.0.0/16]\n"
     "  - name: vnet-spoke\n",
     "design.yaml:10:11: error: vnet name 'VNET-HUB' differs only in case from vnet 'vnet-hub': "
     "Azure resource names are case-insensitive"),
    ("        route_table: rt-spoke\n", "        route_table: rt-spoke\n"
     "      - name: SNET-SQL\n        prefix: 10.1.2.0/24\n",
     "design.yaml:16:15: error: subnet name 'SNET-SQL' in vnet 'vnet-spoke' differs only in "
     "case from subnet 'snet-sql': Azure resource names are case-insensitive"),
    ("  - name: rsv-prod\n", "  - name: rsv-prod\n  - name: RSV-Prod\n",
     "design.yaml:33:11: error: vault name 'RSV-Prod' differs only in case from vault "
     "'rsv-prod': Azure resource names are case-insensitive"),
    ("firewalls:\n", "firewalls:\n  - name: AFW-HUB\n    type: nva\n"
     "    subnet: vnet-hub/AzureFirewallSubnet\n    private_ip: 10.0.1.5\n",
     "design.yaml:30:11: error: firewall name 'afw-hub' differs only in case from firewall "
     "'AFW-HUB': Azure resource names are case-insensitive"),
    ("route_tables:\n", "route_tables:\n  - name: RT-Spoke\n",
     "design.yaml:20:11: error: route table name 'rt-spoke' differs only in case from route "
     "table 'RT-Spoke': Azure resource names are case-insensitive"),
    ("        next_hop_ip: 10.0.1.4\n", "        next_hop_ip: 10.0.1.4\n"
     "      - name: Default-Via-Firewall\n        address_prefix: 10.2.0.0/16\n"
     "        next_hop_type: None\n",
     "design.yaml:25:15: error: route name 'Default-Via-Firewall' in route table 'rt-spoke' "
     "differs only in case from route 'default-via-firewall': Azure resource names are "
     "case-insensitive"),
])
def test_names_that_differ_only_in_case_are_refused_on_the_second(old: str, new: str,
                                                                  expected: str) -> None:
    assert errors(edited(old, new)) == [expected]


def test_two_workloads_that_differ_only_in_case() -> None:
    second = ("  - name: SQLVM01\n    type: azure-vm\n    subnet: vnet-spoke/snet-sql\n"
              "    backup:\n      vault: rsv-prod\n")
    assert errors(VALID + second) == [
        "design.yaml:40:11: error: workload name 'SQLVM01' differs only in case from workload "
        "'sqlvm01': Azure resource names are case-insensitive",
    ]


def test_a_reference_in_another_case_is_refused_with_the_name_as_written() -> None:
    """References are matched exactly: the outputs show each name one way."""
    text = edited("subnet: vnet-spoke/snet-sql", "subnet: VNET-SPOKE/snet-sql",
                  "vault: rsv-prod", "vault: RSV-PROD")
    assert errors(text) == [
        "design.yaml:36:13: error: unknown subnet 'VNET-SPOKE/snet-sql'; did you mean "
        "'vnet-spoke/snet-sql'? (names are matched exactly, case included)",
        "design.yaml:39:14: error: unknown vault 'RSV-PROD'; did you mean 'rsv-prod'? (names "
        "are matched exactly, case included)",
    ]


def test_did_you_mean_prefers_the_same_name_in_another_case_and_never_the_value() -> None:
    assert did_you_mean("VNET-HUB", ["vnet-hub", "vnet-hob"]) == "; did you mean 'vnet-hub'?"
    assert did_you_mean("base.yaml", ["base.yaml"]) == ""


# 4. Size, bases, aliases --------------------------------------------------------------------------


def test_a_large_estate_fits_well_under_the_size_limit() -> None:
    """3,000 subnets, 3,000 workloads, 15,000 routes, 300 NSGs and a firewall policy, even as
    indented JSON (4.6 MB), with a third of the limit to spare."""
    assert len(json.dumps(estate(300, policy=True), indent=2)) < MAX_DESIGN_BYTES * 2 // 3


def test_a_30_mb_design_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as stream:
        stream.truncate(30 * 2**20)
    with pytest.raises(DesignError) as caught:
        load_design(path, "huge.yaml")
    assert caught.value.lines() == [
        "huge.yaml:1:1: error: file too large: 30 MiB (31,457,280 bytes); the limit is 8 MiB "
        "(8,388,608 bytes)",
    ]


def variant_of(tmp_path: Path, base: str) -> list[str]:
    (tmp_path / "variant.yaml").write_text(
        f"flowdocs: 1\nextends: {base}\nname: variant\ntitle: Variant\n")
    with pytest.raises(DesignError) as caught:
        load_design(tmp_path / "variant.yaml", "variant.yaml")
    return caught.value.lines()


def test_a_base_is_read_under_the_same_size_limit(tmp_path: Path) -> None:
    with (tmp_path / "big.yaml").open("wb") as stream:
        stream.truncate(9 * 2**20)
    assert variant_of(tmp_path, "big.yaml") == [
        "variant.yaml:2:10: error: cannot read the base design 'big.yaml': file too large: "
        "9 MiB (9,437,184 bytes); the limit is 8 MiB (8,388,608 bytes)",
    ]


def test_a_chain_of_bases_is_capped_in_all(tmp_path: Path) -> None:
    """Each base under the per-file limit, but together over twice it: refused at the base
    that crosses the total, with the sizes."""
    from flowdocs.load.extends import MAX_CHAIN_BYTES

    size = 6 * 2**20  # under the 8 MiB per-file limit; three of them are over 16 MiB
    comment = "#" * (size - 1) + "\n"
    (tmp_path / "a.yaml").write_text(comment + "flowdocs: 1\nname: a\ntitle: A\n")
    (tmp_path / "b.yaml").write_text(comment + "flowdocs: 1\nextends: a.yaml\nname: b\n")
    (tmp_path / "c.yaml").write_text(comment + "flowdocs: 1\nextends: b.yaml\nname: c\n")
    lines = variant_of(tmp_path, "c.yaml")  # the variant, then c, b and a: a crosses it
    used = len("flowdocs: 1\nextends: c.yaml\nname: variant\ntitle: Variant\n") + \
        2 * len(comment) + len("flowdocs: 1\nextends: b.yaml\nname: c\n") + \
        len("flowdocs: 1\nextends: a.yaml\nname: b\n")
    a_size = len(comment) + len("flowdocs: 1\nname: a\ntitle: A\n")
    assert len(lines) == 1
    assert lines == [
        f"variant.yaml:2:10: error: the base design 'a.yaml' ({a_size:,} bytes) would make this "
        f"design and its bases over {MAX_CHAIN_BYTES:,} bytes in all ({used:,} already); "
        "flatten the chain (in b.yaml:3:10, which this design extends)"]


def test_a_base_must_be_a_regular_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")  # reading it would wait for a writer for ever
    assert variant_of(tmp_path, "pipe.yaml") == [
        "variant.yaml:2:10: error: cannot read the base design 'pipe.yaml': not a regular file",
    ]


def test_a_bad_number_in_a_base_is_located_in_the_base(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(with_backup("daily_gb: .inf"))
    assert variant_of(tmp_path, "base.yaml") == [
        f"variant.yaml:2:10: error: {DAILY_GB} infinity (in base.yaml:40:17, which this design "
        "extends)",
    ]


def small_alias_bomb() -> str:
    """1.7 kB that expands to 800,000 unknown service endpoints: under the node limit, but
    it took 40 s and 1.5 GB to report them all."""
    endpoints = ", ".join(["Bogus"] * 100)
    subnet = f"&s {{name: s, prefix: 10.0.0.0/24, service_endpoints: [{endpoints}]}}"
    vnet = ("&v {name: v, address_space: [10.0.0.0/16], subnets: "
            f"[{subnet}, {', '.join(['*s'] * 99)}]}}")
    return "flowdocs: 1\nname: bomb\ntitle: t\nvnets:\n" + f"  - {vnet}\n" + "  - *v\n" * 79


BOMB = ("alias expansion too large: aliases make 856,649 nodes of 308 written (past 100,000 "
        "nodes, at most 10 times the nodes written); this value is used 80 times")


def test_a_small_alias_bomb_is_refused_at_its_anchor() -> None:
    assert len(small_alias_bomb()) < 2000
    assert errors(small_alias_bomb()) == [f"design.yaml:5:5: error: {BOMB}"]


def test_an_alias_bomb_in_a_base_is_located_in_the_base(tmp_path: Path) -> None:
    (tmp_path / "bomb.yaml").write_text(small_alias_bomb())
    assert variant_of(tmp_path, "bomb.yaml") == [
        f"variant.yaml:2:10: error: {BOMB} (in bomb.yaml:5:5, which this design extends)",
    ]


def test_aliases_may_repeat_a_block_many_times_within_the_free_allowance() -> None:
    """A route list shared by 100 route tables: 100 times the list, 46,000 nodes."""
    routes = [{"name": f"r{n}", "address_prefix": f"10.{n}.0.0/16",
               "next_hop_type": "None"} for n in range(50)]
    tables = [{"name": f"rt-{n}", "routes": routes} for n in range(100)]
    assert check_limits({"route_tables": tables}, expansion=True) is None


def test_a_problem_reached_through_an_alias_is_reported_once() -> None:
    text = edited(
        "        route_table: rt-spoke\n",
        "        route_table: rt-spoke\n        service_endpoints: &e [Bogus]\n"
        "      - name: snet-b\n        prefix: 10.1.2.0/24\n        service_endpoints: *e\n")
    assert errors(text) == [
        "design.yaml:16:32: error: unknown service endpoint 'Bogus'; expected one of: "
        "Microsoft.AzureActiveDirectory, Microsoft.AzureCosmosDB, Microsoft.CognitiveServices, "
        "Microsoft.ContainerRegistry, Microsoft.EventHub, Microsoft.KeyVault, "
        "Microsoft.ServiceBus, Microsoft.Sql, Microsoft.Storage, Microsoft.Storage.Global, "
        "Microsoft.Web",
    ]


def test_past_two_hundred_problems_a_file_counts_the_rest() -> None:
    """A systematic mistake in a large file lists the first 200 problems and counts the rest,
    instead of burying the terminal."""
    from flowdocs.load.diagnostics import MAX_LISTED_PROBLEMS, DesignError, Diagnostic

    problems = [Diagnostic("error", f"problem {n}", line=n + 1, column=1) for n in range(250)]
    lines = DesignError("big.yaml", problems).lines()
    assert len(lines) == MAX_LISTED_PROBLEMS + 1
    assert lines[0] == "big.yaml:1:1: error: problem 0"
    assert lines[-1] == ("big.yaml: error: 50 more problem(s) in this file, not listed: fix the "
                         "ones above first")
    assert len(DesignError("small.yaml", problems[:200]).lines()) == 200
