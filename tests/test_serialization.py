"""glassgrad.save / load: bit-exact round trips, and every broken or hostile file refused clearly."""

import io
import json
import pathlib
import pickle
import struct
import subprocess
import sys
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.nn import Parameter
from glassgrad.serialization import PICKLE_MESSAGE, UnsafeOrCorruptFile, load, save

DTYPES = [np.float16, np.float32, np.float64, np.uint8, np.int8, np.int16, np.int32, np.int64, np.bool_]


def roundtrip(obj, via="bytes", tmp_path=None):
    if via == "bytes":
        buf = io.BytesIO()
        save(obj, buf)
        buf.seek(0)
        return load(buf)
    path = tmp_path / "x.gg"
    save(obj, str(path) if via == "str" else path)
    return load(path)


def assert_bit_exact(a: gg.Tensor, b: gg.Tensor):
    assert type(a) is type(b)
    assert a.dtype == b.dtype and a.shape == b.shape and a.requires_grad == b.requires_grad
    assert a._array.tobytes() == b._array.tobytes()


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shape", [(), (0,), (5,), (2, 3, 4), (3, 0, 2)])
def test_tensor_round_trip_is_bit_exact(dtype, shape):
    rng = np.random.default_rng(0)
    raw = rng.integers(0, 256, size=int(np.prod(shape)) * np.dtype(dtype).itemsize, dtype=np.uint8)
    array = raw.view(dtype).reshape(shape) if dtype is not np.bool_ else (raw % 2).astype(bool).reshape(shape)
    t = gg.from_numpy(array.copy())
    assert_bit_exact(t, roundtrip(t))


def test_special_floats_and_requires_grad_and_parameters(tmp_path):
    x = gg.tensor([np.nan, np.inf, -np.inf, -0.0, 5e-324, 1e308], dtype=gg.float64, requires_grad=True)
    for via in ("bytes", "str", "path"):
        y = roundtrip(x, via, tmp_path)
        assert_bit_exact(x, y)
        assert y.is_leaf
    p = Parameter(gg.randn(3, 2))
    frozen = Parameter(gg.randn(2), requires_grad=False)
    q, r = roundtrip([p, frozen])
    assert_bit_exact(p, q)
    assert_bit_exact(frozen, r)
    nonleaf = x * 1  # like torch: a non-leaf comes back as a leaf that requires grad
    z = roundtrip(nonleaf)
    assert z.is_leaf and z.requires_grad and z._array.tobytes() == nonleaf._array.tobytes()


def test_python_values_round_trip():
    obj = {"none": None, "t": True, "f": False, "int": 2**70, "neg": -3, "float": 0.1, "nan": float("nan"),
           "inf": float("-inf"), "str": "héllo\n\"", "list": [1, [2, (3, 4.5)]], "tuple": (), 3: "int key",
           (1, "a"): "tuple key", 2.5: "float key", None: "none key", True: "bool key",
           "dtype": gg.float16, "size": gg.Size([2, 3]), "ndarray": np.arange(6).reshape(2, 3),
           "npscalar": np.float32(1.25), "nested": OrderedDict(b=1, a=OrderedDict(z=[]))}
    back = roundtrip(obj)
    assert list(back) == list(obj)
    for k, v in obj.items():
        w = back[k]
        if isinstance(v, np.ndarray):
            assert w.dtype == v.dtype and np.array_equal(w, v)
        elif isinstance(v, float) and v != v:
            assert w != w
        else:
            assert w == v and type(w) is type(v), k
    assert type(back["nested"]) is OrderedDict and type(back["nested"]["a"]) is OrderedDict
    assert type(back["npscalar"]) is np.float32 and type(back["size"]) is gg.Size


def test_shared_tensor_loads_as_one_tensor():
    t = gg.randn(3)
    a, b = roundtrip([t, t])
    assert a is b


def test_same_object_same_bytes():
    obj = {"w": gg.randn(4, 4), "step": 3}
    one, two = io.BytesIO(), io.BytesIO()
    save(obj, one)
    save(obj, two)
    assert one.getvalue() == two.getvalue()


def test_model_and_optimizer_checkpoint_round_trip():
    gg.manual_seed(0)
    model = gg.nn.Sequential(gg.nn.Linear(4, 8), gg.nn.BatchNorm1d(8), gg.nn.ReLU(), gg.nn.Linear(8, 2))
    opt = gg.optim.Adam(model.parameters(), lr=1e-2, betas=(0.8, 0.9), amsgrad=True)
    for _ in range(3):
        opt.zero_grad()
        model(gg.randn(16, 4)).pow(2).mean().backward()
        opt.step()
    ckpt = {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}
    back = roundtrip(ckpt)
    assert type(back["model"]) is OrderedDict and list(back["model"]) == list(ckpt["model"])
    for k, v in ckpt["model"].items():
        assert_bit_exact(v, back["model"][k])
    assert back["optimizer"]["param_groups"] == ckpt["optimizer"]["param_groups"]
    assert back["optimizer"]["state"].keys() == ckpt["optimizer"]["state"].keys()
    for i, state in ckpt["optimizer"]["state"].items():
        for k, v in state.items():
            assert_bit_exact(v, back["optimizer"]["state"][i][k])
    # the restored pair continues exactly as the original
    model2 = gg.nn.Sequential(gg.nn.Linear(4, 8), gg.nn.BatchNorm1d(8), gg.nn.ReLU(), gg.nn.Linear(8, 2))
    model2.load_state_dict(back["model"])
    opt2 = gg.optim.Adam(model2.parameters(), lr=1e-2, betas=(0.8, 0.9), amsgrad=True)
    opt2.load_state_dict(back["optimizer"])
    x = gg.randn(16, 4)
    for m, o in ((model, opt), (model2, opt2)):
        o.zero_grad()
        m(x).pow(2).mean().backward()
        o.step()
    for p, q in zip(model.parameters(), model2.parameters()):
        assert p._array.tobytes() == q._array.tobytes()


def test_file_objects_and_unseekable_streams(tmp_path):
    path = tmp_path / "ckpt.gg"
    with open(path, "wb") as f:
        save({"a": gg.ones(2)}, f)
    with open(path, "rb") as f:
        assert load(f)["a"].tolist() == [1.0, 1.0]

    class Stream(io.RawIOBase):  # read-only, no seek: load buffers it
        def __init__(self, data):
            self.inner = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, b):
            return self.inner.readinto(b)

    assert load(Stream(path.read_bytes()), map_location="cpu", weights_only=True)["a"].tolist() == [1, 1]


def test_unsupported_values_and_arguments():
    for bad in [object(), 1 + 2j, {"k": lambda: 0}, np.array([1 + 1j]), np.array(["s"])]:
        with pytest.raises(TypeError, match="can't store"):
            save(bad, io.BytesIO())
    with pytest.raises(TypeError, match="dict key"):
        save({frozenset(): 1}, io.BytesIO())
    with pytest.raises(TypeError, match="path or a binary file"):
        save(1, 3)
    buf = io.BytesIO()
    save(1, buf)
    buf.seek(0)
    with pytest.raises(RuntimeError, match="CPU only"):
        load(buf, map_location="cuda:0")
    with pytest.raises(ValueError, match="never unpickles"):
        load(buf, pickle_module=pickle)


# --- broken and hostile files --------------------------------------------------------------------------
def good_bytes() -> bytes:
    buf = io.BytesIO()
    save({"w": gg.arange(10.0), "b": gg.zeros(3)}, buf)
    return buf.getvalue()


def make_zip(entries: dict, compression=zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def entries_of(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def manifest_with(**changes) -> bytes:
    e = entries_of(good_bytes())
    m = json.loads(e["manifest.json"])
    m.update(changes)
    e["manifest.json"] = json.dumps(m)
    return make_zip(e)


def npy(array) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=True)
    return buf.getvalue()


def refuse(data: bytes, match: str):
    with pytest.raises(UnsafeOrCorruptFile, match=match):
        load(io.BytesIO(data))


@pytest.mark.parametrize("cut", [0, 1, 10, 100, -1, -22, -200])
def test_truncated_files(cut):
    data = good_bytes()
    refuse(data[:cut], "empty|corrupt|truncated|not a valid|claims")


def test_corrupt_bytes_in_an_array():
    data = bytearray(good_bytes())
    at = data.find(b"\x93NUMPY") + 130  # inside the first array's numbers: the CRC catches it
    data[at] ^= 0xFF
    refuse(bytes(data), "corrupt")


def test_not_a_zip_at_all():
    refuse(b"hello, I am text" * 10, "corrupt or truncated zip")
    refuse(npy(np.arange(3)), "bare .npy")
    header = json.dumps({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}).encode()
    refuse(struct.pack("<Q", len(header)) + header + b"\0" * 4, "safetensors")


@pytest.mark.parametrize("changes, match", [
    (dict(format="other"), "format"),
    (dict(version=99), "version 99"),
    (dict(version=True), "version True"),   # True == 1 in Python, but it is not version 1
    (dict(version=1.0), "version 1.0"),
    (dict(object={"$type": "tensor", "index": 7}), "out of range"),
    (dict(object={"$type": "tensor", "index": "0"}), "out of range"),
    (dict(object={"$type": "eval", "code": "1"}), "unknown \\$type"),
    (dict(object={"$type": "dict", "ordered": False, "items": [[[1], 2]]}), "dict key"),
    (dict(object={"$type": "dict", "ordered": False, "items": [[1]]}), "pair"),
    (dict(object={"$type": "tuple", "items": "abc"}), "expected a list"),
    (dict(object={"$type": "float", "value": "1e999"}), "float value"),
    (dict(object={"$type": "dtype", "name": "complex64"}), "unknown dtype"),
    (dict(object={"$type": "size", "items": [-1]}), "Size"),
    (dict(object={"$type": "tensor", "index": 0, "extra": 1}), "fields"),
    (dict(tensors=[{"dtype": "<f4", "shape": [10], "kind": "tensor", "requires_grad": False},
                   {"dtype": "<f4", "shape": [4], "kind": "tensor", "requires_grad": False}]), "holds"),
    (dict(tensors=[{"dtype": "<f4", "shape": [10], "kind": "object", "requires_grad": False}] * 2),
     "kind"),
    (dict(tensors=[{"dtype": "<f4", "shape": [10], "kind": "tensor", "requires_grad": "yes"}] * 2),
     "requires_grad"),
    (dict(extra=1), "wrong fields"),
])
def test_malformed_manifests(changes, match):
    refuse(manifest_with(**changes), match)


def test_json_problems():
    e = entries_of(good_bytes())
    refuse(make_zip({**e, "manifest.json": b"{not json"}), "not valid JSON")
    refuse(make_zip({**e, "manifest.json": b'{"format": NaN}'}), "not valid JSON")
    refuse(make_zip({**e, "manifest.json": b"\xff\xfe"}), "not valid JSON")
    refuse(make_zip({**e, "manifest.json": b"[" * 100000 + b"]" * 100000}), "JSON|deeply")
    refuse(make_zip({k: v for k, v in e.items() if k != "manifest.json"}), "no manifest.json")


def test_manifest_references_a_missing_array():
    e = entries_of(good_bytes())
    del e["tensors/1.npy"]
    refuse(make_zip(e), "references tensors/1.npy, which is not in the archive")


@pytest.mark.parametrize("name", ["../evil.npy", "/etc/passwd", "tensors/../../x.npy", "tensors/01.npy",
                                  "data.bin", "tensors/0.npy/../x"])
def test_unexpected_or_path_traversal_names(name):
    e = entries_of(good_bytes())
    e[name] = b"x"
    refuse(make_zip(e), "unexpected entry")


def test_object_dtype_npy_is_refused_without_unpickling(tmp_path):
    marker = tmp_path / "object-array-unpickled"
    evil = np.array([Marker(str(marker)), 1], dtype=object)
    e = entries_of(good_bytes())
    e["tensors/0.npy"] = npy(evil)
    refuse(make_zip(e), "dtype object")
    assert not marker.exists()


class Marker:
    """Unpickling this creates a file: the proof that something was unpickled."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (pathlib.Path.touch, (pathlib.Path(self.path),))


@pytest.mark.parametrize("array", [np.array(["text"]), np.zeros(2, dtype=[("a", "<f4")]),
                                   np.zeros(2, dtype=np.complex64), np.zeros(2, dtype="M8[s]")])
def test_non_numeric_npy_is_refused(array):
    e = entries_of(good_bytes())
    e["tensors/0.npy"] = npy(array)
    refuse(make_zip(e), "dtype")


def test_npy_header_lies_about_its_size():
    e = entries_of(good_bytes())
    e["tensors/0.npy"] = npy(np.arange(10.0, dtype=np.float32))[:-8]  # header says 40 bytes, has 32
    refuse(make_zip(e), "promises")
    huge = npy(np.zeros(1, dtype=np.float32)).replace(b"(1,)", b"(10000000000,)".ljust(4))
    e["tensors/0.npy"] = huge
    refuse(make_zip(e), "promises|not a valid")


@pytest.mark.parametrize("shape, match", [((-1, -5), "can't be negative"), ((1,) * 65, "65 dimensions"),
                                          ((0, 2**62, 4), "too big")])
def test_impossible_npy_shapes_are_refused(shape, match):
    buf = io.BytesIO()  # a well-formed header holding an impossible shape, then as many bytes as it asks for
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f4", "fortran_order": False, "shape": shape})
    buf.write(b"\0" * 4 * abs(int(np.prod(shape))))
    e = entries_of(good_bytes())
    e["tensors/0.npy"] = buf.getvalue()
    refuse(make_zip(e), match)


def test_unknown_zip_version_from_one_flipped_bit_is_refused():
    data = bytearray(good_bytes())
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 6] ^= 0x40  # "version needed to extract": zipfile raises NotImplementedError on it
    refuse(bytes(data), "zip file version")


def test_zip_bomb_declared_size_is_refused_before_reading():
    data = bytearray(make_zip({"manifest.json": b"{}", "tensors/0.npy": b"\0" * 64},
                              compression=zipfile.ZIP_DEFLATED))
    # rewrite the uncompressed size of tensors/0.npy in the central directory to 2**31
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 24:cd + 28] = struct.pack("<I", 2**31)
    refuse(bytes(data), "zip bomb|claims|corrupt")


def test_stored_entry_claiming_more_bytes_than_the_file_has():
    data = bytearray(good_bytes())
    cd = data.rfind(b"PK\x01\x02")  # the last entry: enlarge both sizes far past the end of the file
    data[cd + 20:cd + 28] = struct.pack("<II", 2**30, 2**30)
    refuse(bytes(data), "truncated|claims|corrupt")


def test_plain_pickle_is_refused_without_unpickling(tmp_path):
    marker = tmp_path / "plain-pickle-ran"
    refuse(pickle.dumps({"x": Marker(str(marker))}), "never unpickles")
    assert not marker.exists()


@pytest.fixture(scope="module")
def torch_checkpoints(tmp_path_factory):
    """Files written by real torch.save (zip and legacy formats), each holding an object whose
    unpickling creates a marker file. One subprocess writes both (importing torch is slow)."""
    tmp = tmp_path_factory.mktemp("torch-pickles")
    files = {z: (tmp / f"ran-{z}", tmp / f"evil-{z}.pt") for z in (True, False)}
    here = str(pathlib.Path(__file__).parent)
    writer = "".join(
        f"torch.save({{'w': torch.ones(2), 'evil': Marker({str(m)!r})}}, {str(c)!r}, "
        f"_use_new_zipfile_serialization={z}); " for z, (m, c) in files.items())
    subprocess.run([sys.executable, "-c", f"import sys, torch; sys.path.insert(0, {here!r}); "
                    f"from test_serialization import Marker; {writer}"], check=True, capture_output=True)
    yield files
    # the tests can fail: really unpickling these very files does create the markers
    loader = "".join(f"torch.load({str(c)!r}, weights_only=False); " for _, c in files.values())
    subprocess.run([sys.executable, "-c", f"import sys, torch; sys.path.insert(0, {here!r}); {loader}"],
                   check=True, capture_output=True)
    assert all(m.exists() for m, _ in files.values())


@pytest.mark.parametrize("zipped", [True, False], ids=["zip", "legacy"])
def test_real_torch_checkpoint_is_refused_and_never_runs(torch_checkpoints, zipped):
    marker, ckpt = torch_checkpoints[zipped]
    assert ckpt.exists() and not marker.exists()
    with pytest.raises(UnsafeOrCorruptFile) as err:
        gg.serialization.load(ckpt)
    assert PICKLE_MESSAGE in str(err.value)
    with pytest.raises(UnsafeOrCorruptFile, match="never unpickles"):
        gg.load(str(ckpt), weights_only=False)
    assert not marker.exists()


def test_a_whole_optimizer_is_refused_with_the_state_dict_recipe(tmp_path):
    # whole modules save (tests/test_serialization_modules.py); an optimizer's state holds defaultdicts
    # keyed by tensors, so glassgrad asks for its state_dict, which loads back exactly
    model = gg.nn.Sequential(gg.nn.Linear(2, 2))
    opt = gg.optim.SGD(model.parameters(), lr=0.1)
    for obj in (opt, {"optimizer": opt}):
        with pytest.raises(TypeError, match=r"can't store a whole optimizer \(SGD\).*state_dict\(\)"):
            save(obj, tmp_path / "m.pt")
    save(opt.state_dict(), tmp_path / "o.pt")
    again = gg.optim.SGD(model.parameters(), lr=0.5)
    again.load_state_dict(load(tmp_path / "o.pt"))
    assert again.param_groups[0]["lr"] == 0.1


def test_safe_globals_is_kept_as_pytorch_keeps_it_and_changes_nothing(tmp_path):
    import torch
    for lib, cls in ((torch, torch.nn.Linear), (gg, gg.nn.Linear)):
        ser = lib.serialization
        ser.clear_safe_globals()
        with ser.safe_globals([cls]) as entered:
            assert entered is None
            assert ser.get_safe_globals() == [cls]
        assert ser.get_safe_globals() == []
        ser.add_safe_globals([cls])
        assert ser.get_safe_globals() == [cls]
        ser.clear_safe_globals()
    save({"w": gg.ones(2)}, tmp_path / "w.pt")
    with gg.serialization.safe_globals([gg.nn.Linear]):
        assert gg.equal(load(tmp_path / "w.pt")["w"], gg.ones(2))
