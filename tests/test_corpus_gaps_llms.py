"""Gaps found by running rasbt/LLMs-from-scratch (chapter 4-5 GPT code) on glassgrad.

Each test runs the same calls on PyTorch and on glassgrad and compares what comes back.
"""
import math

import numpy as np
import pytest
import torch

import glassgrad


@pytest.mark.parametrize("name", ["e", "inf", "nan", "pi"])
def test_module_constants_are_pythons_floats_like_pytorch(name):
    want, got = getattr(torch, name), getattr(glassgrad, name)
    assert type(got) is type(want) is float
    assert got == want or math.isnan(got) and math.isnan(want)


def test_causal_mask_filled_with_minus_inf_then_softmax_like_pytorch():
    # ch04 MultiHeadAttention: attn_scores.masked_fill_(mask_bool, -torch.inf); softmax(scores / sqrt(d))
    scores = np.random.default_rng(0).standard_normal((2, 3, 5, 5)).astype(np.float32)
    outs = []
    for lib in (torch, glassgrad):
        s = lib.tensor(scores)
        mask = lib.triu(lib.ones(5, 5), diagonal=1).bool()
        s.masked_fill_(mask, -lib.inf)
        outs.append(lib.softmax(s / 4 ** 0.5, dim=-1).numpy())
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-6, atol=1e-7)


def test_gelu_tanh_with_torch_pi_like_pytorch():
    # ch04 GELU: 0.5 * x * (1 + tanh(sqrt(tensor(2.0 / torch.pi)) * (x + 0.044715 * pow(x, 3))))
    x = np.linspace(-4, 4, 101, dtype=np.float32)
    outs = []
    for lib in (torch, glassgrad):
        v = lib.tensor(x)
        outs.append((0.5 * v * (1 + lib.tanh(lib.sqrt(lib.tensor(2.0 / lib.pi)) * (v + 0.044715 * lib.pow(v, 3)))))
                    .numpy())
    # 1 + tanh(...) cancels near x = -4: float32 tanh's last bit shows as ~1e-7 absolute there
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-6, atol=1e-6)
