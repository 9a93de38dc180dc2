"""The JSON Schema of the design format, generated from the models so it cannot drift."""

from __future__ import annotations

from typing import Any

from flowdocs.catalog import default_catalog
from flowdocs.model import Design

SCHEMA_ID = "https://flowdocs.dev/schema/design-v1.json"


def design_schema() -> dict[str, Any]:
    schema = Design.model_json_schema()
    # Workload types are data (the flow catalog), so the schema lists the shipped ones.
    workload = schema["$defs"]["Workload"]["properties"]["type"]
    workload["enum"] = sorted(default_catalog().workload_types)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": "flowdocs design file, version 1", **schema}
