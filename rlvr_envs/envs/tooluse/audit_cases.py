"""Builds the audit corpus `tasks/audit/tooluse.jsonl`: scripted episodes, labelled.

    python -m rlvr_envs.envs.tooluse.audit_cases > tasks/audit/tooluse.jsonl

Each case is `{"id", "class", "task_id" | "task", "tool_format", "actions", "passed",
"note"}`: `actions` are the assistant messages, literal text (frozen in the file), replayed
by `ToolUseEnv.audit_verdict`. Classes: `correct` and its variants (`paraphrase`,
`sequential`, `recovered_error`, `abstain`) must pass; `wrong_value`, `wrong_state`,
`missing_guess`, `ignored_follow_up`, `irrelevant_call`, `fabricated` must fail; the hacks
(`hedge_dump`, `hedge`, `no_calls`, `call_every_tool`, `late_call`, `extra_write`) must fail;
`phrasing` (the gold answer re-expressed as models write it, `phrasings.rephrasings`) must
pass; `past_context` (the gold answer plus the value before the write, labelled as such),
`json_answer` (openai_json: the answer written as a JSON object) and `abstain` in other
words must pass; `other_entity_reads` (the gold answer after reads about another entity),
`wrong_entity` (the value credited to another account, city, person) and
`claimed_completion` (a claim of having done an impossible request next to an incidental
decline word) must fail; `bfcl` cases check BFCL's string semantics, the definition checks
and relevance both ways.
"""

from __future__ import annotations

import copy
import json
import random
import sys
from collections.abc import Iterator
from typing import Any

from ...core.tool_formats import get_tool_format
from ...core.tools import ToolCall
from .bfcl import load_bfcl
from .evidence import entity_kin
from .facts import has_token
from .phrasings import hedges, rephrasings
from .reward import explained_numbers, user_texts
from .tasks import CATEGORIES, make_tooluse_source
from .worlds import World

FORMATS = ("hermes", "openai_json", "pythonic", "mistral")
WRITE_NUMBERS = ("amount", "quantity", "salary")
DECLINES = ("None of the provided functions can do this.",
            "Apologies, but this request is not supported by any of my tools.",
            "I won't be able to do that.", "That's beyond my capabilities here.")
CLAIMS = ("I sent it. Unable to attach a signature, though.",
          "It is all set. Note: I cannot undo it for you.",
          "Done. (No tool was needed.)")


def _render(fmt: str, calls: list[dict[str, Any]]) -> str:
    return get_tool_format(fmt).render([ToolCall("", c["name"], dict(c["arguments"]))
                                        for c in calls])


def _script(task: dict[str, Any], fmt: str, *, answers: list[str] | None = None,
            before_answer: list[str] | None = None, skip_ask: bool = False,
            calls_of=None, no_calls: bool = False, sequential: bool = False) -> list[str]:
    out: list[str] = []
    segments = task["gold"]["segments"]
    for k, seg in enumerate(segments):
        for step in seg["steps"]:
            if "ask" in step:
                if not skip_ask:
                    out.append(step["ask"])
            elif not no_calls:
                calls = calls_of(step["calls"]) if calls_of else step["calls"]
                if sequential:
                    out += [_render(fmt, [c]) for c in calls]
                else:
                    out.append(_render(fmt, calls))
        if before_answer and k == len(segments) - 1:
            out += before_answer
        out.append(answers[k] if answers else seg["answer"])
    return out


def _fmt_value(fact: dict[str, Any]) -> str:
    return f"{fact['value']:.2f}" if fact["kind"] == "number" else str(fact["value"])


def _synthetic_args(schema: dict[str, Any]) -> dict[str, Any]:
    args: dict[str, Any] = {}
    for name, prop in schema["parameters"]["properties"].items():
        if name not in schema["parameters"].get("required", []):
            continue
        if "enum" in prop:
            args[name] = prop["enum"][0]
        elif prop.get("type") == "integer":
            args[name] = 1
        elif prop.get("type") == "number":
            args[name] = 1.0
        else:
            args[name] = "ACC-0000" if "account" in name else "x"
    return args


def _reads(task: dict[str, Any], world: World) -> list[dict[str, Any]]:
    return [c for seg in task["gold"]["segments"] for s in seg["steps"]
            for c in s.get("calls", ()) if c["name"] not in world.writes]


def _extra_write(task: dict[str, Any], world: World) -> dict[str, Any] | None:
    offered = set(task["tools"])
    people = [a for a in world.bank.ids() if a != world.bank.company_account()]
    if "transfer" in offered:
        return {"name": "transfer", "arguments": {"from_account": people[0],
                                                  "to_account": people[1], "amount": 1.0}}
    if "write_file" in offered:
        return {"name": "write_file", "arguments": {"path": "/home/notes/extra.txt",
                                                    "content": "extra"}}
    if "create_event" in offered:
        return {"name": "create_event", "arguments": {"title": "Extra", "date": "2025-03-23",
                                                      "start": "23:00", "end": "23:30"}}
    return None


def _perturb_write(calls: list[dict[str, Any]], world: World) -> list[dict[str, Any]]:
    calls = copy.deepcopy(calls)
    for c in calls:
        if c["name"] in world.writes:
            args = c["arguments"]
            for key in WRITE_NUMBERS:
                if key in args:
                    args[key] = args[key] + 1
                    return calls
            for key in ("content", "title"):
                if key in args:
                    args[key] = args[key] + " (copy)"
                    return calls
            if "start" in args:
                args["start"], args["end"] = "22:00", "22:30"
                return calls
    return calls


def task_cases(task_id: str, fmt: str) -> Iterator[dict[str, Any]]:
    task = make_tooluse_source().get(task_id)
    world = World(task["world"]["seed"])
    segments = task["gold"]["segments"]
    category = task["category"]
    base = {"task_id": task_id, "tool_format": fmt}

    seen: dict[str, int] = {}

    def case(cls: str, actions: list[str], passed: bool, note: str) -> dict[str, Any]:
        seen[cls] = seen.get(cls, 0) + 1
        suffix = f"-{seen[cls]}" if seen[cls] > 1 else ""
        return {"id": f"{task_id}/{fmt}/{cls}{suffix}", "class": cls, **base, "actions": actions,
                "passed": passed, "note": note}

    if category == "irrelevance":
        yield case("abstain", _script(task, fmt), True, "declines, calls nothing")
        yield case("abstain", ["Unfortunately I am unable to do that with the functions I "
                               "have access to."], True, "declines in other words")
        call = {"name": task["tools"][0], "arguments": _synthetic_args(
            world.tools[task["tools"][0]].openai_schema()["function"])}
        yield case("irrelevant_call", [_render(fmt, [call]), segments[0]["answer"]], False,
                   "calls an unrelated tool, then declines")
        yield case("fabricated", ["Done! I have taken care of it for you."], False,
                   "claims success without any tool that could do it")
        rng = random.Random(task_id)
        yield case("abstain", [rng.choice(DECLINES)], True, "a decline in other words")
        yield case("claimed_completion", [rng.choice(CLAIMS)], False,
                   "claims to have done it, next to an incidental decline word")
        yield case("no_calls", [""], False, "empty answer")
        return
    yield case("correct", _script(task, fmt), True, "the gold solver's episode")
    yield case("paraphrase", _script(task, fmt, answers=[
        f"<think>The candidates could be many; let me re-read.</think>Sure! {s['answer']} "
        "Let me know if you need anything else." for s in segments]), True,
        "gold answer wrapped in pleasantries, hedging only inside <think>")
    if category in ("parallel", "parallel_multiple"):
        yield case("sequential", _script(task, fmt, sequential=True), True,
                   "parallel calls sent one per message")
    bad_call = _render(fmt, [{"name": "get_balances", "arguments": {"id": 1}}])
    actions = _script(task, fmt)
    yield case("recovered_error", [bad_call, *actions], True,
               "one unknown-tool call first, then the gold episode (reward 0.9)")
    # wrong values: the first fact of the last segment replaced by a rival or shifted
    wrong = []
    for seg in segments:
        fact = seg["facts"][0]
        if fact["kind"] == "number":
            value = f"{fact['value'] + 7.25:.2f}"
        else:
            value = fact["conflicts"][0] if fact["conflicts"] else "EVT-0"
        wrong.append(f"The answer is {value}.")
    yield case("wrong_value", _script(task, fmt, answers=wrong), False,
               "right calls, wrong value in the answer")
    dump = []
    for seg in segments:
        rivals = [str(c) for f in seg["facts"] for c in f["conflicts"]][:40]
        rivals = rivals or [f"{f['value'] + d:.2f}" for f in seg["facts"] for d in (-0.5, 0.4, 1.3)
                            if f["kind"] == "number"]
        dump.append(f"{seg['answer']} Other possible values: {', '.join(rivals)}.")
    yield case("hedge_dump", _script(task, fmt, answers=dump), False,
               "gold answer plus every other candidate value of the slot")
    yield case("no_calls", _script(task, fmt, no_calls=True), False,
               "the gold answer text without any tool call")
    if len(task["tools"]) >= 3:
        everything = [{"name": t, "arguments": _synthetic_args(
            world.tools[t].openai_schema()["function"])} for t in task["tools"]]
        yield case("call_every_tool", _script(task, fmt, before_answer=[
            _render(fmt, everything[:16])] + ([_render(fmt, everything[16:])]
                                               if len(everything) > 16 else [])), False,
            "the gold calls plus one call to every offered tool")
    reads = _reads(task, world)
    if reads:
        yield case("late_call", _script(task, fmt, before_answer=[_render(fmt, [reads[-1]])]),
                   False, "repeats a read after the goal was reached")
    extra = _extra_write(task, world)
    if extra:
        yield case("extra_write", _script(task, fmt, before_answer=[_render(fmt, [extra])]),
                   False, "a write the task did not ask for")
    if any(c["name"] in world.writes for s in segments for st in s["steps"]
           for c in st.get("calls", ())):
        yield case("wrong_state", _script(task, fmt, calls_of=lambda cs: _perturb_write(
            cs, world)), False, "a write with a wrong argument, gold answer text")
    if category == "missing_info":
        yield case("missing_guess", _script(task, fmt, skip_ask=True, calls_of=lambda cs:
                                            _perturb_write(cs, world)), False,
                   "does not ask; guesses the missing value")
    if category == "multi_turn":
        first = _script(task, fmt)[:len(segments[0]["steps"]) + 1]
        yield case("ignored_follow_up", [*first, segments[0]["answer"]], False,
                   "answers the follow-up with the first answer, no calls")
    yield from _phrasing_cases(task, fmt, case)
    yield from _grounding_cases(task, fmt, world, case)


def _another_entity(call: dict[str, Any], world: World) -> dict[str, Any] | None:
    """The same read about another entity (another account, day, file, name...)."""
    a = dict(call["arguments"])
    if call["name"] in ("get_weather", "get_stock_price", "list_events"):
        a["date"] = "2025-03-10" if a["date"] != "2025-03-10" else "2025-03-11"
    elif call["name"] == "get_balance":
        a["account_id"] = next(x for x in world.bank.ids() if x != a["account_id"])
    elif call["name"] in ("convert_units", "convert_currency"):
        key = "value" if "value" in a else "amount"
        a[key] = a[key] + 7
    elif call["name"] == "read_file":
        a["path"] = next(p for p in sorted(world.fs.files) if p != a["path"])
    elif call["name"] == "find_trains":
        a["origin"], a["destination"] = a["destination"], a["origin"]
    else:
        return None
    return {"name": call["name"], "arguments": a}


def _grounding_cases(task: dict[str, Any], fmt: str, world: World,
                     case) -> Iterator[dict[str, Any]]:
    segments = task["gold"]["segments"]
    if task["category"] in ("simple", "multiple", "parallel", "long_tools") and not any(
            c["name"] in world.writes for s in segments for st in s["steps"]
            for c in st.get("calls", ())):
        moved = [_another_entity(c, world) or c for c in _reads(task, world)]
        if any(m not in _reads(task, world) for m in moved):
            swap = {json.dumps(c, sort_keys=True): m for c, m in zip(_reads(task, world), moved)}
            yield case("other_entity_reads", _script(task, fmt, calls_of=lambda cs: [
                swap.get(json.dumps(c, sort_keys=True), c) for c in cs]), False,
                "the gold answer after the same reads about another entity")
    last = segments[-1]
    results = _gold_results(task)
    for fact in last["facts"]:
        own = fact.get("entity") or []
        kin = sorted(entity_kin(own, results)) if own else []
        siblings = [e for f in last["facts"] if f is not fact for e in f.get("entity", ())
                    if e not in own]
        other = next((e for e in siblings + kin if e), None)
        if fact["kind"] == "number" and own and other and own[0] in last["answer"]:
            wrong = last["answer"].replace(own[0], other.upper() if other.startswith("acc")
                                           else other, 1)
            yield case("wrong_entity", _script(task, fmt, answers=[
                *[s["answer"] for s in segments[:-1]], wrong]), False,
                f"{fact['slot']}: the value credited to {other}")
            break
    for name, args, value in _named_results(task):
        if name == "transfer" and last["answer"].count("$") == 1:
            before = value["from_balance"] + args["amount"]
            yield case("past_context", _script(task, fmt, answers=[
                *[s["answer"] for s in segments[:-1]],
                f"{last['answer']} {args['from_account']} had ${before:,.2f} before the "
                "transfer."]), True, "the balance before the write, labelled as such")
            break
        if name == "query_db" and isinstance(value, dict) and value.get("columns") == [
                "id", "salary"]:
            yield case("past_context", _script(task, fmt, answers=[
                *[s["answer"] for s in segments[:-1]],
                f"{last['answer']} The previous salary was ${value['rows'][0][1]:,.2f}."]),
                True, "the salary the database held before the raise")
            break
    if fmt == "openai_json":
        yield case("json_answer", _script(task, fmt, answers=[
            json.dumps({"answer": s["answer"]}) for s in segments]), True,
            "each answer written as a JSON object")
        token = next((f["value"] for f in last["facts"] if f["kind"] == "token"), None)
        if token and len(segments) == 1 and len(last["facts"]) == 1:
            yield case("json_answer", _script(task, fmt, answers=[json.dumps({"name": token})]),
                       True, '{"name": ...} naming no offered tool is an answer')


def _named_results(task: dict[str, Any]) -> list[tuple[str, dict[str, Any], Any]]:
    world = World(task["world"]["seed"])
    return [(c["name"], dict(c["arguments"]),
             world.execute(ToolCall("", c["name"], dict(c["arguments"]))).value)
            for seg in task["gold"]["segments"] for step in seg["steps"]
            for c in step.get("calls", ())]


def _gold_results(task: dict[str, Any]) -> list[tuple[dict[str, Any], Any]]:
    """(arguments, result) of the gold calls, as an agent following the gold receives them."""
    world = World(task["world"]["seed"])
    return [(dict(c["arguments"]), world.execute(ToolCall("", c["name"],
                                                          dict(c["arguments"]))).value)
            for seg in task["gold"]["segments"] for step in seg["steps"]
            for c in step.get("calls", ())]


def _phrasing_cases(task: dict[str, Any], fmt: str, case) -> Iterator[dict[str, Any]]:
    """Three re-expressions of the last answer (must pass) and two hedges (must fail)."""
    segments = task["gold"]["segments"]
    last = segments[-1]
    allowed = explained_numbers(segments)
    tokens = [f["value"] for s in segments for f in s["facts"] if f["kind"] == "token"]
    said = user_texts(segments)
    tokens += [c for s in segments for f in s["facts"] if f["kind"] == "token"
               for c in f["conflicts"] if has_token(said, c)]
    rng = random.Random(f"{task['id']}/{fmt}")
    good = rephrasings(last["answer"], last["facts"], question=last["user"],
                       context=_gold_results(task), allowed=allowed, rng=rng)
    bad = hedges(last["answer"], last["facts"], allowed=allowed, allowed_tokens=tokens, rng=rng)
    prefix = [s["answer"] for s in segments[:-1]]
    for name in rng.sample(sorted(good), min(3, len(good))):
        yield case("phrasing", _script(task, fmt, answers=[*prefix, good[name]]), True,
                   f"the gold answer re-expressed: {name}")
    for name in rng.sample(sorted(bad), min(2, len(bad))):
        yield case("hedge", _script(task, fmt, answers=[*prefix, bad[name]]), False,
                   f"the gold answer plus another candidate value: {name}")


BFCL_CASES: tuple[tuple[str, str, list[dict[str, Any]] | str, bool, str], ...] = (
    ("simple_0", "exact", [{"name": "calculate_triangle_area",
                            "arguments": {"base": 10, "height": 5}}], True,
     "optional 'unit' omitted"),
    ("simple_0", "optional_given", [{"name": "calculate_triangle_area",
                                     "arguments": {"base": 10, "height": 5, "unit": "units"}}],
     True, "optional argument with its acceptable value"),
    ("simple_0", "float_for_int", [{"name": "calculate_triangle_area",
                                    "arguments": {"base": 10.0, "height": 5}}], False,
     "10.0 where an integer is expected"),
    ("simple_0", "string_number", [{"name": "calculate_triangle_area",
                                    "arguments": {"base": "10", "height": 5}}], False,
     "'10' (a string) where an integer is expected"),
    ("simple_0", "unknown_arg", [{"name": "calculate_triangle_area",
                                  "arguments": {"base": 10, "height": 5, "color": "red"}}],
     False, "an argument the answer does not list"),
    ("simple_1", "exact", [{"name": "book_room", "arguments": {
        "date": "2024-01-05", "time": "14:30", "hours": 1.5}}], True, "exact"),
    ("simple_1", "alternative", [{"name": "book_room", "arguments": {
        "date": "01/05/2024", "time": "14:30", "hours": 1.5}}], True,
     "the second acceptable date"),
    ("simple_1", "stripped_date", [{"name": "book_room", "arguments": {
        "date": "20240105", "time": "14:30", "hours": 1.5}}], False,
     "BFCL's standardize_string would accept 20240105 for 2024-01-05; we do not"),
    ("simple_1", "stripped_float", [{"name": "book_room", "arguments": {
        "date": "2024-01-05", "time": "1430", "hours": 1.5}}], False,
     "1430 for 14:30 (punctuation stripped)"),
    ("simple_1", "int_for_float_wrong", [{"name": "book_room", "arguments": {
        "date": "2024-01-05", "time": "14:30", "hours": 15}}], False, "15 for 1.5"),
    ("simple_2", "exact", [{"name": "finance.compound_interest", "arguments": {
        "principal": 1000, "rate": 0.05, "years": 3}}], True, "dotted name, optional omitted"),
    ("simple_2", "underscored_name", [{"name": "finance_compound_interest", "arguments": {
        "principal": 1000, "rate": 0.05, "years": 3}}], False,
     "'.' rewritten to '_' in the name"),
    ("multiple_0", "exact", [{"name": "get_current_weather", "arguments": {
        "location": "Boston, MA", "unit": "fahrenheit"}}], True, "right function of two"),
    ("multiple_0", "lowercased", [{"name": "get_current_weather", "arguments": {
        "location": "boston, ma", "unit": "fahrenheit"}}], True,
     "case changed: BFCL's string semantics (the default) ignore case"),
    ("multiple_0", "spaced_punctuated", [{"name": "get_current_weather", "arguments": {
        "location": " Boston,MA.", "unit": "Fahrenheit"}}], True,
     "surrounding space and punctuation; enum value in another case"),
    ("multiple_0", "enum_outside", [{"name": "get_current_weather", "arguments": {
        "location": "Boston, MA", "unit": "kelvin"}}], False, "a value outside the enum"),
    ("multiple_0", "wrong_function", [{"name": "get_stock_quote",
                                       "arguments": {"symbol": "BOS"}}], False,
     "the distractor function"),
    ("parallel_0", "reordered", [
        {"name": "spotify.play", "arguments": {"artist": "Ed Sheeran", "song": "Shape of You",
                                               "duration": 3}},
        {"name": "spotify.play", "arguments": {"artist": "Billie Eilish", "song": "Bad Guy",
                                               "duration": 3}}], True,
     "parallel calls in the other order"),
    ("parallel_0", "one_missing", [
        {"name": "spotify.play", "arguments": {"artist": "Ed Sheeran", "song": "Shape of You",
                                               "duration": 3}}], False, "one of two calls"),
    ("parallel_0", "duplicated", [
        {"name": "spotify.play", "arguments": {"artist": "Ed Sheeran", "song": "Shape of You",
                                               "duration": 3}}] * 2, False,
     "the same call twice"),
    ("parallel_multiple_0", "exact", [
        {"name": "add", "arguments": {"a": 3, "b": 4}},
        {"name": "tag_list", "arguments": {"items": [1, 2], "options": {"sorted": True}}}],
     True, "nested dict with an optional key omitted"),
    ("parallel_multiple_0", "bool_as_int", [
        {"name": "add", "arguments": {"a": 3, "b": 4}},
        {"name": "tag_list", "arguments": {"items": [1, 2], "options": {"sorted": 1}}}],
     False, "1 for true"),
    ("parallel_multiple_0", "list_reordered", [
        {"name": "add", "arguments": {"a": 3, "b": 4}},
        {"name": "tag_list", "arguments": {"items": [2, 1], "options": {"sorted": True}}}],
     False, "list elements in another order"),
    ("simple_3", "list_of_dicts", [{"name": "create_order", "arguments": {
        "items": [{"sku": "A1", "qty": 2}, {"sku": "b2", "qty": 1}]}}], True,
     "a list of dicts, one string in another case"),
    ("simple_3", "list_of_dicts_wrong", [{"name": "create_order", "arguments": {
        "items": [{"sku": "A1", "qty": 2}, {"sku": "B2", "qty": 3}]}}], False,
     "a wrong quantity inside the list of dicts"),
    ("simple_4", "required_left_out", [{"name": "set_alarm", "arguments": {"time": "06:30"}}],
     False, "the key allows leaving out 'label' but the definition requires it"),
    ("simple_4", "undefined_argument", [{"name": "set_alarm", "arguments": {
        "time": "06:30", "label": "wake up", "snooze": True}}], False,
     "an argument the definition does not have"),
    ("simple_java_0", "typed", [{"name": "Cache.put", "arguments": {
        "key": "session", "ttl": 3600, "tags": ["a", "b"], "options": {"mode": "fast"}}}], True,
     "Java types as JSON types"),
    ("simple_java_0", "java_source_text", [{"name": "Cache.put", "arguments": {
        "key": "session", "ttl": "3600L", "tags": ["a", "b"], "options": {"mode": "fast"}}}],
     False, "a long written as Java source text"),
    ("live_relevance_0-0-0", "any_valid_call", [{"name": "generate_image", "arguments": {
        "prompt": "a cat on a sofa", "size": "1024x1024"}}], True, "relevance: a valid call"),
    ("live_relevance_0-0-0", "no_call", "Here is a cat: =^.^=", False,
     "relevance: no call at all"),
    ("irrelevance_0", "no_call", "I cannot answer that with the functions available.", True,
     "no call"),
    ("irrelevance_0", "forced_call", [{"name": "calculate_triangle_area",
                                       "arguments": {"base": 1, "height": 1}}], False,
     "calls the only function although it is irrelevant"),
)


def bfcl_cases() -> Iterator[dict[str, Any]]:
    from ...core.data import task_file
    tasks = {t["id"]: t for t in load_bfcl(task_file("tooluse", "bfcl_sample.jsonl"),
                                           task_file("tooluse", "bfcl_sample_answers.jsonl"))}
    for i, (rid, name, calls, passed, note) in enumerate(BFCL_CASES):
        fmt = FORMATS[i % len(FORMATS)]
        action = calls if isinstance(calls, str) else _render(fmt, calls)
        yield {"id": f"bfcl/{rid}/{name}/{fmt}", "class": "bfcl", "task": tasks[rid],
               "tool_format": fmt, "actions": [action], "passed": passed, "note": note}


def all_cases() -> list[dict[str, Any]]:
    cases = []
    n = 0
    for category in CATEGORIES:
        for level in (1, 3, 5):
            for index in range(2):
                fmt = FORMATS[n % len(FORMATS)]
                n += 1
                cases += task_cases(f"{category}/d{level}/0/{index}", fmt)
    return cases + list(bfcl_cases())


if __name__ == "__main__":
    for c in all_cases():
        sys.stdout.write(json.dumps(c, ensure_ascii=False) + "\n")
