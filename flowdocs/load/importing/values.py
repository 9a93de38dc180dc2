"""Reading loosely typed export data: keys in any of their spellings, typed values or nothing.

Exports are not validated against a schema: a value of the wrong type reads as missing, and
the reader that needs it reports it.
"""

from __future__ import annotations

from typing import Any


def get(obj: Any, name: str) -> Any:
    """`obj[name]`, else its other spelling (`enableIpForwarding` in newer az output,
    `enableIPForwarding` in ARM), else None."""
    if not isinstance(obj, dict):
        return None
    if name in obj:
        return obj[name]
    for other in _SPELLINGS.get(name, ()):
        if other in obj:
            return obj[other]
    return None


# Keys whose case differs between API versions and tools; every other key is matched exactly
# (a scan of every key for every absent one would dominate the import of a large estate).
_SPELLINGS = {
    "enableIPForwarding": ("enableIpForwarding",),
    "privateIPAddress": ("privateIpAddress",),
    "nextHopIpAddress": ("nextHopIPAddress",),
    "publicIPAddress": ("publicIpAddress",),
}


def props(obj: Any) -> Any:
    """An ARM object's `properties`, or the object itself in az CLI's flattened shape."""
    inner = get(obj, "properties")
    return inner if isinstance(inner, dict) else obj


def text(obj: Any, name: str) -> str | None:
    value = get(obj, name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def number(obj: Any, name: str) -> int | None:
    """`obj[name]` as an integer: a JSON number, or a string of digits (some tools write
    priorities and ports as text)."""
    value = get(obj, name)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    return None


def flag(obj: Any, name: str, default: bool) -> bool:
    value = get(obj, name)
    return value if isinstance(value, bool) else default


def objects(obj: Any, name: str) -> list[tuple[int, dict[str, Any]]]:
    """The objects of the list `obj[name]`, with their index in it."""
    value = get(obj, name)
    if not isinstance(value, list):
        return []
    return [(index, item) for index, item in enumerate(value) if isinstance(item, dict)]


def texts(obj: Any, name: str) -> list[str]:
    """The non-empty strings of the list `obj[name]` (a lone string counts as a list of one)."""
    value = get(obj, name)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [item.strip() for item in value if isinstance(item, str) and item.strip()]


def ref(obj: Any, name: str) -> str | None:
    """The id of the reference object `obj[name]` (`{"id": "/subscriptions/..."}`)."""
    return text(get(obj, name), "id")


def location(value: str | None) -> str | None:
    """`westeurope` for `West Europe` or `westeurope`: Azure's region names."""
    if value is None:
        return None
    name = "".join(value.split()).lower()
    # An Azure Monitor Private Link Scope, like other global resources, is in `global`: no
    # region of the design.
    return name if name.isalnum() and name != "global" else None
