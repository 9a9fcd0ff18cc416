"""nn.utils.parametrize (PyTorch's parametrizations tutorial) and the linear algebra it calls —
torch.linalg.solve, torch.matrix_exp, torch.linalg.eigvalsh, torch.dist — against PyTorch."""

import numpy as np
import pytest
import torch

import glassgrad as gg

RNG = np.random.default_rng(5)
A = RNG.standard_normal((2, 4, 4))
B = RNG.standard_normal((2, 4, 3))


def _linalg(lib):
    a = lib.tensor(A, requires_grad=True)
    b = lib.tensor(B, requires_grad=True)
    v = lib.tensor(B[..., 0], requires_grad=True)
    sym = a + a.transpose(-1, -2)
    outs = [lib.linalg.solve(a, b), lib.linalg.solve(a, v), lib.matrix_exp(a * 1.7), lib.linalg.matrix_exp(a[0]),
            lib.linalg.eigvalsh(sym), lib.linalg.eigvalsh(sym, UPLO="U"), lib.dist(a, b[..., :1], 3), a.dist(a * 2)]
    weights = [lib.tensor(RNG_W.standard_normal(tuple(o.shape))) for o in outs]
    sum((o * w).sum() for o, w in zip(outs, weights)).backward()
    return [o.detach().numpy() for o in outs] + [a.grad.numpy(), b.grad.numpy(), v.grad.numpy()]


def test_solve_matrix_exp_eigvalsh_dist_and_their_gradients_match_pytorch():
    global RNG_W
    RNG_W = np.random.default_rng(0)
    ours = _linalg(gg)
    RNG_W = np.random.default_rng(0)
    theirs = _linalg(torch)
    for i, (x, y) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-9, err_msg=f"result {i}")


@pytest.mark.parametrize("call", [
    lambda lib: lib.linalg.solve(lib.ones(3, 2, dtype=lib.float64), lib.ones(3, dtype=lib.float64)),
    lambda lib: lib.linalg.solve(lib.zeros(3, 3), lib.ones(3)),
    lambda lib: lib.matrix_exp(lib.ones(2, 3)),
])
def test_linalg_errors_match_pytorch(call):
    with pytest.raises(RuntimeError) as theirs:
        call(torch)
    with pytest.raises(RuntimeError, match=str(theirs.value)[:40]):
        call(gg)


def _symmetric(lib):
    class Symmetric(lib.nn.Module):
        def forward(self, X):  # noqa: N803
            return X.triu() + X.triu(1).transpose(0, 1)

        def right_inverse(self, A):  # noqa: N803
            return A.triu()
    return Symmetric


def _skew(lib):
    class Skew(lib.nn.Module):
        def forward(self, X):  # noqa: N803
            a = X.triu(1)
            return a - a.transpose(0, 1)
    return Skew


def _parametrized_training(lib):
    P = lib.nn.utils.parametrize
    layer = lib.nn.Linear(3, 3).double()
    with lib.no_grad():
        layer.weight.copy_(lib.tensor(A[0, :3, :3]))
        layer.bias.copy_(lib.tensor(B[0, :3, 0]))
    P.register_parametrization(layer, "weight", _symmetric(lib)())
    assert type(layer).__name__ == "ParametrizedLinear" and P.is_parametrized(layer, "weight")
    assert P.type_before_parametrizations(layer) is lib.nn.Linear
    assert sorted(name for name, _ in layer.named_parameters()) == ["bias", "parametrizations.weight.original"]
    original = layer.parametrizations.weight.original
    optimizer = lib.optim.SGD(layer.parameters(), lr=0.1)
    x = lib.tensor(B[1])
    for _ in range(3):
        optimizer.zero_grad()
        layer(x).pow(2).sum().backward()
        optimizer.step()
    with P.cached():
        first = layer.weight
        assert layer.weight is first  # computed once while cached
    layer.weight = lib.tensor(A[1, :3, :3] + A[1, :3, :3].T)  # right_inverse into original
    after_set = layer.weight.detach().clone()
    P.register_parametrization(layer, "weight", _skew(lib)())  # a second one, applied after the first
    skew = layer.weight.detach().clone()
    state = sorted(layer.state_dict())
    P.remove_parametrizations(layer, "weight")
    assert type(layer) is lib.nn.Linear and not hasattr(layer, "parametrizations")
    assert layer.weight is original  # the same Parameter object, now holding the parametrized value
    return [first.detach().numpy(), after_set.numpy(), skew.numpy(), layer.weight.detach().numpy(),
            layer.bias.detach().numpy()], state


def test_parametrize_trains_sets_stacks_and_removes_as_pytorch():
    ours, our_state = _parametrized_training(gg)
    theirs, their_state = _parametrized_training(torch)
    assert our_state == their_state
    for x, y in zip(ours, theirs):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12)


def test_remove_leaving_the_original():
    for lib in (gg, torch):
        layer = lib.nn.Linear(3, 3)
        before = layer.weight.detach().clone()
        lib.nn.utils.parametrize.register_parametrization(layer, "weight", _skew(lib)())
        lib.nn.utils.parametrize.remove_parametrizations(layer, "weight", leave_parametrized=False)
        assert lib.equal(layer.weight.detach(), before)


@pytest.mark.parametrize("make", [
    lambda lib: (lib.nn.Linear(3, 3), "nope", _skew(lib)()),
    lambda lib: (lib.nn.Linear(3, 2), "weight", lib.nn.Linear(2, 3)),  # changes the shape
])
def test_register_errors_match_pytorch(make):
    with pytest.raises(Exception) as theirs:
        torch.nn.utils.parametrize.register_parametrization(*make(torch))
    with pytest.raises(type(theirs.value)):
        gg.nn.utils.parametrize.register_parametrization(*make(gg))
    lead = str(theirs.value).split("'")[0]
    assert lead and lead in str(pytest.raises(type(theirs.value), gg.nn.utils.parametrize.register_parametrization,
                                              *make(gg)).value)
