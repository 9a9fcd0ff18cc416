"""Shared helpers for the nn tests: run the same computation in glassgrad and PyTorch (float64) and
compare the outputs and every input gradient."""

from __future__ import annotations

import numpy as np
import torch

import glassgrad


def as_np(t) -> np.ndarray:
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    return np.asarray(t._array)


def compare(g_fn, t_fn, *arrays, grad: bool | list = True, rtol: float = 1e-10, atol: float = 1e-12,
            seed: int = 0):
    """g_fn(*glassgrad tensors) vs t_fn(*torch tensors): forward values, then the gradients of
    Σ out·u (u random) with respect to every floating input (or those flagged in ``grad``)."""
    flags = grad if isinstance(grad, list) else [grad] * len(arrays)
    gs, ts = [], []
    for a, f in zip(arrays, flags):
        a = np.asarray(a)
        rg = bool(f) and a.dtype.kind == "f"
        gs.append(glassgrad.tensor(a.copy(), requires_grad=rg))
        ts.append(torch.tensor(a.copy(), requires_grad=rg))
    go, to = g_fn(*gs), t_fn(*ts)
    np.testing.assert_allclose(as_np(go), as_np(to), rtol=rtol, atol=atol)
    assert as_np(go).dtype == as_np(to).dtype, (as_np(go).dtype, as_np(to).dtype)
    if not any(t.requires_grad for t in ts):
        return go, to
    u = np.random.default_rng(seed).standard_normal(as_np(to).shape)
    (go * glassgrad.tensor(u)).sum().backward()
    (to * torch.tensor(u)).sum().backward()
    for g, t in zip(gs, ts):
        if t.requires_grad:
            assert g.grad is not None
            np.testing.assert_allclose(as_np(g.grad), as_np(t.grad), rtol=rtol, atol=atol)
    return go, to


def copy_weights(g_module, t_module) -> None:
    """Copy a torch module's parameters and buffers into a glassgrad module of the same layout."""
    state = {k: glassgrad.tensor(v.detach().numpy().copy()) for k, v in t_module.state_dict().items()}
    g_module.load_state_dict(state)


def torch_names(text: str) -> str:
    return text.replace("glassgrad", "torch")
