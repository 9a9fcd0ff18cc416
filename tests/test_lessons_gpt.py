"""Lesson 16 (examples/lessons/16_small_gpt.py): every number it claims.

The lesson runs once in quick mode; its numbers are held against the story file read here, a count of
parameters by hand, an independent PyTorch implementation of the same network (torch's own layer_norm
and scaled_dot_product_attention, not the lesson's ``gpt``), the PyTorch twin from the same seed, and
the handover: one optimizer step taken on both sides of ``interop.to_torch`` lands on the same weights.
The page (docs/lessons/16-small-gpt.md) shows what the lesson and its twin print: a fresh run of each is
compared with it, and the page's code runs.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import math

import numpy as np
import pytest

import glassgrad
from glassgrad.interop import to_torch

from lesson_runner import LESSONS, check_page_output, load, page_of, run_lesson, run_python_blocks

PAGE = page_of("16_small_gpt")


def story() -> str:
    return (LESSONS / "data" / "the_lighthouse.txt").read_text()


def test_16_the_story_and_the_model_size():
    r, printed = run_lesson("16_small_gpt")
    text = story()
    assert r["chars"] == len(text) and r["vocab"] == len(set(text))
    assert 2000 < len(text) < 10000 and text.isascii()
    V, c = r["vocab"], r["config"]
    C, T, L = c["embed"], c["block"], c["layers"]
    per_block = 2 * 2 * C + (C * 3 * C + 3 * C) + (C * C + C) + (C * 4 * C + 4 * C) + (4 * C * C + C)
    assert r["parameters"] == V * C + T * C + L * per_block + 2 * C + C * V + V
    assert f"ln {V} = {math.log(V):.4f}" in printed


def test_16_training_lowers_the_loss_and_the_samples_use_the_story_s_characters():
    r, _ = run_lesson("16_small_gpt")
    losses = r["losses"]
    assert len(losses) == r["config"]["steps"]
    assert losses[0] == pytest.approx(math.log(r["vocab"]), abs=0.3)       # nearly a uniform guess
    assert np.mean(losses[-5:]) < np.mean(losses[:5]) - 0.8
    chars = set(story())
    for s in (r["before"], r["after"], r["later"]):
        assert s.startswith("The ") and len(s) == 4 + 60 and set(s) <= chars


def test_16_the_lesson_s_forward_is_multi_head_causal_attention_as_pytorch_computes_it():
    """The same weights through torch's own layer_norm, linear, scaled_dot_product_attention and gelu."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    lesson = load("16_small_gpt")
    c = lesson.QUICK
    glassgrad.manual_seed(3)
    model = lesson.build_gpt(11, c["block"], c["embed"], c["heads"], c["layers"])
    idx = glassgrad.randint(0, 11, (3, c["block"]), generator=glassgrad.Generator().manual_seed(4))
    ours = lesson.gpt(model, idx, c["heads"]).detach().numpy()
    w = {k: torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()}
    x = w["tok.weight"][torch.from_numpy(idx.numpy())] + w["pos.weight"][:c["block"]]
    B, T, C, H = 3, c["block"], c["embed"], c["heads"]
    for i in range(c["layers"]):
        p = f"blocks.{i}."
        a = F.layer_norm(x, (C,), w[p + "ln1.weight"], w[p + "ln1.bias"])
        q, k, v = F.linear(a, w[p + "qkv.weight"], w[p + "qkv.bias"]).split(C, dim=2)
        q, k, v = (t.view(B, T, H, C // H).transpose(1, 2) for t in (q, k, v))
        heads = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, T, C)
        x = x + F.linear(heads, w[p + "proj.weight"], w[p + "proj.bias"])
        a = F.layer_norm(x, (C,), w[p + "ln2.weight"], w[p + "ln2.bias"])
        a = F.gelu(F.linear(a, w[p + "mlp.0.weight"], w[p + "mlp.0.bias"]))
        x = x + F.linear(a, w[p + "mlp.2.weight"], w[p + "mlp.2.bias"])
    theirs = F.linear(F.layer_norm(x, (C,), w["ln.weight"], w["ln.bias"]), w["head.weight"], w["head.bias"])
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-5, atol=1e-5)
    # causal: changing the last character changes no earlier position's logits
    changed = idx.clone()
    changed[:, -1] = (changed[:, -1] + 1) % 11
    other = lesson.gpt(model, changed, c["heads"]).detach().numpy()
    np.testing.assert_array_equal(other[:, :-1], ours[:, :-1])
    assert np.abs(other[:, -1] - ours[:, -1]).max() > 1e-3


def test_16_the_twin_draws_the_same_start_and_trains_alike():
    """Same seed: the same first samples, the first losses to float32 rounding, the rest close."""
    pytest.importorskip("torch")
    ours, theirs = run_lesson("16_small_gpt")[0], run_lesson("16_small_gpt_torch")[0]
    assert ours["parameters"] == theirs["parameters"]
    assert ours["before"] == theirs["before"]          # same weights, same generator: same characters
    np.testing.assert_allclose(ours["losses"][:5], theirs["losses"][:5], rtol=1e-5)
    np.testing.assert_allclose(ours["losses"], theirs["losses"], rtol=1e-4)


def test_16_handover_loss_agrees_and_pytorch_goes_on_learning():
    torch = pytest.importorskip("torch")
    r, printed = run_lesson("16_small_gpt")
    assert r["handover_glassgrad"] == pytest.approx(r["handover_pytorch"], rel=1e-5)
    assert isinstance(r["twin"], torch.nn.ModuleDict)
    more = r["more"]
    assert len(more) == r["config"]["more"]
    assert np.mean(more[-5:]) < np.mean(more[:5]) < np.mean(r["losses"][:5])
    # the handed-over weights were glassgrad's when handed over, and PyTorch's training moved them
    moved = max((a.detach().numpy() - b.numpy()).__abs__().max()
                for a, b in zip(r["model"].state_dict().values(), r["twin"].state_dict().values()))
    assert moved > 1e-4
    assert "AdamW at step 40" in printed


def test_16_one_step_after_to_torch_is_the_step_glassgrad_would_have_taken():
    """Train three steps here, hand over model and AdamW, then one step on each side on the same batch:
    the same loss and the same weights, to float32 rounding (the moments and the step count went too)."""
    torch = pytest.importorskip("torch")
    lesson = load("16_small_gpt")
    c = lesson.QUICK
    _, itos, data = lesson.load_text()
    glassgrad.manual_seed(5)
    model = lesson.build_gpt(len(itos), c["block"], c["embed"], c["heads"], c["layers"])
    optimizer = glassgrad.optim.AdamW(model.parameters(), lr=3e-3)
    lesson.train(glassgrad, model, optimizer, data, c, 3, glassgrad.Generator().manual_seed(6))
    twin, twin_optimizer = to_torch(model, optimizer)
    ours = lesson.train(glassgrad, model, optimizer, data, c, 1, glassgrad.Generator().manual_seed(7))
    theirs = lesson.train(torch, twin, twin_optimizer, torch.from_numpy(data.numpy()), c, 1,
                          torch.Generator().manual_seed(7))
    assert ours[0] == pytest.approx(theirs[0], rel=1e-5)
    C = c["embed"]
    for (name, a), (_, b) in zip(model.state_dict().items(), twin.state_dict().items()):
        a, b = a.numpy(), b.numpy()
        if name.endswith("qkv.bias"):
            # The keys' bias adds q·b_k to every score of a row, and softmax ignores a constant per row:
            # its true gradient is 0, so both sides hold rounding noise there, which Adam scales up to
            # steps of about lr either way. Only its size is the same on both sides.
            assert np.abs(a[C:2 * C] - b[C:2 * C]).max() <= 2 * 3e-3
            a, b = np.delete(a, np.s_[C:2 * C]), np.delete(b, np.s_[C:2 * C])
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6, err_msg=name)


def test_16_without_pytorch_the_lesson_trains_and_says_how_to_get_the_handover(monkeypatch):
    lesson = load("16_small_gpt")
    real = importlib.util.find_spec
    monkeypatch.setattr(lesson.importlib.util, "find_spec",
                        lambda name, *a: None if name == "torch" else real(name, *a))
    monkeypatch.setitem(lesson.QUICK, "steps", 4)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        r = lesson.main(quick=True)
    assert "handover" not in " ".join(r) and len(r["losses"]) == 4
    assert "pip install -e '.[dev]'" in buffer.getvalue()


# ---- the page ----

def test_16_page_shows_the_output_of_a_real_run():
    """The ```text blocks after "## What it prints": the lesson's quick run, then its twin's."""
    pytest.importorskip("torch")
    check_page_output("16_small_gpt", twin_same_mode=True)


def test_16_page_python_blocks_run(capsys):
    pytest.importorskip("torch")
    assert "```python" in PAGE.read_text()
    run_python_blocks(PAGE)
    ours, theirs = map(float, capsys.readouterr().out.split()[-2:])
    assert ours == pytest.approx(theirs, rel=1e-5)     # the page's own handover agrees
