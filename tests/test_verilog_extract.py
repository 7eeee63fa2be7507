"""Reading the design out of a response the way models write answers: several blocks, a
testbench or usage example next to the design, reasoning first, other fences, no fence."""

from __future__ import annotations

import pytest

from rlvr_envs.envs.verilog.env import to_top_module
from rlvr_envs.envs.verilog.extract import extract_design
from rlvr_envs.envs.verilog.families import make_verilog_source
from rlvr_envs.envs.verilog.lint import module_names
from rlvr_envs.envs.verilog.simulate import verify_verilog

HELPER = "module inv_cell(input a, output y);\n  assign y = ~a;\nendmodule\n"
TOP = ("module TopModule(input a, output y);\n  wire n;\n  inv_cell u0 (.a(a), .y(n));\n"
       "  inv_cell u1 (.a(n), .y(y));\nendmodule\n")
BENCH = ('module tb;\n  reg a; wire y;\n  TopModule dut (.a(a), .y(y));\n'
         '  initial begin a = 0; #1 $display("y=%b", y); $finish; end\nendmodule\n')


def fence(code: str, lang: str = "verilog", mark: str = "```") -> str:
    return f"{mark}{lang}\n{code}{mark}\n"


@pytest.mark.parametrize(("response", "modules"), [
    (f"Helper first:\n{fence(HELPER)}\nThen the top:\n{fence(TOP)}", {"TopModule", "inv_cell"}),
    (f"{fence(TOP)}\nIt uses this cell:\n{fence(HELPER)}", {"TopModule", "inv_cell"}),
    (f"{fence(HELPER + TOP)}\nA testbench:\n{fence(BENCH)}", {"TopModule", "inv_cell"}),
    (fence(HELPER + TOP + BENCH, "systemverilog"), {"TopModule", "inv_cell"}),
    (f"{fence(TOP)}\nUsage:\n{fence('TopModule u (.a(x), .y(z));')}{fence(HELPER, 'sv')}",
     {"TopModule", "inv_cell"}),
    ("<think>I will answer in one ```verilog block.\nDraft:\n```verilog\nmodule TopModule;\n"
     f"</think>\n{fence(HELPER + TOP)}", {"TopModule", "inv_cell"}),
    (f"<think>\n{fence('module TopModule(input a, output y); endmodule')}</think>"
     f"{fence(HELPER + TOP, '', '~~~')}", {"TopModule", "inv_cell"}),
    (f"Here is the design.\n\n{HELPER}\n{TOP}\nIt inverts twice, so y follows a.",
     {"TopModule", "inv_cell"}),
    (f"1. The cell:\n\n   ```verilog\n   {HELPER.replace(chr(10), chr(10) + '   ')}```\n"
     f"2. The top:\n{fence(TOP)}", {"TopModule", "inv_cell"}),
    (f"{fence(HELPER + TOP)}\nAgain, complete:\n{fence(HELPER + TOP)}",
     {"TopModule", "inv_cell"}),
    ("<pre><code class=\"language-verilog\">" + (HELPER + TOP).replace("<", "&lt;")
     + "</code></pre>", {"TopModule", "inv_cell"}),
    (f"{fence('print(1)', 'python')}{fence(TOP.replace('inv_cell', 'not'))}", {"TopModule"}),
])
def test_keeps_top_module_and_what_it_uses(response: str, modules: set[str]) -> None:
    design = extract_design(response)
    assert design is not None and module_names(design) == modules


def test_html_wrapped_code_keeps_verilog_operators() -> None:
    code = "module TopModule(input [3:0] in, output y, output z);\n  assign y = &in;\n" \
           "  assign z = in < 4'd3;\nendmodule\n"
    for escaped in (code.replace("&", "&amp;").replace("<", "&lt;"), code.replace("<", "&lt;")):
        design = extract_design(f"<pre><code class=\"language-verilog\">{escaped}</code></pre>")
        assert design is not None and design.strip() == code.strip()


def test_a_later_declaration_replaces_a_draft() -> None:
    draft = "module TopModule(input a, output y);\n  assign y = 1'b0;\nendmodule\n"
    design = extract_design(fence(draft) + "Fixed:\n" + fence(HELPER + TOP))
    assert design is not None and "1'b0" not in design and "inv_cell u0" in design


def test_packages_and_typedefs_used_by_the_design_stay() -> None:
    pkg = "package defs;\n  typedef logic [1:0] pair_t;\nendpackage\n"
    top = ("`timescale 1ns/1ps\ntypedef enum logic {IDLE, RUN} state_t;\n"
           "module TopModule(input a, output y);\n  import defs::*;\n  pair_t p;\n"
           "  state_t s;\n  assign y = a;\nendmodule\n")
    design = extract_design(fence(pkg) + fence(top))
    assert design is not None and "package defs" in design and "typedef enum" in design
    assert "`timescale" in design


def test_nothing_to_extract() -> None:
    assert extract_design("I cannot write that module.") is None
    assert extract_design(fence("print('module TopModule')", "python")) is None
    assert extract_design("") is None


@pytest.mark.parametrize("shape", ["helper-block-first", "helper-block-after", "testbench-after",
                                   "think-draft", "tilde", "no-fence", "crlf"])
def test_correct_designs_in_every_shape_pass(shape: str) -> None:
    task = make_verilog_source(0).get("counter/d2/0/3")
    code = to_top_module(task["reference"]).replace("endmodule", "  wire unused_y;\n"
                                                    "  inv_cell u_h (.a(1'b0), .y(unused_y));\n"
                                                    "endmodule")
    response = {
        "helper-block-first": fence(HELPER) + fence(code),
        "helper-block-after": fence(code) + "and\n" + fence(HELPER),
        "testbench-after": fence(code + HELPER) + fence(BENCH.replace("TopModule dut (.a(a), "
                                                                      ".y(y));", "")),
        "think-draft": "<think>```verilog\nmodule TopModule(\n</think>" + fence(code + HELPER),
        "tilde": fence(code + HELPER, "verilog", "~~~"),
        "no-fence": "Here it is:\n\n" + code + "\n" + HELPER + "\nDone.",
        "crlf": fence(code + HELPER).replace("\n", "\r\n"),
    }[shape]
    verdict = verify_verilog(task, response)
    assert verdict.passed and verdict.reward == 1.0, verdict.reason
