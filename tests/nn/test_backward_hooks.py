"""Module full backward hooks and pre-hooks (nn/backward_hooks.py) against PyTorch: what the hooks see,
their order, replacing grad_input and grad_output, removal, and the grad_fn name of a hooked output."""

import warnings

import numpy as np
import pytest
import torch

import glassgrad as gg


def run(lib, replace_input=False, replace_output=False, input_grad=True, remove=False):
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 2))
    seen = []

    def hook(module, grad_input, grad_output):
        seen.append(("hook", type(module).__name__, [None if g is None else g.sum().item() for g in grad_input],
                     [g.sum().item() for g in grad_output]))
        if replace_input:
            return tuple(None if g is None else g * 3 for g in grad_input)

    def pre_hook(module, grad_output):
        seen.append(("pre", type(module).__name__, [g.sum().item() for g in grad_output]))
        if replace_output:
            return tuple(g * 0.5 for g in grad_output)

    handles = [model[0].register_full_backward_hook(hook), model[2].register_full_backward_hook(hook),
               model[2].register_full_backward_pre_hook(pre_hook), model[1].register_full_backward_hook(hook)]
    if remove:
        handles[1].remove()
    x = lib.randn(5, 3, requires_grad=input_grad)
    y = model(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (y ** 2).sum().backward()
    grads = [p.grad.flatten().tolist() for p in model.parameters()]
    return seen, grads, (x.grad.flatten().tolist() if input_grad else None), y.grad_fn.name()


@pytest.mark.parametrize("options", [{}, {"replace_input": True}, {"replace_output": True}, {"input_grad": False},
                                     {"remove": True}, {"replace_input": True, "replace_output": True}])
def test_backward_hooks_see_and_change_what_pytorchs_do(options):
    ours, theirs = run(gg, **options), run(torch, **options)
    assert [s[:2] for s in ours[0]] == [s[:2] for s in theirs[0]]  # which hooks, on which modules, in order
    for a, b in zip(ours[0], theirs[0]):
        for x, y in zip(a[2:], b[2:]):
            assert [v is None for v in x] == [v is None for v in y]
            np.testing.assert_allclose([v for v in x if v is not None], [v for v in y if v is not None], rtol=1e-5)
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    if ours[2] is not None:
        np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-5, atol=1e-7)
    assert ours[3] == theirs[3] == "BackwardHookFunctionBackward"


def test_a_hook_returning_the_wrong_number_of_gradients_is_an_error():
    for lib in (gg, torch):
        layer = lib.nn.Linear(2, 2)
        layer.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
        with pytest.raises(RuntimeError, match="Backward hook returned an invalid number of grad_input"):
            layer(lib.ones(1, 2, requires_grad=True)).sum().backward()


def test_no_hook_work_under_no_grad_and_the_warning_without_input_grads():
    for lib in (gg, torch):
        layer = lib.nn.Linear(2, 2)
        calls = []
        layer.register_full_backward_hook(lambda m, gi, go: calls.append(gi))
        with lib.no_grad():
            out = layer(lib.ones(1, 2))
        assert out.grad_fn is None
        with pytest.warns(UserWarning, match="no inputs require gradients"):
            layer(lib.ones(1, 2)).sum().backward()
        assert calls == [(None,)]
