"""Real effective route tables: what `az network nic show-effective-route-table --output json`
prints for one network interface, read for `flowdocs verify`.

The document is `{"value": [ROW, ...]}` (az also prints `nextLink`); each row has `source`,
`state`, `addressPrefix` (a list), `nextHopType`, `nextHopIpAddress` (a list) and `name`
(the User route's name, else null). Other keys are ignored: Azure adds some over time.
Every problem is reported at once, located in the file; `parse_effective_routes` is pure, and
`read_effective_routes` reads through `flowdocs.files`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flowdocs.errors import FlowdocsError
from flowdocs.files import PathArg, ReadError, TooLargeError, read_design_bytes
from flowdocs.load.decoding import UTF16_BOMS, decode
from flowdocs.load.diagnostics import DesignError, Diagnostic
from flowdocs.load.parsing import ParseError, error_at, parse_json
from flowdocs.load.positions import locate

AZ_COMMAND = "az network nic show-effective-route-table --output json"
SOURCES = ("Default", "User", "VirtualNetworkGateway")
STATES = ("Active", "Invalid")
# A service tag as a User route's prefix (`Storage`, `Storage.WestEurope`, `AzureCloud`).
_SERVICE_TAG = re.compile(r"^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*$")
_SPEC = re.compile(r"^(?P<subnet>[^=/]+/[^=/]+)=(?P<file>.+)$")


@dataclass(frozen=True)
class RealRoute:
    """One row of a real effective route table, as Azure printed it."""

    source: str
    state: str
    address_prefixes: tuple[str, ...]
    next_hop_type: str
    next_hop_ips: tuple[str, ...]
    name: str | None
    index: int  # its place in `value`, to keep the file's order


@dataclass(frozen=True)
class RealRouteTable:
    """The effective routes of one NIC in `subnet`, read from `file` (as the user named it)."""

    subnet: str
    file: str
    routes: tuple[RealRoute, ...]


class VerifyInputError(FlowdocsError):
    """Problems with what `flowdocs verify` was given, one line each, all at once."""

    def __init__(self, lines: Sequence[str]) -> None:
        self._lines = list(lines)
        super().__init__("\n".join(self._lines))

    def lines(self) -> list[str]:
        return list(self._lines)


def parse_spec(spec: str) -> tuple[str, str] | None:
    """`VNET/SUBNET=FILE` as (subnet, file); None when it has another shape."""
    match = _SPEC.match(spec)
    return (match["subnet"], match["file"]) if match else None


def read_effective_routes(path: PathArg, subnet: str, display: str) -> RealRouteTable:
    """The table in the file at `path`, for a NIC in `subnet`; messages name it `display`.
    Raises DesignError with every problem found."""
    try:
        data = read_design_bytes(path)
    except ReadError as error:
        found = error_at(str(error)) if isinstance(error, TooLargeError) \
            else Diagnostic("error", str(error))
        raise DesignError(display, [found]) from None
    return parse_effective_routes(data, subnet, display)


def parse_effective_routes(data: bytes, subnet: str, display: str) -> RealRouteTable:
    """The table in `data`, or DesignError naming `display` with every problem, located."""
    try:
        text = _text(data)
        document, duplicates = parse_json(text)
    except ParseError as error:
        raise DesignError(display, [_hinted(d) for d in error.diagnostics]) from None
    routes, problems = _routes(document)
    problems = [*duplicates, *problems]
    if problems:
        raise DesignError(display, locate(text, problems))
    return RealRouteTable(subnet, display, tuple(routes))


def read_all(specs: Sequence[tuple[str, str]]) -> tuple[list[RealRouteTable], list[DesignError]]:
    """Every (subnet, file) table that reads, and the problems of those that do not."""
    tables: list[RealRouteTable] = []
    errors: list[DesignError] = []
    for subnet, file in specs:
        try:
            tables.append(read_effective_routes(file, subnet, file))
        except DesignError as error:
            errors.append(error)
    return tables, errors


def _text(data: bytes) -> str:
    # Windows PowerShell 5 writes `az ... > file.json` as UTF-16 with a byte-order mark.
    if data.startswith(UTF16_BOMS):
        try:
            return data.decode("utf-16").removeprefix("\ufeff")
        except UnicodeDecodeError:
            raise ParseError([error_at("not UTF-16 text, though it starts like it")]) from None
    return decode(data)


def _hinted(diagnostic: Diagnostic) -> Diagnostic:
    """A JSON syntax error with what the file should hold: `--output table` is a common slip."""
    if not diagnostic.message.startswith("invalid JSON"):
        return diagnostic
    return Diagnostic(diagnostic.severity, f"{diagnostic.message}; expected the output of "
                      f"`{AZ_COMMAND}`", diagnostic.path, diagnostic.code, diagnostic.on_key,
                      diagnostic.line, diagnostic.column)


def _routes(document: Any) -> tuple[list[RealRoute], list[Diagnostic]]:
    if not isinstance(document, dict) or not isinstance(document.get("value"), list):
        return [], [Diagnostic("error", "expected an object with a \"value\" list of routes, "
                               f"as `{AZ_COMMAND}` prints")]
    routes: list[RealRoute] = []
    problems: list[Diagnostic] = []
    for index, item in enumerate(document["value"]):
        found = _row_problems(item, ("value", index))
        if found:
            problems.extend(found)
        else:
            routes.append(RealRoute(
                source=item["source"], state=item["state"],
                address_prefixes=tuple(item["addressPrefix"]),
                next_hop_type=item["nextHopType"],
                next_hop_ips=tuple(item.get("nextHopIpAddress") or ()),
                name=item.get("name"), index=index))
    return routes, problems


def _row_problems(item: Any, path: tuple[str | int, ...]) -> list[Diagnostic]:
    if not isinstance(item, dict):
        return [Diagnostic("error", "expected a route (an object with source, state, "
                           "addressPrefix and nextHopType)", path)]
    problems: list[Diagnostic] = []
    for key in ("source", "state", "addressPrefix", "nextHopType"):
        if key not in item:
            problems.append(Diagnostic("error", f"route without '{key}'", path))
    problems += _choice(item, "source", SOURCES, path)
    problems += _choice(item, "state", STATES, path)
    hop = item.get("nextHopType")
    if "nextHopType" in item and (not isinstance(hop, str) or not hop):
        problems.append(Diagnostic("error", "nextHopType must be a string",
                                   (*path, "nextHopType")))
    problems += _list_of(item, "addressPrefix", path, _prefix_problem, required=True)
    problems += _list_of(item, "nextHopIpAddress", path, _ip_problem, required=False)
    name = item.get("name")
    if name is not None and not isinstance(name, str):
        problems.append(Diagnostic("error", "name must be a string or null", (*path, "name")))
    return problems


def _choice(item: dict[str, Any], key: str, allowed: Sequence[str],
            path: tuple[str | int, ...]) -> list[Diagnostic]:
    if key not in item or item[key] in allowed:
        return []
    return [Diagnostic("error", f"{key} {_shown(item[key])} is not one of "
                       f"{', '.join(allowed)}", (*path, key))]


def _list_of(item: dict[str, Any], key: str, path: tuple[str | int, ...],
             problem_of: Callable[[Any], str | None], *, required: bool) -> list[Diagnostic]:
    value = item.get(key)
    if value is None and not required:
        return []
    if key not in item:
        return []  # reported as missing
    if not isinstance(value, list) or (required and not value):
        what = "a non-empty list" if required else "a list"
        return [Diagnostic("error", f"{key} must be {what} of strings", (*path, key))]
    problems: list[Diagnostic] = []
    for position, entry in enumerate(value):
        message = problem_of(entry)
        if message:
            problems.append(Diagnostic("error", message, (*path, key, position)))
    return problems


def _prefix_problem(value: Any) -> str | None:
    if isinstance(value, str):
        if "/" not in value and _SERVICE_TAG.match(value):
            return None
        try:
            ipaddress.ip_network(value)
            return None
        except ValueError:
            pass
    return f"address prefix {_shown(value)} is neither a CIDR range nor a service tag"


def _ip_problem(value: Any) -> str | None:
    if isinstance(value, str):
        try:
            ipaddress.ip_address(value)
            return None
        except ValueError:
            pass
    return f"next hop IP {_shown(value)} is not an IP address"


def _shown(value: Any) -> str:
    """A JSON value as the file spells it."""
    if isinstance(value, str):
        return f"'{value}'"
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    return "a list" if isinstance(value, list) else "an object" if isinstance(value, dict) \
        else str(value)
