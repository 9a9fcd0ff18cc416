"""The fused BLAS products and the rest of issue 11's elementwise surface, each compared with PyTorch:
values (float32 and float64), gradients, grad_fn names, in-place forms and errors."""

import math
import warnings

import numpy as np
import pytest
import torch

import glassgrad as gg

RNG = np.random.default_rng(0)


def _pair(array, requires_grad=False):
    """The same numbers as a torch tensor and a glassgrad tensor."""
    t = torch.tensor(array, requires_grad=requires_grad)
    g = gg.tensor(array, requires_grad=requires_grad)
    return t, g


def _arrays(shapes, dtype):
    return [RNG.standard_normal(s).astype(dtype) for s in shapes]


def _compare(fn_torch, fn_gg, shapes, dtype=np.float64, grad=True, kwargs=None, tol=None):
    """Run both on the same inputs; compare the value, the grad_fn name and every input's gradient."""
    kwargs = kwargs or {}
    arrays = _arrays(shapes, dtype)
    tt = [torch.tensor(a, requires_grad=grad) for a in arrays]
    gt = [gg.tensor(a, requires_grad=grad) for a in arrays]
    out_t, out_g = fn_torch(*tt, **kwargs), fn_gg(*gt, **kwargs)
    tol = tol or (1e-10 if dtype == np.float64 else 1e-5)
    np.testing.assert_allclose(out_g.detach().numpy(), out_t.detach().numpy(), rtol=tol, atol=tol)
    assert out_g.dtype.__repr__().split(".")[-1] == str(out_t.dtype).split(".")[-1]
    if grad:
        assert out_g.grad_fn.name() == out_t.grad_fn.name()
        weights = RNG.standard_normal(tuple(out_t.shape)).astype(dtype)
        (out_t * torch.tensor(weights)).sum().backward()
        (out_g * gg.tensor(weights)).sum().backward()
        for a, b in zip(tt, gt):
            expected = torch.add(torch.zeros_like(a), a.grad)  # a ZeroTensor (sgn's gradient) becomes numbers
            np.testing.assert_allclose(b.grad.numpy(), expected.detach().numpy(), rtol=tol, atol=tol)
    return out_t, out_g


FUSED = [
    ("addmm", [(2, 4), (2, 3), (3, 4)]),
    ("addmm", [(4,), (2, 3), (3, 4)]),
    ("addmv", [(2,), (2, 3), (3,)]),
    ("addr", [(2, 3), (2,), (3,)]),
    ("baddbmm", [(5, 2, 4), (5, 2, 3), (5, 3, 4)]),
    ("baddbmm", [(2, 4), (5, 2, 3), (5, 3, 4)]),
    ("addbmm", [(2, 4), (5, 2, 3), (5, 3, 4)]),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,shapes", FUSED)
@pytest.mark.parametrize("scales", [{}, {"beta": 0.5, "alpha": -2.0}, {"beta": 0}])
def test_fused_products_match_torch(name, shapes, scales, dtype):
    _compare(getattr(torch, name), getattr(gg, name), shapes, dtype, kwargs=scales)
    _compare(lambda *a, **k: getattr(a[0], name)(*a[1:], **k), lambda *a, **k: getattr(a[0], name)(*a[1:], **k),
             shapes, dtype, kwargs=scales)


@pytest.mark.parametrize("name,shapes", FUSED)
def test_fused_in_place_and_beta_zero_ignores_nan(name, shapes):
    arrays = _arrays(shapes, np.float64)
    t = [torch.tensor(a) for a in arrays]
    g = [gg.tensor(a) for a in arrays]
    out_shape = getattr(torch, name)(*t).shape
    base = np.full(tuple(out_shape), np.nan)
    expected = getattr(torch, name)(torch.tensor(base), *t[1:], beta=0, alpha=1.5)
    got = getattr(gg, name)(gg.tensor(base), *g[1:], beta=0, alpha=1.5)
    assert not np.isnan(got.numpy()).any()
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-12)
    # in place: the input is written, returned, and the same numbers as out-of-place
    full_t, full_g = torch.tensor(RNG.standard_normal(tuple(out_shape))), None
    full_g = gg.tensor(full_t.numpy().copy())
    r_t = getattr(full_t, name + "_")(*t[1:], beta=0.5)
    r_g = getattr(full_g, name + "_")(*g[1:], beta=0.5)
    assert r_g is full_g and r_t is full_t
    np.testing.assert_allclose(full_g.numpy(), full_t.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["addcmul", "addcdiv"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("value", [1, 0.5, -3])
def test_addcmul_addcdiv_match_torch(name, dtype, value):
    _compare(getattr(torch, name), getattr(gg, name), [(3, 4), (4,), (3, 1)], dtype, kwargs={"value": value})
    t = torch.tensor(RNG.standard_normal((3, 4)))
    g = gg.tensor(t.numpy().copy())
    a = RNG.standard_normal((3, 4)) + 3
    getattr(t, name + "_")(torch.tensor(a), torch.tensor(a), value=value)
    getattr(g, name + "_")(gg.tensor(a), gg.tensor(a), value=value)
    np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-12)


def test_addcmul_promotes_and_addcdiv_refuses_integers():
    i = np.ones(3, dtype=np.int64)
    f = np.ones(3, dtype=np.float32)
    assert str(gg.addcmul(gg.tensor(i), gg.tensor(f), gg.tensor(f)).dtype) == "glassgrad.float32" or \
        gg.addcmul(gg.tensor(i), gg.tensor(f), gg.tensor(f)).dtype == gg.float32
    with pytest.raises(RuntimeError, match="Integer division with addcdiv is no longer supported"):
        gg.addcdiv(gg.tensor(i), gg.tensor(i), gg.tensor(i))
    with pytest.raises(RuntimeError, match="Integer division with addcdiv"):
        torch.addcdiv(torch.tensor(i), torch.tensor(i), torch.tensor(i))


ERRORS = [
    ("addmm", [(2, 4), (2, 3), (2, 4)]),
    ("addmm", [(3, 4), (2, 3), (3, 4)]),
    ("addmm", [(2, 4), (3,), (3, 4)]),
    ("addmv", [(2,), (2, 3), (4,)]),
    ("addr", [(2, 3), (2, 2), (3,)]),
    ("baddbmm", [(2, 2, 4), (2, 2, 3), (3, 3, 4)]),
]


@pytest.mark.parametrize("name,shapes", ERRORS)
def test_fused_errors_match_torch(name, shapes):
    arrays = _arrays(shapes, np.float32)
    with pytest.raises(RuntimeError) as expected:
        getattr(torch, name)(*[torch.tensor(a) for a in arrays])
    with pytest.raises(RuntimeError) as got:
        getattr(gg, name)(*[gg.tensor(a) for a in arrays])
    assert str(got.value) == str(expected.value)


def test_fused_dtype_errors_match_torch():
    a = np.ones((2, 2))
    for args in [(a, a.astype(np.float32), a), (a.astype(np.float32), a, a)]:
        with pytest.raises(RuntimeError) as expected:
            torch.addmm(*[torch.tensor(x) for x in args])
        with pytest.raises(RuntimeError) as got:
            gg.addmm(*[gg.tensor(x) for x in args])
        assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("shapes", [[(3,), (3,)], [(2, 3), (4, 3)], [(2, 3), (3,)], [(2, 2, 3), (3,)]])
def test_inner_matches_torch(shapes):
    _compare(torch.inner, gg.inner, shapes)


def test_vdot_trace_match_torch():
    _compare(torch.vdot, gg.vdot, [(4,), (4,)])
    _compare(torch.trace, gg.trace, [(3, 4)])
    _compare(torch.trace, gg.trace, [(3, 3)], np.float32)
    i = np.arange(6, dtype=np.int32).reshape(2, 3)
    assert gg.trace(gg.tensor(i)).dtype == gg.int64 and gg.trace(gg.tensor(i)).item() == torch.trace(torch.tensor(i)).item()
    with pytest.raises(RuntimeError, match="1D tensors expected, but got 2D and 2D tensors"):
        gg.vdot(gg.ones(2, 2), gg.ones(2, 2))
    with pytest.raises(RuntimeError, match="trace: expected a matrix, but got tensor with dim 1"):
        gg.trace(gg.ones(3))


@pytest.mark.parametrize("shapes", [[(3, 4), (4, 5)], [(4,), (4, 2), (2, 6), (6, 3)], [(2, 9), (9, 3), (3, 9), (9,)],
                                    [(5,), (5, 2), (2,)]])
def test_multi_dot_matches_torch(shapes):
    _compare(lambda *m: torch.linalg.multi_dot(m), lambda *m: gg.linalg.multi_dot(m), shapes)


def test_chain_matmul_warns_and_matches():
    shapes = [(2, 3), (3, 4), (4, 2)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _compare(torch.chain_matmul, gg.chain_matmul, shapes)
    with pytest.raises(RuntimeError, match="expected at least 2 tensors but got 1"):
        gg.linalg.multi_dot([gg.ones(2, 2)])


# --- the elementwise surface ------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumprod_matches_torch_with_and_without_zeros(dtype, dim):
    _compare(lambda x: torch.cumprod(x, dim), lambda x: gg.cumprod(x, dim), [(3, 4)], dtype)
    a = RNG.standard_normal((3, 5)).astype(dtype)
    a[1, 2] = 0
    a[0, 0] = 0
    a[0, 3] = 0
    t, g = torch.tensor(a, requires_grad=True), gg.tensor(a, requires_grad=True)
    w = RNG.standard_normal((3, 5))
    (torch.cumprod(t, dim) * torch.tensor(w, dtype=t.dtype)).sum().backward()
    (gg.cumprod(g, dim) * gg.tensor(w.astype(dtype))).sum().backward()
    np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_cumprod_dtypes_and_in_place():
    i = np.array([1, 2, 3], dtype=np.int32)
    assert gg.cumprod(gg.tensor(i), 0).dtype == gg.int64
    assert gg.cumprod(gg.tensor(i), 0, dtype=gg.float64).dtype == gg.float64
    a = RNG.standard_normal((2, 3))
    t, g = torch.tensor(a), gg.tensor(a)
    t.cumprod_(1)
    g.cumprod_(1)
    np.testing.assert_allclose(g.numpy(), t.numpy())
    t.cumsum_(0)
    g.cumsum_(0)
    np.testing.assert_allclose(g.numpy(), t.numpy())


@pytest.mark.parametrize("fn", ["fmax", "fmin", "float_power"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_math_matches_torch(fn, dtype):
    if fn == "float_power":
        _compare(lambda a, b: torch.float_power(a.abs() + 0.1, b), lambda a, b: gg.float_power(a.abs() + 0.1, b),
                 [(3, 4), (4,)], dtype, tol=1e-5)
        _compare(lambda a: torch.float_power(a, 2), lambda a: gg.float_power(a, 2), [(3,)], dtype, tol=1e-5)
    else:
        _compare(getattr(torch, fn), getattr(gg, fn), [(3, 4), (4,)], dtype)
    a = np.array([1.0, np.nan, np.nan, 2.0])
    b = np.array([np.nan, 3.0, np.nan, 1.0])
    np.testing.assert_array_equal(getattr(gg, fn)(gg.tensor(a), gg.tensor(b)).numpy(),
                                  getattr(torch, fn)(torch.tensor(a), torch.tensor(b)).numpy())


def test_float_power_in_place_needs_double():
    with pytest.raises(RuntimeError, match="the base given to float_power_ has dtype Float but the operation's "
                                           "result requires dtype Double"):
        gg.ones(2).float_power_(2)
    x = gg.tensor([1.0, 2.0], dtype=gg.float64)
    x.float_power_(3)
    assert x.tolist() == [1.0, 8.0]


@pytest.mark.parametrize("fn", ["gcd", "lcm", "bitwise_left_shift", "bitwise_right_shift"])
def test_integer_ops_match_torch(fn):
    a = np.array([12, -18, 0, 7, 100], dtype=np.int64)
    b = np.array([8, 12, 5, 3, 2], dtype=np.int64)
    np.testing.assert_array_equal(getattr(gg, fn)(gg.tensor(a), gg.tensor(b)).numpy(),
                                  getattr(torch, fn)(torch.tensor(a), torch.tensor(b)).numpy())
    t, g = torch.tensor(a), gg.tensor(a)
    getattr(t, fn + "_")(torch.tensor(b))
    getattr(g, fn + "_")(gg.tensor(b))
    np.testing.assert_array_equal(g.numpy(), t.numpy())


def test_gcd_refuses_floats():
    with pytest.raises(NotImplementedError, match="\"gcd_cpu\" not implemented for 'Float'"):
        gg.gcd(gg.ones(2), gg.ones(2))


@pytest.mark.parametrize("fn", ["deg2rad", "rad2deg", "sgn"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unary_math_matches_torch(fn, dtype):
    _compare(getattr(torch, fn), getattr(gg, fn), [(3, 4)], dtype)
    i = np.array([-2, 0, 3], dtype=np.int64)
    got, expected = getattr(gg, fn)(gg.tensor(i)), getattr(torch, fn)(torch.tensor(i))
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6)
    assert str(got.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]


def test_predicates_match_torch():
    a = np.array([-np.inf, -1.0, -0.0, 0.0, np.nan, np.inf])
    t, g = torch.tensor(a), gg.tensor(a)
    for fn in ["signbit", "isposinf", "isneginf", "isreal"]:
        np.testing.assert_array_equal(getattr(gg, fn)(g).numpy(), getattr(torch, fn)(t).numpy())
    assert gg.positive(g) is g
    with pytest.raises(RuntimeError, match="The `\\+` operator, on a bool tensor is not supported."):
        gg.positive(gg.tensor([True]))
    for dtype in [gg.uint8, gg.bool, gg.int32, gg.float32]:
        torch_dtype = getattr(torch, str(dtype).split(".")[-1])
        assert gg.ones(1, dtype=dtype).is_signed() == torch.ones(1, dtype=torch_dtype).is_signed()
    assert gg.tensor([2.0]).is_nonzero() and not gg.tensor([0.0]).is_nonzero()
    for shape, words in [((2,), "more than one value"), ((0,), "no values")]:
        with pytest.raises(RuntimeError, match=f"Boolean value of Tensor with {words} is ambiguous"):
            gg.zeros(shape).is_nonzero()
    assert gg.is_same_size(gg.ones(2, 3), gg.zeros(2, 3)) and not gg.ones(2).is_same_size(gg.ones(3))
    assert gg.ones(2).is_complex() is False


@pytest.mark.parametrize("kwargs", [{}, {"n": 2}, {"dim": 0}, {"n": 0}, {"prepend": True}, {"append": True}])
def test_diff_matches_torch(kwargs):
    a = RNG.standard_normal((3, 4))
    extra = RNG.standard_normal((3, 2))
    def run(lib, x):
        k = dict(kwargs)
        for key in ("prepend", "append"):
            if key in k:
                k[key] = lib.tensor(extra)
        return lib.diff(x, **k)
    t, g = torch.tensor(a, requires_grad=True), gg.tensor(a, requires_grad=True)
    out_t, out_g = run(torch, t), run(gg, g)
    np.testing.assert_allclose(out_g.detach().numpy(), out_t.detach().numpy(), rtol=1e-12)
    out_t.sum().backward()
    out_g.sum().backward()
    np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), atol=1e-12)
    b = np.array([True, False, False, True])
    np.testing.assert_array_equal(gg.tensor(b).diff().numpy(), torch.tensor(b).diff().numpy())


@pytest.mark.parametrize("dim", [None, 0, 1])
def test_nanmedian_matches_torch(dim):
    a = RNG.standard_normal((4, 5))
    a[0, 1] = a[2, 2] = a[2, 3] = np.nan
    a[3, 1:] = np.nan  # (an all-nan row's index is unspecified: PyTorch's depends on its nth_element)
    t, g = torch.tensor(a, requires_grad=True), gg.tensor(a, requires_grad=True)
    if dim is None:
        out_t, out_g = torch.nanmedian(t), gg.nanmedian(g)
    else:
        (out_t, i_t), (out_g, i_g) = torch.nanmedian(t, dim), gg.nanmedian(g, dim)
        np.testing.assert_array_equal(i_g.numpy(), i_t.numpy())
    np.testing.assert_array_equal(out_g.detach().numpy(), out_t.detach().numpy())
    assert out_g.grad_fn.name() == out_t.grad_fn.name()
    torch.nan_to_num(out_t).sum().backward()
    gg.nan_to_num(out_g).sum().backward()
    np.testing.assert_array_equal(g.grad.numpy(), t.grad.numpy())


def test_split_with_sizes_and_sum_to_size():
    a = RNG.standard_normal((3, 4))
    t, g = torch.tensor(a, requires_grad=True), gg.tensor(a, requires_grad=True)
    parts_t, parts_g = t.split_with_sizes([1, 3], 1), g.split_with_sizes([1, 3], 1)
    for p, q in zip(parts_t, parts_g):
        np.testing.assert_array_equal(q.detach().numpy(), p.detach().numpy())
        assert q.grad_fn.name() == p.grad_fn.name()
    with pytest.raises(RuntimeError) as expected:
        t.split_with_sizes([1, 2], 1)
    with pytest.raises(RuntimeError) as got:
        g.split_with_sizes([1, 2], 1)
    assert str(got.value) == str(expected.value)
    for size in [(1, 4), (4,), (3, 1), (1, 1), (3, 4), (1,)]:
        got, expected = g.sum_to_size(*size), t.sum_to_size(*size)
        np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy())
        assert (got.grad_fn.name() if got.grad_fn else None) == (expected.grad_fn.name() if expected.grad_fn else None)
    with pytest.raises(RuntimeError):
        g.sum_to_size(2, 4)


SCATTERS = [
    ("select_scatter", (4,), (0, 1)),
    ("select_scatter", (3,), (1, -1)),
    ("slice_scatter", (3, 2), (1, 0, 4, 2)),
    ("slice_scatter", (1, 4), (0, 1, 2)),
    ("diagonal_scatter", (3,), ()),
    ("diagonal_scatter", (3,), (1,)),
    ("diagonal_scatter", (2,), (-1,)),
]


@pytest.mark.parametrize("name,src_shape,args", SCATTERS)
def test_scatters_match_torch(name, src_shape, args):
    _compare(lambda x, s: getattr(torch, name)(x, s, *args), lambda x, s: getattr(gg, name)(x, s, *args),
             [(3, 4), src_shape])


def test_diagonal_scatter_batched_dims():
    _compare(lambda x, s: torch.diagonal_scatter(x, s, 0, 0, 2), lambda x, s: gg.diagonal_scatter(x, s, 0, 0, 2),
             [(3, 2, 3), (2, 3)])


@pytest.mark.parametrize("shape,wrap", [((3, 3), False), ((5, 2), False), ((7, 3), True), ((3, 3, 3), False)])
def test_fill_diagonal_matches_torch(shape, wrap):
    t, g = torch.zeros(shape), gg.zeros(shape)
    assert g.fill_diagonal_(5, wrap=wrap) is g
    t.fill_diagonal_(5, wrap=wrap)
    np.testing.assert_array_equal(g.numpy(), t.numpy())


IN_PLACE = ["eq_", "ne_", "lt_", "le_", "gt_", "ge_", "greater_", "greater_equal_", "less_", "less_equal_",
            "not_equal_", "logical_and_", "logical_or_", "logical_xor_", "multiply_", "subtract_", "divide_",
            "true_divide_", "floor_divide_", "fmod_", "hypot_", "copysign_", "xlogy_", "nextafter_", "fmax_"
            if hasattr(torch.Tensor, "fmax_") else "fmod_"]
IN_PLACE_UNARY = ["logical_not_", "erf_", "erfc_", "lgamma_", "digamma_", "i0_", "sinc_", "nan_to_num_", "sgn_",
                  "deg2rad_", "rad2deg_", "tril_", "triu_"]


@pytest.mark.parametrize("name", IN_PLACE)
def test_in_place_binary_methods_match_torch(name):
    a, b = RNG.standard_normal((3, 4)) + 2, RNG.standard_normal((3, 4)) + 2
    b[0, 0] = a[0, 0]
    t, g = torch.tensor(a), gg.tensor(a)
    assert getattr(g, name)(gg.tensor(b)) is g
    getattr(t, name)(torch.tensor(b))
    np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", IN_PLACE_UNARY)
def test_in_place_unary_methods_match_torch(name):
    a = RNG.uniform(0.1, 0.9, (3, 4))
    t, g = torch.tensor(a), gg.tensor(a)
    assert getattr(g, name)() is g
    getattr(t, name)()
    np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-10)


def test_in_place_with_arguments_match_torch():
    a = RNG.uniform(0.2, 0.8, (3, 4))
    for name, args in [("erfinv_", ()), ("logit_", ()), ("polygamma_", (1,)), ("mvlgamma_", (1,)),
                       ("ldexp_", (torch.tensor(2.0),)),
                       ("heaviside_", (torch.tensor(0.5, dtype=torch.float64),))]:
        t, g = torch.tensor(a), gg.tensor(a)
        getattr(t, name)(*args)
        getattr(g, name)(*[gg.tensor(x.numpy()) if isinstance(x, torch.Tensor) else x for x in args])
        np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-9, err_msg=name)
    i = np.array([[3, 5], [6, 12]], dtype=np.int64)
    for name in ["bitwise_and_", "bitwise_or_", "bitwise_xor_"]:
        t, g = torch.tensor(i), gg.tensor(i)
        getattr(t, name)(torch.tensor(i[::-1].copy()))
        getattr(g, name)(gg.tensor(i[::-1].copy()))
        np.testing.assert_array_equal(g.numpy(), t.numpy())
    t, g = torch.tensor(i), gg.tensor(i)
    t.bitwise_not_()
    g.bitwise_not_()
    np.testing.assert_array_equal(g.numpy(), t.numpy())


def test_in_place_keeps_the_graph():
    a = RNG.standard_normal((3, 4))
    t = torch.tensor(a, requires_grad=True)
    g = gg.tensor(a, requires_grad=True)
    yt, yg = t * 1, g * 1
    yt.multiply_(torch.tensor(a))
    yg.multiply_(gg.tensor(a))
    yt.sum().backward()
    yg.sum().backward()
    np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy())
    assert yg.grad_fn.name() == yt.grad_fn.name()


def test_mvlgamma_matches_torch():
    _compare(lambda x: torch.mvlgamma(x.abs() + 2, 3), lambda x: gg.mvlgamma(x.abs() + 2, 3), [(3, 4)])
    with pytest.raises(RuntimeError, match="All elements must be greater than"):
        gg.mvlgamma(gg.ones(2), 3)


# --- cov, corrcoef, pdist, bilinear, cdist -----------------------------------------------------------------
COV_CASES = [
    ((3, 6), {}),
    ((6,), {}),
    ((1, 6), {}),
    ((3, 6), {"correction": 0}),
    ((3, 6), {"correction": 2}),
    ((3, 6), {"fweights": [1, 2, 1, 1, 3, 2]}),
    ((3, 6), {"aweights": [0.5, 1.0, 0.2, 2.0, 1.0, 0.1]}),
    ((3, 6), {"fweights": [1, 2, 1, 1, 3, 2], "aweights": [0.5, 1.0, 0.2, 2.0, 1.0, 0.1], "correction": 0}),
]


def _weights(lib, kwargs):
    out = dict(kwargs)
    for key in ("fweights", "aweights"):
        if key in out:
            out[key] = lib.tensor(out[key])
            if key == "aweights":
                out[key] = out[key].double()
    return out


@pytest.mark.parametrize("shape,kwargs", COV_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cov_matches_torch(shape, kwargs, dtype):
    tol = 1e-10 if dtype == np.float64 else 1e-5
    if "aweights" in kwargs and dtype == np.float32:
        return  # PyTorch wants every operand in one dtype there
    a = RNG.standard_normal(shape).astype(dtype)
    t, g = torch.tensor(a, requires_grad=True), gg.tensor(a, requires_grad=True)
    out_t, out_g = torch.cov(t, **_weights(torch, kwargs)), gg.cov(g, **_weights(gg, kwargs))
    np.testing.assert_allclose(out_g.detach().numpy(), out_t.detach().numpy(), rtol=tol, atol=tol)
    assert out_g.grad_fn.name() == out_t.grad_fn.name()
    w = RNG.standard_normal(tuple(out_t.shape))
    (out_t * torch.tensor(w, dtype=out_t.dtype)).sum().backward()
    (out_g * gg.tensor(w.astype(dtype))).sum().backward()
    np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=tol, atol=tol)


def test_cov_errors_and_corrcoef_match_torch():
    x = RNG.standard_normal((3, 5))
    for kwargs in [{"fweights": [1.0, 2, 1, 1, 3]}, {"fweights": [-1, 2, 1, 1, 3]}, {"aweights": [-1.0, 2, 1, 1, 3]},
                   {"fweights": [1, 2]}]:
        with pytest.raises(RuntimeError) as expected:
            torch.cov(torch.tensor(x), **{k: torch.tensor(v) for k, v in kwargs.items()})
        with pytest.raises(RuntimeError) as got:
            gg.cov(gg.tensor(x), **{k: gg.tensor(v) for k, v in kwargs.items()})
        assert str(got.value) == str(expected.value)
    with pytest.raises(RuntimeError, match="expected input to have two or fewer dimensions"):
        gg.cov(gg.ones(2, 3, 3))
    i = np.arange(6).reshape(2, 3) ** 2
    np.testing.assert_allclose(gg.cov(gg.tensor(i)).numpy(), torch.cov(torch.tensor(i)).numpy(), rtol=1e-6)
    assert gg.cov(gg.tensor(i)).dtype == gg.float32
    for shape in [(3, 5), (5,)]:
        a = RNG.standard_normal(shape)
        t, g = torch.tensor(a, requires_grad=True), gg.tensor(a, requires_grad=True)
        out_t, out_g = torch.corrcoef(t), gg.corrcoef(g)
        np.testing.assert_allclose(out_g.detach().numpy(), out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
        assert out_g.grad_fn.name() == out_t.grad_fn.name()
        if len(shape) == 2:
            w = RNG.standard_normal(tuple(out_t.shape))
            (out_t * torch.tensor(w)).sum().backward()
            (out_g * gg.tensor(w)).sum().backward()
            np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("p", [2, 1, 0, 3.5, 0.5, math.inf])
def test_pdist_matches_torch(p):
    a = RNG.standard_normal((5, 3))
    a[3] = a[1]  # a zero distance: its gradient is 0
    _compare(lambda x: torch.nn.functional.pdist(x, p), lambda x: gg.nn.functional.pdist(x, p), [(5, 3)])
    t, g = torch.tensor(a, requires_grad=True), gg.tensor(a, requires_grad=True)
    torch.nn.functional.pdist(t, p).sum().backward()
    gg.nn.functional.pdist(g, p).sum().backward()
    np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)
    with pytest.raises(RuntimeError, match="pdist only supports 2D tensors, got: 1D"):
        gg.nn.functional.pdist(gg.ones(3))


@pytest.mark.parametrize("batch", [(4,), (2, 3)])
@pytest.mark.parametrize("with_bias", [False, True])
def test_bilinear_matches_torch(batch, with_bias):
    shapes = [batch + (2,), batch + (3,), (5, 2, 3)] + ([(5,)] if with_bias else [])
    _compare(torch.nn.functional.bilinear, gg.nn.functional.bilinear, shapes)
    _compare(torch.nn.functional.bilinear, gg.nn.functional.bilinear, shapes, np.float32)


def test_cdist_matches_torch():
    for p in [2.0, 1.0, math.inf]:
        _compare(lambda x, y: torch.cdist(x, y, p=p), lambda x, y: gg.cdist(x, y, p=p), [(4, 3), (5, 3)])


SECOND_ORDER = [
    ("addmm", lambda lib: lambda a, b, c: lib.addmm(a, b, c, beta=0.5, alpha=2), [(2, 4), (2, 3), (3, 4)]),
    ("addmv", lambda lib: lib.addmv, [(2,), (2, 3), (3,)]),
    ("addr", lambda lib: lib.addr, [(2, 3), (2,), (3,)]),
    ("baddbmm", lambda lib: lib.baddbmm, [(2, 2, 4), (2, 2, 3), (2, 3, 4)]),
    ("addbmm", lambda lib: lib.addbmm, [(2, 4), (2, 2, 3), (2, 3, 4)]),
    ("addcmul", lambda lib: lambda a, b, c: lib.addcmul(a, b, c, value=2), [(3, 4), (4,), (3, 1)]),
    ("addcdiv", lambda lib: lambda a, b, c: lib.addcdiv(a, b, c.abs() + 1, value=2), [(3, 4), (4,), (3, 1)]),
    ("trace", lambda lib: lambda a: lib.trace(a) ** 2, [(3, 3)]),
    ("fmax", lambda lib: lambda a, b: lib.fmax(a, b) ** 2, [(3,), (3,)]),
    ("sgn", lambda lib: lambda a: lib.sgn(a) * a ** 2, [(3,)]),
    ("bilinear", lambda lib: lib.nn.functional.bilinear, [(4, 2), (4, 3), (5, 2, 3)]),
    ("cov", lambda lib: lib.cov, [(3, 5)]),
]


@pytest.mark.parametrize("name,make,shapes", SECOND_ORDER)
def test_second_derivatives_match_torch(name, make, shapes):
    arrays = _arrays(shapes, np.float64)
    tt = [torch.tensor(a, requires_grad=True) for a in arrays]
    gt = [gg.tensor(a, requires_grad=True) for a in arrays]
    out_t, out_g = make(torch)(*tt), make(gg)(*gt)
    w = RNG.standard_normal(tuple(out_t.shape))
    grads_t = torch.autograd.grad((out_t * torch.tensor(w)).sum(), tt, create_graph=True)
    grads_g = gg.autograd.grad((out_g * gg.tensor(w)).sum(), gt, create_graph=True)
    sum(((g ** 2).sum() for g in grads_t)).backward()
    sum(((g ** 2).sum() for g in grads_g)).backward()
    for a, b in zip(tt, gt):
        expected = a.grad.numpy() if a.grad is not None else np.zeros(a.shape)
        got = b.grad.numpy() if b.grad is not None else np.zeros(tuple(b.shape))
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["gt_", "eq_", "le_", "greater_", "not_equal_", "logical_and_", "logical_not_"])
@pytest.mark.parametrize("tensor_other", [True, False])
def test_in_place_comparison_on_a_graph_passes_no_gradient(name, tensor_other):
    a = RNG.standard_normal((3, 4))
    t, g = torch.tensor(a, requires_grad=True), gg.tensor(a, requires_grad=True)
    yt, yg = t * 2, g * 2
    other_t = torch.tensor(RNG.standard_normal(4)) if tensor_other or name == "logical_and_" else 0.5
    other_g = gg.tensor(other_t.numpy()) if isinstance(other_t, torch.Tensor) else other_t
    args_t, args_g = ((), ()) if name == "logical_not_" else ((other_t,), (other_g,))
    getattr(yt, name)(*args_t)
    getattr(yg, name)(*args_g)
    np.testing.assert_array_equal(yg.detach().numpy(), yt.detach().numpy())
    assert yg.grad_fn.name() == yt.grad_fn.name()
    (yt * 3 + t).sum().backward()
    (yg * 3 + g).sum().backward()
    np.testing.assert_array_equal(g.grad.numpy(), t.grad.numpy())
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        getattr(gg.ones(2, requires_grad=True), name)(*args_g)


@pytest.mark.parametrize("name", ["addcmul", "addcdiv", "fmax", "fmin", "nextafter", "gcd"])
def test_shapes_that_do_not_broadcast_are_torchs_error(name):
    dtype = np.int64 if name == "gcd" else np.float64
    a, b = np.ones((3, 4), dtype=dtype), np.ones(5, dtype=dtype)
    args = (a, a, b) if name.startswith("addc") else (a, b)
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(\d\) must match the size of tensor b \(\d\) at "
                                           r"non-singleton dimension \d"):
        getattr(torch, name)(*[torch.tensor(x) for x in args])
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(\d\) must match the size of tensor b \(\d\) at "
                                           r"non-singleton dimension \d"):
        getattr(gg, name)(*[gg.tensor(x) for x in args])


def test_bilinear_module_takes_leading_batch_dims_as_torch():
    module_g = gg.nn.Bilinear(2, 3, 4)
    module_t = torch.nn.Bilinear(2, 3, 4)
    with torch.no_grad():
        module_t.weight.copy_(torch.tensor(module_g.weight.detach().numpy()))
        module_t.bias.copy_(torch.tensor(module_g.bias.detach().numpy()))
    a, b = RNG.standard_normal((5, 6, 2)).astype(np.float32), RNG.standard_normal((5, 6, 3)).astype(np.float32)
    out_g, out_t = module_g(gg.tensor(a), gg.tensor(b)), module_t(torch.tensor(a), torch.tensor(b))
    np.testing.assert_allclose(out_g.detach().numpy(), out_t.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert out_g.grad_fn.name() == out_t.grad_fn.name()
