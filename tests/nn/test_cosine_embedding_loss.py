"""nn.CosineEmbeddingLoss / F.cosine_embedding_loss against PyTorch: values and both inputs' gradients
for every reduction, batched and 1-d inputs, targets 1, −1 and other; PyTorch's errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import glassgrad
import glassgrad.nn as nn
import glassgrad.nn.functional as F


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape,target", [((5, 4), [1, -1, 1, -1, 0]), ((4,), -1), ((4,), 1),
                                          ((3, 6), [-1, -1, -1])])
@pytest.mark.parametrize("margin", [0.0, -0.2, 0.3])
def test_matches_torch(reduction, shape, target, margin):
    rng = np.random.default_rng(0)
    a, b, y = rng.standard_normal(shape), rng.standard_normal(shape), np.array(target)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    ga, gb = glassgrad.tensor(a, requires_grad=True), glassgrad.tensor(b, requires_grad=True)
    to = torch.nn.CosineEmbeddingLoss(margin=margin, reduction=reduction)(ta, tb, torch.tensor(y))
    go = nn.CosineEmbeddingLoss(margin=margin, reduction=reduction)(ga, gb, glassgrad.tensor(y))
    np.testing.assert_allclose(go.detach().numpy(), to.detach().numpy(), rtol=1e-12, atol=1e-12)
    w = rng.standard_normal(tuple(to.shape))
    (to * torch.tensor(w)).sum().backward()
    (go * glassgrad.tensor(w)).sum().backward()
    np.testing.assert_allclose(ga.grad.numpy(), ta.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gb.grad.numpy(), tb.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_identical_vectors_and_errors():
    same = nn.CosineEmbeddingLoss()(glassgrad.ones(2, 3), glassgrad.ones(2, 3), target=glassgrad.ones(2))
    assert same.item() == pytest.approx(0.0, abs=1e-7)
    assert str(nn.CosineEmbeddingLoss(margin=0.5)) == "CosineEmbeddingLoss()"
    with pytest.raises(RuntimeError, match="0D or 1D target tensor expected, multi-target not supported"):
        F.cosine_embedding_loss(glassgrad.randn(3, 4), glassgrad.randn(3, 4), glassgrad.ones(3, 1))
    with pytest.raises(ValueError, match="bad is not a valid value for reduction"):
        F.cosine_embedding_loss(glassgrad.randn(3, 4), glassgrad.randn(3, 4), glassgrad.ones(3),
                                reduction="bad")
