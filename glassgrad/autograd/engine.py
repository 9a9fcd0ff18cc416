"""The backward engine: the chain rule, applied once per node, in reverse topological order.

Part III. ``loss.backward()`` and ``autograd.grad`` both end up in ``run_backward``:

1. Walk the graph from the roots (iteratively, no recursion limit) and count, for every node, how many
   edges lead into it: a node is ready once every node that uses its output has passed its gradient on.
2. Start with ∂L/∂L = 1 at the root. Take a ready node, ask its Function's backward for the gradient
   of each input (vector-Jacobian products), and add each into the input's node: gradients arriving
   along different paths *sum* (the multivariable chain rule). At a leaf, ``AccumulateGrad`` adds the
   total into ``leaf.grad``.
3. Free what each node saved (unless ``retain_graph``), so a second backward through it raises.

Every gradient's shape is checked against its input's shape as it passes: that catches a broadcasting
bug in a backward formula at the node that made it.
"""

from __future__ import annotations

import os
import traceback
import warnings

import numpy as np

from glassgrad.anomaly import ANOMALY, ON_SWITCH
from glassgrad.meta import MetaArray, meta_array
from glassgrad.autograd.function import NODE_CREATED, AccumulateGrad, accumulator, call_backward, wrong_count
from glassgrad.autograd.grad_mode import GRAD_MODE
from glassgrad.dtypes import from_numpy_dtype
from glassgrad.tensor import Tensor

__all__ = ["backward", "grad", "run_backward"]


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph: bool = False,
             inputs=None) -> None:
    """Accumulate into ``.grad`` of every leaf the ``tensors`` depend on (``torch.autograd.backward``)."""
    if grad_tensors is None and inputs is None and not create_graph and type(tensors) is list \
            and len(tensors) == 1 and _is_scalar_root(tensors[0]):  # loss.backward(): ~1 µs less
        t = tensors[0]
        root = t.grad_fn  # (the property: a view changed in place since reads its new history first)
        if root is None:
            root = accumulator(t)
        run_backward([root], [_ones(t._array)], bool(retain_graph), False, None, accumulate=True)
        return
    tensors = _as_list(tensors)
    roots, grads = _roots(tensors, grad_tensors, create_graph)
    capture = None
    if inputs is not None:  # accumulate into these only
        capture = {_node_of(t): None for t in _as_list(inputs)}
    if retain_graph is None:
        retain_graph = create_graph
    run_backward(roots, grads, retain_graph, create_graph, capture, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph: bool = False,
         allow_unused: bool = False, materialize_grads: bool = False):
    """Return the gradients of ``outputs`` w.r.t. ``inputs`` without touching any ``.grad``."""
    outputs = _as_list(outputs)
    inputs = _as_list(inputs)
    for t in inputs:
        if not isinstance(t, Tensor):
            raise TypeError(f"grad: inputs must be Tensors, got {type(t).__name__}")
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    roots, grads = _roots(outputs, grad_outputs, create_graph)
    nodes = [_node_of(t) for t in inputs]
    capture = {n: None for n in nodes if n is not None}
    if retain_graph is None:
        retain_graph = create_graph
    run_backward(roots, grads, retain_graph, create_graph, capture, accumulate=False)
    result = []
    for t, n in zip(inputs, nodes):
        g = capture.get(n) if n is not None else None
        if g is None:
            if materialize_grads:
                result.append(Tensor._wrap(np.zeros_like(t._array)))
                continue
            if not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in "
                                   "the graph. Set allow_unused=True if this is the desired behavior.")
            result.append(None)
        else:
            result.append(g if isinstance(g, Tensor) else Tensor._wrap(g))
    return tuple(result)


def run_backward(roots, root_grads, retain_graph: bool, create_graph: bool, capture=None,
                 accumulate: bool = True) -> None:
    """The engine proper. ``capture`` maps nodes to fill in with their total incoming gradient."""
    dependencies = _dependencies(roots)
    grads: dict = {}
    ready = []  # the roots nothing else in the graph uses, each once
    for node, g in zip(roots, root_grads):
        if node in grads:
            grads[node] = grads[node] + g
        else:
            grads[node] = g
            if dependencies[node] == 0:
                ready.append(node)
    # Arrays that must not become some .grad as they are: ones already stored, and the caller's own
    # gradient arrays (a leaf's .grad must never alias a tensor the caller still holds).
    handed_out: set[int] = set(map(id, root_grads))
    # loss.backward() on primitives with no hooks needs none of _run_node's checks: each node then costs
    # its backward call and the bookkeeping below (the engine's share of a tiny step, ~1 µs a node).
    plain = capture is None and not create_graph and not ANOMALY["enabled"]

    leaf_node, ndarray = AccumulateGrad, np.ndarray
    previous_mode = GRAD_MODE.enabled
    GRAD_MODE.enabled = create_graph
    try:
        while ready:
            node = ready.pop()
            g = grads.pop(node, None)
            if type(node) is leaf_node:  # a leaf: add the total into leaf.grad
                if g is not None:
                    _reach_leaf(node, g, capture, accumulate, create_graph, handed_out)
                continue
            if g is None:  # nothing reached this node: only release its children
                input_grads = None
            else:
                if plain and not node._extras and node.function.on_arrays:
                    input_grads = node.function.backward(node, g)  # a primitive's backward on arrays
                    if type(input_grads) is not tuple:
                        input_grads = (input_grads,)
                    if len(input_grads) != len(node.needs_input_grad):
                        wrong_count(node, input_grads)
                else:
                    input_grads = _run_node(node, g, capture, create_graph, handed_out)
                if not retain_graph and node._saved:
                    node._freed = True
                    node._saved = ()
            positions = node._positions  # None: entry i of next_functions is forward's argument i
            i = 0
            for child, _ in node.next_functions:
                if child is not None:
                    if input_grads is not None:
                        ig = input_grads[i if positions is None else positions[i]]
                        if ig is not None:
                            if (type(ig) is not ndarray or ig.shape != child._shape
                                    or (ig.dtype is not child._dtype and ig.dtype != child._dtype)):
                                ig = _check(node, i, child, ig, create_graph)
                            if child in grads:
                                grads[child] = grads[child] + ig
                            else:
                                grads[child] = ig
                    count = dependencies[child] - 1
                    dependencies[child] = count
                    if count == 0:
                        ready.append(child)
                i += 1
    finally:
        GRAD_MODE.enabled = previous_mode


def _dependencies(roots) -> dict:
    """Walk the graph from the roots (iteratively: no recursion limit) and count, for every node, how
    many edges lead into it from the part of the graph we will run (0 for a root nothing else uses)."""
    dependencies = dict.fromkeys(roots, 0)
    stack = list(dependencies)
    while stack:
        for child, _ in stack.pop().next_functions:
            if child is not None:
                count = dependencies.get(child)
                if count is None:  # first visit: walk on from it
                    dependencies[child] = 1
                    stack.append(child)
                else:
                    dependencies[child] = count + 1
    return dependencies


def _reach_leaf(node, g, capture, accumulate: bool, create_graph: bool, handed_out: set) -> None:
    """The total gradient reached a leaf: its hooks, then ``leaf.grad += g`` (or the capture)."""
    if node.variable._hooks:
        g = _run_hooks(node.variable._hooks, g)
    if node._prehooks:
        g = _run_prehooks(node, g)
    if capture is not None and node in capture:
        capture[node] = g
    if accumulate and (capture is None or node in capture):
        _accumulate(node.variable, g, create_graph, handed_out)
    if node._posthooks:
        _run_posthooks(node, (), g)


def _run_node(node, g, capture, create_graph: bool, handed_out: set) -> tuple:
    """One node's backward with everything that may come with it: tensor hooks, retain_grad() and
    prehooks (``_node_extras``), autograd.grad's capture, create_graph or a user Function, posthooks."""
    if node._extras:
        g = _node_extras(node, g, handed_out)
    if capture is not None and node in capture:
        capture[node] = g
    input_grads = call_backward(node, g, create_graph)
    if node._posthooks:
        input_grads = _run_posthooks(node, input_grads, g)
    if ANOMALY["enabled"] and ANOMALY["check_nan"]:
        _check_nan(node, input_grads)
    return input_grads


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _remember_forward_stack(node, result) -> None:
    """While anomaly detection is on: keep where in the program this node was made (for _check_nan),
    the program's own frames (glassgrad's are left out)."""
    frames = [f for f in traceback.extract_stack() if not os.path.abspath(f.filename).startswith(_PACKAGE)]
    node._forward_stack = traceback.format_list(frames)


def _follow_anomaly_switch(state: dict) -> None:
    if state["enabled"]:
        NODE_CREATED["anomaly"] = _remember_forward_stack
    else:
        NODE_CREATED.pop("anomaly", None)


ON_SWITCH.append(_follow_anomaly_switch)


def _check_nan(node, input_grads: tuple) -> None:
    """Anomaly mode (``detect_anomaly``): a backward that returns nan is an error naming the node, as
    PyTorch's, after a warning that shows where in the forward pass the node was made."""
    for i, g in enumerate(input_grads):
        if g is None:
            continue
        array = g._array if isinstance(g, Tensor) else g
        if isinstance(array, np.ndarray) and array.dtype.kind in "fc" and np.isnan(array).any():
            warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n"
                          + "".join(getattr(node, "_forward_stack", None) or ["  (made before detect_anomaly was on)\n"]),
                          UserWarning, stacklevel=2)
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


def _check(node, i: int, child, g, create_graph: bool):
    """Gradients are arrays (Tensors under create_graph) with exactly the input's shape and dtype."""
    if create_graph:
        if not isinstance(g, Tensor):
            g = Tensor._wrap(np.asarray(g))
        shape, dtype = g._array.shape, g._array.dtype
    else:
        if isinstance(g, Tensor):
            g = g._array
        elif not isinstance(g, np.ndarray):  # (a MetaArray stays one)
            g = np.asarray(g)
        shape, dtype = g.shape, g.dtype
    if shape != child._shape:
        raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index {i} - got "
                           f"{list(shape)} but expected shape compatible with {list(child._shape)}")
    if dtype != child._dtype:
        g = g.to(from_numpy_dtype(child._dtype)) if create_graph else g.astype(child._dtype)
    return g


def _run_hooks(hooks: dict, g):
    """Call each tensor hook with the gradient (as a Tensor); a non-None result replaces it."""
    for hook in list(hooks.values()):
        new = hook(g if isinstance(g, Tensor) else Tensor._wrap(g))
        if new is not None:
            g = new if isinstance(g, Tensor) else new._array
    return g


def _node_extras(node, g, handed_out: set):
    """What a few nodes ask for, in PyTorch's order: hooks on the output tensor, retain_grad(), prehooks."""
    if node._tensor_hooks:
        g = _run_hooks(node._tensor_hooks, g)
    if node._retained is not None:
        t = node._retained()
        if t is not None:
            t._grad = g if isinstance(g, Tensor) else Tensor._wrap(_unshared(g, handed_out))
    if node._prehooks:
        g = _run_prehooks(node, g)
    return g


def _tensor(g):
    return g if g is None or isinstance(g, Tensor) else Tensor._wrap(g)


def _like(new, old):
    """A hook's Tensor result in the engine's own form: an array, unless the engine holds Tensors."""
    if new is None or isinstance(old, Tensor) or not isinstance(new, Tensor):
        return new
    return new._array


def _run_prehooks(node, g):
    """``hook(grad_outputs)`` for each node prehook; a non-None result replaces the grad_outputs."""
    for hook in list(node._prehooks.values()):
        new = hook((_tensor(g),))
        if new is not None:
            g = _like(new[0], g)
    return g


def _run_posthooks(node, input_grads: tuple, g) -> tuple:
    """``hook(grad_inputs, grad_outputs)`` for each node hook; grad_inputs follow ``next_functions``."""
    positions = node.input_positions() if input_grads else ()
    for hook in list(node._posthooks.values()):
        new = hook(tuple(_tensor(input_grads[p]) for p in positions), (_tensor(g),))
        if new is not None:
            if len(new) != len(positions):
                raise RuntimeError(f"hook of {node.name()} returned {len(new)} gradients, expected "
                                   f"{len(positions)}")
            replaced = list(input_grads)
            for p, ng in zip(positions, new):
                replaced[p] = _like(ng, input_grads[p])
            input_grads = tuple(replaced)
    return input_grads


def _accumulate(leaf: Tensor, g, create_graph: bool, handed_out: set) -> None:
    """``leaf.grad += g`` — the leaf keeps the sum over backward calls until it is zeroed."""
    if leaf._grad is None:
        leaf._grad = g if isinstance(g, Tensor) else Tensor._wrap(_unshared(g, handed_out))
    elif create_graph or isinstance(g, Tensor):
        leaf._grad = leaf._grad + g
    else:  # new array, same .grad object: nothing else that shares the old array changes
        leaf._grad._array = leaf._grad._array + g


def _unshared(g: np.ndarray, handed_out: set) -> np.ndarray:
    """A backward may pass one array to two inputs (``a + b``); each .grad must own its numbers."""
    if id(g) in handed_out or not g.flags.writeable:
        g = g.copy()
    handed_out.add(id(g))
    return g


def _as_list(x) -> list:
    if x is None:
        return []
    if isinstance(x, Tensor):
        return [x]
    return list(x)


def _node_of(t: Tensor):
    if t.grad_fn is not None:
        return t.grad_fn
    if t._requires_grad:
        return accumulator(t)
    return None


def _is_scalar_root(t) -> bool:
    """``loss.backward()``'s case: one tensor of one number that requires grad (no checks to report)."""
    return isinstance(t, Tensor) and t._requires_grad and t._array.size == 1


def _ones(array: np.ndarray) -> np.ndarray:
    """∂L/∂L = 1 in the root's shape and dtype (np.array is a C call; np.ones, Python-level, costs ~1 µs
    more). A meta root (glassgrad/meta.py) starts a backward without numbers."""
    if type(array) is MetaArray:
        return meta_array(array.shape, array.dtype)
    return np.array(1, array.dtype) if array.ndim == 0 else np.ones(array.shape, array.dtype)


def _roots(tensors: list, grad_tensors, create_graph: bool):
    """The starting nodes and ∂L/∂root for each (ones for a scalar root when none is given)."""
    grad_tensors = _as_list(grad_tensors) if grad_tensors is not None else [None] * len(tensors)
    if len(grad_tensors) != len(tensors):
        raise RuntimeError(f"got {len(grad_tensors)} gradients for {len(tensors)} tensors")
    roots, grads = [], []
    for i, (t, g) in enumerate(zip(tensors, grad_tensors)):
        if not isinstance(t, Tensor):
            raise TypeError(f"backward: expected a Tensor, got {type(t).__name__}")
        if not t._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a "
                               "grad_fn")
        if g is None:
            if t._array.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs\n(help: this "
                                   f"output has shape {tuple(t._array.shape)}: reduce it to one number "
                                   "first, e.g. out.sum().backward() or a loss, or pass gradient= a "
                                   "tensor of that shape)")
            g = _ones(t._array)
        elif isinstance(g, Tensor):
            if g.shape != t.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"{g.shape} and output[{i}] has a shape of {t.shape}.")
            g = g if create_graph else g._array.astype(t._array.dtype, copy=False)
        else:
            g = np.array(g, dtype=t._array.dtype)
            if g.shape != t._array.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"{list(g.shape)} and output[{i}] has a shape of {list(t.shape)}.")
        if create_graph and not isinstance(g, Tensor):
            g = Tensor._wrap(g)
        roots.append(_node_of(t))
        grads.append(g)
    return roots, grads
