"""``glassgrad.func`` — PyTorch's function transforms (``torch.func``), over autograd.

Part III, autograd chapter, after ``autograd/functional.py``. A transform takes a function and gives back
a new function:

- ``grad(f)``: the gradient of a function with a single-number output (``autograd.grad`` on a copy of
  the inputs that requires grad);
- ``vjp(f, *primals)`` / ``jvp(f, primals, tangents)``: vector-Jacobian and Jacobian-vector products;
- ``jacrev(f)`` / ``jacfwd(f)`` / ``hessian(f)``: whole Jacobians (one backward pass per output element)
  and the Jacobian of the Jacobian;
- ``vmap(f)``: ``f`` applied to every slice along a batch dimension, the answers stacked — run once, on
  BatchedTensors, with a batching rule per op (``_vmap.py``);
- ``functional_call(module, params, args)``: a module run with other tensors in place of its
  parameters and buffers; ``stack_module_state(models)`` stacks several models' parameters so that
  ``vmap(functional_call...)`` runs them all.

How glassgrad does it, unlike PyTorch: ``jacfwd`` computes the same Jacobian as ``jacrev``, in reverse
mode (glassgrad has no forward-mode AD). The transforms compose (``vmap(grad(f))``,
``jacfwd(jacrev(f))``): a transform whose inputs already require grad — because an outer transform is
differentiating through it — keeps its results in the graph (``create_graph``), so the outer one can
differentiate them again. Inside ``vmap``, ``grad``/``vjp``/``jvp``/``jacrev`` differentiate the
physical (whole-batch) tensors: samples never meet, so the gradient of the summed output is each
sample's own (``_call_tracked``).
"""

from __future__ import annotations

import contextlib

from glassgrad import _vmap
from glassgrad._vmap import _leaves, _map, vmap
from glassgrad.autograd import functional as _functional
from glassgrad.autograd.engine import grad as _autograd_grad
from glassgrad.autograd.grad_mode import enable_grad, is_grad_enabled
from glassgrad.creation import zeros, zeros_like
from glassgrad.ops.joining import stack
from glassgrad.tensor import Tensor

__all__ = ["functional_call", "grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp",
           "stack_module_state", "vjp", "vmap"]


# --- nested inputs: tensors inside tuples, lists and dicts ---------------------------------------------
# _leaves (the tensors of a nest, in order) and _map (the same nest, fn applied to every tensor) are
# _vmap.py's, which vmap needs first.
def _refill(tree, leaves):
    """The nesting of ``tree`` with its tensors replaced, in order, by ``leaves`` (an iterator)."""
    return _map(lambda _: next(leaves), tree)


# --- grad, vjp, jvp ------------------------------------------------------------------------------------
def _track(t: Tensor) -> Tensor:
    """An input to differentiate with respect to: a view of ``t`` if an outer transform is already
    differentiating it (so it stays in that graph), else a detached copy that requires grad."""
    return t.view_as(t) if t.requires_grad else t.detach().requires_grad_(True)


def _require_tensors(tree) -> None:
    """PyTorch's error for an argument to differentiate that is not a tensor (or a nest of tensors)."""
    if isinstance(tree, (tuple, list)):
        for item in tree:
            _require_tensors(item)
    elif isinstance(tree, dict):
        for item in tree.values():
            _require_tensors(item)
    elif not isinstance(tree, Tensor):
        raise ValueError(f"Thing passed to transform API must be Tensor, got {type(tree)}")


def _argnums_tuple(argnums, count: int, name: str) -> tuple:
    nums = argnums if isinstance(argnums, tuple) else (argnums,)
    for n in nums:
        if not isinstance(n, int):
            raise RuntimeError(f"{name}: argnums must be int or Tuple[int, ...], got: {type(n)}")
        if not -count <= n < count:
            raise RuntimeError(f"Got argnums={n}, but only {count} positional inputs")
    return tuple(n % count for n in nums)


def _gradients(outputs: list, inputs: list, grad_outputs, keep_graph: bool) -> list:
    """d(outputs)/d(inputs) with zeros where an input was not used; in the graph when ``keep_graph``."""
    grads = _autograd_grad(outputs, inputs, grad_outputs=grad_outputs, retain_graph=True,
                           create_graph=keep_graph, allow_unused=True)
    grads = [zeros_like(x) if g is None else g for g, x in zip(grads, inputs)]
    return grads if keep_graph else [g.detach() for g in grads]


def _call_tracked(func, args: tuple, nums: tuple, kwargs: dict, extra_levels=()):
    """``func(*args)`` with ``args[n]`` (n in ``nums``) tracked for differentiation.

    Inside ``vmap`` (BatchedTensors among the arguments, or in the output through a closure) each tracked
    tensor is its *physical* tensor, batched at every vmap level in play (an argument shared by the batch
    is expanded to it), and ``func`` sees it as a BatchedTensor again: samples never meet, so gradients
    of the summed physical output are the samples' own. Returns ``(args, output, plains, levels)``:
    ``plains`` the tracked physical tensors, ``levels`` the vmap levels (ascending; empty outside vmap)."""
    levels = _vmap.physical_inputs(_leaves(args), extra_levels)[1]
    while True:
        tracked, plains = list(args), []

        def track(t):
            plain = _track(_vmap.physical_inputs([t], levels)[0][0])
            plains.append(plain)
            return _vmap.wrap_levels(plain, levels)
        for n in nums:
            tracked[n] = _map(track, args[n])
        output = func(*tracked, **kwargs)
        extra = {lv for t in _leaves(output) for lv in _vmap.levels_of(t)} - set(levels)
        if not extra:   # an output batched at a level no argument has (a closure): again, batched there too
            return tracked, output, plains, levels
        levels = sorted(set(levels) | extra)


def grad_and_value(func, argnums=0, has_aux: bool = False):
    """``(gradient, value)`` of ``func`` (a single-number output) with respect to ``args[argnums]``."""
    def wrapper(*args, **kwargs):
        nums = _argnums_tuple(argnums, len(args), "grad_and_value")
        keep_graph = is_grad_enabled() and any(x.requires_grad for n in nums for x in _leaves(args[n]))
        with enable_grad():
            args, output, plains, levels = _call_tracked(func, args, nums, kwargs)
            aux = None
            if has_aux:
                if not (isinstance(output, tuple) and len(output) == 2):
                    raise RuntimeError("grad_and_value(f)(*args): output of function f should be a tuple: "
                                       "(output, aux) if has_aux is True")
                output, aux = output
            if not isinstance(output, Tensor):
                raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a Tensor, "
                                   f"got {type(output)}")
            if output.dim() != 0:
                raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got "
                                   f"tensor with {output.dim()} dims. Maybe you wanted to use the vjp or jacrev "
                                   "APIs instead?")
            physical = _vmap.physical_inputs([output], levels)[0][0].sum() if levels else output
            grads = iter([_vmap.wrap_levels(g, levels) for g in _gradients([physical], plains, None, keep_graph)])
        answer = tuple(_refill(args[n], grads) for n in nums)
        answer = answer if isinstance(argnums, tuple) else answer[0]
        value = output if keep_graph else output.detach()
        return (answer, (value, aux)) if has_aux else (answer, value)
    return wrapper


def grad(func, argnums=0, has_aux: bool = False):
    """The gradient of ``func`` (a single-number output) with respect to ``args[argnums]``, as a function."""
    def wrapper(*args, **kwargs):
        answer, value = grad_and_value(func, argnums, has_aux)(*args, **kwargs)
        return (answer, value[1]) if has_aux else answer
    return wrapper


def vjp(func, *primals, has_aux: bool = False):
    """``(func(*primals), vjp_fn)``: ``vjp_fn(v)`` is vᵀJ, one result per primal (shaped like it)."""
    keep_graph = is_grad_enabled() and any(x.requires_grad for x in _leaves(primals))
    with enable_grad():
        tracked, output, plains, levels = _call_tracked(func, primals, tuple(range(len(primals))), {})
        aux = None
        if has_aux:
            output, aux = output

    def vjp_fn(cotangents):
        outer = set(lv for v in _leaves(cotangents) for lv in _vmap.levels_of(v)) - set(levels)
        if outer:   # vmap over the cotangents alone (the Jacobian row by row): one vjp per sample
            return _vmap.per_sample(vjp_fn, max(outer), (cotangents,), {})
        outputs = _leaves(output)
        vectors = _leaves(cotangents)
        if len(vectors) != len(outputs):
            raise RuntimeError("Expected pytree structure of cotangents to be the same as pytree structure of "
                               "outputs to the function.")
        for out, v in zip(outputs, vectors):
            if tuple(out.shape) != tuple(v.shape):
                raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {tuple(v.shape)} and "
                                   f"output[0] has a shape of {tuple(out.shape)}.")
        outputs, vectors = _vmap.physical_inputs(outputs, levels)[0], _vmap.physical_inputs(vectors, levels)[0]
        with enable_grad():
            grads = iter([_vmap.wrap_levels(g, levels) for g in _gradients(outputs, plains, vectors, keep_graph)])
        return _refill(tuple(tracked), grads)

    shown = output if keep_graph else _map(Tensor.detach, output)
    return (shown, vjp_fn, aux) if has_aux else (shown, vjp_fn)


def jvp(func, primals, tangents, *, strict: bool = False, has_aux: bool = False):
    """``(func(*primals), J·tangents)`` by the double-backward trick (``autograd.functional.jvp``).

    ``primals`` and ``tangents`` are tuples whose items may be tensors or nests of them (a dict of
    parameters): the nests are flattened to their tensors and ``func`` gets them back nested. Inside
    ``vmap`` the trick runs on the physical tensors (``_call_tracked``)."""
    if not isinstance(primals, tuple) or not isinstance(tangents, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it should be "
                           "valid to call f(*primals).")
    if has_aux:
        raise NotImplementedError("glassgrad's func.jvp has no has_aux=True")
    _require_tensors(primals)
    flat_primals, flat_tangents = _leaves(primals), _leaves(tangents)
    if len(flat_primals) != len(flat_tangents):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same python "
                           "structure.")
    keep_graph = is_grad_enabled() and any(x.requires_grad for x in flat_primals)
    if not _vmap.running():
        return _functional.jvp(lambda *xs: func(*_refill(primals, iter(xs))), tuple(flat_primals),
                               tuple(flat_tangents), create_graph=keep_graph, strict=strict)
    tangent_levels = {lv for t in flat_tangents for lv in _vmap.levels_of(t)}
    with enable_grad():
        _, output, plains, levels = _call_tracked(lambda *xs: func(*_refill(primals, iter(xs))),
                                                  tuple(flat_primals), tuple(range(len(flat_primals))), {},
                                                  tangent_levels)
    if levels:   # batched through a closure: J·v of the physical tensors (the double-backward trick)
        with enable_grad():
            physical = _vmap.physical_inputs(_leaves(output), levels)[0]
            free = [zeros_like(p).requires_grad_(True) for p in physical]
            transposed = _gradients(physical, plains, free, True)
            tangent_plains = _vmap.physical_inputs(flat_tangents, levels)[0]
            products = iter([_vmap.wrap_levels(p, levels)
                             for p in _gradients(transposed, free, tangent_plains, keep_graph)])
        value = output if keep_graph else _map(Tensor.detach, output)
        return value, _refill(output, products)
    output, product = _functional.jvp(lambda *xs: func(*_refill(primals, iter(xs))), tuple(flat_primals),
                                      tuple(flat_tangents), create_graph=keep_graph, strict=strict)
    return output, product


# --- whole Jacobians -----------------------------------------------------------------------------------
def jacrev(func, argnums=0, *, has_aux: bool = False, chunk_size=None):
    """The Jacobian of ``func`` with respect to ``args[argnums]``: shape output.shape + input.shape.

    An argument may be a nest of tensors (a dict of parameters): its Jacobian is then the same nest, one
    block per tensor; an output that is a nest gives a nest of those. One backward pass per output
    element (``chunk_size`` changes nothing here); inside ``vmap``, one per element of one sample's
    output, for the whole batch at once."""
    def wrapper(*args, **kwargs):
        nums = _argnums_tuple(argnums, len(args), "jacrev")
        for n in nums:
            _require_tensors(args[n])
        keep_graph = is_grad_enabled() and any(x.requires_grad for n in nums for x in _leaves(args[n]))
        with enable_grad():
            args, output, inputs, levels = _call_tracked(func, args, nums, kwargs)
            aux = None
            if has_aux:
                output, aux = output
            batch = len(levels)

            def jacobian_of(out: Tensor):
                physical = _vmap.physical_inputs([out], levels)[0][0]
                batch_shape, out_shape = tuple(physical.shape[:batch]), tuple(physical.shape[batch:])
                flat = physical.reshape(batch_shape + (-1,))
                rows = [[] for _ in inputs]
                for k in range(flat.shape[-1]):
                    element = flat.select(-1, k).sum() if batch else flat[k]
                    for j, g in enumerate(_gradients([element], inputs, None, keep_graph)):
                        rows[j].append(g)
                blocks = iter([_vmap.wrap_levels(
                    stack(r, dim=batch).view(batch_shape + out_shape + tuple(x.shape[batch:])) if r
                    else zeros(batch_shape + out_shape + tuple(x.shape[batch:]), dtype=x.dtype), levels)
                    for r, x in zip(rows, inputs)])
                per_argument = tuple(_refill(args[n], blocks) for n in nums)
                return per_argument if isinstance(argnums, tuple) else per_argument[0]

            answer = _map(jacobian_of, output)
        return (answer, aux) if has_aux else answer
    return wrapper


def jacfwd(func, argnums=0, has_aux: bool = False, *, randomness: str = "error"):
    """The same Jacobian as ``jacrev`` (PyTorch computes it in forward mode; glassgrad, in reverse)."""
    return jacrev(func, argnums, has_aux=has_aux)


def hessian(func, argnums=0):
    """The Hessian of a single-number ``func``: ``jacfwd(jacrev(func))``."""
    return jacfwd(jacrev(func, argnums), argnums)


# --- modules as functions ------------------------------------------------------------------------------
def _owner(module, name: str):
    """The submodule holding ``name`` ("layer.0.weight") and the last part of the name."""
    *path, leaf = name.split(".")
    for part in path:
        module = module._modules[part] if part in module._modules else None
        if module is None:
            raise AttributeError(f"functional_call: the module has no submodule on the path of '{name}'")
    return module, leaf


@contextlib.contextmanager
def _swapped(module, tensors: dict):
    """Inside: each named parameter or buffer of ``module`` is the given tensor; after: the originals."""
    saved = []
    try:
        for name, tensor in tensors.items():
            owner, leaf = _owner(module, name)
            table = owner._parameters if leaf in owner._parameters else \
                owner._buffers if leaf in owner._buffers else None
            if table is None:
                raise AttributeError(f"functional_call: '{name}' is neither a parameter nor a buffer of "
                                     f"{type(module).__name__}")
            saved.append((table, leaf, table[leaf]))
            table[leaf] = tensor
        yield
    finally:
        for table, leaf, original in reversed(saved):
            table[leaf] = original


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights: bool = True,
                    strict: bool = False):
    """``module(*args, **kwargs)`` with the given tensors in place of its parameters and buffers (by name)."""
    dicts = parameter_and_buffer_dicts
    if isinstance(dicts, dict):
        dicts = (dicts,)
    tensors = {}
    for d in dicts:
        for name, value in d.items():
            if name in tensors:
                raise ValueError(f"{name} appeared in multiple dictionaries; behavior of functional call is "
                                 "ambiguous")
            tensors[name] = value
    if strict:
        expected = {name for name, _ in module.named_parameters()} | {name for name, _ in module.named_buffers()}
        missing, unexpected = sorted(expected - set(tensors)), sorted(set(tensors) - expected)
        if missing or unexpected:
            raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}:\n\tMissing key(s): "
                               f"{missing}.\n\tUnexpected key(s): {unexpected}.")
    args = () if args is None else args if isinstance(args, tuple) else (args,)
    with _swapped(module, tensors):
        return module(*args, **(kwargs or {}))


def stack_module_state(models):
    """``(params, buffers)``: each name's tensors from every model stacked along a new first dimension;
    the stacked parameters are new leaves that require grad, as in PyTorch."""
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or not any(m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")
    first = type(models[0])
    if not all(type(m) is first for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")
    params = {name: stack([dict(m.named_parameters())[name].detach() for m in models]).requires_grad_(p.requires_grad)
              for name, p in models[0].named_parameters()}
    buffers = {name: stack([dict(m.named_buffers())[name] for m in models])
               for name, _ in models[0].named_buffers()}
    return params, buffers
