"""multilabel_margin_loss / nn.MultiLabelMarginLoss and triplet_margin_with_distance_loss /
nn.TripletMarginWithDistanceLoss against PyTorch: values, gradients, grad_fn names, reprs, errors."""

import numpy as np
import pytest
import torch

import glassgrad as gg

RNG = np.random.default_rng(11)
X = RNG.normal(size=(5, 6))
# each row: target classes first, then -1 (and whatever follows a -1 is ignored), repeats allowed
TARGET = np.array([[3, 0, -1, 1, 2, 2], [1, 2, 3, 4, 5, 0], [-1, 0, 0, 0, 0, 0], [5, 5, -1, 4, 4, 4],
                   [0, 1, 2, -1, 0, 0]])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("unbatched", [False, True])
def test_multilabel_margin_loss_as_pytorch(reduction, unbatched):
    results = []
    for module in (gg, torch):
        x = module.tensor(X[0] if unbatched else X, requires_grad=True)
        target = module.tensor(TARGET[0] if unbatched else TARGET)
        loss = module.nn.functional.multilabel_margin_loss(x, target, reduction=reduction)
        (loss * module.arange(1.0, loss.numel() + 1, dtype=module.float64).reshape(loss.shape)).sum().backward()
        results.append((loss.detach().numpy(), x.grad.numpy(), loss.grad_fn.name()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12, atol=1e-15)
    assert results[0][2] == results[1][2]


def test_multilabel_margin_module_and_float32():
    values = []
    for module in (gg, torch):
        loss = module.nn.MultiLabelMarginLoss()(module.tensor(X, dtype=module.float32), module.tensor(TARGET))
        values.append(loss.item())
        assert repr(module.nn.MultiLabelMarginLoss(reduction="sum")) == "MultiLabelMarginLoss()"
    np.testing.assert_allclose(values[0], values[1], rtol=1e-6)


@pytest.mark.parametrize("make", [
    lambda m: m.nn.functional.multilabel_margin_loss(m.ones(2, 3), m.zeros(2, 2, dtype=m.int64)),
    lambda m: m.nn.functional.multilabel_margin_loss(m.ones(2, 3), m.zeros(2, 3)),
    lambda m: m.nn.functional.multilabel_margin_loss(m.ones(2, 3), m.full((2, 3), 3)),
    lambda m: m.nn.functional.multilabel_margin_loss(m.ones(2, 3, 1), m.zeros(2, 3, 1, dtype=m.int64)),
])
def test_multilabel_margin_errors_as_pytorch(make):
    messages = []
    for module in (gg, torch):
        with pytest.raises(RuntimeError) as error:
            make(module)
        messages.append(str(error.value))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "none"])
@pytest.mark.parametrize("distance", ["default", "cosine", "lambda"])
def test_triplet_margin_with_distance_as_pytorch(swap, reduction, distance):
    a, p, n = RNG.normal(size=(3, 4, 5))
    results = []
    for module in (gg, torch):
        fn = {"default": None, "cosine": module.nn.CosineSimilarity(),
              "lambda": lambda x, y: (x - y).abs().sum(-1)}[distance]
        tensors = [module.tensor(v, requires_grad=True) for v in (a, p, n)]
        loss = module.nn.functional.triplet_margin_with_distance_loss(*tensors, distance_function=fn, margin=0.7,
                                                                      swap=swap, reduction=reduction)
        loss.sum().backward()
        module_loss = module.nn.TripletMarginWithDistanceLoss(distance_function=fn, margin=0.7, swap=swap,
                                                              reduction=reduction)(*tensors)
        results.append([loss.detach().numpy(), module_loss.detach().numpy()] + [t.grad.numpy() for t in tensors])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


def test_triplet_margin_with_distance_repr_and_errors():
    texts = []
    for module in (gg, torch):
        texts.append(repr(module.nn.TripletMarginWithDistanceLoss(swap=True)))
        for make in (lambda: module.nn.TripletMarginWithDistanceLoss(margin=0),
                     lambda: module.nn.functional.triplet_margin_with_distance_loss(
                         module.ones(2, 3), module.ones(2, 3), module.ones(3), margin=1.0)):
            with pytest.raises((ValueError, RuntimeError)) as error:
                make()
            texts.append(str(error.value))
    assert texts[:3] == texts[3:]
