"""Procedural Verilog task families and the source that draws from them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ....core.tasks import ProceduralSource
from .combinational import COMBINATIONAL
from .sequential import SEQUENTIAL

FAMILIES = {f.name: f for f in (*COMBINATIONAL, *SEQUENTIAL)}


def make_verilog_source(seed: int = 0, families: Sequence[str] | None = None,
                        weights: Mapping[str, float] | None = None) -> ProceduralSource:
    """A `ProceduralSource` over the named families (None: all of them)."""
    names = list(families) if families is not None else sorted(FAMILIES)
    unknown = [n for n in names if n not in FAMILIES]
    if unknown:
        raise ValueError(f"unknown Verilog families {unknown}; known: {sorted(FAMILIES)}")
    return ProceduralSource([FAMILIES[n] for n in names], seed=seed, domain="verilog",
                            family_weights=weights)
