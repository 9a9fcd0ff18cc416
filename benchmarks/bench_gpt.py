"""A small GPT block, glassgrad vs PyTorch (issue 13): forward + backward + AdamW step.

The model is the one from the "let's build GPT" lecture, cut to one block: token and position
Embedding, LayerNorm, causal self-attention (one fused qkv Linear, masked softmax), LayerNorm, a GELU
MLP (4× wide), a final LayerNorm, the head and cross-entropy. The model code is written once and takes
``lib`` (glassgrad or torch), so both sides run the very same operations, at one thread each.

Each row is the best of several rounds, the libraries taking turns within a round; wall time and CPU
time (``time.process_time``) are both reported, because on a busy shared machine wall time also
counts other people's work. The goal is glassgrad ≤ 1.0× PyTorch. Run with ``python -m benchmarks gpt``.

The *numpy floor* row is the same step written by hand in numpy (forward, backward and AdamW, no
graph, no checks, weights stored pre-transposed): what is left of glassgrad's time above it is
glassgrad's own overhead. It uses glassgrad's float32 normal CDF, embedding sum and row/column sums and
row max (ops/reduce.py), so it measures the engine around those kernels, not different kernels.
"""

from __future__ import annotations

import math
import os
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

import glassgrad  # noqa: E402
from glassgrad.nn._erf import normal_cdf  # noqa: E402
from glassgrad.nn.functional_shape import _sum_rows_by_index  # noqa: E402
from glassgrad.ops.reduce import _column_sum, _row_max, _row_sum  # noqa: E402

VOCAB, BLOCK, BATCH = 65, 64, 16


def make_model(lib, n_embd: int, n_head: int = 4):
    """The one-block GPT as a ``lib.nn.Module`` (the same source for glassgrad and torch)."""
    nn, F = lib.nn, lib.nn.functional

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(n_embd), nn.LayerNorm(n_embd)
            self.qkv, self.proj = nn.Linear(n_embd, 3 * n_embd), nn.Linear(n_embd, n_embd)
            self.fc, self.out = nn.Linear(n_embd, 4 * n_embd), nn.Linear(4 * n_embd, n_embd)
            self.gelu = nn.GELU()
            self.register_buffer("mask", lib.tril(lib.ones(BLOCK, BLOCK)) == 0)

        def attention(self, x):
            B, T, C = x.shape
            q, k, v = self.qkv(x).split(C, dim=2)
            q, k, v = (t.view(B, T, n_head, C // n_head).transpose(1, 2) for t in (q, k, v))
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(C // n_head))
            att = F.softmax(att.masked_fill(self.mask[:T, :T], float("-inf")), dim=-1)
            y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
            return self.proj(y)

        def forward(self, x):
            x = x + self.attention(self.ln1(x))
            return x + self.out(self.gelu(self.fc(self.ln2(x))))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok, self.pos = nn.Embedding(VOCAB, n_embd), nn.Embedding(BLOCK, n_embd)
            self.block, self.ln_f = Block(), nn.LayerNorm(n_embd)
            self.head = nn.Linear(n_embd, VOCAB)

        def forward(self, idx, targets):
            B, T = idx.shape
            x = self.tok(idx) + self.pos(lib.arange(T))
            logits = self.head(self.ln_f(self.block(x)))
            return F.cross_entropy(logits.view(B * T, VOCAB), targets.view(B * T))

    return GPT()


def train_step(lib, n_embd: int, seed: int = 0):
    """A closure doing one forward + backward + AdamW step on a fixed random batch."""
    lib.manual_seed(seed)
    model = make_model(lib, n_embd)
    opt = lib.optim.AdamW(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(seed)
    idx = lib.tensor(rng.integers(0, VOCAB, (BATCH, BLOCK)))
    targets = lib.tensor(rng.integers(0, VOCAB, (BATCH, BLOCK)))

    def step():
        opt.zero_grad(set_to_none=True)
        model(idx, targets).backward()
        opt.step()
    return step


# --- the numpy floor ------------------------------------------------------------------------------
def _ln(x, w, b, eps=1e-5):
    n = x.shape[-1]
    xc = x - _row_sum(x) / n
    rstd = 1.0 / np.sqrt(_row_sum(xc * xc) / n + eps)
    xhat = xc * rstd
    return xhat * w + b, (xhat, rstd, w)


def _ln_back(g, cache, grads, name):
    xhat, rstd, w = cache
    n = g.shape[-1]
    grads[name + ".weight"] = _column_sum((g * xhat).reshape(-1, n))
    grads[name + ".bias"] = _column_sum(g.reshape(-1, n))
    gx = g * w
    return rstd * (gx - _row_sum(gx) / n - xhat * (_row_sum(gx * xhat) / n))


def numpy_step(model, n_head: int = 4, seed: int = 0):
    """The same step as ``train_step`` by hand in numpy; weights copied from a glassgrad ``model``
    (Linear weights transposed once, so every product is ``x @ W``)."""
    P = {k: (v.numpy().T.copy() if v.ndim == 2 and not k.startswith(("tok", "pos")) else v.numpy().copy())
         for k, v in model.state_dict().items() if k != "block.mask"}
    mask = np.triu(np.ones((BLOCK, BLOCK), bool), 1)
    state = {k: (np.zeros_like(v), np.zeros_like(v)) for k, v in P.items()}
    rng = np.random.default_rng(seed)
    idx, targets = rng.integers(0, VOCAB, (BATCH, BLOCK)), rng.integers(0, VOCAB, (BATCH, BLOCK))
    B, T, C = BATCH, BLOCK, P["tok.weight"].shape[1]
    H, D, N = n_head, C // n_head, BATCH * BLOCK
    counter = [0]

    def forward_backward():
        G = {}
        x0 = P["tok.weight"][idx] + P["pos.weight"][:T]
        h1, c1 = _ln(x0, P["block.ln1.weight"], P["block.ln1.bias"])
        qkv = h1 @ P["block.qkv.weight"] + P["block.qkv.bias"]
        q, k, v = qkv.reshape(B, T, 3, H, D).transpose(2, 0, 3, 1, 4)
        att = (q @ k.swapaxes(-1, -2)) * (1.0 / math.sqrt(D))
        att[..., mask] = -np.inf
        att = np.exp(att - _row_max(att))
        att /= _row_sum(att)
        y = (att @ v).transpose(0, 2, 1, 3).reshape(B, T, C)
        x1 = x0 + y @ P["block.proj.weight"] + P["block.proj.bias"]
        h2, c2 = _ln(x1, P["block.ln2.weight"], P["block.ln2.bias"])
        f = h2 @ P["block.fc.weight"] + P["block.fc.bias"]
        cdf = normal_cdf(f)
        act = f * cdf
        x2 = x1 + act @ P["block.out.weight"] + P["block.out.bias"]
        h3, c3 = _ln(x2, P["ln_f.weight"], P["ln_f.bias"])
        logits = h3.reshape(N, C) @ P["head.weight"] + P["head.bias"]
        logits -= _row_max(logits)
        probs = np.exp(logits)
        probs /= _row_sum(probs)
        loss = -np.log(probs[np.arange(N), targets.reshape(-1)]).mean()
        # backward
        probs[np.arange(N), targets.reshape(-1)] -= 1
        probs /= N
        G["head.weight"], G["head.bias"] = h3.reshape(N, C).T @ probs, _column_sum(probs)
        dx2 = _ln_back((probs @ P["head.weight"].T).reshape(B, T, C), c3, G, "ln_f")
        G["block.out.weight"] = act.reshape(N, -1).T @ dx2.reshape(N, C)
        G["block.out.bias"] = _column_sum(dx2.reshape(N, C))
        df = (dx2 @ P["block.out.weight"].T) * (cdf + f * np.exp(-0.5 * f * f) * (1 / math.sqrt(2 * math.pi)))
        G["block.fc.weight"] = h2.reshape(N, C).T @ df.reshape(N, -1)
        G["block.fc.bias"] = _column_sum(df.reshape(N, -1))
        dx1 = dx2 + _ln_back(df @ P["block.fc.weight"].T, c2, G, "block.ln2")
        G["block.proj.weight"] = y.reshape(N, C).T @ dx1.reshape(N, C)
        G["block.proj.bias"] = _column_sum(dx1.reshape(N, C))
        dy = (dx1 @ P["block.proj.weight"].T).reshape(B, T, H, D).transpose(0, 2, 1, 3)
        datt, dv = dy @ v.swapaxes(-1, -2), att.swapaxes(-1, -2) @ dy
        ds = att * (datt - _row_sum(datt * att)) * (1.0 / math.sqrt(D))
        dq, dk = ds @ k, ds.swapaxes(-1, -2) @ q
        dqkv = np.stack([dq, dk, dv]).transpose(1, 3, 0, 2, 4).reshape(B, T, 3 * C)
        G["block.qkv.weight"] = h1.reshape(N, C).T @ dqkv.reshape(N, -1)
        G["block.qkv.bias"] = _column_sum(dqkv.reshape(N, -1))
        dx0 = dx1 + _ln_back(dqkv @ P["block.qkv.weight"].T, c1, G, "block.ln1")
        G["tok.weight"] = _sum_rows_by_index(idx.reshape(-1), dx0.reshape(N, C), VOCAB)
        G["pos.weight"] = dx0.sum(0)
        return loss, G

    def step(lr=1e-3, b1=0.9, b2=0.999, eps=1e-8, wd=1e-2):
        loss, G = forward_backward()
        counter[0] += 1
        c1, c2 = 1 - b1 ** counter[0], math.sqrt(1 - b2 ** counter[0])
        for k, p in P.items():
            g, (m, v) = G[k], state[k]
            p *= 1 - lr * wd
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            p -= (lr / c1) * m / (np.sqrt(v) / c2 + eps)
        return loss
    step.forward_backward = forward_backward
    return step


def best_wall_and_cpu(fns, number: int, repeat: int) -> list[tuple[float, float]]:
    """(wall, CPU) seconds per call of each function: minima over ``repeat`` rounds of ``number`` calls.

    As ``bench_tensor.best``, the functions take turns within each round, so a slow spell on a busy
    machine hits all of them alike; both clocks are read around the same calls."""
    for fn in fns:
        fn()  # warm up (first-call costs, BLAS buffers)
    times = [(float("inf"), float("inf"))] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            w0, c0 = time.perf_counter(), time.process_time()
            for _ in range(number):
                fn()
            wall, cpu = (time.perf_counter() - w0) / number, (time.process_time() - c0) / number
            times[i] = (min(times[i][0], wall), min(times[i][1], cpu))
    return times


def main(number: int = 5, repeat: int = 7) -> None:
    torch.set_num_threads(1)
    print(f"numpy {np.__version__}, torch {torch.__version__} (threads: {torch.get_num_threads()}); "
          f"best of {repeat} rounds of {number} steps")
    print(f"{'GPT block, batch 16, block 64; fwd+bwd+AdamW':46s} {'clock':>5s} {'glassgrad':>10s} "
          f"{'pytorch':>10s} {'ratio':>6s} {'goal':>5s}        {'numpy floor':>11s} {'ratio':>6s}")
    for n_embd in (64, 128):
        glassgrad.manual_seed(0)
        floor = numpy_step(make_model(glassgrad, n_embd))
        fns = [train_step(glassgrad, n_embd), train_step(torch, n_embd), floor]
        (gw, gc), (tw, tc), (fw, fc) = best_wall_and_cpu(fns, number, repeat)
        for clock, ours, theirs, bare in (("wall", gw, tw, fw), ("cpu", gc, tc, fc)):
            title = f"n_embd {n_embd}" if clock == "wall" else ""
            verdict = "  met    " if ours / theirs <= 1.0 else "  NOT met"
            print(f"{title:46s} {clock:>5s} {ours * 1e3:7.2f} ms {theirs * 1e3:7.2f} ms "
                  f"{ours / theirs:5.2f}x {'≤1.0x':>5s}{verdict} {bare * 1e3:8.2f} ms {bare / theirs:5.2f}x")


if __name__ == "__main__":
    main()
