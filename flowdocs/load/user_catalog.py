"""A user's catalog (`--catalog FILE`, the plugin's `catalog:`), merged over the shipped one.

Same schema as flowdocs/data/catalog.yaml, every section optional: a service or workload type
with a new name is added, one with a shipped name replaces it, service tags are added to the
known ones. The merged catalog is checked whole (every leg names a service, every service's
tag is known), and each problem is a located `FILE:LINE:COL: error:` line of the user's file.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from flowdocs.files import PathArg, ReadError, read_design_bytes
from flowdocs.load.catalog import Catalog, default_catalog
from flowdocs.load.decoding import decode
from flowdocs.load.diagnostics import DataPath, DesignError, Diagnostic
from flowdocs.load.field_errors import data_path
from flowdocs.load.parsing import ParseError, error_at, parse
from flowdocs.load.positions import Positions

_SECTIONS = ("services", "service_endpoints", "region_pairs", "private_endpoint_targets",
             "workload_types")
# Tags a leg may name that are not services' own: address spaces rules know by name.
_ADDRESS_TAGS = ("Internet", "AzureCloud")


def load_catalog(path: PathArg | None) -> Catalog:
    """The shipped catalog, with the user's file at `path` merged over it (when given).
    Raises DesignError naming every problem of the file, located."""
    if path is None:
        return default_catalog()
    file = str(path)
    try:
        text = decode(read_design_bytes(path))
    except ReadError as error:
        reason = str(error).removeprefix("cannot read the file: ")
        raise DesignError(file, [Diagnostic("error", f"cannot read the catalog: {reason}")]) \
            from None
    except ParseError as error:
        raise DesignError(file, error.diagnostics) from None
    positions = Positions(text)
    try:
        data, problems = parse(text, file.endswith(".json"), positions)
    except ParseError as error:
        raise DesignError(file, positions.locate(error.diagnostics)) from None
    if problems:
        raise DesignError(file, positions.locate(problems))
    if not isinstance(data, dict):
        raise DesignError(file, [error_at("expected a mapping, as in flowdocs/data/catalog.yaml "
                                          "(version, services, workload_types, ...)")])
    catalog, found = merge_catalog(data)
    if found or catalog is None:
        raise DesignError(file, positions.locate(found))
    return catalog


def merge_catalog(data: dict[str, Any]) -> tuple[Catalog | None, list[Diagnostic]]:
    """The shipped catalog with `data` merged over it, or the problems of `data` (with data
    paths into it)."""
    shipped = default_catalog().model_dump(mode="python")
    merged: dict[str, Any] = dict(shipped)
    problems: list[Diagnostic] = []
    for key in data:
        if key not in (*_SECTIONS, "version", "service_tags"):
            problems.append(Diagnostic("error", f"unknown section '{key}'; expected one of: "
                                                f"version, service_tags, {', '.join(_SECTIONS)}",
                                       (key,), on_key=True))
    version = data.get("version", 1)
    # YAML's `true` is a bool, and a bool is an int in Python: only the number 1 will do.
    if isinstance(version, bool) or version != 1:
        problems.append(Diagnostic("error", "expected version: 1", ("version",)))
    for section in _SECTIONS:
        value = data.get(section)
        if value is None:
            continue
        if not isinstance(value, dict):
            problems.append(Diagnostic("error", f"expected a mapping of {section}", (section,)))
            continue
        merged[section] = {**shipped[section], **value}
    tags = data.get("service_tags", [])
    if not isinstance(tags, list):
        problems.append(Diagnostic("error", "expected a list of service tags", ("service_tags",)))
    else:
        # Checked here, where the index is the user's, not in the merged list.
        problems += [Diagnostic("error", f"service_tags.{i}: Input should be a valid string",
                                ("service_tags", i))
                     for i, tag in enumerate(tags) if not isinstance(tag, str) or not tag]
        merged["service_tags"] = tuple(dict.fromkeys((*shipped["service_tags"], *tags)))
    if problems:
        return None, problems
    try:
        catalog = Catalog.model_validate(merged)
    except ValidationError as error:
        return None, [_located_in_user_data(data, e) for e in error.errors(include_url=False)]
    problems = list(_cross_checks(catalog, data))
    return (None, problems) if problems else (catalog, [])


def _located_in_user_data(data: dict[str, Any], detail: Any) -> Diagnostic:
    """A schema problem: merged sections hold the user's entries under the same keys, so
    pydantic's location is a path into the user's data (the shipped entries are valid)."""
    path: DataPath = data_path(data, detail["loc"],
                               keep_missing_key=detail["type"] == "missing")
    where = ".".join(str(p) for p in detail["loc"])
    return Diagnostic("error", f"{where}: {detail['msg']}", path)


def _cross_checks(catalog: Catalog, data: dict[str, Any]) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    tags = set(catalog.service_tags) | set(_ADDRESS_TAGS)
    for name, service in (data.get("services") or {}).items():
        tag = catalog.services[name].tag or name
        if tag not in tags:
            at: DataPath = ("services", name, "tag") if isinstance(service, dict) \
                and "tag" in service else ("services", name)
            problems.append(Diagnostic(
                "error", f"service '{name}' is held by service tag '{tag}', which the "
                         f"catalog does not know: add it to service_tags, or give the "
                         f"service a known tag", at, on_key="tag" not in at))
    for name in (data.get("workload_types") or {}):
        kind = catalog.workload_types[name]
        for index, leg in enumerate(kind.flows):
            if leg.service not in catalog.services:
                problems.append(Diagnostic(
                    "error", f"unknown service '{leg.service}' in workload type '{name}'",
                    ("workload_types", name, "flows", index, "service")))
        for index, service in enumerate(kind.private_endpoint_services or ()):
            if service not in catalog.services:
                problems.append(Diagnostic(
                    "error", f"unknown service '{service}'",
                    ("workload_types", name, "private_endpoint_services", index)))
        ids = [(leg.service, leg.category) for leg in kind.flows]
        if len(set(ids)) < len(ids):
            problems.append(Diagnostic(
                "error", f"workload type '{name}' lists a service twice in one category: "
                         "a flow is known by its workload, service and number",
                ("workload_types", name, "flows")))
    for target, services in (data.get("private_endpoint_targets") or {}).items():
        for index, service in enumerate(services if isinstance(services, list) else ()):
            if service not in catalog.services:
                problems.append(Diagnostic("error", f"unknown service '{service}'",
                                           ("private_endpoint_targets", target, index)))
    return problems
