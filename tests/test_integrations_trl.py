"""TRL's GRPOTrainer on our envs (CPU, the tiny model): `rlvr_reward` on an exported dataset,
and the multi-turn adapter `rlvr_rollout` on a tool env whose rollouts really call tools."""

from __future__ import annotations

import tempfile

import pytest
import torch

from agents.tiny import build_tiny_model_and_tokenizer
from rlvr_envs.integrations.export import export_dataset, make_env, reset_row
from rlvr_envs.integrations.trl import episode_reward, rlvr_reward, rlvr_rollout

try:
    import trl
except ImportError as e:  # the `trl` extra; `make setup` (CI) installs it
    raise ImportError("these tests need TRL: pip install -e '.[trl]'") from e


@pytest.fixture(autouse=True)
def _one_thread():
    # a tiny model on a shared machine: one thread is faster than contending for several
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _config(**kw) -> trl.GRPOConfig:
    base = dict(output_dir=tempfile.mkdtemp(), per_device_train_batch_size=4, num_generations=2,
                max_steps=2, use_cpu=True, report_to="none", logging_steps=1,
                save_strategy="no", bf16=False, seed=0, dataloader_num_workers=0,
                learning_rate=1e-3, disable_tqdm=True)
    return trl.GRPOConfig(**{**base, **kw})


def test_trl_grpo_trains_with_rlvr_reward_on_an_exported_dataset():
    ds = export_dataset("rlvr/Math-v0", 4, env_kwargs={"difficulty": 1})["train"]
    reward = rlvr_reward("rlvr/Math-v0", difficulty=1, workers=1)
    seen = []

    def math_env(**kw):  # records what TRL hands the reward function
        out = reward(**kw)
        seen.append((kw, out))
        return out

    model, tok = build_tiny_model_and_tokenizer(0)
    trainer = trl.GRPOTrainer(model=model, reward_funcs=[math_env], train_dataset=ds,
                              args=_config(max_completion_length=8), processing_class=tok)
    trainer.train()
    assert trainer.state.global_step == 2 and len(seen) == 2
    env = make_env("rlvr/Math-v0", {"difficulty": 1, "max_attempts": 1})
    for kw, out in seen:
        assert len(out) == 4 and set(kw["rlvr_task_id"]) <= set(ds["rlvr_task_id"])
        for i, completion in enumerate(kw["completions"]):  # the env's own reward, row by row
            row = {k: kw[k][i] for k in ("rlvr_seed", "rlvr_task_id")}
            _, info = reset_row(env, row)
            assert info["messages"] == kw["prompts"][i]
            assert env.step(completion[0]["content"])[1] == out[i]
    logged = [h for h in trainer.state.log_history if "rewards/math_env/mean" in h]
    assert len(logged) == 2


def _warm_start(model, tok, env_id: str, kwargs: dict, rows, steps: int) -> float:
    """Supervised steps on the env's oracle episodes of `rows` (the learner's warm start), so
    the tiny model calls the task's tool and answers from its result."""
    from agents.collector import EpisodeSpec
    from agents.grpo.batch import build_batch, token_logprobs
    from agents.grpo.trainer import LockstepCollector, OracleTokenPolicy

    collector = LockstepCollector({env_id: lambda: make_env(env_id, kwargs)},
                                  OracleTokenPolicy(tok), concurrency=len(rows))
    records = collector.run([EpisodeSpec(env_id, i, 0, r["rlvr_seed"],
                                         {"task_id": r["rlvr_task_id"]})
                             for i, r in enumerate(rows)])
    collector.close()
    assert all(r["reward"] == 1.0 for r in records)
    batch = build_batch(records, [1.0] * len(records), pad_token_id=tok.pad_token_id)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.0)
    for _ in range(steps):
        opt.zero_grad()
        logp, _ = token_logprobs(model, batch.input_ids, batch.attention_mask)
        loss = -(logp * batch.loss_mask).sum() / batch.loss_mask.sum()
        loss.backward()
        opt.step()
    return float(loss.detach())


@pytest.mark.slow
def test_multi_turn_adapter_runs_grpo_on_a_tool_env_that_calls_tools():
    env_id = "rlvr/ToolUse-v0"
    kwargs = {"categories": ["simple"], "difficulty": 1, "system_prompt": "", "max_turns": 3}
    ds = export_dataset(env_id, 1, seed=0, env_kwargs=kwargs)["train"]
    model, tok = build_tiny_model_and_tokenizer(0)
    assert _warm_start(model, tok, env_id, kwargs, ds, steps=100) < 0.05

    rollout = rlvr_rollout(env_id, ds, **kwargs)
    seen = []

    def tool_env(**kw):
        seen.append({k: kw[k] for k in ("episode_reward", "episode_tool_calls")})
        return episode_reward(**kw)

    trainer = trl.GRPOTrainer(model=model, reward_funcs=[tool_env], train_dataset=ds,
                              rollout_func=rollout, processing_class=tok,
                              args=_config(num_generations=4, max_completion_length=160))
    trainer.train()
    assert trainer.state.global_step == 2 and len(seen) == 2
    assert sum(sum(s["episode_tool_calls"]) for s in seen) > 0  # tools really ran
    assert any("rlvr/tool_calls" in h for h in trainer.state.log_history)

    # the hook's output as TRL reads it; a fresh adapter with the same seed repeats it
    out = rlvr_rollout(env_id, ds, **kwargs)([ds[0]["prompt"]] * 8, trainer)
    assert out == rlvr_rollout(env_id, ds, **kwargs)([ds[0]["prompt"]] * 8, trainer)
    assert any(t and not m for t, m in zip(out["episode_tool_calls"],
                                           out["episode_prefix_mismatch"]))
    for i in range(8):
        prompt, completion = out["prompt_ids"][i], out["completion_ids"][i]
        assert len(completion) == len(out["env_mask"][i]) == len(out["logprobs"][i])
        env = make_env(env_id, kwargs)
        _, info = reset_row(env, ds[0])
        assert prompt == tok(tok.apply_chat_template(
            info["messages"], tools=info["tools"], tokenize=False, add_generation_prompt=True),
            add_special_tokens=False)["input_ids"]
        mask = out["env_mask"][i]
        if out["episode_tool_calls"][i] and not out["episode_prefix_mismatch"][i]:
            # env tokens (the tool result) are in the completion, masked out
            env_text = tok.decode([t for t, m in zip(completion, mask) if m == 0])
            assert "<tool_response>" in env_text and 0 in mask and 1 in mask
        assert all(lp == 0.0 for lp, m in zip(out["logprobs"][i], mask) if m == 0)
        assert out["episode_reward"][i] is not None


def test_multi_turn_adapter_says_when_a_prompt_is_not_in_its_dataset():
    ds = export_dataset("rlvr/ToolUse-v0", 1, env_kwargs={"categories": ["simple"]})["train"]
    rollout = rlvr_rollout("rlvr/ToolUse-v0", ds, categories=["simple"])
    with pytest.raises(ValueError, match="not in the dataset"):
        rollout([[{"role": "user", "content": "hello"}]], trainer=None)
    with pytest.raises(ValueError, match="rlvr export"):
        rlvr_rollout("rlvr/ToolUse-v0", [{"prompt": [{"role": "user", "content": "x"}]}])
