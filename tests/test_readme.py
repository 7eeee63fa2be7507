"""The README's Python blocks run as written (issue #18): a newcomer's first snippet must work."""

import contextlib
import json
import re
import shlex
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
# files the README's snippets name as the user's own data, in the format they stand for
# the address the README's `rlvr serve` command listens on; a block that uses it runs against
# that command's envs served on a free port (the served ids are read from the command)
SERVE_URL = "http://127.0.0.1:8000"
SERVE_CMD = re.search(r"^rlvr serve (.*?) --port", README.read_text(encoding="utf-8"), re.M)
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
    with contextlib.ExitStack() as stack:
        for block in BLOCKS[: index + 1]:  # later blocks build on the names earlier ones import
            if SERVE_URL in block:
                block = block.replace(SERVE_URL, stack.enter_context(_served()).url)
            exec(compile(block, f"{README}:block{index}", "exec"), namespace)
    if index == 0:  # the first snippet plays an episode to its end and prints the verdict
        assert namespace["terminated"] or namespace["truncated"]
        assert "verdict" in namespace["info"]
        assert capsys.readouterr().out.strip()


def _served():
    """The README's `rlvr serve` command, in a thread on a free loopback port."""
    from rlvr_envs.serve import SessionPool
    from rlvr_envs.serve.app import BackgroundServer
    assert SERVE_CMD, "the README uses the server URL but shows no `rlvr serve` command"
    return BackgroundServer(SessionPool(shlex.split(SERVE_CMD.group(1))))
