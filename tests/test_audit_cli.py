"""`rlvr audit`: in sample and out of sample in one report, as text and as JSON."""

from __future__ import annotations

import json

import pytest
from hack_toy_envs import register_toys

from rlvr_envs.cli import main
from rlvr_envs.core.audit import load_differential

register_toys()

DIFFERENTIAL = {
    "env_id": "rlvr/Math-v0", "reference": "math-verify 0.8.0", "n": 10, "agree": 7, "fp": 1,
    "fn": 2,
    "by_class": {"interval": {"n": 6, "agree": 5, "fp": 1, "fn": 0},
                 "latex": {"n": 4, "agree": 2, "fp": 0, "fn": 2}},
    "disagreements": [{"class": "interval", "input": "\\boxed{(0,1]}", "ours": True,
                       "reference": False, "who_is_right": "reference"}],
}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["audit", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_hacks_and_perturbations_are_reported_out_of_sample(capsys) -> None:
    code, out, err = run(capsys, "rlvr-hacktest/InfinitySum-v0", "--hacks", "--tasks", "12",
                         "--strategies", "symbol:infinity,constant", "--perturb-tasks", "6")
    assert code == 0  # not --strict
    assert "## in sample" in out and "no in-sample audit" in out  # the toy has no corpus
    assert "## out of sample: the oracle's final answers re-expressed" in out
    assert "best: symbol:infinity mean 1.000 vs chance_level 0.000 (+0.02): EXCEEDS" in out
    assert "[1/12]" in err and "symbol:infinity" in err  # progress, one line per strategy


def test_strict_fails_on_a_hack_and_passes_an_honest_env(capsys) -> None:
    args = ["--hacks", "--tasks", "9", "--strategies", "symbol", "--perturb-tasks", "0",
            "--strict"]
    code, _, err = run(capsys, "rlvr-hacktest/InfinitySum-v0", *args)
    assert code == 1 and "hack symbol:infinity earns 1.000" in err
    code, _, _ = run(capsys, "rlvr-hacktest/Sum-v0", *args)
    assert code == 0


def test_json_holds_every_section(capsys, tmp_path) -> None:
    path = tmp_path / "diff.json"
    path.write_text(json.dumps(DIFFERENTIAL))
    code, out, _ = run(capsys, "rlvr-hacktest/Choice-v0", "--json", "--hacks", "--tasks", "8",
                       "--strategies", "symbol:letter-*", "--perturb-tasks", "4",
                       "--differential", str(path), "--quiet")
    report = json.loads(out)
    assert code == 0 and report["in_sample"] is None
    oos = report["out_of_sample"]
    assert oos["hacks"]["chance_level"] == 0.25 and len(oos["hacks"]["strategies"]) == 4
    assert oos["perturbations"]["tasks"] == 4
    assert oos["differential"][0]["by_class"]["latex"]["fn"] == 2


def test_differential_results_print_by_class(capsys, tmp_path) -> None:
    path = tmp_path / "diff.json"
    path.write_text(json.dumps(DIFFERENTIAL))
    code, out, _ = run(capsys, "rlvr-hacktest/Sum-v0", "--differential", str(path),
                       "--perturb-tasks", "0")
    assert code == 0 and "vs math-verify 0.8.0" in out
    assert [ln.split() for ln in out.splitlines() if ln.startswith(("latex", "ALL"))] == [
        ["latex", "4", "2", "0", "2"], ["ALL", "10", "7", "1", "2"]]
    assert "right: reference" in out


def test_bad_differential_files_say_what_is_missing(tmp_path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"env_id": "x", "n": 3}))
    with pytest.raises(ValueError, match=r"lack \['reference', 'agree'"):
        load_differential(path)
    with pytest.raises(SystemExit, match="cannot read differential"):
        main(["audit", "rlvr-hacktest/Sum-v0", "--differential", str(tmp_path / "none.json")])


def test_unknown_strategy_names_the_choices() -> None:
    with pytest.raises(SystemExit, match="no strategy matches 'zzz'"):
        main(["audit", "rlvr-hacktest/Sum-v0", "--hacks", "--strategies", "zzz",
              "--perturb-tasks", "0", "--quiet"])


def test_registered_env_keeps_its_corpus_in_sample(capsys) -> None:
    code, out, _ = run(capsys, "rlvr/Math-v0", "--perturb-tasks", "3", "--show", "0",
                       "--quiet")
    assert code == 0 and "FP rate" in out and "ALL" in out
    assert out.index("## in sample") < out.index("## out of sample")

