"""Parse a final answer (LaTeX or plain text) into a typed `Answer`.

The parser is a small hand-written tokenizer + recursive-descent parser that builds sympy
objects directly (about 20x faster than latex2sympy2's ANTLR grammar); what it cannot read
falls back to `latex2sympy2_extended` (expressions only) and then to plain text.

Kinds (`Answer.kind`): number, expression, equation, relation (inequalities), set, tuple,
interval, matrix, mcq, text. A kind hint (the gold's kind) resolves notational ambiguity:
`1,000` is the number 1000 unless a set/tuple is expected, `(1, 2)` is an interval when an
interval is expected and a point otherwise.

The text is first normalized (`normalize.py`: one spelling per notation, with percent,
degree, unit and repeating-decimal marks set aside); while the parser builds each value it
notes the operations the writer left undone (`undone.py`), for the plain-value rule.

Safety: inputs are capped (`MAX_LEN` characters, `MAX_DEPTH` nesting); numbers that would
have more than `MAX_DIGITS` digits (`9^{9^{9^9}}`, `100000!`) are kept unevaluated and
marked `huge`, and such answers only compare by their normalized text. Callers still run
the sympy part under a hard time limit (see `rlvr_envs.core.bounded`).
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import sympy
from sympy import Rational

from .normalize import Normalized, normalize
from .undone import (
    Undone,
    after_function,
    after_negation,
    after_power,
    after_product,
    after_quotient,
    after_sum,
)

__all__ = [
    "Answer", "AnswerParseError", "KINDS", "Interval", "UndefinedValue", "is_undefined",
    "normalize", "parse_answer", "parse_expression", "parse_values", "split_top_level",
]

KINDS = ("number", "expression", "equation", "relation", "set", "tuple", "interval", "matrix",
         "mcq", "text")
MAX_LEN = 4000
MAX_DEPTH = 120
MAX_DIGITS = 3000
MAX_FACTORIAL = 1500


class AnswerParseError(ValueError):
    """The text is not a math expression this parser understands."""


class UndefinedValue(AnswerParseError):
    """The text is math whose value is undefined: `\\frac{1}{0}`, `0^0`, `\\log 0`,
    `\\infty - \\infty`, or arithmetic that makes infinity finite (`\\infty^0`,
    `\\frac{1}{\\infty}`). Such an answer is never equal to anything; no fallback parser
    gets a second try at it."""


@dataclass(frozen=True)
class Interval:
    """One interval; `lo`/`hi` are sympy numbers (possibly +-oo)."""

    lo: Any
    hi: Any
    lo_closed: bool
    hi_closed: bool


@dataclass
class Answer:
    """A typed final answer.

    value by kind: number/expression -> sympy Expr; equation -> list of sympy Exprs (a chain
    `a = b = c`); relation -> list[Interval] over `var` (solved form) or None; set/tuple ->
    list[Answer]; interval -> list[Interval] (a union); matrix -> list of rows of Expr;
    mcq -> a letter; text -> normalized lowercase text.
    """

    kind: str
    value: Any
    text: str
    percent: bool = False
    degrees: bool = False
    unit: str = ""
    decimal: bool = False  # written with a decimal point (an approximation)
    huge: bool = False  # contains an unevaluated oversized number: compare by text only
    var: str | None = None  # relation variable / equation lone left-hand variable
    meta: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------
# Tokenizer and expression parser
# ---------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?|\.\d+)|(?P<cmd>\\[a-zA-Z]+|\\[{}|])|(?P<word>[a-zA-Z]+)"
    r"|(?P<op><=|>=|!=|\*\*|[-+*/^_(){}\[\],!|=<>:']))"
)
_FUNCS = {
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "cot": sympy.cot, "sec": sympy.sec,
    "csc": sympy.csc, "arcsin": sympy.asin, "arccos": sympy.acos, "arctan": sympy.atan,
    "sinh": sympy.sinh, "cosh": sympy.cosh, "tanh": sympy.tanh, "ln": sympy.log,
    "exp": sympy.exp, "log": sympy.log, "lg": lambda x: sympy.log(x, 10),
    "asin": sympy.asin, "acos": sympy.acos, "atan": sympy.atan,
}


def _integers(name: str, args: tuple[Any, ...]) -> list[int]:
    if not all(getattr(a, "is_Integer", False) for a in args):
        # Not a value (and no fallback parser should make one of it).
        raise UndefinedValue(f"{name} needs integers, got {', '.join(map(str, args))}")
    return [int(a) for a in args]


def _gcd(*args: Any) -> Any:
    return sympy.Integer(math.gcd(*_integers("gcd", args)))


def _lcm(*args: Any) -> Any:
    return sympy.Integer(math.lcm(*_integers("lcm", args)))


def _mod(a: Any, b: Any) -> Any:
    x, m = _integers("mod", (a, b))
    if m == 0:
        raise UndefinedValue("modulo zero")
    return sympy.Integer(x % m)


# name -> (how to build the value, the sympy class it stays as when it has no simpler value)
_FUNCTION_BUILDERS: dict[str, tuple[Any, Any]] = {
    **{name: (f, f if isinstance(f, type) else None) for name, f in _FUNCS.items()},
    "ln": (sympy.log, sympy.log), "lg": (lambda x: sympy.log(x, 10), sympy.log),
    "log": (sympy.log, sympy.log), "exp": (sympy.exp, sympy.exp),
    "abs": (sympy.Abs, sympy.Abs), "floor": (sympy.floor, sympy.floor),
    "ceil": (sympy.ceiling, sympy.ceiling), "factorial": (sympy.factorial, sympy.factorial),
    "binom": (sympy.binomial, sympy.binomial), "gcd": (_gcd, None), "lcm": (_lcm, None),
    "mod": (_mod, None), "max": (sympy.Max, sympy.Max), "min": (sympy.Min, sympy.Min),
}
_GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
    "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "upsilon",
    "phi", "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi",
    "Sigma", "Phi", "Psi", "Omega",
}
_REL_OPS = {"=", "<", ">", "<=", ">=", "!=", "\\le", "\\leq", "\\ge", "\\geq", "\\lt", "\\gt",
            "\\leqslant", "\\geqslant", "\\ne", "\\neq"}
_REL_CANON = {"\\le": "<=", "\\leq": "<=", "\\leqslant": "<=", "\\ge": ">=", "\\geq": ">=",
              "\\geqslant": ">=", "\\lt": "<", "\\gt": ">", "\\ne": "!=", "\\neq": "!="}
_SYMBOL_CACHE: dict[str, sympy.Symbol] = {}


def _symbol(name: str) -> sympy.Symbol:
    sym = _SYMBOL_CACHE.get(name)
    if sym is None:
        sym = _SYMBOL_CACHE[name] = sympy.Symbol(name)
    return sym


def tokenize(s: str) -> list[str]:
    """Tokens of `s`; raises AnswerParseError on a character the grammar does not know."""
    out: list[str] = []
    pos, n = 0, len(s)
    while pos < n:
        m = _TOKEN.match(s, pos)
        if not m or m.end() == pos:
            if s[pos:].strip() == "":
                break
            raise AnswerParseError(f"unexpected character {s[pos]!r}")
        tok = m.group("num") or m.group("cmd") or m.group("word") or m.group("op")
        out.append(tok if tok != "**" else "^")
        pos = m.end()
    return out


class _Parser:
    """Recursive descent over tokens; builds sympy expressions.

    Grammar: expr := term (('+'|'-'|pm) term)*; term := unary ((*|/|implicit) unary)*;
    unary := ('-'|'+') unary | power; power := postfix ('^' unary)?; postfix := atom '!'*.
    """

    def __init__(self, tokens: list[str], pm_sign: int = 1) -> None:
        self.toks = list(tokens)
        self.pm_sign = pm_sign  # how \\pm reads in this pass (parsed once per sign)
        self.i = 0
        self.depth = 0
        self.huge = False
        self.decimal = False
        self.has_pm = False
        self.infinity = False  # an infinity symbol was written
        self.result: Any = None
        self.undone: list[Undone] = []  # operations the writer left to do (undone.py)
        self.marks: set[str] = set()  # forms noted on the way (unreduced, fn:trig, ...)

    def note(self, found: Undone | tuple[Undone | None, set[str]] | None) -> None:
        if isinstance(found, tuple):
            found, marks = found
            self.marks |= marks
        if found is not None:
            self.undone.append(found)

    # -- helpers --
    def peek(self, k: int = 0) -> str | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def take(self) -> str:
        if self.i >= len(self.toks):
            raise AnswerParseError("unexpected end of answer")
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, tok: str) -> None:
        got = self.take()
        if got != tok:
            raise AnswerParseError(f"expected {tok!r}, got {got!r}")

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise AnswerParseError("answer nested too deeply")

    # -- construction with blow-up guards --
    def number(self, tok: str) -> Any:
        if "." in tok:
            self.decimal = True
            int_part, _, frac = tok.partition(".")
            if len(tok) > 60:
                raise AnswerParseError("decimal too long")
            # Exact rational value of the written decimal; approximation is judged later.
            return Rational(int(int_part or "0") * 10 ** len(frac) + int(frac or "0"),
                            10 ** len(frac))
        if len(tok) > MAX_DIGITS:
            raise AnswerParseError("integer literal too long")
        return sympy.Integer(int(tok))

    def pow(self, base: Any, exp: Any) -> Any:
        if self.huge:
            return sympy.Pow(base, exp, evaluate=False)
        if base.is_zero and exp.is_zero:
            raise UndefinedValue("0^0 is undefined")
        if base.is_Number and exp.is_Number:
            try:
                e = float(exp)
                b = abs(float(base)) if not base.is_zero else 0.0
                digits = abs(e) * math.log10(b) if b > 0 else 0.0
            except (OverflowError, ValueError, TypeError):
                digits = math.inf
            if digits > MAX_DIGITS or abs(e) > 1e6:
                self.huge = True
                return sympy.Pow(base, exp, evaluate=False)
        elif exp.is_Number and abs(exp) > 500:
            # Symbolic bases with huge exponents make expansion/simplify explode.
            self.huge = True
            return sympy.Pow(base, exp, evaluate=False)
        elif not exp.is_Number and exp.has(sympy.Pow) and base.is_Number:
            self.huge = True  # towers like a^{b^{c}} with non-literal exponents
            return sympy.Pow(base, exp, evaluate=False)
        return sympy.Pow(base, exp)

    def mul(self, a: Any, b: Any) -> Any:
        return sympy.Mul(a, b, evaluate=not self.huge)

    def add(self, a: Any, b: Any) -> Any:
        return sympy.Add(a, b, evaluate=not self.huge)

    def div(self, a: Any, b: Any) -> Any:
        if b == 0:
            raise UndefinedValue("division by zero")
        return sympy.Mul(a, sympy.Pow(b, -1, evaluate=not self.huge), evaluate=not self.huge)

    def factorial(self, a: Any) -> Any:
        if a.is_Integer and (a > MAX_FACTORIAL or a < 0):
            self.huge = True
            return sympy.factorial(a, evaluate=False)
        if self.huge or not a.is_Number:
            return sympy.factorial(a, evaluate=False)
        return sympy.factorial(a)

    # -- grammar --
    def parse_all(self) -> Any:
        e = self.expr()
        if self.i != len(self.toks):
            raise AnswerParseError(f"unexpected {self.toks[self.i]!r}")
        return e

    def expr(self) -> Any:
        self.enter()
        left = self.term()
        while self.peek() in ("+", "-", "\\pm", "\\mp"):
            op = self.take()
            right = self.term()
            sign = 1
            if op in ("\\pm", "\\mp"):
                self.has_pm = True
                sign = self.pm_sign if op == "\\pm" else -self.pm_sign
            elif op == "-":
                sign = -1
            if sign != 1:
                self.note(after_negation(right))
                right = self.mul(sympy.Integer(-1), right)
            total = self.add(left, right)
            self.note(after_sum(left, right, total))
            left = total
        self.depth -= 1
        return left

    def term(self) -> Any:
        left = self.unary()
        while True:
            tok = self.peek()
            if tok in ("*", "\\cdot", "\\times", "\\ast"):
                self.take()
                scientific = self.peek() == "10" and self.peek(1) == "^"
                left = self.product(left, self.unary(), scientific)
            elif tok in ("/", "\\div"):
                self.take()
                left = self.quotient(left, self.unary())
            elif tok in ("\\bmod", "\\mod", "mod"):
                self.take()
                left = self.function("mod", (left, self.unary()))
            elif tok is not None and self._starts_atom(tok):
                left = self.product(left, self.power())
            else:
                return left

    def product(self, a: Any, b: Any, scientific: bool = False) -> Any:
        if _keeps_factor(a, b) or _keeps_factor(b, a):
            r = sympy.Mul(a, b, evaluate=False)  # 3(x + 4) stays a product: its form matters
        else:
            r = self.mul(a, b)
        self.note(after_product(a, b, r, scientific))
        return r

    def quotient(self, a: Any, b: Any) -> Any:
        r = self.div(a, b)
        self.note(after_quotient(a, b, r))
        return r

    def raise_to(self, base: Any, exp: Any) -> Any:
        r = self.pow(base, exp)
        self.note(after_power(base, exp, r))
        return r

    def function(self, name: str, args: tuple[Any, ...]) -> Any:
        """A named function of `args` (sympy builds and evaluates it), noted when it has a
        simpler value (`\\binom{9}{4}`, `\\sin\\frac{\\pi}{6}`)."""
        build, cls = _FUNCTION_BUILDERS[name]
        if name == "factorial":
            r = self.factorial(args[0])
        elif self.huge and cls is not None:
            r = cls(*args, evaluate=False)
        else:
            r = build(*args)
        self.note(after_function(name, args, r, cls))
        return r

    def _starts_atom(self, tok: str) -> bool:
        if tok[0].isdigit() or tok[0] == ".":
            return True
        if tok in ("(", "\\{", "{", "|", "\\lfloor", "\\lceil", "\\vert", "\\lvert"):
            # "|" only starts an atom when we are not closing an absolute value.
            return tok != "|" or not self._in_abs
        if tok[0].isalpha():
            return True
        return tok.startswith("\\") and tok not in _REL_OPS and tok not in (
            "\\cdot", "\\times", "\\div", "\\pm", "\\mp", "\\cup", "\\cap", "\\in", "\\to",
            "\\}", "\\rfloor", "\\rceil", "\\setminus", "\\ast", "\\rvert", "\\vert", "\\or",
            "\\and", "\\quad", "\\implies", "\\Rightarrow", "\\rightarrow", "\\ldots",
            "\\dots", "\\cdots", "\\mid")

    _in_abs = False

    def unary(self) -> Any:
        tok = self.peek()
        if tok == "-":
            self.take()
            val = self.unary()
            self.note(after_negation(val))
            return self.mul(sympy.Integer(-1), val)
        if tok == "+":
            self.take()
            return self.unary()
        if tok in ("\\pm", "\\mp"):
            self.take()
            self.has_pm = True
            sign = self.pm_sign if tok == "\\pm" else -self.pm_sign
            val = self.unary()
            return val if sign == 1 else self.mul(sympy.Integer(-1), val)
        return self.power()

    def power(self) -> Any:
        base = self.postfix()
        if self.peek() == "^":
            self.take()
            self.enter()
            exp = self.arg_or_unary()
            self.depth -= 1
            base = self.raise_to(base, exp)
            while self.peek() == "!":
                self.take()
                base = self.function("factorial", (base,))
        return base

    def arg_or_unary(self) -> Any:
        """A superscript: `{...}`, one digit of a number (`x^23` is x^2*3 in LaTeX? we take
        the whole number as people write `x^10` in plain text), or a unary."""
        if self.peek() == "{":
            return self.group()
        return self.unary()

    def postfix(self) -> Any:
        a = self.atom()
        while self.peek() == "!":
            self.take()
            a = self.function("factorial", (a,))
        return a

    def group(self) -> Any:
        self.expect("{")
        e = self.expr()
        self.expect("}")
        return e

    def macro_arg(self) -> Any:
        """An argument of \\frac/\\sqrt: `{...}` or one token (`\\frac12` = 1/2)."""
        tok = self.peek()
        if tok == "{":
            return self.group()
        if tok is None:
            raise AnswerParseError("missing argument")
        if tok[0].isdigit():
            self.take()
            if len(tok) > 1 and "." not in tok:
                self.toks.insert(self.i, tok[1:])
                tok = tok[0]
            return self.number(tok)
        if tok[0].isalpha() and len(tok) > 1:
            self.take()
            self.toks.insert(self.i, tok[1:])
            return _symbol(tok[0])
        return self.atom()

    def atom(self) -> Any:
        tok = self.take()
        if tok[0].isdigit() or tok[0] == ".":
            return self.number(tok)
        if tok in ("(", "["):
            self.enter()
            e = self.expr()
            self.expect(")" if tok == "(" else "]")
            self.depth -= 1
            return e
        if tok == "{":
            self.i -= 1
            return self.group()
        if tok in ("|", "\\vert", "\\lvert"):
            saved, self._in_abs = self._in_abs, True
            self.enter()
            e = self.expr()
            self._in_abs = saved
            self.depth -= 1
            self.expect({"|": "|", "\\vert": "\\vert", "\\lvert": "\\rvert"}[tok])
            return self.function("abs", (e,))
        if tok in ("\\lfloor", "\\lceil"):
            e = self.expr()
            self.expect("\\rfloor" if tok == "\\lfloor" else "\\rceil")
            return self.function("floor" if tok == "\\lfloor" else "ceil", (e,))
        if tok == "\\frac":
            num = self.macro_arg()
            den = self.macro_arg()
            return self.quotient(num, den)
        if tok == "\\angledeg":
            # An angle in degrees inside a trig function (from `normalize`): in radians.
            return self.macro_arg() * sympy.pi / 180
        if tok == "\\mixed":
            # A mixed number from `normalize` (2\\frac{1}{3}): one literal, 7/3.
            whole, num, den = self.macro_arg(), self.macro_arg(), self.macro_arg()
            return whole + self.div(num, den)
        if tok == "\\binom":
            n, k = self.macro_arg(), self.macro_arg()
            if n.is_Integer and n > MAX_FACTORIAL:
                self.huge = True
            return self.function("binom", (n, k))
        if tok in ("\\sqrt", "sqrt"):
            index = None
            if self.peek() == "[":
                self.take()
                index = self.expr()
                self.expect("]")
            radicand = self.macro_arg()
            return self.raise_to(radicand, Rational(1, 2) if index is None else 1 / index)
        if tok in ("\\pi", "pi"):
            return sympy.pi
        if tok in ("\\infty", "\\infin", "oo", "inf", "infty", "infinity"):
            self.infinity = True
            return sympy.oo
        if tok == "\\exp":
            return self.function("exp", (self.func_arg(),))
        if tok in ("\\gcd", "gcd", "lcm", "\\max", "\\min", "max", "min") and \
                self.peek() == "(":
            name = tok.lstrip("\\")
            self.take()
            args = [self.expr()]
            while self.peek() == ",":
                self.take()
                args.append(self.expr())
            self.expect(")")
            return self.function(name, tuple(args))
        if tok.startswith("\\") and tok[1:] in _FUNCS or tok in _FUNCS:
            name = tok.lstrip("\\")
            power = None
            if self.peek() == "^":  # \sin^2 x
                self.take()
                power = self.arg_or_unary()
            base = None
            if name == "log" and self.peek() == "_":
                self.take()
                base = self.macro_arg()
            arg = self.func_arg()
            if base is not None:
                val = self.function("log", (arg, base))
            else:
                val = self.function(name, (arg,))
            return self.raise_to(val, power) if power is not None else val
        if tok.startswith("\\"):
            name = tok[1:]
            if name in _GREEK:
                return self.subscripted(name)
            if name == "e":
                return sympy.E
            raise AnswerParseError(f"unsupported command {tok}")
        if tok[0].isalpha():
            if len(tok) > 1:
                # Plain-text words: a few known names, else a product of letters (xy) for
                # short words; long words are prose, not math.
                if len(tok) > 3:
                    raise AnswerParseError(f"word {tok!r} in math")
                self.toks.insert(self.i, tok[1:])
                tok = tok[0]
            if tok == "e" and self.peek() != "_":
                return sympy.E
            if tok == "i" and self.peek() != "_":
                return sympy.I
            return self.subscripted(tok)
        raise AnswerParseError(f"unexpected {tok!r}")

    def subscripted(self, name: str) -> Any:
        if self.peek() == "_":
            self.take()
            sub = self.take()
            if sub == "{":
                parts = []
                while self.peek() not in ("}", None):
                    parts.append(self.take())
                    if len(parts) > 10:
                        raise AnswerParseError("subscript too long")
                self.expect("}")
                sub = "".join(parts)
            name = f"{name}_{sub}"
        return _symbol(name)

    def func_arg(self) -> Any:
        if self.peek() in ("(", "{", "["):
            return self.atom()
        # "\\cos 2x" is cos(2x): the argument runs over an implicit product of plain
        # factors, up to an operator or another command (\\sin x \\cos x).
        arg = self.power()
        while (tok := self.peek()) is not None and (tok[0].isalnum()) and tok not in _FUNCS:
            arg = self.product(arg, self.power())
        return arg


def _keeps_factor(c: Any, e: Any) -> bool:
    """A number times a sum with variables: sympy would distribute it, losing the form."""
    return isinstance(c, sympy.Rational) and abs(c) != 1 and isinstance(e, sympy.Add) and \
        bool(e.free_symbols)


def _run_parser(toks: list[str], pm_sign: int) -> _Parser:
    p = _Parser(toks, pm_sign)
    try:
        p.result = p.parse_all()
    except RecursionError as exc:
        raise AnswerParseError("answer nested too deeply") from exc
    except AnswerParseError:
        raise
    except ZeroDivisionError as exc:
        raise UndefinedValue(f"undefined value: {exc}") from exc
    except (TypeError, ValueError, AttributeError) as exc:
        raise AnswerParseError(f"cannot build expression: {exc}") from exc
    if not p.huge and is_undefined(p.result, p.infinity):
        raise UndefinedValue("undefined value (division by zero, log 0, or arithmetic with "
                             "infinity)")
    _collect(p.undone, p.marks)
    return p


# What every parse inside one `parse_answer` call left undone (interval ends, matrix entries
# and equation sides included), per thread.
_COLLECTING = threading.local()


def _collect(undone: list[Undone], marks: set[str]) -> None:
    for bucket in getattr(_COLLECTING, "stack", ()):
        bucket[0].extend(undone)
        bucket[1].update(marks)


_SPECIAL = (sympy.zoo, sympy.nan)


def is_undefined(e: Any, wrote_infinity: bool = False) -> bool:
    """`e` holds an undefined value (complex infinity, nan), or `wrote_infinity` and `e` is
    neither +-infinity nor free of it (`\\infty^0` = 1, `x + \\infty`): infinity is a
    value only on its own, as a limit or an interval end."""
    if not isinstance(e, sympy.Basic):
        return False
    if e.has(*_SPECIAL):
        return True
    if e in (sympy.oo, -sympy.oo):
        return False
    return wrote_infinity or e.has(sympy.oo, -sympy.oo)


def parse_values(text: str) -> list[tuple[Any, bool, bool]]:
    """Parse one expression; `a \\pm b` gives two values. Items: (expr, decimal, huge)."""
    return _parse_values(text)[0]


def _parse_values(text: str) -> tuple[list[tuple[Any, bool, bool]], list[Undone], set[str]]:
    """`parse_values` plus what the expression leaves undone and the forms it marks."""
    if len(text) > MAX_LEN:
        raise AnswerParseError("answer too long")
    toks = tokenize(text)
    if not toks:
        raise AnswerParseError("empty answer")
    p = _run_parser(toks, 1)
    out = [(p.result, p.decimal, p.huge)]
    if p.has_pm:
        q = _run_parser(toks, -1)
        out.append((q.result, q.decimal, q.huge))
    return out, p.undone, p.marks


def parse_expression(text: str) -> tuple[Any, bool, bool]:
    """Parse one expression (no \\pm). Returns (sympy expr, written_with_decimal, huge)."""
    vals = parse_values(text)
    if len(vals) != 1:
        raise AnswerParseError("\\pm where one value is expected")
    return vals[0]


# ---------------------------------------------------------------------------------------
# Top-level structure
# ---------------------------------------------------------------------------------------

_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = {")", "]", "}"}


def split_top_level(s: str, seps: tuple[str, ...] = (",",)) -> list[str]:
    """Split `s` on separators that are not inside (), [], {} or \\{ \\} (linear time)."""
    parts: list[str] = []
    depth = 0
    start = 0
    i = 0
    n = len(s)
    while i < n:
        c = s[i]
        if c == "\\" and i + 1 < n and s[i + 1] in "{}":
            depth += 1 if s[i + 1] == "{" else -1
            i += 2
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth <= 0:
            for sep in seps:
                if s.startswith(sep, i):
                    parts.append(s[start:i])
                    i += len(sep)
                    start = i
                    break
            else:
                i += 1
                continue
            continue
        i += 1
    parts.append(s[start:])
    return [p.strip() for p in parts]


def _balanced_span(s: str, open_idx: int) -> int:
    """Index of the bracket closing the one at `open_idx` (any bracket type), or -1."""
    depth = 0
    for j in range(open_idx, len(s)):
        if s[j] in "([{":
            depth += 1
        elif s[j] in ")]}":
            depth -= 1
            if depth == 0:
                return j
    return -1


_EMPTY_SET = re.compile(
    r"^(?:\\emptyset|\\varnothing|\\\{\s*\\\}|\{\s*\}|\\O|no (?:real )?(?:solutions?|roots?)"
    r"|there (?:are|is) no (?:real )?(?:solutions?|roots?)|none|empty set|no such \w+)$",
    re.IGNORECASE,
)
_THOUSANDS = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_SPACED_THOUSANDS = re.compile(r"^-?\d{1,3}(?: \d{3})+(?:\.\d+)?$")
_MATRIX_ENV = re.compile(r"\\begin\{([pbvBV]?matrix|array|smallmatrix)\}(?:\{[^}]*\})?(.*?)"
                         r"\\end\{\1\}", re.DOTALL)
_WORD_NUMBERS = {
    w: i for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split())
}
_WORD_NUMBERS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
                      "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000})
_COMPOUND_WORD = re.compile(r"(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)[- ]"
                            r"(one|two|three|four|five|six|seven|eight|nine)")
_LEAD_VAR = re.compile(r"^\s*([a-zA-Z](?:_\{?\w+\}?)?)\s*(?:\\in|∈)\s*(.+)$")


def _text_answer(text: str) -> Answer:
    t = re.sub(r"\\[a-zA-Z]+", lambda m: m.group(0)[1:], text)
    t = re.sub(r"[{}*`\"']", "", t).strip().lower()
    t = re.sub(r"\s+", " ", t).strip(" .")
    return Answer("text", t, text)


def _expr_answer(text: str, norm: Normalized, allow_fallback: bool = True) -> Answer:
    try:
        vals, undone, marks = _parse_values(text)
    except UndefinedValue:
        raise
    except AnswerParseError:
        if not allow_fallback:
            raise
        vals = [(_fallback_latex2sympy(text), "." in text, False)]
        # Read by the slow parser: its structure is unknown here, so it is not a plain value.
        undone, marks = [Undone("unparsed", f"{text[:40]} is not plain notation")], set()
        _collect(undone, marks)
    if norm.repeating:
        marks = marks | {"repeating"}
        _collect([], {"repeating"})
    answers = [Answer("number" if not getattr(e, "free_symbols", True) else "expression", e,
                      text, percent=norm.percent, degrees=norm.degrees, unit=norm.unit,
                      decimal=d, huge=h, meta={"undone": undone, "marks": marks})
               for e, d, h in vals]
    if len(answers) == 2:
        return Answer("set", answers, text, meta={"pm": True})
    return answers[0]


_UNEVALUATED = re.compile(r"\\(?:sum|prod|int|iint|oint|lim|limsup|liminf|partial|nabla|"
                          r"det|begin\s*\{[vV]matrix\})")


def _fallback_latex2sympy(text: str) -> Any:
    """The slow ANTLR parser for LaTeX our grammar does not cover (bounded input only)."""
    if len(text) > 300 or "\\" not in text or _UNEVALUATED.search(text):
        # \\sum, \\int, \\lim restate a question; they are not a final answer.
        raise AnswerParseError("not parseable")
    try:
        from latex2sympy2_extended import latex2sympy

        e = latex2sympy(text)
    except Exception as exc:  # noqa: BLE001 - any failure means "not math we can read"
        raise AnswerParseError(f"not parseable: {exc}") from exc
    if not isinstance(e, sympy.Expr):
        raise AnswerParseError("not an expression")
    if is_undefined(e, "infty" in text or "infin" in text):
        raise UndefinedValue("undefined value")
    return e


def _intervals(text: str) -> list[Interval] | None:
    """`(a, b]` or a union of such with \\cup / U; None when `text` is not that shape."""
    pieces = split_top_level(text, ("\\cup", " U ", "∪"))
    out = []
    for piece in pieces:
        piece = piece.strip()
        if len(piece) < 5 or piece[0] not in "([" or piece[-1] not in ")]":
            return None
        if _balanced_span(piece, 0) not in (len(piece) - 1, -1):
            # e.g. "(1)(2]": first bracket closes early.
            if not (piece[0] == "(" and piece[-1] == "]" or piece[0] == "[" and piece[-1] == ")"):
                return None
        inner = piece[1:-1]
        ends = split_top_level(inner)
        if len(ends) != 2:
            return None
        try:
            lo, _, _ = parse_expression(ends[0])
            hi, _, _ = parse_expression(ends[1])
        except AnswerParseError:
            return None
        if lo.free_symbols or hi.free_symbols:
            return None
        out.append(Interval(lo, hi, piece[0] == "[", piece[-1] == "]"))
    return out


def _relation(text: str) -> tuple[list[str], list[str]] | None:
    """Split a relation chain into operands and operators, or None if there is none."""
    toks_ops: list[str] = []
    parts: list[str] = []
    pat = re.compile(r"<=|>=|!=|\\leqslant|\\geqslant|\\leq?|\\geq?|\\neq?|\\lt|\\gt|[<>=]")
    depth, start, i = 0, 0, 0
    while i < len(text):
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0:
            m = pat.match(text, i)
            if m and not (m.group(0).startswith("\\") and text[m.end():m.end() + 1].isalpha()):
                parts.append(text[start:i].strip())
                toks_ops.append(_REL_CANON.get(m.group(0), m.group(0)))
                i = start = m.end()
                continue
        i += 1
    if not toks_ops:
        return None
    parts.append(text[start:].strip())
    return parts, toks_ops


_LONE_VAR = re.compile(r"[a-zA-Z](?:_\{?\w+\}?)?")
_ABS_VAR = re.compile(r"\|\s*([a-zA-Z])\s*\|")
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}


def _solved_relation(parts: list[str], ops: list[str]) -> tuple[str, list[Interval]] | None:
    """`x > 2`, `2 < x`, `-1 < x <= 3`, `|x| > 1`: the variable alone (or inside |x|) and
    constant bounds -> intervals. Anything else is an unsolved relation (None)."""
    if ops == ["!="] and len(parts) == 2:
        # "x \\neq 2": every real number but 2.
        k = 0 if _LONE_VAR.fullmatch(parts[0]) else 1
        if not _LONE_VAR.fullmatch(parts[k]):
            return None
        try:
            c = parse_expression(parts[1 - k])[0]
        except AnswerParseError:
            return None
        if c.free_symbols or not c.is_real or not c.is_finite:
            return None
        return parts[k], [Interval(-sympy.oo, c, False, False), Interval(c, sympy.oo, False, False)]
    if "!=" in ops or "=" in ops or len(parts) > 3:
        return None
    var_idx = [k for k, p in enumerate(parts) if _LONE_VAR.fullmatch(p) or _ABS_VAR.fullmatch(p)]
    if len(var_idx) != 1:
        return None
    k = var_idx[0]
    if len(parts) == 3 and k != 1:
        return None
    absm = _ABS_VAR.fullmatch(parts[k])
    var = absm.group(1) if absm else parts[k]
    lo, hi, lo_c, hi_c = -sympy.oo, sympy.oo, False, False
    try:
        bounds = [parse_expression(p)[0] if j != k else None for j, p in enumerate(parts)]
    except AnswerParseError:
        return None
    if any(b is not None and (b.free_symbols or not b.is_real) for b in bounds):
        return None
    oriented = []
    for j, op in enumerate(ops):
        left_is_var = j == k
        other = bounds[j + 1] if left_is_var else bounds[j]
        oriented.append((op if left_is_var else _FLIP[op], other))  # as "var OP other"
    if absm:
        if len(oriented) != 1:
            return None
        op, c = oriented[0]
        closed = op in ("<=", ">=")
        if op in ("<", "<="):
            if c < 0 or (c == 0 and not closed):
                return var, []
            return var, [Interval(-c, c, closed, closed)]
        if c < 0 or (c == 0 and not closed):
            return var, [Interval(-sympy.oo, sympy.oo, False, False)]
        return var, [Interval(-sympy.oo, -c, False, closed), Interval(c, sympy.oo, closed, False)]
    for o, other in oriented:
        strict = o in ("<", ">")
        if o in ("<", "<="):
            hi, hi_c = other, not strict
        else:
            lo, lo_c = other, not strict
    if lo.is_infinite:
        lo_c = False
    if hi.is_infinite:
        hi_c = False
    return var, [Interval(lo, hi, lo_c, hi_c)]


def _matrix(text: str) -> list[list[Any]] | None:
    """A matrix environment, optionally times a scalar (`\\frac12 \\begin{pmatrix}..`)."""
    m = _MATRIX_ENV.search(text)
    if not m or m.group(1) in ("vmatrix", "Vmatrix"):  # |...| is a determinant, not a matrix
        return None
    prefix, suffix = text[: m.start()].strip(), text[m.end():].strip()
    if suffix and prefix.endswith(("[", "(")) and suffix == {"[": "]", "(": ")"}[prefix[-1]]:
        # `\\left[\\begin{array}{cc} ... \\end{array}\\right]`: the brackets of an array.
        prefix, suffix = prefix[:-1].strip(), ""
    if suffix:
        return None
    scale: Any = sympy.Integer(1)
    if prefix:
        if prefix in ("-",):
            scale = sympy.Integer(-1)
        else:
            scale = parse_expression(prefix.rstrip("*").strip())[0]
    rows_src = [r for r in re.split(r"\\\\", m.group(2)) if r.strip() and r.strip() != "\\hline"]
    rows = []
    for r in rows_src:
        rows.append([sympy.expand(scale * parse_expression(c.strip())[0]) for c in r.split("&")])
    if not rows or len({len(r) for r in rows}) != 1:
        raise AnswerParseError("ragged matrix")
    return rows


_MCQ_ONE = re.compile(r"(?:\\text\{)?\s*(?:option|choice|answer)?\s*[:\s]*\(?([A-Za-z])\)?[.:]?"
                      r"\s*\}?", re.IGNORECASE)


def _option_value(text: str) -> Any:
    """The numeric value of an option/answer text, or None when it is not a finite number
    small enough to evaluate (a huge power would be expanded by the subtraction)."""
    try:
        e, _, huge = parse_expression(_strip_parens(normalize(text).text))
    except (AnswerParseError, RecursionError, TypeError, ValueError):
        return None
    if huge or not getattr(e, "is_number", False) or e.free_symbols or is_undefined(e) or \
            e.has(sympy.oo, -sympy.oo):
        return None
    return e


def _options_matching(text: str, choices: list[str]) -> list[int]:
    """Indices of the options whose text (normalized) or numeric value `text` states."""
    norm_t = _text_answer(normalize(text).text).value
    if not norm_t:
        return []
    hits = [k for k, c in enumerate(choices) if norm_t == _text_answer(normalize(c).text).value]
    if hits:
        return hits
    v = _option_value(text)
    if v is None:
        return []
    out = []
    for k, c in enumerate(choices):
        w = _option_value(c)
        if w is None:
            continue
        try:
            d = abs(sympy.N(v - w, 30))
            if d <= sympy.Float(1e-20) * max(abs(sympy.N(w, 30)), sympy.Float(1)):
                out.append(k)
        except (TypeError, ValueError, ArithmeticError):
            continue
    return out


_MCQ_SEPS = (",", " or ", " and ", "/", "\\text{ or }", "\\text{or}", "\\&", "&", ";")


def _mcq_letter(text: str, choices: list[str] | None) -> str | list[str] | None:
    """The chosen letter; a list of letters when several are offered (a hedge); "" when the
    letter comes with the text of another option (`B) 15` where 15 is option C)."""
    t = text.strip().strip("*").strip()
    n = len(choices) if choices else 26
    parts = split_top_level(t, _MCQ_SEPS)
    if len(parts) >= 2:
        letters = [m.group(1).upper() for p in parts if (m := _MCQ_ONE.fullmatch(p.strip()))]
        if len(letters) == len(parts):
            return letters if len(set(letters)) > 1 else letters[0]
    m = re.fullmatch(r"(?:\\text\{)?\s*(?:option|choice|answer)?\s*[:\s]*\(?([A-Za-z])\)?[.:]?"
                     r"\s*\}?(?P<rest>[\s)].*)?", t, re.IGNORECASE | re.DOTALL)
    if m and ord(m.group(1).upper()) - 65 < n:
        # "B" / "(B)" / "option B" / "B) 42": a letter in range, maybe followed by its text.
        letter = m.group(1).upper()
        # "B) 15", "B: 15", "B - 15": drop the separator, not the sign of "(A) -3".
        rest = re.sub(r"^[\s)}.:,*]*(?:-\s+)?", "", m.group("rest") or "").rstrip(" }.*\t\n")
        k = ord(letter) - 65
        others = [x for x in re.findall(r"(?<![A-Za-z\\])([A-Z])(?![A-Za-z])", rest)
                  if x != letter and ord(x) - 65 < n]
        if others and not (choices and k in _options_matching(rest, choices)):
            return [letter, *others]  # "C A", "C (also A)": several letters, a hedge
        if choices and rest:
            hits = _options_matching(rest, choices)
            if hits and k not in hits:
                return ""  # the letter of one option with the text of another
            if not hits and _option_value(rest) is not None and \
                    _option_value(choices[k]) is not None:
                return ""  # a number that is not option `letter`'s value
        return letter
    if choices:
        hits = _options_matching(text, choices)
        if len(hits) == 1:
            return chr(65 + hits[0])
    return None


_ALL_REALS = re.compile(r"^(?:\\mathbb\s*\{?R\}?|\\R|\\Re|R|all real(?: numbers)?|all reals|"
                        r"(?:every|any) real number|\(-\\infty,\s*\+?\\infty\))$", re.IGNORECASE)
_SET_BUILDER = re.compile(r"^\\\{\s*([a-zA-Z])\s*(?:(?:\\in|∈)\s*(?:\\mathbb\s*\{?R\}?|\\R|R)\s*)?"
                          r"(?:\\mid|\||:|\\vert)\s*(.+?)\s*\\\}$")
_COMPLEMENT = re.compile(r"^(?:\\mathbb\s*\{?R\}?|\\R|R)\s*(?:\\setminus|\\backslash|-)\s*(.+)$")
_LETTER_LABEL = re.compile(r"^\(\s*[A-E]\s*\)\s+(?=\S)|(?<=\S)\s+\(\s*[A-E]\s*\)$")


def _complement(removed: str) -> list[Interval] | None:
    """The real line without `removed` (a brace set of points or intervals), as intervals."""
    removed = removed.strip()
    if removed.startswith("\\{") and removed.endswith("\\}"):
        try:
            points = sorted({parse_expression(p)[0] for p in split_top_level(removed[2:-2])},
                            key=lambda v: float(v))
        except (AnswerParseError, TypeError, ValueError):
            return None
        cuts = [Interval(lo, hi, False, False) for lo, hi in
                zip([-sympy.oo, *points], [*points, sympy.oo])]
        return cuts if all(p.is_real and p.is_finite for p in points) else None
    pieces = _intervals(removed)
    if not pieces:
        return None
    pieces = sorted(pieces, key=lambda iv: float(iv.lo))
    out: list[Interval] = []
    lo, lo_closed = -sympy.oo, False
    for iv in pieces:
        if not (iv.lo.is_finite or lo.is_infinite) or iv.lo < lo:
            return None
        if iv.lo.is_finite:
            out.append(Interval(lo, iv.lo, lo_closed, not iv.lo_closed))
        lo, lo_closed = iv.hi, not iv.hi_closed
    if lo.is_finite:
        out.append(Interval(lo, sympy.oo, lo_closed, False))
    return out
_LIST_SEPS = (",", ";", "\\text{ and }", " and ", " or ", "\\text{or}", "\\text{ or }", "\\or")


def _strip_parens(text: str) -> str:
    """`((12))` -> `12`: redundant outer parentheses (no comma inside) mean nothing."""
    for _ in range(10_000):
        if len(text) >= 2 and text[0] == "(" and _balanced_span(text, 0) == len(text) - 1:
            inner = text[1:-1].strip()
            if len(split_top_level(inner)) == 1:
                text = inner
                continue
        break
    return text


def parse_answer(raw: Any, hint: str | None = None, choices: list[str] | None = None) -> Answer:
    """Parse a final answer into a typed `Answer`; `hint` is the expected kind (the gold's).

    `meta["undone_all"]` lists the operations the whole answer leaves undone and
    `meta["marks_all"]` the forms it uses (see `undone.py`). Never raises for ordinary junk:
    what is not math becomes a `text` answer. May raise RecursionError/MemoryError on
    adversarial input; run it under a time/memory bound.
    """
    bucket: tuple[list[Undone], set[str]] = ([], set())
    stack = getattr(_COLLECTING, "stack", None)
    if stack is None:
        stack = _COLLECTING.stack = []
    stack.append(bucket)
    try:
        ans = _parse_answer(raw, hint, choices)
    finally:
        stack.pop()
    ans.meta["undone_all"] = list(dict.fromkeys(bucket[0]))
    ans.meta["marks_all"] = bucket[1]
    return ans


def _parse_answer(raw: Any, hint: str | None, choices: list[str] | None) -> Answer:
    norm = normalize(raw)
    text = norm.text
    if len(text) > MAX_LEN:
        return Answer("text", text[:200].lower(), text[:200], meta={"too_long": True})
    if hint == "mcq":
        letter = _mcq_letter(text, choices)
        if isinstance(letter, list):
            return Answer("set", [Answer("mcq", x, x) for x in letter], text)
        if letter == "":
            return Answer("text", text.lower(), text, meta={"mcq_conflict": True})
        if letter is not None:
            return Answer("mcq", letter, text)
        return _text_answer(text)
    if hint == "text":
        return _text_answer(text)
    if not text:
        return Answer("text", "", "")
    if "\\approx" in text or "\u2248" in text:
        # "\frac{\sqrt3}{2} \approx 0.866": the exact value, with a consistent rounding.
        exact = _approx_exact(text)
        if exact is None:
            return _text_answer(text)
        text = exact
    text = _strip_parens(text)
    if _EMPTY_SET.match(text.strip(" .")):
        return Answer("set", [], text, meta={"empty": True})
    if text.lower() in _WORD_NUMBERS:
        return Answer("number", sympy.Integer(_WORD_NUMBERS[text.lower()]), text)
    m = _COMPOUND_WORD.fullmatch(text.lower())
    if m:  # "twenty-one", "ninety nine"
        return Answer("number", sympy.Integer(_WORD_NUMBERS[m.group(1)]
                                              + _WORD_NUMBERS[m.group(2)]), text)
    if hint not in ("mcq", "text") and choices is None:
        # A letter label after or before a value ("\frac32 (B)") when there are no options.
        text = _LETTER_LABEL.sub("", text).strip() or text
    m = _LEAD_VAR.match(text)  # "x \in (1, 2)" -> "(1, 2)"
    if m:
        text = m.group(2).strip()
    m = _SET_BUILDER.match(text)  # "\{x \mid x > 0\}", "\{x \in R : x > 0\}" -> "x > 0"
    if m:
        text = m.group(2).strip()
    if _ALL_REALS.match(text):
        return Answer("interval", [Interval(-sympy.oo, sympy.oo, False, False)], text)
    m = _COMPLEMENT.match(text)  # "R \setminus \{-1\}", "R - [-5, 3]"
    if m:
        removed = _complement(m.group(1))
        if removed is not None:
            return Answer("interval", removed, text)
    if "\\begin" in text:
        try:
            rows = _matrix(text)
        except (AnswerParseError, TypeError, ValueError):
            rows = None
        if rows is not None:
            return Answer("matrix", rows, text)
    # Unions and intervals.
    if hint in ("interval", "relation", None) or "\\cup" in text:
        iv = _intervals(text)
        if iv is not None:
            mixed = any(i.lo_closed != i.hi_closed for i in iv) or any(
                i.lo.is_infinite or i.hi.is_infinite for i in iv) or len(iv) > 1
            if hint in ("interval", "relation") or mixed or text[0] == "[":
                return Answer("interval", iv, text)
    # Sets written with braces.
    if text.startswith("\\{") and text.endswith("\\}"):
        inner = text[2:-2].strip()
        if not inner:
            return Answer("set", [], text, meta={"empty": True})
        return Answer("set", _flatten([_element(p, norm) for p in split_top_level(inner)]), text)
    if text.startswith("{") and text.endswith("}") and _balanced_span(text, 0) == len(text) - 1:
        inner = text[1:-1].strip()
        if "," in inner:
            return Answer("set", _flatten([_element(p, norm) for p in split_top_level(inner)]),
                          text)
        text = inner
    # Tuples / points / lists.
    if text[0] in "([" and _balanced_span(text, 0) == len(text) - 1:
        inner = text[1:-1]
        parts = split_top_level(inner)
        if len(parts) >= 2:
            if text[0] == "[" and all(p.startswith("[") for p in parts):
                rows = [[parse_expression(c)[0] for c in split_top_level(p[1:-1])] for p in parts]
                if len({len(r) for r in rows}) == 1:
                    return Answer("matrix", rows, text)
            kind = "set" if hint == "set" else "tuple"
            return Answer(kind, [_element(p, norm) for p in parts], text,
                          meta={"bracket": text[0]})
    # Lists: "1, 2, 3", "x = 2 or x = 3", "x = 1, y = 2", "x < -1 or x > 1".
    if _SPACED_THOUSANDS.match(text):  # "1 000 000"
        text = text.replace(" ", "")
    if _THOUSANDS.match(text.replace(" ", "")) and hint not in ("set", "tuple"):
        return _expr_answer(text.replace(",", ""), norm)
    m = re.match(r"^([a-zA-Z])\s*=\s*(-?\d{1,3}(?:,\d{3})+(?:\.\d+)?)$", text)
    if m and hint not in ("set", "tuple"):
        text = f"{m.group(1)} = {m.group(2).replace(',', '')}"
    parts = split_top_level(text, _LIST_SEPS)
    if len(parts) >= 2:
        listed = _list_answer(parts, text, norm, hint)
        if listed is not None:
            return listed
    # Relations: equations, inequalities.
    rel = _relation(text)
    if rel is not None:
        parts, ops = rel
        if all(o == "=" for o in ops):
            return _equation(parts, text, norm, hint)
        solved = _solved_relation(parts, ops)
        if solved is not None:
            var, iv = solved
            return Answer("relation", iv, text, var=var)
        return Answer("relation", None, text, meta={"unsolved": True})
    try:
        return _expr_answer(text, norm)
    except (AnswerParseError, RecursionError):
        return _text_answer(text)


def _approx_exact(text: str) -> str | None:
    """`A \\approx B` where B is A rounded (to B's decimal places): A. Otherwise None (an
    inconsistent pair like `7 \\approx 8` would let one answer state two values)."""
    parts = split_top_level(text, ("\\approx", "\u2248"))
    if len(parts) != 2 or not parts[0] or not parts[1]:
        return None
    m = re.fullmatch(r"[-+]?\d*\.(\d+)", parts[1].replace(" ", ""))
    if not m:
        return None
    try:
        a = parse_expression(split_top_level(parts[0], ("=",))[-1])[0]
        b = Fraction(parts[1].replace(" ", ""))
        if a.free_symbols or not a.is_real:
            return None
        av = Fraction(str(sympy.Float(sympy.N(a, 40), 40)))
    except (AnswerParseError, RecursionError, TypeError, ValueError, ArithmeticError):
        return None
    return parts[0] if abs(av - b) <= Fraction(1, 2 * 10 ** len(m.group(1))) else None


def _flatten(elems: list[Answer]) -> list[Answer]:
    """`1, 1 \\pm \\sqrt2` -> three elements (a +- element is a two-element set)."""
    out: list[Answer] = []
    for e in elems:
        if e.kind == "set" and e.meta.get("pm"):
            out.extend(e.value)
        else:
            out.append(e)
    return out


def _list_answer(parts: list[str], text: str, norm: Normalized, hint: str | None) -> Answer | None:
    if any(p == "" for p in parts):
        return _text_answer(text)
    rels = [_relation(p) for p in parts]
    if all(r is not None for r in rels):
        ops = [r[1] for r in rels if r is not None]
        sides = [r[0] for r in rels if r is not None]
        if all(o == ["="] for o in ops) and all(_LONE_VAR.fullmatch(s[0]) for s in sides):
            names = [s[0] for s in sides]
            elems = [_element(s[1], norm) for s in sides]
            if len(set(names)) == 1:
                # "x = 2 or x = 3": the solution set of x.
                return Answer("set", _flatten(elems), text, var=names[0])
            if len(set(names)) == len(names):
                # "y = -1, x = 3": named coordinates; the names fix the order.
                order = sorted(range(len(names)), key=lambda k: names[k])
                return Answer("tuple", [elems[k] for k in order], text,
                              meta={"names": sorted(names)})
        if all("=" not in o and "!=" not in o for o in ops):
            solved = [_solved_relation(s, o) for s, o in zip(sides, ops)]
            if all(x is not None for x in solved) and len({x[0] for x in solved if x}) == 1:
                # "x < -1 or x > 1": a union.
                ivs = [iv for x in solved if x for iv in x[1]]
                return Answer("relation", ivs, text, var=solved[0][0] if solved[0] else None)
    elems = _flatten([_element(p, norm) for p in parts])
    kind = "tuple" if hint == "tuple" else "set"
    return Answer(kind, elems, text, meta={"bare": True})


def _element(text: str, norm: Normalized) -> Answer:
    """One element of a set/tuple: an expression, or an equation like `x = 2` (its value)."""
    text = _strip_parens(text.strip())
    rel = _relation(text)
    if rel is not None:
        parts, ops = rel
        if all(o == "=" for o in ops):
            return _equation(parts, text, norm, None)
    sub = Normalized(text, norm.percent, norm.degrees, norm.unit)
    if text[:1] in "([" and text[-1:] in ")]" and "," in text:
        inner = split_top_level(text[1:-1])
        return Answer("tuple", [_element(p, sub) for p in inner], text)
    try:
        return _expr_answer(text, sub)
    except (AnswerParseError, RecursionError):
        return _text_answer(text)


def _equation(parts: list[str], text: str, norm: Normalized, hint: str | None) -> Answer:
    """An `=` chain. `x = 5` keeps its variable in `var`; `x = 1, 2` is a set;
    `(x, y) = (1, 2)` is the point (1, 2)."""
    if len(parts) == 2 and parts[0][:1] == "(" and parts[1][:1] in "([":
        names = split_top_level(parts[0][1:-1]) if parts[0].endswith(")") else []
        if len(names) >= 2 and all(_LONE_VAR.fullmatch(n) for n in names):
            elems = [_element(p, norm) for p in split_top_level(parts[1][1:-1])]
            if len(elems) == len(names) and len(set(names)) == len(names):
                # "(y, x) = (2, 6)": the names fix the order, as in "y = 2, x = 6".
                order = sorted(range(len(names)), key=lambda k: names[k])
                elems, names = [elems[k] for k in order], sorted(names)
            return Answer("tuple", elems, text, meta={"names": names})
    exprs = []
    for k, p in enumerate(parts):
        if not p:
            return _text_answer(text)
        if k == len(parts) - 1:
            # "x = 1, 2" / "x = \pm 2": the right side is a list of values.
            sub = split_top_level(p, _LIST_SEPS)
            if len(sub) >= 2 or "\\pm" in p or "\\mp" in p:
                if _LONE_VAR.fullmatch(parts[0]) and len(parts) == 2:
                    elems = [_expr_answer(x, norm) for x in sub]
                    return Answer("set", _flatten(elems), text, var=parts[0])
        try:
            e = _expr_answer(p, norm, allow_fallback=True)
        except (AnswerParseError, RecursionError):
            return _text_answer(text)
        if e.kind not in ("number", "expression"):
            return _text_answer(text)
        exprs.append(e)
    lone = re.fullmatch(r"[a-zA-Z](?:_\{?\w+\}?)?|[a-zA-Z]\([a-z]\)", parts[0])
    ans = Answer("equation", [e.value for e in exprs], text,
                 var=parts[0] if lone else None, percent=norm.percent, degrees=norm.degrees,
                 unit=norm.unit, decimal=exprs[-1].decimal, huge=any(e.huge for e in exprs))
    ans.meta["sides"] = exprs
    return ans
