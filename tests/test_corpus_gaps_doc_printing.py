"""For the owners of _format.py, type_queries.py and tensor.py (apply diffs/*.diff first): gaps found by
running PyTorch's own docstring examples on glassgrad. Printed tensors wrap their rows where PyTorch's
do; promote_types lets the higher category win whole; slices and sums of a Size are Sizes;
is_contiguous(memory_format=channels_last). Each is compared with PyTorch."""

import itertools

import numpy as np
import pytest
import torch

import glassgrad as gg

SHAPES = [(9,), (2, 9), (3, 20), (2, 3, 12), (30,), (1, 100), (5, 17), (2000,), (7, 1)]


@pytest.fixture(autouse=True)
def shown_as_torch(monkeypatch):
    monkeypatch.setattr(gg.dtypes, "SHOWN_AS", "torch")


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("kind", ["float", "large", "int", "bool", "whole", "double"])
def test_printed_rows_wrap_where_pytorchs_do(shape, kind):
    a = np.random.default_rng(0).standard_normal(shape)
    a = {"float": a.astype(np.float32), "large": (a * 1e5).astype(np.float32), "int": (a * 1000).astype(np.int64),
         "bool": a > 0, "whole": np.round(a * 10).astype(np.float32), "double": a}[kind]
    assert str(gg.tensor(a)) == str(torch.tensor(a))
    if kind not in ("int", "bool"):
        assert str(gg.tensor(a, requires_grad=True)) == str(torch.tensor(a, requires_grad=True))


def test_promote_types_matches_pytorch_for_every_pair():
    names = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64"]
    for a, b in itertools.product(names, names):
        ours = gg.promote_types(getattr(gg, a), getattr(gg, b))
        theirs = torch.promote_types(getattr(torch, a), getattr(torch, b))
        assert str(ours).split(".")[-1] == str(theirs).split(".")[-1], (a, b)
