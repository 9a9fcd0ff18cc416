"""Mixed precision, as ``torch.amp``: ``autocast`` and ``GradScaler``, on a library that runs on the CPU.

Part III, after ``optim/`` (a GradScaler drives an optimizer). Mixed-precision training runs the big
matrix products in float16 (or bfloat16) and keeps the rest in float32; because small float16 gradients
round to zero, the loss is first multiplied by a large *scale* ``S`` and the gradients divided by ``S``
before the step:

    scaled = S · loss;   ∂scaled/∂θ = S · ∂loss/∂θ;   θ.grad ← θ.grad / S;   step only if every grad is finite;
    S ← S · backoff_factor after a step with inf/nan, S ← S · growth_factor after growth_interval good steps.

What glassgrad does, and why:

- ``autocast("cpu")`` casts as PyTorch's CPU autocast does, by its two op lists: the matrix products
  (matmul, mm, bmm, linear, einsum, conv and conv_transpose) get their float32 inputs cast to the fast
  dtype (bfloat16 unless told, or float16), and the losses and the few ops PyTorch keeps in float32
  (mse/l1/nll/bce/... losses, cdist, grid_sample, the 3-D pools) get reduced-precision inputs cast to
  float32; every other op runs in its inputs' dtypes. The casts are ordinary ``ToCopyBackward0`` nodes,
  so gradients flow back to float32 parameters in float32. The hook sits in ``Function.apply``
  (``set_autocast``), so it costs nothing outside an autocast region. Without ``ml_dtypes`` (no
  bfloat16 tensors) a bfloat16 autocast warns once and casts nothing. For ``"cuda"`` it warns and
  disables itself exactly as PyTorch does on a machine without CUDA.
- ``GradScaler("cuda")`` (the default device) warns and disables itself as PyTorch's does without CUDA:
  ``scale`` returns the loss unchanged, ``step`` calls ``optimizer.step()``, ``update`` does nothing.
  ``GradScaler("cpu")`` is enabled, as in PyTorch, and does the real thing above.
"""

from __future__ import annotations

import functools
import warnings
from collections import defaultdict

import numpy as np

from glassgrad import dtypes
from glassgrad.autograd import function
from glassgrad.autograd.grad_mode import no_grad
from glassgrad.creation import tensor
from glassgrad.devices import device
from glassgrad.nn.functional_activation import Prelu
from glassgrad.nn.functional_distance import Cdist
from glassgrad.nn.functional_ctc import CtcLoss
from glassgrad.nn.functional_grid import GridSample
from glassgrad.nn.functional_loss import BinaryCrossEntropy, BinaryCrossEntropyWithLogits, NllLoss, PointwiseLoss
from glassgrad.nn.functional_margin_loss import MultiMarginLoss, SoftMarginLoss
from glassgrad.nn.functional_pool import MaxUnpool2d
from glassgrad.nn.functional_volume import AdaptiveAvgPool3d, AvgPool3d, Conv3d, MaxPool3d
from glassgrad.ops.cast import Cast
from glassgrad.ops.conv import Conv2d, ConvTranspose1d, ConvTranspose2d
from glassgrad.ops.linalg import Addmm, Bmm, Einsum, Mm, MmTransposed
from glassgrad.tensor import Tensor

__all__ = ["autocast", "GradScaler", "is_autocast_available", "is_autocast_enabled", "custom_fwd", "custom_bwd"]

# Device types PyTorch 2.13 (CPU build) answers True for in is_autocast_available.
_AUTOCAST_TYPES = ("cpu", "cuda", "ipu", "xpu", "maia", "xla", "mps", "hpu", "mtia", "privateuseone")
_warned_no_cast = False  # the does-not-cast warning (no ml_dtypes) is given once per process

# PyTorch's CPU autocast lists (aten/src/ATen/autocast_mode.cpp), as glassgrad's primitives: ops that run
# in the fast dtype, and ops that run in float32. (matmul, linear and conv reach these primitives.)
LOWER_PRECISION = frozenset({Mm, Bmm, Addmm, MmTransposed, Einsum, Conv2d, ConvTranspose1d, ConvTranspose2d,
                             Conv3d, Prelu})
FLOAT32 = frozenset({PointwiseLoss, NllLoss, BinaryCrossEntropy, BinaryCrossEntropyWithLogits, SoftMarginLoss,
                     MultiMarginLoss, CtcLoss, Cdist, GridSample, AvgPool3d, MaxPool3d, AdaptiveAvgPool3d,
                     MaxUnpool2d})
_FLOAT32 = np.dtype(np.float32)


def _caster(fast: np.dtype):
    """The ``Function.apply`` hook of an autocast region whose fast dtype is ``fast``: the argument tuple,
    with the float tensors of a listed op cast (by recorded casts, so gradients flow back)."""
    def cast_arguments(cls, args: tuple) -> tuple:
        if cls in LOWER_PRECISION:
            want, cast_from = fast, (_FLOAT32,)
        elif cls in FLOAT32:
            want, cast_from = _FLOAT32, (np.dtype(np.float16), dtypes.BFLOAT16)
        else:
            return args
        return tuple(Cast.apply(a, want) if isinstance(a, Tensor) and a._array.dtype in cast_from else a
                     for a in args)
    return cast_arguments


def is_autocast_available(device_type: str) -> bool:
    """Whether ``autocast(device_type)`` is accepted (PyTorch's list; an unknown name raises)."""
    device(device_type)  # PyTorch's error for a name it does not know
    return device_type in _AUTOCAST_TYPES


class autocast:  # noqa: N801 - PyTorch's name
    """``with autocast("cpu"):`` (bfloat16) or ``autocast("cpu", dtype=torch.float16)``: matrix products
    in the fast dtype, losses in float32, the rest in their inputs' dtypes (module docstring).

    Arguments and the checks on them are PyTorch's: ``device_type`` a string, ``"cuda"`` warns and
    disables itself (no CUDA here), a dtype other than float16/bfloat16 warns and disables itself.
    Regions nest: ``autocast(enabled=False)`` inside one turns it off until it ends. Also a decorator:
    ``@autocast("cpu")``."""

    def __init__(self, device_type: str, dtype=None, enabled: bool = True, cache_enabled: bool | None = None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.device = device_type
        if not is_autocast_available(device_type):
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
        # PyTorch's default is bfloat16 on the CPU and float16 elsewhere
        self.fast_dtype = dtype if dtype is not None else (dtypes.bfloat16 if device_type == "cpu" else dtypes.float16)
        self._cache_enabled = True if cache_enabled is None else cache_enabled
        name = device_type.upper()
        if enabled:
            if device_type == "cuda":
                warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.",
                              stacklevel=2)
                enabled = False
            elif self.fast_dtype not in (dtypes.float16, dtypes.bfloat16):
                warnings.warn(f"In {name} autocast, but the target dtype is not supported. Disabling "
                              f"autocast.\n{name} Autocast only supports dtypes of torch.bfloat16, "
                              "torch.float16 currently.", stacklevel=2)
                enabled = False
        self._enabled = enabled
        self._outer = []  # the hooks this region replaced, one per (nested, re-)entry
        global _warned_no_cast
        if enabled and self.fast_dtype.numpy is None and not _warned_no_cast:
            _warned_no_cast = True
            warnings.warn(f"glassgrad's {name} autocast casts nothing without bfloat16 tensors: pip install "
                          "ml_dtypes (or glassgrad[bf16]); ops compute in their inputs' own dtypes.",
                          UserWarning, stacklevel=2)

    def __enter__(self) -> "autocast":
        self._outer.append(function.autocast_hook())
        casts = self._enabled and self.device == "cpu" and self.fast_dtype.numpy is not None
        function.set_autocast(_caster(self.fast_dtype.numpy) if casts else None)
        return self

    def __exit__(self, *exc) -> bool:
        function.set_autocast(self._outer.pop())
        return False

    def __call__(self, func):
        if not callable(func):
            raise TypeError(
                f"autocast()(func) requires a callable, but got {type(func).__name__}. Did you mean to use "
                "autocast as a context manager? For example:\n    with torch.autocast(device_type=...):\n"
                "        output = model(input)")

        @functools.wraps(func)
        def decorated(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return decorated


def is_autocast_enabled(device_type: str = "cpu") -> bool:
    """Is an autocast region that casts open (glassgrad casts on the CPU only)?"""
    return device_type == "cpu" and function.autocast_hook() is not None


def custom_fwd(fwd=None, *, device_type: str, cast_inputs=None):
    """Decorator for a custom Function's forward under autocast: unchanged here (no autocast casts)."""
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)
    return fwd


def custom_bwd(bwd=None, *, device_type: str):
    """Decorator for a custom Function's backward under autocast: unchanged here."""
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)
    return bwd


# --- GradScaler --------------------------------------------------------------------------------------------
_READY, _UNSCALED, _STEPPED = "ready", "unscaled", "stepped"  # PyTorch's OptState, per optimizer


def _fresh_state() -> dict:
    return {"stage": _READY, "found_inf": None}


def _f32(x) -> float:
    """PyTorch keeps the scale in a float32 tensor: round as it does."""
    return float(np.float32(x))


class GradScaler:
    """Loss scaling for mixed-precision training, as ``torch.amp.GradScaler`` (the math: module docstring).

    ``GradScaler("cuda")`` — the default — warns and disables itself (no CUDA), as PyTorch's does; a
    disabled scaler passes everything through: ``scale(loss)`` is ``loss``, ``step(opt)`` is
    ``opt.step()``. ``GradScaler("cpu")`` is enabled and scales, unscales, skips steps with inf/nan
    gradients and adapts the scale exactly as PyTorch's."""

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000, enabled: bool = True) -> None:
        self._device = device
        self._enabled = enabled
        if device == "cuda" and enabled:
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                          stacklevel=2)
            self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
            self._init_scale = init_scale
            self._scale: float | None = None  # set by the first scale(), as PyTorch's lazy tensor
            self._growth_factor = growth_factor
            self._backoff_factor = backoff_factor
            self._growth_interval = growth_interval
            self._init_growth_tracker = 0
            self._growth_tracker: int | None = None
            self._per_optimizer_states = defaultdict(_fresh_state)

    def _check_started(self, funcname: str) -> None:
        if self._scale is None:
            raise AssertionError(f"Attempted {funcname} but _scale is None.  This may indicate your script "
                                 "did not use scaler.scale(loss or outputs) earlier in the iteration.")

    def scale(self, outputs):
        """``S · outputs`` for a tensor or (nested) list/tuple of tensors; unchanged when disabled."""
        if not self._enabled:
            return outputs
        if self._scale is None:
            self._scale, self._growth_tracker = _f32(self._init_scale), self._init_growth_tracker

        def apply_scale(val):
            if isinstance(val, Tensor):
                return val * tensor(self._scale, dtype=dtypes.float32, device="cpu")
            if isinstance(val, (list, tuple)):
                return type(val)(apply_scale(v) for v in val)
            if hasattr(val, "__iter__"):
                return map(apply_scale, val)
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")
        return apply_scale(outputs)

    def _unscale_grads(self, optimizer, inv_scale: float, allow_fp16: bool) -> bool | None:
        """Multiply every gradient by ``inv_scale`` in place; True if any held an inf or nan (None: no
        gradients at all, so no check was recorded)."""
        found_inf = None
        with no_grad():
            for group in optimizer.param_groups:
                for param in group["params"]:
                    grad = param.grad
                    if grad is None:
                        continue
                    if not allow_fp16 and grad.dtype == dtypes.float16:
                        raise ValueError("Attempting to unscale FP16 gradients.")
                    found_inf = bool(found_inf) or not bool(np.isfinite(grad.detach().numpy()).all())
                    if inv_scale != 1.0:
                        grad.mul_(inv_scale)
        return found_inf

    def unscale_(self, optimizer) -> None:
        """Divide the optimizer's gradients by the scale (once per iteration), noting any inf/nan."""
        if not self._enabled:
            return
        self._check_started("unscale_")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] == _UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] == _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inv_scale = _f32(1.0 / np.float64(self._scale))  # PyTorch takes the reciprocal in float64
        state["found_inf"] = self._unscale_grads(optimizer, inv_scale, allow_fp16=False)
        state["stage"] = _UNSCALED

    def step(self, optimizer, *args, **kwargs):
        """Unscale (unless done), then ``optimizer.step(*args, **kwargs)`` unless a gradient is inf/nan."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._check_started("step")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] == _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] == _READY:
            self.unscale_(optimizer)
        if state["found_inf"] is None:
            raise AssertionError("No inf checks were recorded for this optimizer.")
        result = None if state["found_inf"] else optimizer.step(*args, **kwargs)
        state["stage"] = _STEPPED
        return result

    def update(self, new_scale=None) -> None:
        """Back off after an inf/nan, grow after ``growth_interval`` clean steps (or set ``new_scale``)."""
        if not self._enabled:
            return
        self._check_started("update")
        if new_scale is not None:
            if isinstance(new_scale, float):
                self._scale = _f32(new_scale)
            else:
                reason = ("new_scale should be a float or a 1-element torch.cuda.FloatTensor or "
                          "torch.FloatTensor with requires_grad=False.")
                if not isinstance(new_scale, Tensor) or new_scale.device.type != self._device or \
                        new_scale.numel() != 1 or new_scale.requires_grad:
                    raise AssertionError(reason)
                self._scale = _f32(new_scale.item())
        else:
            found = [s["found_inf"] for s in self._per_optimizer_states.values() if s["found_inf"] is not None]
            if not found:
                raise AssertionError("No inf checks were recorded prior to update.")
            if any(found):
                self._scale, self._growth_tracker = _f32(self._scale * self._backoff_factor), 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    grown = _f32(self._scale * self._growth_factor)
                    if np.isfinite(grown):
                        self._scale = grown
                    self._growth_tracker = 0
        self._per_optimizer_states = defaultdict(_fresh_state)

    def get_scale(self) -> float:
        """The current scale as a float (1.0 when disabled)."""
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else self._scale

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        self._growth_factor = new_factor

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        self._backoff_factor = new_factor

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        self._growth_interval = new_interval

    def _get_growth_tracker(self) -> int:
        if not self._enabled:
            return 0
        return self._init_growth_tracker if self._growth_tracker is None else self._growth_tracker

    def is_enabled(self) -> bool:
        return self._enabled

    def state_dict(self) -> dict:
        """scale, growth_factor, backoff_factor, growth_interval, _growth_tracker ({} when disabled)."""
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._get_growth_tracker()}

    def load_state_dict(self, state_dict: dict) -> None:
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a "
                               "disabled instance of GradScaler.")
        self._init_scale = state_dict["scale"]
        if self._scale is not None:
            self._scale = _f32(state_dict["scale"])
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._init_growth_tracker = state_dict["_growth_tracker"]
        if self._growth_tracker is not None:
            self._growth_tracker = state_dict["_growth_tracker"]
