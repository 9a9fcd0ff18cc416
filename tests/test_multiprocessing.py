"""glassgrad.multiprocessing (torch.multiprocessing) and Tensor.share_memory_.

A shared tensor is the same memory in a child process, under fork and under spawn, so an optimizer
stepping there updates the parent's model (hogwild); a tensor sent to a spawned child is moved into
shared memory first, as PyTorch does; an unshared tensor under fork stays the child's own copy.
Spawned children are few (one ``spawn`` of two processes) and the model tiny, so this file stays fast.
The functions the children run sit at the top level: spawn pickles them by name. This module does not
import torch at its top, so a spawned child (which imports it again) starts quickly; the tests that
compare with PyTorch import it themselves.
"""

from __future__ import annotations

import gc
import multiprocessing as python_multiprocessing
import os
from multiprocessing.reduction import ForkingPickler

import numpy as np
import pytest

import glassgrad
import glassgrad.multiprocessing as mp
from glassgrad import nn

FORK = "fork" in python_multiprocessing.get_all_start_methods()


def _shm_files() -> set:
    return set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()


SHM_AT_START = _shm_files()


# --- share_memory_ in place -----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [glassgrad.float32, glassgrad.float64, glassgrad.int64, glassgrad.bool])
def test_share_memory_moves_the_numbers_in_place(dtype):
    t = glassgrad.arange(12).reshape(3, 4).to(dtype)
    expected = t._array.copy()
    assert not t.is_shared()
    assert t.share_memory_() is t
    assert t.is_shared() and t.dtype == dtype and t.shape == (3, 4)
    np.testing.assert_array_equal(t._array, expected)
    t[0, 0] = True if dtype == glassgrad.bool else 100  # still writable
    assert t[0, 0].item() == (True if dtype == glassgrad.bool else 100)
    assert t.is_shared() and t.share_memory_() is t  # sharing again changes nothing


def test_a_meta_tensor_has_nothing_to_share_as_in_pytorch():
    torch = pytest.importorskip("torch")
    messages = []
    for lib in (glassgrad, torch):
        with pytest.raises(RuntimeError) as error:
            lib.empty(2, device="meta").share_memory_()
        messages.append(str(error.value))
    assert messages[0] == messages[1]


def test_a_view_shares_its_whole_base_and_views_of_a_shared_tensor_are_shared():
    torch = pytest.importorskip("torch")
    for lib in (glassgrad, torch):
        y = lib.arange(8.0)
        v = y[2:6:2]
        v.share_memory_()
        assert (y.is_shared(), v.is_shared()) == (True, True)
        assert v.tolist() == [2.0, 4.0]
        y[2] = 10.0  # still the view of its base
        assert v.tolist() == [10.0, 4.0]
        assert y.t().is_shared() if lib is glassgrad else True


def test_the_gradient_is_not_shared_and_requires_grad_is_kept():
    torch = pytest.importorskip("torch")
    for lib in (glassgrad, torch):
        p = lib.nn.Parameter(lib.ones(3))
        p.grad = lib.ones(3)
        p.share_memory_()
        assert (p.is_shared(), p.grad.is_shared(), p.requires_grad, type(p).__name__) == (True, False, True,
                                                                                         "Parameter")


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "LBFGS"])
def test_optimizers_update_a_shared_parameter_in_its_shared_memory(name):
    p = nn.Parameter(glassgrad.ones(3)).share_memory_()
    address = p.data_ptr()
    opt = getattr(glassgrad.optim, name)([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    opt.step(closure)
    assert p.is_shared() and p.data_ptr() == address and p.tolist() != [1.0, 1.0, 1.0]


def _open_blocks() -> int:
    """How many of this process's file descriptors are glassgrad's shared blocks (Linux: memfd names)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += "glassgrad" in os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # the descriptor listdir itself used, closed since
            pass
    return count


@pytest.mark.skipif(not hasattr(os, "memfd_create") or not os.path.isdir("/proc/self/fd"), reason="Linux only")
def test_a_shared_block_is_freed_with_its_last_tensor():
    gc.collect()
    before = _open_blocks()
    tensors = [glassgrad.zeros(5).share_memory_() for _ in range(10)]
    views = [t[1:] for t in tensors]
    held = _open_blocks()
    assert all(v.is_shared() for v in views) and held >= before + 10
    del tensors
    gc.collect()
    assert _open_blocks() == held  # the views still hold their blocks
    del views
    gc.collect()
    assert _open_blocks() == before


# --- pickling for other processes (ForkingPickler only) --------------------------------------------------
@pytest.mark.parametrize("strategy", sorted(mp.get_all_sharing_strategies()))
def test_a_sent_tensor_is_the_same_memory_on_arrival(strategy):
    model = nn.Linear(3, 2)
    model.weight.grad = glassgrad.ones(2, 3)
    unshared = glassgrad.arange(4.0)
    base = glassgrad.arange(6.0).share_memory_()
    mp.set_sharing_strategy(strategy)
    try:
        assert mp.get_sharing_strategy() == strategy
        payload = ForkingPickler.dumps((model, unshared, base[1:5:2]))
    finally:
        mp.set_sharing_strategy("file_descriptor")
    # as PyTorch: sending a tensor moves it into shared memory
    assert unshared.is_shared() and all(p.is_shared() for p in model.parameters())
    arrived, arrived_tensor, arrived_view = ForkingPickler.loads(payload)
    assert type(arrived.weight) is nn.Parameter and arrived.weight.requires_grad
    assert arrived.weight.grad is None  # gradients are not sent
    np.testing.assert_array_equal(arrived.weight._array, model.weight._array)
    with glassgrad.no_grad():
        arrived.weight.add_(1.0)
    np.testing.assert_array_equal(arrived.weight._array, model.weight._array)
    arrived_tensor[2] = 100.0
    assert unshared.tolist() == [0.0, 1.0, 100.0, 3.0]
    assert arrived_view.tolist() == [1.0, 3.0]  # a view travels as a view: offset and strides in the block
    arrived_view[1] = -3.0
    assert base.tolist() == [0.0, 1.0, 2.0, -3.0, 4.0, 5.0]
    np.testing.assert_array_equal(arrived(glassgrad.ones(1, 3))._array, model(glassgrad.ones(1, 3))._array)


def test_a_non_leaf_that_requires_grad_is_refused_as_in_pytorch():
    torch = pytest.importorskip("torch")
    from torch.multiprocessing import reductions  # noqa: F401  (registers torch's reducers)
    errors = []
    for lib in (glassgrad, torch):
        with pytest.raises(RuntimeError) as error:
            ForkingPickler.dumps(lib.ones(2, requires_grad=True) * 2)
        errors.append(str(error.value))
    assert errors[0] == errors[1]


def test_sharing_strategies_as_pytorch():
    torch_mp = pytest.importorskip("torch.multiprocessing")
    assert mp.get_all_sharing_strategies() == torch_mp.get_all_sharing_strategies()
    assert mp.get_sharing_strategy() == torch_mp.get_sharing_strategy()
    messages = []
    for lib in (mp, torch_mp):
        with pytest.raises(AssertionError) as error:
            lib.set_sharing_strategy("shared_drive")
        messages.append(str(error.value))
    assert messages[0] == messages[1]


def test_every_name_of_python_multiprocessing_and_of_torch_multiprocessing_is_here():
    torch_mp = pytest.importorskip("torch.multiprocessing")
    for name in python_multiprocessing.__all__:
        assert getattr(mp, name) is getattr(python_multiprocessing, name), name
    missing = [name for name in torch_mp.__all__ if not hasattr(mp, name)]
    assert missing == []
    for name in ["spawn", "start_processes", "ProcessContext", "ProcessRaisedException", "ProcessExitedException"]:
        assert hasattr(mp, name) and hasattr(torch_mp, name)


# --- real child processes ---------------------------------------------------------------------------------
def _fork_child(queue, received, shared, unshared):
    queue.put((shared.data_ptr(), shared.is_shared(), unshared.is_shared()))
    shared.add_(1)
    unshared.add_(1)
    queue.put(glassgrad.full((2,), 7.0))  # a tensor made in the child, back to the parent through the queue
    received.wait(30)  # as in PyTorch, the sender lives until the receiver has mapped the tensor


@pytest.mark.skipif(not FORK, reason="no fork start method on this system")
def test_fork_a_shared_tensor_is_the_same_memory_an_unshared_one_a_copy():
    context = mp.get_context("fork")
    shared, unshared = glassgrad.zeros(3).share_memory_(), glassgrad.zeros(3)
    queue, received = context.Queue(), context.Event()
    child = context.Process(target=_fork_child, args=(queue, received, shared, unshared))
    child.start()
    address, child_shared, child_unshared = queue.get(timeout=30)
    from_child = queue.get(timeout=30)
    received.set()
    child.join(30)
    assert child.exitcode == 0
    assert (address, child_shared, child_unshared) == (shared.data_ptr(), True, False)  # as PyTorch under fork
    assert shared.tolist() == [1.0, 1.0, 1.0] and unshared.tolist() == [0.0, 0.0, 0.0]
    assert from_child.tolist() == [7.0, 7.0] and from_child.is_shared()


def _hogwild_step(rank, model, lock, inputs, unshared):
    """One SGD step on w·x (its gradient is x, whatever w is): w -= lr · x_rank, one process at a time."""
    optimizer = glassgrad.optim.SGD(model.parameters(), lr=0.5)
    with lock:
        optimizer.zero_grad()
        model(inputs[rank]).sum().backward()
        optimizer.step()
        unshared.add_(rank + 1)
    assert model.weight.grad is not None


def test_spawn_children_train_the_parents_shared_model():
    model = nn.Linear(3, 1, bias=False)
    model.weight.share_memory_()  # Module.share_memory does this for every parameter
    start = model.weight._array.copy()
    inputs = glassgrad.tensor([[[1.0, 2.0, 3.0]], [[-1.0, 0.5, 4.0]]])
    unshared = glassgrad.zeros(2)
    lock = mp.get_context("spawn").Lock()
    mp.spawn(_hogwild_step, args=(model, lock, inputs, unshared), nprocs=2)
    expected = start - 0.5 * (inputs._array[0] + inputs._array[1])  # two SGD steps on w·x: ∂/∂w = x
    np.testing.assert_allclose(model.weight._array, expected, rtol=1e-6)
    assert model.weight.grad is None  # each child's gradient was its own
    assert unshared.tolist() == [3.0, 3.0] and unshared.is_shared()  # sent, so shared first (as PyTorch)


def _fail_on_one(rank):
    if rank == 1:
        raise ValueError(f"process {rank} gives up")


@pytest.mark.skipif(not FORK, reason="no fork start method on this system")
def test_a_child_exception_is_raised_in_the_parent_with_its_traceback():
    context = mp.start_processes(_fail_on_one, nprocs=2, join=False, start_method="fork")
    assert isinstance(context, mp.ProcessContext) and len(context.pids()) == 2
    with pytest.raises(mp.ProcessRaisedException) as error:
        while not context.join():
            pass
    assert error.value.error_index == 1
    assert "-- Process 1 terminated with the following error:" in str(error.value)
    assert "ValueError: process 1 gives up" in str(error.value)


def test_spawn_warns_for_another_start_method_as_pytorch():
    with pytest.warns(FutureWarning, match="only supports start_method=spawn"):
        mp.spawn(_fail_on_one, nprocs=0, start_method="fork")


def test_no_shared_memory_file_is_left_behind():
    gc.collect()
    assert _shm_files() - SHM_AT_START == set()
