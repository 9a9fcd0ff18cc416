"""explain/parse.py: whitelisted expressions equal the same expression written in Python on Values;
hostile text is refused with a pointed error and nothing runs; arbitrary text never escapes the parser's
own error type."""

import ast
import builtins
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import glassgrad.explain.parse as parse_mod
from glassgrad.explain.parse import (
    MAX_DEPTH,
    MAX_LENGTH,
    ExpressionError,
    evaluate,
    parse,
    parse_assignments,
)
from glassgrad.scalar.value import Value

VALUES = {"x": 0.7, "y": -1.3, "z": 2.2}


# ---- valid expressions: a generated tree, rendered to text and computed directly on Values ----

def _leaf():
    return st.one_of(
        st.sampled_from(sorted(VALUES)).map(lambda n: (n, lambda v, n=n: v[n])),
        st.floats(0.1, 3.0).map(lambda c: round(c, 3)).map(lambda c: (repr(c), lambda v, c=c: c)),
    )


# Functions kept to domains where they are defined for any real input (tanh, exp of a bounded value).
_FUNCS = {"tanh": Value.tanh, "sigmoid": Value.sigmoid, "relu": Value.relu, "abs": Value.abs}


def _extend(children):
    binary = st.tuples(st.sampled_from(["+", "-", "*"]), children, children).map(
        lambda t: (f"({t[1][0]} {t[0]} {t[2][0]})",
                   lambda v, t=t: {"+": lambda a, b: a + b, "-": lambda a, b: a - b,
                                   "*": lambda a, b: a * b}[t[0]](t[1][1](v), t[2][1](v))))
    call = st.tuples(st.sampled_from(sorted(_FUNCS)), children).map(
        lambda t: (f"{t[0]}({t[1][0]})", lambda v, t=t: _FUNCS[t[0]](_as_value(t[1][1](v)))))
    square = children.map(lambda c: (f"({c[0]})**2", lambda v, c=c: _as_value(c[1](v)) ** 2))
    neg = children.map(lambda c: (f"-({c[0]})", lambda v, c=c: -_as_value(c[1](v))))
    smooth = children.map(lambda c: (f"exp(tanh({c[0]}))",
                                     lambda v, c=c: _as_value(c[1](v)).tanh().exp()))
    return st.one_of(binary, call, square, neg, smooth)


def _as_value(x):
    return x if isinstance(x, Value) else Value(x)


expressions = st.recursive(_leaf(), _extend, max_leaves=12)


@settings(max_examples=50, deadline=None)
@given(expressions)
def test_valid_expressions_match_python_on_values(expr):
    text, compute = expr
    leaves = {n: Value(x, label=n) for n, x in VALUES.items()}
    expected = _as_value(compute(leaves))
    expected.backward()
    got = evaluate(text, VALUES)
    got.backward()
    assert got.data == pytest.approx(expected.data, rel=1e-12, abs=1e-12)
    # the same derivatives reach each variable the parsed graph has
    parsed_leaves = {}
    stack, seen = [got], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if not node.parents and node.label in VALUES:
            parsed_leaves[node.label] = node
        stack.extend(node.parents)
    for name, leaf in parsed_leaves.items():
        assert leaf.grad == pytest.approx(leaves[name].grad, rel=1e-9, abs=1e-12)


def test_a_neuron_and_a_variable_used_twice():
    at = parse_assignments("x1=2,x2=0,w1=-3,w2=1,b=6.88")
    out = evaluate("tanh(x1*w1 + x2*w2 + b)", at)
    assert out.data == pytest.approx(math.tanh(2 * -3 + 0 * 1 + 6.88), rel=1e-15)
    out.backward()
    x1 = next(p for p in _all_nodes(out) if p.label == "x1")
    assert x1.grad == pytest.approx((1 - out.data ** 2) * -3, rel=1e-12)
    sq = evaluate("a*a + a", {"a": 3.0})
    sq.backward()
    (a,) = {id(n): n for n in _all_nodes(sq) if n.label == "a"}.values()  # one leaf, used three times
    assert a.grad == 7.0


def _all_nodes(root):
    out, stack, seen = [], [root], set()
    while stack:
        n = stack.pop()
        if id(n) not in seen:
            seen.add(id(n))
            out.append(n)
            stack.extend(n.parents)
    return out


def test_constant_exponent_is_a_number_and_variable_exponent_a_value():
    out = evaluate("x**3", {"x": 2.0})
    assert out.op == "**3.0" and len(out.parents) == 1 and out.local_grads == (12.0,)
    out = evaluate("2**x", {"x": 3.0})
    assert out.data == 8.0 and len(out.parents) == 2
    assert evaluate("x**-2", {"x": 2.0}).data == 0.25
    assert evaluate("pi*e", {}).data == math.pi * math.e


# ---- hostile input: refused, pointed at, never run ----

HOSTILE = [
    ("__import__('os')", 0, "unknown function '__import__'"),
    ("__import__('os').system('echo pwned')", 16, "attribute access (.system)"),
    ("x.__class__", 1, "attribute access (.__class__)"),
    ("x.__class__.__bases__[0].__subclasses__()", 24, "attribute access"),
    ("lambda: 1", 0, "lambdas"),
    ("(lambda q: q)(x)", 1, "lambdas"),
    ("[a for a in (1, 2)]", 0, "comprehensions"),
    ("{a: 1 for a in x}", 0, "comprehensions"),
    ("x[0]", 0, "subscripts"),
    ("'a string'", 0, "strings"),
    ("b'bytes'", 0, "bytes"),
    ("f'{x}'", 0, "f-strings"),
    ("9**9**9", 3, "exponent"),
    ("x ** 1000", 5, "exponent"),
    ("2 ** (50*3)", 6, "exponent"),
    ("x % 2", 2, "'%'"),
    ("x // 2", 2, "'//'"),
    ("x @ x", 2, "'@'"),
    ("x < 1", 0, "comparisons"),
    ("x and y", 0, "'and'/'or'"),
    ("not x", 0, "'not'"),
    ("~x", 0, "'~'"),
    ("x if y else z", 0, "'if'/'else'"),
    ("(y := 3)", 1, "assignment"),
    ("exp(x, y)", 0, "one argument"),
    ("exp(*x)", 4, "unpacking"),
    ("tanh(x=1)", 5, "keyword"),
    ("True", 0, "True/False"),
    ("None", 0, "None"),
    ("1j", 0, "complex"),
    ("1e999", 0, "not finite"),
    ("x + ", 4, "ends too soon"),
    ("x ++* y", None, "syntax"),
    ("ｘ + 1", 0, "U+FF58"),          # fullwidth x: Python would fold it into plain x
    ("\u0435xp(x)", 0, "U+0435"),       # Cyrillic e
    ("x\n+ 1", 1, "line break"),
    ("x\x00", 1, "U+0000"),
    ("tanh", 0, "is a function"),
    ("open(x)", 0, "unknown function 'open'"),
    ("exec(x)", 0, "unknown function"),
    ("globals()", 0, "unknown function"),
]


@pytest.mark.parametrize("text,column,words", HOSTILE)
def test_hostile_input_is_refused_with_a_pointed_error(text, column, words, monkeypatch, tmp_path):
    ran = []
    monkeypatch.setattr(builtins, "eval", lambda *a, **k: ran.append(a))
    monkeypatch.setattr(builtins, "exec", lambda *a, **k: ran.append(a))
    monkeypatch.setattr(builtins, "__import__", _guarded_import(ran))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ExpressionError) as info:
        evaluate(text, VALUES)
    monkeypatch.undo()
    assert not ran and not list(tmp_path.iterdir())
    err = info.value
    if words:
        assert words in err.message
    if column is not None:
        assert err.column == column
        caret_line = str(err).splitlines()[-1]
        assert caret_line.index("^") - 2 == column  # two spaces of indent, then the caret


_real_import = builtins.__import__


def _guarded_import(ran):
    def guarded(name, *args, **kwargs):
        if name in ("os", "subprocess", "sys", "shutil"):
            ran.append(name)
        return _real_import(name, *args, **kwargs)
    return guarded


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ExpressionError) as info:
        evaluate("x1*w1 + bias", {"x1": 1.0, "w1": 2.0, "b": 0.0})
    message = info.value.message
    assert "'bias'" in message and "b, w1, x1" in message and "tanh" in message
    assert info.value.column == 8


def test_limits_on_length_and_nesting_come_before_the_parser(monkeypatch):
    calls = []
    real_parse = ast.parse
    monkeypatch.setattr(parse_mod.ast, "parse", lambda *a, **k: calls.append(1) or real_parse(*a, **k))
    deep = "(" * 10_000 + "x" + ")" * 10_000
    with pytest.raises(ExpressionError, match="characters long"):
        parse(deep)
    with pytest.raises(ExpressionError, match="nested more than"):
        parse("(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1))
    with pytest.raises(ExpressionError, match="limit is"):
        parse("x+" * MAX_LENGTH + "x")
    assert calls == []  # none of these reached ast.parse
    assert evaluate("(" * 30 + "x" + ")" * 30, {"x": 1.5}).data == 1.5


def test_deep_trees_without_brackets_are_refused_without_recursion():
    for text in ["-" * 1999 + "x", "**".join(["x"] * 500), "tanh(" * 70 + "x" + ")" * 70,
                 "-" * (MAX_DEPTH + 1) + "x", "**".join(["x"] * (MAX_DEPTH + 2)), "+".join(["x"] * 2100)]:
        with pytest.raises(ExpressionError):
            evaluate(text, {"x": 0.5})
    assert evaluate("-" * 40 + "x", {"x": 0.5}).data == 0.5
    with pytest.raises(ExpressionError, match="more than 4,000 parts"):
        parse("+".join(["exp(x)"] * 1400))  # 1,399 + 1,400·2 tree nodes, shallow
    with pytest.raises(ExpressionError, match="more than 2,000 operators"):
        parse("x" + "+x" * 2001)


def test_depth_counts_nesting_not_length():
    """A chain a + b + c + … is one level however long; brackets, signs and calls nest."""
    x = Value(1.5, label="x")
    total = evaluate(" + ".join(["x"] * 1000), {"x": 1.5})
    total.backward()
    assert total.data == sum([1.5] * 1000) and total.parents  # a graph, not a folded number
    leaf = next(v for v in _leaves(total) if v.label == "x")
    assert leaf.grad == 1000.0  # one x, used 1000 times: its gradient accumulates
    assert evaluate("*".join(["x"] * 1000), {"x": 1.0}).data == 1.0
    assert evaluate(" + ".join(["x*w"] * 1000), {"x": 2.0, "w": 0.5}).data == 1000.0
    mixed = " - ".join(f"x*{k}/2" for k in range(1, 601))
    assert evaluate(mixed, {"x": 2.0}).data == pytest.approx(1 - sum(range(2, 601)))
    assert x.data == 1.5
    nested = "(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH
    assert evaluate(nested, {"x": 2.0}).data == 2.0
    with pytest.raises(ExpressionError, match=f"nested more than {MAX_DEPTH} levels"):
        evaluate("tanh(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH, {"x": 0.5})


def _leaves(root):
    seen, stack, out = set(), [root], []
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        stack.extend(v.parents)
        if not v.parents:
            out.append(v)
    return out


@pytest.mark.parametrize("text", ["tanh(x)(y)", "1(x)", "0(0)", "+100()", "exp(x)(x)(x)",
                                  "(1+2)(3)", "tanh(x)(x.__class__)", "(-x)(y)", "2.5e3(x)"])
def test_a_call_of_anything_but_a_function_name_is_refused(text):
    """Issue 15, finding 3: these used to end in KeyError/AttributeError/IndexError tracebacks."""
    with pytest.raises(ExpressionError) as info:
        evaluate(text, {"x": 1.0, "y": 2.0})
    assert "only a function's name can be called" in info.value.message
    assert info.value.column == text.index(text.lstrip("+")[0])  # the caret is under the callee


@pytest.mark.parametrize("typo,meant", [("tahn", "tanh"), ("sigmoud", "sigmoid"), ("exq", "exp"),
                                        ("lealy_relu", "leaky_relu"), ("sqr", "sqrt")])
def test_a_mistyped_function_gets_did_you_mean(typo, meant):
    with pytest.raises(ExpressionError) as info:
        parse(f"{typo}(x) + 1")
    assert f"did you mean `{meant}`?" in info.value.message and info.value.column == 0


def test_a_mistyped_variable_gets_did_you_mean_and_a_foreign_name_does_not():
    with pytest.raises(ExpressionError, match="did you mean `weight`") as info:
        parse("x * wieght", ["x", "weight"])
    assert info.value.column == 4
    with pytest.raises(ExpressionError) as info:
        parse("x * q", ["x", "weight"])
    assert "did you mean" not in info.value.message


def test_a_hand_made_expression_is_checked_again_before_anything_is_built():
    import_call = ast.parse("__import__('os')", mode="eval")
    for tree in [import_call, ast.Expression(body=ast.Call(func=ast.Constant(1), args=[], keywords=[]))]:
        with pytest.raises(ExpressionError):
            evaluate(parse_mod.Expression("x", tree, ()), {})
    loop = ast.BinOp(left=ast.Constant(1), op=ast.Add(), right=ast.Constant(2))
    loop.left = loop  # a cycle: refused by the node limit, not a hang
    with pytest.raises(ExpressionError, match="parts"):
        evaluate(parse_mod.Expression("1 + 2", ast.Expression(body=loop), ()), {})
    fine = ast.Expression(body=ast.BinOp(left=ast.Name("y"), op=ast.Mult(), right=ast.Constant(3)))
    assert evaluate(parse_mod.Expression("y * 3", fine, ()), {"y": 2.0}).data == 6.0


def test_math_errors_become_expression_errors_at_the_operation():
    with pytest.raises(ExpressionError, match="log") as info:
        evaluate("1 + log(x - 5)", {"x": 1.0})
    assert info.value.column == 4
    with pytest.raises(ExpressionError, match="division") as info:
        evaluate("x / (x - x)", {"x": 1.0})
    assert info.value.column == 2
    with pytest.raises(ExpressionError, match="no value given for y"):
        evaluate(parse("x + y"), {"x": 1.0})


def test_parse_assignments():
    assert parse_assignments("x1=2, x2=0,w1=-3,w2=1,b=6.88") == {"x1": 2.0, "x2": 0.0, "w1": -3.0,
                                                                 "w2": 1.0, "b": 6.88}
    for bad, words in [("x1", "name=number"), ("x=abc", "must be a number"), ("x=nan", "finite"),
                       ("tanh=1", "function name"), ("x=1,x=2", "twice"), ("1x=2", "name=number"),
                       ("x.y=2", "name=number")]:
        with pytest.raises(ExpressionError, match=words):
            parse_assignments(bad)


@pytest.mark.parametrize("number", ["-3", "+0.5", "5.", ".25", "1e-3", "-2.5E+2", "007"])
def test_at_numbers_read_as_python_reads_them(number):
    assert parse_assignments(f"x={number}") == {"x": float(number)}


@pytest.mark.parametrize("number", ["\uff11", "\u0663", "\u00b2", "1_000", "0x10", "1 2", "--1", "1e",
                                    "Infinity", "-inf", "1e999", "\u0661.5"])
def test_at_refuses_non_ascii_digits_and_other_spellings(number):
    """Issue 15, finding 7: float() reads "１" (fullwidth) and "٣" (Arabic-Indic) as digits; --at must not."""
    with pytest.raises(ExpressionError, match="the value of x must be"):
        parse_assignments(f"x={number}")


def test_the_module_never_calls_eval_exec_or_compile():
    source = Path(parse_mod.__file__).read_text()
    called = {n.func.id for n in ast.walk(ast.parse(source))
              if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert not called & {"eval", "exec", "compile", "__import__", "globals", "vars", "setattr"}


# ---- fuzzing: arbitrary text only ever raises ExpressionError, and quickly ----

TOKENS = ["x", "y", "1", "9", "2.5", "e", "pi", "(", ")", "[", "]", "{", "}", "+", "-", "*", "/", "**",
          ".", ",", ":", "'", '"', "lambda", "__import__", "__class__", "tanh", "exp", "log", "sqrt",
          " ", "=", "%", "if", "else", "for", "in", "@", "!", "\\", "#", "0x1f", "1e308", "1e-308", "_"]


def _check_only_expression_error(text):
    try:
        evaluate(text, VALUES)
    except ExpressionError as e:
        assert str(e)  # the message renders (caret line and all)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_fuzz_arbitrary_text(text):
    _check_only_expression_error(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=80))
def test_fuzz_token_soup(tokens):
    _check_only_expression_error("".join(tokens))


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 3000), st.sampled_from(["(", "-", "tanh(", "x**", "[", "+x"]))
def test_fuzz_repetition(n, piece):
    _check_only_expression_error(piece * n + "x")
