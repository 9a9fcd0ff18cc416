"""PyTorch-style printing of tensors: ``tensor([[1.0000, 2.5000], ...], requires_grad=True)``.

Part III, a detail: a learner comparing glassgrad's output with PyTorch's should see the same layout.
Floats get four decimals (or scientific notation when the magnitudes span too much), whole-number
floats print as ``1.``, and every element of a tensor is padded to the same width.
"""

from __future__ import annotations

import numpy as np

from glassgrad import dtypes

_DEFAULT_DTYPES = ("float32", "int64", "bool")

# torch.set_printoptions: PyTorch's defaults, and its named profiles
PRINT_OPTIONS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}
_PROFILES = {"default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
             "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
             "full": {"precision": 4, "threshold": float("inf"), "edgeitems": 3, "linewidth": 80}}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    """How tensors print, as ``torch.set_printoptions``: digits after the point (``precision``), how
    many elements before a tensor is summarised with "..." (``threshold``) and how many shown at each
    end then (``edgeitems``), the line width, and ``sci_mode`` (True/False forces scientific notation
    on/off; None decides per tensor). ``profile`` ("default", "short", "full") sets the first four."""
    if profile is not None:
        PRINT_OPTIONS.update(_PROFILES[profile])
    for name, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                        ("linewidth", linewidth)):
        if value is not None:
            PRINT_OPTIONS[name] = value
    PRINT_OPTIONS["sci_mode"] = sci_mode  # as PyTorch: every call sets it, None by default


def _float_formatter(array: np.ndarray):
    """PyTorch's rules (torch/_tensor_str.py): whole numbers print as ``1.``; scientific notation when
    the nonzero finite magnitudes exceed 1e8, fall below 1e-4 or span more than 1000×; otherwise four
    decimals. Columns are as wide as the widest *finite* number (nan/inf don't widen them)."""
    finite = array[np.isfinite(array)]
    nonzero = np.abs(finite[finite != 0])
    digits, sci_mode = PRINT_OPTIONS["precision"], PRINT_OPTIONS["sci_mode"]
    fixed, scientific = f"{{:.{digits}f}}", f"{{:.{digits}e}}"
    fmt = fixed
    if nonzero.size:
        big, small = nonzero.max(), nonzero.min()
        if np.all(finite == np.round(finite)):  # whole numbers: the same span rule applies
            fmt = scientific if big / small > 1e3 or big > 1e8 else "{:.0f}."
        elif big / small > 1e3 or big > 1e8 or small < 1e-4:
            fmt = scientific
    elif finite.size and np.all(finite == 0):
        fmt = "{:.0f}."
    if sci_mode is not None and nonzero.size:  # (nothing finite and nonzero: PyTorch keeps its default)
        fmt = scientific if sci_mode else (fmt if fmt == "{:.0f}." else fixed)
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
    if array.dtype == dtypes.BFLOAT16:  # its numbers are float32's, shortened: printed as those
        array = array.astype(np.float32)
    threshold = PRINT_OPTIONS["threshold"]
    shown = _summarized(array, PRINT_OPTIONS["edgeitems"]) if array.size > threshold else array
    if array.dtype.kind == "f":
        formatter = {"float_kind": _float_formatter(shown)}
    elif array.dtype.kind == "b":
        width = 5 if not array.all() else 4  # PyTorch pads True to False's width
        formatter = {"bool": lambda v: ("True" if v else "False").rjust(width)}
    else:
        width = max((len(str(v)) for v in shown.ravel()), default=0)
        formatter = {"int": lambda v: str(v).rjust(width)}
    if array.ndim == 0:
        return next(iter(formatter.values()))(array.item()).strip()
    if array.size == 0:
        return "[]"
    edgeitems = PRINT_OPTIONS["edgeitems"] if array.size > threshold else None  # None: show every element
    return _summary(array, next(iter(formatter.values())), len(prefix), edgeitems)


def _summary(array: np.ndarray, show, indent: int, edgeitems: int | None) -> str:
    """A tensor laid out as PyTorch's printer does (torch/_tensor_str.py): each row holds as many elements
    as fit the line width (every element, the " ..." included, counted as wide as the widest number);
    summarised (``edgeitems`` at each end, "..." for the rest) unless ``edgeitems`` is None."""
    if array.ndim == 1:
        values = array.tolist()
        if edgeitems is not None and len(values) > 2 * edgeitems:
            data = [show(v) for v in values[:edgeitems]] + [" ..."] + [show(v) for v in values[-edgeitems:]]
        else:
            data = [show(v) for v in values]
        width = max(len(d) for d in data if d != " ...") + 2  # the formatter's width: the numbers'
        per_line = max(1, (PRINT_OPTIONS["linewidth"] - indent) // width)
        lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = range(array.shape[0])
    if edgeitems is not None and array.shape[0] > 2 * edgeitems:
        rows = list(range(edgeitems)) + [None] + list(range(array.shape[0] - edgeitems, array.shape[0]))
    slices = ["..." if i is None else _summary(array[i], show, indent + 1, edgeitems) for i in rows]
    return "[" + ("," + "\n" * (array.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _summarized(array: np.ndarray, edgeitems: int) -> np.ndarray:
    """The elements a summarised print shows (``edgeitems`` at each end of every long axis): PyTorch picks
    the number format from these alone."""
    for axis, n in enumerate(array.shape):
        if n > 2 * edgeitems:
            array = np.concatenate([np.take(array, range(edgeitems), axis),
                                    np.take(array, range(n - edgeitems, n), axis)], axis)
    return array


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
    the line width (counting the ", " and the closing parenthesis), else on a line of its own, indented."""
    width = PRINT_OPTIONS["linewidth"]
    parts = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > width:
            parts.append(",\n" + " " * indent + suffix)
            last_line = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line += len(suffix) + 2
    return "".join(parts) + ")"
