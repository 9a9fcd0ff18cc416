"""Lesson 11's twin — the same bigram model, counted and learned, in PyTorch.

The code is lesson 11's line for line with PyTorch as ``torch`` in place of ``import glassgrad as torch``:
the same names, the same counts, and — glassgrad's random numbers being PyTorch's — the same samples
from ``torch.Generator().manual_seed(2147483647)`` and the same losses, step by step, to float32
rounding. It draws nothing.

Run: python examples/lessons/11_bigrams_torch.py [--quick]
Needs PyTorch: `pip install -e ".[dev]"` installs its CPU build beside glassgrad.
"""

from __future__ import annotations

from collections import Counter

from _lesson import require_torch, run, table
from _names import load_names

torch = require_torch()
F = torch.nn.functional

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

    return {"words": len(words), "bigrams": xs.numel(), "top": pairs.most_common(6), "counts": N.numpy(),
            "samples": samples, "count_nll": count_nll, "exact_as_network": exact, "losses": losses,
            "first_letters": learned.detach().numpy(), "samples_nn": samples_nn, "steps": steps}


if __name__ == "__main__":
    run(main, __doc__)
