"""glassgrad.autograd.profiler and glassgrad.profiler beside PyTorch's: what gets recorded, under which
names and shapes, how ranges nest, the table, the Chrome trace, and that the hook goes away after."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import torch
import torch.autograd.profiler
import torch.profiler

import glassgrad
import glassgrad.autograd.profiler as profiler
import glassgrad.profiler
from glassgrad.autograd import function

BACKWARD = "autograd::engine::evaluate_function: "


def small_program(lib):
    """Forward and backward of a few ops, run under each library's profiler; returns the events."""
    x = lib.tensor(np.arange(6.0).reshape(2, 3) / 7, requires_grad=True)
    w = lib.tensor(np.arange(12.0).reshape(3, 4) / 11, requires_grad=True)
    prof_module = profiler if lib is glassgrad else torch.autograd.profiler
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with prof_module.profile(record_shapes=True) as prof:
            y = (x @ w).tanh()
            loss = (y * 2 / 3).sum()
            loss.backward()
    return prof


def test_the_tutorials_loop():
    x, y = glassgrad.randn(2, 3, requires_grad=True), glassgrad.rand(2, 3, requires_grad=True)  # as the tutorial
    z = glassgrad.ones(2, 3, requires_grad=True)
    with profiler.profile(use_cuda=False) as prf, np.errstate(over="ignore", invalid="ignore"):
        for _ in range(1000):
            z = (z / x) * y
    rows = {row.key: row for row in prf.key_averages()}
    assert rows["aten::div"].count == 1000 and rows["aten::mul"].count == 1000
    table = prf.key_averages().table(sort_by="self_cpu_time_total")
    header = table.splitlines()[1].split()
    assert " ".join(header) == "Name Self CPU % Self CPU CPU total % CPU total CPU time avg # of Calls"
    assert "aten::div" in table and table.rstrip().splitlines()[-1].startswith("Self CPU time total:")


def test_op_names_are_pytorchs():
    ours = {e.name for e in small_program(glassgrad).function_events}
    theirs = {e.name for e in small_program(torch).function_events}
    assert {"aten::mm", "aten::tanh", "aten::mul", "aten::div", "aten::sum"} <= ours
    assert {BACKWARD + "MmBackward0", BACKWARD + "TanhBackward0", "MulBackward0"} <= ours
    assert ours <= theirs, ours - theirs


def test_input_shapes_are_pytorchs():
    def shapes(prof):
        return [(e.name, e.input_shapes) for e in prof.function_events
                if e.name in ("aten::mm", "aten::tanh", "aten::mul", "aten::div")][:4]
    assert shapes(small_program(glassgrad)) == shapes(small_program(torch))


def test_backward_ranges_hold_their_node_and_follow_the_forward():
    events = small_program(glassgrad).function_events
    outer = next(e for e in events if e.name == BACKWARD + "TanhBackward0")
    assert [c.name for c in outer.cpu_children] == ["TanhBackward0"]
    assert outer.start_us > max(e.end_us for e in events if e.name == "aten::tanh")


@pytest.mark.parametrize("node_name, aten", [
    ("DivBackward0", "aten::div"), ("PowBackward1", "aten::pow"), ("MmBackward0", "aten::mm"),
    ("MaxPool2DWithIndicesBackward0", "aten::max_pool2d_with_indices"), ("Log1PBackward0", "aten::log1p"),
    ("AdaptiveAvgPool2DBackward0", "aten::adaptive_avg_pool2d"), ("ToCopyBackward0", "aten::_to_copy"),
    ("LinalgVectorNormBackward0", "aten::linalg_vector_norm"), ("ClampMinBackward1", "aten::clamp_min"),
    ("DiagonalBackward0_copy", "aten::diagonal"), ("TBackward1", "aten::t"),
])
def test_aten_name_of_a_node_name(node_name, aten):
    cls = type("Op", (function.Primitive,), {"node_name": node_name})
    assert profiler.aten_name(cls) == aten


def test_custom_function_is_one_row_under_its_class_name():
    class Double(glassgrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = glassgrad.ones(3, requires_grad=True)
    with profiler.profile() as prof:
        Double.apply(x).sum().backward()
    names = [e.name for e in prof.function_events]
    assert names[:2] == ["Double", "aten::sum"]
    assert BACKWARD + "DoubleBackward" in names


def test_record_function_nests_ops_and_self_time_excludes_them():
    x = glassgrad.randn(50, 50)

    @profiler.record_function("decorated")
    def work(a):
        return (a @ a).exp()

    with profiler.profile() as prof:
        with profiler.record_function("outer"):
            work(x)
            x.sin()
    events = prof.function_events
    outer = next(e for e in events if e.name == "outer")
    assert [c.name for c in outer.cpu_children] == ["decorated", "aten::sin"]
    decorated = outer.cpu_children[0]
    assert [c.name for c in decorated.cpu_children] == ["aten::mm", "aten::exp"]
    for e in (outer, decorated):
        assert e.cpu_time_total >= sum(c.cpu_time_total for c in e.cpu_children)
        assert e.self_cpu_time_total == pytest.approx(e.cpu_time_total
                                                      - sum(c.cpu_time_total for c in e.cpu_children))
        assert all(e.start_us <= c.start_us and c.end_us <= e.end_us for c in e.cpu_children)
    with profiler.record_function("no profile open"):  # a no-op then
        x.cos()


def test_key_averages_group_by_input_shape_and_table_options():
    with profiler.profile(record_shapes=True) as prof:
        for n in (2, 2, 3):
            glassgrad.ones(n) * 2
    plain = prof.key_averages()
    assert [(r.key, r.count) for r in plain] == [("aten::ones", 3), ("aten::mul", 3)]
    grouped = prof.key_averages(group_by_input_shape=True)
    assert sorted((r.input_shapes, r.count) for r in grouped if r.key == "aten::mul") == [([[2], []], 2),
                                                                                        ([[3], []], 1)]
    assert "Input Shapes" in grouped.table() and "Input Shapes" not in plain.table()
    assert sum(r.cpu_time_total for r in grouped if r.key == "aten::mul") == pytest.approx(plain[1].cpu_time_total)
    assert "Input Shapes" in str(prof)  # every event, with its shapes
    table = prof.function_events.table(sort_by="cpu_time_total", row_limit=2)
    assert len([line for line in table.splitlines() if "aten::" in line]) == 2  # two rows of six
    times = sorted((e.cpu_time_total for e in prof.function_events), reverse=True)
    assert prof.function_events.table(sort_by="cpu_time_total", row_limit=1).count(
        profiler._format_time(times[0])) >= 1


def test_chrome_trace_is_valid_json(tmp_path):
    prof = small_program(glassgrad)
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    trace = json.loads(path.read_text())
    ops = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    assert [e["name"] for e in ops] == [e.name for e in prof.function_events]
    assert all(e["dur"] >= 0 and e["ts"] >= 0 for e in ops)
    assert next(e for e in ops if e["name"] == "aten::mm")["args"]["Input Dims"] == [[2, 3], [3, 4]]


def test_the_hook_is_gone_after_the_block_even_after_an_error():
    with pytest.raises(ValueError):
        with profiler.profile():
            glassgrad.ones(2) * 2
            raise ValueError("inside")
    assert function._op_profiler is None and profiler._ACTIVE[0] is None
    with profiler.profile(enabled=False) as prof:
        glassgrad.ones(2) * 2
    assert prof is None and function._op_profiler is None  # as PyTorch: nothing to hold


def test_results_only_after_the_block_and_one_profile_at_a_time():
    with profiler.profile() as prof:
        with pytest.raises(RuntimeError, match="Profiler didn't finish running"):
            prof.key_averages()
        with pytest.raises(RuntimeError, match="already enabled"):
            profiler.profile().__enter__()
    assert prof.key_averages() == []


def test_backward_after_the_block_is_not_recorded():
    x = glassgrad.ones(3, requires_grad=True)
    with profiler.profile() as prof:
        y = (x * 2).sum()
    y.backward()
    assert [e.name for e in prof.function_events] == ["aten::mul", "aten::sum"]
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0, 2.0])


# --- torch.profiler ----------------------------------------------------------------------------------

def test_torch_profiler_module():
    x = glassgrad.ones(4, requires_grad=True)
    P = glassgrad.profiler
    with P.profile(activities=[P.ProfilerActivity.CPU], record_shapes=True) as prof:
        with P.record_function("model_inference"):
            (x.exp() * 3).sum().backward()
    names = [e.name for e in prof.events()]
    assert names[:4] == ["model_inference", "aten::exp", "aten::mul", "aten::sum"]
    assert "model_inference" in prof.key_averages().table(sort_by="cpu_time_total", row_limit=10)
    assert set(P.ProfilerActivity.__members__) == set(torch.profiler.ProfilerActivity.__members__)


@pytest.mark.parametrize("kwargs", [dict(wait=1, warmup=1, active=2), dict(wait=0, warmup=2, active=1, repeat=2),
                                    dict(wait=2, warmup=1, active=3, skip_first=3, skip_first_wait=1)])
def test_schedule_is_pytorchs(kwargs):
    ours, theirs = glassgrad.profiler.schedule(**kwargs), torch.profiler.schedule(**kwargs)
    assert [ours(s).name for s in range(20)] == [theirs(s).name for s in range(20)]


def test_schedule_records_only_active_steps():
    saved = []
    P = glassgrad.profiler
    with P.profile(schedule=P.schedule(wait=1, warmup=1, active=2, repeat=1),
                   on_trace_ready=lambda p: saved.append([e.name for e in p.events()])) as prof:
        for step in range(6):
            glassgrad.ones(1) * step
            prof.step()
    assert saved == [["aten::ones", "aten::mul", "aten::ones", "aten::mul"]]
