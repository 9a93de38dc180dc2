"""What building NSG rules and firewall policy rules share: reporting to the builder's
lists, addresses in the format's spelling, the format's own check of a rule, and the reasons
for leaving a rule out.

A rule is left out whole, never narrowed or widened, when it uses what the format cannot say
(application security groups, IP groups, IP ranges, destination FQDNs of network rules, web
categories, URLs): a partial rule would give a flow a verdict Azure does not. Each rule kept
is checked as the loader will check it, field by field (the format's model) and across
fields (`policy_validation.py`: service tags flowdocs knows, ports in range), so that the
written design loads.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ValidationError

from flowdocs.load.catalog import Catalog
from flowdocs.load.field_errors import field_diagnostics
from flowdocs.load.importing.inventory import Skipped
from flowdocs.load.policy_validation import NETWORK_TAGS, address_problem, port_problem

ACTIONS = {a.lower(): a for a in ("Allow", "Deny")}
_SERVICE_TAG = re.compile(r"[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


class RuleChecks:
    """Adds to the builder's lists of what was left out (`skipped`) and what was changed
    (`notes`)."""

    def __init__(self, catalog: Catalog, skipped: list[Skipped], notes: list[Skipped]) -> None:
        self.skipped = skipped
        self.notes = notes
        self.known_tags = (*catalog.service_tags, *NETWORK_TAGS)
        self.tags = {t.lower(): t for t in self.known_tags}

    def addresses(self, written: Iterable[str]) -> list[str]:
        """Addresses in the format's spelling: CIDRs canonical, service tags spelled as
        flowdocs spells them. What is none of these is left as written, for the checks of
        `accepted` to name."""
        return list(dict.fromkeys(self._address(a) for a in written))

    def _address(self, value: str) -> str:
        if value == "*":
            return value
        try:
            if "/" in value:
                return str(ipaddress.ip_network(value, strict=False))
            return str(ipaddress.ip_address(value))
        except ValueError:
            pass
        if _SERVICE_TAG.fullmatch(value):
            base, dot, region = value.partition(".")
            return f"{self.tags.get(base.lower(), base)}{dot}{region}"
        return value

    def accepted(self, model: type[BaseModel], data: dict[str, Any], label: str,
                 address_fields: tuple[str, ...], ports_field: str) -> bool:
        """Whether the loader will accept the rule `data`; if not, the rule is skipped with
        the loader's own words for the first problem."""
        try:
            model.model_validate(data)
        except ValidationError as error:
            reason: str | None = "not a value the design format accepts: " + \
                field_diagnostics(data, error)[0].message
        else:
            reason = self._cross_problem(data, address_fields, ports_field)
        if reason is not None:
            self.skip(label, reason)
        return reason is None

    def _cross_problem(self, data: dict[str, Any], address_fields: tuple[str, ...],
                       ports_field: str) -> str | None:
        """What `policy_validation.py` would refuse in a rule the model accepts."""
        for field in address_fields:
            for address in data.get(field, []):
                problem = address_problem(address, self.known_tags)
                if problem is not None:
                    tag = not (address[:1].isdigit() or ":" in address)
                    return f"service tag {address} is not in flowdocs' catalog" if tag else \
                        f"not a value the design format accepts: {field}: {problem}"
        for ports in data.get(ports_field, []):
            problem = port_problem(ports)  # after the model's check: digits, or `*`
            if problem is not None:
                return f"not a value the design format accepts: {ports_field}: {problem}"
        return None

    def skip(self, subject: str, reason: str) -> None:
        self.skipped.append(Skipped(subject, reason))

    def note(self, subject: str, note: str) -> None:
        self.notes.append(Skipped(subject, note))


def uses(unsupported: tuple[str, ...]) -> str:
    """Why a rule using what the format cannot hold is left out; "" when it uses none."""
    if not unsupported:
        return ""
    return f"it uses {', '.join(unsupported)}, which the design format does not hold"


def range_in(addresses: Iterable[str]) -> str:
    """Why a rule with an IP range (`10.0.0.1-10.0.0.9`, which Azure Firewall accepts) is
    left out; "" when it has none. The format's addresses are CIDRs, IPs, `*` and service
    tags, and a range is rarely one CIDR."""
    for address in addresses:
        first, dash, last = address.partition("-")
        if dash and _is_ip(first) and _is_ip(last):
            return f"address range {address} is not part of the design format (it holds CIDRs, " \
                   "IP addresses, * and service tags)"
    return ""


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip())
    except ValueError:
        return False
    return True


def line(text: str | None) -> str:
    """A description as one line of text: the format's descriptions hold no line breaks."""
    return " ".join(_CONTROL.sub(" ", text or "").split())
