"""Segments per episode: multi-turn prompts re-rendered from the messages vs built by
extension (issue #16), on the six envs, with the locally trained byte-level BPE tokenizer and
its Qwen-style tool template (`agents.tiny_bpe`).

    python benchmarks/segments.py [--episodes 8] [--seed 0] [--json runs/segments.json]
    python benchmarks/segments.py --agents tiny-bpe --seed 1     # one agent's rows only

Agents (completions fed as token ids; prompts built by `agents.prompt_ids`, as the HF and
vLLM policies build them):

* `oracle`: the env's gold solver, its text encoded canonically, then EOS. In Math, Code and
  Verilog the first `max_attempts - 1` answers are a wrong one, so episodes are multi-turn.
* `oracle-compact`: the same with tool-call JSON written without spaces (`{"a":1}`), as
  models often write it; the template re-serialises it with `, ` and `: `.
* `oracle-bychar`: the same text spelled one character per token: a sampled split that is
  not the canonical BPE encoding (what a sampling model produces now and then).
* `tiny-bpe`: a tiny random model (`build_bpe_model_and_tokenizer`) sampling 24 tokens a
  turn with HFPolicy (text envs only: random text rarely makes a tool call).

Per env, tool format, agent and prompt mode: episodes whose prompts stopped extending the
previous turn's tokens (`prefix_mismatch`), segments per episode, and the tokens of the
learner's rows per episode (all segments; each repeats the prompt) over the tokens of the
episode's final sequence.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agents.collector import collect  # noqa: E402
from agents.hf_policy import HFPolicy  # noqa: E402
from agents.policy import Generation, Policy, SamplingParams  # noqa: E402
from agents.prompt_ids import build_prompt_ids  # noqa: E402
from agents.tiny_bpe import build_bpe_model_and_tokenizer, compact_tool_json  # noqa: E402

FORMATS = ("hermes", "openai_json", "pythonic", "mistral")
TEXT_ENVS = {"rlvr/Math-v0": 3, "rlvr/Code-v0": 2, "rlvr/Verilog-v0": 2}  # max_attempts
TOOL_ENVS = {"rlvr/ToolUse-v0": {}, "rlvr/Ecommerce-v0": {},
             "rlvr/KGMultiHop-v0": {"mode": "search"}}
WRONG = {"rlvr/Math-v0": "The answer is \\boxed{-1}.",
         "rlvr/Code-v0": "```python\ndef solve(*args):\n    return None\n```",
         "rlvr/Verilog-v0": "```verilog\nmodule top_module();\nendmodule\n```"}


class ScriptedOracle(Policy):
    """The gold solver's messages as token ids (see the module docstring)."""

    returns_token_ids = True

    def __init__(self, tok: Any, variant: str, wrong: str | None, wrong_turns: int) -> None:
        self.tok, self.variant, self.name = tok, variant, variant
        self.wrong, self.wrong_turns = wrong, wrong_turns

    def generate(self, conversations, sampling):
        out = []
        for conv in conversations:
            built = build_prompt_ids(self.tok, conv, [self.tok.eos_token_id])
            turn = sum(m["role"] == "assistant" for m in conv.messages)
            text = (self.wrong if turn < self.wrong_turns
                    else conv.env.unwrapped.oracle_action())
            if self.variant == "oracle-compact":
                text = compact_tool_json(text)
            pieces = list(text) if self.variant == "oracle-bychar" else [text]
            ids = [i for p in pieces for i in self.tok(p, add_special_tokens=False)["input_ids"]]
            ids.append(self.tok.eos_token_id)
            out.append(Generation(text, "stop", built.ids, ids, [0.0] * len(ids),
                                  prompt_extended=built.extended,
                                  prompt_fallback=built.fallback))
        return out


def summarize(records: list[dict[str, Any]]) -> dict[str, Any]:
    rows = [sum(len(s["token_ids"]) for s in r["segments"]) for r in records]
    final = [max((t["prompt_tokens"] or 0) + (t["completion_tokens"] or 0) for t in r["turns"])
             for r in records]
    return {
        "episodes": len(records),
        "turns": statistics.mean(r["num_turns"] for r in records),
        "mismatch_rate": sum(r["prefix_mismatch"] for r in records) / len(records),
        "segments": statistics.mean(len(r["segments"]) for r in records),
        "row_tokens": statistics.mean(rows),
        "final_tokens": statistics.mean(final),
        "row_over_final": sum(rows) / max(1, sum(final)),
        "fallbacks": sorted({t["prompt_fallback"] for r in records for t in r["turns"]}
                            - {None}),
        "infra_errors": sum(r["infra_error"] is not None for r in records),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--episodes", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default=None, help="also write the rows here")
    ap.add_argument("--agents", nargs="*", default=None,
                    help="only these agents (oracle, oracle-compact, oracle-bychar, tiny-bpe)")
    args = ap.parse_args()
    model, tok = build_bpe_model_and_tokenizer(seed=args.seed)
    cases: list[tuple[str, dict[str, Any], str, Policy, str]] = []
    for env_id, attempts in TEXT_ENVS.items():
        # a verification timeout on a loaded machine changes the feedback text, so the
        # Math rows would differ between modes for reasons unrelated to prompts
        kw = {"max_attempts": attempts, **({"verify_timeout": 60.0}
                                           if env_id == "rlvr/Math-v0" else {})}
        for variant in ("oracle", "oracle-bychar"):
            cases.append((env_id, kw, "-", ScriptedOracle(tok, variant, WRONG[env_id],
                                                          attempts - 1), variant))
        cases.append((env_id, kw, "-", HFPolicy(model, tok, name="tiny-bpe"), "tiny-bpe"))
    for fmt in FORMATS:
        for env_id, extra in TOOL_ENVS.items():
            for variant in ("oracle", "oracle-compact", "oracle-bychar"):
                cases.append((env_id, {"tool_format": fmt, **extra}, fmt,
                              ScriptedOracle(tok, variant, None, 0), variant))
    results = []
    print("| env | format | agent | prompts | turns | mismatch | segments | row tokens | "
          "final tokens | rows/final |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    t0 = time.perf_counter()
    for env_id, kw, fmt, policy, agent in cases:
        if args.agents and agent not in args.agents:
            continue
        for mode in ("rerender", "extend"):
            records = collect([env_id], policy, episodes=args.episodes, seed=args.seed,
                              env_kwargs=kw, max_turns=8, concurrency=8,
                              sampling=SamplingParams(max_new_tokens=24, seed=args.seed),
                              extend_prompts=mode == "extend")
            s = summarize(records)
            results.append({"env": env_id, "format": fmt, "agent": agent, "prompts": mode, **s})
            print(f"| {env_id[5:]} | {fmt} | {agent} | {mode} | {s['turns']:.2f} | "
                  f"{s['mismatch_rate']:.2f} | {s['segments']:.2f} | {s['row_tokens']:.0f} | "
                  f"{s['final_tokens']:.0f} | {s['row_over_final']:.2f} |"
                  + (f" fallbacks: {s['fallbacks']}" if s["fallbacks"] else "")
                  + (f" infra errors: {s['infra_errors']}" if s["infra_errors"] else ""),
                  flush=True)
    print(f"\n{len(results)} settings x {args.episodes} episodes in "
          f"{time.perf_counter() - t0:.0f} s")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
