"""utils.checkpoint, utils.hooks.RemovableHandle, and anomaly detection / Variable (glassgrad/anomaly.py,
which torch.autograd's names point to) against PyTorch."""

import warnings
from collections import OrderedDict

import numpy as np
import pytest
import torch

import glassgrad as gg
from glassgrad import anomaly
from glassgrad.utils.checkpoint import checkpoint, checkpoint_sequential
from glassgrad.utils.hooks import RemovableHandle

X = np.random.default_rng(7).normal(size=(3, 4))


def block(module):
    return lambda x, scale=1.0: (module.tanh(x) * x).sum(1) * scale


@pytest.mark.parametrize("use_reentrant", [True, False])
def test_checkpoint_values_and_gradients(use_reentrant):
    results = []
    for module, run in ((gg, checkpoint), (torch, torch.utils.checkpoint.checkpoint)):
        x = module.tensor(X, requires_grad=True)
        kwargs = {} if use_reentrant else {"scale": 2.0}
        y = run(block(module), x, use_reentrant=use_reentrant, **kwargs)
        y.sum().backward()
        results.append((y.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12)


@pytest.mark.parametrize("use_reentrant", [True, False])
def test_checkpoint_recomputes_in_backward_with_the_same_dropout(use_reentrant):
    """The block runs twice (forward, then again in backward), its dropout mask is replayed, the global
    generator ends where PyTorch's does, and parameter and input gradients equal PyTorch's."""
    results = []
    for module, run in ((gg, checkpoint), (torch, torch.utils.checkpoint.checkpoint)):
        module.manual_seed(0)
        calls = [0]
        linear = module.nn.Linear(3, 3)

        def block_with_dropout(x):
            calls[0] += 1
            return module.nn.functional.dropout(linear(x).tanh(), 0.5)
        x = module.randn(2, 3, requires_grad=True)
        y = run(block_with_dropout, x * 1, use_reentrant=use_reentrant)
        runs_in_forward = calls[0]
        y.sum().backward()
        results.append((runs_in_forward, calls[0], y.grad_fn.name(), linear.weight.grad.numpy(), x.grad.numpy(),
                        module.rand(3).numpy()))
    ours, theirs = results
    assert ours[:3] == theirs[:3] == (1, 2, theirs[2])
    for a, b in zip(ours[3:], theirs[3:]):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_checkpoint_without_inputs_that_require_grad():
    """Reentrant: the output doesn't require grad (PyTorch's well-known trap, with its warning);
    non-reentrant: the parameters inside still get gradients."""
    for module, run in ((gg, checkpoint), (torch, torch.utils.checkpoint.checkpoint)):
        linear = module.nn.Linear(3, 1)
        x = module.ones(2, 3)
        with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
            assert not run(linear, x, use_reentrant=True).requires_grad
        run(linear, x, use_reentrant=False).sum().backward()
        assert linear.weight.grad.tolist() == [[2.0, 2.0, 2.0]]


def test_checkpoint_warning_and_errors_as_pytorch():
    messages = []
    for module, run in ((gg, checkpoint), (torch, torch.utils.checkpoint.checkpoint)):
        x = module.tensor(X, requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            run(block(module), x)
        messages.append([str(w.message) for w in caught if "use_reentrant" in str(w.message)])
        with pytest.raises(ValueError) as error:
            run(block(module), x, use_reentrant=True, scale=2.0)
        messages.append(str(error.value))
    assert messages[0] == messages[2] and messages[0]
    assert messages[1] == messages[3]


def test_checkpoint_sequential():
    outs = []
    for module, run in ((gg, checkpoint_sequential), (torch, torch.utils.checkpoint.checkpoint_sequential)):
        module.manual_seed(0)
        model = module.nn.Sequential(module.nn.Linear(4, 5), module.nn.Tanh(), module.nn.Linear(5, 2))
        for p, v in zip(model.parameters(), [np.full((5, 4), 0.1), np.zeros(5), np.full((2, 5), -0.2), np.ones(2)]):
            with module.no_grad():
                p.copy_(module.tensor(v, dtype=module.float32))
        outs.append(run(model, 2, module.tensor(X, dtype=module.float32), use_reentrant=False).detach().numpy())
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-6)


def test_removable_handle_as_pytorch():
    for cls in (RemovableHandle, torch.utils.hooks.RemovableHandle):
        hooks, extra = OrderedDict(), OrderedDict()
        handle = cls(hooks, extra_dict=extra)
        hooks[handle.id], extra[handle.id] = "hook", "extra"
        second = cls(hooks)
        assert second.id == handle.id + 1
        handle.remove()
        assert hooks == {} and extra == {}
        with cls(hooks) as third:
            hooks[third.id] = "hook"
        assert hooks == {}
    handle = gg.ones(1, requires_grad=True).register_hook(lambda g: g)
    assert isinstance(handle, RemovableHandle)
    assert isinstance(gg.nn.Linear(1, 1).register_forward_hook(lambda *a: None), RemovableHandle)


def test_detect_anomaly_switch_and_warning():
    for autograd, enabled in ((anomaly, anomaly.is_anomaly_enabled), (torch.autograd, torch.is_anomaly_enabled)):
        with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
            with autograd.detect_anomaly(check_nan=False):
                assert enabled()
        assert not enabled()
        with autograd.set_detect_anomaly(True):
            assert enabled()
        assert not enabled()
        autograd.set_detect_anomaly(True)
        assert enabled()
        autograd.set_detect_anomaly(False)
        assert not enabled()
    assert gg.is_anomaly_check_nan_enabled() == torch.is_anomaly_check_nan_enabled()


def test_detect_anomaly_names_the_node_that_returned_nan():
    errors = []
    for module in (gg, torch):
        for make in (lambda x: (x / x).sum(), lambda x: x.sqrt().sum()):
            x = module.tensor([0.0, 1.0]) if len(errors) % 2 == 0 else module.tensor([-1.0, 1.0])
            x.requires_grad_(True)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                with module.autograd.detect_anomaly():
                    with pytest.raises(RuntimeError) as error:
                        make(x).backward()
            errors.append(str(error.value))
            traces = [str(w.message) for w in caught if "Traceback of forward call that caused the error" in str(w.message)]
            assert traces
            if module is gg:  # the program's line that made the node, as PyTorch's trace shows it
                assert "test_surface_autograd_utils.py" in traces[0] and "glassgrad/ops" not in traces[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            x = module.tensor([0.0, 1.0], requires_grad=True)
            with module.autograd.detect_anomaly(check_nan=False):
                (x / x).sum().backward()  # no check: the nan reaches .grad
            assert np.isnan(x.grad.numpy()[0])
    assert errors[:2] == errors[2:] == ["Function 'DivBackward0' returned nan values in its 1th output.",
                                        "Function 'SqrtBackward0' returned nan values in its 0th output."]


def test_variable_as_pytorch():
    for module, variable in ((gg, anomaly.Variable), (torch, torch.autograd.Variable)):
        base = module.ones(2, requires_grad=True)
        v = variable(base)
        assert v is not base and not v.requires_grad and v.is_leaf
        w = variable(module.ones(2), requires_grad=True)
        assert w.requires_grad and w.is_leaf and isinstance(w, module.Tensor)
        assert isinstance(module.zeros(1), variable)
        (w * 3).sum().backward()
        assert w.grad.tolist() == [3.0, 3.0]
        with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
            variable([1.0])
