"""Correct answers in the forms models write them keep their reward; hedged ones earn nothing.

The gold solver's final answers are re-expressed programmatically (`phrasings.rephrasings`,
also composed two deep) over many seeds and every category and level, and hedged
(`phrasings.hedges`): nearby candidates, a bare list, a correction, a range, a table of
candidates, the slot's declared rivals.
"""

from __future__ import annotations

import copy
import random

import pytest

from rlvr_envs.core.tool_formats import TOOL_FORMATS
from rlvr_envs.envs.tooluse import ToolUseEnv
from rlvr_envs.envs.tooluse.env import _final_text
from rlvr_envs.envs.tooluse.facts import check_facts, number_fact, read_numbers
from rlvr_envs.envs.tooluse.phrasings import hedges, rephrasings
from rlvr_envs.envs.tooluse.reward import explained_numbers, score_episode
from rlvr_envs.envs.tooluse.tasks import CATEGORIES, LEVELS

ANSWERING = [c for c in CATEGORIES if c != "irrelevance"]
TERMINAL = {"markdown_table", "indexed_table", "value_on_next_line"}  # rebuilt from the facts
VALUE_STYLES = {"bold_value", "underscore_bold_value", "underscore_italic_value",
                "rounded_restatement", "value_glued", "value_code_first", "value_k",
                "value_minus", "value_thin", "value_narrow", "value_nbsp", "value_no_separator",
                "value_eu_dot", "value_eu_space", "value_eu_narrow", "value_space_dot",
                "value_locale_sign"}


def gold_episode(task_id: str, fmt: str = "hermes") -> ToolUseEnv:
    env = ToolUseEnv(tool_format=fmt)
    env.reset(options={"task_id": task_id})
    while True:
        _, _, terminated, truncated, info = env.step(env.oracle_action())
        if terminated or truncated:
            assert info["verdict"]["reward"] == 1.0, (task_id, info["verdict"])
            return env


def rescore(env: ToolUseEnv, k: int, text: str) -> float:
    """The episode's reward had segment k been answered with `text` (same calls)."""
    log = copy.copy(env.log)
    log.answers = list(env.log.answers)
    log.answers[k] = _final_text(text)
    return score_episode(env.task, env.gold, log, env.world.snapshot()).reward


def explained(env: ToolUseEnv) -> list[float]:
    return explained_numbers(env.task["gold"]["segments"])


@pytest.mark.parametrize("category", ANSWERING)
def test_rephrased_gold_answers_keep_their_reward(category: str) -> None:
    counts: dict[str, int] = {}
    for level in LEVELS:
        for seed in range(6):
            task_id = f"{category}/d{level}/{seed}/1"
            env = gold_episode(task_id)
            rng = random.Random(task_id)
            for k, seg in enumerate(env.task["gold"]["segments"]):
                kw = {"question": seg["user"], "context": env.log.context(),
                      "allowed": explained(env), "rng": rng}
                variants = rephrasings(seg["answer"], seg["facts"], **kw)
                for name, text in list(variants.items()):  # composed: a value style in a layout
                    if name in TERMINAL:
                        continue
                    more = [(n, t) for n, t in rephrasings(text, seg["facts"], **kw).items()
                            if (n in VALUE_STYLES) != (name in VALUE_STYLES) and n not in TERMINAL]
                    if more:
                        inner = rng.choice(sorted(more))
                        variants[f"{name}+{inner[0]}"] = inner[1]
                for name, text in variants.items():
                    assert rescore(env, k, text) == 1.0, (task_id, name, text)
                    counts[name.split("+")[0]] = counts.get(name.split("+")[0], 0) + 1
    assert {"numbered_list", "bulleted_list", "markdown_table", "bold_value",
            "final_answer_prefix", "value_on_next_line", "date_time_id_context",
            "restated_question", "think_then_answer", "underscore_italic_value",
            "underscore_bold_value"} <= set(counts)


@pytest.mark.parametrize("category", ANSWERING)
def test_hedged_gold_answers_earn_nothing(category: str) -> None:
    seen: set[str] = set()
    for level in LEVELS:
        for seed in range(6):
            task_id = f"{category}/d{level}/{seed}/2"
            env = gold_episode(task_id)
            segments = env.task["gold"]["segments"]
            tokens = [f["value"] for s in segments for f in s["facts"] if f["kind"] == "token"]
            for k, seg in enumerate(segments):
                for name, text in hedges(seg["answer"], seg["facts"], allowed=explained(env),
                                         allowed_tokens=tokens,
                                         rng=random.Random(task_id)).items():
                    assert rescore(env, k, text) == 0.0, (task_id, name, text)
                    seen.add(name)
    assert seen  # every category has hedgeable facts


def test_value_styles_cover_signs_and_spaces() -> None:
    """Typographic minus, thin and narrow no-break spaces, k suffixes, glued units."""
    cases = [(number_fact("high", -4.0, unit="C"), ["The high is \u22124 °C.", "−4°C",
                                                    "The high is -4 C"]),
             (number_fact("salary", 144500.0, unit="USD"), [
                 "$144.5k", "144\u2009500.00 USD", "$144\u202f500", "USD 144,500",
                 "It is 144500.00USD.", "$144,500 per year"]),
             (number_fact("dist", 20.12, tol=0.01, unit="km"), ["20.12km", "20.12 km",
                                                                "**20.12** km"])]
    for fact, answers in cases:
        for answer in answers:
            [(_, ok, why)] = check_facts(answer, [fact])
            assert ok, (answer, why)
    [(_, ok, _)] = check_facts("The high is 4 °C.", [number_fact("high", -4.0, unit="C")])
    assert not ok  # the sign matters
    [(_, ok, _)] = check_facts("20.12 mi", [number_fact("dist", 20.12, tol=0.01, unit="km")])
    assert not ok  # so does the unit, when the answer names one


def test_dates_times_ids_and_list_markers_are_not_quantities() -> None:
    text = ("1. On March 14, 2025 at 2 pm (ticket REQ-12, 2025-03-14T14:30) the high is 4 °C.\n"
            "2. Sure! Request 2: 14 March: EVT-104 moved; the 3rd train IC512 leaves at 9am.")
    quantities = [(m.value, m.unit) for m in read_numbers(text) if m.role == "quantity"]
    assert quantities == [(4.0, "C")]
    fact = number_fact("high", 4.0, [1.0, 2.0, 3.0, 14.0, 12.0], unit="C")
    [(_, ok, why)] = check_facts(text, [fact])
    assert ok, why


def test_three_nearby_candidates_fail_without_declared_rivals() -> None:
    fact = number_fact("high F Arlen", 64.4, tol=0.05, unit="F")  # a chain: no rivals declared
    assert fact["conflicts"] == []
    for answer in ("64.4 °F, 63.8 °F or 65.1 °F", "63.8, 64.4, 65.1",
                   "It is 64.4 °F.\n65.1 °F",
                   "| high |\n|---|\n| 63.8 |\n| 64.4 |", "64.4 °F (range 63-66)",
                   "high F Arlen: 64.4\nhigh F Arlen: 66.0", "64.4 °F, perhaps 70"):
        [(_, ok, why)] = check_facts(answer, [fact])
        assert not ok and why.endswith("hedged"), answer
    [(_, ok, _)] = check_facts("It is 64.4 °F (18 °C).", [fact], allowed_numbers=[18.0])
    assert ok  # the gold solution's intermediate value (the °C reading) is no candidate


def test_other_amounts_need_an_attribution_the_tool_results_confirm() -> None:
    fact = number_fact("balance ACC-1000", 812.5, [300.25, 455.0], unit="USD")
    context = [({"from_account": "ACC-1000", "to_account": "ACC-2000", "amount": 40.0},
                {"transaction_id": "TX-1", "from_balance": 812.5, "to_balance": 300.25})]
    good = ["ACC-1000 now holds $812.50; ACC-2000 has $300.25.",
            "New balance: $812.50 (the to balance is $300.25)."]
    bad = ["New balance: $812.50 or $300.25.", "$812.50, $300.25",
           "ACC-1000: $812.50. ACC-1000: $300.25.",  # the slot's own label twice
           "ACC-1000 now holds $812.50; ACC-2000 has $455.00.",  # not what the tools said
           "New balance: $812.50 (the from balance is $300.25)."]  # wrong field
    for answer in good:
        [(_, ok, why)] = check_facts(answer, [fact], [40.0], context=context)
        assert ok, (answer, why)
    for answer in bad:
        [(_, ok, _)] = check_facts(answer, [fact], [40.0], context=context)
        assert not ok, answer


def test_a_value_from_another_request_is_no_free_alternative() -> None:
    tried = 0
    for index in range(40):  # multi-turn tasks whose two requests ask for numbers
        env = gold_episode(f"multi_turn/d3/0/{index}")
        segments = env.task["gold"]["segments"]
        first = [f for f in segments[0]["facts"] if f["kind"] == "number"]
        if first:
            tried += 1
            hedge = f"{segments[1]['answer']} Or maybe {first[0]['value']:.2f}."
            assert rescore(env, 1, hedge) == 0.0, hedge
    assert tried >= 5


@pytest.mark.parametrize("fmt", sorted(TOOL_FORMATS))
def test_rephrasings_pass_through_the_env_in_every_format(fmt: str) -> None:
    """The direct scoring above is what the env does: replay a few variants end to end."""
    for task_id in ("parallel/d3/1/1", "chain/d5/2/1", "multi_turn/d2/3/1"):
        env = gold_episode(task_id, fmt)
        messages = []
        probe = ToolUseEnv(tool_format=fmt)
        probe.reset(options={"task_id": task_id})
        while True:
            messages.append(probe.oracle_action())
            *_, terminated, truncated, _ = probe.step(messages[-1])
            if terminated or truncated:
                break
        last = env.task["gold"]["segments"][-1]
        for name, text in sorted(rephrasings(last["answer"], last["facts"],
                                             context=env.log.context(),
                                             allowed=explained(env)).items())[:6]:
            verdict = ToolUseEnv.audit_verdict({"task_id": task_id, "tool_format": fmt,
                                                "actions": [*messages[:-1], text]})
            assert verdict.reward == 1.0, (name, verdict.reason)


def test_env_offers_its_perturbations_for_the_audit() -> None:
    env = ToolUseEnv()
    env.reset(options={"task_id": "chain/d3/4/1"})
    messages = []
    while True:
        messages.append(env.oracle_action())
        *_, terminated, truncated, _ = env.step(messages[-1])
        if terminated or truncated:
            break
    variants = env.answer_perturbations(messages[-1])
    assert len(variants) >= 10
    for name, text in variants.items():
        verdict = ToolUseEnv.audit_verdict({"task_id": "chain/d3/4/1",
                                            "actions": [*messages[:-1], text]})
        assert verdict.reward == 1.0, (name, text, verdict.reason)


def test_a_dump_of_a_whole_table_is_no_answer() -> None:
    """Every employee's salary, each with its name: the slot's value is there, attributed,
    but the answer never says which one was asked; only gold calls can excuse a value."""
    from rlvr_envs.core.tool_formats import get_tool_format
    from rlvr_envs.core.tools import ToolCall

    tried = 0
    for index in range(60):
        task_id = f"simple/d1/0/{index}"
        env = gold_episode(task_id)
        calls = [c for s in env.task["gold"]["segments"][0]["steps"] for c in s["calls"]]
        if not calls[0]["arguments"].get("sql", "").startswith("SELECT salary"):
            continue
        tried += 1
        rows = env.world.db.rows("SELECT name, salary FROM employees")
        dump_call = get_tool_format("hermes").render(
            [ToolCall("", "query_db", {"sql": "SELECT name, salary FROM employees"})])
        table = "\n".join(f"{name}: ${pay:,.2f}" for name, pay in rows)
        verdict = ToolUseEnv.audit_verdict({"task_id": task_id, "actions": [dump_call, table]})
        assert verdict.reward == 0.0, verdict.reason
        gold = env.task["gold"]["segments"][0]["answer"]  # the gold answer alone passes
        verdict = ToolUseEnv.audit_verdict({"task_id": task_id, "actions": [dump_call, gold]})
        assert verdict.reward == 1.0, verdict.reason
    assert tried >= 2


def test_decimal_commas_and_number_words() -> None:
    fact = number_fact("high F Arlen", 64.4, tol=0.05, unit="F")
    assert check_facts("Es sind 64,4 °F.", [fact])[0][1]
    assert check_facts("It is 64.4 °F, one of two readings.", [fact])[0][1]
    assert not check_facts("It is 64.4 °F, maybe sixty-five.", [fact])[0][1]
    assert not check_facts("It is 64.4 °F (not 64,9).", [fact])[0][1]
