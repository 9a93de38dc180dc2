"""Pydantic's validation errors, rewritten as diagnostics a design author can act on.

Each error keeps its data path (pydantic's `loc`, minus its own union and validator labels),
says what was expected and what was found, and names the closest valid key or value.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from flowdocs.load import model, model_types, policy_model
from flowdocs.load.diagnostics import DataPath, Diagnostic, did_you_mean
from flowdocs.load.model import Design


def field_diagnostics(data: Any, error: ValidationError) -> list[Diagnostic]:
    """One diagnostic per distinct problem of `error`, in pydantic's order."""
    found: dict[tuple[DataPath, str], Diagnostic] = {}
    details = error.errors(include_url=False)
    explained = _keys_explained_by_typos(data, details)
    for detail in details:
        path = _error_path(data, detail)
        if detail["type"] == "missing" and path in explained:
            continue  # `adress_space` already says "did you mean 'address_space'?"
        diagnostic = _diagnostic(data, path, detail)
        found.setdefault((diagnostic.path, diagnostic.message), diagnostic)
    return list(found.values())


def _error_path(data: Any, detail: ErrorDetails) -> DataPath:
    if detail["type"] == "invalid_key":  # pydantic's loc spells the key as text; use the key
        return (*data_path(data, detail["loc"][:-1]), detail["input"])
    return data_path(data, detail["loc"], keep_missing_key=detail["type"] == "missing")


def data_path(data: Any, loc: tuple[str | int, ...], keep_missing_key: bool = False) -> DataPath:
    """The part of pydantic's `loc` that names data: labels such as `function-after[...]`
    that pydantic adds for unions and validators are not keys of the data, so they go."""
    path: list[str | int] = []
    node = data
    for index, part in enumerate(loc):
        if _has(node, part):
            node = node[part]
        elif not (keep_missing_key and index == len(loc) - 1):
            continue
        path.append(part)
    return tuple(path)


def _has(node: Any, part: str | int) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def _diagnostic(data: Any, path: DataPath, detail: ErrorDetails) -> Diagnostic:
    kind = detail["type"]
    if kind == "extra_forbidden":
        return Diagnostic("error", _unknown_key(data, path), path, on_key=True)
    if kind == "invalid_key":
        message = f"expected a string key, found {_show(path[-1])}: put it in quotes"
        return Diagnostic("error", message, path, on_key=True)
    handler = _HANDLERS.get(kind)
    if handler is None and kind in _EXPECTED_TYPE:
        message = f"expected {_EXPECTED_TYPE[kind]}, found {kind_of(detail['input'])}"
    elif handler is None:
        message = detail["msg"]
    else:
        message = handler(data, path, detail)
    if kind != "missing":
        message = f"{_field_name(path)}: {message}"
    return Diagnostic("error", message, path)


# Unknown and missing keys ---------------------------------------------------------------------


def _unknown_key(data: Any, path: DataPath) -> str:
    key, owner = str(path[-1]), path[:-1]
    fields = list(_fields_at(owner))
    allowed = ", ".join(fields)
    hint = did_you_mean(key, fields)
    if hint:
        hint = f"{hint} Expected one of: {allowed}"
    elif fields:
        hint = f"; expected one of: {allowed}"
    return f"unknown key {_show(key)} {_where(data, owner)}{hint}"


def _missing(data: Any, path: DataPath, detail: ErrorDetails) -> str:
    return f"missing required key '{path[-1]}' {_where(data, path[:-1])}"


def _keys_explained_by_typos(data: Any, details: list[ErrorDetails]) -> set[DataPath]:
    """Paths of missing keys that an unknown key next to them is probably a typo of."""
    explained: set[DataPath] = set()
    for detail in details:
        if detail["type"] != "extra_forbidden":
            continue
        path = data_path(data, detail["loc"])
        close = difflib.get_close_matches(str(path[-1]), list(_fields_at(path[:-1])), n=1)
        explained.update((*path[:-1], match) for match in close)
    return explained


def _where(data: Any, owner: DataPath) -> str:
    return "at the top level" if not owner else f"in {describe(data, owner)}"


def describe(data: Any, path: DataPath) -> str:
    """`vnet 'vnet-hub'`, `peering 'a~b'`, `route #2 of route table 'rt'`, `backup of
    workload 'sqlvm01'`: the object at `path`, as the author would name it."""
    model_class = model_at(path)
    kind = _kind(model_class) if model_class else str(path[-1])
    value = _value_at(data, path)
    name = value.get("name") if isinstance(value, dict) else None
    if isinstance(name, str):
        return f"{kind} '{name}'"
    if model_class is model.Peering and _is_pair(value):
        return f"peering '{value['vnets'][0]}~{value['vnets'][1]}'"
    label = f"{kind} #{path[-1] + 1}" if isinstance(path[-1], int) else kind
    parent = _owning_object(path)
    return f"{label} of {describe(data, parent)}" if parent else label


def _is_pair(value: Any) -> bool:
    vnets = value.get("vnets") if isinstance(value, dict) else None
    return isinstance(vnets, list) and len(vnets) == 2 and all(isinstance(v, str) for v in vnets)


def _owning_object(path: DataPath) -> DataPath:
    """The path of the nearest enclosing model object, () for the design itself."""
    parent = path[:-1]
    while parent and model_at(parent) is None:
        parent = parent[:-1]
    return parent


def _kind(model_class: type[BaseModel]) -> str:
    """`RouteTable` -> `route table`, `VNet` -> `vnet`."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", model_class.__name__).lower()


def _value_at(data: Any, path: DataPath) -> Any:
    for part in path:
        data = data[part]
    return data


# Where the schema says what is allowed --------------------------------------------------------


def model_at(path: DataPath) -> type[BaseModel] | None:
    """The model class of the object at `path` in a design, found by walking Design's fields."""
    annotation = _annotation_at(path)
    return annotation if _is_model(annotation) else None


def _fields_at(path: DataPath) -> dict[str, Any]:
    model_class = model_at(path)
    return model_class.model_fields if model_class else {}


def _annotation_at(path: DataPath) -> Any:
    annotation: Any = Design
    for part in path:
        annotation = _child_annotation(_unwrap(annotation), part)
        if annotation is None:
            return None
    return _unwrap(annotation)


def _child_annotation(annotation: Any, part: str | int) -> Any:
    if _is_model(annotation):
        field = annotation.model_fields.get(part) if isinstance(part, str) else None
        return field.annotation if field else None
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (list, tuple) and isinstance(part, int) and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    return None


def _unwrap(annotation: Any) -> Any:
    """`Annotated[X, ...]` -> X, `X | None` -> X."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


# Values ---------------------------------------------------------------------------------------


def _literal(data: Any, path: DataPath, detail: ErrorDetails) -> str:
    annotation = _annotation_at(path)
    allowed = [str(a) for a in typing.get_args(annotation)]
    if typing.get_origin(annotation) is not typing.Literal or not allowed:
        return detail["msg"]
    received = detail["input"]
    hint = did_you_mean(received, allowed) if isinstance(received, str) else ""
    choices = ", ".join(f"'{a}'" for a in allowed)
    return f"expected one of: {choices} but received: {_show(received)}{hint}"


def _value_error(data: Any, path: DataPath, detail: ErrorDetails) -> str:
    error = (detail.get("ctx") or {}).get("error")
    return str(error) if error is not None else detail["msg"]


def _pattern(data: Any, path: DataPath, detail: ErrorDetails) -> str:
    pattern = (detail.get("ctx") or {}).get("pattern", "")
    expected = _PATTERN_MEANING.get(pattern, f"a value matching {pattern}")
    return f"expected {expected}, found {_show(detail['input'])}"


def _length(data: Any, path: DataPath, detail: ErrorDetails) -> str:
    ctx = detail.get("ctx") or {}
    if detail["type"] == "string_too_short":
        return "must not be empty" if ctx.get("min_length") == 1 else detail["msg"]
    if detail["type"] == "string_too_long":
        return f"longer than {ctx.get('max_length')} characters"
    bound = "at least" if detail["type"] == "too_short" else "at most"
    limit = ctx.get("min_length" if detail["type"] == "too_short" else "max_length")
    noun = "item" if limit == 1 else "items"
    return f"expected {bound} {limit} {noun}, found {ctx.get('actual_length')}"


def _bound(data: Any, path: DataPath, detail: ErrorDetails) -> str:
    ctx = detail.get("ctx") or {}
    words = {"gt": "greater than", "ge": "at least", "lt": "less than", "le": "at most"}
    key = next((k for k in words if k in ctx), None)
    if key is None:
        return detail["msg"]
    return f"expected a number {words[key]} {ctx[key]:g}, found {_show(detail['input'])}"


_Handler = Callable[[Any, DataPath, ErrorDetails], str]
_HANDLERS: dict[str, _Handler] = {
    "missing": _missing,
    "literal_error": _literal,
    "value_error": _value_error,
    "string_pattern_mismatch": _pattern,
    "string_too_short": _length,
    "string_too_long": _length,
    "too_short": _length,
    "too_long": _length,
    "greater_than": _bound,
    "greater_than_equal": _bound,
    "less_than": _bound,
    "less_than_equal": _bound,
}

_EXPECTED_TYPE = {
    "list_type": "a list",
    "tuple_type": "a list",
    "string_type": "a string",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
}


def _pattern_of(annotation: Any) -> str:
    for info in typing.get_args(annotation)[1:]:
        pattern = _pattern_in(getattr(info, "metadata", []))
        if pattern:
            return pattern
    return ""


def _field_pattern(model_class: type[BaseModel], field: str) -> str:
    info = model_class.model_fields.get(field)
    return _pattern_in(info.metadata if info else [])


def _pattern_in(metadata: Iterable[object]) -> str:
    """The first `pattern=` among a field's constraints, or ''."""
    for item in metadata:
        pattern = getattr(item, "pattern", None)
        if isinstance(pattern, str) and pattern:
            return pattern
    return ""


_PATTERN_MEANING = {
    _pattern_of(model_types.Name): "a name of letters, digits, '.', '_' and '-' that starts with a "
                             "letter or digit",
    _pattern_of(model_types.SubnetRef): "a subnet reference such as vnet-hub/snet-endpoints",
    _pattern_of(model_types.RoutePrefix): "a CIDR such as 10.0.0.0/16 or a service tag such as "
                                          "Storage",
    _pattern_of(policy_model.RuleAddress): "a CIDR, an IP address, '*' or a service tag such as "
                                           "Storage.WestEurope",
    _pattern_of(policy_model.PortRange): "a port such as 443, a range such as 1024-65535, or '*'",
    _pattern_of(policy_model.Fqdn): "a host name such as management.azure.com, or a wildcard "
                                    "such as *.blob.core.windows.net",
    _field_pattern(Design, "name"): "lower-case letters, digits and '-', starting with a letter "
                                    "or digit",
    _field_pattern(Design, "region"): "an Azure region name such as westeurope",
}


def kind_of(value: Any) -> str:
    """`a string`, `a list`: YAML's words for what the author wrote."""
    if value is None:
        return "nothing"
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
             list: "a list", dict: "a mapping"}
    return names.get(type(value), f"a {type(value).__name__}")


def _show(value: Any) -> str:
    """A scalar as written in YAML; long text cut, so that one line stays one line."""
    if isinstance(value, str):
        text = value if len(value) <= 60 else f"{value[:60]}…"
        return "'" + text.replace("\n", "\\n") + "'"
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, int | float):
        return str(value)
    return kind_of(value)


def _field_name(path: DataPath) -> str:
    return next((str(p) for p in reversed(path) if isinstance(p, str)), "design")
