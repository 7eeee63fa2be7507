"""Policies that ignore the customer's request, and a harness that plays them over many
tasks: the adversarial check of rlvr/Ecommerce-v0's reward (docs/envs/ecommerce.md,
"Chance level"). Every strategy sees only what an agent sees (observations, `info`); the
prior strategies learn from the gold solver on training tasks disjoint from the test tasks.

    python -m rlvr_envs.envs.ecommerce.adversary [--tasks 400] [--json-out PATH]
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...core.tools import ToolCall
from .env import EcommerceEnv
from .goals import ID_RE
from .tasks import LEVELS, TASK_TYPES

POLICY_TOPICS = ("returns", "shipping", "price_match", "cancellation", "exchanges")
STATUSES = ("pending", "processing", "shipped", "delivered", "cancelled")
_PID = re.compile(r"\bP\d{5}\b")
_OID = re.compile(r"\bO\d{7}\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ZIP = re.compile(r"zip code is (\d{5})")
_AMOUNTS = re.compile(r"\$\d[\d,]*(?:\.\d\d)?")
_DAYS = re.compile(r"\b\d{1,3}(?= days?\b)")


@dataclass
class View:
    """What a strategy sees at one turn, and a per-episode scratch dict."""

    obs: str
    info: dict[str, Any]
    turn: int
    fmt: Any
    memo: dict[str, Any] = field(default_factory=dict)

    def calls(self, *pairs: tuple[str, dict[str, Any]]) -> str:
        return self.fmt.render([ToolCall("", n, dict(a)) for n, a in pairs])

    @property
    def opening(self) -> str:
        return next(m["content"] for m in self.info["messages"] if m["role"] == "user")

    @property
    def seen(self) -> str:
        return "\n".join(str(m.get("content") or "") for m in self.info["messages"]
                         if m["role"] in ("user", "tool"))


Strategy = Callable[[View], str]


def constant(text: str) -> Strategy:
    return lambda v: text


def echo(v: View) -> str:
    return v.obs


def first_hit(query_from_opening: bool) -> Strategy:
    """Search (the opening's words, or nothing), add the first in-stock hit, claim success."""
    def act(v: View) -> str:
        if v.turn == 0:
            query = " ".join(re.findall(r"[A-Za-z]+", v.opening)) if query_from_opening else ""
            return v.calls(("search_products", {"query": query, "in_stock_only": True,
                                                "limit": 1}))
        if v.turn == 1:
            hit = _PID.search(v.obs)
            if hit:
                return v.calls(("add_to_cart", {"product_id": hit.group(0), "quantity": 1}))
        return "I added the best match to your cart. Anything else?"
    return act


def act_on_ids(from_customer: bool) -> Strategy:
    """Adds, tracks, cancels and returns without looking anything up: on made-up ids, or on
    the ids the customer wrote (which reads part of the request)."""
    def act(v: View) -> str:
        if v.turn == 0:
            pids = _PID.findall(v.opening) if from_customer else ["P01234", "P05678"]
            oids = _OID.findall(v.opening) if from_customer else ["O1234567"]
            calls = [("add_to_cart", {"product_id": p, "quantity": 1}) for p in pids]
            for o in oids:
                calls += [("track_order", {"order_id": o}), ("cancel_order", {"order_id": o}),
                          ("return_items", {"order_id": o, "product_ids": pids or ["P01234"]})]
            return v.calls(*calls) if calls else "Done."
        return "All done: everything you asked for is taken care of."
    return act


def replay_other_task(prior: GoldPrior) -> Strategy:
    """The gold solver's whole plan for another task of the same type and level."""
    def act(v: View) -> str:
        task = v.info["task"]
        plan = prior.plans.get((task.get("family", ""), int(task.get("difficulty", 1))), [])
        if v.turn >= len(plan):
            return "Is there anything else I can help you with?"
        step = plan[v.turn]
        return step["say"] if "say" in step else v.calls(*[(n, a) for n, a in step["calls"]])
    return act


def lookup_everything_then(text: Strategy) -> Strategy:
    """Every policy topic first (a task-independent lookup), then `text`."""
    def act(v: View) -> str:
        if v.turn == 0:
            return v.calls(*[("get_policy", {"topic": t}) for t in POLICY_TOPICS])
        return text(v)
    return act


def list_everything(v: View) -> str:
    """Every status, every amount and day count seen so far, offered at once."""
    amounts = sorted(set(_AMOUNTS.findall(v.seen)))
    days = sorted(set(_DAYS.findall(v.seen)), key=int)
    return (f"It is {', '.join(STATUSES)}. The amount is {' or '.join(amounts) or '$0.00'}; "
            f"you have {' or '.join(days) or '30'} days.")


def every_tool_blank(v: View) -> str:
    if v.turn == 0:
        return v.calls(*[(t["function"]["name"] if "function" in t else t["name"], {})
                         for t in v.info["tools"]])
    return "Done. Everything is sorted."


def identify_then(text: Strategy) -> Strategy:
    """Reads only the identity (email, zip) from the dialogue; looks up every order of the
    customer; then `text`. It reads part of the request, so it is reported apart."""
    def act(v: View) -> str:
        m = v.memo
        if "cid" not in m:
            email, zipc = _EMAIL.search(v.seen), _ZIP.search(v.seen)
            if not (email and zipc):
                return "Could you tell me your email address and zip code?"
            m["cid"] = ""
            m["zip"] = zipc.group(1)
            return v.calls(("find_customer", {"email": email.group(0)}))
        if not m["cid"]:
            cid = re.search(r"C\d{5}", v.obs)
            m["cid"] = cid.group(0) if cid else "C00000"
            return v.calls(("verify_customer", {"customer_id": m["cid"], "zip_code": m["zip"]}),
                           ("get_customer", {"customer_id": m["cid"]}))
        if "tracked" not in m:
            m["tracked"] = True
            return v.calls(*[("track_order", {"order_id": o})
                             for o in sorted(set(_OID.findall(v.obs)))[:16]])
        return text(v)
    return act


def most_seen_status(v: View) -> str:
    statuses = Counter(re.findall(r'"status": "(\w+)"', v.seen))
    top = statuses.most_common(1)[0][0] if statuses else "delivered"
    tracking = re.findall(r"TRK\d{9}", v.seen)
    return f"Your order is {top}." + (f" Tracking number: {tracking[0]}." if tracking else "")


class GoldPrior:
    """The gold solver's most frequent final message per (task type, level), ids removed,
    learned on training tasks: the constant a policy that learned the answer skew would say."""

    def __init__(self, train_seed: int = 7, n_per_cell: int = 40) -> None:
        env = EcommerceEnv(task_seed=train_seed)
        self.best: dict[tuple[str, int], str] = {}
        self.plans: dict[tuple[str, int], list[dict[str, Any]]] = {}
        for t in TASK_TYPES:
            for d in LEVELS:
                finals: Counter[str] = Counter()
                for i in range(n_per_cell):
                    env.reset(options={"task_id": f"{t}/d{d}/{train_seed}/{i}"})
                    said = [s["say"] for s in env.task["gold_actions"] if "say" in s]
                    if said:
                        finals[_strip_ids(said[-1])] += 1
                self.best[(t, d)] = finals.most_common(1)[0][0] if finals else "Done."
                self.plans[(t, d)] = env.task["gold_actions"]

    def __call__(self, v: View) -> str:
        task = v.info["task"]
        return self.best.get((task.get("family", ""), int(task.get("difficulty", 1))), "Done.")


def _strip_ids(text: str) -> str:
    return re.sub(r"\s+", " ", ID_RE.sub("", text)).replace(" ,", ",").replace(" .", ".")


def strategies(prior: GoldPrior | None = None) -> dict[str, Strategy]:
    """The strategies that ignore the request, by name: the chance-level bar applies."""
    prior = prior or GoldPrior()
    out: dict[str, Strategy] = {
        "gold_prior_constant": prior,
        "policy_lookup_then_gold_prior": lookup_everything_then(prior),
        "claim_success": constant("Done! I've processed everything: your order has been "
                                  "cancelled, your return is complete, your refund is on its "
                                  "way and your cart is ready."),
        "yes": constant("Yes."),
        "confirm_without_acting": constant("Shall I go ahead with that? Please confirm."),
        "echo_customer": echo,
        "question_listing_every_status": constant(
            "Could you tell me whether it is pending, processing, shipped, delivered or "
            "cancelled?"),
        "first_hit_blind": first_hit(False),
        "made_up_ids": act_on_ids(False),
        "list_every_status_and_amount": lookup_everything_then(list_everything),
        "every_tool_blank_args": every_tool_blank,
        "replay_gold_plan_of_another_task": replay_other_task(prior),
    }
    for s in STATUSES:
        out[f"status_{s}"] = constant(f"Your order is {s}.")
    for text in ("You would get $0.00 back.", "You can return it within 30 days.",
                 "Standard shipping is free.", "Standard shipping costs $5.99."):
        out["after_lookup: " + text] = lookup_everything_then(constant(text))
    return out


def request_reading_strategies() -> dict[str, Strategy]:
    """Lazy strategies that read part of the request (its words, ids or identity) but skip
    the rest: reported beside the others, not held to the chance level, since part of their
    reward is for correct work (docs/envs/ecommerce.md, "Chance level")."""
    return {"first_hit_for_opening_words": first_hit(True),
            "customer_ids_without_lookup": act_on_ids(True),
            "identify_track_all_then_majority_status": identify_then(most_seen_status)}


def eval_task_ids(n: int, seed: int = 0, offset: int = 100_000) -> list[str]:
    """`n` task ids spread evenly over task types and levels (indices disjoint from the
    prior's training tasks, which use another task seed)."""
    grid = [(t, d) for d in LEVELS for t in TASK_TYPES]
    return [f"{t}/d{d}/{seed}/{offset + k}" for k, (t, d) in
            ((k, grid[k % len(grid)]) for k in range(n))]


def gold_answer(task: dict[str, Any]) -> tuple[Any, ...]:
    """What a constant response would have to match in a task: per intent, the status, the
    policy number, the category of a pick, the returnable items by position, the wanted
    cart, the bundle's categories, or just the kind (a cancellation)."""
    out: list[Any] = []
    for it in task["intents"]:
        if it["kind"] == "status":
            out.append(("status", it["status"]))
        elif it["kind"] == "policy":
            out.append(("policy", it["answer"]))
        elif it["kind"] == "pick":
            out.append(("pick", it["constraints"]["category"]))
        elif it["kind"] == "return":
            out.append(("return", tuple(p in it["eligible"] for p in it["requested"])))
        elif it["kind"] == "cart":
            out.append(("cart", tuple(sorted(it["items"].items()))))
        elif it["kind"] == "bundle":
            out.append(("bundle", tuple(sorted(p["category"] for p in it["parts"]))))
        else:
            out.append((it["kind"],))
    return tuple(out)


def answer_skew(n: int, seed: int = 0) -> dict[str, tuple[float, Any]]:
    """Per task type and level: the share of the most frequent `gold_answer` over `n`
    generated tasks, and that answer."""
    from ...core.tasks import ProceduralSource
    from .tasks import EcomFamily
    out: dict[str, tuple[float, Any]] = {}
    for t in TASK_TYPES:
        source = ProceduralSource([EcomFamily(t)], seed=seed, domain="ecommerce")
        for d in LEVELS:
            counts = Counter(gold_answer(source.build(t, d, i)) for i in range(n))
            top, k = counts.most_common(1)[0]
            out[f"{t}/d{d}"] = (k / n, top)
    return out


def play(strategy: Strategy, task_id: str, tool_format: str = "hermes") -> dict[str, Any]:
    env = EcommerceEnv(tool_format=tool_format)
    obs, info = env.reset(options={"task_id": task_id})
    memo: dict[str, Any] = {}
    reward, verdict = 0.0, {}
    for k in range(env.max_turns):
        action = strategy(View(obs, info, k, env.tool_format, memo))
        obs, reward, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            verdict = info.get("verdict", {})
            break
    return {"task_id": task_id, "reward": float(reward), "passed": bool(verdict.get("passed"))}


def evaluate(strats: dict[str, Strategy], task_ids: Sequence[str],
             tool_formats: Sequence[str] = ("hermes",)) -> dict[str, dict[str, Any]]:
    """Mean reward and pass rate of each strategy, overall and per task type."""
    out: dict[str, dict[str, Any]] = {}
    for name, strat in strats.items():
        runs = [play(strat, tid, tool_formats[k % len(tool_formats)])
                for k, tid in enumerate(task_ids)]
        by_type: dict[str, list[float]] = {}
        for r in runs:
            by_type.setdefault(r["task_id"].split("/")[0], []).append(r["reward"])
        out[name] = {"mean_reward": sum(r["reward"] for r in runs) / len(runs),
                     "pass_rate": sum(r["passed"] for r in runs) / len(runs),
                     "max_type_mean": max(sum(v) / len(v) for v in by_type.values()),
                     "by_type": {t: sum(v) / len(v) for t, v in sorted(by_type.items())},
                     "n": len(runs)}
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=400, help="test tasks (types x levels)")
    parser.add_argument("--seed", type=int, default=0, help="task seed of the test tasks")
    parser.add_argument("--formats", nargs="+", default=["hermes", "openai_json", "pythonic",
                                                         "mistral"])
    parser.add_argument("--skew", type=int, default=0, metavar="N",
                        help="also measure the gold answer spread over N tasks per cell")
    parser.add_argument("--json-out", help="write the results as JSON here")
    args = parser.parse_args(argv)
    ids = eval_task_ids(args.tasks, args.seed)
    chance = float(getattr(EcommerceEnv, "chance_level", 0.0))
    report: dict[str, Any] = {"env_id": "rlvr/Ecommerce-v0", "chance_level": chance,
                              "tasks": args.tasks, "formats": args.formats}
    for group, strats in (("ignores_request", strategies()),
                          ("reads_part_of_request", request_reading_strategies())):
        results = evaluate(strats, ids, args.formats)
        report[group] = results
        print(f"\n{group}\n{'strategy':<48}{'mean':>8}{'pass':>7}{'worst type mean':>22}")
        for name, r in sorted(results.items(), key=lambda kv: -kv[1]["mean_reward"]):
            worst = max(r["by_type"], key=r["by_type"].get)
            print(f"{name:<48}{r['mean_reward']:>8.4f}{r['pass_rate']:>7.3f}"
                  f"{r['max_type_mean']:>8.3f} {worst}")
    best = max(r["mean_reward"] for r in report["ignores_request"].values())
    print(f"\nbest strategy that ignores the request: {best:.4f} (chance level {chance}, "
          f"bar {chance + 0.02:.2f}); {args.tasks} tasks, formats {', '.join(args.formats)}")
    if args.skew:
        report["answer_skew"] = answer_skew(args.skew)
        print(f"\nmost frequent gold answer per type and level ({args.skew} tasks each)")
        for cell, (share, top) in report["answer_skew"].items():
            print(f"{cell:<18}{share:>7.3f}  {top}")
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1, default=str)


if __name__ == "__main__":
    main()
