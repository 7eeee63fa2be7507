"""Property tests: the math verifier never raises, stays in time, and respects number,
set, tuple and interval semantics on random inputs."""

from __future__ import annotations

import random
import threading
import time
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rlvr_envs.core.verdict import Verdict
from rlvr_envs.envs.math.verify import answers_equivalent, verify_math

FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.text(max_size=300))
def test_arbitrary_text_never_raises_and_is_bounded(text):
    t0 = time.monotonic()
    v = verify_math({"answer": "12"}, text, timeout=2.0)
    assert isinstance(v, Verdict)
    assert v.reward in (0.0, 1.0)
    assert time.monotonic() - t0 < 3.5


@FAST
@given(st.text(alphabet="\\{}()[]^_0123456789xe+-*/=<>,. boxedfracsqrtpi", max_size=120))
def test_latexish_junk_never_raises(text):
    v = verify_math({"answer": r"\frac{1}{2}"}, r"\boxed{" + text + "}", timeout=2.0)
    assert isinstance(v, Verdict)


def _notations(q: Fraction) -> list[str]:
    n, d = q.numerator, q.denominator
    sign = "-" if q < 0 else ""
    # An integer written as a fraction over 1 is a division left undone: not a plain value.
    out = [rf"{sign}\frac{{{abs(n)}}}{{{d}}}", f"{n}/{d}", rf"{sign}\dfrac{{{abs(n)}}}{{{d}}}"] \
        if d != 1 else []
    if d == 1:
        out += [str(n), f"{n}.0"]
    if 10**12 % d == 0 and d != 1:
        # The exact terminating decimal, written without float rounding.
        scaled = abs(n) * (10**12 // d)
        whole, frac = divmod(scaled, 10**12)
        out.append(f"{sign}{whole}." + f"{frac:012d}".rstrip("0"))
    return out


@FAST
@given(st.fractions(max_denominator=10_000).filter(lambda q: abs(q) < 10**9))
def test_random_numbers_in_various_notations(q):
    gold = f"{q.numerator}/{q.denominator}" if q.denominator != 1 else str(q.numerator)
    for form in _notations(q):
        assert verify_math({"answer": gold}, rf"\boxed{{{form}}}").passed, form
    nxt = q + 1
    assert not verify_math({"answer": gold},
                           rf"\boxed{{{nxt.numerator}/{nxt.denominator}}}").passed


@FAST
@given(st.integers(min_value=-10**15, max_value=10**15))
def test_random_integers(n):
    assert verify_math({"answer": str(n)}, rf"The answer is $\boxed{{{n}}}$.").passed
    assert not verify_math({"answer": str(n)}, rf"\boxed{{{n + 1}}}").passed


@FAST
@given(st.lists(st.integers(-50, 50), min_size=1, max_size=6, unique=True), st.randoms())
def test_sets_are_order_insensitive(values, rnd):
    gold = r"\{" + ", ".join(map(str, values)) + r"\}"
    shuffled = list(values)
    rnd.shuffle(shuffled)
    assert verify_math({"answer": gold}, r"\boxed{\{" + ", ".join(map(str, shuffled)) + r"\}}").passed
    assert not verify_math({"answer": gold},
                           r"\boxed{\{" + ", ".join(map(str, values + [99])) + r"\}}").passed


@FAST
@given(st.lists(st.integers(-50, 50), min_size=2, max_size=5), st.randoms())
def test_tuples_are_ordered(values, rnd):
    gold = "(" + ", ".join(map(str, values)) + ")"
    shuffled = list(values)
    rnd.shuffle(shuffled)
    same = shuffled == values
    v = verify_math({"answer": gold, "answer_type": "tuple"},
                    r"\boxed{(" + ", ".join(map(str, shuffled)) + ")}")
    assert v.passed == same


@FAST
@given(st.integers(-100, 100), st.integers(1, 100), st.booleans(), st.booleans())
def test_intervals_with_flipped_brackets_differ(lo, width, lo_closed, hi_closed):
    hi = lo + width

    def show(lc: bool, hc: bool) -> str:
        return f"{'[' if lc else '('}{lo}, {hi}{']' if hc else ')'}"

    gold = show(lo_closed, hi_closed)
    assert verify_math({"answer": gold, "answer_type": "interval"}, rf"\boxed{{{gold}}}").passed
    for lc, hc in ((not lo_closed, hi_closed), (lo_closed, not hi_closed)):
        assert not answers_equivalent(gold, show(lc, hc), "interval")


def test_verification_from_many_threads():
    rng = random.Random(0)
    cases = [(rng.randint(-999, 999), rng.random() < 0.5) for _ in range(24)]
    out: dict[int, bool] = {}

    def work(i: int) -> None:
        n, right = cases[i]
        out[i] = verify_math({"answer": rf"\frac{{{n}}}{{1}}"},
                             rf"so $\boxed{{{n if right else n + 1}}}$").passed

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(cases))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out == {i: right for i, (_, right) in enumerate(cases)}


def test_hostile_tower_returns_within_timeout():
    for timeout in (0.5, 1.0):
        t0 = time.monotonic()
        v = verify_math({"answer": "9^{9^{9^9}} + 1"}, r"\boxed{9^{9^{9^9}}}", timeout=timeout)
        assert not v.passed
        assert time.monotonic() - t0 < timeout + 1.0
