"""Shape ops (glassgrad/ops/shape.py) against PyTorch: forward values and shapes, backward gradients
(float64, tight), views sharing memory and version counters, and every bad-input error."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import glassgrad
from glassgrad.ops import shape as S

SETTINGS = settings(max_examples=30, deadline=None)
SHAPES = hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4)
TOL = dict(rtol=1e-12, atol=1e-12)


def compare(fn, *arrays, seed: int = 0):
    """Run ``fn(module, *tensors)`` with glassgrad and with torch on the same float64 arrays; compare
    the outputs, then backpropagate the same random upstream gradient(s) and compare the gradients."""
    gx = [glassgrad.tensor(a, dtype=glassgrad.float64, requires_grad=True) for a in arrays]
    tx = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    gout, tout = fn(glassgrad, *gx), fn(torch, *tx)
    single = isinstance(tout, torch.Tensor)
    gouts, touts = ([gout], [tout]) if single else (list(gout), list(tout))
    assert len(gouts) == len(touts)
    rng = np.random.default_rng(seed)
    gloss, tloss = 0, 0
    for go, to in zip(gouts, touts):
        assert tuple(go.shape) == tuple(to.shape)
        np.testing.assert_allclose(go.detach().numpy(), to.detach().numpy(), **TOL)
        w = rng.standard_normal(tuple(to.shape))
        gloss = gloss + (go * glassgrad.tensor(w)).sum()
        tloss = tloss + (to * torch.tensor(w)).sum()
    gloss.backward()
    tloss.backward()
    for g, t in zip(gx, tx):
        if t.grad is None or g.grad is None:  # no gradient: fine only if the other is all zero
            assert not (t.grad is not None and t.grad.numpy().any())
            assert not (g.grad is not None and g.grad.numpy().any())
        else:
            np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), **TOL)
    return gout


def arr(shape, seed=1):
    return np.random.default_rng(seed).standard_normal(shape)


def a_dim(data, ndim):
    return data.draw(st.integers(-ndim, ndim - 1))


# --- forward and backward against PyTorch, hypothesis-drawn shapes and arguments ---------------------
@SETTINGS
@given(SHAPES, st.data())
def test_reshape_view_flatten_unflatten(shape, data):
    x = arr(shape)
    compare(lambda M, t: t.reshape(-1, shape[-1]), x)
    compare(lambda M, t: M.reshape(t, tuple(reversed(shape))), x)
    compare(lambda M, t: t.view(*reversed(shape)), x)
    start = a_dim(data, len(shape))
    end = data.draw(st.integers(start % len(shape), len(shape) - 1))
    compare(lambda M, t: M.flatten(t, start, end), x)
    compare(lambda M, t: t.flatten(), x)
    d = a_dim(data, len(shape))
    compare(lambda M, t: t.unflatten(d, (1, shape[d], 1)), x)
    compare(lambda M, t: M.unflatten(t, d, (-1, 1)), x)


@SETTINGS
@given(hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=2), st.data())
def test_squeeze_unsqueeze(shape, data):
    x = arr(shape)
    nd = max(len(shape), 1)
    compare(lambda M, t: t.squeeze(), x)
    d = data.draw(st.integers(-nd, nd - 1))
    compare(lambda M, t: M.squeeze(t, d), x)  # a no-op when that dim isn't 1
    dims = tuple(data.draw(st.sets(st.integers(0, nd - 1))))
    compare(lambda M, t: t.squeeze(dims), x)
    u = data.draw(st.integers(-len(shape) - 1, len(shape)))
    compare(lambda M, t: M.unsqueeze(t, u), x)


@SETTINGS
@given(SHAPES, st.data())
def test_permute_transpose_movedim(shape, data):
    x = arr(shape)
    n = len(shape)
    perm = data.draw(st.permutations(range(n)))
    compare(lambda M, t: t.permute(*perm), x)
    compare(lambda M, t: M.permute(t, perm), x)
    a, b = a_dim(data, n), a_dim(data, n)
    compare(lambda M, t: M.transpose(t, a, b), x)
    compare(lambda M, t: t.swapaxes(a, b), x)
    compare(lambda M, t: M.swapdims(t, a, b), x)
    src = data.draw(st.lists(st.integers(0, n - 1), unique=True, max_size=n))
    dst = data.draw(st.permutations(range(n)))[:len(src)]
    compare(lambda M, t: M.movedim(t, src, dst), x)
    compare(lambda M, t: t.moveaxis(a, b), x)
    if n >= 2:
        compare(lambda M, t: t.mT, x)
    if n <= 2:
        compare(lambda M, t: t.t(), x)
        compare(lambda M, t: t.T, x)


@SETTINGS
@given(SHAPES, st.data())
def test_expand_repeat_tile(shape, data):
    small = tuple(data.draw(st.sampled_from([1, s])) for s in shape)
    x = arr(small)
    lead = data.draw(st.lists(st.integers(1, 3), max_size=2))
    target = tuple(lead) + shape
    compare(lambda M, t: t.expand(*target), x)
    compare(lambda M, t: t.expand(*lead, *[-1] * len(small)), x)
    compare(lambda M, t: M.broadcast_to(t, target), x)
    compare(lambda M, t, o: t.expand_as(o) * o, x, arr(target))
    reps = tuple(data.draw(st.lists(st.integers(1, 3), min_size=len(shape), max_size=len(shape) + 2)))
    compare(lambda M, t: t.repeat(*reps), x)
    compare(lambda M, t: M.tile(t, reps[:1]), x)


@SETTINGS
@given(SHAPES, st.data())
def test_cat_stack(shape, data):
    n = len(shape)
    d = a_dim(data, n)
    sizes = data.draw(st.lists(st.integers(0, 3), min_size=1, max_size=4))
    parts = [arr(shape[:d % n] + (k,) + shape[d % n + 1:], seed=i) for i, k in enumerate(sizes)]
    compare(lambda M, *ts: M.cat(ts, dim=d), *parts)
    compare(lambda M, *ts: M.concat(list(ts), d), *parts)
    compare(lambda M, *ts: M.concatenate(ts, d), *parts)
    same = [arr(shape, seed=i) for i in range(len(sizes))]
    s = data.draw(st.integers(-n - 1, n))
    compare(lambda M, *ts: M.stack(ts, s), *same)
    compare(lambda M, *ts: M.hstack(ts), *same)
    compare(lambda M, *ts: M.vstack(ts), *same)
    compare(lambda M, *ts: M.dstack(ts), *same)


@SETTINGS
@given(SHAPES, st.data())
def test_split_chunk_unbind_narrow_select(shape, data):
    x = arr(shape)
    n = len(shape)
    d = a_dim(data, n)
    size = shape[d]
    k = data.draw(st.integers(1, size + 1))
    compare(lambda M, t: t.split(k, d), x)
    cuts = data.draw(st.lists(st.integers(0, size), min_size=1, max_size=3))
    sections = [c for c in np.diff(sorted([0, size] + cuts)).tolist()]
    compare(lambda M, t: M.split(t, sections, dim=d), x)
    c = data.draw(st.integers(1, 5))
    compare(lambda M, t: t.chunk(c, d), x)
    compare(lambda M, t: M.tensor_split(t, c, d), x)
    compare(lambda M, t: M.tensor_split(t, sorted(cuts), dim=d), x)
    compare(lambda M, t: t.unbind(d), x)
    start = data.draw(st.integers(-size, size))
    length = data.draw(st.integers(0, size - start % (size + 1) if start >= 0 else -start))
    compare(lambda M, t: t.narrow(d, start, length), x)
    i = data.draw(st.integers(-size, size - 1))
    compare(lambda M, t: M.select(t, d, i), x)


@SETTINGS
@given(SHAPES, st.data())
def test_flip_roll(shape, data):
    x = arr(shape)
    n = len(shape)
    dims = tuple(data.draw(st.sets(st.integers(0, n - 1), min_size=1)))
    compare(lambda M, t: M.flip(t, dims), x)
    compare(lambda M, t: t.flip(*dims), x)
    shifts = tuple(data.draw(st.integers(-5, 5)) for _ in dims)
    compare(lambda M, t: M.roll(t, shifts, dims), x)
    compare(lambda M, t: t.roll(shifts[0]), x)
    if n >= 2:
        compare(lambda M, t: M.fliplr(t), x)
    compare(lambda M, t: M.flipud(t), x)


@SETTINGS
@given(hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=4), st.data())
def test_tril_triu_diagonal(shape, data):
    x = arr(shape)
    k = data.draw(st.integers(-4, 4))
    compare(lambda M, t: M.tril(t, k), x)
    compare(lambda M, t: t.triu(diagonal=k), x)
    n = len(shape)
    d1 = a_dim(data, n)
    d2 = data.draw(st.integers(-n, n - 1).filter(lambda v: v % n != d1 % n))
    compare(lambda M, t: M.diagonal(t, k, d1, d2), x)
    compare(lambda M, t: M.diag(t[(0,) * (n - 2)], k), x)  # 2-d input: the diagonal, copied
    compare(lambda M, t: M.diag(t.flatten(), k), x)      # 1-d input: the matrix


def test_atleast_and_column_stack():
    for shape in [(), (3,), (2, 3), (2, 3, 4)]:
        compare(lambda M, t: M.atleast_1d(t), arr(shape))
        compare(lambda M, t: M.atleast_2d(t), arr(shape))
        compare(lambda M, t: M.atleast_3d(t), arr(shape))
    compare(lambda M, a, b: M.column_stack([a, b]), arr((3,)), arr((3, 2)))


def test_cat_skips_legacy_empty_and_promotes_dtype():
    compare(lambda M, a, e: M.cat([a, e]), arr((2, 3)), np.zeros(0))
    a, b = glassgrad.ones(2, 2), glassgrad.ones(2, 2, dtype=glassgrad.int64)
    assert glassgrad.cat([a, b]).dtype == torch_name(torch.cat([torch.ones(2, 2),
                                                                torch.ones(2, 2, dtype=torch.int64)]))
    assert glassgrad.stack([a, a.double()]).dtype == glassgrad.float64


def torch_name(t):
    return getattr(glassgrad, str(t.dtype).split(".")[1])


def test_double_backward_through_cat_and_repeat():
    xs = arr((2, 3))
    for M in (glassgrad, torch):
        x = M.tensor(xs, dtype=M.float64, requires_grad=True)
        y = (M.cat([x ** 3, x.repeat(2, 1) ** 2], dim=0).roll(1, 0).flip(1).tril() ** 2).sum()
        (g,) = M.autograd.grad(y, x, create_graph=True)
        (h,) = M.autograd.grad((g * g).sum(), x)
        if M is glassgrad:
            ours = (g.detach().numpy(), h.numpy())
        else:
            np.testing.assert_allclose(ours[0], g.detach().numpy(), rtol=1e-10)
            np.testing.assert_allclose(ours[1], h.numpy(), rtol=1e-10)


# --- views --------------------------------------------------------------------------------------------
VIEWS = {
    "reshape": lambda t: t.reshape(6), "view": lambda t: t.view(3, 2), "transpose": lambda t: t.t(),
    "permute": lambda t: t.permute(1, 0), "squeeze": lambda t: t.unsqueeze(0).squeeze(0),
    "expand": lambda t: t[:, :1].expand(2, 3), "narrow": lambda t: t.narrow(1, 1, 2),
    "select": lambda t: t.select(0, 1), "split": lambda t: t.split(1)[1],
    "chunk": lambda t: t.chunk(3, 1)[2], "unbind": lambda t: t.unbind(1)[0],
    "diagonal": lambda t: t.diagonal(), "flatten": lambda t: t.flatten(), "T": lambda t: t.T,
}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_views_share_memory_and_version_counter(name):
    base = glassgrad.arange(6.).reshape(2, 3)
    v = VIEWS[name](base)
    assert np.shares_memory(v.numpy(), base.numpy())
    before = v._version
    base.add_(1)
    assert v._version == before + 1
    if name != "expand":  # an expanded tensor is read-only (it repeats one element)
        v.mul_(0)
        assert base._version == before + 2
        assert np.all(VIEWS[name](base).numpy() == 0)


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_backward_through_view_refuses_after_base_changed(name):
    x = glassgrad.arange(6.).reshape(2, 3).requires_grad_()
    base = x * 1
    v = VIEWS[name](base)
    y = (v * v).sum()  # saves v
    with glassgrad.no_grad():
        base.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_view_refuses_non_contiguous_reshape_copies():
    x = glassgrad.arange(6.).reshape(2, 3).t()
    with pytest.raises(RuntimeError, match=r"view size is not compatible.*Use \.reshape"):
        x.view(-1)
    assert x.reshape(-1).tolist() == [0, 3, 1, 4, 2, 5]
    assert x.contiguous().reshape(6).shape == (6,)


def test_flip_and_repeat_copy():
    x = glassgrad.arange(3.)
    f, r = x.flip(0), x.repeat(2)
    f.zero_()
    r.zero_()
    assert x.tolist() == [0, 1, 2]


def test_functions_and_methods_are_one():
    for name in ["reshape", "flatten", "unflatten", "squeeze", "unsqueeze", "permute", "transpose",
                 "expand", "repeat", "tile", "split", "chunk", "unbind", "flip", "roll", "narrow",
                 "movedim", "tril", "triu", "diagonal", "select"]:
        assert getattr(glassgrad.Tensor, name) is getattr(glassgrad, name), name
    for name in ["cat", "concat", "concatenate", "stack", "hstack", "vstack", "broadcast_to"]:
        assert callable(getattr(glassgrad, name)), name


def test_numpy_functions_on_tensors_record_the_graph():
    x = glassgrad.tensor(arr((2, 3)), requires_grad=True)
    y = np.concatenate([np.flip(x, 0), np.roll(x, 1, 1)], axis=1)
    assert isinstance(y, glassgrad.Tensor) and y.grad_fn is not None
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.ones((2, 3)))


# --- errors: each names the problem (PyTorch's type and text where it has one) ----------------------
X = glassgrad.zeros(2, 3)
ERRORS = [
    (lambda: X.reshape(4, -1), RuntimeError, r"shape '\[4, -1\]' is invalid for input of size 6"),
    (lambda: X.view(-1, -1), RuntimeError, "only one dimension can be inferred"),
    (lambda: X.reshape(-2, 3), RuntimeError, "invalid shape dimension -2"),
    (lambda: X.reshape(2.0, 3), TypeError, "shape must be a sequence of ints"),
    (lambda: glassgrad.zeros(0).reshape(0, -1), RuntimeError, "ambiguous"),
    (lambda: X.flatten(1, 0), RuntimeError, "start_dim cannot come after end_dim"),
    (lambda: X.unflatten(1, (2, 2)), RuntimeError, r"sizes \[2, 2\] don't multiply up to the size of dim 1 \(3\)"),
    (lambda: X.unflatten(1, ()), RuntimeError, "sizes must be non-empty"),
    (lambda: X.squeeze(3), IndexError, r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 3\)"),
    (lambda: X.unsqueeze(3), IndexError, r"range of \[-3, 2\], but got 3"),
    (lambda: X.permute(0), RuntimeError, "input.dim\\(\\) = 2 is not equal to len\\(dims\\) = 1"),
    (lambda: X.permute(0, 0), RuntimeError, "duplicate dims"),
    (lambda: X.transpose(0, 2), IndexError, "Dimension out of range"),
    (lambda: glassgrad.zeros(2, 2, 2).t(), RuntimeError, "t\\(\\) expects a tensor with <= 2 dimensions"),
    (lambda: glassgrad.zeros(3).mT, RuntimeError, "mT is only supported on matrices"),
    (lambda: X.expand(3), RuntimeError, r"number of sizes provided \(1\) must be greater or equal"),
    (lambda: X.expand(2, 4), RuntimeError, r"expanded size of the tensor \(4\) must match the existing size \(3\)"),
    (lambda: X.repeat(2), RuntimeError, "repeat dims can not be smaller"),
    (lambda: X.repeat(2, -1), RuntimeError, "negative dimension"),
    (lambda: glassgrad.cat([X, glassgrad.zeros(3, 3)], dim=1), RuntimeError,
     r"Sizes of tensors must match except in dimension 1. Expected size 2 but got size 3 for tensor "
     r"number 1 in the list."),
    (lambda: glassgrad.cat([X, glassgrad.zeros(2)]), RuntimeError, "same number of dimensions: got 2 and 1"),
    (lambda: glassgrad.cat([]), ValueError, "expected a non-empty list of Tensors"),
    (lambda: glassgrad.cat(X), TypeError, "must be tuple of Tensors, not Tensor"),
    (lambda: glassgrad.cat([X, 1.0]), TypeError, "element 1 is float"),
    (lambda: glassgrad.cat([X], dim=2), IndexError, "Dimension out of range"),
    (lambda: glassgrad.cat([glassgrad.tensor(1.), glassgrad.tensor(2.)]), RuntimeError, "zero-dimensional tensor"),
    (lambda: glassgrad.stack([X, glassgrad.zeros(2, 4)]), RuntimeError,
     r"stack expects each tensor to be equal size, but got \[2, 3\] at entry 0 and \[2, 4\] at entry 1"),
    (lambda: glassgrad.stack([]), RuntimeError, "non-empty TensorList"),
    (lambda: glassgrad.stack([X], dim=3), IndexError, r"range of \[-3, 2\], but got 3"),
    (lambda: X.narrow(1, 4, 1), IndexError, r"start out of range \(expected to be in range of \[-3, 3\], but got 4\)"),
    (lambda: X.narrow(1, 1, 5), RuntimeError, r"start \(1\) \+ length \(5\) exceeds dimension size \(3\)"),
    (lambda: X.narrow(1, 0, -1), RuntimeError, "length must be non-negative"),
    (lambda: X.select(0, 5), IndexError, r"index 5 out of range for tensor of size \[2, 3\] at dimension 0"),
    (lambda: X.split(0), RuntimeError, "split_size can only be 0 if dimension size is 0"),
    (lambda: X.split([1, 2]), RuntimeError, r"split_sizes to sum exactly to 2.*split_sizes=\[1, 2\]"),
    (lambda: X.chunk(0), RuntimeError, "chunk expects `chunks` to be greater than 0, got: 0"),
    (lambda: X.unbind(2), IndexError, "Dimension out of range"),
    (lambda: X.flip(0, 0), RuntimeError, "appears multiple times"),
    (lambda: X.flip(2), IndexError, "Dimension out of range"),
    (lambda: X.roll(1, (0, 1)), RuntimeError, "shifts and dimensions must align. shifts: 1, dims:2"),
    (lambda: X.movedim((0, 1), (1, 1)), RuntimeError, r"repeated dim in `destination` \(\[1, 1\]\)"),
    (lambda: X.movedim((0, 1), 0), RuntimeError, "same number of dims as destination"),
    (lambda: glassgrad.tril(glassgrad.ones(3)), RuntimeError, "tril: input tensor must have at least 2 dimensions"),
    (lambda: glassgrad.triu(glassgrad.ones(3)), RuntimeError, "triu: input tensor must have at least 2"),
    (lambda: X.diagonal(0, 0, 0), RuntimeError, "diagonal dimensions cannot be identical 0, 0"),
    (lambda: glassgrad.diag(glassgrad.ones(2, 2, 2)), RuntimeError, r"Supports 1D or 2D tensors. Got 3D"),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_bad_input_errors(i):
    fn, kind, message = ERRORS[i]
    with pytest.raises(kind, match=message):
        fn()
