"""``glassgrad.linalg`` — as ``torch.linalg``: norms, the determinant, the SVD, the cross product.

Part III. The functions live with the other linear algebra in ``glassgrad/ops/linalg.py`` and
``glassgrad/ops/decompositions.py``; this module gives them PyTorch's namespace (``torch.linalg.norm``,
``torch.linalg.vector_norm``, ``torch.linalg.det``, ``torch.linalg.svd`` ...).
"""

from glassgrad.ops.decompositions import det, eigvalsh, matrix_exp, solve, svdvals  # noqa: F401
from glassgrad.ops.decompositions import linalg_cross as cross  # noqa: F401
from glassgrad.ops.decompositions import linalg_svd as svd  # noqa: F401
from glassgrad.ops.linalg import linalg_norm as norm  # noqa: F401
from glassgrad.ops.linalg import matmul, matrix_norm, vector_norm  # noqa: F401

__all__ = ["norm", "vector_norm", "matrix_norm", "det", "svd", "svdvals", "cross", "matmul", "solve", "matrix_exp", "eigvalsh"]
