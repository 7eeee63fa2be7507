"""Number theory with integer answers: gcd/lcm, remainders, digit sums, divisors, modular
powers, inverses and the Chinese remainder theorem."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

import sympy

from ._common import LeveledFamily, require

KINDS = ("gcd", "lcm", "remainder", "digit_sum", "gcd3", "lcm3", "mod_power", "num_divisors",
         "digit_sum_power", "last_two_digits", "sum_divisors", "mod_inverse", "crt",
         "count_multiples")


@dataclass(frozen=True)
class NumberTheoryConfig:
    """One level: which kinds of question, and how large the numbers get."""

    kinds: tuple[str, ...]
    max_value: int
    max_exponent: int = 10

    def validate(self) -> None:
        require(bool(self.kinds), "kinds must not be empty")
        unknown = set(self.kinds) - set(KINDS)
        require(not unknown, f"unknown kinds {sorted(unknown)}; known: {KINDS}")
        require(self.max_value >= 30, "max_value must be at least 30")
        require(self.max_exponent >= 2, "max_exponent must be at least 2")


LEVELS = {
    1: NumberTheoryConfig(("gcd", "lcm", "remainder", "digit_sum"), max_value=100),
    # num_divisors stays available but out of the default levels: divisor counts cluster on
    # a few values (4, 8, 12), which a constant answer would collect.
    2: NumberTheoryConfig(("gcd3", "lcm3", "remainder", "sum_divisors"), max_value=1_000),
    3: NumberTheoryConfig(("mod_power", "count_multiples", "digit_sum_power", "lcm3"),
                          max_value=2_000, max_exponent=60),
    4: NumberTheoryConfig(("last_two_digits", "sum_divisors", "mod_inverse", "count_multiples"),
                          max_value=10_000, max_exponent=1_000),
    5: NumberTheoryConfig(("crt", "last_two_digits", "mod_inverse", "count_multiples"),
                          max_value=100_000, max_exponent=10**6),
}


class NumberTheoryFamily(LeveledFamily[NumberTheoryConfig]):
    """Integer-answer number theory; levels move from one gcd to modular powers and CRT."""

    name = "number_theory"
    answer_types = ("integer",)
    default_levels = LEVELS

    def _generate(self, rng: random.Random, cfg: NumberTheoryConfig) -> dict[str, Any]:
        for _ in range(20):
            kind = rng.choice(cfg.kinds)
            question, answer, meta = getattr(self, f"_{kind}")(rng, cfg)
            # Residues and orders make 0 and 1 far more common than any other answer.
            if answer > 1 or rng.random() < 0.3:
                break
        return {"question": question, "answer": str(answer), "answer_type": "integer",
                "metadata": {"kind": kind, **meta}}

    # each builder returns (question, integer answer, metadata)

    def _gcd(self, rng: random.Random, cfg: NumberTheoryConfig):
        g = rng.randint(2, cfg.max_value // 5)  # gcds spread out, not piled on 2..12
        a, b = g * rng.randint(2, cfg.max_value // g), g * rng.randint(2, cfg.max_value // g)
        return (f"What is the greatest common divisor of {a} and {b}?", math.gcd(a, b),
                {"numbers": [a, b]})

    def _lcm(self, rng: random.Random, cfg: NumberTheoryConfig):
        a, b = rng.sample(range(2, 31), 2)
        return f"What is the least common multiple of {a} and {b}?", math.lcm(a, b), {
            "numbers": [a, b]}

    def _gcd3(self, rng: random.Random, cfg: NumberTheoryConfig):
        g = rng.randint(2, cfg.max_value // 10)
        nums = [g * rng.randint(2, cfg.max_value // g) for _ in range(3)]
        return (f"Find the greatest common divisor of {nums[0]}, {nums[1]} and {nums[2]}.",
                math.gcd(*nums), {"numbers": nums})

    def _lcm3(self, rng: random.Random, cfg: NumberTheoryConfig):
        nums = rng.sample(range(4, 61), 3)
        return (f"Find the least common multiple of {nums[0]}, {nums[1]} and {nums[2]}.",
                math.lcm(*nums), {"numbers": nums})

    def _remainder(self, rng: random.Random, cfg: NumberTheoryConfig):
        m = rng.randint(7, min(90, cfg.max_value // 4))
        a = rng.randint(cfg.max_value // 4, cfg.max_value * 2)
        return f"What is the remainder when {a} is divided by {m}?", a % m, {"a": a, "m": m}

    def _digit_sum(self, rng: random.Random, cfg: NumberTheoryConfig):
        n = rng.randint(100, 99_999)
        return f"What is the sum of the digits of {n}?", sum(map(int, str(n))), {"n": n}

    def _digit_sum_power(self, rng: random.Random, cfg: NumberTheoryConfig):
        b, e = rng.choice([2, 3, 5, 7, 11]), rng.randint(8, 30)
        return (f"What is the sum of the digits of ${b}^{{{e}}}$?",
                sum(map(int, str(b ** e))), {"base": b, "exponent": e})

    def _num_divisors(self, rng: random.Random, cfg: NumberTheoryConfig):
        n = rng.randint(cfg.max_value // 10, cfg.max_value)
        return (f"How many positive divisors does {n} have?", int(sympy.divisor_count(n)),
                {"n": n})

    def _sum_divisors(self, rng: random.Random, cfg: NumberTheoryConfig):
        n = rng.randint(cfg.max_value // 20, cfg.max_value // 5)
        return (f"What is the sum of all positive divisors of {n}?",
                int(sympy.divisor_sigma(n)), {"n": n})

    def _mod_power(self, rng: random.Random, cfg: NumberTheoryConfig):
        a, k, m = rng.randint(2, 20), rng.randint(10, cfg.max_exponent), rng.randint(11, 97)
        return (f"What is the remainder when ${a}^{{{k}}}$ is divided by {m}?", pow(a, k, m),
                {"base": a, "exponent": k, "m": m})

    def _last_two_digits(self, rng: random.Random, cfg: NumberTheoryConfig):
        a = rng.choice([v for v in range(3, 100) if v % 2 and v % 5])  # all 38 odd units
        k = rng.randint(cfg.max_exponent // 10, cfg.max_exponent)
        return (f"What is the remainder when ${a}^{{{k}}}$ is divided by 100? (That is, what "
                f"number do its last two digits form?)", pow(a, k, 100),
                {"base": a, "exponent": k, "m": 100})

    def _mod_inverse(self, rng: random.Random, cfg: NumberTheoryConfig):
        m = int(sympy.prevprime(rng.randint(20, min(cfg.max_value, 2_000))))
        a, b = rng.randint(2, m - 1), rng.randint(1, m - 1)
        x = (b * pow(a, -1, m)) % m
        return (f"Find the smallest positive integer $x$ such that ${a}x \\equiv {b} "
                f"\\pmod{{{m}}}$.", x if x else m, {"a": a, "b": b, "m": m})

    def _crt(self, rng: random.Random, cfg: NumberTheoryConfig):
        mods = rng.sample([3, 4, 5, 7, 9, 11, 13, 16, 17], 3)
        while math.gcd(*mods[:2]) != 1 or math.gcd(mods[0] * mods[1], mods[2]) != 1:
            mods = rng.sample([3, 4, 5, 7, 9, 11, 13, 16, 17], 3)
        res = [rng.randint(1, m - 1) for m in mods]
        x = int(sympy.ntheory.modular.crt(mods, res)[0])
        conds = ", ".join(f"leaves remainder {r} when divided by {m}" for r, m in zip(res, mods))
        return (f"Find the smallest positive integer that {conds}.", x or math.prod(mods),
                {"moduli": mods, "residues": res})

    def _count_multiples(self, rng: random.Random, cfg: NumberTheoryConfig):
        n = rng.randint(cfg.max_value // 10, cfg.max_value)
        a, b = rng.sample([3, 4, 5, 6, 7, 8, 9, 11, 12, 13], 2)
        count = n // a + n // b - n // math.lcm(a, b)
        return (f"How many integers from 1 to {n}, inclusive, are divisible by {a} or by {b} "
                f"(or both)?", count, {"n": n, "a": a, "b": b})
