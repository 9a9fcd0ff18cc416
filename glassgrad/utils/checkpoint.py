"""``glassgrad.utils.checkpoint`` — as ``torch.utils.checkpoint``: ``checkpoint`` and
``checkpoint_sequential``.

Part III, a utility. PyTorch's checkpointing saves memory by *not* keeping a block's intermediate values
and recomputing them during backward. glassgrad keeps them: ``checkpoint(fn, *args)`` simply calls
``fn(*args)`` and records the graph as usual, so values and gradients are those of the plain call (the
memory saving is what is left out). The argument checks and the use_reentrant warning are PyTorch's.
"""

from __future__ import annotations

import warnings

__all__ = ["checkpoint", "checkpoint_sequential"]

_USE_REENTRANT_WARNING = (
    "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. Starting in PyTorch "
    "2.9, calling checkpoint without use_reentrant will raise an exception. use_reentrant=False is "
    "recommended, but if you need to preserve the current default behavior, you can pass use_reentrant=True. "
    "Refer to docs for more details on the differences between the two variants.")


def _check_use_reentrant(use_reentrant, kwargs, extra_allowed=()) -> None:
    if use_reentrant is None:
        warnings.warn(_USE_REENTRANT_WARNING, UserWarning, stacklevel=3)
        use_reentrant = True
    if use_reentrant and kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default", debug=False,
               early_stop=True, preserve_rng_state=True, **kwargs):
    """``function(*args, **kwargs)``, as PyTorch's activation checkpointing returns it (here computed once
    and kept: no recomputation in backward)."""
    _check_use_reentrant(use_reentrant, kwargs)
    if context_fn is not None and use_reentrant:
        raise ValueError("Passing `context_fn` or `debug` is only supported when use_reentrant=False.")
    return function(*args, **kwargs)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):  # noqa: A002
    """Run ``functions`` (a list, or an nn.Sequential) one after another on ``input``, in ``segments``
    checkpointed pieces (here: simply in order)."""
    if use_reentrant is None:
        warnings.warn(_USE_REENTRANT_WARNING, UserWarning, stacklevel=2)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if hasattr(functions, "children") and not isinstance(functions, (list, tuple)):
        functions = list(functions.children())
    for function in functions:
        input = function(input)  # noqa: A001
    return input
