"""Saved tensors: what a backward node keeps for its backward, seen by name and packed by hooks.

Part III, read after function.py. An operation saves what its backward will need (``a * b`` saves ``a``
and ``b``; ``exp(a)`` saves its own result). PyTorch lets a program look at them on the node —
``y.grad_fn._saved_self``, ``_saved_other``, ``_saved_result``, named after the operation's arguments —
and decide how they are kept, with a pair of hooks:

    with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
        y = a * b          # pack(a), pack(b) run now; the node keeps what pack returned
    y.sum().backward()     # unpack(that) runs when backward reads them, and must give a Tensor back

The hooks nest (the innermost pair wins) and apply to custom Functions' ``save_for_backward`` too. pack
runs as the operation does, under no_grad; unpack runs each time the saved tensor is read.
"""

from __future__ import annotations

import numpy as np

from glassgrad.autograd.grad_mode import no_grad
from glassgrad.tensor import Tensor

__all__ = ["HOOKS", "DISABLED", "Packed", "pack_saved", "unpack", "unpack_all", "saved_attribute",
           "SavedTensor"]

# The stack of (pack_hook, unpack_hook) pairs in force, innermost last (graph.saved_tensors_hooks pushes).
HOOKS: list = []
DISABLED: list = []  # error messages of the disable_saved_tensors_hooks in force

# The argument names PyTorch gives a node's saved values, in forward's argument order, by the name of
# glassgrad's Function (first) or of the node. Anything not listed takes ("self", "other"): unary ops
# and the binary arithmetic ones.
ARGUMENT_NAMES = {
    "MmTransposed": ("self", "mat2"),       # F.linear(x, w): PyTorch's mm(x, w.t())
    "PowBackward0": ("self", "exponent"),
    "PowBackward1": ("self", "exponent"),
    "PowBackward2": ("self", "exponent"),
    "MmBackward0": ("self", "mat2"),
    "BmmBackward0": ("self", "mat2"),
    "MvBackward0": ("self", "vec"),
    "AddmmBackward0": ("self", "mat1", "mat2"),
    "WhereBackward0": ("condition", "self", "other"),
    "LerpBackward1": ("self", "end", "weight"),
    "ClampBackward1": ("self", "min", "max"),
}

# Saved values PyTorch keeps transposed where glassgrad keeps the tensor itself (linear's weight):
# Function name -> the saved name.
TRANSPOSED = {"MmTransposed": "mat2", "Addmm": "mat2"}

# Options PyTorch saves on the node that glassgrad's forward keeps as a ctx attribute instead:
# node name -> {PyTorch's saved name: the ctx attribute}.
OPTIONS = {
    "SoftmaxBackward0": {"dim": "axis"},
    "LogSoftmaxBackward0": {"dim": "axis"},
    "GeluBackward0": {"approximate": "approximate"},
    "LerpBackward0": {"weight": "weight"},
    "WhereBackward0": {"condition": "cond"},
}

# Options that are always the same for the glassgrad Function that makes the node: Function name -> them.
CONSTANTS = {"Addmm": {"alpha": 1, "beta": 1}}


# Nodes whose saved values PyTorch packs and unpacks last argument first (its formulas for self's
# gradient, which read ``other``, come first); the others go in forward's argument order.
OTHER_FIRST = {"MulBackward0", "DivBackward0"}


class Packed:
    """A saved value as its pack hook returned it, with the unpack hook that turns it back."""

    __slots__ = ("value", "unpack_hook")

    def __init__(self, value, unpack_hook) -> None:
        self.value = value
        self.unpack_hook = unpack_hook


def _as_saved_tensor(node, i: int):
    """Saved value ``i`` as the Tensor PyTorch hands to a pack hook (None for a number or None)."""
    value, source = node._saved[i], node._sources[i] if i < len(node._sources) else None
    if isinstance(source, Tensor):
        return source  # an input: the tensor itself, as PyTorch's ``_saved_self is a``
    if source is not None:  # the output: a new tensor object on this node, the same numbers
        return Tensor._wrap(value._array if isinstance(value, Tensor) else value, True, node)
    if isinstance(value, Tensor):
        return value
    if isinstance(value, np.ndarray):
        return Tensor._wrap(value)  # an intermediate array the backward needs
    return None


def pack_saved(node) -> None:
    """Run the innermost pack hook on each tensor ``node`` saved; keep what it returns instead."""
    pack_hook, unpack_hook = HOOKS[-1]
    saved = list(node._saved)
    order = range(len(saved)) if node.name() not in OTHER_FIRST else range(len(saved) - 1, -1, -1)
    with no_grad():
        for i in order:
            tensor = _as_saved_tensor(node, i)
            if tensor is not None:
                saved[i] = Packed(pack_hook(tensor), unpack_hook)
    node._saved = tuple(saved)
    node._packed = True
    # as PyTorch: what was packed is the hook's business, so an in-place change since is not checked
    node._versions = [v for v in node._versions if type(saved[v[2]]) is not Packed]


def unpack(value, as_array: bool):
    """A Packed value back through its unpack hook: a Tensor (or its array, for a primitive)."""
    if type(value) is not Packed:
        return value
    tensor = value.unpack_hook(value.value)
    if not isinstance(tensor, Tensor):
        raise TypeError("Output of saved tensor unpack_hook expected to be a Tensor but got result of "
                        f"type {type(tensor).__name__}")
    return tensor._array if as_array else tensor


def unpack_all(node) -> tuple:
    """Every saved value of ``node`` back through its unpack hook, in PyTorch's order."""
    as_array, values = node.function.on_arrays, node._saved
    if node.name() not in OTHER_FIRST:
        return tuple(unpack(v, as_array) for v in values)
    return tuple(reversed([unpack(v, as_array) for v in reversed(values)]))


def _index_of(node, name: str):
    """The index in ``node._saved`` of the saved value PyTorch calls ``_saved_<name>``, or None."""
    from_output = [i for i, s in enumerate(node._sources) if s is not None and not isinstance(s, Tensor)]
    if name == "result":
        return from_output[0] if from_output else None
    names = ARGUMENT_NAMES.get(node.function.__name__) or ARGUMENT_NAMES.get(node.name(), ("self", "other"))
    if name not in names:
        return None
    wanted = names.index(name)
    positions = node.input_positions()
    for i, source in enumerate(node._sources):
        if isinstance(source, Tensor):  # an input: find its argument by the edge it made
            edge = source._grad_fn if source._grad_fn is not None else (
                source._accumulator() if source._accumulator is not None else None)
            for k, (child, _) in enumerate(node.next_functions):
                if positions[k] == wanted and child is edge:
                    return i
    # otherwise forward saved in argument order (a number such as pow's exponent, a constant input)
    if wanted < len(node._saved) and wanted not in from_output:
        return wanted
    return None


def saved_attribute(node, attribute: str):
    """``node._saved_<name>`` / ``node._raw_saved_<name>``; AttributeError when the node has none."""
    raw = attribute.startswith("_raw_saved_")
    if not node.function.on_arrays:  # a custom Function's node has saved_tensors, no names
        raise AttributeError(f"'{node.name()}' object has no attribute '{attribute}'")
    name = attribute[len("_raw_saved_" if raw else "_saved_"):]
    constants = CONSTANTS.get(node.function.__name__)
    if constants is not None and name in constants and not raw:
        return constants[name]
    option = OPTIONS.get(node.name(), {}).get(name)
    if option is not None and option in node.__dict__ and not raw:
        value = node.__dict__[option]
        return Tensor._wrap(value) if isinstance(value, np.ndarray) else value
    i = _index_of(node, name) if node._saved or node._freed else None
    if i is None and not node._freed:
        raise AttributeError(f"'{node.name()}' object has no attribute '{attribute}'")
    if raw:
        return SavedTensor(node, i)
    node._check_saved()  # the freed and in-place errors, in PyTorch's words
    value = node._saved[i]
    if type(value) is Packed:
        return unpack(value, as_array=False)
    source = node._sources[i]
    if isinstance(source, Tensor):
        return source.t() if TRANSPOSED.get(node.function.__name__) == name else source
    if source is not None:  # the node's own output: a new tensor object on this node, as PyTorch's
        return Tensor._wrap(value._array if isinstance(value, Tensor) else value, True, node)
    if isinstance(value, np.ndarray) or node.function.numbers_are_inputs and isinstance(value, (int, float)):
        return Tensor._wrap(np.asarray(value))  # an array, or a number PyTorch wraps in a tensor (x * 2)
    return value


class SavedTensor:
    """``node._raw_saved_<name>``: one saved value, whose own pack/unpack hooks can be set."""

    def __init__(self, node, index) -> None:
        self._node = node
        self._index = index

    def register_hooks(self, pack_hook, unpack_hook) -> None:
        """Pack this saved tensor now with ``pack_hook``; backward will read it through ``unpack_hook``."""
        node, i = self._node, self._index
        if node._freed or i is None:
            raise RuntimeError("Trying to backward through the graph a second time (or directly access "
                               "saved tensors after they have already been freed).")
        value = node._saved[i]
        if type(value) is Packed:
            raise RuntimeError("Calling register_hooks on a saved tensor whose hooks have already been "
                               "set. Hint: only one pair of hooks is allowed at a time.")
        tensor = _as_saved_tensor(node, i)
        with no_grad():
            packed = Packed(pack_hook(tensor), unpack_hook)
        saved = list(node._saved)
        saved[i] = packed
        node._saved = tuple(saved)
        node._packed = True
        node._versions = [v for v in node._versions if v[2] != i]

