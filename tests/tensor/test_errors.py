"""Bad input gets PyTorch's error type and words, naming the problem — never a bare numpy traceback."""

from __future__ import annotations

import re

import pytest
import torch

import glassgrad


def raises_like_pytorch(make, *, contains=(), same_text=True):
    """glassgrad raises the same exception type as PyTorch, with PyTorch's message (plus ``contains``)."""
    with pytest.raises(Exception) as theirs:
        make(torch)
    with pytest.raises(Exception) as ours:
        make(glassgrad)
    assert isinstance(ours.value, type(theirs.value)), (type(ours.value), type(theirs.value), ours.value)
    text = str(ours.value)
    if same_text:
        first_line = str(theirs.value).split("\n")[0].replace("torch.", "glassgrad.")
        assert first_line in text.replace("torch.", "glassgrad."), (first_line, text)
    for part in contains:
        assert part in text, f"{part!r} not in {text!r}"
    return text


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "maximum", "lt", "pow"])
def test_binary_op_with_mismatched_shapes(op):
    raises_like_pytorch(lambda T: getattr(T, op)(T.ones(2, 3), T.ones(4, 3)))


def test_binary_operator_with_mismatched_shapes():
    raises_like_pytorch(lambda T: T.ones(2, 3) * T.ones(3, 2))


def test_binary_op_message_names_both_shapes():
    raises_like_pytorch(lambda T: T.ones(2, 3) + T.ones(4, 3), contains=("[2, 3]", "[4, 3]"))


def test_where_with_mismatched_shapes():
    raises_like_pytorch(lambda T: T.where(T.ones(2, 3) > 0, T.ones(2, 3), T.ones(4, 3)))


@pytest.mark.parametrize("a,b,named", [((2, 3), (4, 5), "2x3 and 4x5"), ((3,), (4,), ""),
                                       ((2, 3), (2,), ""), ((5, 2, 3), (5, 4, 2), "")])
def test_matmul_with_mismatched_shapes_names_both(a, b, named):
    text = raises_like_pytorch(lambda T: T.matmul(T.ones(*a), T.ones(*b)))
    assert named in text


def test_mm_and_bmm_with_mismatched_shapes():
    raises_like_pytorch(lambda T: T.ones(2, 3).mm(T.ones(2, 3)), contains=("2x3 and 2x3",))
    raises_like_pytorch(lambda T: T.ones(2, 2, 3).bmm(T.ones(2, 2, 3)))


def test_matmul_of_a_zero_dim_tensor():
    raises_like_pytorch(lambda T: T.matmul(T.tensor(2.0), T.ones(2)))


def test_cat_with_mismatched_shapes():
    raises_like_pytorch(lambda T: T.cat([T.ones(2, 3), T.ones(2, 4)]))
    raises_like_pytorch(lambda T: T.cat([T.ones(2, 3), T.ones(2, 3, 1)]))


def test_cat_message_names_both_shapes():
    raises_like_pytorch(lambda T: T.cat([T.ones(2, 3), T.ones(2, 4)]), contains=("[2, 3]", "[2, 4]"))


def test_stack_with_mismatched_shapes_names_both():
    raises_like_pytorch(lambda T: T.stack([T.ones(2), T.ones(3)]), contains=("[2]", "[3]"))


# --- indices of the wrong dtype ----------------------------------------------------------------------------
def test_float_tensor_as_index():
    raises_like_pytorch(lambda T: T.ones(3)[T.tensor([0.5])])


def test_gather_with_a_float_index():
    raises_like_pytorch(lambda T: T.gather(T.ones(2, 3), 1, T.tensor([[0.0]])))


def test_index_out_of_bounds():
    raises_like_pytorch(lambda T: T.ones(3)[5])


# --- dims out of range -------------------------------------------------------------------------------------
OUT_OF_RANGE = [
    ("sum", lambda T: T.ones(2, 3).sum(dim=2)),
    ("sum tuple", lambda T: T.ones(2, 3).sum(dim=(0, -3))),
    ("mean", lambda T: T.ones(2, 3).mean(-3)),
    ("size", lambda T: T.ones(2, 3).size(2)),
    ("softmax", lambda T: T.ones(2, 3).softmax(dim=-3)),
    ("transpose", lambda T: T.ones(2, 3).transpose(0, 3)),
    ("unsqueeze", lambda T: T.ones(2).unsqueeze(5)),
    ("squeeze", lambda T: T.ones(2, 1).squeeze(4)),
    ("cat", lambda T: T.cat([T.ones(2), T.ones(2)], dim=1)),
    ("max", lambda T: T.ones(2, 3).max(dim=5)),
    ("argmax", lambda T: T.ones(2, 3).argmax(dim=-4)),
    ("flatten", lambda T: T.ones(2, 3).flatten(0, 4)),
]


@pytest.mark.parametrize("name,make", OUT_OF_RANGE, ids=[n for n, _ in OUT_OF_RANGE])
def test_dim_out_of_range(name, make):
    text = raises_like_pytorch(make)
    assert re.search(r"Dimension out of range \(expected to be in range of \[-?\d+, \d+\], but got -?\d+\)", text)


# --- other bad input ------------------------------------------------------------------------------------------
def test_reshape_to_an_impossible_shape():
    raises_like_pytorch(lambda T: T.ones(2, 3).reshape(4, 2))


def test_requires_grad_on_an_integer_tensor():
    # glassgrad has no complex dtypes, so its words differ from PyTorch's "... floating point and complex"
    raises_like_pytorch(lambda T: T.tensor([1, 2], requires_grad=True), same_text=False,
                        contains=("floating point", "require"))


def test_mean_of_an_integer_tensor():
    raises_like_pytorch(lambda T: T.tensor([1, 2]).mean())


def test_backward_gradient_of_the_wrong_shape():
    raises_like_pytorch(lambda T: (T.ones(2, requires_grad=True) * 2).backward(T.ones(3)))


def test_ragged_nested_list():
    with pytest.raises((ValueError, TypeError)):
        glassgrad.tensor([[1, 2], [3]])


def test_bool_subtraction_and_negation():
    raises_like_pytorch(lambda T: T.tensor([True]) - T.tensor([False]))
    raises_like_pytorch(lambda T: -T.tensor([True]))
