"""The tensor functions real programs call, where the op catalog can't look: random fills (numbers
differ from PyTorch's, so their distributions, dtypes, errors and autograd are checked), meshgrid's
warning, the errors PyTorch raises, the SVD (signs of singular vectors are arbitrary), and the in-place
functions' identity and memory sharing. Numbers that can be compared are compared with PyTorch.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import glassgrad


def _both(fn):
    """fn(lib) with lib = glassgrad and lib = torch, as numpy arrays."""
    ours, theirs = fn(glassgrad), fn(torch)
    return np.asarray(ours.detach()._array), theirs.detach().numpy()


# --- random fills -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name, args, mean, var", [
    ("normal_", (2.0, 0.5), 2.0, 0.25),
    ("uniform_", (-1.0, 3.0), 1.0, 16 / 12),
    ("exponential_", (4.0,), 0.25, 1 / 16),
    ("log_normal_", (0.0, 0.25), np.exp(0.25 ** 2 / 2), (np.exp(0.25 ** 2) - 1) * np.exp(0.25 ** 2)),
    ("bernoulli_", (0.3,), 0.3, 0.21),
    ("geometric_", (0.5,), 2.0, 2.0),
])
def test_random_fills_have_the_distribution_pytorch_documents(name, args, mean, var):
    glassgrad.manual_seed(0)
    x = glassgrad.zeros(200_000)
    assert getattr(x, name)(*args) is x  # in place, returns self
    a = x.numpy()
    assert x.dtype == glassgrad.float32
    assert abs(a.mean() - mean) < 5 * np.sqrt(var / a.size)
    assert abs(a.var() - var) < 0.05 * var


def test_uniform_stays_in_its_interval_and_random_draws_integers_in_range():
    x = glassgrad.empty(10_000).uniform_(2, 3)
    assert 2 <= x.min().item() and x.max().item() < 3
    r = glassgrad.zeros(10_000, dtype=glassgrad.int64).random_(3, 7).numpy()
    assert set(np.unique(r)) == {3, 4, 5, 6}
    r = glassgrad.zeros(10_000).random_(5).numpy()
    assert set(np.unique(r)) == {0.0, 1.0, 2.0, 3.0, 4.0}
    u8 = glassgrad.zeros(10_000, dtype=glassgrad.uint8).random_().numpy()
    assert u8.min() == 0 and u8.max() == 255
    p = glassgrad.zeros(4).bernoulli_(glassgrad.tensor([0.0, 1.0, 1.0, 0.0]))
    assert p.tolist() == [0.0, 1.0, 1.0, 0.0]


def test_a_generator_makes_fills_reproducible():
    g = glassgrad.Generator().manual_seed(7)
    a = glassgrad.empty(5).normal_(generator=g)
    g.manual_seed(7)
    b = glassgrad.empty(5).normal_(generator=g)
    assert glassgrad.equal(a, b)
    glassgrad.manual_seed(1)
    c = glassgrad.empty(5).uniform_()
    glassgrad.manual_seed(1)
    assert glassgrad.equal(c, glassgrad.empty(5).uniform_())


def test_random_fills_on_a_graph_record_a_zero_gradient_and_refuse_a_leaf():
    for name, args, node in [("normal_", (), "NormalBackward0"), ("uniform_", (), "UniformBackward0"),
                             ("bernoulli_", (), "BernoulliBackward2"), ("random_", (5,), "RandomBackward1")]:
        x = glassgrad.ones(3, requires_grad=True)
        y = x * 2
        getattr(y, name)(*args)
        assert type(y.grad_fn).__name__ == node
        y.sum().backward()
        assert x.grad.tolist() == [0.0, 0.0, 0.0]
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an "
                                               "in-place operation."):
            getattr(x, name)(*args)
    w = glassgrad.ones(3, requires_grad=True)
    with glassgrad.no_grad():
        w.normal_(0, 0.01)  # the usual initialisation: under no_grad a leaf may be filled
    w.data.normal_(0, 0.01)
    assert w.is_leaf and w.requires_grad


@pytest.mark.parametrize("call", [
    lambda T: T.zeros(3, dtype=T.int64).normal_(),
    lambda T: T.zeros(3, dtype=T.int64).uniform_(),
    lambda T: T.zeros(3, dtype=T.int64).exponential_(),
    lambda T: T.zeros(3).uniform_(2, 1),
    lambda T: T.zeros(3).normal_(0, -1),
    lambda T: T.zeros(3).exponential_(-1),
    lambda T: T.zeros(3).bernoulli_(1.5),
    lambda T: T.zeros(3).random_(5, 2),
])
def test_random_fill_errors_are_pytorchs(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)) as ours:
        call(glassgrad)
    assert str(ours.value) == str(theirs.value)


# --- meshgrid, repeat_interleave --------------------------------------------------------------------------
def test_meshgrid_without_indexing_warns_as_pytorch_and_uses_ij():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        x, y = glassgrad.meshgrid(glassgrad.arange(2), glassgrad.arange(3))
    assert [str(w.message) for w in caught] == [
        "torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument."]
    assert tuple(x.shape) == tuple(y.shape) == (2, 3)
    assert caught[0].filename == __file__  # the warning points at the caller


@pytest.mark.parametrize("call", [
    lambda T: T.meshgrid(T.arange(2), indexing="foo"),
    lambda T: T.ones(2, 3).repeat_interleave(T.tensor([1, 2, 3]), dim=0),
    lambda T: T.ones(2, 3).repeat_interleave(-1, dim=0),
    lambda T: T.ones(2, 3).repeat_interleave(T.tensor([1, -2]), dim=0),
    lambda T: T.bincount(T.tensor([-1, 2])),
    lambda T: T.bincount(T.tensor([1.0])),
    lambda T: T.histc(T.tensor([1, 2])),
    lambda T: T.det(T.ones(2, 3)),
    lambda T: T.det(T.ones(3)),
    lambda T: T.det(T.ones(2, 2, dtype=T.int64)),
    lambda T: T.linalg.cross(T.ones(2), T.ones(2)),
    lambda T: T.asin([1.0]),
])
def test_errors_are_pytorchs(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)) as ours:
        call(glassgrad)
    assert str(ours.value) == str(theirs.value)


def test_repeat_interleave_of_counts_alone_repeats_the_indices():
    ours, theirs = _both(lambda T: T.repeat_interleave(T.tensor([1, 0, 3])))
    np.testing.assert_array_equal(ours, theirs)
    assert ours.dtype == theirs.dtype


# --- counting ------------------------------------------------------------------------------------------
def test_unique_returns_what_was_asked_for():
    for kwargs in [{}, {"return_inverse": True}, {"return_counts": True}, {"sorted": False}]:
        ours = glassgrad.unique(glassgrad.tensor([3, 1, 2, 1, 3, 3]), **kwargs)
        theirs = torch.unique(torch.tensor([3, 1, 2, 1, 3, 3]), **kwargs)
        ours, theirs = (ours, theirs) if isinstance(theirs, tuple) else ((ours,), (theirs,))
        assert [o.tolist() for o in ours] == [t.tolist() for t in theirs]


def test_histogram_is_a_named_pair():
    result = glassgrad.histogram(glassgrad.tensor([0.0, 1.0, 1.0, 2.0]), bins=2)
    hist, edges = result
    assert result.hist is hist and result.bin_edges is edges
    assert hist.tolist() == [1.0, 3.0] and edges.tolist() == [0.0, 1.0, 2.0]
    assert type(result).__name__ == "histogram" and glassgrad.return_types.histogram is type(result)


def test_histc_bins_values_on_edges_as_pytorch():
    rng = np.random.default_rng(0)
    for _ in range(200):
        x = rng.choice(np.array([0.0, 0.1, 1 / 3, 0.5, 1.0, -1.0, 2.0, 7.0]), rng.integers(1, 6))
        for dtype in (np.float32, np.float64):
            bins = int(rng.integers(1, 12))
            ours, theirs = _both(lambda T: T.histc(T.tensor(x.astype(dtype)), bins=bins))
            np.testing.assert_array_equal(ours, theirs)
            ours, theirs = _both(lambda T: T.histogram(T.tensor(x.astype(dtype)), bins=bins).hist)
            np.testing.assert_array_equal(ours, theirs)


# --- svd ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (4, 2), (2, 3, 2)])
def test_svd_factors_and_the_gradient_of_the_singular_values(shape):
    a = np.random.default_rng(1).normal(size=shape)
    x = glassgrad.tensor(a, requires_grad=True)
    u, s, vh = glassgrad.linalg.svd(x, full_matrices=False)
    np.testing.assert_allclose(((u * s.unsqueeze(-2)) @ vh).detach().numpy(), a, atol=1e-12)
    u2, s2, v2 = glassgrad.svd(x)
    np.testing.assert_allclose(((u2 * s2.unsqueeze(-2)) @ v2.mT).detach().numpy(), a, atol=1e-12)
    t = torch.tensor(a, requires_grad=True)
    w = np.arange(1.0, s.shape[-1] + 1)
    (s * glassgrad.tensor(w)).sum().backward()
    (torch.linalg.svdvals(t) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), atol=1e-10)
    assert type(s.grad_fn).__name__ == "LinalgSvdBackward0"
    assert type(u.grad_fn).__name__ == type(vh.grad_fn).__name__ == "LinalgSvdBackward0"
    full = [tuple(t.shape) for t in glassgrad.linalg.svd(glassgrad.tensor(a))]
    assert full == [tuple(t.shape) for t in torch.linalg.svd(torch.tensor(a))]
    reduced = [tuple(t.shape) for t in glassgrad.svd(glassgrad.tensor(a), some=True)]
    assert reduced == [tuple(t.shape) for t in torch.svd(torch.tensor(a), some=True)]


# --- in-place functions and shape changes -------------------------------------------------------------------
def test_module_level_inplace_functions_change_their_argument():
    for name in ["sin_", "cos_", "exp_", "sqrt_", "relu_", "sigmoid_", "atan_", "trunc_", "zero_"]:
        b = glassgrad.tensor([0.25, 1.0])
        t = torch.tensor([0.25, 1.0])
        assert getattr(glassgrad, name)(b) is b
        getattr(torch, name)(t)
        np.testing.assert_allclose(b.numpy(), t.numpy(), rtol=1e-6)


def test_inplace_shape_changes_keep_the_memory():
    x = glassgrad.zeros(2, 3)
    flat = x.view(6)
    assert x.t_() is x and tuple(x.shape) == (3, 2)
    x[0, 1] = 5.0  # element (1, 0) of the original
    assert flat.tolist() == [0.0, 0.0, 0.0, 5.0, 0.0, 0.0]
    assert tuple(x.unsqueeze_(0).shape) == (1, 3, 2)
    assert tuple(x.squeeze_().shape) == (3, 2)
    assert tuple(x.transpose_(0, 1).shape) == (2, 3)


def test_new_ops_have_pytorchs_grad_fn_names():
    for name in ["sinh", "cosh", "asin", "acos", "atan", "asinh", "atanh"]:
        x = glassgrad.tensor([0.5], requires_grad=True)
        t = torch.tensor([0.5], requires_grad=True)
        ours, theirs = getattr(glassgrad, name)(x).grad_fn, getattr(torch, name)(t).grad_fn
        assert type(ours).__name__ == type(theirs).__name__
    x, t = glassgrad.ones(2, 2, requires_grad=True), torch.ones(2, 2, requires_grad=True)
    assert type(glassgrad.det(x).grad_fn).__name__ == type(torch.det(t).grad_fn).__name__
    assert type(glassgrad.atan2(x, x).grad_fn).__name__ == type(torch.atan2(t, t).grad_fn).__name__
    a, b = glassgrad.ones(3, requires_grad=True), torch.ones(3, requires_grad=True)
    assert (type(glassgrad.linalg.cross(a, a).grad_fn).__name__
            == type(torch.linalg.cross(b, b).grad_fn).__name__)


@pytest.mark.parametrize("call", [
    lambda T: T.unique(T.ones(3, requires_grad=True)),
    lambda T: T.unique(T.ones(3, 2, requires_grad=True), dim=0),
    lambda T: T.histogram(T.ones(3, requires_grad=True), bins=2).hist,
    lambda T: T.bincount(T.tensor([0, 1]), weights=T.ones(2, requires_grad=True)),
])
def test_counts_record_a_node_whose_backward_fails_as_pytorchs(call):
    theirs, ours = call(torch), call(glassgrad)
    assert type(ours.grad_fn).__name__ == type(theirs.grad_fn).__name__
    with pytest.raises(Exception) as their_error:
        theirs.sum().backward()
    with pytest.raises(type(their_error.value), match=str(their_error.value).replace("(", r"\(")
                       .replace(")", r"\)")):
        ours.sum().backward()


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4), (2, 3, 2)])
@pytest.mark.parametrize("full_matrices", [False, True])
def test_svd_singular_vectors_have_pytorchs_gradient(shape, full_matrices):
    """Losses that don't depend on the vectors' arbitrary signs (uᵢ → -uᵢ with vᵢ → -vᵢ)."""
    rng = np.random.default_rng(2)
    a = rng.normal(size=shape)
    k = min(shape[-2:])
    w = [rng.normal(size=shape[:-2] + (shape[-2], shape[-2] if full_matrices else k)),
         rng.normal(size=shape[:-2] + (shape[-1] if full_matrices else k, shape[-1])), rng.normal(size=shape)]

    def loss(T, x):
        u, s, vh = T.linalg.svd(x, full_matrices=full_matrices)
        first = u[..., :, :1] * vh[..., :1, :]  # u₁v₁ᵀ: sign-free
        return ((T.tensor(w[0]) * u * u).sum() + (T.tensor(w[1]) * vh * vh).sum()
                + (T.tensor(w[2]) * first).sum())

    ours, theirs = glassgrad.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    loss(glassgrad, ours).backward()
    loss(torch, theirs).backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), atol=1e-10)


def test_cross_without_dim_takes_the_first_dim_of_length_3_and_warns():
    a, b = np.random.default_rng(3).normal(size=(2, 2, 3, 3))
    with pytest.warns(UserWarning, match="Using torch.cross without specifying the dim arg is deprecated"):
        ours = glassgrad.cross(glassgrad.tensor(a), glassgrad.tensor(b))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.cross(torch.tensor(a), torch.tensor(b))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-12)
