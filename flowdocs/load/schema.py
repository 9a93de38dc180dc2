"""The JSON Schema of the design format, generated from the models so it cannot drift."""

from __future__ import annotations

import copy
from typing import Any

from flowdocs.load.catalog import default_catalog
from flowdocs.load.model import Design

SCHEMA_ID = "https://flowdocs.dev/schema/design-v1.json"
DEFS = "#/$defs/"


def design_schema() -> dict[str, Any]:
    schema = Design.model_json_schema()
    # Workload types are data (the flow catalog), so the schema lists the shipped ones.
    workload = schema["$defs"]["Workload"]["properties"]["type"]
    workload["enum"] = sorted(default_catalog().workload_types)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": "flowdocs design file, version 1", **_with_variants(schema)}


def _with_variants(schema: dict[str, Any]) -> dict[str, Any]:
    """A file with `extends` is a variant: it states only what differs from its base, so
    every key is optional, and a named entry may be `{name: x, remove: true}`
    (docs/decisions.md, "Variants"). Any other file is a whole design."""
    defs = schema.pop("$defs")
    variant_defs = {f"Variant{name}": _partial(d, named=True) for name, d in defs.items()}
    variant = _partial(schema, named=False)
    variant["required"] = ["flowdocs", "extends"]
    return {
        "type": "object",
        "if": {"required": ["extends"]},
        "then": {"$ref": f"{DEFS}VariantDesign"},
        "else": {"$ref": f"{DEFS}Design"},
        "$defs": {**defs, "Design": schema, **variant_defs, "VariantDesign": variant},
    }


def _partial(definition: dict[str, Any], named: bool) -> dict[str, Any]:
    partial: dict[str, Any] = _without_required(copy.deepcopy(definition))
    properties = partial.get("properties", {})
    if named and ("name" in properties or "vnets" in properties):
        properties["remove"] = {"const": True, "description": "Remove this entry of the base "
                                                             "design (with its name only)."}
    return partial


def _without_required(node: Any) -> Any:
    if isinstance(node, dict):
        node.pop("required", None)
        if isinstance(node.get("$ref"), str) and node["$ref"].startswith(DEFS):
            node["$ref"] = f"{DEFS}Variant{node['$ref'][len(DEFS):]}"
        for value in node.values():
            _without_required(value)
    elif isinstance(node, list):
        for value in node:
            _without_required(value)
    return node
