"""A fact counts only when this episode's tool results back it and the answer gives it to
the asked entity.

Generated over categories x levels x seeds from the gold solver: its read calls replaced by
the same tool about another entity (the oracle's answer then earns nothing), its answers
rewritten to credit a value to the wrong account, and correct answers reached by other
routes (other queries, a balance read after the write, past values named as context),
which keep their reward.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

import pytest

from rlvr_envs.core.tools import ToolCall
from rlvr_envs.envs.tooluse import ToolUseEnv
from rlvr_envs.envs.tooluse.evidence import evidence, grounded
from rlvr_envs.envs.tooluse.phrasings import value_spans
from rlvr_envs.envs.tooluse.reward import call_key
from rlvr_envs.envs.tooluse.worlds.pools import DATES

Policy = Callable[[ToolUseEnv], str]
READ_CATEGORIES = ("simple", "multiple", "parallel", "parallel_multiple", "long_tools", "chain")


def play(env: ToolUseEnv, task_id: str, policy: Policy) -> dict:
    env.reset(options={"task_id": task_id})
    for _ in range(env.max_turns):
        _, _, terminated, truncated, info = env.step(policy(env))
        if terminated or truncated:
            return info["verdict"]
    raise AssertionError("episode did not end")


def _gold_reads(env: ToolUseEnv) -> set[str]:
    return set().union(*env.gold.reads)


def _another(env: ToolUseEnv, call: ToolCall) -> ToolCall | None:
    """The same read tool about another entity (None for writes and for tools without one)."""
    w, a = env.world, dict(call.arguments)
    if call.name in ("get_weather", "get_stock_price", "list_events"):
        a["date"] = next(d for d in DATES if d != a["date"])
    elif call.name == "get_balance":
        a["account_id"] = next(x for x in w.bank.ids() if x != a["account_id"])
    elif call.name in ("convert_units", "convert_currency"):
        key = "value" if "value" in a else "amount"
        a[key] = a[key] + 7
    elif call.name == "read_file":
        a["path"] = next(p for p in sorted(w.fs.files) if p != a["path"])
    elif call.name == "query_db":
        quoted = re.findall(r"'([^']*)'", a["sql"])
        if not quoted:
            return None
        pool = w.employees + [r[0] for r in w.db.rows("SELECT name FROM products")] + \
            [r[0] for r in w.db.rows("SELECT DISTINCT department FROM employees")]
        other = next(p for p in sorted(pool) if p != quoted[0] and "'" not in p)
        a["sql"] = a["sql"].replace(f"'{quoted[0]}'", f"'{other}'")
    elif call.name == "find_trains":
        a["origin"], a["destination"] = a["destination"], a["origin"]
    else:
        return None
    return ToolCall(call.id, call.name, a)


def other_entity_reads(env: ToolUseEnv) -> str:
    action = env.oracle_action()
    fmt = env.tool_format
    parsed = fmt.parse(action)
    if not parsed.calls:
        return action
    gold = _gold_reads(env)
    calls = []
    for c in parsed.calls:
        alt = _another(env, c)
        if alt is not None and call_key(alt.name, alt.arguments) not in gold:
            env.substituted = True  # type: ignore[attr-defined]
            c = alt
        calls.append(c)
    return fmt.render(calls)


@pytest.mark.parametrize("category", READ_CATEGORIES)
def test_reads_about_another_entity_back_no_fact(category: str) -> None:
    """The gold solver's answer after calls that name the same tools with other arguments
    earns no answer reward (the red team's 145/145 passes)."""
    played = 0
    for fmt in ("hermes", "openai_json", "pythonic", "mistral"):
        env = ToolUseEnv(tool_format=fmt)
        for level in (1, 3, 5):
            for seed in range(3):
                env.substituted = False  # type: ignore[attr-defined]
                verdict = play(env, f"{category}/d{level}/{seed}/1", other_entity_reads)
                if not env.substituted:  # type: ignore[attr-defined]
                    continue
                played += 1
                assert not verdict["passed"], verdict
                assert verdict["reward_breakdown"]["answer"] < 1 - 0.5 * bool(
                    env.gold.writes), verdict
    assert played >= 20


def test_every_fact_of_an_all_substituted_read_task_fails() -> None:
    env = ToolUseEnv(categories=["simple"])
    checked = 0
    for seed in range(40):
        env.substituted = False  # type: ignore[attr-defined]
        verdict = play(env, f"simple/d1/{seed}/0", other_entity_reads)
        if env.substituted and not env.gold.writes:  # type: ignore[attr-defined]
            checked += 1
            assert verdict["reward"] == 0.0, verdict
            assert "no tool result of this episode backs it" in verdict["reason"]
    assert checked >= 20


def _transfer(env: ToolUseEnv) -> tuple[dict, dict] | None:
    for name, args, value in reversed(env.log.results):
        if name == "transfer":
            return args, value
    return None


def _final_rewrite(rewrite: Callable[[ToolUseEnv, str], str | None]) -> Policy:
    def policy(env: ToolUseEnv) -> str:
        action = env.oracle_action()
        if env.tool_format.parse(action).has_tool_calls or action.rstrip().endswith("?"):
            return action
        return rewrite(env, action) or action
    return policy


def money(x: float) -> str:
    return f"${x:,.2f}"


@cache
def transfer_tasks(n: int = 30) -> list[str]:
    """Task ids whose gold solver transfers money, over several categories and seeds."""
    env, out = ToolUseEnv(), []
    for seed in range(200):
        for category in ("simple", "multiple", "missing_info", "multi_turn", "long_tools"):
            task_id = f"{category}/d{1 + seed % 3}/{seed}/0"
            env.reset(options={"task_id": task_id})
            if any(c["name"] == "transfer" for seg in env.task["gold"]["segments"]
                   for step in seg["steps"] for c in step.get("calls", ())):
                out.append(task_id)
        if len(out) >= n:
            return out
    return out


def _transfer_episodes(rewrite: Callable[[ToolUseEnv, str], str | None]) -> list[dict]:
    env = ToolUseEnv()
    out = []
    for task_id in transfer_tasks():
        env.rewritten = False  # type: ignore[attr-defined]

        def mark(e: ToolUseEnv, text: str) -> str | None:
            new = rewrite(e, text)
            if new is not None:
                e.rewritten = True  # type: ignore[attr-defined]
            return new
        verdict = play(env, task_id, _final_rewrite(mark))
        if env.rewritten:  # type: ignore[attr-defined]
            out.append(verdict)
    return out


def _both(swapped: bool) -> Callable[[ToolUseEnv, str], str | None]:
    def rewrite(env: ToolUseEnv, text: str) -> str | None:
        t = _transfer(env)
        if t is None or "\n" in text:
            return None
        args, r = t
        a, b = (r["to_balance"], r["from_balance"]) if swapped else \
            (r["from_balance"], r["to_balance"])
        return f"Done. {args['from_account']} now has {money(a)} and {args['to_account']} " \
               f"now has {money(b)}."
    return rewrite


def _wrong_account(style: str) -> Callable[[ToolUseEnv, str], str | None]:
    def rewrite(env: ToolUseEnv, text: str) -> str | None:
        t = _transfer(env)
        if t is None or "\n" in text or "Paid" in text:
            return None
        args, r = t
        to, value = args["to_account"], money(r["from_balance"])
        return {"sentence": f"Done. The new balance of {to} is {value}.",
                "colon": f"{to}: {value}",
                "after": f"Sent. {value} for {to}.",
                "paren": f"Sent. {value} ({to})."}[style]
    return rewrite


def test_correctly_labelled_balances_pass() -> None:
    verdicts = _transfer_episodes(_both(swapped=False))
    assert len(verdicts) >= 20
    assert all(v["passed"] for v in verdicts), [v["reason"] for v in verdicts][:3]


@pytest.mark.parametrize("rewrite", [_both(swapped=True), _wrong_account("sentence"),
                                     _wrong_account("colon"), _wrong_account("after"),
                                     _wrong_account("paren")],
                         ids=["swapped", "other-account", "colon", "after", "paren"])
def test_a_value_credited_to_the_other_account_earns_no_answer(rewrite) -> None:
    verdicts = _transfer_episodes(rewrite)
    assert len(verdicts) >= 20
    for v in verdicts:
        assert v["reward_breakdown"]["answer"] == 0.0, v
        assert "another entity" in v["reason"] or "hedged" in v["reason"], v["reason"]


def test_swapped_values_of_a_parallel_answer_fail() -> None:
    """"1. ACC-1: <ACC-2's balance>  2. ACC-2: <ACC-1's balance>" states neither fact."""
    env = ToolUseEnv(categories=["parallel"])
    checked = 0
    for seed in range(16):
        def swap(e: ToolUseEnv, text: str) -> str | None:
            facts = e.task["gold"]["segments"][0]["facts"]
            lines = text.splitlines()
            if not all(f.get("entity") for f in facts) or len(lines) != len(facts):
                return None
            spans = [value_spans(line, f) for line, f in zip(lines, facts)]
            if not spans[0] or not spans[1] or facts[0]["value"] == facts[1]["value"]:
                return None
            (a0, a1), (b0, b1) = spans[0][0], spans[1][0]
            first, second = lines[0][a0:a1], lines[1][b0:b1]
            lines[0] = lines[0][:a0] + second + lines[0][a1:]
            lines[1] = lines[1][:b0] + first + lines[1][b1:]
            return "\n".join(lines)
        applied: list[bool] = []

        def marked(e: ToolUseEnv, text: str, applied: list[bool] = applied) -> str | None:
            new = swap(e, text)
            applied.append(new is not None)
            return new
        verdict = play(env, f"parallel/d1/{seed}/0", _final_rewrite(marked))
        if not any(applied):
            continue
        checked += 1
        assert not verdict["passed"] and verdict["reward_breakdown"]["answer"] <= 0.5, verdict
    assert checked >= 8


def _sql(sql: str) -> Policy:
    """The gold solver with its query_db reads replaced by `sql` (formatted with the
    quoted value of the gold query)."""
    def policy(env: ToolUseEnv) -> str:
        action = env.oracle_action()
        parsed = env.tool_format.parse(action)
        if not parsed.calls:
            return action
        calls = []
        for c in parsed.calls:
            if c.name == "query_db":
                quoted = re.findall(r"'([^']*)'", c.arguments["sql"])
                c = ToolCall(c.id, c.name, {"sql": sql.format(q=quoted[0] if quoted else "")})
            calls.append(c)
        return env.tool_format.render(calls)
    return policy


@pytest.mark.parametrize("sql,slot", [
    ("SELECT * FROM employees WHERE name = '{q}'", "salary"),
    ("SELECT name, salary, department FROM employees", "salary"),
    ("SELECT name, salary, department FROM employees", "top earner"),
    ("SELECT name, department, salary, id FROM employees ORDER BY salary DESC", "top earner"),
    ("SELECT * FROM products WHERE name = '{q}'", "stock")])
def test_other_queries_that_return_the_asked_row_still_pass(sql: str, slot: str) -> None:
    """Grounding asks for the asked entity's record, not the gold's exact query."""
    env = ToolUseEnv(categories=["simple"])
    checked = 0
    for seed in range(80):
        env.reset(options={"task_id": f"simple/d1/{seed}/0"})
        if not env.task["gold"]["segments"][0]["facts"][0]["slot"].startswith(slot):
            continue
        verdict = play(env, f"simple/d1/{seed}/0", _sql(sql))
        checked += 1
        assert verdict["passed"], (seed, verdict)
    assert checked >= 2


@pytest.mark.parametrize("template,passes", [
    ("{answer} The previous salary was {old}.", True),
    ("{answer} It was {old} before the raise.", True),
    ("The salary went from {old} to {new}.", True),
    ("{name}'s salary is {old} (previously {new}).", False),
    ("{name}'s new salary is {old}.", False),
])
def test_past_values_are_context_not_candidates(template: str, passes: bool) -> None:
    env = ToolUseEnv(categories=["chain"])
    checked = 0
    for seed in range(80):
        env.reset(options={"task_id": f"chain/d1/{seed}/0"})
        if not env.task["gold"]["segments"][0]["facts"][0]["slot"].startswith("salary"):
            continue

        def rewrite(e: ToolUseEnv, text: str) -> str:
            fact = e.task["gold"]["segments"][0]["facts"][0]
            old = next(v["rows"][0][1] for n, a, v in e.log.results if n == "query_db")
            return template.format(answer=text, old=money(old), new=money(fact["value"]),
                                   name=fact["entity"][0])
        verdict = play(env, f"chain/d1/{seed}/0", _final_rewrite(rewrite))
        checked += 1
        assert verdict["passed"] is passes, (template, verdict)
    assert checked >= 3


def test_grounding_needs_the_value_from_a_result_not_from_the_call() -> None:
    step = evidence(812.5, ["ACC-1042"], ["get_balance", "query_db"])
    good = [("get_balance", {"account_id": "ACC-1042"}, {"account_id": "ACC-1042",
                                                         "balance": 812.5})]
    other = [("get_balance", {"account_id": "ACC-2000"}, {"account_id": "ACC-2000",
                                                          "balance": 812.5})]
    echo = [("query_db", {"sql": "SELECT 812.5 AS balance, 'ACC-1042' AS account"},
             {"columns": ["balance", "account"], "rows": [[812.5, "ACC-1042"]]})]
    wrong_tool = [("convert_units", {"value": 1, "from_unit": "km", "to_unit": "mi"},
                   {"value": 812.5, "unit": "ACC-1042"})]
    assert grounded(step, good)
    assert not grounded(step, other)
    assert not grounded(step, echo)
    assert not grounded(step, wrong_tool)
    chain = evidence(64.4, [18.0, "C", "F"], ["convert_units"], tol=0.05)
    assert grounded(chain, [("convert_units", {"value": 18, "from_unit": "C", "to_unit": "F"},
                             {"value": 64.4, "unit": "F"})])
    assert not grounded(chain, [("convert_units", {"value": 17, "from_unit": "C",
                                                   "to_unit": "F"}, {"value": 64.4})])


NATURAL_TRANSFER_ANSWERS = [
    "I transferred {amount} to {to}, leaving a balance of {value}.",
    "Money sent to {to} — balance {value}",
    "Before the transfer, {src} had {old}; now it has {value}.",
    "Sent {amount} from {src} to {to}, leaving {src} with {value}.",
    "Done: {src} -> {to}, {amount}; new balance {value}",
    "{src} went from {old} to {value} after the transfer to {to}.",
]


@pytest.mark.parametrize("template", NATURAL_TRANSFER_ANSWERS)
def test_natural_transfer_answers_naming_both_accounts_pass(template: str) -> None:
    def rewrite(env: ToolUseEnv, text: str) -> str | None:
        t = _transfer(env)
        if t is None or "\n" in text or "Paid" in text:
            return None
        args, r = t
        return template.format(amount=money(args["amount"]), to=args["to_account"],
                               src=args["from_account"], value=money(r["from_balance"]),
                               old=money(r["from_balance"] + args["amount"]))
    verdicts = _transfer_episodes(rewrite)
    assert len(verdicts) >= 20
    assert all(v["passed"] for v in verdicts), [v["reason"] for v in verdicts if not v["passed"]]


def test_a_salary_read_by_the_id_the_results_gave_is_grounded() -> None:
    """`SELECT id ... WHERE name = 'X'`, then `SELECT salary ... WHERE id = 'E123'`."""
    env = ToolUseEnv(categories=["chain"])
    checked = 0
    for seed in range(80):
        env.reset(options={"task_id": f"chain/d1/{seed}/0"})
        if not env.task["gold"]["segments"][0]["facts"][0]["slot"].startswith("salary"):
            continue

        seg = env.task["gold"]["segments"][0]
        query, write = (step["calls"][0] for step in seg["steps"])
        name = re.findall(r"'([^']*)'", query["arguments"]["sql"])[0]

        def policy(e: ToolUseEnv, name: str = name, write: dict = write,
                   answer: str = seg["answer"]) -> str:
            if e.turn == 0:
                sql = f"SELECT id FROM employees WHERE name = '{name}'"
            elif e.turn == 1:
                sql = f"SELECT salary FROM employees WHERE id = '{write['arguments']['employee_id']}'"
            elif e.turn == 2:
                return e.tool_format.render([ToolCall("", write["name"], write["arguments"])])
            else:
                return answer
            return e.tool_format.render([ToolCall("", "query_db", {"sql": sql})])
        verdict = play(env, f"chain/d1/{seed}/0", policy)
        checked += 1
        assert verdict["passed"], verdict
    assert checked >= 3
