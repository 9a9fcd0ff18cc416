"""The differentiable primitives, one family a file, each op's forward and backward side by side.

Part III. Read the files in this order; each imports only the files before it:

    _util           unbroadcast, dtype promotion, dim checks: what every family shares
    elementwise     arithmetic (+ - * / // % **), maximum, minimum, where, lerp: the pattern to learn
    unary           math of one tensor: exp, log, sqrt, sin/cos/tan, activations, rounding, clamp
    trigonometry    sinh, cosh, asin, acos, atan (and arc* aliases), atan2
    special_math    lgamma, digamma, erf, erfinv, logaddexp, hypot, xlogy, nan_to_num, nansum ...
    cast            .to(), .float(), .type() ...
    compare         == < > ..., logical_*, isnan, allclose: bool results, no gradient
    inplace         add_, mul_, +=, zero_, fill_, copy_
    reduce          sum, mean, prod, max/min, median, logsumexp, all/any, argmax
    variance        var, std, var_mean, std_mean
    cumulative      cumsum
    softmax         softmax, log_softmax
    shape           reshape, view, squeeze, permute, transpose, expand, flip, tril, diagonal ...
    inplace_functions  sin_, unsqueeze_, t_ ... and torch.sin_(x): the remaining in-place forms
    joining         cat, stack, split, chunk, unbind, repeat/tile, and basic slicing
    indexing        x[...], index_select, masked_fill, nonzero
    repeating       repeat_interleave, meshgrid
    gather_scatter  gather, scatter, sort, topk
    index_write     index_copy, index_put, put, scatter_reduce, masked_scatter
    counting        unique, bincount, histc, histogram
    numerical       aminmax, vander, trapezoid, cumulative_trapezoid, unravel_index: compositions of the above
    linalg          matmul, einsum, norms
    statistics      cummax, cummin, logcumsumexp, quantile, nanquantile, mode, renorm
    building        tensordot, kron, block_diag, diag_embed, rot90, hsplit, unfold, searchsorted, isin ...
    more_math       cumprod, float_power, fmax/fmin, gcd/lcm, sgn, diff, nanmedian, *_scatter, eq_ ...
    blas            addmm, addmv, addr, baddbmm, addbmm, addcmul, addcdiv, inner, vdot, trace, multi_dot
    decompositions  det, svd, cross
    factorizations  inv, slogdet, eigh, qr, cholesky, solve_triangular, lu, pinv, lstsq ... (torch.linalg)
    conv, pool      conv1d/2d, max/avg/adaptive pooling
    random          normal_, uniform_, bernoulli_ ...: random fills in place
    sparse          sparse COO tensors: sparse_coo_tensor, to_sparse, to_dense, coalesce, sparse @ dense
    leaf_hooks      register_post_accumulate_grad_hook: run after backward adds into a leaf's .grad
    storage         untyped_storage(), storage(): the block of memory under a tensor and its views

Each family ends with a ``TENSOR_METHODS`` table (method name -> function): importing this package
attaches them to ``Tensor``, so ``x.sum(dim=1)`` and ``glassgrad.sum(x, dim=1)`` are one function.
Each family's ``NUMPY`` table maps numpy functions to the same ops, for ``Tensor.__array_ufunc__``.
"""

from __future__ import annotations

from glassgrad.ops import (blas, building, cast, compare, conv, counting, cumulative, decompositions, elementwise,
                           factorizations, gather_scatter, index_write, indexing, inplace, inplace_functions, joining,
                           leaf_hooks, linalg, more_math, numerical, pool, random, reduce, repeating, shape, softmax,
                           sparse, special_math, statistics, storage, trigonometry, unary, variance)
from glassgrad.overrides import aten  # noqa: F401  (torch.ops.aten: the aten ops glassgrad names, for __torch_dispatch__)
from glassgrad.tensor import NUMPY_DISPATCH, Tensor

FAMILIES = (elementwise, unary, trigonometry, special_math, cast, compare, inplace, reduce, variance, cumulative,
            softmax, shape, inplace_functions, joining, indexing, repeating, gather_scatter, index_write,
            counting, linalg, statistics, building, more_math, blas, decompositions, factorizations, numerical,
            conv, pool, random, sparse, leaf_hooks, storage)

for _family in FAMILIES:
    for _method, _fn in getattr(_family, "TENSOR_METHODS", {}).items():
        setattr(Tensor, _method, _fn)
    NUMPY_DISPATCH.update(getattr(_family, "NUMPY", {}))
