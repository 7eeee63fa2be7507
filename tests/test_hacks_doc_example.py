"""The hooks example in docs/adding-an-env.md runs as written and the audit uses its hooks."""

import re
from pathlib import Path

import gymnasium as gym

from rlvr_envs.core.hacks import run_hack_search, strategies_for
from rlvr_envs.core.perturb import run_perturbation_suite

DOC = Path(__file__).resolve().parents[1] / "docs" / "adding-an-env.md"


def test_doc_hooks_reach_the_hack_search_and_the_perturbation_suite():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert len(blocks) == 2
    namespace: dict = {}
    try:
        for code in blocks:  # the env (it runs check_rlvr_env itself), then the hooks
            exec(compile(code, str(DOC), "exec"), namespace)
        cls = namespace["AuditedReverseEnv"]
        strategies = [s for s in strategies_for(cls()) if s.family in ("domain", "constant")]
        assert [s.name for s in strategies][-2:] == ["domain:sorted-words", "domain:one-word"]
        report = run_hack_search(lambda fmt: cls(), strategies, n_tasks=30)
        means = {r.name: r.mean_reward for r in report.results}
        # the verifier compares sequences, not bags: sorted words pay only on the few tasks
        # whose reversed order happens to be sorted (short questions with repeated words)
        assert 0.0 < means["domain:sorted-words"] < 0.1
        assert max(v for k, v in means.items() if k != "domain:sorted-words") == 0.0
        perturbed = run_perturbation_suite(lambda fmt: cls(), 6)
        assert perturbed.by_class["domain:upper-case"].fn == 0  # the verifier lower-cases
        assert perturbed.by_class["domain:quoted"].fn == 6  # quotes are not stripped
    finally:
        gym.registry.pop("my/Reverse-v0", None)
