"""Task sources: procedural items reproducible from their id; records from every format."""

import json
import random

import datasets
import numpy as np
import pytest

from rlvr_envs.core import ProceduralSource, RecordSource, public_task_info, read_records


class Squares:
    name = "squares"
    difficulties = (1, 2, 3)

    def generate(self, rng: random.Random, difficulty: int) -> dict:
        n = rng.randint(1, 10**difficulty)
        return {"question": f"{n}^2?", "answer": str(n * n)}


class Cubes(Squares):
    name = "cubes"
    difficulties = (1, 2)


def test_procedural_items_are_reproducible_from_id_alone():
    src = ProceduralSource([Squares(), Cubes()], seed=7, domain="toy")
    rng = np.random.default_rng(0)
    tasks = [src.sample(rng) for _ in range(50)]
    for t in tasks:
        assert src.get(t["id"]) == t
        assert t["domain"] == "toy" and t["source"] == "procedural"
    other = ProceduralSource([Squares(), Cubes()], seed=7, domain="toy")
    assert [other.get(t["id"]) for t in tasks] == tasks
    assert len({t["question"] for t in tasks}) > 30


def test_procedural_sampling_depends_only_on_rng_state():
    src = ProceduralSource([Squares(), Cubes()], seed=0, domain="toy")
    a = [src.sample(np.random.default_rng(5), 2)["id"] for _ in range(3)]
    assert len(set(a)) == 1
    assert src.sample(np.random.default_rng(5), 2)["difficulty"] == 2


def test_procedural_levels_clamped_and_bad_ids_explained():
    src = ProceduralSource([Cubes()], seed=0, domain="toy")
    assert src.build("cubes", 9, 0)["difficulty"] == 2
    with pytest.raises(KeyError, match="family/d<difficulty>"):
        src.get("nonsense")
    with pytest.raises(ValueError, match="unknown families"):
        ProceduralSource([Cubes()], domain="toy", family_weights={"nope": 1.0})


def test_family_weights_select_families():
    src = ProceduralSource([Squares(), Cubes()], domain="toy",
                           family_weights={"squares": 0.0, "cubes": 1.0})
    rng = np.random.default_rng(1)
    assert {src.sample(rng)["family"] for _ in range(20)} == {"cubes"}


def test_record_source_reads_lists_files_and_datasets(tmp_path):
    recs = [{"id": "a", "question": "1+1", "answer": "2", "difficulty": 1},
            {"id": "b", "question": "2+2", "answer": "4", "difficulty": 2}]
    jsonl = tmp_path / "t.jsonl"
    jsonl.write_text("\n".join(json.dumps(r) for r in recs) + "\n\n")
    (tmp_path / "t.json").write_text(json.dumps(recs))
    parquet = tmp_path / "t.parquet"
    datasets.Dataset.from_list(recs).to_parquet(str(parquet))
    for given in (recs, str(jsonl), tmp_path / "t.json", str(parquet),
                  datasets.Dataset.from_list(recs),
                  datasets.DatasetDict({"train": datasets.Dataset.from_list(recs)})):
        records, _ = read_records(given)
        src = RecordSource(records, domain="toy")
        assert src.get("b")["answer"] == "4"
        assert src.sample(np.random.default_rng(0), difficulty=2)["id"] == "b"
        assert src.difficulties == [1, 2]


def test_record_source_errors_say_what_to_do(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"a": 1}\nnot json\n')
    with pytest.raises(ValueError, match="bad.jsonl:2"):
        read_records(bad)
    with pytest.raises(FileNotFoundError):
        read_records(str(tmp_path / "missing.jsonl"))
    with pytest.raises(TypeError):
        read_records(42)
    with pytest.raises(ValueError, match="does not fit"):
        RecordSource([{"x": 1}], domain="toy", normalize=lambda r: {"q": r["question"]})
    with pytest.raises(ValueError, match="not unique"):
        RecordSource([{"id": 1}, {"id": 1}], domain="toy")
    with pytest.raises(ValueError, match="no tasks"):
        RecordSource([], domain="toy")


def test_public_task_info_never_carries_the_answer():
    info = public_task_info({"id": "x", "domain": "d", "difficulty": 1, "source": "s",
                             "answer": "42", "solution": "...", "question": "?"})
    assert info == {"id": "x", "domain": "d", "difficulty": 1, "source": "s"}


def test_sample_a_given_family_and_override_item_generation():
    src = ProceduralSource([Squares(), Cubes()], seed=0, domain="toy")
    rng = np.random.default_rng(3)
    assert {src.sample(rng, family="cubes")["family"] for _ in range(10)} == {"cubes"}
    assert src.sample_family(np.random.default_rng(3)) in {"squares", "cubes"}

    class Tagged(ProceduralSource):
        def generate_item(self, fam, rng, level, seed):
            return {**fam.generate(rng, level), "world_seed": seed}

    tagged = Tagged([Squares()], seed=9, domain="toy")
    task = tagged.sample(np.random.default_rng(0))
    assert task["world_seed"] == 9 and tagged.get(task["id"]) == task
