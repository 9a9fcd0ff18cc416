"""glassgrad — an autograd engine and neural-network library you can see through.

The package reads like a book, in this order:

PART I — one number at a time (``glassgrad.scalar``)
    ``Value``: a number that remembers how it was made; ``backward()`` applies the chain rule.
    ``scalar.gradcheck``: central differences for Values; ``scalar.nn``: Neuron, Layer, MLP, losses and
    a gradient-descent step, all made of Values. ``graph.py`` (topological order without recursion) is
    the walk ``Value.backward`` uses; ``explain`` orders tensor graphs with it too.
PART II — backprop by hand (``glassgrad.manual``)
    Dense, activations, convolution and losses with hand-derived ``forward``/``backward`` in numpy.
PART III — tensors, shaped like PyTorch (this top level, ``autograd``, ``ops``, ``nn``, ``optim``,
    ``utils.data``): write PyTorch code, run it with ``import glassgrad as torch``. The tensor engine
    (``autograd/engine.py``) finds its order by counting each node's pending inputs, not with
    ``graph.py``; ``autograd.gradcheck`` checks its derivatives against central differences.
PART IV — seeing it (``glassgrad.explain``, ``glassgrad.studio``, the ``glassgrad`` command)
    graphs with every value and gradient, narrated backward steps, gradient checks, a training-step
    report and a live web studio.

Below, the top level is gathered from the modules that define it, one block per module: the tensor and
its creation functions, then the ops family by family (``glassgrad/ops/__init__.py`` gives their
reading order).
"""

from math import e, inf, nan, pi  # noqa: F401  (torch.e, torch.inf, torch.nan, torch.pi: the same Python floats)

from glassgrad import autograd  # noqa: F401  (as torch.autograd; loads the tensor too)
from glassgrad.autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled,
                                          is_inference_mode_enabled, no_grad, set_grad_enabled)
from glassgrad.dtypes import (bfloat16, bool, double, dtype, finfo, float, float16, float32, float64,  # noqa: A004
                              get_default_dtype, iinfo, half, int, int8, int16, int32, int64, long,
                              set_default_dtype, short, uint8)
from glassgrad.tensor import Size, Tensor, device
from glassgrad.devices import get_default_device, set_default_device
from glassgrad.memory_formats import (channels_last, channels_last_3d, contiguous_format,  # noqa: F401
                                      memory_format, preserve_format)
from glassgrad import random  # noqa: F401  (as torch.random: fork_rng and the generator's state)
from glassgrad.random import (Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed,
                              set_rng_state)
from glassgrad.creation import (tensor, as_tensor, from_numpy, zeros, ones, full, empty, zeros_like,
                                ones_like, full_like, empty_like, rand_like, randn_like, randint_like,
                                arange, linspace, logspace, eye, rand, randn, randint, randperm, normal, bernoulli,
                                multinomial, asarray, range, empty_strided, frombuffer, FloatTensor, DoubleTensor, HalfTensor,
                                LongTensor, IntTensor, ShortTensor, CharTensor, ByteTensor, BoolTensor,
                                set_default_tensor_type, typename, scalar_tensor, empty_permuted)
from glassgrad import ops  # noqa: F401  (importing it attaches every family's methods to Tensor)
from glassgrad.ops.elementwise import (add, sub, subtract, mul, multiply, div, divide,  # noqa: A004
                                       true_divide, floor_divide, remainder, fmod, pow,
                                       maximum, minimum, where, lerp)
from glassgrad.ops.unary import (neg, negative, abs, absolute, sign, exp, exp2, expm1, log,  # noqa: A004
                                 log2, log10, log1p, sqrt, rsqrt, square, reciprocal, sin,
                                 cos, tan, tanh, sigmoid, relu, clamp, clip, clamp_min,
                                 clamp_max, floor, ceil, round, trunc, fix, frac, clone)
from glassgrad.ops.trigonometry import (sinh, cosh, asin, acos, atan, asinh, acosh, atanh, arcsin,
                                        arccos, arctan, arcsinh, arccosh, arctanh, atan2, arctan2)
from glassgrad.ops.compare import (eq, ne, lt, le, gt, ge, equal, greater, less, greater_equal,
                                   less_equal, not_equal, logical_and, logical_or, logical_not,
                                   logical_xor, isnan, isinf, isfinite, allclose, isclose,
                                   bitwise_and, bitwise_or, bitwise_xor, bitwise_not)
from glassgrad.ops.reduce import (sum, mean, prod, max, min, amax, amin, argmax, argmin,  # noqa: A004
                                  logsumexp, all, any, count_nonzero, median, return_types)
from glassgrad.ops.variance import var, std, var_mean, std_mean
from glassgrad.ops.cumulative import cumsum
from glassgrad.ops.softmax import softmax, log_softmax
from glassgrad.ops.shape import (reshape, view, flatten, ravel, unflatten, squeeze, unsqueeze,
                                 permute, transpose, swapaxes, swapdims, t, adjoint, expand, expand_as,
                                 broadcast_to, broadcast_shapes, broadcast_tensors, flip, fliplr, flipud, roll, movedim,
                                 moveaxis, tril, triu,
                                 diagonal, diag)
from glassgrad.ops.joining import (cat, concat, concatenate, stack, hstack, vstack, dstack,
                                   column_stack, split, tensor_split, chunk, unbind, select, narrow,
                                   atleast_1d, atleast_2d, atleast_3d, repeat, tile)
from glassgrad.ops.inplace_functions import (abs_, acos_, acosh_, arccos_, arccosh_, arcsin_, arcsinh_,
                                             arctan_, arctanh_, asin_, asinh_, atan_, atanh_, ceil_, clamp_,
                                             clamp_max_, clamp_min_, clip_, cos_, cosh_, exp2_, exp_, expm1_,
                                             fill_, floor_, frac_, log10_, log1p_, log2_, log_, neg_,
                                             negative_, reciprocal_, relu_, round_, rsqrt_, sigmoid_, sin_,
                                             sinh_, sqrt_, square_, tan_, tanh_, trunc_, zero_)
from glassgrad.ops.gather_scatter import (gather, scatter, scatter_add, take_along_dim, sort,
                                          argsort, msort, topk, kthvalue)
from glassgrad.ops.counting import unique, bincount, histc, histogram
from glassgrad.ops.indexing import (index_select, index_add, index_fill, masked_fill,
                                    masked_select, take, nonzero, argwhere, nonzero_static)
from glassgrad.ops.repeating import repeat_interleave, meshgrid
from glassgrad.ops.linalg import matmul, mm, bmm, mv, dot, outer, ger, einsum, norm, dist
from glassgrad.ops.decompositions import det, svd, cross, matrix_exp
from glassgrad.ops.blas import (addbmm, addcdiv, addcmul, addmm, addmv, addr, baddbmm, bilinear,  # noqa: F401
                                chain_matmul, inner, trace, vdot)
from glassgrad.ops.more_math import (bitwise_left_shift, bitwise_right_shift, corrcoef, cov, cumprod,  # noqa: F401
                                     deg2rad, diagonal_scatter, diff, pdist, float_power, fmax, fmin, gcd, is_nonzero, is_same_size, is_signed,
                                     isneginf, isposinf, isreal, lcm, mvlgamma, nanmedian, nextafter, positive,
                                     rad2deg, select_scatter, sgn, signbit, slice_scatter, split_with_sizes)
from glassgrad.ops.factorizations import (cholesky_inverse, cholesky_solve, inverse, logdet, lu_unpack,  # noqa: F401
                                          matrix_power, pinverse, triangular_solve)
from glassgrad.ops.factorizations import _torch_cholesky as cholesky, _torch_lu as lu  # noqa: F401
from glassgrad.ops.factorizations import _torch_lu_solve as lu_solve, _torch_qr as qr  # noqa: F401
from glassgrad.ops.factorizations import _torch_slogdet as slogdet  # noqa: F401
from glassgrad.ops.numerical import (aminmax, bartlett_window, blackman_window, cumulative_trapezoid,  # noqa: F401
                                     gradient, hamming_window, hann_window, kaiser_window, rsub, trapezoid, trapz,
                                     unravel_index, vander)
from glassgrad.ops.index_write import (index_copy, index_put, masked_scatter, put,  # noqa: F401
                                       scatter_reduce)
from glassgrad.ops.conv import conv2d, conv1d, conv_transpose1d, conv_transpose2d
from glassgrad.ops.pool import (max_pool2d, max_pool1d, avg_pool2d, avg_pool1d,
                                adaptive_avg_pool2d, adaptive_avg_pool1d)
from glassgrad.nn.functional_distance import cdist, cosine_similarity, pairwise_distance
from glassgrad.nn.functional_activation import (celu, celu_, hardshrink, prelu, rrelu, rrelu_, selu,  # noqa: F401
                                                selu_, threshold, threshold_)
from glassgrad.nn.functional import alpha_dropout, feature_alpha_dropout  # noqa: F401
from glassgrad.nn.pixelshuffle import (channel_shuffle, native_channel_shuffle, pixel_shuffle,  # noqa: F401
                                       pixel_unshuffle)
from glassgrad.ops.sparse import layout, sparse_coo, sparse_coo_tensor, spmm, strided
from glassgrad.ops.special_math import (copysign, digamma, erf, erfc, erfinv, frexp, heaviside, hypot, i0,
                                        ldexp, lgamma, logaddexp, logaddexp2, logit, nan_to_num, nanmean,
                                        nansum, polygamma, sinc, xlogy)
from glassgrad.ops.statistics import cummax, cummin, logcumsumexp, mode, nanquantile, quantile, renorm
from glassgrad.ops.building import (as_strided, block_diag, bucketize, cartesian_prod, combinations, diag_embed,
                                    diagflat, dsplit, hsplit, isin, kron, narrow_copy, rot90, row_stack,
                                    searchsorted, tensordot, tril_indices, triu_indices, unique_consecutive, vsplit)
from glassgrad.ops.storage import TypedStorage, UntypedStorage, is_storage  # noqa: F401
from glassgrad import functional, linalg, nn, optim, sparse, utils  # noqa: F401  (as torch.linalg, torch.nn, ...)
from glassgrad import overrides  # noqa: F401  (as torch.overrides: the __torch_function__ protocol)
from glassgrad import _C  # noqa: F401  (torch._C's protocol names: DisableTorchFunctionSubclass, ...)
from glassgrad import _future as __future__  # noqa: F401  (torch.__future__: swap_module_params_on_conversion)
from glassgrad import profiler  # noqa: F401  (as torch.profiler)
from glassgrad import func  # noqa: F401  (as torch.func: grad, vmap, jacrev, functional_call ...)
from glassgrad import special  # noqa: F401  (as torch.special: erf, expit, gammaln, ndtr ...)
from glassgrad import testing  # noqa: F401  (as torch.testing: assert_close)
from glassgrad.anomaly import is_anomaly_check_nan_enabled, is_anomaly_enabled  # noqa: F401
from glassgrad._format import set_printoptions  # noqa: F401
from glassgrad.type_queries import (can_cast, get_num_interop_threads, is_complex, is_floating_point,  # noqa: F401
                                    is_nonzero, is_tensor, numel, promote_types, result_type, set_flush_denormal,
                                    set_num_interop_threads)
from glassgrad import distributions  # noqa: F401  (as torch.distributions: Normal, Categorical, MultivariateNormal, kl_divergence, ...)
from glassgrad.func import vmap  # noqa: F401  (torch.vmap is torch.func.vmap)
from glassgrad.threads import get_num_threads, set_num_threads  # noqa: F401
# torch.autograd.functional / .profiler (the top-level name `functional` is torch.functional's)
from glassgrad.autograd import functional as _autograd_functional, profiler as _autograd_profiler  # noqa: F401
from glassgrad.autograd import forward_ad as _forward_ad  # noqa: F401  (torch.autograd.forward_ad without its own import)
from glassgrad.serialization import load, save  # noqa: F401
# The device surface (docs/part3-device.md): PyTorch's answers on a machine without a GPU.
from glassgrad import _dynamo, _logging, accelerator, amp, backends, compiler, cpu, cuda, distributed, jit, multiprocessing, onnx  # noqa: F401,E501
from glassgrad.amp import GradScaler, autocast  # noqa: F401  (torch.GradScaler is torch.amp.GradScaler)
from glassgrad.backends import (are_deterministic_algorithms_enabled, get_float32_matmul_precision,
                                is_deterministic_algorithms_warn_only_enabled, set_float32_matmul_precision,
                                use_deterministic_algorithms)
from glassgrad.compiler import compile  # noqa: A004  (torch.compile: returns the model unchanged)
from glassgrad.scalar.value import Value  # noqa: F401  (Part I)

detach = Tensor.detach  # glassgrad.detach(x), as torch.detach

__version__ = "0.1.0"
