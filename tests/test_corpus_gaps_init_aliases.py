"""``nn.init``'s old names without the trailing underscore (``nn.init.xavier_uniform(w)``), against PyTorch.

Programs written for PyTorch before 0.4 (still in many learners' tutorials) call ``nn.init.normal(w)`` and
``nn.init.xavier_uniform(w)``; PyTorch 2.13 still answers them, with a FutureWarning.
"""

import warnings

import pytest
import torch

import glassgrad as gg

CALLS = {"uniform": ((-0.5, 0.5), (4, 3)), "normal": ((0.0, 0.1), (4, 3)), "constant": ((0.25,), (4, 3)),
         "eye": ((), (3, 4)), "dirac": ((), (2, 2, 3)), "sparse": ((0.5,), (6, 4)), "orthogonal": ((), (4, 3)),
         "xavier_uniform": ((), (4, 3)), "xavier_normal": ((), (4, 3)), "kaiming_uniform": ((), (4, 3)),
         "kaiming_normal": ((), (4, 3))}


def _call(lib, name):
    args, shape = CALLS[name]
    lib.manual_seed(7)
    w = lib.empty(*shape)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = getattr(lib.nn.init, name)(w, *args)
    return w, out, caught


@pytest.mark.parametrize("name", sorted(CALLS))
def test_old_init_name_fills_like_pytorch_and_warns(name):
    t, t_out, t_warned = _call(torch, name)
    g, g_out, g_warned = _call(gg, name)
    assert g_out is g and t_out is t
    assert g.flatten().tolist() == pytest.approx(t.flatten().tolist(), abs=1e-6)
    assert [w.category for w in g_warned] == [w.category for w in t_warned] == [FutureWarning]
    assert str(g_warned[0].message) == str(t_warned[0].message)


def test_old_init_names_are_the_ones_pytorch_has():
    old = {n for n in dir(torch.nn.init) if not n.startswith("_") and n + "_" in dir(torch.nn.init)}
    assert old == set(CALLS)
    assert all(getattr(gg.nn.init, n).__name__ == n for n in old)
