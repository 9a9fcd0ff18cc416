"""A safe parser for the expressions ``glassgrad explain`` draws: text in, a graph of Values out.

Part IV, read after ``step.py``, beside ``cli.py``.
``glassgrad explain "tanh(x1*w1 + x2*w2 + b)" --at x1=2,...`` must turn text typed by anyone into a
computation graph, and must never run that text as Python. So this module uses Python's own *parser* (``ast.parse(mode="eval")``) only to build a syntax
tree, then walks that tree over a whitelist:

- numbers (``2``, ``0.5``, ``1e-3``) and the constants ``pi`` and ``e``;
- variable names (those given with ``--at``);
- unary ``-``/``+`` and binary ``+ - * / **``;
- calls of one argument to the functions in ``FUNCTIONS`` (each a ``Value`` method).

Anything else — attribute access, subscripts, strings, lambdas, comprehensions, keyword arguments,
comparisons — is refused with an ``ExpressionError`` whose text shows the expression with a caret under
the offending column. Nothing is ever passed to ``eval``, ``exec`` or ``compile``.

Limits come *before* the parser, because CPython's parser itself can exhaust its stack on hostile input:
the text's length, its characters (printable ASCII: no look-alike Unicode letters, which Python would
fold into ASCII names), the depth of its brackets and the number of its operators are checked on the
raw string. After parsing, every node of the tree is checked — its kind, its size, its depth — without
recursion and before a single Value is built; a constant exponent may not exceed ``MAX_EXPONENT`` in
magnitude (``9**9**9`` is refused, not computed). Building the Values is iterative too, so no input can
reach Python's recursion limit.

Depth counts *nesting*, not length: a chain ``a + b + c + …`` (or ``a·b·c·…``) is one level however
long it is, while each bracket, function call, sign and power goes one level deeper.
"""

from __future__ import annotations

import ast
import difflib
import math
import re
import string
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from glassgrad.scalar.value import Value

__all__ = [
    "CONSTANTS",
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "MAX_LENGTH",
    "MAX_NODES",
    "MAX_OPERATORS",
    "Expression",
    "ExpressionError",
    "evaluate",
    "parse",
    "parse_assignments",
]

MAX_LENGTH = 10_000    # characters of expression text
MAX_DEPTH = 64         # nesting: brackets in the raw text, and levels of the syntax tree
MAX_OPERATORS = 2_000  # operator symbols in the raw text (a sum of 1,000 products x·w has 1,999)
MAX_NODES = 4_000      # syntax-tree nodes (1,000 products x·w summed have 3,999)
MAX_EXPONENT = 100     # |n| for a constant exponent in a ** n

# name -> Value method (each states its math and derivative in its docstring)
FUNCTIONS = {
    "tanh": Value.tanh,
    "exp": Value.exp,
    "log": Value.log,
    "relu": Value.relu,
    "sigmoid": Value.sigmoid,
    "sqrt": Value.sqrt,
    "abs": Value.abs,
    "leaky_relu": Value.leaky_relu,
}
CONSTANTS = {"pi": math.pi, "e": math.e}

_ALLOWED_CHARS = frozenset(string.ascii_letters + string.digits + string.punctuation + " ")
_OPEN, _CLOSE = "([{", ")]}"
_OPERATOR_CHARS = frozenset("+-*/%@&|^~<>!=")
# A number as --at takes it: ASCII digits only (float() would also read "１", "٣" and "1_000").
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_UNARY = {ast.USub: "-", ast.UAdd: "+"}
# What the refused node types are called in an error (the rest say "this kind of expression").
_REFUSED = {
    ast.Attribute: "attribute access", ast.Subscript: "subscripts", ast.Lambda: "lambdas",
    ast.ListComp: "comprehensions", ast.SetComp: "comprehensions", ast.DictComp: "comprehensions",
    ast.GeneratorExp: "generator expressions", ast.Compare: "comparisons", ast.BoolOp: "'and'/'or'",
    ast.IfExp: "'if'/'else'", ast.NamedExpr: "assignment (:=)", ast.List: "lists", ast.Tuple: "tuples",
    ast.Set: "sets", ast.Dict: "dicts", ast.Starred: "'*' unpacking", ast.JoinedStr: "f-strings",
    ast.Await: "'await'", ast.Yield: "'yield'", ast.YieldFrom: "'yield'", ast.Slice: "slices",
}
_ALLOWED_OPS = "numbers, variables, + - * / ** and the functions " + ", ".join(FUNCTIONS)


class ExpressionError(ValueError):
    """A refused or failed expression. ``str()`` shows the text with a caret under ``column``.

    ``message``: what is wrong; ``text``: the expression; ``column``: 0-based position (None if the
    problem has no single place, e.g. the text is too long).
    """

    def __init__(self, message: str, text: str | None = None, column: int | None = None):
        self.message, self.text, self.column = message, text, column
        super().__init__(self._render())

    def _render(self) -> str:
        if self.text is None or self.column is None:
            return self.message
        # Show at most 80 characters around the column, so the caret stays under its character.
        start = max(0, min(self.column - 40, len(self.text) - 80))
        # Characters that would break the caret's alignment (line breaks, wide letters) show as '?'.
        shown = "".join(c if c in _ALLOWED_CHARS else "?" for c in self.text[start:start + 80])
        lead = "..." if start > 0 else ""
        caret = " " * (len(lead) + self.column - start) + "^"
        return f"{self.message} (column {self.column + 1})\n  {lead}{shown}\n  {caret}"


@dataclass(frozen=True)
class Expression:
    """A checked expression: the text, its checked syntax tree, and the variable names it uses."""

    text: str
    tree: ast.Expression
    names: tuple  # variable names in order of first appearance

    def __call__(self, **values) -> Value:
        return evaluate(self, values)


def _fail(message: str, text: str, column: int | None = None):
    raise ExpressionError(message, text, column)


def _check_text(text) -> None:
    """Limits on the raw string, before CPython's parser sees it."""
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be a str, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(text):,} characters long; the limit is {MAX_LENGTH:,}")
    if not text.strip():
        raise ExpressionError("the expression is empty")
    depth = operators = 0
    for i, ch in enumerate(text):
        if ch not in _ALLOWED_CHARS:
            what = "a tab or line break" if ch in "\t\r\n" else f"the character {ch!r} (U+{ord(ch):04X})"
            _fail(f"{what} is not allowed: use printable ASCII only", text, i)
        if ch in _OPEN:
            depth += 1
            if depth > MAX_DEPTH:
                _fail(f"brackets nested more than {MAX_DEPTH} deep", text, i)
        elif ch in _CLOSE:
            depth -= 1
        elif ch in _OPERATOR_CHARS and text[i - 1:i + 1] not in ("**", "//"):  # ** is one operator
            operators += 1
            if operators > MAX_OPERATORS:
                _fail(f"the expression has more than {MAX_OPERATORS:,} operators", text, i)


def _col(node: ast.AST) -> int | None:
    """Where ``node`` starts (None for a tree built by hand, without positions)."""
    return getattr(node, "col_offset", None)


def _end(node: ast.AST) -> int | None:
    """Where ``node`` ends on the (single) line, or None when unknown."""
    return getattr(node, "end_col_offset", None) if getattr(node, "end_lineno", None) == 1 else None


def _find_after(text: str, symbol: str, node: ast.AST, fallback: int | None) -> int | None:
    """The column of the first ``symbol`` after ``node`` (a dot, an operator), else ``fallback``."""
    start = _end(node)
    found = text.find(symbol, start) if start is not None else -1
    return found if found >= 0 else fallback


def _operator_column(text: str, node: ast.AST, symbol: str) -> int | None:
    """The column of ``symbol`` between a binary node's operands (the caret goes under the operator)."""
    return _find_after(text, symbol, node.left, _col(node))


def _constant_exponent(node: ast.AST) -> float | None:
    """The exponent's number when it is a literal, possibly signed (``2``, ``-0.5``); else None."""
    sign = 1.0
    while isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        sign = -sign if isinstance(node.op, ast.USub) else sign
        node = node.operand
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return sign * float(node.value)
    return None


def _check_tree(text: str, tree: ast.Expression, names: set | None) -> tuple:
    """Walk every node (iteratively) against the whitelist; return the variable names used.

    Every child of an allowed node is walked too, so nothing unchecked can reach ``_build``. A node's
    depth is its parent's plus one, except the left operand of a chained ``+ - * /`` (``a + b + c`` is
    ``(a + b) + c``): continuing a chain is length, not nesting.
    """
    if not isinstance(tree, ast.Expression):
        _fail("the syntax tree must be an ast.Expression (use parse)", text)
    count, used = 0, {}
    stack = [(tree.body, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        col = _col(node)
        if count > MAX_NODES:
            _fail(f"the expression has more than {MAX_NODES:,} parts", text, col)
        if depth > MAX_DEPTH:
            _fail(f"the expression is nested more than {MAX_DEPTH} levels deep", text, col)
        if isinstance(node, ast.Constant):
            value = node.value
            if type(value) not in (int, float):
                what = {str: "strings", bytes: "bytes", bool: "True/False", complex: "complex numbers",
                        type(None): "None", type(...): "'...'"}.get(type(value), "this constant")
                _fail(f"{what} are not allowed: use {_ALLOWED_OPS}", text, col)
            if not math.isfinite(_as_float(value, text, col)):
                _fail("the number is not finite", text, col)
        elif isinstance(node, ast.Name):
            _check_name(node, text, names, used)
        elif isinstance(node, ast.BinOp):
            _check_binary(node, text)
            chained = isinstance(node.left, ast.BinOp) and not isinstance(node.left.op, ast.Pow) \
                and not isinstance(node.op, ast.Pow)
            stack.append((node.right, depth + 1))
            stack.append((node.left, depth if chained else depth + 1))
        elif isinstance(node, ast.UnaryOp):
            if type(node.op) not in _UNARY:
                word = "not" if isinstance(node.op, ast.Not) else "~"
                _fail(f"the operator {word!r} is not allowed: use + - * / **", text, col)
            stack.append((node.operand, depth + 1))
        elif isinstance(node, ast.Call):
            _check_call(node, text)
            stack.append((node.args[0], depth + 1))
        elif isinstance(node, ast.Attribute):  # the caret goes under the dot
            _fail(f"attribute access (.{node.attr}) is not allowed: use {_ALLOWED_OPS}", text,
                  _find_after(text, ".", node.value, col))
        else:
            what = _REFUSED.get(type(node), "this kind of expression")
            _fail(f"{what} {'is' if what.endswith('access') else 'are'} not allowed: use {_ALLOWED_OPS}",
                  text, col)
    return tuple(used)


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``" (did you mean `tanh`?)"`` when ``word`` looks like a mistyped one of ``choices``, else ``""``."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


def _check_name(node: ast.Name, text: str, names: set | None, used: dict) -> None:
    """A variable (one of ``names``, when given) or a constant; a bare function name is refused."""
    col = _col(node)
    if node.id in FUNCTIONS:
        _fail(f"{node.id} is a function: call it, as in {node.id}(x)", text, col)
    if node.id in CONSTANTS and (names is None or node.id not in names):
        return
    if names is not None and node.id not in names:
        valid = sorted(names) + sorted(set(CONSTANTS) - set(names))
        hint = _did_you_mean(node.id, valid) or _did_you_mean(node.id, FUNCTIONS)
        _fail(f"unknown name {node.id!r}{hint}; valid names: {', '.join(valid) or '(none)'}"
              f" and the functions {', '.join(FUNCTIONS)}", text, col)
    used.setdefault(node.id, None)


def _check_binary(node: ast.BinOp, text: str) -> None:
    """One of + - * / **; a constant exponent within ``MAX_EXPONENT``."""
    symbol = _BINARY.get(type(node.op))
    if symbol is None:
        left_end, right_start = _end(node.left), _col(node.right)
        op_text = (text[left_end:right_start].strip() if left_end is not None and right_start is not None
                   else "") or type(node.op).__name__
        _fail(f"the operator {op_text!r} is not allowed: use + - * / **", text,
              _operator_column(text, node, op_text))
    if symbol == "**":
        n = _constant_exponent(node.right)
        if n is not None and abs(n) > MAX_EXPONENT:
            _fail(f"the exponent {n:g} is too large: |exponent| ≤ {MAX_EXPONENT}", text,
                  _col(node.right))


def _check_call(node: ast.Call, text: str) -> None:
    """``f(one argument)`` with ``f`` one of ``FUNCTIONS``, written as a plain name."""
    func, col = node.func, _col(node)
    if not isinstance(func, ast.Name):  # obj.method(x), f(x)(y), 1(x), (lambda: 0)()
        if isinstance(func, ast.Attribute):
            _fail(f"attribute access (.{func.attr}) is not allowed: use {_ALLOWED_OPS}", text,
                  _find_after(text, ".", func.value, col))
        if isinstance(func, ast.Lambda):
            _fail(f"lambdas are not allowed: use {_ALLOWED_OPS}", text, _col(func))
        callee = ast.get_source_segment(text, func) or "this"
        if len(callee) > 20:
            callee = callee[:17] + "..."
        _fail(f"only a function's name can be called, as in tanh(x); {callee!r} is not one of "
              f"{', '.join(FUNCTIONS)}", text, col)
    if func.id not in FUNCTIONS:
        _fail(f"unknown function {func.id!r}{_did_you_mean(func.id, FUNCTIONS)}; functions: "
              f"{', '.join(FUNCTIONS)}", text, col)
    if node.keywords:
        keyword = node.keywords[0]
        _fail(f"{func.id}() takes no keyword arguments", text, getattr(keyword, "col_offset", col))
    if len(node.args) != 1:
        _fail(f"{func.id}() takes exactly one argument ({len(node.args)} given)", text, col)


def _as_float(value, text: str, col) -> float:
    try:
        return float(value)
    except OverflowError:
        _fail("the number is too large for a float", text, col)


def parse(text: str, names: Iterable[str] | None = None) -> Expression:
    """Check ``text`` and return an ``Expression``; raise ``ExpressionError`` pointing at the problem.

    ``names``: the variable names allowed (an unknown name lists them); None accepts any identifier.
    Order: raw-text limits, then ``ast.parse`` (syntax), then the whitelist walk.
    """
    _check_text(text)
    name_set = None if names is None else set(names)
    try:
        with warnings.catch_warnings():  # e.g. "invalid decimal literal": the error below says it all
            warnings.simplefilter("ignore")
            tree = ast.parse(text, mode="eval")
    except SyntaxError as e:
        # CPython reports offset 0 when the text ends too soon: point just past the end then.
        column = e.offset - 1 if e.offset and 0 < e.offset <= len(text) else len(text)
        msg = e.msg or "invalid syntax"
        if column == len(text) and msg == "invalid syntax":
            msg = "the expression ends too soon"
        raise ExpressionError(f"syntax error: {msg}", text, column) from None
    except (RecursionError, MemoryError):  # CPython's own parser gave up: too deep for its stack
        raise ExpressionError("the expression is too deeply nested (brackets, signs, powers, calls) or its "
                              "chain of operators too long for Python's parser") from None
    except (ValueError, OverflowError) as e:
        raise ExpressionError(f"the expression could not be parsed ({type(e).__name__})") from None
    return Expression(text, tree, _check_tree(text, tree, name_set))


def evaluate(expression: str | Expression, values: Mapping[str, float]) -> Value:
    """Build the Value graph of ``expression`` with each variable a leaf Value labelled by its name.

    A variable used twice is one leaf used twice (so its gradient accumulates, as it should). Numbers
    become constant Values labelled with their text. Math errors (log of a negative number, overflow)
    become ``ExpressionError`` naming the operation.
    """
    if isinstance(expression, Expression):  # perhaps made by hand: check every node again before building
        expr = expression
        _check_text(expr.text)
        names = tuple(dict.fromkeys(expr.names + _check_tree(expr.text, expr.tree, None)))
    else:
        expr = parse(expression, values.keys())
        names = expr.names
    text = expr.text
    missing = [n for n in names if n not in values]
    if missing:
        raise ExpressionError(f"no value given for {', '.join(missing)}")
    leaves = {}
    for name in names:
        leaves[name] = Value(_checked_number(values[name], name), label=name)

    return _build(text, expr.tree.body, leaves)


def _build(text: str, root: ast.AST, leaves: dict) -> Value:
    """The Value of the (checked) subtree ``root``; ``leaves`` maps variable names to leaf Values."""
    # Post-order without recursion: (node, False) = visit children first, (node, True) = build it.
    done: dict[int, Value] = {}
    stack = [(root, False)]
    while stack:
        node, ready = stack.pop()
        if isinstance(node, ast.Constant):
            done[id(node)] = Value(float(node.value), label=ast.get_source_segment(text, node) or "")
        elif isinstance(node, ast.Name):
            done[id(node)] = (leaves[node.id] if node.id in leaves
                              else Value(CONSTANTS[node.id], label=node.id))
        elif not ready:
            stack.append((node, True))
            children = ([node.left, node.right] if isinstance(node, ast.BinOp)
                        else [node.operand] if isinstance(node, ast.UnaryOp) else [node.args[0]])
            stack.extend((c, False) for c in reversed(children))
        else:
            try:
                done[id(node)] = _apply(node, done)
            except _ExponentTooLarge as e:
                raise ExpressionError(f"the exponent {e.args[0]:g} is too large: |exponent| ≤ "
                                      f"{MAX_EXPONENT}", text, _col(node.right)) from None
            except (ValueError, OverflowError, ZeroDivisionError) as e:
                column = (_operator_column(text, node, _BINARY[type(node.op)]) if isinstance(node, ast.BinOp)
                          else _col(node))
                raise ExpressionError(f"cannot compute: {e}", text, column) from None
    return done[id(root)]


def _apply(node: ast.AST, done: dict) -> Value:
    """One node's Value from its children's, by the Value operation the syntax names."""
    if isinstance(node, ast.Call):
        return FUNCTIONS[node.func.id](done[id(node.args[0])])
    if isinstance(node, ast.UnaryOp):
        a = done[id(node.operand)]
        return -a if isinstance(node.op, ast.USub) else a
    a, b = done[id(node.left)], done[id(node.right)]
    op = type(node.op)
    if op is ast.Add:
        return a + b
    if op is ast.Sub:
        return a - b
    if op is ast.Mult:
        return a * b
    if op is ast.Div:
        return a / b
    n = _constant_exponent(node.right)  # a constant exponent is a number, not a Value in the graph
    if n is not None:
        return a ** n
    if abs(b.data) > MAX_EXPONENT:  # e.g. the 9**9 in 9**9**9: refused before it is used
        raise _ExponentTooLarge(b.data)
    return a ** b


class _ExponentTooLarge(Exception):
    pass


def _checked_number(x, name: str) -> float:
    try:
        x = float(x)
    except (TypeError, ValueError):
        raise ExpressionError(f"the value of {name} must be a number, got {x!r}") from None
    if not math.isfinite(x):
        raise ExpressionError(f"the value of {name} must be finite, got {x!r}")
    return x


def parse_assignments(text: str) -> dict[str, float]:
    """``"x1=2,x2=0,w1=-3"`` -> ``{"x1": 2.0, "x2": 0.0, "w1": -3.0}`` (the ``--at`` option).

    Names must be ASCII identifiers that are not function names; numbers are written in ASCII digits
    (``-3``, ``0.5``, ``1e-3``; not ``１`` or ``1_000``) and must be finite.
    """
    if not isinstance(text, str) or len(text) > MAX_LENGTH:
        raise ExpressionError(f"--at must be at most {MAX_LENGTH:,} characters of name=number pairs")
    values: dict[str, float] = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        name, eq, number = part.partition("=")
        name, number = name.strip(), number.strip()
        if not eq or not name.isascii() or not name.isidentifier():
            raise ExpressionError(f"--at expects name=number pairs separated by commas, got {part!r}")
        if name in FUNCTIONS:
            raise ExpressionError(f"{name!r} is a function name; choose another variable name")
        if name in values:
            raise ExpressionError(f"{name} is given twice in --at")
        if number.lower().lstrip("+-") in ("inf", "infinity", "nan"):
            raise ExpressionError(f"the value of {name} must be finite, got {number!r}")
        if not _NUMBER.fullmatch(number):
            raise ExpressionError(f"the value of {name} must be a number written in ASCII digits "
                                  f"(like -3, 0.5 or 1e-3), got {number!r}")
        values[name] = float(number)
        if not math.isfinite(values[name]):  # 1e999
            raise ExpressionError(f"the value of {name} must be finite, got {number!r}")
    return values
