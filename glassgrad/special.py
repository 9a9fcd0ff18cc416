"""``glassgrad.special`` — as ``torch.special``: the special functions under SciPy's names.

Part III. The functions live in ``glassgrad/ops/special_math.py`` (lgamma, digamma, erf ..., each a
primitive with its derivative) and ``ops/unary.py`` / ``ops/softmax.py``; this module gives them PyTorch's
namespace: ``torch.special.expit`` is the sigmoid, ``gammaln`` is lgamma, ``psi`` is digamma.
"""

from glassgrad.ops.softmax import log_softmax, softmax  # noqa: F401
from glassgrad.ops.special_math import (digamma, entr, erf, erfc, erfinv, i0, log_ndtr, logit,  # noqa: F401
                                        ndtr, ndtri, polygamma, sinc, xlog1py, xlogy)
from glassgrad.ops.special_math import lgamma as gammaln  # noqa: F401
from glassgrad.ops.special_math import digamma as psi  # noqa: F401
from glassgrad.ops.more_math import mvlgamma as multigammaln  # noqa: F401
from glassgrad.ops.reduce import logsumexp  # noqa: F401
from glassgrad.ops.unary import RoundDecimals, exp2, expm1, log1p  # noqa: F401
from glassgrad.ops.unary import sigmoid as expit  # noqa: F401

__all__ = ["erf", "erfc", "erfinv", "expit", "logit", "xlogy", "xlog1py", "entr", "log_softmax", "softmax",
           "gammaln", "psi", "digamma", "polygamma", "i0", "ndtr", "ndtri", "log_ndtr", "sinc", "round", "exp2",
           "expm1", "log1p", "logsumexp", "multigammaln"]


def round(input, *, decimals=0):  # noqa: A001, A002
    """Round half to even to ``decimals`` places: PyTorch's decimals overload (RoundBackward1) always."""
    return RoundDecimals.apply(input, decimals)
