"""Reductions, cumsum and softmax against PyTorch: forward, backward, second derivatives, errors.

Hypothesis draws a shape, the ``dim``/``keepdim`` arguments and a seed for the values (continuous random
numbers, so there are no accidental ties; ties get tests of their own). Every differentiable op is also
checked against central differences in float64.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import glassgrad as gg

TOL = {np.float32: dict(rtol=1e-5, atol=1e-6), np.float64: dict(rtol=1e-10, atol=1e-12)}
FAST = settings(max_examples=30, deadline=None)


# --- the same numbers in glassgrad and PyTorch, compared ----------------------------------------------
def both(array: np.ndarray, requires_grad: bool = True):
    """The same numbers as a glassgrad tensor and a torch tensor."""
    rg = requires_grad and array.dtype.kind == "f"
    return gg.tensor(array, requires_grad=rg), torch.tensor(array, requires_grad=rg)


def assert_close(ours, theirs, dtype=np.float64, **kw):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    ours = ours.detach().numpy() if isinstance(ours, gg.Tensor) else np.asarray(ours)
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    assert ours.dtype == theirs.dtype, (ours.dtype, theirs.dtype)
    np.testing.assert_allclose(ours, theirs, **(kw or TOL[dtype]), equal_nan=True)


def compare(ours_fn, torch_fn, arrays, *, grad: bool = True, seed: int = 0):
    """Forward and the gradient of Σ out·w (w random) w.r.t. every input, glassgrad vs PyTorch."""
    pairs = [both(a, grad) for a in arrays]
    out = ours_fn(*[p[0] for p in pairs])
    ref = torch_fn(*[p[1] for p in pairs])
    dtype = arrays[0].dtype.type if arrays[0].dtype.kind == "f" else np.float64
    assert_close(out, ref, dtype)
    if grad and ref.requires_grad:
        w = np.random.default_rng(seed).standard_normal(ref.shape).astype(ref.detach().numpy().dtype)
        (out * gg.tensor(w)).sum().backward()
        (ref * torch.tensor(w)).sum().backward()
        for (ours, theirs) in pairs:
            if theirs.grad is None:  # PyTorch sends no gradient (norm p=0): ours must be zero
                assert ours.grad is None or not ours.grad.numpy().any()
            else:
                assert_close(ours.grad, theirs.grad, dtype)
    return out, ref


def numerical_grad(fn, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar fn at x (float64)."""
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        up = fn(x)
        flat[i] = old - h
        down = fn(x)
        flat[i] = old
        gflat[i] = (up - down) / (2 * h)
    return grad


def gradcheck(op, x: np.ndarray, seed: int = 1, atol: float = 1e-6):
    """op's backward (of Σ op(x)·w) against central differences, float64."""
    x = x.astype(np.float64)
    out = op(gg.tensor(x))
    w = np.random.default_rng(seed).standard_normal(out.shape)
    t = gg.tensor(x.copy(), requires_grad=True)
    (op(t) * gg.tensor(w)).sum().backward()
    expected = numerical_grad(lambda v: float((op(gg.tensor(v))._array * w).sum()), x.copy())
    np.testing.assert_allclose(t.grad.numpy(), expected, rtol=1e-5, atol=atol)


@st.composite
def reduction_case(draw, min_dims: int = 0, nonempty: bool = True):
    """(values, dim, keepdim): a random shape, a dim spec that fits it (None, int or tuple), a flag."""
    ndim = draw(st.integers(min_dims, 3))
    shape = tuple(draw(st.lists(st.integers(1 if nonempty else 0, 4), min_size=ndim, max_size=ndim)))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    seed = draw(st.integers(0, 2**31))
    x = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    n = max(ndim, 1)
    dim = draw(st.one_of(
        st.none(), st.integers(-n, n - 1),
        st.lists(st.integers(0, n - 1), unique=True, max_size=n).map(
            lambda ds: tuple(d - n if i % 2 else d for i, d in enumerate(ds)))))
    return x, dim, draw(st.booleans())


def one_dim(dim):
    """Ops that take a single dim (prod, max, softmax ...) get an int."""
    if dim is None or dim == ():
        return 0
    return dim[0] if isinstance(dim, tuple) else dim


# --- sum, mean, prod, amax/amin, logsumexp, var, std: every dim/keepdim combination ----------------------
@FAST
@given(reduction_case())
def test_sum_mean_match_pytorch(case):
    x, dim, keepdim = case
    kw = {} if dim is None else {"dim": dim, "keepdim": keepdim}  # torch wants no keepdim without dim
    compare(lambda t: t.sum(**kw), lambda t: t.sum(**kw), [x])
    compare(lambda t: gg.mean(t, **kw), lambda t: torch.mean(t, **kw), [x])


@FAST
@given(reduction_case())
def test_amax_amin_logsumexp_match_pytorch(case):
    x, dim, keepdim = case
    d = () if dim is None else dim
    compare(lambda t: t.amax(d, keepdim), lambda t: t.amax(d, keepdim), [x])
    compare(lambda t: gg.amin(t, d, keepdim), lambda t: torch.amin(t, d, keepdim), [x])
    d = d if d != () else tuple(range(x.ndim)) or 0  # torch's logsumexp mishandles dim=()
    compare(lambda t: gg.logsumexp(t, d, keepdim), lambda t: torch.logsumexp(t, d, keepdim), [x])


@FAST
@given(reduction_case(), st.sampled_from([None, 0, 1, 2]), st.sampled_from(["var", "std"]))
def test_var_std_match_pytorch(case, correction, name):
    x, dim, keepdim = case
    dim = None if dim == () else dim  # torch's var/std backward gives inf for dim=()
    n = x.size if dim is None else int(np.prod([x.shape[d] for d in np.atleast_1d(dim)] if x.ndim else 1))
    if correction is not None and correction >= n or correction is None and n < 2:
        correction = 0  # dof <= 0 is its own test
    kw = {} if correction is None else {"correction": correction}
    compare(lambda t: getattr(t, name)(dim, keepdim=keepdim, **kw),
            lambda t: getattr(t, name)(dim, keepdim=keepdim, **kw), [x])


@FAST
@given(reduction_case(), st.sampled_from([2, "fro", 1, 3, 0.5, float("inf"), -float("inf"), 0]))
def test_norm_matches_pytorch(case, p):
    x, dim, keepdim = case
    if p == "fro" and isinstance(dim, tuple) and len(dim) > 2:
        _same_error(lambda: gg.tensor(x).norm(p, dim), lambda: torch.tensor(x).norm(p, dim))
        return
    compare(lambda t: t.norm(p, dim, keepdim), lambda t: t.norm(p, dim, keepdim), [x])


@FAST
@given(reduction_case())
def test_single_dim_reductions_match_pytorch(case):
    x, dim, keepdim = case
    d = one_dim(dim)
    compare(lambda t: t.prod(d, keepdim), lambda t: t.prod(d, keepdim), [x])
    compare(lambda t: gg.prod(t), lambda t: torch.prod(t), [x])
    compare(lambda t: t.cumsum(d), lambda t: t.cumsum(d), [x])
    compare(lambda t: t.softmax(d), lambda t: t.softmax(d), [x])
    compare(lambda t: gg.log_softmax(t, d), lambda t: torch.log_softmax(t, d), [x])
    for name in ("max", "min", "median"):
        ours = compare(lambda t: getattr(t, name)(d, keepdim).values,
                       lambda t: getattr(t, name)(d, keepdim).values, [x])
        a, b = both(x, False)
        assert_close(getattr(a, name)(d, keepdim).indices, getattr(b, name)(d, keepdim).indices)
        assert ours is not None
    for name in ("argmax", "argmin"):
        a, b = both(x, False)
        assert_close(getattr(gg, name)(a, d, keepdim), getattr(torch, name)(b, d, keepdim))
        assert_close(getattr(a, name)(), getattr(b, name)())
    compare(lambda t: t.max(), lambda t: t.max(), [x])
    compare(lambda t: gg.min(t), lambda t: torch.min(t), [x])
    compare(lambda t: gg.median(t), lambda t: torch.median(t), [x])


@FAST
@given(reduction_case(nonempty=False))
def test_logic_and_counting_match_pytorch(case):
    x, dim, keepdim = case
    x = np.where(np.abs(x) < 0.5, 0, x).astype(x.dtype)  # plenty of zeros
    for arr in (x, x != 0, (x * 3).astype(np.int64)):
        a, b = both(arr, False)
        kw = {} if dim is None else {"dim": dim, "keepdim": keepdim}
        assert_close(a.all(**kw), b.all(**kw))
        assert_close(gg.any(a, **kw), torch.any(b, **kw))
        assert_close(gg.count_nonzero(a, dim), torch.count_nonzero(b, dim))
        if dim == ():  # all/any with dim=() reduce nothing (unlike sum): check the torch rule
            assert_close(a.all(()), b.all(()))
        assert_close(a.sum(**kw), b.sum(**kw), np.float32)


def test_integer_dtypes_follow_pytorch():
    for arr in (np.array([[1, 2], [3, 4]], np.int32), np.array([True, True, False])):
        a, b = both(arr, False)
        for fn in (lambda t: t.sum(), lambda t: t.prod(), lambda t: t.cumsum(0), lambda t: t.amax(0),
                   lambda t: t.max(0).values, lambda t: t.argmin(0)):
            if arr.dtype == bool and fn.__code__.co_names[-1] == "argmin":
                _same_error(lambda: fn(a), lambda: fn(b))  # no argmax/argmin of bools in PyTorch
            else:
                assert_close(fn(a), fn(b))
    a, b = both(np.arange(6).reshape(2, 3), False)
    assert_close(gg.logsumexp(a, 1), torch.logsumexp(b, 1), np.float32)
    assert_close(a.softmax(1, dtype=gg.float64), b.softmax(1, dtype=torch.float64))
    assert_close(a.sum(dtype=gg.float64), b.sum(dtype=torch.float64))


# --- ties, zeros, infinities ---------------------------------------------------------------------------
def test_ties_share_the_gradient_like_pytorch():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    for fn in (lambda t: t.max(), lambda t: t.min(), lambda t: t.amax(1), lambda t: t.amin(0),
               lambda t: t.amax(), lambda t: t.max(1).values, lambda t: t.min(0).values,
               lambda t: t.median(), lambda t: t.norm(float("inf")), lambda t: t.norm(float("inf"), 1)):
        compare(fn, fn, [x])
    a, b = both(x, False)
    assert_close(a.max(1).indices, b.max(1).indices)  # the first of the tied maxima
    assert_close(a.argmin(1), b.argmin(1))
    # by hand: the two 3s share max's gradient, half each
    t = gg.tensor(x, requires_grad=True)
    t.max().backward()
    assert t.grad.tolist() == [[0.0, 0.5, 0.5], [0.0, 0.0, 0.0]]


@pytest.mark.parametrize("x", [[2.0, 0.0, 3.0, 4.0], [0.0, 5.0, 0.0, 1.0], [[0.0, 2.0], [3.0, 0.0]],
                               [[1.5, -2.0, 0.0], [0.0, 0.0, 7.0]]])
def test_prod_gradient_with_zeros(x):
    x = np.array(x)
    compare(lambda t: t.prod(), lambda t: t.prod(), [x])
    compare(lambda t: t.prod(-1), lambda t: t.prod(-1), [x])
    compare(lambda t: t.prod(0, keepdim=True), lambda t: t.prod(0, keepdim=True), [x])
    gradcheck(lambda t: t.prod(-1), x)


def test_prod_gradient_by_hand():
    t = gg.tensor([2.0, 0.0, 3.0], requires_grad=True)
    t.prod().backward()
    assert t.grad.tolist() == [0.0, 6.0, 0.0]  # only the zero's neighbours' product survives


def test_stable_forms_with_huge_and_infinite_inputs():
    x = np.array([[1000.0, 1000.0, -1000.0], [-np.inf, 0.0, 1.0], [-np.inf, -np.inf, -np.inf]])
    compare(lambda t: gg.logsumexp(t, 1), lambda t: torch.logsumexp(t, 1), [x])
    compare(lambda t: t[:2].softmax(1), lambda t: t[:2].softmax(1), [x])
    compare(lambda t: t[:2].log_softmax(1), lambda t: t[:2].log_softmax(1), [x])
    assert np.isfinite(gg.tensor([[1e4, 0.0]]).softmax(1).numpy()).all()


def test_norm_gradient_is_zero_at_zero():
    for p in (2, "fro", 3):
        compare(lambda t: t.norm(p), lambda t: t.norm(p), [np.zeros((2, 3))])
        compare(lambda t: t.norm(p, 1), lambda t: t.norm(p, 1), [np.array([[0.0, 0.0], [3.0, 4.0]])])
    t = gg.zeros(3, requires_grad=True)
    t.norm().backward()
    assert t.grad.tolist() == [0.0, 0.0, 0.0]


def test_std_of_a_constant_has_zero_gradient_and_var_by_hand():
    compare(lambda t: t.std(), lambda t: t.std(), [np.ones(4)])
    t = gg.tensor([1.0, 2.0, 3.0, 6.0], requires_grad=True)
    v = t.var()  # mean 3, squares 4+1+0+9 = 14, / (4-1)
    assert abs(v.item() - 14 / 3) < 1e-6
    v.backward()  # 2(x - x̄)/(n - 1)
    np.testing.assert_allclose(t.grad.numpy(), [-4 / 3, -2 / 3, 0.0, 2.0], rtol=1e-6)


def test_var_legacy_unbiased_and_degrees_of_freedom():
    x = np.arange(6.0).reshape(2, 3)
    compare(lambda t: t.var(False), lambda t: t.var(False), [x])
    compare(lambda t: gg.var(t, 0, True), lambda t: torch.var(t, 0, True), [x])
    compare(lambda t: gg.std(t, 1, unbiased=False, keepdim=True),
            lambda t: torch.std(t, 1, unbiased=False, keepdim=True), [x])
    compare(lambda t: gg.var(t, dim=(0, 1), correction=2), lambda t: torch.var(t, dim=(0, 1), correction=2),
            [x])
    with pytest.warns(UserWarning, match="degrees of freedom"):
        assert_close(gg.var(gg.tensor(x), 1, correction=3), torch.var(torch.tensor(x), 1, correction=3))
    with pytest.warns(UserWarning, match="degrees of freedom"):
        assert np.isnan(gg.tensor([1.0]).var().item())
    v, m = gg.var_mean(gg.tensor(x), 1)
    tv, tm = torch.var_mean(torch.tensor(x), 1)
    assert_close(v, tv)
    assert_close(m, tm)
    s, m = gg.std_mean(gg.tensor(x), 0, correction=0)
    ts, tm = torch.std_mean(torch.tensor(x), 0, correction=0)
    assert_close(s, ts)
    assert_close(m, tm)


def test_nan_propagates_like_pytorch():
    x = np.array([1.0, np.nan, 3.0])
    a, b = both(x, False)
    for fn in (lambda t: t.max(), lambda t: t.amax(0), lambda t: t.argmax(), lambda t: t.median(),
               lambda t: t.max(0).values, lambda t: t.max(0).indices, lambda t: t.sum()):
        assert_close(fn(a), fn(b))


def test_zero_dim_and_empty_tensors():
    s = np.array(2.5)
    for fn in (lambda t: t.sum(0), lambda t: t.sum(0, keepdim=True), lambda t: t.amax(-1),
               lambda t: t.softmax(0), lambda t: t.log_softmax(0), lambda t: t.cumsum(0),
               lambda t: gg.logsumexp(t, 0) if isinstance(t, gg.Tensor) else torch.logsumexp(t, 0),
               lambda t: t.max(0).values, lambda t: t.prod(0), lambda t: t.norm(), lambda t: t.mean(0)):
        compare(fn, fn, [s])
    a, b = both(s, False)
    assert_close(a.max(0).indices, b.max(0).indices)
    assert_close(a.argmax(0), b.argmax(0))
    e = np.zeros((0, 3))
    for fn in (lambda t: t.sum(0), lambda t: t.sum(), lambda t: t.prod(1), lambda t: t.amax(1),
               lambda t: t.norm(), lambda t: t.max(1).values):
        compare(fn, fn, [e])
    a, b = both(e, False)
    assert_close(a.mean(), b.mean())
    assert_close(a.argmax(1), b.argmax(1))


def test_argmax_keepdim_without_dim():
    a, b = both(np.random.default_rng(0).standard_normal((2, 3, 4)), False)
    assert_close(a.argmax(keepdim=True), b.argmax(keepdim=True))
    assert_close(gg.argmin(a, None, True), torch.argmin(b, None, True))


def test_dim_as_list_and_empty_tuple():
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    compare(lambda t: t.sum([0, 2]), lambda t: t.sum([0, 2]), [x])
    compare(lambda t: t.sum(()), lambda t: t.sum(()), [x])
    compare(lambda t: t.mean((), keepdim=True), lambda t: t.mean((), keepdim=True), [x])
    compare(lambda t: t.amax(()), lambda t: t.amax(()), [x])


# --- max/min: return types and the other forms ----------------------------------------------------------
def test_max_with_dim_is_a_named_pair():
    x = gg.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    result = x.max(dim=1)
    values, indices = result
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    assert result.values is values and result[1] is indices and len(result) == 2
    assert type(result).__name__ == "max" and "values=" in repr(result) and "indices=" in repr(result)
    assert isinstance(result, gg.return_types.max) and isinstance(x.min(0), gg.return_types.min)
    assert indices.dtype == gg.int64
    values, indices = gg.min(x, 0, keepdim=True)
    assert values.shape == (1, 3) and indices.tolist() == [[0, 1, 0]]


def test_max_of_two_tensors_is_maximum():
    x, y = np.array([[1.0, 5.0], [7.0, 0.0]]), np.array([3.0, 2.0])
    compare(lambda a, b: gg.max(a, b), lambda a, b: torch.max(a, b), [x, y])
    compare(lambda a, b: a.min(b), lambda a, b: a.min(b), [x, y])
    compare(lambda a, b: gg.max(a, other=b), lambda a, b: torch.max(a, other=b), [x, y])


# --- gradcheck in float64 -------------------------------------------------------------------------------
OPS = {
    "sum": lambda t: t.sum((0, 2), keepdim=True), "mean": lambda t: t.mean(1),
    "prod": lambda t: t.prod(2), "prod_all": lambda t: t.prod(), "amax": lambda t: t.amax((0, 1)),
    "amin": lambda t: t.amin(-1), "max": lambda t: t.max(1).values, "min": lambda t: t.min(),
    "median": lambda t: t.median(2).values, "var": lambda t: t.var(1), "std": lambda t: t.std((0, 2)),
    "var0": lambda t: t.var(correction=0), "logsumexp": lambda t: gg.logsumexp(t, (1, 2)),
    "norm2": lambda t: t.norm(dim=1), "norm1": lambda t: t.norm(1), "norm3": lambda t: t.norm(3, 2),
    "norm_inf": lambda t: t.norm(float("inf"), 0), "cumsum": lambda t: t.cumsum(1),
    "softmax": lambda t: t.softmax(-1), "log_softmax": lambda t: t.log_softmax(0),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_gradcheck(name):
    x = np.random.default_rng(3).standard_normal((2, 3, 4))
    gradcheck(OPS[name], x)


# --- second derivatives -------------------------------------------------------------------------------
def _double_backward(ours_fn, torch_fn, x: np.ndarray, seed: int = 5):
    """Hessian-vector products: d/dx Σ (∂L/∂x)·v with L = Σ f(x)·w, glassgrad vs PyTorch."""
    rng = np.random.default_rng(seed)
    a, b = both(x)
    out_a, out_b = ours_fn(a), torch_fn(b)
    w = rng.standard_normal(out_b.shape)
    v = rng.standard_normal(x.shape)
    (ga,) = gg.autograd.grad((out_a * gg.tensor(w)).sum(), a, create_graph=True)
    (gb,) = torch.autograd.grad((out_b * torch.tensor(w)).sum(), b, create_graph=True)
    assert_close(ga, gb)
    (ga * gg.tensor(v)).sum().backward()
    (gb * torch.tensor(v)).sum().backward()
    assert_close(a.grad, b.grad)


SECOND_ORDER = ["sum", "mean", "amax", "max", "min", "var", "var0", "std", "logsumexp", "norm2", "norm1",
                "norm3", "norm_inf", "cumsum", "softmax", "log_softmax"]


def test_second_derivatives_of_full_reductions():
    x = np.random.default_rng(6).standard_normal((3, 4))
    for fn in (lambda t: t.norm(), lambda t: t.std(), lambda t: t.var(), lambda t: t.amax(),
               lambda t: t.norm(3), lambda t: t.softmax(0)[1, 2], lambda t: t.sum(), lambda t: t.mean()):
        _double_backward(lambda t: fn(t) ** 3, lambda t: fn(t) ** 3, x)


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_second_derivatives_match_pytorch(name):
    x = np.random.default_rng(4).standard_normal((2, 3, 4))
    fn = OPS[name]
    torch_fn = (lambda t: torch.logsumexp(t, (1, 2))) if name == "logsumexp" else fn
    _double_backward(lambda t: fn(t) ** 2, lambda t: torch_fn(t) ** 2, x)


def test_softmax_cross_entropy_pieces_by_hand():
    # softmax of (0, ln 3) is (1/4, 3/4); Jacobian-vector product y·(g - Σ g·y) for g = (1, 0)
    t = gg.tensor([0.0, float(np.log(3.0))], requires_grad=True)
    y = t.softmax(0)
    np.testing.assert_allclose(y.detach().numpy(), [0.25, 0.75], rtol=1e-6)
    y.backward(gg.tensor([1.0, 0.0]))
    np.testing.assert_allclose(t.grad.numpy(), [0.25 * 0.75, -0.25 * 0.75], rtol=1e-6)


# --- errors -----------------------------------------------------------------------------------------------
def _same_error(ours, theirs, exact: bool = True):
    """Same exception type and PyTorch's message word for word; glassgrad may add one line of help
    after it ("\n(help: ...)", for the errors a learner meets first), nothing else."""
    with pytest.raises(Exception) as theirs_info:
        theirs()
    with pytest.raises(type(theirs_info.value)) as ours_info:
        ours()
    ours_text, _, help_line = str(ours_info.value).partition("\n(help: ")
    if exact:
        assert ours_text == str(theirs_info.value)
        assert not help_line or (help_line.endswith(")") and "\n" not in help_line)
    return str(ours_info.value)


@pytest.mark.parametrize("call", [
    lambda m, t: m.sum(t, 3), lambda m, t: m.mean(t, (0, -4)), lambda m, t: m.amax(t, 2),
    lambda m, t: m.max(t, -3), lambda m, t: m.argmax(t, 5), lambda m, t: m.softmax(t, 2),
    lambda m, t: m.log_softmax(t, -3), lambda m, t: m.cumsum(t, 2), lambda m, t: m.var(t, 4),
    lambda m, t: m.logsumexp(t, 9), lambda m, t: m.prod(t, 2), lambda m, t: m.norm(t, 2, 3),
    lambda m, t: m.sum(t, (0, 0)), lambda m, t: m.amax(t, (1, -1)),
    lambda m, t: m.max(m.zeros(0)), lambda m, t: m.amax(m.zeros(0, 3)), lambda m, t: m.min(m.zeros(0, 3), 0),
    lambda m, t: m.amin(m.zeros(0, 3), (0, 1)), lambda m, t: m.argmax(m.zeros(0)),
    lambda m, t: m.argmin(m.zeros(0, 3), 0), lambda m, t: m.median(m.zeros(0, 2), 0),
    lambda m, t: m.mean(m.arange(3)), lambda m, t: m.var(m.arange(3)), lambda m, t: m.std(m.arange(3)),
    lambda m, t: m.softmax(m.arange(3), 0), lambda m, t: m.log_softmax(m.arange(3), 0),
    lambda m, t: m.softmax(m.arange(6).reshape(2, 3), 0), lambda m, t: m.norm(m.arange(3)),
])
def test_bad_input_errors_match_pytorch(call):
    _same_error(lambda: call(gg, gg.ones(2, 3)), lambda: call(torch, torch.ones(2, 3)))


def test_bad_argument_types_are_type_errors():
    t = gg.ones(2, 3)
    for call in (lambda: t.sum(1.5), lambda: t.max((0, 1)), lambda: t.prod((0, 1)),
                 lambda: t.cumsum((0,)), lambda: t.softmax(None)):
        with pytest.raises(TypeError):
            call()
    with pytest.raises(RuntimeError, match="Order abc not supported"):
        t.norm("abc")
    with pytest.raises(TypeError, match="unbiased"):
        t.var(unbiased=True, correction=1)


def test_prod_double_backward_without_zeros_and_refused_with_them():
    _double_backward(lambda t: t.prod(1) ** 2, lambda t: t.prod(1) ** 2,
                     np.random.default_rng(2).standard_normal((2, 3)))
    t = gg.tensor([1.0, 0.0, 3.0], requires_grad=True)
    (g,) = gg.autograd.grad(t.prod(), t)
    np.testing.assert_allclose(g.numpy(), [0.0, 3.0, 0.0])
    with pytest.raises(NotImplementedError, match="create_graph"):  # refused, never wrong
        gg.autograd.grad(t.prod(), t, create_graph=True)
