"""Lesson 12 — embeddings and an MLP (Bengio et al. 2003): three characters of context, learned.

Lesson 11's bigram model sees one character. Seeing three with a table of counts would take 27³ ≈ 20,000
rows, most of them never seen. Bengio et al.'s idea: give each character a short learned vector, an
*embedding* (a row of a table C, 27 × 10), put the three vectors side by side and let an MLP predict:

    emb    = C[x]                      (batch, 3, 10)     — a lookup: the same as one_hot(x) @ C
    h      = tanh(emb.view(-1, 30) @ W1 + b1)             (batch, 200)
    logits = h @ W2 + b2                                  (batch, 27)
    loss   = cross_entropy(logits, y)  = −mean ln softmax(logits)[y]

Trained on minibatches of 32: each step's gradient is a noisy estimate of the full one, and 100× cheaper.
The names are split 80/10/10 into train, dev and test: train to fit the weights, dev to choose settings
(the learning rate, the size), test once at the end. A learning rate is found by sweeping: one step at
each of 10^-3 … 10^0, the loss plotted against the exponent; the good rates sit on the floor of that
curve, just before it turns up.

The names: the census first names of the ``names`` package, as in lesson 11.

Run: python examples/lessons/12_embeddings_mlp.py [--quick] [--out DIR]
"""

from __future__ import annotations

import random

import glassgrad as torch
import glassgrad.nn.functional as F

from _lesson import figure, run, save, table
from _names import contexts, load_names

SEED, BLOCK, EMBED, BATCH = 2147483647, 3, 10, 32


def build_dataset(words, stoi):
    """X: each position's previous BLOCK characters (padded with "."); Y: the character that follows."""
    X, Y = contexts(words, stoi, BLOCK)
    return torch.tensor(X), torch.tensor(Y)


def new_parameters(hidden, generator):
    """C, W1, b1, W2, b2 drawn from N(0, 1) — lesson 13 shows why that is a poor start."""
    shapes = [(27, EMBED), (BLOCK * EMBED, hidden), (hidden,), (hidden, 27), (27,)]
    params = [torch.randn(s, generator=generator) for s in shapes]
    for p in params:
        p.requires_grad = True
    return params


def loss_of(params, X, Y):
    C, W1, b1, W2, b2 = params
    emb = C[X]                                           # (n, 3, 10)
    h = torch.tanh(emb.view(-1, BLOCK * EMBED) @ W1 + b1)
    return F.cross_entropy(h @ W2 + b2, Y)


def train_step(params, X, Y, lr, generator):
    """One minibatch of BATCH rows, one backward, one step of gradient descent; the minibatch's loss."""
    ix = torch.randint(0, X.shape[0], (BATCH,), generator=generator)
    loss = loss_of(params, X[ix], Y[ix])
    for p in params:
        p.grad = None
    loss.backward()
    for p in params:
        p.data += -lr * p.grad
    return loss.item()


def main(quick: bool = False, out=None) -> dict:
    hidden, steps = (100, 6000) if quick else (200, 20000)
    words = load_names()
    random.Random(42).shuffle(words)
    itos = ["."] + sorted(set("".join(words)))
    stoi = {c: i for i, c in enumerate(itos)}
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    Xtr, Ytr = build_dataset(words[:n1], stoi)
    Xdev, Ydev = build_dataset(words[n1:n2], stoi)
    Xte, Yte = build_dataset(words[n2:], stoi)
    print(f"{len(words)} names → train {tuple(Xtr.shape)}, dev {tuple(Xdev.shape)}, test {tuple(Xte.shape)}")
    print(f"context {BLOCK}, e.g. {[''.join(itos[i] for i in x) for x in Xtr[:5].tolist()]} → "
          f"{[itos[i] for i in Ytr[:5].tolist()]}")

    # lesson 11's model on the same split: counted on train (the last context column is the previous
    # character), scored on dev
    N = torch.bincount(Xtr[:, -1] * 27 + Ytr, minlength=27 * 27).view(27, 27).float()
    P = (N + 1) / (N + 1).sum(1, keepdim=True)
    bigram_dev = -P[Xdev[:, -1], Ydev].log().mean().item()
    print(f"lesson 11's bigram counts, fitted on train: dev nll {bigram_dev:.4f}")

    # --- 1. sweep the learning rate: one step at each, on a fresh network -----------------------------
    generator = torch.Generator().manual_seed(SEED)
    params = new_parameters(hidden, generator)
    print(f"parameters: {sum(p.numel() for p in params)} (C {tuple(params[0].shape)}, hidden {hidden})")
    sweep = 500 if quick else 1000
    exponents = torch.linspace(-3, 0, sweep)
    sweep_losses = [train_step(params, Xtr, Ytr, 10 ** e, generator) for e in exponents.tolist()]
    window = sweep // 10   # the minibatch losses are noisy: judge each exponent by a running mean
    smooth = [sum(sweep_losses[i:i + window]) / window for i in range(sweep - window)]
    best = min(range(len(smooth)), key=smooth.__getitem__) + window // 2
    best_lr = 10 ** exponents[best].item()
    print(f"sweep 10^-3 … 10^0, running mean of {window} steps: {sum(sweep_losses[:window]) / window:.2f} "
          f"at first, lowest {smooth[best - window // 2]:.2f} at lr ≈ {best_lr:.3f}, "
          f"{sum(sweep_losses[-window:]) / window:.2f} at the end (lr ≈ 0.5 … 1)")

    # --- 2. train from a fresh start: lr 0.1, then 0.01 for the last quarter --------------------------
    params = new_parameters(hidden, generator)
    history, rows = [], []
    for step in range(steps):
        lr = 0.1 if step < 3 * steps // 4 else 0.01
        history.append(train_step(params, Xtr, Ytr, lr, generator))
        if step % (steps // 5) == 0 or step == steps - 1:
            rows.append((step, lr, history[-1]))
    print(table(["step", "lr", "minibatch loss"], rows, ["d", ".2f", ".4f"]))
    with torch.no_grad():
        train_loss, dev_loss = loss_of(params, Xtr, Ytr).item(), loss_of(params, Xdev, Ydev).item()
        test_loss = loss_of(params, Xte, Yte).item()
    print(f"train {train_loss:.4f}  dev {dev_loss:.4f}  test {test_loss:.4f}  "
          f"(bigram dev {bigram_dev:.4f}; ln 27 = 3.2958)")

    samples = []
    with torch.no_grad():
        C, W1, b1, W2, b2 = params
        for _ in range(6):
            context, word = [0] * BLOCK, ""
            while True:
                h = torch.tanh(C[torch.tensor([context])].view(1, -1) @ W1 + b1)
                ix = torch.multinomial(F.softmax(h @ W2 + b2, dim=1), 1, generator=generator).item()
                if ix == 0:
                    break
                word += itos[ix]
                context = context[1:] + [ix]
            samples.append(word)
    print(f"samples: {samples}")

    fig, axes = figure(out, "12_embeddings_mlp.png", ncols=3, size=(15, 4))
    if fig is not None:
        axes[0].plot(exponents.tolist(), sweep_losses, linewidth=0.5)
        axes[0].set_xlabel("log10 learning rate")
        axes[0].set_ylabel("minibatch loss")
        axes[0].set_title("learning-rate sweep: one step each")
        axes[1].plot(history, linewidth=0.3)
        axes[1].set_title("training: minibatch loss per step")
        C = params[0].detach().numpy()
        axes[2].scatter(C[:, 0], C[:, 1], s=200, c="lightblue")
        for i, ch in enumerate(itos):
            axes[2].text(C[i, 0], C[i, 1], ch, ha="center", va="center")
        axes[2].set_title("the embedding table C, first two dimensions")
        save(fig)
    return {"words": len(words), "sizes": (Xtr.shape[0], Xdev.shape[0], Xte.shape[0]),
            "parameters": sum(p.numel() for p in params), "hidden": hidden, "steps": steps,
            "best_lr": best_lr, "sweep_losses": sweep_losses, "history": history, "train": train_loss,
            "dev": dev_loss, "test": test_loss, "bigram_dev": bigram_dev, "samples": samples, "params": [p.detach() for p in params],
            "splits": (words[:n1], words[n1:n2], words[n2:])}


if __name__ == "__main__":
    run(main, __doc__)
