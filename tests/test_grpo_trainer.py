"""The GRPO learner end to end on CPU: tiny model, toy envs, a few steps each."""

import gymnasium as gym
import pytest
import torch

from agents.collector import EpisodeCollector, EpisodeSpec
from agents.grpo import GRPOConfig, GRPOTrainer
from agents.grpo.batch import build_batch
from agents.grpo.toy_env import DigitEnv
from agents.grpo.trainer import CannotTrain
from agents.tiny import build_tiny_model_and_tokenizer
from rlvr_envs.core import Turn, Verdict
from tests.test_agents_toy_envs import ScriptedTokenPolicy, ToyGuessEnv


class NeverRightEnv(DigitEnv):
    """Every reply is wrong: every group's rewards are equal (0)."""

    def respond(self, action: str) -> Turn:
        return Turn("No.")


class EvenLengthEnv(DigitEnv):
    """Reward 1 when the reply has an even number of characters: a random model gets
    varied rewards in every group, so there is a learning signal from step 0."""

    def respond(self, action: str) -> Turn:
        if len(action) % 2 == 0:
            return Turn("Yes.", terminated=True, verdict=Verdict.success())
        return Turn("No.")


def _cfg(tmp_path, **kw) -> GRPOConfig:
    base = dict(group_size=4, tasks_per_step=2, max_new_tokens=3, max_turns=2, steps=2,
                concurrency=8, micro_batch_size=8, learning_rate=1e-2, seed=0,
                output_dir=str(tmp_path / "run"), plot=False)
    return GRPOConfig(**{**base, **kw})


def _trainer(tmp_path, env=EvenLengthEnv, **kw) -> GRPOTrainer:
    model, tok = build_tiny_model_and_tokenizer(0)
    return GRPOTrainer(_cfg(tmp_path, **kw), model, tok,
                       envs={"rlvr-grpo/Digit-v0": lambda: env()})


def _params(model):
    return {n: p.detach().clone() for n, p in model.named_parameters()}


def test_scripted_three_turn_episode_token_and_mask_layout():
    _, tok = build_tiny_model_and_tokenizer(0)
    coll = EpisodeCollector({"guess": lambda: ToyGuessEnv(max_turns=3)},
                            ScriptedTokenPolicy(tok, ["\\boxed{0}"]))
    rec = coll.run([EpisodeSpec("guess", 0, 0, seed=1)])[0]
    assert rec["num_turns"] == 3 and not rec["prefix_mismatch"]
    t = rec["turns"]
    expected, mask = list(t[0]["prompt_token_ids"]), [0] * len(t[0]["prompt_token_ids"])
    for k in range(3):
        if k:
            prev = expected
            assert t[k]["prompt_token_ids"][:len(prev)] == prev  # prefix extension
            delta = t[k]["prompt_token_ids"][len(prev):]
            expected, mask = expected + delta, mask + [0] * len(delta)
        a = t[k]["completion_token_ids"]
        assert a == tok("\\boxed{0}", add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
        expected, mask = expected + a, mask + [1] * len(a)
    batch = build_batch([rec], [1.0], pad_token_id=tok.pad_token_id)
    assert batch.input_ids[0].tolist() == expected
    assert batch.loss_mask[0].tolist() == mask[1:]  # target-aligned
    assert batch.num_loss_tokens == 3 * 10


def test_tokens_under_mask_zero_do_not_change_gradients(tmp_path):
    tr = _trainer(tmp_path)
    records, _ = tr.collect(0)
    groups, _, adv, _ = tr.rewards_and_advantages(records)
    flat = [r for g in groups for r in g]
    batch = build_batch(flat, [1.0 - 0.3 * i for i in range(len(flat))],
                        pad_token_id=tr.tok.pad_token_id)
    tr.score(batch)

    def grads(b):
        tr.model.zero_grad(set_to_none=True)
        tr.accumulate_gradients(b, 8)
        return [p.grad.clone() for p in tr.model.parameters()]

    g0 = grads(batch)
    off = batch.loss_mask == 0
    batch.old_logp = torch.where(off, torch.full_like(batch.old_logp, 123.0), batch.old_logp)
    batch.sampler_logp = torch.where(off, torch.full_like(batch.sampler_logp, -7.0),
                                     batch.sampler_logp)
    # tokens after each row's last generated token (trailing env text, padding)
    T = batch.input_ids.shape[1]
    last = (batch.loss_mask * torch.arange(1, T)).amax(1)  # input position of last gen token
    tail = torch.arange(T).unsqueeze(0) > last.unsqueeze(1)
    assert tail.sum() > 0
    batch.input_ids = torch.where(tail, torch.full_like(batch.input_ids, 50), batch.input_ids)
    g1 = grads(batch)
    assert all(torch.equal(a, b) for a, b in zip(g0, g1))


@pytest.mark.parametrize("splits", [2, 4])
def test_micro_batch_split_gives_same_gradient(tmp_path, splits):
    tr = _trainer(tmp_path, aggregation="token_mean")
    records, _ = tr.collect(0)
    groups, _, _, _ = tr.rewards_and_advantages(records)
    flat = [r for g in groups for r in g]
    batch = build_batch(flat, [((i % 3) - 1.0) for i in range(len(flat))],
                        pad_token_id=tr.tok.pad_token_id)
    tr.score(batch)
    out = []
    for size in (batch.num_rows, batch.num_rows // splits):
        tr.model.zero_grad(set_to_none=True)
        tr.accumulate_gradients(batch, size)
        out.append([p.grad.clone() for p in tr.model.parameters()])
    assert all(torch.allclose(a, b, atol=1e-6, rtol=1e-5) for a, b in zip(*out))


def test_every_parameter_changes_and_metrics_logged(tmp_path):
    tr = _trainer(tmp_path, steps=3, learning_rate=5e-2, beta=0.04)
    before = _params(tr.model)
    hist = tr.train()
    after = _params(tr.model)
    assert [n for n in before if torch.equal(before[n], after[n])] == []
    for key in ("reward_mean", "frac_reward_zero_std", "clip_frac_low", "entropy", "kl",
                "logprob_gap_mean", "grad_norm", "tokens_per_s", "time_generate_s"):
        assert key in hist[-1]
    assert hist[0]["logprob_gap_mean"] < 1e-4  # sampler == trainer right after a sync
    assert (tmp_path / "run" / "metrics.jsonl").read_text().count("\n") == 3


def test_all_equal_rewards_or_all_masked_leave_parameters_bit_identical(tmp_path):
    tr = _trainer(tmp_path, env=NeverRightEnv)
    before = _params(tr.model)
    hist = tr.train()
    assert all(m["frac_reward_zero_std"] == 1.0 and m["skipped_update"] == 1 for m in hist)
    assert all(torch.equal(before[n], p) for n, p in tr.model.named_parameters())
    tr = _trainer(tmp_path / "b", env=NeverRightEnv, mask_truncated=True, beta=0.04)
    before = _params(tr.model)
    hist = tr.train()
    assert all(m["loss_tokens"] == 0 for m in hist)
    assert all(torch.equal(before[n], p) for n, p in tr.model.named_parameters())


@pytest.mark.parametrize("optim", [{}, {"lr_scheduler": "cosine", "warmup_steps": 2,
                                         "mini_batches": 2, "num_iterations": 2}])
def test_same_seed_same_parameters_and_exact_resume(tmp_path, optim):
    a = _trainer(tmp_path / "a", steps=3, **optim)
    a.train()
    b = _trainer(tmp_path / "b", steps=3, **optim)
    b.train(steps=2)
    c = _trainer(tmp_path / "b", steps=3, resume=True, **optim)
    c.train()
    pa, pc = _params(a.model), _params(c.model)
    assert all(torch.equal(pa[n], pc[n]) for n in pa)
    # the LR schedule continued where it stopped (a restarted warmup would differ above)
    assert c.scheduler.last_epoch == a.scheduler.last_epoch
    assert c.optimizer.param_groups[0]["lr"] == a.optimizer.param_groups[0]["lr"]


def test_prefix_mismatch_error_mode_is_loud():
    rec = {"episode": "e#0.0", "prefix_mismatch": True,
           "prefix_mismatch_at": {"turn": 1, "position": 7}, "segments": []}
    with pytest.raises(ValueError, match="rewrote earlier turns"):
        build_batch([rec], [0.0], pad_token_id=0, on_prefix_mismatch="error")


def test_unknown_env_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="unknown env"):
        GRPOTrainer(_cfg(tmp_path, envs=["rlvr/Nope-v0"]), *build_tiny_model_and_tokenizer(0))


def test_gym_registry_has_digit_env():
    from agents.grpo.trainer import env_factories
    env_factories(GRPOConfig())
    assert "rlvr-grpo/Digit-v0" in gym.registry


def test_tiny_preset_warm_starts_on_bare_answers_of_a_real_env(tmp_path):
    """The tiny preset trains on rlvr/Math-v0; its warm-start transcripts are the bare
    answers (`sft_oracle_template`), which the env's own verifier accepts (reward 1)."""
    from agents.grpo import apply_preset
    from agents.grpo.trainer import LockstepCollector, OracleTokenPolicy, env_factories

    cfg = apply_preset("tiny", output_dir=str(tmp_path / "run"))
    assert cfg.envs == ["rlvr/Math-v0"] and cfg.sft_oracle_template == "{answer}"
    _, tok = build_tiny_model_and_tokenizer(0)
    coll = LockstepCollector(env_factories(cfg), OracleTokenPolicy(tok, cfg.sft_oracle_template),
                             max_turns=cfg.max_turns)
    recs = coll.run([EpisodeSpec("rlvr/Math-v0", i, 0, seed=i) for i in range(4)])
    coll.close()
    for rec in recs:
        completion = rec["turns"][0]["completion_token_ids"]
        assert completion[-1] == tok.eos_token_id
        text = tok.decode(completion[:-1])
        assert text.isdigit() and rec["reward"] == 1.0
    # the preset dict is not shared with the configs made from it
    cfg.env_kwargs["tasks"].clear()
    assert apply_preset("tiny").env_kwargs["tasks"]


def test_dynamic_sampling_trains_only_on_groups_with_signal(tmp_path):
    """DAPO dynamic sampling: zero-variance groups are dropped and the batch is refilled, so
    the loss sees only groups whose rewards differ; an all-zero-variance env keeps nothing
    and skips the update instead of crashing."""
    tr = _trainer(tmp_path, steps=3, dynamic_sampling=True, max_refill_rounds=3)
    hist = tr.train()
    for m in hist:   # either a batch of groups with signal, or nothing found after the refills
        assert (m["frac_reward_zero_std"] == 0.0 and m["skipped_update"] == 0) or \
            (m["refill_rounds"] == 3 and m["skipped_update"] == 1)
    assert sum(m["skipped_update"] == 0 for m in hist) >= 2
    tr = _trainer(tmp_path / "b", env=NeverRightEnv, steps=1, dynamic_sampling=True,
                  max_refill_rounds=2)
    (m,) = tr.train()
    assert m["refill_rounds"] == 2 and m["skipped_update"] == 1


def test_a_run_whose_prompts_do_not_fit_stops_at_start_naming_the_knob(tmp_path):
    tr = _trainer(tmp_path, max_episode_tokens=2)
    with pytest.raises(CannotTrain, match="max_episode_tokens=2.*--max-episode-tokens"):
        tr.train()


def test_a_later_step_with_nothing_to_train_is_skipped_with_its_reason(tmp_path):
    tr = _trainer(tmp_path, steps=2)
    tr.train(1)
    before = _params(tr.model)
    tr.collector.max_episode_tokens = 2          # every prompt of step 2 is over the budget
    m = tr.train_step()
    assert m["skipped_update"] == 1.0 and m["loss_tokens"] == 0
    assert "nothing to train" in m["warning"] and "8 over max_episode_tokens" in m["warning"]
    assert all(torch.equal(before[n], p) for n, p in tr.model.named_parameters())


class BrokenResetEnv(DigitEnv):
    def reset(self, *, seed=None, options=None):
        raise ValueError("no such task")


def test_a_warm_start_with_no_oracle_tokens_stops_naming_the_error(tmp_path):
    tr = _trainer(tmp_path, env=BrokenResetEnv)
    with pytest.raises(CannotTrain, match="4 infra errors, first: env reset raised "
                                          "ValueError: no such task.*--sft-steps 0"):
        tr.warm_start(4, 1, 1e-2)


def test_mask_truncated_masks_length_cuts_not_episodes_that_ran_out_of_turns():
    _, tok = build_tiny_model_and_tokenizer(0)
    coll = EpisodeCollector({"guess": lambda: ToyGuessEnv(max_turns=3)},
                            ScriptedTokenPolicy(tok, ["\\boxed{0}"]))
    rec = coll.run([EpisodeSpec("guess", 0, 0, seed=1)])[0]
    assert rec["truncated"] and all(t["finish_reason"] == "stop" for t in rec["turns"])
    # three wrong answers and out of turns: a failure, which keeps its (negative) signal
    kept = build_batch([rec], [-1.0], pad_token_id=tok.pad_token_id, mask_truncated=True)
    assert kept.num_loss_tokens == 3 * 10
    cut = {**rec, "turns": [*rec["turns"][:2], {**rec["turns"][2], "finish_reason": "length"}]}
    masked = build_batch([cut], [-1.0], pad_token_id=tok.pad_token_id, mask_truncated=True)
    assert masked.num_loss_tokens == 0
    over = {**rec, "end_reason": "token_budget"}
    assert build_batch([over], [-1.0], pad_token_id=tok.pad_token_id,
                       mask_truncated=True).num_loss_tokens == 0
    assert build_batch([cut], [-1.0], pad_token_id=tok.pad_token_id).num_loss_tokens == 30
