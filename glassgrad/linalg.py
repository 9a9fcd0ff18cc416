"""``glassgrad.linalg`` — as ``torch.linalg``: vector and matrix norms.

Part III. The functions live with the other linear algebra in ``glassgrad/ops/linalg.py``; this module
gives them PyTorch's namespace (``torch.linalg.norm``, ``torch.linalg.vector_norm``).
"""

from glassgrad.ops.linalg import linalg_norm as norm  # noqa: F401
from glassgrad.ops.linalg import matrix_norm, vector_norm  # noqa: F401

__all__ = ["norm", "vector_norm", "matrix_norm"]
