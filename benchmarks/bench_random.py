"""Random numbers vs PyTorch CPU, both at one thread: the same numbers, how fast.

glassgrad draws PyTorch's own stream (mt19937 and PyTorch's recipes, issue 12), so both sides below
produce identical tensors; this measures what reproducing them costs.

(a) ``randn(10**6)``, float32: PyTorch's AVX2 block kernel; glassgrad replays it with a compiled kernel
    when numba is installed (``glassgrad[fast]``, in the dev and all extras), else in numpy.
(b) ``rand(10**6)``, float32: one masked 32-bit word per number.
(c) ``randn(10**6)``, float64: double Box–Muller through the C library's log/sin/cos (compiled by numba,
    else one Python ``math`` call per value).
(d) ``randperm(10**5)``: Fisher–Yates, one swap per element.

Goal (issue 12): (a) ≤ 2× PyTorch's time. Run with ``python -m benchmarks random``.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import torch  # noqa: E402

import glassgrad  # noqa: E402
from glassgrad import normal_kernels  # noqa: E402
from benchmarks.bench_tensor import best  # noqa: E402

ROWS = [  # title, call, number, repeat, goal (None: measured, no goal)
    ("randn(10**6) float32", lambda lib: lib.randn(10 ** 6), 20, 10, 2.0),
    ("rand(10**6) float32", lambda lib: lib.rand(10 ** 6), 20, 10, None),
    ("randn(10**6) float64", lambda lib: lib.randn(10 ** 6, dtype=lib.float64), 2, 5, None),
    ("randperm(10**5)", lambda lib: lib.randperm(10 ** 5), 5, 5, None),
]


def main() -> None:
    torch.set_num_threads(1)
    kernel = "numba kernel" if normal_kernels.compiled_box_muller() is not None else "numpy replay"
    print(f"float32 normals by: {kernel}")
    print(f"{'case':28s} {'glassgrad':>11s} {'pytorch':>11s} {'ratio':>7s} {'goal':>6s}")
    for title, call, number, repeat, goal in ROWS:
        glassgrad.manual_seed(0)
        torch.manual_seed(0)
        same = bool((call(glassgrad).numpy() == call(torch).numpy()).all())
        ours, theirs = best([lambda: call(glassgrad), lambda: call(torch)], number, repeat)
        verdict = "" if goal is None else ("  met" if ours / theirs <= goal else "  NOT met")
        print(f"{title:28s} {ours * 1e3:8.2f} ms {theirs * 1e3:8.2f} ms {ours / theirs:6.2f}x "
              f"{('≤' + str(goal) + 'x') if goal else '':>6s}{verdict}   same numbers: {same}")


if __name__ == "__main__":
    main()
