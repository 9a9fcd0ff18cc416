"""Lessons 11–15 (examples/lessons/1[1-5]_*.py), the language-model lessons: every number they claim.

As tests/test_lessons.py does for lessons 1–10: each lesson runs once in quick mode, and its numbers are
held against an independent numpy computation, against PyTorch (the ``*_torch.py`` twins, same seed:
glassgrad's random numbers are PyTorch's), or against the behaviour the lesson describes. Each page in
docs/lessons/ shows what its lesson prints; a fresh run is compared with it, and the page's code runs.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lesson_runner import LESSONS, check_page_output, load, page_of, run_lesson, run_python_blocks

pytest.importorskip("names", reason="the language-model lessons read the census names of the `names` package")


def census_names() -> list[str]:
    """The names, read here independently of the lessons' loader: first column, lower case, a–z only."""
    import names  # imported here: pytest.importorskip above has already checked it is installed

    folder = Path(names.__file__).parent
    words = {line.split()[0].lower() for f in ("dist.female.first", "dist.male.first")
             for line in (folder / f).read_text().splitlines() if line.strip()}
    return sorted(w for w in words if re.fullmatch(r"[a-z]+", w))


def bigram_arrays(words):
    chars = "." + "abcdefghijklmnopqrstuvwxyz"
    xs, ys = [], []
    for w in words:
        s = "." + w + "."
        xs += [chars.index(c) for c in s[:-1]]
        ys += [chars.index(c) for c in s[1:]]
    return np.array(xs), np.array(ys)


# ---- 11. counting is a model ----

def test_11_counts_and_nll_equal_an_independent_numpy_count():
    r, _ = run_lesson("11_bigrams")
    words = census_names()
    xs, ys = bigram_arrays(words)
    counts = np.zeros((27, 27), dtype=np.int64)
    np.add.at(counts, (xs, ys), 1)
    assert r["words"] == len(words) > 5000
    assert r["bigrams"] == len(xs) == counts.sum()
    np.testing.assert_array_equal(r["counts"], counts)
    chars = "." + "abcdefghijklmnopqrstuvwxyz"
    top = sorted(((counts[a, b], chars[a] + chars[b]) for a in range(27) for b in range(27)), reverse=True)[:6]
    assert [n for _, n in r["top"]] == [n for n, _ in top]
    P = (counts + 1) / (counts + 1).sum(1, keepdims=True)
    nll = -np.log(P[xs, ys]).mean()
    assert r["count_nll"] == pytest.approx(nll, rel=1e-5)
    assert nll < math.log(27)
    # a linear layer on one-hot input with W = ln P is the counting model
    assert r["exact_as_network"] == pytest.approx(nll, rel=1e-5)


def test_11_gradient_descent_walks_to_the_counting_loss_but_not_below_the_best_possible():
    r, _ = run_lesson("11_bigrams")
    losses = r["losses"]
    assert len(losses) == r["steps"]
    assert losses[0] > math.log(27) > 3.0 > losses[-1]
    assert all(b < a for a, b in zip(losses, losses[1:]))
    assert 0 < losses[-1] - r["count_nll"] < 0.05
    # no bigram model can score below the unsmoothed counts (the maximum-likelihood one)
    xs, ys = bigram_arrays(census_names())
    counts = np.zeros((27, 27))
    np.add.at(counts, (xs, ys), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        best = -np.log((counts / counts.sum(1, keepdims=True))[xs, ys]).mean()
    assert best < r["count_nll"] < losses[-1]
    assert r["first_letters"].sum() == pytest.approx(1.0, abs=1e-5) and r["first_letters"][0] < 0.01 < 1 / 27  # "" is no name
    assert all(re.fullmatch(r"[a-z]*", s) for s in r["samples"] + r["samples_nn"])


def test_11_twin_gives_the_same_samples_and_losses():
    pytest.importorskip("torch")
    ours, theirs = run_lesson("11_bigrams")[0], run_lesson("11_bigrams_torch")[0]
    np.testing.assert_array_equal(ours["counts"], theirs["counts"])
    assert ours["samples"] == theirs["samples"] and ours["samples_nn"] == theirs["samples_nn"]
    assert ours["count_nll"] == pytest.approx(theirs["count_nll"], rel=1e-6)
    np.testing.assert_allclose(ours["losses"], theirs["losses"], rtol=1e-5)   # float32 rounding
    assert run_lesson("11_bigrams")[1] == run_lesson("11_bigrams_torch")[1]  # every printed line


# ---- 12. embeddings and an MLP ----

def _mlp_loss_numpy(params, words, block=3):
    """The lesson's network on a list of names, written again in numpy (float64): mean cross-entropy."""
    C, W1, b1, W2, b2 = (p.numpy().astype(np.float64) for p in params)
    chars = "." + "abcdefghijklmnopqrstuvwxyz"
    X, Y = [], []
    for w in words:
        padded = "." * block + w + "."
        for i in range(len(w) + 1):
            X.append([chars.index(c) for c in padded[i:i + block]])
            Y.append(chars.index(padded[i + block]))
    X, Y = np.array(X), np.array(Y)
    logits = np.tanh(C[X].reshape(len(X), -1) @ W1 + b1) @ W2 + b2
    logits -= logits.max(1, keepdims=True)
    return float(-(logits[np.arange(len(Y)), Y] - np.log(np.exp(logits).sum(1))).mean())


def test_12_splits_are_the_census_names_and_the_losses_are_what_the_weights_give():
    r, _ = run_lesson("12_embeddings_mlp")
    train, dev, test = r["splits"]
    assert sorted(train + dev + test) == census_names()
    assert len(train) == int(0.8 * r["words"]) and not set(train) & set(dev)
    assert r["sizes"] == tuple(sum(len(w) + 1 for w in split) for split in (train, dev, test))
    h = r["hidden"]
    assert r["parameters"] == 27 * 10 + 30 * h + h + h * 27 + 27
    assert r["train"] == pytest.approx(_mlp_loss_numpy(r["params"], train), rel=1e-5)
    assert r["dev"] == pytest.approx(_mlp_loss_numpy(r["params"], dev), rel=1e-5)
    assert r["test"] == pytest.approx(_mlp_loss_numpy(r["params"], test), rel=1e-5)


def test_12_the_mlp_beats_the_bigram_counts_on_dev():
    r, _ = run_lesson("12_embeddings_mlp")
    xs, ys = bigram_arrays(r["splits"][0])
    counts = np.zeros((27, 27))
    np.add.at(counts, (xs, ys), 1)
    P = (counts + 1) / (counts + 1).sum(1, keepdims=True)
    dx, dy = bigram_arrays(r["splits"][1])
    assert r["bigram_dev"] == pytest.approx(-np.log(P[dx, dy]).mean(), rel=1e-5)
    assert r["train"] < r["dev"] < r["bigram_dev"] < math.log(27)
    assert abs(r["test"] - r["dev"]) < 0.1
    assert r["history"][0] > 3 * math.log(27)       # N(0, 1) weights: confidently wrong at the start
    assert all(re.fullmatch(r"[a-z]*", s) for s in r["samples"])


def test_12_the_sweep_has_a_floor_and_turns_up_past_it():
    r, _ = run_lesson("12_embeddings_mlp")
    assert 0.03 < r["best_lr"] < 1.0
    losses = r["sweep_losses"]
    tenth = len(losses) // 10
    floor = min(sum(losses[i:i + tenth]) / tenth for i in range(len(losses) - tenth))
    assert sum(losses[-tenth:]) / tenth > 1.05 * floor     # too large a rate undoes the learning
    assert sum(losses[:tenth]) / tenth > 2 * floor         # too small a rate barely moves


def test_12_pytorch_draws_the_same_start_and_the_same_first_minibatch():
    """Same seed, same numbers: the lesson's parameters and first step, redone in PyTorch."""
    torch = pytest.importorskip("torch")
    lesson = load("12_embeddings_mlp")
    import glassgrad

    losses = []
    for lib in (glassgrad, torch):
        g = lib.Generator().manual_seed(lesson.SEED)
        shapes = [(27, 10), (30, 100), (100,), (100, 27), (27,)]
        C, W1, b1, W2, b2 = [lib.randn(s, generator=g) for s in shapes]
        X = lib.randint(0, 27, (50, 3), generator=g)
        Y = lib.randint(0, 27, (50,), generator=g)
        h = lib.tanh(C[X].view(-1, 30) @ W1 + b1)
        losses.append(lib.nn.functional.cross_entropy(h @ W2 + b2, Y).item())
    ours = lesson.new_parameters(100, glassgrad.Generator().manual_seed(lesson.SEED))
    g = torch.Generator().manual_seed(lesson.SEED)
    theirs = [torch.randn(tuple(p.shape), generator=g) for p in ours]
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.detach().numpy(), b.numpy())
    assert losses[0] == pytest.approx(losses[1], rel=1e-6)


# ---- 13. a network's health ----

def test_13_bad_start_saturates_kaiming_and_batch_norm_do_not():
    r, _ = run_lesson("13_health")
    bad, kaiming, norm = r["N(0, 1)"], r["Kaiming"], r["batch norm"]
    assert bad["first_loss"] > 3 * math.log(27)
    assert kaiming["first_loss"] == pytest.approx(math.log(27), abs=0.1)   # last layer × 0.1: near uniform
    assert all(row[4] > 50 for row in bad["rows"])                          # saturated %
    assert all(row[4] < 15 for row in kaiming["rows"][1:])
    assert all(row[4] < 5 for row in norm["rows"])
    # Kaiming keeps the gradient's size steady through the depth; N(0, 1) lets it grow tenfold
    k_grads, b_grads = [row[6] for row in kaiming["rows"]], [row[6] for row in bad["rows"]]
    assert max(k_grads) / min(k_grads) < 1.5 and b_grads[0] / b_grads[-1] > 10
    assert kaiming["dev"] < norm["dev"] < bad["dev"]
    steps = len(next(iter(kaiming["ratios"].values())))
    for start in r.values():
        assert all(len(v) == steps for v in start["ratios"].values())
    middle = [v[-1] for name, v in kaiming["ratios"].items() if name not in ("0.weight", "10.weight")]
    assert all(1e-4 < v < 1e-1 for v in middle)


@pytest.mark.parametrize("start", ["N(0, 1)", "batch norm"])
def test_13_health_numbers_equal_the_same_network_in_pytorch(start):
    """The lesson's first step rebuilt in PyTorch (same seed: same weights, same minibatch); each tanh
    layer's std, saturated fraction and gradient std computed there by hand."""
    torch = pytest.importorskip("torch")
    lesson = load("13_health")
    r, _ = run_lesson("13_health")
    ours = lesson.build(start)
    torch.manual_seed(lesson.SEED)
    theirs = torch.nn.Sequential(*[_torch_twin(torch, m) for m in ours])
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})
    words = lesson.load_names()
    import random

    random.Random(42).shuffle(words)
    stoi = {c: i for i, c in enumerate(["."] + sorted(set("".join(words))))}
    X, Y = lesson.build_dataset(words[:int(0.8 * len(words))], stoi)
    ix = torch.randint(0, X.shape[0], (lesson.BATCH,), generator=torch.Generator().manual_seed(lesson.SEED))
    x, y = torch.from_numpy(X.numpy())[ix], torch.from_numpy(Y.numpy())[ix]
    outputs = []

    def keep(module, args, out):
        out.retain_grad()
        outputs.append(out)

    for m in theirs:
        if isinstance(m, torch.nn.Tanh):
            m.register_forward_hook(keep)
    loss = torch.nn.functional.cross_entropy(theirs(x), y)
    loss.backward()
    assert r[start]["first_loss"] == pytest.approx(loss.item(), rel=1e-5)
    for row, a in zip(r[start]["rows"], outputs):
        assert row[3] == pytest.approx(a.std().item(), rel=1e-4)
        assert row[4] == pytest.approx(100 * (a.abs() > 0.97).double().mean().item(), abs=1e-9)
        assert row[6] == pytest.approx(a.grad.std().item(), rel=1e-3)


def _torch_twin(torch, m):
    """The PyTorch module of the same kind and shape as glassgrad's module ``m``."""
    kind = type(m).__name__
    if kind == "Embedding":
        return torch.nn.Embedding(m.num_embeddings, m.embedding_dim)
    if kind == "Linear":
        return torch.nn.Linear(m.in_features, m.out_features, bias=m.bias is not None)
    if kind == "BatchNorm1d":
        return torch.nn.BatchNorm1d(m.num_features)
    return getattr(torch.nn, kind)()


# ---- 14. backprop by hand, in tensors ----

def test_14_every_hand_written_gradient_equals_autograd():
    r, _ = run_lesson("14_backprop_by_hand")
    assert len(r["diffs"]) == 26
    for name, diff in r["diffs"].items():
        assert diff < 1e-14, name                     # float64: equal up to rounding
    assert r["fused_ce"] < 1e-14 and r["fused_bn"] < 1e-14
    assert r["dlogit_maxes"] < 1e-15                 # subtracting the max changes no probability


def test_14_hand_written_gradients_equal_pytorchs_autograd():
    """The same minibatch and weights through PyTorch's own batch norm formula and cross_entropy."""
    torch = pytest.importorskip("torch")
    r, _ = run_lesson("14_backprop_by_hand")
    p = {k: torch.tensor(v, requires_grad=True) for k, v in r["params"].items()}
    X, Y = torch.from_numpy(r["Xb"]), torch.from_numpy(r["Yb"])
    hprebn = p["C"][X].view(len(X), -1) @ p["W1"] + p["b1"]
    normalised = (hprebn - hprebn.mean(0)) / torch.sqrt(hprebn.var(0, unbiased=True) + 1e-5)
    h = torch.tanh(p["bngain"] * normalised + p["bnbias"])
    loss = torch.nn.functional.cross_entropy(h @ p["W2"] + p["b2"], Y)
    loss.backward()
    assert r["loss"] == pytest.approx(loss.item(), rel=1e-12)
    for name, value in p.items():
        np.testing.assert_allclose(r["hand"][name], value.grad.numpy(), rtol=1e-9, atol=1e-14, err_msg=name)


def test_14_hand_written_gradients_alone_train_the_network():
    r, _ = run_lesson("14_backprop_by_hand")
    assert len(r["losses"]) == r["steps"]
    assert r["first"] > r["last"] + 0.4 and r["last"] < math.log(27)


# ---- 15. attention ----

def test_15_weights_by_hand_and_the_library_agree():
    r, _ = run_lesson("15_attention")
    q, k, v, w = r["q"].astype(np.float64), r["k"].astype(np.float64), r["v"], r["weights"]
    size, hs = q.shape
    scores = q @ k.T / math.sqrt(hs)
    scores[np.triu_indices(size, 1)] = -np.inf
    expected = np.exp(scores - scores.max(1, keepdims=True))
    expected /= expected.sum(1, keepdims=True)
    np.testing.assert_allclose(w, expected, rtol=1e-5, atol=1e-7)
    assert np.all(w[np.triu_indices(size, 1)] == 0) and np.allclose(w.sum(1), 1)
    np.testing.assert_allclose(r["mixed"], w @ v, rtol=1e-5, atol=1e-6)
    assert r["library_gap"] < 1e-6 and r["mean_gap"] < 1e-6
    assert r["raw_std"] / r["scaled_std"] == pytest.approx(math.sqrt(hs), rel=1e-5)
    assert 0.5 < r["scaled_std"] < 2


def test_15_pytorch_draws_the_same_sequence_and_attends_the_same_way():
    torch = pytest.importorskip("torch")
    lesson = load("15_attention")
    r, _ = run_lesson("15_attention")
    torch.manual_seed(lesson.SEED)
    x = torch.randn(lesson.T, lesson.C)
    Wq, Wk, Wv = (torch.randn(lesson.C, lesson.HEAD) / math.sqrt(lesson.C) for _ in range(3))
    np.testing.assert_allclose((x @ Wq).numpy(), r["q"], rtol=1e-6, atol=1e-7)
    q, k, v = (torch.from_numpy(r[n]) for n in "qkv")
    theirs = torch.nn.functional.scaled_dot_product_attention(q[None], k[None], v[None], is_causal=True)[0]
    np.testing.assert_allclose(theirs.numpy(), r["mixed"], rtol=1e-5, atol=1e-6)


def test_15_the_head_learns_to_look_one_back():
    r, _ = run_lesson("15_attention")
    lesson = load("15_attention")
    assert r["losses"][0] == pytest.approx(math.log(lesson.VOCAB), abs=0.3)   # a guess among 10 digits
    assert r["losses"][-1] < 0.05 and r["accuracy"] > 0.95
    learned = r["learned"]
    assert all(learned[i, i - 1] > 0.9 for i in range(1, lesson.BLOCK))
    np.testing.assert_allclose(r["back"], [learned[i, i - 1] for i in range(1, lesson.BLOCK)], rtol=1e-6)
    assert r["strongest"] == [0] + list(range(lesson.BLOCK - 1))
    last = learned[-1][learned[-1] > 0]
    assert r["entropy_last"] == pytest.approx(-(last * np.log(last)).sum(), rel=1e-4, abs=1e-6)
    assert r["entropy_last"] < 0.5 < math.log(lesson.BLOCK)


def test_15_runs_as_a_script_and_draws_its_heatmaps(tmp_path):
    pytest.importorskip("matplotlib")
    done = subprocess.run([sys.executable, str(LESSONS / "15_attention.py"), "--quick", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    for name in ("15_attention_mechanics.png", "15_attention_learned.png"):
        assert (tmp_path / name).stat().st_size > 1000


# ---- the pages ----

LM_LESSONS = ["11_bigrams", "12_embeddings_mlp", "13_health", "14_backprop_by_hand", "15_attention"]
LM_PAGES = [page_of(stem) for stem in LM_LESSONS]


@pytest.mark.parametrize("stem", LM_LESSONS)
def test_each_page_shows_the_output_of_a_real_run(stem):
    if (LESSONS / f"{stem}_torch.py").exists():
        pytest.importorskip("torch")
    check_page_output(stem, twin_same_mode=True)


@pytest.mark.parametrize("page", LM_PAGES, ids=[p.stem for p in LM_PAGES])
def test_each_pages_python_blocks_run(page, capsys):
    run_python_blocks(page)
