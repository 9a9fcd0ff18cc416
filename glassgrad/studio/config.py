"""The studio's choices and limits, and the check every configuration from the page passes.

Read this first in ``studio/``: it imports nothing of glassgrad's, and every other studio module reads its
tables. ``OPTIONS`` lists the choices the page offers, ``DEFAULTS`` a complete configuration, ``CLASSES``
and ``kind_of`` what each data set asks of the network (how many outputs, which losses fit), and the
``MAX_*`` caps bound every session's size, and ``FEATURES`` the inputs the network may be given (the
Playground's x₁², x₂², x₁·x₂, sin x₁, sin x₂ beside x₁ and x₂). Next comes ``trainer.py``, which trains one
configuration.

Everything that arrives from the page passes through ``validate_config`` first: every field is checked
for its name, its type and its range, so that the trainer never sees a value it was not built for. A bad
request becomes a ``ValidationError`` whose message the server sends back as a 400.
"""

from __future__ import annotations

import math

__all__ = [
    "ValidationError", "OPTIONS", "DEFAULTS", "CLASSES", "LOSSES_FOR", "kind_of", "validate_config",
    "MAX_SESSIONS", "MAX_LAYERS", "MAX_NEURONS", "MAX_BODY_BYTES", "FEATURES", "features_for", "MAX_SPEED",
]

MAX_SESSIONS = 8
MAX_LAYERS = 6
MAX_NEURONS = 8
MAX_BODY_BYTES = 16_384  # the largest request body the server reads (a config is a few hundred bytes)
MAX_SPEED = 1000  # the training-speed control's largest finite choice, in steps per second

# The input features: each name, the numpy expression on the data's columns X (written out as is by
# codegen.py, computed as is by trainer.py), and the raw columns it reads. The order here is the order of
# the network's inputs, whatever order a request lists them in.
FEATURES = {
    "x1": ("X[:, 0]", (0,)),
    "x2": ("X[:, 1]", (1,)),
    "x1^2": ("X[:, 0] ** 2", (0,)),
    "x2^2": ("X[:, 1] ** 2", (1,)),
    "x1*x2": ("X[:, 0] * X[:, 1]", (0, 1)),
    "sin(x1)": ("np.sin(X[:, 0])", (0,)),
    "sin(x2)": ("np.sin(X[:, 1])", (1,)),
}

CLASSIFICATION = ("moons", "circles", "xor", "spiral", "blobs")
REGRESSION = ("quadratic",)

OPTIONS = {
    "dataset": CLASSIFICATION + REGRESSION,
    "activation": ("tanh", "relu", "sigmoid", "leaky_relu", "linear"),
    "loss": ("cross_entropy", "mse", "mae", "hinge"),
    "optimizer": ("sgd", "momentum", "adam", "rmsprop"),
    "regularization": ("none", "l1", "l2"),
}
# which losses make sense for which kind of data set (the page offers only these)
LOSSES_FOR = {
    "classification": ("cross_entropy", "mse", "hinge"),
    "multiclass": ("cross_entropy", "mse"),
    "regression": ("mse", "mae"),
}
CLASSES = {"moons": 2, "circles": 2, "xor": 2, "spiral": 3, "blobs": 3, "quadratic": 0}

DEFAULTS = {
    "dataset": "moons",
    "noise": 0.1,
    "split": 0.7,
    "hidden": [4, 4],
    "activation": "tanh",
    "loss": "cross_entropy",
    "optimizer": "sgd",
    "lr": 0.3,
    "batch_size": 10,
    "regularization": "none",
    "reg_rate": 0.001,
    "seed": 0,
    "features": ["x1", "x2"],
}


class ValidationError(ValueError):
    """A request the studio refuses; ``str(e)`` is the message the page shows."""


def _number(name, value, lo, hi, *, lo_open=False):
    # bool is an int in Python, but `"lr": true` is a mistake, not the number 1
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(f"{name} must be a number, got {type(value).__name__}")
    try:
        value = float(value)
    except OverflowError:  # an integer of hundreds of digits: JSON allows it, a float cannot hold it
        raise ValidationError(f"{name} must be a finite number, got an integer too large for a float") from None
    if not math.isfinite(value):
        raise ValidationError(f"{name} must be a finite number, got {value}")
    if value < lo or value > hi or (lo_open and value == lo):
        bracket = "(" if lo_open else "["
        raise ValidationError(f"{name} must be in {bracket}{lo:g}, {hi:g}], got {value:g}")
    return value


def _integer(name, value, lo, hi):
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise ValidationError(f"{name} must be an integer, got {type(value).__name__}")
    if value < lo or value > hi:
        raise ValidationError(f"{name} must be between {lo} and {hi}, got {value}")
    return value


def _choice(name, value, options):
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be a string, got {type(value).__name__}")
    if value not in options:
        raise ValidationError(f"unknown {name} {value[:40]!r}; choose one of {', '.join(options)}")
    return value


def _hidden(value):
    if not isinstance(value, list):
        raise ValidationError(f"hidden must be a list of neuron counts, got {type(value).__name__}")
    if len(value) > MAX_LAYERS:
        raise ValidationError(f"at most {MAX_LAYERS} hidden layers, got {len(value)}")
    return [_integer(f"hidden[{i}]", n, 1, MAX_NEURONS) for i, n in enumerate(value)]


def features_for(dataset: str) -> tuple:
    """The features a data set can give: all seven for the 2-D sets, x1's three for the 1-D regression."""
    columns = 1 if dataset in REGRESSION else 2
    return tuple(name for name, (_, uses) in FEATURES.items() if max(uses) < columns)


def _features(value, dataset):
    """The chosen features in FEATURES' order. On 1-D data the x2 ones are dropped (there is no x2), so
    switching from moons to quadratic keeps x1's choices; at least one feature must remain."""
    if not isinstance(value, list):
        raise ValidationError(f"features must be a list of feature names, got {type(value).__name__}")
    for name in value:
        _choice("feature", name, tuple(FEATURES))
    chosen = [name for name in features_for(dataset) if name in value]
    if not chosen:
        raise ValidationError(f"choose at least one input feature the {dataset} data has: "
                              f"{', '.join(features_for(dataset))}")
    return chosen


def kind_of(dataset: str) -> str:
    """'regression', 'classification' (two classes) or 'multiclass'."""
    if dataset in REGRESSION:
        return "regression"
    return "classification" if CLASSES[dataset] == 2 else "multiclass"


def validate_config(payload, base: dict | None = None) -> dict:
    """A complete, checked configuration: ``payload``'s fields over ``base`` (default: ``DEFAULTS``).

    Raises ValidationError naming the first bad field: an unknown name, a wrong type, a value out of range,
    or a loss that does not fit the data set.
    """
    if not isinstance(payload, dict):
        raise ValidationError(f"the configuration must be a JSON object, got {type(payload).__name__}")
    unknown = sorted(set(payload) - set(DEFAULTS))
    if unknown:
        raise ValidationError(f"unknown field {unknown[0][:40]!r}; the fields are {', '.join(DEFAULTS)}")
    merged = dict(base or DEFAULTS)
    merged.update(payload)
    config = {
        "dataset": _choice("dataset", merged["dataset"], OPTIONS["dataset"]),
        "noise": _number("noise", merged["noise"], 0.0, 0.5),
        "split": _number("split", merged["split"], 0.1, 0.9),
        "hidden": _hidden(merged["hidden"]),
        "activation": _choice("activation", merged["activation"], OPTIONS["activation"]),
        "loss": _choice("loss", merged["loss"], OPTIONS["loss"]),
        "optimizer": _choice("optimizer", merged["optimizer"], OPTIONS["optimizer"]),
        "lr": _number("lr", merged["lr"], 0.0, 10.0, lo_open=True),
        "batch_size": _integer("batch_size", merged["batch_size"], 1, 500),
        "regularization": _choice("regularization", merged["regularization"], OPTIONS["regularization"]),
        "reg_rate": _number("reg_rate", merged["reg_rate"], 0.0, 1.0),
        "seed": _integer("seed", merged["seed"], 0, 2**31 - 1),
    }
    config["features"] = _features(merged["features"], config["dataset"])
    kind = kind_of(config["dataset"])
    if config["loss"] not in LOSSES_FOR[kind]:
        raise ValidationError(
            f"loss {config['loss']!r} does not fit the {kind} data set {config['dataset']!r}; "
            f"choose one of {', '.join(LOSSES_FOR[kind])}"
        )
    return config
