"""glassgrad.autograd — as ``torch.autograd``: ``Function``, ``grad``, ``backward``, grad modes, gradcheck.

Part III. Read ``grad_mode.py``, then ``function.py`` (a recorded operation), then ``engine.py`` (the
chain rule over the whole graph).

Only the grad modes load eagerly: ``glassgrad/tensor.py`` needs them, while ``Function`` and the engine
need the tensor, so they load on first use (PEP 562) and the import graph stays acyclic.
"""

from glassgrad.autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled, no_grad,
                                          set_grad_enabled)

__all__ = ["Function", "FunctionCtx", "grad", "backward", "gradcheck", "gradgradcheck", "no_grad",
           "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode"]

_LAZY = {"Function": "function", "FunctionCtx": "function", "BackwardNode": "function",
         "grad": "engine", "backward": "engine", "gradcheck": "gradcheck", "gradgradcheck": "gradcheck"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib
        value = getattr(importlib.import_module(f"glassgrad.autograd.{_LAZY[name]}"), name)
        # Importing the submodule gradcheck.py set this package's attribute `gradcheck` to the module;
        # the function takes the name back, as in PyTorch (torch.autograd.gradcheck is the function).
        globals()[name] = value
        return value
    raise AttributeError(f"module 'glassgrad.autograd' has no attribute {name!r}")
