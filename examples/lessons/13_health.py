"""Lesson 13 — a network's health: saturated tanh, Kaiming initialisation, batch norm, measured.

Lesson 12's network started at a loss near 20 where guessing gives 3.3, and its weights came from N(0, 1).
Here the same kind of network, deeper (four tanh layers of 100), is started three ways and examined with
one instrument, ``explain.health(model)``, which hooks every layer and reports:

- each tanh layer's output: std and the fraction *saturated*, |a| > 0.97. There tanh′ = 1 − a² < 0.06,
  so the gradient through that unit all but vanishes: a saturated unit does not learn;
- the gradient at each tanh output (∂loss/∂a): if its std shrinks or grows layer by layer, the deep
  layers learn at a different speed from the shallow ones;
- after each step, the update-to-data ratio std(ΔW) / std(W) of every weight matrix: about 1e-3 is a
  healthy step (Karpathy's rule of thumb).

The three starts:

1. ``N(0, 1)``: every weight drawn from N(0, 1). A unit sums 100 inputs, so its pre-activation has std
   ≈ √100 = 10 and tanh saturates.
2. ``Kaiming``: ``nn.init.kaiming_normal_(W, nonlinearity="tanh")``, std = (5/3) / √fan_in, which keeps
   the pre-activations at std ≈ 1 layer after layer (5/3 makes up for tanh squashing); the last layer
   scaled by 0.1 so the first predictions are nearly uniform: loss ≈ ln 27.
3. ``batch norm``: N(0, 1) weights again, but each Linear followed by ``nn.BatchNorm1d``, which
   normalises every unit over the batch,  x̂ = (x − mean) / √(var + ε),  then learns a scale and a shift.
   The pre-activations are std 1 whatever the weights, so the bad start does no harm.

Run: python examples/lessons/13_health.py [--quick] [--out DIR]
"""

from __future__ import annotations

import os
import random

import glassgrad as torch
import glassgrad.nn.functional as F
from glassgrad import nn
from glassgrad.explain.health import health

from _lesson import run, table
from _names import contexts, load_names

SEED, BLOCK, EMBED, HIDDEN, DEPTH, BATCH, LR = 42, 3, 10, 100, 4, 32, 0.1


def build_dataset(words, stoi):
    """X: each position's previous BLOCK characters (padded with "."); Y: the character that follows."""
    X, Y = contexts(words, stoi, BLOCK)
    return torch.tensor(X), torch.tensor(Y)


def build(start: str) -> nn.Sequential:
    """Embedding → DEPTH × (Linear [→ BatchNorm1d] → Tanh) → Linear, started as ``start`` says."""
    torch.manual_seed(SEED)                      # every start sees the same random numbers
    norm = start == "batch norm"
    layers = [nn.Embedding(27, EMBED), nn.Flatten()]
    width = BLOCK * EMBED
    for _ in range(DEPTH):
        layers += [nn.Linear(width, HIDDEN, bias=not norm)]
        layers += [nn.BatchNorm1d(HIDDEN)] if norm else []
        layers += [nn.Tanh()]
        width = HIDDEN
    layers.append(nn.Linear(HIDDEN, 27))
    model = nn.Sequential(*layers)
    linears = [m for m in model if isinstance(m, nn.Linear)]
    with torch.no_grad():
        for layer in linears:
            if start == "Kaiming":
                nn.init.kaiming_normal_(layer.weight, nonlinearity="tanh")
            else:
                nn.init.normal_(layer.weight)
            if layer.bias is not None:
                layer.bias.zero_()
        if start == "Kaiming":
            linears[-1].weight *= 0.1            # nearly uniform first predictions
    return model


def examine(start, Xtr, Ytr, Xdev, Ydev, steps, out):
    """Health at the first step and the last, the ratios over training, and the dev loss at the end.

    With ``out``, two pictures: 13_<start>_start.png (the first step's histograms) and
    13_<start>_trained.png (the last step's, and the update-to-data ratios of every step).
    """
    tag = {"N(0, 1)": "normal", "Kaiming": "kaiming", "batch norm": "batchnorm"}[start]
    model = build(start)
    h = health(model, (nn.Tanh,))
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    generator = torch.Generator().manual_seed(SEED)
    first = None
    for step in range(steps):
        ix = torch.randint(0, Xtr.shape[0], (BATCH,), generator=generator)
        loss = F.cross_entropy(model(Xtr[ix]), Ytr[ix])
        optimizer.zero_grad()
        loss.backward()
        if step == 0:
            first = {"loss": loss.item(), "rows": h.rows()}
            if out is not None:
                h.save(os.path.join(out, f"13_{tag}_start.png"))
        optimizer.step()
        h.step()
    h.remove()
    last = h.rows()                              # the last training minibatch
    model.eval()                                 # batch norm: the running mean and var, not the batch's
    with torch.no_grad():
        dev = F.cross_entropy(model(Xdev), Ydev).item()
    if out is not None:
        h.save(os.path.join(out, f"13_{tag}_trained.png"))
    return {"first_loss": first["loss"], "rows": first["rows"], "last_rows": last, "ratios": h.ratios,
            "dev": dev}


def main(quick: bool = False, out=None) -> dict:
    steps = 300 if quick else 3000
    words = load_names()
    random.Random(42).shuffle(words)
    stoi = {c: i for i, c in enumerate(["."] + sorted(set("".join(words))))}
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    Xtr, Ytr = build_dataset(words[:n1], stoi)
    Xdev, Ydev = build_dataset(words[n1:n2], stoi)
    print(f"{DEPTH} tanh layers of {HIDDEN}; minibatches of {BATCH}; SGD lr {LR}; {steps} steps per start")
    results = {}
    for start in ("N(0, 1)", "Kaiming", "batch norm"):
        r = examine(start, Xtr, Ytr, Xdev, Ydev, steps, out)
        results[start] = r
        print()
        print(f"{start}: first loss {r['first_loss']:.4f} (ln 27 = 3.2958), dev loss after training {r['dev']:.4f}")
        print(table(["tanh layer", "act std", "saturated %", "grad std", "saturated % at the end"],
                    [(row[0], row[3], row[4], row[6], end[4]) for row, end in zip(r["rows"], r["last_rows"])],
                    ["", ".3f", ".1f", ".2e", ".1f"]))
        final = {name: values[-1] for name, values in r["ratios"].items()}
        print("update/data after the last step, log10: "
              + "  ".join(f"{name} {torch.tensor(v).log10().item():+.2f}" for name, v in final.items()))
    return results


if __name__ == "__main__":
    run(main, __doc__)
