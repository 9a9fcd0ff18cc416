"""explain/parse.py under random syntax trees: whatever Python can write, ``parse`` and ``evaluate``
either build a graph from whitelisted nodes only or raise ``ExpressionError`` — never anything else.

Hypothesis draws trees from every node kind the parser meets (calls of anything, attributes,
subscripts, lambdas, comprehensions, constants of every type ...), ``ast.unparse`` writes them as text,
and the text goes through ``parse`` and ``evaluate``; the same trees, handed over as a hand-made
``Expression``, go straight to ``evaluate``, which must check every node before it builds one. Bounded:
a fixed number of examples, each a small tree.
"""

import ast

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glassgrad.explain.parse import FUNCTIONS, Expression, ExpressionError, evaluate, parse

VALUES = {"x": 0.5, "y": -2.0, "w": 3.0}
NAMES = ["x", "y", "w", "pi", "e", "tanh", "exp", "log", "relu", "sqrt", "open", "__import__", "q"]
ALLOWED_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Call, ast.Name, ast.Constant, ast.Load,
                 ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd)

constants = st.one_of(
    st.integers(-10**30, 10**30), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.none(), st.text(max_size=5), st.binary(max_size=3), st.complex_numbers(max_magnitude=10),
    st.just(...))
leaves = st.one_of(
    st.builds(ast.Name, id=st.sampled_from(NAMES), ctx=st.just(ast.Load())),
    st.builds(ast.Constant, value=constants))
binary_ops = st.sampled_from([ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.Mod, ast.FloorDiv,
                              ast.MatMult, ast.BitAnd, ast.BitOr, ast.BitXor, ast.LShift, ast.RShift])
unary_ops = st.sampled_from([ast.USub, ast.UAdd, ast.Not, ast.Invert])


def _branches(children):
    names = st.sampled_from(NAMES)
    return st.one_of(
        st.builds(lambda a, op, b: ast.BinOp(a, op(), b), children, binary_ops, children),
        st.builds(lambda op, a: ast.UnaryOp(op(), a), unary_ops, children),
        # calls whose callee is anything at all: the hole of issue 15, finding 3
        st.builds(lambda f, args: ast.Call(f, args, []), children, st.lists(children, max_size=3)),
        st.builds(lambda f, args: ast.Call(ast.Name(f, ast.Load()), args, []), names,
                  st.lists(children, max_size=3)),
        st.builds(lambda f, a, k, v: ast.Call(ast.Name(f, ast.Load()), [a], [ast.keyword(k, v)]),
                  names, children, st.sampled_from(["x", "slope"]), children),
        st.builds(lambda f, a: ast.Call(ast.Name(f, ast.Load()), [ast.Starred(a, ast.Load())], []),
                  names, children),
        st.builds(lambda a, attr: ast.Attribute(a, attr, ast.Load()), children,
                  st.sampled_from(["__class__", "real", "system", "data"])),
        st.builds(lambda a, i: ast.Subscript(a, i, ast.Load()), children, children),
        st.builds(lambda body: ast.Lambda(_no_args(), body), children),
        st.builds(lambda a, b: ast.Compare(a, [ast.Lt()], [b]), children, children),
        st.builds(lambda a, b: ast.BoolOp(ast.And(), [a, b]), children, children),
        st.builds(ast.IfExp, children, children, children),
        st.builds(lambda xs: ast.Tuple(xs, ast.Load()), st.lists(children, min_size=2, max_size=3)),
        st.builds(lambda xs: ast.List(xs, ast.Load()), st.lists(children, max_size=3)),
        st.builds(lambda a: ast.NamedExpr(ast.Name("z", ast.Store()), a), children),
        st.builds(lambda a, it: ast.ListComp(a, [ast.comprehension(ast.Name("z", ast.Store()), it, [], 0)]),
                  children, children),
    )


def _no_args():
    return ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                         defaults=[])


trees = st.recursive(leaves, _branches, max_leaves=12)


def _only_expression_error(run):
    try:
        return run()
    except ExpressionError as e:
        assert str(e)  # the message renders, caret line and all
        return None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees)
def test_random_trees_as_text_raise_only_expression_error(tree):
    try:
        text = ast.unparse(ast.fix_missing_locations(ast.Expression(tree)))
    except Exception:  # a combination Python itself cannot write: nothing to test
        return
    expr = _only_expression_error(lambda: parse(text, VALUES.keys()))
    if expr is None:
        return
    # accepted: every node is on the whitelist, every call is one argument to a known function
    for node in ast.walk(expr.tree):
        assert isinstance(node, ALLOWED_NODES), (text, type(node).__name__)
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS and len(node.args) == 1
    out = _only_expression_error(lambda: evaluate(expr, VALUES))
    assert out is None or isinstance(out.data, float)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees, st.booleans())
def test_random_hand_made_trees_are_checked_before_anything_is_built(tree, with_positions):
    """``evaluate`` of an ``Expression`` built by hand (positions or none) walks the whole tree first."""
    body = ast.Expression(tree)
    if with_positions:
        ast.fix_missing_locations(body)
    out = _only_expression_error(lambda: evaluate(Expression("x", body, ()), VALUES))
    if out is not None:
        assert all(isinstance(n, ALLOWED_NODES) for n in ast.walk(body))
        assert isinstance(out.data, float)


# Text in the shapes the first fuzz found (a call of a call, a call of a number, signs before a call),
# mixed with the pieces around them.
PIECES = ["tanh", "exp", "x", "y", "1", "0", "100", "2.5", "(", ")", "()", "(x)", "(0)", "+", "-", "*",
          "**", "/", ",", ".", "e", "pi", " ", "[0]", "lambda:", "__class__", "=", "%"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_fuzz_calls_and_signs_soup(pieces):
    text = "".join(pieces)
    out = _only_expression_error(lambda: evaluate(text, VALUES))
    assert out is None or isinstance(out.data, float)
