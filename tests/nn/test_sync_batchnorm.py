"""nn.SyncBatchNorm against PyTorch's on a CPU without a process group: batch norm over input of any
rank >= 2 (values, gradients, running statistics), convert_sync_batchnorm, repr and errors."""

import numpy as np
import pytest
import torch

import glassgrad as gg

X = np.random.default_rng(3).normal(size=(4, 3, 5, 2))


@pytest.mark.parametrize("shape", [(4, 3), (4, 3, 5), (4, 3, 5, 2)])
def test_train_and_eval_as_pytorch(shape):
    results = []
    for module in (gg, torch):
        layer = module.nn.SyncBatchNorm(3, momentum=0.3).double()
        x = module.tensor(X.reshape(-1)[:int(np.prod(shape))].reshape(shape), requires_grad=True)
        y = layer(x)
        (y * y.detach().exp()).sum().backward()
        layer.eval()
        z = layer(x.detach() + 1)
        results.append([y.detach().numpy(), x.grad.numpy(), layer.weight.grad.numpy(), layer.running_mean.numpy(),
                        layer.running_var.numpy(), z.detach().numpy(), layer.num_batches_tracked.item()])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_convert_sync_batchnorm_as_pytorch():
    reprs = []
    for module in (gg, torch):
        nn = module.nn
        net = nn.Sequential(nn.Conv2d(1, 3, 1), nn.BatchNorm2d(3), nn.Sequential(nn.BatchNorm1d(2)), nn.InstanceNorm2d(3))
        with module.no_grad():
            net[1].running_mean += 1
        net.eval()
        converted = nn.SyncBatchNorm.convert_sync_batchnorm(net)
        assert type(converted[1]) is nn.SyncBatchNorm and type(converted[3]) is nn.InstanceNorm2d
        assert converted[1].weight is net[1].weight and not converted[1].training
        assert converted[1].running_mean.tolist() == [1.0, 1.0, 1.0]
        reprs.append(repr(converted).replace("torch", "glassgrad"))
        with pytest.raises(ValueError) as error:
            nn.SyncBatchNorm(3)(module.ones(3))
        reprs.append(str(error.value))
    assert reprs[0] == reprs[2] and reprs[1] == reprs[3]
