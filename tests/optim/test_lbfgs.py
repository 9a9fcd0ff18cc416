"""glassgrad.optim.LBFGS against torch.optim.LBFGS: same closure, same path, same parameters and state.

The problems have curvature that differs by direction (a quadratic with a random positive-definite
matrix, Rosenbrock's valley, a small logistic regression through autograd), so the two-loop recursion,
the history limit and the line search all change the result if any of them is wrong.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import glassgrad as gg
from glassgrad import optim

# float64 agrees to the last bits or nearly (dot products of 7 numbers may sum in another order);
# float32 to 1e-4: PyTorch's float32 dot and sqrt round some last bits differently from numpy's
# (its 0-d sqrt is not even correctly rounded), and L-BFGS carries such bits from step to step.
TOL = {"float64": dict(rtol=1e-11, atol=1e-13), "float32": dict(rtol=1e-4, atol=1e-5)}
# near convergence ys = y·s, y·y and s·q are small differences of larger numbers, so ro = 1/ys,
# H_diag and al carry the dot products' last-bit differences magnified
STATE_TOL = dict(rtol=1e-8, atol=1e-11)
AUTOGRAD_TOL = {"float64": dict(rtol=1e-9, atol=1e-11), "float32": dict(rtol=1e-4, atol=1e-5)}


# Rosenbrock and the quadratic are computed in numpy, the same code for both libraries, and the
# closure hands each library the same loss and gradient for the same parameters: any difference is
# then the optimizer's own. The logistic regression goes through each library's autograd (whose
# last-bit roundings differ), so it is held to a looser tolerance.
def rosenbrock(x, y):
    loss = (1 - x) ** 2 + 100 * (y - x ** 2) ** 2
    return loss.sum(), [-2 * (1 - x) - 400 * x * (y - x ** 2), 200 * (y - x ** 2)]


def make_quadratic(rng):
    m = rng.standard_normal((7, 7))
    A, c = m @ m.T + 0.5 * np.eye(7), rng.standard_normal(7)  # noqa: N806

    def quadratic(a, b):
        v = np.concatenate([a.reshape(-1), b.reshape(-1)])
        loss = 0.5 * v @ (A @ v) - c @ v + 0.01 * (v ** 4).sum()
        grad = A @ v - c + 0.04 * v ** 3
        return loss, [grad[:4].reshape(2, 2), grad[4:]]
    return quadratic


def logistic(lib, w, b, X, y):  # noqa: N803
    logits = X @ w + b
    return lib.nn.functional.binary_cross_entropy_with_logits(logits, y) + 0.01 * (w ** 2).sum()


def make_problem(name, lib, dtype, seed=0):
    rng = np.random.default_rng(seed)
    if name == "logistic":
        X = rng.standard_normal((20, 3))  # noqa: N806
        params = [lib.tensor(a.astype(dtype), requires_grad=True) for a in (rng.standard_normal(3), np.zeros(1))]
        consts = [lib.tensor(e.astype(dtype)) for e in (X, (X @ np.array([1.0, -2.0, 0.5]) > 0).astype(float))]
        return params, lambda: logistic(lib, *params, *consts)
    if name == "rosenbrock":
        arrays, fn = [np.array([-1.5]), np.array([2.0])], rosenbrock
    else:
        fn = make_quadratic(rng)
        arrays = [rng.standard_normal((2, 2)), rng.standard_normal(3)]
    params = [lib.tensor(a.astype(dtype), requires_grad=True) for a in arrays]

    def loss_fn():
        loss, grads = fn(*(p.detach().numpy() for p in params))
        for p, g in zip(params, grads):
            p.grad = lib.tensor(np.asarray(g, dtype=dtype))
        return lib.tensor(np.asarray(loss, dtype=dtype))
    return params, loss_fn


def run(lib, o, name, dtype, kwargs, steps):
    params, loss_fn = make_problem(name, lib, dtype)
    opt = o.LBFGS(params, **kwargs)
    calls = []

    def closure():
        opt.zero_grad()
        loss = loss_fn()
        if loss.requires_grad:
            loss.backward()
        calls.append(loss.item())
        return loss

    trace = []
    for _ in range(steps):
        returned = opt.step(closure)
        trace.append((returned.detach().item(), [p.detach().numpy().copy() for p in params]))
    return opt, trace, calls


def to_plain(x):
    if isinstance(x, (gg.Tensor, torch.Tensor)):
        return np.asarray(x.detach().numpy())
    if isinstance(x, list):
        return [to_plain(v) for v in x]
    return x


CASES = [
    dict(),
    dict(lr=0.5, max_iter=5),
    dict(lr=1, history_size=3, max_iter=10),                # the history fills and drops its oldest
    dict(line_search_fn="strong_wolfe"),
    dict(line_search_fn="strong_wolfe", history_size=2, max_iter=7, lr=0.3),
    dict(max_iter=4, max_eval=6, tolerance_change=1e-5),
    dict(tolerance_grad=1e-3, line_search_fn="strong_wolfe"),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("problem", ["rosenbrock", "quadratic", "logistic"])
@pytest.mark.parametrize("kwargs", CASES, ids=[str(i) for i in range(len(CASES))])
def test_steps_match_pytorch(kwargs, problem, dtype):
    if dtype == "float32" and problem == "rosenbrock":
        # Rosenbrock's valley turns a last-bit difference (see TOL) into another line-search path
        pytest.skip("float32 Rosenbrock is too ill-conditioned to follow PyTorch's roundings")
    steps = 3
    opt_g, ours, calls_g = run(gg, optim, problem, dtype, kwargs, steps)
    opt_t, theirs, calls_t = run(torch, torch.optim, problem, dtype, kwargs, steps)
    tol = (AUTOGRAD_TOL if problem == "logistic" else TOL)[dtype]
    assert len(calls_g) == len(calls_t)   # the same number of closure calls: the same path
    for k, ((loss_g, ps_g), (loss_t, ps_t)) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(loss_g, loss_t, **tol, err_msg=f"loss at step {k}")
        for a, b in zip(ps_g, ps_t):
            np.testing.assert_allclose(a, b, **tol, err_msg=f"parameters after step {k}")
    if dtype == "float64":
        sd_g, sd_t = opt_g.state_dict(), opt_t.state_dict()
        assert sd_g["param_groups"] == sd_t["param_groups"]
        assert sd_g["state"].keys() == sd_t["state"].keys() == {0}
        st_g, st_t = sd_g["state"][0], sd_t["state"][0]
        assert st_g.keys() == st_t.keys()
        for key, v in st_t.items():
            mine = st_g[key]
            assert type(to_plain(mine)) is type(to_plain(v)) or isinstance(v, torch.Tensor), key
            if isinstance(v, list):
                assert len(mine) == len(v), key
                for a, b in zip(mine, v):
                    if b is None:
                        assert a is None, key
                    else:
                        np.testing.assert_allclose(to_plain(a), to_plain(b), **STATE_TOL, err_msg=key)
            else:
                assert isinstance(mine, gg.Tensor) == isinstance(v, torch.Tensor), key
                np.testing.assert_allclose(to_plain(mine), to_plain(v), **STATE_TOL, err_msg=key)


def test_the_corpus_snippet():
    w = gg.nn.Parameter(gg.tensor([3.0]))
    o = optim.LBFGS([w], lr=0.8)

    def closure():
        o.zero_grad()
        loss = ((w - 1) ** 2).sum()
        loss.backward()
        return loss

    assert o.step(closure).item() == 4.0   # the loss before the step
    assert w.item() == 1.000015377998352   # PyTorch's float32 result, to the bit


def test_errors_like_pytorch():
    for lib, o in ((torch, torch.optim), (gg, optim)):
        a, b = lib.zeros(2, requires_grad=True), lib.zeros(2, requires_grad=True)
        with pytest.raises(ValueError, match=r"^LBFGS doesn't support per-parameter options"):
            o.LBFGS([{"params": [a]}, {"params": [b]}])
        opt = o.LBFGS([a], line_search_fn="wolfe")

        def closure():
            opt.zero_grad()
            loss = ((a - 1) ** 2).sum()
            loss.backward()
            return loss

        with pytest.raises(RuntimeError, match=r"^only 'strong_wolfe' is supported$"):
            opt.step(closure)
        assert o.LBFGS([b], max_iter=9).defaults["max_eval"] == 11


def test_state_dict_resumes_like_an_uninterrupted_run(tmp_path):
    """Two steps, a checkpoint through glassgrad.save, then a third: the same as three steps."""
    _, straight, _ = run(gg, optim, "quadratic", "float64", dict(history_size=4, max_iter=6), 3)
    params, loss_fn = make_problem("quadratic", gg, "float64")
    opt = optim.LBFGS(params, history_size=4, max_iter=6)

    def closure():
        opt.zero_grad()
        return loss_fn()

    opt.step(closure)
    opt.step(closure)
    gg.save({"opt": opt.state_dict(), "params": [p.detach() for p in params]}, tmp_path / "c.pt")
    saved = gg.load(tmp_path / "c.pt")
    params2, loss_fn2 = make_problem("quadratic", gg, "float64")
    with gg.no_grad():
        for p, q in zip(params2, saved["params"]):
            p.copy_(q)
    opt2 = optim.LBFGS(params2, history_size=4, max_iter=6)
    opt2.load_state_dict(saved["opt"])

    def closure2():
        opt2.zero_grad()
        return loss_fn2()

    opt2.step(closure2)
    for a, b in zip(params2, straight[2][1]):
        np.testing.assert_allclose(a.detach().numpy(), b, rtol=1e-12, atol=1e-14)
