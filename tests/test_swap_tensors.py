"""``torch.utils.swap_tensors`` and the ``torch.__future__`` switches that make ``nn.Module`` use it, against
PyTorch: each program is written once and run on both libraries (``T``).

What is compared is what a program can see: which objects a module holds before and after a conversion or a
``load_state_dict`` (identity, as ``id()`` in the recipe), what an optimizer that holds the old objects sees,
dtypes and numbers.
"""

from __future__ import annotations

import pytest
import torch

import glassgrad
import glassgrad.nn.parameter

LIBS = pytest.mark.parametrize("T", [glassgrad, torch], ids=["glassgrad", "torch"])
HAS_SUBCLASS_PARAMETERS = hasattr(glassgrad.nn.parameter, "_ParameterMeta")


def both(program):
    return [_plain(program(T)) for T in (glassgrad, torch)]


def _plain(value):
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, type):
        return value.__name__
    return str(value).replace("glassgrad", "torch")


@pytest.fixture(autouse=True)
def switches_off():
    yield
    for T in (glassgrad, torch):
        T.__future__.set_swap_module_params_on_conversion(False)
        T.__future__.set_overwrite_module_params_on_conversion(False)


def test_swap_tensors_trades_contents_and_keeps_identities():
    def program(T):
        t1, t2 = T.arange(2), T.arange(3.0).requires_grad_()
        ids = id(t1), id(t2)
        T.utils.swap_tensors(t1, t2)
        return [(id(t1), id(t2)) == ids, t1.tolist(), t1.dtype, t1.requires_grad, t2.tolist(), t2.dtype,
                t2.requires_grad]
    ours, theirs = both(program)
    assert ours == theirs


def test_swap_tensors_trades_the_class_and_its_fields():
    def program(T):
        class Tagged(T.Tensor):
            pass

        a = T.ones(2).as_subclass(Tagged)
        a.tag = "mine"
        b = T.zeros(3).as_subclass(Tagged)
        b.tag = "theirs"
        T.utils.swap_tensors(a, b)
        return [type(a), a.tag, a.tolist(), b.tag, b.tolist()]
    ours, theirs = both(program)
    assert ours == theirs


@LIBS
def test_swap_tensors_refuses_a_tensor_with_a_weak_reference(T):
    import weakref

    t1, t2 = T.ones(1), T.ones(1)
    ref = weakref.ref(t1)  # noqa: F841  (alive during the call)
    with pytest.raises(RuntimeError, match="Cannot swap t1 because it has weakref associated with it"):
        T.utils.swap_tensors(t1, t2)


@pytest.mark.parametrize("switch", ["none", "swap", "overwrite"])
def test_module_conversion_keeps_or_replaces_parameters_as_torch(switch):
    def program(T):
        T.__future__.set_swap_module_params_on_conversion(switch == "swap")
        T.__future__.set_overwrite_module_params_on_conversion(switch == "overwrite")
        T.manual_seed(0)
        m = T.nn.Linear(2, 1)
        m(T.ones(1, 2)).sum().backward()
        weight, grad = m.weight, m.weight.grad
        opt = T.optim.SGD(m.parameters(), lr=0.1)
        m.double()
        return [m.weight is weight, m.weight.grad is grad, m.weight.dtype, m.weight.grad.dtype,
                opt.param_groups[0]["params"][0] is m.weight, opt.param_groups[0]["params"][0].dtype,
                type(m.weight)]
    ours, theirs = both(program)
    assert ours == theirs


@pytest.mark.parametrize("assign", [False, True])
def test_load_state_dict_under_the_swap_switch_keeps_identities_and_takes_the_values(assign):
    def program(T):
        T.__future__.set_swap_module_params_on_conversion(True)
        m = T.nn.Linear(3, 2)
        ids = id(m.weight), id(m.bias)
        source = T.nn.Linear(3, 2).double()
        m.load_state_dict(source.state_dict(), assign=assign)
        return [(id(m.weight), id(m.bias)) == ids, m.weight.dtype, m.weight.requires_grad,
                type(m.weight), T.equal(m.weight.detach().double(), source.weight.detach())]
    ours, theirs = both(program)
    assert ours == theirs


@pytest.mark.skipif(not HAS_SUBCLASS_PARAMETERS, reason="needs nn.Parameter(subclass) (nn/parameter.py)")
def test_module_load_can_be_taken_over_by_a_subclass():
    """The recipe's extension point: a subclass's __torch_function__ turns the saved plain tensor into
    the subclass when load_state_dict swaps it in."""
    def program(T):
        seen = []

        class Scaled(T.Tensor):
            @classmethod
            def __torch_function__(cls, func, types, args=(), kwargs=None):
                if func is T.Tensor.module_load:
                    dest, src = args[0], args[1]
                    seen.append((type(dest).__name__, type(src).__name__))
                    out = src.detach().as_subclass(cls)
                    out.scale = dest.scale
                    return out
                return super().__torch_function__(func, types, args, kwargs)

        T.__future__.set_swap_module_params_on_conversion(True)
        m = T.nn.Linear(2, 2)
        w = T.nn.Parameter(T.zeros(2, 2).as_subclass(Scaled))
        w.scale = 0.5
        m.weight = w
        m.load_state_dict({"weight": T.ones(2, 2), "bias": T.ones(2)})
        return [m.weight is w, type(m.weight), getattr(m.weight, "scale", None), m.weight.tolist(), seen]
    ours, theirs = both(program)
    assert ours == theirs
