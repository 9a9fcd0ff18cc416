"""``glassgrad.func`` — PyTorch's function transforms (``torch.func``), written as plain loops over autograd.

Part III, autograd chapter, after ``autograd/functional.py``. A transform takes a function and gives back
a new function:

- ``grad(f)``: the gradient of a function with a single-number output (``autograd.grad`` on a copy of
  the inputs that requires grad);
- ``vjp(f, *primals)`` / ``jvp(f, primals, tangents)``: vector-Jacobian and Jacobian-vector products;
- ``jacrev(f)`` / ``jacfwd(f)`` / ``hessian(f)``: whole Jacobians (one backward pass per output element)
  and the Jacobian of the Jacobian;
- ``vmap(f)``: ``f`` applied to every slice along a batch dimension, the answers stacked;
- ``functional_call(module, params, args)``: a module run with other tensors in place of its
  parameters and buffers; ``stack_module_state(models)`` stacks several models' parameters so that
  ``vmap(functional_call...)`` runs them all.

How glassgrad does it, unlike PyTorch: ``vmap`` is a Python loop (call, then ``stack``), not a batching
rule per op, so it gives the same numbers at the speed of the loop; ``jacfwd`` computes the same
Jacobian as ``jacrev``, in reverse mode (glassgrad has no forward-mode AD). The transforms compose
(``vmap(grad(f))``, ``jacfwd(jacrev(f))``): a transform whose inputs already require grad — because an
outer transform is differentiating through it — keeps its results in the graph (``create_graph``), so
the outer one can differentiate them again.
"""

from __future__ import annotations

import contextlib

from glassgrad.autograd import functional as _functional
from glassgrad.autograd.engine import grad as _autograd_grad
from glassgrad.autograd.grad_mode import enable_grad, is_grad_enabled
from glassgrad.creation import zeros, zeros_like
from glassgrad.ops.joining import stack
from glassgrad.tensor import Tensor

__all__ = ["functional_call", "grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp",
           "stack_module_state", "vjp", "vmap"]


# --- nested inputs: tensors inside tuples, lists and dicts ---------------------------------------------
def _leaves(tree) -> list:
    """The tensors of a nested tuple/list/dict, in order."""
    if isinstance(tree, Tensor):
        return [tree]
    if isinstance(tree, (tuple, list)):
        return [leaf for item in tree for leaf in _leaves(item)]
    if isinstance(tree, dict):
        return [leaf for item in tree.values() for leaf in _leaves(item)]
    return []


def _map(fn, tree):
    """The same nesting with ``fn`` applied to every tensor."""
    if isinstance(tree, Tensor):
        return fn(tree)
    if isinstance(tree, (tuple, list)):
        return type(tree)(_map(fn, item) for item in tree)
    if isinstance(tree, dict):
        return {key: _map(fn, item) for key, item in tree.items()}
    return tree


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


def grad_and_value(func, argnums=0, has_aux: bool = False):
    """``(gradient, value)`` of ``func`` (a single-number output) with respect to ``args[argnums]``."""
    def wrapper(*args, **kwargs):
        nums = _argnums_tuple(argnums, len(args), "grad_and_value")
        keep_graph = is_grad_enabled() and any(x.requires_grad for n in nums for x in _leaves(args[n]))
        with enable_grad():
            args = list(args)
            for n in nums:
                args[n] = _map(_track, args[n])
            output = func(*args, **kwargs)
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
            inputs = [x for n in nums for x in _leaves(args[n])]
            grads = iter(_gradients([output], inputs, None, keep_graph))
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
        tracked = _map(_track, primals)
        output = func(*tracked)
        aux = None
        if has_aux:
            output, aux = output

    def vjp_fn(cotangents):
        outputs = _leaves(output)
        vectors = _leaves(cotangents)
        if len(vectors) != len(outputs):
            raise RuntimeError("Expected pytree structure of cotangents to be the same as pytree structure of "
                               "outputs to the function.")
        for out, v in zip(outputs, vectors):
            if tuple(out.shape) != tuple(v.shape):
                raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {tuple(v.shape)} and "
                                   f"output[0] has a shape of {tuple(out.shape)}.")
        with enable_grad():
            grads = iter(_gradients(outputs, _leaves(tracked), vectors, keep_graph))
        return _refill(tuple(tracked), grads)

    shown = output if keep_graph else _map(Tensor.detach, output)
    return (shown, vjp_fn, aux) if has_aux else (shown, vjp_fn)


def jvp(func, primals, tangents, *, strict: bool = False, has_aux: bool = False):
    """``(func(*primals), J·tangents)`` by the double-backward trick (``autograd.functional.jvp``).

    ``primals`` and ``tangents`` are tuples whose items may be tensors or nests of them (a dict of
    parameters): the nests are flattened to their tensors and ``func`` gets them back nested."""
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
    output, product = _functional.jvp(lambda *xs: func(*_refill(primals, iter(xs))), tuple(flat_primals),
                                      tuple(flat_tangents), create_graph=keep_graph, strict=strict)
    return output, product


# --- whole Jacobians -----------------------------------------------------------------------------------
def jacrev(func, argnums=0, *, has_aux: bool = False, chunk_size=None):
    """The Jacobian of ``func`` with respect to ``args[argnums]``: shape output.shape + input.shape.

    An argument may be a nest of tensors (a dict of parameters): its Jacobian is then the same nest, one
    block per tensor; an output that is a nest gives a nest of those. One backward pass per output
    element (``chunk_size`` changes nothing here)."""
    def wrapper(*args, **kwargs):
        nums = _argnums_tuple(argnums, len(args), "jacrev")
        for n in nums:
            _require_tensors(args[n])
        keep_graph = is_grad_enabled() and any(x.requires_grad for n in nums for x in _leaves(args[n]))
        with enable_grad():
            args = list(args)
            for n in nums:
                args[n] = _map(_track, args[n])
            output = func(*args, **kwargs)
            aux = None
            if has_aux:
                output, aux = output
            inputs = [x for n in nums for x in _leaves(args[n])]

            def jacobian_of(out: Tensor):
                rows = [[] for _ in inputs]
                flat = out.reshape(-1)
                for k in range(out.nelement()):
                    for j, g in enumerate(_gradients([flat[k]], inputs, None, keep_graph)):
                        rows[j].append(g)
                blocks = iter([stack(r).view(tuple(out.shape) + tuple(x.shape)) if r
                               else zeros(tuple(out.shape) + tuple(x.shape), dtype=x.dtype)
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


# --- vmap ----------------------------------------------------------------------------------------------
def _vmap_name(func) -> str:
    return getattr(func, "__name__", repr(func))


def vmap(func, in_dims=0, out_dims=0, randomness: str = "error", *, chunk_size=None):
    """``func`` on every slice along ``in_dims`` (one per argument; ``None``: the same argument for every
    slice), the results stacked along ``out_dims``: a loop here, one call per slice."""
    def wrapper(*args, **kwargs):
        dims = in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args)
        if len(dims) != len(args):
            raise ValueError(f"vmap({_vmap_name(func)}, in_dims={in_dims}, ...)(<inputs>): in_dims is not "
                             f"compatible with the structure of `inputs`. in_dims has structure {len(dims)} but "
                             f"inputs has structure {len(args)}.")
        sizes = []
        for arg, dim in zip(args, dims):
            if dim is None:
                continue
            if not isinstance(arg, (Tensor, tuple, list, dict)):
                raise ValueError(f"vmap({_vmap_name(func)}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={dim} "
                                 f"for an input but the input is of type {type(arg)}. We cannot vmap over "
                                 "non-Tensor arguments, please use None as the respective in_dim")
            sizes += [t.shape[dim] for t in _leaves(arg)]
        if not sizes:
            raise ValueError(f"vmap({_vmap_name(func)}, in_dims={in_dims}, ...)(<inputs>): at least one input "
                             "must be a Tensor to vmap over (in_dims are all None)")
        if len(set(sizes)) != 1:
            raise ValueError("vmap: Expected all tensors to have the same size in the mapped dimension, got "
                             f"sizes {sizes} for the mapped dimension")
        results = []
        for i in range(sizes[0]):
            sliced = [arg if dim is None else _map(lambda t, d=dim: t.select(d, i), arg)
                      for arg, dim in zip(args, dims)]
            results.append(func(*sliced, **kwargs))
        first = results[0]
        outs = out_dims if isinstance(out_dims, tuple) else (out_dims,) * len(_leaves(first))
        columns = list(zip(*[_leaves(r) for r in results]))
        if len(columns) != len(_leaves(first)) or (not isinstance(first, Tensor) and not _leaves(first)):
            raise ValueError(f"vmap({_vmap_name(func)}, ...): `{_vmap_name(func)}` must only return Tensors, "
                             f"got type {type(first)}. Did you mean to set out_dims= to None for output?")
        stacked = iter(stack(list(col), dim=d) for col, d in zip(columns, outs))
        return _refill(first, stacked)
    return wrapper


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
