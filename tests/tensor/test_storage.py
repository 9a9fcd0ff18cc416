"""x.untyped_storage() and x.storage() against PyTorch: views share one block (same data_ptr, size,
bytes), offsets, element views, the deprecation warning, and the printed form."""

import warnings

import numpy as np
import pytest
import torch

import glassgrad as gg


def _both(make):
    return make(gg), make(torch)


def test_views_share_one_block_as_in_pytorch():
    for module in (gg, torch):
        x = module.arange(6.0).reshape(2, 3)
        y, z = x[1], x.t()
        s = y.untyped_storage()
        assert s.data_ptr() == x.untyped_storage().data_ptr() == z.untyped_storage().data_ptr() == x.data_ptr()
        assert (s.nbytes(), s.size(), len(s), s.element_size()) == (24, 24, 24, 1)
        assert y.storage_offset() == 3
        assert x.clone().untyped_storage().data_ptr() != x.data_ptr()
    ours, theirs = _both(lambda m: m.arange(6.0).reshape(2, 3)[1].untyped_storage())
    assert ours.tolist() == theirs.tolist() and ours[6] == theirs[6] == 128
    assert repr(ours).replace("glassgrad", "torch") == repr(theirs)


@pytest.mark.parametrize("make", [lambda m: m.arange(5), lambda m: m.tensor([1.5, -2.0]),
                                  lambda m: m.tensor([True, False]), lambda m: m.tensor([0.5], dtype=m.float16)])
def test_typed_storage_as_pytorch(make):
    seen = []
    for module in (gg, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            s = make(module).storage()
        seen.append((s.tolist(), s.size(), len(s), s.element_size(), s.nbytes(), s[0], str(s.dtype).split(".")[-1],
                     repr(s).replace("glassgrad", "torch"), [str(w.message) for w in caught]))
    assert seen[0][:-1] == seen[1][:-1]


def test_typed_storage_warns_once_with_pytorchs_words():
    from glassgrad.ops import storage as storage_module
    messages = []
    for module in (gg, torch):
        if module is gg:
            storage_module._WARNED[0] = False
        else:
            torch.storage._reset_warn_typed_storage_removal()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            module.ones(2).storage()
            module.ones(2).storage()
        messages.append([str(w.message) for w in caught])
    assert messages[0] == messages[1] and len(messages[0]) == 1


def test_empty_and_shared_storages():
    ours, theirs = _both(lambda m: m.empty(0).untyped_storage())
    assert repr(ours).replace("glassgrad", "torch") == repr(theirs)
    for module in (gg, torch):
        x = module.zeros(4)
        assert not x.untyped_storage().is_shared()
        x.share_memory_()
        assert x.untyped_storage().is_shared()
        np.testing.assert_array_equal(np.frombuffer(bytes(x.untyped_storage().tolist()), np.float32), np.zeros(4))
