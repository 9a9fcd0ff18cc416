"""Lesson 15 — attention: one head from scratch, then trained, its weights drawn as heatmaps.

In lessons 12–13 a fixed window of 3 characters was squashed into one vector. Attention lets each
position decide, from the data, which earlier positions to read. For a sequence x of T vectors (T × C):

    q = x @ Wq,  k = x @ Wk,  v = x @ Wv                  queries, keys, values, each (T × hs)
    scores = q @ kᵀ / √hs                                  (T × T): how well query i matches key j
    scores[i, j] = −∞ for j > i                            the causal mask: no peeking at the future
    w = softmax(scores, dim=−1)                            each row a distribution over keys 0 … i
    out = w @ v                                            each position: a weighted mean of values

Dividing by √hs keeps the scores at std ≈ 1 when q and k have std 1: without it softmax sharpens
towards one-hot as hs grows. With all scores equal, w is the causal *running mean*: row i is 1/(i+1)
on keys 0 … i.

Then a head learns: sequences of random digits, and at each position the target is the digit one place
back. Nothing in the data says "look one back" — the head must find it, from position embeddings, and
``explain.attention`` draws what it found: the weight on key i − 1 for each query i.

Run: python examples/lessons/15_attention.py [--quick] [--out DIR]
"""

from __future__ import annotations

import math
import os

import glassgrad as torch
import glassgrad.nn.functional as F
from glassgrad import nn
from glassgrad.explain.attention import attention

from _lesson import run, table

SEED, T, C, HEAD = 1337, 6, 8, 4
VOCAB, BLOCK, EMBED = 10, 8, 16


def causal_weights(q, k):
    """softmax(q kᵀ / √hs) with the future masked out: (…, T, T), every row summing to 1."""
    size = q.shape[-2]
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    future = torch.tril(torch.ones(size, size)) == 0
    return F.softmax(scores.masked_fill(future, float("-inf")), dim=-1)


class Head(nn.Module):
    """One head of causal self-attention over token + position embeddings, and a linear read-out."""

    def __init__(self, vocab, block, embed, head):
        super().__init__()
        self.tokens = nn.Embedding(vocab, embed)
        self.positions = nn.Embedding(block, embed)
        self.query = nn.Linear(embed, head, bias=False)
        self.key = nn.Linear(embed, head, bias=False)
        self.value = nn.Linear(embed, head, bias=False)
        self.out = nn.Linear(head, vocab)

    def forward(self, idx):
        x = self.tokens(idx) + self.positions(torch.arange(idx.shape[1]))   # (B, T, embed)
        self.weights = causal_weights(self.query(x), self.key(x))          # kept for the picture
        return self.out(self.weights @ self.value(x))                      # (B, T, vocab)


def main(quick: bool = False, out=None) -> dict:
    # --- 1. the mechanics, on one tiny sequence -----------------------------------------------------
    torch.manual_seed(SEED)
    x = torch.randn(T, C)
    Wq, Wk, Wv = (torch.randn(C, HEAD) / math.sqrt(C) for _ in range(3))   # q, k, v of std ≈ 1
    q, k, v = x @ Wq, x @ Wk, x @ Wv
    w = causal_weights(q, k)
    mixed = w @ v
    print(f"x: {T} positions × {C} channels; one head of size {HEAD}")
    print("attention weights w = softmax(q kᵀ/√hs, masked): row i = query i, column j = key j")
    print(table(["query", *(f"key {j}" for j in range(T))], [(i, *w[i].tolist()) for i in range(T)],
                ["d", *([".3f"] * T)]))
    library = F.scaled_dot_product_attention(q[None], k[None], v[None], is_causal=True)[0]
    gap = (library - mixed).abs().max().item()
    print(f"row sums {[round(s, 6) for s in w.sum(1).tolist()]}; "
          f"F.scaled_dot_product_attention(is_causal=True) differs by {gap:.1e}")
    uniform = causal_weights(torch.zeros(T, HEAD), torch.zeros(T, HEAD))
    running = torch.stack([x[:i + 1].mean(0) for i in range(T)])
    mean_gap = (uniform @ x - running).abs().max().item()
    print(f"equal scores give the running mean: |w @ x − mean(x[:i+1])| ≤ {mean_gap:.1e}")
    raw, scaled = q @ k.T, q @ k.T / math.sqrt(HEAD)
    print(f"std of q·k: {raw.std().item():.2f} unscaled, {scaled.std().item():.2f} divided by √{HEAD}")

    # --- 2. a head learns to look one step back -----------------------------------------------------
    steps = 300 if quick else 1500
    torch.manual_seed(SEED)
    model = Head(VOCAB, BLOCK, EMBED, 16)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    generator = torch.Generator().manual_seed(SEED)
    rows = []
    for step in range(steps):
        idx = torch.randint(0, VOCAB, (32, BLOCK), generator=generator)
        logits = model(idx)
        # position 0 has nothing behind it: the targets start at position 1
        loss = F.cross_entropy(logits[:, 1:].reshape(-1, VOCAB), idx[:, :-1].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % (steps // 5) == 0 or step == steps - 1:
            rows.append((step, loss.item()))
    print(table(["step", "loss"], rows, ["d", ".4f"]))
    model.eval()
    with torch.no_grad():
        test = torch.randint(0, VOCAB, (256, BLOCK), generator=generator)
        guess = model(test)[:, 1:].argmax(-1)
        accuracy = (guess == test[:, :-1]).float().mean().item()
        learned = model.weights.mean(0)                          # averaged over the 256 sequences
    back = torch.stack([learned[i, i - 1] for i in range(1, BLOCK)])
    print(f"accuracy of 'the digit one back' on 256 new sequences: {accuracy:.3f} (chance: {1 / VOCAB:.1f})")
    print(f"weight on key i − 1, per query i = 1 … {BLOCK - 1}: {[round(b, 3) for b in back.tolist()]}")
    picture = attention(torch.stack([w, uniform]), tokens=[str(i) for i in range(T)], title=["random q, k", "equal scores: the running mean"])
    trained = attention(learned, tokens=[f"t{i}" for i in range(BLOCK)], title="learned: one back")
    print(f"explain.attention: strongest key per query {trained.strongest[0].tolist()}; "
          f"entropy of query {BLOCK - 1}: {trained.entropy[0, -1]:.3f} nats (uniform: ln {BLOCK} = {math.log(BLOCK):.3f})")
    if out is not None:
        for a, name in ((picture, "15_attention_mechanics.png"), (trained, "15_attention_learned.png")):
            try:
                print(f"(picture: {a.save(os.path.join(out, name))})")
            except ImportError:
                break
    return {"weights": w.numpy(), "q": q.numpy(), "k": k.numpy(), "v": v.numpy(), "mixed": mixed.numpy(),
            "library_gap": gap, "mean_gap": mean_gap, "raw_std": raw.std().item(),
            "scaled_std": scaled.std().item(), "losses": [r[1] for r in rows], "accuracy": accuracy,
            "back": back.tolist(), "learned": learned.numpy(), "strongest": trained.strongest[0].tolist(),
            "entropy_last": float(trained.entropy[0, -1]), "steps": steps}


if __name__ == "__main__":
    run(main, __doc__)
