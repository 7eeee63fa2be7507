"""Ways models phrase the gold solver's messages, for the phrasing-robustness tests and the
audit corpus: *rewrites* keep the meaning (they must keep the reward) and *hedges* offer two
answers (they must lose it).

A rewrite maps (message, intent it answers or None) to the new message(s), or None when it
does not apply (no amount to re-format, no status word to paraphrase). `answer_steps(task)`
says which gold messages answer which info intent. The check over many tasks:

    python -m rlvr_envs.envs.ecommerce.phrasings [--per-cell 12]
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Sequence
from typing import Any

from ...core.tools import ToolCall
from .store import money

Rewrite = Callable[[str, dict[str, Any] | None], list[str] | None]

_MONEY = re.compile(r"\$(\d{1,3}(?:,\d{3})*)\.(\d\d)")
_STATUS = re.compile(r"\b(pending|processing|shipped|delivered|cancelled)\b")
_DAYS = re.compile(r"\b(\d+) days? left\b")
_VALUE = re.compile(_MONEY.pattern + "|" + _STATUS.pattern + r"|\b\d+ days? left\b")
_SENTENCE = re.compile(r"(?<=[.?!])\s+(?=[A-Z])")
_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
          "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
          "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
PARAPHRASES = (
    {"pending": "is still pending", "processing": "is being processed",
     "shipped": "is on its way", "delivered": "has been delivered",
     "cancelled": "was canceled"},
    {"pending": "is awaiting processing", "processing": "is currently being prepared",
     "shipped": "has been dispatched and is in transit", "delivered": "arrived",
     "cancelled": "has been cancelled"},
)


def words(n: int) -> str:
    if n < 20:
        return _WORDS[n]
    return _TENS[n // 10] + ("" if n % 10 == 0 else "-" + _WORDS[n % 10])


def _amounts(fmt: Callable[[int, str], str]) -> Rewrite:
    """Every `$X.YY` amount re-written by `fmt(whole dollars, cents)`."""
    def rewrite(text: str, intent: dict[str, Any] | None) -> list[str] | None:
        new = _MONEY.sub(lambda m: fmt(int(m.group(1).replace(",", "")), m.group(2)), text)
        return [new] if new != text else None
    return rewrite


def _thousands(sep: str) -> Rewrite:
    def fmt(whole: int, cents: str) -> str:
        text = f"{whole:,}".replace(",", sep)
        return f"${text}.{cents}"
    inner = _amounts(fmt)
    return lambda text, intent: inner(text, intent) if re.search(r"\$\d{1,3},\d", text) else None


def _sub(pattern: re.Pattern[str], repl: Any) -> Rewrite:
    def rewrite(text: str, intent: dict[str, Any] | None) -> list[str] | None:
        new = pattern.sub(repl, text)
        return [new] if new != text else None
    return rewrite


def _paraphrase(k: int) -> Rewrite:
    def repl(m: re.Match[str]) -> str:
        return PARAPHRASES[k][m.group(1)]
    return _sub(re.compile(r"\b(?:is|is now) (pending|processing|shipped|delivered|cancelled)\b"),
                repl)


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(text.strip()) if s]


def _listed(marker: Callable[[int], str]) -> Rewrite:
    def rewrite(text: str, intent: dict[str, Any] | None) -> list[str] | None:
        parts = _sentences(text)
        return ["\n".join(marker(i) + s for i, s in enumerate(parts, 1))]
    return rewrite


def _table(text: str, intent: dict[str, Any] | None) -> list[str] | None:
    if intent and intent["kind"] == "policy":
        unit = (lambda v: money(v)) if intent["answer_type"] == "money" else \
            (lambda v: f"{v} days")
        rows = [("You told me", unit(v)) for v in intent["given"]]
        rows += [("Policy figure", unit(v)) for v in intent.get("context", [])[:3]]
        rows.append(("**Answer**", f"**{unit(intent['answer'])}**"))
        return ["Here is the breakdown:\n\n| | Value |\n|---|---|\n"
                + "\n".join(f"| {a} | {b} |" for a, b in rows)]
    if intent and intent["kind"] == "status":
        track = intent.get("tracking") or "n/a"
        return [f"| Order | Status | Tracking |\n|---|---|---|\n| {intent['order_id']} | "
                f"{intent['status'].title()} | {track} |"]
    return ["| # | Detail |\n|---|---|\n"
            + "\n".join(f"| {i} | {s} |" for i, s in enumerate(_sentences(text), 1))]


def _at_value(insert: Callable[[re.Match[str]], str]) -> Rewrite:
    """Rewrites around the first answer-bearing value (amount, status, days left)."""
    def rewrite(text: str, intent: dict[str, Any] | None) -> list[str] | None:
        m = _VALUE.search(text)
        return [text[:m.start()] + insert(m) + text[m.end():]] if m else None
    return rewrite


def _explained(text: str, intent: dict[str, Any] | None) -> list[str] | None:
    """The answer with an explanation naming the other amounts of the question."""
    if not intent or intent["kind"] != "policy":
        return None
    if intent["answer_type"] == "days":
        (n,), (win, *_) = intent["given"], intent["context"]
        return [f"Our return window is {win} days from delivery and you received it {n} days "
                f"ago, so you have {intent['answer']} days left."]
    given = ", ".join(money(v) for v in intent["given"])
    ctx = " and ".join(money(v) for v in intent.get("context", [])[:2])
    return [f"Working from what you told me ({given}) and the policy figures that apply "
            f"({ctx}), the answer is {money(intent['answer'])}."]


def _arithmetic(text: str, intent: dict[str, Any] | None) -> list[str] | None:
    """`$a − $b = $answer` (or `$a + $b`) over the question's own amounts, with a
    typographic minus and thin spaces."""
    if not intent or intent["kind"] != "policy" or intent["answer_type"] != "money":
        return None
    known = sorted(set(intent["given"]) | set(intent.get("context", [])) - {0})
    ans = intent["answer"]
    for a in known:
        for b, op in [(a - ans, "\u2212"), (ans - a, "+")]:
            if b in known and b != a:
                return [f"{money(a)}\u2009{op}\u2009{money(b)}\u2009=\u2009**{money(ans)}**, "
                        "so that is the amount."]
    return None


def _clarify_first(text: str, intent: dict[str, Any] | None) -> list[str] | None:
    """A clarifying question that names statuses or amounts, then the answer."""
    if not intent:
        return None
    if intent["kind"] == "status":
        return ["Just to be sure I have the right one: is this the order you expected to be "
                "delivered this week, or one that was already delivered or cancelled?", text]
    if intent["kind"] == "policy" and intent["given"]:
        unit = money if intent["answer_type"] == "money" else (lambda v: f"{v} days")
        return [f"Just to confirm before I answer: is {unit(intent['given'][0])} the figure "
                "you have, and do you want the amount under our current policy?", text]
    return None


def _item_line(it: dict[str, Any], style: str) -> str:
    """One item of a two-item refund question, explained the ways models do it."""
    cat, paid, why = it["category"], money(it["paid"]), it["why_not"]
    change = (f"dropped from {paid} to {money(it['now'])}" if "now" in it else
              f"cost {paid}")
    if style == "sentences":
        if why:
            return (f"The {cat} {change}, but {why}, so you get nothing back for "
                    f"{'them' if cat.endswith('s') else 'it'}.")
        fee = f" after the {money(it['fee'])} restocking fee" if it.get("fee") else ""
        return f"The {cat} {change}, so you get {money(it['refund'])} back for it{fee}."
    if style == "compute_then_check":  # the figure first, then the rule that drops it
        verb = (f"a {money(it['would_be'])} difference" if "now" in it else
                f"{money(it['would_be'])} after fees")
        if why:
            return (f"The {cat} ({paid}) would give {verb}, but {why}, so it doesn't "
                    "qualify.")
        return f"The {cat} ({paid}) gives {verb}, and it qualifies."
    # table row
    return f"| {cat} | {paid} | {money(it['refund'])} | {why or 'eligible'} |"


def _per_item(style: str) -> Rewrite:
    """A two-item refund answer that goes item by item (prices, fees, differences, why an
    item gets nothing) and then states the total."""
    def rewrite(text: str, intent: dict[str, Any] | None) -> list[str] | None:
        if not intent or "items" not in intent:
            return None
        total = money(intent["answer"])
        lines = [_item_line(it, style) for it in intent["items"]]
        if style == "table":
            return ["| Item | Paid | Refund | Note |\n|---|---|---|---|\n" + "\n".join(lines)
                    + f"\n| **Total** | | **{total}** | |"]
        return [" ".join(lines) + f" In total you would get {total} back."]
    return rewrite


def _days(fmt: Callable[[int], str]) -> Rewrite:
    return _sub(_DAYS, lambda m: fmt(int(m.group(1))))


REWRITES: dict[str, Rewrite] = {
    "bold_values": _sub(re.compile(_VALUE.pattern), lambda m: f"**{m.group(0)}**"),
    "final_answer_prefix": lambda t, i: [f"Final answer: {t}"],
    "bold_answer_label": lambda t, i: [f"**Answer:** {t}"],
    "numbered_list": _listed(lambda i: f"{i}. "),
    "bulleted_list": _listed(lambda i: "- "),
    "star_bullets": _listed(lambda i: "* "),
    "markdown_table": _table,
    "value_on_next_line": _at_value(lambda m: "\n" + m.group(0)),
    "heading_then_value": lambda t, i: [f"### Result\n\n{t}"],
    "think_first": lambda t, i: [f"<think>Could be $1.00, or shipped, or 7 days; check.</think>"
                                 f"\n{t}"],
    "date_time_next_to_value": _at_value(lambda m: m.group(0) + " (as of 2025-06-01 09:30 UTC)"),
    "dollar_short_cents": _amounts(lambda w, c: f"${w}" + ("" if c == "00" else "."
                                                            + c.rstrip("0"))),
    "usd_after": _amounts(lambda w, c: f"{w:,}.{c} USD"),
    "usd_before": _amounts(lambda w, c: f"USD {w:,}.{c}"),
    "usd_glued": _amounts(lambda w, c: f"{w}.{c}USD"),
    "us_dollar_sign": _amounts(lambda w, c: f"US${w:,}.{c}"),
    "dollars_word": _amounts(lambda w, c: f"{w:,}.{c} dollars"),
    "thin_space_after_dollar": _amounts(lambda w, c: f"$\u2009{w:,}.{c}"),
    "nbsp_before_usd": _amounts(lambda w, c: f"{w:,}.{c}\u00a0USD"),
    "no_thousands_separator": _thousands(""),
    "thin_space_thousands": _thousands("\u202f"),
    "explanation_names_other_amounts": _explained,
    "typographic_minus_arithmetic": _arithmetic,
    "per_item_sentences": _per_item("sentences"),
    "per_item_compute_then_check": _per_item("compute_then_check"),
    "per_item_table": _per_item("table"),
    "status_paraphrase_1": _paraphrase(0),
    "status_paraphrase_2": _paraphrase(1),
    "days_more": _days(lambda n: f"{n} more days"),
    "days_spelled": _days(lambda n: f"{words(n)} days left"),
    "days_hyphen_window": _days(lambda n: f"{n} days left of the return window"),
    "clarifying_question_first": _clarify_first,
    "courtesy_question_after": lambda t, i: [f"{t} Is there anything else I can help you with?"],
    "crlf_and_spaces": lambda t, i: ["  " + t.replace(". ", ".\r\n").replace(" ", "  ") + "\r\n"],
}
# rewrites that only make sense on a message that answers an info intent
ANSWER_ONLY = {"explanation_names_other_amounts", "typographic_minus_arithmetic",
               "clarifying_question_first", "per_item_sentences",
               "per_item_compute_then_check", "per_item_table"}


def hedges(intent: dict[str, Any]) -> dict[str, str]:
    """Answers to an info intent that offer the gold value and another one: each must earn 0."""
    if intent["kind"] == "status":
        s = intent["status"]
        o = {"pending": "shipped", "processing": "delivered", "shipped": "processing",
             "delivered": "pending", "cancelled": "delivered"}[s]
        tail = f" Tracking: {intent['tracking']}." if intent.get("tracking") else ""
        oid = intent["order_id"]
        return {"status_or": f"Your order {oid} is {s} or {o}.{tail}",
                "status_slash": f"Order {oid}: {s}/{o}.{tail}",
                "status_if_not": f"Your order {oid} is {o} (if not {s} already).{tail}",
                "status_unless": f"Your order {oid} is {s}, unless it is {o} by now.{tail}",
                "status_two_sentences": f"Your order {oid} is {s}. It is {o}.{tail}"}
    a = intent["answer"]
    if intent["answer_type"] == "days":
        return {"days_or": f"You have {a} or {a + 1} days left.",
                "days_range": f"You have {a}-{a + 3} days left.",
                "days_maybe": f"You have {a} days left, maybe {a + 7} days."}
    other = next((v for v in intent.get("context", []) if v and v != a), a + 100)
    return {"money_or": f"It is either {money(a)} or {money(a + 100)}.",
            "money_slash": f"It is {money(a)}/{money(a + 100)}.",
            "money_between": f"It is between {money(a)} and {money(a + 250)}.",
            "money_range": f"It is {money(a)}-{money(a + 100)}.",
            "money_maybe_context": f"It is {money(a)}, maybe {money(other)}.",
            "money_two_final_lines": f"Final answer: {money(a)}\nFinal answer: "
                                     f"{money(a + 100)}"}


def answer_steps(task: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """Which gold `say` steps answer which info intent (by plan index)."""
    plan = task["gold_actions"]
    out: dict[int, dict[str, Any]] = {}
    for intent in task["intents"]:
        if intent["kind"] == "policy":
            out[max(k for k, s in enumerate(plan) if "say" in s)] = intent
        elif intent["kind"] == "status":
            for k, s in enumerate(plan):
                if s.get("say", "").startswith(f"Your order {intent['order_id']} is"):
                    out[k] = intent
    return out


def replay_messages(env: Any, name: str | None = None,
                    hedge: str | None = None) -> tuple[list[str], bool]:
    """The gold plan of `env`'s current task as messages, each `say` rewritten by `name` (or
    its answers replaced by the hedge `hedge`), and whether anything changed."""
    steps = answer_steps(env.task)
    out, changed = [], False
    for k, step in enumerate(env.task["gold_actions"]):
        if "calls" in step:
            out.append(env.tool_format.render([ToolCall("", n, dict(a))
                                               for n, a in step["calls"]]))
            continue
        new = None
        if hedge is not None and k in steps:
            new = [hedges(steps[k])[hedge]]
        elif name is not None and not (name in ANSWER_ONLY and k not in steps):
            new = REWRITES[name](step["say"], steps.get(k))
        changed |= bool(new)
        out += new or [step["say"]]
    return out, changed


def play_messages(env: Any, messages: list[str]) -> dict[str, Any]:
    """Send `messages` (then courtesy lines) until the episode ends; its verdict."""
    for message in messages + ["Is there anything else I can help with?"] * 3:
        *_, terminated, truncated, info = env.step(message)
        if terminated or truncated:
            return info["verdict"]
    raise RuntimeError("the episode did not end after the gold plan")


def check(task_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """Per rewrite and hedge class: tasks it applied to and failures (a rewrite below the
    full reward, a hedge with a non-zero answer component)."""
    from .env import EcommerceEnv
    env = EcommerceEnv()
    out: dict[str, dict[str, int]] = {}
    for task_id in task_ids:
        env.reset(options={"task_id": task_id})
        intents = list(answer_steps(env.task).values())
        for name in REWRITES:
            env.reset(options={"task_id": task_id})
            messages, changed = replay_messages(env, name)
            if changed:
                row = out.setdefault(name, {"applied": 0, "failed": 0})
                row["applied"] += 1
                row["failed"] += play_messages(env, messages)["reward"] != 1.0
        for hedge in hedges(intents[0]) if intents else {}:
            env.reset(options={"task_id": task_id})
            verdict = play_messages(env, replay_messages(env, hedge=hedge)[0])
            row = out.setdefault("hedge:" + hedge, {"applied": 0, "failed": 0})
            row["applied"] += 1
            row["failed"] += any(v for k, v in verdict["reward_breakdown"].items()
                                 if k.endswith("answer"))
    return out


def main(argv: Sequence[str] | None = None) -> None:
    from .tasks import LEVELS, TASK_TYPES
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-cell", type=int, default=12, help="tasks per type and level")
    parser.add_argument("--seed", type=int, default=0, help="task seed")
    args = parser.parse_args(argv)
    ids = [f"{t}/d{d}/{args.seed}/{500 + i}" for t in TASK_TYPES for d in LEVELS
           for i in range(args.per_cell)]
    report = check(ids)
    print(f"{'class':<40}{'applied':>9}{'failed':>8}")
    for name, row in sorted(report.items()):
        print(f"{name:<40}{row['applied']:>9}{row['failed']:>8}")
    print(f"{len(ids)} tasks; {sum(r['failed'] for r in report.values())} failures")


if __name__ == "__main__":
    main()
