"""glassgrad.interop: twins in torch and glassgrad compute the same numbers; safetensors both ways."""

import numpy as np
import pytest
import torch

import glassgrad as gg
from glassgrad import interop
from glassgrad import nn


def mlp():
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 16), nn.Tanh(),
                         nn.LayerNorm(16), nn.Linear(16, 4), nn.LogSoftmax(dim=1))


def cnn():
    return nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 6, 3, padding="same", bias=False), nn.GELU(), nn.AvgPool2d(2),
                         nn.AdaptiveAvgPool2d((2, 2)), nn.Flatten(), nn.Linear(24, 10), nn.SiLU(),
                         nn.Unflatten(1, (2, 5)), nn.Softmax(dim=-1))


def out(model, x: np.ndarray) -> np.ndarray:
    if isinstance(model, torch.nn.Module):
        with torch.no_grad():
            return model(torch.from_numpy(x)).numpy()
    with gg.no_grad():
        return model(gg.from_numpy(x)).numpy()


def float64(model):
    return model.to(gg.float64) if isinstance(model, nn.Module) else model.double()


@pytest.mark.parametrize("build, shape", [(mlp, (5, 6)), (cnn, (3, 2, 8, 8))], ids=["mlp", "cnn"])
def test_to_torch_and_back_give_identical_outputs(build, shape):
    gg.manual_seed(0)
    model = float64(build())
    if any(isinstance(m, nn.BatchNorm2d) for m in model.modules()):
        model.train()
        model(gg.randn(*shape, dtype=gg.float64))  # give the running statistics something to carry
    model.eval()
    twin = interop.to_torch(model)
    assert isinstance(twin, torch.nn.Sequential) and not twin.training
    assert [type(m).__name__ for m in twin] == [type(m).__name__ for m in model]
    x = np.random.default_rng(1).standard_normal(shape)
    np.testing.assert_allclose(out(twin, x), out(model, x), rtol=1e-12, atol=1e-13)
    back = interop.from_torch(twin)
    assert isinstance(back, nn.Sequential) and not back.training
    for (k, v), (k2, w) in zip(model.state_dict().items(), back.state_dict().items()):
        assert k == k2 and v.dtype == w.dtype and v._array.tobytes() == w._array.tobytes()
    np.testing.assert_array_equal(out(back, x), out(model, x))


def test_copies_are_independent_and_keep_modes_and_flags():
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    model[0].bias.requires_grad_(False)
    model[1].eval()
    twin = interop.to_torch(model)
    assert twin.training and not twin[1].training
    assert twin[0].weight.requires_grad and not twin[0].bias.requires_grad
    assert twin[0].weight.dtype == torch.float32
    with torch.no_grad():
        twin[0].weight.add_(1.0)
    assert not np.allclose(model[0].weight.detach().numpy(), twin[0].weight.detach().numpy())


def test_torch_model_into_glassgrad():
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Embedding(10, 4, padding_idx=0), torch.nn.Flatten(),
                             torch.nn.Linear(12, 5), torch.nn.LeakyReLU(0.2), torch.nn.Identity(),
                             torch.nn.ELU(), torch.nn.Sigmoid())
    gm = interop.from_torch(tm)
    assert gm[0].padding_idx == 0 and gm[3].negative_slope == 0.2
    idx = np.array([[1, 2, 3], [0, 9, 4]])
    with torch.no_grad():
        expected = tm(torch.from_numpy(idx)).numpy()
    np.testing.assert_allclose(gm(gg.from_numpy(idx)).detach().numpy(), expected, rtol=1e-6, atol=1e-7)


def test_custom_modules_are_refused_with_the_way_out():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, x):
            return self.fc(x) * 2

    with pytest.raises(TypeError, match="your own Module subclass.*to_torch_state_dict"):
        interop.to_torch(Net())
    with pytest.raises(TypeError, match="your own Module subclass"):
        interop.to_torch(nn.Sequential(nn.Linear(2, 2), Net()))

    class TorchNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(2, 2)

        def forward(self, x):
            return self.fc(x) * 2

    with pytest.raises(TypeError, match="from_torch_state_dict"):
        interop.from_torch(TorchNet())
    # the way out: state dicts, keys unchanged
    ours = Net()
    twin = TorchNet()
    twin.load_state_dict(interop.to_torch_state_dict(ours.state_dict()))
    x = np.ones((1, 2), dtype=np.float32)
    np.testing.assert_allclose(out(twin, x), ours(gg.from_numpy(x)).detach().numpy(), rtol=1e-6)
    again = Net()
    again.load_state_dict(interop.from_torch_state_dict(twin.state_dict()))
    np.testing.assert_array_equal(again.fc.weight.detach().numpy(), ours.fc.weight.detach().numpy())


def test_state_dict_converters_keep_keys_dtypes_and_values():
    sd = {"a": gg.randn(2, 3, dtype=gg.float64), "b": gg.tensor([1, 2], dtype=gg.int32), "n": gg.tensor(7)}
    t = interop.to_torch_state_dict(sd)
    assert list(t) == list(sd) and t["a"].dtype == torch.float64 and t["b"].dtype == torch.int32
    back = interop.from_torch_state_dict(t)
    for k in sd:
        assert back[k].dtype == sd[k].dtype and back[k]._array.tobytes() == sd[k]._array.tobytes()
    if gg.dtypes.BFLOAT16 is not None:  # bfloat16 crosses over bit for bit (ml_dtypes installed)
        x = torch.tensor([1.3, -2.7, 1e-3], dtype=torch.bfloat16)
        mine = interop.from_torch_state_dict({"x": x})["x"]
        assert mine.dtype is gg.bfloat16 and mine._array.view(np.int16).tolist() == x.view(torch.int16).tolist()
        assert torch.equal(interop.to_torch_state_dict({"x": mine})["x"], x)


def test_torch_state_dict_via_safetensors_runs_in_the_glassgrad_twin(tmp_path):
    from safetensors.torch import save_file
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 3), torch.nn.BatchNorm2d(3), torch.nn.ReLU(),
                             torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(27, 4))
    tm.train()
    tm(torch.randn(4, 1, 8, 8))  # non-trivial running statistics
    tm.eval()
    path = tmp_path / "model.safetensors"
    save_file(tm.state_dict(), str(path))
    gm = nn.Sequential(nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                       nn.Linear(27, 4))
    sd = interop.load_safetensors(path)
    assert set(sd) == set(tm.state_dict())
    gm.load_state_dict(sd)
    gm.eval()
    x = np.random.default_rng(0).standard_normal((2, 1, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(out(gm, x), out(tm, x), rtol=1e-5, atol=1e-6)
    # and back: glassgrad writes, torch reads
    from safetensors.torch import load_file
    interop.save_safetensors(gm.state_dict(), tmp_path / "back.safetensors")
    tm2 = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 3), torch.nn.BatchNorm2d(3), torch.nn.ReLU(),
                              torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(27, 4))
    tm2.load_state_dict(load_file(str(tmp_path / "back.safetensors")))
    tm2.eval()
    np.testing.assert_array_equal(out(tm2, x), out(tm, x))


def test_safetensors_errors(tmp_path):
    with pytest.raises(TypeError, match="tensors only"):
        interop.save_safetensors({"a": 1}, tmp_path / "x.safetensors")
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all")
    with pytest.raises(ValueError, match="can't read"):
        interop.load_safetensors(bad)


def test_glassgrad_import_does_not_import_torch():
    import subprocess
    import sys
    code = "import sys, glassgrad, glassgrad.interop, glassgrad.serialization; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"


def test_state_dict_converters_reach_into_nested_dicts_and_lists():
    from collections import Counter
    sd = {"state": {0: {"step": gg.tensor(3.0), "history": [gg.ones(2, dtype=gg.float64)]}},
          "milestones": Counter({3: 1, 8: 2}), "groups": [{"betas": (0.9, 0.999), "params": [0]}]}
    t = interop.to_torch_state_dict(sd)
    assert isinstance(t["state"][0]["step"], torch.Tensor) and t["state"][0]["step"].item() == 3.0
    assert t["state"][0]["history"][0].dtype == torch.float64
    assert type(t["milestones"]) is Counter and t["milestones"] == sd["milestones"]
    assert t["groups"] == sd["groups"]
    back = interop.from_torch_state_dict(t)
    assert isinstance(back["state"][0]["history"][0], gg.Tensor)
    assert back["state"][0]["history"][0].dtype == gg.float64


def test_load_into_torch_moves_tensors_to_map_location(tmp_path):
    gg.save({"w": gg.ones(2), "n": 3}, tmp_path / "c")
    loaded = interop.load_into_torch(tmp_path / "c", map_location="meta")
    assert loaded["n"] == 3 and loaded["w"].device.type == "meta" and loaded["w"].shape == (2,)
