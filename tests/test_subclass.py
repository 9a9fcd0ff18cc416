"""Tensor subclasses, against PyTorch: each program is written once and run on both libraries (``T``).

A subclass with the default ``Tensor.__torch_function__`` gets its own class back from every op; one that
logs each call (the docs' pattern) sees the same calls; ``as_subclass``, ``_make_subclass``,
``nn.Parameter(subclass)``; a wrapper subclass (``_make_wrapper_subclass``) whose ``__torch_dispatch__``
answers ``aten.detach`` and ``aten._to_copy``, reached by ``.detach()``, ``.to()``, ``.double()``.
"""

from __future__ import annotations

import pytest
import torch

import glassgrad
import glassgrad.nn.parameter

LIBS = pytest.mark.parametrize("T", [glassgrad, torch], ids=["glassgrad", "torch"])


def both(program):
    return [_plain(program(T)) for T in (glassgrad, torch)]


def _plain(value):
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, type):
        return value.__name__
    return str(value).replace("glassgrad", "torch")


# --- the default __torch_function__: results come back as the subclass --------------------------------------
def test_ops_on_a_subclass_give_the_subclass_back():
    def program(T):
        class Tagged(T.Tensor):
            pass

        x = T.tensor([[1.0, -2.0], [3.0, 4.0]]).as_subclass(Tagged)
        plain = T.ones(2, 2)
        return [type(x + 1), type(plain + x), type(plain.mul(x)), type(T.add(plain, x)), type(x.sum()),
                type(x[0]), type(next(iter(x))), type(x.unbind(0)[1]), type(x.max(0).values), type(x.max(0)), type(T.cat([plain, x])),
                type(T.nn.functional.relu(x)), type(x.detach()), type(x.data), type(x.shape), x.tolist(),
                repr(x * 2), repr(T.tensor(1.5).as_subclass(Tagged))]
    ours, theirs = both(program)
    assert ours == theirs


def test_a_subclass_keeps_autograd_and_its_gradients_are_plain_tensors():
    def program(T):
        class Tagged(T.Tensor):
            pass

        a = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        x = a.as_subclass(Tagged)
        y = (x * x).sum()
        y.backward()
        leaf = T.Tensor._make_subclass(Tagged, T.tensor([1.0, -1.0]), True)
        (leaf.exp() * 2).sum().backward()
        return [type(x), x.is_leaf, x.requires_grad, type(y), a.grad.tolist(), type(a.grad),
                type(leaf), leaf.is_leaf, type(leaf.grad), [round(v, 4) for v in leaf.grad.tolist()]]
    ours, theirs = both(program)
    assert ours == theirs


def logging_tensor_class(T, log):
    """The docs' pattern: a subclass that writes down every function called on it, then runs it."""
    class LoggingTensor(T.Tensor):
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            log.append(func.__name__)
            return super().__torch_function__(func, types, args, kwargs)
    return LoggingTensor


def test_a_logging_subclass_sees_each_call():
    def program(T):
        log = []
        L = logging_tensor_class(T, log)
        x = T.tensor([1.0, 2.0]).as_subclass(L)
        y = T.mul(x, 2)
        z = T.nn.functional.relu(y - 3)
        w = z.sum()
        return [type(w), w.item(), log]
    ours, theirs = both(program)
    assert ours == theirs


def test_a_metadata_subclass_reattaches_its_field():
    def program(T):
        class Metadata(T.Tensor):
            @classmethod
            def __torch_function__(cls, func, types, args=(), kwargs=None):
                tags = {a.tag for a in args if isinstance(a, Metadata) and hasattr(a, "tag")}
                out = super().__torch_function__(func, types, args, kwargs)
                if isinstance(out, Metadata) and tags:
                    out.tag = "+".join(sorted(tags))
                return out

        x = T.ones(2).as_subclass(Metadata)
        x.tag = "left"
        y = T.ones(2).as_subclass(Metadata)
        y.tag = "right"
        return [type(x + y), (x + y).tag, (x * 2).tag]
    ours, theirs = both(program)
    assert ours == theirs


HAS_SUBCLASS_PARAMETERS = hasattr(glassgrad.nn.parameter, "_ParameterMeta")


@pytest.mark.skipif(not HAS_SUBCLASS_PARAMETERS, reason="needs nn.Parameter(subclass) (nn/parameter.py)")
def test_a_parameter_made_of_a_subclass_keeps_the_subclass():
    def program(T):
        class Tagged(T.Tensor):
            pass

        x = T.tensor([1.0, 2.0]).as_subclass(Tagged)
        p = T.nn.Parameter(x)
        m = T.nn.Linear(2, 1)
        m.weight = T.nn.Parameter(T.ones(1, 2).as_subclass(Tagged))
        return [type(p), p is x, isinstance(p, T.nn.Parameter), p.requires_grad, p.is_leaf,
                [name for name, _ in m.named_parameters()], type(m.weight)]
    ours, theirs = both(program)
    assert ours == theirs


# --- a wrapper subclass and __torch_dispatch__ ----------------------------------------------------------------
def wrapper_class(T, log):
    """A tensor that keeps its numbers in ``inner`` and answers detach / _to_copy itself."""
    aten = T.ops.aten

    class Wrapped(T.Tensor):
        @staticmethod
        def __new__(cls, inner):
            return T.Tensor._make_wrapper_subclass(cls, inner.shape, dtype=inner.dtype, device=inner.device,
                                                   strides=inner.stride(), storage_offset=inner.storage_offset())

        def __init__(self, inner):
            self.inner = inner

        @classmethod
        def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
            log.append(str(func))
            if func in (aten.detach.default, aten._to_copy.default):
                return cls(func(args[0].inner, *args[1:], **(kwargs or {})))
            raise NotImplementedError(f"Unsupported function {func}")

    return Wrapped


def test_a_wrapper_subclass_answers_detach_and_to_in_torch_dispatch():
    def program(T):
        log = []
        W = wrapper_class(T, log)
        w = W(T.tensor([1.0, 2.0]))
        d = w.detach()
        h = w.double()
        same = w.to(T.float32)
        return [type(d), d.inner.tolist(), type(h), h.dtype, h.inner.dtype, same is w, w.shape, w.dtype,
                log]
    ours, theirs = both(program)
    assert ours == theirs


def test_module_conversion_of_a_wrapper_weight_keeps_ids_and_leaves_the_inner_numbers():
    """Without the swap switch, a module's dtype change sets the parameter's data: same objects, the
    wrapper's own dtype changes, its inner tensor does not (the recipe's first finding)."""
    def program(T):
        W = wrapper_class(T, [])
        m = T.nn.Linear(3, 2)
        weight, bias = m.weight, m.bias
        m.weight = T.nn.Parameter(W(m.weight.detach()))
        weight = m.weight
        m.double()
        return [m.weight is weight, m.bias is bias, m.weight.dtype, m.weight.inner.dtype, m.bias.dtype]
    if not HAS_SUBCLASS_PARAMETERS:
        pytest.skip("needs nn.Parameter(subclass) (nn/parameter.py)")
    ours, theirs = both(program)
    assert ours == theirs


@LIBS
def test_as_subclass_needs_a_tensor_subclass(T):
    with pytest.raises(TypeError):
        T.ones(1).as_subclass(int)
