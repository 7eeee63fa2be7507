"""Arithmetic and number theory: primes in a residue class, digits in a base, base
conversion, divisor functions (of n or summed up to n), modular powers and geometric sums.
Parameters: the bound (< or <=), the residue class, the base, the digit statistic, the
arithmetic function, the modulus."""

from __future__ import annotations

import random

from ._common import CodeFamily, Spec, Variant

LIMITS = {1: 100, 2: 10_000, 3: 200_000}
TOTAL_LIMITS = {1: 30, 2: 300, 3: 3000}   # sums of a divisor function over 1..n
PRIME_LIMITS = {1: 500, 2: 20_000, 3: 200_000}
NUMBER = {"n": ["n", "num", "x", "limit"]}
RESIDUES = [(1, 0), (3, 1), (3, 2), (4, 1), (4, 3), (5, 1), (5, 2), (5, 3), (5, 4), (6, 1),
            (6, 5), (10, 1), (10, 3), (10, 7), (10, 9)]


# --- primes in a residue class --------------------------------------------------------------

def count_primes(n: int, *, strict: bool, m: int, r: int) -> int:
    top = n - 1 if strict else n
    if top < 2:
        return 0
    sieve = bytearray([1]) * (top + 1)
    sieve[0] = sieve[1] = 0
    for p in range(2, int(top ** 0.5) + 1):
        if sieve[p]:
            sieve[p * p::p] = bytearray(len(range(p * p, top + 1, p)))
    return sum(1 for p in range(2, top + 1) if sieve[p] and p % m == r)


def _primes_text(spec: Spec) -> str:
    which = "primes" if spec.m == 1 else f"primes p with p % {spec.m} == {spec.r}"
    bound = "smaller than" if spec.strict else "smaller than or equal to"
    return f"Return how many {which} are {bound} `{spec.n}` (`{spec.n}` may be 0 or negative)."


def _primes_edges(spec: Spec) -> list[tuple]:
    primes = [p for p in range(11, 200) if all(p % d for d in range(2, p)) and p % spec.m == spec.r]
    return [(0,), (1,), (2,), (-5,), *[(p,) for p in primes[:3]]]


# --- digits in a base -----------------------------------------------------------------------

def digit_statistic(n: int, *, base: int, stat: str) -> int:
    digits = []
    while n:
        n, d = divmod(n, base)
        digits.append(d)
    if stat == "sum":
        return sum(digits)
    if stat == "nonzero":
        return sum(1 for d in digits if d)
    if stat == "largest":
        return max(digits, default=0)
    value = 0
    for d in digits:
        value = value * base + d
    return value


STATS = {"sum": "the sum of the digits", "nonzero": "the number of non-zero digits",
         "largest": "the largest digit (as a number; 0 for `{n}` = 0)",
         "reversed": "the value of the number whose base-{b} digits are those of `{n}` in "
                     "reverse order (leading zeros of the result dropped)"}


def _digits_text(spec: Spec) -> str:
    what = STATS[spec.stat].format(b=spec.base, n=spec.n)
    return (f"Write the integer `{spec.n} >= 0` in base {spec.base} and return {what}"
            f"{' of that representation' if spec.stat != 'reversed' else ''}.")


def _digits_names(spec: Spec) -> list[str]:
    return {"sum": ["digit_sum", "sum_of_digits"], "nonzero": ["nonzero_digits", "count_digits"],
            "largest": ["largest_digit", "max_digit"],
            "reversed": ["reverse_digits", "mirror_number"]}[spec.stat]


# --- base conversion ------------------------------------------------------------------------

def to_base(n: int, *, base: int, upper: bool) -> str:
    symbols = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" if upper else \
        "0123456789abcdefghijklmnopqrstuvwxyz"
    if n == 0:
        return "0"
    sign = "-" if n < 0 else ""
    n = abs(n)
    out = []
    while n:
        n, d = divmod(n, base)
        out.append(symbols[d])
    return sign + "".join(reversed(out))


def from_base(s: str, *, base: int, upper: bool) -> int:
    return int(s, base)


def _case(spec: Spec) -> str:
    return "upper-case" if spec.upper else "lower-case"


# --- divisor functions ----------------------------------------------------------------------

def arithmetic_function(n: int, *, f: str, total: bool) -> int:
    def f_of(k: int) -> int:
        divisors, primes, m, p = [], [], k, 2
        for d in range(1, int(k ** 0.5) + 1):
            if k % d == 0:
                divisors += [d] if d * d == k else [d, k // d]
        while p * p <= m:
            while m % p == 0:
                primes.append(p)
                m //= p
            p += 1
        if m > 1:
            primes.append(m)
        if f == "proper":
            return sum(divisors) - k
        if f == "count":
            return len(divisors)
        if f == "sigma":
            return sum(divisors)
        if f == "odd":
            return sum(d for d in divisors if d % 2)
        if f == "phi":
            out = k
            for q in set(primes):
                out = out // q * (q - 1)
            return out
        if f == "prime_sum":
            return sum(set(primes))
        if f == "omega":
            return len(set(primes))
        return len(primes)

    if not total:
        return f_of(n)
    return sum(f_of(k) for k in range(1, n + 1))


FUNCS = {"proper": ("the sum of the divisors of {k} smaller than {k}", "sum_proper_divisors"),
         "count": ("the number of positive divisors of {k}", "count_divisors"),
         "sigma": ("the sum of all positive divisors of {k} ({k} included)", "divisor_sum"),
         "odd": ("the sum of the odd positive divisors of {k}", "odd_divisor_sum"),
         "phi": ("the number of integers in 1..{k} that share no factor > 1 with {k} "
                 "(Euler's totient)", "totient"),
         "prime_sum": ("the sum of the distinct primes dividing {k} (0 for 1)",
                       "prime_factor_sum"),
         "omega": ("the number of distinct primes dividing {k} (0 for 1)", "distinct_primes"),
         "big_omega": ("the number of prime factors of {k} counted with multiplicity (12 = "
                       "2*2*3 has 3; 0 for 1)", "prime_factor_count")}


def _function_text(spec: Spec) -> str:
    if spec.total:
        what = FUNCS[spec.f][0].format(k="k")
        return f"For an integer `{spec.n} >= 1`, return the sum over k = 1..`{spec.n}` of {what}."
    return f"For an integer `{spec.n} >= 1`, return {FUNCS[spec.f][0].format(k=f'`{spec.n}`')}."


def _function_names(spec: Spec) -> list[str]:
    base = FUNCS[spec.f][1]
    return [f"{base}_total", f"summed_{base}"] if spec.total else [base, f"{base}_of"]


def _function_args(rng: random.Random, level: int, spec: Spec) -> tuple:
    return (rng.randint(1, TOTAL_LIMITS[level] if spec.total else LIMITS[level] * 10),)


# --- modular powers -------------------------------------------------------------------------

def mod_power(b: int, e: int, *, m: int, series: bool) -> int:
    def power(x: int, k: int) -> int:
        result, x = 1 % m, x % m
        while k:
            if k & 1:
                result = result * x % m
            x = x * x % m
            k >>= 1
        return result

    if not series:
        return power(b, e)

    def geometric(k: int) -> tuple[int, int]:   # (b^0 + ... + b^(k-1), b^k), both mod m
        if k == 0:
            return 0, 1 % m
        if k % 2:
            s, p = geometric(k - 1)
            return (s + p) % m, p * b % m
        s, p = geometric(k // 2)
        return s * (1 + p) % m, p * p % m

    return geometric(e + 1)[0]


MODULI = [1_000_000_007, 998_244_353, 1_000_003, 65_537, 10_007, 2_147_483_647, 1000, 97,
          123_456_789, 1_000_000_009]


def _power_text(spec: Spec) -> str:
    what = (f"`{spec.b} ** {spec.e}`" if not spec.series else
            f"the sum `{spec.b} ** 0 + {spec.b} ** 1 + ... + {spec.b} ** {spec.e}`")
    return (f"For integers `{spec.b} >= 0` and `{spec.e} >= 0`, return {what} modulo "
            f"{spec.m} (a number in `range({spec.m})`). `{spec.e}` can be huge, so be "
            "efficient.")


NUMBER_THEORY = CodeFamily("number_theory", [
    Variant(count_primes, ["count_primes", "prime_count", "primes_below"], _primes_text,
            lambda r, lv, s: (r.randint(0, PRIME_LIMITS[lv]),),
            lambda r, lv: dict(zip(("m", "r"), r.choice(RESIDUES)), strict=r.random() < 0.5),
            _primes_edges, arg_names=NUMBER),
    Variant(digit_statistic, _digits_names, _digits_text,
            lambda r, lv, s: (r.randint(0, LIMITS[lv] ** 2),),
            lambda r, lv: {"base": r.randint(2, 16), "stat": r.choice(list(STATS))},
            lambda s: [(0,), (1,), (s.base,), (s.base ** 3 - 1,), (s.base ** 2 + 1,)],
            arg_names=NUMBER),
    Variant(to_base, ["to_base", "format_in_base", "encode_number"],
            lambda s: (f"Return the integer `{s.n}` written in base {s.base}, most significant "
                       f"digit first, with digits 0-9 then {_case(s)} letters for 10 and up "
                       "(no prefix, no leading zeros, \"0\" for 0, a leading `-` for negative "
                       "numbers)."),
            lambda r, lv, s: (r.randint(-LIMITS[lv] ** 2, LIMITS[lv] ** 2),),
            lambda r, lv: {"base": r.randint(2, 36), "upper": r.random() < 0.5},
            lambda s: [(0,), (-1,), (s.base,), (35,), (-(s.base ** 3) + 1,)],
            arg_names=NUMBER),
    Variant(from_base, ["from_base", "parse_base", "decode_number"],
            lambda s: (f"`{s.s}` is an integer written in base {s.base}: digits 0-9 then "
                       f"{_case(s)} letters for 10 and up, most significant first, maybe "
                       "with a leading `-`. Return its value as an int."),
            lambda r, lv, s: (to_base(r.randint(-LIMITS[lv] ** 2, LIMITS[lv] ** 2),
                                      base=s.base, upper=s.upper),),
            lambda r, lv: {"base": r.randint(2, 36), "upper": r.random() < 0.5},
            lambda s: [("0",), ("-1",), ("10",), (to_base(s.base ** 3 - 1, base=s.base,
                                                            upper=s.upper),)],
            arg_names={"s": ["s", "digits", "text"]}),
    Variant(arithmetic_function, _function_names, _function_text, _function_args,
            lambda r, lv: {"f": r.choice(list(FUNCS)), "total": r.random() < 0.5},
            lambda s: [(1,), (2,), (12,), (36,), (97,)], arg_names=NUMBER),
    Variant(mod_power, lambda s: ["geometric_sum_mod", "power_series_mod"] if s.series else
            ["mod_power", "power_mod", "modular_exp"], _power_text,
            lambda r, lv, s: (r.randint(0, 10 ** (3 * lv)), r.randint(0, 10 ** (4 * lv))),
            lambda r, lv: {"m": r.choice(MODULI), "series": r.random() < 0.5},
            lambda s: [(0, 0), (5, 0), (0, 7), (10 ** 30, 10 ** 30), (s.m, 3), (s.m + 1, 12)],
            arg_names={("b", "e"): [("b", "e"), ("base", "exponent"), ("a", "n")]},
            min_level=2),
])
