"""Procedural Verilog task families (one file each) and the source that draws from them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ....core.tasks import ProceduralSource
from .arithmetic import Arithmetic
from .counter import Counter
from .decoder import Decoder
from .edge_detector import EdgeDetector
from .fifo import Fifo
from .fsm import RandomFSM
from .mux import Mux
from .popcount import Popcount
from .priority_encoder import PriorityEncoder
from .sequence_detector import SequenceDetector
from .shift_register import ShiftRegister
from .truth_table import TruthTable

COMBINATIONAL = (Mux(), Decoder(), PriorityEncoder(), Arithmetic(), Popcount(), TruthTable())
SEQUENTIAL = (Counter(), ShiftRegister(), EdgeDetector(), SequenceDetector(), RandomFSM(),
              Fifo())
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
