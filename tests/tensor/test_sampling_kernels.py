"""normal_kernels.py's (and randperm's) two ways to the same numbers: the compiled kernels (numba) and the numpy replays.

Both must give PyTorch's numbers bit for bit, whichever one runs on the machine; the parity tests
(test_random_parity.py) see only the one in use, so here each path is forced in turn. Also the exact
fused multiply-adds the recipes rely on, checked against exact rational arithmetic.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings, strategies as st

import glassgrad
from glassgrad import normal_kernels, random as gg_random, sampling

PATHS = ["compiled", "numpy"]


@pytest.fixture(params=PATHS)
def path(request, monkeypatch):
    """Run the test with numba's kernels, then again with them switched off (the numpy replays)."""
    if request.param == "compiled":
        pytest.importorskip("numba")
        assert normal_kernels.compiled_box_muller() is not None, "numba's float32 kernel failed its check"
        assert normal_kernels.compiled_box_muller_double() is not None
    else:
        monkeypatch.setattr(normal_kernels, "compiled_box_muller", lambda: None)
        monkeypatch.setattr(normal_kernels, "compiled_box_muller_double", lambda: None)
        monkeypatch.setattr(sampling, "_compiled_swaps", lambda: None)
    return request.param


@pytest.mark.parametrize("n", [16, 17, 31, 32, 33, 1000, 40_000])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_block_normals_are_pytorchs_on_both_paths(path, n, dtype):
    for seed in (0, 2147483647):
        g = glassgrad.Generator().manual_seed(seed)
        tg = torch.Generator().manual_seed(seed)
        ours = glassgrad.randn(n, generator=g, dtype=getattr(glassgrad, dtype)).numpy()
        theirs = torch.randn(n, generator=tg, dtype=getattr(torch, dtype)).numpy()
        np.testing.assert_array_equal(ours, theirs)
        np.testing.assert_array_equal(g.get_state().numpy(), tg.get_state().numpy())


def test_mean_and_std_go_through_one_rounding(path):
    for dtype in ("float32", "float64"):
        g = glassgrad.Generator().manual_seed(5)
        tg = torch.Generator().manual_seed(5)
        ours = glassgrad.empty(100, dtype=getattr(glassgrad, dtype)).normal_(0.3, 1.7, generator=g)
        theirs = torch.empty(100, dtype=getattr(torch, dtype)).normal_(0.3, 1.7, generator=tg)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("n", [0, 1, 2, 10, 1001, 20_000])
def test_randperm_on_both_paths(path, n):
    g = glassgrad.Generator().manual_seed(n + 3)
    tg = torch.Generator().manual_seed(n + 3)
    np.testing.assert_array_equal(glassgrad.randperm(n, generator=g).numpy(),
                                  torch.randperm(n, generator=tg).numpy())


def test_compiled_kernel_equals_the_numpy_replay_lane_by_lane():
    """Every 24-bit u1 near the edges of the log's ranges, and random ones, through both kernels."""
    pytest.importorskip("numba")
    kernel = normal_kernels.compiled_box_muller()
    assert kernel is not None
    k = np.concatenate([np.arange(0, 4096), (1 << 24) - 1 - np.arange(4096),
                        np.random.default_rng(1).integers(0, 1 << 24, 8192)])
    u = k.astype(np.float32) * np.float32(2.0 ** -24)
    u1, u2 = np.float32(1) - u, u[::-1].copy()
    cos, sin = np.empty_like(u1), np.empty_like(u1)
    kernel(u1, u1.view(np.int32), u2, cos, sin)
    scratch = np.empty(u1.size, np.float64)
    radius = np.sqrt(np.float32(-2) * normal_kernels._log_ps(u1.copy(), scratch))
    want_sin, want_cos = normal_kernels._sincos_ps(np.float32(2.0 * math.pi) * u2, scratch)
    np.testing.assert_array_equal(cos, radius * want_cos)
    np.testing.assert_array_equal(sin, radius * want_sin)


def test_without_numba_the_kernels_are_none(monkeypatch):
    """A machine without numba falls back quietly (sys.modules[name] = None makes the import fail)."""
    monkeypatch.setitem(__import__("sys").modules, "numba", None)
    for builder in (normal_kernels.compiled_box_muller, normal_kernels.compiled_box_muller_double,
                    sampling._compiled_swaps):
        builder.cache_clear()
        try:
            assert builder() is None
        finally:
            builder.cache_clear()


finite64 = st.floats(min_value=-1e150, max_value=1e150, allow_nan=False, allow_infinity=False)
finite32 = st.floats(min_value=-2.0 ** 60, max_value=2.0 ** 60, allow_nan=False, allow_infinity=False,
                     width=32)


def round_to_float32(exact: Fraction) -> np.float32:
    """The float32 nearest to ``exact``, ties to an even last bit, found among float(exact)'s
    float32 rounding and its two neighbours."""
    guess = np.float32(float(exact))
    candidates = [guess, np.nextafter(guess, np.float32(np.inf)), np.nextafter(guess, np.float32(-np.inf))]
    return min(candidates, key=lambda v: (abs(Fraction(float(v)) - exact), int(v.view(np.int32)) & 1))


@settings(max_examples=300, deadline=None)
@given(finite64, finite64, finite64)
@example(0.5, 5e-324, 5e-324)  # a product among the subnormals: Dekker's split alone lost its half
@example(-1.0218081138584083e-257, 1.5228903422418192e-51, -5e-324)  # a 52-bit subnormal result
def test_fma64_rounds_once(a, b, c):
    exact = Fraction(a) * Fraction(b) + Fraction(c)
    assert normal_kernels.fma64(a, b, c) == float(exact)


@settings(max_examples=300, deadline=None)
@given(finite32, finite32, finite32)
def test_fma32_rounds_once(a, b, c):
    exact = Fraction(a) * Fraction(b) + Fraction(c)
    assert normal_kernels.fma32(a, b, c) == round_to_float32(exact)


def test_fma32_breaks_a_double_rounding_tie():
    """a·b + 1 = 1 + 2⁻²⁴ + 2⁻⁵⁴: rounded to double first it lands on the float32 tie 1 + 2⁻²⁴, which
    rounds to even (1.0); rounded once it is just above the tie, so 1 + 2⁻²³."""
    a = np.float32(2.0 ** -12 * (1 + 2.0 ** -10))
    b = np.float32(2.0 ** -12 * (1 - 2.0 ** -10 + 2.0 ** -20))   # a·b = 2⁻²⁴ (1 + 2⁻³⁰)
    one = np.float32(1)
    exact = Fraction(float(a)) * Fraction(float(b)) + 1
    assert exact == 1 + Fraction(1, 2 ** 24) + Fraction(1, 2 ** 54)
    assert np.float32(float(a) * float(b) + 1.0) == one                      # rounding twice: wrong
    assert normal_kernels.fma32(a, b, one) == round_to_float32(exact) == np.float32(1 + 2 ** -23)
    tie_a, tie_b = np.float32(1 + 2 ** -23), np.float32(2 ** -1)              # 0.5 + 2⁻²⁴ + 1: a tie
    assert normal_kernels.fma32(tie_a, tie_b, one) == np.float32(1.5)               # → even


def test_state_bytes_after_seeding_are_pytorchs():
    for seed in (0, 1, 2 ** 32 + 7, 2 ** 64 - 1, -1):
        ours = gg_random.Generator().manual_seed(seed).get_state().numpy()
        theirs = torch.Generator().manual_seed(seed).get_state().numpy()
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("fma, dtype", [(normal_kernels.fma32, np.float32), (normal_kernels.fma64, np.float64)])
def test_fma_keeps_signed_zeros_and_non_finite_operands(fma, dtype):
    """C's fma: an exact zero keeps the sign IEEE gives it (-0·1 + -0 is -0), and inf/nan pass through
    (rounding to odd must not step an infinity down to the largest finite number)."""
    a = np.array([-0.0, 0.0, np.inf, -np.inf, np.nan, 1.0], dtype)
    b = np.array([1.0, 1.0, 1.0, 2.0, 1.0, np.inf], dtype)
    c = np.array([-0.0, -0.0, 1.0, 1.0, 1.0, 1.0], dtype)
    got = fma(a, b, c)
    want = np.array([-0.0, 0.0, np.inf, -np.inf, np.nan, np.inf], dtype)
    np.testing.assert_array_equal(got, want)
    assert np.signbit(got[:2]).tolist() == [True, False] and got.dtype == dtype
