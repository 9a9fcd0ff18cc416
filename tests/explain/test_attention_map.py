"""explain.attention: shapes, entropy and strongest keys by hand, bad input, and the drawing."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassgrad
from glassgrad.explain.attention import attention

CAUSAL_UNIFORM = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3]])


def test_entropy_and_strongest_by_hand():
    a = attention(CAUSAL_UNIFORM, tokens="abc")
    assert a.weights.shape == (1, 3, 3)
    np.testing.assert_allclose(a.entropy[0], [0.0, math.log(2), math.log(3)])  # even over i + 1 keys
    assert a.strongest[0].tolist() == [0, 0, 0]                                 # ties: the first key
    assert "'a'" in a.table() and "H = 0.693" in a.table()


def test_accepts_heads_batches_and_tensors_from_either_engine():
    w = glassgrad.softmax(glassgrad.randn(2, 3, 4, 4), dim=-1)
    a = attention(w, batch=1)
    np.testing.assert_allclose(a.weights, w.detach().numpy()[1], rtol=1e-6)
    torch = pytest.importorskip("torch")
    assert attention(torch.softmax(torch.randn(2, 4, 4), -1)).weights.shape == (2, 4, 4)


@pytest.mark.parametrize("bad, message", [
    (np.ones((2, 3)), "as many keys as queries"),
    (np.full((2, 2), 0.7), "sum to 1"),
    (np.array([[1.5, -0.5], [0.5, 0.5]]), "non-negative"),
])
def test_bad_weights_get_clear_errors(bad, message):
    with pytest.raises(ValueError, match=message):
        attention(bad)


def test_token_count_and_batch_are_checked():
    with pytest.raises(ValueError, match="2 tokens for 3 positions"):
        attention(CAUSAL_UNIFORM, tokens="ab")
    with pytest.raises(IndexError, match="batch 5"):
        attention(np.broadcast_to(CAUSAL_UNIFORM, (1, 1, 3, 3)), batch=5)


def test_draws_png_svg_and_html(tmp_path):
    pytest.importorskip("matplotlib")
    a = attention(np.stack([CAUSAL_UNIFORM, np.eye(3)]), title=["mean", "self"])
    a.save(tmp_path / "a.png")
    with pytest.raises(ValueError, match="1 titles for 2 heads"):
        attention(np.stack([CAUSAL_UNIFORM, np.eye(3)]), title=["mean"])
    assert (tmp_path / "a.png").stat().st_size > 1000
    assert "<svg" in a._repr_html_()
