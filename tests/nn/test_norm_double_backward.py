"""Second derivatives through batch norm and instance norm (create_graph=True), against PyTorch: MAML's
inner step through a BatchNorm network, and a gradient penalty through an InstanceNorm critic."""

import numpy as np
import pytest
import torch

import glassgrad as gg


@pytest.mark.parametrize("layer", ["BatchNorm2d(3)", "BatchNorm2d(3, affine=False)", "BatchNorm1d(3)",
                                   "InstanceNorm2d(3, affine=True)"])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_second_derivatives_match_pytorch(layer, mode):
    rng = np.random.default_rng(len(layer) + len(mode))
    shape = (4, 3, 5) if "1d" in layer else (4, 3, 5, 5)
    x = rng.standard_normal(shape)
    results = []
    for lib in (gg, torch):
        norm = eval("lib.nn." + layer, {"lib": lib}).double()  # the layer texts above are ours
        with lib.no_grad():
            if norm.running_mean is not None:
                norm.running_mean.copy_(lib.tensor([0.1, -0.2, 0.3], dtype=lib.float64))
                norm.running_var.copy_(lib.tensor([1.5, 0.5, 2.0], dtype=lib.float64))
            if norm.weight is not None:
                norm.weight.copy_(lib.tensor([1.2, 0.7, -0.4], dtype=lib.float64))
                norm.bias.copy_(lib.tensor([0.1, 0.2, 0.3], dtype=lib.float64))
        getattr(norm, mode)()
        xt = lib.tensor(x, requires_grad=True)
        params = [xt] + list(norm.parameters())
        grads = lib.autograd.grad((norm(xt) ** 3).sum(), params, create_graph=True)
        penalty = sum((g ** 2).sum() for g in grads)
        results.append([t.detach().numpy() for t in lib.autograd.grad(penalty, params)])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)


def test_maml_inner_step_through_batch_norm():
    """One MAML meta-gradient: adapt on a support batch with create_graph, score the adapted weights."""
    results = []
    for lib in (gg, torch):
        lib.manual_seed(0)
        model = lib.nn.Sequential(lib.nn.Conv2d(1, 4, 3), lib.nn.BatchNorm2d(4), lib.nn.ReLU(), lib.nn.Flatten(),
                                  lib.nn.Linear(4 * 4 * 4, 3)).double()
        support, query = lib.randn(6, 1, 6, 6, dtype=lib.float64), lib.randn(6, 1, 6, 6, dtype=lib.float64)
        labels = lib.tensor([0, 1, 2, 0, 1, 2])
        params = dict(model.named_parameters())
        loss = lib.nn.functional.cross_entropy(lib.func.functional_call(model, params, (support,)), labels)
        grads = lib.autograd.grad(loss, list(params.values()), create_graph=True)
        adapted = {name: p - 0.1 * g for (name, p), g in zip(params.items(), grads)}
        meta_loss = lib.nn.functional.cross_entropy(lib.func.functional_call(model, adapted, (query,)), labels)
        meta_loss.backward()
        results.append([p.grad.flatten().tolist() for p in model.parameters()])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
