"""The tensor half of the one op catalog (DESIGN.md §5): every Part III op, once, for every test.

``op_catalog.py`` lists the scalar ops with ``OpSpec``; this file lists the tensor ops with
``TensorOpSpec``, the same idea plus shapes. Each entry is written ONCE as ``f(lib, *tensors, **params)``
and run with ``lib = glassgrad`` and ``lib = torch``, so the two sides cannot drift apart:

- ``shapes``: a hypothesis strategy giving one shape per tensor input (broadcasting pairs for binary ops);
- ``params(shapes)``: a strategy of keyword arguments that depend on the shapes (``dim``, ``keepdim`` ...);
- ``domain``: where each input's values may be drawn from (positive only for log, sqrt ...);
- ``smooth_at(*arrays, **params)``: whether finite differences are valid there (away from kinks and ties).

An op glassgrad lacks fails its tests with the AttributeError that calling it raises: the catalog is the
list of what glassgrad must offer.

Non-tensor arguments an op needs (the index of ``gather``, the mask of ``masked_fill``) are built inside
the entry, deterministically from the shapes, with ``lib.tensor``.
"""

from __future__ import annotations

import numbers
import zlib
from dataclasses import dataclass
from functools import partial
from typing import Callable

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import glassgrad

KINK = 1e-4  # how far from a kink or a tie a central difference with eps = 1e-6 is safe


@dataclass(frozen=True)
class Domain:
    """Values in [lo, hi] with |x| ≥ gap (gap > 0 keeps division and log away from zero)."""

    lo: float = -10.0
    hi: float = 10.0
    gap: float = 0.0

    def elements(self):
        """Hypothesis floats in the domain: it likes edges (0, lo, hi, repeated values) — good for parity."""
        real = partial(st.floats, allow_nan=False, allow_infinity=False, allow_subnormal=False)
        if self.gap <= 0:
            return real(self.lo, self.hi)
        parts = [real(max(self.lo, self.gap), self.hi)] if self.hi >= self.gap else []
        if self.lo <= -self.gap:
            parts.append(real(self.lo, min(self.hi, -self.gap)))
        return st.one_of(parts)

    def sample(self, rng: np.random.Generator, shape: tuple) -> np.ndarray:
        """Uniform values (no ties, almost surely no kinks): for finite differences."""
        x = rng.uniform(self.lo, self.hi, shape)
        if self.gap > 0:
            small = np.abs(x) < self.gap
            x = np.where(small, np.where(x < 0, -1, 1) * (self.gap + np.abs(x)), x)
            x = np.clip(x, self.lo, self.hi)
        return np.asarray(x, dtype=np.float64)


ANY = Domain()
WIDE = Domain(-50.0, 50.0)
SMALL = Domain(-2.0, 2.0)
POSITIVE = Domain(1e-3, 1e3)
BASE = Domain(0.1, 10.0)
EXPONENT = Domain(-3.0, 3.0)
NONZERO = Domain(gap=0.1)


@dataclass(frozen=True)
class TensorOpSpec:
    name: str
    arity: int  # tensor inputs
    glassgrad_fn: Callable
    torch_fn: Callable
    domain: tuple  # one Domain per tensor input
    shapes: st.SearchStrategy  # a tuple of `arity` shapes
    params: Callable | None = None  # shapes -> strategy of keyword arguments
    differentiable: bool = True
    smooth_at: Callable | None = None
    parity_needs_smooth: bool = False  # the derivative is ill-conditioned at kinks (std at 0): skip them

    def __post_init__(self):
        assert len(self.domain) == self.arity, self.name


def op(name, f, arity=1, domain=None, shapes=None, params=None, differentiable=True,
       smooth_at=None, parity_needs_smooth=False) -> TensorOpSpec:
    """One entry: ``f(lib, *tensors, **params)`` run with lib = glassgrad and lib = torch."""
    shapes = shapes if shapes is not None else (UNARY if arity == 1 else BROADCAST)
    return TensorOpSpec(name, arity, partial(f, glassgrad), partial(f, torch),
                        tuple(domain) if domain is not None else (ANY,) * arity, shapes, params,
                        differentiable, smooth_at, parity_needs_smooth)


# --- shapes -----------------------------------------------------------------------------------------
def shape(min_dims=0, max_dims=3, min_side=1, max_side=4):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


UNARY = shape().map(lambda s: (s,))
UNARY_1D_UP = shape(min_dims=1).map(lambda s: (s,))
UNARY_2D_UP = shape(min_dims=2).map(lambda s: (s,))
MATRIX = shape(2, 2).map(lambda s: (s,))
ONES_LIKELY = shape(max_side=2).map(lambda s: (s,))  # sizes of 1 are common: squeeze, expand
BROADCAST = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1,
                                              max_side=4).map(lambda r: r.input_shapes)
SAME2 = shape().map(lambda s: (s, s))


@st.composite
def matmul_shapes(draw):
    """torch.matmul's cases: 1-D·1-D, 2-D·1-D, 1-D·2-D, 2-D·2-D, and batched with broadcast batch dims."""
    k = draw(st.integers(1, 4))
    batches = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3))
    a_kind, b_kind = draw(st.sampled_from(["vector", "matrix", "batched"])), draw(
        st.sampled_from(["vector", "matrix", "batched"]))
    n, m = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    a = (k,) if a_kind == "vector" else (n, k) if a_kind == "matrix" else batches.input_shapes[0] + (n, k)
    b = (k,) if b_kind == "vector" else (k, m) if b_kind == "matrix" else batches.input_shapes[1] + (k, m)
    return a, b


def fixed(*dims_strategies):
    """Shapes built from shared sizes: fixed(lambda n, k, m: ((n, k), (k, m)), 3) draws n, k, m."""
    build, count = dims_strategies
    return st.lists(st.integers(1, 4), min_size=count, max_size=count).map(lambda d: build(*d))


@st.composite
def cat_shapes(draw, count=2):  # noqa: D103
    """Shapes equal except along one dim (returned as the last element)."""
    base = list(draw(shape(min_dims=1)))
    dim = draw(st.integers(-len(base), len(base) - 1))
    shapes = []
    for _ in range(count):
        s = list(base)
        s[dim] = draw(st.integers(1, 4))
        shapes.append(tuple(s))
    return tuple(shapes) + (dim,)


# --- params -----------------------------------------------------------------------------------------
def _dims(ndim: int, tuples: bool = True):
    n = max(ndim, 1)
    one = st.integers(-n, n - 1)
    if not tuples or ndim == 0:
        return one
    return st.one_of(one, st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim,
                                   unique=True).map(tuple))


def dim_keepdim(tuples=True, none=True, keepdim=True):
    def params(shapes):
        dim = _dims(len(shapes[0]), tuples)
        d = {"dim": st.one_of(st.none(), dim) if none else dim}
        if keepdim:
            d["keepdim"] = st.booleans()
        return st.fixed_dictionaries(d)
    return params


def one_dim(shapes):
    return st.fixed_dictionaries({"dim": _dims(len(shapes[0]), tuples=False)})


def nothing(shapes):
    return st.just({})


# --- deterministic inputs (index tensors, masks, weights), the same numbers for both libraries -------
def rng_for(*key) -> np.random.Generator:
    """A generator seeded by ``key``: the same numbers in every run (crc32, not hash(), which Python
    salts per process for strings) and for both libraries (a torch.Size and glassgrad's Size are read
    as the plain tuple of ints they are, so their different reprs don't matter)."""
    def plain(x):
        if isinstance(x, (tuple, list)):
            return tuple(plain(v) for v in x)
        return int(x) if isinstance(x, numbers.Integral) else x
    return np.random.default_rng(zlib.crc32(repr(plain(key)).encode()))


def _index_along(shape: tuple, dim: int, size_along: int) -> np.ndarray:
    return rng_for("index", shape, dim).integers(0, size_along, shape).astype(np.int64)


def _mask(shape: tuple) -> np.ndarray:
    return rng_for("mask", shape).random(shape) < 0.5


# --- smoothness: where central differences are valid ----------------------------------------------------
def away_from_zero(*xs, **_):
    return all(np.all(np.abs(x) > KINK) for x in xs)


def no_ties(x, *rest, **_):
    v = np.sort(np.ravel(x))
    return v.size < 2 or np.min(np.diff(v)) > KINK


def apart(a, b, **_):
    return bool(np.all(np.abs(a - b) > KINK))


def clamp_smooth(x, **_):
    return bool(np.all(np.abs(x + 1) > KINK) and np.all(np.abs(x - 2) > KINK))


def remainder_smooth(a, b, **_):
    q = a / b
    return bool(np.all(np.abs(q - np.round(q)) > KINK))


def invertible(a, **_):
    return bool(np.all(np.abs(np.linalg.det(a)) > 1e-3))


def where_smooth(a, b, **_):
    return away_from_zero(a)


# ======================================================================================================
TENSOR_OPS: list[TensorOpSpec] = [
    # --- arithmetic, every form: operator, method, function; tensors and numbers on either side -------
    op("add", lambda T, a, b: T.add(a, b), 2),
    op("add_operator", lambda T, a, b: a + b, 2),
    op("add_method_alpha", lambda T, a, b: a.add(b, alpha=2.5), 2),
    op("sub", lambda T, a, b: T.sub(a, b), 2),
    op("sub_operator", lambda T, a, b: a - b, 2),
    op("mul", lambda T, a, b: T.mul(a, b), 2),
    op("mul_operator", lambda T, a, b: a * b, 2),
    op("div", lambda T, a, b: T.div(a, b), 2, (ANY, NONZERO)),
    op("div_operator", lambda T, a, b: a / b, 2, (ANY, NONZERO)),
    op("floor_divide_operator", lambda T, a, b: a // b, 2, (ANY, NONZERO), differentiable=False),
    op("remainder_operator", lambda T, a, b: a % b, 2, (ANY, NONZERO), smooth_at=remainder_smooth),
    op("pow", lambda T, a, b: T.pow(a, b), 2, (BASE, EXPONENT)),
    op("pow_operator", lambda T, a, b: a ** b, 2, (BASE, EXPONENT)),
    op("pow_int_scalar", lambda T, a: a ** 3, 1),
    op("pow_float_scalar", lambda T, a: a.pow(2.5), 1, (BASE,)),
    op("pow_negative_scalar", lambda T, a: a ** -1.5, 1, (BASE,)),
    op("radd", lambda T, a: 2.5 + a, 1),
    op("rsub", lambda T, a: 2.5 - a, 1),
    op("rmul", lambda T, a: 2.5 * a, 1),
    op("rdiv", lambda T, a: 2.5 / a, 1, (NONZERO,)),
    op("rpow", lambda T, a: 2.0 ** a, 1),
    op("sub_scalar", lambda T, a: a - 1.5, 1),
    op("div_scalar", lambda T, a: a / 4.0, 1),
    op("neg", lambda T, a: T.neg(a), 1),
    op("neg_operator", lambda T, a: -a, 1),
    op("abs", lambda T, a: T.abs(a), 1, smooth_at=away_from_zero),
    op("abs_builtin", lambda T, a: abs(a), 1, smooth_at=away_from_zero),
    op("sign", lambda T, a: T.sign(a), 1, smooth_at=away_from_zero),
    op("exp", lambda T, a: T.exp(a), 1),
    op("exp_method", lambda T, a: a.exp(), 1),
    op("log", lambda T, a: T.log(a), 1, (POSITIVE,)),
    op("log1p", lambda T, a: T.log1p(a), 1, (Domain(-0.9, 10.0),)),
    op("sqrt", lambda T, a: T.sqrt(a), 1, (POSITIVE,)),
    op("rsqrt", lambda T, a: T.rsqrt(a), 1, (Domain(0.01, 100.0),)),
    op("sin", lambda T, a: T.sin(a), 1),
    op("cos", lambda T, a: a.cos(), 1),
    op("sinh", lambda T, a: T.sinh(a), 1, (Domain(-5.0, 5.0),)),
    op("cosh", lambda T, a: a.cosh(), 1, (Domain(-5.0, 5.0),)),
    op("asin", lambda T, a: T.asin(a), 1, (Domain(-0.9, 0.9),)),
    op("arcsin_method", lambda T, a: a.arcsin(), 1, (Domain(-0.9, 0.9),)),
    op("acos", lambda T, a: T.acos(a), 1, (Domain(-0.9, 0.9),)),
    op("atan", lambda T, a: T.atan(a), 1),
    op("arctan", lambda T, a: T.arctan(a), 1),
    op("asinh", lambda T, a: T.asinh(a), 1),
    op("acosh", lambda T, a: a.acosh(), 1, (Domain(1.1, 10.0),)),
    op("atanh", lambda T, a: T.atanh(a), 1, (Domain(-0.9, 0.9),)),
    op("atan2", lambda T, a, b: T.atan2(a, b), 2, (NONZERO, NONZERO)),  # the gap keeps off the branch cut
    op("arctan2_method", lambda T, a, b: a.arctan2(b), 2, (NONZERO, NONZERO)),
    op("sin_inplace", lambda T, a: (a * 1).sin_(), 1),
    op("cosh_inplace_function", lambda T, a: T.cosh_(a * 1), 1, (Domain(-5.0, 5.0),)),
    op("tanh", lambda T, a: T.tanh(a), 1),
    op("sigmoid", lambda T, a: T.sigmoid(a), 1, (WIDE,)),
    op("relu", lambda T, a: T.relu(a), 1, smooth_at=away_from_zero),
    op("relu_method", lambda T, a: a.relu(), 1, smooth_at=away_from_zero),
    op("clamp", lambda T, a: T.clamp(a, -1.0, 2.0), 1, smooth_at=clamp_smooth),
    op("clamp_min_only", lambda T, a: a.clamp(min=-1.0), 1,
       smooth_at=lambda a: bool(np.all(np.abs(a + 1) > KINK))),
    op("clip", lambda T, a: T.clip(a, max=2.0), 1, smooth_at=lambda a: bool(np.all(np.abs(a - 2) > KINK))),
    op("maximum", lambda T, a, b: T.maximum(a, b), 2, smooth_at=apart),
    op("minimum", lambda T, a, b: T.minimum(a, b), 2, smooth_at=apart),
    op("where", lambda T, a, b: T.where(a > 0, a, b), 2, smooth_at=where_smooth),
    op("where_scalar", lambda T, a: T.where(a > 0, a, 0.5), 1, smooth_at=away_from_zero),
    # comparisons and logic: bool results, no gradient
    op("eq", lambda T, a, b: T.eq(a, b), 2, differentiable=False),
    op("ne_operator", lambda T, a, b: a != b, 2, differentiable=False),
    op("lt_operator", lambda T, a, b: a < b, 2, differentiable=False),
    op("le", lambda T, a, b: T.le(a, b), 2, differentiable=False),
    op("gt_operator", lambda T, a, b: a > b, 2, differentiable=False),
    op("ge", lambda T, a, b: a.ge(b), 2, differentiable=False),
    op("gt_scalar", lambda T, a: a > 0.5, 1, differentiable=False),
    op("logical_and", lambda T, a, b: T.logical_and(a > 0, b > 0), 2, differentiable=False),
    op("logical_or", lambda T, a, b: T.logical_or(a > 0, b > 0), 2, differentiable=False),
    op("logical_xor", lambda T, a, b: T.logical_xor(a > 0, b > 0), 2, differentiable=False),
    op("logical_not", lambda T, a: T.logical_not(a > 0), 1, differentiable=False),
    op("invert_bool", lambda T, a: ~(a > 0), 1, differentiable=False),
    # nn.functional's differentiable functions
    op("F.relu", lambda T, a: T.nn.functional.relu(a), 1,
       smooth_at=away_from_zero),
    op("F.tanh", lambda T, a: T.nn.functional.tanh(a), 1),
    op("F.sigmoid", lambda T, a: T.nn.functional.sigmoid(a), 1),
    op("F.softmax", lambda T, a, dim: T.nn.functional.softmax(a, dim=dim), 1, (WIDE,), UNARY_1D_UP,
       one_dim),
    op("F.log_softmax", lambda T, a, dim: T.nn.functional.log_softmax(a, dim=dim), 1, (WIDE,),
       UNARY_1D_UP, one_dim),

    # --- reductions -----------------------------------------------------------------------------------
    op("sum", lambda T, a, **p: T.sum(a, **p) if p["dim"] is not None else T.sum(a), 1,
       params=dim_keepdim()),
    op("sum_method", lambda T, a, **p: a.sum(**p), 1, params=dim_keepdim(none=False)),
    op("mean", lambda T, a, **p: T.mean(a, **p) if p["dim"] is not None else T.mean(a), 1,
       params=dim_keepdim()),
    op("prod", lambda T, a, **p: T.prod(a, **p), 1, (SMALL,), params=dim_keepdim(tuples=False, none=False)),
    op("prod_all", lambda T, a: a.prod(), 1, (SMALL,)),
    op("max_dim", lambda T, a, **p: T.max(a, **p), 1, params=dim_keepdim(tuples=False, none=False),
       smooth_at=no_ties),
    op("min_dim", lambda T, a, **p: a.min(**p), 1, params=dim_keepdim(tuples=False, none=False),
       smooth_at=no_ties),
    op("max_all", lambda T, a: T.max(a), 1, smooth_at=no_ties),
    op("max_binary", lambda T, a, b: T.max(a, b), 2, smooth_at=apart),
    op("amax", lambda T, a, **p: T.amax(a, **p), 1, params=dim_keepdim(none=False), smooth_at=no_ties),
    op("amin", lambda T, a, **p: a.amin(**p), 1, params=dim_keepdim(none=False),
       smooth_at=no_ties),
    # numpy's keyword names, which PyTorch's argument parser accepts for dim/keepdim
    op("sum_numpy_names", lambda T, a, dim, keepdim: a.sum(axis=dim, keepdims=keepdim), 1,
       params=dim_keepdim(none=False)),
    op("logsumexp_numpy_names", lambda T, a, dim, keepdim: T.logsumexp(a, axis=dim, keepdims=keepdim), 1,
       params=dim_keepdim(none=False)),
    op("argmax_axis", lambda T, a, dim, keepdim: a.argmax(axis=dim, keepdims=keepdim), 1,
       params=dim_keepdim(tuples=False, none=False), differentiable=False),
    op("argmax", lambda T, a, **p: T.argmax(a, **p), 1, params=dim_keepdim(tuples=False),
       differentiable=False),
    op("argmin", lambda T, a, **p: a.argmin(**p), 1, params=dim_keepdim(tuples=False),
       differentiable=False),
    op("var", lambda T, a, **p: T.var(a, **p), 1, shapes=shape(min_dims=1, min_side=2).map(lambda s: (s,)),
       params=lambda s: st.fixed_dictionaries({"dim": _dims(len(s[0])), "keepdim": st.booleans(),
                                               "correction": st.sampled_from([0, 1])})),
    op("var_unbiased", lambda T, a, **p: a.var(**p), 1,
       shapes=shape(min_dims=1, min_side=2).map(lambda s: (s,)),
       params=lambda s: st.fixed_dictionaries({"dim": _dims(len(s[0]), tuples=False),
                                               "unbiased": st.booleans()})),
    op("std", lambda T, a, **p: T.std(a, **p), 1, shapes=shape(min_dims=1, min_side=2).map(lambda s: (s,)),
       params=lambda s: st.fixed_dictionaries({"dim": _dims(len(s[0])), "keepdim": st.booleans(),
                                               "correction": st.sampled_from([0, 1])}),
       smooth_at=no_ties, parity_needs_smooth=True),
    op("std_all", lambda T, a: a.std(), 1, shapes=shape(min_dims=1, min_side=2).map(lambda s: (s,)),
       smooth_at=no_ties, parity_needs_smooth=True),
    op("logsumexp", lambda T, a, **p: T.logsumexp(a, **p), 1, (WIDE,),
       params=dim_keepdim(none=False)),
    op("norm", lambda T, a: T.norm(a), 1, (NONZERO,)),
    op("norm_p1_dim", lambda T, a, dim: a.norm(p=1, dim=dim), 1, (NONZERO,), UNARY_1D_UP, one_dim),
    op("norm_p2_dim_keepdim", lambda T, a, dim: T.norm(a, p=2, dim=dim, keepdim=True), 1, (NONZERO,),
       UNARY_1D_UP, one_dim),
    op("all", lambda T, a, **p: T.all(a > 0, **p) if p["dim"] is not None else T.all(a > 0), 1,
       params=dim_keepdim(tuples=False), differentiable=False),
    op("any", lambda T, a, **p: (a > 0).any(**p) if p["dim"] is not None else (a > 0).any(), 1,
       params=dim_keepdim(tuples=False), differentiable=False),
    op("softmax", lambda T, a, dim: T.softmax(a, dim), 1, (WIDE,), UNARY_1D_UP, one_dim),
    op("softmax_method", lambda T, a, dim: a.softmax(dim=dim), 1, (WIDE,), UNARY_1D_UP, one_dim),
    op("log_softmax", lambda T, a, dim: T.log_softmax(a, dim=dim), 1, (WIDE,), UNARY_1D_UP, one_dim),

    # --- linear algebra -------------------------------------------------------------------------------
    op("matmul", lambda T, a, b: T.matmul(a, b), 2, shapes=matmul_shapes()),
    op("matmul_operator", lambda T, a, b: a @ b, 2, shapes=matmul_shapes()),
    op("mm", lambda T, a, b: T.mm(a, b), 2, shapes=fixed(lambda n, k, m: ((n, k), (k, m)), 3)),
    op("bmm", lambda T, a, b: a.bmm(b), 2, shapes=fixed(lambda b, n, k, m: ((b, n, k), (b, k, m)), 4)),
    op("dot", lambda T, a, b: T.dot(a, b), 2, shapes=fixed(lambda k: ((k,), (k,)), 1)),
    op("outer", lambda T, a, b: T.outer(a, b), 2, shapes=fixed(lambda n, m: ((n,), (m,)), 2)),
    op("einsum_ij_jk", lambda T, a, b: T.einsum("ij,jk->ik", a, b), 2,
       shapes=fixed(lambda n, k, m: ((n, k), (k, m)), 3)),
    op("einsum_batched", lambda T, a, b: T.einsum("bij,bjk->bik", a, b), 2,
       shapes=fixed(lambda b, n, k, m: ((b, n, k), (b, k, m)), 4)),
    op("einsum_outer", lambda T, a, b: T.einsum("i,j->ij", a, b), 2,
       shapes=fixed(lambda n, m: ((n,), (m,)), 2)),
    op("einsum_matvec", lambda T, a, b: T.einsum("ij,j->i", a, b), 2,
       shapes=fixed(lambda n, k: ((n, k), (k,)), 2)),
    op("einsum_rowdot", lambda T, a, b: T.einsum("bi,bi->b", a, b), 2,
       shapes=fixed(lambda n, k: ((n, k), (n, k)), 2)),
    op("einsum_full", lambda T, a, b: T.einsum("ij,ij->", a, b), 2,
       shapes=fixed(lambda n, k: ((n, k), (n, k)), 2)),
    op("einsum_transpose", lambda T, a, b: T.einsum("ij,kj->ik", a, b), 2,
       shapes=fixed(lambda n, k, m: ((n, k), (m, k)), 3)),

    # --- shape ----------------------------------------------------------------------------------------
    op("reshape_flat", lambda T, a: T.reshape(a, (-1,)), 1),
    op("reshape_reversed", lambda T, a: a.reshape(tuple(reversed(a.shape))), 1),
    op("view", lambda T, a: a.view(-1, 1), 1),
    op("flatten", lambda T, a: T.flatten(a), 1),
    op("flatten_start_dim", lambda T, a: T.flatten(a, 1), 1, shapes=UNARY_2D_UP),
    op("squeeze", lambda T, a: T.squeeze(a), 1, shapes=ONES_LIKELY),
    op("squeeze_dim", lambda T, a, dim: a.squeeze(dim), 1, shapes=ONES_LIKELY, params=one_dim),
    op("unsqueeze", lambda T, a, dim: T.unsqueeze(a, dim), 1,
       params=lambda s: st.fixed_dictionaries({"dim": st.integers(-len(s[0]) - 1, len(s[0]))})),
    op("permute", lambda T, a, dims: a.permute(*dims), 1, shapes=UNARY_1D_UP,
       params=lambda s: st.fixed_dictionaries({"dims": st.permutations(range(len(s[0])))})),
    op("permute_function", lambda T, a, dims: T.permute(a, dims), 1, shapes=UNARY_1D_UP,
       params=lambda s: st.fixed_dictionaries({"dims": st.permutations(range(len(s[0]))).map(tuple)})),
    op("transpose", lambda T, a, d0, d1: T.transpose(a, d0, d1), 1, shapes=UNARY_1D_UP,
       params=lambda s: st.fixed_dictionaries({"d0": _dims(len(s[0]), False),
                                               "d1": _dims(len(s[0]), False)})),
    op("t", lambda T, a: a.t(), 1, shapes=shape(max_dims=2).map(lambda s: (s,))),
    op("T_property", lambda T, a: a.T, 1, shapes=MATRIX),
    op("expand", lambda T, a: a.expand(2, *[3 if n == 1 else n for n in a.shape]), 1, shapes=ONES_LIKELY),
    op("expand_as", lambda T, a, b: a.expand_as(b), 2,
       shapes=hnp.mutually_broadcastable_shapes(num_shapes=1, base_shape=(2, 3), max_dims=2, max_side=3).map(
           lambda r: (r.input_shapes[0], (2, 3)))),
    op("repeat", lambda T, a: a.repeat(2, *([1, 2, 1][:a.dim()])), 1),
    op("cat", lambda T, a, b, dim: T.cat([a, b], dim=dim), 2, shapes=cat_shapes().map(lambda r: r[:2]),
       params=lambda s: st.just({"dim": next(i for i in range(len(s[0])) if s[0][i] != s[1][i])
                                 if s[0] != s[1] else 0})),
    op("cat_three", lambda T, a, b, c: T.cat((a, b, c), 0), 3,
       shapes=st.tuples(shape(max_dims=2), st.lists(st.integers(1, 4), min_size=3, max_size=3)).map(
           lambda r: tuple((n,) + r[0] for n in r[1]))),
    op("stack", lambda T, a, b, dim: T.stack([a, b], dim=dim), 2, shapes=SAME2,
       params=lambda s: st.fixed_dictionaries({"dim": st.integers(-len(s[0]) - 1, len(s[0]))})),
    op("split", lambda T, a, dim: T.split(a, 2, dim=dim), 1, shapes=UNARY_1D_UP, params=one_dim),
    op("split_sizes", lambda T, a: a.split([1, a.shape[0] - 1], 0), 1,
       shapes=shape(min_dims=1, min_side=2).map(lambda s: (s,))),
    op("chunk", lambda T, a, dim: T.chunk(a, 2, dim), 1, shapes=UNARY_1D_UP, params=one_dim),
    op("flip", lambda T, a, dims: T.flip(a, dims), 1, shapes=UNARY_1D_UP,
       params=lambda s: st.fixed_dictionaries({"dims": st.lists(st.integers(0, len(s[0]) - 1), min_size=1,
                                                                unique=True).map(tuple)})),
    op("gather", lambda T, a, dim: T.gather(a, dim, T.tensor(_index_along(a.shape, dim, a.shape[dim]))),
       1, shapes=UNARY_1D_UP, params=lambda s: st.fixed_dictionaries({"dim": st.integers(0, len(s[0]) - 1)})),
    op("scatter_add", lambda T, a, src, dim: a.scatter_add(dim, T.tensor(_index_along(src.shape, dim,
                                                                                      a.shape[dim])), src),
       2, shapes=shape(min_dims=1).map(lambda s: (s, s)),
       params=lambda s: st.fixed_dictionaries({"dim": st.integers(0, len(s[0]) - 1)})),
    op("masked_fill", lambda T, a: T.masked_fill(a, T.tensor(_mask(tuple(a.shape))), -1.5), 1),
    op("masked_fill_broadcast_mask", lambda T, a: a.masked_fill(T.tensor(_mask(tuple(a.shape[-1:]))), 0.0),
       1, shapes=UNARY_1D_UP),
    op("tril", lambda T, a, diagonal: T.tril(a, diagonal), 1, shapes=UNARY_2D_UP,
       params=lambda s: st.fixed_dictionaries({"diagonal": st.integers(-2, 2)})),
    op("triu", lambda T, a, diagonal: a.triu(diagonal=diagonal), 1, shapes=UNARY_2D_UP,
       params=lambda s: st.fixed_dictionaries({"diagonal": st.integers(-2, 2)})),

    # --- functions real programs call: grids, repeats, counts, determinants, in-place shape changes ------
    op("meshgrid_ij", lambda T, a, b: T.meshgrid(a, b, indexing="ij"), 2,
       shapes=fixed(lambda n, m: ((n,), (m,)), 2)),
    op("meshgrid_xy_list", lambda T, a, b, c: T.meshgrid([a, b, c], indexing="xy"), 3,
       shapes=fixed(lambda n, m, k: ((n,), (m,), (k,)), 3)),
    op("repeat_interleave", lambda T, a, dim: T.repeat_interleave(a, 2, dim=dim), 1, shapes=UNARY_1D_UP,
       params=one_dim),
    op("repeat_interleave_flat", lambda T, a: a.repeat_interleave(3), 1),
    op("repeat_interleave_counts", lambda T, a: a.repeat_interleave(
        T.tensor(rng_for("counts", a.shape[0]).integers(0, 3, a.shape[0])), dim=0), 1, shapes=UNARY_1D_UP),
    op("unique", lambda T, a: T.unique(a, return_inverse=True, return_counts=True), 1, differentiable=False),
    op("unique_dim", lambda T, a: T.unique(T.round(a / 4), dim=0, return_inverse=True), 1, shapes=UNARY_1D_UP,
       differentiable=False),
    op("bincount", lambda T, a: T.bincount((a.abs() * 2).long()), 1, shapes=shape(1, 1).map(lambda s: (s,)),
       differentiable=False),
    op("bincount_weights", lambda T, a, w: T.bincount(a.abs().long(), weights=w, minlength=12), 2,
       shapes=shape(1, 1).map(lambda s: (s, s)), differentiable=False),
    op("histc", lambda T, a: T.histc(a, bins=7, min=-4, max=6), 1, differentiable=False),
    op("histc_data_range", lambda T, a: a.histc(bins=5), 1, differentiable=False),
    op("histogram", lambda T, a: T.histogram(a, bins=4), 1, differentiable=False),
    op("histogram_edges", lambda T, a: T.histogram(a, T.tensor([-5.0, 0.0, 1.0, 7.0], dtype=a.dtype)), 1,
       differentiable=False),
    op("histogram_weight_density", lambda T, a, w: T.histogram(a, 3, range=(-5.0, 5.0), weight=w, density=True),
       2, (ANY, POSITIVE), SAME2, differentiable=False),
    # det: PyTorch's gradient at a singular matrix is 0, not the cofactors (glassgrad's, and central
    # differences'), so parity is checked away from singular matrices
    op("det", lambda T, a: T.det(a), 1, shapes=fixed(lambda b, n: ((b, n, n),), 2), smooth_at=invertible,
       parity_needs_smooth=True),
    op("linalg_det", lambda T, a: T.linalg.det(a), 1, shapes=fixed(lambda n: ((n, n),), 1),
       smooth_at=invertible, parity_needs_smooth=True),
    op("linalg_cross", lambda T, a, b: T.linalg.cross(a, b), 2, shapes=fixed(lambda n: ((n, 3), (1, 3)), 1)),
    op("cross_dim0", lambda T, a, b: a.cross(b, dim=0), 2, shapes=fixed(lambda n: ((3, n), (3, n)), 1)),
    op("svd_S", lambda T, a: T.svd(a).S, 1, shapes=MATRIX, differentiable=False),  # S's gradient: test_functions
    op("linalg_svd_S", lambda T, a: T.linalg.svd(a, full_matrices=False).S, 1, shapes=MATRIX,
       differentiable=False),
    op("unsqueeze_", lambda T, a, dim: (a * 1).unsqueeze_(dim), 1,
       params=lambda s: st.fixed_dictionaries({"dim": st.integers(-len(s[0]) - 1, len(s[0]))})),
    op("squeeze_", lambda T, a: (a * 1).squeeze_(), 1, shapes=ONES_LIKELY),
    op("t_", lambda T, a: (a * 1).t_(), 1, shapes=MATRIX),
    op("transpose_", lambda T, a: (a * 1).transpose_(0, -1), 1, shapes=UNARY_1D_UP),

    # --- indexing -------------------------------------------------------------------------------------
    op("index_int", lambda T, a: a[-1], 1, shapes=UNARY_1D_UP),
    op("index_slices", lambda T, a: a[1:, ::2], 1, shapes=UNARY_2D_UP),
    op("index_none_ellipsis", lambda T, a: a[None, ..., 0], 1, shapes=UNARY_1D_UP),
    op("index_list_repeats", lambda T, a: a[[0, 0, -1, 0]], 1, shapes=UNARY_1D_UP),
    op("index_tensor_repeats", lambda T, a: a[:, T.tensor([1, 0, 1, 1])], 1,
       shapes=shape(min_dims=2, min_side=2).map(lambda s: (s,))),
    op("index_two_tensors", lambda T, a: a[T.tensor([0, 1, 0]), T.tensor([1, 1, 0])], 1,
       shapes=shape(min_dims=2, min_side=2).map(lambda s: (s,))),
    op("index_bool_mask", lambda T, a: a[a > 0], 1, smooth_at=away_from_zero),
    op("index_bool_mask_rows", lambda T, a: a[T.tensor(_mask(tuple(a.shape[:1])))], 1, shapes=UNARY_1D_UP),
]

_names = [s.name for s in TENSOR_OPS]
assert len(set(_names)) == len(_names), "duplicate op names in the catalog"
SPECS = {s.name: s for s in TENSOR_OPS}

# Ops that PyTorch offers as a top-level function AND a Tensor method: glassgrad must offer both
# (a method and the function are one function, attached by glassgrad/ops/__init__.py).
BOTH_FORMS = [
    "add", "sub", "mul", "div", "pow", "neg", "abs", "sign", "exp", "log", "log1p", "sqrt", "rsqrt", "sin",
    "cos", "tanh", "sigmoid", "relu", "clamp", "clip", "maximum", "minimum", "where", "eq", "ne", "lt",
    "le", "gt", "ge", "logical_and", "logical_or", "logical_not", "logical_xor", "sum", "mean", "prod",
    "max", "min", "amax", "amin", "argmax", "argmin", "var", "std", "logsumexp", "norm", "all", "any",
    "softmax", "log_softmax", "matmul", "mm", "bmm", "dot", "outer", "reshape", "flatten", "squeeze",
    "unsqueeze", "permute", "transpose", "t", "cat", "stack", "split", "chunk", "flip", "gather",
    "scatter_add", "masked_fill", "tril", "triu", "clone", "detach",
    "sinh", "cosh", "asin", "acos", "atan", "asinh", "acosh", "atanh", "arcsin", "arccos", "arctan", "atan2",
    "arctan2", "repeat_interleave", "unique", "bincount", "histc", "histogram", "det", "svd", "cross",
    "sin_", "relu_", "exp_", "sinh_",
]
BOTH_FORMS = [n for n in BOTH_FORMS if hasattr(torch, n) and hasattr(torch.Tensor, n)]
METHOD_ONLY = ["view", "expand", "expand_as", "repeat", "add_", "sub_", "mul_", "div_", "zero_", "fill_",
               "copy_", "clamp_", "item", "tolist", "numpy", "float", "double", "long", "int", "bool",
               "to", "type_as", "size", "dim", "numel", "retain_grad", "register_hook", "backward",
               "requires_grad_", "normal_", "uniform_", "exponential_", "bernoulli_", "random_", "cauchy_",
               "log_normal_", "geometric_", "unsqueeze_", "squeeze_", "t_", "transpose_", "cos_", "tan_",
               "asin_", "atan2_", "log1p_", "reciprocal_"]
FUNCTION_ONLY = ["einsum", "tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty",
                 "zeros_like", "ones_like", "full_like", "empty_like", "arange", "linspace", "logspace", "eye", "rand",
                 "randn", "randint", "randperm", "manual_seed", "meshgrid"]
BOTH_FORMS += ["bitwise_xor", "bitwise_and", "bitwise_or", "bitwise_not"]  # functions and Tensor methods

