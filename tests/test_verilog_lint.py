"""The pre-simulation screen: what it rejects, what it lets through."""

from __future__ import annotations

import pytest

from rlvr_envs.envs.verilog.lint import (
    ALLOWED_SYSTEM_CALLS,
    lint_candidate,
    module_names,
    screen_design,
)

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
    "module TopModule(input [7:0] a, output [3:0] y); assign y = $countones(a) + $countbits(a,"
    " 1'b0) + $size(a) + $high(a) + $low(a) + $left(a) + $right(a) + $onehot(a) + $onehot0(a)"
    " + $isunknown(a); endmodule",
    "// a `count` register, see `timescale below\n`timescale 1ns / 1ps // units\n" + OK,
    "\t`default_nettype none\r\n" + OK.replace("input a", "input wire a").replace(
        "output y", "output wire y") + "\r\n`default_nettype wire\r\n",
    OK.replace("assign y = a;", "(* keep = \"true\" *) wire w = a; assign y = w;"),
    OK.replace("assign y = a;", "assign y = a;\u00a0// caf\u00e9 \u2192 \u201cquoted\u201d"),
    OK.replace("assign y = a;", "h u(.x(a), .z(y));") + "\nmodule h(input x, output z); "
    "assign z = x; endmodule",
    OK.replace("assign y = a;", "assign y = \\a.b ;").replace("input a", "input \\a.b "),
])
def test_accepts_ordinary_designs(source: str) -> None:
    assert lint_candidate(source, FORBIDDEN) is None


@pytest.mark.parametrize(("source", "message"), [
    (OK.replace("endmodule", "initial $display(\"Mismatches: 0\"); endmodule"), "$display"),
    (OK.replace("endmodule", "initial $finish(0); endmodule"), "$finish"),
    (OK.replace("assign y = a", "assign y = $random"), "$random"),
    ("`define D 1\n" + OK, "`define"),
    ("`include \"other.v\"\n" + OK, "`include"),
    (OK.replace("assign y = a", "assign y = good1.y"), "good1.y"),
    (OK.replace("assign y = a", "assign y = \\ref_i .y"), "ref_i.y"),
    (OK.replace("assign y = a", "assign y = blk[0].y"), "hierarchical"),
    (OK.replace("assign y = a", "assign y = f(a).y"), "hierarchical"),
    (OK.replace("assign y = a", "assign y = good1\b.y"), "U+0008"),
    (OK.replace("assign y = a;", "begin : \\h\b$finish; end"), "U+0008"),
    (OK.replace("assign y = a;", "initial #1sforce y = 1;"), "force"),
    (OK.replace("assign y = a", "assign y = 8'd1force"), "force"),
    (OK.replace("assign y = a", "assign y = a\u00e9"), "U+00E9"),
    (OK + "\n`timescale 1ns/1ps `define X 1", "timescale"),
    ("  `timescale 1ns/1ps\nwire \\a\" ;\n" + OK, "string"),
    (OK.replace("assign y = a;", "wire \\a\" ; // \" `define F $finish\n"), "string"),
    (OK.replace("assign y = a;", "wire \\a\" ; parameter P = \"`define F\";\n"), "backquote"),
    (OK.replace("assign y = a;", "(* a = \"*)\" *) wire w;"), "string"),
    (OK + "\n#line 1 \"tb.sv\"", None),
    (OK.replace("input a", "inout a"), "inout"),
    (OK.replace("assign y = a;", "initial force y = 1;"), "force"),
    (OK + "\nmodule RefModule(input a, output y); endmodule", "RefModule"),
    (OK + "\nmodule \\tb (); endmodule", "'tb'"),
    (OK.replace("assign y = a;", "RefModule r (.a(a), .y(y));"), "instantiates"),
    (OK.replace("assign y = a;", "stimulus_gen #(1) s ();"), "instantiates"),
    ("module top(input a, output y); endmodule", "TopModule"),
    (OK + " " * 70_000, "limit"),
])
def test_rejects_with_a_message(source: str, message: str | None) -> None:
    problem = lint_candidate(source, FORBIDDEN)
    assert problem is not None and (message is None or message in problem), problem


def test_module_names_normalizes_escaped_identifiers() -> None:
    assert module_names("module \\RefModule (); endmodule\nprimitive p(o, i); endprimitive") \
        == {"RefModule", "p"}


def test_the_compiled_text_is_the_screened_text() -> None:
    # comments are blanked in what Icarus compiles: a comment the lint skipped cannot hold
    # code the compiler reads, and line numbers stay
    source = "module TopModule(input a, output y); // $finish\r\n/* good1.y\n*/ assign y = a;" \
             " endmodule"
    screened = screen_design(source)
    assert screened.problem is None
    assert "$finish" not in screened.text and "good1" not in screened.text
    assert screened.text.rstrip("\n").count("\n") == source.count("\n")
    assert "\r" not in screened.text


def test_pure_system_functions_only() -> None:
    assert {"$countones", "$size", "$clog2", "$isunknown"} <= ALLOWED_SYSTEM_CALLS
    for call in ("$display", "$fwrite", "$finish", "$fopen", "$sformatf", "$random",
                 "$readmemh", "$dumpvars", "$system", "$value$plusargs", "$root"):
        assert call not in ALLOWED_SYSTEM_CALLS
