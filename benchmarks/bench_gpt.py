"""A small GPT block, glassgrad vs PyTorch (issue 13): forward + backward + AdamW step.

The model is the one from the "let's build GPT" lecture, cut to one block: token and position
Embedding, LayerNorm, causal self-attention (one fused qkv Linear, masked softmax), LayerNorm, a GELU
MLP (4× wide), a final LayerNorm, the head and cross-entropy. The model code is written once and takes
``lib`` (glassgrad or torch), so both sides run the very same operations, at one thread each.

Each row is the best of several rounds, the libraries taking turns within a round; wall time and CPU
time (``time.process_time``) are both reported, because on a busy shared machine wall time also
counts other people's work. The goal is glassgrad ≤ 1.0× PyTorch. Run with ``python -m benchmarks gpt``.
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
          f"{'pytorch':>10s} {'ratio':>6s} {'goal':>5s}")
    for n_embd in (64, 128):
        fns = [train_step(glassgrad, n_embd), train_step(torch, n_embd)]
        (gw, gc), (tw, tc) = best_wall_and_cpu(fns, number, repeat)
        for clock, ours, theirs in (("wall", gw, tw), ("cpu", gc, tc)):
            title = f"n_embd {n_embd}" if clock == "wall" else ""
            print(f"{title:46s} {clock:>5s} {ours * 1e3:7.2f} ms {theirs * 1e3:7.2f} ms "
                  f"{ours / theirs:5.2f}x {'≤1.0x':>5s}{'  met' if ours / theirs <= 1.0 else '  NOT met'}")


if __name__ == "__main__":
    main()
