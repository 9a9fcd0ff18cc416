"""``scaled_dot_product_attention``: attention as one function, as ``torch.nn.functional``'s.

Part III, nn chapter, after functional.py (which re-exports it as ``F.scaled_dot_product_attention``).
Attention is a soft dictionary look-up: every query row asks every key row how similar it is (a dot
product), turns the similarities into weights that sum to one (softmax), and returns that mix of the
value rows:

    A   = softmax(Q Kᵀ · scale + bias)      scale = 1/√E by default (E = the query's last dimension)
    out = dropout(A) V

``bias`` is 0 where a query may look and −∞ where it may not (a causal mask hides the future; a bool
``attn_mask`` hides the False places; a float ``attn_mask`` is added as it is). There is no Primitive
here: the formula is built from matmul, masked_fill and softmax, so backward (and double backward) is
the chain rule through those ops. As in PyTorch, a query row that may look nowhere (all −∞) gives 0
instead of the 0/0 of a softmax over nothing.

nn/attention.py's MultiheadAttention and nn/transformer.py's layers are built on this function.

PyTorch picks one of several kernels (math, flash, memory-efficient, cuDNN) for this function, and a
program may switch them off (``torch.nn.attention.sdpa_kernel``, ``torch.backends.cuda.enable_*_sdp``).
glassgrad has one way, the formula above; ``ENABLED_KERNELS`` keeps the switches so that, as on
PyTorch's CPU, the call fails only when both kernels a CPU has (math and flash) are switched off.
"""

from __future__ import annotations

import contextlib
import math

import numpy as np

from glassgrad import sampling
from glassgrad.dtypes import TORCH_NAMES
from glassgrad.ops import elementwise as _ew
from glassgrad.ops.indexing import masked_fill
from glassgrad.ops.linalg import matmul
from glassgrad.ops.softmax import softmax
from glassgrad.tensor import Tensor

__all__ = ["scaled_dot_product_attention"]


def _dtype_name(array) -> str:
    return {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
            "int32": "int", "bool": "bool"}.get(array.dtype.name, TORCH_NAMES.get(array.dtype.name, ""))


def _dropout(x: Tensor, p: float) -> Tensor:
    """y = x·m, m = 0 with probability p, else 1/(1 − p) (F.dropout's rule; written out here because
    functional.py imports this file, so this file cannot import functional.py's dropout)."""
    if p == 0.0:
        return x
    mask = sampling.dropout_mask(sampling.default_generator, x._array.shape, p, x._array.dtype)
    return _ew.mul(x, Tensor._wrap(mask))


def _repeat_heads(x: Tensor, heads: int) -> Tensor:
    """(..., Hk, S, E) -> (..., heads, S, E), each of the Hk heads repeated heads/Hk times in a row
    (repeat_interleave along dim -3, written as unsqueeze + expand + reshape)."""
    shape = tuple(x.shape)
    groups = heads // shape[-3]
    x = x.unsqueeze(-3).expand(*shape[:-2], groups, *shape[-2:])
    return x.reshape(*shape[:-3], heads, *shape[-2:])


def _bias(L: int, S: int, attn_mask, is_causal: bool) -> tuple:
    """The additive bias as (hidden, float_mask): ``hidden`` a bool numpy array, True where the bias is
    −∞ (causal or a False in a bool mask); ``float_mask`` a float attn_mask Tensor to add, or None."""
    if is_causal:
        return ~np.tril(np.ones((L, S), dtype=bool)), None
    if attn_mask is None:
        return None, None
    if attn_mask._array.dtype == np.bool_:
        return ~attn_mask._array, None
    return None, attn_mask


# PyTorch's global switches for the attention kernels (all on by default); math and flash run on a CPU.
ENABLED_KERNELS = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True, "overrideable": True}


@contextlib.contextmanager
def kernels_switched(**switches):
    """Inside the block the named kernel switches are as given; after it, all are as they were."""
    previous = dict(ENABLED_KERNELS)
    ENABLED_KERNELS.update(switches)
    try:
        yield {}
    finally:
        ENABLED_KERNELS.update(previous)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p: float = 0.0,
                                 is_causal: bool = False, *, scale=None, enable_gqa: bool = False):
    """softmax(Q Kᵀ·scale + bias) V, as ``torch.nn.functional.scaled_dot_product_attention``.

    query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev). ``attn_mask`` broadcasts to
    (..., L, S): bool (True = may attend) or float (added to the scores). ``is_causal`` hides key j > i
    from query i (not together with ``attn_mask``: PyTorch's error). ``dropout_p`` drops attention
    weights (always, as in PyTorch: pass 0.0 in eval). ``enable_gqa``: key/value may have fewer heads
    (dim -3) than query; each is repeated to match (grouped-query attention).
    """
    for t, name in ((query, "query"), (key, "key"), (value, "value")):
        if not isinstance(t, Tensor):
            raise TypeError(f"scaled_dot_product_attention(): argument '{name}' must be Tensor, not "
                            f"{type(t).__name__}")
    if not (ENABLED_KERNELS["math"] or ENABLED_KERNELS["flash"]):
        raise RuntimeError("No viable backend for scaled_dot_product_attention was found. This is likely due to "
                           "turning off both the math kernel and the fused kernels.")
    q, k, v = query._array, key._array, value._array
    if not (q.dtype == k.dtype == v.dtype):
        raise RuntimeError("Expected query, key, and value to have the same dtype, but got query.dtype: "
                           f"{_dtype_name(q)} key.dtype: {_dtype_name(k)} and value.dtype: "
                           f"{_dtype_name(v)} instead.")
    if attn_mask is not None:
        m = attn_mask._array
        if m.dtype not in (np.bool_, np.float32, q.dtype):  # PyTorch's "float" is float32
            raise RuntimeError("Expected attn_mask dtype to be bool or float or to match query dtype, but "
                               f"got attn_mask.dtype: {_dtype_name(m)} and  query.dtype: "
                               f"{_dtype_name(q)} instead.")
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when "
                           "is_causal=True")
    if dropout_p < 0.0 or dropout_p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    L, S = q.shape[-2], k.shape[-2]
    if enable_gqa and q.ndim >= 3 and k.shape[-3] != q.shape[-3]:
        key, value = _repeat_heads(key, q.shape[-3]), _repeat_heads(value, q.shape[-3])
    scale_factor = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = _ew.mul(matmul(query, key.transpose(-2, -1)), scale_factor)
    hidden, float_mask = _bias(L, S, attn_mask, is_causal)
    if float_mask is not None:
        if float_mask._array.dtype != q.dtype:  # the mask takes the query's precision, as in PyTorch
            float_mask = float_mask.to(query.dtype)
        scores = _ew.add(scores, float_mask)
    if hidden is not None:
        scores = masked_fill(scores, Tensor._wrap(hidden), float("-inf"))
    # A row with nowhere to look would be softmax over nothing (0/0): give it scores of 0 first (so
    # backward sees no NaN) and weights of 0 after, as PyTorch does.
    nowhere = np.isneginf(scores._array).all(axis=-1, keepdims=True)
    if nowhere.any():
        scores = masked_fill(scores, Tensor._wrap(nowhere), 0.0)
    weights = softmax(scores, -1)
    if nowhere.any():
        weights = masked_fill(weights, Tensor._wrap(nowhere), 0.0)
    weights = _dropout(weights, dropout_p)
    return matmul(weights, value)
