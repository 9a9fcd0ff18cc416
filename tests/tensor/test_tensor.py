"""The Tensor itself, against PyTorch: creation, dtypes and promotion, memory sharing, seeds, repr, conversions,
in-place writes and casts (with the graph and gradients they record)."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
import torch

import glassgrad


def same_dtype(ours, theirs) -> bool:
    return str(ours.dtype).replace("glassgrad.", "") == str(theirs.dtype).replace("torch.", "")


# --- creation and default dtypes -------------------------------------------------------------------
CREATIONS = [
    ("tensor floats", lambda T: T.tensor([1.0, 2.5])),
    ("tensor ints", lambda T: T.tensor([1, 2])),
    ("tensor bools", lambda T: T.tensor([True, False])),
    ("tensor mixed int float", lambda T: T.tensor([1, 2.5])),
    ("tensor scalar", lambda T: T.tensor(3.0)),
    ("tensor int64 numpy", lambda T: T.tensor(np.array([1, 2], dtype=np.int64))),
    ("tensor float64 numpy", lambda T: T.tensor(np.array([1.0, 2.0]))),
    ("tensor dtype", lambda T: T.tensor([1, 2], dtype=T.float64)),
    ("zeros", lambda T: T.zeros(2, 3)),
    ("zeros tuple", lambda T: T.zeros((2, 3), dtype=T.int64)),
    ("ones", lambda T: T.ones(3, dtype=T.long)),
    ("full float", lambda T: T.full((2, 2), 1.5)),
    ("full int", lambda T: T.full((2,), 7)),
    ("full bool", lambda T: T.full((2,), True)),
    ("zeros_like", lambda T: T.zeros_like(T.ones(2, dtype=T.int32))),
    ("ones_like dtype", lambda T: T.ones_like(T.ones(2), dtype=T.float64)),
    ("full_like", lambda T: T.full_like(T.ones(2, 2), 3.0)),
    ("arange int", lambda T: T.arange(5)),
    ("arange float", lambda T: T.arange(0, 1, 0.25)),
    ("arange start end", lambda T: T.arange(2, 7, 2)),
    ("linspace", lambda T: T.linspace(0, 1, 5)),
    ("eye", lambda T: T.eye(3)),
    ("eye rect", lambda T: T.eye(2, 3, dtype=T.int64)),
    ("float alias", lambda T: T.zeros(2, dtype=T.float)),
    ("double alias", lambda T: T.zeros(2, dtype=T.double)),
    ("long alias", lambda T: T.zeros(2, dtype=T.long)),
    ("int32", lambda T: T.zeros(2, dtype=T.int32)),
    ("bool", lambda T: T.zeros(2, dtype=T.bool)),
]


@pytest.mark.parametrize("name,make", CREATIONS, ids=[c[0] for c in CREATIONS])
def test_creation_matches_pytorch(name, make):
    ours, theirs = make(glassgrad), make(torch)
    assert same_dtype(ours, theirs), (ours.dtype, theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-7)


@pytest.mark.parametrize("fn", ["zeros", "ones", "rand", "randn", "empty"])
def test_creation_with_requires_grad(fn):
    t = getattr(glassgrad, fn)(2, 3, requires_grad=True)
    assert t.requires_grad and t.is_leaf and t.dtype == glassgrad.float32 and t.grad is None


def test_random_shapes_dtypes_and_ranges():
    glassgrad.manual_seed(0)
    assert glassgrad.rand(3, 4).dtype == glassgrad.float32
    r = glassgrad.rand(1000)
    assert 0 <= r.min().item() and r.max().item() < 1
    n = glassgrad.randn(20000, dtype=glassgrad.float64)
    assert abs(n.mean().item()) < 0.05 and abs(n.std().item() - 1) < 0.05
    i = glassgrad.randint(0, 5, (100,))
    assert i.dtype == glassgrad.int64 and set(i.tolist()) <= set(range(5))
    p = glassgrad.randperm(10)
    assert p.dtype == glassgrad.int64 and sorted(p.tolist()) == list(range(10))


def test_manual_seed_reproduces_every_random_function():
    def draw():
        return [glassgrad.rand(3).tolist(), glassgrad.randn(2, 2).tolist(),
                glassgrad.randint(0, 100, (5,)).tolist(), glassgrad.randperm(6).tolist()]

    glassgrad.manual_seed(123)
    first = draw()
    glassgrad.manual_seed(123)
    assert draw() == first
    glassgrad.manual_seed(124)
    assert draw() != first


def test_from_numpy_shares_memory_both_ways():
    a = np.arange(6, dtype=np.float64).reshape(2, 3)
    t = glassgrad.from_numpy(a)
    assert t.dtype == glassgrad.float64
    a[0, 0] = 100.0
    assert t[0, 0].item() == 100.0
    t.add_(1)  # an in-place op writes into the numpy array
    assert a[0, 0] == 101.0 and a[1, 2] == 6.0
    assert t.numpy() is a or np.shares_memory(t.numpy(), a)


def test_tensor_copies_but_as_tensor_shares():
    a = np.ones(3, dtype=np.float32)
    copied, shared = glassgrad.tensor(a), glassgrad.as_tensor(a)
    a[0] = 5
    assert copied[0].item() == 1 and shared[0].item() == 5


# --- dtype promotion, against PyTorch on many pairs ----------------------------------------------------
DTYPES = ["bool", "uint8", "int32", "int64", "float32", "float64"]


def _operand(lib, kind):
    """('tensor', dtype, ndim) or ('scalar', python value)."""
    if kind[0] == "scalar":
        return kind[1]
    _, dtype, ndim = kind
    values = [1, 0, 1] if dtype == "bool" else [1, 2, 3]
    data = values if ndim == 1 else values[0]
    return lib.tensor(data, dtype=getattr(lib, dtype))


KINDS = ([("tensor", d, n) for d in DTYPES for n in (0, 1)]
         + [("scalar", True), ("scalar", 2), ("scalar", 2.5)])
PAIRS = [(a, b) for a, b in itertools.product(KINDS, KINDS) if a[0] == "tensor" or b[0] == "tensor"]


def _kind_id(k):
    return f"{k[1]}-{k[2]}d" if k[0] == "tensor" else f"py{type(k[1]).__name__}"


@pytest.mark.parametrize("op", ["add", "mul", "maximum", "true_divide"])
def test_dtype_promotion_matches_pytorch(op):
    mismatches = []
    for a, b in PAIRS:
        if op == "maximum" and (a[0] == "scalar" or b[0] == "scalar"):
            continue  # torch.maximum takes tensors only
        ta, tb = _operand(torch, a), _operand(torch, b)
        ga, gb = _operand(glassgrad, a), _operand(glassgrad, b)
        if not isinstance(ta, torch.Tensor):
            ta, tb, ga, gb = tb, ta, gb, ga  # the function form wants a tensor first
        expected = getattr(torch, op)(ta, tb)
        got = getattr(glassgrad, op)(ga, gb)
        if not same_dtype(got, expected):
            mismatches.append(f"{_kind_id(a)} {op} {_kind_id(b)}: {got.dtype} vs {expected.dtype}")
        np.testing.assert_allclose(got.numpy().astype(np.float64), expected.numpy().astype(np.float64),
                                   rtol=1e-6)
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize("expr", ["a + 1", "1 + a", "a * 2.5", "2.5 * a", "a / 2", "2 / a", "a ** 2",
                                  "a - 1", "a // 2", "a % 2"])
@pytest.mark.parametrize("dtype", ["int64", "int32", "float32", "float64", "uint8"])
def test_operators_with_python_numbers_match_pytorch(expr, dtype):
    ours = eval(expr, {"a": glassgrad.tensor([1, 2, 3], dtype=getattr(glassgrad, dtype))})
    theirs = eval(expr, {"a": torch.tensor([1, 2, 3], dtype=getattr(torch, dtype))})
    assert same_dtype(ours, theirs), (expr, ours.dtype, theirs.dtype)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_default_dtype_can_change_and_restore():
    try:
        glassgrad.set_default_dtype(glassgrad.float64)
        assert glassgrad.tensor([1.5]).dtype == glassgrad.float64
        assert glassgrad.get_default_dtype() == glassgrad.float64
    finally:
        glassgrad.set_default_dtype(glassgrad.float32)
    assert glassgrad.tensor([1.5]).dtype == glassgrad.float32


def test_dtype_objects():
    assert glassgrad.float is glassgrad.float32 and glassgrad.double is glassgrad.float64
    assert glassgrad.long is glassgrad.int64
    assert glassgrad.float32.is_floating_point and not glassgrad.int64.is_floating_point
    assert repr(glassgrad.float32) == "glassgrad.float32"


# --- attributes and conversions ---------------------------------------------------------------------
def test_attributes_match_pytorch():
    ours = glassgrad.arange(24.0).reshape(2, 3, 4)
    theirs = torch.arange(24.0).reshape(2, 3, 4)
    assert tuple(ours.shape) == tuple(theirs.shape) and ours.size() == tuple(theirs.size())
    assert ours.size(1) == theirs.size(1) and ours.size(-1) == 4
    assert ours.dim() == ours.ndim == 3 and ours.numel() == 24
    assert repr(ours.shape) == repr(theirs.shape).replace("torch.", "glassgrad.")
    assert ours.device == glassgrad.device("cpu") and ours.device != "cpu"  # as torch: no string equals a device
    assert str(ours.device) == "cpu" and ours.to("cpu") is ours
    assert ours.cpu() is ours and ours.contiguous() is ours
    m = glassgrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert m.T.tolist() == [[1.0, 3.0], [2.0, 4.0]]


def test_conversions_match_pytorch():
    ours, theirs = glassgrad.tensor([1.7, -2.2, 0.0]), torch.tensor([1.7, -2.2, 0.0])
    for method in ["float", "double", "long", "int", "bool", "half"]:
        o, t = getattr(ours, method)(), getattr(theirs, method)()
        assert same_dtype(o, t), method
        np.testing.assert_array_equal(o.numpy(), t.numpy())
    assert ours.to(glassgrad.float64).dtype == glassgrad.float64
    assert ours.to(dtype=glassgrad.int64).tolist() == theirs.to(dtype=torch.int64).tolist()
    assert ours.type_as(glassgrad.tensor([1])).dtype == glassgrad.int64
    assert glassgrad.tensor(2.5).item() == 2.5 and isinstance(glassgrad.tensor(3).item(), int)
    assert glassgrad.tensor([[1, 2]]).tolist() == [[1, 2]]
    assert float(glassgrad.tensor([1.5])) == 1.5 and int(glassgrad.tensor(7)) == 7


def test_clone_and_detach_memory():
    x = glassgrad.tensor([1.0, 2.0], requires_grad=True)
    c, d = x.clone(), x.detach()
    assert c.grad_fn is not None and c.requires_grad
    assert d.grad_fn is None and not d.requires_grad
    with glassgrad.no_grad():
        x[0] = 5.0 if hasattr(glassgrad.Tensor, "__setitem__") else x.fill_(5.0)[0].item()
    assert d[0].item() == 5.0 and c[0].item() == 1.0  # detach shares memory, clone copies


def test_numpy_refused_while_requiring_grad():
    x = glassgrad.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        x.numpy()
    assert x.detach().numpy().tolist() == [1.0, 1.0]


def test_item_of_many_elements_raises_like_pytorch():
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
        glassgrad.tensor([1.0, 2.0]).item()


# --- repr, compared with PyTorch's text ---------------------------------------------------------------
REPRS = [
    lambda T: T.tensor([1.0, 2.5, -3.0]),
    lambda T: T.tensor([1.0, 2.0]),
    lambda T: T.tensor(3.5),
    lambda T: T.tensor(2.0),
    lambda T: T.tensor([1, 22, -333]),
    lambda T: T.tensor(7),
    lambda T: T.tensor([True, False]),
    lambda T: T.tensor([[0.1234, 5.6789], [10.5, -2.25]]),
    lambda T: T.tensor([[1, 2, 3], [4, 5, 6]]),
    lambda T: T.tensor([1.0, 2.0], dtype=T.float64),
    lambda T: T.tensor([1, 2], dtype=T.int32),
    lambda T: T.tensor([0.5, 1.5], requires_grad=True),
    lambda T: T.tensor([1.0, 2.0], dtype=T.float64, requires_grad=True),
    lambda T: T.tensor([0.5, 1.5], requires_grad=True) * 2,
    lambda T: T.tensor([0.5, 1.5], requires_grad=True) + 1,
    lambda T: T.tensor([0.5, 1.5], requires_grad=True).tanh(),
    lambda T: T.tensor([0.5, 1.5], requires_grad=True).sum(),
    lambda T: T.tensor([1e-5, 1.0]),
    lambda T: T.tensor([1e10, 1.0]),
    lambda T: T.tensor([float("nan"), 1.0, float("inf")]),
    lambda T: T.tensor([]),
    lambda T: T.zeros(0, 3),
    lambda T: T.zeros(2, 2, 2),
    lambda T: T.arange(12.0).reshape(3, 4) / 7,
    lambda T: T.tensor([123456.0, 1.0]),                           # whole numbers spanning > 1000×
    lambda T: T.tensor([0.0, 5.0, 10000.0, -3.0]),
    lambda T: T.tensor([2.0, 3000.0]),
    lambda T: T.tensor([[0.6614, 0.2669, 0.0617, 0.6213, -0.4519]], requires_grad=True) * 1,  # suffix wraps
    lambda T: T.ones(2, 7, dtype=T.float64) / 3,                   # dtype= on its own line
    lambda T: T.ones(1, 5, dtype=T.float64, requires_grad=True) * 3,
    lambda T: T.ones(3, 3, requires_grad=True) * 2.5,              # fits after the last row
]


@pytest.mark.parametrize("make", REPRS, ids=[f"repr{i}" for i in range(len(REPRS))])
def test_repr_matches_pytorch(make):
    expected = repr(make(torch)).replace("torch.", "glassgrad.")
    assert repr(make(glassgrad)) == expected


def test_repr_of_a_long_tensor_is_summarised_like_pytorch():
    expected = repr(torch.arange(2000)).replace("torch.", "glassgrad.")
    assert repr(glassgrad.arange(2000)) == expected


def test_format_of_zero_dim_tensor():
    assert f"{glassgrad.tensor(2.5):.2f}" == f"{torch.tensor(2.5):.2f}"


def test_tensors_hash_by_identity():
    a, b = glassgrad.tensor([1.0]), glassgrad.tensor([1.0])
    assert len({a, b}) == 2 and {a: 1}[a] == 1


def test_in_place_ops_under_no_grad_write_memory_and_bump_version():
    x = glassgrad.ones(3, requires_grad=True)
    v = x._version
    with glassgrad.no_grad():
        x.add_(1).mul_(3).sub_(1).div_(5)
        x += 1
        x -= 1
        x *= 2
        x /= 2
    assert x.is_leaf and x.requires_grad and x._version > v
    np.testing.assert_allclose(x.detach().numpy(), np.full(3, 1.0))
    y = glassgrad.tensor([-2.0, 0.5, 3.0])
    y.clamp_(-1, 1)
    assert y.tolist() == [-1.0, 0.5, 1.0]
    y.fill_(2.0)
    assert y.tolist() == [2.0, 2.0, 2.0]
    y.zero_()
    assert y.tolist() == [0.0, 0.0, 0.0]
    y.copy_(glassgrad.tensor([1, 2, 3]))
    assert y.tolist() == [1.0, 2.0, 3.0] and y.dtype == glassgrad.float32


# --- in place and casting with gradients: the same graph as PyTorch's -----------------------------
# Each case is f(lib, x, y, w) on float64 leaves x (2×3), y (3,), w (3,): the output, the gradients of
# Σ g·out and the output's grad_fn (name and how many inputs) must be PyTorch's.
WRITES = {
    "add_": lambda T, x, y, w: (x * 1).add_(y, alpha=3),
    "mul_ by a tensor that requires grad": lambda T, x, y, w: T.zeros(2, 3, dtype=T.float64).mul_(y) + x,
    "+=": lambda T, x, y, w: (x * 1).__iadd__(y),
    "clamp_": lambda T, x, y, w: (x * 1).clamp_(0.5, 1.5),
    "lerp_ tensor weight": lambda T, x, y, w: (x * 1).lerp_(y, w),
    "pow_": lambda T, x, y, w: (x * 1).pow_(y),
    "zero_": lambda T, x, y, w: (x * 2).zero_(),
    "fill_ number": lambda T, x, y, w: (x * 1).fill_(2.0),
    "fill_ tensor": lambda T, x, y, w: (x * 1).fill_(y[1]),
    "fill_ into a constant": lambda T, x, y, w: T.zeros(3, dtype=T.float64).fill_(y[0]),
    "copy_": lambda T, x, y, w: (x * 1).copy_(y),
    "copy_ into float32": lambda T, x, y, w: T.zeros(2, 3).copy_(x),
    "to float32": lambda T, x, y, w: x.to(T.float32),
    "to same dtype with copy": lambda T, x, y, w: x.to(T.float64, copy=True),
    "clamp tensor bounds": lambda T, x, y, w: T.clamp(x, w, y),
    "clamp min tensor": lambda T, x, y, w: T.clamp(x, min=y),
    "clamp_min tensor": lambda T, x, y, w: T.clamp_min(x, y),
    "div floor": lambda T, x, y, w: T.div(x, y, rounding_mode="floor"),
    "div trunc": lambda T, x, y, w: T.div(x - 1, y, rounding_mode="trunc"),
    "add alpha": lambda T, x, y, w: T.add(x, y, alpha=2.5),
    "rsub": lambda T, x, y, w: 2.5 - x,
    "rdiv": lambda T, x, y, w: 2.5 / x,
    "lerp": lambda T, x, y, w: T.lerp(x, y, w),
}


@pytest.mark.parametrize("name", list(WRITES))
def test_writes_and_casts_build_pytorchs_graph(name):
    rng = np.random.default_rng(0)
    arrays = rng.uniform(0.2, 2.0, (2, 3)), rng.uniform(0.5, 1.5, 3), rng.uniform(0.1, 0.9, 3)
    results = []
    for lib in (glassgrad, torch):
        leaves = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = WRITES[name](lib, *leaves)
        fn = out.grad_fn
        out.backward(lib.tensor(np.linspace(0.5, 1.5, out.numel()).reshape(tuple(out.shape)),
                                dtype=out.dtype))
        grads = [None if t.grad is None else t.grad.numpy() for t in leaves]
        results.append((out.detach().numpy(), str(out.dtype).split(".")[1], fn.name().split("::")[-1],
                        len(fn.next_functions), grads))
    (out, dtype, node, count, grads), (t_out, t_dtype, t_node, t_count, t_grads) = results
    assert (dtype, node, count) == (t_dtype, t_node, t_count)
    np.testing.assert_allclose(out, t_out, rtol=1e-6)
    for g, t in zip(grads, t_grads):
        assert (g is None) == (t is None)
        if g is not None:
            np.testing.assert_allclose(g, t, rtol=1e-6)


def test_in_place_op_leaves_the_saved_input_intact():
    # mul_ saves its input for the gradient of the other factor; writing the product into it must not
    # change what backward reads (PyTorch keeps the original; so do we).
    x = glassgrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = glassgrad.tensor([4.0, 5.0, 6.0], requires_grad=True)
    z = x * 1
    z.mul_(y)
    z.sum().backward()
    assert y.grad.tolist() == [1.0, 2.0, 3.0] and x.grad.tolist() == [4.0, 5.0, 6.0]


def test_where_with_only_a_condition_is_nonzero_as_tuple():
    c = [[True, False, True], [False, False, True]]
    ours, theirs = glassgrad.where(glassgrad.tensor(c)), torch.where(torch.tensor(c))
    assert [t.tolist() for t in ours] == [t.tolist() for t in theirs]
    assert all(t.dtype == glassgrad.int64 for t in ours)


def test_no_warnings_on_ordinary_use():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = glassgrad.randn(3, requires_grad=True)
        (x * 2).sum().backward()
        assert x.grad is not None


def test_iterating_gives_rows_that_are_views_as_pytorchs():
    for lib in (glassgrad, torch):
        x = lib.arange(12.0).reshape(3, 4)
        rows = list(x)
        rows[1][0] = 100.0                          # a row writes through to its tensor
        assert x[1, 0].item() == 100.0 and rows[2].shape == (4,)
        assert [int(i) for i in lib.tensor([5, 6, 7])] == [5, 6, 7]
        w = lib.ones(2, 3, requires_grad=True)
        recorded = list(w * 2)                      # with a graph, each row is recorded
        (recorded[0] * 3 + recorded[1]).sum().backward()
        assert w.grad.tolist() == [[6.0, 6.0, 6.0], [2.0, 2.0, 2.0]]
        with lib.no_grad():
            assert all(r.grad_fn is None for r in w * 2)
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(glassgrad.tensor(1.0))
