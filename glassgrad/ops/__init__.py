"""The differentiable primitives, one family a file, each op's forward and backward side by side.

Part III. Read the files in this order; each imports only the files before it:

    _util           unbroadcast, dtype promotion, dim checks: what every family shares
    elementwise     arithmetic (+ - * / // % **), maximum, minimum, where, lerp: the pattern to learn
    unary           math of one tensor: exp, log, sqrt, trigonometry, activations, rounding, clamp
    cast            .to(), .float(), .type() ...
    compare         == < > ..., logical_*, isnan, allclose: bool results, no gradient
    inplace         add_, mul_, +=, zero_, fill_, copy_
    reduce          sum, mean, prod, max/min, median, logsumexp, all/any, argmax
    variance        var, std, var_mean, std_mean
    cumulative      cumsum
    softmax         softmax, log_softmax
    shape           reshape, view, squeeze, permute, transpose, expand, flip, tril, diagonal ...
    joining         cat, stack, split, chunk, unbind, repeat/tile, and basic slicing
    indexing        x[...], index_select, masked_fill, nonzero
    gather_scatter  gather, scatter, sort, topk
    linalg          matmul, einsum, norms
    conv, pool      conv1d/2d, max/avg/adaptive pooling

Each family ends with a ``TENSOR_METHODS`` table (method name -> function): importing this package
attaches them to ``Tensor``, so ``x.sum(dim=1)`` and ``glassgrad.sum(x, dim=1)`` are one function.
Each family's ``NUMPY`` table maps numpy functions to the same ops, for ``Tensor.__array_ufunc__``.
"""

from __future__ import annotations

from glassgrad.ops import (cast, compare, conv, cumulative, elementwise, gather_scatter, indexing, inplace,
                           joining, linalg, pool, reduce, shape, softmax, unary, variance)
from glassgrad.tensor import NUMPY_DISPATCH, Tensor

FAMILIES = (elementwise, unary, cast, compare, inplace, reduce, variance, cumulative, softmax, shape, joining,
            indexing, gather_scatter, linalg, conv, pool)

for _family in FAMILIES:
    for _method, _fn in getattr(_family, "TENSOR_METHODS", {}).items():
        setattr(Tensor, _method, _fn)
    NUMPY_DISPATCH.update(getattr(_family, "NUMPY", {}))
