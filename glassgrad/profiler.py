"""glassgrad.profiler — as ``torch.profiler``: the newer face of the same recorder.

Part III, a tool beside the engine. ``profile`` here is ``glassgrad.autograd.profiler.profile`` (read that
module: how ops and backward nodes are timed, and which names they get) with ``torch.profiler``'s
arguments: ``activities`` (only ``ProfilerActivity.CPU`` records anything: glassgrad runs on the CPU),
``schedule`` + ``step()`` (record only the steps the schedule marks) and ``on_trace_ready`` (called with
the profiler each time a recorded span ends, as PyTorch does at ``RECORD_AND_SAVE`` and on exit):

    with glassgrad.profiler.profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        with glassgrad.profiler.record_function("model_inference"):
            model(inputs)
    print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=10))
"""

from __future__ import annotations

import enum
import gzip
import os
import socket
import time
import warnings

from glassgrad.autograd import profiler as _autograd_profiler
from glassgrad.autograd.profiler import EventList, record_function

__all__ = ["profile", "record_function", "ProfilerActivity", "ProfilerAction", "schedule",
           "tensorboard_trace_handler", "supported_activities", "EventList"]


class ProfilerActivity(enum.Enum):
    """What a profile watches; glassgrad has the CPU only, the others are accepted and record nothing."""

    CPU = 0
    XPU = 1
    MTIA = 2
    CUDA = 3
    HPU = 4
    PrivateUse1 = 5


class ProfilerAction(enum.Enum):
    """What a ``schedule`` says to do at a step."""

    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def supported_activities() -> set:
    return {ProfilerActivity.CPU}


def schedule(*, wait: int, warmup: int, active: int, repeat: int = 0, skip_first: int = 0,
             skip_first_wait: int = 0):
    """``step -> ProfilerAction``: after ``skip_first`` steps, cycles of ``wait`` idle steps, ``warmup``
    steps and ``active`` recorded ones (the last of which saves); ``repeat`` cycles, or for ever with 0.
    ``skip_first_wait`` skips the first cycle's wait."""
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError(
            f"Invalid profiler schedule arguments. Got wait={wait} (need >= 0), warmup={warmup} (need >= 0), "
            f"active={active} (need > 0), repeat={repeat} (need >= 0), skip_first={skip_first} (need >= 0).")
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results", stacklevel=2)
    cycle = wait + warmup + active

    def action(step: int) -> ProfilerAction:
        if step < 0:
            raise AssertionError(f"Step must be non-negative. Got {step}.")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait:
            step += wait
        if repeat > 0 and step / cycle >= repeat:
            return ProfilerAction.NONE
        at = step % cycle
        if at < wait:
            return ProfilerAction.NONE
        if at < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if at < cycle - 1 else ProfilerAction.RECORD_AND_SAVE

    return action


def _record_always(step: int) -> ProfilerAction:
    return ProfilerAction.RECORD


_RECORDING = (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)


class profile(_autograd_profiler.profile):  # noqa: N801 — PyTorch's name
    """``torch.profiler.profile``: the autograd profiler, driven by an optional schedule."""

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None, record_shapes: bool = False,
                 profile_memory: bool = False, with_stack: bool = False, with_flops: bool = False,
                 with_modules: bool = False, experimental_config=None, execution_trace_observer=None,
                 acc_events: bool = False, use_cuda=None, custom_trace_id_callback=None,
                 post_processing_timeout_s=None) -> None:
        activities = set(activities) if activities is not None else supported_activities()
        super().__init__(enabled=ProfilerActivity.CPU in activities, record_shapes=record_shapes,
                         with_flops=with_flops, profile_memory=profile_memory, with_stack=with_stack,
                         with_modules=with_modules)
        self.activities = activities
        self.schedule = schedule if schedule is not None else _record_always
        self.on_trace_ready = on_trace_ready
        self.step_num = 0
        self._action = ProfilerAction.NONE

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        self.step_num = 0
        self._action = self.schedule(0)
        if self.enabled and self._action in _RECORDING:
            self._start()

    def stop(self) -> None:
        if self._recording:
            self._stop()
            if self.on_trace_ready is not None:
                self.on_trace_ready(self)
        self._action = ProfilerAction.NONE

    def step(self) -> None:
        """Tell the profiler a step (an iteration) ended; the schedule decides what the next one does."""
        before = self._action
        self.step_num += 1
        self._action = self.schedule(self.step_num)
        if self._recording and (before == ProfilerAction.RECORD_AND_SAVE or self._action not in _RECORDING):
            self._stop()
            if self.on_trace_ready is not None:
                self.on_trace_ready(self)
        if self.enabled and not self._recording and self._action in _RECORDING:
            self._start()

    def events(self) -> EventList:
        return self.function_events


def tensorboard_trace_handler(dir_name: str, worker_name: str | None = None, use_gzip: bool = False):
    """An ``on_trace_ready`` that writes each recorded span as a Chrome trace file into ``dir_name``."""

    def handler(prof) -> None:
        os.makedirs(dir_name, exist_ok=True)
        worker = worker_name or f"{socket.gethostname()}_{os.getpid()}"
        path = os.path.join(dir_name, f"{worker}.{time.time_ns() // 1_000_000}.pt.trace.json")
        prof.export_chrome_trace(path)
        if use_gzip:
            with open(path, "rb") as f, gzip.open(path + ".gz", "wb") as out:
                out.write(f.read())
            os.remove(path)

    return handler
