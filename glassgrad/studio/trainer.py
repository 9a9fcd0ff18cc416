"""The studio's training: one ``Run`` per session, and one worker thread that trains them all.

Read this after ``config.py`` (the choices a run is built from) and before ``sessions.py`` (which gives
each browser tab a ``Run``). A ``Run`` is an ordinary glassgrad training loop taken apart so that it can
stop after any step: the data (``glassgrad.datasets``), an ``nn.Sequential`` of ``Linear`` layers and
activations fed the chosen input features (``make_inputs``), an optimizer from ``glassgrad.optim``, and a batch order drawn from the run's *own*
``glassgrad.Generator`` — so the same seed gives the same run, whatever other tabs do. ``codegen.py``
writes this very loop out as a script; with the same seed the script reproduces the studio's numbers.

The health panel watches the same loop with ``glassgrad.explain.health``, cheaply: on a watched step the
instrument's hooks go on the model for that one step — the training batch's forward and backward, then
``h.step()`` after ``optimizer.step()`` — and come off again, so the evaluations and pictures between are
never counted. Watched are steps 1, 11, 21, ... (every ``HEALTH_EVERY``-th) until ``HEALTH_HISTORY`` of
them are kept; then, as the loss history does, every other point goes and the interval doubles, so a long
run is watched at a few hundred steps in all (a watched step costs about 3 ms on a 6 × 8 network, most
of it the histograms). What they saw is kept as plain numbers (``health_report``): each layer's
activation and gradient statistics from the latest watched step, and each weight matrix's
update-to-data ratio at every watched step kept.

glassgrad keeps two things process-wide: the grad mode (``no_grad``) and the default random generator.
Two sessions training on two threads at once could switch each other's grad mode mid-step. So every use
of the engine holds ``ENGINE_LOCK``, and one worker thread takes the sessions' training in turn, a short
chunk of steps each (``Worker``), as fast as it can or at the speed the page asks for (steps per second). The web server's event loop never trains: it only hands requests to
the worker or to a thread (``asyncio.to_thread``) and streams what comes back.
"""

from __future__ import annotations

import base64
import itertools
import json
import math
import threading
import time

import numpy as np

import glassgrad
from glassgrad import creation, datasets, explain, nn, optim
from glassgrad.nn import functional as F
from glassgrad.nn import init
from glassgrad.studio.config import CLASSES, kind_of

__all__ = ["ENGINE_LOCK", "Run", "Worker", "make_data", "make_inputs", "EXTENT"]

ENGINE_LOCK = threading.RLock()  # held by whoever runs glassgrad (see the module docstring)

EXTENT = 1.25  # the input plane shown on the page is [−EXTENT, EXTENT]²
GRID = 48  # decision-boundary cells per side
THUMB_EVERY = 3  # a neuron's thumbnail samples every 3rd cell of the boundary grid (16 × 16)
CURVE_POINTS = 96  # regression: the fitted curve's samples
MAX_HISTORY = 400  # loss-curve points kept per session; older ones are thinned, never dropped
CHUNK_SECONDS = 0.02  # how long the worker trains one session before turning to the next
SEND_EVERY = 0.05  # at most 20 updates a second per session
HEALTH_EVERY = 10  # explain.health watches steps 1, 11, 21, ... at first (see the module docstring)
HEALTH_BINS = 20  # bins of each layer's activation and gradient histograms
HEALTH_HISTORY = 100  # watched steps kept per session; then thinned, and watched half as often

_VERSIONS = itertools.count(1)  # each Run's number: the page drops updates from a run it has replaced
ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU, "sigmoid": nn.Sigmoid, "leaky_relu": nn.LeakyReLU}
# the same expressions as config.FEATURES' text (codegen.py writes that text into the scripts)
FEATURE_FUNCTIONS = {
    "x1": lambda X: X[:, 0],
    "x2": lambda X: X[:, 1],
    "x1^2": lambda X: X[:, 0] ** 2,
    "x2^2": lambda X: X[:, 1] ** 2,
    "x1*x2": lambda X: X[:, 0] * X[:, 1],
    "sin(x1)": lambda X: np.sin(X[:, 0]),
    "sin(x2)": lambda X: np.sin(X[:, 1]),
}


def make_data(config: dict):
    """(X, y) as numpy arrays for the configuration, inputs centred and scaled into [−1, 1].

    Regression targets are standardised (mean 0, std 1) so one learning rate suits every data set.
    """
    name, noise, seed = config["dataset"], config["noise"], config["seed"]
    if name == "moons":
        X, y = datasets.moons(200, noise=noise, seed=seed)
    elif name == "circles":
        X, y = datasets.circles(200, noise=noise, seed=seed)
    elif name == "xor":
        X, y = datasets.xor(200, noise=noise, seed=seed)
    elif name == "spiral":
        X, y = datasets.spiral(100, classes=3, noise=noise, seed=seed)
    elif name == "blobs":
        X, y = datasets.blobs(240, centers=3, std=1.0 + 8.0 * noise, seed=seed)
    else:  # quadratic: fastai's noise at noise=0.1, scaled for other values
        X, y = datasets.quadratic(60, seed=seed)
        clean = 3.0 * X[:, 0] ** 2 + 2.0 * X[:, 0] + 1.0
        y = clean + (y - clean) * (noise / 0.1)
        y = (y - y.mean()) / y.std()
        order = np.random.default_rng(seed).permutation(len(X))  # x comes sorted: mix train and test
        X, y = X[order], y[order]
    X = X - X.mean(axis=0)
    X = X / np.abs(X).max()
    return X, y


def make_inputs(X: np.ndarray, features) -> np.ndarray:
    """The network's inputs: one column per chosen feature of the raw columns X (x1, x2)."""
    return np.stack([FEATURE_FUNCTIONS[name](X) for name in features], axis=1)


def _b64(values01: np.ndarray) -> str:
    """Numbers in [0, 1] as base64 bytes 0..255: a 48 × 48 grid is 3 kB of JSON instead of 20."""
    q = np.clip(np.rint(values01 * 255.0), 0, 255).astype(np.uint8)
    return base64.b64encode(q.tobytes()).decode("ascii")


def _round(a, digits=5):
    """Nested lists of floats with ``digits`` significant digits (small messages, readable numbers)."""
    return np.vectorize(lambda v: float(f"{v:.{digits}g}"), otypes=[float])(np.asarray(a, float)).tolist()


class Run:
    """One session's data, network, optimizer and progress. Call its methods with ENGINE_LOCK held."""

    def __init__(self, config: dict):
        self.config = config
        self.kind = kind_of(config["dataset"])
        self.classes = CLASSES[config["dataset"]]
        X, y = make_data(config)
        n_train = int(round(len(X) * config["split"]))
        self.X, self.y, self.n_train = X, y, n_train
        self.dims = X.shape[1]  # the data's own columns: 2 (the plane) or 1 (regression's x)
        self.inputs = make_inputs(X, config["features"])  # what the network is fed
        self.nin = self.inputs.shape[1]
        self.nout = self.classes if self.kind == "multiclass" else 1
        self.step = 0
        self.epoch = 0
        self.perm = None
        self.start = 0
        self.history = []  # (step, train loss, test loss, train accuracy, test accuracy)
        self.history_every = 1
        self.last_batch_loss = None
        self.diverged = False
        self.health = None  # the latest watched step: (step, explain.health's Health)
        self.ratio_history = []  # (step, {weight label: update-to-data ratio}) at watched steps
        self.health_every = HEALTH_EVERY  # steps between watched steps; doubles when the history is thinned
        with ENGINE_LOCK:
            self.version = next(_VERSIONS)
            self._build()
            self.metrics = self.evaluate()
        self._record()

    # ---- building ----

    def _build(self):
        c = self.config
        self.generator = glassgrad.Generator().manual_seed(c["seed"])
        sizes = [self.nin] + list(c["hidden"]) + [self.nout]
        # nn.Linear draws its initial weights from the global generator; put it back as it was, then draw
        # again from this run's own generator, in the same order Linear.reset_parameters does.
        saved = glassgrad.get_rng_state()
        self.linears = [nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])]
        glassgrad.set_rng_state(saved)
        for lin in self.linears:
            init.kaiming_uniform_(lin.weight, a=math.sqrt(5), generator=self.generator)
            bound = 1 / math.sqrt(lin.in_features)
            init.uniform_(lin.bias, -bound, bound, generator=self.generator)
        layers = []
        for lin in self.linears[:-1]:
            layers.append(lin)
            if c["activation"] != "linear":
                layers.append(ACTIVATIONS[c["activation"]]())
        layers.append(self.linears[-1])
        self.model = nn.Sequential(*layers)
        # one naming scheme: layer ℓ is the Linear whose weights are Wℓ, and the activation after it
        self.layer_labels, self.weight_labels, ell = {}, {}, 0
        for name, module in self.model.named_children():
            if isinstance(module, nn.Linear):
                ell += 1
                self.weight_labels[f"{name}.weight"] = f"W{ell}"
            self.layer_labels[name] = (f"layer{ell}", type(module).__name__)
        lr = c["lr"]
        params = self.model.parameters()
        self.optimizer = {
            "sgd": lambda: optim.SGD(params, lr=lr),
            "momentum": lambda: optim.SGD(params, lr=lr, momentum=0.9),
            "adam": lambda: optim.Adam(params, lr=lr),
            "rmsprop": lambda: optim.RMSprop(params, lr=lr),
        }[c["optimizer"]]()
        X = self.inputs.astype(np.float32)
        self.X_train = glassgrad.tensor(X[: self.n_train])
        self.X_test = glassgrad.tensor(X[self.n_train:])
        self.t_train = self._targets(self.y[: self.n_train])
        self.t_test = self._targets(self.y[self.n_train:])

    def _targets(self, y):
        """The tensor the loss compares the network's output with."""
        loss = self.config["loss"]
        if self.kind == "regression":
            return glassgrad.tensor(y.astype(np.float32))
        if self.kind == "multiclass":
            t = glassgrad.tensor(y.astype(np.int64))
            return t if loss == "cross_entropy" else F.one_hot(t, self.classes).float()
        if loss == "cross_entropy":
            return glassgrad.tensor(y.astype(np.float32))  # 0/1 for BCE with logits
        return glassgrad.tensor((2 * y - 1).astype(np.float32))  # −1/+1 for mse and hinge

    # ---- the loss and one step ----

    def data_loss(self, out, t):
        loss = self.config["loss"]
        if self.nout == 1:
            out = out.squeeze(1)
        if loss == "cross_entropy":
            if self.kind == "multiclass":
                return F.cross_entropy(out, t)
            return F.binary_cross_entropy_with_logits(out, t)
        if loss == "mse":
            return F.mse_loss(out, t)
        if loss == "mae":
            return F.l1_loss(out, t)
        return F.relu(1 - t * out).mean()  # hinge

    def penalty(self):
        c = self.config
        if c["regularization"] == "none" or c["reg_rate"] == 0:
            return None
        if c["regularization"] == "l1":
            return c["reg_rate"] * sum(lin.weight.abs().sum() for lin in self.linears)
        return c["reg_rate"] * sum((lin.weight ** 2).sum() for lin in self.linears)

    def train_step(self):
        """One optimizer step on the next batch; a new shuffle (from this run's generator) each epoch."""
        if self.perm is None or self.start >= self.n_train:
            if self.perm is not None:
                self.epoch += 1
            self.perm = glassgrad.randperm(self.n_train, generator=self.generator)
            self.start = 0
        idx = self.perm[self.start: self.start + self.config["batch_size"]]
        self.start += self.config["batch_size"]
        watch = explain.health(self.model, bins=HEALTH_BINS) if self.step % self.health_every == 0 else None
        loss = self._loss_and_gradients(idx)
        self.optimizer.step()
        self.step += 1
        if watch is not None:
            self._record_health(watch, watch.step())
            watch.remove()
        self.last_batch_loss = loss.item()
        if not math.isfinite(self.last_batch_loss):
            self.diverged = True
        if self.step % self.history_every == 0:
            self.metrics = self.evaluate()
            self._record()

    def _loss_and_gradients(self, idx):
        """Forward the batch ``idx``, the loss (with the penalty), and backward into fresh gradients."""
        out = self.model(self.X_train[idx])
        loss = self.data_loss(out, self.t_train[idx])
        reg = self.penalty()
        if reg is not None:
            loss = loss + reg
        self.optimizer.zero_grad()
        loss.backward()
        return loss

    def _record_health(self, watch, ratios: dict):
        """Keep what ``explain.health`` saw at this step; past HEALTH_HISTORY steps, thin and slow down."""
        self.health = (self.step, watch)
        self.ratio_history.append((self.step, {self.weight_labels[k]: v for k, v in ratios.items()}))
        if len(self.ratio_history) > HEALTH_HISTORY:  # keep every other point, watch half as often
            self.ratio_history = self.ratio_history[::2]
            self.health_every *= 2

    def _record(self):
        m = self.metrics
        self.history.append((self.step, m["train_loss"], m["test_loss"], m["train_acc"], m["test_acc"]))
        if len(self.history) > MAX_HISTORY:  # keep every other point and record half as often
            self.history = self.history[::2]
            self.history_every *= 2

    # ---- reading the network ----

    def accuracy(self, out, y):
        if self.kind == "regression":
            return None
        scores = out._array
        pred = scores.argmax(axis=1) if self.nout > 1 else (scores[:, 0] > 0).astype(np.int64)
        return float((pred == y).mean()) if len(y) else None

    def evaluate(self) -> dict:
        """Loss (data term, the whole split) and accuracy on the training and the test data."""
        with glassgrad.no_grad():
            out_tr = self.model(self.X_train)
            out_te = self.model(self.X_test)
            tr = self.data_loss(out_tr, self.t_train).item()
            te = self.data_loss(out_te, self.t_test).item() if len(self.X_test) else None
        return {
            "train_loss": _finite(tr), "test_loss": _finite(te),
            "train_acc": self.accuracy(out_tr, self.y[: self.n_train]),
            "test_acc": self.accuracy(out_te, self.y[self.n_train:]),
        }

    def grid_points(self):
        if self.dims == 1:
            return np.linspace(-EXTENT, EXTENT, CURVE_POINTS)[:, None]
        ticks = np.linspace(-EXTENT, EXTENT, GRID)
        gx, gy = np.meshgrid(ticks, ticks[::-1])  # row 0 is the top of the picture (largest x2)
        return np.stack([gx.ravel(), gy.ravel()], axis=1)

    def neuron_outputs(self, points: np.ndarray) -> list[np.ndarray]:
        """Every layer's output over ``points``: after each hidden layer's activation, then the scores."""
        outs = []
        with glassgrad.no_grad():
            h = glassgrad.tensor(make_inputs(points, self.config["features"]).astype(np.float32))
            for module in self.model:
                h = module(h)
                if not isinstance(module, nn.Linear) or self.config["activation"] == "linear":
                    outs.append(h._array.astype(np.float64))
            if self.config["activation"] != "linear":
                outs.append(h._array.astype(np.float64))
        return outs

    def pictures(self) -> dict:
        """The decision boundary (or fitted curve) and each neuron's thumbnail, compactly encoded."""
        points = self.grid_points()
        outs = self.neuron_outputs(points)
        scores = outs[-1]
        thumbs = []
        if self.dims == 1:  # regression: curves, not pictures
            every = CURVE_POINTS // 24
            for layer in outs:
                thumbs.append([_round(layer[::every, j], 4) for j in range(layer.shape[1])])
            return {"boundary": {"kind": "curve", "x": _round(points[::1, 0], 4),
                                 "y": _round(np.nan_to_num(scores[:, 0]), 4)},
                    "thumbs": thumbs}
        for layer in outs:
            cells = layer.reshape(GRID, GRID, -1)[::THUMB_EVERY, ::THUMB_EVERY]
            row = []
            for j in range(layer.shape[1]):
                v = np.nan_to_num(cells[:, :, j])
                scale = max(1.0, float(np.abs(v).max()))
                row.append({"scale": round(scale, 4), "data": _b64((v / scale + 1) / 2)})
            thumbs.append(row)
        scores = np.nan_to_num(scores)
        if self.nout == 1:
            if self.config["loss"] == "cross_entropy":
                conf = np.tanh(scores[:, 0] / 2)  # = 2σ(s) − 1: the probability of class 1, as −1..1
            else:
                conf = np.clip(scores[:, 0], -1, 1)  # targets are ±1
            boundary = {"kind": "binary", "data": _b64((conf + 1) / 2)}
        else:
            cls = scores.argmax(axis=1)
            if self.config["loss"] == "cross_entropy":
                e = np.exp(scores - scores.max(axis=1, keepdims=True))
                top = (e.max(axis=1) / e.sum(axis=1) - 1 / self.nout) / (1 - 1 / self.nout)
            else:
                top = np.clip(scores.max(axis=1), 0, 1)
            boundary = {"kind": "multi", "classes": self.nout,
                        "cls": base64.b64encode(cls.astype(np.uint8).tobytes()).decode("ascii"),
                        "data": _b64(top)}
        return {"boundary": boundary, "thumbs": thumbs}

    def next_batch(self) -> list[int]:
        """The training indices the next step will use (a new epoch's are not drawn yet: [])."""
        if self.perm is None or self.start >= self.n_train:
            return []
        return [int(i) for i in self.perm[self.start: self.start + self.config["batch_size"]]._array]

    def weights(self, exact: bool = False):
        conv = (lambda a: a.astype(float).tolist()) if exact else _round
        return ([conv(lin.weight._array) for lin in self.linears],
                [conv(lin.bias._array) for lin in self.linears])

    def health_report(self, exact: bool = False) -> dict:
        """The health panel's numbers: explain.health's per-layer statistics at the latest watched step
        (``step``; None before the first), one step in ``every`` being watched now, and the update-to-data
        ratio history, one column per weight matrix.

        A layer's ``activation`` and ``gradient`` are {mean, std, saturated (tanh layers; else None),
        counts, lo, hi}: the histogram's ``counts`` over equal bins from ``lo`` to ``hi``. ``ratios`` rows
        are [step, ratio of W1, ratio of W2, ...], ratio = std(W_new − W_old) / std(W_new) for that one
        step. Numbers JSON cannot hold (NaN, infinity) are None.
        """
        num = (lambda v: _finite(float(v))) if exact else (lambda v: _finite(float(f"{v:.4g}")))
        step, watch = self.health if self.health is not None else (None, None)

        def stats(s):
            if s is None:
                return None
            return {"mean": num(s.mean), "std": num(s.std),
                    "saturated": None if s.saturated is None else num(s.saturated),
                    "counts": [int(c) for c in s.counts], "lo": num(s.edges[0]), "hi": num(s.edges[-1])}

        layers = []
        for name, (layer, kind) in self.layer_labels.items():
            seen = watch.layers[name] if watch is not None else None
            layers.append({"name": name, "label": f"{layer} {kind}", "kind": kind,
                           "activation": stats(seen.activation) if seen else None,
                           "gradient": stats(seen.gradient) if seen else None})
        weights = list(self.weight_labels.values())
        return {"step": step, "every": self.health_every, "layers": layers, "weights": weights,
                "ratios": [[s] + [num(r[w]) for w in weights] for s, r in self.ratio_history]}

    # ---- messages for the page ----

    def layout(self) -> dict:
        """Sent once per (re)build: the configuration, the data points and the network's shape."""
        return {
            "type": "layout",
            "version": self.version,
            "config": self.config,
            "kind": self.kind,
            "classes": self.classes,
            "sizes": [self.nin] + list(self.config["hidden"]) + [self.nout],
            "extent": EXTENT,
            "features": list(self.config["features"]),
            "grid": GRID if self.dims == 2 else CURVE_POINTS,
            "thumb": GRID // THUMB_EVERY if self.dims == 2 else 24,
            "n_train": self.n_train,
            "points": {"x": _round(self.X, 6), "y": self.y.tolist()},
            "history": [list(h) for h in self.history],
        }

    def snapshot(self) -> dict:
        """Sent at most 20 times a second while training: the numbers that change."""
        if self.step % self.history_every:  # metrics are refreshed at recorded steps only; refresh now
            self.metrics = self.evaluate()
        W, b = self.weights()
        msg = {
            "type": "state",
            "version": self.version,
            "step": self.step,
            "epoch": self.epoch,
            "epoch_fraction": round(self.epoch + min(self.start, self.n_train) / self.n_train, 3)
            if self.perm is not None else 0.0,
            "batch_loss": _finite(self.last_batch_loss),
            "diverged": self.diverged,
            **self.metrics,
            "weights": W,
            "biases": b,
            "history_point": list(self.history[-1]) if self.history else None,
            "health": self.health_report(),
        }
        msg.update(self.pictures())
        return msg


def _finite(v):
    """JSON has no NaN or infinity: a diverged loss is sent as null (and the page says so)."""
    return v if v is not None and math.isfinite(v) else None


class Worker(threading.Thread):
    """One thread that trains every running session in turn and sends each page its updates.

    ``publish(session, text)`` hands a JSON message to the session's listeners (app.py provides it: it
    crosses over to the event loop with ``call_soon_threadsafe``).
    """

    def __init__(self, store, publish):
        super().__init__(name="glassgrad-studio-worker", daemon=True)
        self.store = store
        self.publish = publish
        self.wake = threading.Event()
        self.stopping = False

    def stop(self):
        self.stopping = True
        self.wake.set()

    def run(self):
        while not self.stopping:
            busy = False
            for session in self.store.all():
                if session.closed:
                    continue
                try:
                    busy |= self._serve(session)
                except Exception as e:  # noqa: BLE001 - one session's failure must not stop the others
                    session.running = False
                    self.publish(session, json.dumps({"type": "error", "message": f"training stopped: {e}"}))
            if not busy:
                self.wake.wait(SEND_EVERY)
                self.wake.clear()
            else:
                # A lock is not fair: released and at once taken again by this thread, it would starve
                # the requests waiting for it (a page asking for its state, a step view) for as long as
                # anything trains. A millisecond between chunks lets them in.
                time.sleep(0.001)

    def _serve(self, session) -> bool:
        trained = False
        due = self._due(session) if session.running else 0
        if due:
            with ENGINE_LOCK:
                run = session.run
                deadline = time.perf_counter() + CHUNK_SECONDS
                done = 0
                while done < due and time.perf_counter() < deadline and not run.diverged:
                    run.train_step()
                    done += 1
                if run.diverged:
                    session.running = False
                session.dirty = True
            trained = True
        now = time.monotonic()
        if session.dirty and session.listeners and (now - session.last_sent >= SEND_EVERY or not session.running):
            with ENGINE_LOCK:
                text = json.dumps(session.run.snapshot())
            session.dirty = False
            session.last_sent = now
            self.publish(session, text)
        return trained

    @staticmethod
    def _due(session) -> float:
        """How many steps to train now: as many as fit in a chunk at full speed (``speed`` None), else
        those whose time has come at ``speed`` steps per second (often 0: then the worker waits)."""
        if session.speed is None:
            return math.inf
        now = time.monotonic()
        if session.next_step_at is None or now - session.next_step_at > 0.5:
            session.next_step_at = now  # just started, or fell behind: count again from now
        due = 0
        while session.next_step_at <= now:
            session.next_step_at += 1.0 / session.speed
            due += 1
        return due
