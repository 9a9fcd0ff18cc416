"""PART III — ``Tensor``: a numpy array plus what autograd needs (requires_grad, grad, grad_fn, is_leaf).

Read this after Part I's ``Value``: a Tensor is a Value whose data is an n-dimensional array. What a
Value kept as numbers on the node (its local derivatives), a Tensor keeps in its ``grad_fn``: the
backward node of the operation that made it, holding the tensors that operation saved for backward.

This file holds the tensor itself: storage, dtype and shape, conversions, the autograd state, the rules
for in-place changes, and the PyTorch-style ``repr``. The operations (``+``, ``sum``, ``reshape``,
``@`` ...) live in ``glassgrad/ops/``, one family a file, each with its forward and backward side by
side; ``glassgrad/ops/__init__.py`` attaches them to this class as methods.
"""

from __future__ import annotations

import copyreg
import numbers
import weakref

import numpy as np

from glassgrad import dtypes, overrides
from glassgrad._format import format_tensor
from glassgrad._html import tensor_card
from glassgrad.devices import device
from glassgrad.meta import MetaArray, meta_array
from glassgrad.autograd.grad_mode import GRAD_MODE

__all__ = ["Tensor", "RemovableHandle", "Size", "device", "is_user_subclass", "root_array", "swap_tensors", "to_array"]

# Filled by glassgrad/ops: numpy function or ufunc -> glassgrad op, so that numpy code applied to
# Tensors (e.g. a backward formula run with create_graph=True) records a graph. See __array_ufunc__.
NUMPY_DISPATCH: dict = {}
_engine_backward = None  # glassgrad.autograd.engine.backward, set on the first backward()
_OWN_CLASSES: set = set()  # Tensor and glassgrad's own subclasses (Tensor.__init_subclass__ adds them)
_new = object.__new__


class Tensor:
    """An n-dimensional array that can record how it was computed, as ``torch.Tensor``.

    Create tensors with ``glassgrad.tensor(data)``, ``zeros``, ``randn``, ...; the attributes a learner
    reads are ``shape``, ``dtype``, ``requires_grad``, ``grad``, ``grad_fn`` and ``is_leaf``.
    """

    __module__ = "glassgrad"  # type(x) prints <class 'glassgrad.Tensor'> (as_torch shows it as torch.Tensor)
    __slots__ = ("_array", "_requires_grad", "_grad", "_grad_fn", "_vc", "_base", "_seen_base", "_hooks",
                 "_retains_grad", "_accumulator", "__weakref__")

    # numpy asks us, not itself, when an ndarray meets a Tensor (ndarray * Tensor -> Tensor).
    __array_priority__ = 1000

    def __init__(self, *args, dtype=None, requires_grad: bool = False, device=None) -> None:
        """PyTorch's legacy constructor (prefer ``glassgrad.tensor(data)``): ``Tensor([1, 2])`` holds the
        numbers in the default float dtype, ``Tensor(2, 3)`` (or a ``Size``) is that shape (uninitialised
        in PyTorch, zeros here), ``Tensor()`` is empty, ``Tensor(t)`` shares t's numbers."""
        self._init(_legacy_array(args, dtype), requires_grad, None)

    def _init(self, array: np.ndarray, requires_grad: bool, grad_fn) -> None:
        self._array = array
        self._requires_grad = requires_grad
        self._grad = None
        self._grad_fn = grad_fn
        self._vc = [0]          # version counter, shared with views of the same storage
        self._base = None       # the tensor this one is a view of, if any
        self._seen_base = False  # a view made while grad was on: its base's grad_fn its history reads
        self._hooks = None      # leaf gradient hooks {handle id: fn}
        self._retains_grad = False
        self._accumulator = None  # weakref to this leaf's AccumulateGrad node

    @property
    def grad_fn(self):
        """The node that made this tensor (None for a leaf). A view made before its base was changed in
        place reads the base's new history first, as PyTorch regenerates it."""
        if self._base is not None and self._is_stale_view():
            self._refresh_view()
        return self._grad_fn

    @grad_fn.setter
    def grad_fn(self, node) -> None:
        self._grad_fn = node

    def _is_stale_view(self) -> bool:
        """For a view (``_base`` set): made while grad was on, and its base was changed in place since,
        so its history must be regenerated (``_refresh_view``, attached by ops/inplace.py) before it is
        read or used. The one test of it, for ``grad_fn`` here and for every op's inputs in apply."""
        seen = self._seen_base
        return seen is not False and seen is not self._base._grad_fn

    @classmethod
    def _wrap(cls, array: np.ndarray, requires_grad: bool = False, grad_fn=None) -> "Tensor":
        """Make a Tensor around an existing array without copying (the engine's fast path)."""
        t = _new(cls)  # object.__new__ bound once: cls.__new__ looks it up on every op
        # _init's fields, set here rather than through a call to it (one Python frame less on every op)
        t._array = array
        t._requires_grad = requires_grad
        t._grad = None
        t._grad_fn = grad_fn
        t._vc = [0]
        t._base = None
        t._seen_base = False
        t._hooks = None
        t._retains_grad = False
        t._accumulator = None
        return t

    # --- subclasses and __torch_function__ (overrides.py has the protocol) ---------------------------
    def __init_subclass__(cls, **kwargs) -> None:
        """glassgrad's own subclasses (Parameter, SparseTensor ...) turn the protocol off, as PyTorch's
        Parameter does: their ops give plain tensors. A user's subclass turns the dispatch on."""
        super().__init_subclass__(**kwargs)
        if cls.__module__.startswith("glassgrad."):  # read at creation: as_torch renames modules later
            _OWN_CLASSES.add(cls)
            if "__torch_function__" not in cls.__dict__:
                cls.__torch_function__ = overrides._disabled_torch_function_impl
        elif overrides._is_overloaded_type(cls):
            overrides.enable()

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        """PyTorch's default: run ``func`` as for plain tensors, then give tensor results back as ``cls``
        (``x + 1`` of a subclass is that subclass). Declines when another type in ``types`` is not a
        superclass of ``cls``."""
        if kwargs is None:
            kwargs = {}
        if not all(issubclass(cls, t) for t in types):
            return NotImplemented
        with overrides.DisableTorchFunctionSubclass():
            return _convert(func(*args, **kwargs), cls)

    def as_subclass(self, cls) -> "Tensor":
        """This tensor's numbers as an instance of ``cls`` (a Tensor subclass): shared memory, and still on
        the graph (a leaf that requires grad gives a view of it, as PyTorch's AliasBackward0)."""
        if not (isinstance(cls, type) and issubclass(cls, Tensor)):
            raise TypeError(f"as_subclass(): argument 'cls' must be a subclass of Tensor, not {cls!r}")
        with overrides.DisableTorchFunctionSubclass():
            source = self.view_as(self) if self._requires_grad and GRAD_MODE.enabled else self
        t = _new(cls)
        for name in Tensor.__slots__[:-1]:  # every field but __weakref__
            setattr(t, name, getattr(source, name))
        return t

    @staticmethod
    def _make_subclass(cls, data: "Tensor", require_grad: bool = False) -> "Tensor":
        """A new leaf of class ``cls`` sharing ``data``'s numbers (what ``nn.Parameter`` is made with)."""
        if not (isinstance(cls, type) and issubclass(cls, Tensor)):
            raise TypeError(f"cls must be a type (got {cls!r})")
        if not isinstance(data, Tensor):
            raise TypeError(f"_make_subclass(): argument 'data' must be Tensor, not {type(data).__name__}")
        t = _new(cls)
        t._init(data._array, False, None)
        t._vc = data._vc
        t.requires_grad_(require_grad)
        return t

    @staticmethod
    def _make_wrapper_subclass(cls, size, strides=None, storage_offset=None, memory_format=None, dtype=None,
                               layout=None, device=None, pin_memory=False, requires_grad=False,
                               dispatch_sizes_strides_policy=None, dispatch_device=False,
                               dispatch_layout=False, _extra_dispatch_keys=None, storage_size=None):
        """A tensor of class ``cls`` with a shape, dtype and device but no numbers of its own: the
        subclass keeps its real data in its own fields and answers ops in ``__torch_dispatch__``."""
        if not (isinstance(cls, type) and issubclass(cls, Tensor)):
            raise TypeError(f"cls must be a type (got {cls!r})")
        np_dtype = (dtypes.get_default_dtype() if dtype is None else dtypes.to_dtype(dtype)).numpy
        shape = tuple(int(n) for n in size)
        on_meta = device is not None and str(device).startswith("meta")
        array = meta_array(shape, np_dtype) if on_meta else np.broadcast_to(np.zeros((), np_dtype), shape)
        t = _new(cls)
        t._init(array, False, None)
        if requires_grad:
            t.requires_grad_(True)
        return t

    def module_load(self, other: "Tensor", assign: bool = False) -> "Tensor":
        """What ``load_state_dict`` puts in place of parameter ``self`` for the saved ``other``, when the
        module swaps tensors (``torch.__future__.set_swap_module_params_on_conversion(True)``): ``other``
        itself with ``assign=True``, else a copy of ``other`` in self's dtype. A subclass customizes it
        through ``__torch_function__``."""
        if not isinstance(other, Tensor):
            raise TypeError(f"Expected other to be a Tensor, got {type(other).__name__}")
        if assign:
            return other.detach()
        return self.detach().copy_(other)  # copy_ is attached by ops/ (this file sits below them)

    # --- storage, shape and type ----------------------------------------------------------------
    @property
    def shape(self) -> "Size":
        return Size(self._array.shape)

    def size(self, dim: int | None = None):
        """The shape (a ``Size``), or the length of one dimension."""
        if dim is None:
            return Size(self._array.shape)
        return self._array.shape[self._dim(dim)]

    def dim(self) -> int:
        return self._array.ndim

    ndimension = dim

    @property
    def ndim(self) -> int:
        return self._array.ndim

    def numel(self) -> int:
        return self._array.size

    nelement = numel

    @property
    def dtype(self) -> dtypes.dtype:
        return dtypes.from_numpy_dtype(self._array.dtype)

    @property
    def device(self) -> "device":
        return _META if type(self._array) is MetaArray else _CPU

    @property
    def is_meta(self) -> bool:
        """True for a tensor on the ``meta`` device: a shape and a dtype, no numbers (meta.py)."""
        return type(self._array) is MetaArray

    @property
    def is_cuda(self) -> bool:
        return False

    def is_floating_point(self) -> bool:
        return self._array.dtype.kind == "f" or self.dtype.is_floating_point  # bfloat16 is numpy kind "V"

    def element_size(self) -> int:
        return self._array.itemsize

    def stride(self, dim: int | None = None):
        """How many elements apart neighbours along each dimension lie in memory (a tuple), or along one.

        Row-major ``(2, 3)`` is ``(3, 1)``; a transpose swaps them, a slice ``[:, ::2]`` doubles one, an
        ``expand``ed dimension is 0 (every index reads the same element). numpy counts bytes: divided by
        the element size. A meta tensor has no memory: PyTorch reports row-major strides for it.
        """
        array = self._array
        if type(array) is MetaArray or any(s < 0 for s in array.strides) or not any(array.strides):
            # no memory (meta), numpy's reversed view where PyTorch's flip made a row-major copy, or
            # numpy's all-zero strides of an empty (or one-element) array
            strides = _row_major_strides(array.shape)
        else:
            strides = _unsqueezed_strides(array.shape, [s // array.itemsize for s in array.strides])
        if dim is None:
            return strides
        if not isinstance(dim, numbers.Integral) or isinstance(dim, bool):
            raise TypeError(f"stride(): argument 'dim' (position 1) must be int, not {type(dim).__name__}")
        if not strides:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        return strides[self._dim(dim)]

    def is_contiguous(self, memory_format=None) -> bool:
        """True when the elements lie in row-major order with no gaps (PyTorch's rule: dimensions of
        size 1 don't count, and a tensor with no elements is contiguous)."""
        shape, strides = self._array.shape, self.stride()
        if self._array.size == 0:
            return True
        expected = 1
        for n, s in zip(reversed(shape), reversed(strides)):
            if n != 1:
                if s != expected:
                    return False
                expected *= n
        return True

    def storage_offset(self) -> int:
        """Where this tensor's first element lies in the memory it shares, counted in elements."""
        array = self._array
        if type(array) is MetaArray:
            return 0
        root = root_array(array)
        offset = array.__array_interface__["data"][0] - root.__array_interface__["data"][0]
        return offset // array.itemsize if offset >= 0 else 0

    def _dim(self, dim: int) -> int:
        """Normalise a possibly negative dimension; IndexError in PyTorch's words when out of range."""
        n = max(self._array.ndim, 1)
        if not -n <= dim < n:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                             f"but got {dim})")
        return dim % n

    # --- conversion to Python and numpy --------------------------------------------------------------
    def item(self):
        """The single number in a one-element tensor, as a Python number."""
        if self._array.size != 1:
            raise RuntimeError(f"a Tensor with {self._array.size} elements cannot be converted to "
                               "Scalar")
        return self._array.reshape(()).item()

    def tolist(self):
        return self._array.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The underlying array (shared memory, as in PyTorch). Refused while grad is recorded."""
        if type(self._array) is MetaArray:
            raise TypeError("can't convert meta device type tensor to numpy. Use Tensor.cpu() to copy the "
                            "tensor to host memory first.")
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        if self._array.dtype == dtypes.BFLOAT16:  # numpy has no bfloat16 of its own
            raise TypeError("Got unsupported ScalarType BFloat16")
        return self._array

    def __array__(self, dtype=None, copy=None):
        return self._array if dtype is None else self._array.astype(dtype)

    def __len__(self) -> int:
        if self._array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._array.shape[0]

    def __bool__(self) -> bool:
        if type(self._array) is MetaArray:
            raise RuntimeError("Tensor.item() cannot be called on meta tensors")
        if self._array.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._array.reshape(()))

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        a = self._array
        if not a.ndim and a.dtype.kind in "iu":  # a 0-d integer (data[i:i + 64] calls this twice a slice)
            return a.item()  # already a Python int
        if a.dtype.kind not in "iub" or a.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(a.item())

    def __iter__(self):
        if self._array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        if (self._requires_grad and GRAD_MODE.enabled) or type(self) not in _OWN_CLASSES:
            # each row recorded, as PyTorch's iter(self.unbind(0)): UnbindBackward0 (unbind is attached by
            # ops/joining.py: this file sits below the ops); a user's subclass gets rows of its class
            return iter(self.unbind(0))
        return self._rows()

    def _rows(self):
        """The rows as views with no graph to record: what ``self[i]`` gives, without an op per row
        (``for i in ix`` over a batch of indices, as the GPT lecture's get_batch does, ~3× faster)."""
        base = self._base if self._base is not None else self
        seen = base._grad_fn if GRAD_MODE.enabled else False
        for i in range(self._array.shape[0]):
            row = Tensor._wrap(self._array[i, ...])
            row._vc, row._base, row._seen_base = self._vc, base, seen
            yield row

    __hash__ = object.__hash__  # identity, so tensors work in sets and dicts; == is elementwise

    def __reduce_ex__(self, protocol):
        # copy.deepcopy (used on modules and state dicts) goes through here; pickle files are refused
        # by glassgrad.save/load, which never unpickle.
        return (_rebuild, (self._array.copy(), self._requires_grad))

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the "
                               "deepcopy protocol at the moment")
        t = type(self)._wrap(self._array.copy(), self._requires_grad)
        if self._grad is not None:
            t._grad = Tensor._wrap(self._grad._array.copy())
        memo[id(self)] = t
        return t

    # --- autograd state ------------------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self.grad_fn is not None:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want "
                               "to use a computed variable in a subgraph that doesn't require "
                               "differentiation use var_no_grad = var.detach().")
        if value and self._array.dtype.kind != "f" and not self.dtype.is_floating_point:
            raise RuntimeError("only Tensors of floating point dtype can require gradients, got "
                               f"{self.dtype}")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user (and anything that doesn't require grad)."""
        return self.grad_fn is None

    @property
    def grad(self) -> "Tensor | None":
        """The accumulated gradient (leaves, and non-leaves after ``retain_grad()``), else None."""
        if self._grad is None and self.grad_fn is not None and not self._retains_grad:
            import warnings
            warnings.warn("The .grad attribute of a Tensor that is not a leaf Tensor is being accessed."
                          " Its .grad attribute won't be populated during autograd.backward(). If you "
                          "indeed want the .grad field to be populated for a non-leaf Tensor, use "
                          ".retain_grad() on the non-leaf Tensor.", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value: "Tensor | None") -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got "
                                f"{type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(f"assigned grad has data of a different size: {list(value.shape)}"
                                   f" vs {list(self.shape)}")
            if value._array.dtype != self._array.dtype:
                raise RuntimeError(f"attempting to assign a gradient with dtype '{value.dtype.name}' to "
                                   f"a tensor with dtype '{self.dtype.name}'. The gradient must match "
                                   "the tensor's dtype.")
        self._grad = value

    @property
    def data(self) -> "Tensor":
        """This tensor's numbers as a new tensor outside the graph (shares memory, as in PyTorch)."""
        t = Tensor._wrap(self._array)
        t._vc = self._vc
        return t

    @data.setter
    def data(self, value: "Tensor") -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        self._array = value._array

    @property
    def _version(self) -> int:
        return self._vc[0]

    def detach(self) -> "Tensor":
        """The same numbers (shared memory and version counter), cut from the graph."""
        t = Tensor._wrap(self._array)
        t._vc = self._vc
        return t

    def detach_(self) -> "Tensor":
        self.grad_fn = None
        self._requires_grad = False
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves always keep theirs)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self._retains_grad = True
            self.grad_fn._retained = weakref.ref(self)
            self.grad_fn._extras = True

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def register_hook(self, hook) -> "RemovableHandle":
        """Call ``hook(grad)`` when this tensor's gradient is computed; a non-None result replaces it.

        Returns a handle whose ``remove()`` unregisters the hook.
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            hooks = self.grad_fn._tensor_hooks
            if hooks is None:
                hooks = self.grad_fn._tensor_hooks = {}
                self.grad_fn._extras = True
        else:
            hooks = self._hooks
            if hooks is None:
                hooks = self._hooks = {}
        return RemovableHandle(hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph: bool = False,
                 inputs=None) -> None:
        """Compute the gradient of this tensor w.r.t. every leaf that requires grad; add it to ``.grad``.

        ``gradient`` is ∂L/∂self (required unless self is a single number); the graph's saved tensors
        are freed afterwards unless ``retain_graph=True``; ``create_graph=True`` records the backward
        pass itself, so the gradients can be differentiated again.
        """
        global _engine_backward
        if _engine_backward is None:  # engine.py imports this file, so look it up on first use
            from glassgrad.autograd.engine import backward as _engine_backward
        _engine_backward([self], None if gradient is None else [gradient], retain_graph, create_graph,
                         inputs)

    # --- in-place changes ----------------------------------------------------------------------------
    def _check_inplace(self) -> None:
        """PyTorch's rules for changing a tensor in place while the graph is being recorded: a leaf that
        requires grad (a parameter) can't be changed, nor can a view of one."""
        if not GRAD_MODE.enabled:
            return
        if self._requires_grad and self.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                               "operation.")
        base = self._base
        if base is not None and base._requires_grad and base.grad_fn is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                               "in-place operation.")

    def _apply_inplace(self, result: "Tensor") -> "Tensor":
        """Make ``self`` hold ``result`` (computed out of place), as an in-place op does.

        The numbers are written into self's own array, so views and ``from_numpy`` arrays see them;
        the version counter moves on, so a backward that saved the old numbers will refuse to run.
        When the result carries a graph, self becomes its output (PyTorch "rebases" the history); if
        self is a view, the write changed its base too, so the base's history is rebased as well
        (``_write_through_view``, attached by ops/inplace.py: tensor.py sits below the ops).
        """
        self._check_inplace()
        if result._array.shape != self._array.shape:
            raise RuntimeError(f"output with shape {list(self._array.shape)} doesn't match the "
                               f"broadcast shape {list(result._array.shape)}")
        if not np.can_cast(result._array.dtype, self._array.dtype, casting="same_kind"):
            raise RuntimeError(f"result type {dtypes.from_numpy_dtype(result._array.dtype).name} "
                               f"can't be cast to the desired output type {self.dtype.name}")
        np.copyto(self._array, result._array, casting="same_kind")
        self._vc[0] += 1
        if result.grad_fn is not None:
            if self._base is None:
                self.grad_fn = result.grad_fn
                self._requires_grad = True
            else:
                self._write_through_view(result)
        return self

    # --- numpy interoperability ----------------------------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """numpy ufuncs on Tensors become glassgrad ops (``np.exp(t)`` is ``glassgrad.exp(t)``).

        This is what lets a backward formula written in numpy run on Tensors when ``create_graph=True``.
        """
        op = NUMPY_DISPATCH.get(ufunc) if method == "__call__" and not kwargs else None
        if op is None:
            return NotImplemented
        return op(*inputs)

    def __array_function__(self, func, types, args, kwargs):
        op = NUMPY_DISPATCH.get(func)
        if op is None:
            return NotImplemented
        return op(*args, **kwargs)

    # --- printing ------------------------------------------------------------------------------------
    def __repr__(self) -> str:
        text = format_tensor(self)
        name = type(self).__name__
        if type(self) in _OWN_CLASSES:
            return text
        # a user's subclass prints under its own name, as in PyTorch: C([1., 2.])
        return name + "(" + text[len("tensor("):].replace("\n" + " " * len("tensor("), "\n" + " " * (len(name) + 1))

    def _repr_html_(self) -> str:
        """What a notebook shows: shape, dtype, where it came from, its numbers (up to 64) or a heatmap,
        and its gradient in red. Plain ``repr`` stays PyTorch's."""
        if getattr(self, "is_sparse", False):
            return None  # Jupyter falls back to the text repr
        grad = self.grad._array if self.grad is not None else None
        grad_fn = self.grad_fn.name() if self.grad_fn is not None else None
        return tensor_card(self._array, grad, dtype=self._array.dtype.name, requires_grad=self.requires_grad,
                           grad_fn=grad_fn)

    def __format__(self, spec: str) -> str:
        if self._array.ndim == 0:
            return self.item().__format__(spec)
        return repr(self)


def swap_tensors(t1: Tensor, t2: Tensor) -> None:
    """Swap two tensors' whole contents in place, as ``torch.utils.swap_tensors``: their class, their
    ``__dict__`` and every slot (the numbers, the version counter, the autograd state). Each Python object
    keeps its identity, so whatever held ``t1`` now sees what ``t2`` was.

    Refused, in PyTorch's words, when a weak reference points to either (it would see the swap) or when
    the two classes have different slots. A tensor whose gradient accumulator exists gets a new one on
    its next use (PyTorch poisons the old node; glassgrad forgets it)."""
    for name, t in (("t1", t1), ("t2", t2)):
        if not isinstance(t, Tensor):
            raise TypeError(f"swap_tensors(): expected {name} to be a Tensor, got {type(t).__name__}")
        if weakref.getweakrefs(t):
            raise RuntimeError(f"Cannot swap {name} because it has weakref associated with it")
    slots = set(copyreg._slotnames(type(t1)))
    if slots != set(copyreg._slotnames(type(t2))):
        raise RuntimeError("Cannot swap t1 and t2 if they have different slots")
    class1, class2 = type(t1), type(t2)
    try:
        t1.__class__, t2.__class__ = class2, class1
    except TypeError as e:  # one class has a __dict__ and the other none: Python can't swap them
        raise RuntimeError(f"Cannot swap a {class1.__name__} and a {class2.__name__}: {e}") from None
    if hasattr(t1, "__dict__") and hasattr(t2, "__dict__"):
        t1.__dict__, t2.__dict__ = t2.__dict__, t1.__dict__
    for slot in slots - {"__weakref__", "__dict__"}:
        had1, had2 = hasattr(t1, slot), hasattr(t2, slot)
        value1, value2 = getattr(t1, slot, None), getattr(t2, slot, None)
        for t, had, value in ((t1, had2, value2), (t2, had1, value1)):
            if had:
                setattr(t, slot, value)
            elif hasattr(t, slot):
                delattr(t, slot)
    t1._accumulator = t2._accumulator = None


def _convert(result, cls):
    """A tensor result as ``cls`` (tuples and lists of them too): Tensor.__torch_function__'s last step."""
    if cls is Tensor:
        return result
    if isinstance(result, Tensor) and not isinstance(result, cls):
        return result.as_subclass(cls)
    if isinstance(result, (tuple, list)):
        converted = [_convert(r, cls) for r in result]
        return result._make(converted) if hasattr(result, "_make") else type(result)(converted)
    return result


# --- __torch_dispatch__: the aten ops glassgrad names (overrides.py), and the methods that reach them ----
def _to_copy(x, *, dtype=None, layout=None, device=None, pin_memory=None, non_blocking=False,
             memory_format=None):
    """aten::_to_copy: a copy of x in another dtype and/or on another device."""
    options = {k: v for k, v in (("dtype", dtype), ("device", device)) if v is not None}
    return x.to(copy=True, **options)


ATEN_DETACH = overrides.register_aten("detach", lambda x: x.detach()).default
ATEN_TO_COPY = overrides.register_aten("_to_copy", _to_copy).default
ATEN_CLONE = overrides.register_aten("clone", lambda x, *, memory_format=None: x.clone()).default


def _dispatched_to(self, *args, copy: bool = False, **kwargs):
    """``.to(...)`` of a tensor whose class defines __torch_dispatch__: self when nothing changes, else
    aten._to_copy with the dtype and device that change (what PyTorch's .to() calls)."""
    dtype, where = kwargs.get("dtype"), kwargs.get("device")
    for a in args:
        if isinstance(a, Tensor):
            dtype, where = a.dtype, a.device
        elif isinstance(a, dtypes.dtype):
            dtype = a
        elif a is not None:
            where = a
    options = {}
    if dtype is not None and dtypes.to_dtype(dtype) != self.dtype:
        options["dtype"] = dtypes.to_dtype(dtype)
    if where is not None and device(where).type != self.device.type:
        options["device"] = device(where)
    if not options and not copy:
        return self
    return ATEN_TO_COPY(self, **options)


def _dispatched_cast(dtype):
    return lambda self, memory_format=None: _dispatched_to(self, dtype)


overrides.DISPATCH_ROUTES.update({
    "detach": lambda self: ATEN_DETACH(self),
    "clone": lambda self, *, memory_format=None: ATEN_CLONE(self),
    "to": _dispatched_to,
    "cpu": lambda self, memory_format=None: _dispatched_to(self, "cpu"),
    **{name: _dispatched_cast(getattr(dtypes, name))
       for name in ("float", "double", "half", "bfloat16") if hasattr(dtypes, name)},
})


def root_array(array: np.ndarray) -> np.ndarray:
    """The array that owns the memory a view looks at: the last ndarray along numpy's ``.base`` chain
    (what PyTorch calls the tensor's storage)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def to_array(data, dtype=None) -> np.ndarray:
    """Nested lists / numbers / arrays / tensors -> a numpy array with PyTorch's dtype rules."""
    if isinstance(data, Tensor):
        array = data._array
    elif isinstance(data, (np.ndarray, np.generic)):  # numpy keeps its dtype, as in PyTorch
        array = np.asarray(data)
    else:
        if isinstance(data, (list, tuple)) and _contains_tensor(data):
            data = _tensors_to_lists(data)
        try:
            array = np.array(data)
        except ValueError as e:  # ragged lists
            raise ValueError(f"expected a rectangular nested sequence of numbers: {e}") from None
        if array.dtype == object or array.dtype.kind in "USV":
            raise TypeError(f"can't make a tensor from {type(data).__name__} holding "
                            f"{array.dtype} elements; expected numbers")
        if array.dtype.kind == "f" and dtype is None:
            array = array.astype(dtypes.get_default_dtype().numpy)
    if dtype is not None:
        target = dtypes.to_dtype(dtype).numpy
        if array.dtype != target:
            array = array.astype(target)
    elif array.dtype.kind == "c":
        raise TypeError("complex tensors are not supported by glassgrad")
    else:
        dtypes.from_numpy_dtype(array.dtype)  # raises a clear TypeError for unsupported dtypes
    return array


def _legacy_array(args: tuple, dtype) -> np.ndarray:
    """The array ``Tensor(*args)`` holds (see ``Tensor.__init__``); typed ones (``FloatTensor``) are in
    creation.py."""
    np_dtype = dtypes.to_dtype(dtype).numpy if dtype is not None else dtypes.get_default_dtype().numpy
    if args and (all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in args)
                 or len(args) == 1 and isinstance(args[0], Size)):
        shape = tuple(args[0]) if isinstance(args[0], Size) else args
        if any(n < 0 for n in shape):
            raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: "
                               f"{list(shape)}")
        return np.zeros(tuple(int(n) for n in shape), np_dtype)
    if len(args) > 1:
        raise TypeError(f"new(): expected sizes (ints) or one sequence of data, got "
                        f"{', '.join(type(a).__name__ for a in args)}")
    data = args[0] if args else []
    if isinstance(data, Tensor):
        return to_array(data, dtype)
    if isinstance(data, numbers.Number):
        raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
    return to_array(data, np_dtype)


def _row_major_strides(shape: tuple) -> tuple:
    """The strides, in elements, of a row-major tensor of this shape (PyTorch's contiguous strides)."""
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


def _unsqueezed_strides(shape: tuple, strides: list) -> tuple:
    """numpy gives a new dimension of size 1 (``x[None]``, ``unsqueeze``) stride 0; PyTorch gives it the
    stride it would have in a row-major layout of the dimensions after it: the next one's size × stride."""
    for d in range(len(shape) - 1, -1, -1):
        if shape[d] == 1 and strides[d] == 0:
            strides[d] = shape[d + 1] * strides[d + 1] if d + 1 < len(shape) else 1
    return tuple(strides)


def _contains_tensor(seq) -> bool:
    return any(isinstance(x, Tensor) or (isinstance(x, (list, tuple)) and _contains_tensor(x))
                        for x in seq)


def _tensors_to_lists(seq):
    return [x.tolist() if isinstance(x, Tensor) else _tensors_to_lists(x) if isinstance(x, (list, tuple))
            else x for x in seq]


def _rebuild(array: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor._wrap(array, requires_grad)


overrides._TENSOR.append(Tensor)
overrides._PLAIN_TYPES.add(Tensor)
_OWN_CLASSES.add(Tensor)


def is_user_subclass(cls) -> bool:
    """True for a Tensor subclass written outside glassgrad (Parameter, SparseTensor ... are glassgrad's)."""
    return cls not in _OWN_CLASSES


class Size(tuple):
    """A tensor's shape: a tuple that prints as ``glassgrad.Size([2, 3])``."""

    def __repr__(self) -> str:
        return f"{dtypes.SHOWN_AS}.Size({list(self)})"

    def numel(self) -> int:
        return int(np.prod(self, dtype=np.int64))


# The device class lives in devices.py (where a tensor lives, and the default device).
_CPU = device("cpu")
_META = device("meta")


class RemovableHandle:
    """Returned by ``register_hook`` (and nn's hook registration): ``handle.remove()`` undoes it."""

    _next_id = 0

    def __init__(self, hooks: dict, hook) -> None:
        RemovableHandle._next_id += 1
        self.id = RemovableHandle._next_id
        hooks[self.id] = hook
        self._dict = hooks

    def remove(self) -> None:
        self._dict.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.remove()
