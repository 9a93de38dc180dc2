"""Which export a file is, told from its JSON alone, and the resources in it.

- az CLI (`az network vnet list`, `az network route-table list`, ...): a list of resources,
  or one resource, in the SDK's flattened shape (no `properties`);
- ARM REST (`az rest`, `az resource list/show`): `{"value": [...]}`, a list, or one resource,
  each with `properties`;
- Azure Resource Graph (`az graph query`): `{"data": [...]}` (the CLI also writes `count`,
  `skip_token` and `total_records`), lower-case types;
- `terraform show -json`: a state (`values`) or a plan (`planned_values`, `configuration`).

Several pages of one query are several files, or one list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from flowdocs.load.diagnostics import DataPath, Diagnostic

Shape = Literal["az", "arm", "resource-graph", "terraform-state", "terraform-plan"]
SHAPE_TITLES: dict[Shape, str] = {
    "az": "az CLI (flattened)",
    "arm": "ARM (properties)",
    "resource-graph": "Azure Resource Graph",
    "terraform-state": "terraform show -json, state",
    "terraform-plan": "terraform show -json, plan",
}
EXPECTED = ("expected the JSON of `az network ... list`, an Azure Resource Graph or ARM REST "
            "export ({\"data\": [...]}, {\"value\": [...]} or a list of resources), or "
            "`terraform show -json`")

# The objects that hold a list of resources: Resource Graph's, and ARM REST's pages.
_LISTS: tuple[tuple[str, Shape], ...] = (("data", "resource-graph"), ("value", "arm"))


@dataclass(frozen=True)
class Detected:
    shape: Shape
    items: list[tuple[DataPath, Any]]  # Azure resources and where they are; none for Terraform


class ShapeError(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def detect(data: Any) -> Detected:
    """The shape of an export and its Azure resources. Raises ShapeError when it is none."""
    if isinstance(data, dict) and "format_version" in data:
        plan = any(k in data for k in ("planned_values", "resource_changes", "configuration"))
        return Detected("terraform-plan" if plan else "terraform-state", [])
    if isinstance(data, list):
        return _resources(data, ())
    if not isinstance(data, dict):
        raise ShapeError(Diagnostic("error", f"unknown shape: {EXPECTED}; found "
                                    f"{_kind(data)}"))
    for key, shape in _LISTS:
        value = data.get(key)
        if isinstance(value, list):
            return Detected(shape, _resources(value, (key,)).items)
        if isinstance(value, dict) and "rows" in value:
            raise ShapeError(Diagnostic(
                "error", "Azure Resource Graph table format (columns and rows): export the "
                "objects instead (az graph query writes them; in REST, resultFormat "
                "objectArray)", (key,)))
    if isinstance(data.get("id"), str):
        return _resources([data], None)
    keys = ", ".join(sorted(str(k) for k in data)[:6]) or "none"
    raise ShapeError(Diagnostic("error", f"unknown shape: {EXPECTED}; found an object with "
                                f"keys: {keys}"))


def _resources(items: list[Any], at: DataPath | None) -> Detected:
    """A list of resources: ARM's shape when they carry `properties`, else az CLI's."""
    placed = [((*at, i) if at is not None else (), item) for i, item in enumerate(items)]
    arm = any(isinstance(item, dict) and isinstance(item.get("properties"), dict)
              for item in items)
    return Detected("arm" if arm else "az", placed)


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "null" if value is None else type(value).__name__
