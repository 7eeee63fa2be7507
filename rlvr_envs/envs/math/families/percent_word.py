"""Decimal and percentage word problems: discounts, tax, percent change, interest, mixtures.
Golds are exact decimals (`68.5`); questions that need rounding say so."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ._common import NAMES, LeveledFamily, decimal_str, money, require

KINDS = ("percent_of", "discount", "tax", "discount_then_tax", "percent_change",
         "successive_change", "reverse_percent", "simple_interest", "compound_interest",
         "mixture")

ITEMS = ("jacket", "bicycle", "lamp", "pair of boots", "backpack", "camera", "desk chair",
         "tennis racket", "coffee maker", "guitar")


@dataclass(frozen=True)
class PercentConfig:
    """One level: which kinds of problem and how awkward the numbers are."""

    kinds: tuple[str, ...]
    percent_step: int  # percents are multiples of this (25 → 25%, 50%; 1 → any)
    max_price: int
    cents: bool = False  # prices may have cents

    def validate(self) -> None:
        require(bool(self.kinds) and set(self.kinds) <= set(KINDS), f"kinds must be from {KINDS}")
        require(1 <= self.percent_step <= 50, "percent_step must be in 1..50")
        require(self.max_price >= 20, "max_price must be at least 20")


LEVELS = {
    1: PercentConfig(("percent_of", "discount"), percent_step=10, max_price=100),
    2: PercentConfig(("percent_of", "discount", "tax", "percent_change"), percent_step=5,
                     max_price=200),
    3: PercentConfig(("discount_then_tax", "percent_change", "simple_interest", "percent_of"),
                     percent_step=5, max_price=500, cents=True),
    4: PercentConfig(("successive_change", "reverse_percent", "discount_then_tax",
                      "simple_interest"), percent_step=1, max_price=1_000, cents=True),
    5: PercentConfig(("compound_interest", "mixture", "successive_change", "reverse_percent"),
                     percent_step=1, max_price=5_000, cents=True),
}


def _pct(p: Fraction) -> str:
    return f"{decimal_str(p)}%"


class PercentWordFamily(LeveledFamily[PercentConfig]):
    """Percentage and decimal word problems with exact decimal golds."""

    name = "percent_word"
    answer_types = ("number", "integer")
    default_levels = LEVELS

    def _generate(self, rng: random.Random, cfg: PercentConfig) -> dict[str, Any]:
        kind = rng.choice(cfg.kinds)
        question, value, places = getattr(self, f"_{kind}")(rng, cfg)
        answer = decimal_str(value, places)
        return {"question": question, "answer": answer,
                "answer_type": "number" if "." in answer else "integer",
                "metadata": {"kind": kind, "exact_value": f"{value.numerator}/{value.denominator}",
                             "rounded_to_places": places}}

    def _percent(self, rng: random.Random, cfg: PercentConfig, lo: int = 5, hi: int = 60) -> int:
        return rng.randrange(max(lo, cfg.percent_step), hi + 1, cfg.percent_step)

    def _price(self, rng: random.Random, cfg: PercentConfig) -> Fraction:
        dollars = rng.randint(10, cfg.max_price)
        if cfg.cents and rng.random() < 0.5:
            return Fraction(dollars * 100 + rng.choice([25, 50, 75, 99, 49]), 100)
        return Fraction(dollars)

    # builders return (question, exact value, decimal places to round to or None)

    def _percent_of(self, rng: random.Random, cfg: PercentConfig):
        p = Fraction(rng.choice(["5", "10", "12.5", "15", "20", "25", "30", "37.5", "40", "60",
                                 "75", "80"] if cfg.percent_step <= 5
                                else ["10", "20", "25", "50", "30", "40", "60", "75"]))
        base = rng.randint(2, cfg.max_price // 4) * 8
        return f"What is {_pct(p)} of {base}?", p * base / 100, None

    def _discount(self, rng: random.Random, cfg: PercentConfig):
        item, p, price = rng.choice(ITEMS), self._percent(rng, cfg), Fraction(
            rng.randint(2, cfg.max_price // 4) * 4)
        return (f"A {item} normally costs {money(price)}. It is on sale for {p}% off. What is "
                f"the sale price, in dollars?", price * (100 - p) / 100, 2)

    def _tax(self, rng: random.Random, cfg: PercentConfig):
        name, item = rng.choice(NAMES), rng.choice(ITEMS)
        price, p = Fraction(rng.randint(4, cfg.max_price // 4) * 4), rng.choice([5, 6, 8, 10])
        return (f"{name} buys a {item} priced at {money(price)}. Sales tax is {p}%. How much "
                f"does {name} pay in total, in dollars?", price * (100 + p) / 100, 2)

    def _discount_then_tax(self, rng: random.Random, cfg: PercentConfig):
        item, price = rng.choice(ITEMS), self._price(rng, cfg)
        d, t = self._percent(rng, cfg, 10, 40), rng.choice([4, 5, 6, 7, 8, 9])
        return (f"A store sells a {item} for {money(price)}. During a sale the price is reduced "
                f"by {d}%, and then a {t}% sales tax is added to the reduced price. What is the "
                f"final cost in dollars? Round to the nearest cent.",
                price * (100 - d) / 100 * (100 + t) / 100, 2)

    def _percent_change(self, rng: random.Random, cfg: PercentConfig):
        p = self._percent(rng, cfg, 5, 80) * rng.choice([1, -1])
        unit = 100 // math.gcd(100, p)  # the smallest start that makes the new value whole
        old = unit * rng.randint(2, max(3, 20 * cfg.max_price // unit))
        new = old * (100 + p) // 100
        what = rng.choice(["a town's population", "the number of members of a club",
                           "a company's monthly sales, in dollars,"])
        return (f"Last year {what} was {old}. This year it is {new}. By what percent did it "
                f"{'increase' if p > 0 else 'decrease'}?", Fraction(abs(p)), None)

    def _successive_change(self, rng: random.Random, cfg: PercentConfig):
        price = Fraction(rng.randint(5, cfg.max_price // 10) * 10)
        up, down = self._percent(rng, cfg, 5, 50), self._percent(rng, cfg, 5, 50)
        final = price * (100 + up) / 100 * (100 - down) / 100
        if rng.random() < 0.5:
            return (f"A share price of {money(price)} rises by {up}% on Monday and then falls "
                    f"by {down}% on Tuesday. What is the price after Tuesday, in dollars? Round "
                    f"to the nearest cent.", final, 2)
        change = (final - price) / price * 100
        return (f"A price rises by {up}% and then the new price falls by {down}%. By what "
                f"percent has the price changed overall? Give a negative number for a "
                f"decrease, rounded to two decimal places.", change, 2)

    def _reverse_percent(self, rng: random.Random, cfg: PercentConfig):
        item, d = rng.choice(ITEMS), self._percent(rng, cfg, 5, 50)
        original = Fraction(rng.randint(4, cfg.max_price // 5) * 20)
        sale = original * (100 - d) / 100
        return (f"After a {d}% discount, a {item} costs {money(sale)}. What was its original "
                f"price, in dollars?", original, 2)

    def _simple_interest(self, rng: random.Random, cfg: PercentConfig):
        name = rng.choice(NAMES)
        principal = Fraction(rng.randint(5, cfg.max_price // 5) * 100)
        rate, years = Fraction(rng.choice([2, 3, 4, 5, 6, 7, 35, 45, 55]), 1), rng.randint(2, 9)
        if rate > 10:
            rate /= 10
        return (f"{name} deposits {money(principal)} in an account that pays {_pct(rate)} simple "
                f"interest per year. How much is in the account after {years} years, in "
                f"dollars?", principal * (1 + rate * years / 100), 2)

    def _compound_interest(self, rng: random.Random, cfg: PercentConfig):
        name = rng.choice(NAMES)
        principal = Fraction(rng.randint(10, cfg.max_price // 10) * 100)
        rate, years = rng.randint(2, 9), rng.randint(2, 6)
        n, period = rng.choice([(1, "annually"), (4, "quarterly"), (12, "monthly")])
        value = principal * (1 + Fraction(rate, 100 * n)) ** (n * years)
        return (f"{name} invests {money(principal)} at {rate}% annual interest, compounded "
                f"{period}. How much is the investment worth after {years} years, in dollars? "
                f"Round to the nearest cent.", value, 2)

    def _mixture(self, rng: random.Random, cfg: PercentConfig):
        a_pct, b_pct = sorted(rng.sample(range(5, 96, 5), 2))
        a_l, b_l = rng.randint(2, 20), rng.randint(2, 20)
        conc = Fraction(a_pct * a_l + b_pct * b_l, a_l + b_l)
        return (f"A chemist mixes {a_l} liters of a {a_pct}% salt solution with {b_l} liters of "
                f"a {b_pct}% salt solution. What is the salt concentration of the mixture, in "
                f"percent? Round to two decimal places.", conc, 2)
