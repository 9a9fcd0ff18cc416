"""Lesson 14 — backprop by hand, in tensors: lesson 13's network, every gradient written out.

Lesson 8 did this for a Dense layer with numpy; here the whole embedding → Linear → batch norm → tanh →
Linear → cross-entropy network of lessons 12–13 is broken into its smallest steps, and ∂loss/∂(each step)
is written by hand, from the loss back to the embedding table. Each hand-written gradient is compared
with the one autograd computed (``retain_grad()`` keeps them on the intermediate tensors).

The rules used, over and over (n = batch size, all in float64 so "equal" can mean 1e-15):

- a sum broadcast forward (b of shape (1, k) added to n rows) gets the gradient *summed* back: sum(0)
- ``y = a @ B``:  da = dy @ Bᵀ,  dB = aᵀ @ dy   (lesson 8)
- ``y = x.sum(1, keepdim=True)``: dx = dy broadcast back to every column
- ``y = tanh(x)``: dx = (1 − y²) · dy;  ``y = exp(x)``: dx = y · dy;  ``y = log(x)``: dx = dy / x
- a lookup ``emb = C[X]``: dC[c] = the sum of demb over every place character c was looked up

Then the two *fused* backwards that deep-learning libraries use, each derived on paper and checked:

    cross-entropy:  dlogits = (softmax(logits) − one_hot(y)) / n
    batch norm:     dx = γ / (n·σ) · (n·dy − Σ dy − n/(n−1) · x̂ · Σ(dy·x̂))

where σ = √(var + ε) with Bessel's var (1/(n−1)), x̂ the normalised input, γ the gain, sums over the
batch. Finally the network trains with these hand-written gradients alone — no ``backward()``.

Run: python examples/lessons/14_backprop_by_hand.py [--quick] [--out DIR]
"""

from __future__ import annotations

import random

import glassgrad as torch
import glassgrad.nn.functional as F

from _lesson import run, table
from _names import contexts, load_names

SEED, BLOCK, EMBED, HIDDEN, BATCH = 2147483647, 3, 10, 64, 32


def build_dataset(words, stoi):
    """X: each position's previous BLOCK characters (padded with "."); Y: the character that follows."""
    X, Y = contexts(words, stoi, BLOCK)
    return torch.tensor(X), torch.tensor(Y)


def new_parameters(generator):
    """Small random values everywhere, biases too, so that a wrong gradient cannot hide behind a zero."""
    def draw(*shape, scale):
        return torch.randn(shape, generator=generator, dtype=torch.float64) * scale

    fan_in = BLOCK * EMBED
    params = {"C": draw(27, EMBED, scale=1.0),
              "W1": draw(fan_in, HIDDEN, scale=(5 / 3) / fan_in ** 0.5), "b1": draw(HIDDEN, scale=0.1),
              "W2": draw(HIDDEN, 27, scale=0.1), "b2": draw(27, scale=0.1),
              "bngain": 1.0 + draw(1, HIDDEN, scale=0.1), "bnbias": draw(1, HIDDEN, scale=0.1)}
    for p in params.values():
        p.requires_grad = True
    return params


def forward(p, Xb, Yb):
    """The network in its smallest steps; returns every intermediate by name (the loss last)."""
    n = Xb.shape[0]
    t = {}
    t["emb"] = p["C"][Xb]                                       # (n, 3, 10)
    t["embcat"] = t["emb"].view(n, -1)                          # (n, 30)
    t["hprebn"] = t["embcat"] @ p["W1"] + p["b1"]               # (n, 64)
    t["bnmeani"] = t["hprebn"].sum(0, keepdim=True) / n
    t["bndiff"] = t["hprebn"] - t["bnmeani"]
    t["bndiff2"] = t["bndiff"] ** 2
    t["bnvar"] = t["bndiff2"].sum(0, keepdim=True) / (n - 1)    # Bessel's correction
    t["bnvar_inv"] = (t["bnvar"] + 1e-5) ** -0.5
    t["bnraw"] = t["bndiff"] * t["bnvar_inv"]
    t["hpreact"] = p["bngain"] * t["bnraw"] + p["bnbias"]
    t["h"] = torch.tanh(t["hpreact"])
    t["logits"] = t["h"] @ p["W2"] + p["b2"]
    t["logit_maxes"] = t["logits"].max(1, keepdim=True).values
    t["norm_logits"] = t["logits"] - t["logit_maxes"]           # subtracting the max: exp never overflows
    t["counts"] = t["norm_logits"].exp()
    t["counts_sum"] = t["counts"].sum(1, keepdim=True)
    t["counts_sum_inv"] = t["counts_sum"] ** -1
    t["probs"] = t["counts"] * t["counts_sum_inv"]
    t["logprobs"] = t["probs"].log()
    t["loss"] = -t["logprobs"][torch.arange(n), Yb].mean()
    return t


def backward_by_hand(p, t, Xb, Yb):
    """∂loss/∂(every intermediate and parameter), step by step from the loss back; d[name] for each."""
    n = Xb.shape[0]
    d = {}
    d["logprobs"] = torch.zeros_like(t["logprobs"])
    d["logprobs"][torch.arange(n), Yb] = -1.0 / n               # loss = −mean of n picked entries
    d["probs"] = d["logprobs"] / t["probs"]                     # log
    d["counts_sum_inv"] = (t["counts"] * d["probs"]).sum(1, keepdim=True)   # broadcast over columns
    d["counts"] = t["counts_sum_inv"] * d["probs"]
    d["counts_sum"] = -t["counts_sum"] ** -2 * d["counts_sum_inv"]          # x⁻¹
    d["counts"] = d["counts"] + d["counts_sum"]                 # counts used twice: the gradients add
    d["norm_logits"] = t["counts"] * d["counts"]                # exp
    d["logits"] = d["norm_logits"].clone()
    d["logit_maxes"] = -d["norm_logits"].sum(1, keepdim=True)
    d["logits"] = d["logits"] + F.one_hot(t["logits"].max(1).indices, 27).double() * d["logit_maxes"]
    d["h"] = d["logits"] @ p["W2"].T
    d["W2"] = t["h"].T @ d["logits"]
    d["b2"] = d["logits"].sum(0)
    d["hpreact"] = (1.0 - t["h"] ** 2) * d["h"]                 # tanh
    d["bngain"] = (t["bnraw"] * d["hpreact"]).sum(0, keepdim=True)
    d["bnraw"] = p["bngain"] * d["hpreact"]
    d["bnbias"] = d["hpreact"].sum(0, keepdim=True)
    d["bndiff"] = t["bnvar_inv"] * d["bnraw"]
    d["bnvar_inv"] = (t["bndiff"] * d["bnraw"]).sum(0, keepdim=True)
    d["bnvar"] = -0.5 * (t["bnvar"] + 1e-5) ** -1.5 * d["bnvar_inv"]
    d["bndiff2"] = torch.ones_like(t["bndiff2"]) / (n - 1) * d["bnvar"]
    d["bndiff"] = d["bndiff"] + 2 * t["bndiff"] * d["bndiff2"]  # bndiff used twice
    d["hprebn"] = d["bndiff"].clone()
    d["bnmeani"] = -d["bndiff"].sum(0, keepdim=True)
    d["hprebn"] = d["hprebn"] + torch.ones_like(t["hprebn"]) / n * d["bnmeani"]
    d["embcat"] = d["hprebn"] @ p["W1"].T
    d["W1"] = t["embcat"].T @ d["hprebn"]
    d["b1"] = d["hprebn"].sum(0)
    d["emb"] = d["embcat"].view(t["emb"].shape)
    d["C"] = torch.zeros_like(p["C"])
    d["C"].index_add_(0, Xb.view(-1), d["emb"].view(-1, EMBED))   # every lookup sends its gradient home
    return d


def fused_cross_entropy_backward(logits, Yb):
    """dlogits = (softmax(logits) − one_hot(y)) / n: the whole chain from logits to loss in one line."""
    n = logits.shape[0]
    dlogits = F.softmax(logits, dim=1)
    dlogits[torch.arange(n), Yb] -= 1
    return dlogits / n


def fused_batch_norm_backward(dhpreact, bngain, bnvar_inv, bnraw):
    """dx = γ/(n·σ) · (n·dy − Σdy − n/(n−1) · x̂ · Σ(dy·x̂)), sums over the batch."""
    n = dhpreact.shape[0]
    return bngain * bnvar_inv / n * (n * dhpreact - dhpreact.sum(0) - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))


def main(quick: bool = False, out=None) -> dict:
    words = load_names()
    random.Random(42).shuffle(words)
    stoi = {c: i for i, c in enumerate(["."] + sorted(set("".join(words))))}
    X, Y = build_dataset(words[:int(0.8 * len(words))], stoi)
    generator = torch.Generator().manual_seed(SEED)
    p = new_parameters(generator)
    ix = torch.randint(0, X.shape[0], (BATCH,), generator=generator)
    Xb, Yb = X[ix], Y[ix]

    t = forward(p, Xb, Yb)
    for value in t.values():
        value.retain_grad()
    t["loss"].backward()
    d = backward_by_hand(p, t, Xb, Yb)
    print(f"one minibatch of {BATCH}, loss {t['loss'].item():.6f}; each hand-written gradient against autograd's:")
    diffs, rows = {}, []
    for name in [*reversed(list(t)[:-1]), "W2", "b2", "bngain", "bnbias", "W1", "b1", "C"]:
        auto = (p[name] if name in p else t[name]).grad
        diffs[name] = (d[name] - auto).abs().max().item()
        rows.append((name, str(tuple(auto.shape)), diffs[name], bool(torch.allclose(d[name], auto))))
    print(table(["gradient of", "shape", "max |hand − autograd|", "allclose"], rows, ["", "", ".1e", ""]))

    dlogits = fused_cross_entropy_backward(t["logits"].detach(), Yb)
    fused_ce = (dlogits - t["logits"].grad).abs().max().item()
    dhprebn = fused_batch_norm_backward(t["hpreact"].grad, p["bngain"].detach(), t["bnvar_inv"].detach(),
                                        t["bnraw"].detach())
    fused_bn = (dhprebn - t["hprebn"].grad).abs().max().item()
    print(f"fused cross-entropy backward: max |dlogits − autograd| = {fused_ce:.1e}")
    print(f"fused batch-norm backward:    max |dhprebn − autograd| = {fused_bn:.1e}")
    print(f"each row of dlogits sums to 0: max |row sum| = {dlogits.sum(1).abs().max().item():.1e}")
    checked = {"params": {k: v.detach().numpy() for k, v in p.items()}, "Xb": Xb.numpy(), "Yb": Yb.numpy(),
               "hand": {k: d[k].detach().numpy() for k in p}, "loss": t["loss"].item(),
               "dlogit_maxes": d["logit_maxes"].abs().max().item()}

    # train with the hand-written gradients only
    steps = 200 if quick else 2000
    p = new_parameters(generator)
    losses = []
    with torch.no_grad():
        for step in range(steps):
            ix = torch.randint(0, X.shape[0], (BATCH,), generator=generator)
            t = forward(p, X[ix], Y[ix])
            d = backward_by_hand(p, t, X[ix], Y[ix])
            for name, value in p.items():
                value -= 0.1 * d[name]
            losses.append(t["loss"].item())
    window = steps // 10
    first, last = sum(losses[:window]) / window, sum(losses[-window:]) / window
    print(f"training on the hand-written gradients alone, {steps} steps: "
          f"mean minibatch loss {first:.4f} over the first {window}, {last:.4f} over the last {window}")
    return {**checked, "diffs": diffs, "fused_ce": fused_ce, "fused_bn": fused_bn, "first": first, "last": last,
            "losses": losses, "steps": steps}


if __name__ == "__main__":
    run(main, __doc__)
