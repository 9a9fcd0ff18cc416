"""``functorch``: the library ``torch.func`` grew out of, under its old name, for programs that still
``import functorch`` (PyTorch ships it beside torch).

Part III, beside ``func.py``, whose transforms it re-exports. What functorch adds is the older way to
treat a module as a function of its parameters: ``make_functional(model)`` returns ``(func, params)``
and ``make_functional_with_buffers(model)`` returns ``(func, params, buffers)``, where
``func(params, [buffers,] *inputs)`` runs the model with those tensors in place of its own
(``torch.func.functional_call`` underneath).
"""

from __future__ import annotations

from glassgrad.func import (functional_call, grad, grad_and_value, hessian, jacfwd, jacrev, jvp, vjp,  # noqa: F401
                            vmap)

__all__ = ["grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp", "vjp", "vmap", "make_functional",
           "make_functional_with_buffers"]


def make_functional_with_buffers(model, disable_autograd_tracking: bool = False):
    """``(func, params, buffers)``: ``func(params, buffers, *args)`` calls ``model`` with them."""
    param_names = [name for name, _ in model.named_parameters()]
    buffer_names = [name for name, _ in model.named_buffers()]
    params = tuple(p.detach() if disable_autograd_tracking else p for p in model.parameters())
    buffers = tuple(model.buffers())

    def func(params, buffers, *args, **kwargs):
        tensors = {**dict(zip(param_names, params)), **dict(zip(buffer_names, buffers))}
        return functional_call(model, tensors, args, kwargs)
    return func, params, buffers


def make_functional(model, disable_autograd_tracking: bool = False):
    """``(func, params)``: ``func(params, *args)`` calls ``model`` with those parameters."""
    func_with_buffers, params, buffers = make_functional_with_buffers(model, disable_autograd_tracking)

    def func(params, *args, **kwargs):
        return func_with_buffers(params, buffers, *args, **kwargs)
    return func, params
