"""``glassgrad.functional`` — the module ``torch.functional``: tensor functions written in Python there.

Part III, beside ``linalg.py``: PyTorch keeps a handful of top-level functions (``torch.einsum``,
``torch.split``, ``torch.norm``, ...) in ``torch/functional.py``, and some programs import that module
directly (``import torch.functional as F``). Every function here is glassgrad's own, defined in
``ops/``; this module only gathers, under PyTorch's module name, the ones of ``torch.functional.__all__``
that glassgrad has. The same functions are ``glassgrad.einsum`` etc. at the top level.
"""

from __future__ import annotations

from glassgrad.ops.counting import unique
from glassgrad.ops.joining import atleast_1d, atleast_2d, atleast_3d, split
from glassgrad.ops.linalg import einsum, norm
from glassgrad.ops.repeating import meshgrid

__all__ = ["atleast_1d", "atleast_2d", "atleast_3d", "einsum", "meshgrid", "norm", "split", "unique"]
