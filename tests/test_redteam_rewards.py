"""Red-team fixtures: a cheating agent's hacks on ToolUse, Ecommerce and KGMultiHop must earn
nothing (or at least not pass), and hostile tool inputs must neither hang nor blow up memory.
Each case carries the reason it must not pay."""

from __future__ import annotations

import re
import time

import pytest

from rlvr_envs.core.tool_formats import get_tool_format
from rlvr_envs.core.tools import ToolCall
from rlvr_envs.envs.ecommerce.answers import judge_answer
from rlvr_envs.envs.ecommerce.env import EcommerceEnv
from rlvr_envs.envs.kg.env import KGMultiHopEnv
from rlvr_envs.envs.kg.reward import grade_kg_answer
from rlvr_envs.envs.tooluse import ToolUseEnv
from rlvr_envs.envs.tooluse.worlds import World

HERMES = get_tool_format("hermes").render


# ---- ToolUse --------------------------------------------------------------------------

def _tooluse_gold(task_id: str) -> list[str]:
    env = ToolUseEnv()
    env.reset(options={"task_id": task_id})
    msgs = []
    while True:
        msgs.append(env.oracle_action())
        *_, terminated, truncated, _ = env.step(msgs[-1])
        if terminated or truncated:
            return msgs


# simple/d1/0/3: "How many units of the USB hub are in stock?" gold 36; rivals 6, 67, 100
TOOLUSE_HEDGES = [
    ("36 units, or maybe 67units", "rival glued to a unit"),
    ("36, possibly 67-ish", "rival with an -ish suffix"),
    ("36 units; alternatively 6-ish or 100ish", "two rivals with suffixes"),
    ("36 or sixty-seven", "rival spelled out"),
    ("36 (not 67USD)", "rival glued to a currency code"),
    ("36 units (other: 67,0)", "rival with a decimal comma"),
    ("Between 30 and 40: 36", "a range around the value"),
    ("36 units, maybe 37 or 35", "non-rival alternatives under the dump threshold"),
    ("It is 30-40 units, most likely 36.", "a dash range"),
    ("| stock |\n|---|\n| 36 |\n| 67 |", "a table of candidates"),
    ('{"stock": 36, "alternatives": [67]}', "JSON with alternatives"),
    ("either 36 or 67", "plain either/or"),
]


@pytest.mark.parametrize("answer,why", TOOLUSE_HEDGES)
def test_tooluse_hedged_number_answers_earn_zero(answer: str, why: str) -> None:
    calls = _tooluse_gold("simple/d1/0/3")[0]
    v = ToolUseEnv.audit_verdict({"task_id": "simple/d1/0/3", "actions": [calls, answer]})
    assert v.reward == 0.0 and not v.passed, why


def test_tooluse_plain_answers_still_pass() -> None:
    calls = _tooluse_gold("simple/d1/0/3")[0]
    for answer in ("There are 36 units of the USB hub in stock.", "36", "Stock: 36 units.",
                   "The USB hub has 36 units in stock as of today."):
        v = ToolUseEnv.audit_verdict({"task_id": "simple/d1/0/3", "actions": [calls, answer]})
        assert v.passed and v.reward == 1.0, answer


def test_tooluse_guess_without_calls_and_repeating_the_question_earn_zero() -> None:
    for task_id in ("simple/d1/0/3", "multi_turn/d2/0/1"):
        msgs = _tooluse_gold(task_id)
        v = ToolUseEnv.audit_verdict({"task_id": task_id, "actions": [msgs[-1]] * 3})
        assert v.reward == 0.0, "the gold answer text without the tool calls"


def test_tooluse_premature_multi_turn_answer_does_not_pass() -> None:
    # answer request 1 at once without doing it, then do request 2 only
    msgs = _tooluse_gold("multi_turn/d1/0/0")
    v = ToolUseEnv.audit_verdict({"task_id": "multi_turn/d1/0/0",
                                  "actions": [msgs[1], msgs[2], msgs[3]]})
    assert not v.passed, "request 1 answered without doing it"


SQL_ATTACKS = [
    ("WITH RECURSIVE r(s,n) AS (SELECT 'xxxxxxxxxx',0 UNION ALL SELECT s||s,n+1 FROM r "
     "WHERE n<27) SELECT length(s) FROM r ORDER BY n DESC LIMIT 1", "string doubling to 1 GB"),
    ("SELECT length(" + "replace(" * 7 + "group_concat(name)" + ",'a','aaaaaaaaaa')" * 7
     + ") FROM employees", "replace() explosion"),
    ("SELECT count(*) FROM employees a, employees b, employees c, employees d, employees e, "
     "employees f, employees g", "huge cross join"),
    ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT max(x) FROM c",
     "unbounded recursive CTE"),
    ("ATTACH ':memory:' AS x", "ATTACH"),
    ("PRAGMA writable_schema=1", "PRAGMA"),
    ("SELECT load_extension('/tmp/x.so')", "load_extension"),
    ("SELECT 1; DELETE FROM employees", "stacked write"),
    ("WITH x AS (SELECT 1) UPDATE employees SET salary = 0", "write disguised behind WITH"),
    ("SELECT zeroblob(1000000000)", "huge blob"),
]


@pytest.mark.parametrize("sql,why", SQL_ATTACKS)
def test_query_db_attacks_fail_fast_and_change_nothing(sql: str, why: str) -> None:
    world = World(1)
    before = world.snapshot()
    start = time.monotonic()
    result = world.execute(ToolCall("x", "query_db", {"sql": sql}))
    assert time.monotonic() - start < 5, why
    assert len(result.content) < 20_000, why
    assert world.snapshot() == before, why
    if why != "huge cross join":
        assert not result.ok, why


# ---- Ecommerce ------------------------------------------------------------------------

def _ecom(task_id: str) -> tuple[EcommerceEnv, list[str]]:
    env = EcommerceEnv()
    env.reset(options={"task_id": task_id})
    msgs = []
    while True:
        msgs.append(env.oracle_action())
        *_, terminated, truncated, _ = env.step(msgs[-1])
        if terminated or truncated:
            return env, msgs


MONEY = {"kind": "policy", "answer_type": "money", "answer": 1320, "given": [8799]}
MONEY_HEDGES = [
    ("The fee is $13.20 (or 16 dollars).", "second amount in words"),
    ("It is $13.20, maybe USD 18.", "second amount with a currency code"),
    ("It is $13.20 or 18 USD.", "currency code after the number"),
    ("It's $13.20-17.", "a range with one $"),
    ("It's $13.20 or 17.", "bare alternative after a $ amount"),
    ("It's 12 or $13.20.", "bare alternative before a $ amount"),
    ("It's either free or $13.20.", "free and an amount"),
]


@pytest.mark.parametrize("text,why", MONEY_HEDGES)
def test_ecommerce_money_hedges_are_wrong(text: str, why: str) -> None:
    assert judge_answer(MONEY, text) is False, why


def test_ecommerce_money_and_days_plain_answers_are_right() -> None:
    assert judge_answer(MONEY, "The restocking fee would be $13.20.") is True
    assert judge_answer(MONEY, "On your $87.99 item the fee is $13.20, 15% of it.") is True
    days = {"kind": "policy", "answer_type": "days", "answer": 30, "given": []}
    assert judge_answer(days, "You can return it within 30 days of delivery.") is True
    assert judge_answer(days, "30 days (4 weeks and 2 days).") is True  # 4 x 7 + 2 = 30
    assert judge_answer(days, "30 days (4 weeks and 5 days).") is False  # 33: two counts
    for text, why in [("30 or 45 days", "two counts"), ("30-45 days", "a range"),
                      ("30 days (or 6 weeks)", "weeks"), ("30 days, maybe 2 months", "months")]:
        assert judge_answer(days, text) is False, why


def test_ecommerce_status_hedges_are_wrong() -> None:
    intent = {"kind": "status", "status": "shipped", "tracking": "TRK123456789"}
    for text in ("Shipped (if not delivered already), TRK123456789.",
                 "Shipped, unless it was delivered today. TRK123456789",
                 "Shipped/delivered TRK123456789"):
        assert judge_answer(intent, text) is False, text
    assert judge_answer(intent, "It has shipped and will be delivered soon: TRK123456789.")


def test_ecommerce_policy_hedge_episode_earns_zero() -> None:
    _, msgs = _ecom("policy/d3/0/579362555")
    v = EcommerceEnv.audit_verdict({"task_id": "policy/d3/0/579362555",
                                    "actions": [msgs[0], "It's $13.20 (or 16 dollars)."]})
    assert v.reward == 0.0 and not v.passed


@pytest.mark.parametrize("task_id", ["discovery/d1/0/641004849", "bundle/d1/0/508546690",
                                     "substitution/d2/0/445993290"])
def test_ecommerce_cart_flooding_earns_little(task_id: str) -> None:
    _, msgs = _ecom(task_id)
    env = EcommerceEnv()
    env.reset(options={"task_id": task_id})
    obs, *_ = env.step(msgs[0])
    pids = sorted(set(re.findall(r"P\d{5}", obs)))
    assert len(pids) >= 3
    flood = HERMES([ToolCall("", "add_to_cart", {"product_id": p, "quantity": 1})
                    for p in pids])
    v = EcommerceEnv.audit_verdict({"task_id": task_id,
                                    "actions": [msgs[0], flood, "I added them all."]})
    assert not v.passed and v.reward < 0.3, "every search hit in the cart (was 0.5-0.63)"


def test_ecommerce_claiming_a_return_without_tools_earns_nothing() -> None:
    env, msgs = _ecom("returns/d1/0/1735039633")
    claims = ["I've processed your return and your refund is on its way. Goodbye!"] * 8
    v = EcommerceEnv.audit_verdict({"task_id": "returns/d1/0/1735039633", "actions": claims})
    assert not v.passed and v.reward == 0.0, "claimed writes are not writes"


# ---- KGMultiHop -------------------------------------------------------------------------

def _kg_task(seed: int = 3) -> tuple[KGMultiHopEnv, dict]:
    env = KGMultiHopEnv(unanswerable_rate=0.0)
    env.reset(seed=seed)
    return env, dict(env.task)


def test_kg_answer_hacks_earn_zero() -> None:
    env, task = _kg_task()
    answer, gold = task["answer"], task["evidence"]
    other = next(t for _, t, _ in env._docs if t != answer)
    ev = "Evidence: " + ", ".join(f"[{d}]" for d in gold)
    hacks = [
        (f"Answer: {answer} (or {other})\n{ev}", "parenthesised alternative"),
        (f"Answer: {answer}\nAnswer: {other}\n{ev}", "two answer lines"),
        (f"Answer: unanswerable, {answer}\n{ev}", "unanswerable plus an entity"),
        (f"Answer: It is {answer}, not {other}\n{ev}", "a sentence naming another entity"),
        (f"Answer: {answer} {other}\n{ev}", "two names run together"),
        (f"Answer: {answer}" + " very" * 50_000 + f"\n{ev}", "a very long answer line"),
        (f"Answer: {answer.replace('a', 'а')}\n{ev}" if "a" in answer else "Answer: x",
         "Cyrillic confusable"),
    ]
    for text, why in hacks:
        v = grade_kg_answer(task, text)
        assert v.reward == 0.0 and not v.passed, why


def test_kg_compressed_evidence_ranges_cite_only_their_ends() -> None:
    env, task = _kg_task()
    n = len(env._docs)
    v = grade_kg_answer(task, f"Answer: {task['answer']}\nEvidence: [D1-D{n}]")
    assert not v.passed, "a range is not a citation of every document"


def test_kg_search_mode_answer_without_searching_earns_zero() -> None:
    env = KGMultiHopEnv(mode="search", unanswerable_rate=0.0)
    env.reset(seed=3)
    task = env.task
    text = f"Answer: {task['answer']}\nEvidence: " + ", ".join(task["evidence"])
    *_, info = env.step(text)
    assert info["verdict"]["reward"] == 0.0, "a guess from the question (no search, no open)"
    env.reset(seed=3)
    env.step(HERMES([ToolCall("", "search", {"query": "zzzz qqqq"})]))
    *_, info = env.step(text)
    assert info["verdict"]["reward"] == 0.0, "a search that showed no evidence document"


def test_kg_search_mode_gold_still_passes_after_searching() -> None:
    env = KGMultiHopEnv(mode="search", unanswerable_rate=0.0)
    env.reset(seed=3)
    for _ in range(env.max_turns):
        *_, terminated, truncated, info = env.step(env.oracle_action())
        if terminated or truncated:
            break
    assert info["verdict"]["passed"] and info["verdict"]["reward"] == pytest.approx(1.0)


def test_kg_abstention_hacks_earn_zero() -> None:
    env = KGMultiHopEnv(unanswerable_rate=1.0)
    env.reset(seed=5, options={"difficulty": 4})
    task = env.task
    ev = "\nEvidence: " + ", ".join(f"[{d}]" for d in task["evidence"])
    titles = [t for _, t, _ in env._docs]
    named = [n for chain in task["chain"] for n in chain]
    hacks = [
        ("Answer: unanswerable" + ev, "a bare abstention"),
        ("Answer: I don't know, the documents are not enough" + ev, "a bare refusal"),
        (f"Answer: unanswerable\nMissing: {named[0]}{ev}", "the question's entity"),
        (f"Answer: unanswerable\nMissing: {', '.join(named + [task['removed']])}{ev}",
         "every chain entity as the missing one"),
        ("Answer: unanswerable\n" + "\n".join(f"Missing: {n}" for n in named + titles) + ev,
         "one Missing line per name"),
        (f"Answer: unanswerable\nMissing: {task['removed']} or {titles[0]}{ev}",
         "two missing candidates"),
        (f"Answer: {task['unbroken_answer']}\nMissing: {task['removed']}{ev}",
         "the answer the chain would reach"),
    ]
    for text, why in hacks:
        v = grade_kg_answer(task, text)
        assert v.reward == 0.0 and not v.passed, why
    right = grade_kg_answer(task, f"Answer: unanswerable\nMissing: {task['removed']}{ev}")
    assert right.passed and right.reward == pytest.approx(1.0)
