"""Read-only lookups over the generated world: weather, stock prices, train timetables."""

from __future__ import annotations

import random
from typing import Any

from ....core.tools import ToolError, tool
from .pools import CONDITIONS, DATES


class Lookups:
    WRITES: frozenset[str] = frozenset()

    def __init__(self, rng: random.Random, cities: list[str], tickers: list[str]) -> None:
        self.cities = cities
        self.tickers = tickers
        self.weather: dict[tuple[str, str], dict[str, Any]] = {}
        for city in cities:
            base = rng.randint(-2, 18)
            for date in DATES:
                high = base + rng.randint(0, 12)
                self.weather[city, date] = {"high_c": high, "low_c": high - rng.randint(4, 11),
                                            "condition": rng.choice(CONDITIONS)}
        self.prices: dict[tuple[str, str], float] = {}
        for ticker in tickers:
            price = rng.randint(2000, 40000) / 100
            for date in DATES:
                price = round(max(1.0, price * (1 + rng.uniform(-0.04, 0.04))), 2)
                self.prices[ticker, date] = price
        self.trains: dict[tuple[str, str], list[dict[str, str]]] = {}
        numbers = iter(rng.sample(range(100, 1000), len(cities) ** 2 * 6))
        for a in cities:
            for b in cities:
                if a == b or rng.random() < 0.3:
                    continue
                hours = sorted(rng.sample(range(6, 22), rng.randint(3, 6)))
                runs = []
                for h in hours:
                    minute = rng.choice(range(0, 60, 5))
                    duration = rng.randint(35, 240)
                    end = h * 60 + minute + duration
                    runs.append({"train": f"{rng.choice(['IC', 'RE', 'EX'])}{next(numbers)}",
                                 "departs": f"{h:02d}:{minute:02d}",
                                 "arrives": f"{end // 60 % 24:02d}:{end % 60:02d}"})
                self.trains[a, b] = runs

    def _city(self, city: str) -> str:
        for c in self.cities:
            if c.casefold() == city.strip().casefold():
                return c
        raise ToolError(f"unknown city {city[:60]!r}; known cities: {', '.join(self.cities)}")

    @tool
    def get_weather(self, city: str, date: str) -> dict[str, Any]:
        """The weather forecast for a city on a day (temperatures in degrees Celsius).

        Args:
            city: The city's name.
            date: The day, as YYYY-MM-DD.
        """
        name = self._city(city)
        if (name, date) not in self.weather:
            raise ToolError(f"no forecast for {date[:20]!r}; forecasts cover {DATES[0]} to "
                            f"{DATES[-1]}")
        return {"city": name, "date": date, **self.weather[name, date]}

    @tool
    def get_stock_price(self, symbol: str, date: str) -> dict[str, Any]:
        """The closing price of a stock on a trading day, in US dollars.

        Args:
            symbol: The ticker symbol, e.g. "ORBX".
            date: The day, as YYYY-MM-DD.
        """
        if symbol.upper() not in self.tickers:
            raise ToolError(f"unknown symbol {symbol[:20]!r}; known: {', '.join(self.tickers)}")
        if (symbol.upper(), date) not in self.prices:
            raise ToolError(f"no price for {date[:20]!r}; prices cover {DATES[0]} to "
                            f"{DATES[-1]}")
        return {"symbol": symbol.upper(), "date": date,
                "close": self.prices[symbol.upper(), date]}

    @tool
    def find_trains(self, origin: str, destination: str) -> list[dict[str, str]]:
        """The daily direct trains between two cities, sorted by departure time.

        Args:
            origin: The departure city.
            destination: The arrival city.
        """
        a, b = self._city(origin), self._city(destination)
        return [dict(r) for r in self.trains.get((a, b), [])]

    def snapshot(self) -> dict[str, Any]:
        return {}
