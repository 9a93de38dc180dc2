"""Variants: a design that `extends:` another, stated as its differences (docs/decisions.md).

The merge works on the raw data of the two files, before validation, so that the merged
design is validated like any other:

- mappings merge key by key; a key the variant sets replaces the base's value;
- lists of named objects (every item has a `name`; peerings are named by their `vnets`
  pair) merge item by item: an item with a base item's name is merged into it, a new name
  is appended, and `{name: x, remove: true}` removes the base's item `x`;
- any other list, and any scalar, is replaced whole.

Every value of the merged data remembers where it came from (`Provenance`), so that a
problem is reported in the file and at the line that set the value. Pure: reading the base
files is `extends.py`'s job.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from flowdocs.load.diagnostics import DataPath, Diagnostic

REMOVE = "remove"


@dataclass
class Provenance:
    """For each data path of a merged document: the file and the path that set it."""

    origins: dict[DataPath, tuple[str, DataPath]] = field(default_factory=dict)

    @classmethod
    def of(cls, file: str, data: Any) -> Provenance:
        """A document that comes from one file as it is."""
        provenance = cls()
        provenance._record(file, (), (), data)
        return provenance

    def trace(self, path: DataPath) -> tuple[str, DataPath]:
        """The file and path that set `path`; for a path below a recorded one (a key the
        data does not have), the nearest recorded parent, extended."""
        for cut in range(len(path), -1, -1):
            origin = self.origins.get(path[:cut])
            if origin is not None:
                file, at = origin
                return file, (*at, *path[cut:])
        raise KeyError(path)

    def _record(self, file: str, merged: DataPath, source: DataPath, data: Any) -> None:
        self.origins[merged] = (file, source)
        if isinstance(data, dict):
            for key, value in data.items():
                self._record(file, (*merged, key), (*source, key), value)
        elif isinstance(data, list):
            for index, value in enumerate(data):
                self._record(file, (*merged, index), (*source, index), value)

    def _inherit(self, base: Provenance, merged: DataPath, old: DataPath, data: Any) -> None:
        """`data`, at `old` in the base document, now sits at `merged`."""
        self.origins[merged] = base.trace(old)
        if isinstance(data, dict):
            for key, value in data.items():
                self._inherit(base, (*merged, key), (*old, key), value)
        elif isinstance(data, list):
            for index, value in enumerate(data):
                self._inherit(base, (*merged, index), (*old, index), value)


@dataclass
class Merged:
    """A merged document, where each of its values came from, and any merge problems
    (their paths are in the variant's file)."""

    data: dict[str, Any]
    provenance: Provenance
    problems: list[Diagnostic]


def merge_variant(base: dict[str, Any], base_provenance: Provenance, variant: dict[str, Any],
                  variant_file: str) -> Merged:
    """`variant` (the data of `variant_file`) merged over `base`."""
    merger = _Merger(base_provenance, variant_file)
    data = merger.mapping(base, (), variant, (), ())
    return Merged(data, merger.provenance, merger.problems)


def identity(item: Any) -> Hashable | None:
    """What names a list item for merging: its `name`, or a peering's pair of VNets."""
    if not isinstance(item, dict):
        return None
    name = item.get("name")
    if isinstance(name, str):
        return name
    vnets = item.get("vnets")
    if isinstance(vnets, list) and all(isinstance(v, str) for v in vnets):
        return frozenset(vnets)
    return None


def _shown(key: Hashable) -> str:
    return " ~ ".join(sorted(key)) if isinstance(key, frozenset) else str(key)


class _Merger:
    def __init__(self, base_provenance: Provenance, variant_file: str) -> None:
        self.base = base_provenance
        self.file = variant_file
        self.provenance = Provenance()
        self.problems: list[Diagnostic] = []

    def value(self, base: Any, old: DataPath, variant: Any, at: DataPath,
              merged: DataPath) -> Any:
        if isinstance(base, dict) and isinstance(variant, dict):
            return self.mapping(base, old, variant, at, merged)
        if isinstance(base, list) and isinstance(variant, list) and _named(base, variant):
            return self.named_list(base, old, variant, at, merged)
        self.provenance._record(self.file, merged, at, variant)
        return variant

    def mapping(self, base: dict[str, Any], old: DataPath, variant: dict[str, Any],
                at: DataPath, merged: DataPath) -> dict[str, Any]:
        self.provenance.origins[merged] = (self.file, at)
        result: dict[str, Any] = {}
        for key, value in base.items():
            if key in variant:
                result[key] = self.value(value, (*old, key), variant[key], (*at, key),
                                         (*merged, key))
            else:
                result[key] = value
                self.provenance._inherit(self.base, (*merged, key), (*old, key), value)
        for key, value in variant.items():
            if key not in base:
                result[key] = value
                self.provenance._record(self.file, (*merged, key), (*at, key), value)
        return result

    def named_list(self, base: list[Any], old: DataPath, variant: list[Any], at: DataPath,
                   merged: DataPath) -> list[Any]:
        self.provenance.origins[merged] = (self.file, at)
        overrides: dict[Hashable, tuple[int, dict[str, Any]]] = {}
        for index, item in enumerate(variant):
            key = identity(item)
            if key in overrides:
                self._problem(f"'{_shown(key)}' is listed twice in this variant; merge the "
                              f"two entries", (*at, index))
                continue
            if item.get(REMOVE, False) is not False:
                self._check_remove(item, key, (*at, index))
            overrides[key] = (index, item)
        base_keys = {identity(item) for item in base}
        result: list[Any] = []
        for index, item in enumerate(base):
            key = identity(item)
            if key not in overrides:
                self.provenance._inherit(self.base, (*merged, len(result)), (*old, index), item)
                result.append(item)
                continue
            v_index, v_item = overrides[key]
            if v_item.get(REMOVE) is True:
                continue
            result.append(self.mapping(item, (*old, index), v_item, (*at, v_index),
                                       (*merged, len(result))))
        for key, (v_index, v_item) in overrides.items():
            if key in base_keys:
                continue
            if v_item.get(REMOVE) is True:
                self._problem(f"nothing to remove: the base design has no '{_shown(key)}' "
                              f"here", (*at, v_index, REMOVE), on_key=True)
                continue
            self.provenance._record(self.file, (*merged, len(result)), (*at, v_index), v_item)
            result.append(v_item)
        return result

    def _check_remove(self, item: dict[str, Any], key: Hashable, at: DataPath) -> None:
        if item[REMOVE] is not True:
            self._problem(f"'remove' takes true (to remove '{_shown(key)}' from the base "
                          f"design), found {item[REMOVE]!r}", (*at, REMOVE))
            return
        extra = sorted(k for k in item if k not in ("name", "vnets", REMOVE))
        if extra:
            self._problem(f"an entry with 'remove: true' takes only its name; remove "
                          f"{', '.join(repr(k) for k in extra)}", (*at, extra[0]), on_key=True)

    def _problem(self, message: str, path: DataPath, on_key: bool = False) -> None:
        self.problems.append(Diagnostic("error", message, path, on_key=on_key))


def _named(base: list[Any], variant: list[Any]) -> bool:
    """Lists merged item by item: every item of both is an object with a name."""
    return all(identity(item) is not None for item in (*base, *variant))

