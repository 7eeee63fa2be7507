"""Generated testbenches: one stimulus, run once around the reference and once around the design.

`generated_testbench(task, module, tag)` drives one module (`RefModule` or `TopModule`, never
both: the design's simulation does not contain the reference, so no name, hierarchical or
otherwise, can reach it) and writes a trace: one line per sample, `S <time> <inputs, hex>
<outputs, binary>`, then `DONE <samples>`. The in-sandbox driver runs the reference's bench
first, keeps its trace in memory, deletes its files, then runs the design's bench and compares
the two traces line by line; `Bench.samples` is the count both must have.

Stimulus (the same in both runs: `$random` from the task's seed, independent of the outputs):

* **Combinational**: every input combination when the inputs total at most `EXHAUSTIVE_BITS`
  bits; otherwise directed vectors, per input all-zeros/all-ones/MSB-only, `random` random
  vectors, then `BIASED_VECTORS` vectors in segments where each input follows a mode (zero,
  all ones, small, all-ones-minus-small, one-hot, a constant, a copy of an earlier input of the
  same width, or random; 1-bit inputs 1 with probability 0, 1/8, 1/2, 7/8 or 1). Outputs are
  sampled 1 ns after the inputs change.
* **Sequential**: reset for two cycles, the task's directed vectors, `cycles` random cycles
  (reset 1 cycle in 32 and once in the middle; `rare` inputs 1 cycle in 8), then
  `explore_cycles` cycles (default `EXPLORE_CYCLES`) in segments of 4-35 cycles, each with its
  own input modes as above and its own reset pattern (none, 1 in 32, 1 in 4, held for the
  first 1-3 cycles): long stretches with an enable held, data at its extremes and a load now
  and then are what reach a counter's wrap or a FIFO's full and empty states, and frequent
  resets test the behaviour during reset. Last, `releases` (default `RELEASES`) resets, each
  followed by `RELEASE_LENGTH` cycles in which the 1-bit inputs go through every 6-bit
  sequence: the behaviour right after reset (a detector that counts history from before
  or under reset fires early only for the right few bits after release). Per cycle the inputs
  change while the clock is low, outputs are sampled before the rising edge (Mealy) and 1 ns
  after it, then the data inputs change again while the clock is high (a latch would follow
  them) and are sampled again.

Comparison (strict): a sample mismatches when the design's output bits differ from the
reference's (`!==`: X or Z from the design where the reference has 0/1 is a mismatch), when the
reference has an X/Z bit (generated references never do once sampling starts), or when the
inputs of the line differ (the design changed the stimulus).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CLOCK_HALF_PERIOD = 5
#: combinational tasks with at most this many input bits (default) are tested exhaustively
EXHAUSTIVE_BITS = 12
#: sequential cycles of segment-wise biased stimulus after the plain random ones (default)
EXPLORE_CYCLES = 1000
#: resets after which 1-bit inputs run through every sequence of log2(RELEASES) bits (default)
RELEASES = 64
RELEASE_LENGTH = 6
#: combinational vectors of segment-wise biased stimulus after the random ones (default)
BIASED_VECTORS = 600
TRACE_FILE = "trace_{tag}.txt"
TASKS = ("sample", "cycle", "randomize", "run_all")
_WIDE_MODES = ("random", "zero", "ones", "small", "large", "onehot", "const", "copy")
_BIT_LEVELS = (0, 1, 4, 7, 8)          # P(1) in eighths
_RARE_LEVELS = (0, 1, 1, 2, 4)
_RESET_MODES = ("none", "none", "rare", "frequent", "start")


@dataclass(frozen=True)
class Bench:
    """A generated testbench: its text, top module, trace file, the samples it takes, and
    the port names of a trace line's fields (inputs then outputs)."""
    text: str
    top: str
    trace_file: str
    samples: int
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    tag: str = ""

    @property
    def scope_names(self) -> set[str]:
        """The testbench's tasks (a design could call them by upward name resolution)."""
        return {f"{name}_{self.tag}" for name in TASKS}


def _decl(width: int) -> str:
    return f"[{width - 1}:0] " if width > 1 else ""


def _random_expr(width: int) -> str:
    words = (width + 31) // 32
    return "{" + ", ".join(["$random(tb_seed)"] * words) + "}" if words > 1 else "$random(tb_seed)"


def generated_testbench(task: Mapping[str, Any], module: str, tag: str) -> Bench:
    """The testbench of a generated task around `module` (see the module docstring). Its
    tasks are named `<what>_<tag>` (`tag`: fresh random hex): Verilog resolves a simple task
    name upward through the instance hierarchy, so a design calling `randomize;` would run
    the testbench's own task."""
    ports = task["ports"]
    clock = task.get("clock")
    reset = task.get("reset") or None
    ins = [p for p in ports if p["dir"] == "input" and p["name"] != clock]
    data_ins = [p for p in ins if not reset or p["name"] != reset["name"]]
    outs = [p for p in ports if p["dir"] == "output"]
    stim = task.get("stimulus", {})
    seed = int(stim.get("seed", 1))
    trace = TRACE_FILE.format(tag=tag)
    lines = ["`timescale 1ns/1ps", "module tb;",
             "  integer tb_fd, tb_samples, tb_i, tb_seed, tb_r, tb_j;", "  reg tb_sampling;"]
    for p in ins + ([{"name": clock, "width": 1}] if clock else []):
        lines.append(f"  reg {_decl(p['width'])}{p['name']};")
    for p in outs:
        lines.append(f"  wire {_decl(p['width'])}tb_out_{p['name']};")
    conns = [f".{p['name']}({p['name']})" for p in ins]
    conns += [f".{clock}({clock})"] if clock else []
    conns += [f".{p['name']}(tb_out_{p['name']})" for p in outs]
    lines.append(f"  {module} mut_i ({', '.join(conns)});")
    fmt = " ".join(["%0d"] + ["%h"] * len(ins) + ["%b"] * len(outs))
    args = ", ".join(["$time"] + [p["name"] for p in ins] + [f"tb_out_{p['name']}" for p in outs])
    lines += ["  task @sample@;", "    begin", "      tb_samples = tb_samples + 1;",
              f'      $fdisplay(tb_fd, "S {fmt}", {args});', "    end", "  endtask"]
    rng = random.Random(seed)
    if clock:
        body, cycles = _sequential_body(data_ins, reset, clock, stim, rng)
        samples = 3 * cycles - 1   # the check before the first rising edge is skipped
    else:
        body, samples = _combinational_body(data_ins, stim, rng)
    lines += body
    lines += [
        "  initial begin",
        f'    tb_fd = $fopen("{trace}", "w");',
        f"    tb_samples = 0; tb_sampling = 0; tb_seed = {seed};",
        "    @run_all@;",
        '    $fdisplay(tb_fd, "DONE %0d", tb_samples);',
        "    $fclose(tb_fd);",
        "    $finish;",
        "  end",
        f"  initial begin #{int(stim.get('time_limit', 10_000_000))};",
        '    $fdisplay(tb_fd, "TIMEOUT"); $fclose(tb_fd); $finish;',
        "  end",
        "endmodule",
    ]
    text = "\n".join(lines) + "\n"
    for name in TASKS:   # '@' cannot occur in a port name
        text = text.replace(f"@{name}@", f"{name}_{tag}")
    return Bench(text, "tb", trace, samples, tuple(p["name"] for p in ins),
                 tuple(p["name"] for p in outs), tag)


def _assign_directed(data_ins: list[dict[str, Any]], vector: Mapping[str, int]) -> str:
    return " ".join(f"{p['name']} = {p['width']}'d{int(vector.get(p['name'], 0))};"
                    for p in data_ins)


def _mode_expr(p: Mapping[str, Any], mode: Any, earlier: list[dict[str, Any]],
               rng: random.Random) -> str:
    """A Verilog expression for input `p` in a biased segment."""
    w = p["width"]
    if w == 1:
        return "1'b0" if mode == 0 else "1'b1" if mode == 8 else f"(($random(tb_seed) & 7) < {mode})"
    if mode == "copy":
        same = [q for q in earlier if q["width"] == w]
        return same[-1]["name"] if same else _random_expr(w)
    ones = f"{{{w}{{1'b1}}}}"
    return {"zero": f"{w}'d0", "ones": ones, "small": "($random(tb_seed) & 3)",
            "large": f"({ones} ^ ($random(tb_seed) & 3))",
            "onehot": f"({w}'d1 << (($random(tb_seed) & 32'h7fffffff) % {w}))",
            "const": f"{w}'d{rng.getrandbits(w)}"}.get(mode, _random_expr(w))


def _draw_modes(data_ins: list[dict[str, Any]], rare: set[str],
                rng: random.Random) -> dict[str, Any]:
    return {p["name"]: (rng.choice(_RARE_LEVELS if p["name"] in rare else _BIT_LEVELS)
                        if p["width"] == 1 else rng.choice(_WIDE_MODES)) for p in data_ins}


def _biased_assignments(data_ins: list[dict[str, Any]], modes: Mapping[str, Any],
                        rng: random.Random) -> str:
    return " ".join(f"{p['name']} = {_mode_expr(p, modes[p['name']], data_ins[:k], rng)};"
                    for k, p in enumerate(data_ins))


def _combinational_body(data_ins: list[dict[str, Any]], stim: Mapping[str, Any],
                        rng: random.Random) -> tuple[list[str], int]:
    total = sum(p["width"] for p in data_ins)
    body = ["  task @run_all@;", "    begin"]
    if total <= int(stim.get("exhaustive_bits", EXHAUSTIVE_BITS)):
        cat = "{" + ", ".join(p["name"] for p in data_ins) + "}"
        body += [f"      for (tb_i = 0; tb_i < {1 << total}; tb_i = tb_i + 1) begin",
                 f"        {cat} = tb_i; #1 @sample@; #1;", "      end"]
        return body + ["    end", "  endtask"], 1 << total
    body.append("      " + " ".join(f"{p['name']} = 0;" for p in data_ins))
    directed = list(stim.get("directed", []))
    for vector in directed:
        body.append(f"      {_assign_directed(data_ins, vector)} #1 @sample@; #1;")
    for p in data_ins:  # edge values per input: all zeros, all ones, MSB only
        w = p["width"]
        for value in ("0", f"{{{w}{{1'b1}}}}", f"{w}'d1 << {w - 1}"):
            body.append(f"      {p['name']} = {value}; #1 @sample@; #1;")
    n_random = int(stim.get("random", 1000))
    body += [f"      for (tb_i = 0; tb_i < {n_random}; tb_i = tb_i + 1) begin",
             "        " + " ".join(f"{p['name']} = {_random_expr(p['width'])};"
                                   for p in data_ins) + " #1 @sample@; #1;", "      end"]
    biased = int(stim.get("biased", BIASED_VECTORS))
    done = 0
    while done < biased:
        n = min(biased - done, rng.randint(4, 35))
        assign = _biased_assignments(data_ins, _draw_modes(data_ins, set(), rng), rng)
        body += [f"      for (tb_i = 0; tb_i < {n}; tb_i = tb_i + 1) begin",
                 f"        {assign} #1 @sample@; #1;", "      end"]
        done += n
    samples = len(directed) + 3 * len(data_ins) + n_random + biased
    return body + ["    end", "  endtask"], samples


def _sequential_body(data_ins: list[dict[str, Any]], reset: Mapping[str, Any] | None,
                     clock: str, stim: Mapping[str, Any],
                     rng: random.Random) -> tuple[list[str], int]:
    """The clocked stimulus and the number of clock cycles it runs."""
    on, off = ("1'b0", "1'b1") if reset and reset.get("active_low") else ("1'b1", "1'b0")
    rare = set(stim.get("rare", ()))
    h = CLOCK_HALF_PERIOD
    body = [f"  initial {clock} = 1'b0;",
            # one clock cycle: inputs change while the clock is low and the design is sampled
            # before the rising edge (Mealy outputs) and after it (registered outputs); then
            # the data inputs change again while the clock is high, which a flip-flop ignores
            # and a latch does not
            "  task @cycle@;", "    begin",
            f"      #2 if (tb_sampling) @sample@; #{h - 2} {clock} = 1'b1;",
            f"      #1 tb_sampling = 1; @sample@; #1 @randomize@; #1 @sample@; "
            f"#{h - 3} {clock} = 1'b0;",
            "    end", "  endtask",
            "  task @randomize@;", "    begin"]
    for p in data_ins:
        expr = ("(($random(tb_seed) & 7) == 0)" if p["name"] in rare and p["width"] == 1
                else _random_expr(p["width"]))
        body.append(f"      {p['name']} = {expr};")
    body += ["    end", "  endtask", "  task @run_all@;", "    begin"]
    rst = reset["name"] if reset else None
    cycles = 2 if rst else 1
    if rst:
        body.append(f"      {rst} = {on}; @randomize@; @cycle@; @cycle@; {rst} = {off};")
    else:
        body.append("      @randomize@; @cycle@;")
    for vector in stim.get("directed", []):
        # a directed vector may name the reset too (its level; released when it does not), to
        # assert it in a chosen state: random resets rarely land on a rare output
        level = f" {rst} = 1'b{int(vector[rst])};" if rst in vector else f" {rst} = {off};"
        body.append(f"      {_assign_directed(data_ins, vector)}{level if rst else ''} @cycle@;")
        cycles += 1
    n = int(stim.get("cycles", 300))
    body += [f"      for (tb_i = 0; tb_i < {n}; tb_i = tb_i + 1) begin", "        @randomize@;"]
    if rst:
        body += [f"        {rst} = ((($random(tb_seed) & 31) == 0) || tb_i == {n // 2}) ? {on} : {off};"]
    body += ["        @cycle@;", "      end"]
    cycles += n
    explore, done = int(stim.get("explore_cycles", EXPLORE_CYCLES)), 0
    while done < explore:
        length = min(explore - done, rng.randint(4, 35))
        assign = _biased_assignments(data_ins, _draw_modes(data_ins, rare, rng), rng)
        if rst:
            assign += f" {rst} = {_reset_expr(rng.choice(_RESET_MODES), on, off, rng)};"
        body += [f"      for (tb_i = 0; tb_i < {length}; tb_i = tb_i + 1) begin",
                 f"        {assign} @cycle@;", "      end"]
        done += length
    cycles += done
    if rst:
        cycles += _release_phase(body, data_ins, rst, on, off, stim)
    body += ["    end", "  endtask"]
    return body, cycles


def _release_phase(body: list[str], data_ins: list[dict[str, Any]], rst: str, on: str,
                   off: str, stim: Mapping[str, Any]) -> int:
    """`releases` times: one cycle of reset, then `RELEASE_LENGTH` cycles in which each 1-bit
    input follows the bits of the release's number, so that the first k cycles after the
    releases go through every k-bit sequence (k <= log2(releases)). A design that keeps
    some history across reset (counts samples taken before or under it) differs from the
    reference only when the inputs right after release complete what it remembers; random
    inputs do that once in 2^k releases. Returns the cycles it adds."""
    releases = int(stim.get("releases", RELEASES))
    if releases <= 0:
        return 0
    bits = [p for p in data_ins if p["width"] == 1]
    drive = " ".join(f"{p['name']} = (tb_r >> ((tb_j + {m}) % {RELEASE_LENGTH})) & 1;"
                     for m, p in enumerate(bits))
    body += [f"      for (tb_r = 0; tb_r < {releases}; tb_r = tb_r + 1) begin",
             f"        @randomize@; {rst} = {on}; @cycle@; {rst} = {off};",
             f"        for (tb_j = 0; tb_j < {RELEASE_LENGTH}; tb_j = tb_j + 1) begin",
             f"          @randomize@; {drive} @cycle@;", "        end", "      end"]
    return releases * (1 + RELEASE_LENGTH)


def _reset_expr(mode: str, on: str, off: str, rng: random.Random) -> str:
    if mode == "rare":
        return f"((($random(tb_seed) & 31) == 0) ? {on} : {off})"
    if mode == "frequent":
        return f"((($random(tb_seed) & 3) == 0) ? {on} : {off})"
    if mode == "start":
        return f"((tb_i < {rng.randint(1, 3)}) ? {on} : {off})"
    return off
