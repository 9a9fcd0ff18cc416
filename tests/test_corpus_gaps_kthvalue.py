"""torch.kthvalue / Tensor.kthvalue (used by nn.utils.prune's random_structured in PyTorch) against PyTorch:
values, indices, keepdim, the gradient, the result's type and the out-of-range error."""

import re

import numpy as np
import pytest
import torch

import glassgrad as gg

X = np.random.default_rng(2).permutation(24).reshape(2, 3, 4).astype(np.float64)  # no ties


@pytest.mark.parametrize("k,dim,keepdim", [(1, -1, False), (4, -1, False), (2, 0, True), (3, 1, False), (2, 1, True)])
def test_kthvalue_matches_pytorch(k, dim, keepdim):
    results = []
    for lib in (gg, torch):
        x = lib.tensor(X, requires_grad=True)
        values, indices = lib.kthvalue(x, k, dim, keepdim)
        (values * lib.arange(values.numel(), dtype=lib.float64).view(values.shape)).sum().backward()
        method = x.kthvalue(k, dim=dim, keepdim=keepdim)
        results.append([values.detach().numpy(), indices.numpy(), x.grad.numpy(), method.values.detach().numpy(),
                        type(method).__name__])
    for ours, theirs in zip(*results):
        if isinstance(theirs, str):
            assert ours == theirs
        else:
            np.testing.assert_array_equal(ours, theirs)


def test_kthvalue_of_a_number_and_out_of_range_error():
    assert gg.kthvalue(gg.tensor(3.0), 1).values.item() == torch.kthvalue(torch.tensor(3.0), 1).values.item()
    for k in (0, 5):
        with pytest.raises(RuntimeError) as theirs:
            torch.kthvalue(torch.tensor(X), k)
        with pytest.raises(RuntimeError, match=re.escape(str(theirs.value))):
            gg.kthvalue(gg.tensor(X), k)
