"""torch.testing.assert_close, set_printoptions, and the questions about tensors and dtypes
(is_tensor, numel, promote_types, result_type, can_cast ...), against PyTorch: the same answers, the
same messages."""

import numpy as np
import pytest
import torch

import glassgrad as gg
from glassgrad import dtypes

RNG = np.random.default_rng(4)
NOISE = RNG.normal(size=(2, 3, 4)).astype(np.float32)


@pytest.fixture(autouse=True)
def torch_names(monkeypatch):
    monkeypatch.setattr(dtypes, "SHOWN_AS", "torch")  # messages and reprs print torch.float32, as as_torch does


def outcome(call, module):
    try:
        return "returned " + str(call(module)).replace("glassgrad", "torch")
    except Exception as error:  # noqa: BLE001 - the type and message are what is compared
        return f"{type(error).__name__}: {error}"


CLOSE = [
    lambda m: m.testing.assert_close(m.tensor([1.0, 2, 3]), m.tensor([1.0, 2.1, 3])),
    lambda m: m.testing.assert_close(m.tensor([1.0, 2]), m.tensor([1.0, 2, 3])),
    lambda m: m.testing.assert_close(m.tensor([1.0, 2]), m.tensor([1.0, 2], dtype=m.float64)),
    lambda m: m.testing.assert_close(m.tensor([1.0, 2]), m.tensor([1.0, 2], dtype=m.float64), check_dtype=False),
    lambda m: m.testing.assert_close(1.0, 1.1), lambda m: m.testing.assert_close(1, 2),
    lambda m: m.testing.assert_close(m.tensor([[1, 2], [3, 4]]), m.tensor([[1, 2], [3, 5]])),
    lambda m: m.testing.assert_close(m.tensor([1.0, 2]), m.tensor([1.0, 2]), rtol=0.1),
    lambda m: m.testing.assert_close(m.tensor([float("nan")]), m.tensor([float("nan")])),
    lambda m: m.testing.assert_close(m.tensor([float("nan")]), m.tensor([float("nan")]), equal_nan=True),
    lambda m: m.testing.assert_close(m.tensor([float("inf"), 1.0]), m.tensor([float("inf"), 1.0])),
    lambda m: m.testing.assert_close(m.tensor([1.0]), [1.0]),
    lambda m: m.testing.assert_close([m.tensor([1.0]), m.tensor([2.0])], [m.tensor([1.0]), m.tensor([2.5])]),
    lambda m: m.testing.assert_close({"a": m.tensor([1.0])}, {"a": m.tensor([1.5])}),
    lambda m: m.testing.assert_close(m.tensor([1.0, 2]), m.tensor([1.0, 2.5]), msg="custom"),
    lambda m: m.testing.assert_close(m.tensor(1.0), m.tensor(1.5)),
    lambda m: m.testing.assert_close(m.tensor([True]), m.tensor([False])),
    lambda m: m.testing.assert_close(m.tensor([1.0, 2], requires_grad=True), m.tensor([1.0, 2])),
    lambda m: m.testing.assert_close(m.tensor([0.0, 1.0]), m.tensor([1e-3, 1.0])),
    lambda m: m.testing.assert_close(m.tensor([0.0, 1.0], dtype=m.float64), m.tensor([1e-7, 1.0], dtype=m.float64)),
    lambda m: m.testing.assert_close(m.tensor([[1.0, 5], [3, 4]]), m.tensor([[1, 2], [3, 4.0]]), rtol=0.5, atol=0.0),
    lambda m: m.testing.assert_close(m.tensor(NOISE[0]), m.tensor(NOISE[1])),
]


@pytest.mark.parametrize("call", CLOSE)
def test_assert_close_as_pytorch(call):
    assert outcome(call, gg) == outcome(call, torch)


QUESTIONS = [
    lambda m: m.promote_types(m.uint8, m.int8), lambda m: m.promote_types(m.bool, m.float16),
    lambda m: m.promote_types(m.float16, m.bfloat16), lambda m: m.promote_types(m.int32, m.float64),
    lambda m: m.promote_types(m.float32, "x"),
    lambda m: m.result_type(m.tensor([1]), 1.0),
    lambda m: m.result_type(m.tensor([1.0], dtype=m.float16), m.tensor(1.0, dtype=m.float64)),
    lambda m: m.result_type(2, 3.0), lambda m: m.result_type(2, 3),
    lambda m: m.result_type(m.tensor([1], dtype=m.int8), m.tensor([1], dtype=m.uint8)),
    lambda m: [m.can_cast(a, b) for a in (m.bool, m.uint8, m.int64, m.float32, m.float64)
               for b in (m.bool, m.int8, m.int32, m.float16, m.float64)],
    lambda m: m.is_tensor([1]), lambda m: m.is_tensor(m.nn.Parameter(m.zeros(1))),
    lambda m: m.is_floating_point(m.tensor([1])), lambda m: m.is_floating_point(m.tensor([1.0])),
    lambda m: m.is_floating_point([1.0]), lambda m: m.is_complex(m.tensor([1.0])),
    lambda m: m.numel(m.zeros(2, 3)), lambda m: m.numel([1]),
    lambda m: m.is_nonzero(m.tensor([1, 2])), lambda m: m.is_nonzero(m.tensor([])), lambda m: m.is_nonzero(m.tensor([0.0])),
    lambda m: m.set_num_interop_threads(0), lambda m: m.set_flush_denormal(False),
]


@pytest.mark.parametrize("call", QUESTIONS)
def test_questions_as_pytorch(call):
    assert outcome(call, gg) == outcome(call, torch)


def test_interop_threads_are_remembered():
    before = gg.get_num_interop_threads()
    assert before >= 1
    gg.set_num_interop_threads(3)
    assert gg.get_num_interop_threads() == 3
    gg.set_num_interop_threads(before)


ARRAYS = [RNG.normal(size=(3, 4)), RNG.normal(size=(40, 40)) * 0.1, np.array([1e-6, 1.0, 300.0]),
          np.arange(12.0).reshape(3, 4), RNG.normal(size=2000), np.array([1.5, 2.25]), np.arange(3000).reshape(30, 100),
          RNG.normal(size=(40, 40)) * 100, RNG.normal(size=(5, 30, 20)), np.ones(1500), np.zeros((40, 40)),
          RNG.integers(-10 ** 6, 10 ** 6, (50, 50)), RNG.normal(size=(3, 400)) * 1e5]
SETTINGS = [dict(precision=2), dict(precision=3), dict(threshold=10), dict(edgeitems=1, threshold=5), dict(edgeitems=2),
            dict(sci_mode=True, precision=2), dict(sci_mode=True, precision=1), dict(sci_mode=False),
            dict(linewidth=40), dict(edgeitems=1, linewidth=50, precision=6), dict(profile="short"), dict(profile="full"),
            dict(profile="default"), dict(linewidth=120, precision=3)]


@pytest.mark.parametrize("settings", SETTINGS, ids=str)
def test_set_printoptions_as_pytorch(settings):
    try:
        torch.set_printoptions(**settings)
        gg.set_printoptions(**settings)
        for a in ARRAYS:
            for dt in ((np.float32, np.float64) if a.dtype.kind == "f" else (np.int64,)):
                if settings.get("profile") == "full" and a.size > 1000:
                    continue
                assert repr(gg.tensor(a.astype(dt))) == repr(torch.tensor(a.astype(dt)))
    finally:
        torch.set_printoptions(profile="default", sci_mode=None)
        gg.set_printoptions(profile="default", sci_mode=None)


@pytest.mark.parametrize("expected", [[1.0, 2.1], [1.0, 2.00001], [1, 2]])
def test_deprecated_assert_allclose_as_pytorch(expected):
    outcomes = []
    for module in (gg, torch):
        with pytest.warns(FutureWarning, match="assert_allclose"):
            try:
                module.testing.assert_allclose(module.tensor([1.0, 2.0]), expected)
                outcomes.append("ok")
            except AssertionError as error:
                outcomes.append(str(error))
    assert outcomes[0] == outcomes[1]
