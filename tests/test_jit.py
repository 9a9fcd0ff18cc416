"""torch.jit on glassgrad (glassgrad/jit.py): script and trace return the same Python, seen through
TorchScript's questions; the numbers are PyTorch's, checked against a real torch.jit.trace."""

import pytest
import torch

import glassgrad as gg


def make_classes(lib):
    class Gate(lib.nn.Module):
        def forward(self, x):
            return x if x.sum() > 0 else -x

    class Cell(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.gate = Gate()
            self.linear = lib.nn.Linear(4, 4)

        def forward(self, x, h):
            return lib.tanh(self.gate(self.linear(x)) + h)
    return Gate, Cell


Gate, Cell = make_classes(gg)  # at module level, so a whole saved Cell names a class jit.load can find
Gate.__qualname__, Cell.__qualname__ = "Gate", "Cell"
TorchGate, TorchCell = make_classes(torch)


def cell(lib):
    lib.manual_seed(0)
    return Cell() if lib is gg else TorchCell()


def inputs(lib):
    lib.manual_seed(1)
    return lib.rand(3, 4), lib.rand(3, 4)


def test_trace_runs_the_same_numbers_as_pytorchs_trace():
    ours = gg.jit.trace(cell(gg), inputs(gg))
    theirs = torch.jit.trace(cell(torch), inputs(torch))
    x, h = inputs(gg)
    tx, th = inputs(torch)
    assert ours(x, h).flatten().tolist() == pytest.approx(theirs(tx, th).flatten().tolist(), abs=1e-6)


def test_a_traced_module_shares_the_originals_parameters_and_answers_questions():
    original = cell(gg)
    traced = gg.jit.trace(original, inputs(gg))
    assert isinstance(traced, gg.jit.ScriptModule)
    assert list(traced.parameters())[0] is original.linear.weight
    assert list(traced.state_dict()) == list(original.state_dict())
    assert "def forward(self, x, h):" in traced.code and "def forward(self, x):" in traced.gate.code
    assert traced.graph.index("AddmmBackward0") < traced.graph.index("TanhBackward0")
    assert traced.original_name == "Cell" and repr(traced) == repr(original)
    with gg.no_grad():
        original.linear.bias.add_(1.0)  # a change to the original is seen through the traced module
    assert gg.equal(traced(*inputs(gg)), original(*inputs(gg)))


def test_script_wraps_functions_and_modules():
    def double(x):
        return x * 2
    scripted = gg.jit.script(double)
    assert scripted(gg.tensor([1.0, 2.0])).tolist() == [2.0, 4.0]
    assert "return x * 2" in scripted.code and scripted.__name__ == "double"
    module = gg.jit.script(cell(gg))
    assert gg.jit.script(module) is module
    with pytest.raises(RuntimeError, match="cannot be compiled"):
        gg.jit.script(gg.nn.Linear)


def test_save_and_load_a_traced_module(tmp_path):
    traced = gg.jit.trace(cell(gg), inputs(gg))
    traced.save(tmp_path / "cell.pt")
    loaded = gg.jit.load(tmp_path / "cell.pt")
    assert isinstance(loaded, gg.jit.ScriptModule)
    assert gg.equal(loaded(*inputs(gg)), traced(*inputs(gg)))
    gg.jit.save(traced, tmp_path / "again.pt")
    assert gg.equal(gg.jit.load(tmp_path / "again.pt")(*inputs(gg)), traced(*inputs(gg)))


def test_trace_needs_an_example_and_freeze_needs_eval():
    with pytest.raises(RuntimeError, match="example_inputs must be provided"):
        gg.jit.trace(cell(gg))
    with pytest.raises(RuntimeError, match="only implemented for modules in eval mode"):
        gg.jit.freeze(cell(gg))
    model = cell(gg).eval()
    assert gg.jit.freeze(model) is model
