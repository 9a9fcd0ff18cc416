"""vmap (glassgrad/_vmap.py, func.py) against torch.func.vmap: batching rules, the per-sample fallback,
nested levels, in_dims/out_dims, randomness, PyTorch's errors, and grad/jacrev/vjp/jvp inside vmap."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import glassgrad as gg
import glassgrad._vmap as gvmap
import glassgrad.nn.functional as GF
from glassgrad import func as gfunc
from glassgrad.ops.joining import stack as undispatched_stack

RNG = np.random.default_rng(0)
A = RNG.standard_normal((4, 3, 5)).astype(np.float32)
B5 = RNG.standard_normal(5).astype(np.float32)
M = RNG.standard_normal((5, 2)).astype(np.float32)


def _F(lib):
    return TF if lib is torch else GF


def _np(t):
    return t.detach().numpy()


# name -> (f(lib, *xs), inputs): every op here has a batching rule (no per-sample fallback)
BATCHED = {
    "add_broadcast": (lambda L, x: x + L.tensor(B5), [A]),
    "mul_higher_rank_operand": (lambda L, x: x[0] * L.ones(2, 5), [A]),
    "operators": (lambda L, x: (2 - x) / 3 + x ** 2 - (-x) * 1.5, [A]),
    "sum_dim": (lambda L, x: x.sum(0), [A]),
    "sum_all": (lambda L, x: x.sum(), [A]),
    "mean_negative_keepdim": (lambda L, x: x.mean(-1, keepdim=True), [A]),
    "softmax": (lambda L, x: L.softmax(x, dim=0), [A]),
    "view_reshape": (lambda L, x: x.view(15).reshape(5, 3), [A]),
    "flatten": (lambda L, x: x.flatten(), [A]),
    "unsqueeze_squeeze": (lambda L, x: x.unsqueeze(-1).squeeze(), [A]),
    "permute_transpose_movedim": (lambda L, x: x.permute(1, 0).transpose(0, 1).movedim(0, 1), [A]),
    "expand": (lambda L, x: x[0].expand(2, 5), [A]),
    "select_getitem": (lambda L, x: x.select(1, 2) + x[:, 1] + x[..., None, 0].squeeze(-1), [A]),
    "narrow": (lambda L, x: x.narrow(1, 1, 2), [A]),
    "cat_with_unbatched": (lambda L, x: L.cat([x, L.zeros(3, 1)], 1), [A]),
    "stack": (lambda L, x: L.stack([x, x * 2], -1), [A]),
    "split": (lambda L, x: x.split(2, dim=1)[1] * 1, [A]),
    "chunk": (lambda L, x: x.chunk(3)[0], [A]),
    "matmul_unbatched_right": (lambda L, x: x @ L.tensor(M), [A]),
    "matmul_unbatched_left": (lambda L, x: L.tensor(M).T @ x[0], [A]),
    "matmul_vector_vector": (lambda L, x: x[0] @ L.tensor(B5), [A]),
    "matmul_T": (lambda L, x: L.matmul(L.tensor(M).T, x.T), [A]),
    "einsum": (lambda L, x: L.einsum("ij,jk->ik", x, L.tensor(M)), [A]),
    "linear": (lambda L, x: _F(L).linear(x, L.tensor(M).T, L.tensor(M[0])), [A]),
    "relu_gelu": (lambda L, x: _F(L).gelu(_F(L).relu(x)), [A]),
    "log_softmax": (lambda L, x: _F(L).log_softmax(x, dim=-1), [A]),
    "like": (lambda L, x: L.zeros_like(x) + L.ones_like(x), [A]),
    "max_dim": (lambda L, x: x.max(dim=1).values + x.amax(0).sum(), [A]),
    "argmax": (lambda L, x: x.argmax(1), [A]),
    "std_all": (lambda L, x: x.std(), [A]),
    "where": (lambda L, x: L.where(x > 0, x, L.zeros(5)), [A]),
    "mse_loss": (lambda L, x: _F(L).mse_loss(x, L.zeros(3, 5)), [A]),
    "cross_entropy": (lambda L, x: _F(L).cross_entropy(x, L.tensor([1, 0, 4])), [A]),
    "cross_entropy_one_sample": (lambda L, x: _F(L).cross_entropy(x[0], L.tensor(2)), [A]),
    "clone_in_place": (lambda L, x: x.clone().mul_(2).add_(1), [A]),
    "T": (lambda L, x: x.T, [A]),
    "cumsum_flip": (lambda L, x: L.cumsum(x, 1) + L.flip(x, [0]), [A]),
    "two_batched": (lambda L, x, y: x * y, [A, A + 1]),
    "matmul_both_batched": (lambda L, x, y: x @ y.T, [A, A + 1]),
    "matmul_both_batched_vectors": (lambda L, x, y: (x[0] @ y[1]) + (x[0] @ y.T).sum() + (x @ y[2]).sum(), [A, A + 1]),
    "conv2d_max_pool": (lambda L, x: _F(L).max_pool2d(_F(L).conv2d(x.reshape(1, 1, 3, 5), L.ones(2, 1, 2, 2)), 2),
                        [A]),
}


@pytest.fixture
def fallbacks(monkeypatch):
    """The names of the ops that ran through the per-sample fallback."""
    seen = []
    original = gvmap.per_sample

    def spy(func, level, args, kwargs):
        seen.append(gvmap._name(func))
        return original(func, level, args, kwargs)
    monkeypatch.setattr(gvmap, "per_sample", spy)
    return seen


@pytest.mark.parametrize("name", sorted(BATCHED))
def test_batching_rule_matches_pytorch_without_a_loop(name, fallbacks):
    f, inputs = BATCHED[name]
    expected = torch.func.vmap(lambda *xs: f(torch, *xs))(*[torch.tensor(x) for x in inputs])
    got = gfunc.vmap(lambda *xs: f(gg, *xs))(*[gg.tensor(x) for x in inputs])
    assert tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_allclose(_np(got), _np(expected), rtol=1e-5, atol=1e-6)
    assert fallbacks == []


def test_op_without_rule_runs_once_per_sample(fallbacks):
    idx = [0, 2]
    expected = torch.func.vmap(lambda x: x[torch.tensor(idx)].roll(1, 0))(torch.tensor(A))
    got = gfunc.vmap(lambda x: x[gg.tensor(idx)].roll(1, 0))(gg.tensor(A))
    np.testing.assert_array_equal(_np(got), _np(expected))
    assert "getitem" in fallbacks


def test_batched_tensor_reports_one_sample():
    seen = {}

    def f(x):
        seen.update(shape=tuple(x.shape), size=x.size(), dim=x.dim(), ndim=x.ndim, numel=x.numel(), len=len(x),
                    dtype=x.dtype, rg=x.requires_grad, text=repr(x))
        return x
    gfunc.vmap(f)(gg.tensor(A))
    assert (seen["shape"], tuple(seen["size"]), seen["dim"], seen["ndim"]) == ((3, 5), (3, 5), 2, 2)
    assert (seen["numel"], seen["len"], seen["dtype"], seen["rg"]) == (15, 3, gg.float32, False)
    assert seen["text"].startswith("BatchedTensor(lvl=") and "bdim=0" in seen["text"]


# --- the tutorial's case: one matrix product for the batch, bit for bit --------------------------------------
def _predict(F):
    return lambda weight, bias, x: F.linear(x, weight, bias).tanh()


def test_vmap_jacrev_equals_jacrev_of_summed_output_bit_for_bit():
    gg.manual_seed(0)
    weight, bias, x = gg.randn(33, 31), gg.randn(33), gg.randn(64, 31)
    predict = _predict(GF)
    per_sample = gfunc.vmap(gfunc.jacrev(predict, argnums=2), in_dims=(None, None, 0))(weight, bias, x)
    summed = gfunc.jacrev(lambda w, b, xs: predict(w, b, xs).sum(0), argnums=2)(weight, bias, x).movedim(1, 0)
    assert gg.equal(per_sample, summed)
    expected = torch.func.vmap(torch.func.jacrev(_predict(TF), argnums=2), in_dims=(None, None, 0))(
        *[torch.tensor(t.numpy()) for t in (weight, bias, x)])
    np.testing.assert_allclose(_np(per_sample), _np(expected), rtol=1e-5, atol=1e-6)


def test_vmapped_linear_is_linear_of_the_batch_bit_for_bit():
    gg.manual_seed(1)
    weight, bias, x = gg.randn(33, 31), gg.randn(33), gg.randn(64, 31)
    assert gg.equal(gfunc.vmap(lambda xi: GF.linear(xi, weight, bias))(x), GF.linear(x, weight, bias))


# --- in_dims, out_dims, nesting ---------------------------------------------------------------------------
@pytest.mark.parametrize("in_dims,out_dims", [(1, 0), (-1, 1), ((2,), -1), (0, (2,))])
def test_in_dims_and_out_dims_match_pytorch(in_dims, out_dims):
    f = (lambda x: x.sum(0) * 2) if out_dims != (2,) else (lambda x: x * 2)
    expected = torch.func.vmap(f, in_dims, out_dims)(torch.tensor(A))
    got = gfunc.vmap(f, in_dims, out_dims)(gg.tensor(A))
    np.testing.assert_allclose(_np(got), _np(expected), rtol=1e-6)


def test_nested_in_dims_none_and_dict_inputs_match_pytorch():
    def f(lib):
        return lambda p, y: (p["w"] * y[0] + p["b"], y[1])
    w, b, y = A[0], B5, RNG.standard_normal((4, 3, 5)).astype(np.float32)
    dims = ({"w": None, "b": 0}, (0, None))
    expected = torch.func.vmap(f(torch), in_dims=dims, out_dims=(1, None))(
        {"w": torch.tensor(w), "b": torch.tensor(np.stack([b] * 4))}, (torch.tensor(y), torch.tensor(w)))
    got = gfunc.vmap(f(gg), in_dims=dims, out_dims=(1, None))(
        {"w": gg.tensor(w), "b": gg.tensor(np.stack([b] * 4))}, (gg.tensor(y), gg.tensor(w)))
    for g, t in zip(got, expected):
        assert tuple(g.shape) == tuple(t.shape)
        np.testing.assert_allclose(_np(g), _np(t), rtol=1e-6)


def test_nested_vmap_matches_pytorch(fallbacks):
    x = RNG.standard_normal((2, 3, 4)).astype(np.float32)
    y = RNG.standard_normal((4, 3)).astype(np.float32)

    def f(lib):
        return lambda u, v: (u.sum(0) * u + v).softmax(-1) @ lib.ones(3)
    expected = torch.func.vmap(torch.func.vmap(f(torch), in_dims=(1, 0)), in_dims=(0, None))(
        torch.tensor(x), torch.tensor(y))
    got = gfunc.vmap(gfunc.vmap(f(gg), in_dims=(1, 0)), in_dims=(0, None))(gg.tensor(x), gg.tensor(y))
    assert tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_allclose(_np(got), _np(expected), rtol=1e-5, atol=1e-6)
    assert fallbacks == []


def test_output_not_depending_on_the_batch_is_expanded():
    got = gfunc.vmap(lambda x: gg.ones(2))(gg.tensor(A))
    expected = torch.func.vmap(lambda x: torch.ones(2))(torch.tensor(A))
    np.testing.assert_array_equal(_np(got), _np(expected))


# --- randomness -------------------------------------------------------------------------------------------
def test_randomness_same_and_different():
    x = gg.ones(6, 50)
    same = gfunc.vmap(lambda t: GF.dropout(t, 0.5), randomness="same")(x)
    different = gfunc.vmap(lambda t: gg.rand_like(t), randomness="different")(x)
    assert all(gg.equal(same[0], row) for row in same)
    assert not gg.equal(different[0], different[1])
    assert gg.equal(gfunc.vmap(lambda t: GF.dropout(t, 0.5, training=False))(x), x)


# --- PyTorch's errors -------------------------------------------------------------------------------------
ERRORS = [
    (lambda x: x.sum().item(), {}, RuntimeError, r"calling \.item\(\) on a Tensor"),
    (lambda x: x if x.sum() > 0 else -x, {}, RuntimeError, "data-dependent control flow"),
    (lambda x: x.tolist(), {}, RuntimeError, "doesn't have storage"),
    (lambda x: x.rand_like() if False else LIB.rand_like(x), {}, RuntimeError, "randomness error mode"),
    (lambda x: LIB.zeros(5).add_(x[0]), {}, RuntimeError, r"output with shape \[5\] doesn't match the broadcast"),
    (lambda x: x * 2, {"out_dims": None}, ValueError, "can not return a BatchedTensor when out_dim is None"),
    (lambda x: x, {"in_dims": 3}, ValueError, "expected in_dim to satisfy -3 <= in_dim < 3"),
    (lambda x: 3, {}, ValueError, "must only return Tensors, got type <class 'int'>"),
]
LIB = None


@pytest.mark.parametrize("case", range(len(ERRORS)))
@pytest.mark.parametrize("lib", ["torch", "glassgrad"])
def test_errors_match_pytorch(case, lib):
    global LIB
    f, options, kind, message = ERRORS[case]
    LIB = torch if lib == "torch" else gg
    vmap = torch.func.vmap if lib == "torch" else gfunc.vmap
    with pytest.raises(kind, match=message):
        vmap(f, **options)(LIB.tensor(A))


def test_size_mismatch_error_matches_pytorch():
    for lib, vmap in ((torch, torch.func.vmap), (gg, gfunc.vmap)):
        with pytest.raises(ValueError, match=r"got sizes \[4, 2\] for the mapped dimension"):
            vmap(lambda a, b: a + b)(lib.tensor(A), lib.zeros(2, 3, 5))


# --- transforms inside vmap -------------------------------------------------------------------------------
def test_per_sample_gradients_match_pytorch(fallbacks):
    w = RNG.standard_normal(4).astype(np.float32)
    xs = RNG.standard_normal((6, 4)).astype(np.float32)

    def loss(lib):
        return lambda w, x: lib.tanh(w @ x) ** 2
    expected = torch.func.vmap(torch.func.grad(loss(torch)), in_dims=(None, 0))(torch.tensor(w), torch.tensor(xs))
    got = gfunc.vmap(gfunc.grad(loss(gg)), in_dims=(None, 0))(gg.tensor(w), gg.tensor(xs))
    np.testing.assert_allclose(_np(got), _np(expected), rtol=1e-5, atol=1e-6)
    assert fallbacks == []


def test_grad_of_a_closure_over_a_batched_tensor():
    w = RNG.standard_normal(5).astype(np.float32)

    def per_row(lib, grad):
        return lambda x: grad(lambda v: (v * x).sin().sum())(lib.tensor(w))
    expected = torch.func.vmap(per_row(torch, torch.func.grad))(torch.tensor(A[0]))
    got = gfunc.vmap(per_row(gg, gfunc.grad))(gg.tensor(A[0]))
    np.testing.assert_allclose(_np(got), _np(expected), rtol=1e-5, atol=1e-6)


def test_hessian_inside_vmap_matches_pytorch():
    xs = RNG.standard_normal((3, 4)).astype(np.float32)
    expected = torch.func.vmap(torch.func.hessian(lambda x: torch.tanh(x).pow(3).sum()))(torch.tensor(xs))
    got = gfunc.vmap(gfunc.hessian(lambda x: gg.tanh(x).pow(3).sum()))(gg.tensor(xs))
    np.testing.assert_allclose(_np(got), _np(expected), rtol=1e-5, atol=1e-6)


def test_vmap_over_vjp_cotangents_is_the_jacobian():
    x = RNG.standard_normal(5).astype(np.float32)
    for lib, F, func in ((torch, TF, torch.func), (gg, GF, gfunc)):
        out, vjp_fn = func.vjp(lambda v: F.linear(v, lib.tensor(M).T).tanh(), lib.tensor(x))
        jac, = func.vmap(vjp_fn)(lib.eye(2))
        if lib is torch:
            expected = jac
    np.testing.assert_allclose(_np(jac), _np(expected), rtol=1e-5, atol=1e-6)


def test_jvp_inside_vmap_matches_pytorch():
    x = RNG.standard_normal((4, 5)).astype(np.float32)
    t = RNG.standard_normal((4, 5)).astype(np.float32)
    expected = torch.func.vmap(lambda a, b: torch.func.jvp(torch.sin, (a,), (b,)))(torch.tensor(x), torch.tensor(t))
    got = gfunc.vmap(lambda a, b: gfunc.jvp(gg.sin, (a,), (b,)))(gg.tensor(x), gg.tensor(t))
    for g, e in zip(got, expected):
        np.testing.assert_allclose(_np(g), _np(e), rtol=1e-5, atol=1e-6)


def _mlp(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(5, 8), lib.nn.ReLU(), lib.nn.Linear(8, 3))


def _same_weights(g_model, t_model):
    with torch.no_grad():
        for (_, gp), (_, tp) in zip(g_model.named_parameters(), t_model.named_parameters()):
            tp.copy_(torch.tensor(gp.detach().numpy()))


def test_per_sample_gradients_of_a_module_match_pytorch():
    g_model, t_model = _mlp(gg), _mlp(torch)
    _same_weights(g_model, t_model)
    x = RNG.standard_normal((7, 5)).astype(np.float32)
    y = np.array([0, 1, 2, 0, 1, 2, 0])

    def grads(lib, func, F, model):
        params = {k: v.detach() for k, v in model.named_parameters()}

        def loss(p, xi, yi):
            return F.cross_entropy(func.functional_call(model, p, (xi.unsqueeze(0),)), yi.unsqueeze(0))
        return func.vmap(func.grad(loss), in_dims=(None, 0, 0))(params, lib.tensor(x), lib.tensor(y))
    expected = grads(torch, torch.func, TF, t_model)
    got = grads(gg, gfunc, GF, g_model)
    for key in expected:
        assert tuple(got[key].shape) == tuple(expected[key].shape)
        np.testing.assert_allclose(_np(got[key]), _np(expected[key]), rtol=1e-4, atol=1e-6)


def test_ensemble_of_stacked_modules_matches_pytorch(fallbacks):
    g_models, t_models = [_mlp(gg) for _ in range(3)], [_mlp(torch) for _ in range(3)]
    for i, (g, t) in enumerate(zip(g_models, t_models)):
        with gg.no_grad():
            for p in g.parameters():
                p.mul_(1 + i)
        _same_weights(g, t)
    x = RNG.standard_normal((4, 5)).astype(np.float32)

    def run(lib, func, models):
        params, buffers = func.stack_module_state(models)
        base = models[0]
        return func.vmap(lambda p, b, xi: func.functional_call(base, (p, b), (xi,)), in_dims=(0, 0, None))(
            params, buffers, lib.tensor(x))
    expected = run(torch, torch.func, t_models)
    got = run(gg, gfunc, g_models)
    np.testing.assert_allclose(_np(got), _np(expected), rtol=1e-5, atol=1e-6)
    assert fallbacks == []


def test_ntk_style_vjp_then_jvp_under_three_vmaps_matches_pytorch():
    x = RNG.standard_normal((3, 4)).astype(np.float32)
    y = RNG.standard_normal((2, 4)).astype(np.float32)

    def ntk(lib, func):
        def f(a, b):
            _, vjp_fn = func.vjp(lambda w: (w * a * b).sin(), lib.ones(4))
            return func.vmap(lambda v: func.jvp(lambda w: (w * a * b).sin(), (lib.ones(4),), vjp_fn(v))[1])(lib.eye(4))
        return func.vmap(func.vmap(f, (None, 0)), (0, None))(lib.tensor(x), lib.tensor(y))
    expected, got = ntk(torch, torch.func), ntk(gg, gfunc)
    assert type(got) is gg.Tensor and tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_allclose(_np(got), _np(expected), rtol=1e-5, atol=1e-6)


def test_a_function_reading_a_batched_tensor_without_dispatch_raises():
    with pytest.raises(RuntimeError, match="read the numbers of a BatchedTensor directly"):
        gfunc.vmap(lambda t: undispatched_stack([t, t]))(gg.tensor(A))


@pytest.mark.parametrize("in_dims,x_shape", [((0, 0, 0), (4, 5, 4, 7, 7)), ((0, 0, None), (4, 7, 7)),
                                             ((0, None, 0), (4, 5, 4, 7, 7))])
def test_conv_with_batched_weights_is_one_grouped_conv(in_dims, x_shape, fallbacks):
    w = RNG.standard_normal((4, 6, 2, 3, 3)).astype(np.float32)
    b = RNG.standard_normal((4, 6) if in_dims[1] == 0 else (6,)).astype(np.float32)
    x = RNG.standard_normal(x_shape).astype(np.float32)

    def run(lib, vmap):
        return vmap(lambda wi, bi, xi: _F(lib).conv2d(xi, wi, bi, padding=1, groups=2), in_dims=in_dims)(
            lib.tensor(w), lib.tensor(b), lib.tensor(x))
    expected, got = run(torch, torch.func.vmap), run(gg, gfunc.vmap)
    assert tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_allclose(_np(got), _np(expected), rtol=1e-4, atol=1e-5)
    assert fallbacks == []
