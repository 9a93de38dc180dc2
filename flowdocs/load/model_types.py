"""The building blocks of the design format's models: text without control characters,
numbers in sensible ranges, names, CIDRs and addresses, and `Strict`, the base of every model
(unknown keys are errors). `model.py` and `policy_model.py` build the format from them.
"""

from __future__ import annotations

import ipaddress
import math
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

FORMAT_VERSION = 1

# An IPv4 CIDR already in canonical form (no leading zeros): the common case, checked without
# the `ipaddress` parser, which is about thirty times slower and dominated loading an estate.
_CANONICAL_IPV4_CIDR = re.compile(r"(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\."
                                  r"(0|[1-9]\d{0,2})/(0|[1-9]\d?)")


def _cidr(value: str) -> str:
    """A CIDR with no host bits set, in canonical text form."""
    match = _CANONICAL_IPV4_CIDR.fullmatch(value)
    if match is not None:
        *octets, length = (int(part) for part in match.groups())
        if max(octets) <= 255 and length <= 32:
            address = (octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]
            if address & ((1 << (32 - length)) - 1) == 0:
                return value
    # Anything else (IPv6, host bits set, a typo) takes the full parser and its messages.
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ValueError(f"expected a CIDR such as 10.0.0.0/16, found {value!r}") from None
    if "/" not in value:
        raise ValueError(f"expected a CIDR with a prefix length, found {value!r}")
    if network.network_address != ipaddress.ip_interface(value).ip:
        raise ValueError(f"{value!r} has host bits set; did you mean '{network}'?")
    return str(network)


def _ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ValueError(f"expected an IP address such as 10.0.1.4, found {value!r}") from None


# Text --------------------------------------------------------------------------------------------
# Control characters (C0, DEL, C1) would reach a terminal, a diagram label or a page as they
# are: an ESC recolours the terminal, a NUL cuts a Graphviz label. YAML's "\e" and JSON's
# "\u001b" escapes let them into a value even though the file itself is clean.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_PARAGRAPH_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # keeps tab and line break
_CONTROL_NAMES = {"\t": "a tab", "\n": "a line break", "\r": "a carriage return",
                  "\x00": "NUL", "\x1b": "ESC", "\x7f": "DEL"}


def _no_control(pattern: re.Pattern[str]) -> AfterValidator:
    def check(value: str) -> str:
        found = pattern.search(value)
        if found is not None:
            char = found.group()
            name = _CONTROL_NAMES.get(char, "")
            raise ValueError(f"control character U+{ord(char):04X}{f' ({name})' if name else ''}"
                             f" at character {found.start() + 1} is not allowed in text")
        return value

    return AfterValidator(check)


def _not_blank(value: str) -> str:
    """A title (or label) of spaces and tabs would show as nothing: a page without a
    heading."""
    if value and not value.strip():
        raise ValueError("must not be empty; it holds only white space")
    return value


# One line of text: a title, a label, a reference.
Line = Annotated[str, _no_control(_CONTROL)]
# A paragraph: line breaks and tabs are its own.
Paragraph = Annotated[str, _no_control(_PARAGRAPH_CONTROL)]
Title = Annotated[str, AfterValidator(_not_blank), _no_control(_CONTROL)]
Reason = Annotated[str, AfterValidator(_not_blank), _no_control(_PARAGRAPH_CONTROL)]


# Numbers ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Range:
    """A closed range of finite numbers, checked with a message that names it. Infinity and NaN
    fail it (NaN fails every comparison), so nothing downstream meets a number that the costs'
    decimal arithmetic or the tables cannot handle."""

    low: float
    high: float
    unit: str

    def check(self, value: float) -> float:
        if not self.low <= value <= self.high:
            raise ValueError(f"expected a number from {_number(self.low)} to "
                             f"{_number(self.high)} ({self.unit}), found {_number(value)}")
        return value

    def schema(self) -> dict[str, Any]:
        return {"type": "number", "minimum": self.low, "maximum": self.high}


def _number(value: float) -> str:
    """`1,000,000`, `0.25`, `1e-320`, `infinity`: as a reader of the message thinks of it."""
    if math.isnan(value):
        return "NaN (not a number)"
    if math.isinf(value):
        return "infinity" if value > 0 else "minus infinity"
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return repr(value)


def _not_a_boolean(value: object) -> object:
    """YAML's `yes` and `true` are booleans; pydantic would read them as the number 1."""
    if isinstance(value, bool):
        raise ValueError("expected a number, found a boolean")
    return value


# The ranges are wider than any estate needs, and narrow enough that the derived figures
# (throughput = daily_gb / window_hours, monthly GB, costs) stay ordinary finite numbers.
# 1 PB a day: far beyond the largest single database or VM backed up (tens of TB).
DAILY_GB = _Range(0, 1_000_000, "GB a day, up to 1 PB")
# Azure Backup runs once a day at most; below 15 minutes a backup window would need more
# bandwidth than any VM has.
WINDOW_HOURS = _Range(0.25, 24, "hours, from 15 minutes to a day")
# 1 Mbps to 1 Tbps: NVA licences are sold from tens of Mbps to about 100 Gbps.
THROUGHPUT_MBPS = _Range(1, 1_000_000, "Mbps, up to 1 Tbps")

DailyGb = Annotated[float, BeforeValidator(_not_a_boolean), AfterValidator(DAILY_GB.check),
                    WithJsonSchema(DAILY_GB.schema())]
WindowHours = Annotated[float, BeforeValidator(_not_a_boolean),
                        AfterValidator(WINDOW_HOURS.check), WithJsonSchema(WINDOW_HOURS.schema())]
ThroughputMbps = Annotated[float, BeforeValidator(_not_a_boolean),
                           AfterValidator(THROUGHPUT_MBPS.check),
                           WithJsonSchema(THROUGHPUT_MBPS.schema())]


# Names and addresses ------------------------------------------------------------------------------

Cidr = Annotated[str, AfterValidator(_cidr)]
IpAddress = Annotated[str, AfterValidator(_ip)]
# Azure resource names; '/' and '~' are reserved for references and peering ids.
Name = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
SubnetRef = Annotated[Line, Field(pattern=r"^[^/\s]+/[^/\s]+$", description="VNET/SUBNET")]
# A route's address prefix: a CIDR or a service tag (Storage, Storage.WestEurope, AzureCloud).
RoutePrefix = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9.:/]*$")]

NextHopType = Literal["VirtualAppliance", "VirtualNetworkGateway", "VnetLocal", "Internet", "None"]
NetworkPolicies = Literal["Disabled", "Enabled", "RouteTableEnabled", "NetworkSecurityGroupEnabled"]
FirewallSku = Literal["Basic", "Standard", "Premium"]


class Strict(BaseModel):
    """Unknown keys are errors: a typo must never be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


