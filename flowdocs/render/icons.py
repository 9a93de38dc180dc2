"""Azure icons from the `diagrams` package, named by what they stand for in a scene.

Icons are referenced by their path relative to the package's `resources/` folder, never by an
absolute path: the DOT text is a golden file and must be the same on every machine, and the
renderer finds the files through Graphviz's `imagepath`.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from pathlib import Path

import diagrams
from diagrams.azure import (
    compute,
    database,
    general,
    identity,
    managementgovernance,
    monitor,
    network,
    security,
    storage,
)

# Scene icon key -> the diagrams class whose icon draws it.
ICON_CLASSES: dict[str, type[diagrams.Node]] = {
    "vm": compute.VM,
    "sql-vm": database.SQLVM,
    "sap-hana": compute.SAPHANAOnAzure,
    "firewall": network.Firewall,
    "private-endpoint": network.PrivateEndpoint,
    "gateway": network.VirtualNetworkGateways,
    "load-balancer": network.LoadBalancers,
    # diagrams has no Route Server icon; route filters are its nearest kin (BGP routes).
    "route-server": network.RouteFilters,
    "on-premises": network.LocalNetworkGateways,
    "route-table": network.RouteTables,
    "vault": storage.RecoveryServicesVaults,
    "storage": storage.StorageAccounts,
    "key-vault": security.KeyVaults,
    "arc": managementgovernance.AzureArc,
    "monitor": monitor.Monitor,
    "entra-id": identity.AzureActiveDirectory,
    "resource-manager": general.ResourceGroups,
}


@functools.cache
def icon_root() -> Path:
    """The folder that holds diagrams' icons; Graphviz's `imagepath`."""
    return Path(diagrams.__file__).resolve().parent.parent / "resources"


def icon_path(key: str) -> str:
    """The icon's path relative to `icon_root()`, with forward slashes on every platform."""
    cls = ICON_CLASSES[key]
    relative = Path(cls._icon_dir or "").relative_to("resources") / (cls._icon or "")
    return relative.as_posix()


@functools.cache
def icon_paths() -> frozenset[str]:
    """The relative paths of every icon a scene may use: the only files a diagram inlines."""
    return frozenset(icon_path(key) for key in ICON_CLASSES)


def packaged_icon(relative: str) -> Path | None:
    """The file of the icon at `relative`, or None unless it is one of `icon_paths()`, and a
    regular file inside `icon_root()`, not a link out of it."""
    if relative not in icon_paths():
        return None
    path = icon_root() / relative
    if path.is_symlink() or not path.is_file() or not path.resolve().is_relative_to(icon_root()):
        return None
    return path


@functools.cache
def icon_data_uri(relative: str) -> str:
    """An icon as a `data:` URI, so that an SVG shows it inside an <img> (no file access).
    ValueError for a path that is not a `packaged_icon`."""
    path = packaged_icon(relative)
    if path is None:
        raise ValueError(f"not one of flowdocs' icons: {relative!r}")
    data = path.read_bytes()
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


@functools.cache
def icons_digest() -> str:
    """One hash over every icon a scene may use: a new diagrams release invalidates the cache."""
    digest = hashlib.sha256()
    for key in sorted(ICON_CLASSES):
        relative = icon_path(key)
        digest.update(relative.encode())
        digest.update((icon_root() / relative).read_bytes())
    return digest.hexdigest()
