"""Monthly costs and sizing (costs.py, prices.py), checked against arithmetic done by hand.

Prices used (data/prices.yaml, azure-rules.md 7): Azure Firewall Standard 1.25 per hour and
0.016 per GB; Premium 1.75 per hour; VNet peering 0.01 per GB out + 0.01 per GB in, global
0.035 + 0.035; private endpoint 0.01 per hour + 0.01 per GB. A month: 30 days, 730 hours.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from scenes import base, resolve_scene, subnet, via_firewall
from tests_support import DESIGNS, run_cli

from flowdocs.analyse.costs import compute_costs
from flowdocs.analyse.resolved import resolve_designs
from flowdocs.load.diagnostics import DesignError
from flowdocs.load.prices import PriceError, default_prices, load_prices, price_table
from flowdocs.write.decision_sections import costs_context
from flowdocs.write.templating import environment, render

D = Decimal


def costs_of(design: dict, prices=None):
    return compute_costs(resolve_scene(design), prices or default_prices())


def sql_backup(daily_gb: float = 200, window_hours: float | None = 8) -> dict:
    """The article's scene: SQL Server in the spoke, 200 GB a day in an 8-hour window."""
    design = base()
    backup = design["workloads"][0]["backup"]
    backup["daily_gb"] = daily_gb
    if window_hours is not None:
        backup["window_hours"] = window_hours
    return design


def _vault_pe(design: dict, where: str) -> None:
    design["private_endpoints"] = [{"name": "pe-rsv", "subnet": where, "target": "rsv"}]


def lines(costs) -> list[tuple[str, str, Decimal, Decimal, Decimal]]:
    return [(c.item, c.component, c.quantity, c.unit_price, c.monthly) for c in costs.charges]


def test_the_shipped_table_is_dated_and_in_usd():
    prices = default_prices()
    assert (prices.currency, prices.date, prices.days_per_month, prices.hours_per_month) == (
        "USD", "2024", 30, 730)


def test_through_the_hub_firewall():
    design = sql_backup()
    via_firewall(design)
    costs = costs_of(design)
    gb = D(200) * 30  # 6,000 GB a month, all of it on the data flow
    assert lines(costs) == [
        ("firewall data", "afw-hub", gb, D("0.016"), D("96.000")),  # 6,000 × 0.016
        ("peering egress", "vnet-spoke~vnet-hub", gb, D("0.01"), D("60.00")),  # 6,000 × 0.01
        ("peering ingress", "vnet-spoke~vnet-hub", gb, D("0.01"), D("60.00")),
        ("firewall deployment", "afw-hub", D(730), D("1.25"), D("912.50")),  # 730 × 1.25
    ]
    assert (costs.traffic, costs.fixed, costs.total) == (D("216"), D("912.5"), D("1128.5"))
    # Management flows carry no volume: the whole traffic cost is the data flow's.
    assert costs.by_flow() == {"sql/AzureActiveDirectory": 0, "sql/AzureBackup": 0,
                               "sql/Storage": D("216")}
    assert costs.by_workload() == {"sql": D("216")}
    assert costs.by_component() == {"afw-hub": D("1008.5"), "vnet-spoke~vnet-hub": D("120")}
    assert costs.notes == ()


def test_storage_service_endpoint_costs_nothing_per_gb():
    design = sql_backup()
    via_firewall(design)
    subnet(design, "vnet-spoke/snet-sql")["service_endpoints"] = ["Microsoft.Storage"]
    costs = costs_of(design)
    assert lines(costs) == [("firewall deployment", "afw-hub", D(730), D("1.25"), D("912.50"))]
    assert (costs.traffic, costs.total) == (0, D("912.5"))


def test_vault_private_endpoint_in_the_spoke():
    design = sql_backup()
    via_firewall(design)
    _vault_pe(design, "vnet-spoke/snet-endpoints")
    costs = costs_of(design)
    assert lines(costs) == [
        ("private endpoint data", "pe-rsv", D(6000), D("0.01"), D("60")),  # 6,000 × 0.01
        ("firewall deployment", "afw-hub", D(730), D("1.25"), D("912.50")),
        ("private endpoint hours", "pe-rsv", D(730), D("0.01"), D("7.30")),  # 730 × 0.01
    ]
    assert (costs.traffic, costs.fixed, costs.total) == (D(60), D("919.8"), D("979.8"))


def test_vault_private_endpoint_in_the_hub_adds_both_sides_of_the_peering():
    design = sql_backup()
    via_firewall(design)
    _vault_pe(design, "vnet-hub/snet-endpoints")
    costs = costs_of(design)
    # 6,000 × (0.01 out + 0.01 in + 0.01 processed) = 180; fixed 912.50 + 7.30.
    assert costs.by_flow()["sql/Storage"] == D(180)
    assert (costs.traffic, costs.total) == (D(180), D("1099.8"))


def test_global_peering_is_priced_in_each_side_s_region():
    design = sql_backup()
    via_firewall(design)
    design["vnets"][1]["region"] = "northeurope"
    costs = costs_of(design)
    assert lines(costs)[1:3] == [
        ("peering egress", "vnet-spoke~vnet-hub", D(6000), D("0.035"), D(210)),
        ("peering ingress", "vnet-spoke~vnet-hub", D(6000), D("0.035"), D(210)),
    ]
    # Egress at the sender's zone (Brazil: 0.16), ingress at the receiver's (Europe: 0.035).
    design["vnets"][1]["region"] = "brazilsouth"
    assert [(c.region, c.monthly) for c in costs_of(design).charges[1:3]] == [
        ("brazilsouth", D(960)), ("westeurope", D(210))]


def test_premium_and_basic_skus():
    design = sql_backup()
    via_firewall(design)
    design["firewalls"][0]["sku"] = "Premium"
    assert costs_of(design).fixed == D("1277.5")  # 730 × 1.75
    design["firewalls"][0]["sku"] = "Basic"
    basic = costs_of(design)
    # 6,000 × 0.065 + 6,000 × 0.02 of peering; 730 × 0.395.
    assert (basic.traffic, basic.fixed) == (D(510), D("288.35"))


def test_an_nva_has_no_per_gb_fee_but_is_sized():
    design = sql_backup(daily_gb=500, window_hours=4)
    design["vnets"][0]["subnets"].append({"name": "snet-nva", "prefix": "10.0.3.0/24"})
    design["firewalls"] = [{"name": "nva", "type": "nva", "vendor": "FortiGate",
                            "subnet": "vnet-hub/snet-nva", "private_ip": "10.0.3.4",
                            "licensed_throughput_mbps": 250}]
    via_firewall(design)
    design["route_tables"][0]["routes"][0]["next_hop_ip"] = "10.0.3.4"
    costs = costs_of(design)
    assert [c.item for c in costs.charges] == ["peering egress", "peering ingress"]
    assert costs.total == D(300)  # 15,000 GB × (0.01 + 0.01)
    (size,) = costs.sizing
    # 500 GB × 8,000 Mb/GB / (4 h × 3,600 s) = 277.8 Mbps, above 250.
    assert round(size.required_mbps, 1) == D("277.8")
    assert (size.licensed_mbps, size.under_licensed, size.workloads) == (D(250), True, ("sql",))
    assert costs.notes == ("nva (FortiGate): VM and licence are not priced; see its sizing",)


def test_sizing_adds_overlapping_windows_and_assumes_a_full_day_without_one():
    design = sql_backup(daily_gb=200, window_hours=None)
    design["workloads"].append({"name": "sql2", "type": "sql-server-in-vm",
                                "subnet": "vnet-spoke/snet-sql",
                                "backup": {"vault": "rsv", "daily_gb": 100, "window_hours": 2}})
    via_firewall(design)
    (size,) = costs_of(design).sizing
    # 200 × 8,000 / 86,400 = 18.52 and 100 × 8,000 / 7,200 = 111.11: 129.6 Mbps together.
    assert round(size.required_mbps, 1) == D("129.6")
    assert (size.workloads, size.full_day) == (("sql", "sql2"), ("sql",))


def test_flows_without_volume_or_that_never_arrive_are_not_priced():
    design = base()  # no daily_gb
    via_firewall(design)
    design["workloads"].append({"name": "lost", "type": "sql-server-in-vm",
                                "subnet": "vnet-hub/snet-endpoints",
                                "backup": {"vault": "rsv", "daily_gb": 10}})
    design["route_tables"].append({"name": "rt-lost", "routes": [
        {"name": "drop", "address_prefix": "0.0.0.0/0", "next_hop_type": "None"}]})
    subnet(design, "vnet-hub/snet-endpoints")["route_table"] = "rt-lost"
    costs = costs_of(design)
    assert costs.volumes == {}
    assert costs.notes == (
        "sql states no daily_gb: its flows are not priced",
        "flow lost/AzureActiveDirectory is dropped: not priced",
        "flow lost/AzureBackup is dropped: not priced",
        "flow lost/Storage is dropped: not priced",
    )


def test_a_user_price_file_overrides_part_of_the_table(tmp_path):
    mine = tmp_path / "prices.yaml"
    mine.write_text("date: 2025-03-01\n"
                    "default:\n  firewall:\n    Standard: {data_gb: 0.02}\n")
    prices = load_prices(mine)
    assert (prices.date, prices.currency) == ("2025-03-01", "USD")
    assert prices.default.firewall["Standard"].deployment_hour == D("1.25")  # kept
    design = sql_backup()
    via_firewall(design)
    assert costs_of(design, prices).traffic == D(240)  # 6,000 × 0.02 + 6,000 × 0.02


def test_prices_in_another_currency_are_never_mixed_with_the_shipped_ones(tmp_path):
    partial = tmp_path / "eur.yaml"
    partial.write_text("date: 2025\ncurrency: EUR\n"
                       "default: {firewall: {Standard: {deployment_hour: 1.2, data_gb: 0.02}}}\n")
    with pytest.raises(DesignError) as error:
        load_prices(partial)
    lead = (f"{partial}: error: prices in EUR are not merged over the shipped USD prices, so "
            f"the file must give every price; it lacks or gets wrong")
    assert error.value.lines() == [
        f"{lead} default.firewall: Value error, expected a price for every firewall SKU; "
        f"missing: Basic, Premium",
        f"{lead} default.peering: Field required",
        f"{lead} default.private_endpoint: Field required"]
    whole = tmp_path / "eur-whole.yaml"
    whole.write_text(
        "date: 2025\ncurrency: EUR\ndefault:\n"
        "  firewall:\n"
        "    Basic: {deployment_hour: 0.4, data_gb: 0.06}\n"
        "    Standard: {deployment_hour: 1.2, data_gb: 0.02}\n"
        "    Premium: {deployment_hour: 1.6, data_gb: 0.02}\n"
        "  peering: {regional: {out_gb: 0.01, in_gb: 0.01}, global: {out_gb: 0.03, in_gb: 0.03}}\n"
        "  private_endpoint: {hour: 0.01, data_gb: 0.01}\n")
    prices = load_prices(whole)
    assert (prices.currency, prices.regions) == ("EUR", {})  # no USD region overrides kept
    assert prices.default.firewall["Standard"].deployment_hour == D("1.2")


def test_a_user_price_file_must_be_dated_and_valid(tmp_path):
    undated = tmp_path / "undated.yaml"
    undated.write_text("default: {private_endpoint: {hour: 0.02}}\n")
    with pytest.raises(DesignError) as error:
        load_prices(undated)
    assert error.value.lines() == [
        f"{undated}: error: expected 'date' (YYYY, YYYY-MM or YYYY-MM-DD): when your prices "
        f"were taken"]
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("date: 2025\nregions: {westeurope: {firewall: {Standard: {per_gb: 1}}}}\n")
    with pytest.raises(DesignError) as error:
        load_prices(wrong)
    assert error.value.lines() == [
        f"{wrong}: error: regions.westeurope.firewall.Standard.per_gb: Extra inputs are not "
        f"permitted"]


def test_price_table_problems_name_their_place():
    with pytest.raises(PriceError) as error:
        price_table({"currency": "USD", "date": "soon"})
    assert [where for where, _ in error.value.problems] == [
        "date", "hours_per_month", "days_per_month", "default"]


def test_resolve_json_carries_costs_with_their_date():
    import json

    result = run_cli("resolve", DESIGNS / "b-sql-hub-firewall.yaml", "--format", "json")
    costs = json.loads(result.stdout)["costs"]
    assert (costs["price_date"], costs["basis"], costs["monthly"]) == (
        "2024", "list prices, not a quote", {"traffic": 216.0, "fixed": 912.5, "total": 1128.5})
    assert costs["flows"][2] == {"id": "sqlvm01/Storage", "gb_per_month": 6000,
                                 "monthly": 216.0}


def test_resolve_takes_a_user_price_file(tmp_path):
    mine = tmp_path / "prices.yaml"
    mine.write_text("date: 2025-03\ndefault: {firewall: {Standard: {deployment_hour: 2}}}\n")
    result = run_cli("resolve", DESIGNS / "b-sql-hub-firewall.yaml", "--prices", mine)
    assert "afw-hub                  firewall deployment  730 hours  2           $1,460.00" \
        in result.stdout
    assert "at the list prices of 2025-03: list prices, not a quote." in result.stdout
    bad = run_cli("resolve", DESIGNS / "b-sql-hub-firewall.yaml", "--prices", tmp_path / "no")
    assert (bad.exit_code, bad.stderr) == (
        1, f"{tmp_path / 'no'}: error: cannot read prices: No such file or directory\n")


@pytest.mark.parametrize("name", ["b-sql-hub-firewall", "f-third-party-agent-private-storage"])
def test_the_costs_section_of_the_page(name, golden):
    (resolved,) = resolve_designs([DESIGNS / f"{name}.yaml"])
    context = costs_context(compute_costs(resolved.resolution, default_prices()))
    golden.check(f"pages/_costs-{name[0]}.md", render(environment(), "_costs.md.j2", context))
