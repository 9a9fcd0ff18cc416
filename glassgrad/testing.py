"""``glassgrad.testing`` — as ``torch.testing``: ``assert_close``, with PyTorch's tolerances per dtype and
its failure messages.

Part III, a tool for tests: it reads tensors (numpy arrays underneath) and builds nothing.
``actual`` and ``expected`` are close where |actual − expected| ≤ atol + rtol·|expected|; with no
tolerances given, each dtype brings its own (float32: rtol 1.3e-6, atol 1e-5; float64: 1e-7, 1e-7;
integers and bool: exact), the looser of the two dtypes when they differ.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from glassgrad.dtypes import is_float
from glassgrad import dtypes
from glassgrad.creation import tensor as _tensor
from glassgrad.tensor import Tensor

__all__ = ["assert_close", "assert_allclose"]

# (rtol, atol) by dtype, PyTorch's table
_TOLERANCES = {"float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5), "float32": (1.3e-6, 1e-5),
               "float64": (1e-7, 1e-7)}


def _tolerances(*arrays) -> tuple:
    pairs = [_TOLERANCES.get(a.dtype.name, (0.0, 0.0)) for a in arrays]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _show(value) -> str:
    return repr(value.item() if hasattr(value, "item") else value)


def _compare_arrays(actual: np.ndarray, expected: np.ndarray, rtol, atol, equal_nan, scalars: bool):
    """The failure message of two arrays of one shape, or None where they are close."""
    if rtol is None:
        rtol, atol = _tolerances(actual, expected)
    common = np.promote_types(actual.dtype, expected.dtype)
    if common.kind == "b":
        common = np.dtype(np.int64)
    a, e = actual.astype(common), expected.astype(common)
    with np.errstate(invalid="ignore", over="ignore"):
        if is_float(common):
            close = np.abs(a - e) <= atol + rtol * np.abs(e)
            close |= a == e  # infinities of one sign
            if equal_nan:
                close |= np.isnan(a) & np.isnan(e)
        else:
            close = np.abs(a - e) <= atol + rtol * np.abs(e)
    if close.all():
        return None
    exact = rtol == 0 and atol == 0
    word = "equal" if exact else "close"
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        abs_diff = np.abs(a - e)
        floats = common if is_float(common) else dtypes.get_default_dtype().numpy
        rel_diff = abs_diff.astype(floats) / np.abs(e).astype(floats)
    if scalars:  # PyTorch compares these as Python numbers
        got, want = actual.reshape(()).item(), expected.reshape(()).item()
        difference = abs(got - want)
        relative = difference / abs(want) if want != 0 else (float("nan") if difference == 0 else float("inf"))
        lines = [f"Scalars are not {word}!", "", f"Expected {want!r} but got {got!r}.",
                 f"Absolute difference: {difference!r}" + ("" if exact else f" (up to {atol} allowed)"),
                 f"Relative difference: {relative!r}" + ("" if exact else f" (up to {rtol} allowed)")]
        return "\n".join(lines)

    def greatest(diff):
        flat = diff.reshape(-1)
        nans = np.flatnonzero(np.isnan(flat)) if is_float(flat.dtype) else []
        i = nans[0] if len(nans) else int(np.argmax(flat))
        return _show(flat[i]), tuple(int(k) for k in np.unravel_index(i, diff.shape))
    mismatched, total = int((~close).sum()), close.size
    abs_value, abs_index = greatest(abs_diff)
    rel_value, rel_index = greatest(rel_diff)
    return "\n".join([
        f"Tensor-likes are not {word}!", "", f"Mismatched elements: {mismatched} / {total} "
        f"({100 * mismatched / total:.1f}%)",
        f"Greatest absolute difference: {abs_value} at index {abs_index}" + ("" if exact else f" (up to {atol} allowed)"),
        f"Greatest relative difference: {rel_value} at index {rel_index}" + ("" if exact else f" (up to {rtol} allowed)")])


def _as_array(x):
    if isinstance(x, Tensor):
        return x._array
    if isinstance(x, np.ndarray):
        return x
    return np.asarray(x, np.float64 if isinstance(x, float) else np.bool_ if isinstance(x, bool) else np.int64)


def _check(actual, expected, rtol, atol, equal_nan, check_dtype, where: str):
    """Compare one pair (recursing through sequences and mappings); the message where they differ."""
    if isinstance(actual, (list, tuple)) and isinstance(expected, (list, tuple)):
        if len(actual) != len(expected):
            return f"The length of the sequences mismatch: {len(actual)} != {len(expected)}{where}"
        for i, (a, e) in enumerate(zip(actual, expected)):
            message = _check(a, e, rtol, atol, equal_nan, check_dtype, where or f"\n\nThe failure occurred for item [{i}]")
            if message:
                return message
        return None
    if isinstance(actual, dict) and isinstance(expected, dict):
        if set(actual) != set(expected):
            return f"The keys of the mappings do not match:{where}"
        for key in actual:
            message = _check(actual[key], expected[key], rtol, atol, equal_nan, check_dtype,
                             where or f"\n\nThe failure occurred for item [{key!r}]")
            if message:
                return message
        return None
    both_tensors = isinstance(actual, (Tensor, np.ndarray)) and isinstance(expected, (Tensor, np.ndarray))
    both_numbers = isinstance(actual, numbers.Number) and isinstance(expected, numbers.Number)
    if not (both_tensors or both_numbers):
        raise TypeError(f"No comparison pair was able to handle inputs of type {_type_name(actual)} and "
                        f"{_type_name(expected)}.")
    a, e = _as_array(actual), _as_array(expected)
    if a.shape != e.shape:
        return (f"The values for attribute 'shape' do not match: {dtypes.SHOWN_AS}.Size({list(a.shape)}) != "
                f"{dtypes.SHOWN_AS}.Size({list(e.shape)}).")
    if check_dtype and a.dtype != e.dtype:
        return (f"The values for attribute 'dtype' do not match: {dtypes.SHOWN_AS}.{a.dtype.name} != "
                f"{dtypes.SHOWN_AS}.{e.dtype.name}.")
    message = _compare_arrays(a, e, rtol, atol, equal_nan, scalars=both_numbers or a.ndim == 0)
    return message + where if message else None


def _type_name(x) -> str:
    cls = type(x)
    if cls is Tensor:
        return f"<class '{dtypes.SHOWN_AS}.Tensor'>"
    return f"<class '{cls.__module__ + '.' if cls.__module__ != 'builtins' else ''}{cls.__qualname__}'>"


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False,
                 check_device=True, check_dtype=True, check_layout=True, check_stride=False, msg=None):
    """Raise AssertionError unless ``actual`` and ``expected`` (tensors, numbers, or sequences and
    mappings of them) have the same shape and dtype and close values; the message says how many
    elements differ and by how much at most."""
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no "
                         f"{'atol' if atol is None else 'rtol'}.")
    message = _check(actual, expected, rtol, atol, equal_nan, check_dtype, "")
    if message:
        raise AssertionError(msg(message) if callable(msg) else msg if msg is not None else message)


# (rtol, atol) by dtype for the deprecated assert_allclose: PyTorch's older, looser tolerances
_ALLCLOSE_TOLERANCES = {"float16": (1e-3, 1e-3), "float32": (1e-4, 1e-5), "float64": (1e-5, 1e-8)}


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg=""):
    """PyTorch's deprecated ``assert_close`` of before 1.12 (it warns so): looser float tolerances, NaNs
    equal, no dtype check, and ``expected`` may be a list or number."""
    warnings.warn("`torch.testing.assert_allclose()` is deprecated since 1.12 and will be removed in a future "
                  "release. Please use `torch.testing.assert_close()` instead. You can find detailed upgrade "
                  "instructions in https://github.com/pytorch/pytorch/issues/61844.", FutureWarning, stacklevel=2)
    if not isinstance(actual, Tensor):
        actual = _tensor(actual)
    if not isinstance(expected, Tensor):
        expected = _tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        pairs = [_ALLCLOSE_TOLERANCES.get(t.dtype.name, (0.0, 0.0)) for t in (actual, expected)]
        rtol, atol = max(p[0] for p in pairs), max(p[1] for p in pairs)
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=False, msg=msg or None)
