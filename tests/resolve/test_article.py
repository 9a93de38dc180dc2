"""The article's four scenarios resolve as the article says (issue 2, 'done when')."""

from __future__ import annotations

import pytest
from tests_support import DESIGNS

from flowdocs.analyse.resolved import resolve_designs


def flows_of(name: str) -> dict[str, tuple]:
    (resolved,) = resolve_designs([DESIGNS / f"{name}.yaml"])
    return {f.service: (f.number, f.access, f.status, f.firewalls, f.peerings)
            for f in resolved.resolution.flows}


def test_a_vm_backup_rides_the_platform_and_never_touches_the_firewall():
    assert flows_of("a-vm-backup") == {
        "AzureBackup": (1, "platform", "delivered", (), ()),
        "Storage": (2, "platform", "delivered", (), ()),
    }


def test_b_sql_streaming_backup_crosses_the_peering_and_the_hub_firewall():
    through = ("public", "delivered", ("afw-hub",), ("vnet-spoke-sql~vnet-hub",))
    assert flows_of("b-sql-hub-firewall") == {
        "AzureActiveDirectory": (1, *through),
        "AzureBackup": (1, *through),
        "Storage": (2, *through),
    }


def test_c_storage_service_endpoint_bypasses_the_firewall_for_data_only():
    through = ("public", "delivered", ("afw-hub",), ("vnet-spoke-sql~vnet-hub",))
    assert flows_of("c-sql-storage-service-endpoint") == {
        "AzureActiveDirectory": (1, *through),
        "AzureBackup": (1, *through),
        "Storage": (2, "service-endpoint", "delivered", (), ()),
    }


def test_d_vault_private_endpoint_keeps_backup_and_storage_private_entra_public():
    through = ("public", "delivered", ("afw-hub",), ("vnet-spoke-sql~vnet-hub",))
    assert flows_of("d-sql-vault-private-endpoint") == {
        "AzureActiveDirectory": (1, *through),
        "AzureBackup": (1, "private-endpoint", "delivered", (), ()),
        "Storage": (2, "private-endpoint", "delivered", (), ()),
    }


@pytest.mark.parametrize("name", ["b-sql-hub-firewall", "c-sql-storage-service-endpoint"])
def test_the_deciding_route_of_firewalled_flows_is_the_spoke_default_route(name):
    (resolved,) = resolve_designs([DESIGNS / f"{name}.yaml"])
    backup = next(f for f in resolved.resolution.flows if f.service == "AzureBackup")
    assert backup.reason == (
        "0.0.0.0/0 (User, rt-spoke-sql/default-via-firewall) -> VirtualAppliance 10.0.1.4")
