"""Differential benchmark: our BFCL loader + ToolUse env vs BFCL's own AST checker.

    pip install --no-deps --target /opt/bfcl bfcl-eval      # data + checker, no dependencies
    PYTHONPATH=/opt/bfcl python benchmarks/bfcl_ast.py [--json-out out.json] [--limit N]

`bfcl-eval` pins heavy dependencies (numpy, networkx, sentence-transformers, every vendor
SDK); its AST checker needs none of them, only `bfcl_eval.constants.model_config` for the
`.` -> `_` name rewriting, which this script replaces with a stub (no rewriting). Nothing of
BFCL is copied into this repository: the data and the checker are read from the package.

On every record of the AST categories (simple_python, simple_java, simple_javascript,
multiple, parallel, parallel_multiple, irrelevance, live_* incl. live_relevance), cases:

* `gt_<format>`: the gold calls in each tool format (hermes, openai_json, pythonic, mistral);
* wrong answers: a perturbed number, string or bool, a changed digit, a dropped decimal
  point or minus sign inside a string, another function, a missing required or an extra
  undefined argument, a value of the wrong type, one call too many, a call on an
  irrelevance record, no call on a relevance record;
* variants models produce: string case, surrounding or doubled whitespace, punctuation,
  an int for an integral float, a date with slashes, optional arguments left out.

Each case runs through our env (`load_bfcl` + `ToolUseEnv`, one `step`) and through
`ast_checker` (irrelevance/relevance: BFCL's rule, no call / some call). Java and JavaScript
values are written back as the source strings BFCL's checker expects. fp = we reward and BFCL
does not, fn = we reject and BFCL accepts; every disagreement class is adjudicated
(`ADJUDICATION`). `--json-out` writes the shared differential schema.
"""

from __future__ import annotations

import argparse
import collections
import copy
import importlib.metadata
import json
import random
import re
import sys
import types
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rlvr_envs.core.tools import ToolCall  # noqa: E402
from rlvr_envs.envs.tooluse import ToolUseEnv  # noqa: E402
from rlvr_envs.envs.tooluse.bfcl import gold_calls, load_bfcl  # noqa: E402
from rlvr_envs.envs.tooluse.bfcl_match import value_matches  # noqa: E402

CATEGORIES = ("simple_python", "simple_java", "simple_javascript", "multiple", "parallel",
              "parallel_multiple", "irrelevance", "live_simple", "live_multiple",
              "live_parallel", "live_parallel_multiple", "live_irrelevance", "live_relevance")
FORMATS = ("hermes", "openai_json", "pythonic", "mistral")
CORRECT = {"gt_" + f for f in FORMATS} | {
    "case_lower", "case_upper", "case_title", "whitespace", "punctuation", "int_for_float",
    "date_slashes", "omit_optional"}
VARIANTS = ("case_", "whitespace", "punctuation")


def adjudicate(cls: str, direction: str, task: dict[str, Any], calls: list[ToolCall],
               gold_rejected_by_reference: bool) -> str:
    """Who is right when the two checkers disagree on a case, and why."""
    if direction == "fp" and gold_rejected_by_reference:
        return ("ours: BFCL's own checker rejects this record's gold answer too (its Java "
                "checker turns every element of an `any` array into a string)")
    if cls == "wrong_decimal_dropped":
        return "ours: '15' is not '1.5'; BFCL strips '.' between digits"
    if cls == "wrong_sign_dropped":
        return "ours: '5' is not '-5'; BFCL strips '-'"
    if cls == "int_for_float":
        return ("ours: an int is a valid JSON number for a float; BFCL converts only "
                "top-level ints, not ints inside lists")
    if cls.startswith(VARIANTS) and direction == "fn" and _enum_member(task, calls):
        return ("ours: the variant is another member of the parameter's enum "
                "(e.g. genotype 'aa' vs 'AA'); BFCL ignores case even there")
    if cls.startswith(VARIANTS) and direction == "fp":
        return ("ours: the variant sits in a list inside a dict, where BFCL compares "
                "strings without its normalization")
    return ("ours (the case is " + ("correct" if cls in CORRECT else "wrong")
            + " by construction)") if (direction == "fp") == (cls in CORRECT) else "reference"


def _enum_member(task: dict[str, Any], calls: list[ToolCall]) -> bool:
    """Does some string argument equal an enum member that another member equals up to case?"""
    tools = {t["function"]["name"]: t["function"]["parameters"] for t in task["tools"]}
    for call in calls:
        props = tools.get(call.name, {}).get("properties", {})
        for key, value in call.arguments.items():
            schema = props.get(key, {})
            enum = schema.get("enum") or schema.get("items", {}).get("enum") or []
            folded = [e.casefold() for e in enum if isinstance(e, str)]
            for v in value if isinstance(value, list) else [value]:
                if isinstance(v, str) and v in enum and folded.count(v.casefold()) > 1:
                    return True
    return False


def bfcl_checker() -> tuple[Any, Any, str]:
    """BFCL's `ast_checker`, its Language enum, and the package version."""
    stub = types.ModuleType("bfcl_eval.constants.model_config")
    stub.MODEL_CONFIG_MAPPING = collections.defaultdict(
        lambda: types.SimpleNamespace(underscore_to_dot=False))
    sys.modules["bfcl_eval.constants.model_config"] = stub
    from bfcl_eval.constants.enums import Language
    from bfcl_eval.eval_checker.ast_eval.ast_checker import ast_checker
    return ast_checker, Language, importlib.metadata.version("bfcl-eval")


def data_dir() -> Path:
    import bfcl_eval
    return Path(bfcl_eval.__file__).parent / "data"


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# ---- Java / JavaScript values as the source text BFCL's checker parses -------------------

def _java(value: Any, kind: str, item: str | None) -> str:
    if isinstance(value, str) and kind not in ("String", "char", "any", ""):
        return json.dumps(value)  # a string literal where another type is declared
    if kind in ("long",):
        return f"{value}L"
    if kind == "float":
        return f"{float(value)!r}f"
    if kind in ("double",):
        return repr(float(value))
    if kind == "boolean":
        return "true" if value else "false"
    if kind in ("Array", "ArrayList") and isinstance(value, list):
        if kind == "Array":
            elements = ", ".join(_java(v, item or "", None) for v in value)
            return f"new {item or 'Object'}[]{{{elements}}}"
        quoted = [json.dumps(v) if isinstance(v, str) else _java(v, item or "", None)
                  for v in value]
        return f"new ArrayList<>(Arrays.asList({', '.join(quoted)}))"
    if kind == "HashMap" and isinstance(value, dict):
        puts = " ".join(f"put({json.dumps(k)}, {json.dumps(v)});" for k, v in value.items())
        return f"new HashMap<String, Object>() {{{{ {puts} }}}}"
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def _js(value: Any, kind: str) -> str:
    if isinstance(value, str) and kind not in ("String", "any"):
        return json.dumps(value)  # a string literal where another type is declared
    if kind == "Bigint":
        return f"{value}n"
    if kind == "Boolean" or isinstance(value, bool):
        return "true" if value else "false"
    if kind in ("array", "dict") or isinstance(value, (list, dict)):
        return json.dumps(value)
    return value if isinstance(value, str) else json.dumps(value)


def to_source(record: dict[str, Any], call: ToolCall, language: str) -> dict[str, Any]:
    """A call's arguments as BFCL's checker wants them for `language`."""
    if language == "python":
        return copy.deepcopy(call.arguments)
    doc = next((f for f in record["function"] if f["name"] == call.name), None)
    props = (doc or {}).get("parameters", {}).get("properties", {})
    out = {}
    for key, value in call.arguments.items():
        kind = props.get(key, {}).get("type", "any")
        item = props.get(key, {}).get("items", {}).get("type")
        out[key] = _java(value, kind, item) if language == "java" else _js(value, kind)
    return out


# ---- cases ---------------------------------------------------------------------------------

def _leaves(value: Any, path: tuple = ()) -> list[tuple[tuple, Any]]:
    if isinstance(value, dict):
        return [x for k, v in value.items() for x in _leaves(v, (*path, k))]
    if isinstance(value, list):
        return [x for i, v in enumerate(value) for x in _leaves(v, (*path, i))]
    return [(path, value)]


def _set(args: dict[str, Any], path: tuple, new: Any) -> dict[str, Any]:
    args = copy.deepcopy(args)
    target: Any = args
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return args


def _edit(calls: list[ToolCall], pick, change) -> list[ToolCall] | None:
    """The calls with the first leaf `pick` accepts changed by `change` (None: no leaf)."""
    for i, call in enumerate(calls):
        for path, leaf in _leaves(call.arguments):
            if pick(leaf):
                new = change(leaf)
                if new is not None and (new != leaf or type(new) is not type(leaf)):
                    out = list(calls)
                    out[i] = ToolCall("", call.name, _set(call.arguments, path, new))
                    return out
    return None


def _is_str(x: Any) -> bool:
    return isinstance(x, str) and any(c.isalpha() for c in x)


def _num(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def cases(task: dict[str, Any], rng: random.Random) -> list[tuple[str, list[ToolCall]]]:
    """(class, calls) for one task."""
    gold, problem = gold_calls(task)
    if problem:
        return []
    category = task["bfcl_category"]
    out: list[tuple[str, list[ToolCall] | None]] = [("gt_" + f, gold) for f in FORMATS]
    funcs = {t["function"]["name"]: t["function"]["parameters"] for t in task["tools"]}
    if "irrelevance" in category:
        for name, params in list(funcs.items())[:1]:
            out.append(("irrelevance_call", [ToolCall("", name, {
                k: "x" for k in params.get("required", [])})]))
        return out
    if category == "live_relevance":
        return out + [("relevance_no_call", [])]
    out += [
        ("wrong_value_number", _edit(gold, _num, lambda x: x + 7 if isinstance(x, int)
                                     else round(x * 1.5 + 1, 3))),
        ("wrong_value_string", _edit(gold, _is_str, lambda x: x + " qq")),
        ("wrong_value_bool", _edit(gold, lambda x: isinstance(x, bool), lambda x: not x)),
        ("wrong_decimal_dropped", _edit(gold, lambda x: isinstance(x, str)
                                        and re.search(r"\d\.\d", x) is not None,
                                        lambda x: re.sub(r"(\d)\.(\d)", r"\1\2", x, count=1))),
        ("wrong_sign_dropped", _edit(gold, lambda x: isinstance(x, str)
                                     and re.search(r"(?<![\w-])-\d", x) is not None,
                                     lambda x: re.sub(r"(?<![\w-])-(\d)", r"\1", x, count=1))),
        ("wrong_digit_changed", _edit(gold, lambda x: isinstance(x, str)
                                      and re.search(r"\d", x) is not None,
                                      lambda x: re.sub(r"\d", lambda d: str((int(d.group())
                                                                             + 1) % 10),
                                                       x, count=1))),
        ("wrong_type", _edit(gold, _num, lambda x: str(x))),
        ("extra_call", [*gold, gold[0]] if gold else None),
        ("extra_arg", [ToolCall("", gold[0].name, {**gold[0].arguments,
                                                    "unexpected_param": "x"})] + gold[1:]
         if gold else None),
        ("case_lower", _edit(gold, lambda x: _is_str(x) and x.lower() != x, str.lower)),
        ("case_upper", _edit(gold, lambda x: _is_str(x) and x.upper() != x, str.upper)),
        ("case_title", _edit(gold, lambda x: _is_str(x) and x.title() != x, str.title)),
        ("whitespace", _edit(gold, _is_str, lambda x: f"  {x.replace(' ', '  ', 1)} ")),
        ("punctuation", _edit(gold, _is_str, lambda x: x.replace(", ", ",", 1)
                              if ", " in x else x + ".")),
        ("int_for_float", _edit(gold, lambda x: isinstance(x, float) and x.is_integer(), int)),
        ("date_slashes", _edit(gold, lambda x: isinstance(x, str)
                               and re.fullmatch(r"\d{4}-\d{2}-\d{2}", x) is not None,
                               lambda x: x.replace("-", "/"))),
    ]
    if gold:
        call = gold[0]
        required = funcs[call.name].get("required", [])
        needed = [k for k in call.arguments if k in required]
        if needed:
            args = {k: v for k, v in call.arguments.items() if k != needed[0]}
            out.append(("missing_required", [ToolCall("", call.name, args), *gold[1:]]))
        others = [n for n in funcs if n != call.name]
        out.append(("wrong_function", [ToolCall("", others[0] if others else call.name + "_v2",
                                                call.arguments), *gold[1:]]))
        (_, key), = task["gold"]["ground_truth"][0].items()
        optional = [k for k in call.arguments if k not in required and "" in key.get(k, [])]
        if optional:
            out.append(("omit_optional", [ToolCall("", call.name, {
                k: v for k, v in call.arguments.items() if k not in optional}), *gold[1:]]))
    return [(c, x) for c, x in out if x is not None and not _still_gold(task, c, x, gold)]


def _still_gold(task: dict[str, Any], cls: str, calls: list[ToolCall], gold: list[ToolCall]
                ) -> bool:
    """A 'wrong' perturbation that happens to hit another exactly acceptable value."""
    if cls in CORRECT or not cls.startswith(("wrong_value", "wrong_type")):
        return False
    truth = task["gold"]["ground_truth"]
    for call, expected in zip(calls, truth):
        (_, key), = expected.items()
        for param, value in call.arguments.items():
            if param in key and any(value_matches(value, o, "exact") for o in key[param]
                                    if o != "") and value != gold[0].arguments.get(param):
                return True
    return False


# ---- running both ----------------------------------------------------------------------------

def reference_verdict(checker: Any, language_enum: Any, record: dict[str, Any],
                      answer: list[dict[str, Any]], task: dict[str, Any],
                      calls: list[ToolCall]) -> bool:
    category = task["bfcl_category"]
    if "irrelevance" in category:
        return not calls
    if category == "live_relevance":
        return bool(calls)
    language = task["language"]
    output = [{c.name: to_source(record, c, language)} for c in calls]
    try:
        result = checker(record["function"], output, answer,
                         getattr(language_enum, language.upper()), category, "stub")
    except Exception:  # noqa: BLE001 - a crash of the reference counts as a rejection
        return False
    return bool(result["valid"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json-out", type=Path, default=None)
    parser.add_argument("--limit", type=int, default=0, help="records per category (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--string-match", default="bfcl", choices=("bfcl", "bfcl_lenient",
                                                                     "exact"),
                        help="load_bfcl's string matching (default: bfcl)")
    parser.add_argument("--examples", type=int, default=20,
                        help="disagreements kept per class in the JSON")
    args = parser.parse_args()
    checker, language_enum, version = bfcl_checker()
    data = data_dir()
    rng = random.Random(args.seed)
    by_class: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    truth_agree: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    disagreements: list[dict[str, Any]] = []
    kept: collections.Counter = collections.Counter()
    verdicts: collections.Counter = collections.Counter()  # (class, fp|fn, who) -> count
    gold_rejected = False
    skipped: dict[str, dict[str, int]] = {}
    envs = {}
    for category in CATEGORIES:
        questions = read(data / f"BFCL_v4_{category}.json")
        answer_file = data / "possible_answer" / f"BFCL_v4_{category}.json"
        answers = read(answer_file) if answer_file.exists() else []
        if args.limit:
            questions = questions[:args.limit]
            ids = {q["id"] for q in questions}
            answers = [a for a in answers if a["id"] in ids]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tasks = load_bfcl(questions, answers, string_match=args.string_match)
        skipped[category] = {k: len(v) for k, v in tasks.skipped.items()}
        raw = {q["id"]: q for q in questions}
        truth = {a["id"]: a["ground_truth"] for a in answers}
        for fmt in FORMATS:
            envs[fmt] = ToolUseEnv(tasks=tasks, tool_format=fmt)
        for task in tasks:
            for k, (cls, calls) in enumerate(cases(task, rng)):
                fmt = cls[3:] if cls.startswith("gt_") else FORMATS[k % len(FORMATS)]
                env = envs[fmt]
                env.reset(options={"task_id": task["id"]})
                _, reward, *_ = env.step(env.tool_format.render(calls))
                ours = reward == 1.0
                ref = reference_verdict(checker, language_enum, raw[task["id"]],
                                        truth.get(task["id"], []), task, calls)
                expected = cls in CORRECT
                counts = by_class[cls]
                counts["n"] += 1
                counts["agree"] += ours == ref
                counts["fp"] += ours and not ref
                counts["fn"] += ref and not ours
                truth_agree[cls]["ours"] += ours == expected
                truth_agree[cls]["reference"] += ref == expected
                if cls == "gt_hermes":
                    gold_rejected = not ref
                if ours != ref:
                    direction = "fp" if ours else "fn"
                    why = adjudicate(cls, direction, task, calls, gold_rejected)
                    verdicts[cls, direction, why] += 1
                    if kept[cls, why] < args.examples:
                        kept[cls, why] += 1
                        disagreements.append({
                            "class": cls, "input": {"id": task["id"], "calls": [
                                {"name": c.name, "arguments": c.arguments} for c in calls]},
                            "ours": ours, "reference": ref, "who_is_right": why})
    report(by_class, truth_agree, skipped, verdicts, disagreements)
    if args.json_out:
        total = collections.Counter()
        for c in by_class.values():
            total.update(c)
        args.json_out.write_text(json.dumps({
            "env_id": "rlvr/ToolUse-v0", "reference": f"bfcl-eval {version} ast_checker",
            "string_match": args.string_match,
            "n": total["n"], "agree": total["agree"], "fp": total["fp"], "fn": total["fn"],
            "by_class": {k: {x: v[x] for x in ("n", "agree", "fp", "fn")}
                         for k, v in sorted(by_class.items())},
            "skipped_at_load": skipped,
            "disagreements": disagreements}, indent=1, default=str))


def report(by_class, truth_agree, skipped, verdicts, disagreements) -> None:
    print(f"{'class':24s} {'n':>6s} {'agree':>6s} {'fp':>5s} {'fn':>5s}  "
          f"{'ours=intent':>11s} {'bfcl=intent':>11s}")
    for cls in sorted(by_class):
        c, t = by_class[cls], truth_agree[cls]
        print(f"{cls:24s} {c['n']:6d} {c['agree']:6d} {c['fp']:5d} {c['fn']:5d}  "
              f"{t['ours'] / c['n']:11.1%} {t['reference'] / c['n']:11.1%}")
    print("\nskipped at load (no call can fit the definitions and the key):")
    for category, reasons in skipped.items():
        if reasons:
            print(f"  {category}: {reasons}")
    print("\nadjudicated disagreements (class, direction, count: who is right):")
    for (cls, direction, why), count in sorted(verdicts.items()):
        example = next(d for d in disagreements if d["class"] == cls and d["who_is_right"] == why)
        print(f"  {cls} {direction} x{count}: {why}\n    e.g. {json.dumps(example['input'])[:200]}")


if __name__ == "__main__":
    main()
