"""Lesson 16 — a small GPT: attention and MLP blocks, trained on a short story, sampled, handed to PyTorch.

Lesson 15's head looked back along a sequence. A GPT stacks that idea. The text is read one character at
a time; each character becomes a vector (a token embedding plus a position embedding), and a few
*blocks* refine every position's vector, each block reading the positions before it:

    x = tok[idx] + pos[0 … T−1]                         (B, T, C)
    for each block:
        x = x + attention(layer_norm(x))                heads of causal self-attention: talk to the past
        x = x + mlp(layer_norm(x))                      Linear → GELU → Linear, each position alone
    logits = head(layer_norm(x))                        (B, T, vocab): the next character, at every position

Two habits make a deep stack trainable. The *residual* x = x + f(x): the gradient reaches the bottom
along the plain sum, whatever f does. *Layer norm*, x̂ = (x − mean) / √(var + ε) over each position's C
channels, then a learned scale and shift: every block sees inputs of the same size.
Attention splits C channels into ``heads`` heads of C/heads each, every head attends on its own (lesson
15, with the causal mask), and a linear layer ``proj`` mixes their outputs.

Trained with AdamW on every window of BLOCK characters of one short story, its loss falls from
about ln(vocab) (a uniform guess) towards the text's own predictability, and the samples go from noise to
the story's words. Then the model and its optimizer go to PyTorch with ``glassgrad.interop.to_torch``
(the weights and every Adam moment copied), and training goes on there.

The model is a ``nn.ModuleDict`` of built-in layers — so ``to_torch`` can rebuild it layer by layer —
and its forward pass is one function, ``gpt(model, idx, heads)``, written only with tensor methods both
libraries share: the very same function runs the glassgrad model and its PyTorch twin.

The text: data/the_lighthouse.txt, a short story written for glassgrad (public domain), 3.7 KB.
Same seed, same numbers: 16_small_gpt_torch.py builds and trains the same model in PyTorch.

Run: python examples/lessons/16_small_gpt.py [--quick] [--out DIR]
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import glassgrad as torch
import glassgrad.nn.functional as F
from glassgrad import nn
from glassgrad.interop import to_torch

from _lesson import figure, run, save, table

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


def hand_over(model, optimizer, data, config, itos, generator):
    """The model and its AdamW to PyTorch with ``to_torch``; one new batch scored on both sides, then
    ``config["more"]`` steps of training and a sample in PyTorch."""
    import torch as pytorch                               # the real one, for the second half

    twin, twin_optimizer = to_torch(model, optimizer)     # the weights, and AdamW's moments and step count
    x, y = get_batch(torch, data, config["block"], config["batch"], generator)
    with torch.no_grad():
        ours = F.cross_entropy(gpt(model, x, config["heads"]).view(-1, len(itos)), y.view(-1)).item()
    with pytorch.no_grad():
        theirs = pytorch.nn.functional.cross_entropy(
            gpt(twin, pytorch.from_numpy(x.numpy()), config["heads"]).view(-1, len(itos)),
            pytorch.from_numpy(y.numpy()).view(-1)).item()
    step = next(iter(twin_optimizer.state.values()))["step"].item()
    print(f"to_torch: {type(twin).__module__}.{type(twin).__name__} and {type(twin_optimizer).__name__} at step "
          f"{step:.0f}; a new batch's loss: glassgrad {ours:.6f}, PyTorch {theirs:.6f}")
    twin_generator = pytorch.Generator().manual_seed(SEED + 1)
    more = train(pytorch, twin, twin_optimizer, pytorch.from_numpy(data.numpy()), config, config["more"],
                 twin_generator)
    print(f"{config['more']} more steps in PyTorch: loss {more[0]:.4f} → {more[-1]:.4f} "
          f"(mean of the first five {sum(more[:5]) / 5:.4f}, of the last five {sum(more[-5:]) / 5:.4f})")
    later = sample(pytorch, twin, config, itos, "The ", 60 if config is QUICK else 300, twin_generator)
    print(f"sampled in PyTorch: {later!r}")
    return {"handover_glassgrad": ours, "handover_pytorch": theirs, "more": more, "later": later,
            "twin": twin, "model": model}


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
    if importlib.util.find_spec("torch") is None:
        print("(the handover needs PyTorch: pip install -e '.[dev]' installs its CPU build)")
    else:
        result.update(hand_over(model, optimizer, data, config, itos, generator))

    fig, ax = figure(out, "16_small_gpt.png", size=(7, 4))
    if fig is not None:
        ax.plot(range(len(losses)), losses, label="glassgrad")
        if "more" in result:
            ax.plot(range(len(losses), len(losses) + len(result["more"])), result["more"],
                    label="PyTorch, after to_torch")
        ax.axhline(math.log(len(itos)), color="k", linestyle="--", label=f"ln {len(itos)}: a uniform guess")
        ax.set_xlabel("step")
        ax.set_ylabel("loss")
        ax.legend()
        save(fig)
    return result


if __name__ == "__main__":
    run(main, __doc__)
