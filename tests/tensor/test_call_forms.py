"""Call forms real PyTorch programs use, checked against PyTorch: numpy's keyword names (``axis=``,
``keepdims=``), ``size=`` on the factories, ``out=``, ``Tensor.new_*``, the legacy typed constructors
(``FloatTensor``), indexing with a Python ``range`` and ``where`` with two Python numbers.

Each case is written once as ``f(T)`` and run with ``T = glassgrad`` and ``T = torch``: the results must
match in shape, dtype and numbers, or both calls must raise the same exception with the same message.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import glassgrad as gg

X = np.arange(12.0, dtype=np.float32).reshape(3, 4) * np.array([1, -1, 1, -1], np.float32)


def _numbers(result):
    """A result as comparable data: arrays for tensors, recursively for tuples."""
    if isinstance(result, (gg.Tensor, torch.Tensor)):
        return (tuple(result.shape), str(result.dtype).split(".")[-1], result.detach().numpy().copy())
    if isinstance(result, (tuple, list)):
        return type(result).__name__ in ("tuple", "list"), [_numbers(r) for r in result]
    return result


def _outcome(f, T):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return "ok", _numbers(f(T))
    except Exception as e:  # noqa: BLE001 - the error is the outcome being compared
        return type(e).__name__, str(e).split("\n")[0]


def same(f):
    """Run ``f(T)`` in both libraries and compare what comes out (or the error)."""
    ours, theirs = _outcome(f, gg), _outcome(f, torch)
    assert ours[0] == theirs[0], (ours, theirs)
    if ours[0] != "ok":
        assert ours[1] == theirs[1]
        return
    _assert_equal(ours[1], theirs[1])


def _assert_equal(a, b):
    if isinstance(a, tuple) and len(a) == 3 and isinstance(a[2], np.ndarray):
        assert a[:2] == b[:2], (a[:2], b[:2])
        np.testing.assert_allclose(a[2], b[2], rtol=1e-6, atol=1e-6)
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_equal(x, y)
    else:
        assert a == b


def x(T, **kw):
    return T.tensor(X, **kw)


def meta(t):
    """Shape and dtype only: for tensors PyTorch leaves uninitialised (glassgrad fills them with zeros)."""
    return tuple(t.shape), str(t.dtype).split(".")[-1]


# --- axis= and keepdims= ---------------------------------------------------------------------------------
ALIASED = {
    "sum": lambda T, **k: T.sum(x(T), **k), "mean": lambda T, **k: T.mean(x(T), **k),
    "prod": lambda T, **k: T.prod(x(T), **k), "amax": lambda T, **k: T.amax(x(T), **k),
    "amin": lambda T, **k: T.amin(x(T), **k), "argmax": lambda T, **k: T.argmax(x(T), **k),
    "argmin": lambda T, **k: T.argmin(x(T), **k), "std": lambda T, **k: T.std(x(T), **k),
    "var": lambda T, **k: T.var(x(T), **k), "all": lambda T, **k: T.all(x(T), **k),
    "any": lambda T, **k: T.any(x(T), **k), "logsumexp": lambda T, **k: T.logsumexp(x(T), **k),
    "max": lambda T, **k: T.max(x(T), **k), "min": lambda T, **k: T.min(x(T), **k),
    "median": lambda T, **k: T.median(x(T), **k),
    "method_sum": lambda T, **k: x(T).sum(**k), "method_argmax": lambda T, **k: x(T).argmax(**k),
    "method_max": lambda T, **k: x(T).max(**k), "method_mean": lambda T, **k: x(T).mean(**k),
}


@pytest.mark.parametrize("name", sorted(ALIASED))
@pytest.mark.parametrize("kw", [dict(axis=1), dict(axis=0, keepdims=True), dict(dim=1, keepdims=True),
                                dict(axis=-1, keepdim=True)])
def test_numpy_keyword_names(name, kw):
    same(lambda T: ALIASED[name](T, **kw))


@pytest.mark.parametrize("name", ["sum", "argmax", "mean", "max"])
@pytest.mark.parametrize("kw", [dict(dim=1, axis=1), dict(keepdim=True, keepdims=True, dim=1)])
def test_both_names_is_a_type_error(name, kw):
    """PyTorch's message depends on its overloads; glassgrad names the extra keyword, as torch.sum."""
    for T in (gg, torch):
        with pytest.raises(TypeError):
            ALIASED[name](T, **kw)
    with pytest.raises(TypeError, match="got an unexpected keyword argument '(axis|keepdims)'"):
        ALIASED[name](gg, **kw)


def test_axis_beside_a_positional_dim_is_torchs_error():
    same(lambda T: x(T).sum(1, axis=1))
    same(lambda T: T.sum(x(T), 1, keepdim=True, keepdims=True))


@pytest.mark.parametrize("f", [
    lambda T: T.cumsum(x(T), axis=1),
    lambda T: x(T).softmax(axis=1),
    lambda T: x(T).log_softmax(axis=0),
    lambda T: T.cat([x(T), x(T)], axis=1),
    lambda T: T.stack([x(T), x(T)], axis=1),
    lambda T: T.concat([x(T), x(T)], axis=0),
    lambda T: T.chunk(x(T), 2, axis=1),
    lambda T: x(T).unbind(axis=1),
    lambda T: T.var_mean(x(T), axis=1, keepdims=True),
    lambda T: T.std_mean(x(T), axis=0),
    lambda T: T.linalg.vector_norm(x(T), axis=1, keepdims=True),
    lambda T: T.linalg.norm(x(T), axis=1),
    lambda T: T.cat([x(T), x(T)], 0, axis=0),
])
def test_numpy_names_elsewhere(f):
    same(f)


def test_axis_reaches_autograd():
    a = gg.tensor(X, requires_grad=True)
    b = torch.tensor(X, requires_grad=True)
    a.logsumexp(axis=1, keepdims=True).sum().backward()
    b.logsumexp(axis=1, keepdims=True).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-6)


# --- size= -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("f", [
    lambda T: T.zeros(size=(2, 3)), lambda T: T.ones(size=[1, 2]), lambda T: meta(T.empty(size=(2,))),
    lambda T: T.randn(size=(2, 3)).shape, lambda T: T.rand(size=(2,)).shape,
    lambda T: T.randint(10, size=(1,)).shape, lambda T: T.normal(0, 1, size=(2,)).shape,
    lambda T: T.randn(size=(2, 3), requires_grad=True).requires_grad,
    lambda T: T.zeros(2, size=(2,)), lambda T: T.zeros(size=2),
    lambda T: T.normal(0, 0.01, (2, 1), requires_grad=True).requires_grad,
    lambda T: meta(T.normal(0.0, 1.0, size=(2,), dtype=T.float64)),
    lambda T: T.normal(T.zeros(2), T.ones(2)).shape,
])
def test_size_keyword_and_normal(f):
    same(f)


# --- out= ------------------------------------------------------------------------------------------------
OUT = [
    lambda T, o: T.matmul(T.ones(2, 2), T.ones(2, 2), out=o),
    lambda T, o: T.mm(T.ones(2, 3), T.ones(3, 2), out=o),
    lambda T, o: T.cat([T.ones(2, 2), T.zeros(1, 2)], out=o),
    lambda T, o: T.stack([T.ones(2), T.zeros(2)], out=o),
    lambda T, o: T.sum(x(T), 0, out=o),
    lambda T, o: T.mean(x(T), 1, out=o),
    lambda T, o: T.cumsum(x(T), 1, out=o),
    lambda T, o: T.softmax(x(T), 1, out=o),
    lambda T, o: T.argmax(x(T), 1, out=o),
    lambda T, o: T.zeros(2, 2, out=o),
    lambda T, o: T.ones(3, out=o),
    lambda T, o: T.arange(4, out=o),
    lambda T, o: T.where(T.tensor([True, False]), T.ones(2), T.zeros(2), out=o),
    lambda T, o: T.std(x(T), 1, out=o),
]


@pytest.mark.parametrize("i", range(len(OUT)))
@pytest.mark.parametrize("out", [(0, "float32"), (4, "float32"), (2, "float64"), (4, "int64")])
def test_out_writes_into_and_returns_the_tensor(i, out):
    def f(T):
        o = T.zeros(out[0], dtype=getattr(T, out[1]))
        r = OUT[i](T, o)
        assert r is o or not isinstance(r, (T.Tensor,)), "out= must return the out tensor"
        return o
    same(f)


def test_random_factories_write_into_out():
    for T in (gg, torch):
        o = T.zeros(4)
        assert T.rand(2, 2, out=o) is o and o.shape == (2, 2) and (o > 0).all()
        o = T.zeros(3, dtype=T.float64)
        assert T.randn(3, out=o) is o and o.dtype == T.float64 and (o != 0).all()
        o = T.zeros(3, dtype=T.int64)
        assert T.randint(1, 5, (2,), out=o) is o and o.shape == (2,) and (o >= 1).all()


def test_out_resize_warns_as_torch():
    for T in (gg, torch):
        with pytest.warns(UserWarning, match="An output with one or more elements was resized since it "
                                             r"had shape \[3\], which does not match the required output "
                                             r"shape \[2, 2\]"):
            T.matmul(T.ones(2, 2), T.ones(2, 2), out=T.zeros(3))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            T.matmul(T.ones(2, 2), T.ones(2, 2), out=T.zeros(0))  # an empty out is resized silently


def test_out_writes_through_a_view():
    for T in (gg, torch):
        base = T.zeros(4)
        T.cumsum(T.ones(2), 0, out=base[:2])  # same shape: written into the view's memory
        assert base.tolist() == [1.0, 2.0, 0.0, 0.0]


@pytest.mark.parametrize("f", [
    lambda T: T.matmul(T.ones(2, 2), T.ones(2, 2), out=T.zeros(2, 2, requires_grad=True)),
    lambda T: T.sum(T.ones(2, 2, requires_grad=True), 0, out=T.zeros(2)),
    lambda T: T.cat([T.ones(2, requires_grad=True)], out=T.zeros(2)),
    lambda T: T.zeros(2, out=T.zeros(2, requires_grad=True)),
    lambda T: T.rand(2, out=T.zeros(2, requires_grad=True)),
    lambda T: T.zeros(2, out=T.zeros(2), dtype=T.float64),
    lambda T: T.matmul(T.ones(2, 2), T.ones(2, 2), out=[1]),
])
def test_out_refusals_are_torchs(f):
    same(f)


def test_out_under_no_grad_is_allowed():
    for T in (gg, torch):
        o = T.zeros(2, 2, requires_grad=True)
        with T.no_grad():
            r = T.matmul(T.ones(2, 2), T.ones(2, 2), out=o)
        assert r is o and o.tolist() == [[2.0, 2.0], [2.0, 2.0]] and o.requires_grad


def test_max_with_dim_writes_both_outs():
    def f(T):
        values, indices = T.zeros(3), T.zeros(3, dtype=T.int64)
        r = T.max(x(T), 1, out=(values, indices))
        assert r[0] is values and r[1] is indices
        return values, indices
    same(f)


# --- Tensor.new_* ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("f", [
    lambda w: w.new_zeros(2, 3), lambda w: w.new_ones((1,)), lambda w: meta(w.new_empty(2)),
    lambda w: w.new_full((2,), 1.5), lambda w: w.new_tensor([1, 2]), lambda w: w.new_zeros(size=(2,)),
    lambda w: w.new_ones(2, dtype=torch.int64 if isinstance(w, torch.Tensor) else gg.int64),
    lambda w: w.new_ones([]),
])
@pytest.mark.parametrize("dtype", ["float64", "int64"])
def test_new_methods(f, dtype):
    same(lambda T: f(T.ones(2, dtype=getattr(T, dtype))))


def test_new_methods_take_requires_grad():
    same(lambda T: T.ones(2).new_ones(2, requires_grad=True).requires_grad)
    same(lambda T: T.ones(2).new_zeros((2,), requires_grad=True).requires_grad)


# --- legacy constructors ---------------------------------------------------------------------------------
@pytest.mark.parametrize("f", [
    lambda T: meta(T.FloatTensor(2, 3)), lambda T: T.FloatTensor([1, 2]), lambda T: T.LongTensor([1.5, 2]),
    lambda T: meta(T.LongTensor(2)), lambda T: T.DoubleTensor([1]), lambda T: T.IntTensor([1]),
    lambda T: T.BoolTensor([1, 0]), lambda T: T.ByteTensor([1, 0]), lambda T: T.HalfTensor([1.5]),
    lambda T: T.ShortTensor([1]), lambda T: T.CharTensor([-1]), lambda T: T.FloatTensor(),
    lambda T: meta(T.FloatTensor(T.Size([2, 1]))), lambda T: T.FloatTensor((2, 3)),
    lambda T: T.FloatTensor(np.zeros(2)), lambda T: T.LongTensor(T.tensor([1, 2])),
    lambda T: isinstance(T.zeros(2), T.FloatTensor), lambda T: isinstance(T.zeros(2), T.LongTensor),
    lambda T: isinstance(T.zeros(2, dtype=T.int64), T.LongTensor),
    lambda T: T.FloatTensor(3.0),
    lambda T: meta(T.Tensor(2, 3)), lambda T: T.Tensor([1, 2]), lambda T: T.Tensor(), lambda T: T.Tensor((2, 3)),
    lambda T: meta(T.Tensor(T.Size([2, 3]))), lambda T: T.Tensor(T.tensor([1, 2])), lambda T: T.Tensor(3.0),
    lambda T: T.Tensor(np.arange(3)),
])
def test_legacy_constructors(f):
    same(f)


def test_legacy_constructor_refuses_another_dtype():
    for T in (gg, torch):
        with pytest.raises(TypeError):
            T.FloatTensor(T.tensor([1, 2]))


# --- indexing with range and lists ------------------------------------------------------------------------
@pytest.mark.parametrize("key", [
    lambda T: (range(2), T.tensor([0, 2])), lambda T: range(3), lambda T: range(0),
    lambda T: range(0, 3, 2), lambda T: (slice(None), range(2)), lambda T: [0, 2],
    lambda T: ([0, 2], [1, 3]), lambda T: (range(3), [1, 1, 0]), lambda T: [True, False, True],
])
def test_range_and_list_indexing(key):
    same(lambda T: x(T)[key(T)])

    def assign(T):
        y = x(T)
        y[key(T)] = -1
        return y
    same(assign)


def test_range_index_backward():
    a = gg.tensor(X, requires_grad=True)
    b = torch.tensor(X, requires_grad=True)
    a[range(3), [0, 1, 3]].sum().backward()
    b[range(3), [0, 1, 3]].sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


# --- where with two Python numbers ------------------------------------------------------------------------
@pytest.mark.parametrize("pair", [(1, 0), (1.0, 0), (True, False), (1, 2.5), (True, 0)])
def test_where_with_two_numbers(pair):
    same(lambda T: T.where(T.tensor([0.2, 0.7]) > 0.5, *pair))
