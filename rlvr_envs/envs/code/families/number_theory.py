"""Arithmetic and number theory: prime counting, digit sums in a base, modular powers."""

from __future__ import annotations

from ._common import CodeFamily, Variant

LIMITS = {1: 100, 2: 10_000, 3: 200_000}


def count_primes(n: int) -> int:
    if n < 2:
        return 0
    sieve = bytearray([1]) * (n + 1)
    sieve[0] = sieve[1] = 0
    for p in range(2, int(n ** 0.5) + 1):
        if sieve[p]:
            sieve[p * p::p] = bytearray(len(range(p * p, n + 1, p)))
    return sum(sieve)


def digit_sum_in_base(n: int, base: int) -> int:
    total = 0
    while n:
        n, d = divmod(n, base)
        total += d
    return total


def mod_power(b: int, e: int, m: int) -> int:
    result = 1 % m
    b %= m
    while e:
        if e & 1:
            result = result * b % m
        b = b * b % m
        e >>= 1
    return result


def sum_proper_divisors(n: int) -> int:
    total = 1 if n > 1 else 0
    d = 2
    while d * d <= n:
        if n % d == 0:
            total += d
            if d != n // d:
                total += n // d
        d += 1
    return total


NUMBER_THEORY = CodeFamily("number_theory", [
    Variant("count_primes(n: int) -> int",
            "Return how many primes are <= `n` (`n` may be 0 or negative).", count_primes,
            lambda r, lv: (r.randint(0, LIMITS[lv]),),
            edge_cases=[(0,), (1,), (2,), (-5,), (97,)]),
    Variant("digit_sum_in_base(n: int, base: int) -> int",
            "Return the sum of the digits of `n >= 0` written in base `base` (2 <= base <= 36).",
            digit_sum_in_base, lambda r, lv: (r.randint(0, LIMITS[lv] ** 2), r.randint(2, 36)),
            edge_cases=[(0, 2), (1, 36), (35, 36), (255, 16)]),
    Variant("mod_power(b: int, e: int, m: int) -> int",
            "Return `b ** e mod m` for integers `b >= 0`, `e >= 0`, `m >= 1` (the result is in "
            "`range(m)`). Inputs can be huge, so be efficient.", mod_power,
            lambda r, lv: (r.randint(0, 10 ** (3 * lv)), r.randint(0, 10 ** (4 * lv)),
                           r.randint(1, 10 ** (3 * lv))),
            edge_cases=[(0, 0, 1), (5, 0, 7), (2, 10, 1), (10 ** 30, 10 ** 30, 999_983)],
            min_level=2),
    Variant("sum_proper_divisors(n: int) -> int",
            "Return the sum of the divisors of `n >= 1` that are smaller than `n`.",
            sum_proper_divisors, lambda r, lv: (r.randint(1, LIMITS[lv] * 10),),
            edge_cases=[(1,), (2,), (28,), (49,)]),
])
