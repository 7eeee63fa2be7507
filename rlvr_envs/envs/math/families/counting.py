"""Combinatorics and probability: counts are integers, probabilities are fractions in lowest
terms (`\\frac{5}{36}`)."""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ._common import NAMES, LeveledFamily, frac_latex, plural, require

KINDS = ("choose", "arrange", "marble", "word_arrangements", "dice_sum", "committee",
         "two_draws", "binomial", "at_least_one", "inclusion_exclusion", "stars_bars",
         "derangement", "circular")
WORDS = ("BANANA", "LETTER", "COMMITTEE", "STATISTICS", "BOOKKEEPER", "MISSISSIPPI",
         "TENNESSEE", "PEPPER", "BALLOON", "COFFEE", "ASSESS", "PARALLEL", "SUCCESS", "LLAMA",
         "REFERENCE", "ELEVEN", "CHEESE", "GAGGLE")
COLORS = ("red", "blue", "green", "yellow", "white", "black")


@dataclass(frozen=True)
class CountingConfig:
    """One level: kinds of problem and how big the sets are."""

    kinds: tuple[str, ...]
    max_n: int

    def validate(self) -> None:
        require(bool(self.kinds) and set(self.kinds) <= set(KINDS), f"kinds must be from {KINDS}")
        require(self.max_n >= 6, "max_n must be at least 6")


LEVELS = {
    1: CountingConfig(("choose", "arrange", "marble"), max_n=8),
    2: CountingConfig(("word_arrangements", "dice_sum", "choose", "marble"), max_n=10),
    3: CountingConfig(("committee", "two_draws", "dice_sum", "circular"), max_n=12),
    4: CountingConfig(("binomial", "at_least_one", "inclusion_exclusion", "two_draws"),
                      max_n=12),
    5: CountingConfig(("stars_bars", "derangement", "binomial", "inclusion_exclusion"),
                      max_n=15),
}


def derangements(n: int) -> int:
    d = [1, 0]
    for k in range(2, n + 1):
        d.append((k - 1) * (d[-1] + d[-2]))
    return d[n]


class CountingFamily(LeveledFamily[CountingConfig]):
    """Counting problems (integer golds) and probability problems (fraction golds)."""

    name = "counting"
    answer_types = ("integer", "number")
    default_levels = LEVELS

    def _generate(self, rng: random.Random, cfg: CountingConfig) -> dict[str, Any]:
        kind = rng.choice(cfg.kinds)
        question, value = getattr(self, f"_{kind}")(rng, cfg)
        value = Fraction(value)
        is_int = value.denominator == 1 and "probability" not in question
        if not is_int:
            question += " Express your answer as a common fraction."
        return {"question": question, "answer": frac_latex(value),
                "answer_type": "integer" if is_int else "number",
                "metadata": {"kind": kind, "value": f"{value.numerator}/{value.denominator}"}}

    def _choose(self, rng: random.Random, cfg: CountingConfig):
        n = rng.randint(5, cfg.max_n + 4)
        k = rng.randint(2, n - 2)
        thing = rng.choice(["books from a shelf of", "toppings from a menu of",
                            "students from a class of", "songs from a playlist of"])
        return (f"In how many ways can you choose {k} {thing} {n}, if the order of the choice "
                f"does not matter?", math.comb(n, k))

    def _arrange(self, rng: random.Random, cfg: CountingConfig):
        n = rng.randint(4, cfg.max_n + 2)
        k = rng.randint(2, min(n, 5))
        return (f"A race has {n} runners. In how many different ways can the gold, silver"
                f"{' and bronze medals' if k == 3 else ' medals'} be awarded, assuming no ties?"
                if k in (2, 3) else
                f"In how many ways can {k} of {n} different books be placed in a row on a shelf?",
                math.perm(n, k))

    def _marble(self, rng: random.Random, cfg: CountingConfig):
        colors = rng.sample(COLORS, 3)
        counts = [rng.randint(1, cfg.max_n) for _ in colors]
        target = rng.randrange(3)
        bag = f"{counts[0]} {colors[0]}, {counts[1]} {colors[1]} and {counts[2]} {colors[2]}"
        return (f"A bag contains {bag} marbles. One marble is drawn at random. What is the "
                f"probability that it is {colors[target]}?",
                Fraction(counts[target], sum(counts)))

    def _word_arrangements(self, rng: random.Random, cfg: CountingConfig):
        if rng.random() < 0.5:
            word = rng.choice([w for w in WORDS if len(w) <= cfg.max_n])
        else:  # a random multiset of letters: counts spread out, not a few words' values
            letters = rng.sample("ABCDEGHKLMNPRST", rng.randint(3, 5))
            word = "".join(c * rng.randint(1, 3) for c in letters)[:cfg.max_n]
        total = math.factorial(len(word))
        for k in Counter(word).values():
            total //= math.factorial(k)
        return f"How many distinct arrangements of the letters of the word {word} are there?", \
            total

    def _dice_sum(self, rng: random.Random, cfg: CountingConfig):
        dice = 2 if cfg.max_n <= 10 else rng.choice([2, 3])
        target = rng.randint(dice + 1, 6 * dice - 1)
        rel, test = rng.choice([("exactly", lambda s: s == target),
                                ("at least", lambda s: s >= target),
                                ("at most", lambda s: s <= target)])
        hits = sum(1 for roll in itertools.product(range(1, 7), repeat=dice) if test(sum(roll)))
        return (f"{dice} fair six-sided dice are rolled. What is the probability that the sum "
                f"of the numbers shown is {rel} {target}?".replace("2 fair", "Two fair")
                .replace("3 fair", "Three fair"), Fraction(hits, 6 ** dice))

    def _committee(self, rng: random.Random, cfg: CountingConfig):
        a, b = rng.randint(3, cfg.max_n), rng.randint(3, cfg.max_n)
        size = rng.randint(3, min(6, a + b - 1))
        if rng.random() < 0.5:
            k = rng.randint(1, min(size - 1, a))
            return (f"A club has {a} seniors and {b} juniors. How many committees of {size} "
                    f"members contain exactly {plural(k, 'senior')}?", math.comb(a, k) * math.comb(b, size - k))
        total = math.comb(a + b, size) - math.comb(b, size)
        return (f"A club has {a} seniors and {b} juniors. How many committees of {size} members "
                f"include at least one senior?", total)

    def _two_draws(self, rng: random.Random, cfg: CountingConfig):
        red, blue = rng.randint(2, cfg.max_n), rng.randint(2, cfg.max_n)
        n = red + blue
        if rng.random() < 0.5:
            return (f"A box holds {red} red and {blue} blue balls. Two balls are drawn at random "
                    f"without replacement. What is the probability that both are red?",
                    Fraction(red * (red - 1), n * (n - 1)))
        return (f"A box holds {red} red and {blue} blue balls. Two balls are drawn at random "
                f"without replacement. What is the probability that they have different colors?",
                Fraction(2 * red * blue, n * (n - 1)))

    def _circular(self, rng: random.Random, cfg: CountingConfig):
        n = rng.randint(5, min(cfg.max_n, 10))
        same = "if two seatings are the same when one is a rotation of the other"
        variant = rng.randrange(4)  # four question shapes, so (n-1)! is not every answer
        if variant == 0:
            return (f"In how many ways can {n} people sit around a round table, {same}?",
                    math.factorial(n - 1))
        if variant == 1:
            return (f"In how many ways can {n} people sit around a round table so that two "
                    f"particular people sit next to each other, {same}?",
                    2 * math.factorial(n - 2))
        if variant == 2:
            return (f"In how many ways can {n} people sit around a round table so that two "
                    f"particular people do not sit next to each other, {same}?",
                    math.factorial(n - 1) - 2 * math.factorial(n - 2))
        k = rng.randint(3, n - 1)
        return (f"From a group of {n} people, {k} are chosen to sit around a round table. In "
                f"how many ways can this be done, {same}?", math.comb(n, k) * math.factorial(k - 1))

    def _binomial(self, rng: random.Random, cfg: CountingConfig):
        n = rng.randint(4, cfg.max_n)
        k = rng.randint(1, n - 1)
        if rng.random() < 0.5:
            return (f"A fair coin is flipped {n} times. What is the probability of getting "
                    f"exactly {k} heads?", Fraction(math.comb(n, k), 2 ** n))
        p = Fraction(1, rng.choice([3, 4, 5, 6]))
        n = min(n, 8)
        k = min(k, n - 1)
        return (f"Each time {rng.choice(NAMES)} shoots a free throw, the chance of scoring is "
                f"{p.numerator}/{p.denominator}, independently. In {n} shots, what is the "
                f"probability of scoring exactly {k} times?",
                math.comb(n, k) * p ** k * (1 - p) ** (n - k))

    def _at_least_one(self, rng: random.Random, cfg: CountingConfig):
        n = rng.randint(2, 6)
        sides = rng.choice([4, 6, 8, 10, 12, 20])  # many dice, so the answers spread out
        face = rng.randint(1, sides)
        return (f"A fair {sides}-sided die (faces 1 to {sides}) is rolled {n} times. What is "
                f"the probability that a {face} appears at least once?",
                1 - Fraction(sides - 1, sides) ** n)

    def _inclusion_exclusion(self, rng: random.Random, cfg: CountingConfig):
        total = rng.randint(30, 10 * cfg.max_n)
        a = rng.randint(total // 4, total * 2 // 3)
        b = rng.randint(total // 4, total * 2 // 3)
        both = rng.randint(max(0, a + b - total), min(a, b))
        x, y = rng.sample(["French", "Spanish", "chess", "music", "soccer", "robotics"], 2)
        return (f"Of {total} students, {a} take {x}, {b} take {y}, and {both} take both. How "
                f"many students take neither?", total - a - b + both)

    def _stars_bars(self, rng: random.Random, cfg: CountingConfig):
        n, k = rng.randint(6, cfg.max_n + 5), rng.randint(3, 5)
        if rng.random() < 0.5:
            return (f"In how many ways can {n} identical candies be given to {k} children "
                    f"(some children may get none)?", math.comb(n + k - 1, k - 1))
        n = max(n, k + 1)
        return (f"In how many ways can {n} identical candies be given to {k} children so that "
                f"every child gets at least one?", math.comb(n - 1, k - 1))

    def _derangement(self, rng: random.Random, cfg: CountingConfig):
        n = rng.randint(4, 8)
        if rng.random() < 0.5:
            return (f"{n} guests check their coats. The coats are returned at random. In how "
                    f"many ways can this happen so that no guest gets their own coat back?",
                    derangements(n))
        return (f"{n} letters are put at random into {n} addressed envelopes, one per envelope. "
                f"What is the probability that no letter is in its correct envelope?",
                Fraction(derangements(n), math.factorial(n)))
