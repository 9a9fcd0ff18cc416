"""Per-op overhead workloads (issue 13): glassgrad beside PyTorch and beside the *numpy floor*.

(a) chain: 200 elementwise ops on a 32×32 tensor, forward and backward. One round is
    ``h = (h * 1.5 + b).sigmoid() - 0.5`` (four ops: two with a Python-number operand, one with a
    broadcast-free tensor that needs a gradient, one activation); fifty rounds, then ``sum().backward()``.
(b) MLP 256-256-256-10, ReLU, batch 1, mean-squared error, then one plain SGD step: the per-layer
    Python around small matmuls, and the optimizer's update.

The *numpy floor* is the same forward and backward hand-written in numpy (no graph, no checks): the
gap between it and glassgrad is glassgrad's own overhead. Every number is the minimum over repeats of
alternating runs (wall clock: ``best`` from bench_tensor.py), with CPU time beside it, all at one
thread. Goal for (a): ≤ 0.8× PyTorch; for (b): ≤ 1.0×. Run with ``python -m benchmarks ops``.
"""

from __future__ import annotations

import os
import time
import timeit

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

import glassgrad  # noqa: E402
from benchmarks.bench_tensor import best  # noqa: E402

ROUNDS = 50  # four ops a round: 200 ops
WIDTH, OUT = 256, 10


# --- (a) the op chain -------------------------------------------------------------------------------
def chain_step(lib, x, b):
    def step():
        b.grad = None
        h = x
        for _ in range(ROUNDS):
            h = (h * 1.5 + b).sigmoid() - 0.5
        h.sum().backward()
    return step


def chain_floor(x, b):
    """The same forward and backward in numpy: what the arithmetic alone costs."""
    def step():
        h, saved = x, []
        for _ in range(ROUNDS):
            s = 1 / (1 + np.exp(-(h * 1.5 + b)))
            saved.append(s)
            h = s - 0.5
        g, grad_b = np.ones_like(h), np.zeros_like(b)
        for s in reversed(saved):
            g = g * s * (1 - s)
            grad_b += g
            g = g * 1.5
        return grad_b
    return step


# --- (b) MLP width 256, batch 1, SGD step ----------------------------------------------------------
def mlp_step(lib, x, y):
    lib.manual_seed(0)
    nn = lib.nn
    model = nn.Sequential(nn.Linear(WIDTH, WIDTH), nn.ReLU(), nn.Linear(WIDTH, WIDTH), nn.ReLU(),
                          nn.Linear(WIDTH, OUT))
    opt = lib.optim.SGD(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
    return step


def mlp_floor(x, y):
    rng = np.random.default_rng(0)
    sizes = [(WIDTH, WIDTH), (WIDTH, WIDTH), (WIDTH, OUT)]
    ws = [(rng.standard_normal(s, dtype=np.float32) / 16).astype(np.float32) for s in sizes]
    bs = [np.zeros(s[1], np.float32) for s in sizes]

    def step():
        acts, h = [x], x
        for i, (w, b) in enumerate(zip(ws, bs)):
            h = h @ w + b
            if i < 2:
                h = np.maximum(h, 0)
            acts.append(h)
        g = (2 / h.size) * (h - y)
        for i in (2, 1, 0):
            if i < 2:
                g = g * (acts[i + 1] > 0)
            # np.dot, not @: numpy's matmul with an inner dimension of 1 (batch 1) skips BLAS and is
            # ~9x slower for this 256x256 outer product (70 vs 8 µs)
            gw, gb = np.dot(acts[i].T, g), g.sum(0)
            g = g @ ws[i].T
            ws[i] -= 1e-3 * gw
            bs[i] -= 1e-3 * gb
    return step


def get_batch_step(lib, data):
    """The GPT lecture's get_batch, as written there: 0-d tensor indices slice a 1-d token tensor."""
    def step():
        ix = lib.randint(len(data) - 64, (16,))
        return lib.stack([data[i:i + 64] for i in ix]), lib.stack([data[i + 1:i + 65] for i in ix])
    return step


def get_batch_floor(data, rng):
    def step():
        ix = rng.integers(0, len(data) - 64, 16)
        return np.stack([data[i:i + 64] for i in ix]), np.stack([data[i + 1:i + 65] for i in ix])
    return step


def cpu_best(fns, number: int, repeat: int) -> list[float]:
    """``best`` measured in CPU time (this process's, so other processes' load does not count)."""
    times = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            times[i] = min(times[i], timeit.Timer(fn, timer=time.process_time).timeit(number) / number)
    return times


def cases() -> list[tuple]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 32), dtype=np.float32)
    b = rng.standard_normal((32, 32), dtype=np.float32) * 0.1
    xm = rng.standard_normal((1, WIDTH), dtype=np.float32)
    ym = rng.standard_normal((1, OUT), dtype=np.float32)
    chain = [chain_step(lib, lib.tensor(x), lib.tensor(b, requires_grad=True)) for lib in (glassgrad, torch)]
    mlp = [mlp_step(lib, lib.tensor(xm), lib.tensor(ym)) for lib in (glassgrad, torch)]
    tokens = rng.integers(0, 65, 100_000)
    batch = [get_batch_step(lib, lib.tensor(tokens)) for lib in (glassgrad, torch)]
    return [("chain: 200 elementwise ops on 32x32, fwd+bwd", [*chain, chain_floor(x, b.copy())], 20, 15, 0.8),
            ("MLP 256-256-256-10, batch 1, fwd+bwd+SGD step", [*mlp, mlp_floor(xm, ym)], 200, 15, 1.0),
            ("get_batch: 16 slices of 64 by 0-d tensor indices", [*batch, get_batch_floor(tokens, rng)], 100, 10,
             1.0)]


def main() -> None:
    torch.set_num_threads(1)
    print(f"numpy {np.__version__}, torch {torch.__version__} (threads: {torch.get_num_threads()})")
    print(f"{'case':48s} {'glassgrad':>10s} {'pytorch':>10s} {'numpy':>10s} {'ratio':>6s} {'floor':>6s}"
          f" {'cpu ratio':>9s} {'goal':>6s}")
    for title, fns, number, repeat, goal in cases():
        ours, theirs, floor = best(fns, number, repeat)
        cpu_ours, cpu_theirs, _ = cpu_best(fns, number, max(3, repeat // 3))
        ratio = ours / theirs
        print(f"{title:48s} {ours * 1e6:7.0f} µs {theirs * 1e6:7.0f} µs {floor * 1e6:7.0f} µs "
              f"{ratio:5.2f}x {floor / theirs:5.2f}x {cpu_ours / cpu_theirs:8.2f}x {'≤' + str(goal) + 'x':>6s}"
              f"{'  met' if ratio <= goal else '  NOT met'}")
    print("ratio = glassgrad ÷ PyTorch; floor = the numpy floor ÷ PyTorch (the best glassgrad could do "
          "without going below numpy)")


if __name__ == "__main__":
    main()
