"""``torch.cuda.amp``: the deprecated spellings of ``torch.amp.GradScaler("cuda")`` and
``torch.amp.autocast("cuda")``, with PyTorch's FutureWarning. Without CUDA both disable themselves
(see glassgrad/amp.py)."""

from __future__ import annotations

import warnings

from glassgrad import amp, dtypes

__all__ = ["GradScaler", "autocast", "custom_fwd", "custom_bwd"]


class GradScaler(amp.GradScaler):
    """``torch.cuda.amp.GradScaler(...)`` is ``torch.amp.GradScaler("cuda", ...)``: disabled here."""

    def __init__(self, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        warnings.warn("`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                      "`torch.amp.GradScaler('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", init_scale=init_scale, growth_factor=growth_factor,
                         backoff_factor=backoff_factor, growth_interval=growth_interval, enabled=enabled)


def custom_fwd(fwd=None, *, cast_inputs=None):
    """``torch.amp.custom_fwd(..., device_type="cuda")``, deprecated spelling: the function, unchanged."""
    warnings.warn("`torch.cuda.amp.custom_fwd(args...)` is deprecated. Please use "
                  "`torch.amp.custom_fwd(args..., device_type='cuda')` instead.", FutureWarning, stacklevel=2)
    return amp.custom_fwd(fwd, device_type="cuda", cast_inputs=cast_inputs)


def custom_bwd(bwd):
    """``torch.amp.custom_bwd(..., device_type="cuda")``, deprecated spelling: the function, unchanged."""
    warnings.warn("`torch.cuda.amp.custom_bwd(args...)` is deprecated. Please use "
                  "`torch.amp.custom_bwd(args..., device_type='cuda')` instead.", FutureWarning, stacklevel=2)
    return amp.custom_bwd(bwd, device_type="cuda")


class autocast(amp.autocast):  # noqa: N801 - PyTorch's name
    """``torch.cuda.amp.autocast(...)`` is ``torch.amp.autocast("cuda", ...)``: disabled here."""

    def __init__(self, enabled: bool = True, dtype=dtypes.float16, cache_enabled: bool = True) -> None:
        warnings.warn("`torch.cuda.amp.autocast(args...)` is deprecated. Please use "
                      "`torch.amp.autocast('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", enabled=enabled, dtype=dtype, cache_enabled=cache_enabled)
