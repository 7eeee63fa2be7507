"""Multi-step word problems (shopping, rates, ages, work, catch-up, coins, mixtures). Each is
built backwards from its answer, so the numbers always work out; golds are integers or exact
decimals."""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ._common import (
    NAMES,
    LeveledFamily,
    is_terminating,
    money,
    number_answer,
    plural,
    require,
    retry,
)

KINDS = ("shopping", "bakery", "distance", "ages_sum", "ages_ratio", "work_together",
         "catch_up", "average_speed", "work_leave", "coins", "blend")


@dataclass(frozen=True)
class WordProblemConfig:
    """One level: kinds of story (more steps and more unknowns at higher levels) and a scale
    for the numbers."""

    kinds: tuple[str, ...]
    scale: int

    def validate(self) -> None:
        require(bool(self.kinds) and set(self.kinds) <= set(KINDS), f"kinds must be from {KINDS}")
        require(self.scale >= 1, "scale must be at least 1")


LEVELS = {
    1: WordProblemConfig(("shopping", "distance"), scale=1),
    2: WordProblemConfig(("shopping", "bakery", "distance", "ages_sum"), scale=2),
    3: WordProblemConfig(("bakery", "ages_sum", "ages_ratio", "work_together"), scale=3),
    4: WordProblemConfig(("ages_ratio", "work_together", "catch_up", "average_speed"), scale=4),
    5: WordProblemConfig(("work_leave", "coins", "blend", "catch_up", "average_speed"), scale=5),
}


class WordProblemsFamily(LeveledFamily[WordProblemConfig]):
    """Multi-step word problems with a single numeric answer."""

    name = "word_problems"
    answer_types = ("integer", "number")
    default_levels = LEVELS

    def _generate(self, rng: random.Random, cfg: WordProblemConfig) -> dict[str, Any]:
        kind = rng.choice(cfg.kinds)
        question, value = retry(rng, lambda r: getattr(self, f"_{kind}")(r, cfg), self.name)
        value = Fraction(value)
        answer = number_answer(value)
        return {"question": question, "answer": answer,
                "answer_type": "integer" if value.denominator == 1 else "number",
                "metadata": {"kind": kind, "value": f"{value.numerator}/{value.denominator}"}}

    def _shopping(self, rng: random.Random, cfg: WordProblemConfig):
        name = rng.choice(NAMES)
        a, b = rng.randint(2, 3 + 2 * cfg.scale), rng.randint(2, 3 + 2 * cfg.scale)
        p, q = rng.randint(2, 6 * cfg.scale), rng.randint(1, 4 * cfg.scale)
        cost = a * p + b * q
        # Any note larger than the cost (not always the smallest): the change spreads out.
        bill = rng.choice([v for v in (20, 50, 100, 200, 500) if v > cost][:3])
        extra = ""
        total = cost
        if cfg.scale > 1 and rng.random() < 0.5:
            k = rng.randint(1, a - 1)
            extra = f" On the way home {name} returns {k} of the notebooks for a full refund."
            total -= k * p
        return (f"{name} buys {a} notebooks at {money(p)} each and {b} pens at {money(q)} each, "
                f"paying with a {money(bill)} bill.{extra} How much money, in dollars, does "
                f"{name} have left from the {money(bill)} after all this?", bill - total)

    def _bakery(self, rng: random.Random, cfg: WordProblemConfig):
        trays, per = rng.randint(3, 4 + 2 * cfg.scale), rng.choice([6, 8, 10, 12, 16, 20, 24])
        made = trays * per
        sold = rng.randint(made // 5, made // 2)
        rest = made - sold
        if rest % 2:
            return None
        left = rest // 2
        frac = "half"
        if cfg.scale >= 3 and rest % 3 == 0 and rng.random() < 0.5:
            frac, left = "two thirds", rest - 2 * rest // 3
        return (f"A bakery bakes {trays} trays of muffins with {per} muffins on each tray. It "
                f"sells {sold} muffins in the morning and {frac} of the remaining muffins in "
                f"the afternoon. How many muffins are left at the end of the day?", left)

    def _distance(self, rng: random.Random, cfg: WordProblemConfig):
        name = rng.choice(NAMES)
        v, t = rng.randint(4, 12) * 5, rng.randint(1, 2 + cfg.scale)
        w, u = rng.randint(4, 12) * 5, rng.randint(1, 2 + cfg.scale)
        if cfg.scale > 1:
            half = rng.choice([True, False])
            if half:
                return (f"{name} drives for {plural(t, 'hour')} at {v} miles per hour, then for {u} and a "
                        f"half hours at {w} miles per hour. How many miles does {name} drive in "
                        f"total?", v * t + w * Fraction(2 * u + 1, 2))
        return (f"{name} drives for {plural(t, 'hour')} at {v} miles per hour and then for "
                f"{plural(u, 'hour')} at "
                f"{w} miles per hour. How many miles does {name} drive in total?", v * t + w * u)

    def _ages_sum(self, rng: random.Random, cfg: WordProblemConfig):
        a, b = rng.sample(NAMES, 2)
        young = rng.randint(3, 20 + 5 * cfg.scale)
        d, n = rng.randint(2, 30), rng.randint(2, 15)
        total = (young + d + n) + (young + n)
        return (f"{a} is {d} years older than {b}. In {n} years, the sum of their ages will be "
                f"{total}. How old is {b} now?", young)

    def _ages_ratio(self, rng: random.Random, cfg: WordProblemConfig):
        a, b = rng.sample(NAMES, 2)
        young, k, n = rng.randint(2, 25), rng.randint(2, 5), rng.randint(2, 30)
        old = k * young
        m = Fraction(old + n, young + n)
        if m.denominator != 1 or m <= 1 or m == k:
            return None
        times = {2: "twice", 3: "three times", 4: "four times", 5: "five times"}
        if int(m) not in times:
            return None
        return (f"{a} is {times.get(k, f'{k} times')} as old as {b}. In {n} years, {a} will be "
                f"{times[int(m)]} as old as {b}. How old is {a} now?", old)

    def _work_together(self, rng: random.Random, cfg: WordProblemConfig):
        a, b = rng.sample(NAMES, 2)
        ta, tb = rng.randint(2, 6 + cfg.scale), rng.randint(2, 6 + cfg.scale)
        together = Fraction(ta * tb, ta + tb)
        minutes = together * 60
        if minutes.denominator != 1:
            return None
        if cfg.scale >= 4 and rng.random() < 0.5:
            return (f"{a} can paint a room in {ta} hours, and {b} can paint the same room in {tb}"
                    f" hours. Working together at these rates, how many hours will they take to "
                    f"paint the room?", together) if is_terminating(together) else None
        return (f"One pipe fills a tank in {ta} hours and a second pipe fills it in {tb} hours. "
                f"With both pipes open, how many minutes does it take to fill the empty tank?",
                minutes)

    def _catch_up(self, rng: random.Random, cfg: WordProblemConfig):
        v1 = rng.randint(8, 16) * 5
        v2 = v1 + rng.randint(1, 6) * 5
        delay = Fraction(rng.randint(1, 6), 2)
        hours = delay * v1 / (v2 - v1)
        if not is_terminating(hours) or hours > 20:
            return None
        d_text = (f"{int(delay * 60)} minutes" if delay < 1 else "one hour" if delay == 1
                  else f"{float(delay):g} hours")
        return (f"A freight train leaves a station traveling at {v1} km/h. {d_text.capitalize()}"
                f" later, a passenger train leaves the same station on a parallel track, in the "
                f"same direction, at {v2} km/h. How many hours after the passenger train leaves "
                f"does it catch up with the freight train?", hours)

    def _average_speed(self, rng: random.Random, cfg: WordProblemConfig):
        name = rng.choice(NAMES)
        v1, v2 = rng.sample(range(20, 81, 5), 2)
        avg = Fraction(2 * v1 * v2, v1 + v2)
        if not is_terminating(avg) or len(number_answer(avg)) > 6:
            return None
        return (f"{name} cycles from home to a lake at {v1} km/h and returns along the same road "
                f"at {v2} km/h. What is {name}'s average speed for the whole round trip, in "
                f"km/h?", avg)

    def _work_leave(self, rng: random.Random, cfg: WordProblemConfig):
        a, b = rng.sample(NAMES, 2)
        ta, tb = rng.randint(3, 12), rng.randint(3, 12)
        t = rng.randint(1, min(ta, tb) - 1)
        done = Fraction(t, ta) + Fraction(t, tb)
        if done >= 1:
            return None
        rest = (1 - done) * tb
        if not is_terminating(rest) or len(number_answer(rest)) > 5:
            return None
        return (f"{a} can build a fence alone in {ta} hours; {b} can build it alone in {tb} "
                f"hours. They work together for {t} hour{'s' if t > 1 else ''}, then {a} leaves. "
                f"How many more hours does {b} need to finish the fence alone?", rest)

    def _coins(self, rng: random.Random, cfg: WordProblemConfig):
        name = rng.choice(NAMES)
        dimes, quarters = rng.randint(3, 40), rng.randint(3, 40)
        value = Fraction(10 * dimes + 25 * quarters, 100)
        return (f"{name} has {dimes + quarters} coins, all dimes and quarters, worth "
                f"{money(value)} in total. How many quarters does {name} have?", quarters)

    def _blend(self, rng: random.Random, cfg: WordProblemConfig):
        p1, p2 = rng.randint(4, 9), rng.randint(11, 18)
        w2 = rng.randint(2, 20)
        target = rng.randint(p1 + 1, p2 - 1)
        # p1 w1 + p2 w2 = target (w1 + w2)  →  w1 = w2 (p2 - target) / (target - p1)
        w1 = Fraction(w2 * (p2 - target), target - p1)
        if not is_terminating(w1) or len(number_answer(w1)) > 5:
            return None
        return (f"A shop mixes tea that costs {money(p1)} per pound with {w2} pounds of tea that "
                f"costs {money(p2)} per pound. How many pounds of the cheaper tea are needed "
                f"so that the blend costs {money(target)} per pound?", w1)
