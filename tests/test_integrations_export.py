"""`rlvr export` and `rlvr_reward`: an exported dataset, scored by the env's own verifier."""

from __future__ import annotations

import json

import datasets
import pytest

from rlvr_envs.cli import main
from rlvr_envs.integrations.export import export_dataset, make_env, reset_row
from rlvr_envs.integrations.trl import completion_text, rlvr_reward

# every env whose task one completion decides, with small settings
SINGLE_TURN = {
    "rlvr/Math-v0": {"difficulty": 1},
    "rlvr/Code-v0": {"difficulty": 1},
    "rlvr/Verilog-v0": {"difficulty": 1},
    "rlvr/KGMultiHop-v0": {"context_tokens": 512},
}


def _columns(rows: datasets.Dataset) -> dict:
    # as TRL passes them: one list per dataset column
    return {k: list(rows[k]) for k in rows.column_names if k != "prompt"}


def _oracle_texts(env_id: str, kwargs: dict, rows: datasets.Dataset) -> list[str]:
    env = make_env(env_id, kwargs)
    texts = []
    for row in rows:
        reset_row(env, row)
        texts.append(env.unwrapped.oracle_action())
    env.close()
    return texts


@pytest.mark.parametrize("env_id", sorted(SINGLE_TURN))
def test_rlvr_reward_is_the_env_verdict_on_oracle_and_wrong_completions(env_id):
    kwargs = SINGLE_TURN[env_id]
    rows = export_dataset(env_id, 2, seed=3, env_kwargs=kwargs)["train"]
    reward = rlvr_reward(env_id, workers=2, **kwargs)
    oracle = [[{"role": "assistant", "content": t}] for t in _oracle_texts(env_id, kwargs, rows)]
    assert reward(prompts=list(rows["prompt"]), completions=oracle, **_columns(rows)) == [1.0, 1.0]
    wrong = ["I am not sure.", [{"role": "assistant", "content": "The answer is 7."}]]
    assert reward(prompts=list(rows["prompt"]), completions=wrong, **_columns(rows)) == [0.0, 0.0]
    reward.close()


def test_rlvr_reward_refuses_multi_turn_envs_and_points_to_the_adapter():
    with pytest.raises(ValueError, match="rlvr_rollout"):
        rlvr_reward("rlvr/ToolUse-v0")
    with pytest.raises(ValueError, match="max_attempts"):
        rlvr_reward("rlvr/Math-v0", max_attempts=2)
    with pytest.raises(ValueError, match="rlvr list"):
        rlvr_reward("rlvr/Nope-v0")


def test_rlvr_reward_scores_task_records_and_leaves_other_envs_rows_out():
    reward = rlvr_reward("rlvr/Math-v0", workers=1)
    record = json.dumps({"question": "What is 2 + 3?", "answer": "5"})
    got = reward(prompts=[[{"role": "user", "content": "What is 2 + 3?"}]] * 3,
                 completions=["\\boxed{5}", "\\boxed{4}", "\\boxed{5}"],
                 rlvr_task=[record] * 3, rlvr_env=["rlvr/Math-v0"] * 2 + ["rlvr/Code-v0"])
    assert got == [1.0, 0.0, None]  # None: TRL leaves the row out of this function's reward


def test_rlvr_reward_refuses_a_dataset_exported_with_other_env_kwargs():
    rows = export_dataset("rlvr/Math-v0", 1, env_kwargs={"system_prompt": "Be brief."})["train"]
    with pytest.raises(ValueError, match="rlvr_export.json"):
        rlvr_reward("rlvr/Math-v0")(prompts=list(rows["prompt"]), completions=["x"], **_columns(rows))
    lenient = rlvr_reward("rlvr/Math-v0", check_prompt=False)
    assert lenient(prompts=list(rows["prompt"]), completions=["x"], **_columns(rows)) == [0.0]


def test_completion_text_reads_strings_and_chat_messages():
    assert completion_text("a") == "a"
    assert completion_text([{"role": "assistant", "content": "b"}]) == "b"
    assert completion_text([{"role": "assistant", "content": "c"},
                            {"role": "tool", "content": "r"}]) == "c"


def test_export_writes_a_dataset_and_jsonl_that_round_trip(tmp_path, capsys):
    out = tmp_path / "math"
    assert main(["export", "rlvr/Math-v0", "--n", "4", "--test-n", "2", "--seed", "5",
                 "--out", str(out), "--kw", "difficulty=1"]) == 0
    assert "train 4, test 2" in capsys.readouterr().out
    loaded = datasets.load_from_disk(str(out))
    again = export_dataset("rlvr/Math-v0", 4, test_n=2, seed=5, env_kwargs={"difficulty": 1})
    for split in ("train", "test"):
        assert loaded[split].to_list() == again[split].to_list()  # deterministic
        jsonl = datasets.load_dataset("json", data_files=str(out / f"{split}.jsonl"),
                                      split="train")
        assert jsonl.to_list() == loaded[split].to_list()
    meta = json.loads((out / "rlvr_export.json").read_text())
    assert meta["env"] == "rlvr/Math-v0" and meta["env_kwargs"] == {"difficulty": 1}
    train_ids = set(loaded["train"]["rlvr_task_id"])
    assert len(train_ids) == 4 and not train_ids & set(loaded["test"]["rlvr_task_id"])
    row = loaded["train"][0]
    assert [m["role"] for m in row["prompt"]] == ["system", "user"]
    assert json.loads(row["tools"]) == []
    env = make_env("rlvr/Math-v0", {"difficulty": 1})
    _, info = reset_row(env, row)  # the row rebuilds the episode it shows
    assert info["messages"] == row["prompt"] and info["task"]["id"] == row["rlvr_task_id"]
    assert "answer" not in json.dumps(row).lower().replace("final answer", "")


def test_export_of_a_tool_env_carries_its_tools():
    rows = export_dataset("rlvr/ToolUse-v0", 2, env_kwargs={"categories": ["simple"]})["train"]
    env = make_env("rlvr/ToolUse-v0", {"categories": ["simple"]})
    for row in rows:
        _, info = reset_row(env, row)
        assert json.loads(row["tools"]) == info["tools"] and info["tools"]


def test_export_takes_each_record_once_and_says_when_there_are_too_few(tmp_path):
    records = [{"id": f"r{i}", "question": f"What is {i} + 1?", "answer": str(i + 1)}
               for i in range(5)]
    ds = export_dataset("rlvr/Math-v0", 3, test_n=2, env_kwargs={"tasks": records})
    ids = list(ds["train"]["rlvr_task_id"]) + list(ds["test"]["rlvr_task_id"])
    assert sorted(ids) == [f"r{i}" for i in range(5)]
    with pytest.raises(ValueError, match="fewer than the 6"):
        export_dataset("rlvr/Math-v0", 4, test_n=2, env_kwargs={"tasks": records})
    with pytest.raises(SystemExit, match="rlvr export: .*rlvr list"):
        main(["export", "rlvr/Nope-v0", "--n", "1", "--out", str(tmp_path / "x")])
