"""Gaps found by running graykode/nlp-tutorial (Transformer, BERT) on glassgrad: numpy scalars.

``scores = Q @ K.T / np.sqrt(d_k)``: ``np.sqrt`` returns an ``np.float64``. PyTorch treats a numpy scalar
like the Python number it holds, so the float32 scores stay float32; numpy's own promotion (NEP 50)
would make them float64 and the next ``matmul(attn, V)`` fail on mixed dtypes. Each test runs the same
calls on PyTorch and on glassgrad and compares the dtypes and values that come back.
"""
import numpy as np
import pytest
import torch

import glassgrad

# (np.bool_ is left out: PyTorch's argument parser reads it as a float, int64 * np.bool_(True) is float32)
SCALARS = [np.float64(0.5), np.float32(0.5), np.float16(0.5), np.int64(3), np.int32(3)]
INT_OPS = ["div", "rdiv", "mul", "rmul", "add", "sub", "rsub", "torch.mul"]  # on an int64 tensor
OPS = {
    "div": lambda t, s: t / s, "rdiv": lambda t, s: s / t, "mul": lambda t, s: t * s, "rmul": lambda t, s: s * t,
    "add": lambda t, s: t + s, "sub": lambda t, s: t - s, "rsub": lambda t, s: s - t,
    "pow": lambda t, s: t ** s, "torch.mul": lambda t, s: t.mul(s), "torch.add_alpha": lambda t, s: t.add(t, alpha=s),
    "masked_fill": lambda t, s: t.masked_fill(t > 1, s), "where": lambda t, s: t.where(t > 1, s),
    "clamp": lambda t, s: t.clamp(min=s),
}


def _pair(dtype_name):
    data = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    return (torch.tensor(data, dtype=getattr(torch, dtype_name)),
            glassgrad.tensor(data, dtype=getattr(glassgrad, dtype_name)))


# clamp/alpha/pow of int tensors by floats are not numpy-scalar questions: int64 takes INT_OPS only
CASES = [(op, dtype_name) for dtype_name in ("float32", "int64") for op in OPS
         if dtype_name == "float32" or op in INT_OPS]


@pytest.mark.parametrize("op, dtype_name", CASES)
@pytest.mark.parametrize("scalar", SCALARS, ids=lambda s: type(s).__name__)
def test_numpy_scalar_operand_promotes_like_a_python_number_as_in_pytorch(op, scalar, dtype_name):
    t, g = _pair(dtype_name)
    try:
        want = OPS[op](t, scalar)
    except Exception as e:  # noqa: BLE001 - whatever PyTorch refuses, glassgrad must refuse too
        with pytest.raises(type(e)):
            OPS[op](g, scalar)
        return
    got = OPS[op](g, scalar)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


def test_attention_scaled_by_np_sqrt_stays_float32_and_its_gradient_too():
    # nlp-tutorial's ScaledDotProductAttention, forward and backward
    rng = np.random.default_rng(0)
    q, v = rng.standard_normal((2, 4, 8)).astype(np.float32), rng.standard_normal((2, 4, 8)).astype(np.float32)
    results = []
    for lib in (torch, glassgrad):
        Q, V = lib.tensor(q, requires_grad=True), lib.tensor(v, requires_grad=True)
        scores = lib.matmul(Q, Q.transpose(-1, -2)) / np.sqrt(8)
        attn = lib.softmax(scores, dim=-1)
        out = lib.matmul(attn, V)
        out.sum().backward()
        results.append((str(scores.dtype).split(".")[-1], str(Q.grad.dtype).split(".")[-1], out.detach().numpy(), Q.grad.numpy()))
    (ts, tg, to, tq), (gs, gg, go, gq) = results
    assert (gs, gg) == (ts, tg) == ("float32", "float32")
    np.testing.assert_allclose(go, to, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gq, tq, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("call", ["clamp(min=0.5)", "clamp(0, 2.5)", "clamp(max=2)", "clamp(min=np.float64(0.5))",
                                  "clamp_min(0.5)", "clamp_max(1.5)", "clip(-1, 1)"])
def test_int_tensor_clamped_by_a_float_is_float_like_pytorch(call):
    # the other scalar-promotion case met while checking the above: PyTorch's clamp promotes like a binary op
    results = []
    for lib in (torch, glassgrad):
        x = lib.tensor([-2, 0, 1, 3])
        results.append(eval(f"x.{call}", {"x": x, "np": np}))  # noqa: S307 - fixed strings above, no user text
    want, got = results
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_int_tensor_clamped_in_place_by_a_float_is_refused_like_pytorch():
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
        torch.tensor([1, 2]).clamp_(min=0.5)
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
        glassgrad.tensor([1, 2]).clamp_(min=0.5)
