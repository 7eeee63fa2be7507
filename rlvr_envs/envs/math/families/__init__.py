"""Procedural math task families for `rlvr/Math-v0`.

Each family builds item `i` at a difficulty level from a seeded `random.Random` only, so
`make_math_source(seed).build(family, level, i)` is reproducible anywhere. Every item has
`question`, `answer` (canonical LaTeX), `answer_type`, optional `choices` (mcq) and
`metadata`; `ProceduralSource.build` adds `id`, `domain`, `difficulty`, `source`, `family`.

    >>> from rlvr_envs.envs.math.families import make_math_source
    >>> task = make_math_source(seed=0).build("quadratics", 1, 7)
    >>> task["answer_type"]
    'set'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rlvr_envs.core.tasks import ProceduralSource, TaskFamily

from ._common import ConfigError, LeveledFamily
from .arithmetic import ArithmeticFamily
from .coordinates import CoordinatesFamily
from .counting import CountingFamily
from .fractions_arithmetic import FractionArithmeticFamily
from .inequalities import InequalitiesFamily
from .linear_systems import LinearSystemsFamily
from .lines import LinesFamily
from .matrices import MatricesFamily
from .multiple_choice import MultipleChoiceFamily
from .number_theory import NumberTheoryFamily
from .percent_word import PercentWordFamily
from .polynomials import PolynomialsFamily
from .quadratics import QuadraticsFamily
from .radicals import RadicalsFamily
from .word_problems import WordProblemsFamily

ALL_FAMILIES: list[LeveledFamily] = [
    ArithmeticFamily(),
    NumberTheoryFamily(),
    FractionArithmeticFamily(),
    PercentWordFamily(),
    RadicalsFamily(),
    PolynomialsFamily(),
    LinearSystemsFamily(),
    QuadraticsFamily(),
    InequalitiesFamily(),
    LinesFamily(),
    MatricesFamily(),
    CoordinatesFamily(),
    CountingFamily(),
    MultipleChoiceFamily(),
    WordProblemsFamily(),
]
FAMILIES_BY_NAME: dict[str, LeveledFamily] = {f.name: f for f in ALL_FAMILIES}


def make_math_source(seed: int = 0, families: Sequence[str | TaskFamily] | None = None,
                     weights: Mapping[str, float] | None = None) -> ProceduralSource:
    """A `ProceduralSource` (domain "math") over `families` (names or family objects;
    default: all of `ALL_FAMILIES`), drawn with relative `weights` by family name."""
    chosen: list[TaskFamily] = []
    for f in ALL_FAMILIES if families is None else families:
        if isinstance(f, str):
            if f not in FAMILIES_BY_NAME:
                raise ValueError(f"unknown math family {f!r}; known: {sorted(FAMILIES_BY_NAME)}")
            chosen.append(FAMILIES_BY_NAME[f])
        else:
            chosen.append(f)
    return ProceduralSource(chosen, seed=seed, domain="math", family_weights=weights)


__all__ = [
    "ALL_FAMILIES", "FAMILIES_BY_NAME", "ArithmeticFamily", "ConfigError", "CoordinatesFamily",
    "CountingFamily", "FractionArithmeticFamily", "InequalitiesFamily", "LeveledFamily",
    "LinearSystemsFamily", "LinesFamily", "MatricesFamily", "MultipleChoiceFamily",
    "NumberTheoryFamily", "PercentWordFamily", "PolynomialsFamily", "QuadraticsFamily",
    "RadicalsFamily", "WordProblemsFamily", "make_math_source",
]
