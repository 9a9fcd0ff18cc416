"""``nn.utils.clip_grad_norm`` (PyTorch's pre-0.4 name for clip_grad_norm_), against PyTorch."""

import warnings

import torch

import glassgrad as gg


def _clip(lib):
    lib.manual_seed(0)
    m = lib.nn.Linear(3, 2)
    m(lib.randn(4, 3)).sum().backward()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        norm = lib.nn.utils.clip_grad_norm(m.parameters(), 0.5)
    return norm.item(), m.weight.grad.flatten().tolist(), caught


def test_clip_grad_norm_old_name_clips_like_pytorch_and_warns():
    t_norm, t_grad, t_warned = _clip(torch)
    g_norm, g_grad, g_warned = _clip(gg)
    assert abs(g_norm - t_norm) < 1e-5
    assert max(abs(a - b) for a, b in zip(g_grad, t_grad)) < 1e-6
    assert [w.category for w in g_warned] == [w.category for w in t_warned] == [FutureWarning]
    assert str(g_warned[0].message) == str(t_warned[0].message)
