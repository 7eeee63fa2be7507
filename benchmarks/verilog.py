"""Benchmark: Verilog verifications per second on generated tasks, and where the time goes.

    python benchmarks/verilog.py [--tasks 96] [--threads 1 2] [--repeat 1]

Each verification is one `verify_verilog(task, response)`: lint, testbench generation, and
one sandbox run that compiles (iverilog) and simulates (vvp). Half the responses are the
golden reference renamed (pass), half a wrong design that drives every output to 0 (fail,
same cost). Tasks cycle through every family and level (seed 0). The time split comes from
the verdict's details: `testbench_s` (lint + generation, in the judge), `compile_s` and
`simulate_s` (wall time of each stage, measured inside the sandbox by the driver, which also
reports their CPU time), and the rest of `run_s` (sandbox fork, namespaces, file transfer,
the driver's own fork/exec and exits) as overhead. `--repeat R` verifies each task R times in
a row (a GRPO group): the judge caches each reference's trace, so only a task's first
verification simulates the reference. The cache is emptied before each thread count.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rlvr_envs.envs.verilog import simulate  # noqa: E402
from rlvr_envs.envs.verilog.env import to_top_module  # noqa: E402
from rlvr_envs.envs.verilog.families import FAMILIES, make_verilog_source  # noqa: E402
from rlvr_envs.envs.verilog.simulate import verify_verilog  # noqa: E402


def workload(n: int, repeat: int = 1) -> list[tuple[dict[str, Any], str, bool]]:
    """(task, response, whether it must pass) for `n` tasks, each `repeat` times."""
    source = make_verilog_source(seed=0)
    combos = [(name, level) for name, fam in sorted(FAMILIES.items())
              for level in fam.difficulties]
    items = []
    for i in range(n):
        name, level = combos[i % len(combos)]
        task = source.build(name, level, i)
        if i % 2 == 0:
            design = to_top_module(task["reference"])
        else:
            ports = ", ".join(f"{p['dir']} [{p['width'] - 1}:0] {p['name']}"
                              for p in task["ports"])
            outs = "".join(f"  assign {p['name']} = 0;\n" for p in task["ports"]
                           if p["dir"] == "output")
            design = f"module TopModule({ports});\n{outs}endmodule\n"
        items += [(task, f"```verilog\n{design}```", i % 2 == 0)] * repeat
    return items


def run(items: list[tuple[dict[str, Any], str, bool]], threads: int) -> dict[str, Any]:
    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        verdicts = list(pool.map(lambda it: verify_verilog(it[0], it[1]), items))
    wall = time.perf_counter() - start
    wrong = [i for i, (v, it) in enumerate(zip(verdicts, items)) if v.passed != it[2]]
    assert not wrong, f"verdicts {wrong[:5]} differ: only the references should pass"
    times = [v.details["times"] for v in verdicts]
    split = {key: statistics.mean(t.get(key, 0.0) for t in times) * 1000
             for key in ("testbench_s", "compile_s", "simulate_s", "run_s",
                         "compile_cpu_s", "simulate_cpu_s")}
    split["overhead_s"] = split["run_s"] - split["compile_s"] - split["simulate_s"]
    samples = statistics.mean(v.details["samples"] for v in verdicts)
    return {"threads": threads, "n": len(items), "per_s": len(items) / wall, "split_ms": split,
            "samples": samples}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=96)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=1, help="verifications per task")
    args = parser.parse_args()
    items = workload(args.tasks, args.repeat)
    verify_verilog(*workload(1)[0][:2])  # start the sandbox's zygote outside the timing
    print("| threads | verifications | per second | testbench (ms) | compile (ms) | "
          "simulate (ms) | compile CPU (ms) | simulate CPU (ms) | sandbox overhead (ms) | "
          "samples/verification |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for threads in args.threads:
        getattr(simulate, "_REF_TRACES", {}).clear()   # every run starts without cached traces
        r = run(items, threads)
        s = r["split_ms"]
        print(f"| {threads} | {r['n']} | {r['per_s']:.1f} | {s['testbench_s']:.2f} | "
              f"{s['compile_s']:.1f} | {s['simulate_s']:.1f} | {s['compile_cpu_s']:.1f} | "
              f"{s['simulate_cpu_s']:.1f} | {s['overhead_s']:.1f} | "
              f"{r['samples']:.0f} |")


if __name__ == "__main__":
    main()
