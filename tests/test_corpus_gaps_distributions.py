"""torch.distributions (Categorical, Normal, Bernoulli, kl_divergence) against PyTorch: the same draws
from the same seed, the same log_prob / entropy values and gradients, the same errors.

Found by the corpus: pytorch/examples' reinforcement_learning (reinforce.py, actor_critic.py) sample
actions from Categorical and differentiate log_prob.
"""

import numpy as np
import pytest
import torch

import glassgrad as gg
from glassgrad import distributions as D

TD = torch.distributions


def _pair(array, requires_grad=False):
    a = np.asarray(array, dtype=np.float32)
    return (gg.tensor(a, requires_grad=requires_grad), torch.tensor(a, requires_grad=requires_grad))


def _close(g, t, tol=1e-6):
    np.testing.assert_allclose(np.asarray(g.detach().numpy(), dtype=np.float64),
                               t.detach().numpy().astype(np.float64), rtol=tol, atol=tol)


@pytest.mark.parametrize("shape", [(), (5,), (2, 3)])
@pytest.mark.parametrize("use_logits", [False, True])
def test_categorical_sample_log_prob_entropy_match_pytorch(shape, use_logits):
    rng = np.random.default_rng(0)
    raw = rng.random((2, 4)).astype(np.float32) + 0.1
    g_p, t_p = _pair(raw if not use_logits else np.log(raw), requires_grad=True)
    kw = "logits" if use_logits else "probs"
    g_d, t_d = D.Categorical(**{kw: g_p}), TD.Categorical(**{kw: t_p})
    gg.manual_seed(3)
    torch.manual_seed(3)
    g_s, t_s = g_d.sample(shape), t_d.sample(shape)
    assert tuple(g_s.shape) == tuple(t_s.shape)
    np.testing.assert_array_equal(g_s.numpy(), t_s.numpy())
    g_lp, t_lp = g_d.log_prob(g_s), t_d.log_prob(t_s)
    _close(g_lp, t_lp)
    _close(g_d.entropy(), t_d.entropy())
    _close(g_d.probs, t_d.probs)
    _close(g_d.logits, t_d.logits)
    (g_lp.sum() + g_d.entropy().sum()).backward()
    (t_lp.sum() + t_d.entropy().sum()).backward()
    _close(g_p.grad, t_p.grad, 1e-5)


def test_categorical_policy_gradient_step_matches_pytorch():
    """reinforce.py's pattern: probs from softmax, sample an action, minus log_prob times a return."""
    w = np.random.default_rng(1).standard_normal((4, 2)).astype(np.float32)
    x = np.random.default_rng(2).standard_normal((1, 4)).astype(np.float32)
    grads = []
    for lib in (gg, torch):
        lib.manual_seed(0)
        weight = lib.tensor(w, requires_grad=True)
        probs = lib.nn.functional.softmax(lib.tensor(x) @ weight, dim=1)
        m = (D if lib is gg else TD).Categorical(probs)
        action = m.sample()
        loss = -m.log_prob(action) * 2.5
        loss.sum().backward()
        grads.append((action.item(), weight.grad.numpy().copy()))
    assert grads[0][0] == grads[1][0]
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape", [(), (3,)])
def test_normal_sample_rsample_log_prob_entropy_match_pytorch(shape):
    g_loc, t_loc = _pair([0.5, -1.0], requires_grad=True)
    g_scale, t_scale = _pair([1.5, 0.3], requires_grad=True)
    g_d, t_d = D.Normal(g_loc, g_scale), TD.Normal(t_loc, t_scale)
    gg.manual_seed(7)
    torch.manual_seed(7)
    _close(g_d.sample(shape), t_d.sample(shape))
    g_r, t_r = g_d.rsample(shape), t_d.rsample(shape)
    _close(g_r, t_r)
    _close(g_d.log_prob(g_r), t_d.log_prob(t_r), 1e-5)
    _close(g_d.entropy(), t_d.entropy())
    (g_d.log_prob(g_r).sum() + g_r.sum() + g_d.entropy().sum()).backward()
    (t_d.log_prob(t_r).sum() + t_r.sum() + t_d.entropy().sum()).backward()
    _close(g_loc.grad, t_loc.grad, 1e-5)
    _close(g_scale.grad, t_scale.grad, 1e-5)
    assert tuple(g_d.batch_shape) == tuple(t_d.batch_shape)
    _close(g_d.stddev, t_d.stddev)
    _close(g_d.variance, t_d.variance)


def test_normal_broadcasts_numbers():
    g_d, t_d = D.Normal(0.0, gg.ones(3)), TD.Normal(0.0, torch.ones(3))
    assert tuple(g_d.batch_shape) == tuple(t_d.batch_shape) == (3,)
    _close(g_d.log_prob(gg.tensor(0.5)), t_d.log_prob(torch.tensor(0.5)))


def test_bernoulli_matches_pytorch():
    g_p, t_p = _pair([0.2, 0.7, 0.5], requires_grad=True)
    g_d, t_d = D.Bernoulli(g_p), TD.Bernoulli(t_p)
    gg.manual_seed(1)
    torch.manual_seed(1)
    g_s, t_s = g_d.sample((4,)), t_d.sample((4,))
    np.testing.assert_array_equal(g_s.numpy(), t_s.numpy())
    _close(g_d.log_prob(g_s), t_d.log_prob(t_s), 1e-5)
    _close(g_d.entropy(), t_d.entropy(), 1e-5)
    _close(D.Bernoulli(logits=gg.tensor([0.3, -2.0])).probs, TD.Bernoulli(logits=torch.tensor([0.3, -2.0])).probs)


def test_kl_divergence_matches_pytorch():
    g_a, t_a = _pair([[0.2, 0.3, 0.5]])
    g_b, t_b = _pair([[0.6, 0.3, 0.1]])
    _close(D.kl_divergence(D.Categorical(g_a), D.Categorical(g_b)),
           TD.kl_divergence(TD.Categorical(t_a), TD.Categorical(t_b)), 1e-5)
    _close(D.kl_divergence(D.Normal(g_a, g_b), D.Normal(g_b, g_a)),
           TD.kl_divergence(TD.Normal(t_a, t_b), TD.Normal(t_b, t_a)), 1e-5)
    _close(D.kl_divergence(D.Bernoulli(g_a), D.Bernoulli(g_b)),
           TD.kl_divergence(TD.Bernoulli(t_a), TD.Bernoulli(t_b)), 1e-5)


def test_errors_match_pytorch():
    for lib in (D, TD):
        with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified, but not both."):
            lib.Categorical()
        with pytest.raises(ValueError, match="Expected parameter scale"):
            lib.Normal((gg if lib is D else torch).zeros(2), (gg if lib is D else torch).tensor([1.0, -1.0]))
        with pytest.raises(ValueError, match="Expected value argument"):
            lib.Categorical((gg if lib is D else torch).tensor([0.5, 0.5])).log_prob((gg if lib is D else torch).tensor(2))


def test_import_as_torch_distributions():
    from glassgrad.as_torch import TorchFinder
    assert TorchFinder._glassgrad_name("torch.distributions") == "glassgrad.distributions"
    assert gg.distributions.Categorical is D.Categorical
