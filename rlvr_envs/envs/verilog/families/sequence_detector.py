"""Sequence detector: a bit pattern on a serial input, Moore or Mealy, overlapping or not."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from ._common import (
    CLOCKS,
    NamePicker,
    always_head,
    describe_reset,
    make_task,
    on,
    port,
    reset_spec,
)

INPUTS = ("x", "din", "bit_in", "serial", "s_in")
OUTPUTS = ("found", "match", "detect", "hit", "z")


@dataclass(frozen=True)
class SequenceDetector:
    """Detector of an n-bit pattern (n: 3-4, 4-5, 6-8 by level). Level 1: Moore output,
    overlapping matches; from 2 also Mealy outputs and non-overlapping matches (more often
    at level 3)."""
    name: str = "sequence_detector"
    difficulties: tuple[int, ...] = (1, 2, 3)

    def generate(self, rng: random.Random, difficulty: int) -> dict[str, Any]:
        names = NamePicker(rng)
        clock = names(CLOCKS)
        reset = reset_spec(rng, names)
        n = rng.randint(*{1: (3, 4), 2: (4, 5), 3: (6, 8)}[difficulty])
        pattern = "".join(rng.choice("01") for _ in range(n))
        mealy = rng.random() < {1: 0.0, 2: 0.3, 3: 0.5}[difficulty]
        overlap = rng.random() < {1: 1.0, 2: 0.7, 3: 0.5}[difficulty]
        x, found = names(INPUTS), names(OUTPUTS)
        ports = [port(clock, "input"), port(reset["name"], "input"), port(x, "input"),
                 port(found, "output")]
        head, cond = always_head(clock, reset)
        # hist: the last samples since the history was cleared, seen: how many (saturating)
        keep = n - 1 if mealy else n
        cb = keep.bit_length()
        shift = f"{{hist[{keep - 2}:0], {x}}}"
        if mealy:
            hit = f"(seen == {cb}'d{keep}) && ({{hist, {x}}} == {n}'b{pattern})"
        else:
            hit = f"(seen == {cb}'d{keep}) && (hist == {n}'b{pattern})"
        step = (f"begin hist <= {shift}; if (seen != {cb}'d{keep}) seen <= seen + 1'b1; end")
        if overlap:
            update = f"    else {step}"
        elif mealy:  # the sample that completes a match is consumed with it
            update = f"    else if ({found}) seen <= {cb}'d0;\n    else {step}"
        else:  # the sample after a match starts the next one
            update = f"    else if ({found}) begin hist <= {shift}; seen <= {cb}'d1; end\n    else {step}"
        body = (f"  reg [{keep - 1}:0] hist;\n  reg [{cb - 1}:0] seen;\n  assign {found} = {hit};\n"
                f"  {head}\n    if ({cond}) begin hist <= {keep}'d0; seen <= {cb}'d0; end\n{update}")
        text = (f"A detector of the bit sequence {pattern} (first bit first) on the serial "
                f"input {x}, which is sampled at each rising edge of {clock}. ")
        if mealy:
            text += (f"{found} is combinational (Mealy): it is 1 exactly while the last {n - 1} "
                     f"samples followed by the current value of {x} are {pattern}, and 0 "
                     "otherwise. ")
        else:
            text += (f"{found} is 1 exactly during the clock cycle after the edge at which the "
                     f"last {n} samples were {pattern} (Moore), and 0 otherwise. ")
        if overlap:
            text += "Overlapping occurrences all count (a sample may belong to several). "
        elif mealy:
            text += (f"Occurrences do not overlap: when {found} is 1 at a rising edge, that "
                     f"edge's sample completes the occurrence, and all samples up to and "
                     f"including it are forgotten; the next occurrence consists of {n} later "
                     "samples. ")
        else:
            text += (f"Occurrences do not overlap: once an occurrence has been reported, its "
                     f"samples are forgotten; the next occurrence consists of {n} samples all "
                     "taken after it. ")
        text += ("Only samples taken since reset was released count. "
                 + describe_reset("all history is cleared (samples taken under reset do not "
                                  "count)"))
        stim = {"cycles": 400, "directed": _occurrences(rng, pattern, x, reset, mealy)}
        return make_task(rng, text, ports, body, clock=clock, reset=reset, stimulus=stim)


def _occurrences(rng: random.Random, pattern: str, x: str, reset: dict[str, Any],
                 mealy: bool) -> list[dict[str, int]]:
    """Serial input right after reset that holds the pattern several times: alone, twice
    overlapping (when it can overlap itself), and with one bit flipped; twice the reset is
    asserted while found is 1 (sync and async resets differ only then). Random bits contain
    an n-bit pattern once in 2^n cycles, so without these a detector that never fires, or
    one for another pattern, would often pass."""
    n = len(pattern)
    border = next((k for k in range(n - 1, 0, -1) if pattern[:k] == pattern[n - k:]), 0)
    vectors: list[dict[str, int]] = []
    for rep in range(4):
        flip = rng.randrange(n)
        near = pattern[:flip] + ("1" if pattern[flip] == "0" else "0") + pattern[flip + 1:]
        lead = "".join(rng.choice("01") for _ in range(rng.randint(0, 3)))
        bits = lead + pattern + pattern[border:] + near
        found_at = len(lead) + n - (1 if mealy else 0)  # the cycle in which found is 1
        for k, b in enumerate(bits):
            vectors.append({x: int(b)})
            if rep % 2 and k == found_at:
                vectors[-1][reset["name"]] = on(reset)
    return vectors
