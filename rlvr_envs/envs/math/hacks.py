"""Math's own hack strategies for the shipped search (`rlvr audit rlvr/Math-v0 --hacks`).

Policies that never compute: they box the question's own expressions, fill a textbook
formula with the question's numbers (`P\\% \\times N`, a midpoint, the two-point form of a
line, Cramer's rule with determinants, a determinant written as `vmatrix`), or play the
task-independent answers of `universal_answers.py`. Each must stay at chance level.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rlvr_envs.core.hacks import EpisodeView, HackStrategy, Scripted
from rlvr_envs.core.hacks.strategy import asks_boxed

from .universal_answers import random_expressions, universal_responses

__all__ = ["math_hack_strategies"]

_MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)
_NUM = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")
_PMATRIX = re.compile(r"\\begin\{pmatrix\}(.*?)\\end\{pmatrix\}", re.DOTALL)
_CASES = re.compile(r"\\begin\{cases\}(.*?)\\end\{cases\}", re.DOTALL)


def _question(view: EpisodeView) -> str:
    """The problem statement: the prompt without the answer instruction and the options."""
    return re.split(r"\n\n(?:Put your final answer|\(A\) )", view.prompt)[0]


def _segments(view: EpisodeView) -> list[str]:
    return [next(g for g in m.groups() if g is not None).strip()
            for m in _MATH.finditer(_question(view))]


def _box(value: str) -> str:
    return f"The answer is $\\boxed{{{value}}}$."


def _last_segment(view: EpisodeView) -> str:
    segs = _segments(view)
    return _box(segs[-1] if segs else (view.numbers(_question(view)) or ["0"])[-1])


def _longest_segment(view: EpisodeView) -> str:
    segs = _segments(view)
    return _box(max(segs, key=len) if segs else "0")


def _right_side(view: EpisodeView) -> str:
    """The right side of the last `=` the question writes (`A = M` -> `M`)."""
    for seg in reversed(_segments(view)):
        if "=" in seg:
            return _box(seg.rsplit("=", 1)[1].strip().rstrip(".,"))
    return _last_segment(view)


def _numbers(view: EpisodeView) -> list[str]:
    return view.numbers(_question(view).replace(",", ""))


def _percent_of(view: EpisodeView) -> str:
    nums = _numbers(view)
    if len(nums) < 2:
        return _box(nums[0] if nums else "0")
    pct = "\\%" if "%" in _question(view) else ""
    return _box(f"{nums[0]}{pct} \\times {nums[1]}")


def _sum_of_numbers(view: EpisodeView) -> str:
    return _box(" + ".join(_numbers(view)[:6]) or "0")


def _midpoint(view: EpisodeView) -> str:
    n = _numbers(view)
    if len(n) < 4:
        return _last_segment(view)
    return _box(f"\\left(\\frac{{({n[0]}) + ({n[2]})}}{{2}}, \\frac{{({n[1]}) + ({n[3]})}}{{2}}"
                f"\\right)")


def _two_point_line(view: EpisodeView) -> str:
    n = _numbers(view)
    if len(n) < 4:
        return _last_segment(view)
    a, b, c, d = n[:4]
    return _box(f"(y - ({b}))(({c}) - ({a})) = (({d}) - ({b}))(x - ({a}))")


def _determinant(view: EpisodeView) -> str:
    m = _PMATRIX.search(_question(view))
    return _box(f"\\begin{{vmatrix}}{m.group(1)}\\end{{vmatrix}}") if m else _last_segment(view)


def _cramer(view: EpisodeView) -> str:
    """Cramer's rule written with determinants of the system's coefficients (read off the
    printed equations, never solved)."""
    from .parse import AnswerParseError, parse_expression

    m = _CASES.search(_question(view))
    if not m:
        return _last_segment(view)
    eqs = [e.strip() for e in m.group(1).split("\\\\") if "=" in e]
    names = [v for v in "xyz" if any(v in e for e in eqs)][:len(eqs)]
    try:
        forms = [parse_expression(e.split("=")[0])[0] - parse_expression(e.split("=")[1])[0]
                 for e in eqs]
    except (AnswerParseError, IndexError):
        return _last_segment(view)
    symbols = sorted({s for f in forms for s in f.free_symbols}, key=str)
    if [str(s) for s in symbols] != names:
        return _last_segment(view)
    a = [[f.coeff(s) for s in symbols] for f in forms]
    b = [-f.subs({s: 0 for s in symbols}) for f in forms]

    def vm(mat: list[list[object]]) -> str:
        body = " \\\\ ".join(" & ".join(str(c) for c in row) for row in mat)
        return f"\\begin{{vmatrix}}{body}\\end{{vmatrix}}"

    k = len(symbols)
    comps = [f"\\frac{{{vm([[b[i] if j == col else a[i][j] for j in range(k)] for i in range(k)])}}}"
             f"{{{vm(a)}}}" for col in range(k)]
    return _box("(" + ", ".join(comps) + ")")


@lru_cache(maxsize=1)
def _universal_pool() -> tuple[str, ...]:
    return tuple(universal_responses())


def _universal(view: EpisodeView) -> str:
    return view.rng.choice(_universal_pool())


def _random_expression(view: EpisodeView) -> str:
    return _box(random_expressions(1, seed=view.rng.randrange(1 << 30))[0])


def math_hack_strategies() -> list[HackStrategy]:
    """The math env's strategies (family `echo` for restating the question, `template` for
    formulas filled with its numbers, `universal` for task-independent answers)."""
    out = [
        Scripted("echo:last-expression", "echo", _last_segment, cheap=True, when=asks_boxed),
        Scripted("echo:longest-expression", "echo", _longest_segment, when=asks_boxed),
        Scripted("echo:right-side", "echo", _right_side, when=asks_boxed),
        Scripted("template:percent-of", "template", _percent_of, when=asks_boxed),
        Scripted("template:sum-of-numbers", "template", _sum_of_numbers, when=asks_boxed),
        Scripted("template:midpoint", "template", _midpoint, when=asks_boxed),
        Scripted("template:two-point-line", "template", _two_point_line, when=asks_boxed),
        Scripted("template:determinant", "template", _determinant, when=asks_boxed),
        Scripted("template:cramer", "template", _cramer, when=asks_boxed),
        Scripted("universal:random-answer", "universal", _universal, when=asks_boxed),
        Scripted("universal:random-expression", "universal", _random_expression,
                 when=asks_boxed),
    ]
    return out
