"""torch.linalg's factorisations and their older top-level spellings, compared with PyTorch: values in
float32 and float64, gradients in float64 (to ~1e-10), grad_fn names, result fields, errors."""

import math
import warnings

import numpy as np
import pytest
import torch

import glassgrad as gg

RNG = np.random.default_rng(1)


def _spd(n, batch=()):
    a = RNG.standard_normal(batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def _well(n, batch=()):
    return RNG.standard_normal(batch + (n, n)) + 3 * np.eye(n)


def _numbers(t):
    return torch.add(torch.zeros_like(t), t).detach().numpy()


def _run(fn_torch, fn_gg, arrays, outputs=None, grad=True, tol=1e-10, names=True):
    """Both functions on the same inputs: every (chosen) output's value and grad_fn name, then the
    gradients of Σ wᵢ·outᵢ over all of them with random weights."""
    tt = [torch.tensor(a, requires_grad=grad) for a in arrays]
    gt = [gg.tensor(a, requires_grad=grad) for a in arrays]
    out_t, out_g = fn_torch(*tt), fn_gg(*gt)
    if not isinstance(out_t, tuple):
        out_t, out_g = (out_t,), (out_g,)
    chosen = range(len(out_t)) if outputs is None else outputs
    loss_t, loss_g = 0, 0
    for i in chosen:
        a, b = out_t[i], out_g[i]
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=tol, atol=tol)
        if grad and a.grad_fn is not None:
            if names:
                assert b.grad_fn.name() == a.grad_fn.name()
            w = RNG.standard_normal(tuple(a.shape))
            loss_t = loss_t + (a * torch.tensor(w, dtype=a.dtype)).sum()
            loss_g = loss_g + (b * gg.tensor(w.astype(a.detach().numpy().dtype))).sum()
    if grad and not isinstance(loss_t, int):
        loss_t.backward()
        loss_g.backward()
        for a, b in zip(tt, gt):
            if a.grad is not None:
                np.testing.assert_allclose(b.grad.numpy(), _numbers(a.grad), rtol=tol, atol=tol)
    return out_t, out_g


@pytest.mark.parametrize("batch", [(), (2,)])
def test_inv_and_inverse(batch):
    a = _well(4, batch)
    _run(torch.linalg.inv, gg.linalg.inv, [a])
    _run(torch.inverse, gg.inverse, [a])
    _run(lambda x: x.inverse(), lambda x: x.inverse(), [a])
    out_t, out_g = _run(torch.linalg.inv_ex, gg.linalg.inv_ex, [a], outputs=[0])
    assert out_g.info.dtype == gg.int32 and out_g.info.shape == out_t.info.shape
    _run(torch.linalg.inv, gg.linalg.inv, [a.astype(np.float32)], tol=1e-4)


def test_singular_matrices_raise_torchs_linalg_error():
    z = np.zeros((3, 3))
    z[0, 0] = 1
    with pytest.raises(torch.linalg.LinAlgError) as expected:
        torch.linalg.inv(torch.tensor(z))
    with pytest.raises(gg.linalg.LinAlgError) as got:
        gg.linalg.inv(gg.tensor(z))
    assert str(got.value) == str(expected.value)
    assert isinstance(got.value, RuntimeError)
    batch = np.stack([np.eye(3), z])
    with pytest.raises(torch.linalg.LinAlgError) as expected:
        torch.linalg.inv(torch.tensor(batch))
    with pytest.raises(gg.linalg.LinAlgError) as got:
        gg.linalg.inv(gg.tensor(batch))
    assert str(got.value) == str(expected.value)
    assert gg.linalg.inv_ex(gg.tensor(z)).info.item() == torch.linalg.inv_ex(torch.tensor(z)).info.item()
    with pytest.raises(RuntimeError, match="Expected a floating point or complex tensor as input. Got Long"):
        gg.linalg.inv(gg.ones(3, 3, dtype=gg.int64))


def test_slogdet_logdet():
    a = _well(4, (3,))
    a[1] *= -1  # a negative determinant
    _run(torch.linalg.slogdet, gg.linalg.slogdet, [a], outputs=[1])
    out_t, out_g = _run(torch.slogdet, gg.slogdet, [a], outputs=[1])
    np.testing.assert_array_equal(out_g.sign.numpy(), out_t.sign.detach().numpy())
    _run(lambda x: torch.logdet(x[0]), lambda x: gg.logdet(x[0]), [a])
    np.testing.assert_array_equal(np.isnan(gg.logdet(gg.tensor(a)).numpy()), np.isnan(torch.logdet(torch.tensor(a)).numpy()))


@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_values_vectors_and_gradients(uplo):
    a = _spd(4, (2,))
    # eigenvectors have a sign freedom: compare a sign-free function of them (V·diag·Vᵀ pieces)
    def f(lib):
        def run(x):
            values, vectors = lib.linalg.eigh(x, UPLO=uplo)
            return values, vectors * vectors[..., :1, :].sign()
        return run
    _run(f(torch), f(gg), [a], names=False)
    values_t, vectors_t = torch.linalg.eigh(torch.tensor(a, requires_grad=True), UPLO=uplo)
    values_g, vectors_g = gg.linalg.eigh(gg.tensor(a, requires_grad=True), UPLO=uplo)
    assert values_g.grad_fn.name() == values_t.grad_fn.name() == vectors_g.grad_fn.name()
    np.testing.assert_allclose(gg.linalg.eigh(gg.tensor(a.astype(np.float32))).eigenvalues.numpy(),
                               torch.linalg.eigh(torch.tensor(a.astype(np.float32))).eigenvalues.numpy(), rtol=1e-5)


def test_eig_and_eigvals_say_there_are_no_complex_dtypes():
    for fn in (gg.linalg.eig, gg.linalg.eigvals):
        with pytest.raises(RuntimeError, match="no complex dtypes"):
            fn(gg.eye(3))


@pytest.mark.parametrize("shape", [(5, 3), (3, 3), (3, 5), (2, 4, 3)])
@pytest.mark.parametrize("mode", ["reduced", "complete", "r"])
def test_qr(shape, mode):
    a = RNG.standard_normal(shape)
    m, n = shape[-2:]
    differentiable = mode == "reduced" or (mode == "complete" and m <= n)
    if mode == "r":
        _run(lambda x: torch.linalg.qr(x, mode="r").R, lambda x: gg.linalg.qr(x, mode="r").R, [a], grad=False)
        assert tuple(gg.linalg.qr(gg.tensor(a), mode="r").Q.shape) == (0,)
        return
    _run(lambda x: torch.linalg.qr(x, mode=mode), lambda x: gg.linalg.qr(x, mode=mode), [a], grad=differentiable)
    _run(lambda x: torch.linalg.qr(x.float(), mode=mode), lambda x: gg.linalg.qr(x.float(), mode=mode), [a],
         grad=False, tol=1e-5)


def test_torch_qr_is_deprecated_and_the_same():
    a = RNG.standard_normal((4, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _run(torch.qr, gg.qr, [a])
        _run(lambda x: x.qr(some=False), lambda x: x.qr(some=False), [a], grad=False)
    with pytest.warns(UserWarning, match="torch.qr is deprecated"):
        gg.qr(gg.tensor(a))


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("batch", [(), (2,)])
def test_cholesky(upper, batch):
    a = _spd(4, batch)
    _run(lambda x: torch.linalg.cholesky(x, upper=upper), lambda x: gg.linalg.cholesky(x, upper=upper), [a])
    _run(lambda x: torch.linalg.cholesky_ex(x, upper=upper), lambda x: gg.linalg.cholesky_ex(x, upper=upper),
         [a], outputs=[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _run(lambda x: torch.cholesky(x, upper), lambda x: gg.cholesky(x, upper), [a])
    _run(lambda x: torch.linalg.cholesky(x.float()), lambda x: gg.linalg.cholesky(x.float()), [a], grad=False,
         tol=1e-5)


def test_cholesky_errors_match_torch():
    a = _spd(3, (2,))
    a[1, 2, 2] = -50
    with pytest.raises(torch.linalg.LinAlgError) as expected:
        torch.linalg.cholesky(torch.tensor(a))
    with pytest.raises(gg.linalg.LinAlgError) as got:
        gg.linalg.cholesky(gg.tensor(a))
    assert str(got.value) == str(expected.value)
    np.testing.assert_array_equal(gg.linalg.cholesky_ex(gg.tensor(a)).info.numpy(),
                                  torch.linalg.cholesky_ex(torch.tensor(a)).info.numpy())
    with pytest.raises(RuntimeError) as expected:
        torch.linalg.cholesky(torch.randn(2, 3))
    with pytest.raises(RuntimeError) as got:
        gg.linalg.cholesky(gg.randn(2, 3))
    assert str(got.value) == str(expected.value)


def test_cholesky_solve_and_inverse():
    a = _spd(3)
    low = np.linalg.cholesky(a)
    b = RNG.standard_normal((3, 2))
    _run(lambda bb, l: torch.cholesky_solve(bb, l), lambda bb, l: gg.cholesky_solve(bb, l), [b, low], names=False)
    _run(lambda bb, l: torch.cholesky_solve(bb, l.mT, upper=True), lambda bb, l: gg.cholesky_solve(bb, l.mT, upper=True),
         [b, low], names=False)
    _run(torch.cholesky_inverse, gg.cholesky_inverse, [low], names=False)


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unitriangular", [False, True])
def test_solve_triangular(upper, left, unitriangular):
    a = RNG.standard_normal((2, 4, 4)) + 4 * np.eye(4)
    b = RNG.standard_normal((2, 4, 3) if left else (2, 3, 4))
    kw = dict(upper=upper, left=left, unitriangular=unitriangular)
    _run(lambda x, y: torch.linalg.solve_triangular(x, y, **kw), lambda x, y: gg.linalg.solve_triangular(x, y, **kw),
         [a, b])


def test_triangular_solve_deprecated_form():
    a = RNG.standard_normal((4, 4)) + 4 * np.eye(4)
    b = RNG.standard_normal((4, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for transpose in (False, True):
            _run(lambda bb, aa: torch.triangular_solve(bb, aa, transpose=transpose),
                 lambda bb, aa: gg.triangular_solve(bb, aa, transpose=transpose), [b, a], names=False)


def test_solve_ex():
    a, b = _well(3, (2,)), RNG.standard_normal((2, 3, 2))
    _run(torch.linalg.solve_ex, gg.linalg.solve_ex, [a, b], outputs=[0])
    _run(lambda x, y: torch.linalg.solve_ex(x, y[..., 0]), lambda x, y: gg.linalg.solve_ex(x, y[..., 0]),
         [a, b], outputs=[0], names=False)
    z = np.zeros((3, 3))
    assert gg.linalg.solve_ex(gg.tensor(z), gg.ones(3, 1, dtype=gg.float64)).info.item() == \
        torch.linalg.solve_ex(torch.tensor(z), torch.ones(3, 1, dtype=torch.float64)).info.item()


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (2, 4, 3)])
def test_pinv(shape):
    a = RNG.standard_normal(shape)
    _run(torch.linalg.pinv, gg.linalg.pinv, [a])
    _run(torch.pinverse, gg.pinverse, [a])
    _run(torch.linalg.pinv, gg.linalg.pinv, [a.astype(np.float32)], grad=False, tol=1e-4)


def test_pinv_hermitian_and_tolerances():
    s = _spd(4)
    _run(lambda x: torch.linalg.pinv(x, hermitian=True), lambda x: gg.linalg.pinv(x, hermitian=True), [s], grad=False)
    low_rank = RNG.standard_normal((5, 2)) @ RNG.standard_normal((2, 4))
    for kw in [{}, {"atol": 1e-3}, {"rtol": 0.5}]:
        _run(lambda x: torch.linalg.pinv(x, **kw), lambda x: gg.linalg.pinv(x, **kw), [low_rank], grad=False, tol=1e-9)
        assert gg.linalg.matrix_rank(gg.tensor(low_rank), **kw).item() == \
            torch.linalg.matrix_rank(torch.tensor(low_rank), **kw).item()
    assert gg.linalg.matrix_rank(gg.tensor(s), hermitian=True).dtype == gg.int64


@pytest.mark.parametrize("driver", [None, "gelsd", "gelss", "gels"])
@pytest.mark.parametrize("shape", [((5, 3), (5, 2)), ((2, 6, 3), (2, 6, 2))])
def test_lstsq_fields(driver, shape):
    a, b = RNG.standard_normal(shape[0]), RNG.standard_normal(shape[1])
    out_t = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver=driver)
    out_g = gg.linalg.lstsq(gg.tensor(a), gg.tensor(b), driver=driver)
    fields = ["solution", "residuals", "rank", "singular_values"]
    for x, y in zip([getattr(out_g, f) for f in fields], [getattr(out_t, f) for f in fields]):
        assert tuple(x.shape) == tuple(y.shape), (x.shape, y.shape)
        assert str(x.dtype).split(".")[-1] == str(y.dtype).split(".")[-1]
        np.testing.assert_allclose(x.numpy(), y.numpy(), rtol=1e-9, atol=1e-9)


def test_lstsq_gradient():
    a, b = RNG.standard_normal((6, 3)), RNG.standard_normal((6, 2))
    _run(lambda x, y: torch.linalg.lstsq(x, y).solution, lambda x, y: gg.linalg.lstsq(x, y).solution, [a, b])
    _run(lambda x, y: torch.linalg.lstsq(x, y[:, 0]).solution, lambda x, y: gg.linalg.lstsq(x, y[:, 0]).solution,
         [a, b], names=False)
    a3, b3 = RNG.standard_normal((2, 6, 3)), RNG.standard_normal((6, 2))
    _run(lambda x, y: torch.linalg.lstsq(x, y.expand(2, 6, 2)).solution,
         lambda x, y: gg.linalg.lstsq(x, y.expand(2, 6, 2)).solution, [a3, b3], names=False)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, -1, -2])
def test_matrix_power(n):
    a = _well(3)
    _run(lambda x: torch.linalg.matrix_power(x, n), lambda x: gg.linalg.matrix_power(x, n), [a], names=abs(n) >= 2)
    _run(lambda x: torch.matrix_power(x, n), lambda x: gg.matrix_power(x, n), [_well(3, (2,))], names=False)
    _run(lambda x: x.matrix_power(n), lambda x: x.matrix_power(n), [a], names=False)


def test_small_helpers():
    x, y = RNG.standard_normal((3, 4)), RNG.standard_normal((4,))
    _run(torch.linalg.vecdot, gg.linalg.vecdot, [x, y])
    _run(lambda v: torch.linalg.vander(v), lambda v: gg.linalg.vander(v), [np.array([0.0, 1.5, -2.0])], names=False)
    _run(lambda v: torch.linalg.vander(v, N=5), lambda v: gg.linalg.vander(v, N=5), [RNG.standard_normal((2, 3))],
         names=False)
    _run(lambda a: torch.linalg.diagonal(a, offset=1), lambda a: gg.linalg.diagonal(a, offset=1),
         [RNG.standard_normal((2, 3, 4))])


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", math.inf, -math.inf, 1, -1])
def test_cond(p):
    # PyTorch's own backward fails for 'fro', ±inf and ±1 (it writes in place into a saved inverse):
    # values only there
    grad = p in (None, 2, -2, "nuc")
    _run(lambda a: torch.linalg.cond(a, p), lambda a: gg.linalg.cond(a, p), [_well(3, (2,))], names=False, tol=1e-9,
         grad=grad)


def test_tensorinv_tensorsolve():
    a = RNG.standard_normal((4, 6, 8, 3)) + 0
    _run(lambda x: torch.linalg.tensorinv(x, ind=2), lambda x: gg.linalg.tensorinv(x, ind=2), [a], names=False,
         tol=1e-8)
    a = RNG.standard_normal((2, 3, 6))
    b = RNG.standard_normal((2, 3))
    _run(torch.linalg.tensorsolve, gg.linalg.tensorsolve, [a, b], names=False, tol=1e-8)
    a = RNG.standard_normal((6, 2, 3))
    _run(lambda x, y: torch.linalg.tensorsolve(x, y, dims=(0,)), lambda x, y: gg.linalg.tensorsolve(x, y, dims=(0,)),
         [a, b], names=False, tol=1e-8)


@pytest.mark.parametrize("shape", [(4, 4), (3, 4, 4), (5, 3), (3, 5)])
def test_lu_factor_pivots_and_gradient(shape):
    a = RNG.standard_normal(shape)
    square = shape[-1] == shape[-2]
    out_t, out_g = _run(torch.linalg.lu_factor, gg.linalg.lu_factor, [a], outputs=[0], grad=square)
    np.testing.assert_array_equal(out_g.pivots.numpy(), out_t.pivots.numpy())
    assert out_g.pivots.dtype == gg.int32
    out_t, out_g = _run(torch.linalg.lu_factor_ex, gg.linalg.lu_factor_ex, [a], outputs=[0], grad=False)
    np.testing.assert_array_equal(out_g.info.numpy(), out_t.info.numpy())
    _run(torch.linalg.lu, gg.linalg.lu, [a], grad=square)
    lu_t, piv_t = torch.linalg.lu_factor(torch.tensor(a))
    unpacked_t = torch.lu_unpack(lu_t, piv_t)
    unpacked_g = gg.lu_unpack(gg.tensor(lu_t.numpy()), gg.tensor(piv_t.numpy()))
    for x, y in zip(unpacked_g, unpacked_t):
        np.testing.assert_allclose(x.numpy(), y.numpy(), rtol=1e-12)


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [True, False])
def test_lu_solve(left, adjoint):
    a = _well(4)
    b = RNG.standard_normal((4, 2) if left else (2, 4))
    _run(lambda x, y: torch.linalg.lu_solve(*torch.linalg.lu_factor(x), y, left=left, adjoint=adjoint),
         lambda x, y: gg.linalg.lu_solve(*gg.linalg.lu_factor(x), y, left=left, adjoint=adjoint), [a, b], names=False)


def test_deprecated_lu_forms():
    a, b = _well(3), RNG.standard_normal((3, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lu_t, piv_t = torch.lu(torch.tensor(a))
        lu_g, piv_g = gg.lu(gg.tensor(a))
        np.testing.assert_allclose(lu_g.numpy(), lu_t.numpy(), rtol=1e-12)
        np.testing.assert_array_equal(piv_g.numpy(), piv_t.numpy())
        np.testing.assert_allclose(gg.lu_solve(gg.tensor(b), lu_g, piv_g).numpy(),
                                   torch.lu_solve(torch.tensor(b), lu_t, piv_t).numpy(), rtol=1e-10)
        assert len(gg.lu(gg.tensor(a), get_infos=True)) == 3


def test_det_matches_torch():
    _run(torch.linalg.det, gg.linalg.det, [_well(3, (2,))])
    _run(torch.det, gg.det, [_well(3)])


def test_incompatible_right_hand_sides_are_torchs_error():
    a, b = _well(3), RNG.standard_normal((4, 2))
    for run_torch, run_gg in [
        (lambda: torch.linalg.solve_triangular(torch.tensor(a), torch.tensor(b), upper=True),
         lambda: gg.linalg.solve_triangular(gg.tensor(a), gg.tensor(b), upper=True)),
        (lambda: torch.linalg.lu_solve(*torch.linalg.lu_factor(torch.tensor(a)), torch.tensor(b)),
         lambda: gg.linalg.lu_solve(*gg.linalg.lu_factor(gg.tensor(a)), gg.tensor(b))),
    ]:
        with pytest.raises(RuntimeError) as expected:
            run_torch()
        with pytest.raises(RuntimeError) as got:
            run_gg()
        assert str(got.value) == str(expected.value)
    with pytest.raises(RuntimeError, match="Incompatible shapes of A and B for the equation AX = B"):
        gg.linalg.solve_ex(gg.tensor(a), gg.tensor(b))


def test_solve_of_a_singular_matrix_raises_linalg_error():
    with pytest.raises(torch.linalg.LinAlgError) as expected:
        torch.linalg.solve(torch.zeros(3, 3), torch.ones(3))
    with pytest.raises(gg.linalg.LinAlgError) as got:
        gg.linalg.solve(gg.zeros(3, 3), gg.ones(3))
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("ord", ["fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf])
@pytest.mark.parametrize("dim,keepdim", [((-2, -1), False), ((0, 2), True), ((2, 0), False)])
def test_matrix_norm_every_order(ord, dim, keepdim):
    a = RNG.standard_normal((3, 2, 4))
    _run(lambda x: torch.linalg.matrix_norm(x, ord, dim, keepdim), lambda x: gg.linalg.matrix_norm(x, ord, dim, keepdim),
         [a], names=False)
    _run(lambda x: torch.linalg.norm(x, ord, dim, keepdim), lambda x: gg.linalg.norm(x, ord, dim, keepdim), [a],
         names=False)


@pytest.mark.parametrize("ord", [None, "fro", "nuc", 2, 1, math.inf, 3])
def test_linalg_norm_of_a_matrix_and_a_vector(ord):
    a = RNG.standard_normal((3, 4))
    if ord not in ("fro", "nuc"):
        _run(lambda x: torch.linalg.norm(x[0], ord), lambda x: gg.linalg.norm(x[0], ord), [a], names=False)
    if ord != 3:
        _run(lambda x: torch.linalg.norm(x, ord), lambda x: gg.linalg.norm(x, ord), [a], names=False)


def test_out_is_written_or_refused_never_ignored():
    """linalg.norm/cond write ``out=`` as PyTorch does; the factorisations that don't take it here say so
    instead of silently returning a result the caller's ``out`` never sees."""
    a = gg.tensor([[2.0, 1.0], [1.0, 3.0]])
    out = gg.empty(())
    result = gg.linalg.norm(a, out=out)
    assert result is out and abs(out.item() - torch.linalg.norm(torch.tensor(a.tolist())).item()) < 1e-6
    with pytest.raises(NotImplementedError, match="out="):
        gg.linalg.inv(a, out=gg.empty(2, 2))
    assert gg.linalg.norm(a.reshape(4), axis=0).item() == gg.linalg.norm(a.reshape(4), dim=0).item()
