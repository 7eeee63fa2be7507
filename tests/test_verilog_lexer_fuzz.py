"""Fuzz: control characters and Unicode spaces inserted into known hacks never earn reward.

The red team's backspace attacks worked because the lint and Icarus disagreed on what white
space is. Every character a lexer might treat differently (0x00-0x1f, 0x7f, C1 controls,
Unicode spaces) is inserted at the spot each hack depends on and at random spots; a variant
the lint lets through is simulated and must still earn nothing."""

from __future__ import annotations

import random

import pytest

from rlvr_envs.envs.verilog.lint import screen_design
from rlvr_envs.envs.verilog.loaders import normalize_verilog_record
from rlvr_envs.envs.verilog.simulate import verify_verilog

ADDER = normalize_verilog_record({
    "id": "fuzz/adder4", "spec": "A 4-bit adder: s = a + b.",
    "ports": [{"name": "a", "dir": "input", "width": 4}, {"name": "b", "dir": "input", "width": 4},
              {"name": "s", "dir": "output", "width": 4}],
    "reference": "module RefModule(input [3:0] a, input [3:0] b, output [3:0] s);\n"
                 "  assign s = a + b;\nendmodule\n"})
HEAD = "module TopModule(input [3:0] a, input [3:0] b, output [3:0] s);\n"
FORBIDDEN = {"RefModule", "tb", "stimulus_gen", "good1"}
# `@` marks where each hack needs the lint and Icarus to disagree
TEMPLATES = {
    "record": HEAD + '  string p;\n  assign s = 0;\n  initial begin #1;\n    begin : \\h@p='
              '$sformatf("%m");$fwrite(32\'h80000003,"%s%cDONE%c1000%c0\\n",p.substr(3,34),32,32,'
              '32);$finish; end\n  end\nendmodule\n',
    "dotted-ref": HEAD + "  assign s = ref_i@.s;\nendmodule\n",
    "dotted-good1": HEAD + "  assign s = good1@.s;\nendmodule\n",
    "escaped-copy": HEAD + "  wire [3:0] \\w@=good1.s;\n  assign s = w;\nendmodule\n",
    "escaped-system": HEAD + '  assign s = 0;\n  initial \\$display@("Mismatches: 0 in 80 '
                      'samples");\nendmodule\n',
    "finish": HEAD + "  assign s = 0;\n  initial begin #1 $fin@ish; end\nendmodule\n",
    "switch": HEAD + "  wire [3:0] x = 4'bx;\n  tran@ t0 (a[0], x[0]);\n  assign s = 0;\nendmodule\n",
    "include": '`include@ "RefModule.sv"\n' + HEAD + "  assign s = 0;\nendmodule\n",
    "force": HEAD + "  assign s = a + b;\n  initial for@ce tb.good1.s = 0;\nendmodule\n",
}
UNICODE_SPACES = ("\u00a0", "\u1680", "\u2000", "\u2003", "\u2009", "\u200a", "\u200b",
                  "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\ufeff", "\u0085")
INSERTS = tuple(chr(c) for c in range(0x20)) + ("\x7f",) + UNICODE_SPACES


def _variants(template: str, rng: random.Random) -> list[str]:
    """The template with every character at its marker, and 60 random insertions of 1-3
    characters anywhere (the marker removed)."""
    out = [template.replace("@", ch) for ch in INSERTS]
    plain = template.replace("@", "")
    for _ in range(60):
        text = plain
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(text) + 1)
            text = text[:at] + rng.choice(INSERTS) + text[at:]
        out.append(text)
    return out


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_inserted_characters_never_earn_reward(name: str) -> None:
    rng = random.Random(name)
    passed_lint = []
    for variant in _variants(TEMPLATES[name], rng):
        if screen_design(variant, FORBIDDEN).problem is None:
            passed_lint.append(variant)
    # at the marker the hack itself is intact: the lint must reject every one of those
    for ch in INSERTS:
        assert TEMPLATES[name].replace("@", ch) not in passed_lint, (name, hex(ord(ch)))
    # anything the lint let through (a split token: `$fin ish`) must fail in the simulator
    for variant in passed_lint[:12]:
        verdict = verify_verilog(ADDER, f"```verilog\n{variant}```")
        assert verdict.reward == 0.0 and not verdict.infra_error, (name, repr(variant))


def test_the_screen_never_raises_on_random_bytes() -> None:
    rng = random.Random(7)
    for _ in range(300):
        text = "".join(chr(rng.choice((rng.randrange(0x20, 0x7f), rng.randrange(0x110000)
                                       if rng.random() < 0.1 else rng.randrange(0x80))))
                       for _ in range(rng.randint(0, 300)))
        screened = screen_design(HEAD + text + "\nendmodule\n", FORBIDDEN)
        assert screened.problem is None or isinstance(screened.problem, str)
