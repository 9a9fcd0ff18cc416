"""Whole modules through ``glassgrad.save`` / ``glassgrad.load``, as ``torch.save(model)`` is used.

A whole module is stored as its class's name and its attributes; loading rebuilds it without running
anything from the file. The rules are PyTorch's: by default (``weights_only=True``) a class must be on the
allow-list (``add_safe_globals``/``safe_globals``), else ``pickle.UnpicklingError`` in PyTorch's words;
``weights_only=False`` accepts ``nn.Module`` classes the program has imported. Beyond PyTorch: a file
can't make glassgrad import a module, call a constructor, or name a function outside glassgrad and the
module classes' own modules.
"""

import copy
import dataclasses
import io
import json
import pickle
import re
import sys
import zipfile

import pytest
import torch

import glassgrad as gg
import glassgrad.nn as nn
import glassgrad.nn.functional as F
from glassgrad.serialization import UnsafeOrCorruptFile, load, safe_globals, save


@dataclasses.dataclass
class Config:
    width: int = 5
    name: str = "tiny"


def doubled_relu(x):
    return F.relu(x) * 2


class Net(nn.Module):
    def __init__(self, config: Config):
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(7, config.width)
        self.rnn = nn.LSTM(config.width, config.width, batch_first=True)
        self.head = nn.Linear(config.width, 7)
        self.head.weight = self.embed.weight       # weight tying: one Parameter, two names
        self.again = self.head                     # one module reached twice
        self.act = doubled_relu                    # a function of this module
        self.gelu = F.gelu                         # a function of glassgrad
        self.register_buffer("scale", gg.full((1,), 0.5))
        self.names = {"first", "second"}
        self.where = gg.device("cpu")

    def forward(self, idx):
        h, _ = self.rnn(self.embed(idx))
        return self.again(self.act(self.gelu(h)) * self.scale)


def make_net(seed=0):
    gg.manual_seed(seed)
    net = Net(Config())
    net.eval()  # the training flag travels too
    return net


def saved(obj) -> bytes:
    buf = io.BytesIO()
    save(obj, buf)
    return buf.getvalue()


def loaded(data: bytes, **kw):
    return load(io.BytesIO(data), **kw)


ALL = [Net, Config, doubled_relu, F.gelu, nn.Embedding, nn.LSTM, nn.Linear]


def test_a_whole_module_comes_back_whole_with_weights_only_false():
    net = make_net()
    back = loaded(saved(net), weights_only=False)
    assert type(back) is Net and back is not net
    assert back.training is False and back.config == Config()
    assert back.head.weight is back.embed.weight and back.again is back.head  # sharing survives
    assert back.act is doubled_relu and back.gelu is F.gelu
    assert back.names == {"first", "second"} and back.where == gg.device("cpu")
    assert repr(back) == repr(net)
    assert list(back.state_dict()) == list(net.state_dict())
    for (name, a), b in zip(net.state_dict().items(), back.state_dict().values()):
        assert a.dtype == b.dtype and gg.equal(a, b), name
    assert [p.requires_grad for p in back.parameters()] == [p.requires_grad for p in net.parameters()]
    idx = gg.tensor([[1, 2, 3], [4, 5, 6]])
    assert gg.equal(back(idx), net(idx))


def test_a_loaded_module_trains_exactly_as_the_original():
    net = make_net(1)
    twin = copy.deepcopy(net)
    back = loaded(saved(net), weights_only=False)
    idx, target = gg.tensor([[1, 2, 3, 4]]), gg.tensor([[2, 3, 4, 5]])
    for model in (twin, back):
        model.train()
        opt = gg.optim.AdamW(model.parameters(), lr=0.05)
        for _ in range(3):
            loss = F.cross_entropy(model(idx).view(-1, 7), target.view(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
    for a, b in zip(twin.parameters(), back.parameters()):
        assert gg.equal(a, b)


class TorchNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(2, 2)


def test_weights_only_true_is_the_default_and_refuses_in_pytorchs_words(tmp_path):
    # PyTorch 2.13: torch.load(f) of a pickled whole module raises UnpicklingError naming the class
    torch.save(TorchNet(), tmp_path / "t.pt")
    with pytest.raises(pickle.UnpicklingError) as theirs:
        torch.load(tmp_path / "t.pt")
    with pytest.raises(pickle.UnpicklingError) as ours:
        loaded(saved(make_net()))
    plain = re.sub(r"\x1b\[[0-9;]*m", "", str(theirs.value))
    text, help_line = str(ours.value).rsplit("\n", 1)
    assert text == plain.replace(".TorchNet", ".Net")
    assert help_line.startswith("(help: glassgrad never runs anything from a file")


def test_the_allow_list_admits_exactly_what_it_names():
    data = saved(make_net())
    with safe_globals(ALL):
        back = loaded(data)
    assert type(back) is Net
    for missing in ALL:  # leave any one out and its name is the one refused
        others = [g for g in ALL if g is not missing]
        with safe_globals(others), pytest.raises(pickle.UnpicklingError) as err:
            loaded(data)
        assert f"GLOBAL {missing.__module__}.{missing.__qualname__} was not" in str(err.value)
    gg.serialization.add_safe_globals(ALL)
    try:
        assert type(loaded(data)) is Net
        assert gg.serialization.get_safe_globals() == ALL
    finally:
        gg.serialization.clear_safe_globals()
    with pytest.raises(pickle.UnpicklingError):
        loaded(data)


def test_an_allow_list_entry_may_name_itself():
    # PyTorch's (obj, "module.Name") form: the object stands in for that name
    data = saved(make_net())
    renamed = [(Net, f"{Net.__module__}.Net")] + ALL[1:]
    with safe_globals(renamed):
        assert type(loaded(data)) is Net


def test_a_module_that_refers_to_itself_loads():
    net = make_net()
    net.everything = [net, net.head]
    back = loaded(saved(net), weights_only=False)
    assert back.everything[0] is back and back.everything[1] is back.head


def test_what_can_not_be_saved_is_named():
    net = make_net()
    net.act = lambda x: x
    with pytest.raises(TypeError, match="lambda"):
        save(net, io.BytesIO())

    def local():
        class Inner(nn.Module):
            pass
        return Inner()
    with pytest.raises(TypeError, match="defined at the top level"):
        save(local(), io.BytesIO())


def test_sets_and_devices_as_pytorch_allows_them():
    data = saved({"s": {1, 2}, "d": gg.device("cpu"), "f": frozenset({3})})
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL frozenset was not"):  # as torch.load
        loaded(data)
    assert loaded(data, weights_only=False) == {"s": {1, 2}, "d": gg.device("cpu"), "f": frozenset({3})}
    assert loaded(saved({"s": {1, 2}})) == {"s": {1, 2}}


# --- hostile files: a file may name anything; nothing it names runs -------------------------------------
def with_manifest(data: bytes, edit) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    manifest = json.loads(entries["manifest.json"])
    edit(manifest)
    entries["manifest.json"] = json.dumps(manifest)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, content in entries.items():
            zf.writestr(name, content)
    return buf.getvalue()


def small_module_file(edit) -> bytes:
    return with_manifest(saved(nn.Linear(2, 2)), edit)


def set_class(module, name):
    def edit(m):
        m["object"]["class"] = {"$type": "global", "module": module, "name": name}
    return edit


def set_attribute(key, value):
    def edit(m):
        m["object"]["state"]["items"].append([key, value])
    return edit


class Finalized(nn.Module):
    def __del__(self):  # a gadget: a finalizer would run on attributes the file chose
        pass


def test_functions_outside_glassgrad_and_the_files_modules_are_refused():
    data = small_module_file(set_attribute("forward", {"$type": "global", "module": "os", "name": "system"}))
    with pytest.raises(pickle.UnpicklingError, match="refuses os.system"):
        loaded(data, weights_only=False)


def test_a_module_that_was_never_imported_is_not_imported():
    name = "glassgrad_never_imported_module_xyz"
    data = small_module_file(set_class(name, "Evil"))
    with pytest.raises(pickle.UnpicklingError, match="has not been imported"):
        loaded(data, weights_only=False)
    assert name not in sys.modules


@pytest.mark.parametrize("module, name, match", [
    ("builtins", "type", "refuses builtins.type"),
    ("builtins", "dict", "refuses builtins.dict"),
    ("subprocess", "Popen", "refuses subprocess.Popen"),          # __del__ and not a module
    (__name__, "Finalized", "refuses .*Finalized"),
    ("glassgrad", "__class__.__base__", "malformed"),
    ("glassgrad.nn", "Linear.__init__.__globals__", "malformed"),
    ("glassgrad.nn", "functional", "refuses glassgrad.nn.functional"),
])
def test_classes_that_may_not_be_rebuilt(module, name, match):
    exc = (UnsafeOrCorruptFile, pickle.UnpicklingError)
    with pytest.raises(exc, match=match):
        loaded(small_module_file(set_class(module, name)), weights_only=False)


@pytest.mark.parametrize("edit, match", [
    (lambda m: m["object"].update(state=[1, 2]), "not a dict of names"),
    (lambda m: m["object"].update(id="0"), "not a new integer"),
    (lambda m: m["object"].update(extra=1), "fields"),
    (lambda m: m.update(object={"$type": "ref", "id": 4}), "comes later or not at all"),
    (lambda m: m.update(object={"$type": "set", "frozen": False, "items": [[1]]}), "unhashable"),
    (lambda m: m.update(object={"$type": "device", "name": "nowhere"}), "device"),
])
def test_malformed_objects_are_corrupt_files(edit, match):
    with pytest.raises(UnsafeOrCorruptFile, match=match):
        loaded(small_module_file(edit), weights_only=False)


def test_no_constructor_runs_when_a_module_loads():
    calls = []

    class Counting(nn.Module):
        def __init__(self):
            calls.append("init")
            super().__init__()
            self.lin = nn.Linear(1, 1)
    Counting.__qualname__ = "Counting"
    globals()["Counting"] = Counting
    try:
        data = saved(Counting())
        assert calls == ["init"]
        back = loaded(data, weights_only=False)
        assert type(back) is Counting and calls == ["init"]
    finally:
        del globals()["Counting"]
