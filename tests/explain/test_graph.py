"""The graph model holds exactly what the engines hold: ids in topological order, values, gradients,
local derivatives as the Values recorded them, tensor values recorded under record(), groups."""

from operator import attrgetter

import numpy as np
import pytest
import torch

import glassgrad
from glassgrad import Value
from glassgrad import explain
from glassgrad import nn
from glassgrad.autograd import function
from glassgrad.explain.graph import _SCOPE, _op_name
from glassgrad.graph import topological_order


def _neuron():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def test_scalar_model_is_the_engine():
    o = _neuron()
    o2 = o * o + 1.5  # a node used twice
    o2.backward()
    g = explain.graph(o2)
    order = topological_order(o2, attrgetter("parents"))
    assert g.engine == "scalar" and g.has_grads
    assert [n.ref for n in g.nodes] == order  # ids by topological position, root last
    assert [n.id for n in g.nodes] == [f"n{i}" for i in range(len(order))]
    assert g.root == g.nodes[-1].id and g.node(g.root).ref is o2
    ids = {id(v): n.id for v, n in zip(order, g.nodes)}
    for v, n in zip(order, g.nodes):
        assert n.value == v.data and n.grad == v.grad and n.op == v.op
        assert n.kind == ("op" if v.parents else "leaf")
        ins = g.inputs(n.id)
        assert [e.src for e in ins] == [ids[id(p)] for p in v.parents]
        assert [e.local_grad for e in ins] == list(v.local_grads)  # not re-derived: the very numbers
        assert [e.index for e in ins] == list(range(len(v.parents)))
    square = g.node(ids[id(o2.parents[0])])
    assert len(g.inputs(square.id)) == 2 and {e.src for e in g.inputs(square.id)} == {ids[id(o)]}
    assert len(g.outputs(ids[id(o)])) == 2
    # labels: the Value's own, else derived from the op, numbers for unlabelled constants
    labels = [n.label for n in g.nodes]
    assert {"x1", "w1", "b", "n", "o", "1.5"} <= set(labels)
    assert labels.count("mul") == 0 and "mul1" in labels and "mul3" in labels  # several *: numbered
    assert g.node(ids[id(o2.parents[1])]).label == "1.5"


def test_formulas_come_from_the_ops_docstrings():
    o = _neuron()
    g = explain.graph(o)
    tanh = g.node(g.root)
    assert tanh.formula == Value.tanh.__doc__.strip()
    assert all(n.formula == "" for n in g.nodes if n.kind == "leaf")


def test_before_backward_no_grads():
    o = _neuron()
    g = explain.graph(o)
    assert not g.has_grads
    assert all(n.grad is None for n in g.nodes)
    o.backward()
    assert explain.graph(o).has_grads


def test_to_dict_is_json_ready():
    import json
    o = _neuron()
    o.backward()
    d = explain.graph(o).to_dict()
    again = json.loads(json.dumps(d))
    assert again["nodes"][-1]["value"] == o.data and again["nodes"][-1]["grad"] == 1.0
    assert again["edges"][0]["local_grad"] is not None


def _tensor_graph(record=True):
    glassgrad.manual_seed(0)
    w = glassgrad.randn(3, 2, dtype=glassgrad.float64, requires_grad=True)
    x = glassgrad.randn(4, 3, dtype=glassgrad.float64, requires_grad=True)
    b = glassgrad.randn(2, dtype=glassgrad.float64, requires_grad=True)
    if record:
        with explain.record():
            h = (x @ w + b).tanh()
            loss = (h * h).sum()
    else:
        h = (x @ w + b).tanh()
        loss = (h * h).sum()
    return x, w, b, h, loss


def test_tensor_model_is_the_engine_and_matches_torch():
    x, w, b, h, loss = _tensor_graph()
    g = explain.graph(loss)
    assert not g.has_grads and all(n.grad is None for n in g.nodes)
    loss.backward()
    g = explain.graph(loss)
    assert g.engine == "tensor" and g.has_grads
    assert [n.op for n in g.nodes if n.kind == "op"] == ["mm", "add", "tanh", "mul", "sum"]
    order = topological_order(loss.grad_fn, lambda n: [c for c, _ in n.next_functions if c is not None])
    # a leaf's ref is its tensor (the AccumulateGrad node's variable); an op's, its backward node
    assert [n.ref for n in g.nodes] == [getattr(k, "variable", k) for k in order]
    # torch as the oracle for every value and gradient
    tx, tw, tb = (torch.tensor(t.detach().numpy(), requires_grad=True) for t in (x, w, b))
    t_mm = tx @ tw
    t_add = t_mm + tb
    t_h = t_add.tanh()
    t_mul = t_h * t_h
    t_loss = t_mul.sum()
    for t in (t_mm, t_add, t_h, t_mul):
        t.retain_grad()
    t_loss.backward()
    expect = {"mm": t_mm, "add": t_add, "tanh": t_h, "mul": t_mul, "sum": t_loss}
    for n in g.nodes:
        if n.kind == "op":
            ref = expect[n.op]
            assert n.ref.name() == ref.grad_fn.name()  # the node PyTorch records, by PyTorch's name
            np.testing.assert_allclose(n.value, ref.detach().numpy(), rtol=1e-12)
            grad = np.ones(()) if ref is t_loss else ref.grad.numpy()
            np.testing.assert_allclose(n.grad, grad, rtol=1e-12)
            assert n.shape == tuple(ref.shape) and n.dtype == "float64"
        else:
            leaf = n.ref
            assert any(leaf is t for t in (x, w, b))
            assert n.value is leaf._array
            np.testing.assert_array_equal(n.grad, leaf.grad.numpy())
    # leaves get letters in order, edges carry the backward rule and the shapes
    assert [n.label for n in g.nodes if n.kind == "leaf"] == ["a", "b", "c"]
    mm = next(n for n in g.nodes if n.op == "mm")
    assert [(e.rule, e.src_shape, e.dst_shape) for e in g.inputs(mm.id)] == [
        ("MmBackward0", (4, 3), (4, 2)), ("MmBackward0", (3, 2), (4, 2))]
    assert all(e.local_grad is None for e in g.edges)
    mul = next(n for n in g.nodes if n.op == "mul")
    assert [e.src for e in g.inputs(mul.id)] == [next(n.id for n in g.nodes if n.op == "tanh")] * 2


def test_tensor_without_record_keeps_only_what_exists():
    x, w, b, h, loss = _tensor_graph(record=False)
    loss.backward()
    g = explain.graph(loss)
    ops = [n for n in g.nodes if n.kind == "op"]
    assert all(n.value is None for n in ops[:-1])  # not recorded: not invented
    assert ops[-1].value is loss._array  # the root's value is the tensor itself
    assert all(n.grad is None for n in ops)
    assert g.has_grads  # leaves have .grad


def test_tensor_leaf_root_and_bad_input():
    t = glassgrad.tensor([1.0, 2.0], requires_grad=True)
    g = explain.graph(t)
    assert len(g.nodes) == 1 and g.nodes[0].kind == "leaf" and not g.has_grads
    with pytest.raises(TypeError, match="Value or a Tensor"):
        explain.graph(3.0)


@pytest.mark.parametrize("op_name, expect", [("MulBackward0", "mul"), ("LeakyReluFunctionBackward0",
                                             "leaky_relu"), ("AddmmBackward0", "addmm"),
                                             ("LogSoftmaxBackward0", "log_softmax"), ("MyFnBackward", "my_fn")])
def test_op_names(op_name, expect):
    assert _op_name(op_name) == expect


def test_neuron_groups(scalar_mlp_loss):
    m, loss = scalar_mlp_loss(n=2)
    loss.backward()
    g = explain.graph(loss, model=m)
    assert len(g.nodes) > 60 and g.grouped  # folds past max_nodes
    groups = g.groups()
    assert len(groups) == 9
    by_ref = {id(n.ref): n for n in g.nodes}
    for li, layer in enumerate(m.layers):
        for j, neuron in enumerate(layer.neurons):
            name = f"layer{li + 1}.neuron{j}"  # layer ℓ holds Wℓ, from 1
            members = {id(g.node(k).ref) for k in groups[name]}
            # its parameters, and per sample: the dot node, the +b node, and (hidden layers) the ReLU
            assert {id(p) for p in neuron.parameters()} <= members
            per_sample = 3 if neuron.activation != "linear" else 2
            assert len(members) == len(neuron.parameters()) + 2 * per_sample
            for k in groups[name]:
                v = g.node(k).ref
                assert v.op in ("", "dot", "+", "ReLU")
    assert by_ref[id(loss)].group is None  # the loss belongs to no neuron
    # without the model, the same neurons are recognised by their shape: dot(w, x) + b
    g2 = explain.graph(loss)
    assert sorted(len(v) for v in g2.groups().values()) == sorted(len(v) for v in groups.values())
    # small graphs are not folded unless asked; asked, they are
    assert not explain.graph(loss, max_nodes=1000).grouped
    assert explain.graph(loss, group=True, max_nodes=1000).grouped
    assert not explain.graph(loss, group=False).grouped
    with pytest.raises(TypeError, match="scalar MLP"):
        explain.graph(loss, model=object())


def test_view_folds_groups_into_boxes(scalar_mlp_loss):
    m, loss = scalar_mlp_loss(n=2)
    loss.backward()
    g = explain.graph(loss, model=m)
    items, edges = g.view()
    boxes = [it for it in items if isinstance(it, explain.GroupBox)]
    assert len(boxes) == 9 and sum(len(b.members) for b in boxes) == len(g.nodes) - 1
    ids = {it.id for it in items}
    assert all(s in ids and d in ids for s, d, _ in edges)
    items2, _ = g.view(expanded={"layer1.neuron0"})
    assert len(items2) == len(items) - 1 + len(g.groups()["layer1.neuron0"])
    full, full_edges = g.view(collapse=False)
    assert [n.id for n in full] == [n.id for n in g.nodes] and len(full_edges) == len(g.edges)


def _nothing_recording():
    """No observer on the engine, no module name left on explain's stack."""
    return not function.NODE_CREATED and _SCOPE == []


def test_record_groups_tensor_ops_by_module():
    glassgrad.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    x = glassgrad.randn(5, 3)
    assert _nothing_recording()
    with explain.record(model):
        assert len(function.NODE_CREATED) == 1
        out = model(x).sum()
    assert _nothing_recording()
    assert not model[0]._forward_hooks and not model[0]._forward_pre_hooks  # hooks removed
    out.backward()
    g = explain.graph(out, model=model)
    by_label = {n.label: n for n in g.nodes}
    assert by_label["0.weight"].group == "0" and by_label["2.bias"].group == "2"
    assert by_label["addmm1"].group == "0" and by_label["tanh"].group == "1"  # Linear records addmm
    assert by_label["out"].group is None and by_label["out"].op == "sum"  # the output is "out"
    np.testing.assert_array_equal(by_label["0.weight"].grad, model[0].weight.grad.numpy())
    # without model=, leaves join the module all their users ran in
    g2 = explain.graph(out)
    assert [n.group for n in g2.nodes] == [n.group for n in g.nodes]


def test_record_restores_state_when_forward_raises():
    model = nn.Sequential(nn.Linear(3, 4))
    with pytest.raises(RuntimeError):
        with explain.record(model):
            model(glassgrad.randn(2, 5))  # wrong width
    assert _nothing_recording()
    assert not model[0]._forward_pre_hooks
    # and the next forward pass, outside any record(), keeps nothing
    out = (model(glassgrad.randn(2, 3)) * 2).sum()
    assert all(n.value is None for n in explain.graph(out).nodes if n.kind == "op" and n.ref
               is not out.grad_fn)


def test_record_keeps_values_and_grads_in_node_metadata():
    x = glassgrad.tensor([0.5, -1.0, 2.0], dtype=glassgrad.float64, requires_grad=True)
    with explain.record():
        y = x.exp()
        loss = (y * y).sum()
    kept = y.grad_fn.metadata["explain"]
    np.testing.assert_array_equal(kept.value, np.exp([0.5, -1.0, 2.0]))
    assert kept.grad is None and kept.scope is None
    loss.backward()
    np.testing.assert_allclose(kept.grad, 2 * np.exp([0.5, -1.0, 2.0]), rtol=1e-15)  # ∂L/∂y = 2y
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp([1.0, -2.0, 4.0]), rtol=1e-15)
    # outside the block the engine keeps nothing: no metadata, no prehook
    z = x.exp()
    assert "explain" not in z.grad_fn.metadata and not z.grad_fn._prehooks


def test_nested_record_keeps_each_node_once():
    glassgrad.manual_seed(0)
    inner = nn.Sequential(nn.Linear(2, 2), nn.Tanh())
    outer = nn.Sequential(inner, nn.Linear(2, 1))
    x = glassgrad.randn(3, 2)
    with explain.record(outer):
        with explain.record():
            out = outer(x).sum()
        assert len(function.NODE_CREATED) == 1  # the inner block removed its own observer only
        after = (out * 3).sum()
    assert _nothing_recording()
    assert len(out.grad_fn._prehooks) == 1  # one observer wrote the node, one prehook
    after.backward()
    g = explain.graph(after, model=outer)
    groups = {n.label: n.group for n in g.nodes if n.kind == "op"}
    assert groups["addmm1"] == "0.0" and groups["tanh"] == "0.1" and groups["addmm2"] == "1"
    assert all(n.value is not None and n.grad is not None for n in g.nodes)


def test_grads_under_create_graph_are_arrays():
    x = glassgrad.tensor([1.0, 2.0], dtype=glassgrad.float64, requires_grad=True)
    with explain.record():
        loss = (x.tanh() ** 2).sum()
    loss.backward(create_graph=True)
    g = explain.graph(loss)
    tanh = next(n for n in g.nodes if n.op == "tanh")
    assert isinstance(tanh.grad, np.ndarray)
    np.testing.assert_allclose(tanh.grad, 2 * np.tanh([1.0, 2.0]), rtol=1e-15)
