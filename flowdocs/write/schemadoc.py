"""The design-format reference page, generated from the JSON Schema and the flow catalog.

The schema comes from the pydantic models (`flowdocs.load.schema.design_schema`) and the workload
types from `data/catalog.yaml`, so the reference cannot drift from what the loader accepts.
Pure: returns the context of `templates/design-format.md.j2`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flowdocs.load.catalog import Catalog, default_catalog
from flowdocs.load.schema import design_schema
from flowdocs.write.escaping import Md, code, join, md

ROOT = "Design"


@dataclass(frozen=True)
class Key:
    """One key of an object of the format."""

    name: Md
    type: Md
    required: str
    default: Md
    notes: Md


@dataclass(frozen=True)
class ObjectDoc:
    """An object of the format and its keys."""

    name: str
    anchor: str
    keys: tuple[Key, ...]


@dataclass(frozen=True)
class WorkloadTypeDoc:
    name: Md
    title: str
    management: Md
    data: Md
    access: str


def format_context(catalog: Catalog | None = None) -> dict[str, Any]:
    """Every object of the schema, from the top-level design down, and the workload types."""
    catalog = catalog or default_catalog()
    schema = design_schema()
    definitions = {ROOT: schema, **schema.get("$defs", {})}
    ordered = _reachable(definitions)
    objects = [ObjectDoc(name, name.lower(), tuple(_keys(definitions[name])))
               for name in ordered]
    workload_types = [
        WorkloadTypeDoc(
            name=code(name),
            title=kind.title,
            management=join(code(f.service) for f in kind.flows if f.category == "management"),
            data=join(code(f.service) for f in kind.flows if f.category == "data"),
            access=kind.access,
        )
        for name, kind in sorted(catalog.workload_types.items())
    ]
    return {"schema_id": schema.get("$id", ""), "objects": objects,
            "workload_types": workload_types}


def _reachable(definitions: dict[str, dict[str, Any]]) -> list[str]:
    """Object names in the order a reader meets them, from the top-level design down."""
    order, queue = [], [ROOT]
    while queue:
        name = queue.pop(0)
        if name in order or name not in definitions:
            continue
        order.append(name)
        for prop in definitions[name].get("properties", {}).values():
            queue.extend(_refs(prop))
    return order


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"].rsplit("/", 1)[-1]] if "$ref" in node else []
        for value in node.values():
            found.extend(_refs(value))
        return found
    if isinstance(node, list):
        return [ref for item in node for ref in _refs(item)]
    return []


def _keys(definition: dict[str, Any]) -> list[Key]:
    required = set(definition.get("required", []))
    keys = []
    for name, prop in definition.get("properties", {}).items():
        keys.append(Key(
            name=code(name),
            type=_type(prop),
            required="yes" if name in required else "no",
            default=code(json.dumps(prop["default"])) if "default" in prop else Md(""),
            notes=_notes(prop),
        ))
    return keys


def _type(prop: dict[str, Any]) -> Md:
    options = [p for p in prop.get("anyOf", [prop]) if p.get("type") != "null"]
    return join((_one_type(p) for p in options), " or ")


def _one_type(prop: dict[str, Any]) -> Md:
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        return md("[{name}](#{anchor})", name=name, anchor=Md(name.lower()))
    if "enum" in prop:
        return md("one of {values}", values=join(map(code, prop["enum"]), ", "))
    if "const" in prop:
        return code(json.dumps(prop["const"]))
    if prop.get("type") == "array":
        return md("list of {item}", item=_type(prop.get("items", {})))
    if prop.get("type") == "object":
        return Md("mapping")
    return md("{type}", type=prop.get("type", "any"))


def _notes(prop: dict[str, Any]) -> Md:
    notes: list[Md] = []
    if prop.get("description"):
        notes.append(md("{d}", d=prop["description"].rstrip(".")))
    for option in prop.get("anyOf", [prop]):
        for word, key in (("pattern", "pattern"), ("at least", "minimum"),
                          ("more than", "exclusiveMinimum"), ("at most", "maximum"),
                          ("at least", "minItems"), ("at most", "maxItems")):
            if key in option:
                notes.append(md("{word} {value}", word=word, value=code(option[key])))
        if option.get("items", {}).get("pattern"):
            notes.append(md("items match {p}", p=code(option["items"]["pattern"])))
    return join(notes, "; ")
