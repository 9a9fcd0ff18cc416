"""Grad mode is per thread, as PyTorch's: ``no_grad`` in one thread leaves another thread's training alone.

Two models train in two threads while one of the threads spends its time inside ``no_grad`` (an
evaluation loop); both must end with exactly the weights a single-threaded run gives, bit for bit.
The modes a new thread starts with are compared with PyTorch's.
"""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd.grad_mode import (GRAD_MODE, enable_grad, inference_mode, is_grad_enabled,
                                          is_inference_mode_enabled, no_grad, set_grad_enabled)

STEPS = 40


def make_problem(seed: int):
    """A small regression: a 3-8-1 tanh network, its SGD optimizer, and fixed data."""
    gg.manual_seed(seed)
    model = gg.nn.Sequential(gg.nn.Linear(3, 8), gg.nn.Tanh(), gg.nn.Linear(8, 1))
    rng = np.random.default_rng(seed)
    x = gg.tensor(rng.normal(size=(32, 3)).astype(np.float32))
    y = gg.tensor(rng.normal(size=(32, 1)).astype(np.float32))
    return model, gg.optim.SGD(model.parameters(), lr=0.05, momentum=0.9), x, y


def train_step(model, optimizer, x, y) -> None:
    optimizer.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()  # raises "does not require grad" if another thread's no_grad leaked into this one
    optimizer.step()


def weights(model) -> list[np.ndarray]:
    return [p.detach().numpy().copy() for p in model.parameters()]


def single_threaded(seed: int) -> list[np.ndarray]:
    model, optimizer, x, y = make_problem(seed)
    for _ in range(STEPS):
        train_step(model, optimizer, x, y)
    return weights(model)


@pytest.fixture
def fast_switching():
    """Switch threads every few microseconds, so the two threads interleave inside every step."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


@pytest.mark.parametrize("trial", range(5))
def test_two_threads_train_while_one_sits_in_no_grad(trial, fast_switching):
    expected_a, expected_b = single_threaded(10 + trial), single_threaded(20 + trial)
    a, b = make_problem(10 + trial), make_problem(20 + trial)
    errors: list[BaseException] = []
    in_no_grad = threading.Event()
    eval_outputs_recorded = []

    def trainer():
        try:
            in_no_grad.wait(10)  # start training only once the other thread has turned recording off
            for _ in range(STEPS):
                train_step(*a)
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)

    def evaluator_that_also_trains():
        try:
            for step in range(STEPS):
                with no_grad():
                    in_no_grad.set()
                    for _ in range(3):  # an evaluation loop: nothing may be recorded here
                        out = b[0](b[2])
                        eval_outputs_recorded.append(out.requires_grad)
                train_step(*b)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=trainer), threading.Thread(target=evaluator_that_also_trains)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert not any(eval_outputs_recorded)  # the trainer's enabled grad did not leak into no_grad either
    for got, want in zip(weights(a[0]), expected_a):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(weights(b[0]), expected_b):
        np.testing.assert_array_equal(got, want)


def modes_in_a_new_thread() -> tuple[bool, bool]:
    seen = []
    t = threading.Thread(target=lambda: seen.append((is_grad_enabled(), is_inference_mode_enabled())))
    t.start()
    t.join()
    return seen[0]


@pytest.mark.parametrize("mode", ["no_grad", "set_grad_enabled(False)", "inference_mode"])
def test_a_new_thread_starts_recording_whatever_its_parent_does(mode):
    torch = pytest.importorskip("torch")

    def enter(lib_no_grad, lib_set, lib_inference):
        return {"no_grad": lib_no_grad, "set_grad_enabled(False)": lambda: lib_set(False),
                "inference_mode": lib_inference}[mode]()

    def torch_new_thread():
        seen = []
        t = threading.Thread(target=lambda: seen.append((torch.is_grad_enabled(),
                                                         torch.is_inference_mode_enabled())))
        t.start()
        t.join()
        return seen[0]

    with enter(no_grad, set_grad_enabled, inference_mode):
        ours = modes_in_a_new_thread()
    with enter(torch.no_grad, torch.set_grad_enabled, torch.inference_mode):
        theirs = torch_new_thread()
    assert ours == theirs == (True, False)
    assert is_grad_enabled() and not is_inference_mode_enabled()


def test_set_grad_enabled_called_in_a_thread_stays_in_that_thread():
    def worker():
        set_grad_enabled(False)  # called as a function: sets this thread's mode until changed
        assert not is_grad_enabled()

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert is_grad_enabled()


def test_each_thread_restores_its_own_mode_on_exit():
    """Two threads enter and leave opposite modes in lock step; each sees only its own."""
    barrier = threading.Barrier(2, timeout=10)
    seen = {}

    def run(name, mode, outer):
        with outer():
            barrier.wait()
            with mode():
                barrier.wait()
                seen[name, "inside"] = is_grad_enabled()
                barrier.wait()
            barrier.wait()
            seen[name, "after"] = is_grad_enabled()

    threads = [threading.Thread(target=run, args=("a", no_grad, enable_grad)),
               threading.Thread(target=run, args=("b", enable_grad, no_grad))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert seen == {("a", "inside"): False, ("a", "after"): True,
                    ("b", "inside"): True, ("b", "after"): False}


@pytest.mark.parametrize("outer, inner", [
    ("no_grad", "inference_mode(False)"), ("inference_mode", "enable_grad"),
    ("inference_mode", "inference_mode(False)"), ("inference_mode", "no_grad"),
    ("enable_grad", "inference_mode"),
])
def test_inference_mode_flags_follow_pytorch(outer, inner):
    torch = pytest.importorskip("torch")

    def make(lib, name):
        return {"no_grad": lib.no_grad, "enable_grad": lib.enable_grad, "inference_mode": lib.inference_mode,
                "inference_mode(False)": lambda: lib.inference_mode(False)}[name]()

    class Ours:
        no_grad, enable_grad, inference_mode = no_grad, enable_grad, inference_mode

    with make(Ours, outer):
        with make(Ours, inner):
            ours_inside = (is_grad_enabled(), is_inference_mode_enabled())
        ours_after = (is_grad_enabled(), is_inference_mode_enabled())
    with make(torch, outer):
        with make(torch, inner):
            theirs_inside = (torch.is_grad_enabled(), torch.is_inference_mode_enabled())
        theirs_after = (torch.is_grad_enabled(), torch.is_inference_mode_enabled())
    assert (ours_inside, ours_after) == (theirs_inside, theirs_after)
    assert (GRAD_MODE.enabled, GRAD_MODE.inference) == (True, False)


def test_the_state_is_thread_local_with_class_level_defaults():
    """A read in a thread that never set a mode is one attribute lookup that finds the class default."""
    assert isinstance(GRAD_MODE, threading.local)
    assert type(GRAD_MODE).enabled is True and type(GRAD_MODE).inference is False
