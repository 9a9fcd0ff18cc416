"""``x.type(...)`` with a legacy tensor type or its name, against PyTorch.

Found in MorvanZhou/PyTorch-Tutorial (302_classification, 401_CNN, 402_RNN_classifier, 404_autoencoder):
``torch.cat((x0, x1), 0).type(torch.FloatTensor)`` and ``test_data.test_data.type(torch.FloatTensor)[:2000]/255.``
-- the way PyTorch 0.x programs cast. glassgrad took only dtypes there.
"""

import pytest
import torch

import glassgrad as gg

LEGACY = ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor", "ByteTensor",
          "BoolTensor", "HalfTensor"]


@pytest.mark.parametrize("name", LEGACY)
def test_type_with_legacy_class_casts_like_pytorch(name):
    t = torch.tensor([[0, 1, 2], [3, 4, 250]]).type(getattr(torch, name))
    g = gg.tensor([[0, 1, 2], [3, 4, 250]]).type(getattr(gg, name))
    assert g.dtype.name == str(t.dtype).removeprefix("torch.")
    assert g.tolist() == t.tolist()
    assert g.type() == t.type().replace("torch.", "glassgrad.")


@pytest.mark.parametrize("name", LEGACY)
def test_type_with_type_name_casts_like_pytorch(name):
    t = torch.tensor([1.5, -2.0]).type(f"torch.{name}")
    g = gg.tensor([1.5, -2.0]).type(f"torch.{name}")
    assert g.dtype.name == str(t.dtype).removeprefix("torch.")
    assert g.tolist() == t.tolist()


def test_type_round_trips_its_own_name():
    x = gg.tensor([1, 2])
    y = gg.tensor([1.0]).type(x.type())
    assert y.dtype == gg.int64


def test_type_to_the_same_type_returns_the_tensor_itself():
    for lib in (torch, gg):
        x = lib.ones(2)
        assert x.type(lib.FloatTensor) is x
        assert x.type(lib.float32) is x


def test_type_tensor_means_the_default_dtype():
    for lib in (torch, gg):
        x = lib.tensor([1, 2])
        assert x.type(lib.Tensor).dtype == lib.float32
        assert x.type("torch.Tensor").dtype == lib.float32


def test_type_keeps_the_gradient_path():
    t = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    g = gg.tensor([1.0, 2.0], dtype=gg.float64, requires_grad=True)
    (t.type(torch.FloatTensor) * 3).sum().backward()
    (g.type(gg.FloatTensor) * 3).sum().backward()
    assert g.grad.dtype == gg.float64 and g.grad.tolist() == t.grad.tolist()


@pytest.mark.parametrize("bad, error", [("float", ValueError), ("torch.float32", ValueError), ("FloatTensor", ValueError),
                                        ("torch.Foo", ValueError), (float, ValueError), (3, TypeError)])
def test_type_bad_arguments_raise_pytorchs_errors(bad, error):
    with pytest.raises(error) as t_err:
        torch.ones(2).type(bad)
    with pytest.raises(error) as g_err:
        gg.ones(2).type(bad)
    assert str(g_err.value) == str(t_err.value)


def test_type_cuda_name_raises_pytorchs_cpu_build_error():
    with pytest.raises(RuntimeError, match="Cannot initialize CUDA without ATen_cuda library"):
        torch.ones(2).type("torch.cuda.FloatTensor")
    with pytest.raises(RuntimeError, match="Cannot initialize CUDA without ATen_cuda library"):
        gg.ones(2).type("torch.cuda.FloatTensor")
