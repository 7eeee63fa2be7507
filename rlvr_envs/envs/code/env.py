"""rlvr/Code-v0: write Python that passes hidden tests run in the sandbox."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...core import Task, TaskSource, Verdict
from ...core.sandbox import Sandbox
from ...core.submission import SubmissionEnv


class CodeEnv(SubmissionEnv):
    """Programming tasks judged by running the agent's Python on hidden tests.

    ## Description
    Each episode is one task: procedurally generated (8 families: strings, arrays,
    number_theory, parsing, simulation, dynamic_programming, graphs, data_structures; levels
    1-3; each task draws a variant, parameters stated in the statement that change the
    required behaviour, and names; tests computed by the reference specialised to those
    parameters, edge cases included) or loaded from records
    (HumanEval, MBPP, APPS/CodeContests/LiveCodeBench stdin/stdout, or the native schema in
    docs/envs/code.md). Tasks use one of three test styles: function tests, stdin/stdout tests
    or HumanEval-style `check(candidate)` code. The agent answers with code in a fenced block;
    after a failed submission it gets a programmer's digest and may resubmit.

    ## Action Space
    `UnicodeText(max_action_chars)`: the whole assistant message. Reasoning (`<think>`) is
    dropped; the code is the last ```` ```python ```` block defining the task's function
    (stdin/stdout: the last block reading stdin), joined with the blocks of helpers it uses
    (and, for programs, a block that only calls its `main()`); fences may be indented,
    blockquoted, tagged `py`/`python3` or untagged. A bare message that is Python defining
    the function is taken whole; for HumanEval the body completing the prompt is accepted.
    See docs/envs/code.md, "Extraction".

    ## Observation Space
    `UnicodeText`: the task statement (with public examples) on reset; after a failed attempt
    a digest: syntax error and line, load error, the first failing *public* test (input,
    expected, actual), time or memory limit exceeded, or "fails hidden tests"; at most 2000
    characters. Everything in it comes from runs that never held a hidden test's input
    (function tests: public and hidden tests run in separate processes; stdin/stdout: one
    process per test), except one bit per limit: whether a hidden run timed out, ran out of
    memory, flooded its output or used up the time budget. Hidden inputs and expected values
    never appear.

    ## Rewards
    On the step that ends the episode: with `partial=False` (default) 1 if every hidden test
    passes, else 0; with `partial=True` the fraction of hidden tests passed *above* the
    fraction the best task-independent stub passes on that task (constants, the most
    frequent expected value, echoes of the input): `(passed - floor) / (1 - floor)`, so a
    stub earns 0 and a full pass 1 (`details["stub_floor"]`). Multiplied by
    `attempt_rewards[k]` for attempt `k+1`. `reward_breakdown`: `tests_passed` (and
    `attempt_penalty` for later attempts). `details` carries `tests_passed_fraction`,
    `n_tests`, `n_passed`, `style`, `test_method` (`calls`, `stdout` or `check`), `budget_s`.

    ## Starting State
    `reset(seed=s)` draws a task; `options={"task_id": id}` replays one (procedural ids look
    like `arrays/d2/0/17`), `options={"difficulty": d}` draws at a level,
    `options={"task": {...}}` plays a record of any supported format.

    ## Episode End
    Terminated when every hidden test passes or after the last allowed attempt
    (`max_turns == max_attempts`). A sandbox infrastructure failure ends the episode with
    `verdict.infra_error = True` (drop such samples; they say nothing about the policy).

    ## Arguments
    | kwarg | type | default | meaning |
    |---|---|---|---|
    | `tasks` | list / path / Dataset / hub name | None | records (see Description); None: procedural |
    | `tasks_split` | str | "train" | split of a DatasetDict or hub dataset |
    | `task_seed` | int | 0 | seed of the procedural generators |
    | `families` | list[str] | None | procedural families to draw from (None: all) |
    | `family_weights` | dict[str, float] | None | sampling weights of families |
    | `difficulty` | int | None | fixed level 1-3 (None: any, or the curriculum's) |
    | `curriculum` | AdaptiveCurriculum / bool | None | adaptive difficulty |
    | `max_attempts` | int | 1 | submissions allowed per episode |
    | `attempt_rewards` | list[float] | 1, 0.5, 0.25, ... | reward factor for solving on attempt k |
    | `partial` | bool | False | reward the fraction of hidden tests passed |
    | `time_limit_s` | float | 10.0 | wall/CPU limit of one sandbox run (function/check) |
    | `test_time_limit_s` | float | 4.0 | per call (function) or per run (stdin/stdout) |
    | `budget_s` | float | None | sandbox time of all runs of one verification; None: `time_limit_s` + 1 s per further run; tests left when it is spent fail |
    | `memory_mb` | int | 512 | address-space limit of the program |
    | `sandbox` | Sandbox | None | sandbox to use (None: the shared `default_sandbox()`) |
    | `packages` | list[str] | () | installed packages programs may import (`["numpy"]`) |
    | `system_prompt` | str | see class | system message ("" for none) |
    | `max_action_chars` | int | 32768 | longest accepted message |

    ## Verification
    `rlvr_envs.envs.code.verify.verify_code(task, response)`. Function tests: return values
    come back as plain builtin values (a subclass as its base type's data, Fraction/Decimal
    by value) and are compared in the judge process with expected values the program never
    sees. stdin/stdout: the program's stdout is its answer, compared in the judge
    (normalized lines, optional float tolerance or checker; APPS and LiveCodeBench data use
    their harness's own rule). Check code: literal asserts (also `set(f(x)) == ...`,
    `math.isclose(f(x), ...)`) are turned into judge-side comparisons; other check code runs
    `check()` in a test process beside the candidate's, which answers calls with plain values
    (`test_method="check"`). Exit codes, stderr and printed claims never decide a pass. The
    program's file system is a minimal root (interpreter, standard library, the task's
    `packages`): the project, its reference solutions and task data are absent; kernel
    keyrings and user namespaces are refused and each run's memory is capped in total.
    Without root that isolation is impossible: `details["isolation_warning"]` says so. Not
    caught: solutions that hard-code the hidden tests' answers they could guess, weak test
    sets, and sandbox escapes through kernel bugs (docs/envs/code.md, docs/sandbox.md).

    ## Vectorized environment
    `gym.make_vec("rlvr/Code-v0", num_envs=n, vectorization_mode="sync")`; the shared sandbox
    is thread-safe and runs `os.cpu_count()` programs at once. Async vector envs work too
    (each worker process starts its own sandbox).

    ## Version History
    * v0: initial release.
    """

    domain = "code"
    default_system_prompt = (
        "You are an expert Python programmer. Think about the problem and its edge cases, then "
        "give your complete solution in one ```python code block."
    )

    outcome_component = "tests_passed"
    retry_instruction = "Send the complete corrected code in a ```python block."

    def __init__(self, *, partial: bool = False, families: Sequence[str] | None = None,
                 family_weights: Mapping[str, float] | None = None, time_limit_s: float = 10.0,
                 test_time_limit_s: float = 4.0, memory_mb: int = 512,
                 sandbox: Sandbox | None = None, packages: Sequence[str] = (),
                 budget_s: float | None = None, **kwargs: Any) -> None:
        if not (time_limit_s > 0 and test_time_limit_s > 0 and memory_mb > 0):
            raise ValueError("time_limit_s, test_time_limit_s and memory_mb must be positive, "
                             f"got {time_limit_s}, {test_time_limit_s}, {memory_mb}")
        if budget_s is not None and not budget_s > 0:
            raise ValueError(f"budget_s must be positive or None (scaled from the task), "
                             f"got {budget_s}")
        self.partial = bool(partial)
        self.families = list(families) if families is not None else None
        self.family_weights = dict(family_weights) if family_weights else None
        from .loaders import check_packages
        self.judge_options = {"time_limit_s": float(time_limit_s),
                              "test_time_limit_s": float(test_time_limit_s),
                              "memory_mb": int(memory_mb), "budget_s": budget_s,
                              "packages": check_packages(list(packages))}
        self.sandbox = sandbox
        self._report: Any = None
        super().__init__(**kwargs)

    def make_task_source(self, seed: int) -> TaskSource:
        from .families import make_code_source
        return make_code_source(seed=seed, families=self.families, weights=self.family_weights)

    def normalize_record(self, record: Mapping[str, Any]) -> Task:
        from .loaders import normalize_code_record
        return normalize_code_record(record)

    def initial_observation(self, task: Task) -> str:
        return str(task["prompt"]).strip()

    def verify(self, action: str) -> Verdict:
        from .verify import verify_code
        assert self.task is not None
        verdict, self._report = verify_code(self.task, action, sandbox=self.sandbox,
                                            partial=self.partial, **self.judge_options)
        return verdict

    def accepted_message(self, verdict: Verdict) -> str:
        return f"Accepted: {verdict.reason}."

    def rejected_message(self, verdict: Verdict) -> str:
        from .verify import digest
        return f"Not accepted: {verdict.reason}. {digest(self._report)}"

    def retry_feedback(self, verdict: Verdict) -> str:
        from .verify import digest
        return digest(self._report)

    def hack_strategies(self) -> list[Any]:
        """Code-v0's own task-independent attacks (`hacks.py`), for `rlvr audit --hacks`."""
        from .hacks import code_hack_strategies
        return code_hack_strategies()

    def oracle_action(self) -> str:
        assert self.task is not None, "call reset() first"
        return f"Here is my solution.\n\n```python\n{self.task['reference']}\n```"

    @staticmethod
    def audit_verdict(case: Mapping[str, Any]) -> Verdict:
        """Verdict for one audit case: `task_id` (procedural, seed in the id) or inline
        `task` (any supported record format), and `response`."""
        from .families import make_code_source
        from .loaders import normalize_code_record
        from .verify import verify_code
        if case.get("task") is not None:
            task = normalize_code_record(case["task"])
        else:
            task = make_code_source().get(str(case["task_id"]))
        verdict, _ = verify_code(task, str(case["response"]), time_limit_s=5.0,
                                 test_time_limit_s=2.0)
        return verdict
