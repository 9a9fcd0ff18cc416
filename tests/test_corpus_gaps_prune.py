"""nn.utils.prune (PyTorch's pruning tutorial) against PyTorch: the deterministic methods give the same
masks, weights, names, buffers and gradients; the random ones prune the right number of entries."""

import numpy as np
import pytest
import torch
import torch.nn.utils.prune  # noqa: F401  (not loaded by import torch)

import glassgrad as gg

RNG = np.random.default_rng(11)
W = RNG.standard_normal((6, 4, 3))
W2 = RNG.standard_normal((5, 6))
B1, B2 = RNG.standard_normal(6), RNG.standard_normal(5)


def _layers(lib):
    conv = lib.nn.Conv1d(4, 6, 3).double()
    fc = lib.nn.Linear(6, 5).double()
    with lib.no_grad():
        conv.weight.copy_(lib.tensor(W))
        fc.weight.copy_(lib.tensor(W2))
        conv.bias.copy_(lib.tensor(B1))
        fc.bias.copy_(lib.tensor(B2))  # distinct values: no ties for l1_unstructured to break
    return conv, fc


def _deterministic(lib):
    prune = lib.nn.utils.prune
    conv, fc = _layers(lib)
    prune.l1_unstructured(conv, name="weight", amount=0.3)
    prune.ln_structured(conv, name="weight", amount=2, n=2, dim=0)  # combined with the first: a container
    prune.l1_unstructured(fc, name="bias", amount=2)
    names = (sorted(n for n, _ in conv.named_parameters()), sorted(n for n, _ in conv.named_buffers()))
    container = [type(h).__name__ for h in conv._forward_pre_hooks.values()]
    x = lib.tensor(RNG_X)
    out = fc(conv(x).sum(-1))
    out.pow(2).sum().backward()
    grads = [conv.weight_orig.grad.numpy().copy()]
    prune.global_unstructured([(conv, "weight"), (fc, "weight")], pruning_method=prune.L1Unstructured, amount=20)
    masks = [conv.weight_mask.numpy().copy(), fc.weight_mask.numpy().copy(), fc.bias_mask.numpy().copy()]
    assert prune.is_pruned(conv)
    prune.remove(conv, "weight")
    assert isinstance(conv.weight, lib.nn.Parameter) and not prune.is_pruned(conv)
    return [out.detach().numpy()] + grads + masks + [conv.weight.detach().numpy()], names, container


def test_l1_ln_structured_global_and_remove_match_pytorch():
    global RNG_X
    RNG_X = RNG.standard_normal((2, 4, 7))
    ours, our_names, our_hooks = _deterministic(gg)
    theirs, their_names, their_hooks = _deterministic(torch)
    assert our_names == their_names and our_hooks == their_hooks == ["PruningContainer"]
    for i, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, err_msg=f"result {i}")


@pytest.mark.parametrize("how,expected_zero_fraction", [
    (lambda p, m: p.random_unstructured(m, "weight", amount=0.25), 0.25),
    (lambda p, m: p.random_structured(m, "weight", amount=3, dim=0), 0.5),
    (lambda p, m: p.custom_from_mask(m, "weight", mask=gg.tensor(W > 0).double()), float((W <= 0).mean())),
])
def test_random_and_custom_masks_prune_the_right_count(how, expected_zero_fraction):
    conv, _ = _layers(gg)
    how(gg.nn.utils.prune, conv)
    assert float((conv.weight_mask == 0).double().mean()) == pytest.approx(expected_zero_fraction)
    np.testing.assert_array_equal(conv.weight.detach().numpy(), W * conv.weight_mask.numpy())


@pytest.mark.parametrize("call", [
    lambda p, m: p.l1_unstructured(m, "weight", amount=1.5),
    lambda p, m: p.l1_unstructured(m, "weight", amount=-1),
    lambda p, m: p.l1_unstructured(m, "weight", amount=1000),
    lambda p, m: p.ln_structured(m, "bias", amount=1, n=2, dim=0),
    lambda p, m: p.remove(m, "weight"),
])
def test_errors_match_pytorch(call):
    with pytest.raises(Exception) as theirs:
        call(torch.nn.utils.prune, _layers(torch)[0])
    with pytest.raises(type(theirs.value)) as ours:
        call(gg.nn.utils.prune, _layers(gg)[0])
    def lead(e):
        return str(e.value).replace("glassgrad.Size", "torch.Size").split("(")[0].split("Conv")[0]
    assert lead(ours) == lead(theirs)
