"""Lesson 16's twin — the same small GPT, built and trained in PyTorch from the same seed.

The code is lesson 16's line for line with ``import torch`` in place of ``import glassgrad as torch``:
the same ModuleDict of built-in layers, the same ``gpt`` forward function, the same windows of the
story. glassgrad's random numbers being PyTorch's, ``torch.manual_seed(1337)`` gives both the same
weights and ``torch.Generator().manual_seed(1337)`` the same batches and the same first samples, so the
first losses agree to float32 rounding; over many steps the rounding differences grow, as they do
between two machines. There is no handover here: this *is* PyTorch. It draws nothing.

Run: python examples/lessons/16_small_gpt_torch.py [--quick]
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
from torch import nn

from _lesson import run, table

SEED = 1337
TEXT = Path(__file__).resolve().parent / "data" / "the_lighthouse.txt"
# context, channels, heads, blocks, windows per batch, steps here, steps in PyTorch after the handover
QUICK = dict(block=16, embed=32, heads=2, layers=2, batch=8, steps=40, more=20)
FULL = dict(block=32, embed=64, heads=4, layers=3, batch=16, steps=1500, more=500)


def load_text():
    """(the story, its characters sorted, the story as a tensor of character indices)."""
    text = TEXT.read_text()
    itos = sorted(set(text))
    stoi = {c: i for i, c in enumerate(itos)}
    return text, itos, torch.tensor([stoi[c] for c in text])


def build_gpt(vocab, block, embed, heads, layers):
    """Token and position tables, ``layers`` blocks, a final layer norm and the read-out: built-in
    layers only, in a ModuleDict (the forward pass is ``gpt`` below)."""
    blocks = [nn.ModuleDict({"ln1": nn.LayerNorm(embed), "qkv": nn.Linear(embed, 3 * embed),
                             "proj": nn.Linear(embed, embed), "ln2": nn.LayerNorm(embed),
                             "mlp": nn.Sequential(nn.Linear(embed, 4 * embed), nn.GELU(),
                                                  nn.Linear(4 * embed, embed))})
              for _ in range(layers)]
    return nn.ModuleDict({"tok": nn.Embedding(vocab, embed), "pos": nn.Embedding(block, embed),
                          "blocks": nn.ModuleList(blocks), "ln": nn.LayerNorm(embed),
                          "head": nn.Linear(embed, vocab)})


def attend(block, x, heads):
    """Causal self-attention with ``heads`` heads: q, k, v from one Linear, each head softmax(q kᵀ/√hs)
    over the past, the heads' outputs side by side, mixed by ``proj``."""
    B, T, C = x.shape
    q, k, v = block["qkv"](x).split(C, dim=2)
    q, k, v = (t.view(B, T, heads, C // heads).transpose(1, 2) for t in (q, k, v))   # (B, heads, T, hs)
    scores = q @ k.transpose(-2, -1) / math.sqrt(C // heads)
    future = x.new_ones(T, T).tril() == 0
    weights = scores.masked_fill(future, float("-inf")).softmax(-1)
    return block["proj"]((weights @ v).transpose(1, 2).reshape(B, T, C))


def gpt(model, idx, heads):
    """logits (B, T, vocab) for every position of idx (B, T): the next character's scores."""
    x = model["tok"](idx) + model["pos"].weight[:idx.shape[1]]
    for block in model["blocks"]:
        x = x + attend(block, block["ln1"](x), heads)
        x = x + block["mlp"](block["ln2"](x))
    return model["head"](model["ln"](x))


def get_batch(lib, data, block, batch, generator):
    """``batch`` windows of ``block`` characters at random places; the targets are shifted by one."""
    starts = lib.randint(0, len(data) - block, (batch,), generator=generator).tolist()
    x = lib.stack([data[i:i + block] for i in starts])
    y = lib.stack([data[i + 1:i + block + 1] for i in starts])
    return x, y


def train(lib, model, optimizer, data, config, steps, generator):
    """``steps`` steps of ``optimizer`` on random windows; the loss of each step."""
    losses = []
    for _ in range(steps):
        x, y = get_batch(lib, data, config["block"], config["batch"], generator)
        logits = gpt(model, x, config["heads"])
        loss = lib.nn.functional.cross_entropy(logits.view(-1, logits.shape[-1]), y.view(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def sample(lib, model, config, itos, start, count, generator):
    """``count`` characters after ``start``, each drawn from softmax(logits) of the last position."""
    idx = lib.tensor([[itos.index(c) for c in start]])
    with lib.no_grad():
        for _ in range(count):
            logits = gpt(model, idx[:, -config["block"]:], config["heads"])[:, -1]
            idx = lib.cat([idx, lib.multinomial(logits.softmax(-1), 1, generator=generator)], dim=1)
    return "".join(itos[i] for i in idx[0].tolist())


def loss_table(losses, first):
    """The first ``first`` steps, then every fifth of the way, and the last."""
    marks = {*range(min(first, len(losses))), *range(0, len(losses), max(1, len(losses) // 5)), len(losses) - 1}
    return table(["step", "loss"], [(i, losses[i]) for i in sorted(marks)], ["d", ".6f"])


def main(quick: bool = False, out=None) -> dict:
    config = QUICK if quick else FULL
    text, itos, data = load_text()
    print(f"the story: {len(text)} characters, {len(itos)} distinct; ln {len(itos)} = {math.log(len(itos)):.4f}")
    torch.manual_seed(SEED)
    model = build_gpt(len(itos), config["block"], config["embed"], config["heads"], config["layers"])
    parameters = sum(p.numel() for p in model.parameters())
    print(f"GPT: {config['layers']} blocks, {config['embed']} channels, {config['heads']} heads, "
          f"context {config['block']}: {parameters} parameters")
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    generator = torch.Generator().manual_seed(SEED)
    before = sample(torch, model, config, itos, "The ", 60, generator)
    print(f"sampled before training: {before!r}")
    losses = train(torch, model, optimizer, data, config, config["steps"], generator)
    print(loss_table(losses, 3))
    after = sample(torch, model, config, itos, "The ", 60 if quick else 300, generator)
    print(f"sampled after {config['steps']} steps: {after!r}")
    result = {"chars": len(text), "vocab": len(itos), "parameters": parameters, "losses": losses,
              "before": before, "after": after, "config": config}
    return result


if __name__ == "__main__":
    run(main, __doc__)
