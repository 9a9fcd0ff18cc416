"""``glassgrad.linalg`` — as ``torch.linalg``: norms, the determinant, the SVD, the cross product, the
inverse, solves, and the factorisations (eigh, qr, cholesky, lu), the pseudo-inverse and least squares.

Part III. The functions live with the other linear algebra in ``glassgrad/ops/linalg.py``,
``glassgrad/ops/decompositions.py``, ``glassgrad/ops/factorizations.py`` and ``glassgrad/ops/blas.py``;
this module gives them PyTorch's namespace (``torch.linalg.norm``, ``torch.linalg.det``,
``torch.linalg.svd``, ``torch.linalg.inv`` ...).
"""

from glassgrad.ops.blas import multi_dot  # noqa: F401
from glassgrad.ops.decompositions import det, eigvalsh, matrix_exp, solve, svdvals  # noqa: F401
from glassgrad.ops.decompositions import linalg_cross as cross  # noqa: F401
from glassgrad.ops.decompositions import linalg_svd as svd  # noqa: F401
from glassgrad.ops.factorizations import (LinAlgError, cholesky, cholesky_ex, cond, diagonal, eig, eigh,  # noqa: F401
                                          eigvals, inv, inv_ex, lstsq, lu, lu_factor, lu_factor_ex, lu_solve,
                                          matrix_power, matrix_rank, pinv, qr, slogdet, solve_ex, solve_triangular,
                                          tensorinv, tensorsolve, vander, vecdot)
from glassgrad.ops.factorizations import linalg_norm as norm, matrix_norm  # noqa: F401
from glassgrad.ops.linalg import matmul, vector_norm  # noqa: F401

__all__ = ["norm", "vector_norm", "matrix_norm", "det", "svd", "svdvals", "cross", "matmul", "solve", "matrix_exp",
           "eigvalsh", "LinAlgError", "inv", "inv_ex", "slogdet", "eigh", "eig", "eigvals", "qr", "cholesky",
           "cholesky_ex", "solve_ex", "solve_triangular", "lstsq", "pinv", "matrix_rank", "multi_dot",
           "matrix_power", "vecdot", "vander", "diagonal", "cond", "tensorinv", "tensorsolve", "lu_factor",
           "lu_factor_ex", "lu", "lu_solve"]
