"""How answers are written: the red team's classes, generated over seeds, categories and levels.

Correct answers with values in underscore emphasis, European money formats, other locales'
currency signs, slash dates, or written as JSON in the `openai_json` format keep their
reward; rival tokens in underscore emphasis or with another separator are hedges; a
`query_db` call that would run for seconds is stopped with an error the agent can read.
"""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest

from rlvr_envs.core.tools import ToolCall
from rlvr_envs.envs.tooluse import ToolUseEnv
from rlvr_envs.envs.tooluse.facts import check_facts, number_fact, read_numbers, token_fact
from rlvr_envs.envs.tooluse.phrasings import hedges, rephrasings
from rlvr_envs.envs.tooluse.tasks import CATEGORIES, LEVELS
from rlvr_envs.envs.tooluse.worlds import World
from tests.test_tooluse_phrasing import explained, gold_episode, rescore

ANSWERING = [c for c in CATEGORIES if c != "irrelevance"]
NEW_STYLES = ("underscore_bold_value", "underscore_italic_value", "slash_dates_us",
              "slash_dates_eu", "slash_dates_iso", "value_eu_dot", "value_eu_space",
              "value_eu_narrow", "value_space_dot", "value_locale_sign")
NEW_HEDGES = ("rival_token_underscore", "rival_token_double_underscore",
              "rival_token_other_separator")


def test_new_answer_styles_keep_their_reward_over_seeds() -> None:
    counts: Counter[str] = Counter()
    for category in ANSWERING:
        for level in LEVELS:
            for seed in range(3):
                task_id = f"{category}/d{level}/{seed}/4"
                env = gold_episode(task_id)
                for k, seg in enumerate(env.task["gold"]["segments"]):
                    variants = rephrasings(seg["answer"], seg["facts"], question=seg["user"],
                                           context=env.log.context(), allowed=explained(env),
                                           rng=random.Random(task_id))
                    for name in NEW_STYLES:
                        if name in variants:
                            assert rescore(env, k, variants[name]) == 1.0, \
                                (task_id, name, variants[name])
                            counts[name] += 1
    assert all(counts[name] >= 5 for name in NEW_STYLES), counts


def test_rival_tokens_in_emphasis_or_with_another_separator_are_hedges() -> None:
    counts: Counter[str] = Counter()
    for category in ("simple", "multiple", "long_tools", "chain", "multi_turn"):
        for level in LEVELS:
            for seed in range(4):
                task_id = f"{category}/d{level}/{seed}/5"
                env = gold_episode(task_id)
                segments = env.task["gold"]["segments"]
                tokens = [f["value"] for s in segments for f in s["facts"]
                          if f["kind"] == "token"]
                for k, seg in enumerate(segments):
                    variants = hedges(seg["answer"], seg["facts"], allowed=explained(env),
                                      allowed_tokens=tokens, rng=random.Random(task_id))
                    for name in NEW_HEDGES:
                        if name in variants:
                            assert rescore(env, k, variants[name]) == 0.0, \
                                (task_id, name, variants[name])
                            counts[name] += 1
    assert all(counts[name] >= 5 for name in NEW_HEDGES), counts


@pytest.mark.parametrize("text,value,unit", [
    ("8.410,00 $", 8410.0, "USD"), ("8 410,00 $", 8410.0, "USD"),
    ("8\u202f410,00 $", 8410.0, "USD"), ("$8 410.00", 8410.0, "USD"),
    ("1.023,07 €", 1023.07, "EUR"), ("1'023.07 CHF", 1023.07, "CHF"),
    ("1.234.567,89 €", 1234567.89, "EUR"), ("CA$1,877.92", 1877.92, "CAD"),
    ("CAD$1877.92", 1877.92, "CAD"), ("1877.92 C$", 1877.92, "CAD"),
    ("86742円", 86742.0, "JPY"), ("Fr. 20.50", 20.5, "CHF"), ("US$12", 12.0, "USD")])
def test_locale_numbers_and_currency_signs(text: str, value: float, unit: str) -> None:
    [m] = [m for m in read_numbers(f"It is {text}.") if m.role == "quantity"]
    assert (m.value, m.unit) == (value, unit)


def test_ambiguous_groupings_keep_the_english_reading() -> None:
    """Documented: without a decimal part, `1,023` is a thousands group, `8.410` a decimal
    point and `8 410` (ASCII space) two numbers."""
    def values(text: str) -> list[float]:
        return [m.value for m in read_numbers(text) if m.role == "quantity"]
    assert values("1,023") == [1023.0]
    assert values("8.410") == [8.41]
    assert values("8 410 units") == [8.0, 410.0]


def test_slash_dates_are_dates_not_hedges() -> None:
    fact = number_fact("close NOVA 2025-03-15", 54.14, [55.0, 60.12], unit="USD",
                       entity=["NOVA", "2025-03-15"])
    other = number_fact("close QZEN 2025-03-23", 274.62, unit="USD",
                        entity=["QZEN", "2025-03-23"])
    for date in ("3/15/2025", "03/15/2025", "15/03/2025", "2025/03/15", "15.3."):
        answer = f"1. NOVA closed at $54.14 on {date}.\n2. QZEN closed at $274.62 on 3/23/2025."
        assert all(ok for _, ok, _ in check_facts(answer, [fact, other])), answer
    assert not check_facts("NOVA closed at $54.14 / $55.00 on 3/15/2025.", [fact])[0][1]


def test_a_rate_slash_is_no_alternative_and_a_spaced_slash_hides_no_rival() -> None:
    a = number_fact("salary Nils", 156000.0, [65000.0], unit="USD", entity=["Nils"])
    b = number_fact("salary Tara", 65000.0, [156000.0], unit="USD", entity=["Tara"])
    answer = "1. Nils earns $156,000.00/yr.\n2. Tara earns $65,000.00/yr."
    assert all(ok for _, ok, _ in check_facts(answer, [a, b]))
    for hedge in ("Nils earns $156,000.00 / $65,000.00.", "Nils earns $156,000.00/$65,000.00.",
                  "Nils earns $156,000.00 (or /65,000)."):
        assert not check_facts(hedge, [a])[0][1], hedge


def test_underscore_emphasis_is_markup_and_inner_underscores_stay() -> None:
    tok = token_fact("event", "EVT-613", ["EVT-614"])
    assert check_facts("Cancelled __EVT-613__.", [tok])[0][1]
    assert check_facts("Cancelled _EVT-613_.", [tok])[0][1]
    assert not check_facts("Cancelled EVT-613 (or _EVT-614_).", [tok])[0][1]
    assert not check_facts("Cancelled EVT-613 (or EVT_614).", [tok])[0][1]
    assert not check_facts("Cancelled EVT-613 (or EVT\u2011614).", [tok])[0][1]
    assert not check_facts("Cancelled EVT-613_EVT-614.", [tok])[0][1]  # one token, neither id
    money = number_fact("balance", 8410.0, unit="USD")
    assert check_facts("The balance is __$8,410.00__.", [money])[0][1]


def _json_final(style: str) -> callable:
    def policy(env: ToolUseEnv) -> str:
        action = env.oracle_action()
        if env.tool_format.parse(action, tools=env.tools.names).has_tool_calls \
                or action.rstrip().endswith("?"):
            return action
        seg = env.task["gold"]["segments"][env.segment]
        token = next((f["value"] for f in seg["facts"] if f["kind"] == "token"), None)
        if style == "name" and token:
            return json.dumps({"name": token})
        if style == "fenced" and token:
            return "Here it is:\n```json\n" + json.dumps({"name": token, "source": "tools"},
                                                         indent=2) + "\n```"
        return json.dumps({"answer": action})
    return policy


@pytest.mark.parametrize("style", ["name", "fenced", "answer"])
def test_answers_written_as_json_are_answers_in_openai_json(style: str) -> None:
    env = ToolUseEnv(tool_format="openai_json")
    played = 0
    for category in ("simple", "multiple", "long_tools"):
        for seed in range(10):
            env.reset(options={"task_id": f"{category}/d2/{seed}/6"})
            facts = env.task["gold"]["segments"][0]["facts"]
            if style != "answer" and not any(f["kind"] == "token" for f in facts):
                continue
            policy = _json_final(style)
            for _ in range(env.max_turns):
                *_, terminated, truncated, info = env.step(policy(env))
                if terminated or truncated:
                    break
            played += 1
            assert info["verdict"]["reward"] == 1.0, info["verdict"]
    assert played >= 8


@pytest.mark.parametrize("sql", [
    # quadratic LIKE / instr / replace in a loop: each step costs milliseconds
    "WITH RECURSIVE d(i, x) AS (SELECT 0, 'a' UNION ALL SELECT i+1, x || x FROM d WHERE i < 13),"
    " big(x) AS (SELECT x FROM d WHERE i = 13), s(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM s"
    " WHERE i < 1000000 AND NOT ((SELECT x FROM big) LIKE ('%' || substr((SELECT x FROM big),"
    " 1, 190) || 'b'))) SELECT count(*) FROM s",
    "WITH RECURSIVE d(i, x) AS (SELECT 0, 'a' UNION ALL SELECT i+1, x || x FROM d WHERE i < 13),"
    " big(x) AS (SELECT x FROM d WHERE i = 13), s(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM s"
    " WHERE i < 1000000 AND instr((SELECT x FROM big), substr((SELECT x FROM big), 1, 4000)"
    " || 'b') = 0) SELECT count(*) FROM s",
    "WITH RECURSIVE d(i, x) AS (SELECT 0, 'a' UNION ALL SELECT i+1, x || x FROM d WHERE i < 13),"
    " big(x) AS (SELECT x FROM d WHERE i = 13), s(i, x) AS (SELECT 0, (SELECT x FROM big)"
    " UNION ALL SELECT i+1, replace(x, 'a', 'a') FROM s WHERE i < 1000000) SELECT count(*) FROM s",
    # the red team's: a 65,536-character string and a 30,000-character pattern
    "WITH RECURSIVE d(i, x) AS (SELECT 0, 'a' UNION ALL SELECT i+1, x || x FROM d WHERE i < 16),"
    " big(x) AS (SELECT x FROM d WHERE i = 16) SELECT (SELECT x FROM big) LIKE ('%' ||"
    " substr((SELECT x FROM big), 1, 30000) || 'b')"])
def test_slow_queries_are_stopped_with_a_readable_error(sql: str) -> None:
    world = World(3)
    result = world.execute(ToolCall("c", "query_db", {"sql": sql}))
    assert result.status == "tool_error"
    assert any(w in result.content for w in ("was stopped", "too big", "too complex")), \
        result.content
    ok = world.execute(ToolCall("c", "query_db", {"sql": "SELECT count(*) FROM employees"}))
    assert ok.ok  # the database is usable after a stopped query
