"""A run that cannot fit its prompts stops at start with one line naming the knob: the
episode token budget, and the model's context (`max_position_embeddings`)."""

import pytest

from agents.grpo import GRPOTrainer
from agents.grpo.trainer import CannotTrain
from agents.tiny import build_tiny_model_and_tokenizer
from rlvr_envs.cli import main
from tests.test_grpo_trainer import EvenLengthEnv, _cfg


@pytest.mark.parametrize("env", ["rlvr/ToolUse-v0", "rlvr/KGMultiHop-v0"])
def test_train_on_defaults_stops_with_one_line_naming_the_knob(tmp_path, env):
    """Their prompts are longer than the default budget (512 tokens of the tiny model's
    character tokenizer): no traceback, one line, the flag to change."""
    with pytest.raises(SystemExit) as e:
        main(["train", "--envs", env, "--output-dir", str(tmp_path / "run")])
    msg = str(e.value)
    assert msg.startswith("rlvr train: every prompt of the first step is longer than "
                          "max_episode_tokens=512") and "\n" not in msg
    assert env in msg and "--max-episode-tokens" in msg
    assert "up to the model's context of 8192" in msg


def test_a_budget_over_the_model_context_is_refused_before_any_work(tmp_path):
    with pytest.raises(SystemExit) as e:
        main(["train", "--envs", "rlvr/KGMultiHop-v0", "--max-episode-tokens", "20000",
              "--output-dir", str(tmp_path / "run")])
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith("rlvr train: max_episode_tokens=20000 is over "
                                              "the model's context of 8192 tokens")
    assert "--max-episode-tokens 8192 or lower" in msg and "--env-kwargs" in msg


def test_the_context_check_reads_the_given_model(tmp_path):
    model, tok = build_tiny_model_and_tokenizer(0, max_position_embeddings=256)
    envs = {"rlvr-grpo/Digit-v0": lambda: EvenLengthEnv()}
    with pytest.raises(CannotTrain, match="max_episode_tokens=512 is over the model's context "
                                          "of 256 tokens"):
        GRPOTrainer(_cfg(tmp_path), model, tok, envs=envs)
    model, tok = build_tiny_model_and_tokenizer(0, max_position_embeddings=256)
    assert GRPOTrainer(_cfg(tmp_path, max_episode_tokens=256), model, tok,
                       envs=envs).context == 256
