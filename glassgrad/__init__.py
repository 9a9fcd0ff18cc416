"""glassgrad — an autograd engine and neural-network library you can see through.

The package reads like a book, in this order:

PART I — one number at a time (``glassgrad.scalar``)
    ``Value``: a number that remembers how it was made; ``backward()`` applies the chain rule.
    ``scalar.nn``: Neuron, Layer, MLP, losses and a gradient-descent step, all made of Values.
PART II — backprop by hand (``glassgrad.manual``)
    Dense, activations, convolution and losses with hand-derived ``forward``/``backward`` in numpy.
PART III — tensors, shaped like PyTorch (this top level, ``autograd``, ``ops``, ``nn``, ``optim``,
    ``utils.data``): write PyTorch code, run it with ``import glassgrad as torch``.
PART IV — seeing it (``glassgrad.explain``, ``glassgrad.studio``, the ``glassgrad`` command)
    graphs with every value and gradient, narrated backward steps, gradient checks, a training-step
    report and a live web studio.

Shared by the engines: ``graph.py`` (topological order) and ``gradcheck.py`` (numerical derivatives).
"""

from glassgrad import autograd  # noqa: F401  (as torch.autograd; loads the tensor too)
from glassgrad.autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled, no_grad,
                                          set_grad_enabled)
from glassgrad.dtypes import (bool, double, dtype, float, float16, float32, float64,  # noqa: A004
                              get_default_dtype, half, int, int8, int16, int32, int64, long,
                              set_default_dtype, short, uint8)
from glassgrad.tensor import Size, Tensor, device
detach = Tensor.detach  # glassgrad.detach(x), as torch.detach
from glassgrad.creation import *  # noqa: F401,F403  tensor, zeros, randn, manual_seed, ...
from glassgrad import ops as _ops  # attaches the op methods to Tensor
from glassgrad.ops.elementwise import *  # noqa: F401,F403
from glassgrad.ops.reduce import *  # noqa: F401,F403
from glassgrad.ops.shape import *  # noqa: F401,F403
from glassgrad.ops.linalg import *  # noqa: F401,F403
from glassgrad.ops.indexing import *  # noqa: F401,F403
from glassgrad.ops.conv import *  # noqa: F401,F403
from glassgrad.ops.pool import *  # noqa: F401,F403
from glassgrad import linalg, nn, optim, utils  # noqa: E402,F401  (as torch.linalg, torch.nn, ...)
from glassgrad.serialization import load, save  # noqa: E402,F401
from glassgrad.scalar.value import Value  # noqa: E402,F401  (Part I)

__version__ = "0.1.0"
