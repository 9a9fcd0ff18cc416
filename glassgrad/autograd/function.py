"""``Function``: one differentiable operation, its forward and its backward side by side.

Part III. This is PyTorch's ``torch.autograd.Function``: subclass it, write two static methods,

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):             # Tensors in, a Tensor out
            y = x.exp()
            ctx.save_for_backward(y)     # what backward will need
            return y

        @staticmethod
        def backward(ctx, grad_output):  # dL/dy in, dL/dx out (one gradient per forward input)
            y, = ctx.saved_tensors
            return grad_output * y

and call ``Exp.apply(x)``. When an input requires grad, ``apply`` records a *backward node*: the object
you see as ``y.grad_fn``. It is also the ``ctx`` that forward wrote into, so it holds what forward
saved, and its ``next_functions`` point at the nodes of the inputs (``AccumulateGrad`` for a leaf).
The engine (engine.py) walks these nodes to apply the chain rule.

glassgrad's own primitives (glassgrad/ops/) are ``Primitive``s: Functions with one difference for speed,
their forward and backward receive and return numpy arrays rather than Tensors.
Their backward formulas are plain numpy; a Tensor understands numpy calls (``Tensor.__array_ufunc__``),
so with ``create_graph=True`` the engine hands them Tensors instead and the backward pass is recorded
too: that is how second derivatives work.

bfloat16 (dtypes.py) is a storage format, and ``apply`` is where that is kept: a primitive with a
bfloat16 input runs as its ``_in_float32`` twin, which hands forward and backward float32 copies,
rounds forward's float result to bfloat16 once (unless a wider float input or an asked-for dtype
decides otherwise, as PyTorch's promotion does), and keeps bfloat16 in what backward saved.
"""

from __future__ import annotations

import functools
import weakref

import numpy as np

from glassgrad.autograd import saved_tensors as saved
from glassgrad import dtypes
from glassgrad.dtypes import BFLOAT16_SEEN, dtype as glassgrad_dtype
from glassgrad.autograd.grad_mode import GRAD_MODE, no_grad, set_grad_enabled
from glassgrad.meta import SEEN as META_SEEN, MetaArray, as_meta, meta_array
from glassgrad.tensor import RemovableHandle, Tensor

__all__ = ["Function", "Primitive", "Node", "BackwardNode", "AccumulateGrad", "FunctionCtx",
           "call_backward", "on_node_created", "set_op_profiler", "set_forward_ad", "set_autocast", "autocast_hook",
           "profiling",
           "once_differentiable"]

_OUTPUT = object()  # marks "this saved array is the node's own output"
_OUTPUT_ONLY = (_OUTPUT,)

# Observers of new backward nodes: ``fn(node, output_tensor)`` runs for every node ``apply`` records.
# Empty by default (then it costs one truth test per op); ``glassgrad.explain.record()`` uses it to keep
# each node's value in ``node.metadata``, and the node's hooks to keep the gradient that reached it.
NODE_CREATED: dict = {}


# The profiler's hook (glassgrad.autograd.profiler): None, or while a profile is open a callable
# ``fn(cls, args)`` that times the op and returns its result. ``apply`` tests it first and hands the call
# over; ``fn`` clears it while the op runs (so the op is not timed twice) and restores it after.
_op_profiler = None


# forward_ad.py's hook: None, or ``fn(cls, ctx, args, out)`` giving a custom Function's output its
# tangent (a new dual tensor) inside a dual level when the Function has a ``jvp``; None from it: run as usual.
_forward_ad = None


# amp.py's hook: None, or inside an autocast region ``fn(cls, args) -> args``, which casts the tensor
# arguments of the ops on PyTorch's autocast lists (it is consulted behind the bfloat16 flag, which
# ``set_autocast`` raises, so outside autocast it costs nothing more).
_autocast = None


def set_autocast(fn) -> None:
    """Install (or with None, remove) autocast's argument-casting hook (amp.autocast)."""
    global _autocast
    _autocast = fn
    if fn is not None:
        BFLOAT16_SEEN[0] = True


def autocast_hook():
    """The autocast hook now in force (None outside an autocast region)."""
    return _autocast


def set_forward_ad(fn) -> None:
    """Install the callable that runs custom Functions' ``jvp`` (forward_ad.py sets it on import)."""
    global _forward_ad
    _forward_ad = fn


def set_op_profiler(fn) -> None:
    """Install (or with None, remove) the callable every ``Function.apply`` hands its call to."""
    global _op_profiler
    _op_profiler = fn


def profiling() -> bool:
    """True while a profile is open: an op that takes a shortcut around ``apply`` must not, to be timed."""
    return _op_profiler is not None


def on_node_created(fn) -> RemovableHandle:
    """Call ``fn(node, output)`` each time an operation records a backward node; returns a handle.

    The one observer the engine offers beyond PyTorch's hooks: it lets a tool (``explain.record``)
    see the graph being built without the engine knowing the tool exists.
    """
    return RemovableHandle(NODE_CREATED, fn)


class Node:
    """What every node of the backward graph offers, as ``torch.autograd.graph.Node``.

    ``name()``, ``next_functions``, ``metadata`` (a dict for your own notes), and two hooks:
    ``register_prehook(fn)`` — ``fn(grad_outputs)`` runs before the node's backward and may return new
    grad_outputs; ``register_hook(fn)`` — ``fn(grad_inputs, grad_outputs)`` runs after it and may return
    new grad_inputs. Both take and give tuples of Tensors and return a handle with ``remove()``.
    """

    next_functions: tuple = ()
    _tensor_hooks = None  # Tensor.register_hook on this node's output: {id: fn}
    _retained = None      # weakref to the output tensor that called retain_grad()
    _prehooks = None
    _posthooks = None
    _extras = False       # True once any of the above is set: the engine checks only this

    def name(self) -> str:
        return type(self).__name__

    @property
    def metadata(self) -> dict:
        meta = self.__dict__.get("_metadata")
        if meta is None:
            meta = self._metadata = {}
        return meta

    def register_prehook(self, fn) -> RemovableHandle:
        """``fn(grad_outputs) -> None or new grad_outputs``, run before this node's backward."""
        if self._prehooks is None:
            self._prehooks = {}
        self._extras = True
        return RemovableHandle(self._prehooks, fn)

    def register_hook(self, fn) -> RemovableHandle:
        """``fn(grad_inputs, grad_outputs) -> None or new grad_inputs``, run after this node's backward."""
        if self._posthooks is None:
            self._posthooks = {}
        self._extras = True
        return RemovableHandle(self._posthooks, fn)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {hex(id(self))}>"


class BackwardNode(Node):
    """A recorded operation: ``grad_fn`` of its output tensor, and the ``ctx`` of its Function.

    ``next_functions``: for each tensor input, ``(node, 0)`` where node is the input's ``grad_fn``, its
    ``AccumulateGrad`` (a leaf that requires grad) or ``None`` (no gradient needed), as in PyTorch.
    """

    function: type  # the Function subclass this node belongs to (set per subclass)

    # Class-level defaults, so that a fresh node costs one empty instance dict.
    _saved = ()
    _sources = ()
    _versions = ()
    _freed = False
    _diff_mode = False
    _positions = None   # argument index of each next_functions entry, when they are not 0, 1, 2, ...
    _packed = False     # True once a saved_tensors_hooks pack hook replaced some saved values
    materialize_grads = True

    def save_for_backward(self, *values) -> None:
        """Keep these for backward (Tensors for a user Function; arrays for a built-in primitive)."""
        self._saved = values

    @property
    def saved_tensors(self) -> tuple:
        """What forward saved, after checking nothing was freed or modified in place since."""
        self._check_saved()
        if self._diff_mode:
            return tuple(self._as_tensor(i) for i in range(len(self._saved)))
        if self._packed:  # through the unpack hooks (saved_tensors.py), every time they are read
            return saved.unpack_all(self)
        return self._saved

    def _check_saved(self) -> None:
        """PyTorch's errors for saved values that were freed, or changed in place since they were saved."""
        if self._freed:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved tensors "
                "after they have already been freed). Saved intermediate values of the graph are freed "
                "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
                "backward through the graph a second time or if you need to access saved tensors after "
                "calling backward.")
        for counter, version, i in self._versions:  # only the saved values that have a version counter
            if counter[0] != version:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an "
                    f"inplace operation: [{_describe(self._saved[i])}], which is saved by {self.name()}, "
                    f"is at version {counter[0]}; expected version {version} instead. Hint: compute it "
                    "out of place (x = x + 1 instead of x += 1), or clone() it before changing it.")

    saved_variables = saved_tensors

    def _as_tensor(self, i: int) -> Tensor:
        """Saved value ``i`` as a Tensor connected to the graph (for create_graph=True)."""
        source, value = self._sources[i], self._saved[i]
        if type(value) is saved.Packed:  # unpack's numbers, on the saved tensor's place in the graph
            unpacked = saved.unpack(value, as_array=False)
            if unpacked is source or not (source is _OUTPUT or isinstance(source, Tensor)
                                          and source._requires_grad):
                return unpacked
            node = self if source is _OUTPUT else source._grad_fn or accumulator(source)
            return Tensor._wrap(unpacked._array, True, node)
        if isinstance(source, Tensor):
            return source
        if source is _OUTPUT:  # a new tensor object that is this node's output, graph and all
            return Tensor._wrap(value._array if isinstance(value, Tensor) else value, True, self)
        if isinstance(value, np.ndarray):  # an intermediate array: a constant for the new graph
            return Tensor._wrap(value)
        return value  # a Tensor, or a Python number

    def __getattr__(self, name: str):
        """``_saved_self``, ``_saved_result``, ``_raw_saved_other`` ...: a saved value by PyTorch's name
        (saved_tensors.py). Only names no attribute has reach here, so other lookups cost nothing."""
        if name.startswith(("_saved_", "_raw_saved_")):
            return saved.saved_attribute(self, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def save_for_forward(self, *tensors) -> None:
        """Keep tensors for a custom Function's ``jvp`` (forward_ad.py), read back as ``saved_tensors``."""
        self._forward_saved = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        """Accepted for PyTorch compatibility; glassgrad Functions have one output."""

    def mark_dirty(self, *tensors) -> None:
        """Accepted for PyTorch compatibility (in-place Functions)."""

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = bool(value)

    def __call__(self, *grads):
        """``y.grad_fn(g)`` runs this node's backward once: one gradient per ``next_functions`` entry."""
        grads = call_backward(self, grads[0] if len(grads) == 1 else grads, create_graph=False)
        out = [grads[i] for i in self.input_positions()]
        return tuple(g if g is None or isinstance(g, Tensor) else Tensor._wrap(np.asarray(g))
                     for g in out) if len(out) != 1 else _as_tensor_or_none(out[0])

    def input_positions(self) -> tuple:
        """For each ``next_functions`` entry, the index of its argument in forward's call."""
        return self._positions or tuple(range(len(self.next_functions)))


def _as_tensor_or_none(g):
    return g if g is None or isinstance(g, Tensor) else Tensor._wrap(np.asarray(g))


FunctionCtx = BackwardNode  # PyTorch's name for the ctx type


class AccumulateGrad(Node):
    """The node at a leaf that requires grad: backward adds the arriving gradient into ``leaf.grad``."""

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable
        self._shape = variable._array.shape
        self._dtype = variable._array.dtype


def accumulator(t: Tensor) -> AccumulateGrad:
    """The leaf's AccumulateGrad node, shared by every op that uses the leaf while a graph holds it."""
    node = t._accumulator() if t._accumulator is not None else None
    if node is None:
        node = AccumulateGrad(t)
        t._accumulator = weakref.ref(node)
    return node


class _NoContext:
    """The ``ctx`` a primitive's forward gets when nothing is recorded: it keeps nothing.

    Also what code outside the engine passes to reuse a primitive's forward as a plain numpy helper.
    """

    needs_input_grad = ()

    def save_for_backward(self, *values) -> None:
        pass

    def __setattr__(self, name, value) -> None:
        pass


NO_CONTEXT = _NoContext()


class Function:
    """Base class of differentiable operations, as ``torch.autograd.Function``.

    Subclasses define ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)`` as static methods and
    are called through ``apply``. ``backward`` returns one gradient per forward argument (``None`` for
    arguments that are not tensors or need no gradient).
    """

    on_arrays = False  # True for glassgrad's primitives: forward/backward see numpy arrays
    is_view = False    # True when the output shares memory with the first input (reshape, slicing)
    differentiable_backward = False  # primitives whose backward is numpy that also runs on Tensors
    # The class name of this Function's grad_fn. PyTorch's names (``AddmmBackward0``, ``SumBackward1``)
    # tell the overload apart; None means the default: the class name + "Backward" (+ "0" for primitives).
    node_name: str | None = None

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("node_name") or cls.__name__ + ("Backward0" if cls.on_arrays else "Backward")
        cls.node_name = name
        cls._node_class = type(name, (BackwardNode,), {"function": cls, "__module__": cls.__module__})

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement the backward function for custom autograd.Function.")

    @staticmethod
    def jvp(ctx, *grad_inputs):
        """The output's tangent from the inputs' tangents, for forward-mode AD (forward_ad.py)."""
        raise NotImplementedError("You must implement the jvp function for custom autograd.Function to use "
                                  "it with forward mode AD.")

    @classmethod
    def apply(cls, *args):
        """Run forward; if grad is enabled and an input requires grad, record a backward node."""
        if _op_profiler is not None:
            return _op_profiler(cls, args)
        if not cls.on_arrays:
            return _apply_function(cls, args)
        if BFLOAT16_SEEN[0] and not cls.is_view:  # one flag test, until bfloat16 or autocast is used
            if _autocast is not None:
                args = _autocast(cls, args)
            cls = _in_float32(cls, args)
        if GRAD_MODE.enabled:  # record only when an input requires grad (the first one found decides)
            for a in args:
                if isinstance(a, Tensor):
                    if a._base is not None and a._is_stale_view():
                        a._refresh_view()  # a view whose base was changed in place reads its new history
                    if a._requires_grad:
                        return _record(cls, args)
        return _forward_only(cls, args)

    numbers_are_inputs = False  # see Primitive
    # True for a primitive whose first argument is its one tensor input and whose other arguments are
    # options (dim, keepdim, a shape, a key), never tensors: apply then records the node without looking
    # at each option (sum(x, dim), x.reshape(...), x[key]: ~0.8 µs less an op)
    one_tensor_input = False


class Primitive(Function):
    """One of glassgrad's built-in operations: forward and backward work on numpy arrays.

    That skips wrapping every intermediate in a Tensor (most of an op's cost at small sizes). The
    backward formulas are numpy that also runs on Tensors (``Tensor.__array_ufunc__``), so with
    ``create_graph=True`` the engine hands them Tensors and the backward is itself recorded: set
    ``differentiable_backward = False`` on a primitive whose backward can't do that.

    As in PyTorch, ``grad_fn.next_functions`` lists the floating-point tensor inputs (an index or a
    mask is no input of the derivative); ``numbers_are_inputs = True`` lists every tensor and Python
    number argument, as PyTorch does for ``x * 2`` (it wraps the 2 in a tensor) and ``x + int_tensor``.
    """

    on_arrays = True
    differentiable_backward = True


_NOTHING: list = []
_NO_EDGE = (None, 0)
# needs_input_grad of a node whose only tensor input is its first argument, by number of arguments
_FIRST_NEEDED = tuple((True,) + (False,) * (n - 1) for n in range(8))


def _share_storage(view: Tensor, base: Tensor) -> None:
    """A view shares its base's memory, so it shares the version counter that guards that memory; made
    while grad is on, it also notes which history of the base it reads (Tensor.grad_fn refreshes it when
    the base is changed in place later)."""
    view._vc = base._vc
    view._base = base._base if base._base is not None else base
    if GRAD_MODE.enabled:
        view._seen_base = view._base._grad_fn


def _forward_only(cls, args: tuple) -> Tensor:
    """A primitive's forward with nothing to record (no_grad, or no input requires grad)."""
    if META_SEEN[0] and _on_meta(args):
        return Tensor._wrap(_meta_forward(cls, NO_CONTEXT, [a._array if isinstance(a, Tensor) else a
                                                            for a in args]))
    if len(args) == 2:  # a + b, x[key]: unpacked by hand, ~0.1 µs less than the comprehension below
        a, b = args
        out = cls.forward(NO_CONTEXT, a._array if isinstance(a, Tensor) else a,
                          b._array if isinstance(b, Tensor) else b)
    else:
        out = cls.forward(NO_CONTEXT, *[a._array if isinstance(a, Tensor) else a for a in args])
    result = Tensor._wrap(out if type(out) is np.ndarray else np.asarray(out))
    if cls.is_view:
        _share_storage(result, args[0])
    return result


def _on_meta(args) -> bool:
    return any(type(a._array) is MetaArray for a in args if isinstance(a, Tensor))


def _meta_forward(cls, ctx, arrays):
    """Forward with a meta input (meta.py): the same forward, run on arrays without numbers, and its
    answer turned into one. An op whose forward allocates its answer itself (np.empty) would allocate
    it here too, so meta tensors are for the shapes a program really uses, apart from the ops that keep
    to numpy's overridable calls, or that say their output's shape themselves (``meta_output``)."""
    if not any(type(a) is MetaArray for a in arrays):
        return cls.forward(ctx, *arrays)
    _refuse_cpu_numbers_beside_meta(arrays)
    rule = getattr(cls, "meta_output", None)  # an op may say its output's (shape, dtype) directly
    if rule is None:
        return as_meta(cls.forward(ctx, *arrays))
    shape, dtype = rule(*arrays)
    if ctx is not NO_CONTEXT:  # nothing was saved: its backward gives each input a meta gradient
        ctx.function = _MetaGradients
        ctx.input_shapes = [(a.shape, a.dtype) if isinstance(a, np.ndarray) else None for a in arrays]
    return meta_array(shape, dtype)


def _refuse_cpu_numbers_beside_meta(arrays) -> None:
    """A floating-point CPU tensor with dimensions in the same op as a meta tensor is PyTorch's error, naming
    the first tensor's device as the expected one. (0-d CPU tensors are allowed, as PyTorch allows CPU
    scalars; integer and bool ones are indices and masks, which PyTorch takes from the CPU too.)"""
    devices = []
    for a in arrays:
        if type(a) is MetaArray:
            devices.append("meta")
        elif type(a) is np.ndarray and a.ndim and (a.dtype.kind == "f" or a.dtype == dtypes.BFLOAT16):
            devices.append("cpu")
    if "cpu" in devices:
        expected = devices[0]
        other = "cpu" if expected == "meta" else "meta"
        raise RuntimeError(f"Tensor on device {other} is not on the expected device {expected}!")


class _MetaGradients:
    """The backward of a node made by a ``meta_output`` rule: a gradient of each input's shape, no numbers."""

    on_arrays = True
    differentiable_backward = False

    @staticmethod
    def backward(ctx, g):
        return tuple(None if s is None else meta_array(*s) for s in ctx.input_shapes)


def _record(cls, args: tuple) -> Tensor:
    """A primitive's forward that records its backward node (grad is on and an input requires grad)."""
    if len(args) == 1 or cls.one_tensor_input:  # (exp, sigmoid; sum(x, dim), x[key] ...): no lists to build
        a = args[0]
        fn = a._grad_fn
        needs = _FIRST_NEEDED[len(args)] if len(args) < len(_FIRST_NEEDED) else \
            (True,) + (False,) * (len(args) - 1)
        arrays = (a._array, *args[1:])
        edges = ((fn if fn is not None else accumulator(a), 0),)  # options are no inputs: one entry
    elif len(args) == 2 and (type(args[1]) is float or type(args[1]) is int):  # x * 1.5, x - 0.5: no lists
        a, number = args  # (the tensor is the one that requires grad: apply found one)
        fn = a._grad_fn
        needs, arrays = _FIRST_NEEDED[2], (a._array, number)
        edges = ((fn if fn is not None else accumulator(a), 0), _NO_EDGE if cls.numbers_are_inputs else None)
    else:
        # One pass over the inputs (separate comprehensions cost ~0.4 µs more an op): their arrays,
        # which need a gradient, and each one's next_functions entry: the edge to its node; (None, 0)
        # for a tensor that needs no gradient, or a number where PyTorch wraps it in a tensor (x * 2);
        # None for an argument that is no input of the derivative (an index or a mask, an option such
        # as dim).
        numbers = cls.numbers_are_inputs
        needs, arrays, edges = [], [], []
        for a in args:
            if isinstance(a, Tensor):
                if a._base is not None and a._is_stale_view():
                    a._refresh_view()
                arrays.append(a._array)
                if a._requires_grad:
                    needs.append(True)
                    fn = a._grad_fn
                    edges.append((fn if fn is not None else accumulator(a), 0))
                else:
                    needs.append(False)
                    edges.append(_NO_EDGE if numbers or a._array.dtype.kind == "f" else None)
            else:
                needs.append(False)
                arrays.append(a)
                edges.append(_NO_EDGE if numbers and isinstance(a, (int, float)) else None)
        needs = tuple(needs)
    node = cls._node_class()
    node.needs_input_grad = needs
    out = cls.forward(node, *arrays) if not META_SEEN[0] else _meta_forward(cls, node, arrays)
    if type(out) is not np.ndarray and type(out) is not MetaArray:  # a numpy scalar: make it a 0-d array
        scalar, out = out, np.asarray(out)
        if node._saved:  # and keep "forward saved its output" true for the new object
            node._saved = tuple(out if s is scalar else s for s in node._saved)
    result = Tensor._wrap(out, True, node)
    if cls.is_view:
        _share_storage(result, args[0])
    if None in edges:
        _drop_missing_edges(node, edges)
    else:  # entry i is argument i (the common case)
        node.next_functions = tuple(edges)
    node._shape = out.shape
    node._dtype = out.dtype
    if node._saved:
        _record_saved(node, args, result)
        if saved.HOOKS:
            saved.pack_saved(node)
    if NODE_CREATED:
        for fn in list(NODE_CREATED.values()):
            fn(node, result)
    return result


def _apply_function(cls, args: tuple) -> Tensor:
    """``apply`` for a user-defined Function: forward sees Tensors (and runs under no_grad); every tensor
    argument is a next_functions entry, as in PyTorch."""
    if GRAD_MODE.enabled:
        for a in args:  # a stale view reads its base's new history first, as in apply
            if isinstance(a, Tensor) and a._base is not None and a._is_stale_view():
                a._refresh_view()
    needs = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
    node = cls._node_class()
    node.needs_input_grad = needs
    with no_grad():
        out = cls.forward(node, *args)
    if not isinstance(out, Tensor):
        raise TypeError(f"{cls.__name__}.forward must return a Tensor (glassgrad Functions have "
                        f"one output), got {type(out).__name__}")
    if _forward_ad is not None and cls.jvp is not Function.jvp:
        dual = _forward_ad(cls, node, args, out)
        if dual is not None:
            return dual
    if not GRAD_MODE.enabled or True not in needs:
        return out
    result = Tensor._wrap(out._array, True, node)
    if cls.is_view:
        _share_storage(result, args[0])
    edges = [((a._grad_fn if a._grad_fn is not None else accumulator(a)), 0) if need else
             _NO_EDGE if isinstance(a, Tensor) or cls.numbers_are_inputs and isinstance(a, (int, float))
             else None for a, need in zip(args, needs)]
    if None in edges:
        _drop_missing_edges(node, edges)
    else:
        node.next_functions = tuple(edges)
    node._shape = result._array.shape
    node._dtype = result._array.dtype
    if node._saved:
        _record_saved(node, args, result)
        if saved.HOOKS:
            saved.pack_saved(node)
    if NODE_CREATED:
        for fn in list(NODE_CREATED.values()):
            fn(node, result)
    return result


def _drop_missing_edges(node: BackwardNode, edges: list) -> None:
    """next_functions without the arguments that have no entry (None), and ``_positions`` when the
    entries and the arguments no longer line up: options after the tensors (``sum(x, dim)``) keep them
    in line, a mask before them (``where(condition, x, y)``) does not."""
    kept = [e for e in edges if e is not None]
    node.next_functions = tuple(kept)
    if None in edges[:len(kept)]:
        node._positions = tuple(i for i, e in enumerate(edges) if e is not None)


def _record_saved(node: BackwardNode, args: tuple, result: Tensor) -> None:
    """Remember which tensor each saved value came from, and for those that have one, its version counter
    and version now: backward checks the versions (in-place changes since would give wrong gradients),
    create_graph uses the tensors. Numbers and None (a gradient that isn't needed) are skipped at once,
    and ``_versions`` lists only the values that can change, so ``saved_tensors`` has nothing else to test."""
    out = result._array
    saved = node._saved
    if len(saved) == 1 and saved[0] is out:  # only its own output (exp, tanh, sigmoid, relu): no loop
        node._sources = _OUTPUT_ONLY
        node._versions = ((result._vc, 0, 0),)  # a new tensor is at version 0
        return
    sources, versions = [], []
    for i, s in enumerate(saved):
        source = counter = None
        if s is out:
            source, counter = _OUTPUT, result._vc
        elif isinstance(s, np.ndarray):
            for a in args:
                if isinstance(a, Tensor) and a._array is s:
                    source, counter = a, a._vc
                    break
        elif isinstance(s, Tensor):
            source, counter = (_OUTPUT if s._array is out else s), s._vc
        sources.append(source)
        if counter is not None:
            versions.append((counter, counter[0], i))
    node._sources = sources
    node._versions = versions


def call_backward(node: BackwardNode, g, create_graph: bool) -> tuple:
    """One node's backward: ∂L/∂output in, a tuple of ∂L/∂input (one per forward argument) out."""
    fn = node.function
    if fn.on_arrays and not create_graph:
        grads = fn.backward(node, g._array if isinstance(g, Tensor) else g)
    elif fn.on_arrays:
        if not fn.differentiable_backward:
            raise NotImplementedError(
                f"create_graph=True: the backward of {node.name()} is not itself differentiable in "
                "glassgrad yet, so second derivatives through it are not available")
        node._diff_mode = True
        try:
            with set_grad_enabled(True):
                grads = fn.backward(node, g if isinstance(g, Tensor) else Tensor._wrap(g))
        finally:
            node._diff_mode = False
    else:  # a user-defined Function: Tensors in and out
        with set_grad_enabled(create_graph):
            grads = fn.backward(node, g if isinstance(g, Tensor) else Tensor._wrap(g))
    if not isinstance(grads, tuple):
        grads = (grads,)
    expected = len(node.needs_input_grad)
    if len(grads) > expected and all(g is None for g in grads[expected:]):
        grads = grads[:expected]  # PyTorch ignores extra trailing Nones (forward's defaulted arguments)
    if len(grads) != expected:
        wrong_count(node, grads)
    return grads


def once_differentiable(backward):
    """``@once_differentiable`` on a custom Function's backward: its steps are not themselves recorded
    (it runs under no_grad), as ``torch.autograd.function.once_differentiable``."""
    @functools.wraps(backward)
    def wrapper(ctx, *grad_outputs):
        with no_grad():
            return backward(ctx, *grad_outputs)
    return wrapper


# --- bfloat16: stored in 16 bits, computed in float32 ---------------------------------------------------
_FLOAT32_TWINS: dict = {}


def _in_float32(cls, args: tuple):
    """``cls`` itself, or when an argument is a bfloat16 tensor, the twin of ``cls`` that computes in
    float32 and rounds its float result to bfloat16 or, when PyTorch's promotion says so, keeps it
    (two twins per primitive, made once, with the same grad_fn name)."""
    for a in args:
        if isinstance(a, Tensor) and a._array.dtype == dtypes.BFLOAT16:
            break
    else:
        return cls
    rounds = _result_is_bfloat16(args)
    twin = _FLOAT32_TWINS.get((cls, rounds))
    if twin is None:
        twin = _FLOAT32_TWINS[cls, rounds] = type(cls.__name__, (cls,), {
            "node_name": cls.node_name, "__module__": cls.__module__, "__doc__": cls.__doc__,
            "forward": staticmethod(functools.partial(_forward_in_float32, cls, rounds)),
            "backward": staticmethod(functools.partial(_backward_in_float32, cls))})
    return twin


def _widen(x):
    return x.astype(np.float32) if type(x) is np.ndarray and x.dtype == dtypes.BFLOAT16 else x


def _forward_in_float32(cls, rounds: bool, ctx, *args):
    """``cls.forward`` on float32 copies of the bfloat16 arrays; its float result rounded to bfloat16
    once (round to nearest even), and what it saved for backward kept as the bfloat16 originals."""
    wide = [_widen(a) for a in args]
    result = cls.forward(ctx, *wide)
    for a, w in zip(args, wide):
        if result is w:  # forward handed an input on (CopySlices): the tensor's own array, then
            return a
        if w is not a and w.ndim == 1 and a.flags.writeable:  # a buffer forward updates in place
            rounded = w.astype(dtypes.BFLOAT16)                      # (batch norm's running statistics)
            if not np.array_equal(rounded.view(np.uint16), a.view(np.uint16)):
                a[...] = rounded
    out = np.asarray(result)
    if rounds and out.dtype.kind == "f":
        out = out.astype(dtypes.BFLOAT16)
    if ctx is not NO_CONTEXT and ctx._saved:
        originals = {id(w): a for a, w in zip(args, wide) if w is not a}
        ctx._saved = tuple(out if s is result else originals.get(id(s), s) for s in ctx._saved)
    return out


def _result_is_bfloat16(args: tuple) -> bool:
    """PyTorch's promotion for an op with a bfloat16 tensor: its float result is bfloat16, unless the op
    was asked for a dtype or another float tensor takes part (float16 and bfloat16 meet in float32; a
    0-dim one counts only when every bfloat16 input is 0-dim too; an empty one stands for "none").
    Arrays handed over beside the tensors (a divisor, an index) are the op's own helpers: not counted."""
    dimensioned = any(isinstance(a, Tensor) and a._array.dtype == dtypes.BFLOAT16 and a._array.ndim for a in args)
    for a in args:
        if isinstance(a, (np.dtype, glassgrad_dtype)):
            return False
        if isinstance(a, Tensor):
            a = a._array
            if a.dtype.kind == "f" and a.size and (a.ndim or not dimensioned):
                return False
    return True


def _backward_in_float32(cls, ctx, g):
    """``cls.backward`` on float32: the gradient and the saved bfloat16 arrays widened (the engine rounds
    each input's gradient to that input's dtype). Under create_graph g is a Tensor, whose ops widen."""
    if not isinstance(g, np.ndarray):
        return cls.backward(ctx, g)
    kept = ctx._saved
    if kept:
        ctx._saved = tuple(_widen(s) for s in kept)
    try:
        return cls.backward(ctx, _widen(g))
    finally:
        if kept:
            ctx._saved = kept


def wrong_count(node: BackwardNode, grads) -> None:
    raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                       f"(expected {len(node.needs_input_grad)}, got {len(grads)})")


def _describe(value) -> str:
    array = value._array if isinstance(value, Tensor) else np.asarray(value)
    return f"glassgrad.{array.dtype.name} tensor of shape {list(array.shape)}"
