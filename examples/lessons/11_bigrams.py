"""Lesson 11 — counting is a model: a bigram language model of first names, counted, then learned.

A bigram model predicts the next character from the one before it. Mark each name's start and end with
"." and "emma" becomes the pairs .e em mm ma a. ; count every pair in a list of names and the counts,
normalised row by row, *are* the model:  P[a, b] = (N[a, b] + 1) / Σ_c (N[a, c] + 1)  (the +1 keeps
unseen pairs possible). Sample from it one character at a time, and score it with the negative log
likelihood of the data,  nll = −(1/n) Σ ln P[x_i, y_i],  which is 0 for a perfect model and ln 27 ≈ 3.30
for one that guesses uniformly.

Then the same model as a neural network: one linear layer W (27 × 27) reading the previous character
one-hot,  probs = softmax(one_hot(x) @ W),  trained by gradient descent on the same nll. Row a of W plays
the role of ln N[a, :]: set W = ln P and the network *is* the counting model, to the last digit; start W
at random and gradient descent walks it to nearly the same loss.

The names: every first name in the US census lists the ``names`` package ships (pip install names),
read from the installed package at run time. Same seed, same numbers: the PyTorch twin
(11_bigrams_torch.py) prints the same samples and the same losses.

Run: python examples/lessons/11_bigrams.py [--quick] [--out DIR]
"""

from __future__ import annotations

from collections import Counter

import glassgrad as torch
import glassgrad.nn.functional as F

from _lesson import figure, run, save, table
from _names import load_names

SEED, LR, REGULARISATION = 2147483647, 50.0, 0.01


def bigrams(words, stoi):
    """(xs, ys): the index of each character and of the one after it, "." marking start and end."""
    xs, ys = [], []
    for w in words:
        chars = ["."] + list(w) + ["."]
        for a, b in zip(chars, chars[1:]):
            xs.append(stoi[a])
            ys.append(stoi[b])
    return torch.tensor(xs), torch.tensor(ys)


def sample(P, itos, generator, count):
    """Names drawn one character at a time: the next from row P[previous], until "." comes up."""
    out = []
    for _ in range(count):
        ix, word = 0, ""
        while True:
            ix = torch.multinomial(P[ix], num_samples=1, replacement=True, generator=generator).item()
            if ix == 0:
                break
            word += itos[ix]
        out.append(word)
    return out


def main(quick: bool = False, out=None) -> dict:
    steps = 50 if quick else 200
    words = load_names()
    itos = ["."] + sorted(set("".join(words)))
    stoi = {c: i for i, c in enumerate(itos)}
    print(f"{len(words)} names from the census lists, e.g. {words[:3]} ... {words[-2:]}; {len(itos)} characters")

    # --- 1. counting -----------------------------------------------------------------------------------
    pairs = Counter()
    for w in words:
        chars = ["."] + list(w) + ["."]
        pairs.update(zip(chars, chars[1:]))
    print("the most common bigrams:")
    print(table(["pair", "count"], [(a + b, n) for (a, b), n in pairs.most_common(6)], ["", "d"]))
    N = torch.zeros((27, 27), dtype=torch.int32)
    for (a, b), n in pairs.items():
        N[stoi[a], stoi[b]] = n
    P = (N + 1).float()
    P /= P.sum(1, keepdim=True)   # (27, 27) / (27, 1): each row divided by its own sum

    generator = torch.Generator().manual_seed(SEED)
    samples = sample(P, itos, generator, 6)
    print(f"sampled from the counts: {samples}")

    xs, ys = bigrams(words, stoi)
    count_nll = -P[xs, ys].log().mean().item()
    print(f"{xs.numel()} bigrams; nll of the counting model {count_nll:.4f}; "
          f"uniform guessing: ln 27 = {torch.tensor(27.0).log().item():.4f}")

    # --- 2. the same model as one linear layer --------------------------------------------------------
    xenc = F.one_hot(xs, num_classes=27).float()
    W = P.log()                                    # the counting model, written as weights
    exact = F.cross_entropy(xenc @ W, ys).item()
    print(f"one_hot(x) @ ln P, softmax, nll: {exact:.4f} (the counting model, as a network)")

    W = torch.randn((27, 27), generator=generator, requires_grad=True)
    losses, rows = [], []
    for step in range(steps):
        logits = xenc @ W                          # log-counts
        counts = logits.exp()
        probs = counts / counts.sum(1, keepdim=True)
        nll = -probs[torch.arange(len(ys)), ys].log().mean()
        loss = nll + REGULARISATION * (W ** 2).mean()   # pulls W towards 0, like the +1 smoothing
        W.grad = None
        loss.backward()
        W.data += -LR * W.grad
        losses.append(nll.item())
        if step % (steps // 5) == 0 or step == steps - 1:
            rows.append((step, loss.item(), nll.item()))
    print(table(["step", "loss", "nll"], rows, ["d", ".4f", ".4f"]))
    learned = F.softmax(xenc[:1] @ W, dim=1)[0]      # row "." of the learned model: first letters
    print(f"gap to the counting model after {steps} steps: {losses[-1] - count_nll:+.4f}")
    samples_nn = sample(F.softmax(W.detach(), dim=1), itos, generator, 6)
    print(f"sampled from the network: {samples_nn}")

    fig, axes = figure(out, "11_bigrams.png", ncols=2, size=(12, 5))
    if fig is not None:
        axes[0].imshow(N.numpy(), cmap="Blues")
        axes[0].set_xticks(range(27), itos)
        axes[0].set_yticks(range(27), itos)
        axes[0].set_title("bigram counts N[previous, next]")
        axes[1].plot(losses, label="network nll")
        axes[1].axhline(count_nll, color="k", linestyle="--", label="counting model")
        axes[1].set_xlabel("step")
        axes[1].legend()
        save(fig)
    return {"words": len(words), "bigrams": xs.numel(), "top": pairs.most_common(6), "counts": N.numpy(),
            "samples": samples, "count_nll": count_nll, "exact_as_network": exact, "losses": losses,
            "first_letters": learned.detach().numpy(), "samples_nn": samples_nn, "steps": steps}


if __name__ == "__main__":
    run(main, __doc__)
