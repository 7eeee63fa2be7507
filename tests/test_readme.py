"""The README's Python blocks run as written (issue #18): a newcomer's first snippet must work."""

import json
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
# files the README's snippets name as the user's own data, in the format they stand for
USER_FILES = {"gsm8k_test.jsonl": [{"question": "Tom has 3 apples and buys 4. How many?",
                                    "answer": "3 + 4 = 7\n#### 7"}]}


def test_the_readme_has_python_blocks():
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_python_block_runs_as_written(index, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for name, records in USER_FILES.items():
        (tmp_path / name).write_text("".join(json.dumps(r) + "\n" for r in records))
    namespace: dict = {}
    for block in BLOCKS[: index + 1]:  # later blocks build on the names earlier ones import
        exec(compile(block, f"{README}:block{index}", "exec"), namespace)
    if index == 0:  # the first snippet plays an episode to its end and prints the verdict
        assert namespace["terminated"] or namespace["truncated"]
        assert "verdict" in namespace["info"]
        assert capsys.readouterr().out.strip()
