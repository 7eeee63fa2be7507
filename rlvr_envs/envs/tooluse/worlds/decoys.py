"""Distractor tools: real, deterministic, read-only, and never what a task needs."""

from __future__ import annotations

import hashlib
from typing import Any

from ....core.tools import tool


def _pick(options: tuple[str, ...], *key: str) -> str:
    digest = hashlib.sha256("\x1f".join(key).encode("utf-8", "replace")).digest()
    return options[digest[0] % len(options)]


class Decoys:
    WRITES: frozenset[str] = frozenset()

    @tool
    def get_horoscope(self, sign: str) -> str:
        """Today's horoscope for a zodiac sign.

        Args:
            sign: The zodiac sign, e.g. "Leo".
        """
        return _pick(("A calm day.", "Expect news.", "Be patient.", "Good luck awaits."), sign)

    @tool
    def search_recipes(self, ingredient: str) -> list[str]:
        """Recipe titles that use an ingredient.

        Args:
            ingredient: The ingredient, e.g. "lentils".
        """
        return [f"{ingredient.title()} {_pick(('stew', 'salad', 'soup', 'pie'), ingredient)}"]

    @tool
    def get_sports_score(self, team: str) -> dict[str, Any]:
        """The score of a sports team's last match.

        Args:
            team: The team's name.
        """
        return {"team": team, "result": _pick(("won 2-1", "lost 0-3", "drew 1-1"), team)}

    @tool
    def get_movie_showtimes(self, cinema: str) -> list[str]:
        """Tonight's showtimes at a cinema.

        Args:
            cinema: The cinema's name.
        """
        return [_pick(("18:30", "19:15", "20:00"), cinema), _pick(("21:45", "22:10"), cinema)]

    @tool
    def get_news_headlines(self, topic: str) -> list[str]:
        """Today's headlines about a topic.

        Args:
            topic: The topic, e.g. "science".
        """
        return [f"{topic.title()}: {_pick(('new study out', 'markets react', 'vote today'), topic)}"]

    @tool
    def define_word(self, word: str) -> str:
        """A dictionary definition of an English word.

        Args:
            word: The word.
        """
        return f"{word}: {_pick(('a kind of plant', 'to move quickly', 'very large'), word)}"

    @tool
    def get_traffic(self, road: str) -> dict[str, str]:
        """Current traffic on a road.

        Args:
            road: The road's name, e.g. "A7".
        """
        return {"road": road, "traffic": _pick(("light", "moderate", "heavy"), road)}

    @tool
    def get_air_quality(self, city: str) -> dict[str, Any]:
        """Today's air-quality index in a city.

        Args:
            city: The city's name.
        """
        return {"city": city, "aqi": int(_pick(tuple(str(n) for n in range(20, 90)), city))}

    @tool
    def get_time_zone(self, city: str) -> str:
        """The time zone of a city.

        Args:
            city: The city's name.
        """
        return _pick(("UTC+1", "UTC+2", "UTC-5", "UTC+9"), city)

    @tool
    def count_words(self, text: str) -> int:
        """The number of words in a text.

        Args:
            text: The text.
        """
        return len(text.split())

    def snapshot(self) -> dict[str, Any]:
        return {}
