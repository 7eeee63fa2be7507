"""The pre-simulation screen: what it rejects, what it lets through, and code extraction."""

from __future__ import annotations

import pytest

from rlvr_envs.envs.verilog.lint import extract_code, lint_candidate, module_names

OK = "module TopModule(input a, output y); assign y = a; endmodule"
FORBIDDEN = {"RefModule", "tb", "stimulus_gen"}


@pytest.mark.parametrize("source", [
    OK,
    "`timescale 1ns/1ps\n" + OK,
    OK + "\n// $display(\"pass\"); `include \"x\"\n/* $finish; ref_i.y */",
    'module TopModule(input a, output y); localparam S = "$display tb.x"; assign y = a; endmodule',
    "module TopModule(input a, output y); localparam real R = 1.5; assign y = a; endmodule",
    "module h #(parameter W = 1)(input x, output z); assign z = x; endmodule\n"
    "module TopModule(input a, output y); h #(.W(1)) u (.x(a), .z(y)); endmodule",
    "module TopModule(input [7:0] a, output [3:0] y); assign y = $clog2(a) + $signed(a[3:0]);"
    " endmodule",
])
def test_accepts_ordinary_designs(source: str) -> None:
    assert lint_candidate(source, FORBIDDEN) is None


@pytest.mark.parametrize(("source", "message"), [
    (OK.replace("endmodule", "initial $display(\"Mismatches: 0\"); endmodule"), "$display"),
    (OK.replace("endmodule", "initial $ finish; endmodule"), "'$'"),
    (OK.replace("endmodule", "initial $finish(0); endmodule"), "$finish"),
    (OK.replace("assign y = a", "assign y = $random"), "$random"),
    ("`define D 1\n" + OK, "`define"),
    ("`include \"other.v\"\n" + OK, "`include"),
    (OK.replace("assign y = a", "assign y = good1.y"), "good1.y"),
    (OK.replace("assign y = a", "assign y = \\ref_i .y"), "ref_i.y"),
    (OK.replace("assign y = a", "assign y = blk[0].y"), "hierarchical"),
    (OK.replace("input a", "inout a"), "inout"),
    (OK.replace("assign y = a;", "initial force y = 1;"), "force"),
    (OK + "\nmodule RefModule(input a, output y); endmodule", "RefModule"),
    (OK + "\nmodule \\tb (); endmodule", "'tb'"),
    (OK.replace("assign y = a;", "RefModule r (.a(a), .y(y));"), "instantiates"),
    (OK.replace("assign y = a;", "stimulus_gen #(1) s ();"), "instantiates"),
    ("module top(input a, output y); endmodule", "TopModule"),
    (OK + " " * 70_000, "limit"),
])
def test_rejects_with_a_message(source: str, message: str) -> None:
    problem = lint_candidate(source, FORBIDDEN)
    assert problem is not None and message in problem


def test_module_names_normalizes_escaped_identifiers() -> None:
    assert module_names("module \\RefModule (); endmodule\nprimitive p(o, i); endprimitive") \
        == {"RefModule", "p"}


def test_extract_code_takes_the_last_module_block() -> None:
    text = f"Plan:\n```text\nno module here\n```\n```sv\n{OK}\n```\n```verilog\n{OK}\n```"
    assert extract_code(text) == OK + "\n"
    assert extract_code(OK) == OK
    assert extract_code("```python\nprint(1)\n```") is None
    assert extract_code("no code at all") is None
