"""The code view: the studio's current network and training loop, written out as a script.

Read this after ``stepview.py``, and beside ``trainer.py``: the script is that module's ``Run`` as
straight-line code. Of the studio it imports only ``config.py`` (and of glassgrad only ``datasets``, whose
generators it copies); ``app.py`` serves it. Two versions:

- ``glassgrad_code(config)``: ``import glassgrad as torch`` — with the same seed it reproduces the studio's
  numbers exactly (the same data, the same initial weights drawn in the same order, the same batches);
- ``pytorch_code(config)``: the same lines with ``import torch``, the data set's generator copied in, so it
  runs with PyTorch alone (and gives PyTorch's own random numbers).

That the two differ only in their imports is the point of Part III.
"""

from __future__ import annotations

import inspect

from glassgrad import datasets
from glassgrad.studio.config import CLASSES, FEATURES, features_for, kind_of

__all__ = ["glassgrad_code", "pytorch_code"]

_ACT = {"tanh": "nn.Tanh()", "relu": "nn.ReLU()", "sigmoid": "nn.Sigmoid()", "leaky_relu": "nn.LeakyReLU()"}
_OPT = {"sgd": "torch.optim.SGD(model.parameters(), lr={lr!r})",
        "momentum": "torch.optim.SGD(model.parameters(), lr={lr!r}, momentum=0.9)",
        "adam": "torch.optim.Adam(model.parameters(), lr={lr!r})",
        "rmsprop": "torch.optim.RMSprop(model.parameters(), lr={lr!r})"}


def _data_lines(c: dict) -> list[str]:
    name, noise, seed = c["dataset"], c["noise"], c["seed"]
    call = {
        "moons": f"moons(200, noise={noise!r}, seed={seed})",
        "circles": f"circles(200, noise={noise!r}, seed={seed})",
        "xor": f"xor(200, noise={noise!r}, seed={seed})",
        "spiral": f"spiral(100, classes=3, noise={noise!r}, seed={seed})",
        "blobs": f"blobs(240, centers=3, std={1.0 + 8.0 * noise!r}, seed={seed})",
        "quadratic": f"quadratic(60, seed={seed})",
    }[name]
    lines = [f"X, y = {call}"]
    if name == "quadratic":
        lines += [
            "clean = 3.0 * X[:, 0] ** 2 + 2.0 * X[:, 0] + 1.0",
            f"y = clean + (y - clean) * ({noise!r} / 0.1)  # the noise slider: 0.1 is fastai's noise",
            "y = (y - y.mean()) / y.std()  # standardised targets",
            f"order = np.random.default_rng({seed}).permutation(len(X))  # x comes sorted: mix it",
            "X, y = X[order], y[order]",
        ]
    lines += ["X = X - X.mean(axis=0)  # centred ...", "X = X / np.abs(X).max()  # ... and scaled into [-1, 1]"]
    features = c["features"]
    if features != list(features_for(name))[: 1 if name == "quadratic" else 2]:  # not just the raw columns
        columns = ", ".join(FEATURES[f][0] for f in features)
        lines.append(f"X = np.stack([{columns}], axis=1)  # the input features: {', '.join(features)}")
    return lines


def _targets(c: dict) -> tuple[list[str], str]:
    """Lines making the targets from numpy labels ``y``, and the loss expression on (out, target)."""
    kind, loss = kind_of(c["dataset"]), c["loss"]
    if kind == "regression":
        make = ["t = torch.tensor(y.astype(np.float32))"]
        fn = "F.mse_loss(out.squeeze(1), target)" if loss == "mse" else "F.l1_loss(out.squeeze(1), target)"
    elif kind == "multiclass":
        if loss == "cross_entropy":
            make = ["t = torch.tensor(y.astype(np.int64))"]
            fn = "F.cross_entropy(out, target)"
        else:
            make = [f"t = F.one_hot(torch.tensor(y.astype(np.int64)), {CLASSES[c['dataset']]}).float()"]
            fn = "F.mse_loss(out, target)"
    elif loss == "cross_entropy":
        make = ["t = torch.tensor(y.astype(np.float32))  # labels 0/1"]
        fn = "F.binary_cross_entropy_with_logits(out.squeeze(1), target)"
    else:
        make = ["t = torch.tensor((2 * y - 1).astype(np.float32))  # labels -1/+1"]
        fn = ("F.mse_loss(out.squeeze(1), target)" if loss == "mse"
              else "F.relu(1 - target * out.squeeze(1)).mean()  # hinge")
    return make, fn


def _body(c: dict, steps: int) -> list[str]:
    kind = kind_of(c["dataset"])
    nin = len(c["features"])
    nout = CLASSES[c["dataset"]] if kind == "multiclass" else 1
    sizes = [nin] + list(c["hidden"]) + [nout]
    make, fn = _targets(c)
    layers = []
    for a, b in zip(sizes[:-2], sizes[1:-1]):
        act = "" if c["activation"] == "linear" else f" {_ACT[c['activation']]},"
        layers.append(f"    nn.Linear({a}, {b}),{act}")
    layers.append(f"    nn.Linear({sizes[-2]}, {sizes[-1]}),")
    lines = [
        f"torch.manual_seed({c['seed']})  # the initial weights and the batch order come from this seed",
        *_data_lines(c),
        f"n_train = {_n_train(c)}  # the first {round(c['split'] * 100)}% train, the rest test",
        "X_train = torch.tensor(X[:n_train].astype(np.float32))",
        "X_test = torch.tensor(X[n_train:].astype(np.float32))",
        *make,
        "t_train, t_test = t[:n_train], t[n_train:]",
        "",
        "model = nn.Sequential(",
        *layers,
        ")",
        f"optimizer = {_OPT[c['optimizer']].format(lr=c['lr'])}",
        "",
        "",
        "def loss_fn(out, target):",
        f"    return {fn}",
        "",
        "",
    ]
    if c["regularization"] != "none" and c["reg_rate"] != 0:
        term = "w.abs().sum()" if c["regularization"] == "l1" else "(w ** 2).sum()"
        lines += [
            "def penalty():  # " + ("L1" if c["regularization"] == "l1" else "L2") + " on the weights (not the biases)",
            "    weights = [m.weight for m in model if isinstance(m, nn.Linear)]",
            f"    return {c['reg_rate']!r} * sum({term} for w in weights)",
            "",
            "",
        ]
        add_penalty = ["    loss = loss + penalty()"]
    else:
        add_penalty = []
    lines += [
        f"steps, batch_size = {steps}, {c['batch_size']}",
        "perm, start = None, n_train",
        "for step in range(steps):",
        "    if start >= n_train:  # a new epoch: a new shuffle",
        "        perm, start = torch.randperm(n_train), 0",
        "    batch = perm[start:start + batch_size]",
        "    start += batch_size",
        "    loss = loss_fn(model(X_train[batch]), t_train[batch])",
        *add_penalty,
        "    optimizer.zero_grad()",
        "    loss.backward()",
        "    optimizer.step()",
        "",
        "with torch.no_grad():",
        "    train_loss = loss_fn(model(X_train), t_train).item()",
        "    test_loss = loss_fn(model(X_test), t_test).item()",
    ]
    if kind == "regression":
        lines += ['print(f"after {steps} steps: train loss {train_loss:.4f}, test loss {test_loss:.4f}")']
    else:
        pred = "out.argmax(1)" if nout > 1 else "(out.squeeze(1) > 0).long()"
        lines += [
            "    out = model(X_test)",
            f"    test_accuracy = ({pred} == torch.tensor(y[n_train:])).float().mean().item()",
            'print(f"after {steps} steps: train loss {train_loss:.4f}, test loss {test_loss:.4f}, "',
            '      f"test accuracy {test_accuracy:.1%}")',
        ]
    return lines


def _n_train(c: dict) -> int:
    n = {"moons": 200, "circles": 200, "xor": 200, "spiral": 300, "blobs": 240, "quadratic": 60}[c["dataset"]]
    return int(round(n * c["split"]))


def _summary(c: dict) -> str:
    shape = " → ".join(str(s) for s in c["hidden"]) or "no hidden layer"
    return (f'"""The glassgrad studio\'s network: {c["dataset"]} (inputs {", ".join(c["features"])}), '
            f'hidden layers {shape}, {c["activation"]}, '
            f'{c["loss"]} loss,\n{c["optimizer"]} at lr={c["lr"]!r}, batches of {c["batch_size"]}, '
            f'regularisation {c["regularization"]}."""')


def glassgrad_code(config: dict, steps: int = 200) -> str:
    """The script with glassgrad; it reproduces the studio's run number for number."""
    head = [
        _summary(config),
        "import numpy as np",
        "",
        "import glassgrad as torch  # glassgrad's tensors speak PyTorch: change this line to `import torch`",
        "import glassgrad.nn as nn",
        "import glassgrad.nn.functional as F",
        f"from glassgrad.datasets import {_generator_name(config)}",
        "",
    ]
    return "\n".join(head + _body(config, steps)) + "\n"


def pytorch_code(config: dict, steps: int = 200) -> str:
    """The same script with PyTorch; the data set's generator is copied in from glassgrad.datasets."""
    name = _generator_name(config)
    source = [inspect.getsource(datasets._shuffle), inspect.getsource(getattr(datasets, name))]
    head = [
        _summary(config),
        "import numpy as np",
        "import torch",
        "import torch.nn as nn",
        "import torch.nn.functional as F",
        "",
        "",
        "# the data set, copied from glassgrad/datasets.py (numpy only)",
        *"\n\n".join(s.rstrip() for s in source).splitlines(),
        "",
        "",
    ]
    return "\n".join(head + _body(config, steps)) + "\n"


def _generator_name(config: dict) -> str:
    return config["dataset"]
