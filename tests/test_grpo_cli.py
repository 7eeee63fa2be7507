"""`rlvr train`: flags generated from GRPOConfig, presets, and a one-step tiny run."""

import json

import pytest

from agents.grpo.config import PRESETS, GRPOConfig, apply_preset, config_from_args
from rlvr_envs.cli import build_parser, main


def test_every_config_field_is_a_flag_and_presets_apply():
    p = build_parser()
    args = p.parse_args(["train", "--preset", "dapo", "--group-size", "4", "--envs", "a,b",
                         "--env-weights", "[1, 3]", "--no-mask-truncated"])
    cfg = config_from_args(args)
    assert cfg.epsilon_high == 0.28 and cfg.dynamic_sampling and not cfg.mask_truncated
    assert cfg.group_size == 4 and cfg.envs == ["a", "b"] and cfg.env_weights == [1, 3]
    help_text = p._subparsers._group_actions[0].choices["train"].format_help()
    for name in GRPOConfig.__dataclass_fields__:
        assert "--" + name.replace("_", "-") in help_text
    assert set(PRESETS) >= {"grpo", "dr_grpo", "dapo", "gspo", "tiny"}
    assert apply_preset("gspo").importance_sampling_level == "sequence"
    assert apply_preset("dr_grpo").loss_settings().max_tokens == 16 * 3


def test_bad_values_are_clear_errors():
    with pytest.raises(ValueError, match="aggregation"):
        GRPOConfig(aggregation="mean")
    with pytest.raises(ValueError, match="group_size"):
        GRPOConfig(group_size=1)


def test_train_tiny_one_step(tmp_path):
    out = tmp_path / "run"
    rc = main(["train", "--preset", "tiny", "--steps", "1", "--tasks-per-step", "2",
               "--group-size", "4", "--sft-episodes", "4", "--sft-steps", "2",
               "--eval-tasks", "4", "--output-dir", str(out)])
    assert rc == 0
    summary = json.loads((out / "summary.json").read_text())
    assert {"eval_before", "eval_after", "reward_curve", "sft_loss"} <= set(summary)
    assert (out / "metrics.jsonl").exists() and (out / "checkpoint.pt").exists()


def test_gpu_backend_fails_clearly_without_a_gpu(monkeypatch):
    from agents.grpo.vllm_engine import require_gpu
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    with pytest.raises(RuntimeError, match="CUDA"):
        require_gpu()
