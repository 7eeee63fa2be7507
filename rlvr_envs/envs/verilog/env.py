"""rlvr/Verilog-v0: RTL from a spec, judged by a generated testbench against a golden model."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ...core import Task, TaskSource, Verdict
from ...core.submission import SubmissionEnv

ANSWER_INSTRUCTION = ("Answer with the complete design in one ```verilog block declaring "
                      "`module TopModule`. Do not use system tasks such as $display.")


class VerilogEnv(SubmissionEnv):
    """Write a Verilog module from a natural-language spec; a simulation decides.

    ## Description
    Each episode is one hardware design task: a spec, a port list, and a golden reference
    module (`RefModule`, hidden). Tasks are procedural (12 families, combinational: mux,
    decoder, priority_encoder, arithmetic, popcount, truth_table; sequential: counter,
    shift_register, edge_detector, sequence_detector, fsm, fifo; levels 1-3; every parameter
    drawn per task and stated in the spec: port names, widths, polarities, encodings) or
    VerilogEval v2 spec-to-rtl problems (`load_verilogeval(dir)`). The agent writes `module
    TopModule`. Its design is screened, compiled with Icarus Verilog and simulated with a
    testbench (generated tasks: apart from the reference, on the same stimulus); on failure
    the env answers with the compile errors, the first mismatch or the timeout, and the
    agent may resubmit.

    ## Action Space
    `UnicodeText(max_action_chars)`: the assistant message. Text up to the last `</think>` is
    reasoning; the design is `module TopModule` and every module it instantiates, collected
    from all fenced blocks (```` ``` ```` or `~~~`, any Verilog label or none) or, without a
    fence, from the `module ... endmodule` spans of the text; a later declaration replaces
    an earlier one and modules TopModule does not use (a testbench) are dropped.

    ## Observation Space
    `UnicodeText`: the spec on reset; after a failed attempt, feedback: lint or compile errors
    (file `TopModule.sv` with the design's own line numbers), or the first mismatch (time,
    inputs, expected and actual outputs) with the mismatch count, or the timeout.

    ## Rewards
    On the step that ends the episode: 1.0 when every compared output matched at every
    sample, else 0.0; with `partial=True`, `1 - mismatches / samples` for a design that
    compiled and ran to the end. `info["verdict"]["reward_breakdown"]` is
    `{"functional": reward}`; `details` has `compiled`, `samples`, `mismatches`,
    `mismatch_rate`, `first_mismatch`, `stage` and the time split. A design accepted on
    attempt `k` earns `attempt_rewards[k-1]` times that (default 1, 0.5, 0.25), the
    difference booked as the negative `attempt_penalty` component.

    ## Starting State
    `reset(seed=s)` draws a task; `options={"task_id": id}` replays one (ids look like
    `counter/d2/0/17`), `options={"difficulty": d}` draws at level d,
    `options={"task": {...}}` plays a task record (schema in docs/envs/verilog.md).

    ## Episode End
    Terminated on a passing design or after `max_attempts` designs; `max_turns ==
    max_attempts`, so truncation does not happen first.

    ## Arguments
    | kwarg | type | default | meaning |
    |---|---|---|---|
    | `tasks` | list / path / Dataset | None | task records (e.g. `load_verilogeval(dir)`); None: procedural |
    | `task_seed` | int | 0 | seed of the procedural generators |
    | `families` | list[str] | None | procedural families to draw from (None: all) |
    | `family_weights` | dict[str, float] | None | sampling weights of families |
    | `difficulty` | int | None | fixed level 1-3 (None: any, or the curriculum's) |
    | `curriculum` | AdaptiveCurriculum / bool | None | adaptive difficulty |
    | `max_attempts` | int | 3 | designs allowed per episode |
    | `attempt_rewards` | list[float] | 1, 0.5, 0.25 | reward factor for success on attempt k |
    | `partial` | bool | False | reward `1 - mismatch_rate` instead of pass/fail |
    | `sim_timeout` | float | 10.0 | cap on vvp's CPU seconds (the limit is max(2 s, 20x the reference's CPU time) up to this); not wall clock |
    | `system_prompt` | str | see class | system message ("" for none) |
    | `max_action_chars` | int | 32768 | longest accepted message |

    ## Verification
    `rlvr_envs.envs.verilog.simulate.verify_verilog(task, response)`. The design is read as
    Icarus reads it (its preprocessor's and lexer's rules; control characters rejected) and
    the text compiled is the text screened (comments blanked). It is rejected before
    simulation if it calls a system task or function other than pure ones ($signed,
    $countones, $clog2, $size, ...), uses a directive other than
    `timescale`/`default_nettype`/`resetall`, hierarchical names, a testbench task or block
    name, inout/force/release/defparam/bind, bidirectional switches (tran...), flips an
    interface port's direction, or declares a testbench or reference module name.
    Generated tasks state their exact interface: a design that declares a port the spec
    does not list, or gives a port another width than the spec's (Icarus would pad it, so
    one wide design would fit every narrower task of a family), is rejected. The reference
    and the design are simulated separately with the same stimulus (exhaustive for small
    input spaces; else the family's directed vectors, random, biased segments, every short
    input sequence after a reset) and their traces compared strictly (`!==`); the design's
    simulation holds no reference to name. VerilogEval tasks: the design sits on the
    testbench's own nets exactly as in VerilogEval's harness (same event timing at clock
    edges, its flags and file order), the testbench's names randomised; the judge reads only
    nonce'd lines of its record and requires the reference's sample count; reference X is a
    don't-care. Not caught: behaviour outside the stimulus, timing/synthesizability
    (zero-delay simulation). Limits are CPU time (sized from the reference's: max(2 s, 20x))
    and simulation time, so a verdict does not depend on machine load; a run the machine
    starved is `infra_error`. See docs/envs/verilog.md.

    ## Vectorized environment
    `gym.make_vec("rlvr/Verilog-v0", num_envs=n, vectorization_mode="sync")`. Each
    verification is one sandbox run (about 50-100 ms), so async vector envs help.

    ## Version History
    * v0: initial release.
    """

    domain = "verilog"
    default_system_prompt = ("You are an expert digital designer. Write synthesizable Verilog "
                             "that meets the spec exactly.")

    default_max_attempts = 3
    outcome_component = "functional"
    retry_instruction = ANSWER_INSTRUCTION

    def __init__(self, *, partial: bool = False,
                 families: Sequence[str] | None = None,
                 family_weights: Mapping[str, float] | None = None,
                 sim_timeout: float = 10.0, **kwargs: Any) -> None:
        from .simulate import require_iverilog
        require_iverilog()
        self.partial = bool(partial)
        self.families = list(families) if families is not None else None
        self.family_weights = dict(family_weights) if family_weights else None
        self.sim_timeout = float(sim_timeout)
        super().__init__(**kwargs)

    def make_task_source(self, seed: int) -> TaskSource:
        from .families import make_verilog_source
        return make_verilog_source(seed, self.families, self.family_weights)

    def normalize_record(self, record: Mapping[str, Any]) -> Task:
        from .loaders import normalize_verilog_record
        return normalize_verilog_record(record)

    def initial_observation(self, task: Task) -> str:
        return f"{str(task['spec']).strip()}\n\n{ANSWER_INSTRUCTION}"

    def verify(self, action: str) -> Verdict:
        from .simulate import verify_verilog
        return verify_verilog(self.task, action, partial=self.partial,
                              sim_timeout=self.sim_timeout)

    def hack_strategies(self) -> list[Any]:
        """The red team's lexer-gap attacks (backspace and friends), for `rlvr audit --hacks`."""
        from .hacks import lexer_gap_strategies
        return lexer_gap_strategies()

    def answer_perturbations(self, text: str) -> dict[str, str | None]:
        """The shapes models give a design (all must still pass): another fence, no fence,
        a testbench or a repeat after it, a draft in the reasoning, an SV label."""
        return verilog_perturbations(text)

    def accepted_message(self, verdict: Verdict) -> str:
        return "Correct: every output matched the reference."

    def rejected_message(self, verdict: Verdict) -> str:
        if verdict.infra_error:
            return f"Verification failed: {verdict.reason}"
        return f"Incorrect: {verdict.reason}"

    def retry_feedback(self, verdict: Verdict) -> str:
        return f"Your design is not correct yet.\n{verdict.reason}"

    def oracle_action(self) -> str:
        assert self.task is not None, "call reset() first"
        return "```verilog\n" + to_top_module(str(self.task["reference"])) + "```"

    @staticmethod
    def audit_verdict(case: Mapping[str, Any]) -> Verdict:
        """Verdict for one audit case: the task (a procedural id under `task_id`, built with
        seed 0, or a full record under `task`), the `response`, optional `sim_timeout`."""
        from .families import make_verilog_source
        from .loaders import normalize_verilog_record
        from .simulate import verify_verilog
        if case.get("task"):
            task = normalize_verilog_record(case["task"])
        else:
            task = make_verilog_source(0).get(str(case["task_id"]))
        return verify_verilog(task, str(case["response"]),
                              sim_timeout=float(case.get("sim_timeout", 10.0)))


def to_top_module(reference: str) -> str:
    """The reference module renamed to TopModule (the oracle's design)."""
    return re.sub(r"\bRefModule\b", "TopModule", reference)


_BENCH = ("module tb;\n  reg clk = 0;\n  always #5 clk = ~clk;\n  initial begin\n"
          '    $display("simulating");\n    #100 $finish;\n  end\nendmodule\n')


def verilog_perturbations(text: str) -> dict[str, str | None]:
    """Re-expressions of a message holding one ```verilog block (None where there is none)."""
    m = re.search(r"```verilog\n(.*?)```", text, re.S)
    if m is None:
        return {}
    code = m.group(1)
    return {
        "tilde-fence": text.replace(m.group(), f"~~~verilog\n{code}~~~"),
        "systemverilog-label": text.replace("```verilog", "```systemverilog", 1),
        "no-fence": text.replace(m.group(), f"Here is the design.\n\n{code}\nIt meets the "
                                 "spec."),
        "testbench-block-after": f"{text}\n\nA testbench to try it:\n```verilog\n{_BENCH}```",
        "repeated-block": f"{text}\n\nThe complete code again:\n{m.group()}",
        "draft-in-reasoning": ("<think>\nA first draft:\n```verilog\nmodule TopModule();\n"
                               f"endmodule\n```\nIt lacks the ports.\n</think>\n{text}"),
    }
