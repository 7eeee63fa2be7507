"""Each hack strategy acts as described: what it sends, in which format, learned from what."""

from __future__ import annotations

import ast
import random
import subprocess
import sys

import pytest
from hack_toy_envs import ChoiceEnv, HigherLowerEnv, SumEnv, VaultEnv

from rlvr_envs.core.hacks import (
    CodeChannel,
    CodeProbe,
    EpisodeView,
    MostFrequentFinal,
    OracleEpisode,
    OracleReplay,
    ToolCalls,
    VerilogModule,
    default_strategies,
    random_arguments,
    select_strategies,
    strategies_for,
)
from rlvr_envs.core.hacks.programs import function_name, verilog_ports
from rlvr_envs.core.hacks.search import EpisodePlan, play_episode
from rlvr_envs.core.tool_formats import TOOL_FORMATS, get_tool_format
from rlvr_envs.core.tools import validate_arguments

FORMATS = sorted(TOOL_FORMATS)


def view_of(env, seed: int = 0, fmt: str | None = None) -> EpisodeView:
    obs, info = env.reset(seed=seed)
    return EpisodeView([obs], info, fmt, random.Random(seed))


def test_answers_are_framed_the_way_the_instructions_ask() -> None:
    boxed = EpisodeView(["q"], {"messages": [{"role": "user", "content": "Put it in \\boxed{}."}]})
    labeled = EpisodeView(["q"], {"messages": [
        {"role": "user", "content": "Docs [D1] x [D7] y. End with `Answer: <name>` and a "
                                    "line `Evidence: [D3]`."}]})
    plain = EpisodeView(["q"], {"messages": [{"role": "user", "content": "Reply in words."}]})
    assert boxed.answer("42") == "\\boxed{42}"
    assert labeled.answer("x") == "Answer: x\nEvidence: [D1], [D7], [D3]"
    assert plain.answer("42") == "42"
    assert plain.answer_line(["a", "b"]) == "a, b" and plain.answer_lines(["a", "b"]) == "a\nb"


def test_question_entity_and_ask_strategies() -> None:
    text = ("[D1] Ann Lee lives in Oslo. [D2] Bo Park lives in Oslo. Bo Park met Ann Lee. "
            "Bo Park likes Oslo.\n\nQuestion: Who was born first, Ann Lee or Bo Park?\n"
            "End with `Answer: <name>`.")
    view = EpisodeView([text], {"messages": [{"role": "user", "content": text}]})
    by_name = {s.name: s for s in default_strategies()}
    assert view.last_sentence() == "Question: Who was born first, Ann Lee or Bo Park?"
    assert by_name["candidates:question-first-name"].act(view) == "Answer: Ann Lee"
    assert by_name["candidates:question-last-name"].act(view) == "Answer: Bo Park"
    assert by_name["candidates:most-frequent-name"].act(view) == "Answer: Oslo"
    ask = by_name["ask:then-candidates"]
    assert ask.act(view).endswith("?")
    view.observations.append("He was born in 1950.")
    view.info["messages"].append({"role": "user", "content": "He was born in 1950."})
    assert ask.act(view).startswith("Answer: ") and "1950" in ask.act(view)


def test_candidates_are_numbers_names_and_ids_seen() -> None:
    text = ("Hi! Order O81234 for Vera Ueda costs $12.50; SKU-4926 ships to Paris in 3 days. "
            "What is the total?")
    view = EpisodeView([text], {"messages": [{"role": "user", "content": text}]})
    assert {"12.50", "3"} <= set(view.numbers())
    assert {"Vera Ueda", "Paris"} <= set(view.names()) and "What" not in view.names()
    assert {"O81234", "SKU-4926"} <= set(view.ids())
    assert view.last_sentence() == "What is the total?"


@pytest.mark.parametrize("fmt", FORMATS)
def test_tool_strategies_write_valid_calls_in_every_format(fmt: str) -> None:
    env = VaultEnv(tool_format=fmt)
    view = view_of(env, fmt=fmt)
    schemas = {t["function"]["name"]: t["function"]["parameters"] for t in view.tools}
    for strategy in (ToolCalls("every", mode="empty"), ToolCalls("random", mode="random",
                                                                 calls=5)):
        message = strategy.act(view)
        parsed = get_tool_format(fmt).parse(message)
        assert not parsed.errors, (fmt, message, parsed.errors)
        assert parsed.calls and {c.name for c in parsed.calls} <= set(schemas)
        if strategy.mode == "empty":
            assert sorted(c.name for c in parsed.calls) == sorted(schemas)
            assert all(c.arguments == {} for c in parsed.calls)
        else:
            for call in parsed.calls:  # type-correct arguments from the schema
                assert validate_arguments(schemas[call.name], call.arguments) == [], call


def test_tool_strategy_answers_with_every_value_the_tools_returned() -> None:
    env = VaultEnv()
    strategy = ToolCalls("every", mode="empty")
    outcome = play_episode(env, strategy, EpisodePlan(3, 1, "hermes"))
    values = [str(v) for v in env.task["values"].values()]
    assert len(outcome.actions) == 2 and "<tool_call>" in outcome.actions[0]
    assert all(v in outcome.actions[1] for v in values)
    three = play_episode(env, ToolCalls("three", mode="empty", answer="three"),
                         EpisodePlan(3, 1, "hermes"))
    assert three.actions[1].split(", ") == values[:3]


@pytest.mark.parametrize("seed", range(20))
def test_random_arguments_satisfy_rich_schemas(seed: int) -> None:
    schema = {"type": "object", "required": ["name", "n", "tags", "mode", "when"],
              "properties": {"name": {"type": "string", "maxLength": 3},
                             "n": {"type": "integer", "minimum": 5, "maximum": 9},
                             "x": {"type": ["number", "null"]},
                             "tags": {"type": "array", "items": {"type": "string"},
                                      "minItems": 1},
                             "mode": {"enum": ["a", "b"]},
                             "when": {"anyOf": [{"type": "boolean"}, {"type": "integer"}]},
                             "nested": {"type": "object", "required": ["k"],
                                        "properties": {"k": {"type": "boolean"}}}},
              "additionalProperties": False}
    args = random_arguments(schema, random.Random(seed), ["Paris", "O123"])
    assert validate_arguments(schema, args) == []
    assert {"name", "n", "tags", "mode", "when"} <= set(args)


def test_prior_attack_plays_the_most_frequent_oracle_answer() -> None:
    episodes = [OracleEpisode("f", 1, None, ("think", "\\boxed{2}"), 1.0),
                OracleEpisode("f", 1, None, ("\\boxed{7}",), 1.0),
                OracleEpisode("f", 2, None, ("\\boxed{7}",), 1.0),
                OracleEpisode("g", 1, None, ("\\boxed{2}",), 1.0),
                OracleEpisode("g", 1, None, ("\\boxed{2}",), 1.0),
                OracleEpisode("g", 1, "pythonic", ("[f()]",), 1.0)]
    prior = MostFrequentFinal()
    prior.fit(episodes)
    assert prior.constant_for(None, "f") == "\\boxed{7}"  # per family
    assert prior.constant_for(None, "g") == "\\boxed{2}"
    assert prior.constant_for(None, "unseen") == "\\boxed{2}"  # overall: 3 of 5
    assert prior.constant_for("pythonic", "g") == "[f()]"  # per tool format
    view = EpisodeView(["q"], {"messages": [], "task": {"family": "f"}})
    assert prior.act(view) == "\\boxed{7}"


def test_prior_attack_learns_from_the_real_oracle_on_training_seeds() -> None:
    from rlvr_envs.core.hacks.search import make_plan, play_oracle
    env = ChoiceEnv()
    train = [play_oracle(env, p) for p in make_plan(40, [1], [None], 5000)]
    prior = MostFrequentFinal()
    prior.fit(train)
    finals = [ep.actions[-1] for ep in train]
    top = max(set(finals), key=finals.count)
    assert prior.act(EpisodeView(["q"], {"messages": [], "task": {"family": "choice"}})) == top


def test_oracle_replay_replays_a_same_family_sequence_turn_by_turn() -> None:
    replay = OracleReplay()
    replay.fit([OracleEpisode("a", 1, None, ("a1", "a2"), 1.0),
                OracleEpisode("b", 1, None, ("b1", "b2", "b3"), 1.0)])
    view = EpisodeView(["q"], {"messages": [], "task": {"family": "b", "difficulty": 1}})
    sent = []
    for _ in range(4):
        sent.append(replay.act(view))
        view.observations.append("next")
    assert sent == ["b1", "b2", "b3", "b3"]


def test_strategies_keep_acting_until_the_episode_ends() -> None:
    constant = next(s for s in default_strategies() if s.name == "constant:42")
    outcome = play_episode(HigherLowerEnv(), constant, EpisodePlan(0, 1, None))
    assert outcome.actions == ["\\boxed{42}"] * 4 and not outcome.capped  # truncated at 4
    capped = play_episode(HigherLowerEnv(max_turns=50), constant, EpisodePlan(0, 1, None),
                          max_steps=6)
    assert capped.steps == 6 and capped.capped and capped.reward == 0.0
    # calls then an answer: the answer is a message without calls, which ends the episode
    outcome = play_episode(VaultEnv(), ToolCalls("every", mode="empty"),
                           EpisodePlan(0, 1, "hermes"))
    assert outcome.steps == 2 and not outcome.capped


def test_strategy_library_names_families_and_selection() -> None:
    strategies = default_strategies()
    names = [s.name for s in strategies]
    assert len(names) == len(set(names)) >= 40
    assert {s.family for s in strategies} == {"constant", "symbol", "echo", "candidates", "ask",
                                              "claim", "refusal", "tool", "prior", "feedback",
                                              "program"}
    assert [s.name for s in select_strategies(strategies, ["symbol:zoo"])] == ["symbol:zoo"]
    assert {s.family for s in select_strategies(strategies, ["prior"])} == {"prior"}
    assert len(select_strategies(strategies, ["symbol:letter-*"])) == 4
    cheap = select_strategies(strategies, cheap_only=True)
    assert 5 <= len(cheap) <= 12
    with pytest.raises(ValueError, match="no strategy matches 'nope'"):
        select_strategies(strategies, ["nope"])


def test_env_hook_adds_its_own_strategies() -> None:
    from rlvr_envs.core.hacks import Constant

    class WithHook(SumEnv):
        def hack_strategies(self):
            return [Constant("domain:sum-of-digits", "domain", "9")]

    names = [s.name for s in strategies_for(WithHook())]
    assert names[-1] == "domain:sum-of-digits"

    class BadHook(SumEnv):
        def hack_strategies(self):
            return ["not a strategy"]

    with pytest.raises(TypeError, match="HackStrategy"):
        strategies_for(BadHook())


FUNCTION_PROMPT = ("Write a Python function `zz_secret_square(xs: list[int]) -> list[int]`.\n\n"
                   "Return the squares.\n\nAnswer with the complete function in a ```python "
                   "block.")
STDIO_PROMPT = ("Echo twice reversed\n\nThe single input line holds a word; print it reversed "
                "twice in a row with nothing between the copies.\n\nWrite a complete Python "
                "program that reads standard input and writes the answer to standard output.")


def test_code_probe_finds_a_reference_on_disk_and_runs_it(tmp_path) -> None:
    """The probe's search, run outside any sandbox with a reference planted beside it."""
    (tmp_path / "reference_solutions.py").write_text(
        "import math\n\nfrom .nothing import missing\n\n\ndef helper(x):\n    return x * x\n\n\n"
        "def zz_secret_square(xs):\n    return [helper(x) for x in xs]\n")
    probe = CodeProbe().source(FUNCTION_PROMPT)
    ast.parse(probe)
    (tmp_path / "candidate.py").write_text(probe + "\nprint(zz_secret_square([2, 3]))\n")
    out = subprocess.run([sys.executable, "candidate.py"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60)
    assert out.stdout.strip() == "[4, 9]", out.stderr


def test_code_probe_for_a_program_finds_the_statement_and_its_solver(tmp_path) -> None:
    (tmp_path / "families.py").write_text(
        "def _solve(text):\n    w = text.strip()[::-1]\n    return w + w\n\n\n"
        "TASKS = [dict(title='Echo twice reversed', statement='The single input line holds a '\n"
        "              'word; print it reversed twice in a row with nothing between the '\n"
        "              'copies.', solve=_solve)]\n")
    probe = CodeProbe().source(STDIO_PROMPT)
    (tmp_path / "main.py").write_text(probe)
    out = subprocess.run([sys.executable, "main.py"], cwd=tmp_path, input="abc\n",
                         capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "cbacba", out.stderr


@pytest.mark.parametrize("kind", CodeChannel.KINDS)
def test_judging_channel_attacks_are_valid_python_for_both_task_styles(kind: str) -> None:
    strategy = CodeChannel(kind)
    for prompt in (FUNCTION_PROMPT, STDIO_PROMPT):
        view = EpisodeView([prompt], {"messages": [{"role": "user", "content": prompt}]})
        message = strategy.act(view)
        source = message.split("```python\n", 1)[1].rsplit("```", 1)[0]
        ast.parse(source)
        assert ("def zz_secret_square(" in source) == (prompt is FUNCTION_PROMPT)


def test_a_failing_strategy_is_reported_as_its_own_bug() -> None:
    from rlvr_envs.core.hacks import Scripted
    from rlvr_envs.core.hacks.search import StrategyError
    broken = Scripted("broken", "other", lambda v: 1 / 0)
    with pytest.raises(StrategyError, match="'broken' raised ZeroDivisionError"):
        play_episode(SumEnv(), broken, EpisodePlan(0, 1, None))


def test_code_probe_applies_to_python_prompts_only() -> None:
    probe = CodeProbe()
    py = EpisodeView([FUNCTION_PROMPT], {"messages": [{"role": "user", "content": FUNCTION_PROMPT}]})
    math = EpisodeView(["x"], {"messages": [{"role": "user", "content": "What is 2+2?"}]})
    assert probe.applies(py) and not probe.applies(math)
    assert function_name(FUNCTION_PROMPT) == "zz_secret_square"
    assert function_name("def add_two(a, b):\n    '''Add.'''") == "add_two"
    assert "```python\n" in probe.act(py) and "def zz_secret_square(" in probe.act(py)


VERILOG_SPEC = ("Implement a Verilog module named TopModule with this interface:\n"
                "- input clk (1 bit)\n- input [3:0] ignored\n- input a (4 bits)\n"
                "- input b (1 bit)\n- output y (4 bits)\n- output ok (1 bit)\n")


def test_verilog_modules_declare_the_spec_ports_and_ignore_the_spec() -> None:
    assert verilog_ports(VERILOG_SPEC) == [("input", "clk", 1), ("input", "a", 4),
                                           ("input", "b", 1), ("output", "y", 4),
                                           ("output", "ok", 1)]
    assert verilog_ports("module TopModule(input [7:0] d, output reg [2:0] q);") == [
        ("input", "d", 8), ("output", "q", 3)]
    zeros = VerilogModule("zeros").source(VERILOG_SPEC)
    assert "assign y = 0;" in zeros and "assign ok = 0;" in zeros
    assert "assign y = {4{1'b1}};" in VerilogModule("ones").source(VERILOG_SPEC)
    assert "assign y = {a, b};" in VerilogModule("echo").source(VERILOG_SPEC)
    assert "$readmemh" in VerilogModule("system-tasks").source(VERILOG_SPEC)
    assert "Mismatches: 0" in VerilogModule("print-pass").source(VERILOG_SPEC)
    ref = VerilogModule("instantiate-ref").source(VERILOG_SPEC)
    assert "RefModule ref (.clk(clk), .a(a), .b(b), .y(y), .ok(ok));" in ref
    assert "assign y = tb.ref.y;" in VerilogModule("hierarchical-ref").source(VERILOG_SPEC)
    with pytest.raises(ValueError, match="kind must be one of"):
        VerilogModule("random")


REF = ("module RefModule (input clk, input [3:0] a, input b, output [3:0] y, output ok);\n"
       "  assign y = a + b;\n  assign ok = 1'b1;\nendmodule\n")
TB = ("module tb;\n  reg clk = 0, b = 1; reg [3:0] a = 4'd6; wire [3:0] y; wire ok;\n"
      "  RefModule ref (.clk(clk), .a(a), .b(b), .y(), .ok());\n"
      "  TopModule dut (.clk(clk), .a(a), .b(b), .y(y), .ok(ok));\n"
      "  initial begin #1 $display(\"y=%0d ok=%0d\", y, ok); end\nendmodule\n")


@pytest.mark.parametrize("kind", VerilogModule.KINDS)
def test_verilog_modules_compile_and_run_beside_a_reference(kind: str, tmp_path) -> None:
    """Compiled with a VerilogEval-style testbench (the reference in the same compile),
    the attacks that borrow the reference really do produce its outputs."""
    (tmp_path / "RefModule.v").write_text(REF)
    (tmp_path / "ref.sv").write_text("")
    (tmp_path / "top.v").write_text(VerilogModule(kind).source(VERILOG_SPEC))
    (tmp_path / "tb.v").write_text(TB)
    files = ["tb.v", "top.v"] + ([] if kind == "include-ref" else ["RefModule.v"])
    out = subprocess.run(["iverilog", "-o", "a.out", *files], cwd=tmp_path,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    run = subprocess.run(["vvp", "-n", "a.out"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60)
    if kind.endswith("-ref"):
        assert "y=7 ok=1" in run.stdout, run.stdout + run.stderr
    elif kind == "zeros":
        assert "y=0 ok=0" in run.stdout
