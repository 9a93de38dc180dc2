"""The imported design's YAML text: it loads back as the data it was made from, whatever the
names, and a design that would not validate is refused, never written."""

from __future__ import annotations

import pytest
import yaml

from flowdocs.load.importing.imported import Entry, ImportedDesign, SourceSummary
from flowdocs.load.importing.inventory import Skipped
from flowdocs.write.design_yaml import ImportCheckError, checked_design_yaml, design_yaml


def imported(vnets: list[dict], title: str = "Estate") -> ImportedDesign:
    return ImportedDesign(
        [SourceSummary("exports/vnets.json", "az CLI (flattened)", len(vnets))],
        {"flowdocs": 1, "name": "estate", "title": title, "region": "westeurope"},
        {"vnets": [Entry(v, (f"/subscriptions/x/virtualNetworks/{v['name']}",)) for v in vnets]},
        skipped=[Skipped("/subscriptions/x/networkSecurityGroups/nsg", "not modelled")])


# Names YAML would read as something other than a string, and text that needs quotes.
TRICKY = ["true", "no", "null", "123", "1e3", "0x1f", "1.5", "1_000", "2024-05-02", "0b101",
          "on", "Off"]


@pytest.mark.parametrize("name", TRICKY)
def test_names_that_yaml_would_misread_are_quoted(name):
    vnets = [{"name": name, "address_space": ["10.0.0.0/16"],
              "subnets": [{"name": name, "prefix": "10.0.1.0/24"}]}]
    design = imported(vnets, title=f"Prod: \"{name}\" # not a comment")
    text = design_yaml(design)
    assert yaml.safe_load(text) == design.design_data()
    checked_design_yaml(design, "estate.yaml")


def test_the_layout_is_that_of_the_example_designs():
    design = imported([{"name": "vnet-hub", "address_space": ["10.0.0.0/16"],
                        "subnets": [{"name": "AzureFirewallSubnet", "prefix": "10.0.1.0/26"}]}])
    assert design_yaml(design) == """\
# Imported by `flowdocs import` from 1 file:
#   exports/vnets.json: az CLI (flattened), 1 resource
# The comment above each object names the resource it came from. Workloads cannot be
# inferred from an export: candidates are at the end, commented out, with what was not
# imported and why.
flowdocs: 1
name: estate
title: Estate
region: westeurope

vnets:
  # /subscriptions/x/virtualNetworks/vnet-hub
  - name: vnet-hub
    address_space: [10.0.0.0/16]
    subnets:
      - name: AzureFirewallSubnet
        prefix: 10.0.1.0/26

# Not imported (1):
# - /subscriptions/x/networkSecurityGroups/nsg: not modelled
"""


def test_a_design_that_does_not_validate_is_refused_with_its_problems():
    design = imported([{"name": "vnet-hub", "address_space": ["10.0.0.0/16"],
                        "subnets": [{"name": "snet-a", "prefix": "10.9.0.0/24"}]}])
    with pytest.raises(ImportCheckError) as caught:
        checked_design_yaml(design, "estate.yaml")
    assert caught.value.lines() == [
        "estate.yaml: error: the imported design does not validate, so it was not written "
        "(please report this with the exports)",
        "estate.yaml:17:17: error: subnet prefix 10.9.0.0/24 is outside the address space of "
        "vnet 'vnet-hub' (10.0.0.0/16)",
    ]
