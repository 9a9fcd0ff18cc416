"""The ``__torch_function__`` protocol (glassgrad/overrides.py), against PyTorch: every program here is written
once and run on both libraries (``T`` is the library), and the two must tell the same story.

The docs' "Extending torch" examples in our own words: a ``ScalarTensor`` that is not a tensor at all, with a
table of handled functions; dispatch order between types; ``NotImplemented`` and the error PyTorch raises when
every handler declines; a Python-level function that dispatches through ``handle_torch_function``.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

import glassgrad
import glassgrad.nn.functional  # noqa: F401  (T.nn.functional below)

LIBS = pytest.mark.parametrize("T", [glassgrad, torch], ids=["glassgrad", "torch"])


def both(program):
    """``program(T)`` on glassgrad and on PyTorch, with glassgrad's name written as torch's."""
    return [_plain(program(T)) for T in (glassgrad, torch)]


def _plain(value):
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value).replace("glassgrad", "torch")


# --- a ScalarTensor, as in the docs ----------------------------------------------------------------------
def scalar_tensor_class(T):
    """A diagonal N×N matrix stored as one number, taking over T.mean, T.add and T.nn.functional.relu."""
    handled = {}

    class ScalarTensor:
        def __init__(self, n, value):
            self._n, self._value = n, value

        def __repr__(self):
            return f"ScalarTensor(N={self._n}, value={self._value})"

        def tensor(self):
            return self._value * T.eye(self._n)

        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            if func not in handled or not all(issubclass(t, (T.Tensor, ScalarTensor)) for t in types):
                return NotImplemented
            return handled[func](*args, **kwargs)

    def implements(func):
        def register(impl):
            handled[func] = impl
            return impl
        return register

    @implements(T.mean)
    def mean(input):
        return float(input._value) / input._n

    @implements(T.add)
    def add(input, other):
        if isinstance(input, ScalarTensor) and isinstance(other, ScalarTensor):
            return ScalarTensor(input._n, input._value + other._value)
        plain = input.tensor() if isinstance(input, ScalarTensor) else input
        return plain + (other.tensor() if isinstance(other, ScalarTensor) else other)

    @implements(T.nn.functional.relu)
    def relu(input, inplace=False):
        return ScalarTensor(input._n, max(input._value, 0))

    return ScalarTensor


def test_a_scalar_tensor_takes_over_the_functions_it_handles():
    def program(T):
        S = scalar_tensor_class(T)
        d = S(5, 2)
        return [T.mean(d), T.add(d, d), T.add(d, T.ones(5, 5)).sum().item(), T.nn.functional.relu(S(2, -3))]
    ours, theirs = both(program)
    assert ours == theirs


def test_a_function_every_handler_declines_raises_pytorchs_type_error():
    def program(T):
        S = scalar_tensor_class(T)
        out = []
        for call in (lambda: T.sum(S(2, 1)), lambda: T.nn.functional.gelu(S(2, 1)),
                     lambda: T.cat([T.ones(1), S(1, 1)]), lambda: T.ones(2).mul(S(2, 1))):
            with pytest.raises(TypeError) as info:
                call()
            out.append(str(info.value).replace(".test_overrides", "").replace("tests.", ""))
        return out
    ours, theirs = both(program)
    # the class's qualified name differs (a local class in each run): compare the rest of each line
    assert [m.split("<class")[0] for m in ours] == [m.split("<class")[0] for m in theirs]
    assert all("ScalarTensor'>" in m for m in ours)


def recording_classes(T, log, answer_from):
    """Types that write down who was asked (and the types each was shown), and decline or answer as told."""
    def handler(cls, func, types, args=(), kwargs=None):
        log.append((cls.__name__, [t.__name__ for t in types]))
        return f"answered by {cls.__name__}" if cls.__name__ in answer_from else NotImplemented

    class Base:
        __torch_function__ = classmethod(handler)

    class Child(Base):
        pass

    class Other:
        __torch_function__ = classmethod(handler)

    return Base, Child, Other


@LIBS
def test_dispatch_order_subclasses_before_superclasses_then_left_to_right(T):
    def program(T):
        log = []
        Base, Child, Other = recording_classes(T, log, answer_from=("Other",))
        result = T.add(Base(), Child(), alpha=Other())  # keyword arguments take part too
        return [result, log]
    assert program(T) == program(torch)
    assert program(T)[1][0][0] == "Child"


@LIBS
def test_a_list_argument_is_looked_into_and_plain_tensors_never_dispatch(T):
    log = []
    Base, _, _ = recording_classes(T, log, answer_from=("Base",))
    assert T.cat([T.ones(1), Base()]) == "answered by Base"
    assert T.cat([T.ones(1), T.ones(1)]).tolist() == [1.0, 1.0]
    assert len(log) == 1


@LIBS
def test_disable_torch_function_subclass_calls_the_real_function(T):
    class Logged(T.Tensor):
        calls = []

        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            cls.calls.append(func.__name__)
            with T._C.DisableTorchFunctionSubclass():
                return func(*args, **(kwargs or {}))

    x = T.ones(2).as_subclass(Logged)
    y = T.mul(x, 3)
    assert type(y) is T.Tensor  # no conversion: the handler returns what the function gave
    assert y.tolist() == [3.0, 3.0]
    assert "mul" in Logged.calls
    assert T._C._is_torch_function_enabled()


@LIBS
def test_a_python_function_can_dispatch_with_handle_torch_function(T):
    def double(x):
        if T.overrides.has_torch_function_unary(x):
            return T.overrides.handle_torch_function(double, (x,), x)
        return x * 2

    log = []
    Base, _, _ = recording_classes(T, log, answer_from=("Base",))
    assert double(Base()) == "answered by Base"
    assert double(T.ones(1)).tolist() == [2.0]
    assert T.overrides.is_tensor_like(Base()) and T.overrides.is_tensor_like(T.ones(1))
    assert not T.overrides.is_tensor_like(3.0)
    assert not T.overrides.has_torch_function((T.ones(1), 2.0))


def test_plain_programs_run_on_plain_functions_until_a_class_needs_the_dispatch():
    """The cost of the protocol for ordinary code is nil: glassgrad.add is the op itself until a class with
    __torch_function__ is written; then it is the dispatching wrapper."""
    program = (
        "import glassgrad, glassgrad.ops.elementwise as e, glassgrad.nn.functional as F, glassgrad.nn.functional_activation as A\n"
        "before = (glassgrad.add is e.add, glassgrad.Tensor.__add__.__name__, hasattr(glassgrad.Tensor.__add__, '__wrapped__'))\n"
        "x = glassgrad.ones(2) + 1\n"
        "class Traced:\n"
        "    @classmethod\n"
        "    def __torch_function__(cls, func, types, args=(), kwargs=None):\n"
        "        return func.__name__\n"
        "after = (glassgrad.add is e.add, hasattr(glassgrad.Tensor.__add__, '__wrapped__'))\n"
        "print(before, after, glassgrad.add(Traced(), 1), F.relu(Traced()), glassgrad.ones(1) + 1)\n")
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "(True, 'add', False) (False, True) add relu tensor([2.])"


def test_disable_puts_the_plain_functions_back():
    import glassgrad.ops.elementwise as elementwise

    plain_method = glassgrad.Tensor.add

    class Traced:
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            return "traced"

    assert glassgrad.add(Traced(), 1) == "traced"
    assert glassgrad.add is not elementwise.add and glassgrad.Tensor.add is not plain_method
    glassgrad.overrides.disable()
    assert glassgrad.add is elementwise.add and glassgrad.Tensor.add is plain_method

    class TracedAgain(Traced):  # the next class with __torch_function__ installs it anew
        pass

    assert glassgrad.add(TracedAgain(), 1) == "traced"


def test_torch_C_names_import_as_in_pytorch():
    """``from torch._C import _disabled_torch_function_impl`` and friends: the names programs import from
    PyTorch's C extension exist under glassgrad._C and answer as PyTorch's do outside a trace."""
    import glassgrad._C as ours
    for name in ("DisableTorchFunctionSubclass", "DisableTorchFunction", "_disabled_torch_function_impl"):
        assert hasattr(ours, name) and hasattr(torch._C, name)
    assert ours._get_tracing_state() is None and torch._C._get_tracing_state() is None
    assert ours._is_torch_function_enabled() == torch._C._is_torch_function_enabled()


def test_importing_real_torch_after_glassgrad_installs_nothing():
    """PyTorch's own Tensor subclasses (defined when torch is imported beside glassgrad: interop, tests)
    never reach glassgrad's functions, so they must not switch the dispatch on for everything."""
    program = "import glassgrad, torch, glassgrad.overrides as o; print(o._STATE.installed)"
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=300)
    assert result.stdout.strip() == "False", result.stderr
