"""glassgrad.autograd.functional — as ``torch.autograd.functional``: Jacobians, Hessians and their products.

Part III, read after engine.py: everything here is a few calls of ``autograd.grad``, nothing new in the
engine. For ``y = f(x)`` with Jacobian ``J = ∂y/∂x``:

- ``vjp(f, x, v)``  = vᵀJ — one backward pass with ``v`` as the gradient arriving at ``y``;
- ``jvp(f, x, v)``  = Jv  — the *double-backward trick*: ``u ↦ Jᵀu`` (a backward pass with a free
  ``u``) is linear in ``u``, so its own vjp with ``v`` is ``(Jᵀ)ᵀv = Jv``; it needs a backward whose
  graph is recorded (``create_graph=True``), which glassgrad's primitives have;
- ``jacobian(f, x)`` — reverse mode, one backward pass per *output element* (one row of J each), the
  rows stacked and shaped ``output.shape + input.shape``;
- ``hessian(f, x)`` — the Jacobian of the function ``x ↦ ∂f/∂x``, itself computed with a graph;
- ``vhp(f, x, v)`` = vᵀH (a vjp of the gradient) and ``hvp(f, x, v)`` = Hv (the double-backward trick
  again, on the gradient).

As in PyTorch: ``inputs`` is a Tensor or a tuple of Tensors and so is what ``func`` returns; a result has
the same "tuple or not" structure (a Jacobian is a tuple of tuples, ``J[i][j]`` = ∂output_i/∂input_j,
when both are tuples). An output that does not depend on an input gets zeros, unless ``strict=True``,
which raises instead. Without ``create_graph`` the results are detached; with it they carry a graph back
to the inputs, so a second derivative can be taken through them.

glassgrad has no vmap and no forward-mode AD: ``vectorize=True`` is accepted and computed the same way,
row by row (same numbers, slower than PyTorch's batched pass); ``strategy="forward-mode"`` (which PyTorch
allows only with ``vectorize=True``) is also computed in reverse mode.
"""

from __future__ import annotations

from glassgrad.autograd.engine import grad
from glassgrad.autograd.grad_mode import enable_grad, is_grad_enabled, set_grad_enabled
from glassgrad.creation import zeros, zeros_like
from glassgrad.ops.joining import stack
from glassgrad.tensor import Tensor

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


# --- checking and shaping what comes in and goes out ------------------------------------------------

def _as_tensors(value, what: str, fn_name: str) -> tuple[bool, tuple]:
    """``(was_a_tuple, tuple_of_tensors)``; PyTorch's TypeError for anything but a Tensor or a tuple."""
    is_tuple = isinstance(value, tuple)
    items = value if is_tuple else (value,)
    for i, item in enumerate(items):
        if not isinstance(item, Tensor):
            where = f"value at index {i}" if is_tuple else f"given {what}"
            raise TypeError(f"The {what} given to {fn_name} must be either a Tensor or a tuple of Tensors "
                            f"but the {where} has type {type(item)}.")
    return is_tuple, items


def _fresh(tensors: tuple, create_graph: bool, need_graph: bool) -> tuple:
    """Inputs of our own to differentiate with respect to.

    With ``create_graph`` an input that already requires grad stays connected to the caller's graph (a
    view of it), so the result can be differentiated further back; otherwise a detached copy is enough.
    """
    return tuple(t.view_as(t) if create_graph and t.requires_grad else t.detach().requires_grad_(need_graph)
                 for t in tensors)


def _finish(tensors, create_graph: bool):
    """Detach results unless the caller asked for a graph (tuples of tuples too)."""
    if isinstance(tensors, Tensor):
        return tensors if create_graph else tensors.detach()
    return tuple(_finish(t, create_graph) for t in tensors)


def _unpack(result: tuple, is_tuple: bool):
    return result if is_tuple else result[0]


def _check_v(v: tuple, like: tuple, like_is_tuple: bool) -> None:
    if len(v) != len(like):
        if like_is_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(like)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, like)):
        if a.size() != b.size():
            prefix = f"Entry {i} in " if like_is_tuple else ""
            raise RuntimeError(f"{prefix}v has invalid size: should be {b.size()} but got {a.size()}.")


def _take_v(v, like: tuple, like_is_tuple: bool, fn_name: str, create_graph: bool, none_ok: str) -> tuple:
    """The vector ``v`` as a checked tuple; ``None`` means ``1`` where ``like`` is a single number."""
    if v is None:
        if len(like) != 1 or like[0].nelement() != 1:
            raise RuntimeError(none_ok)
        return None
    _, v = _as_tensors(v, "v", fn_name)
    v = _fresh(v, create_graph, need_graph=False)
    _check_v(v, like, like_is_tuple)
    return v


_V_NONE_OUTPUT = ("The vector v can only be None if the user-provided function returns a single Tensor "
                  "with a single element.")
_V_NONE_INPUT = ("The vector v can only be None if the input to the user-provided function is a single "
                 "Tensor with a single element.")


def _require_grad(tensors: tuple, kind: str, strict: bool) -> None:
    """``strict=True``: every tensor must depend on the inputs (PyTorch's message for each ``kind``)."""
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(f"The output of the user-provided function is independent of input {i}. "
                               "This is not allowed in strict mode.")
        if t.requires_grad:
            continue
        if kind == "outputs":
            raise RuntimeError(f"Output {i} of the user-provided function does not require gradients. The "
                               "outputs must be computed in a differentiable manner from the input when "
                               "running in strict mode.")
        if kind == "grad_inputs":
            raise RuntimeError(f"The gradient with respect to input {i} is independent of the inputs of the "
                               "user-provided function. This is not allowed in strict mode.")
        if kind == "jacobian":
            raise RuntimeError(
                "While computing the hessian, found that the jacobian of the user-provided function with "
                f"respect to input {i} is independent of the input. This is not allowed in strict mode. You "
                "should ensure that your function is twice differentiable and that the jacobian depends on "
                "the inputs (this would be violated by a linear function for example).")
        raise RuntimeError(
            f"The hessian of the user-provided function with respect to input {i} is independent of the "
            "input. This is not allowed in strict mode. You should ensure that your function is thrice "
            "differentiable and that the hessian depends on the inputs.")


def _grads(outputs: tuple, inputs: tuple, grad_outputs=None, create_graph: bool = False,
           retain_graph=None) -> tuple:
    """``autograd.grad`` over the outputs that have a graph; ``None`` for an input nothing reached."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return grad([o for o, _ in pairs], inputs, [g for _, g in pairs], retain_graph=retain_graph,
                create_graph=create_graph, allow_unused=True)


_INDEPENDENT = {
    "back": "The output of the user-provided function is independent of input {i}. This is not allowed in "
            "strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the grad_outputs "
                  "when using the double backward trick to compute forward mode gradients. This is not "
                  "allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. This is not "
                   "allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {i} in the "
                         "grad_jacobian. This is not allowed in strict mode as it prevents from using the "
                         "double backward trick to replace forward mode AD.",
}


def _zeros_where_none(grads: tuple, like: tuple, strict: bool, create_graph: bool, stage: str) -> tuple:
    """A missing gradient is mathematically zero; ``strict`` refuses it (and a graphless one under
    ``create_graph``, which could not be differentiated further)."""
    result = []
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise RuntimeError(_INDEPENDENT[stage].format(i=i))
            g = zeros_like(like[i])
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if stage.startswith("double") else "jacobian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of input {i}. "
                               "This is not allowed in strict mode when create_graph=True.")
        result.append(g)
    return tuple(result)


def _call(func, inputs: tuple, fn_name: str, strict: bool) -> tuple[bool, tuple]:
    is_tuple, outputs = _as_tensors(func(*inputs), "outputs of the user-provided function", fn_name)
    _require_grad(outputs, "outputs", strict)
    return is_tuple, outputs


def _scalar_output(outputs: tuple, is_tuple: bool, fn_name: str) -> None:
    if is_tuple:
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if outputs[0].nelement() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should contain a single "
                           "element")


# --- the products ----------------------------------------------------------------------------------

def _last_backward(of: tuple, wrt: tuple, v: tuple, like: tuple, strict: bool, create_graph: bool,
                   stage: str) -> tuple:
    """The products' final backward pass, ``v``-weighted gradients of ``of`` with respect to ``wrt``,
    recorded only if asked (or if grad mode is on outside); zeros (or strict's error) shaped like ``like``
    where a gradient is None."""
    with set_grad_enabled(create_graph or is_grad_enabled()):
        return _zeros_where_none(_grads(of, wrt, v, create_graph), like, strict, create_graph, stage)


def _answer(outputs: tuple, outputs_tuple: bool, products: tuple, products_tuple: bool,
            create_graph: bool) -> tuple:
    """``(func(inputs), the products)``, each a Tensor or a tuple as the caller gave them."""
    return (_unpack(_finish(outputs, create_graph), outputs_tuple),
            _unpack(_finish(products, create_graph), products_tuple))


def vjp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), vᵀ·J)``: the vector-Jacobian product, shaped like the inputs.

    ``v`` is shaped like func's output; it may be left out when that output is a single number.
    """
    with enable_grad():
        inputs_tuple, inputs = _as_tensors(inputs, "inputs", "vjp")
        inputs = _fresh(inputs, create_graph, need_graph=True)
        outputs_tuple, outputs = _call(func, inputs, "vjp", strict)
        v = _take_v(v, outputs, outputs_tuple, "vjp", create_graph, _V_NONE_OUTPUT)
    products = _last_backward(outputs, inputs, v, inputs, strict, create_graph, "back")
    return _answer(outputs, outputs_tuple, products, inputs_tuple, create_graph)


def jvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), J·v)``: the Jacobian-vector product, shaped like the output.

    By the double-backward trick: ``u ↦ Jᵀu`` is linear in a free ``u`` (zeros that require grad),
    so differentiating ``Jᵀu`` with respect to ``u`` along ``v`` gives ``J·v``.
    """
    with enable_grad():
        inputs_tuple, inputs = _as_tensors(inputs, "inputs", "jvp")
        inputs = _fresh(inputs, create_graph, need_graph=True)
        v = _take_v(v, inputs, inputs_tuple, "jvp", create_graph, _V_NONE_INPUT)
        outputs_tuple, outputs = _call(func, inputs, "jvp", strict)
        u = tuple(zeros_like(out, requires_grad=True) for out in outputs)
        transposed = _grads(outputs, inputs, u, create_graph=True)  # Jᵀu, a graph in u
        _require_grad(transposed, "grad_inputs", strict)
    products = _last_backward(transposed, u, v, outputs, strict, create_graph, "back_trick")
    return _answer(outputs, outputs_tuple, products, outputs_tuple, create_graph)


def vhp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), vᵀ·H)`` for a function with a single-number output: a vjp of its gradient."""
    with enable_grad():
        inputs_tuple, inputs = _as_tensors(inputs, "inputs", "vhp")
        inputs = _fresh(inputs, create_graph, need_graph=True)
        v = _take_v(v, inputs, inputs_tuple, "vhp", create_graph, _V_NONE_INPUT)
        outputs_tuple, outputs = _call(func, inputs, "vhp", strict)
        _scalar_output(outputs, outputs_tuple, "vhp")
        gradient = _grads(outputs, inputs, create_graph=True)
        _require_grad(gradient, "jacobian", strict)
    products = _last_backward(gradient, inputs, v, inputs, strict, create_graph, "double_back")
    return _answer(outputs, outputs_tuple, products, inputs_tuple, create_graph)


def hvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), H·v)`` for a function with a single-number output.

    The double-backward trick on the gradient: ``u ↦ Hᵀu`` is a vjp of the gradient with a free ``u``;
    its vjp along ``v`` is ``H·v``. Slower than ``vhp``; for a twice continuously differentiable
    function H is symmetric and the two agree.
    """
    with enable_grad():
        inputs_tuple, inputs = _as_tensors(inputs, "inputs", "hvp")
        inputs = _fresh(inputs, create_graph, need_graph=True)
        v = _take_v(v, inputs, inputs_tuple, "hvp", create_graph, _V_NONE_INPUT)
        outputs_tuple, outputs = _call(func, inputs, "hvp", strict)
        _scalar_output(outputs, outputs_tuple, "hvp")
        gradient = _grads(outputs, inputs, create_graph=True)
        _require_grad(gradient, "jacobian", strict)
        u = tuple(zeros_like(t, requires_grad=True) for t in inputs)
        transposed = _grads(gradient, inputs, u, create_graph=True)
        _require_grad(gradient, "hessian", strict)  # sic: PyTorch checks the gradient again here
    products = _last_backward(transposed, u, v, inputs, strict, create_graph, "double_back_trick")
    return _answer(outputs, outputs_tuple, products, inputs_tuple, create_graph)


# --- whole matrices --------------------------------------------------------------------------------

def jacobian(func, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: entry ``[i][j]`` has shape ``output_i.shape + input_j.shape``.

    A single Tensor when both inputs and outputs are single Tensors; a tuple over whichever of the two is a
    tuple; a tuple of tuples (outputs, then inputs) when both are. Computed in reverse mode, one backward
    pass per output element; ``vectorize`` and ``strategy="forward-mode"`` give the same numbers the same
    way (glassgrad has neither vmap nor forward-mode AD), after PyTorch's checks of those arguments.
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
                             'function has more outputs than inputs, "forward-mode" tends to be more '
                             'performant. Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(
                "torch.autograd.functional.jacobian: `create_graph=True` and `strategy=\"forward-mode\"` are "
                "not supported together (yet). Please either set `create_graph=False` or "
                "`strategy=\"reverse-mode\"`.")
        if strict:
            raise RuntimeError(
                "torch.autograd.functional.jacobian: `strict=True` and `strategy=\"forward-mode\"` are not "
                "supported together (yet). Please either set `strict=False` or "
                "`strategy=\"reverse-mode\"`.")
        if not vectorize:
            raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse Hessian "
                                      "isonly implemented for `vectorize=True`.")  # sic: PyTorch's text
    with enable_grad():
        inputs_tuple, inputs = _as_tensors(inputs, "inputs", "jacobian")
        inputs = _fresh(inputs, create_graph, need_graph=True)
        outputs_tuple, outputs = _call(func, inputs, "jacobian", strict)
        if vectorize and strict:
            raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are "
                               "not supported together. Please either set `strict=False` or "
                               "`vectorize=False`.")
        blocks = tuple(_jacobian_of(i, out, inputs, create_graph, strict) for i, out in enumerate(outputs))
    blocks = _finish(blocks, create_graph)
    if not inputs_tuple:
        blocks = tuple(row[0] for row in blocks)
    return _unpack(blocks, outputs_tuple)


def _jacobian_of(i: int, out: Tensor, inputs: tuple, create_graph: bool, strict: bool) -> tuple:
    """∂out/∂input_j for every j: one backward per element of ``out`` gives one row of each block."""
    rows = tuple([] for _ in inputs)
    flat = out.reshape(-1)
    for k in range(out.nelement()):
        row = _grads((flat[k],), inputs, retain_graph=True, create_graph=create_graph)
        for j, (g, inp) in enumerate(zip(row, inputs)):
            if g is None:
                if strict:
                    raise RuntimeError(f"Output {i} of the user-provided function is independent of input {j}. "
                                       "This is not allowed in strict mode.")
                g = zeros_like(inp)
            elif strict and create_graph and not g.requires_grad:
                raise RuntimeError(f"The jacobian of the user-provided function is independent of input {i}. "
                                   "This is not allowed in strict mode when create_graph=True.")
            rows[j].append(g)
    return tuple(_stacked(r, out.size() + inp.size(), inp) for r, inp in zip(rows, inputs))


def _stacked(rows: list, shape, like: Tensor) -> Tensor:
    if not rows:  # an output with no elements: an empty block of the right shape
        return zeros(shape, dtype=like.dtype)
    return stack(rows, dim=0).view(shape)


def hessian(func, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode"):
    """The Hessian of a function with a single-number output: the Jacobian of its gradient.

    One input: a Tensor of shape ``input.shape + input.shape``; a tuple of inputs: a tuple of tuples,
    ``H[i][j]`` of shape ``input_i.shape + input_j.shape``.
    """
    inputs_tuple, inputs = _as_tensors(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def scalar_func(*args):
        out = func(*args)
        is_tuple, outs = _as_tensors(out, "outputs of the user-provided function", "hessian")
        _require_grad(outs, "outputs", strict)
        _scalar_output(outs, is_tuple, "hessian")
        return out.squeeze()

    def gradient(*args):
        if outer_jacobian_strategy == "forward-mode":
            args = tuple(a.requires_grad_(True) for a in args)
        g = jacobian(scalar_func, args, create_graph=True)
        _require_grad(g, "jacobian", strict)
        return g

    result = jacobian(gradient, inputs, create_graph=create_graph, strict=strict, vectorize=vectorize,
                      strategy=outer_jacobian_strategy)
    return result if inputs_tuple else result[0][0]
