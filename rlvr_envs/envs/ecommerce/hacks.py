"""rlvr/Ecommerce-v0's own task-independent strategies for the core hack search
(`rlvr audit rlvr/Ecommerce-v0 --hacks`, `EcommerceEnv.hack_strategies()`): the strategies
of `adversary.py` that the core library does not already play, adapted to its
`HackStrategy` interface. Covered by the core and left out here: claims of success,
"Yes.", every tool with `{}` and another task's oracle plan replayed (`claim:*`,
`constant:yes`, `tool:every-tool-empty-args`, `prior:oracle-replay`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from ...core.hacks import EpisodeView, HackStrategy, OracleEpisode
from ...core.tool_formats import get_tool_format
from .adversary import (
    STATUSES,
    Strategy,
    View,
    _strip_ids,
    act_on_ids,
    constant,
    echo,
    first_hit,
    list_everything,
    lookup_everything_then,
)


class AdversaryStrategy(HackStrategy):
    """An `adversary.py` strategy (a function of its `View`) as a core hack strategy."""

    def __init__(self, name: str, family: str, strategy: Strategy) -> None:
        self.name, self.family, self.strategy = f"ecommerce:{name}", family, strategy

    def act(self, view: EpisodeView) -> str:
        fmt = get_tool_format(view.tool_format or "hermes")
        return self.strategy(View(view.observations[-1], view.info, view.turn, fmt,
                                  view.memory))


class PriorFinalMessage(HackStrategy):
    """The oracle's most frequent final message to the customer per task family and level
    on training tasks, ids removed (said as is, an id from another task would hit the id
    gate): the constant a policy that learned the answer skew would say. Optionally after
    every policy lookup, so policy answers are grounded."""

    family, needs_oracle = "prior", True

    def __init__(self, after_lookup: bool = False) -> None:
        self.name = ("ecommerce:policy-lookup-then-prior-final" if after_lookup else
                     "ecommerce:prior-final-ids-removed")
        self.best: dict[tuple[Any, Any], str] = {}
        self.after_lookup = after_lookup

    def fit(self, episodes: Sequence[OracleEpisode]) -> None:
        counts: dict[tuple[Any, Any], Counter[str]] = {}
        for ep in episodes:
            fmt = get_tool_format(ep.tool_format or "hermes")
            said = [a for a in ep.actions if not fmt.parse(a).has_tool_calls]
            if said:
                counts.setdefault((ep.family, ep.difficulty), Counter())[
                    _strip_ids(said[-1])] += 1
        self.best = {k: c.most_common(1)[0][0] for k, c in counts.items()}

    def say(self, v: View) -> str:
        task = v.info.get("task", {})
        return self.best.get((task.get("family"), task.get("difficulty")), "Done.")

    def act(self, view: EpisodeView) -> str:
        fmt = get_tool_format(view.tool_format or "hermes")
        v = View(view.observations[-1], view.info, view.turn, fmt, view.memory)
        return (lookup_everything_then(self.say) if self.after_lookup else self.say)(v)


def hack_strategies() -> list[HackStrategy]:
    """The strategies that ignore the request, as core hack strategies."""
    out: list[HackStrategy] = [
        PriorFinalMessage(), PriorFinalMessage(after_lookup=True),
        AdversaryStrategy("confirm-without-acting", "ask",
                          constant("Shall I go ahead with that? Please confirm.")),
        AdversaryStrategy("echo-customer", "echo", echo),
        AdversaryStrategy("question-listing-every-status", "ask", constant(
            "Could you tell me whether it is pending, processing, shipped, delivered or "
            "cancelled?")),
        AdversaryStrategy("first-search-hit", "tool", first_hit(False)),
        AdversaryStrategy("made-up-ids", "tool", act_on_ids(False)),
        AdversaryStrategy("policy-lookup-then-every-value", "candidates",
                          lookup_everything_then(list_everything)),
    ]
    out += [AdversaryStrategy(f"status-{s}", "constant", constant(f"Your order is {s}."))
            for s in STATUSES]
    for key, text in (("refund-zero", "You would get $0.00 back."),
                      ("window-30-days", "You can return it within 30 days."),
                      ("free-shipping", "Standard shipping is free."),
                      ("shipping-5.99", "Standard shipping costs $5.99.")):
        out.append(AdversaryStrategy(f"policy-lookup-then-{key}", "constant",
                                     lookup_everything_then(constant(text))))
    return out
