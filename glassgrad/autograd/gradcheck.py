"""``gradcheck`` and ``gradgradcheck``: the engine's gradients against central differences, as PyTorch's.

Part III, read after ``engine.py``. The engine computes derivatives by the chain rule; this file computes
them again without any calculus and compares. For a function f with inputs x and outputs y, the
*Jacobian* J[k, j] = ∂y_k/∂x_j is built twice:

- numerically, one column per input element j, by central differences:
  J[:, j] ≈ (f(x + ε·e_j) − f(x − ε·e_j)) / 2ε   (error shrinks like ε², so use float64 inputs);
- analytically, one row per output element k, by one backward pass with the upstream gradient
  e_k (a one-hot tensor): the engine returns the vector-Jacobian product e_kᵀ·J, which is row k.

The check passes when |analytical − numerical| ≤ atol + rtol·|numerical| everywhere. ``gradgradcheck``
applies the same check to the gradient function itself (built with ``create_graph=True``), so it tests
second derivatives. Names, arguments and defaults are ``torch.autograd.gradcheck``'s.
(The Part I check for scalar ``Value``s is ``glassgrad/scalar/gradcheck.py``.)
"""

from __future__ import annotations

import warnings

import numpy as np

from glassgrad.dtypes import is_float
from glassgrad.autograd.engine import grad
from glassgrad.tensor import Tensor

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError", "get_numerical_jacobian",
           "get_analytical_jacobian", "jacobian_column", "set_forward_jacobian"]


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck``/``gradgradcheck`` when the gradients disagree (a RuntimeError, as PyTorch's)."""


def _as_tuple(x) -> tuple:
    if isinstance(x, Tensor):
        return (x,)
    if isinstance(x, (list, tuple)):
        return tuple(x)
    return (x,)


def _differentiable_outputs(outputs: tuple) -> list[Tensor]:
    """Outputs with a gradient: floating-point tensors (integer/bool results have no derivative)."""
    return [o for o in outputs if isinstance(o, Tensor) and is_float(o._array.dtype)]


def _output_arrays(func, inputs: tuple) -> list[np.ndarray]:
    outs = _differentiable_outputs(_as_tuple(func(*inputs)))
    return [np.array(o._array, dtype=np.float64) for o in outs]


def jacobian_column(func, inputs, x: Tensor, index: tuple, eps: float = 1e-6,
                    method: str = "central") -> list[np.ndarray]:
    """Column ``index`` of every output's Jacobian: ∂y/∂x[index], flattened, one array per output.

    ``x[index]`` (``x`` one of ``inputs``) is moved in place, then restored, so the number changes
    exactly where ``func`` reads it. ``method``: "central", (y(x + ε) − y(x − ε)) / 2ε, error like ε²;
    or "forward", (y(x + ε) − y(x)) / ε, error like ε (explain's gradient-check plot shows both).
    """
    if method not in ("central", "forward"):
        raise ValueError(f"method must be 'central' or 'forward', got {method!r}")
    inputs = _as_tuple(inputs)
    array = x._array
    original = array[index].copy()
    try:
        array[index] = original + eps
        plus = _output_arrays(func, inputs)
        array[index] = original - eps if method == "central" else original
        minus = _output_arrays(func, inputs)
    finally:
        array[index] = original
    step = 2 * eps if method == "central" else eps
    return [((p - m) / step).ravel() for p, m in zip(plus, minus)]


def get_numerical_jacobian(func, inputs, eps: float = 1e-6) -> list[list[np.ndarray]]:
    """``J[i][o]``: the (output o elements × input i elements) Jacobian by central differences.

    One ``jacobian_column`` per element of each input that requires grad.
    """
    inputs = _as_tuple(inputs)
    base = _output_arrays(func, inputs)
    jacobians = []
    for x in inputs:
        if not (isinstance(x, Tensor) and x._requires_grad):
            continue
        columns = [np.zeros((o.size, x._array.size)) for o in base]
        for j, index in enumerate(np.ndindex(x._array.shape)):
            for column, c in zip(columns, jacobian_column(func, inputs, x, index, eps)):
                column[:, j] = c
        jacobians.append(columns)
    return jacobians


def get_analytical_jacobian(func, inputs) -> list[list[np.ndarray]]:
    """``J[i][o]``: the same Jacobian from the engine, one backward pass (a VJP) per output element."""
    inputs = _as_tuple(inputs)
    diff_inputs = [x for x in inputs if isinstance(x, Tensor) and x._requires_grad]
    outputs = _differentiable_outputs(_as_tuple(func(*inputs)))
    jacobians = [[np.zeros((o._array.size, x._array.size)) for o in outputs] for x in diff_inputs]
    for o_index, out in enumerate(outputs):
        if not out._requires_grad:  # the output doesn't depend on any input: its rows stay zero
            continue
        for k in range(out._array.size):
            seed = np.zeros(out._array.size, dtype=out._array.dtype)
            seed[k] = 1
            grads = grad([out], diff_inputs, [Tensor._wrap(seed.reshape(out._array.shape))],
                         retain_graph=True, allow_unused=True)
            for i, (x, g) in enumerate(zip(diff_inputs, grads)):
                if g is None:
                    continue
                if g.shape != x.shape:
                    raise GradcheckError(f"Gradient for input {i} has shape {list(g.shape)} but the "
                                         f"input has shape {list(x.shape)}")
                jacobians[i][o_index][k] = np.asarray(g._array, dtype=np.float64).ravel()
    return jacobians


def _fail(message: str, raise_exception: bool) -> bool:
    if raise_exception:
        raise GradcheckError(message)
    return False


def _mismatch(o: int, i: int, x: Tensor, out_shape, numerical: np.ndarray, analytical: np.ndarray,
              atol: float, rtol: float) -> str:
    """Name the worst element: output o, input i, which input element, which output element, both numbers."""
    excess = np.abs(analytical - numerical) - (atol + rtol * np.abs(numerical))
    k, j = np.unravel_index(np.argmax(excess), excess.shape)
    in_index = tuple(int(v) for v in np.unravel_index(j, x.shape)) if x.ndim else ()
    out_index = tuple(int(v) for v in np.unravel_index(k, out_shape)) if len(out_shape) else ()
    with np.printoptions(precision=4, suppress=True, linewidth=100):
        return (f"Jacobian mismatch for output {o} with respect to input {i}, at input {i} element "
                f"{list(in_index)} and output {o} element {list(out_index)}: numerical "
                f"{numerical[k, j]:.10g} vs analytical {analytical[k, j]:.10g} "
                f"(atol={atol}, rtol={rtol}),\nnumerical:{numerical}\nanalytical:{analytical}\n")


# ``J[i][o]`` by forward-mode AD, one JVP per input element: set by forward_ad.py when it is imported
# (it is built on the ops, which sit above this file).
FORWARD_JACOBIAN = None


def set_forward_jacobian(fn) -> None:
    """Install forward-mode AD's Jacobian (forward_ad.py calls this when it is imported)."""
    global FORWARD_JACOBIAN
    FORWARD_JACOBIAN = fn


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
              check_grad_dtypes: bool = False, check_batched_grad: bool = False,
              check_batched_forward_grad: bool = False, check_forward_ad: bool = False,
              check_backward_ad: bool = True, fast_mode: bool = False, masked: bool | None = None
              ) -> bool:
    """Check the gradients of ``func(*inputs)`` against central differences; True if they agree.

    For every input that requires grad and every output of floating dtype, the analytical Jacobian
    (one backward pass per output element) must satisfy |A − N| ≤ atol + rtol·|N| against the numerical
    one N[k, j] = (y_k(x + ε e_j) − y_k(x − ε e_j)) / 2ε. On failure raises ``GradcheckError`` naming
    the output, the input, the element and both numbers (or returns False if ``raise_exception=False``).
    Inputs should be float64: in float32, ε = 1e-6 is below the rounding error and the check is noise
    (a warning says so, as PyTorch's does).

    ``check_forward_ad=True`` also checks the Jacobian forward-mode AD gives (forward_ad.py, one JVP per
    input element). ``fast_mode`` is accepted and runs the full check (which is stricter); batched
    gradients don't exist in glassgrad, so asking for them raises NotImplementedError.
    """
    if check_batched_grad or check_batched_forward_grad:
        raise NotImplementedError("glassgrad has no batched (vmap) gradients: check_batched_grad and "
                                  "check_batched_forward_grad must be False")
    inputs = _as_tuple(inputs)
    diff_inputs = [(i, x) for i, x in enumerate(inputs) if isinstance(x, Tensor) and x._requires_grad]
    if not diff_inputs:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none "
                         "of the them have requires_grad=True.")
    for i, x in diff_inputs:
        if x._array.dtype != np.float64:
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point "
                          "or complex. This check will likely fail if all the inputs are not of double "
                          "precision floating point or complex. ", UserWarning, stacklevel=2)
    if check_forward_ad:
        if FORWARD_JACOBIAN is None:
            raise RuntimeError("gradcheck(check_forward_ad=True) uses forward-mode AD: import "
                               "glassgrad.autograd.forward_ad first")
        checked = _compare(func, inputs, diff_inputs, FORWARD_JACOBIAN(func, inputs), eps, atol, rtol,
                           raise_exception)
        if checked is not True or not check_backward_ad:
            return checked
    if not check_backward_ad:
        return True

    analytical = get_analytical_jacobian(func, inputs)
    if nondet_tol >= 0:  # reentrant: the same backward twice must give the same numbers
        again = get_analytical_jacobian(func, inputs)
        for per_input_a, per_input_b in zip(analytical, again):
            for a, b in zip(per_input_a, per_input_b):
                if a.shape != b.shape or np.abs(a - b).max(initial=0.0) > nondet_tol:
                    return _fail("Backward is not reentrant, i.e., running backward with same input "
                                 "and grad_output multiple times gives different values, although "
                                 "analytical gradient matches numerical gradient.The tolerance for "
                                 f"nondeterminism was {nondet_tol}.", raise_exception)
    if check_grad_dtypes:
        outs = [o for o in _differentiable_outputs(_as_tuple(func(*inputs))) if o._requires_grad]
        if outs:
            gs = grad(outs, [x for _, x in diff_inputs],
                      [Tensor._wrap(np.ones(o._array.shape, o._array.dtype)) for o in outs],
                      allow_unused=True)
            for (i, x), g in zip(diff_inputs, gs):
                if g is not None and g.dtype != x.dtype:
                    return _fail(f"Gradient has dtype mismatch: input {i} has dtype {x.dtype} but its "
                                 f"gradient has dtype {g.dtype}", raise_exception)

    return _compare(func, inputs, diff_inputs, analytical, eps, atol, rtol, raise_exception)


def _compare(func, inputs, diff_inputs, analytical, eps, atol, rtol, raise_exception) -> bool:
    """The Jacobians ``analytical[i][o]`` (by backward, or forward-mode AD) against central differences."""
    numerical = get_numerical_jacobian(func, inputs, eps)
    out_shapes = [o._array.shape for o in _differentiable_outputs(_as_tuple(func(*inputs)))]
    for (i, x), per_input_n, per_input_a in zip(diff_inputs, numerical, analytical):
        for o, (n, a) in enumerate(zip(per_input_n, per_input_a)):
            if n.shape != a.shape:
                return _fail(f"Jacobian for output {o} with respect to input {i} has shape "
                             f"{list(a.shape)} analytically but {list(n.shape)} numerically",
                             raise_exception)
            if not np.all(np.abs(a - n) <= atol + rtol * np.abs(n)):
                return _fail(_mismatch(o, i, x, out_shapes[o], n, a, atol, rtol), raise_exception)
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, nondet_tol: float = 0.0,
                  check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
                  check_batched_grad: bool = False, check_fwd_over_rev: bool = False,
                  check_rev_over_rev: bool = True, fast_mode: bool = False, masked: bool = False
                  ) -> bool:
    """Check second derivatives: ``gradcheck`` on x, v ↦ vᵀ·∂func/∂x, built with ``create_graph=True``.

    ``grad_outputs`` (the v, one per floating output) default to random float64 tensors that require
    grad, so the check covers the derivative with respect to v as well, as PyTorch's does.
    """
    if check_fwd_over_rev:
        raise NotImplementedError("glassgrad has no forward-mode AD: check_fwd_over_rev must be False")
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        outputs = _differentiable_outputs(_as_tuple(func(*inputs)))
        rng = np.random.default_rng(0)
        grad_outputs = tuple(Tensor._wrap(rng.uniform(-1.0, 1.0, o._array.shape).astype(o._array.dtype),
                                          requires_grad=True) for o in outputs)
    grad_outputs = _as_tuple(grad_outputs)
    n_inputs = len(inputs)

    def first_derivatives(*args):
        xs, vs = args[:n_inputs], args[n_inputs:]
        outs = [o for o in _differentiable_outputs(_as_tuple(func(*xs))) if o._requires_grad]
        diff = [x for x in xs if isinstance(x, Tensor) and x._requires_grad]
        gs = grad(outs, diff, list(vs[:len(outs)]), create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    if not check_rev_over_rev:
        return True
    return gradcheck(first_derivatives, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad, check_grad_dtypes=check_grad_dtypes)
