"""Second derivatives through conv1d/conv2d (create_graph=True), against PyTorch: a gradient penalty
(WGAN-GP), grouped, strided, dilated and 'same'-padded convolutions."""

import numpy as np
import pytest
import torch

import glassgrad as gg

CASES = [  # N, C, H, W, O, k, stride, padding, dilation, groups, dims
    (2, 3, 7, 6, 4, 3, 1, 1, 1, 1, 2),
    (2, 4, 9, 8, 6, 3, 2, 0, 1, 2, 2),
    (1, 2, 8, 8, 2, 2, 1, "same", 1, 1, 2),
    (2, 3, 10, 10, 4, 3, 2, 1, 2, 1, 2),
    (2, 3, 9, 9, 4, 3, 3, 0, 1, 1, 2),
    (2, 3, 1, 11, 4, 3, 1, 1, 1, 1, 1),
]


@pytest.mark.parametrize("case", CASES)
def test_second_derivatives_match_pytorch(case):
    n, c, h, w, o, k, stride, padding, dilation, groups, dims = case
    rng = np.random.default_rng(sum(map(hash, map(str, case))) % 2**32)
    x = rng.standard_normal((n, c, h, w) if dims == 2 else (n, c, w))
    weight = rng.standard_normal((o, c // groups, k, k) if dims == 2 else (o, c // groups, k))
    bias = rng.standard_normal(o)
    results = []
    for lib in (gg, torch):
        xt, wt, bt = (lib.tensor(a, requires_grad=True) for a in (x, weight, bias))
        conv = lib.nn.functional.conv2d if dims == 2 else lib.nn.functional.conv1d
        y = conv(xt, wt, bt, stride=1 if padding == "same" else stride, padding=padding, dilation=dilation,
                 groups=groups)
        gx, gw, gb = lib.autograd.grad((y ** 2).sum(), (xt, wt, bt), create_graph=True)
        penalty = (gx ** 2).sum() + (gw ** 3).sum() + (gb ** 2).sum()
        results.append([t.detach().numpy() for t in lib.autograd.grad(penalty, (xt, wt, bt))])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)


def test_wgan_gp_gradient_penalty_step():
    """A critic's gradient penalty, ‖∂D(x̂)/∂x̂‖ pushed towards 1, trained one step on both libraries."""
    results = []
    for lib in (gg, torch):
        lib.manual_seed(0)
        critic = lib.nn.Sequential(lib.nn.Conv2d(1, 4, 3, stride=2, padding=1), lib.nn.LeakyReLU(0.2),
                                   lib.nn.Conv2d(4, 8, 3, stride=2, padding=1), lib.nn.LeakyReLU(0.2),
                                   lib.nn.Flatten(), lib.nn.Linear(8 * 2 * 2, 1)).double()
        real, fake = lib.randn(4, 1, 8, 8, dtype=lib.float64), lib.randn(4, 1, 8, 8, dtype=lib.float64)
        alpha = lib.rand(4, 1, 1, 1, dtype=lib.float64)
        mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
        (grads,) = lib.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
        penalty = ((grads.view(4, -1).norm(2, dim=1) - 1) ** 2).mean()
        loss = critic(fake).mean() - critic(real).mean() + 10 * penalty
        loss.backward()
        results.append([p.grad.flatten().tolist() for p in critic.parameters()])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
