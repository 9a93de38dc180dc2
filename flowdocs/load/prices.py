"""The dated price table that costs are computed with (azure-rules.md 7).

Prices are data (`data/prices.yaml`), never code. A user's file overrides any part of the
shipped table: mappings are merged key by key, and the user's file must give the date of its
prices, which then dates the whole table. Files are read only in `default_prices` and
`load_prices`, through `flowdocs.files`; everything else here is pure.
"""

from __future__ import annotations

import datetime
import functools
from decimal import Decimal
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from flowdocs.errors import FlowdocsError
from flowdocs.files import PathArg, ReadError, packaged_text, read_design_bytes
from flowdocs.load.decoding import decode
from flowdocs.load.diagnostics import DesignError, Diagnostic
from flowdocs.load.model_types import FirewallSku
from flowdocs.load.parsing import ParseError

Price = Decimal  # USD per unit; Decimal, so that the arithmetic matches a hand calculation
PRICE_DATE = r"^\d{4}(-\d{2}(-\d{2})?)?$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FirewallPrice(_Strict):
    deployment_hour: Price = Field(ge=0)
    data_gb: Price = Field(ge=0)


class PeeringPrice(_Strict):
    out_gb: Price = Field(ge=0)
    in_gb: Price = Field(ge=0)


class PeeringPrices(_Strict):
    regional: PeeringPrice
    global_: PeeringPrice = Field(alias="global")


class PrivateEndpointPrice(_Strict):
    hour: Price = Field(ge=0)
    data_gb: Price = Field(ge=0)


class RegionPrices(_Strict):
    """Every price of one region."""

    firewall: dict[FirewallSku, FirewallPrice]
    peering: PeeringPrices
    private_endpoint: PrivateEndpointPrice

    @field_validator("firewall")
    @classmethod
    def _every_sku(cls, value: dict[str, FirewallPrice]) -> dict[str, FirewallPrice]:
        # A design may use any SKU: a table without one would fail on the first such design.
        missing = [sku for sku in get_args(FirewallSku) if sku not in value]
        if missing:
            raise ValueError(f"expected a price for every firewall SKU; missing: "
                             f"{', '.join(missing)}")
        return value


class PriceTable(_Strict):
    """The whole table: its date and source, the default prices and each region's."""

    version: Literal[1] = 1
    currency: str = Field(min_length=1)
    date: str = Field(pattern=PRICE_DATE, description="When the prices were taken.")
    source: str = ""
    hours_per_month: Decimal = Field(gt=0)
    days_per_month: Decimal = Field(gt=0)
    default: RegionPrices
    regions: dict[str, dict[str, Any]] = {}

    @field_validator("date", mode="before")
    @classmethod
    def _date_as_written(cls, value: Any) -> Any:
        # YAML reads `date: 2025-03-01` as a date and `date: 2025` as a number.
        return value.isoformat() if isinstance(value, datetime.date) else \
            str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    def for_region(self, region: str | None) -> RegionPrices:
        """The prices of `region`: the defaults with its overrides; the defaults when the
        region is unknown or not listed."""
        overrides = self.regions.get(region or "")
        if not overrides:
            return self.default
        merged = merge_mappings(self.default.model_dump(by_alias=True), overrides)
        return RegionPrices.model_validate(merged)


def merge_mappings(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`override` on top of `base`, mapping by mapping; anything else is replaced."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_mappings(merged[key], value)
        else:
            merged[key] = value
    return merged


class PriceError(FlowdocsError):
    """A price table that does not validate: each problem as (where, message)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{where}: {message}" for where, message in problems))


def price_table(data: dict[str, Any], override: dict[str, Any] | None = None) -> PriceTable:
    """The table from parsed data, with a user's override merged in; every region's
    overrides are checked now, not when a design first needs them. Raises PriceError."""
    try:
        table = PriceTable.model_validate(merge_mappings(data, override or {}))
    except ValidationError as error:
        raise PriceError([_problem((), e) for e in error.errors()]) from None
    problems: list[tuple[str, str]] = []
    for region in table.regions:
        try:
            table.for_region(region)
        except ValidationError as error:
            problems.extend(_problem(("regions", region), e) for e in error.errors())
    if problems:
        raise PriceError(problems)
    return table


def _problem(prefix: tuple[str, ...], error: Any) -> tuple[str, str]:
    return ".".join(str(p) for p in (*prefix, *error["loc"])) or "(top level)", error["msg"]


@functools.cache
def _shipped_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(packaged_text("data/prices.yaml"))
    return data


@functools.cache
def default_prices() -> PriceTable:
    """The price table shipped with flowdocs."""
    return price_table(_shipped_data())


def load_prices(path: PathArg | None) -> PriceTable:
    """The shipped table, with the user's file at `path` merged over it (when given).

    Raises DesignError naming every problem of the user's file.
    """
    if path is None:
        return default_prices()
    file = str(path)
    try:
        override = yaml.safe_load(decode(read_design_bytes(path)))
    except ReadError as error:
        reason = str(error).removeprefix("cannot read the file: ")
        raise DesignError(file, [Diagnostic("error", f"cannot read prices: {reason}")]) \
            from None
    except ParseError as error:
        raise DesignError(file, error.diagnostics) from None
    except yaml.YAMLError as error:
        raise DesignError(file, [Diagnostic("error", f"not valid YAML: {error}")]) from None
    if not isinstance(override, dict):
        raise DesignError(file, [Diagnostic("error", "expected a mapping of prices, as in "
                                                     "flowdocs/data/prices.yaml")])
    if "date" not in override:
        # The date dates every price shown; a user's prices without one would borrow ours.
        raise DesignError(file, [Diagnostic("error", "expected 'date' (YYYY, YYYY-MM or "
                                                     "YYYY-MM-DD): when your prices were taken")])
    shipped = _shipped_data()
    currency = override.get("currency", shipped["currency"])
    if currency != shipped["currency"]:
        return _whole_table(file, override, currency, shipped)
    try:
        return price_table(shipped, override)
    except PriceError as error:
        raise DesignError(file, [Diagnostic("error", f"{where}: {message}")
                                 for where, message in error.problems]) from None


def _whole_table(file: str, override: dict[str, Any], currency: object,
                 shipped: dict[str, Any]) -> PriceTable:
    """A user's table in another currency: merged over the shipped prices it would mix
    currencies in one total, so it must give every price itself (only the month's length
    is taken from the shipped table)."""
    frame = {key: shipped[key] for key in ("version", "hours_per_month", "days_per_month")}
    try:
        return price_table(frame, override)
    except PriceError as error:
        lead = (f"prices in {currency} are not merged over the shipped {shipped['currency']} "
                f"prices, so the file must give every price; it lacks or gets wrong")
        raise DesignError(file, [Diagnostic("error", f"{lead} {where}: {message}")
                                 for where, message in error.problems]) from None
