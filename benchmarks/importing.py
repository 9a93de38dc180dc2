"""Issue 12's benchmark: `flowdocs import` of a generated Azure Resource Graph export, 1 hub +
N spokes x 10 subnets, against its floor, the time the standard JSON parser alone takes to read
the same pages.

The export is what `az graph query --first 1000` writes page by page for the estate of
`benchmarks/estate.py`: each spoke's VNet (its subnets and its peering embedded, as Resource
Graph returns them), its 50-route table, and a VM with its NIC in every subnet; the hub's VNet
with a peering link per spoke, its Azure Firewall, the vault. Set
FLOWDOCS_BENCH_IMPORT_SPOKES (e.g. 30) for a quick run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.report import Section, timed
from flowdocs.load.importing import import_design, read_sources
from flowdocs.write.design_yaml import checked_design_yaml

SPOKES = int(os.environ.get("FLOWDOCS_BENCH_IMPORT_SPOKES", "300"))
SUBNETS_PER_SPOKE = 10
ROUTES_PER_TABLE = 50
PAGE = 1000  # rows per page, the most `az graph query --first` returns
REPEAT = 3
SUBSCRIPTION = "/subscriptions/00000000-0000-0000-0000-00000000b001"


def run() -> Section:
    section = Section("Import: a generated Azure Resource Graph export (issue 12)")
    section.add(f"1 hub + {SPOKES} spokes x {SUBNETS_PER_SPOKE} subnets, a "
                f"{ROUTES_PER_TABLE}-route table per spoke, a VM and its NIC in every subnet; "
                f"pages of {PAGE} rows. Best of {REPEAT} runs each.")
    section.add()
    with tempfile.TemporaryDirectory() as folder:
        pages = write_pages(Path(folder), graph_rows(SPOKES))
        size = sum(p.stat().st_size for p in pages) / 1e6
        floor, _ = timed(lambda: [json.loads(p.read_bytes()) for p in pages], REPEAT)
        convert, imported = timed(lambda: import_design(read_sources(pages), "estate"), REPEAT)
        check, _ = timed(lambda: checked_design_yaml(imported, "estate.yaml"), REPEAT)
        end_to_end = _cli(pages, Path(folder) / "estate.yaml")
        counts = imported.counts()
    section.table(["measure", "figure"], [
        ["export", f"{len(pages)} pages, {size:.1f} MB, {counts['subnets']:,} subnets, "
                   f"{counts['routes']:,} routes, {len(imported.candidates):,} candidate VMs"],
        ["floor: `json.loads` of every page", f"{floor:.2f} s"],
        ["read, detect, inventory and build the design", f"{convert:.2f} s "
                                                         f"= {convert / floor:.2f}x floor"],
        ["write the YAML, then load and resolve it (the import's own check)", f"{check:.2f} s"],
        ["`flowdocs import` end to end (fresh process)", f"{end_to_end:.2f} s "
                                                         f"= {end_to_end / floor:.2f}x floor"],
    ])
    return section


def graph_rows(spokes: int) -> list[dict[str, Any]]:
    """The export's rows: Resource Graph's shape (lower-case types, `properties`)."""
    hub = _id("Microsoft.Network/virtualNetworks", "vnet-hub")
    rows: list[dict[str, Any]] = []
    hub_links = []
    for index in range(spokes):
        name = f"vnet-spoke-{index:04d}"
        spoke = _id("Microsoft.Network/virtualNetworks", name)
        rows += _spoke(index, name, spoke, hub)
        hub_links.append(_peering(hub, f"hub-to-{index:04d}", spoke))
    rows.append(_row(hub, "microsoft.network/virtualnetworks", {
        "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
        "subnets": [_subnet(hub, "AzureFirewallSubnet", "10.0.1.0/26", None)],
        "virtualNetworkPeerings": hub_links}))
    rows.append(_row(_id("Microsoft.Network/azureFirewalls", "afw-hub"),
                     "microsoft.network/azurefirewalls", {
                         "sku": {"name": "AZFW_VNet", "tier": "Premium"},
                         "ipConfigurations": [{"name": "ipconfig1", "properties": {
                             "privateIPAddress": "10.0.1.4",
                             "subnet": {"id": f"{hub}/subnets/AzureFirewallSubnet"}}}]}))
    rows.append(_row(_id("Microsoft.RecoveryServices/vaults", "rsv-prod"),
                     "microsoft.recoveryservices/vaults", {"publicNetworkAccess": "Enabled"}))
    return rows


def _spoke(index: int, name: str, spoke: str, hub: str) -> list[dict[str, Any]]:
    second, third = 1 + index // 200, index % 200
    table = _id("Microsoft.Network/routeTables", f"rt-{name}")
    subnets, rows = [], []
    for s in range(SUBNETS_PER_SPOKE):
        subnet = f"snet-{s:02d}"
        subnets.append(_subnet(spoke, subnet, f"10.{second}.{third}.{s * 16}/28", table))
        vm = f"sql-{index:04d}-{s:02d}"
        nic = _id("Microsoft.Network/networkInterfaces", f"{vm}-nic")
        rows.append(_row(nic, "microsoft.network/networkinterfaces", {
            "ipConfigurations": [{"name": "ipconfig1", "properties": {
                "privateIPAddress": f"10.{second}.{third}.{s * 16 + 4}", "primary": True,
                "subnet": {"id": f"{spoke}/subnets/{subnet}"}}}],
            "virtualMachine": {"id": _id("Microsoft.Compute/virtualMachines", vm)}}))
        rows.append(_row(_id("Microsoft.Compute/virtualMachines", vm),
                         "microsoft.compute/virtualmachines", {
                             "networkProfile": {"networkInterfaces": [{"id": nic}]},
                             "storageProfile": {"imageReference": {
                                 "publisher": "MicrosoftSQLServer", "offer": "sql2022-ws2022"}}}))
    rows.append(_row(spoke, "microsoft.network/virtualnetworks", {
        "addressSpace": {"addressPrefixes": [f"10.{second}.{third}.0/24"]},
        "subnets": subnets,
        "virtualNetworkPeerings": [_peering(spoke, "to-hub", hub)]}))
    routes = [{"name": "default-via-firewall", "properties": {
        "addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance",
        "nextHopIpAddress": "10.0.1.4"}}]
    routes += [{"name": f"onprem-{r:02d}", "properties": {
        "addressPrefix": f"172.{16 + r // 250}.{r % 250}.0/24", "nextHopType": "VirtualAppliance",
        "nextHopIpAddress": "10.0.1.4"}} for r in range(ROUTES_PER_TABLE - 1)]
    rows.append(_row(table, "microsoft.network/routetables",
                     {"disableBgpRoutePropagation": False, "routes": routes}))
    return rows


def _subnet(vnet: str, name: str, prefix: str, table: str | None) -> dict[str, Any]:
    properties: dict[str, Any] = {"addressPrefix": prefix,
                                  "privateEndpointNetworkPolicies": "Disabled"}
    if table:
        properties["routeTable"] = {"id": table}
    return {"id": f"{vnet}/subnets/{name}", "name": name, "properties": properties}


def _peering(vnet: str, name: str, remote: str) -> dict[str, Any]:
    return {"id": f"{vnet}/virtualNetworkPeerings/{name}", "name": name, "properties": {
        "remoteVirtualNetwork": {"id": remote}, "allowForwardedTraffic": True,
        "allowGatewayTransit": False, "useRemoteGateways": False,
        "allowVirtualNetworkAccess": True, "peeringState": "Connected"}}


def _id(provider_type: str, name: str) -> str:
    return f"{SUBSCRIPTION}/resourceGroups/rg-estate/providers/{provider_type}/{name}"


def _row(resource_id: str, kind: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {"id": resource_id, "name": resource_id.rsplit("/", 1)[1], "type": kind,
            "location": "westeurope", "resourceGroup": "rg-estate", "properties": properties}


def write_pages(folder: Path, rows: list[dict[str, Any]]) -> list[Path]:
    pages = []
    for start in range(0, len(rows), PAGE):
        page = folder / f"graph-{start // PAGE + 1:03d}.json"
        chunk = rows[start:start + PAGE]
        page.write_text(json.dumps({"count": len(chunk), "data": chunk,
                                    "skip_token": None, "total_records": len(rows)}))
        pages.append(page)
    return pages


def _cli(pages: list[Path], output: Path) -> float:
    best = float("inf")
    command = [sys.executable, "-m", "flowdocs", "import", *map(str, pages), "-o", str(output)]
    for _ in range(REPEAT):
        output.unlink(missing_ok=True)
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        best = min(best, time.perf_counter() - start)
    return best


if __name__ == "__main__":
    print("\n".join(run().lines))
