"""The example in docs/adding-an-env.md runs as written and passes the checker."""

import re
from pathlib import Path

import gymnasium as gym

DOC = Path(__file__).resolve().parents[1] / "docs" / "adding-an-env.md"


def test_doc_example_env_is_short_and_passes_the_checker():
    code = re.search(r"```python\n(.*?)```", DOC.read_text(), re.S).group(1)
    assert len(code.strip().splitlines()) <= 50
    namespace: dict = {}
    try:
        exec(compile(code, str(DOC), "exec"), namespace)  # runs check_rlvr_env itself
        env = gym.make("my/Reverse-v0")
        obs, info = env.reset(seed=3)
        words = obs.splitlines()[-1]
        _, reward, terminated, _, info = env.step(" ".join(reversed(words.split())))
        assert reward == 1.0 and terminated and info["verdict"]["passed"]
        env.reset(seed=3)
        _, reward, *_ = env.step(words)
        assert reward == 0.0
    finally:
        gym.registry.pop("my/Reverse-v0", None)
