"""glassgrad.autograd.profiler — as ``torch.autograd.profiler``: how long each operation took.

Part III, a tool beside the engine. While a ``profile`` is open, every ``Function.apply`` (each glassgrad
primitive's forward, each custom Function) is timed and kept as an event, and so is every backward node
the open profile saw being recorded:

    with glassgrad.autograd.profiler.profile(record_shapes=True) as prof:
        with glassgrad.autograd.profiler.record_function("my block"):   # a labelled range of your own
            loss = (x @ w).tanh().sum()
        loss.backward()
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=10))
    prof.export_chrome_trace("trace.json")   # open in chrome://tracing or https://ui.perfetto.dev

How it sees the ops, through hooks the engine offers and nothing else:

- ``function.set_op_profiler`` hands each ``apply`` to ``profile._time_op``, which opens an event, runs
  the op (with the hook cleared, so the op is not timed twice) and closes the event. With no profile
  open, that hook costs ``apply`` one test of a global.
- ``creation.set_call_profiler`` does the same for what is no ``Function.apply``: a function decorated
  ``@creation.profiled("aten::zeros")`` (the factories, ``tensor`` as ``aten::lift_fresh``, the in-place
  random fills ``normal_``, ``uniform_``, ...) is one event under that name, what it runs inside included.
- the node an op records (its output's ``grad_fn``) gets a pre-hook and a hook (``Node.register_prehook``,
  ``register_hook``): the backward pass then opens ``autograd::engine::evaluate_function: MulBackward0`` and ``MulBackward0`` (PyTorch's two
  rows for one node) before the node's backward runs and closes them after.

Names are PyTorch's where glassgrad's node name leads to them: a primitive whose grad_fn is
``DivBackward0`` is timed as ``aten::div`` (the node name without ``Backward<n>``, CamelCase to
snake_case: ``MaxPool2DWithIndicesBackward0`` -> ``aten::max_pool2d_with_indices``, with a few exceptions
in ``_ATEN``). That is best effort: where PyTorch would call a different aten op, or run several (a
``Linear`` is ``aten::linear`` -> ``aten::addmm`` there, glassgrad's primitives here), the rows differ.
A custom Function is one row under its class name; the ops inside its forward count as its own time.
PyTorch shows a factory's own steps as rows under it (``aten::zeros`` over ``aten::empty`` and
``aten::zero_``); glassgrad makes the array in one numpy call, so it has the outer row only. Not recorded:
in-place arithmetic (``add_``, ``mul_``, ``zero_``, ``copy_``: rows of the out-of-place op, ``aten::add``,
when they run a Function, none otherwise), the optimizer's updates (numpy on the arrays), leaf
accumulation (``torch::autograd::AccumulateGrad``), views PyTorch records (``aten::view``, ``aten::t``),
and the backward of nodes recorded before the profile opened. docs/compatibility.md lists them.

Times are wall-clock ``time.perf_counter_ns`` on the calling thread. ``use_cuda``, ``use_device``,
``with_flops``, ``profile_memory``, ``with_stack`` and ``with_modules`` are accepted and record nothing
more: glassgrad runs on the CPU and does not count FLOPs, memory or stacks.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
import time

from glassgrad.autograd.function import set_op_profiler
from glassgrad.creation import set_call_profiler
from glassgrad.tensor import Tensor

__all__ = ["profile", "record_function", "EventList", "FunctionEvent", "FunctionEventAvg", "emit_nvtx",
           "aten_name"]

_BACKWARD_PREFIX = "autograd::engine::evaluate_function: "

# Node names whose aten op is not the snake_case of the name (PyTorch's spelling).
_ATEN = {"ToCopy": "_to_copy", "IndexPut": "index_put_", "Copy": "copy_", "Fill": "fill_"}
_CAMEL = re.compile(r"(?<=[A-Z0-9])(?=[A-Z][a-z])|(?<=[a-z])(?=[A-Z])")
_SUFFIX = re.compile(r"Backwards?\d*(_copy)?$")
_names: dict = {}


def aten_name(cls) -> str:
    """The name a profile gives an op: ``aten::<op>`` for a primitive, the class name for a custom
    Function (as PyTorch, which records a Function under its own name)."""
    name = _names.get(cls)
    if name is None:
        if not cls.on_arrays:
            name = cls.__name__
        else:
            base = _SUFFIX.sub("", cls.node_name)
            if base == cls.node_name:  # a node named otherwise (CopySlices): the primitive's class name
                base = cls.__name__.removeprefix("NotImplemented")
            name = "aten::" + _ATEN.get(base, _CAMEL.sub("_", base).lower())
        _names[cls] = name
    return name


def _shape_of(arg) -> list:
    return list(arg.shape) if isinstance(arg, Tensor) else []


def _format_time(us: float) -> str:
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


def _share(us: float, total: float) -> str:
    return "NaN" if total == 0 else f"{us * 100.0 / total:.2f}%"


# --- events ----------------------------------------------------------------------------------------

class _CpuOnly:
    """The fields PyTorch's events have for devices, memory and flops: a CPU-only profile leaves them
    at these values (shared by an event and an average of events)."""

    device_type = "CPU"
    use_device = None
    overload_name = ""
    cpu_memory_usage = self_cpu_memory_usage = 0
    device_time_total = self_device_time_total = cuda_time_total = self_cuda_time_total = 0.0
    device_memory_usage = self_device_memory_usage = 0
    flops = 0
    node_id = -1
    is_async = is_remote = is_legacy = False


class FunctionEvent(_CpuOnly):
    """One timed range: an op, a backward node or a ``record_function`` block (times in µs from the
    profile's start). ``cpu_children`` are the ranges that ran inside it; self time excludes them."""

    count = 1

    def __init__(self, id: int, name: str, thread: int, start_us: float, end_us: float = 0.0,
                 input_shapes=None, is_user_annotation: bool = False) -> None:
        self.id = id
        self.name = name
        self.thread = thread
        self.start_us = start_us
        self.end_us = end_us
        self.input_shapes = input_shapes
        self.is_user_annotation = is_user_annotation
        self.cpu_children: list = []
        self.cpu_parent = None
        self.stack: list = []

    @property
    def key(self) -> str:
        return self.name

    @property
    def cpu_time_total(self) -> float:
        return self.end_us - self.start_us

    cpu_time = cpu_time_total

    @property
    def self_cpu_time_total(self) -> float:
        return self.cpu_time_total - sum(child.cpu_time_total for child in self.cpu_children)

    def __repr__(self) -> str:
        return (f"<FunctionEvent id={self.id} name={self.name} cpu_time={_format_time(self.cpu_time_total)} "
                f"start_us={self.start_us:.3f} end_us={self.end_us:.3f} "
                f"cpu_children={[c.id for c in self.cpu_children]} thread={self.thread} "
                f"input_shapes={self.input_shapes}>")


class FunctionEventAvg(_CpuOnly):
    """Events of one name (and input shapes, when grouped by them) added together."""

    def __init__(self) -> None:
        self.key = None
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.input_shapes = None
        self.is_user_annotation = False
        self.stack: list = []

    def add(self, event) -> "FunctionEventAvg":
        if self.key is None:
            self.key = event.key
            self.is_user_annotation = event.is_user_annotation
        self.count += event.count
        self.cpu_time_total += event.cpu_time_total
        self.self_cpu_time_total += event.self_cpu_time_total
        return self

    __iadd__ = add

    @property
    def cpu_time(self) -> float:
        """The average time of one call."""
        return self.cpu_time_total / self.count if self.count else 0.0

    def __repr__(self) -> str:
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={_format_time(self.self_cpu_time_total)} "
                f"cpu_time={_format_time(self.cpu_time)} input_shapes={self.input_shapes}>")


class EventList(list):
    """A list of events (``profile.function_events``) or of their averages (``key_averages()``)."""

    def __init__(self, events=(), use_device=None, profile_memory: bool = False,
                 with_flops: bool = False) -> None:
        super().__init__(events)
        self._use_device = use_device

    @property
    def self_cpu_time_total(self) -> float:
        return sum(e.self_cpu_time_total for e in self)

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0,
                     group_by_overload_name: bool = False) -> "EventList":
        """One row per name (per name and input shapes with ``group_by_input_shape``), first seen first."""
        rows: dict = {}
        for event in self:
            key = (event.key, str(event.input_shapes)) if group_by_input_shape else event.key
            row = rows.get(key)
            if row is None:
                row = rows[key] = FunctionEventAvg()
                if group_by_input_shape:
                    row.input_shapes = event.input_shapes
            row.add(event)
        return EventList(rows.values(), use_device=self._use_device)

    def total_average(self) -> FunctionEventAvg:
        total = FunctionEventAvg()
        for event in self:
            total.add(event)
        total.key = "Total"
        return total

    def table(self, sort_by=None, row_limit: int = 100, max_src_column_width: int = 75,
              max_name_column_width: int = 55, max_shapes_column_width: int = 80, header=None,
              top_level_events_only: bool = False, time_unit=None) -> str:
        """PyTorch's summary table: one row per event, sorted by an attribute (largest first)."""
        return _table(self, sort_by, row_limit, max_name_column_width, max_shapes_column_width, header,
                      top_level_events_only)

    def export_chrome_trace(self, path) -> None:
        """Write the events as Chrome's trace-event JSON ("X" complete events, times in µs)."""
        pid = os.getpid()
        trace = [{"ph": "M", "name": "process_name", "pid": pid, "tid": 0, "args": {"name": "python"}}]
        for event in self:
            if not isinstance(event, FunctionEvent):
                continue
            item = {"ph": "X", "cat": "user_annotation" if event.is_user_annotation else "cpu_op",
                    "name": event.name, "pid": pid, "tid": event.thread, "ts": round(event.start_us, 3),
                    "dur": round(event.cpu_time_total, 3), "args": {}}
            if event.input_shapes is not None:
                item["args"]["Input Dims"] = event.input_shapes
            trace.append(item)
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"schemaVersion": 1, "displayTimeUnit": "ms", "traceEvents": trace}, f)

    def __str__(self) -> str:
        return self.table()


def _table(events, sort_by, row_limit, name_width, shapes_width, header, top_level_only) -> str:
    if not events:
        return ""
    if top_level_only:
        events = [e for e in events if getattr(e, "cpu_parent", None) is None]
    total = sum(e.self_cpu_time_total for e in events)  # the percentages' base, as PyTorch's
    if sort_by is not None:
        attribute = sort_by.replace("cuda", "device").replace("xpu", "device")
        events = sorted(events, key=lambda e: getattr(e, attribute), reverse=True)
    if row_limit is not None and row_limit > 0:
        events = events[:row_limit]
    with_shapes = any(e.input_shapes for e in events)

    width = min(max(len(e.key) for e in events) + 4, name_width)
    headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg", "# of Calls"]
    widths = [width] + [12] * 6
    if with_shapes:
        headers.append("Input Shapes")
        widths.append(min(max(len(str(e.input_shapes)) for e in events) + 4, shapes_width))
    row_format = "".join("{:>" + str(w) + "}  " for w in widths)
    separator = "".join("-" * w + "  " for w in widths)
    lines = []
    if header is not None:
        line_length = sum(widths) + 2 * (len(widths) - 1)
        lines += ["=" * line_length, header, "=" * line_length]
    lines += [separator, row_format.format(*headers), separator]
    for e in events:
        name = e.key if len(e.key) < width else e.key[:width - 3] + "..."
        cells = [name, _share(e.self_cpu_time_total, total), _format_time(e.self_cpu_time_total),
                 _share(e.cpu_time_total, total), _format_time(e.cpu_time_total), _format_time(e.cpu_time),
                 e.count]
        if with_shapes:
            shapes = str(e.input_shapes)
            cells.append(shapes if len(shapes) < widths[-1] else shapes[:widths[-1] - 3] + "...")
        lines.append(row_format.format(*cells))
    lines.append(separator)
    lines.append(f"Self CPU time total: {_format_time(total)}")
    return "\n".join(lines) + "\n"


# --- the recorder ----------------------------------------------------------------------------------

_ACTIVE: list = [None]  # the open profile: one at a time, as PyTorch's per-thread profiler


class profile:  # noqa: N801 — PyTorch's name
    """Context manager that times every op run inside it (see the module docstring).

    After the block: ``function_events`` (an ``EventList``), ``key_averages()``, ``table()``,
    ``export_chrome_trace(path)``, ``total_average()``, ``self_cpu_time_total``; ``str(prof)`` is the
    table of every event.
    """

    def __init__(self, enabled: bool = True, *, use_cuda: bool = False, use_device=None,
                 record_shapes: bool = False, with_flops: bool = False, profile_memory: bool = False,
                 with_stack: bool = False, with_modules: bool = False, use_kineto: bool = False,
                 use_cpu: bool = True, experimental_config=None, acc_events: bool = False,
                 custom_trace_id_callback=None) -> None:
        self.enabled = enabled
        self.use_cuda = use_cuda
        self.use_device = use_device
        self.record_shapes = record_shapes
        self.with_flops = with_flops
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_modules = with_modules
        self.entered = False
        self.function_events = None
        self._events: list = []
        self._open: list = []   # the ranges open now, innermost last
        self._hook = self._time_op
        self._recording = False

    # entering and leaving
    def __enter__(self):
        if not self.enabled:
            return None
        if self.entered:
            raise RuntimeError("Profiler context manager is not reentrant")
        self.entered = True
        self._start()
        return self

    def __exit__(self, *exc) -> None:
        if self.enabled and self._recording:
            self._stop()

    def _start(self) -> None:
        """Begin recording: from here every op and backward node is timed."""
        if _ACTIVE[0] is not None:
            raise RuntimeError("Profiler is already enabled on this thread")
        self._events, self._open, self.function_events = [], [], None
        self._thread = threading.get_native_id()
        self._t0 = time.perf_counter_ns()
        self._recording = True
        _ACTIVE[0] = self
        set_op_profiler(self._hook)
        set_call_profiler(self._time_call)

    def _stop(self) -> None:
        """End recording; the events become ``function_events``."""
        set_op_profiler(None)
        set_call_profiler(None)
        _ACTIVE[0] = None
        self._recording = False
        now = self._now()
        for event in self._open:  # ranges left open (an exception, a record_function never closed)
            event.end_us = now
        self._open = []
        self.function_events = EventList(sorted(self._events, key=lambda e: (e.start_us, e.id)),
                                         use_device=self.use_device)

    # recording
    def _now(self) -> float:
        return (time.perf_counter_ns() - self._t0) / 1000.0

    def _begin(self, name: str, shapes=None, annotation: bool = False) -> FunctionEvent:
        event = FunctionEvent(len(self._events) + 1, name, self._thread, 0.0, input_shapes=shapes,
                              is_user_annotation=annotation)
        if self._open:
            event.cpu_parent = self._open[-1]
            self._open[-1].cpu_children.append(event)
        self._events.append(event)
        self._open.append(event)
        event.start_us = self._now()  # last: the bookkeeping above is not the op's time
        return event

    def _end(self, event: FunctionEvent) -> None:
        event.end_us = self._now()
        while self._open:  # close it, and anything left open inside it
            if self._open.pop() is event:
                break

    def _time_op(self, cls, args):
        """``Function.apply`` while profiling: the op between the open and the close of an event."""
        event = self._begin(aten_name(cls), [_shape_of(a) for a in args] if self.record_shapes else None)
        set_op_profiler(None)
        try:
            result = cls.apply(*args)
        finally:
            self._end(event)
            set_op_profiler(self._hook)
        if result.grad_fn is not None:  # the op recorded a node: time its backward too
            self._watch_node(result.grad_fn, result)
        return result

    def _time_call(self, name, run, args):
        """A factory or an in-place fill while profiling (``creation.profiled``): one event for the whole
        call; what it runs inside (an op's ``apply``, another factory) is part of it, not rows of its own,
        as PyTorch shows ``aten::normal_`` and not the kernel behind it."""
        event = self._begin(name, [_shape_of(a) for a in args] if self.record_shapes else None)
        target = args[0] if args and isinstance(args[0], Tensor) else None
        node_before = target.grad_fn if target is not None else None
        set_op_profiler(None)
        set_call_profiler(None)
        try:
            result = run()
        finally:
            self._end(event)
            set_op_profiler(self._hook)
            set_call_profiler(self._time_call)
        node = result.grad_fn if isinstance(result, Tensor) else None
        if node is not None and node is not node_before:  # an in-place op recorded a node
            self._watch_node(node, result)
        return result

    def _watch_node(self, node, output) -> None:
        """Time this node's backward when it runs (if this profile is still open then)."""
        name = node.name()
        shapes = [list(output.shape)] if self.record_shapes else None

        def started(grad_outputs):
            if self._recording:
                self._begin(_BACKWARD_PREFIX + name, [] if shapes is not None else None)
                self._begin(name, shapes)

        def finished(grad_inputs, grad_outputs):
            if self._recording:
                for want in (name, _BACKWARD_PREFIX + name):
                    if self._open and self._open[-1].name == want:
                        self._end(self._open[-1])

        node.register_prehook(started)
        node.register_hook(finished)

    # results
    def _events_or_error(self) -> EventList:
        if self.function_events is None:
            if self._recording:
                raise RuntimeError("Profiler didn't finish running")
            return EventList()
        return self.function_events

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0,
                     group_by_overload_name: bool = False) -> EventList:
        return self._events_or_error().key_averages(group_by_input_shape, group_by_stack_n,
                                                    group_by_overload_name)

    def table(self, sort_by=None, row_limit: int = 100, max_src_column_width: int = 75,
              max_name_column_width: int = 55, max_shapes_column_width: int = 80, header=None,
              top_level_events_only: bool = False) -> str:
        return self._events_or_error().table(sort_by, row_limit, max_src_column_width,
                                             max_name_column_width, max_shapes_column_width, header,
                                             top_level_events_only)

    def export_chrome_trace(self, path) -> None:
        self._events_or_error().export_chrome_trace(path)

    def total_average(self) -> FunctionEventAvg:
        return self._events_or_error().total_average()

    @property
    def self_cpu_time_total(self) -> float:
        return self._events_or_error().self_cpu_time_total

    def __str__(self) -> str:
        return str(self._events_or_error())


class record_function(contextlib.ContextDecorator):  # noqa: N801 — PyTorch's name
    """A labelled range in the open profile (a no-op without one); a context manager or a decorator."""

    def __init__(self, name: str, args=None) -> None:
        self.name = name
        self.args = args
        self._ranges: list = []  # (profile, event) per entry: a decorated function may recurse

    def __enter__(self):
        prof = _ACTIVE[0]
        self._ranges.append((prof, prof._begin(self.name, None, annotation=True) if prof else None))
        return self

    def __exit__(self, *exc) -> bool:
        prof, event = self._ranges.pop()
        if event is not None and prof._recording:
            prof._end(event)
        return False


class emit_nvtx(contextlib.nullcontext):  # noqa: N801 — PyTorch's name
    """Accepted for PyTorch compatibility: there are no NVTX ranges without CUDA."""

    def __init__(self, enabled: bool = True, record_shapes: bool = False) -> None:
        super().__init__()
