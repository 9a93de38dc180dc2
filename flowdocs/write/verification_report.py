"""`flowdocs verify` for the reader: the terminal report and the JSON document.

The report says, per real table (one NIC's effective routes): how many rows agree, how many
differ, how many undocumented reserved None rows were ignored; then each flow that chooses a
route in that subnet, with the route flowdocs predicts and the one the real table picks. It
ends with every difference, one line each, or with the statement that everything agrees.
"""

from __future__ import annotations

from typing import Any

from flowdocs.analyse.verification import (
    FlowCheck,
    Row,
    RowDifference,
    TableCheck,
    Verification,
    route_text,
)
from flowdocs.resolve.routing import EffectiveRoute
from flowdocs.write.tables import format_table


def verification_text(verification: Verification) -> str:
    """The terminal report."""
    count = len(verification.tables)
    parts = [f"Effective routes of {verification.design} against {_plural(count, 'real table')}"
             "\n"]
    for table in verification.tables:
        parts.append(_table_text(table))
    differences = verification.difference_lines()
    if differences:
        parts.append(f"{_plural(len(differences), 'difference')}:\n"
                     + "".join(f"{line}\n" for line in differences))
    else:
        rows = sum(t.agreed for t in verification.tables)
        flows = sum(len(t.flows) for t in verification.tables)
        parts.append(f"Everything agrees: {_plural(rows, 'row')} and "
                     f"{_plural(flows, 'flow route')}.\n")
    return "\n".join(parts)


def rows_summary(table: TableCheck) -> str:
    """`7 rows agree, 1 differs; 4 undocumented reserved None rows ignored (127.0.0.0/8, ...)`."""
    text = f"{_plural(table.agreed, 'row')} {'agrees' if table.agreed == 1 else 'agree'}"
    if table.differences:
        count = len(table.differences)
        text += f", {count} {'differs' if count == 1 else 'differ'}"
    if table.ignored:
        prefixes = ", ".join(p for row in table.ignored for p in row.prefixes)
        text += (f"; {_plural(len(table.ignored), 'undocumented reserved None row')} "
                 f"ignored ({prefixes})")
    return text


def _table_text(table: TableCheck) -> str:
    head = f"{table.subnet}, from {table.file}: {rows_summary(table)}\n"
    if not table.flows:
        return head + "No flow chooses a route in this subnet.\n"
    rows = [[f.number, f.flow, f.node, f.verdict, route_text(f.predicted), _real_cell(f)]
            for f in table.flows]
    return head + format_table(["#", "flow", "at", "verdict", "flowdocs predicts",
                                "the real table"], rows)


def _real_cell(check: FlowCheck) -> str:
    text = route_text(check.real)
    if check.contenders:
        text += "; may take it instead: " + "; ".join(route_text(r) for r in check.contenders)
    return text


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# -- JSON --------------------------------------------------------------------------------------


def verification_document(verification: Verification) -> dict[str, Any]:
    """The `verify --format json` document: each table's rows and flows, then every
    difference as the report's lines."""
    return {
        "flowdocs": 1,
        "design": verification.design,
        "agrees": verification.agrees,
        "tables": [_table_document(t) for t in verification.tables],
        "differences": verification.difference_lines(),
    }


def _table_document(table: TableCheck) -> dict[str, Any]:
    return {
        "subnet": table.subnet,
        "file": table.file,
        "rows_agreed": table.agreed,
        "differences": [_difference_document(d) for d in table.differences],
        "ignored_reserved": [_row_document(r) for r in table.ignored],
        "flows": [_flow_document(f) for f in table.flows],
    }


def _difference_document(difference: RowDifference) -> dict[str, Any]:
    return {
        "subject": difference.subject,
        "predicted": _row_document(difference.predicted) if difference.predicted else None,
        "real": _row_document(difference.real) if difference.real else None,
    }


def _row_document(row: Row) -> dict[str, Any]:
    """A row in the shape of `az network nic show-effective-route-table`."""
    return {"source": row.source, "state": row.state, "addressPrefix": list(row.prefixes),
            "nextHopType": row.next_hop_type, "nextHopIpAddress": list(row.next_hop_ips)}


def _flow_document(check: FlowCheck) -> dict[str, Any]:
    return {
        "number": check.number,
        "flow": check.flow,
        "at": check.node,
        "destination": check.destination,
        "verdict": check.verdict,
        "predicted": _route_document(check.predicted),
        "real": _route_document(check.real),
        "contenders": [_route_document(r) for r in check.contenders],
        "note": check.note or None,
    }


def _route_document(route: EffectiveRoute | None) -> dict[str, Any] | None:
    if route is None:
        return None
    return {"route": route_text(route), "source": route.source, "state": route.state,
            "addressPrefix": [route.address_prefix], "nextHopType": route.next_hop_type,
            "nextHopIpAddress": route.next_hop_ip.split(", ") if route.next_hop_ip else [],
            "name": route.name}
