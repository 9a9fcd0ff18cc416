"""``torch._C``: the few names of PyTorch's C extension that Python programs import directly.

Part III, beside overrides.py. PyTorch's ``_C`` is its compiled core; programs reach into it for the
``__torch_function__`` switches (``torch._C.DisableTorchFunctionSubclass``,
``from torch._C import _disabled_torch_function_impl``). glassgrad has no compiled core: these are
overrides.py's names, under the path programs write.
"""

from __future__ import annotations

from glassgrad.overrides import (DisableTorchFunction, DisableTorchFunctionSubclass,  # noqa: F401
                                 _disabled_torch_function_impl, _is_torch_function_enabled, has_torch_function,
                                 has_torch_function_unary, has_torch_function_variadic)

__all__ = ["DisableTorchFunction", "DisableTorchFunctionSubclass", "_disabled_torch_function_impl",
           "_is_torch_function_enabled", "has_torch_function", "has_torch_function_unary",
           "has_torch_function_variadic", "_get_tracing_state"]


def _get_tracing_state():
    """Whether ``torch.jit.trace`` is tracing right now: glassgrad's trace records as the program runs
    (jit.py), with nothing to consult, so None, PyTorch's answer outside a trace."""
    return None
