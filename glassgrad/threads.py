"""Threads: ``set_num_threads`` / ``get_num_threads``, as ``torch.set_num_threads`` / ``torch.get_num_threads``.

Part III, read any time after ``tensor.py``; it imports nothing from glassgrad. The only work glassgrad
runs on several threads is numpy's: its BLAS library (OpenBLAS, or MKL) splits a large matmul — and so
``Linear``, the convolutions' im2col products, attention — over a pool of threads. These two functions
read and set the size of that pool through threadpoolctl, a small well-kept library that finds the BLAS
libraries loaded into the process and calls each one's own ``set_num_threads``.

On small work one thread is faster: waking the other threads for a matmul of a teaching-sized model
costs more than they save, and on a busy machine far more (``python -m benchmarks threads``: the CNN
step of bench_cnn took 13× as long at numpy's default of every CPU as at one thread, on 2 shared CPUs).
So glassgrad's default policy is **one BLAS thread unless you chose a number**: importing glassgrad
with none of OPENBLAS_NUM_THREADS, MKL_NUM_THREADS, OMP_NUM_THREADS set limits numpy's BLAS to one
thread. For big matmuls on a quiet machine ask for more: ``set_num_threads(n)``, or export one of those
variables (then glassgrad leaves the pool as BLAS made it). Without threadpoolctl glassgrad cannot
reach the pool, and numpy's own default (every CPU) stays. ``set_num_threads(1)`` does from Python
what exporting ``OPENBLAS_NUM_THREADS=1`` before starting Python does.

threadpoolctl is optional (numpy is glassgrad's only hard dependency; ``pip install glassgrad[threads]``).
Without it ``get_num_threads`` still answers — from the same environment variables BLAS reads, else
the number of CPUs — and ``set_num_threads`` says what to install.
"""

from __future__ import annotations

import numbers
import os

import numpy as np  # noqa: F401 (loads the BLAS library whose pool the default policy limits)

try:
    import threadpoolctl
except ImportError:  # the optional `threads` extra
    threadpoolctl = None

__all__ = ["set_num_threads", "get_num_threads"]

# What OpenBLAS and MKL read at start-up (the first one set wins, as in OpenBLAS).
_ENVIRONMENT = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")


def set_num_threads(n: int) -> None:
    """Use ``n`` threads for the BLAS work under matmul, linear layers and convolutions.

    As in PyTorch, call it before the work it should affect; ``n`` must be a positive int."""
    if not isinstance(n, numbers.Integral) or isinstance(n, bool):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    if threadpoolctl is None:
        raise ModuleNotFoundError(
            "glassgrad.set_num_threads needs threadpoolctl to reach numpy's BLAS thread pool: "
            "pip install threadpoolctl (or glassgrad[threads]), or set OPENBLAS_NUM_THREADS / "
            "OMP_NUM_THREADS before starting Python")
    threadpoolctl.threadpool_limits(limits=int(n), user_api="blas")  # stays in force (no `with`)


def get_num_threads() -> int:
    """The number of threads the BLAS work uses: the largest BLAS pool in the process."""
    if threadpoolctl is not None:
        pools = [p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
        if pools:
            return max(pools)
    return _default_num_threads()


def _apply_default_policy() -> None:
    """One BLAS thread when the user set no thread count (the module docstring says why)."""
    if threadpoolctl is None or any(os.environ.get(name, "").strip() for name in _ENVIRONMENT):
        return
    threadpoolctl.threadpool_limits(limits=1, user_api="blas")


def _default_num_threads() -> int:
    """What BLAS would start with: the first thread-count variable that is set, else every CPU."""
    for name in _ENVIRONMENT:
        value = os.environ.get(name, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    return os.cpu_count() or 1


_apply_default_policy()
