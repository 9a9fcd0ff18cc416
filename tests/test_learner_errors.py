"""The errors a learner meets first say PyTorch's words, then one line of help (issue 14): backward on a
non-scalar, a float64 input to a float32 layer, a matmul whose inner dimensions disagree. The first line
is compared with PyTorch's own message, so code that matches PyTorch's text still matches."""

import numpy as np
import pytest
import torch

import glassgrad


def _messages(ours, theirs):
    with pytest.raises(RuntimeError) as got:
        ours()
    with pytest.raises(RuntimeError) as want:
        theirs()
    first, *rest = str(got.value).split("\n")
    return first, rest, str(want.value).split("\n")[0]


def test_backward_on_a_non_scalar():
    first, rest, torch_first = _messages(lambda: (glassgrad.ones(2, 3, requires_grad=True) * 2).backward(),
                                         lambda: (torch.ones(2, 3, requires_grad=True) * 2).backward())
    assert first == torch_first
    assert len(rest) == 1 and "(2, 3)" in rest[0] and ".sum()" in rest[0] and "gradient=" in rest[0]


def test_a_float64_input_to_a_float32_layer():
    torch.manual_seed(0)
    theirs = torch.nn.Linear(3, 2)
    ours = glassgrad.nn.Linear(3, 2)
    x = np.ones((4, 3))  # numpy's default dtype: float64
    first, rest, torch_first = _messages(lambda: ours(glassgrad.tensor(x)), lambda: theirs(torch.tensor(x)))
    assert first == torch_first
    assert len(rest) == 1 and ".float()" in rest[0] and "float64" in rest[0]


@pytest.mark.parametrize("case", ["matmul", "mm", "linear"])
def test_a_shape_clash_names_the_dimensions(case):
    a, b = np.ones((2, 3), np.float32), np.ones((4, 5), np.float32)
    if case == "linear":
        ours = lambda: glassgrad.nn.Linear(4, 5)(glassgrad.tensor(a))  # noqa: E731
        theirs = lambda: torch.nn.Linear(4, 5)(torch.tensor(a))  # noqa: E731
    else:
        ours = lambda: getattr(glassgrad, case)(glassgrad.tensor(a), glassgrad.tensor(b))  # noqa: E731
        theirs = lambda: getattr(torch, case)(torch.tensor(a), torch.tensor(b))  # noqa: E731
    first, rest, torch_first = _messages(ours, theirs)
    assert first == torch_first
    assert len(rest) == 1
    if case == "linear":
        assert "last dimension is 3" in rest[0] and "in_features = 4" in rest[0]
    else:
        assert "3 columns" in rest[0] and "4 rows" in rest[0]
