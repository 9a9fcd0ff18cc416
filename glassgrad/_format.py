"""PyTorch-style printing of tensors: ``tensor([[1.0000, 2.5000], ...], requires_grad=True)``.

Part III, a detail: a learner comparing glassgrad's output with PyTorch's should see the same layout.
Floats get four decimals (or scientific notation when the magnitudes span too much), whole-number
floats print as ``1.``, and every element of a tensor is padded to the same width.
"""

from __future__ import annotations

import numpy as np

from glassgrad import dtypes

_DEFAULT_DTYPES = ("float32", "int64", "bool")


def _float_formatter(array: np.ndarray):
    """PyTorch's rules (torch/_tensor_str.py): whole numbers print as ``1.``; scientific notation when
    the nonzero finite magnitudes exceed 1e8, fall below 1e-4 or span more than 1000×; otherwise four
    decimals. Columns are as wide as the widest *finite* number (nan/inf don't widen them)."""
    finite = array[np.isfinite(array)]
    nonzero = np.abs(finite[finite != 0])
    fmt = "{:.4f}"
    if nonzero.size:
        big, small = nonzero.max(), nonzero.min()
        if np.all(finite == np.round(finite)):  # whole numbers: the same span rule applies
            fmt = "{:.4e}" if big / small > 1e3 or big > 1e8 else "{:.0f}."
        elif big / small > 1e3 or big > 1e8 or small < 1e-4:
            fmt = "{:.4e}"
    elif finite.size and np.all(finite == 0):
        fmt = "{:.0f}."
    # The widest number is an extreme one (the largest, or the most negative): no need to format all.
    extremes = (finite.max(), finite.min(), nonzero.min() if nonzero.size else 0) if finite.size else ()
    width = max((len(fmt.format(float(v))) for v in extremes), default=0)
    return lambda v: _fmt(fmt, v).rjust(width)


def _fmt(fmt: str, v) -> str:
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    return fmt.format(float(v))


def format_array(array: np.ndarray, prefix: str = "tensor(") -> str:
    """The body of the repr: nested brackets, PyTorch's number format, wrapped at 80 columns."""
    if array.dtype.kind == "f":
        formatter = {"float_kind": _float_formatter(array)}
    elif array.dtype.kind == "b":
        width = 5 if not array.all() else 4  # PyTorch pads True to False's width
        formatter = {"bool": lambda v: ("True" if v else "False").rjust(width)}
    else:
        width = max((len(str(v)) for v in array.ravel()), default=0)
        formatter = {"int": lambda v: str(v).rjust(width)}
    if array.ndim == 0:
        return next(iter(formatter.values()))(array.item()).strip()
    if array.size == 0:
        return "[]"
    threshold = 1000
    text = np.array2string(array, separator=", ", prefix=prefix, formatter=formatter,
                           max_line_width=80, threshold=threshold, edgeitems=3)
    return text.replace(", ...,", ",  ...,")  # PyTorch's summary ellipsis has two spaces before it


def format_tensor(t) -> str:
    array = t._array
    if t.is_meta:  # PyTorch's form for a tensor without numbers
        body, extras = "...", ["device='meta'", f"size={tuple(array.shape)}"]
        show_dtype = array.dtype.name != "float32"
    else:
        body, extras = format_array(array), []
        if array.size == 0 and array.ndim > 1:
            extras.append(f"size={tuple(array.shape)}")
        show_dtype = array.dtype.name not in _DEFAULT_DTYPES or array.size == 0 and array.dtype.name != "float32"
    if show_dtype:
        extras.append(f"dtype={dtypes.SHOWN_AS}.{array.dtype.name}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        extras.append("requires_grad=True")
    return _add_suffixes("tensor(" + body, extras, indent=len("tensor("))


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """PyTorch's rule for ``dtype=``/``grad_fn=`` and the like: on the last line after ", " while it fits in
    80 columns (counting the ", " and the closing parenthesis), else on a line of its own, indented."""
    parts = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > 80:
            parts.append(",\n" + " " * indent + suffix)
            last_line = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line += len(suffix) + 2
    return "".join(parts) + ")"
