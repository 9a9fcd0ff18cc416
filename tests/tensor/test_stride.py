"""Tensor.stride(), is_contiguous() and storage_offset() as PyTorch reports them, for contiguous tensors
and for views (transpose, slicing, expand, permute, unsqueeze ...), each compared with torch itself."""

import pytest
import torch

import glassgrad

# name -> how to make the tensor from a module T (torch or glassgrad)
CASES = {
    "contiguous": lambda T: T.arange(60.).reshape(3, 4, 5),
    "transpose": lambda T: T.arange(60.).reshape(3, 4, 5).transpose(0, 2),
    "t": lambda T: T.arange(12.).reshape(3, 4).t(),
    "mT": lambda T: T.arange(60.).reshape(3, 4, 5).mT,
    "permute": lambda T: T.arange(60.).reshape(3, 4, 5).permute(2, 0, 1),
    "step slice": lambda T: T.arange(60.).reshape(3, 4, 5)[:, 1:3, ::2],
    "integer index": lambda T: T.arange(60.).reshape(3, 4, 5)[1],
    "ellipsis index": lambda T: T.arange(60.).reshape(3, 4, 5)[..., 1],
    "narrow": lambda T: T.arange(60.).reshape(3, 4, 5).narrow(2, 1, 2),
    "select": lambda T: T.arange(60.).reshape(3, 4, 5).select(1, 2),
    "chunk": lambda T: T.arange(60.).reshape(3, 4, 5).chunk(2, dim=2)[1],
    "split": lambda T: T.arange(60.).reshape(3, 4, 5).split(1, 0)[1],
    "diagonal": lambda T: T.zeros(4, 4).diagonal(),
    "expand": lambda T: T.arange(3.).reshape(3, 1).expand(3, 4),
    "expand new dim": lambda T: T.zeros(5).expand_as(T.zeros(3, 4, 5)),
    "expand to size 1": lambda T: T.zeros(3).expand(1, 3),
    "unsqueeze": lambda T: T.arange(60.).reshape(3, 4, 5).unsqueeze(1),
    "None index": lambda T: T.zeros(3)[None, :, None],
    "squeeze": lambda T: T.arange(60.).reshape(3, 4, 5)[:, :1].squeeze(1),
    "size-1 dim": lambda T: T.zeros(3, 1, 4),
    "0-d": lambda T: T.tensor(1.5),
    "empty": lambda T: T.zeros(0, 3),
    "empty slice": lambda T: T.zeros(3, 4)[:, :0],
    "flip (a copy in PyTorch)": lambda T: T.arange(60.).reshape(3, 4, 5).flip(0),
    "elementwise on a transpose": lambda T: T.arange(60.).reshape(3, 4, 5).transpose(0, 1) + 1,
    "contiguous()": lambda T: T.arange(60.).reshape(3, 4, 5).transpose(0, 1).contiguous(),
    "matmul": lambda T: T.ones(3, 4) @ T.ones(4, 5),
    "view": lambda T: T.arange(60.).reshape(3, 4, 5).view(12, 5),
}


@pytest.mark.parametrize("name", CASES)
def test_stride_contiguity_and_offset_match_pytorch(name):
    ours, theirs = CASES[name](glassgrad), CASES[name](torch)
    assert ours.stride() == theirs.stride()
    assert ours.is_contiguous() == theirs.is_contiguous()
    assert ours.storage_offset() == theirs.storage_offset()
    for d in range(-ours.dim(), ours.dim()):
        assert ours.stride(d) == theirs.stride(d)


def test_stride_of_one_dimension_errors_as_pytorch():
    for T in (glassgrad, torch):
        with pytest.raises(IndexError, match=r"range of \[-2, 1\], but got 5"):
            T.zeros(2, 3).stride(5)
        with pytest.raises(IndexError, match="Dimension specified as 0 but tensor has no dimensions"):
            T.tensor(1.0).stride(0)
        with pytest.raises(TypeError, match="argument 'dim' .* must be int, not str"):
            T.zeros(2).stride("a")


def test_meta_tensor_reports_row_major_strides():
    assert glassgrad.zeros(2, 3, 4, device="meta").stride() == torch.zeros(2, 3, 4, device="meta").stride()
    assert glassgrad.zeros(2, 3, device="meta").is_contiguous()
