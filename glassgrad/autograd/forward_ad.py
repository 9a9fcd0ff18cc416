"""``glassgrad.autograd.forward_ad`` — as ``torch.autograd.forward_ad``: directional derivatives (J·v)
carried along with the forward pass.

Part III, read after functional.py. In PyTorch a *dual tensor* is a primal with a tangent attached, and
every op computes its output's tangent as it runs. glassgrad gets the same numbers from the reverse
engine it already has:

    with fwAD.dual_level():
        x = fwAD.make_dual(primal, tangent)   # primal + s, where s is a zero "seed" that requires grad
        y = f(x)                              # recorded as usual, s among the leaves
        fwAD.unpack_dual(y).tangent           # J·tangent, by the double-backward trick below

The double-backward trick (functional.jvp uses it too): for a free ``u`` shaped like ``y``, the
reverse pass gives ``g(u) = Jᵀu`` as a graph linear in ``u``; then ``∂/∂u ⟨g(u), v⟩ = J·v``. With
several dual inputs the tangents add: ``Σₖ Jₖ·vₖ``. So ``unpack_dual`` costs two backward passes and needs
every op on the way to have a differentiable backward (glassgrad's primitives do).

A custom ``Function`` with a ``jvp`` staticmethod computes its own output's tangent instead: ``apply``
hands it the inputs' tangents (``ctx.save_for_forward`` keeps tensors for it) and makes its output a new
dual. That output starts a new history, so reverse mode (backward) does not reach through such a call.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from glassgrad.autograd import function
from glassgrad.autograd.function import AccumulateGrad
from glassgrad.autograd.engine import grad
from glassgrad.autograd.grad_mode import enable_grad, no_grad
from glassgrad.autograd.gradcheck import _as_tuple, _differentiable_outputs, set_forward_jacobian
from glassgrad.creation import zeros_like
from glassgrad.tensor import Tensor

__all__ = ["UnpackedDualTensor", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual",
           "dual_level"]

UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])
UnpackedDualTensor.__doc__ = "What ``unpack_dual`` returns: the primal and its tangent (None when it has none)."


class _Level:
    """One dual level: the dual tensors made in it, each as (dual, primal, seed, tangent)."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.duals: list = []


_LEVELS: list = []  # at most one: PyTorch does not nest forward AD either


def enter_dual_level() -> int:
    """Start a dual level (``make_dual`` needs one); returns its number."""
    if _LEVELS:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _LEVELS.append(_Level(0))
    return 0


def exit_dual_level(*, level=None) -> None:
    """End the dual level: every tangent made in it is forgotten."""
    if not _LEVELS or level is not None and level != _LEVELS[-1].number:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was created. "
                           "This is not supported.")
    _LEVELS.pop()


class dual_level:  # noqa: N801 (PyTorch's name)
    """``with dual_level():`` — a dual level for the block (``enter_dual_level`` ... ``exit_dual_level``)."""

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc) -> None:
        exit_dual_level()


def make_dual(tensor: Tensor, tangent: Tensor, *, level=None) -> Tensor:
    """A dual tensor: ``tensor``'s values, carrying ``tangent`` as its direction of differentiation."""
    if not _LEVELS:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, make sure "
                           "to enter_dual_level() first.")
    for name, value in (("tensor", tensor), ("tangent", tangent)):
        if not isinstance(value, Tensor):
            raise TypeError(f"make_dual(): argument '{name}' must be Tensor, not {type(value).__name__}")
    if not tensor.is_floating_point():
        raise ValueError(f"Expected primal to be floating point or complex, but got: {tensor.dtype}")
    if tangent.shape != tensor.shape:
        raise RuntimeError("Trying to set a forward gradient that has a different size than that of the "
                           f"original Tensor, this is not supported. Tensor is of size {list(tensor.shape)} "
                           f"while the given forward gradient is of size {list(tangent.shape)}.")
    current = _LEVELS[-1]
    if any(d is tensor for d, _, _, _ in current.duals):
        raise RuntimeError("Making a dual Tensor based on a Tensor that already has a forward gradient at "
                           f"the same level {current.number} is not supported.")
    if tangent.stride() != tensor.stride() or tangent.dtype != tensor.dtype:
        # PyTorch keeps the tangent itself only when its layout matches the primal's; otherwise a copy
        tangent = tangent.to(tensor.dtype).contiguous().clone()
    seed = zeros_like(tensor, requires_grad=True)
    with enable_grad():
        dual = tensor + seed  # the primal's values, and a leaf (seed) the tangent's products start from
    current.duals.append((dual, tensor, seed, tangent))
    return dual


def unpack_dual(tensor, *, level=None) -> UnpackedDualTensor:
    """``(primal, tangent)`` of a tensor: its tangent is J·v summed over the dual tensors it came from
    (None outside a dual level, or when it depends on no dual tensor)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"_unpack_dual(): argument 'dual' (position 1) must be Tensor, not "
                        f"{type(tensor).__name__}")
    if not _LEVELS:
        return UnpackedDualTensor(tensor, None)
    duals = _LEVELS[-1].duals
    for dual, primal, _, tangent in duals:
        if dual is tensor:
            return UnpackedDualTensor(_primal_view(primal, primal._requires_grad), tangent)
    seeds = {id(seed) for _, _, seed, _ in duals}
    return UnpackedDualTensor(_primal_view(tensor, _reaches_a_leaf(tensor, seeds)), _tangent(tensor, duals))


def _primal_view(tensor: Tensor, differentiable: bool) -> Tensor:
    """The primal as PyTorch gives it: a view of the tensor, recorded for backward only when the tensor
    needs gradients for a reason other than its tangent."""
    with enable_grad() if differentiable else no_grad():
        return tensor.view_as(tensor)


def _reaches_a_leaf(tensor: Tensor, seeds: set) -> bool:
    """Whether the tensor's graph reaches a leaf that requires grad and is not a dual level's seed."""
    if tensor.grad_fn is None:
        return tensor._requires_grad and id(tensor) not in seeds
    stack, seen = [tensor.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if type(node) is AccumulateGrad and id(node.variable) not in seeds:
            return True
        stack.extend(child for child, _ in node.next_functions)
    return False


def _tangent(tensor: Tensor, duals: list):
    """Σₖ Jₖ·vₖ for ``tensor`` (the double-backward trick of the module docstring), or None."""
    if tensor.grad_fn is None or not tensor.is_floating_point() or not duals:
        return None
    seeds = [seed for _, _, seed, _ in duals]
    with enable_grad():
        u = zeros_like(tensor, requires_grad=True)
        transposed = grad([tensor], seeds, [u], retain_graph=True, create_graph=True, allow_unused=True)
        terms = [(g * tangent).sum() for g, (_, _, _, tangent) in zip(transposed, duals) if g is not None]
        if not terms:
            return None
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        if total.grad_fn is None:  # Jᵀu does not depend on u: J is zero
            return zeros_like(tensor)
        product, = grad([total], [u], retain_graph=True, allow_unused=True)
    return zeros_like(tensor) if product is None else product.detach()


def _function_jvp(cls, ctx, args: tuple, out: Tensor):
    """A custom Function with ``jvp`` inside a dual level: its output's tangent from the inputs' tangents
    (None: no input carries one, run as usual)."""
    if not _LEVELS:
        return None
    duals = _LEVELS[-1].duals
    tangents = [unpack_dual(a).tangent if isinstance(a, Tensor) else None for a in args]
    if all(t is None for t in tangents):
        return None
    tangents = [zeros_like(a) if t is None and isinstance(a, Tensor) else t for a, t in zip(args, tangents)]
    saved = ctx._saved
    forward_saved = ctx.__dict__.get("_forward_saved")
    if forward_saved is not None:  # ctx.saved_tensors in jvp reads what save_for_forward kept
        ctx._saved = forward_saved
    try:
        with no_grad():
            tangent_out = cls.jvp(ctx, *tangents)
    finally:
        ctx._saved = saved
    if isinstance(tangent_out, tuple):
        tangent_out, = tangent_out
    if not isinstance(tangent_out, Tensor):
        raise TypeError(f"{cls.__name__}.jvp must return a Tensor, got {type(tangent_out).__name__}")
    del duals
    return make_dual(out.detach(), tangent_out)


def _forward_jacobian(func, inputs) -> list:
    """``J[i][o]`` (output o elements × input i elements) by forward-mode AD: column j of input i is the
    tangent of every output when input i carries the tangent e_j (gradcheck's check_forward_ad)."""
    inputs = _as_tuple(inputs)
    jacobians = []
    for i, x in enumerate(inputs):
        if not (isinstance(x, Tensor) and x._requires_grad):
            continue
        columns = None
        for j in range(x.numel()):
            direction = np.zeros(x._array.size, x._array.dtype)
            direction[j] = 1
            with dual_level():
                dual = make_dual(x, Tensor._wrap(direction.reshape(x._array.shape)))
                outputs = _differentiable_outputs(_as_tuple(
                    func(*inputs[:i], dual, *inputs[i + 1:])))
                tangents = [unpack_dual(o).tangent for o in outputs]
            if columns is None:
                columns = [np.zeros((o._array.size, x._array.size)) for o in outputs]
            for column, t in zip(columns, tangents):
                if t is not None:
                    column[:, j] = t._array.reshape(-1)
        jacobians.append(columns or [])
    return jacobians


function.set_forward_ad(_function_jvp)
set_forward_jacobian(_forward_jacobian)
