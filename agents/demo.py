"""The demo: scripted episodes (oracle and null agents) on every registered env, printed."""

from __future__ import annotations

import gymnasium as gym

from rlvr_envs.core.env import render_transcript

from .oracle import NullPolicy, OraclePolicy


def play(env: gym.Env, policy, seed: int) -> tuple[float, dict]:
    obs, info = env.reset(seed=seed)
    total = 0.0
    while True:
        obs, reward, terminated, truncated, info = env.step(policy.act(env, info))
        total += reward
        if terminated or truncated:
            return total, info


def run_demo(episodes: int = 2, seed: int = 0) -> int:
    import rlvr_envs

    failures = 0
    rows = []
    for env_id in rlvr_envs.ENV_IDS:
        env = gym.make(env_id)
        for policy in (OraclePolicy(), NullPolicy()):
            for k in range(episodes):
                reward, info = play(env, policy, seed + k)
                v = info["verdict"]
                print(f"\n=== {env_id} | {policy.name} | task {info['task']['id']} ===")
                print(render_transcript(info["messages"], width=600))
                print(f"--> reward {reward:.2f} ({'passed' if v['passed'] else 'failed'}: "
                      f"{v['reason']})")
                rows.append((env_id, policy.name, reward))
                expected = 1.0 if policy.name == "oracle" else 0.0
                failures += abs(reward - expected) > 1e-9
        env.close()
    print("\n" + f"{'env':<22}{'agent':<8}{'mean reward':>12}")
    for env_id in rlvr_envs.ENV_IDS:
        for name in ("oracle", "null"):
            rs = [r for e, n, r in rows if e == env_id and n == name]
            print(f"{env_id:<22}{name:<8}{sum(rs) / len(rs):>12.2f}")
    if failures:
        print(f"\n{failures} episode(s) did not get the expected reward (oracle 1, null 0)")
    return 1 if failures else 0
