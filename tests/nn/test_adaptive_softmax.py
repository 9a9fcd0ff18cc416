"""nn.AdaptiveLogSoftmaxWithLoss against PyTorch's: the same weights give the same output, loss, gradients,
log_prob and predict; repr, unbatched input and the errors are PyTorch's."""

import numpy as np
import pytest
import torch

import glassgrad as gg


def _pair(cutoffs=(4, 8), n_classes=12, in_features=8, div_value=2.0, head_bias=True):
    torch.manual_seed(0)
    theirs = torch.nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, list(cutoffs), div_value=div_value,
                                                 head_bias=head_bias).double()
    ours = gg.nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, list(cutoffs), div_value=div_value,
                                            head_bias=head_bias).double()
    ours.load_state_dict({k: gg.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def test_forward_backward_log_prob_predict_as_pytorch():
    ours, theirs = _pair()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(9, 8)) * 2
    target = np.array([0, 3, 4, 7, 8, 11, 11, 2, 5])
    results = []
    for module, layer in ((gg, ours), (torch, theirs)):
        xt = module.tensor(x, requires_grad=True)
        out, loss = layer(xt, module.tensor(target))
        loss.backward()
        results.append([out.detach().numpy(), loss.item(), xt.grad.numpy(), layer.head.weight.grad.numpy(),
                        layer.tail[1][0].weight.grad.numpy(), layer.log_prob(xt).detach().numpy(),
                        layer.predict(xt.detach()).numpy()])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert repr(ours) == repr(theirs)


def test_unbatched_input_as_pytorch():
    ours, theirs = _pair()
    x = np.linspace(-1, 1, 8)
    out_ours, loss_ours = ours(gg.tensor(x), gg.tensor(9))
    out_theirs, loss_theirs = theirs(torch.tensor(x), torch.tensor(9))
    assert out_ours.shape == tuple(out_theirs.shape) == ()
    np.testing.assert_allclose(loss_ours.item(), loss_theirs.item(), rtol=1e-12)


@pytest.mark.parametrize("make", [
    lambda m: m.nn.AdaptiveLogSoftmaxWithLoss(8, 12, []),
    lambda m: m.nn.AdaptiveLogSoftmaxWithLoss(8, 12, [4, 12]),
    lambda m: m.nn.AdaptiveLogSoftmaxWithLoss(8, 12, [8, 4]),
    lambda m: m.nn.AdaptiveLogSoftmaxWithLoss(8, 12, [4, 8])(m.ones(3, 8), m.tensor([0, 1, 12])),
    lambda m: m.nn.AdaptiveLogSoftmaxWithLoss(8, 12, [4, 8])(m.ones(3, 8), m.tensor([0, 1])),
    lambda m: m.nn.AdaptiveLogSoftmaxWithLoss(8, 12, [4, 8])(m.ones(3, 8), m.tensor([[0]])),
])
def test_errors_as_pytorch(make):
    errors = []
    for module in (gg, torch):
        with pytest.raises((ValueError, RuntimeError)) as error:
            make(module)
        errors.append((type(error.value), str(error.value)))
    assert errors[0] == errors[1]
