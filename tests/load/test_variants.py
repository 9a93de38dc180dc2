"""Variants (variants.py, extends.py): the merge on raw data, where each merged value came
from, and loading `extends:` chains from files."""

from __future__ import annotations

import shutil
from textwrap import dedent

import pytest
from tests_support import DESIGNS

from flowdocs.load.diagnostics import DesignError
from flowdocs.load.extends import variant_family
from flowdocs.load.loader import load_design
from flowdocs.load.variants import Provenance, merge_variant

BASE = {
    "name": "base",
    "vnets": [{"name": "hub", "address_space": ["10.0.0.0/16"],
               "subnets": [{"name": "fw", "prefix": "10.0.1.0/26"},
                           {"name": "pe", "prefix": "10.0.2.0/24"}]}],
    "peerings": [{"vnets": ["spoke", "hub"]}],
    "route_tables": [{"name": "rt", "routes": [{"name": "default", "address_prefix": "0.0.0.0/0"}]}],
}


def merged(variant: dict):
    return merge_variant(BASE, Provenance.of("base.yaml", BASE), variant, "variant.yaml")


def test_mappings_merge_by_key_and_named_lists_by_name():
    result = merged({"name": "variant",
                     "vnets": [{"name": "hub", "subnets": [{"name": "pe", "prefix": "10.0.3.0/24"},
                                                           {"name": "new", "prefix": "10.0.4.0/24"}]},
                               {"name": "spoke", "address_space": ["10.1.0.0/16"]}]})
    assert result.problems == []
    assert result.data["name"] == "variant"
    assert result.data["vnets"] == [
        {"name": "hub", "address_space": ["10.0.0.0/16"],
         "subnets": [{"name": "fw", "prefix": "10.0.1.0/26"},
                     {"name": "pe", "prefix": "10.0.3.0/24"},
                     {"name": "new", "prefix": "10.0.4.0/24"}]},
        {"name": "spoke", "address_space": ["10.1.0.0/16"]}]
    assert result.data["route_tables"] == BASE["route_tables"]


def test_lists_of_plain_values_are_replaced_whole():
    result = merged({"vnets": [{"name": "hub", "address_space": ["10.9.0.0/16"]}]})
    assert result.data["vnets"][0]["address_space"] == ["10.9.0.0/16"]


def test_remove_drops_a_named_entry_and_peerings_are_named_by_their_pair():
    result = merged({"vnets": [{"name": "hub", "subnets": [{"name": "fw", "remove": True}]}],
                     "peerings": [{"vnets": ["hub", "spoke"], "remove": True}],
                     "route_tables": [{"name": "rt", "routes": [
                         {"name": "default", "next_hop_type": "Internet"}]}]})
    assert result.problems == []
    assert [s["name"] for s in result.data["vnets"][0]["subnets"]] == ["pe"]
    assert result.data["peerings"] == []
    assert result.data["route_tables"][0]["routes"] == [
        {"name": "default", "address_prefix": "0.0.0.0/0", "next_hop_type": "Internet"}]


def test_merge_problems_are_in_the_variant_file():
    result = merged({"vnets": [
        {"name": "hub", "subnets": [{"name": "gone", "remove": True},
                                    {"name": "fw", "remove": "yes"},
                                    {"name": "pe", "remove": True, "prefix": "10.0.9.0/24"}]},
        {"name": "hub"}]})
    assert [(d.path, d.message) for d in result.problems] == [
        (("vnets", 1), "'hub' is listed twice in this variant; merge the two entries"),
        (("vnets", 0, "subnets", 1, "remove"),
         "'remove' takes true (to remove 'fw' from the base design), found 'yes'"),
        (("vnets", 0, "subnets", 2, "prefix"),
         "an entry with 'remove: true' takes only its name; remove 'prefix'"),
        (("vnets", 0, "subnets", 0, "remove"),
         "nothing to remove: the base design has no 'gone' here"),
    ]


def test_every_merged_value_knows_the_file_and_place_that_set_it():
    result = merged({"vnets": [{"name": "spoke", "address_space": ["10.1.0.0/16"]},
                               {"name": "hub", "subnets": [{"name": "pe", "remove": True},
                                                           {"name": "new", "prefix": "x"}]}]})
    trace = result.provenance.trace
    assert trace(("vnets", 0, "subnets", 0, "prefix")) == (
        "base.yaml", ("vnets", 0, "subnets", 0, "prefix"))
    assert trace(("vnets", 0, "subnets", 1, "prefix")) == (
        "variant.yaml", ("vnets", 1, "subnets", 1, "prefix"))
    assert trace(("vnets", 1, "address_space", 0)) == ("variant.yaml", ("vnets", 0, "address_space", 0))
    # A key the data does not have: the nearest recorded parent, extended.
    assert trace(("peerings", 0, "allow_forwarded_traffic")) == (
        "base.yaml", ("peerings", 0, "allow_forwarded_traffic"))


# -- extends: files -------------------------------------------------------------------------


def _write(folder, name: str, text: str):
    path = folder / name
    path.write_text(dedent(text).lstrip())
    return path


def _base_file(folder) -> None:
    shutil.copy(DESIGNS / "b-sql-hub-firewall.yaml", folder / "b.yaml")


def test_a_variant_file_loads_as_its_base_with_its_differences(tmp_path):
    _base_file(tmp_path)
    path = _write(tmp_path, "c.yaml", """
        flowdocs: 1
        extends: b.yaml
        name: c
        vnets:
          - name: vnet-spoke-sql
            subnets:
              - name: snet-sql
                service_endpoints: [Microsoft.Storage]
        """)
    design = load_design(path).design
    assert (design.name, design.title, design.extends) == (
        "c", "(b) SQL Server streaming backup through the hub firewall", "b.yaml")
    assert design.vnets[1].subnets[0].model_dump(exclude_defaults=True) == {
        "name": "snet-sql", "prefix": "10.1.1.0/24", "route_table": "rt-spoke-sql",
        "network_security_group": "nsg-sql", "service_endpoints": ["Microsoft.Storage"]}


def test_a_variant_s_own_mistake_is_located_in_the_variant(tmp_path):
    _base_file(tmp_path)
    path = _write(tmp_path, "c.yaml", """
        flowdocs: 1
        extends: b.yaml
        name: c
        firewalls:
          - name: afw-hub
            sku: Platinum
        """)
    with pytest.raises(DesignError) as error:
        load_design(path)
    (line,) = error.value.lines()
    assert line.startswith(f"{path}:6:10: error: ")


def test_an_inherited_mistake_is_shown_at_extends_with_the_base_position(tmp_path):
    _base_file(tmp_path)
    path = _write(tmp_path, "c.yaml", """
        flowdocs: 1
        extends: b.yaml
        name: c
        vnets:
          - name: vnet-hub
            address_space: [10.1.0.0/16]
        """)
    with pytest.raises(DesignError) as error:
        load_design(path)
    lines = error.value.lines()
    assert lines and all(line.startswith(f"{path}:") for line in lines)
    assert any(f"(in {tmp_path / 'b.yaml'}:" in line and line.startswith(f"{path}:2:10: ")
               for line in lines), lines


def test_extends_problems_are_located_at_extends(tmp_path):
    _base_file(tmp_path)
    one = _write(tmp_path, "one.yaml", "flowdocs: 1\nextends: two.yaml\nname: one\n")
    _write(tmp_path, "two.yaml", "flowdocs: 1\nextends: one.yaml\nname: two\n")
    with pytest.raises(DesignError) as error:
        load_design(one)
    assert error.value.lines() == [
        f"{one}:2:10: error: 'extends' makes a cycle: {one} -> {tmp_path / 'two.yaml'} -> "
        f"{one} (in {tmp_path / 'two.yaml'}:2:10, which this design extends)"]
    missing = _write(tmp_path, "three.yaml", "flowdocs: 1\nextends: bb.yaml\nname: three\n")
    with pytest.raises(DesignError) as error:
        load_design(missing)
    assert error.value.lines() == [
        f"{missing}:2:10: error: cannot read the base design 'bb.yaml': No such file or "
        f"directory; did you mean 'b.yaml'?"]


def test_an_extends_chain_is_at_most_eight_designs_deep(tmp_path):
    _base_file(tmp_path)
    previous = "b.yaml"
    for level in range(1, 10):
        _write(tmp_path, f"v{level}.yaml", f"flowdocs: 1\nextends: {previous}\nname: v{level}\n")
        previous = f"v{level}.yaml"
    load_design(tmp_path / "v8.yaml")  # 8 variants over b: fine
    with pytest.raises(DesignError) as error:
        load_design(tmp_path / "v9.yaml")
    assert error.value.lines() == [
        f"{tmp_path / 'v9.yaml'}:2:10: error: 'extends' chains more than 8 designs; flatten the "
        f"chain (in {tmp_path / 'v1.yaml'}:2:10, which this design extends)"]


def test_variant_family_follows_extends_through_variants():
    designs = [("d/b.yaml", None), ("d/c.yaml", "b.yaml"), ("d/h.yaml", "c.yaml"),
               ("d/x.yaml", None), ("d/sub/y.yaml", "../b.yaml")]
    assert variant_family("d/b.yaml", designs) == [
        "d/b.yaml", "d/c.yaml", "d/h.yaml", "d/sub/y.yaml"]
