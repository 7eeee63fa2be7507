"""Procedural code task families for `rlvr/Code-v0` (one family per file).

Every family has levels 1-3 and several variants, each with a reference solution whose
source is shipped in the task, and tests computed by running that reference on generated
inputs (edge cases included).

    >>> from rlvr_envs.envs.code.families import make_code_source
    >>> task = make_code_source(seed=0).build("arrays", 1, 7)
    >>> task["style"]
    'function'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rlvr_envs.core.tasks import ProceduralSource

from ._common import CodeFamily, StdioVariant, Variant
from .arrays import ARRAYS
from .data_structures import DATA_STRUCTURES
from .dynamic_programming import DYNAMIC_PROGRAMMING
from .graphs import GRAPHS
from .number_theory import NUMBER_THEORY
from .parsing import PARSING
from .simulation import SIMULATION
from .strings import STRINGS

ALL_FAMILIES: list[CodeFamily] = [STRINGS, ARRAYS, NUMBER_THEORY, PARSING, SIMULATION,
                                  DYNAMIC_PROGRAMMING, GRAPHS, DATA_STRUCTURES]
FAMILIES_BY_NAME: dict[str, CodeFamily] = {f.name: f for f in ALL_FAMILIES}


def make_code_source(seed: int = 0, families: Sequence[str] | None = None,
                     weights: Mapping[str, float] | None = None) -> ProceduralSource:
    """A `ProceduralSource` (domain "code") over the named families (default: all)."""
    names = list(FAMILIES_BY_NAME) if families is None else list(families)
    unknown = [n for n in names if n not in FAMILIES_BY_NAME]
    if unknown:
        raise ValueError(f"unknown code families {unknown}; known: {sorted(FAMILIES_BY_NAME)}")
    return ProceduralSource([FAMILIES_BY_NAME[n] for n in names], seed=seed, domain="code",
                            family_weights=weights)


__all__ = ["ALL_FAMILIES", "FAMILIES_BY_NAME", "CodeFamily", "StdioVariant", "Variant",
           "make_code_source"]
