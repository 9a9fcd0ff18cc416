"""Autograd semantics, side by side with PyTorch: leaves, accumulation, hooks, grad modes, in-place rules,
freed graphs, create_graph, autograd.grad, custom Functions, deep chains, the graph's structure."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import glassgrad
from glassgrad.autograd import gradcheck

LIBS = [glassgrad, torch]


def both(fn):
    """Run fn(lib) with glassgrad and torch; return the two results as numpy-able values."""
    return fn(glassgrad), fn(torch)


def close(a, b, tol=1e-10):
    def arr(x):
        if x is None:
            return None
        return x.detach().numpy() if isinstance(x, torch.Tensor) else np.asarray(x.detach()._array)
    a, b = arr(a), arr(b)
    assert (a is None) == (b is None)
    if a is not None:
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def x64(lib, values):
    return lib.tensor(values, dtype=lib.float64, requires_grad=True)


# --- leaves, non-leaves, accumulation ---------------------------------------------------------------
def test_leaf_and_non_leaf():
    for lib in LIBS:
        x = x64(lib, [1.0, 2.0])
        y = x * 3
        z = lib.tensor([1.0])
        assert x.is_leaf and not y.is_leaf and z.is_leaf
        assert x.grad_fn is None and y.grad_fn is not None and y.requires_grad
        y.sum().backward()
        assert x.grad.tolist() == [3.0, 3.0]
        with pytest.warns(UserWarning, match="retain_grad"):
            assert y.grad is None


def test_gradients_accumulate_across_backward_calls_until_zeroed():
    def run(lib):
        x = x64(lib, [1.0, -2.0])
        (x * x).sum().backward()
        (x * 3).sum().backward()
        first = x.grad.clone()
        x.grad.zero_()
        (x ** 3).sum().backward()
        return first, x.grad
    (a1, a2), (b1, b2) = both(run)
    close(a1, b1)
    close(a2, b2)


def test_a_node_used_twice_sums_its_paths():
    def run(lib):
        x = x64(lib, [0.5, 1.5])
        y = x.tanh()
        (y * y + y * x).sum().backward()
        return x.grad
    close(*both(run))


def test_retain_grad_keeps_non_leaf_gradient():
    def run(lib):
        x = x64(lib, [1.0, 2.0])
        y = x * x
        y.retain_grad()
        (y * 2).sum().backward()
        return y.grad, x.grad, y.retains_grad
    (ay, ax, ar), (by, bx, br) = both(run)
    close(ay, by)
    close(ax, bx)
    assert ar and br


# --- hooks --------------------------------------------------------------------------------------------
def test_hook_can_modify_the_gradient_and_be_removed():
    def run(lib):
        x = x64(lib, [1.0, 2.0])
        seen = []
        handle = x.register_hook(lambda g: g * 10)
        y = x * x
        h2 = y.register_hook(lambda g: seen.append(g.clone()))
        y.sum().backward()
        first = x.grad.clone()
        handle.remove()
        h2.remove()
        x.grad = None
        (x * x).sum().backward()
        return first, x.grad, len(seen)
    (a1, a2, an), (b1, b2, bn) = both(run)
    close(a1, b1)
    close(a2, b2)
    assert an == bn == 1


def test_hook_on_non_leaf_changes_what_flows_upstream():
    def run(lib):
        x = x64(lib, [1.0, 2.0])
        y = x * 2
        y.register_hook(lambda g: g + 1)
        (y * y).sum().backward()
        return x.grad
    close(*both(run))


# --- grad modes ---------------------------------------------------------------------------------------
def test_no_grad_enable_grad_set_grad_enabled_as_context_managers():
    x = glassgrad.ones(2, requires_grad=True)
    with glassgrad.no_grad():
        assert not (x * 2).requires_grad and not glassgrad.is_grad_enabled()
        with glassgrad.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    with glassgrad.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert glassgrad.is_grad_enabled()
    glassgrad.set_grad_enabled(False)  # as a plain call, like PyTorch
    try:
        assert not (x * 2).requires_grad
    finally:
        glassgrad.set_grad_enabled(True)
    with glassgrad.inference_mode():
        assert not (x * 2).requires_grad


def test_grad_modes_as_decorators():
    x = glassgrad.ones(2, requires_grad=True)

    @glassgrad.no_grad()
    def f():
        return x * 2

    @glassgrad.enable_grad()
    def g():
        return x * 2

    @glassgrad.set_grad_enabled(False)
    def h():
        return x * 2

    assert glassgrad.is_grad_enabled()  # the decorator alone changed nothing
    assert not f().requires_grad and not h().requires_grad
    with glassgrad.no_grad():
        assert g().requires_grad
    assert f.__name__ == "f"


# --- in-place rules -------------------------------------------------------------------------------------
def test_in_place_on_leaf_requiring_grad_is_refused_outside_no_grad():
    for lib in LIBS:
        x = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            x.add_(1)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            x *= 2
        with lib.no_grad():
            x.add_(1)
        assert x.tolist() == [2.0, 2.0]


def test_modifying_a_saved_tensor_makes_backward_raise():
    for lib in LIBS:
        x = lib.ones(2, requires_grad=True)
        y = x * 2
        z = y * y  # saves y
        y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.sum().backward()


def test_in_place_on_a_non_leaf_that_was_not_saved_is_fine():
    def run(lib):
        x = x64(lib, [1.0, 2.0])
        y = x + 1  # add saves nothing
        y.add_(3)
        y.sum().backward()
        return x.grad
    close(*both(run))


@pytest.mark.parametrize("method", ["tanh_", "sigmoid_", "mul_", "div_", "pow_", "clamp_", "abs_"])
def test_in_place_ops_on_non_leaf_tensors_backprop_like_pytorch(method):
    args = {"mul_": (3.0,), "div_": (2.0,), "pow_": (2.0,), "clamp_": (-0.5, 0.5)}.get(method, ())

    def run(lib):
        x = x64(lib, [0.3, -0.7, 1.2])
        y = x * 1.5
        getattr(y, method)(*args)
        (y * y).sum().backward()
        return x.grad
    close(*both(run))


# --- freed graphs, retain_graph, non-scalar backward, backward(gradient) ---------------------------------
def test_second_backward_through_freed_graph_raises_and_retain_graph_allows_it():
    for lib in LIBS:
        x = lib.ones(2, requires_grad=True)
        y = (x * x).sum()
        y.backward()
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            y.backward()
        x.grad = None
        y = (x * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        assert x.grad.tolist() == [4.0, 4.0]


def test_backward_on_non_scalar_without_gradient_raises():
    for lib in LIBS:
        y = lib.ones(2, requires_grad=True) * 2
        with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
            y.backward()


def test_backward_with_gradient_argument():
    def run(lib):
        x = x64(lib, [[1.0, 2.0], [3.0, 4.0]])
        y = x.tanh() * x
        y.backward(gradient=lib.tensor([[1.0, -1.0], [0.5, 2.0]], dtype=lib.float64))
        return x.grad
    close(*both(run))


def test_backward_on_tensor_without_grad_raises():
    for lib in LIBS:
        with pytest.raises(RuntimeError, match="does not require grad"):
            lib.ones(2).sum().backward()


# --- create_graph: second derivatives -----------------------------------------------------------------
def test_second_derivative_of_x_cubed():
    for lib in LIBS:
        x = lib.tensor([2.0, -1.5], dtype=lib.float64, requires_grad=True)
        (dy,) = lib.autograd.grad((x ** 3).sum(), x, create_graph=True)
        (d2y,) = lib.autograd.grad(dy.sum(), x)
        np.testing.assert_allclose(dy.detach().numpy(), 3 * np.array([2.0, -1.5]) ** 2)
        np.testing.assert_allclose(d2y.detach().numpy(), 6 * np.array([2.0, -1.5]))


def test_second_derivative_with_backward_create_graph():
    def run(lib):
        x = lib.tensor(1.3, dtype=lib.float64, requires_grad=True)
        y = x ** 3 * 2
        y.backward(create_graph=True)
        g = x.grad
        x.grad = None
        g.backward()
        return g, x.grad
    (a1, a2), (b1, b2) = both(run)
    close(a1, b1)
    close(a2, b2)


def test_hessian_vector_product_matches_pytorch():
    rng = np.random.default_rng(0)
    w0, v0, a0 = rng.normal(size=4), rng.normal(size=4), rng.normal(size=(3, 4))

    def run(lib):
        w = lib.tensor(w0, requires_grad=True)
        a = lib.tensor(a0)
        loss = (lib.tanh(a @ w) ** 2).sum() + (w * w * w).sum()
        (g,) = lib.autograd.grad(loss, w, create_graph=True)
        (hv,) = lib.autograd.grad((g * lib.tensor(v0)).sum(), w)
        return hv
    close(*both(run))


def test_create_graph_through_zero_dim_output():
    """A full reduction or a 0-dim op returns a numpy scalar; the node must still know its saved output."""
    for f in ("tanh", "exp", "sqrt"):
        x = glassgrad.tensor(0.7, dtype=glassgrad.float64, requires_grad=True)
        xt = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
        (d,) = glassgrad.autograd.grad(getattr(glassgrad, f)(x), x, create_graph=True)
        (dt,) = torch.autograd.grad(getattr(torch, f)(xt), xt, create_graph=True)
        (d2,) = glassgrad.autograd.grad(d, x)
        (d2t,) = torch.autograd.grad(dt, xt)
        close(d2, d2t)


def test_numpy_scalars_as_operands():
    for s in (np.int64(2), np.bool_(True), np.float32(2.0)):
        close(glassgrad.tensor([1.0, 2.0]) * s, torch.tensor([1.0, 2.0]) * s)


# --- autograd.grad ----------------------------------------------------------------------------------------
def test_autograd_grad_does_not_touch_dot_grad_and_allow_unused():
    for lib in LIBS:
        x, y = x64(lib, [1.0, 2.0]), x64(lib, [3.0])
        (gx,) = lib.autograd.grad((x * x).sum(), x)
        assert x.grad is None and gx.tolist() == [2.0, 4.0]
        with pytest.raises(RuntimeError, match="allow_unused=True"):
            lib.autograd.grad((x * 2).sum(), [x, y])
        gx, gy = lib.autograd.grad((x * 2).sum(), [x, y], allow_unused=True)
        assert gy is None and gx.tolist() == [2.0, 2.0]


def test_autograd_grad_with_grad_outputs_and_several_outputs():
    def run(lib):
        x = x64(lib, [1.0, 2.0, 3.0])
        a, b = x.sin(), x * x
        return lib.autograd.grad([a, b], x, grad_outputs=[lib.ones_like(a), lib.full_like(b, 0.5)])[0]
    close(*both(run))


# --- a custom Function, as PyTorch's ------------------------------------------------------------------------
def make_cube(lib):
    class Cube(lib.autograd.Function):
        """y = x³ · k;  dy/dx = 3x²·k (k a plain number, no gradient)"""

        @staticmethod
        def forward(ctx, x, k):
            ctx.save_for_backward(x)
            ctx.k = k
            return x ** 3 * k

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            assert ctx.needs_input_grad == (True, False)
            return grad_output * 3 * x ** 2 * ctx.k, None
    return Cube


def test_custom_function_matches_pytorch():
    def run(lib):
        x = x64(lib, [0.5, -1.0, 2.0])
        y = make_cube(lib).apply(x, 2.0)
        assert type(y) is lib.Tensor and y.grad_fn is not None
        (y * y).sum().backward()
        return y, x.grad, type(y.grad_fn).__name__
    (ay, ag, an), (by, bg, bn) = both(run)
    close(ay, by)
    close(ag, bg)
    assert an == bn == "CubeBackward"


def test_custom_function_gradcheck_and_needs_input_grad():
    Cube = make_cube(glassgrad)
    x = glassgrad.tensor([0.3, 1.2], dtype=glassgrad.float64, requires_grad=True)
    assert gradcheck(lambda t: Cube.apply(t, 1.5), (x,))
    with glassgrad.no_grad():
        assert Cube.apply(x, 1.0).grad_fn is None


def test_custom_function_create_graph():
    def run(lib):
        x = x64(lib, [0.5, 2.0])
        (g,) = lib.autograd.grad(make_cube(lib).apply(x, 1.0).sum(), x, create_graph=True)
        (g2,) = lib.autograd.grad(g.sum(), x)
        return g2
    close(*both(run))


# --- the graph ---------------------------------------------------------------------------------------------
def test_a_100000_deep_chain_backprops_without_recursion_error():
    x = glassgrad.tensor([1.0], dtype=glassgrad.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.00001 ** 100_000], rtol=1e-9)


def test_next_functions_structure_like_pytorch():
    def shape(lib):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, 4.0])
        y = (a * b + a).tanh()
        node = y.grad_fn

        def describe(n, depth=0):
            if n is None:
                return None
            return (type(n).__name__, [describe(c, depth + 1) for c, _ in n.next_functions])
        return describe(node), y.grad_fn.next_functions[0][1]
    ours, theirs = both(shape)
    assert ours == theirs


def test_accumulate_grad_node_points_at_the_leaf():
    a = glassgrad.tensor([1.0], requires_grad=True)
    y = a * 2
    acc = y.grad_fn.next_functions[0][0]
    assert type(acc).__name__ == "AccumulateGrad" and acc.variable is a
    assert y.grad_fn.next_functions[1][0] is None  # the Python number has no node


def test_detach_cuts_the_graph_and_requires_grad_rules():
    for lib in LIBS:
        x = lib.ones(2, requires_grad=True)
        y = (x * 2).detach()
        assert not y.requires_grad and y.grad_fn is None
        with pytest.raises(RuntimeError):
            (x * 2).requires_grad = False
        with pytest.raises(RuntimeError, match="floating point"):
            lib.tensor([1, 2]).requires_grad_()


# --- grad_fn nodes as PyTorch's torch.autograd.graph.Node ----------------------------------------------
def _hook_log(lib):
    """Every hook PyTorch offers on a node and a leaf, in the order the engine calls them."""
    x = x64(lib, [1.0, -2.0, 3.0])
    y = (x * 2).sum()
    mul = y.grad_fn.next_functions[0][0]
    acc = mul.next_functions[0][0]
    log = []

    def numbers(ts):
        return [None if t is None else t.detach().tolist() for t in ts]

    y.grad_fn.register_prehook(lambda go: log.append(("sum pre", numbers(go))))
    y.grad_fn.register_hook(lambda gi, go: log.append(("sum post", numbers(gi), numbers(go))))
    mul.register_prehook(lambda go: log.append(("mul pre", numbers(go))))
    acc.register_prehook(lambda go: log.append(("acc pre", numbers(go))))
    acc.register_hook(lambda gi, go: log.append(("acc post", numbers(gi), numbers(go))))
    x.register_hook(lambda g: log.append(("tensor hook", g.tolist())))
    y.backward()
    return log, x.grad.tolist(), [isinstance(n, lib.autograd.graph.Node) for n in (y.grad_fn, mul, acc)]


def test_node_hooks_run_in_pytorchs_order_with_pytorchs_arguments():
    ours, theirs = both(_hook_log)
    assert ours == theirs
    assert ours[2] == [True, True, True]


def test_node_hooks_can_replace_gradients():
    def run(lib):
        x = x64(lib, [1.0, 2.0])
        y = (x * 3).sum()
        mul = y.grad_fn.next_functions[0][0]
        # the prehook replaces what reaches MulBackward0; the posthook replaces what it passes on
        mul.register_prehook(lambda go: (go[0] * 10,))
        handle = y.grad_fn.register_hook(lambda gi, go: (gi[0] + 1,))
        y.backward(retain_graph=True)
        first = x.grad.tolist()
        handle.remove()
        x.grad = None
        y.backward()
        return first, x.grad.tolist()

    ours, theirs = both(run)
    assert ours == theirs == ([60.0, 60.0], [30.0, 30.0])


def test_node_metadata_is_a_dict_kept_on_the_node():
    for lib in LIBS:
        x = x64(lib, [1.0])
        y = x.exp()
        assert y.grad_fn.metadata == {}
        y.grad_fn.metadata["note"] = 7
        assert y.grad_fn.metadata["note"] == 7


NODE_CASES = {
    "x + 2": lambda lib, x, i: x + 2, "2 - x": lambda lib, x, i: 2 - x, "x * 2": lambda lib, x, i: x * 2,
    "x / 2": lambda lib, x, i: x / 2, "x + i": lambda lib, x, i: x + i, "x * i": lambda lib, x, i: x * i,
    "x ** i": lambda lib, x, i: x ** i, "x ** 2": lambda lib, x, i: x ** 2, "2 ** x": lambda lib, x, i: 2 ** x,
    "maximum(x, i)": lambda lib, x, i: lib.maximum(x, i),
    "where(x > 1, x, 0.0)": lambda lib, x, i: lib.where(x > 1, x, 0.0),
    "x.sum()": lambda lib, x, i: x.sum(), "x.sum(0)": lambda lib, x, i: x.sum(0),
    "x.reshape(3, 1)": lambda lib, x, i: x.reshape(3, 1), "x.clamp(0, 1)": lambda lib, x, i: x.clamp(0, 1),
    "x[i]": lambda lib, x, i: x[i], "x.gather(0, i)": lambda lib, x, i: x.gather(0, i),
}


@pytest.mark.parametrize("case", list(NODE_CASES))
def test_next_functions_has_one_entry_per_input_of_the_derivative(case):
    def run(lib):
        x = x64(lib, [1.0, 2.0, 3.0])
        node = NODE_CASES[case](lib, x, lib.tensor([0, 1, 2])).grad_fn
        return node.name(), [None if n is None else n.name().split("::")[-1]
                             for n, _ in node.next_functions]

    ours, theirs = both(run)
    assert ours == theirs


def test_on_node_created_sees_every_recorded_node_until_removed():
    seen = []
    handle = glassgrad.autograd.on_node_created(lambda node, out: seen.append((node.name(), out.shape)))
    x = x64(glassgrad, [1.0, 2.0])
    with glassgrad.no_grad():
        x * 2  # nothing recorded, nothing observed
    y = (x * 2).sum()
    handle.remove()
    (x + 1).sum()
    assert seen == [("MulBackward0", glassgrad.Size([2])), ("SumBackward0", glassgrad.Size([]))]
    assert y.grad_fn is not None


def test_grad_mode_is_per_thread():
    import threading

    def run(lib):
        inside = threading.Event()
        leave = threading.Event()
        seen = {}

        def evaluate():
            with lib.no_grad():
                seen["evaluating thread"] = lib.is_grad_enabled()
                inside.set()
                leave.wait(5)

        t = threading.Thread(target=evaluate)
        t.start()
        inside.wait(5)
        # another thread is inside no_grad(): this one still records and trains
        w = lib.ones(3, requires_grad=True)
        (w * 2).sum().backward()
        seen["training thread"] = lib.is_grad_enabled()
        seen["grad"] = w.grad.tolist()
        leave.set()
        t.join()
        with lib.no_grad():  # a new thread starts with recording on, whatever its parent's mode
            fresh = []
            s = threading.Thread(target=lambda: fresh.append(lib.is_grad_enabled()))
            s.start()
            s.join()
        seen["new thread"] = fresh[0]
        return seen

    ours, theirs = both(run)
    assert ours == theirs == {"evaluating thread": False, "training thread": True, "grad": [2.0] * 3,
                              "new thread": True}


def _scaled_square(lib, extra_nones: int, decorate):
    """A custom Function with a defaulted option, whose backward returns trailing Nones."""
    class ScaledSquare(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale=2.0):
            ctx.save_for_backward(x)
            ctx.scale = scale
            return x * x * scale

        @staticmethod
        @decorate(lib)
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return (g * 2 * x * ctx.scale,) + (None,) * extra_nones
    return ScaledSquare


@pytest.mark.parametrize("extra_nones", [1, 2, 3])
def test_custom_backward_may_return_extra_trailing_nones_as_in_pytorch(extra_nones):
    # forward(x) was called without `scale`: PyTorch ignores the trailing Nones beyond the inputs given
    results = []
    for lib in (glassgrad, torch):
        x = lib.tensor([1.0, -3.0], requires_grad=True)
        _scaled_square(lib, extra_nones, lambda lib: lambda f: f).apply(x).sum().backward()
        results.append(x.grad.tolist())
    assert results[0] == results[1] == [4.0, -12.0]


def test_an_extra_gradient_that_is_not_none_is_an_error_as_in_pytorch():
    class TooMany(glassgrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g, g
    x = glassgrad.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        TooMany.apply(x).sum().backward()


def test_once_differentiable_runs_backward_without_recording():
    seen = []

    def recording(lib):
        def decorate(backward):
            def checked(ctx, g):
                out = backward(ctx, g)
                seen.append((lib.__name__, out[0].requires_grad))
                return out
            return lib.autograd.function.once_differentiable(checked)
        return decorate
    for lib in (glassgrad, torch):
        x = lib.tensor([1.0, -3.0], requires_grad=True)
        y = _scaled_square(lib, 1, recording).apply(x).sum()
        (gx,) = lib.autograd.grad(y, x, create_graph=True)
        assert gx.tolist() == [4.0, -12.0]
    assert seen == [("glassgrad", False), ("torch", False)]
