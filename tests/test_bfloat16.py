"""bfloat16 tensors (dtypes.py, the float32 twin of every primitive in autograd/function.py), checked against
PyTorch: bfloat16 is stored in 16 bits and computed in float32, each op's result rounded once."""

import subprocess
import sys

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import dtypes

torch = pytest.importorskip("torch")
pytest.importorskip("ml_dtypes")

BF16 = gg.bfloat16.numpy  # imports ml_dtypes (glassgrad does so on the first use of bfloat16)


def draw(*shape, seed=0, scale=1.0):
    """float32 numbers already exact in bfloat16, so both libraries start from the same values."""
    values = np.random.default_rng(seed).standard_normal(shape).astype(np.float32) * np.float32(scale)
    return values.astype(BF16).astype(np.float32)


def pair(values, requires_grad=False):
    mine = gg.tensor(values, dtype=gg.bfloat16, requires_grad=requires_grad)
    theirs = torch.tensor(values, dtype=torch.bfloat16, requires_grad=requires_grad)
    return mine, theirs


def as_float32(t):
    return t._array.astype(np.float32) if isinstance(t, gg.Tensor) else t.detach().float().numpy()


def ulps_apart(mine, theirs) -> int:
    """How many bfloat16 steps apart two bfloat16 tensors are (0: bit for bit equal)."""
    a = mine._array.view(np.int16).astype(np.int64)
    b = theirs.detach().view(torch.int16).numpy().astype(np.int64)
    a = np.where(a < 0, -32768 - a, a)  # sign-magnitude -> a line of integers
    b = np.where(b < 0, -32768 - b, b)
    return int(np.abs(a - b).max()) if a.size else 0


def assert_same(mine, theirs, ulps=0):
    assert mine.dtype is gg.bfloat16 and theirs.dtype is torch.bfloat16
    assert tuple(mine.shape) == tuple(theirs.shape)
    assert ulps_apart(mine, theirs) <= ulps, (as_float32(mine), as_float32(theirs))


# --- the dtype --------------------------------------------------------------------------------------------
def test_dtype_facts_match_pytorch():
    assert gg.bfloat16.is_floating_point and gg.bfloat16.is_signed and gg.bfloat16.itemsize == 2
    x = gg.zeros(3, dtype=gg.bfloat16)
    assert x.dtype is gg.bfloat16 and x.element_size() == 2 and x.itemsize == 2
    assert x.is_floating_point() and gg.is_floating_point(x)
    assert str(gg.finfo(gg.bfloat16)).replace("glassgrad", "torch") == str(torch.finfo(torch.bfloat16))
    f, t = gg.finfo(gg.bfloat16), torch.finfo(torch.bfloat16)
    assert (f.eps, f.max, f.min, f.tiny, f.bits, f.resolution) == (t.eps, t.max, t.min, t.tiny, t.bits, t.resolution)


@pytest.mark.parametrize("other", ["float16", "float32", "float64", "int64", "int32", "uint8", "bool", "bfloat16"])
def test_promotion_matches_pytorch(other):
    mine = gg.promote_types(gg.bfloat16, getattr(gg, other))
    assert mine.name == str(torch.promote_types(torch.bfloat16, getattr(torch, other))).split(".")[1]
    a, b = gg.ones(2, dtype=gg.bfloat16), gg.ones(2, dtype=getattr(gg, other))
    ta, tb = torch.ones(2, dtype=torch.bfloat16), torch.ones(2, dtype=getattr(torch, other))
    assert (a + b).dtype.name == str((ta + tb).dtype).split(".")[1]
    assert (b * a).dtype.name == str((tb * ta).dtype).split(".")[1]


def test_promotion_with_numbers_and_zero_dim_tensors():
    x = gg.ones(2, dtype=gg.bfloat16)
    assert (x * 1.5).dtype is gg.bfloat16 and (x + 2).dtype is gg.bfloat16
    assert (x * gg.tensor(1.5)).dtype is gg.bfloat16  # a 0-dim float32 never widens a dimensioned tensor
    assert (gg.tensor(1.5, dtype=gg.bfloat16) * gg.ones(2)).dtype is gg.float32
    assert (gg.tensor([1, 2]) * gg.tensor(1.5, dtype=gg.bfloat16)).dtype is gg.bfloat16
    assert gg.result_type(x, 1.0) is gg.bfloat16 and gg.can_cast(gg.bfloat16, gg.float32)


# --- making bfloat16 tensors ------------------------------------------------------------------------------
def test_creation_rounds_as_pytorch():
    values = [1.0, 2.0078, 3.3, -1e-3, 65504.0, 1e30]
    assert_same(gg.tensor(values, dtype=gg.bfloat16), torch.tensor(values, dtype=torch.bfloat16))
    assert_same(gg.full((2, 3), 1.3, dtype=gg.bfloat16), torch.full((2, 3), 1.3, dtype=torch.bfloat16))
    for name in ("zeros", "ones", "empty"):
        assert getattr(gg, name)(2, 3, dtype=gg.bfloat16).dtype is gg.bfloat16
    assert_same(gg.arange(0, 3, 0.7, dtype=gg.bfloat16), torch.arange(0, 3, 0.7, dtype=torch.bfloat16))
    assert_same(gg.linspace(-3, 7, 101, dtype=gg.bfloat16), torch.linspace(-3, 7, 101, dtype=torch.bfloat16))


@pytest.mark.parametrize("n", [1, 15, 100, 1000])
def test_rand_matches_pytorch(n):
    gg.manual_seed(0)
    torch.manual_seed(0)
    assert_same(gg.rand(n, dtype=gg.bfloat16), torch.rand(n, dtype=torch.bfloat16))


@pytest.mark.parametrize("n", [1, 7, 15])
def test_randn_matches_pytorch_below_16(n):
    """Under 16 values PyTorch draws float's normals and rounds them; from 16 on its bfloat16 kernel
    computes Box-Muller in bfloat16 itself, which glassgrad doesn't replay (same distribution, other numbers)."""
    gg.manual_seed(0)
    torch.manual_seed(0)
    assert_same(gg.randn(n, dtype=gg.bfloat16), torch.randn(n, dtype=torch.bfloat16))


def test_casts_there_and_back():
    values = draw(5, scale=3.0) + np.float32(1e-3)  # not exact in bfloat16: the cast must round
    mine, theirs = gg.tensor(values), torch.tensor(values)
    assert_same(mine.to(gg.bfloat16), theirs.to(torch.bfloat16))
    assert_same(mine.bfloat16(), theirs.bfloat16())
    assert_same(mine.type(gg.bfloat16), theirs.type(torch.bfloat16))
    assert_same(mine.to(dtype=gg.bfloat16), theirs.to(dtype=torch.bfloat16))
    back = mine.bfloat16().float()
    assert back.dtype is gg.float32
    np.testing.assert_array_equal(back.numpy(), theirs.bfloat16().float().numpy())
    assert_same(gg.tensor([1, 300, -7]).to(gg.bfloat16), torch.tensor([1, 300, -7]).to(torch.bfloat16))
    assert mine.bfloat16().type() == "glassgrad.BFloat16Tensor"
    x = mine.bfloat16()
    assert x.to(gg.bfloat16) is x and x.bfloat16() is x


def test_module_bfloat16():
    gg.manual_seed(0)
    layer = gg.nn.Linear(3, 2)
    assert layer.bfloat16() is layer
    assert layer.weight.dtype is gg.bfloat16 and layer.bias.dtype is gg.bfloat16
    assert isinstance(layer.weight, gg.nn.Parameter) and layer.weight.requires_grad
    out = layer(gg.ones(4, 3, dtype=gg.bfloat16))
    assert out.dtype is gg.bfloat16
    out.sum().backward()
    assert layer.weight.grad.dtype is gg.bfloat16
    layer.float()
    assert layer.weight.dtype is gg.float32


# --- printing ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("values", [[1.0, 2.0078], [1.0, 2.5, 3.3], [1e-5, 1.0], [[0.1, -2.0], [3.0, 1000.0]], 3.3,
                                    [1.0, 2.0]])
def test_printing_matches_pytorch(values):
    mine, theirs = pair(values)
    assert repr(mine).replace("glassgrad", "torch") == repr(theirs)


def test_printing_with_grad():
    mine, theirs = pair([1.0, 2.5], requires_grad=True)
    assert repr(mine).replace("glassgrad", "torch") == repr(theirs)
    assert repr(mine * 2).replace("glassgrad", "torch") == repr(theirs * 2)
    assert repr(mine.float()).replace("glassgrad", "torch") == repr(theirs.float())
    assert repr(mine.float().bfloat16()).replace("glassgrad", "torch") == repr(theirs.float().bfloat16())
    assert (mine * 2).grad_fn.name() == (theirs * 2).grad_fn.name()


def test_numpy_is_refused_as_in_pytorch():
    mine, theirs = pair([1.0, 2.0])
    with pytest.raises(TypeError) as ours:
        mine.numpy()
    with pytest.raises(TypeError) as pytorchs:
        theirs.numpy()
    assert str(ours.value) == str(pytorchs.value)
    np.testing.assert_array_equal(mine.float().numpy(), [1.0, 2.0])


def test_without_ml_dtypes_the_error_says_what_to_install():
    """In a Python where ml_dtypes can't be imported: glassgrad imports, names bfloat16, and refuses a
    bfloat16 tensor with the package to install (ml_dtypes is imported only on first use)."""
    program = ("import sys\n"
               "class Block:\n"
               "    def find_spec(self, name, path=None, target=None):\n"
               "        if name == 'ml_dtypes': raise ImportError('blocked')\n"
               "sys.meta_path.insert(0, Block())\n"
               "import glassgrad as gg\n"
               "assert 'ml_dtypes' not in sys.modules and repr(gg.bfloat16) == 'glassgrad.bfloat16'\n"
               "try:\n"
               "    gg.ones(2, dtype=gg.bfloat16)\n"
               "except TypeError as error:\n"
               "    print(error)\n")
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "pip install ml_dtypes" in result.stdout


def test_importing_glassgrad_does_not_import_ml_dtypes():
    program = "import sys, glassgrad; print('ml_dtypes' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False", result.stderr


# --- arithmetic, forward and backward ---------------------------------------------------------------------
def _grads_same(mine_inputs, theirs_inputs, ulps):
    """Gradients: bit for bit where ``ulps`` is 0; else within ``ulps`` bfloat16 steps *of the gradient's
    largest value*. PyTorch's backward formulas are made of bfloat16 ops, each rounded (div's -g·a/b²,
    a broadcast's g·a rounded before it is summed, layer norm's and cross-entropy's several terms);
    glassgrad's run fused in float32 and round once, so a small element may differ by more of its own
    ulps where the terms cancel, but never by more than the rounding of the largest term."""
    for m, t in zip(mine_inputs, theirs_inputs):
        assert m.grad is not None and m.grad.dtype is gg.bfloat16
        if ulps == 0:
            assert ulps_apart(m.grad, t.grad) == 0, (as_float32(m.grad), as_float32(t.grad))
        else:
            mine, theirs = as_float32(m.grad), as_float32(t.grad)
            step = 2.0 ** (np.floor(np.log2(np.abs(theirs).max())) - 7)  # one ulp at the largest value
            assert np.abs(mine - theirs).max() <= ulps * step, (mine, theirs)


# (name, function of the bfloat16 tensors, how many inputs, allowed ulps forward/backward)
# 0 ulps: elementwise ops, whose float32 result is rounded once in both libraries. Reductions and
# matmuls may differ by 1 ulp where PyTorch's own (vectorised, blocked) float32 summation order differs.
ELEMENTWISE = [
    ("add", lambda lib, a, b: a + b), ("sub", lambda lib, a, b: a - b), ("mul", lambda lib, a, b: a * b),
    ("div", lambda lib, a, b: a / (b.abs() + 0.5)), ("mul_number", lambda lib, a, b: a * 1.7 + b * 0.3),
    ("pow2", lambda lib, a, b: a ** 2 + b), ("exp", lambda lib, a, b: a.exp() * b),
    ("tanh", lambda lib, a, b: a.tanh() + b), ("sigmoid", lambda lib, a, b: a.sigmoid() * b),
    ("relu", lambda lib, a, b: lib.relu(a) * b), ("gelu", lambda lib, a, b: lib.nn.functional.gelu(a) + b),
    ("silu", lambda lib, a, b: lib.nn.functional.silu(a) * b),
    ("log", lambda lib, a, b: (a.abs() + 0.1).log() + b), ("sqrt", lambda lib, a, b: (a.abs() + 0.1).sqrt() * b),
    ("broadcast", lambda lib, a, b: a * b[0:1]),
]


@pytest.mark.parametrize("name,fn", ELEMENTWISE, ids=[e[0] for e in ELEMENTWISE])
def test_elementwise_forward_and_backward(name, fn):
    (a, ta), (b, tb) = pair(draw(4, 5, seed=1), True), pair(draw(4, 5, seed=2), True)
    out, tout = fn(gg, a, b), fn(torch, ta, tb)
    assert_same(out, tout)
    g = draw(4, 5, seed=3)
    out.backward(gg.tensor(g, dtype=gg.bfloat16))
    tout.backward(torch.tensor(g, dtype=torch.bfloat16))
    _grads_same((a, b), (ta, tb), ulps=1 if name in ("div", "broadcast", "gelu", "silu") else 0)


REDUCING = [
    ("sum", lambda lib, a, b: (a * b).sum()), ("sum_dim", lambda lib, a, b: (a * b).sum(1)),
    ("mean", lambda lib, a, b: (a + b).mean(0)), ("matmul", lambda lib, a, b: a @ b.T),
    ("linear", lambda lib, a, b: lib.nn.functional.linear(a, b[:3], b[3, :3])),
    ("softmax", lambda lib, a, b: lib.softmax(a, dim=1) * b),
    ("log_softmax", lambda lib, a, b: lib.log_softmax(a, dim=-1) * b),
    ("cross_entropy", lambda lib, a, b: lib.nn.functional.cross_entropy(a * b, lib.tensor([0, 4, 2, 1]))),
    ("mse", lambda lib, a, b: lib.nn.functional.mse_loss(a, b)),
    ("layer_norm", lambda lib, a, b: lib.nn.functional.layer_norm(a, (5,)) * b),
]


@pytest.mark.parametrize("name,fn", REDUCING, ids=[r[0] for r in REDUCING])
def test_reductions_and_matmuls_forward_and_backward(name, fn):
    (a, ta), (b, tb) = pair(draw(4, 5, seed=4), True), pair(draw(4, 5, seed=5), True)
    out, tout = fn(gg, a, b), fn(torch, ta, tb)
    assert out.grad_fn.name() == tout.grad_fn.name()
    assert_same(out, tout, ulps=1)
    out.sum().backward()
    tout.sum().backward()
    _grads_same((a, b), (ta, tb), ulps=1)


OTHERS = [
    ("view", lambda lib, x: x.view(4, 3) * 2), ("transpose", lambda lib, x: x.T * 2),
    ("slice", lambda lib, x: x[1:, ::2] * 2), ("cat", lambda lib, x: lib.cat([x, x * 3])),
    ("where", lambda lib, x: lib.where(x > 0, x, -x * 0.5)), ("max", lambda lib, x: x.max(1).values),
    ("clamp", lambda lib, x: x.clamp(-0.5, 0.7)), ("cumsum", lambda lib, x: x.cumsum(1)),
    ("var", lambda lib, x: x.var(1)), ("norm", lambda lib, x: x.norm()), ("abs", lambda lib, x: x.abs()),
    ("sort", lambda lib, x: x.sort(1, descending=True).values),
    ("masked_fill", lambda lib, x: x.masked_fill(x > 0.5, 0.25)),
    ("batch_norm", lambda lib, x: lib.nn.functional.batch_norm(x, None, None, training=True).exp()),
    ("embedding", lambda lib, x: lib.nn.functional.embedding(lib.tensor([0, 2]), x)),
    ("int_tensor", lambda lib, x: x * lib.tensor([1, 2, 3, 4])),
    ("avg_pool", lambda lib, x: lib.nn.functional.avg_pool2d(x[None, None], 2)),
    ("max_pool", lambda lib, x: lib.nn.functional.max_pool2d(x[None, None], 2)),
]


@pytest.mark.parametrize("name,fn", OTHERS, ids=[o[0] for o in OTHERS])
def test_other_ops_forward_and_backward(name, fn):
    x, tx = pair(draw(3, 4, seed=14), True)
    out, tout = fn(gg, x), fn(torch, tx)
    # var/norm sum in float32 in another order; batch norm's statistics are PyTorch's Welford pass
    assert_same(out, tout, ulps={"var": 1, "norm": 1, "batch_norm": 2}.get(name, 0))
    out.sum().backward()
    tout.sum().backward()
    _grads_same((x,), (tx,), ulps=0 if name in ("view", "transpose", "slice", "cat", "max", "sort") else 2)


def test_sums_accumulate_in_float32():
    """4096 ones and one 1/256: a bfloat16 accumulator stops growing at 256; float32 gets it right."""
    values = np.ones(4097, np.float32)
    mine, theirs = pair(values)
    assert float(mine.sum().float()) == float(theirs.sum().float()) == 4096.0
    a, ta = pair(draw(64, 256, seed=6))
    b, tb = pair(draw(256, 32, seed=7))
    assert_same(a @ b, ta @ tb, ulps=1)


def test_conv_forward_and_backward():
    (x, tx), (w, tw) = pair(draw(2, 3, 8, 8, seed=8), True), pair(draw(4, 3, 3, 3, seed=9, scale=0.3), True)
    out = gg.nn.functional.conv2d(x, w, padding=1)
    tout = torch.nn.functional.conv2d(tx, tw, padding=1)
    assert out.grad_fn.name() == tout.grad_fn.name()
    assert_same(out, tout, ulps=1)
    out.sum().backward()
    tout.sum().backward()
    _grads_same((x, w), (tx, tw), ulps=2)


def test_gradient_of_a_float32_tensor_through_a_cast_is_float32():
    x = gg.tensor(draw(3), requires_grad=True)
    tx = torch.tensor(draw(3), requires_grad=True)
    (x.bfloat16() * 3).float().sum().backward()
    (tx.bfloat16() * 3).float().sum().backward()
    assert x.grad.dtype is gg.float32
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_in_place_and_training_step():
    gg.manual_seed(0)
    model = gg.nn.Sequential(gg.nn.Linear(4, 8), gg.nn.ReLU(), gg.nn.Linear(8, 2)).bfloat16()
    tmodel = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2)).bfloat16()
    with torch.no_grad():
        for p, tp in zip(model.parameters(), tmodel.parameters()):
            tp.copy_(torch.tensor(p.float().detach().numpy(), dtype=torch.bfloat16))
    x, tx = pair(draw(6, 4, seed=10))
    opt = gg.optim.SGD(model.parameters(), lr=0.1)
    topt = torch.optim.SGD(tmodel.parameters(), lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        topt.zero_grad()
        model(x).pow(2).mean().backward()
        tmodel(tx).pow(2).mean().backward()
        opt.step()
        topt.step()
    for p, tp in zip(model.parameters(), tmodel.parameters()):
        assert p.dtype is gg.bfloat16
        assert ulps_apart(p.detach(), tp) <= 2
    y = gg.ones(3, dtype=gg.bfloat16)
    y.add_(gg.tensor([0.1, 0.2, 0.3]))
    ty = torch.ones(3, dtype=torch.bfloat16)
    ty.add_(torch.tensor([0.1, 0.2, 0.3]))
    assert_same(y, ty)


# --- save and load ----------------------------------------------------------------------------------------
def test_save_and_load_keep_bfloat16_bit_for_bit(tmp_path):
    gg.manual_seed(0)
    layer = gg.nn.Linear(3, 2).bfloat16()
    x = gg.tensor(draw(4) + np.float32(1e-3), dtype=gg.bfloat16, requires_grad=True)
    gg.save({"x": x, "layer": layer.state_dict()}, tmp_path / "a.pt")
    back = gg.load(tmp_path / "a.pt")
    assert back["x"].dtype is gg.bfloat16 and back["x"].requires_grad
    assert back["x"]._array.tobytes() == x._array.tobytes()
    for name, value in layer.state_dict().items():
        assert back["layer"][name].dtype is gg.bfloat16
        assert back["layer"][name]._array.tobytes() == value._array.tobytes()


# --- autocast ---------------------------------------------------------------------------------------------
def _twins(build):
    """The same network in both libraries: glassgrad's float32 parameters copied into PyTorch's."""
    gg.manual_seed(0)
    mine, theirs = build(gg), build(torch)
    with torch.no_grad():
        for p, tp in zip(mine.parameters(), theirs.parameters()):
            tp.copy_(torch.tensor(p.detach().numpy()))
    return mine, theirs


def _check_autocast_step(mine, theirs, x, loss, autocast_args, autocast_kwargs):  # noqa: PLR0913
    named = {k: getattr(gg, v) if k == "dtype" else v for k, v in autocast_kwargs.items()}
    with gg.autocast(*autocast_args, **named):
        out = mine(gg.tensor(x))
        value = loss(gg, out)
    named = {k: getattr(torch, v) if k == "dtype" else v for k, v in autocast_kwargs.items()}
    with torch.autocast(*autocast_args, **named):
        tout = theirs(torch.tensor(x))
        tvalue = loss(torch, tout)
    assert out.dtype is gg.bfloat16 and tout.dtype is torch.bfloat16
    assert value.dtype is gg.float32 and tvalue.dtype is torch.float32
    assert out.grad_fn.name() == tout.grad_fn.name()
    assert ulps_apart(out, tout) == 0
    assert value.item() == tvalue.item()
    value.backward()
    tvalue.backward()
    for p, tp in zip(mine.parameters(), theirs.parameters()):
        assert p.grad.dtype is gg.float32
        np.testing.assert_array_equal(p.grad.numpy(), tp.grad.numpy())


def test_autocast_mlp_matches_pytorch():
    """Linear layers in bfloat16 (float32 parameters cast on the way in), cross-entropy in float32."""
    mine, theirs = _twins(lambda lib: lib.nn.Sequential(lib.nn.Linear(6, 16), lib.nn.ReLU(), lib.nn.Linear(16, 3)))
    loss = lambda lib, out: lib.nn.functional.cross_entropy(out, lib.tensor([0, 2, 1, 1, 0]))  # noqa: E731
    _check_autocast_step(mine, theirs, draw(5, 6, seed=11), loss, ("cpu",), {})


def test_autocast_conv_net_matches_pytorch():
    mine, theirs = _twins(lambda lib: lib.nn.Sequential(
        lib.nn.Conv2d(3, 4, 3, padding=1), lib.nn.ReLU(), lib.nn.MaxPool2d(2), lib.nn.Flatten(),
        lib.nn.Linear(4 * 4 * 4, 3)))
    loss = lambda lib, out: lib.nn.functional.mse_loss(out, lib.zeros(2, 3))  # noqa: E731
    _check_autocast_step(mine, theirs, draw(2, 3, 8, 8, seed=12), loss, (),
                         {"device_type": "cpu", "dtype": "bfloat16"})


def test_autocast_leaves_other_ops_alone_and_ends_with_its_region():
    x = gg.tensor(draw(2, 3, seed=13))
    with gg.autocast("cpu"):
        assert gg.amp.is_autocast_enabled("cpu")
        assert (x @ x.T).dtype is gg.bfloat16
        assert (x + 1).dtype is gg.float32 and x.exp().dtype is gg.float32
        assert gg.mv(x, x[0]).dtype is gg.float32  # mv is on neither list
        with gg.autocast("cpu", enabled=False):
            assert (x @ x.T).dtype is gg.float32
        assert (x @ x.T).dtype is gg.bfloat16
    assert (x @ x.T).dtype is gg.float32 and not gg.amp.is_autocast_enabled("cpu")
    with gg.autocast("cpu", dtype=gg.float16):
        assert (x @ x.T).dtype is gg.float16


def test_sampling_and_counting_take_bfloat16_as_pytorch():
    """multinomial sums bfloat16 probabilities in float32 (the same draws as PyTorch's); histc counts them."""
    probs = draw(3, 5, seed=4) ** 2
    mine, theirs = pair(probs)
    gg.manual_seed(0)
    torch.manual_seed(0)
    assert gg.multinomial(mine, 4, replacement=True).tolist() == torch.multinomial(theirs, 4, replacement=True).tolist()
    assert_same(gg.histc(mine, bins=6), torch.histc(theirs, bins=6))
