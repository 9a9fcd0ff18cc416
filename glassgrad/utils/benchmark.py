"""``glassgrad.utils.benchmark`` — timing a statement, as ``torch.utils.benchmark`` (``Timer``, ``Measurement``).

Part III, utils. ``Timer(stmt, setup, globals=...)`` runs the statement with Python's own ``timeit``
(the same compile-and-run of the program's own statement text that PyTorch's Timer does);
``timeit(number)`` gives one measurement of ``number`` runs, ``blocked_autorange`` repeats blocks of
runs until ``min_run_time`` seconds have passed. A ``Measurement`` holds the seconds per run of each
block: ``mean``, ``median``, ``times``.
"""

from __future__ import annotations

import statistics
import time
import timeit as _timeit

__all__ = ["Measurement", "Timer"]


def _seconds(s: float) -> str:
    """259.40 ns, 2.52 ms ... as PyTorch prints a duration."""
    for unit, scale in (("ns", 1e-9), ("us", 1e-6), ("ms", 1e-3)):
        if s < scale * 1000:
            return f"{s / scale:.2f} {unit}"
    return f"{s:.2f} s"


class Measurement:
    """The result of a Timer: seconds per run of each block of ``number_per_run`` runs."""

    def __init__(self, number_per_run: int, raw_times: list, stmt: str, setup: str = "pass",
                 label=None, sub_label=None, description=None, num_threads: int = 1):
        self.number_per_run, self.raw_times = number_per_run, list(raw_times)
        self.stmt, self.setup, self.label, self.sub_label = stmt, setup, label, sub_label
        self.description, self.num_threads = description, num_threads

    @property
    def times(self) -> list:
        return [t / self.number_per_run for t in self.raw_times]

    @property
    def mean(self) -> float:
        return statistics.mean(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def iqr(self) -> float:
        if len(self.times) < 2:
            return 0.0
        q = statistics.quantiles(self.times, n=4)
        return q[2] - q[0]

    def __repr__(self) -> str:
        lines = [f"<torch.utils.benchmark.utils.common.Measurement object at {hex(id(self))}>"]
        if self.label is not None:  # the label, then the description if any (not the statement)
            lines.append(f"{self.label}: {self.sub_label}" if self.sub_label is not None else self.label)
            if self.description is not None:
                lines.append(self.description)
        else:
            lines.append(self.description if self.description is not None else self.stmt)
        if self.setup != "pass":
            lines.append(f"setup: {self.setup}")
        threads = f"{self.num_threads} thread" + ("s" if self.num_threads != 1 else "")
        if len(self.raw_times) == 1:
            lines += [f"  {_seconds(self.mean)}", f"  1 measurement, {self.number_per_run} runs , {threads}"]
        else:
            q = statistics.quantiles(self.times, n=4)
            lines += [f"  Median: {_seconds(self.median)}",
                      f"  IQR:    {_seconds(q[2] - q[0])} ({_seconds(q[0])} to {_seconds(q[2])})",
                      f"  {len(self.raw_times)} measurements, {self.number_per_run} runs per measurement, {threads}"]
        return "\n".join(lines)


class Timer:
    """Times ``stmt`` (Python source, run with ``globals``) after running ``setup`` once."""

    def __init__(self, stmt: str = "pass", setup: str = "pass", global_setup: str = "", timer=time.perf_counter,
                 globals=None, label=None, sub_label=None, description=None, env=None,  # noqa: A002
                 num_threads: int = 1, language="python"):
        if str(getattr(language, "name", language)).lower() != "python":
            raise ValueError("glassgrad's Timer times Python statements only (language='python')")
        self._timer = _timeit.Timer(stmt=stmt, setup=setup, timer=timer, globals=dict(globals or {}))
        self._describe = dict(stmt=stmt, setup=setup, label=label, sub_label=sub_label,
                              description=description, num_threads=num_threads)

    def timeit(self, number: int = 1000000) -> Measurement:
        """One block of ``number`` runs, after max(number // 100, 2) warm-up runs (as PyTorch)."""
        self._timer.timeit(max(number // 100, 2))
        return Measurement(number, [self._timer.timeit(number)], **self._describe)

    def blocked_autorange(self, callback=None, min_run_time: float = 0.2) -> Measurement:
        """Blocks of runs (each at least 0.1 s, or one run) until ``min_run_time`` seconds have passed."""
        number = 1
        while True:  # find a block size that takes about 0.1 s, as timeit.autorange does
            took = self._timer.timeit(number)
            if took >= 0.1 or took * 10 >= min_run_time:
                break
            number *= 10
        times, total = [took], took
        while total < min_run_time:
            took = self._timer.timeit(number)
            if callback is not None:
                callback(number, took)
            times.append(took)
            total += took
        return Measurement(number, times, **self._describe)

    def adaptive_autorange(self, threshold: float = 0.1, *, min_run_time: float = 0.01, max_run_time: float = 10.0,
                           callback=None) -> Measurement:
        """As ``blocked_autorange`` here (PyTorch stops early once the spread is below ``threshold``)."""
        return self.blocked_autorange(callback, min_run_time=max(min_run_time, 0.2))
