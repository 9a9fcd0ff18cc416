"""What a notebook shows for a ``Value``, a ``Tensor`` and an ``nn.Module``: small HTML cards.

Part IV's colour language reaches down here (a value is blue, a gradient red: ``explain/style.py``
takes its palette from this file), because Jupyter asks the object itself for ``_repr_html_`` and the
engines cannot import ``explain``. Plain ``repr`` stays PyTorch's; these cards are only for notebooks.

Every card stays small and fast for big objects: a tensor of up to 64 numbers (at most 16 a row) is
shown as its numbers, a bigger one as a heatmap (white at its smallest number, blue at its largest;
gradients in red) drawn from at most 48 × 64 block means and sent as one small PNG, never as one
element per number. The PNG writer is the format's three chunks (IHDR, IDAT, IEND) over zlib.
"""

from __future__ import annotations

import base64
import html
import struct
import zlib

import numpy as np

__all__ = ["VALUE", "GRAD", "LOCAL", "ACTIVE", "MUTED", "as_rows", "downsample", "heat", "png_base64",
           "value_card", "tensor_card", "module_card", "optimizer_card", "MAX_LISTED", "MAX_COLUMNS"]

VALUE = "#2563eb"   # values (forward): blue
GRAD = "#dc2626"    # gradients (backward): red
LOCAL = "#16a34a"   # local derivatives: green
ACTIVE = "#f59e0b"  # the step being explained: amber
MUTED = "#94a3b8"   # secondary text

MAX_LISTED = 64   # up to this many numbers are shown as numbers ...
MAX_COLUMNS = 16  # ... when a row holds at most this many; else a heatmap


def as_rows(x: np.ndarray) -> np.ndarray:
    """A 2-D view for drawing: a short vector wraps at 8 a row, a long one is one strip; more
    dimensions stack their leading ones into rows."""
    if x.ndim == 0:
        return x.reshape(1, 1)
    if x.ndim == 1:
        cols = min(8, x.size) if x.size <= MAX_LISTED else max(x.size, 1)
        return np.resize(x, (-(-x.size // cols), cols)) if x.size % cols else x.reshape(-1, cols)
    return x.reshape(-1, x.shape[-1]) if x.shape[-1] else x.reshape(0, 0)


def is_table(x: np.ndarray) -> bool:
    """Shown as its numbers (else as a heatmap)."""
    return x.size <= MAX_LISTED and (x.ndim < 2 or x.shape[-1] <= MAX_COLUMNS)


def downsample(a: np.ndarray, max_rows: int = 48, max_cols: int = 64) -> np.ndarray:
    """Block means, so a big matrix becomes at most max_rows × max_cols cells (NaN where a block has
    nothing finite). A huge matrix is first thinned to a few cells per block, so this stays fast."""
    a = a[::max(1, a.shape[0] // (8 * max_rows)), ::max(1, a.shape[1] // (8 * max_cols))]
    a = a.astype(np.float64)
    for axis, most in ((0, max_rows), (1, max_cols)):
        n = a.shape[axis]
        if n > most:
            edges = np.linspace(0, n, most + 1).astype(int)
            finite = np.isfinite(a)
            sums = np.add.reduceat(np.where(finite, a, 0.0), edges[:-1], axis=axis)
            counts = np.add.reduceat(finite.astype(np.float64), edges[:-1], axis=axis)
            with np.errstate(invalid="ignore", divide="ignore"):
                a = sums / counts
    return a


def heat(a: np.ndarray, colour: str):
    """(lowest, highest, rgb uint8 image): white at the lowest finite number, ``colour`` at the highest,
    grey where a number is not finite."""
    finite = np.isfinite(a)
    lo = float(a[finite].min()) if finite.any() else 0.0
    hi = float(a[finite].max()) if finite.any() else 0.0
    if hi > lo:
        t = np.where(finite, (np.where(finite, a, lo) - lo) / (hi - lo), 0.0)
    else:
        t = np.full(a.shape, 0.5)
    target = np.array([int(colour[k:k + 2], 16) for k in (1, 3, 5)], np.float64)
    rgb = 255.0 + t[..., None] * (target - 255.0)
    rgb[~finite] = (148, 163, 184)
    return lo, hi, np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def png_base64(rgb: np.ndarray) -> str:
    """A base64 PNG of an RGB image (8-bit, filter 0 on every row)."""
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[i].tobytes() for i in range(h))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))
    return base64.b64encode(png).decode("ascii")


def cell(v) -> str:
    """One number in a table: three significant digits."""
    if isinstance(v, bool):
        return "T" if v else "F"
    if isinstance(v, int):
        return str(v)
    return f"{v:.3g}"


# ---- the cards ----

_CARD = ("font:12px ui-monospace,Menlo,Consolas,monospace;border:1px solid #e2e8f0;border-radius:8px;"
         "padding:8px 10px;display:inline-block;max-width:100%;overflow:auto;background:#fff;color:#0f172a")


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def value_card(label: str, op: str, data: float, grad: float, n_parents: int) -> str:
    """A Value: its label, the op that made it, data in blue and grad in red."""
    head = _e(label or "Value") + (f' <span style="color:{MUTED}">= {_e(op)}(…), {n_parents} '
                                   f'input{"s" if n_parents != 1 else ""}</span>' if op else "")
    return (f'<div class="gg-card" style="{_CARD}"><div style="font-weight:600">{head}</div>'
            f'<div style="color:{VALUE}">data {_e(repr(float(data)))}</div>'
            f'<div style="color:{GRAD}">grad {_e(repr(float(grad)))}</div></div>')


def thin(x: np.ndarray, most: int = 1_000_000) -> np.ndarray:
    """A strided view of ``x`` with at most about ``most`` elements, the same along each axis, so a
    card never copies or converts a huge tensor (a view: no memory is allocated)."""
    if x.size <= most or x.ndim == 0:
        return x
    per_axis = most ** (1.0 / x.ndim)
    return x[tuple(slice(None, None, max(1, int(np.ceil(n / per_axis)))) for n in x.shape)]


def _numbers(x: np.ndarray, colour: str) -> str:
    """A tensor's numbers as an HTML table, or a heatmap image with its scale."""
    if x.size == 0:
        return f'<div style="color:{MUTED}">(no elements)</div>'
    if x.dtype.kind not in "biuf":
        return f'<div style="color:{MUTED}">({_e(x.dtype)})</div>'
    if is_table(x):
        rows = as_rows(x).tolist()
        k, out = 0, []
        for row in rows:
            cells = []
            for v in row:
                cells.append(f'<td style="padding:1px 6px;text-align:right">{_e(cell(v)) if k < x.size else ""}</td>')
                k += 1
            out.append("<tr>" + "".join(cells) + "</tr>")
        return f'<table style="border-collapse:collapse;color:{colour}">{"".join(out)}</table>'
    grid = downsample(as_rows(thin(x)))
    lo, hi, rgb = heat(grid, colour)
    r, c = grid.shape
    side = max(2, min(10, 256 // c, 160 // r))
    return (f'<div><img alt="heatmap" width="{c * side}" height="{max(r * side, 8)}" '
            f'style="image-rendering:pixelated;border:1px solid #e2e8f0" '
            f'src="data:image/png;base64,{png_base64(rgb)}"></div>'
            f'<div style="color:{MUTED}">{_e(cell(lo))} <span style="display:inline-block;width:60px;height:9px;'
            f'background:linear-gradient(90deg,#fff,{colour});border:1px solid {MUTED}"></span> {_e(cell(hi))}</div>')


def _stats(x: np.ndarray) -> str:
    """Mean, min and max of the finite numbers; of an evenly strided sample when the tensor is huge."""
    if x.size == 0 or x.dtype.kind not in "biuf":
        return ""
    sample = thin(x)
    f = sample.astype(np.float64).reshape(-1)
    finite = f[np.isfinite(f)]
    if finite.size == 0:
        return "no finite numbers"
    of = "" if sample.size == x.size else f" (of {sample.size:,} sampled)"
    return f"mean {finite.mean():.4g}, min {finite.min():.4g}, max {finite.max():.4g}{of}"


def tensor_card(x: np.ndarray, grad, *, dtype: str, requires_grad: bool, grad_fn: str | None) -> str:
    """A Tensor: shape and dtype, where it came from, its numbers (blue) and its gradient (red)."""
    shape = "(" + ", ".join(str(s) for s in x.shape) + (",)" if x.ndim == 1 else ")")
    origin = f"grad_fn={grad_fn}" if grad_fn else ("requires_grad=True" if requires_grad else "")
    parts = [f'<div style="font-weight:600">tensor {_e(shape)} {_e(dtype)}'
             f'{f" <span style=color:{MUTED}>{_e(origin)}</span>" if origin else ""}</div>',
             f'<div style="color:{VALUE}">data <span style="color:{MUTED}">{_e(_stats(x))}</span></div>',
             _numbers(x, VALUE)]
    if grad is not None:
        parts += [f'<div style="color:{GRAD};margin-top:4px">grad <span style="color:{MUTED}">'
                  f'{_e(_stats(grad))}</span></div>', _numbers(grad, GRAD)]
    return f'<div class="gg-card" style="{_CARD}">{"".join(parts)}</div>'


def module_card(name: str, rows: list, total: int, trainable: int) -> str:
    """An nn.Module's architecture: ``rows`` are (depth, name, type and settings, [(parameter, shape,
    count)], own count, subtree count), drawn as an indented tree with each parameter's shape."""
    out = [f'<div style="font-weight:600">{_e(name)} <span style="color:{MUTED}">{total:,} parameters'
           f'{"" if trainable == total else f", {trainable:,} trainable"}</span></div>',
           '<table style="border-collapse:collapse;margin-top:4px">']
    for depth, child, desc, params, subtree in rows:
        pad = 12 * depth
        shapes = ", ".join(f'{_e(p)} <span style="color:{VALUE}">{_e(s if isinstance(s, str) else tuple(s))}</span>'
                           for p, s, _ in params)
        out.append(f'<tr><td style="padding:1px 8px 1px {pad + 2}px;white-space:nowrap">'
                   f'{_e(child)}{": " if child else ""}<b>{_e(desc)}</b></td>'
                   f'<td style="padding:1px 8px;color:{MUTED};text-align:right">{subtree:,}</td>'
                   f'<td style="padding:1px 8px">{shapes}</td></tr>')
    out.append("</table>")
    return f'<div class="gg-card" style="{_CARD}">{"".join(out)}</div>'


def optimizer_card(name: str, groups: list, steps: int | None, state_names: list) -> str:
    """An optimizer: each parameter group's settings and size, how many steps it has taken, and what
    it keeps per parameter (momentum buffers, Adam's moments, ...). ``groups``: (settings dict,
    number of tensors, number of numbers)."""
    out = [f'<div style="font-weight:600">{_e(name)} <span style="color:{MUTED}">'
           f'{"no step yet" if not steps else f"{steps:,} step" + ("s" if steps != 1 else "")}'
           f'{", keeps " + ", ".join(_e(s) for s in state_names) + " per parameter" if state_names else ""}'
           f'</span></div><table style="border-collapse:collapse;margin-top:4px">']
    for i, (settings, tensors, numbers) in enumerate(groups):
        shown = ", ".join(f"{_e(k)}={_e(v)}" for k, v in settings.items())
        out.append(f'<tr><td style="padding:1px 8px;white-space:nowrap">group {i}</td>'
                   f'<td style="padding:1px 8px;color:{MUTED};text-align:right">{tensors} tensors, {numbers:,} numbers</td>'
                   f'<td style="padding:1px 8px">{shown}</td></tr>')
    out.append("</table>")
    return f'<div class="gg-card" style="{_CARD}">{"".join(out)}</div>'
