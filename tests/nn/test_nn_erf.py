"""The vectorised erf behind GELU agrees with math.erf to 1e-14 everywhere (incl. tails and edges)."""

import math

import numpy as np
from hypothesis import given, settings, strategies as st

from glassgrad.nn._erf import erf


def test_erf_matches_math_erf_on_a_dense_grid():
    xs = np.concatenate([np.linspace(-30, 30, 60001), [0.0, -0.0, 1e-300, -1e-20, 0.46875, -0.46875,
                                                        4.0, -4.0, 26.5, 27.0]])
    ref = np.array([math.erf(v) for v in xs])
    assert np.max(np.abs(erf(xs) - ref)) <= 1e-14


@settings(max_examples=50, deadline=None)
@given(st.floats(-40, 40, allow_nan=False))
def test_erf_matches_math_erf_anywhere(x):
    assert abs(erf(np.array([x]))[0] - math.erf(x)) <= 1e-14 * max(1.0, abs(math.erf(x)))


def test_erf_special_values_and_dtype():
    out = erf(np.array([np.inf, -np.inf, np.nan]))
    assert out[0] == 1.0 and out[1] == -1.0 and np.isnan(out[2])
    assert erf(np.array([0.5], np.float32)).dtype == np.float32
    # odd function, and exact symmetry
    x = np.linspace(0, 6, 101)
    np.testing.assert_array_equal(erf(-x), -erf(x))
