"""`rlvr play` shows what an agent is shown (issue #18): the system prompt, each tool with
its arguments, and the call format; line editing on a terminal."""

from __future__ import annotations

import io
import subprocess
import sys

from rlvr_envs.cli import _enable_line_editing, describe_tool


def test_play_a_tool_env_shows_arguments_and_the_call_format():
    call = '<tool_call>\n{"name": "get_sports_score", "arguments": {"team": "x"}}\n</tool_call>'
    out = subprocess.run([sys.executable, "-m", "rlvr_envs.cli", "play", "rlvr/ToolUse-v0",
                          "--seed", "0"], input=f"{call}\n.\n:quit\n", capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "get_sports_score(team: string)  - The score of a sports team's last match." \
        in out.stdout
    assert "update_stock(sku: string, quantity: integer)" in out.stdout
    assert "To call tools, write the calls in your message like this" in out.stdout
    assert '"team": "x", "result"' in out.stdout  # the call typed was run


def test_play_with_another_tool_format_shows_that_format():
    out = subprocess.run([sys.executable, "-m", "rlvr_envs.cli", "play", "rlvr/ToolUse-v0",
                          "--seed", "0", "--kw", "tool_format=pythonic"], input=":quit\n",
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "<tool_call>" not in out.stdout and "get_weather(city=" in out.stdout


def test_describe_tool_marks_optional_arguments_and_enums():
    tool = {"type": "function", "function": {
        "name": "convert", "description": "Convert a temperature.",
        "parameters": {"type": "object", "required": ["value"], "properties": {
            "value": {"type": "number", "description": "The temperature."},
            "unit": {"type": "string", "enum": ["C", "F"]}}}}}
    assert describe_tool(tool).splitlines() == [
        'convert(value: number, unit?: "C"|"F")  - Convert a temperature.',
        "      value: The temperature."]


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_line_editing_is_turned_on_for_a_terminal(monkeypatch):
    import pytest
    pytest.importorskip("readline")  # not on Windows
    monkeypatch.delitem(sys.modules, "readline", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO())
    _enable_line_editing()
    assert "readline" not in sys.modules  # piped input: nothing to edit
    monkeypatch.setattr(sys, "stdin", _Tty())
    _enable_line_editing()
    assert "readline" in sys.modules
