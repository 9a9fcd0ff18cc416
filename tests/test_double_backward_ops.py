"""Second derivatives (create_graph=True) through the nn ops real programs differentiate twice, against
PyTorch in float64: the gradient of a gradient norm and a Hessian-vector product for each op, then a
WGAN-GP gradient-penalty step on a small conv + layer-norm critic and a PINN's u_xx of an MLP."""

import numpy as np
import pytest
import torch

import glassgrad as gg


def F(lib):
    return lib.nn.functional


def _setitem(lib, x, y):
    z = x * 2
    z[1] = y * y
    return z * x


def _setitem_advanced(lib, x, y):
    z = x * 2
    z[lib.tensor([0, 2])] = y
    return z * x


def _unpool(lib, x):
    y, i = F(lib).max_pool2d(x, 2, return_indices=True)
    return F(lib).max_unpool2d(y * y, i, 2)


_IDX = np.array([[0, 2, 2], [3, 1, 0]])
_SCATTER = np.array([[0, 2], [1, 0], [2, 1]])
_W4 = [1.0, 2.0, 3.0, 4.0]

# name -> (function of (lib, *inputs), input shapes)
CASES = {
    "gelu": (lambda l, x: F(l).gelu(x), [(3, 4)]),
    "gelu_tanh": (lambda l, x: F(l).gelu(x, approximate="tanh"), [(3, 4)]),
    "silu": (lambda l, x: F(l).silu(x), [(3, 4)]),
    "silu_inplace": (lambda l, x: F(l).silu(x * 1.0, inplace=True), [(3, 4)]),
    "softplus": (lambda l, x: F(l).softplus(x, 2.0, 1.0), [(3, 4)]),
    "mish": (lambda l, x: F(l).mish(x), [(3, 4)]),
    "mish_inplace": (lambda l, x: F(l).mish(x * 1.0, inplace=True), [(3, 4)]),
    "logsigmoid": (lambda l, x: F(l).logsigmoid(x), [(3, 4)]),
    "celu": (lambda l, x: F(l).celu(x, 0.7), [(3, 4)]),
    "celu_inplace": (lambda l, x: F(l).celu(x * 1.0, 0.7, inplace=True), [(3, 4)]),
    "hardswish": (lambda l, x: F(l).hardswish(x * 3), [(3, 4)]),
    "hardswish_inplace": (lambda l, x: F(l).hardswish(x * 3, inplace=True), [(3, 4)]),
    "softshrink": (lambda l, x: F(l).softshrink(x), [(3, 4)]),
    "hardshrink": (lambda l, x: F(l).hardshrink(x), [(3, 4)]),
    "threshold": (lambda l, x: F(l).threshold(x, 0.1, 2.0), [(3, 4)]),
    "glu": (lambda l, x: F(l).glu(x, 1), [(3, 4)]),
    "prelu_channels": (lambda l, x, w: F(l).prelu(x, w), [(3, 4, 2), (4,)]),
    "prelu_one": (lambda l, x, w: F(l).prelu(x, w), [(3, 4), (1,)]),
    "rrelu_eval": (lambda l, x: F(l).rrelu(x), [(3, 4)]),
    "layer_norm": (lambda l, x, w, b: F(l).layer_norm(x, (4,), w, b), [(3, 4), (4,), (4,)]),
    "layer_norm_plain": (lambda l, x: F(l).layer_norm(x, (4,)), [(3, 4)]),
    "layer_norm_2d": (lambda l, x, w, b: F(l).layer_norm(x, (3, 4), w, b), [(2, 3, 4), (3, 4), (3, 4)]),
    "group_norm": (lambda l, x, w, b: F(l).group_norm(x, 2, w, b), [(2, 4, 3, 3), (4,), (4,)]),
    "group_norm_plain": (lambda l, x: F(l).group_norm(x, 2), [(2, 4, 5)]),
    "max_pool2d": (lambda l, x: F(l).max_pool2d(x, 2), [(2, 3, 6, 6)]),
    "max_pool2d_overlap": (lambda l, x: F(l).max_pool2d(x, 3, 1, 1), [(2, 3, 5, 5)]),
    "max_pool1d": (lambda l, x: F(l).max_pool1d(x, 2), [(2, 3, 6)]),
    "avg_pool2d": (lambda l, x: F(l).avg_pool2d(x, 3, 2, 1), [(2, 3, 6, 6)]),
    "avg_pool1d": (lambda l, x: F(l).avg_pool1d(x, 2), [(2, 3, 6)]),
    "adaptive_avg_pool2d": (lambda l, x: F(l).adaptive_avg_pool2d(x, (2, 3)), [(2, 3, 5, 7)]),
    "adaptive_avg_pool2d_unbatched": (lambda l, x: F(l).adaptive_avg_pool2d(x, (2, 3)), [(3, 5, 7)]),
    "adaptive_avg_pool1d": (lambda l, x: F(l).adaptive_avg_pool1d(x, 3), [(2, 3, 7)]),
    "adaptive_max_pool2d": (lambda l, x: F(l).adaptive_max_pool2d(x, (2, 3)), [(2, 3, 5, 7)]),
    "adaptive_max_pool1d": (lambda l, x: F(l).adaptive_max_pool1d(x, 3), [(2, 3, 7)]),
    "max_unpool2d": (_unpool, [(2, 3, 4, 4)]),
    "lp_pool2d": (lambda l, x: F(l).lp_pool2d(x.abs() + 0.1, 2, 2), [(2, 3, 4, 4)]),
    "embedding": (lambda l, w: F(l).embedding(l.tensor(_IDX), w), [(4, 3)]),
    "embedding_padding": (lambda l, w: F(l).embedding(l.tensor(_IDX), w, padding_idx=2), [(4, 3)]),
    "mse": (lambda l, x, t: F(l).mse_loss(x, t), [(3, 4), (3, 4)]),
    "mse_none": (lambda l, x, t: F(l).mse_loss(x, t, reduction="none"), [(3, 4), (3, 4)]),
    "l1": (lambda l, x, t: F(l).l1_loss(x, t), [(3, 4), (3, 4)]),
    "huber": (lambda l, x, t: F(l).huber_loss(x, t, delta=0.7), [(3, 4), (3, 4)]),
    "smooth_l1": (lambda l, x, t: F(l).smooth_l1_loss(x, t, beta=0.7, reduction="sum"), [(3, 4), (3, 4)]),
    "bce": (lambda l, x, t: F(l).binary_cross_entropy(x.sigmoid(), t.sigmoid()), [(3, 4), (3, 4)]),
    "bce_weight": (lambda l, x, t: F(l).binary_cross_entropy(x.sigmoid(), t.sigmoid(),
                                                             weight=l.tensor(_W4, dtype=l.float64)),
                   [(3, 4), (3, 4)]),
    "bce_logits": (lambda l, x, t: F(l).binary_cross_entropy_with_logits(x, t.sigmoid()), [(3, 4), (3, 4)]),
    "bce_logits_pos_weight": (
        lambda l, x, t: F(l).binary_cross_entropy_with_logits(
            x, t.sigmoid(), pos_weight=l.tensor(_W4, dtype=l.float64), weight=l.tensor(_W4, dtype=l.float64),
            reduction="none"), [(3, 4), (3, 4)]),
    "pad_constant": (lambda l, x: F(l).pad(x, (1, 2, 0, 1), value=0.5), [(2, 3, 4)]),
    "pad_crop": (lambda l, x: F(l).pad(x, (-1, 2)), [(2, 3, 4)]),
    "pad_reflect": (lambda l, x: F(l).pad(x, (2, 1), mode="reflect"), [(2, 3, 4)]),
    "pad_replicate": (lambda l, x: F(l).pad(x, (2, 1, 1, 1), mode="replicate"), [(2, 3, 4)]),
    "pad_circular": (lambda l, x: F(l).pad(x, (2, 1), mode="circular"), [(2, 3, 4)]),
    "pixel_shuffle": (lambda l, x: F(l).pixel_shuffle(x, 2), [(2, 8, 2, 3)]),
    "pixel_unshuffle": (lambda l, x: F(l).pixel_unshuffle(x, 2), [(2, 2, 4, 6)]),
    "channel_shuffle": (lambda l, x: l.nn.ChannelShuffle(2)(x), [(2, 4, 3)]),
    "affine_grid": (lambda l, t: F(l).affine_grid(t, (2, 1, 3, 4), align_corners=False), [(2, 2, 3)]),
    "conv_transpose2d": (lambda l, x, w, b: F(l).conv_transpose2d(x, w, b), [(2, 3, 4, 4), (3, 2, 3, 3), (2,)]),
    "conv_transpose2d_strided": (
        lambda l, x, w: F(l).conv_transpose2d(x, w, stride=2, padding=1, output_padding=1),
        [(2, 3, 4, 5), (3, 2, 3, 3)]),
    "conv_transpose2d_dilated": (lambda l, x, w: F(l).conv_transpose2d(x, w, stride=2, padding=1, dilation=2),
                                 [(2, 3, 4, 4), (3, 2, 3, 2)]),
    "conv_transpose1d": (lambda l, x, w, b: F(l).conv_transpose1d(x, w, b, stride=2, padding=1),
                         [(2, 3, 5), (3, 2, 3), (2,)]),
    "setitem": (_setitem, [(3, 4), (4,)]),
    "setitem_advanced": (_setitem_advanced, [(3, 4), (4,)]),
    "scatter": (lambda l, x, s: (x * x).scatter(1, l.tensor(_SCATTER), s * s), [(3, 4), (3, 2)]),
    "scatter_add": (lambda l, x, s: (x * x).scatter_add(1, l.tensor(_SCATTER), s * s), [(3, 4), (3, 2)]),
    "grid_sample": (lambda l, x, g: F(l).grid_sample(x, g.tanh() * 1.3, align_corners=False),
                    [(2, 3, 4, 5), (2, 3, 2, 2)]),
    "grid_sample_border": (lambda l, x, g: F(l).grid_sample(x, g.tanh() * 1.3, padding_mode="border",
                                                             align_corners=True), [(2, 3, 4, 5), (2, 3, 2, 2)]),
    "grid_sample_reflection": (lambda l, x, g: F(l).grid_sample(x, g.tanh() * 1.3, padding_mode="reflection",
                                                                 align_corners=False), [(2, 3, 4, 5), (2, 3, 2, 2)]),
    "grid_sample_nearest": (lambda l, x, g: F(l).grid_sample(x, g.tanh(), mode="nearest", align_corners=False),
                            [(2, 3, 4, 5), (2, 3, 2, 2)]),
    "remainder": (lambda l, a, b: l.remainder(a * a, b.abs() + 0.5) * a, [(3, 4), (3, 4)]),
    "fmod": (lambda l, a, b: l.fmod(a * 3, b.abs() + 0.5) * b, [(3, 4), (3, 4)]),
}


def _second_derivatives(lib, fn, arrays, directions):
    """∂/∂inputs of Σ‖∂L/∂input‖² (a gradient penalty) and of Σ ⟨∂L/∂input, v⟩ (a Hessian-vector product)
    for L = Σ c·(y² + y), y = fn(inputs)."""
    xs = [lib.tensor(a, requires_grad=True) for a in arrays]
    y = fn(lib, *xs)
    c = lib.tensor(np.random.default_rng(1).standard_normal(tuple(y.shape)))
    grads = lib.autograd.grad((y * y * c).sum() + (y * c).sum(), xs, create_graph=True)
    penalty = lib.autograd.grad(sum((g * g).sum() for g in grads), xs, retain_graph=True, allow_unused=True)
    hvp = lib.autograd.grad(sum((g * lib.tensor(v)).sum() for g, v in zip(grads, directions)), xs,
                            allow_unused=True)
    return [None if t is None else t.detach().numpy() for t in penalty + hvp]


@pytest.mark.parametrize("name", sorted(CASES))
def test_second_derivatives_match_pytorch(name):
    fn, shapes = CASES[name]
    rng = np.random.default_rng(sorted(CASES).index(name))
    arrays = [rng.standard_normal(s) for s in shapes]
    directions = [rng.standard_normal(s) for s in shapes]
    ours = _second_derivatives(gg, fn, arrays, directions)
    theirs = _second_derivatives(torch, fn, arrays, directions)
    for a, b in zip(ours, theirs):
        if a is None or b is None:  # an input the gradient does not depend on: None, or zeros
            assert (a is None or not a.any()) and (b is None or not b.any())
        else:
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_hardsigmoid_second_derivative_against_central_differences():
    """PyTorch has no double backward for hardsigmoid; its slope is 1/6 inside (−3, 3), a constant, so
    ∂/∂x of ⟨∂L/∂x, v⟩ for L = Σ c·hardsigmoid(x)² is (c/18)·v inside and 0 outside."""
    rng = np.random.default_rng(0)
    x0, c, v = rng.uniform(-5, 5, 20), rng.standard_normal(20), rng.standard_normal(20)
    x = gg.tensor(x0, requires_grad=True)
    (g,) = gg.autograd.grad((gg.tensor(c) * gg.nn.functional.hardsigmoid(x) ** 2).sum(), x, create_graph=True)
    (hv,) = gg.autograd.grad((g * gg.tensor(v)).sum(), x)
    inside = (x0 > -3) & (x0 < 3)
    sixth = float(np.float32(1.0) / np.float32(6.0))
    np.testing.assert_allclose(hv.numpy(), np.where(inside, 2 * c * sixth * sixth * v, 0.0), rtol=1e-12)


def test_a_backward_still_in_numpy_refuses_clearly():
    """lgamma's slope (digamma) is a numpy series: create_graph=True says so instead of a wrong answer."""
    x = gg.rand(3, dtype=gg.float64, requires_grad=True) + 1
    with pytest.raises(NotImplementedError, match="the backward of LgammaBackward0 is not itself differentiable"):
        gg.autograd.grad(x.lgamma().sum(), x, create_graph=True)


def test_first_order_gradients_unchanged_by_inplace_silu():
    """silu(inplace=True) keeps a copy of x for create_graph; its ordinary gradient is PyTorch's."""
    x0 = np.random.default_rng(2).standard_normal((3, 4))
    results = []
    for lib in (gg, torch):
        x = lib.tensor(x0, requires_grad=True)
        y = x * 1.0
        lib.nn.functional.silu(y, inplace=True)
        (y ** 2).sum().backward()
        results.append(x.grad.numpy())
    np.testing.assert_allclose(*results, rtol=1e-12)


def _critic(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Conv2d(1, 4, 3, padding=1), lib.nn.LayerNorm([4, 6, 6]),
                             lib.nn.LeakyReLU(0.2), lib.nn.Conv2d(4, 4, 3, stride=2), lib.nn.GELU(),
                             lib.nn.AvgPool2d(2), lib.nn.Flatten(), lib.nn.Linear(4, 1)).double()


def test_wgan_gp_gradient_penalty_step_matches_pytorch():
    """One critic step of WGAN-GP: ‖∂D(x̂)/∂x̂‖ pushed towards 1 on points between real and fake."""
    rng = np.random.default_rng(3)
    real, fake = rng.standard_normal((4, 1, 6, 6)), rng.standard_normal((4, 1, 6, 6))
    eps = rng.uniform(size=(4, 1, 1, 1))
    results = []
    for lib in (gg, torch):
        critic = _critic(lib)
        between = lib.tensor(eps * real + (1 - eps) * fake, requires_grad=True)
        (grad,) = lib.autograd.grad(critic(between).sum(), between, create_graph=True)
        penalty = ((grad.reshape(4, -1).norm(2, dim=1) - 1) ** 2).mean()
        loss = critic(lib.tensor(fake)).mean() - critic(lib.tensor(real)).mean() + 10 * penalty
        loss.backward()
        results.append([p.grad.numpy() for p in critic.parameters()])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("activation", ["Tanh", "GELU", "SiLU", "Softplus", "Mish"])
def test_pinn_second_derivative_of_an_mlp_matches_pytorch(activation):
    """A physics-informed residual u_xx + sin(x) of an MLP u(x), and the weights' gradient of its square."""
    x0 = np.linspace(-1, 1, 7).reshape(-1, 1)
    results = []
    for lib in (gg, torch):
        lib.manual_seed(1)
        act = getattr(lib.nn, activation)
        net = lib.nn.Sequential(lib.nn.Linear(1, 8), act(), lib.nn.Linear(8, 8), act(),
                                lib.nn.Linear(8, 1)).double()
        x = lib.tensor(x0, requires_grad=True)
        u = net(x)
        (u_x,) = lib.autograd.grad(u.sum(), x, create_graph=True)
        (u_xx,) = lib.autograd.grad(u_x.sum(), x, create_graph=True)
        ((u_xx + x.sin()) ** 2).mean().backward()
        # (the last bias does not reach u_xx: no gradient, None in both)
        results.append([u_xx.detach().numpy()] + [None if p.grad is None else p.grad.numpy()
                                                  for p in net.parameters()])
    assert results[0][-1] is None and results[1][-1] is None
    for ours, theirs in zip(results[0][:-1], results[1][:-1]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
