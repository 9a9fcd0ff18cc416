"""Anomaly detection and the old ``Variable``, as ``torch.autograd``'s ``detect_anomaly``,
``set_detect_anomaly``, ``is_anomaly_enabled`` and ``Variable``.

Part III, beside ``autograd``. ``detect_anomaly`` is a switch (a context manager, or a decorator) that
PyTorch programs turn on while debugging: it warns as PyTorch does and ``is_anomaly_enabled()`` reports
it. While it is on, the backward engine checks every node's gradients for nan and raises PyTorch's error
naming the node (``Function 'DivBackward0' returned nan values in its 1th output.``), after a warning with
the forward trace of the op that made that node.

``Variable`` is the wrapper PyTorch retired in 0.4, when tensors learned to record gradients:
``Variable(t, requires_grad=True)`` is today a tensor sharing t's data, a leaf, and every tensor counts as
a Variable.
"""

from __future__ import annotations

import warnings

from glassgrad.tensor import Tensor

__all__ = ["Variable", "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]

# Read by the backward engine: with both on, every node's gradients are checked for nan.
ANOMALY = _STATE = {"enabled": False, "check_nan": True}
# Called with the new state whenever it changes: the engine uses it to record where each node was made
# while anomaly detection is on (and to stop once it is off), at no cost per op otherwise.
ON_SWITCH: list = []


def _set(state: dict) -> None:
    _STATE.update(state)
    for follow in ON_SWITCH:
        follow(_STATE)


def is_anomaly_enabled() -> bool:
    """Is anomaly detection on?"""
    return _STATE["enabled"]


def is_anomaly_check_nan_enabled() -> bool:
    """Would anomaly detection check the gradients for nan?"""
    return _STATE["check_nan"]


class _AnomalySwitch:
    """Sets the switch for a ``with`` block (restoring it after) or, called at once, for good."""

    def __init__(self, mode: bool, check_nan: bool) -> None:
        self.previous = dict(_STATE)
        _set({"enabled": bool(mode), "check_nan": bool(check_nan)})

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        _set(self.previous)

    def __call__(self, function):
        def decorated(*args, **kwargs):
            with type(self)(_STATE["enabled"], _STATE["check_nan"]):
                return function(*args, **kwargs)
        return decorated


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """``with detect_anomaly():`` turns anomaly detection on for the block (warning that it is slow)."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        self.previous = None
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should only "
                      "be enabled for debugging.", UserWarning, stacklevel=2)

    def __enter__(self) -> None:
        self.previous = dict(_STATE)
        _set({"enabled": True, "check_nan": self.check_nan})

    def __exit__(self, *exc) -> None:
        _set(self.previous)

    def __call__(self, function):
        def decorated(*args, **kwargs):
            with self:
                return function(*args, **kwargs)
        return decorated


def set_detect_anomaly(mode: bool, check_nan: bool = True) -> _AnomalySwitch:
    """Turn anomaly detection on or off: for good, or (used with ``with``) for a block."""
    return _AnomalySwitch(mode, check_nan)


class _AllTensors(type):
    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor)


class Variable(metaclass=_AllTensors):
    """``Variable(data, requires_grad=False)``: a tensor sharing ``data``, a leaf of its own."""

    def __new__(cls, data, requires_grad: bool = False, volatile: bool = False):
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        return data.detach().requires_grad_(requires_grad)
