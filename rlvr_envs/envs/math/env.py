"""rlvr/Math-v0: math problems with typed, hedge-proof answer checking."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from ...core import Task, TaskSource, Verdict
from ...core.submission import SubmissionEnv

ANSWER_INSTRUCTION = "Put your final answer in \\boxed{}."


class MathEnv(SubmissionEnv):
    """Math problems whose final answer is checked by a typed verifier.

    ## Description
    Each episode is one problem: procedurally generated (15 families over integers,
    fractions, decimals, radicals, expressions, equations, solution sets, tuples, intervals,
    matrices and multiple choice, each with difficulty levels) or loaded from data (GSM8K,
    MATH/MATH-500 or generic `{question, answer}` records). The agent answers in free text;
    its final answer (the last `\\boxed{}`) is extracted, parsed and compared with the gold
    answer by type. After a wrong answer the env may allow further attempts.

    ## Action Space
    `UnicodeText(max_action_chars)`: the whole assistant message, any Unicode text.
    Longer messages are refused unread (the attempt is used up).

    ## Observation Space
    `UnicodeText`: the problem on reset; after a wrong attempt (with `max_attempts > 1`),
    feedback saying the answer was wrong (and why, for a missing or hedged answer). No
    observation quotes the gold answer or says that a rejected answer had the right value
    (not a plain value, not the form asked), the last one included;
    `info["verdict"]["reason"]` on the last step does, for humans.

    ## Rewards
    On the step that ends the episode: `attempt_rewards[k]` for a correct answer on
    attempt `k+1` (default 1.0, 0.5, 0.25, ...), else 0. `info["verdict"]["reward_breakdown"]`
    holds `correct` (1 or 0) and `attempt_penalty` (the negative difference for later
    attempts). Intermediate steps give 0.

    ## Starting State
    `reset(seed=s)` draws a task from the seeded task source; `options={"task_id": id}`
    replays a task, `options={"difficulty": d}` draws at level `d`, `options={"task": {...}}`
    plays a task given as a record.

    ## Episode End
    Terminated on a correct answer or when the last attempt was wrong; `truncated` never
    occurs before the attempts run out (`max_turns == max_attempts`).

    ## Arguments
    | kwarg | type | default | meaning |
    |---|---|---|---|
    | `tasks` | list / path / Dataset / hub name | None | your tasks (schema in docs/envs/math.md); None: procedural |
    | `tasks_split` | str | "train" | split when `tasks` is a DatasetDict or a hub name |
    | `task_seed` | int | 0 | seed of the procedural generators |
    | `families` | list[str] | None | procedural families to draw from (None: all) |
    | `family_weights` | dict[str, float] | None | sampling weights of families |
    | `difficulty` | int | None | fixed level (None: any level, or the curriculum's) |
    | `curriculum` | AdaptiveCurriculum / bool | None | adaptive difficulty (True: default settings) |
    | `max_attempts` | int | 1 | answers allowed per episode |
    | `attempt_rewards` | list[float] | 1, 0.5, 0.25, ... | reward for solving on attempt k |
    | `verify_timeout` | float | 3.0 | seconds one verification may take |
    | `accept_approximations` | bool | True | accept a decimal answer (4+ significant digits) that is an exact gold rounded or truncated (`0.3333` for 1/3), unless the task asks for an exact form |
    | `system_prompt` | str | see class | system message ("" for none) |
    | `max_action_chars` | int | 32768 | longest accepted message |

    ## Chance level
    `chance_level = 0.015`: the mean reward of a task-independent answer on the default
    procedural mix, all of it from guessing a letter on multiple choice (1/15 of the tasks,
    4 or 5 options). Constant values, special values (`\\infty`, `\\frac{1}{0}`, `zoo`,
    `nan`), free variables, generic forms and the question's own expressions boxed
    unevaluated earn nothing (`hack_strategies()` adds those echoes and formula templates
    to `rlvr audit --hacks`). On your own multiple-choice data with k options, chance is 1/k.

    ## Verification
    `rlvr_envs.envs.math.verify.verify_math(task, response)`: see docs/verifiers/math.md for
    the answer contract, the comparison per type, the plain-value and echo rules (an answer
    equal to the gold must be a plain value, not the question's expression restated), the
    forms a question's wording asks for, and what it is known not to catch (answers in
    words, unit conversions, reasoning that reaches the right answer by luck).

    ## Vectorized environment
    `gym.make_vec("rlvr/Math-v0", num_envs=n, vectorization_mode="sync")`; observations come
    as tuples of strings. Verification runs in a bounded worker process, so async vector
    envs work too.

    ## Version History
    * v0: initial release.
    """

    domain = "math"
    # Guessing one letter on the multiple_choice family (1 of 15 families, 4 options at
    # levels 1-2 and 5 at levels 3-5): (1/15) * (2/5 * 1/4 + 3/5 * 1/5) = 0.0147. Every
    # other family has no task-independent answer above zero. A dataset of k-option
    # questions (tasks=) has chance 1/k.
    chance_level: ClassVar[float] = 0.015
    default_system_prompt = (
        "You are a careful mathematician. Reason step by step, then give exactly one final "
        "answer in \\boxed{}."
    )

    retry_instruction = ANSWER_INSTRUCTION

    def __init__(self, *, families: Sequence[str] | None = None,
                 family_weights: Mapping[str, float] | None = None,
                 verify_timeout: float = 3.0, accept_approximations: bool = True,
                 **kwargs: Any) -> None:
        self.families = list(families) if families is not None else None
        self.family_weights = dict(family_weights) if family_weights else None
        self.verify_timeout = float(verify_timeout)
        self.accept_approximations = bool(accept_approximations)
        super().__init__(**kwargs)

    def make_task_source(self, seed: int) -> TaskSource:
        from .families import make_math_source
        return make_math_source(seed=seed, families=self.families, weights=self.family_weights)

    def normalize_record(self, record: Mapping[str, Any]) -> Task:
        from .loaders import normalize_math_record
        return normalize_math_record(record)

    def initial_observation(self, task: Task) -> str:
        text = str(task["question"]).strip()
        if task.get("choices"):
            options = "\n".join(f"({chr(65 + i)}) {_as_math(c)}"
                                 for i, c in enumerate(task["choices"]))
            text += f"\n\n{options}\n\nAnswer with the letter of the correct option."
        return f"{text}\n\n{ANSWER_INSTRUCTION}"

    def verify(self, action: str) -> Verdict:
        from .verify import verify_math
        return verify_math(self.task, action, timeout=self.verify_timeout,
                           approximate=self.accept_approximations)

    def retry_feedback(self, verdict: Verdict) -> str:
        return f"That is not correct ({_feedback(verdict)})."

    def rejected_message(self, verdict: Verdict) -> str:
        # The last observation never quotes the gold ("wrong: 0 is not 13"): a transcript
        # fed back to a policy would teach the answer. `verdict.reason` keeps it for humans.
        return f"Incorrect ({_feedback(verdict)})."

    def oracle_action(self) -> str:
        assert self.task is not None, "call reset() first"
        return f"The answer is as follows.\n\n\\boxed{{{self.task['answer']}}}"

    def answer_perturbations(self, text: str) -> dict[str, str | None]:
        """The gold re-expressed in notations models use, for the audit's perturbation suite
        (`rlvr audit --perturb`): each must keep the reward of `text` (the oracle's message).
        A class that means nothing for this gold is None."""
        from .extract import gold_answer
        from .loaders import infer_answer_type

        assert self.task is not None, "call reset() first"
        gold = gold_answer(str(self.task["answer"]))
        kind = self.task.get("answer_type") or infer_answer_type(gold)
        integer = re.fullmatch(r"-?\d+", gold) is not None
        out: dict[str, str | None] = {
            "dfrac": text.replace("\\frac", "\\dfrac") if "\\frac" in text else None,
            "left_right": text.replace("(", "\\left(").replace(")", "\\right)")
            if "(" in gold and "\\begin" not in gold else None,
            "minerva": f"Final Answer: The final answer is ${gold}$. I hope it is correct.",
            "inline_math": f"Putting it together, the answer is ${gold}$.",
            "gsm8k_hashes": f"Adding it all up.\n#### {gold}" if integer else None,
            "thousands_separator": f"\\boxed{{{int(gold):,}}}".replace(",", "{,}")
            if integer and abs(int(gold)) >= 1000 else None,
            "named_value": f"\\boxed{{x = {gold}}}" if kind in ("integer", "number") else None,
            "mcq_text": f"\\boxed{{\\text{{({gold})}}}}" if kind == "mcq" else None,
        }
        return out

    def hack_strategies(self) -> list[Any]:
        """Math's own strategies for the hack search: the question's expressions boxed
        unevaluated, formulas filled with its numbers, task-independent answers."""
        from .hacks import math_hack_strategies
        return math_hack_strategies()

    @staticmethod
    def audit_verdict(case: Mapping[str, Any]) -> Verdict:
        """Verdict for one audit-corpus case (`gold`, `response`, optional type/choices,
        `question` and `form`, which decide rounding, percent and exact-form rules)."""
        from .verify import verify_math
        task = {"answer": case["gold"], "answer_type": case.get("answer_type"),
                "choices": case.get("choices")}
        for key in ("question", "form"):
            if case.get(key):
                task[key] = case[key]
        return verify_math(task, case["response"])


def _as_math(choice: object) -> str:
    """An option as it should read: LaTeX wrapped in `$...$`, plain words as they are."""
    text = str(choice)
    return f"${text}$" if any(c in text for c in "\\^_{") and "$" not in text else text


def _feedback(verdict: Verdict) -> str:
    """What to tell the agent after a wrong attempt: the reason when it is about the
    format (no answer, hedging), never anything derived from the gold answer."""
    reason = verdict.reason
    if reason.startswith(("no final answer", "hedged", "verification timed out")):
        return reason
    return "wrong answer"
