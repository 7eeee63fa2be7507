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


def _make(env_id: str, kwargs: list[str] | None = None) -> gym.Env:
    import rlvr_envs  # noqa: F401  (registers the envs)
    params: dict[str, Any] = {}
    for item in kwargs or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--kw expects KEY=VALUE (a JSON value or a string), got {item!r}")
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    try:
        return gym.make(env_id, **params)
    except gym.error.Error as e:
        raise SystemExit(f"{e}\nRun `rlvr list` to see the available envs.") from None


def cmd_play(args: argparse.Namespace) -> int:
    """A person plays an episode: type a message, end it with a line holding only '.'"""
    env = _make(args.env, args.kw)
    obs, info = env.reset(seed=args.seed, options={"difficulty": args.difficulty}
                          if args.difficulty is not None else None)
    print(f"# {args.env}  task {info['task']['id']}")
    if info["tools"]:
        print("# tools: " + ", ".join(t["function"]["name"] for t in info["tools"]))
    print(obs)
    while True:
        print("\n> your message (end with a line holding only '.'; ':quit' to stop):")
        lines = []
        for line in sys.stdin:
            line = line.rstrip("\n")
            if line == ".":
                break
            if line == ":quit":
                return 0
            lines.append(line)
        else:
            if not lines:
                return 0
        obs, reward, terminated, truncated, info = env.step("\n".join(lines))
        print(f"\n{obs}\n[reward {reward}]")
        if terminated or truncated:
            v = info["verdict"]
            print(f"episode over: {'PASSED' if v['passed'] else 'FAILED'}: {v['reason']}; "
                  f"breakdown {v['reward_breakdown']}")
            return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    import rlvr_envs  # noqa: F401

    from .core.audit import run_audit
    bar = tqdm(total=None, desc=f"audit {args.env}", unit="case", disable=args.json)

    def progress(i: int, n: int) -> None:
        bar.total = n
        bar.update(1)

    report = run_audit(args.env, path=args.corpus, progress=progress)
    bar.close()
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(report.table())
        for f in report.failures[: args.show]:
            kind = "FALSE POSITIVE" if f["got"] else "FALSE NEGATIVE"
            print(f"  {kind}: {f['id']} ({f['class']}): {f['reason']}")
        print(f"{report.total.n} cases in {report.seconds:.1f}s")
    return 1 if (args.strict and report.total.fp) else 0


def cmd_demo(args: argparse.Namespace) -> int:
    from agents.demo import run_demo
    return run_demo(episodes=args.episodes, seed=args.seed)


def cmd_bench(args: argparse.Namespace) -> int:
    from agents.bench import bench_main
    return bench_main(args)


def cmd_train(args: argparse.Namespace) -> int:
    from agents.grpo.config import config_from_args
    from agents.grpo.trainer import run_training
    run_training(config_from_args(args))
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
    audit = sub.add_parser("audit", help="false-positive/negative rates of an env's verifier")
    audit.add_argument("env")
    audit.add_argument("--corpus", default=None, help="a JSONL corpus (default: the shipped one)")
    audit.add_argument("--json", action="store_true", help="print the report as JSON")
    audit.add_argument("--show", type=int, default=20, help="failures to list")
    audit.add_argument("--strict", action="store_true", help="exit 1 on any false positive")
    audit.set_defaults(fn=cmd_audit)
    demo = sub.add_parser("demo", help="play scripted episodes on every env and print them")
    demo.add_argument("--episodes", type=int, default=2)
    demo.add_argument("--seed", type=int, default=0)
    demo.set_defaults(fn=cmd_demo)
    from agents.bench import add_bench_arguments
    bench = sub.add_parser("bench", help="benchmark an agent on every env: table, JSON, plot")
    add_bench_arguments(bench)
    bench.set_defaults(fn=cmd_bench)
    from agents.grpo.config import add_config_arguments
    train = sub.add_parser("train", help="train a policy with GRPO on envs (flags from "
                           "GRPOConfig; --preset tiny: a CPU demo in minutes)")
    add_config_arguments(train)
    train.set_defaults(fn=cmd_train)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.fn(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
