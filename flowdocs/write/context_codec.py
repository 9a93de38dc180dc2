"""Template contexts as JSON, so that the cache can keep each design's part of the index.

The index shows every design, so regenerating it after one design changed would otherwise
analyse all of them again. Each design's part of the index context (its row, and its
family's comparison) is kept as JSON instead and decoded when the index is made.

The encoding is exact for what contexts hold: frozen dataclasses of this package, trusted
Markdown (`Md`, which templates print unescaped, so it must not come back as a plain `str`,
nor a `str` as `Md`), tuples, lists, strings, numbers, booleans and None. Decoding builds
only dataclasses of `flowdocs.write` from a cache entry and raises ValueError on anything
else: a corrupt entry is a cache miss.
"""

from __future__ import annotations

import dataclasses
import importlib
from decimal import Decimal
from typing import Any

from flowdocs.write.escaping import Md

TRUSTED_MODULES = "flowdocs.write."  # where a decoded dataclass may come from


def encode(value: Any) -> Any:
    """`value` as JSON-compatible data; TypeError for a type a context should not hold."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Md):
        return {"md": str(value)}
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, tuple):
        return {"tuple": [encode(item) for item in value]}
    if isinstance(value, list):
        return [encode(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        kind = type(value)
        if not kind.__module__.startswith(TRUSTED_MODULES):
            raise TypeError(f"cannot encode a {kind.__module__}.{kind.__qualname__}")
        return {"dataclass": f"{kind.__module__}:{kind.__qualname__}",
                "fields": {f.name: encode(getattr(value, f.name))
                           for f in dataclasses.fields(value) if f.init}}
    raise TypeError(f"cannot encode a {type(value).__name__}")


def decode(data: Any) -> Any:
    """What `encode` encoded; ValueError for anything it does not make."""
    if data is None or isinstance(data, bool | int | float | str):
        return data
    if isinstance(data, list):
        return [decode(item) for item in data]
    if not isinstance(data, dict):
        raise ValueError(f"unexpected {type(data).__name__}")
    if data.keys() == {"md"} and isinstance(data["md"], str):
        return Md(data["md"])
    if data.keys() == {"decimal"} and isinstance(data["decimal"], str):
        try:
            return Decimal(data["decimal"])
        except ArithmeticError:
            raise ValueError("not a decimal") from None
    if data.keys() == {"tuple"} and isinstance(data["tuple"], list):
        return tuple(decode(item) for item in data["tuple"])
    if data.keys() == {"dataclass", "fields"} and isinstance(data["fields"], dict):
        kind = _dataclass(data["dataclass"])
        try:
            return kind(**{name: decode(value) for name, value in data["fields"].items()})
        except TypeError as error:  # fields that the class does not have (any more)
            raise ValueError(str(error)) from None
    raise ValueError("unexpected object")


def _dataclass(name: object) -> type[Any]:
    if not isinstance(name, str) or ":" not in name:
        raise ValueError("not a dataclass name")
    module_name, _, qualname = name.partition(":")
    if not module_name.startswith(TRUSTED_MODULES) or not qualname.isidentifier():
        raise ValueError(f"not a flowdocs dataclass: {name}")
    try:
        kind = getattr(importlib.import_module(module_name), qualname)
    except (ImportError, AttributeError):
        raise ValueError(f"no such dataclass: {name}") from None
    if not (isinstance(kind, type) and dataclasses.is_dataclass(kind)):
        raise ValueError(f"not a dataclass: {name}")
    return kind
