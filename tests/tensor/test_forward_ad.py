"""autograd.forward_ad (dual_level, make_dual, unpack_dual) and custom Functions' jvp, against PyTorch's
forward-mode AD on the same numbers, and gradcheck(check_forward_ad=True) against central differences."""

import numpy as np
import pytest
import torch
import torch.autograd.forward_ad as torch_fwAD

import glassgrad
import glassgrad.autograd.forward_ad as fwAD

BOTH = pytest.mark.parametrize("T, F", [(glassgrad, fwAD), (torch, torch_fwAD)], ids=["glassgrad", "torch"])
RNG = np.random.default_rng(0)

FUNCTIONS = {
    "square sum": lambda T, x, y: x ** 2 + y ** 2,
    "tanh matmul": lambda T, x, y: T.tanh(x @ y),
    "softmax": lambda T, x, y: T.softmax(x * y, dim=1),
    "log_softmax sum": lambda T, x, y: T.log_softmax(x, dim=0).sum(0) * y[0],
    "exp div": lambda T, x, y: T.exp(x) / (1 + y ** 2),
    "broadcast": lambda T, x, y: x.sum(1, keepdim=True) * y,
}


def _tangents(module, fwd, f, primals, tangents):
    """f's output tangent with each primal made dual (tangent None: not dual)."""
    args = [module.tensor(p) for p in primals]
    with fwd.dual_level():
        duals = [a if t is None else fwd.make_dual(a, module.tensor(t)) for a, t in zip(args, tangents)]
        out = fwd.unpack_dual(f(module, *duals))
    return np.asarray(out.primal.detach().numpy()), np.asarray(out.tangent.numpy())


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("which", ["x", "y", "both"])
def test_tangents_match_pytorch(name, which):
    primals = [RNG.standard_normal((3, 3)), RNG.standard_normal((3, 3))]
    tangents = [RNG.standard_normal((3, 3)) if which in ("x", "both") else None,
                RNG.standard_normal((3, 3)) if which in ("y", "both") else None]
    ours = _tangents(glassgrad, fwAD, FUNCTIONS[name], primals, tangents)
    theirs = _tangents(torch, torch_fwAD, FUNCTIONS[name], primals, tangents)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-9, atol=1e-12)


@BOTH
def test_make_dual_keeps_the_tangent_object_when_layouts_match(T, F):
    primal, tangent = T.randn(4, 4), T.randn(4, 4)
    with F.dual_level():
        assert F.unpack_dual(F.make_dual(primal, tangent)).tangent is tangent
        other = F.unpack_dual(F.make_dual(primal, tangent.T)).tangent
        assert other is not tangent and other.equal(tangent.T)


@BOTH
def test_no_tangent_outside_the_level_or_without_duals(T, F):
    with F.dual_level():
        out = F.make_dual(T.randn(3), T.randn(3)) * 2
        plain = F.unpack_dual(T.randn(3) * 2)
        assert plain.tangent is None
    assert F.unpack_dual(out).tangent is None
    result = F.unpack_dual(T.ones(2))
    assert type(result).__name__ == "UnpackedDualTensor" and result._fields == ("primal", "tangent")


@BOTH
def test_errors_match_pytorch(T, F):
    with pytest.raises(RuntimeError, match="no level exists, make sure to enter_dual_level"):
        F.make_dual(T.zeros(2), T.zeros(2))
    with F.dual_level():
        with pytest.raises(RuntimeError, match=r"Tensor is of size \[2\] while the given forward gradient "
                                               r"is of size \[3\]"):
            F.make_dual(T.zeros(2), T.zeros(3))
        with pytest.raises(ValueError, match="Expected primal to be floating point or complex"):
            F.make_dual(T.zeros(2, dtype=T.long), T.zeros(2, dtype=T.long))
        with pytest.raises(TypeError, match="must be Tensor, not int"):
            F.unpack_dual(3)
        with pytest.raises(RuntimeError, match="Nested forward mode AD is not supported"):
            with F.dual_level():
                pass


def _linear_jvp(T, F):
    T.manual_seed(0)
    model = T.nn.Linear(5, 4)
    x = T.randn(6, 5)
    params = dict(model.named_parameters())
    tangents = {name: T.ones_like(p) * 0.5 for name, p in params.items()}
    with F.dual_level():
        for name, p in params.items():
            delattr(model, name)
            setattr(model, name, F.make_dual(p, tangents[name]))
        return F.unpack_dual(model(x)).tangent.detach().numpy(), x.numpy()


def test_module_parameters_as_duals_match_pytorch_and_the_formula():
    ours, x = _linear_jvp(glassgrad, fwAD)
    theirs, _ = _linear_jvp(torch, torch_fwAD)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours, x @ np.full((5, 4), 0.5) + 0.5, rtol=1e-5)  # J·v of x Wᵀ + b


def _custom_exp(T):
    class Exp(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            result = T.exp(x)
            ctx.save_for_forward(result)
            return result

        @staticmethod
        def jvp(ctx, tangent):
            result, = ctx.saved_tensors
            return tangent * result

    return Exp


@BOTH
def test_custom_function_jvp(T, F):
    Exp = _custom_exp(T)
    primal = T.linspace(-1, 1, 6, dtype=T.float64).reshape(2, 3)
    tangent = T.linspace(0.5, 2, 6, dtype=T.float64).reshape(2, 3)
    with F.dual_level():
        out = (Exp.apply(F.make_dual(primal, tangent)) * 3).sin()
        got = F.unpack_dual(out).tangent
    assert T.allclose(got, (3 * primal.exp()).cos() * 3 * primal.exp() * tangent)


@BOTH
def test_gradcheck_checks_forward_ad(T, F):
    Exp = _custom_exp(T)
    x = T.randn(3, 2, dtype=T.float64, requires_grad=True)
    assert T.autograd.gradcheck(Exp.apply, (x,), check_forward_ad=True, check_backward_ad=False,
                                check_undefined_grad=False, check_batched_grad=False)

    class Wrong(Exp):
        @staticmethod
        def jvp(ctx, tangent):
            result, = ctx.saved_tensors
            return tangent * result * 1.5

    assert not T.autograd.gradcheck(Wrong.apply, (x,), check_forward_ad=True, check_backward_ad=False,
                                    raise_exception=False)
    assert T.autograd.gradcheck(lambda v: (v.sin() * v).sum(0), (x,), check_forward_ad=True)


def _primal_flags(T, F):
    with F.dual_level():
        p = T.randn(3, requires_grad=True)
        d = F.make_dual(p, T.randn(3))
        o = d * 2
        q = F.make_dual(T.randn(3), T.randn(3)) * 2
        return (F.unpack_dual(d).primal.requires_grad, F.unpack_dual(d).primal is p,
                F.unpack_dual(o).primal.requires_grad, F.unpack_dual(o).primal._base is o,
                F.unpack_dual(q).primal.requires_grad, F.unpack_dual(q).primal is q)


def test_primal_is_a_view_that_needs_grad_only_for_reverse_mode():
    assert _primal_flags(glassgrad, fwAD) == _primal_flags(torch, torch_fwAD)
