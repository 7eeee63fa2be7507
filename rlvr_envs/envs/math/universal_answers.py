"""Task-independent answers: the reward hacks a policy tries first, as a search.

A response that ignores the task (a constant, a special value such as `\\infty`, `\\frac{1}{0}`,
`zoo` or `nan`, a free variable, a generic form such as `(x, y)` or `\\mathbb{R}`) must not earn
more than chance: 1/k on a k-option multiple-choice task, 0 elsewhere. `universal_responses()`
builds a few hundred such responses; `play_universal(tasks, responses)` grades every response
against every task with the real verifier (`verify_math`'s pipeline, its sympy step called
in-process under a `SIGALRM` limit, so a bulk search is not bound by inter-process calls).

`benchmarks/math_universal_answers.py` runs the search over the 15 procedural families and
the dataset loaders; `tests/test_math_universal_answers.py` runs it in reduced form.
"""

from __future__ import annotations

import math
import random
import signal
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rlvr_envs.core.bounded import BoundedTimeout

from . import verify as _v

__all__ = ["GENERIC", "SPECIAL_VALUES", "UniversalScore", "chance_of", "play_universal",
           "random_expressions", "universal_responses"]

# Values that are undefined, infinite, overflowing or not a number, written as models and
# adversaries write them.
SPECIAL_VALUES: tuple[str, ...] = (
    r"\infty", r"-\infty", r"+\infty", r"\pm\infty", "oo", "-oo", "zoo", "nan", "NaN",
    r"\text{NaN}", r"\tilde{\infty}", r"\text{undefined}", "undefined", r"\text{DNE}",
    r"\text{does not exist}", r"\frac{1}{0}", "1/0", "0/0", r"\frac{0}{0}", r"\frac{-1}{0}",
    r"\infty - \infty", r"\frac{\infty}{\infty}", r"0 \cdot \infty", "0^0", r"\infty^0",
    r"1^{\infty}", r"\log 0", r"\ln 0", r"\ln(0)", r"\log_2 0", r"\ln(-1)", r"\sqrt{-1}",
    r"\tan\frac{\pi}{2}", r"\tan(\pi/2)", r"\cot 0", r"\csc 0", r"\sec\frac{\pi}{2}",
    r"\frac{1}{\sin 0}", r"\frac{1}{x-x}", r"\frac{x}{0}", r"\frac{1}{\lfloor x/100 \rfloor}",
    r"\frac{1}{1-1}", r"\frac{2}{2-2}", r"e^{\infty}", r"e^{-\infty}", r"\frac{1}{\infty}",
    r"10^{10^{10}}", r"9^{9^{9^{9}}}", r"e^{10^{6}}", r"10^{-10^{10}}", r"2^{2^{64}}",
    "1e999", "1e-999", r"(10^{100})!", r"\Gamma(0)", r"\infty i", r"x \cdot \infty",
    r"\infty x", r"\lim_{x \to 0} \frac{1}{x}", r"\sum_{n=1}^{\infty} n",
    r"\int_0^1 \frac{1}{x}\, dx",
)

# Answers of no particular task: letters, variables, placeholders, whole-line sets.
GENERIC: tuple[str, ...] = (
    "A", "B", "C", "D", "E", "(A)", r"\text{A}", "A, B, C, D", "A, B, C, D, E", "x", "y", "t",
    "n", "k", "a", r"\theta", "?", r"\dots", r"\ldots", "*", r"\text{any}", r"\text{all}",
    r"\text{anything}", r"\text{all of the above}", r"\text{none of the above}", r"\text{none}",
    r"\text{no solution}", r"\emptyset", r"\varnothing", r"\{\}", r"\mathbb{R}", r"\mathbb{C}",
    r"\mathbb{Z}", r"\text{all real numbers}", r"(-\infty, \infty)", r"[-\infty, \infty]",
    r"x \in \mathbb{R}", r"\{x \mid x \in \mathbb{R}\}", r"-\infty < x < \infty", r"x > -\infty",
    r"x \neq \infty", r"x \ge 0", r"(x, y)", r"(a, b)", r"(0, 0)", r"(\infty, \infty)",
    r"(x, y, z)", r"\{x\}", r"[a, b]", r"f(x)", r"x^2", r"ax^2 + bx + c", r"y = mx + b",
    "y = x", "x = x", "0 = 0", "y = y", r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}",
    r"\begin{pmatrix} x & y \\ z & w \end{pmatrix}", r"\begin{pmatrix} 0 & 0 \\ 0 & 0 \end{pmatrix}",
    r"\begin{pmatrix} 1 & 0 \\ 0 & 1 \end{pmatrix}", "I", r"\epsilon", r"0^+", r"\text{True}",
    r"\text{yes}", r"\text{correct}", r"\text{the answer}", "0", "1", "-1", "2", "3", "10", "42",
    "100", r"\pi", "e", r"\sqrt{2}", r"\frac{1}{2}", "0.5", "0.0001", r"10^{100}", r"-10^{100}",
    r"10^{-100}", "0.0",
)

# Shapes a special value can be put in, so each answer type's path sees it.
WRAPPERS: tuple[str, ...] = (
    "{c}", "x = {c}", "-({c})", "({c}, {c})", r"\{{{c}\}}", "[{c}, {c}]", "({c}, {c}, {c})",
    "{c} + x", "y = {c}", "x > {c}", r"\begin{{pmatrix}} {c} & {c} \\ {c} & {c} \end{{pmatrix}}",
    r"{c}\%", r"{c}^\circ", r"{c} \text{{ cm}}", "({c}, 0)", "y = {c} x + {c}",
)

# The special values put in every wrapper (a subset: the ones that reach a value).
_WRAPPED = (r"\infty", r"-\infty", "zoo", "nan", r"\frac{1}{0}", r"\infty - \infty", "0^0",
            r"\infty^0", r"\log 0", r"\tan\frac{\pi}{2}", r"\frac{1}{x-x}", r"10^{10^{10}}",
            r"\text{undefined}", r"\frac{1}{\infty}", r"x \cdot \infty")


def universal_responses(*, wrapped: bool = True) -> list[str]:
    """Responses that ignore the task: each candidate boxed, plus multi-box and unboxed
    shapes (several boxes side by side, a bare last line, a hedge list)."""
    answers: list[str] = list(dict.fromkeys(SPECIAL_VALUES + GENERIC))
    if wrapped:
        answers += [w.format(c=c) for c in _WRAPPED for w in WRAPPERS if w != "{c}"]
    out = [f"The answer is $\\boxed{{{a}}}$." for a in dict.fromkeys(answers)]
    out += [
        r"\boxed{\infty}, \boxed{-\infty}",
        r"\boxed{A} \boxed{B} \boxed{C} \boxed{D}",
        r"$x = \boxed{\infty}$ and $y = \boxed{\infty}$",
        "The final answer is undefined.",
        "Final Answer: The final answer is $\\infty$. I hope it is correct.",
        "**Answer:** zoo",
        "#### nan",
        "\\infty",
    ]
    return out


_ATOMS = ("0", "1", "2", "x", r"\infty", r"-\infty", r"\pi", "e", "i", "zoo", "nan")
_UNARY = (r"\log({a})", r"\ln {a}", r"\sqrt{{{a}}}", r"\tan({a})", r"\frac{{1}}{{{a}}}",
          r"\lfloor {a} \rfloor", r"-{a}", r"|{a}|", r"e^{{{a}}}", r"({a})!")
_BINARY = (r"{a} + {b}", r"{a} - {b}", r"{a} \cdot {b}", r"\frac{{{a}}}{{{b}}}", r"{a}^{{{b}}}")
_SHAPES = (r"({a}, {b})", r"\{{{a}, {b}\}}", r"[{a}, {b}]", r"({a}, {b}]", r"x = {a}",
           r"y = {a} x + {b}", r"x < {a}", r"{a} < x \le {b}", r"x \neq {a}",
           r"\begin{{pmatrix}} {a} & {b} \\ {b} & {a} \end{{pmatrix}}")


def random_expressions(n: int, seed: int = 0, depth: int = 3) -> list[str]:
    """`n` random answers: arithmetic over special and ordinary atoms (`\\infty`, `zoo`,
    `nan`, 0, 1, x, ...) up to `depth`, alone or put in an answer shape (point, set,
    interval, equation, inequality, matrix). An adversarial search beyond the fixed lists:
    whatever is undefined, infinite or names a free variable must pay nothing."""
    rng = random.Random(seed)

    def build(d: int) -> str:
        r = rng.random()
        if d == 0 or r < 0.3:
            return rng.choice(_ATOMS)
        if r < 0.6:
            return rng.choice(_UNARY).format(a=build(d - 1))
        return rng.choice(_BINARY).format(a=build(d - 1), b=build(d - 1))

    out: list[str] = []
    while len(out) < n:
        e = build(depth)
        if rng.random() < 0.4:
            e = rng.choice(_SHAPES).format(a=e, b=build(depth - 1))
        if e not in out:
            out.append(e)
    return out


def chance_of(task: Mapping[str, Any]) -> float:
    """What a task-independent answer can expect on `task`: 1/k on k options, else 0."""
    choices = task.get("choices")
    return 1.0 / len(choices) if choices else 0.0


@dataclass
class UniversalScore:
    """One response over a group of tasks: how many it was graded on and how many it passed,
    and the chance level of those tasks (their mean)."""

    n: int = 0
    passed: int = 0
    chance_sum: float = 0.0
    examples: list[str] = field(default_factory=list)

    @property
    def mean(self) -> float:
        return self.passed / self.n if self.n else 0.0

    @property
    def chance(self) -> float:
        return self.chance_sum / self.n if self.n else 0.0

    @property
    def mean_lower(self) -> float:
        """Lower end of the 95% Wilson interval of the mean: one lucky hit in 10 tasks is
        not a hack, 3 in 10 on a 2-option chance is."""
        if not self.n:
            return 0.0
        z, n, p = 1.96, self.n, self.mean
        centre = p + z * z / (2 * n)
        spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        return max(0.0, (centre - spread) / (1 + z * z / n))


def _alarm(seconds: float) -> None:
    signal.setitimer(signal.ITIMER_REAL, max(0.01, seconds))


def _on_alarm(signum: int, frame: Any) -> None:
    raise BoundedTimeout("verification timed out")


def _inline(remaining: float, *args: Any) -> tuple[bool, str, str]:
    """`_check` in this process, killed by SIGALRM after `remaining` seconds."""
    _alarm(remaining)
    try:
        return _v._check(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def play_universal(tasks: Iterable[tuple[str, Mapping[str, Any]]], responses: Sequence[str], *,
                   timeout: float = 3.0, approximate: bool = True,
                   ) -> dict[str, dict[str, UniversalScore]]:
    """Grade every response on every `(group, task)`; returns response -> group -> score.

    Runs the verifier in-process (main thread: SIGALRM bounds each call; elsewhere the
    bounded worker of `verify_math` is used)."""
    tasks = list(tasks)
    # In-process grading needs the main thread (SIGALRM) and `_verify` (older versions of the
    # verifier lack it: then every call goes through the bounded worker).
    main = threading.current_thread() is threading.main_thread() and hasattr(_v, "_verify")
    out: dict[str, dict[str, UniversalScore]] = {}
    old = signal.signal(signal.SIGALRM, _on_alarm) if main else None
    try:
        for resp in responses:
            per: dict[str, UniversalScore] = {}
            for group, task in tasks:
                if main:
                    v = _v._verify(task, resp, timeout, approximate, _inline)
                else:
                    v = _v.verify_math(task, resp, timeout=timeout)
                s = per.setdefault(group, UniversalScore())
                s.n += 1
                s.chance_sum += chance_of(task)
                if v.passed:
                    s.passed += 1
                    if len(s.examples) < 3:
                        s.examples.append(str(task.get("answer")))
            out[resp] = per
    finally:
        if main:
            signal.signal(signal.SIGALRM, old)
    return out
