"""functorch (glassgrad/functorch.py) against the real functorch shipped with PyTorch."""

import functorch
import numpy as np
import pytest
import torch

import glassgrad as gg
import glassgrad.functorch as gg_functorch


def model_and_input(lib):
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(5, 4), lib.nn.BatchNorm1d(4), lib.nn.Tanh())
    return model, lib.randn(8, 5)


@pytest.mark.parametrize("lib, ft", [(gg, gg_functorch), (torch, functorch)])
def test_make_functional_with_buffers_and_jvp(lib, ft):
    model, x = model_and_input(lib)
    func, params, buffers = ft.make_functional_with_buffers(model)
    assert len(params) == 4 and len(buffers) == 3
    doubled = tuple(p * 2 for p in params)
    out = func(doubled, buffers, x)
    with lib.no_grad():
        for p in model.parameters():
            p.mul_(2)
    np.testing.assert_allclose(out.detach().numpy(), model(x).detach().numpy(), rtol=1e-6)


def test_jvp_through_make_functional_equals_functorchs():
    results = []
    for lib, ft in ((gg, gg_functorch), (torch, functorch)):
        lib.manual_seed(0)
        model, x = lib.nn.Sequential(lib.nn.Linear(5, 4), lib.nn.Tanh(), lib.nn.Linear(4, 2)), lib.randn(8, 5)
        func, params = ft.make_functional(model)
        lib.manual_seed(1)
        tangents = tuple(lib.rand_like(p) for p in params)
        out, tangent_out = ft.jvp(lambda *ps: func(ps, x), tuple(params), tangents)
        results.append((out.detach().numpy(), tangent_out.detach().numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_functorch_is_what_run_as_torch_imports(tmp_path):
    import subprocess
    import sys
    script = tmp_path / "uses_functorch.py"
    script.write_text("import functorch, torch\nprint(functorch.vmap is torch.func.vmap, "
                      "callable(functorch.make_functional))\n")
    out = subprocess.run([sys.executable, "-m", "glassgrad.cli", "run-as-torch", str(script)],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True True"
