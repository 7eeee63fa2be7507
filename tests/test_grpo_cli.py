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


_TINY_ONE_STEP = ["train", "--preset", "tiny", "--steps", "1", "--tasks-per-step", "2",
                  "--group-size", "4", "--sft-episodes", "4", "--sft-steps", "2",
                  "--eval-tasks", "4"]


def test_train_tiny_one_step(tmp_path, capsys):
    out = tmp_path / "run"
    rc = main(_TINY_ONE_STEP + ["--output-dir", str(out)])
    assert rc == 0
    summary = json.loads((out / "summary.json").read_text())
    assert {"eval_before", "eval_after", "eval_train_before", "eval_train_after",
            "eval_curve", "reward_curve", "sft_loss"} <= set(summary)
    assert (out / "metrics.jsonl").exists() and (out / "checkpoint.pt").exists()
    text = capsys.readouterr().out
    assert "\r" not in text and "\x1b" not in text  # plain lines, readable in a log file
    lines = text.splitlines()
    assert lines[0] == (f"rlvr train: writing to {out}/ (metrics.jsonl, checkpoint.pt, "
                        "summary.json, reward_over_steps.png)")
    (step,) = [x for x in lines if x.startswith("step ")]
    assert step.startswith("step 1/1  reward ") and "tok/s" in step
    assert lines[-1].endswith(f"plot {out / 'reward_over_steps.png'}")


def test_a_previous_run_is_refused_unless_resume_or_overwrite(tmp_path, capsys):
    out = tmp_path / "run"
    (out / "notes").mkdir(parents=True)  # not a run file: --overwrite keeps it
    assert main(_TINY_ONE_STEP + ["--output-dir", str(out), "--quiet"]) == 0
    assert not [x for x in capsys.readouterr().out.splitlines() if x.startswith("step ")]
    with pytest.raises(SystemExit) as e:
        main(_TINY_ONE_STEP + ["--output-dir", str(out)])
    assert str(e.value) == (f"rlvr train: {out} holds a previous run (metrics.jsonl, "
                            "checkpoint.pt, summary.json): pass --resume to continue it, "
                            "--overwrite to replace it, or another --output-dir")
    assert main(_TINY_ONE_STEP + ["--output-dir", str(out), "--overwrite"]) == 0
    assert "previous run there was removed" in capsys.readouterr().out
    assert len((out / "metrics.jsonl").read_text().splitlines()) == 1  # replaced, not appended
    assert (out / "notes").is_dir()
    # --resume continues from the checkpoint: one more step, appended
    assert main(_TINY_ONE_STEP + ["--output-dir", str(out), "--resume", "--steps", "2"]) == 0
    steps = [json.loads(x)["step"] for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert steps == [1, 2]


def test_overlapping_held_out_records_are_one_line(tmp_path):
    with pytest.raises(SystemExit, match="^rlvr train: eval_env_kwargs.*shares 1 records"):
        main(_TINY_ONE_STEP + ["--output-dir", str(tmp_path), "--eval-env-kwargs",
                               json.dumps({"tasks": [{"question": "What is 11+1?",
                                                      "answer": "12"}]})])


def test_gpu_backend_fails_clearly_without_a_gpu(monkeypatch):
    from agents.grpo.vllm_engine import require_gpu
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    with pytest.raises(RuntimeError, match="CUDA"):
        require_gpu()


def test_output_dir_rules_without_training(tmp_path):
    from agents.grpo.trainer import CannotTrain, claim_output_dir
    out = tmp_path / "r"

    def cfg(**kw):
        return GRPOConfig(output_dir=str(out), **kw)
    assert claim_output_dir(cfg()) == "new" and out.is_dir()
    assert claim_output_dir(cfg()) == "new"  # an empty directory, or one with a config only
    (out / "metrics.jsonl").write_text("{}\n")
    with pytest.raises(CannotTrain, match=r"\(metrics.jsonl\): pass --resume"):
        claim_output_dir(cfg())
    with pytest.raises(CannotTrain, match="no checkpoint.pt to resume from"):
        claim_output_dir(cfg(resume=True))
    (out / "checkpoint.pt").write_bytes(b"")
    (out / "tb").mkdir()
    for export in ("hf", "checkpoint-10"):  # Hugging Face exports of the previous run
        (out / export).mkdir()
        (out / export / "config.json").write_text("{}")
    (out / "notes.txt").write_text("mine")  # not a run's file: kept
    assert claim_output_dir(cfg(resume=True)) == "resume"
    assert claim_output_dir(cfg(overwrite=True)) == "overwrite"
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
