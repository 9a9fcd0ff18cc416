"""Tensor engine vs PyTorch CPU, both at one thread: per-op overhead and a matmul-heavy step.

(a) tiny tensors: (x[2×16] @ W[16×16]).tanh().sum(), forward and backward — this measures the Python
    around each numpy call (PyTorch's per-op overhead is a few µs of C++ dispatch).
(b) 512×1024 @ 1024×1024 + relu, forward and backward, float32 — here the time is in BLAS.

Each number is the best of several timeit repeats (the minimum is the least disturbed run).
Goals (issue 13): (a) ≤ 0.45× PyTorch's time (issue 3 asked 0.6×), (b) ≤ 1.0×.
Run with ``python -m benchmarks tensor``.
"""

from __future__ import annotations

import os
import timeit

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

import glassgrad  # noqa: E402


def best(fns, number: int, repeat: int) -> list[float]:
    """Seconds per call of each function: the minimum over ``repeat`` rounds of ``number`` calls.

    The functions take turns within each round, so a slow spell on a busy machine hits all of them
    alike instead of whichever happened to be running."""
    for fn in fns:
        fn()  # warm up (first-call costs, BLAS buffers)
    times = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            times[i] = min(times[i], timeit.timeit(fn, number=number) / number)
    return times


def tiny_step(lib, x, w):
    def step():
        w.grad = None
        loss = (x @ w).tanh().sum()
        loss.backward()
    return step


def big_step(lib, x, w):
    def step():
        w.grad = None
        out = lib.relu(x @ w)
        out.backward(lib.ones_like(out))
    return step


def cases():
    rng = np.random.default_rng(0)
    xs, ws = rng.standard_normal((2, 16), dtype=np.float32), rng.standard_normal((16, 16), dtype=np.float32)
    xb = rng.standard_normal((512, 1024), dtype=np.float32)
    wb = (rng.standard_normal((1024, 1024), dtype=np.float32) / 32).astype(np.float32)
    out = {}
    for lib in (glassgrad, torch):
        tiny = tiny_step(lib, lib.tensor(xs), lib.tensor(ws, requires_grad=True))
        big = big_step(lib, lib.tensor(xb), lib.tensor(wb, requires_grad=True))
        out[lib.__name__] = (tiny, big)
    return out


def main() -> None:
    torch.set_num_threads(1)
    steps = cases()
    rows = [("tiny: 2x16 @ 16x16, tanh, sum; fwd+bwd", 0, 1000, 15, 0.45),
            ("big: 512x1024 @ 1024x1024 + relu; fwd+bwd", 1, 2, 10, 1.0)]
    print(f"numpy {np.__version__}, torch {torch.__version__} (threads: {torch.get_num_threads()})")
    print(f"{'case':44s} {'glassgrad':>12s} {'pytorch':>12s} {'ratio':>7s} {'goal':>6s}")
    for title, i, number, repeat, goal in rows:
        ours, theirs = best([steps["glassgrad"][i], steps["torch"][i]], number, repeat)
        unit, scale = ("µs", 1e6) if ours < 1e-3 else ("ms", 1e3)
        print(f"{title:44s} {ours * scale:9.1f} {unit} {theirs * scale:9.1f} {unit} "
              f"{ours / theirs:6.2f}x {'≤' + str(goal) + 'x':>6s}"
              f"{'  met' if ours / theirs <= goal else '  NOT met'}")


if __name__ == "__main__":
    main()
