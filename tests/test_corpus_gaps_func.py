"""torch.func.jacrev and jvp over a dict of parameters, against PyTorch.

Found by the corpus: PyTorch's neural_tangent_kernels tutorial takes ``vmap(jacrev(fnet_single),
(None, 0))(params, x)`` with ``params`` a dict of a module's parameters, and ``jvp(f, (params,), vjps)``.
"""

import numpy as np
import pytest
import torch

import glassgrad as gg
from glassgrad import func as gfunc


def _weights():
    rng = np.random.default_rng(0)
    return {"w": rng.standard_normal((3, 4)).astype(np.float32), "b": rng.standard_normal(3).astype(np.float32)}


def _model(lib, params, x):
    return lib.tanh(x @ params["w"].T + params["b"])


def _close(g, t, tol=1e-5):
    np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)


def test_jacrev_of_dict_argument_matches_pytorch():
    arrays = _weights()
    x = np.random.default_rng(1).standard_normal((2, 4)).astype(np.float32)
    g_params = {k: gg.tensor(v) for k, v in arrays.items()}
    t_params = {k: torch.tensor(v) for k, v in arrays.items()}
    g_jac = gfunc.vmap(gfunc.jacrev(lambda p, xi: _model(gg, p, xi)), (None, 0))(g_params, gg.tensor(x))
    t_jac = torch.func.vmap(torch.func.jacrev(lambda p, xi: _model(torch, p, xi)), (None, 0))(t_params, torch.tensor(x))
    assert isinstance(g_jac, dict) and list(g_jac) == list(t_jac)
    for key in t_jac:
        assert tuple(g_jac[key].shape) == tuple(t_jac[key].shape)
        _close(g_jac[key], t_jac[key])


def test_jacrev_tuple_output_and_tuple_argnums_match_pytorch():
    arrays = _weights()
    x = np.random.default_rng(2).standard_normal(4).astype(np.float32)

    def f(lib):
        return lambda p, xi: (_model(lib, p, xi), (p["b"] * xi[:3]).sum())

    g_jac = gfunc.jacrev(f(gg), argnums=(0, 1))({k: gg.tensor(v) for k, v in arrays.items()}, gg.tensor(x))
    t_jac = torch.func.jacrev(f(torch), argnums=(0, 1))({k: torch.tensor(v) for k, v in arrays.items()},
                                                        torch.tensor(x))
    for g_out, t_out in zip(g_jac, t_jac):
        _close(g_out[1], t_out[1])
        for key in t_out[0]:
            _close(g_out[0][key], t_out[0][key])


def test_jvp_with_dict_primals_matches_pytorch():
    arrays = _weights()
    tangents = {k: np.ones_like(v) * 0.5 for k, v in arrays.items()}
    x = np.random.default_rng(3).standard_normal((2, 4)).astype(np.float32)
    g_out, g_tan = gfunc.jvp(lambda p: _model(gg, p, gg.tensor(x)), ({k: gg.tensor(v) for k, v in arrays.items()},),
                             ({k: gg.tensor(v) for k, v in tangents.items()},))
    t_out, t_tan = torch.func.jvp(lambda p: _model(torch, p, torch.tensor(x)),
                                  ({k: torch.tensor(v) for k, v in arrays.items()},),
                                  ({k: torch.tensor(v) for k, v in tangents.items()},))
    _close(g_out, t_out)
    _close(g_tan, t_tan)


def test_non_tensor_argument_error_matches_pytorch():
    for jacrev in (gfunc.jacrev, torch.func.jacrev):
        with pytest.raises(ValueError, match="Thing passed to transform API must be Tensor, got <class 'float'>"):
            jacrev(lambda a: a * 2)(3.0)
        with pytest.raises(ValueError, match="must be Tensor, got <class 'int'>"):
            jacrev(lambda a: a["x"] * 2)({"x": 3})
