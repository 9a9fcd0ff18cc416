"""The profiler beside PyTorch's for what is no Function.apply: tensor factories (zeros, randn, arange,
...) and in-place random fills (normal_, uniform_, ...) are rows under PyTorch's aten names; a training
step's table names only ops PyTorch's table names too."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.autograd.profiler
import torch.profiler

import glassgrad
import glassgrad.autograd.profiler as profiler
import glassgrad.profiler
from glassgrad import creation
from glassgrad.autograd import function

def compile_call(text):
    """The statement ``text`` (a test id) as a call on a library ``lib`` and a 3×3 tensor ``w``."""
    calls = {
        "lib.randn(4, 3)": lambda lib, w: lib.randn(4, 3), "lib.rand(4, 3)": lambda lib, w: lib.rand(4, 3),
        "lib.zeros(3)": lambda lib, w: lib.zeros(3), "lib.ones(2, 2)": lambda lib, w: lib.ones(2, 2),
        "lib.empty(5)": lambda lib, w: lib.empty(5), "lib.full((2,), 3.0)": lambda lib, w: lib.full((2,), 3.0),
        "lib.arange(5)": lambda lib, w: lib.arange(5), "lib.linspace(0, 1, 5)": lambda lib, w: lib.linspace(0, 1, 5),
        "lib.eye(3)": lambda lib, w: lib.eye(3), "lib.zeros_like(w)": lambda lib, w: lib.zeros_like(w),
        "lib.ones_like(w)": lambda lib, w: lib.ones_like(w), "lib.empty_like(w)": lambda lib, w: lib.empty_like(w),
        "lib.full_like(w, 2.0)": lambda lib, w: lib.full_like(w, 2.0),
        "lib.randn_like(w)": lambda lib, w: lib.randn_like(w), "lib.rand_like(w)": lambda lib, w: lib.rand_like(w),
        "lib.randint(0, 5, (3,))": lambda lib, w: lib.randint(0, 5, (3,)),
        "lib.randperm(5)": lambda lib, w: lib.randperm(5),
        "lib.normal(0.0, 1.0, (3,))": lambda lib, w: lib.normal(0.0, 1.0, (3,)),
        "lib.bernoulli(w.clamp(0, 1))": lambda lib, w: lib.bernoulli(w.clamp(0, 1)),
        "w.new_zeros(2)": lambda lib, w: w.new_zeros(2), "w.new_ones(2)": lambda lib, w: w.new_ones(2),
        "w.new_full((2,), 1.0)": lambda lib, w: w.new_full((2,), 1.0),
        "lib.zeros(2, out=lib.empty(2))": lambda lib, w: lib.zeros(2, out=lib.empty(2)),
        "w.normal_()": lambda lib, w: w.normal_(), "w.uniform_()": lambda lib, w: w.uniform_(),
        "w.bernoulli_()": lambda lib, w: w.bernoulli_(), "w.exponential_()": lambda lib, w: w.exponential_(),
        "w.random_(0, 5)": lambda lib, w: w.random_(0, 5), "w.cauchy_()": lambda lib, w: w.cauchy_(),
        "w.log_normal_()": lambda lib, w: w.log_normal_(), "w.geometric_(0.5)": lambda lib, w: w.geometric_(0.5),
        "lib.tensor([1.0, 2.0])": lambda lib, w: lib.tensor([1.0, 2.0]),
        "lib.as_tensor([1.0, 2.0])": lambda lib, w: lib.as_tensor([1.0, 2.0]),
        "lib.from_numpy(np.zeros(2))": lambda lib, w: lib.from_numpy(np.zeros(2)),
        "w.add_(1.0)": lambda lib, w: w.add_(1.0), "w.mul_(2.0)": lambda lib, w: w.mul_(2.0),
        "w.sub_(w)": lambda lib, w: w.sub_(w), "w.div_(2.0)": lambda lib, w: w.div_(2.0),
        "w.zero_()": lambda lib, w: w.zero_(), "w.fill_(1.0)": lambda lib, w: w.fill_(1.0),
        "w.copy_(w)": lambda lib, w: w.copy_(w), "w.relu_()": lambda lib, w: w.relu_(),
        "w.clamp_(0, 1)": lambda lib, w: w.clamp_(0, 1),
    }
    return calls[text]


FACTORIES = ["lib.randn(4, 3)", "lib.rand(4, 3)", "lib.zeros(3)", "lib.ones(2, 2)", "lib.empty(5)",
             "lib.full((2,), 3.0)", "lib.arange(5)", "lib.linspace(0, 1, 5)", "lib.eye(3)",
             "lib.zeros_like(w)", "lib.ones_like(w)", "lib.empty_like(w)", "lib.full_like(w, 2.0)",
             "lib.randn_like(w)", "lib.rand_like(w)", "lib.randint(0, 5, (3,))", "lib.randperm(5)",
             "lib.normal(0.0, 1.0, (3,))", "lib.bernoulli(w.clamp(0, 1))", "w.new_zeros(2)", "w.new_ones(2)",
             "w.new_full((2,), 1.0)", "lib.zeros(2, out=lib.empty(2))"]
FILLS = ["w.normal_()", "w.uniform_()", "w.bernoulli_()", "w.exponential_()", "w.random_(0, 5)",
         "w.cauchy_()", "w.log_normal_()", "w.geometric_(0.5)"]


def top_level(lib, statement):
    """The names of the outermost events while the call named ``statement`` runs under lib's profiler, and all names."""
    w = lib.zeros(3, 3)
    prof_module = profiler if lib is glassgrad else torch.autograd.profiler
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with prof_module.profile() as prof:
            compile_call(statement)(lib, w)
    events = prof.function_events
    return [e.name for e in events if e.cpu_parent is None], {e.name for e in events}


@pytest.mark.parametrize("statement", FACTORIES + FILLS)
def test_a_factory_or_fill_is_one_row_named_as_pytorchs_outermost(statement):
    ours, _ = top_level(glassgrad, statement)
    theirs, _ = top_level(torch, statement)
    assert ours == theirs  # "zeros(out=empty(2))": empty, then zeros; "bernoulli(w.clamp(0, 1))": clamp, ...


@pytest.mark.parametrize("statement", ["lib.tensor([1.0, 2.0])", "lib.as_tensor([1.0, 2.0])",
                                       "lib.from_numpy(np.zeros(2))"])
def test_making_a_tensor_from_data_is_lift_fresh(statement):
    ours, _ = top_level(glassgrad, statement)
    _, theirs = top_level(torch, statement)
    assert ours == ["aten::lift_fresh"] and "aten::lift_fresh" in theirs


def test_the_inner_steps_of_a_factory_are_not_rows_of_their_own():
    """rand_like calls rand, a fill on a tensor with history calls a Function: one row each, as PyTorch
    (whose rows under aten::rand_like are its own empty_like and uniform_, which we do not have)."""
    _, ours = top_level(glassgrad, "lib.rand_like(w)")
    assert ours == {"aten::rand_like"}


def test_a_fill_on_a_tensor_with_history_times_its_backward_node():
    def names(lib):
        prof_module = profiler if lib is glassgrad else torch.autograd.profiler
        a = lib.ones(3, requires_grad=True)
        with prof_module.profile() as prof:
            x = a * 2
            x.normal_()
            (x * a).sum().backward()
        return {e.name for e in prof.function_events}
    ours, theirs = names(glassgrad), names(torch)
    assert {"aten::normal_", "NormalBackward0",
            "autograd::engine::evaluate_function: NormalBackward0"} <= ours <= theirs, ours - theirs
    assert np.allclose(glassgrad.ones(1).numpy(), 1)


def test_record_shapes_gives_a_factorys_arguments():
    with profiler.profile(record_shapes=True) as prof:
        glassgrad.zeros_like(glassgrad.ones(2, 3))
    rows = {e.name: e.input_shapes for e in prof.function_events}
    assert rows["aten::zeros_like"] == [[2, 3]] and rows["aten::ones"] == [[], []]


def test_the_hooks_are_gone_after_the_profile_even_after_an_error():
    with pytest.raises(ValueError):
        with profiler.profile():
            glassgrad.zeros(2)
            raise ValueError("inside")
    assert creation._call_profiler is None and function._op_profiler is None
    with glassgrad.profiler.profile() as prof:
        glassgrad.ones(1)
    assert creation._call_profiler is None
    assert [e.key for e in prof.key_averages()] == ["aten::ones"]


def training_step(lib):
    """A small training step with tensors made inside the profile (as a real loop makes its batch)."""
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.ReLU(), lib.nn.Linear(8, 1))
    opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with lib.profiler.profile(activities=[lib.profiler.ProfilerActivity.CPU]) as prof:
            x, y = lib.randn(16, 4), lib.zeros(16, 1)
            opt.zero_grad()
            loss = lib.nn.functional.mse_loss(model(x), y)
            loss.backward()
            opt.step()
    return {row.key for row in prof.key_averages()}


def test_a_training_steps_table_names_pytorchs_ops():
    ours, theirs = training_step(glassgrad), training_step(torch)
    assert {"aten::randn", "aten::zeros", "aten::addmm", "aten::relu", "aten::mse_loss", "MseLossBackward0",
            "AddmmBackward0", "autograd::engine::evaluate_function: ReluBackward0"} <= ours
    assert ours <= theirs, ours - theirs


INPLACE = ["w.add_(1.0)", "w.mul_(2.0)", "w.sub_(w)", "w.div_(2.0)", "w.zero_()", "w.fill_(1.0)",
           "w.copy_(w)", "w.relu_()", "w.clamp_(0, 1)"]


@pytest.mark.parametrize("statement", INPLACE)
def test_in_place_arithmetic_is_a_row_named_as_pytorchs(statement):
    ours, _ = top_level(glassgrad, statement)
    theirs, _ = top_level(torch, statement)
    assert ours == theirs


def test_the_optimizers_step_and_zero_grad_are_pytorchs_ranges():
    ours, theirs = training_step(glassgrad), training_step(torch)
    assert {"Optimizer.step#SGD.step", "Optimizer.zero_grad#SGD.zero_grad"} <= ours <= theirs
