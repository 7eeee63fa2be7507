"""Unit and currency conversion; currency rates belong to the world (seeded)."""

from __future__ import annotations

import random
from typing import Any, Literal

from ....core.tools import ToolError, tool

Unit = Literal["km", "mi", "m", "ft", "kg", "lb", "C", "F", "l", "gal"]
Currency = Literal["USD", "EUR", "GBP", "JPY", "CHF", "CAD"]
CURRENCIES: tuple[str, ...] = ("USD", "EUR", "GBP", "JPY", "CHF", "CAD")
# factor to the base unit of each dimension
LINEAR = {"km": ("length", 1000.0), "mi": ("length", 1609.344), "m": ("length", 1.0),
          "ft": ("length", 0.3048), "kg": ("mass", 1.0), "lb": ("mass", 0.45359237),
          "l": ("volume", 1.0), "gal": ("volume", 3.785411784)}


def convert_unit_value(value: float, from_unit: str, to_unit: str) -> float:
    if {from_unit, to_unit} <= {"C", "F"}:
        if from_unit == to_unit:
            return value
        return value * 9 / 5 + 32 if from_unit == "C" else (value - 32) * 5 / 9
    if from_unit not in LINEAR or to_unit not in LINEAR:
        raise ToolError(f"cannot convert {from_unit} to {to_unit}")
    (dim_a, fa), (dim_b, fb) = LINEAR[from_unit], LINEAR[to_unit]
    if dim_a != dim_b:
        raise ToolError(f"cannot convert {from_unit} ({dim_a}) to {to_unit} ({dim_b})")
    return value * fa / fb


class Converter:
    WRITES: frozenset[str] = frozenset()

    def __init__(self, rng: random.Random) -> None:
        self.rates = {"USD": 1.0, "EUR": rng.randint(8500, 9500) / 10000,
                      "GBP": rng.randint(7200, 8200) / 10000, "JPY": rng.randint(1400, 1600) / 10,
                      "CHF": rng.randint(8500, 9500) / 10000, "CAD": rng.randint(13000, 14000) / 10000}

    def currency_value(self, amount: float, from_currency: str, to_currency: str) -> float:
        return round(amount / self.rates[from_currency] * self.rates[to_currency], 2)

    @tool
    def convert_units(self, value: float, from_unit: Unit, to_unit: Unit) -> dict[str, Any]:
        """Convert a quantity between units (length, mass, volume, temperature).

        Args:
            value: The quantity to convert.
            from_unit: Its unit.
            to_unit: The unit to convert to.
        """
        return {"value": round(convert_unit_value(value, from_unit, to_unit), 4),
                "unit": to_unit}

    @tool
    def convert_currency(self, amount: float, from_currency: Currency,
                         to_currency: Currency) -> dict[str, Any]:
        """Convert money between currencies at today's rate (rounded to 2 decimals).

        Args:
            amount: The amount to convert.
            from_currency: Its currency code.
            to_currency: The currency to convert to.
        """
        if abs(amount) > 1e12:
            raise ToolError("amount is too large")
        return {"amount": self.currency_value(amount, from_currency, to_currency),
                "currency": to_currency}

    def snapshot(self) -> dict[str, Any]:
        return {}
