"""An LSTM training step of issue 13: glassgrad vs PyTorch CPU vs a hand-written numpy floor, one thread.

Model: nn.LSTM(32, 128) over a sequence of 32 steps, batch 16, then the last output through
nn.Linear(128, 10) and cross_entropy; one step = forward, backward (through time) and Adam.
The numpy floor does the same step with no autograd at all: the LSTM forward and its backward through
time written out by hand (numpy_lstm_step below, the textbook loops), and the same Adam update.
glassgrad's LSTM layer is one node whose numpy is a tuned form of those loops (nn/rnn.py, LSTMLayer),
so glassgrad can come in at or under this floor; the rest is the matmuls, which numpy's BLAS sets.

Time: the three take turns in one process (bench_cnn.best_wall_cpu); the best of several rounds as wall
time and as CPU time (process_time, less sensitive to a busy machine). Goal: glassgrad ≤ 1.0× PyTorch.
Run with ``python -m benchmarks lstm``.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

import glassgrad  # noqa: E402
from benchmarks.bench_cnn import best_wall_cpu  # noqa: E402

INPUT, HIDDEN, STEPS, BATCH, CLASSES = 32, 128, 32, 16, 10


def make_step(lib):
    """One training step of LSTM → Linear → cross_entropy on a fixed batch (same data for every library)."""
    nn, F = lib.nn, lib.nn.functional
    lib.manual_seed(0)
    lstm, head = nn.LSTM(INPUT, HIDDEN), nn.Linear(HIDDEN, CLASSES)
    opt = lib.optim.Adam(list(lstm.parameters()) + list(head.parameters()), lr=1e-3)
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((STEPS, BATCH, INPUT), dtype=np.float32))
    y = lib.tensor(rng.integers(0, CLASSES, BATCH), dtype=lib.long)

    def step():
        opt.zero_grad()
        out, _ = lstm(x)
        F.cross_entropy(head(out[-1]), y).backward()
        opt.step()
    return step


def _sigmoid(z):
    return 0.5 + 0.5 * np.tanh(0.5 * z)


def numpy_lstm_step():
    """The same step in plain numpy: forward through time, backward through time, Adam."""
    rng = np.random.default_rng(0)
    s = 1 / np.sqrt(HIDDEN)
    shapes = [(4 * HIDDEN, INPUT), (4 * HIDDEN, HIDDEN), (4 * HIDDEN,), (4 * HIDDEN,), (CLASSES, HIDDEN),
              (CLASSES,)]
    params = [rng.uniform(-s, s, shape).astype(np.float32) for shape in shapes]
    moments = [[np.zeros_like(p), np.zeros_like(p)] for p in params]
    x = rng.standard_normal((STEPS, BATCH, INPUT), dtype=np.float32)
    y = rng.integers(0, CLASSES, BATCH)
    count = [0]
    H = HIDDEN

    def step():
        w_ih, w_hh, b_ih, b_hh, w_out, b_out = params
        # forward
        xw = (x.reshape(-1, INPUT) @ w_ih.T + (b_ih + b_hh)).reshape(STEPS, BATCH, 4 * H)
        hs = np.zeros((STEPS + 1, BATCH, H), np.float32)
        cs = np.zeros((STEPS + 1, BATCH, H), np.float32)
        gates = np.empty((STEPS, BATCH, 4 * H), np.float32)
        for t in range(STEPS):
            z = xw[t] + hs[t] @ w_hh.T
            z[:, :2 * H] = _sigmoid(z[:, :2 * H])
            z[:, 2 * H:3 * H] = np.tanh(z[:, 2 * H:3 * H])
            z[:, 3 * H:] = _sigmoid(z[:, 3 * H:])
            gates[t] = z
            i, f, g, o = z[:, :H], z[:, H:2 * H], z[:, 2 * H:3 * H], z[:, 3 * H:]
            cs[t + 1] = f * cs[t] + i * g
            hs[t + 1] = o * np.tanh(cs[t + 1])
        logits = hs[-1] @ w_out.T + b_out
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        # backward
        dlogits = p
        dlogits[np.arange(BATCH), y] -= 1
        dlogits /= BATCH
        grads = [None] * 6
        grads[4], grads[5] = dlogits.T @ hs[-1], dlogits.sum(0)
        dh, dc = dlogits @ w_out, np.zeros((BATCH, H), np.float32)
        dz = np.empty_like(gates)
        for t in range(STEPS - 1, -1, -1):
            z = gates[t]
            i, f, g, o = z[:, :H], z[:, H:2 * H], z[:, 2 * H:3 * H], z[:, 3 * H:]
            tc = np.tanh(cs[t + 1])
            dc = dc + dh * o * (1 - tc * tc)
            d = dz[t]
            d[:, :H] = dc * g * i * (1 - i)
            d[:, H:2 * H] = dc * cs[t] * f * (1 - f)
            d[:, 2 * H:3 * H] = dc * i * (1 - g * g)
            d[:, 3 * H:] = dh * tc * o * (1 - o)
            dc = dc * f
            dh = d @ w_hh
        dz2 = dz.reshape(-1, 4 * H)
        grads[0] = dz2.T @ x.reshape(-1, INPUT)
        grads[1] = dz2.T @ hs[:-1].reshape(-1, H)
        grads[2] = grads[3] = dz2.sum(0)
        # Adam
        count[0] += 1
        b1, b2, lr, eps = 0.9, 0.999, 1e-3, 1e-8
        for p_, g_, (m, v) in zip(params, grads, moments):
            m *= b1
            m += (1 - b1) * g_
            v *= b2
            v += (1 - b2) * g_ * g_
            p_ -= lr / (1 - b1 ** count[0]) * m / (np.sqrt(v / (1 - b2 ** count[0])) + eps)
    return step


def main() -> None:
    torch.set_num_threads(1)
    print(f"LSTM({INPUT}, {HIDDEN}), seq {STEPS}, batch {BATCH}, + Linear + cross_entropy, Adam; "
          f"torch threads: {torch.get_num_threads()}")
    steps = [make_step(glassgrad), make_step(torch), numpy_lstm_step()]
    (gw, gc), (tw, tc), (nw, nc) = best_wall_cpu(steps, 15)
    print(f"{'':10s} {'glassgrad ms':>13s} {'pytorch ms':>11s} {'numpy ms':>9s} {'ratio':>6s}   goal ≤ 1.0")
    for what, g, t, n in (("wall", gw, tw, nw), ("cpu", gc, tc, nc)):
        print(f"{what:10s} {g * 1e3:13.2f} {t * 1e3:11.2f} {n * 1e3:9.2f} {g / t:5.2f}x   "
              f"{'met' if g <= t else 'NOT met'}", flush=True)
