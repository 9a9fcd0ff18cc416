"""Module backward hooks: ``register_full_backward_hook`` and ``register_full_backward_pre_hook``.

Part III, nn chapter, beside module.py. A full backward hook sees a module as one step of the chain
rule: ``hook(module, grad_input, grad_output)`` runs when the gradients with respect to the module's
inputs are known, ``grad_output`` being the gradients with respect to its outputs (a pre-hook,
``hook(module, grad_output)``, runs as soon as those arrive, and may replace them).

How, as PyTorch's ``BackwardHook``: while a module with such hooks runs, each tensor input that requires
grad, and each tensor output, passes through an identity node (``BackwardHookFunctionBackward``). The
output's node is reached first in backward: it records ``grad_output`` (after the pre-hooks). The input
nodes are reached once the module's own backward is done: when every one of them has its gradient, the
hooks are called, and a tuple they return replaces ``grad_input``. glassgrad's Functions have one output,
so each tensor gets its own identity node; with several inputs, a replacement returned by the hook
reaches the input whose gradient arrived last and those not yet sent on (the others have gone).
"""

from __future__ import annotations

import warnings

from glassgrad.autograd.function import Function
from glassgrad.tensor import Tensor

__all__ = ["BackwardHookFunction", "BackwardHooks"]


class BackwardHookFunction(Function):
    """out = x (an identity in the graph); its backward hands ∂L/∂out to a callback, which may replace it."""

    @staticmethod
    def forward(ctx, x, on_gradient):
        ctx.on_gradient = on_gradient
        return x.view_as(x)

    @staticmethod
    def backward(ctx, g):
        return ctx.on_gradient(g), None


class BackwardHooks:
    """One call of a module with full backward hooks: wraps its inputs and outputs, then calls the hooks."""

    def __init__(self, module, hooks: list, pre_hooks: list) -> None:
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.n_inputs = 0           # tensor arguments: the length of grad_input
        self.waiting: set = set()   # positions whose gradient backward has not delivered yet
        self.grad_input: list = []
        self.grad_outputs: tuple | None = None
        self.n_outputs = 0

    def wrap_inputs(self, args: tuple) -> tuple:
        tensors = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.n_inputs = len(tensors)
        self.grad_input = [None] * self.n_inputs
        wrapped = list(args)
        for k, i in enumerate(tensors):
            if args[i].requires_grad:
                self.waiting.add(k)
                wrapped[i] = BackwardHookFunction.apply(args[i], lambda g, k=k: self._on_input(k, g))
        return tuple(wrapped)

    def wrap_outputs(self, output):
        if isinstance(output, Tensor):
            self.n_outputs = 1
            return BackwardHookFunction.apply(output, lambda g: self._on_output(0, g)) \
                if output.requires_grad else output
        if isinstance(output, (tuple, list)):
            self.n_outputs = len(output)
            return type(output)(BackwardHookFunction.apply(o, lambda g, k=k: self._on_output(k, g))
                                if isinstance(o, Tensor) and o.requires_grad else o
                                for k, o in enumerate(output))
        return output

    def _on_output(self, k: int, g):
        grads = [None] * self.n_outputs
        if self.grad_outputs is not None:
            grads = list(self.grad_outputs)
        grads[k] = g
        grad_outputs = tuple(grads)
        for hook in self.pre_hooks:
            result = hook(self.module, grad_outputs)
            if result is not None:
                grad_outputs = tuple(result) if isinstance(result, (tuple, list)) else (result,)
        self.grad_outputs = grad_outputs
        if not self.waiting and self.n_inputs == len(self.grad_input) and not any(self.grad_input):
            warnings.warn("Full backward hook is firing when gradients are computed with respect to module "
                          "outputs since no inputs require gradients. See https://docs.pytorch.org/docs/main/"
                          "generated/torch.nn.Module.html#torch.nn.Module.register_full_backward_hook for "
                          "more details.", stacklevel=2)
            self._call_hooks()  # no input requires grad: PyTorch calls the hooks with grad_input all None
        return grad_outputs[k]

    def _on_input(self, k: int, g):
        self.grad_input[k] = g
        self.waiting.discard(k)
        if self.waiting:
            return g
        return self._call_hooks()[k]

    def _call_hooks(self) -> tuple:
        grad_input = tuple(self.grad_input)
        for hook in self.hooks:
            result = hook(self.module, grad_input, self.grad_outputs)
            if result is not None:
                result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
                if len(result) != len(grad_input):
                    raise RuntimeError(f"Backward hook returned an invalid number of grad_input, got "
                                       f"{len(result)}, but expected {len(grad_input)}")
                grad_input = result
        return grad_input
