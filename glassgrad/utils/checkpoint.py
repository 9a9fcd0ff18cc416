"""``glassgrad.utils.checkpoint`` — as ``torch.utils.checkpoint``: ``checkpoint`` and
``checkpoint_sequential``.

Part III, a utility. Activation checkpointing trades compute for memory: a checkpointed block does not
keep the values its backward needs; backward runs the block's forward a second time to get them back.
Both of PyTorch's variants are here, and behave as PyTorch's:

- ``use_reentrant=False`` (PyTorch's recommendation). The block runs once with the graph recorded as
  usual (``y.grad_fn`` is the block's last op), but every value an op saves for backward is replaced by
  a ticket (``autograd.graph.saved_tensors_hooks``). The first ticket backward reads re-runs the block,
  collecting what its ops save, in the same order, and each ticket then gives back its value.
- ``use_reentrant=True``. The block runs under ``no_grad`` inside a custom Function
  (``CheckpointFunctionBackward``) that keeps only its inputs; its backward re-runs the block with the
  graph on and calls backward inside it. As in PyTorch, when no *input* requires grad the output
  doesn't either, so the block's parameters get no gradient (a warning says so).

``preserve_rng_state`` (default True) replays the global generator's state for the second run, so
dropout drops the same units both times and the generator is left as it was.
"""

from __future__ import annotations

import warnings

from glassgrad.autograd.function import Function
from glassgrad.autograd.grad_mode import enable_grad, is_grad_enabled, no_grad
from glassgrad.autograd.graph import saved_tensors_hooks
from glassgrad.autograd.engine import backward as run_backward
from glassgrad.random import fork_rng, get_rng_state, set_rng_state
from glassgrad.tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential"]

_USE_REENTRANT_WARNING = (
    "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. Starting in PyTorch "
    "2.9, calling checkpoint without use_reentrant will raise an exception. use_reentrant=False is "
    "recommended, but if you need to preserve the current default behavior, you can pass use_reentrant=True. "
    "Refer to docs for more details on the differences between the two variants.")


def _check_use_reentrant(use_reentrant, kwargs) -> bool:
    if use_reentrant is None:
        warnings.warn(_USE_REENTRANT_WARNING, UserWarning, stacklevel=3)
        use_reentrant = True
    if use_reentrant and kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    return use_reentrant


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default", debug=False,
               early_stop=True, preserve_rng_state=True, **kwargs):
    """``function(*args, **kwargs)`` with its saved values dropped and recomputed in backward."""
    use_reentrant = _check_use_reentrant(use_reentrant, kwargs)
    if (context_fn is not None or debug) and use_reentrant:
        raise ValueError("Passing `context_fn` or `debug` is only supported when use_reentrant=False.")
    if determinism_check not in ("default", "none"):
        raise ValueError(f"determinism_check should be one of ['default', 'none'], but got {determinism_check}")
    if use_reentrant:
        return CheckpointFunction.apply(function, preserve_rng_state, *args)
    return _without_saved_values(function, args, kwargs, preserve_rng_state)


class CheckpointFunction(Function):
    """The reentrant variant: forward under no_grad keeping only the inputs; backward runs the block again
    with the graph on and backpropagates through that fresh graph."""

    @staticmethod
    def forward(ctx, function, preserve_rng_state, *args):
        ctx.block, ctx.preserve_rng_state = function, preserve_rng_state
        ctx.rng_state = get_rng_state() if preserve_rng_state else None
        ctx.tensor_positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx.others = [None if isinstance(a, Tensor) else a for a in args]
        ctx.save_for_backward(*[a for a in args if isinstance(a, Tensor)])
        if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be None", UserWarning,
                          stacklevel=4)
        with no_grad():
            return function(*args)

    @staticmethod
    def backward(ctx, *grads):
        inputs = list(ctx.others)
        for i, saved in zip(ctx.tensor_positions, ctx.saved_tensors):
            inputs[i] = saved.detach().requires_grad_(saved.requires_grad)
        with fork_rng(enabled=ctx.preserve_rng_state):
            if ctx.preserve_rng_state:
                set_rng_state(ctx.rng_state)
            with enable_grad():
                outputs = ctx.block(*inputs)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, grads) if isinstance(o, Tensor) and o.requires_grad]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not necessary")
        run_backward([o for o, _ in pairs], [g for _, g in pairs])
        return (None, None) + tuple(a.grad if isinstance(a, Tensor) else None for a in inputs)


def _without_saved_values(function, args, kwargs, preserve_rng_state):
    """The non-reentrant variant: record the graph, but keep a ticket for every saved value; the first
    ticket read re-runs ``function`` (same inputs, same random state) and collects the values it saves."""
    if not is_grad_enabled():
        return function(*args, **kwargs)
    rng_state = get_rng_state() if preserve_rng_state else None
    recomputed: list = []
    count = [0]

    def pack(tensor):
        count[0] += 1
        return count[0] - 1

    def unpack(ticket):
        if not recomputed:
            inputs = [a.detach().requires_grad_(a.requires_grad) if isinstance(a, Tensor) else a for a in args]
            with fork_rng(enabled=preserve_rng_state), enable_grad(), \
                    saved_tensors_hooks(lambda t: recomputed.append(t) or len(recomputed) - 1, lambda i: recomputed[i]):
                if preserve_rng_state:
                    set_rng_state(rng_state)
                function(*inputs, **kwargs)
            if len(recomputed) != count[0]:
                raise RuntimeError(
                    "torch.utils.checkpoint: A different number of tensors was saved during the original forward "
                    f"and recomputation.\nNumber of tensors saved during forward: {count[0]}\n"
                    f"Number of tensors saved during recomputation: {len(recomputed)}")
        return recomputed[ticket]

    with saved_tensors_hooks(pack, unpack):
        return function(*args, **kwargs)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):  # noqa: A002
    """Run ``functions`` (a list, or an nn.Sequential) one after another on ``input``, cut into ``segments``
    pieces: each piece but the last is checkpointed, as PyTorch does."""
    if use_reentrant is None:
        warnings.warn(_USE_REENTRANT_WARNING, UserWarning, stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if hasattr(functions, "children") and not isinstance(functions, (list, tuple)):
        functions = list(functions.children())
    segment_size = len(functions) // segments
    end = -1
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        piece = functions[start:end + 1]

        def run(x, piece=piece):
            for f in piece:
                x = f(x)
            return x
        input = checkpoint(run, input, use_reentrant=use_reentrant, preserve_rng_state=preserve)  # noqa: A001
    for f in functions[end + 1:]:
        input = f(input)  # noqa: A001
    return input
