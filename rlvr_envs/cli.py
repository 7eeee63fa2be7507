"""The `rlvr` command: list envs, play one in the terminal, audit a verifier, run the demo."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import gymnasium as gym


def cmd_list(args: argparse.Namespace) -> int:
    from .registration import ENVS
    width = max(len(k) for k in ENVS)
    for env_id, (_, description) in ENVS.items():
        print(f"{env_id:<{width}}  {description}")
    return 0


def _env_id(spec: str) -> str:
    """The registered id `spec` names (MODULE:ID imports MODULE first), or exit in one line."""
    from .registration import resolve_env_id
    try:
        return resolve_env_id(spec)
    except ValueError as e:
        raise SystemExit(f"rlvr: {e}") from None


def parse_kwargs(items: list[str] | None) -> dict[str, Any]:
    """`--kw KEY=VALUE` strings to a dict; values parsed as JSON when they are JSON (every
    command that takes `--kw` reads it this way)."""
    params: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"--kw expects KEY=VALUE (a JSON value or a string), got {item!r}")
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    return params


def _make(env_id: str, kwargs: list[str] | None = None) -> gym.Env:
    env_id = _env_id(env_id)
    params = parse_kwargs(kwargs)
    try:
        return gym.make(env_id, **params)
    except (gym.error.Error, TypeError, ValueError) as e:  # bad kwargs: one line, no traceback
        raise SystemExit(f"rlvr: cannot make {env_id} with {params or 'no kwargs'}: "
                         f"{str(e).splitlines()[0]}") from None


def cmd_play(args: argparse.Namespace) -> int:
    """A person plays an episode: type a message, end it with a line holding only '.'"""
    args.env = _env_id(args.env)
    env = _make(args.env, args.kw)
    obs, info = env.reset(seed=args.seed, options={"difficulty": args.difficulty}
                          if args.difficulty is not None else None)
    _enable_line_editing()
    print(f"# {args.env}  task {info['task']['id']}")
    system = next((m.get("content") or "" for m in info["messages"] if m["role"] == "system"), "")
    if system:
        print("# system prompt (what an agent is told):\n" + system + "\n")
    if info["tools"]:
        print("# tools:")
        for tool in info["tools"]:
            print("  " + describe_tool(tool))
        fmt = getattr(env.unwrapped, "tool_format", None)
        if fmt is not None and fmt.instructions() not in system:
            print(f"# call format ({fmt.name}):\n{fmt.instructions()}")
        print()
    print(obs)
    while True:
        print("\n> your message (end with a line holding only '.'; ':quit' to stop):", flush=True)
        lines = []
        while True:
            try:
                line = input()
            except EOFError:
                if not lines:
                    return 0
                break
            if line == ".":
                break
            if line == ":quit":
                return 0
            lines.append(line)
        obs, reward, terminated, truncated, info = env.step("\n".join(lines))
        print(f"\n{obs}\n[reward {reward}]")
        if terminated or truncated:
            v = info["verdict"]
            print(f"episode over: {'PASSED' if v['passed'] else 'FAILED'}: {v['reason']}; "
                  f"breakdown {v['reward_breakdown']}")
            return 0


def describe_tool(tool: dict[str, Any]) -> str:
    """`name(arg: type, opt?: type) - description`, then one line per described argument."""
    fn = tool.get("function") or {}
    params = fn.get("parameters") or {}
    required = set(params.get("required") or ())
    args, notes = [], []
    for name, schema in (params.get("properties") or {}).items():
        kind = ("|".join(json.dumps(v) for v in schema["enum"]) if "enum" in schema
                else schema.get("type", "any"))
        if isinstance(kind, list):
            kind = "|".join(map(str, kind))
        args.append(f"{name}{'' if name in required else '?'}: {kind}")
        if schema.get("description"):
            notes.append(f"      {name}: {schema['description']}")
    head = f"{fn.get('name')}({', '.join(args)})"
    if fn.get("description"):
        head += f"  - {fn['description']}"
    return "\n".join([head, *notes])


def _enable_line_editing() -> None:
    """Arrow keys and history for `input()` on a terminal (GNU readline, where present)."""
    if sys.stdin.isatty():
        try:
            import readline  # noqa: F401  (importing it is what turns line editing on)
        except ImportError:  # Windows without pyreadline
            pass


def cmd_audit(args: argparse.Namespace) -> int:
    """In sample (the corpus) and out of sample (perturbations, differentials, hacks)."""
    args.env = _env_id(args.env)  # an unknown id fails here, in one line

    from .core.audit import EnvAudit, load_differential, run_audit
    log = (lambda line: None) if args.quiet else (
        lambda line: print(f"[audit {args.env}] {line}", file=sys.stderr, flush=True))
    try:
        differentials = [load_differential(p) for p in args.differential or ()]
    except ValueError as e:
        raise SystemExit(str(e)) from None
    audit = EnvAudit(args.env, differentials=differentials)

    def make(fmt: str | None) -> gym.Env:
        return _make(args.env, list(args.kw or []) + ([f"tool_format={fmt}"] if fmt else []))

    make(None).close()  # an unknown env id fails here, before any work
    if args.corpus is not None or args.in_sample:
        def progress(i: int, n: int) -> None:
            if i == n or i % max(1, n // 10) == 0:
                log(f"corpus: {i}/{n} cases")
        try:
            audit.in_sample = run_audit(args.env, path=args.corpus, progress=progress)
        except ValueError as e:
            audit.in_sample_note = f"no in-sample audit: {e}"
    if args.perturb_tasks > 0:
        from .core.perturb import run_perturbation_suite
        try:
            audit.perturbations = run_perturbation_suite(
                make, args.perturb_tasks, env_id=args.env, seed=args.seed, progress=log)
        except ValueError as e:
            log(str(e))
    if args.hacks:
        audit.hacks = _hack_search(args, make, log)
    if args.json:
        print(json.dumps(audit.to_dict(), indent=2, default=str))
    else:
        print(audit.text(show=args.show))
    failures = audit.strict_failures()
    if args.strict and failures:
        print("strict: " + "; ".join(failures), file=sys.stderr)
        return 1
    return 0


def _hack_search(args: argparse.Namespace, make: Any, log: Any) -> Any:
    from .core.hacks import run_hack_search, select_strategies, strategies_for
    picks = [p for item in args.strategies or () for p in item.split(",")]
    try:
        strategies = select_strategies(strategies_for(make(None)), picks)
    except ValueError as e:
        raise SystemExit(str(e)) from None
    unknown = set(args.tool_formats or ()) - {"hermes", "openai_json", "pythonic", "mistral"}
    if unknown:
        raise SystemExit(f"--tool-format: unknown {sorted(unknown)}; use hermes, openai_json, "
                         "pythonic or mistral")
    return run_hack_search(make, strategies, env_id=args.env, n_tasks=args.tasks,
                           train_tasks=args.train_tasks, tool_formats=args.tool_formats,
                           seed=args.seed, max_steps=args.max_steps,
                           episode_timeout_s=args.episode_timeout, progress=log)


def cmd_demo(args: argparse.Namespace) -> int:
    from agents.demo import run_demo
    return run_demo(episodes=args.episodes, seed=args.seed, progress=not args.quiet)


def cmd_bench(args: argparse.Namespace) -> int:
    from agents.bench import bench_main
    return bench_main(args)


def cmd_train(args: argparse.Namespace) -> int:
    from agents.grpo.config import config_from_args
    from agents.grpo.trainer import CannotTrain, run_training
    from agents.model_source import ModelNotAvailable
    try:
        cfg = config_from_args(args)
    except ValueError as e:  # a bad knob value: one line, no traceback
        raise SystemExit(f"rlvr train: {e}") from None
    try:  # flushed lines: a log file shows each step as it ends
        run_training(cfg, log=lambda line: print(line, flush=True))
    except (CannotTrain, ModelNotAvailable) as e:  # cannot train as configured: one line
        raise SystemExit(f"rlvr train: {e}") from None
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rlvr", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the registered envs").set_defaults(fn=cmd_list)
    play = sub.add_parser("play", help="play an episode yourself in the terminal")
    play.add_argument("env", help="env id, e.g. rlvr/Math-v0")
    play.add_argument("--seed", type=int, default=None)
    play.add_argument("--difficulty", type=int, default=None)
    play.add_argument("--kw", action="append", metavar="KEY=VALUE", help="env kwarg (repeatable)")
    play.set_defaults(fn=cmd_play)
    audit = sub.add_parser(
        "audit", help="an env's verifier in sample (its corpus) and out of sample "
        "(perturbed oracle answers, differential benchmarks, --hacks)",
        description="In sample: FP/FN rates on the labelled corpus written with the verifier. "
        "Out of sample: the oracle's final answers re-expressed the ways models phrase them "
        "(FN rate by perturbation class), differential benchmark results (--differential) "
        "and the universal-response search (--hacks). See docs/contract.md.")
    audit.add_argument("env")
    audit.add_argument("--corpus", default=None, help="a JSONL corpus (default: the shipped one)")
    audit.add_argument("--no-corpus", dest="in_sample", action="store_false",
                       help="skip the in-sample corpus audit")
    audit.add_argument("--perturb-tasks", type=int, default=30, metavar="N",
                       help="oracle episodes whose final answer is perturbed (0: skip)")
    audit.add_argument("--differential", action="append", metavar="PATH",
                       help="JSON written by a differential benchmark's --json-out "
                            "(repeatable)")
    audit.add_argument("--hacks", action="store_true",
                       help="run the universal-response search (task-independent strategies)")
    audit.add_argument("--tasks", type=int, default=200,
                       help="test tasks per strategy in the hack search")
    audit.add_argument("--train-tasks", type=int, default=None,
                       help="training tasks the prior attack learns from (default: --tasks)")
    audit.add_argument("--strategies", action="append", metavar="NAMES",
                       help="comma-separated strategy names, families or prefixes ending in * "
                            "(repeatable; default: all)")
    audit.add_argument("--tool-format", dest="tool_formats", action="append",
                       metavar="FORMAT", help="tool formats to spread over (default: all four, "
                       "for envs with a tool_format)")
    audit.add_argument("--max-steps", type=int, default=64, help="per-episode step cap")
    audit.add_argument("--episode-timeout", type=float, default=120.0,
                       help="per-episode wall-clock cap in seconds")
    audit.add_argument("--seed", type=int, default=0, help="seed of the out-of-sample tasks")
    audit.add_argument("--kw", action="append", metavar="KEY=VALUE",
                       help="env kwarg (repeatable), e.g. mode=search")
    audit.add_argument("--json", action="store_true", help="print the report as JSON")
    audit.add_argument("--show", type=int, default=20, help="failures to list")
    audit.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    audit.add_argument("--strict", action="store_true",
                       help="exit 1 on a corpus false positive or a hack beating chance + 0.02")
    audit.set_defaults(fn=cmd_audit)
    demo = sub.add_parser("demo", help="play scripted episodes on every env and print them")
    demo.add_argument("--episodes", type=int, default=2)
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--quiet", action="store_true", help="no progress output")
    demo.set_defaults(fn=cmd_demo)
    from agents.bench import add_bench_arguments
    bench = sub.add_parser("bench", help="benchmark an agent on every env: table, JSON, plot")
    add_bench_arguments(bench)
    bench.set_defaults(fn=cmd_bench)
    train = sub.add_parser("train", help="train a policy with GRPO on envs (flags from "
                           "GRPOConfig; --preset tiny: a CPU demo in minutes)")
    try:
        from agents.grpo.config import add_config_arguments
    except ImportError as e:  # the train extra is not installed: every other command works
        train.set_defaults(fn=lambda _args, e=e: _needs_train_extra(e), any_arguments=True)
    else:
        add_config_arguments(train)
        train.set_defaults(fn=cmd_train)
    from .serve.cli import add_serve_command
    add_serve_command(sub)
    from .integrations.export import add_export_command
    add_export_command(sub)
    return p


def _needs_train_extra(error: ImportError) -> int:
    raise SystemExit(f"rlvr train needs the train extra ({error.name or error} is missing): "
                     "pip install 'rlvr-envs[train]'")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown and not getattr(args, "any_arguments", False):
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    return int(args.fn(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
