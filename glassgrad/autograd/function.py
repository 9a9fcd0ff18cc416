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

glassgrad's own primitives (glassgrad/ops/) are Functions too, with one difference for speed: they set
``on_arrays = True``, so their forward and backward receive and return numpy arrays rather than Tensors.
Their backward formulas are plain numpy; a Tensor understands numpy calls (``Tensor.__array_ufunc__``),
so with ``create_graph=True`` the engine hands them Tensors instead and the backward pass is recorded
too: that is how second derivatives work.
"""

from __future__ import annotations

import weakref

import numpy as np

from glassgrad.autograd.grad_mode import GRAD_ENABLED, no_grad
from glassgrad.tensor import Tensor

__all__ = ["Function", "BackwardNode", "AccumulateGrad", "FunctionCtx"]

_OUTPUT = object()  # marks "this saved array is the node's own output"

# While True (``glassgrad.explain.record()``), each new node keeps its output's value, and backward
# keeps the gradient that reached it: what the explain tools show. Off by default (memory).
RECORD_VALUES = [False]
# Under RECORD_VALUES, the innermost entry (e.g. an nn.Module's dotted name, pushed by explain's forward
# hooks) is kept as ``node.scope``, so large graphs can be grouped by module.
RECORD_SCOPE: list = []


class BackwardNode:
    """A recorded operation: ``grad_fn`` of its output tensor, and the ``ctx`` of its Function.

    ``next_functions``: for each forward input, ``(node, 0)`` where node is the input's ``grad_fn``,
    its ``AccumulateGrad`` (a leaf that requires grad) or ``None`` (no gradient needed).
    """

    function: type  # the Function subclass this node belongs to (set per subclass)

    # Class-level defaults, so that a fresh node costs one empty instance dict.
    _saved = ()
    _sources = ()
    _versions = ()
    _freed = False
    _diff_mode = False
    _recorded = False   # under RECORD_VALUES: .output_value (array) and, after backward, .grad_value
    _tensor_hooks = None
    _retained = None
    _extras = False     # True once hooks, retain_grad() or recording is set: the engine checks only this
    materialize_grads = True

    def save_for_backward(self, *values) -> None:
        """Keep these for backward (Tensors for a user Function; arrays for a built-in primitive)."""
        self._saved = values

    @property
    def saved_tensors(self) -> tuple:
        """What forward saved, after checking nothing was freed or modified in place since."""
        if self._freed:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved tensors "
                "after they have already been freed). Saved intermediate values of the graph are freed "
                "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
                "backward through the graph a second time or if you need to access saved tensors after "
                "calling backward.")
        for i, (counter, version) in enumerate(self._versions):
            if counter is not None and counter[0] != version:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an "
                    f"inplace operation: [{_describe(self._saved[i])}], which is saved by {self.name()}, "
                    f"is at version {counter[0]}; expected version {version} instead. Hint: compute it "
                    "out of place (x = x + 1 instead of x += 1), or clone() it before changing it.")
        if self._diff_mode:
            return tuple(self._as_tensor(i) for i in range(len(self._saved)))
        return self._saved

    saved_variables = saved_tensors

    def _as_tensor(self, i: int) -> Tensor:
        """Saved value ``i`` as a Tensor connected to the graph (for create_graph=True)."""
        source, value = self._sources[i], self._saved[i]
        if isinstance(source, Tensor):
            return source
        if source is _OUTPUT:  # a new tensor object that is this node's output, graph and all
            return Tensor._wrap(value._array if isinstance(value, Tensor) else value, True, self)
        if isinstance(value, np.ndarray):  # an intermediate array: a constant for the new graph
            return Tensor._wrap(value)
        return value  # a Tensor, or a Python number

    def mark_non_differentiable(self, *tensors) -> None:
        """Accepted for PyTorch compatibility; glassgrad Functions have one output."""

    def mark_dirty(self, *tensors) -> None:
        """Accepted for PyTorch compatibility (in-place Functions)."""

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = bool(value)

    def name(self) -> str:
        return type(self).__name__

    def register_hook(self, hook):
        raise NotImplementedError("hooks on grad_fn nodes are not supported; use Tensor.register_hook")

    def __call__(self, *grads):
        """``y.grad_fn(g)`` runs this node's backward once, as in PyTorch."""
        from glassgrad.autograd.engine import call_backward
        return call_backward(self, grads[0] if len(grads) == 1 else grads, create_graph=False)

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"


FunctionCtx = BackwardNode  # PyTorch's name for the ctx type


class AccumulateGrad:
    """The node at a leaf that requires grad: backward adds the arriving gradient into ``leaf.grad``."""

    next_functions = ()
    _tensor_hooks = None
    _retained = None
    _recorded = False

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable
        self._shape = variable._array.shape
        self._dtype = variable._array.dtype

    def name(self) -> str:
        return "AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {hex(id(self))}>"


def _accumulator(t: Tensor) -> AccumulateGrad:
    """The leaf's AccumulateGrad node, shared by every op that uses the leaf while a graph holds it."""
    node = t._accumulator() if t._accumulator is not None else None
    if node is None:
        node = AccumulateGrad(t)
        t._accumulator = weakref.ref(node)
    return node


class _NoContext:
    """The ``ctx`` a primitive's forward gets when nothing is recorded: it keeps nothing."""

    needs_input_grad = ()

    def save_for_backward(self, *values) -> None:
        pass

    def __setattr__(self, name, value) -> None:
        pass


_NO_CONTEXT = _NoContext()


class Function:
    """Base class of differentiable operations, as ``torch.autograd.Function``.

    Subclasses define ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)`` as static methods and
    are called through ``apply``. ``backward`` returns one gradient per forward argument (``None`` for
    arguments that are not tensors or need no gradient).
    """

    on_arrays = False  # True for glassgrad's primitives: forward/backward see numpy arrays
    is_view = False    # True when the output shares memory with the first input (reshape, slicing)
    differentiable_backward = False  # primitives whose backward is numpy that also runs on Tensors

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        suffix = "Backward0" if cls.on_arrays else "Backward"
        cls._node_class = type(cls.__name__ + suffix, (BackwardNode,), {"function": cls})

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement the backward function for custom autograd.Function.")

    @classmethod
    def apply(cls, *args):
        """Run forward; if grad is enabled and an input requires grad, record a backward node."""
        needs = ([isinstance(a, Tensor) and a._requires_grad for a in args] if GRAD_ENABLED[0]
                 else _NOTHING)
        requires = True in needs
        if cls.on_arrays:
            arrays = [a._array if isinstance(a, Tensor) else a for a in args]
            if not requires:
                out = cls.forward(_NO_CONTEXT, *arrays)
                result = Tensor._wrap(out if type(out) is np.ndarray else np.asarray(out))
                if cls.is_view:
                    _share_storage(result, args[0])
                return result
            node = cls._node_class()
            node.needs_input_grad = tuple(needs)
            out = cls.forward(node, *arrays)
            if type(out) is not np.ndarray:  # a numpy scalar (a full reduction): make it a 0-d array
                scalar, out = out, np.asarray(out)
                if node._saved:  # and keep "forward saved its output" true for the new object
                    node._saved = tuple(out if s is scalar else s for s in node._saved)
        else:
            node = cls._node_class()
            node.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
            with no_grad():
                out = cls.forward(node, *args)
            if not isinstance(out, Tensor):
                raise TypeError(f"{cls.__name__}.forward must return a Tensor (glassgrad Functions have "
                                f"one output), got {type(out).__name__}")
            if not requires:
                return out
            out = out._array
        result = Tensor._wrap(out, True, node)
        if cls.is_view:
            _share_storage(result, args[0])
        _record(node, args, needs, result)
        if RECORD_VALUES[0]:
            node._recorded = node._extras = True
            node.output_value = out
            node.grad_value = None
            node.scope = RECORD_SCOPE[-1] if RECORD_SCOPE else None
        return result


_NOTHING: list = []
_NO_EDGE = (None, 0)


def _share_storage(view: Tensor, base: Tensor) -> None:
    """A view shares its base's memory, so it shares the version counter that guards that memory."""
    view._vc = base._vc
    view._base = base._base if base._base is not None else base


def _record(node: BackwardNode, args: tuple, needs: list, result: Tensor) -> None:
    """Fill in the node: where each input's gradient goes, and which tensors the saved values are."""
    nexts = []
    for a, need in zip(args, needs):
        if need:
            fn = a.grad_fn
            nexts.append((fn if fn is not None else _accumulator(a), 0))
        else:
            nexts.append(_NO_EDGE)
    node.next_functions = tuple(nexts)
    node._shape = result._array.shape
    node._dtype = result._array.dtype
    saved = node._saved
    if saved:
        # Remember which tensor each saved value came from and its version now: backward checks the
        # version (in-place changes since would give wrong gradients), create_graph uses the tensor.
        out = result._array
        sources, versions = [], []
        for s in saved:
            source = None
            if s is out:
                source, counter = _OUTPUT, result._vc
            elif isinstance(s, Tensor):
                source, counter = s, s._vc
                if s._array is out:
                    source = _OUTPUT
            else:
                counter = None
                for a in args:
                    if isinstance(a, Tensor) and a._array is s:
                        source, counter = a, a._vc
                        break
            sources.append(source)
            versions.append((counter, counter[0] if counter is not None else 0))
        node._sources = sources
        node._versions = versions


def _describe(value) -> str:
    array = value._array if isinstance(value, Tensor) else np.asarray(value)
    return f"glassgrad.{array.dtype.name} tensor of shape {list(array.shape)}"
