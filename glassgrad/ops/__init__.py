"""The differentiable primitives, one family a file, each op's forward and backward side by side.

Part III. Read ``elementwise.py`` first (the pattern every family follows), then ``reduce.py``,
``shape.py`` and ``joining.py`` (cat, stack, split), ``indexing.py`` and ``gather_scatter.py``,
``linalg.py``, and ``conv.py`` and ``pool.py``.

Each family ends with a ``TENSOR_METHODS`` table (method name -> function): importing this package
attaches them to ``Tensor``, so ``x.sum(dim=1)`` and ``glassgrad.sum(x, dim=1)`` are one function.
Each family's ``NUMPY`` table maps numpy functions to the same ops, for ``Tensor.__array_ufunc__``.
"""

from __future__ import annotations

import importlib

from glassgrad.tensor import NUMPY_DISPATCH, Tensor

FAMILIES = ["elementwise", "reduce", "shape", "joining", "indexing", "gather_scatter", "linalg", "conv",
            "pool"]

for _name in FAMILIES:
    _module = importlib.import_module(f"glassgrad.ops.{_name}")
    for _method, _fn in getattr(_module, "TENSOR_METHODS", {}).items():
        setattr(Tensor, _method, _fn)
    NUMPY_DISPATCH.update(getattr(_module, "NUMPY", {}))
