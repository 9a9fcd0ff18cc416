"""glassgrad.save / load under stress: a save killed mid-write, memory budgets, every bit flipped, every
truncation, and a fuzzer. The promise checked everywhere: a path holds the old or the new checkpoint,
whole; a load returns the saved object or raises UnsafeOrCorruptFile, nothing else, before allocating
more than its budget."""

import io
import json
import os
import random
import signal
import stat
import sys
import time
import tracemalloc
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import glassgrad as gg
from glassgrad import serialization
from glassgrad.serialization import UnsafeOrCorruptFile, load, save


def to_bytes(obj) -> bytes:
    buf = io.BytesIO()
    save(obj, buf)
    return buf.getvalue()


def entries_of(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def make_zip(entries: dict, compression=zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def same(a, b) -> bool:
    """Bit-exact equality of two loaded objects (tensors by dtype, shape and bytes)."""
    if isinstance(a, gg.Tensor):
        return (type(a) is type(b) and a.dtype == b.dtype and a.shape == b.shape
                and a.requires_grad == b.requires_grad and a._array.tobytes() == b._array.tobytes())
    if isinstance(a, dict):
        return type(a) is type(b) and list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


# --- atomic save -------------------------------------------------------------------------------------
def checkpoint(step: int, n: int = 1 << 19) -> dict:
    return {"step": step, "w": gg.full((n,), float(step), dtype=gg.float32)}


def assert_whole(path, steps):
    back = load(path)
    assert back["step"] in steps
    assert back["w"].shape == (1 << 19,) and bool((back["w"] == float(back["step"])).all())


@pytest.mark.skipif(not hasattr(os, "fork"), reason="kills a forked child; POSIX only")
def test_a_save_killed_at_random_moments_leaves_the_old_or_the_new_checkpoint_whole(tmp_path):
    path = tmp_path / "ckpt.gg"
    save(checkpoint(0), path)
    rng = random.Random(0)
    kills_mid_write = 0
    for trial in range(25):
        pid = os.fork()
        if pid == 0:  # the child saves 2 MB checkpoints over the file, as fast as it can, until killed
            try:
                for i in range(10**6):
                    save(checkpoint(1 + (trial + i) % 2), path)
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0.001, 0.03))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        assert_whole(path, {0, 1, 2})
        strays = [p for p in tmp_path.iterdir() if p.name != "ckpt.gg"]
        assert all(p.name.startswith(".ckpt.gg.") and p.name.endswith(".tmp") for p in strays)
        kills_mid_write += bool(strays)
        for p in strays:
            p.unlink()
    assert kills_mid_write > 0  # the kills did land mid-write (the test could have caught a truncation)


def test_a_failing_save_keeps_the_old_file_and_leaves_nothing_behind(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.gg"
    save(checkpoint(0, n=10), path)
    before = path.read_bytes()

    def disk_full(fh, manifest, arrays):
        fh.write(b"PK\x03\x04 half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(serialization, "_write_zip", disk_full)
    with pytest.raises(OSError, match="No space left"):
        save(checkpoint(1, n=10), path)
    assert path.read_bytes() == before and sorted(tmp_path.iterdir()) == [path]
    monkeypatch.undo()
    with pytest.raises(TypeError, match="can't store"):  # refused before any file is touched
        save({"w": object()}, path)
    assert path.read_bytes() == before and sorted(tmp_path.iterdir()) == [path]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions and symlinks")
def test_overwriting_keeps_permissions_and_writes_through_a_symlink(tmp_path):
    real = tmp_path / "real.gg"
    save(checkpoint(0, n=4), real)
    real.chmod(0o640)
    link = tmp_path / "link.gg"
    link.symlink_to(real)
    save(checkpoint(1, n=4), link)
    assert link.is_symlink() and load(real)["step"] == 1
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    fresh = tmp_path / "fresh.gg"
    save(1, fresh)  # a new file gets open()'s mode: 0o666 less the umask
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask


def test_missing_directory_is_refused_as_torch_refuses_it(tmp_path):
    import torch
    target = tmp_path / "no" / "such" / "dir.gg"
    with pytest.raises(RuntimeError) as theirs:
        torch.save(torch.ones(1), target)
    with pytest.raises(RuntimeError) as ours:
        save(gg.ones(1), target)
    assert str(ours.value) == str(theirs.value)
    assert not (tmp_path / "no").exists()


# --- memory budgets ----------------------------------------------------------------------------------
def test_loading_a_50_mb_tensor_peaks_at_the_tensor_plus_a_constant(tmp_path):
    w = gg.from_numpy(np.random.default_rng(0).standard_normal(50 * 2**20 // 8))
    save({"w": w}, tmp_path / "big.gg")
    tracemalloc.start()
    try:
        back = load(tmp_path / "big.gg")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert same(back["w"], w)
    assert peak <= 1.1 * w._array.nbytes, peak / w._array.nbytes


def test_a_transposed_tensor_is_saved_in_c_order_and_loads_without_a_second_copy():
    t = gg.arange(12.0).reshape(3, 4).t()
    assert not t._array.flags.c_contiguous
    with zipfile.ZipFile(io.BytesIO(to_bytes(t))) as zf:
        header = zf.read("tensors/0.npy")[:128]
    assert b"'fortran_order': False" in header
    back = load(io.BytesIO(to_bytes(t)))
    assert back.tolist() == t.tolist() and back._array.flags.c_contiguous


def test_a_deflate_bomb_is_refused_by_the_default_budget_and_max_bytes_lets_it_in():
    zeros = np.zeros(4 << 20, dtype=np.uint8)  # 4 MiB of zeros deflate ~1000:1 into a few KB
    e = entries_of(to_bytes({"z": gg.from_numpy(zeros)}))
    bomb = make_zip(e, compression=zipfile.ZIP_DEFLATED)
    assert len(bomb) < 64 << 10
    with pytest.raises(UnsafeOrCorruptFile, match=r"expand to \d+ bytes.*pass max_bytes="):
        load(io.BytesIO(bomb))
    assert load(io.BytesIO(bomb), max_bytes=8 << 20)["z"].shape == (4 << 20,)
    with pytest.raises(UnsafeOrCorruptFile, match=r"more than the 1000 allowed \(max_bytes\)"):
        load(io.BytesIO(to_bytes({"w": gg.zeros(1000)})), max_bytes=1000)


def test_a_huge_manifest_is_refused_before_it_is_parsed():
    e = entries_of(to_bytes(1))
    e["manifest.json"] = b" " * ((4 << 20) + 1)
    with pytest.raises(UnsafeOrCorruptFile, match=r"manifest.json is 4194305 bytes"):
        load(io.BytesIO(make_zip(e)))
    # a real manifest of 5,000 tensors is far inside the limit
    many = {f"layer{i}.weight": gg.zeros(1) for i in range(5000)}
    assert len(entries_of(to_bytes(many))["manifest.json"]) < (4 << 20) // 4


def test_max_bytes_must_be_a_non_negative_int():
    data = io.BytesIO(to_bytes(1))
    for bad in ("1", 1.0, True):
        with pytest.raises(TypeError, match="max_bytes must be an int"):
            load(data, max_bytes=bad)
    with pytest.raises(ValueError, match="non-negative"):
        load(data, max_bytes=-1)


# --- byte order --------------------------------------------------------------------------------------
def npy(array) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


def big_endian_file(kind="tensor", manifest_dtype=">f4") -> bytes:
    e = entries_of(to_bytes(gg.zeros(3)))
    e["tensors/0.npy"] = npy(np.array([1.5, -2.0, 3.25], dtype=">f4"))
    m = json.loads(e["manifest.json"])
    m["tensors"][0]["dtype"] = manifest_dtype
    if kind == "ndarray":
        m["tensors"][0] = {"dtype": manifest_dtype, "shape": [3], "kind": "ndarray"}
    e["manifest.json"] = json.dumps(m).encode()
    return make_zip(e)


def test_a_big_endian_checkpoint_loads_in_native_byte_order():
    t = load(io.BytesIO(big_endian_file()))
    assert t.dtype == gg.float32 and t.tolist() == [1.5, -2.0, 3.25] and t._array.dtype.isnative
    a = load(io.BytesIO(big_endian_file("ndarray")))
    assert a.dtype == np.float32 and a.dtype.isnative and a.tolist() == [1.5, -2.0, 3.25]
    with pytest.raises(UnsafeOrCorruptFile, match=r"holds >f4 \[3\] but manifest.json says '<f4'"):
        load(io.BytesIO(big_endian_file(manifest_dtype="<f4")))


# --- sweeps: every bit flipped, every truncation -----------------------------------------------------
SMALL = {"w": gg.arange(3.0, requires_grad=True), "b": gg.zeros(2, dtype=gg.int64), "step": 7}


def load_or_refuse(data: bytes, **kwargs):
    """The one allowed outcome besides a successful load; anything else fails the test with its bytes."""
    try:
        return load(io.BytesIO(data), **kwargs)
    except UnsafeOrCorruptFile as e:
        assert str(e)  # names what was wrong
        return e
    except Exception as e:  # noqa: BLE001 -- the point: report what escaped, and on which input
        pytest.fail(f"{type(e).__name__} escaped load: {e}\ninput: {data!r}")


def test_every_single_bit_flip_loads_the_same_object_or_raises_unsafe_or_corrupt_file():
    data = to_bytes(SMALL)
    refused = 0
    for bit in range(len(data) * 8):
        flipped = bytearray(data)
        flipped[bit // 8] ^= 1 << (bit % 8)
        back = load_or_refuse(bytes(flipped))
        if isinstance(back, UnsafeOrCorruptFile):
            refused += 1
        else:  # a flip in a field nobody reads (a timestamp, a local header's copy): the data is intact
            assert same(back, SMALL), f"bit {bit} changed the loaded object without an error"
    assert refused > len(data) * 4  # most flips hit something checked (CRCs, sizes, names)


def test_every_truncation_raises_unsafe_or_corrupt_file():
    data = to_bytes(SMALL)
    for n in range(len(data)):
        assert isinstance(load_or_refuse(data[:n]), UnsafeOrCorruptFile), n


# --- fuzzing -----------------------------------------------------------------------------------------
SEEDS = [SMALL, {"nested": [(1, 2.5, None), {"k": gg.ones(2, 2)}], "big": 2**70, "nan": float("nan")},
         [gg.zeros(0), gg.tensor(True), gg.nn.Parameter(gg.randn(3))], gg.tensor(5, dtype=gg.int8)]
INTERESTING = [-1, 0, 1, 2**31, 2**63, 2**64 + 1, -(2**63), 10**30, 1.5, 1e308, True, False, None, "", "x",
               "<f4", ">f8", "|O", "tensor", [], {}, [-1, -5], [1] * 65, {"$type": "tensor", "index": 0}]


def mutate_json(node, rng):
    """Replace one random node of a JSON tree with an interesting value (or a copy of another node)."""
    spots = []

    def walk(n):
        if isinstance(n, list):
            spots.extend((n, i) for i in range(len(n)))
            for v in n:
                walk(v)
        elif isinstance(n, dict):
            spots.extend((n, k) for k in n)
            for v in n.values():
                walk(v)
    walk(node)
    if not spots:
        return rng.choice(INTERESTING)
    parent, key = rng.choice(spots)
    choice = rng.random()
    if choice < 0.1 and isinstance(parent, dict):
        parent[rng.choice(["$type", "extra", "index", "items"])] = rng.choice(INTERESTING)
    elif choice < 0.2:
        del parent[key]
    else:
        parent[key] = json.loads(json.dumps(rng.choice(INTERESTING)))
    return node


def mutate_bytes(data: bytes, rng) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(data) + 1)
        op = rng.random()
        if op < 0.4 and at < len(data):
            data[at] ^= 1 << rng.randrange(8)
        elif op < 0.6 and at < len(data):
            data[at] = rng.choice([0, 0x7F, 0x80, 0xFF, ord("-"), ord("9"), ord(","), ord("(")])
        elif op < 0.8:
            del data[at:at + rng.randint(1, 8)]
        else:
            data[at:at] = data[rng.randrange(len(data)):][:rng.randint(1, 8)]
    return bytes(data)


def fuzz_case(rng) -> bytes:
    entries = entries_of(to_bytes(rng.choice(SEEDS)))
    name = rng.choice(sorted(entries))
    if name == "manifest.json" and rng.random() < 0.7:
        entries[name] = json.dumps(mutate_json(json.loads(entries[name]), rng)).encode()
    else:  # the .npy header and data, or the manifest's text
        entries[name] = mutate_bytes(entries[name], rng)
    compression = rng.choice([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
    data = make_zip(entries, compression)
    return mutate_bytes(data, rng) if rng.random() < 0.2 else data


@pytest.mark.filterwarnings("ignore:Reading `.npy`")  # numpy's note on a mutated header's quotes
def test_seeded_fuzzer_only_ever_sees_a_load_or_unsafe_or_corrupt_file():
    rng = random.Random(15)
    outcomes = {"loaded": 0, "refused": 0}
    for _ in range(3000):
        back = load_or_refuse(fuzz_case(rng))
        outcomes["refused" if isinstance(back, UnsafeOrCorruptFile) else "loaded"] += 1
    assert outcomes["loaded"] > 50 and outcomes["refused"] > 1000, outcomes  # it explored both sides


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["tensor", "tuple", "dict", "float", "dtype", "size", "<f4", ">i8", "|b1", "nan"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["$type", "index", "items", "ordered", "value", "name", "dtype", "shape", "kind",
                         "requires_grad"]), inner, max_size=5),
    max_leaves=20)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(obj=json_values, tensors=st.lists(json_values, max_size=3),
       version=st.sampled_from([1, True, 1.0, "1"]))
def test_any_json_manifest_loads_or_raises_unsafe_or_corrupt_file(obj, tensors, version):
    e = entries_of(to_bytes([gg.arange(3.0), gg.zeros(2, dtype=gg.int64), np.float32(1)]))
    manifest = {"format": "glassgrad.save", "version": version, "object": obj, "tensors": tensors}
    e["manifest.json"] = json.dumps(manifest).encode()
    back = load_or_refuse(make_zip(e))
    if type(version) is not int:  # True == 1 == 1.0, and only the int 1 is version 1
        assert isinstance(back, UnsafeOrCorruptFile) and "version" in str(back)


if __name__ == "__main__":  # a longer fuzzing run by hand: python tests/test_serialization_safety.py N
    rng = random.Random()
    for i in range(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000):
        load_or_refuse(fuzz_case(rng))


def test_saving_to_a_directory_is_refused_before_any_work(tmp_path):
    """The error names the path given (not a temporary file), and nothing is written beside it."""
    before = sorted(p.name for p in tmp_path.parent.iterdir())
    with pytest.raises(IsADirectoryError, match="is a directory") as info:
        gg.save(gg.ones(2), tmp_path)
    assert info.value.filename == str(tmp_path)
    assert sorted(p.name for p in tmp_path.parent.iterdir()) == before
