"""``torch.__future__``: switches for behaviour PyTorch will make the default one day.

Part III, beside ``nn.Module``. Two switches decide what ``Module._apply`` (``m.to()``, ``m.double()``,
``m.bfloat16()`` ...) and ``load_state_dict`` do with a parameter whose new value is a new tensor:

- ``set_swap_module_params_on_conversion(True)``: keep the parameter object and swap its contents with the
  new tensor (``glassgrad.utils.swap_tensors``): its class, its fields, its numbers. What holds the old
  object (an optimizer) sees the new value; a tensor subclass's own fields are converted too. And
  ``load_state_dict`` asks ``param.module_load(saved, assign=...)`` what to swap in.
- ``set_overwrite_module_params_on_conversion(True)``: put a new ``Parameter`` in the module instead of
  changing the old one's numbers in place (the optimizer then holds a stale one).

With neither, the parameter keeps its identity and gets the new numbers (``param.data = new``).
"""

from __future__ import annotations

__all__ = ["get_overwrite_module_params_on_conversion", "get_swap_module_params_on_conversion",
           "set_overwrite_module_params_on_conversion", "set_swap_module_params_on_conversion"]

_SWITCHES = {"overwrite": False, "swap": False}


def set_overwrite_module_params_on_conversion(value: bool) -> None:
    """Module conversions put new Parameter objects in the module (see the module docstring)."""
    _SWITCHES["overwrite"] = bool(value)


def get_overwrite_module_params_on_conversion() -> bool:
    return _SWITCHES["overwrite"]


def set_swap_module_params_on_conversion(value: bool) -> None:
    """Module conversions and load_state_dict swap the parameter objects' contents (swap_tensors)."""
    _SWITCHES["swap"] = bool(value)


def get_swap_module_params_on_conversion() -> bool:
    return _SWITCHES["swap"]
