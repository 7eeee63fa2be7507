"""The universal-response search: task-independent strategies that try to earn reward
without solving the task (`rlvr audit ENV --hacks`, and a light form in `check_rlvr_env`).

See docs/contract.md ("Hack search") for what is played and how to read the report, and
docs/adding-an-env.md for adding an env's own strategies with `hack_strategies()`.
"""

from .library import LIGHT, default_strategies, select_strategies, strategies_for
from .programs import CodeChannel, CodeProbe, VerilogModule
from .search import (
    HACK_MARGIN,
    EpisodePlan,
    HackReport,
    StrategyResult,
    make_plan,
    play_episode,
    run_hack_search,
)
from .strategy import (
    Constant,
    HackStrategy,
    MostFrequentFinal,
    OracleEpisode,
    OracleReplay,
    Scripted,
    ToolCalls,
    random_arguments,
)
from .view import EpisodeView

__all__ = [
    "HACK_MARGIN", "LIGHT", "CodeChannel", "CodeProbe", "Constant", "EpisodePlan", "EpisodeView",
    "HackReport", "HackStrategy", "MostFrequentFinal", "OracleEpisode", "OracleReplay",
    "Scripted", "StrategyResult", "ToolCalls", "VerilogModule", "default_strategies",
    "make_plan", "play_episode", "random_arguments", "run_hack_search", "select_strategies",
    "strategies_for",
]
