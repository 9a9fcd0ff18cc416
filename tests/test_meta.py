"""The meta device (glassgrad/meta.py): shapes and dtypes without numbers, as PyTorch's.

Each test runs the same lines on glassgrad and on PyTorch and compares what a program can see: reprs,
shapes, dtypes, grad_fn names, devices, errors.
"""

import warnings

import pytest
import torch

import glassgrad as gg
from glassgrad import dtypes


@pytest.fixture(autouse=True)
def print_as_torch(monkeypatch):
    monkeypatch.setattr(dtypes, "SHOWN_AS", "torch")  # as under `glassgrad run-as-torch`


def both(fn):
    return fn(gg), fn(torch)


def same_error(call_gg, call_torch):
    with pytest.raises(Exception) as theirs:
        call_torch()
    with pytest.raises(type(theirs.value)) as ours:
        call_gg()
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("make", [
    lambda lib: lib.rand(2, 3, device="meta"),
    lambda lib: lib.randn(4, device="meta", dtype=lib.float64),
    lambda lib: lib.zeros(2, 3, device="meta", dtype=lib.int64),
    lambda lib: lib.ones((), device="meta"),
    lambda lib: lib.empty(0, 3, device="meta"),
    lambda lib: lib.full((2,), 7, device="meta"),
    lambda lib: lib.rand(2, 2, device="meta", dtype=lib.float16, requires_grad=True),
    lambda lib: lib.randint(0, 5, (3, 2), device="meta"),
    lambda lib: lib.arange(5, device="meta"),
    lambda lib: lib.tensor([1.0, 2.0], device="meta"),
    lambda lib: lib.zeros_like(lib.rand(3, device="meta")),
    lambda lib: lib.rand(2, 3).to("meta"),
    lambda lib: lib.rand(3, device="meta", requires_grad=True) * 2,
])
def test_meta_tensors_print_and_answer_as_pytorchs(make):
    ours, theirs = both(make)
    assert repr(ours) == repr(theirs)
    assert ours.is_meta and theirs.is_meta and not ours.is_cpu
    assert str(ours.device) == "meta" and tuple(ours.shape) == tuple(theirs.shape)
    assert ours.numel() == theirs.numel() and ours.dtype.itemsize == theirs.dtype.itemsize


def test_a_meta_tensor_holds_no_memory_and_draws_no_random_numbers():
    gg.manual_seed(0)
    huge = gg.rand(2**10, 3, 2**16, 2**16, device="meta")  # 13 trillion numbers
    assert huge._array.nbytes > 10**13 and huge._array.strides == (0, 0, 0, 0)  # one shared zero underneath
    assert tuple(huge.sum(dim=(2, 3)).shape) == (1024, 3)
    torch.manual_seed(0)
    torch.rand(5, device="meta")
    assert gg.rand(4).tolist() == torch.rand(4).tolist()  # the generator did not move on either


def test_shapes_through_a_network_built_on_meta():
    def run(lib):
        nn, F = lib.nn, lib.nn.functional

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1, self.pool = nn.Conv2d(3, 6, 5), nn.MaxPool2d(2, 2)
                self.conv2 = nn.Conv2d(6, 16, 5)
                self.norm = nn.LayerNorm(400)
                self.fc1, self.fc2 = nn.Linear(400, 120), nn.Linear(120, 10)
                self.embed = nn.Embedding(10, 4)

            def forward(self, x):
                x = self.pool(F.relu(self.conv1(x)))
                x = self.pool(F.relu(self.conv2(x)))
                x = self.norm(lib.flatten(x, 1))
                logits = self.fc2(F.gelu(self.fc1(x)))
                return logits.softmax(-1), self.embed(logits.argmax(-1))

        shapes = []
        with lib.device("meta"):
            net = Net()
            inp = lib.randn((1024, 3, 32, 32))
        for name, layer in net.named_modules():
            layer.register_forward_hook(lambda m, i, o: shapes.append(tuple(getattr(o, "shape", ()))))
        probs, vectors = net(inp)
        return [repr(p) for p in net.parameters()], shapes, repr(probs), repr(vectors)
    ours, theirs = both(run)
    assert ours == theirs


def test_a_layer_given_device_meta_and_a_huge_input():
    def run(lib):
        conv = lib.nn.Conv2d(3, 5, 2, device="meta")
        return repr(conv.weight), repr(conv(lib.rand(2**10, 3, 2**16, 2**16, device="meta")))
    ours, theirs = both(run)
    assert ours == theirs


def test_backward_and_an_optimizer_step_on_meta():
    def run(lib):
        with lib.device("meta"):
            model = lib.nn.Sequential(lib.nn.Conv2d(1, 2, 3), lib.nn.Flatten(), lib.nn.Linear(2 * 6 * 6, 3))
            x = lib.randn(4, 1, 8, 8)
        loss = lib.nn.functional.cross_entropy(model(x), lib.zeros(4, dtype=lib.int64, device="meta"))
        loss.backward()
        lib.optim.Adam(model.parameters()).step()
        return repr(loss), [repr(p.grad) for p in model.parameters()], [repr(p) for p in model.parameters()]
    ours, theirs = both(run)
    assert ours == theirs


@pytest.mark.parametrize("read", [
    lambda t: t.item(), lambda t: bool(t), lambda t: t.tolist(), lambda t: t.numpy(), lambda t: t.cpu(),
    lambda t: t.to("cpu"), lambda t: float(t),
])
def test_reading_numbers_out_of_meta_is_pytorchs_error(read):
    same_error(lambda: read(gg.ones((), device="meta")), lambda: read(torch.ones((), device="meta")))


def test_loading_a_checkpoint_into_a_model_built_on_meta():
    def run(lib):
        lib.manual_seed(0)
        source = lib.nn.Linear(3, 2)
        with lib.device("meta"):
            target = lib.nn.Linear(3, 2)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            target.load_state_dict(source.state_dict())  # copying into meta: a no-op, with a warning
        still_meta = target.weight.is_meta
        target.load_state_dict(source.state_dict(), assign=True)
        empty = lib.nn.Linear(3, 2, device="meta").to_empty(device="cpu")
        return ([str(w.message) for w in caught], still_meta, type(target.weight).__name__,
                target.weight.requires_grad, target.weight.tolist(), tuple(empty.weight.shape), str(empty.bias.device))
    ours, theirs = both(run)
    assert ours == theirs


def test_copying_meta_into_a_real_model_fails_as_pytorchs():
    def run(lib):
        with lib.device("meta"):
            meta = lib.nn.Linear(3, 2)
        with pytest.raises(RuntimeError) as err:
            lib.nn.Linear(3, 2).load_state_dict(meta.state_dict())
        return str(err.value)
    ours, theirs = both(run)
    assert ours == theirs


@pytest.mark.parametrize("make", [lambda T, meta, cpu: cpu + meta, lambda T, meta, cpu: meta + cpu,
                                  lambda T, meta, cpu: T.cat([cpu, meta]), lambda T, meta, cpu: meta * cpu[0]])
def test_cpu_numbers_beside_a_meta_tensor_are_refused_as_pytorch(make):
    """A float CPU tensor with dimensions and a meta tensor in one op: PyTorch's device error, naming the
    first tensor's device as the expected one; a 0-d CPU tensor and CPU indices are fine."""
    messages = []
    for module in (gg, torch):
        meta, cpu = module.ones(2, 3, device="meta"), module.ones(2, 3)
        with pytest.raises(RuntimeError) as error:
            make(module, meta, cpu)
        messages.append(str(error.value))
        assert (meta + module.tensor(2.0)).device.type == "meta"
        assert meta[module.tensor([0, 1])].device.type == "meta"
    assert messages[0] == messages[1]


def test_argmax_of_a_meta_tensor_stays_meta():
    for module in (gg, torch):
        meta = module.ones(2, 3, device="meta")
        for result in (meta.argmax(), meta.argmin(), meta.argmax(dim=1), meta.argmax(keepdim=True)):
            assert result.device.type == "meta" and result.dtype == module.int64
        assert tuple(meta.argmax(keepdim=True).shape) == (1, 1)
