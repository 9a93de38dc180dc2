"""Money and quantities as every output shows them: the terminal, the pages and the JSON.

One formatter each, so that a cost reads the same in `flowdocs resolve`, on a page and in a
comparison: `$1,128.50`, `6,000 GB`, `730 hours`, and the sentence that dates the prices.
"""

from __future__ import annotations

from decimal import Decimal

COST_BASIS = "list prices, not a quote"


def money(value: Decimal, currency: str, exact: bool = False) -> str:
    """`$1,128.50` in USD, `1,128.50 EUR` otherwise; to the cent, unless `exact` (a unit
    price keeps its digits: `$0.016`, not `$0.02`)."""
    amount = f"{value.normalize():f}" if exact else f"{round(value, 2):,.2f}"
    return f"${amount}" if currency == "USD" else f"{amount} {currency}"


def money_number(value: Decimal) -> float:
    """An amount rounded to the cent, as a JSON number."""
    return float(round(value, 2))


def json_number(value: Decimal) -> int | float:
    """A quantity or unit price as it is, as a JSON number: an integer when it is whole."""
    return int(value) if value == value.to_integral_value() else float(value)


def gigabytes(value: Decimal) -> str:
    """`6,000 GB`, `12.5 GB`."""
    return f"{value:,.0f} GB" if value == value.to_integral_value() else f"{value:,.1f} GB"


def number(value: Decimal) -> str:
    """`6,000`, `730`, `0.5`: thousands separated, no trailing zeros."""
    return f"{value.normalize():,f}"


def quantity(value: Decimal, unit: str) -> str:
    """`730 hours`, `1 hour`, `6,000 GB`: a number and its unit."""
    plural = "s" if unit == "hour" and value != 1 else ""
    return f"{number(value)} {unit}{plural}"


def price_line(currency: str, price_date: str, days: Decimal, hours: Decimal) -> str:
    """Under every cost: the date of the prices, and that they are not a quote."""
    return (f"Monthly costs in {currency} at the list prices of {price_date}: {COST_BASIS}. "
            f"A month is {days:f} days of backup volume and {hours:f} hours of deployment.")
