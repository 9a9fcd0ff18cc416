"""glassgrad.fx against torch.fx: the same model traced by both prints the same graph and the same code,
and the GraphModule computes what the model computes.

Each model is written once as a function of a torch-like namespace ``T`` (real PyTorch, or glassgrad) so
the two traces start from the same program.
"""

import copy
import math
import operator
import os
import subprocess
import sys
from math import sqrt
from typing import List, Optional

import pytest
import torch

import glassgrad
import glassgrad.fx as gfx
import glassgrad.nn as gnn
from glassgrad.fx.passes.shape_prop import ShapeProp
import torch.fx.passes.shape_prop as torch_shape_prop


@pytest.fixture(autouse=True)
def fx_dispatch_on():
    """The state after ``import torch.fx``: the __torch_function__ dispatch installed (another test file may
    have reset it with ``overrides.disable()``); after each test the dispatch is taken down again, so the
    tests that run next in this process see the plain functions, as a program that never imports fx does."""
    glassgrad.overrides.enable()
    yield
    glassgrad.overrides.disable()


def traced_both(make):
    """(torch GraphModule, glassgrad GraphModule) for the model ``make(T)`` builds in each library."""
    return torch.fx.symbolic_trace(make(torch)), gfx.symbolic_trace(make(glassgrad))


def assert_same_print(make):
    tgm, ggm = traced_both(make)
    assert str(ggm.graph) == str(tgm.graph)
    assert ggm.code == tgm.code
    return tgm, ggm


# --- the models ---------------------------------------------------------------------------------------
def conv_bn_model(T):
    """The FX conv/batch-norm fuser tutorial's model: BatchNorms hidden in a Sequential and a wrapper."""
    nn = T.nn

    class WrappedBatchNorm(nn.Module):
        def __init__(self):
            super().__init__()
            self.mod = nn.BatchNorm2d(1)

        def forward(self, x):
            return self.mod(x)

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 1, 1)
            self.bn1 = nn.BatchNorm2d(1)
            self.conv2 = nn.Conv2d(1, 1, 1)
            self.nested = nn.Sequential(nn.BatchNorm2d(1), nn.Conv2d(1, 1, 1))
            self.wrapped = WrappedBatchNorm()

        def forward(self, x):
            x = self.conv1(x)
            x = self.bn1(x)
            x = self.conv2(x)
            x = self.nested(x)
            x = self.wrapped(x)
            return x

    return M().eval()


def operators_model(T):
    """Operators (reflected ones too), methods, attributes, indexing, parameters and constants."""
    nn = T.nn

    class Ops(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(4, 4)
            self.w = nn.Parameter(T.ones(4))
            self.register_buffer("b", T.zeros(4))
            self.c = T.ones(4)

        def forward(self, x, y=2):
            a = self.lin(x) + self.w
            b = a.relu().view(-1, 4) * y
            f = b[:, 0] + self.b.sum() + self.c[0]
            g = x.shape[0]
            h = x.size(1)
            return (f - 1, 2 * f, -f, g, h, x @ x.t(), 1 / f, f ** 2, getattr(f, "T"), abs(f), f > 0,
                    3 - f, f // 2, 5 % y, +f, f != 1, x[..., 1:3], x[None])

    return Ops()


def resnet_like(T):
    """A small ResNet written as torchvision writes its blocks: ``out += identity``, a downsample
    Sequential, ReLU(inplace=True), adaptive pooling and a flatten."""
    nn = T.nn

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.downsample = None
            if stride != 1 or cin != cout:
                self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False),
                                                nn.BatchNorm2d(cout))

        def forward(self, x):
            identity = x
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            if self.downsample is not None:
                identity = self.downsample(x)
            out += identity
            return self.relu(out)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
            self.layer1 = nn.Sequential(Block(8, 8, 1), Block(8, 16, 2))
            self.pool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(16, 5)

        def forward(self, x):
            x = self.layer1(self.stem(x))
            x = self.pool(x).flatten(1)
            return self.fc(x)

    return Net().eval()


# --- tracing prints as PyTorch prints ------------------------------------------------------------------
@pytest.mark.parametrize("make", [conv_bn_model, operators_model, resnet_like])
def test_graph_and_code_print_as_pytorch(make):
    assert_same_print(make)


@pytest.mark.parametrize("make", [conv_bn_model, operators_model, resnet_like])
def test_graph_module_computes_what_the_model_computes(make):
    glassgrad.manual_seed(0)
    model = make(glassgrad)
    gm = gfx.symbolic_trace(model)
    x = glassgrad.randn(2, 3, 8, 8) if make is resnet_like else \
        glassgrad.randn(5, 1, 2, 2) if make is conv_bn_model else glassgrad.randn(4, 4)
    expected, got = model(x), gm(x)
    for e, g in zip(expected if isinstance(expected, tuple) else (expected,),
                    got if isinstance(got, tuple) else (got,)):
        if isinstance(e, glassgrad.Tensor):
            assert glassgrad.equal(e, g)
        else:
            assert e == g


def test_graph_module_is_a_module_holding_the_traced_submodules():
    model = conv_bn_model(glassgrad)
    gm = gfx.symbolic_trace(model)
    assert isinstance(gm, gnn.Module) and isinstance(gm, gfx.GraphModule)
    assert type(gm).__name__ == "M"
    assert gm.nested is not model.nested and isinstance(gm.nested, gnn.Module)
    assert gm.get_submodule("nested.0") is model.nested[0]
    assert gm.get_submodule("wrapped.mod") is model.wrapped.mod
    assert gm.conv1.weight is model.conv1.weight
    tgm = torch.fx.symbolic_trace(conv_bn_model(torch))
    assert [n for n, _ in gm.named_modules()] == [n for n, _ in tgm.named_modules()]
    assert list(gm.state_dict()) == list(tgm.state_dict())
    assert gm.training is False
    assert str(gm) == str(tgm)


def test_two_graph_modules_do_not_share_forward():
    a = gfx.symbolic_trace(conv_bn_model(glassgrad))
    b = gfx.symbolic_trace(conv_bn_model(glassgrad))
    assert type(a) is not type(b)
    a.graph.erase_node  # noqa: B018  (a is edited below, b must not change)
    out = next(n for n in a.graph.nodes if n.op == "output")
    x_node = next(iter(a.graph.nodes))
    out.args = (x_node,)
    a.graph.eliminate_dead_code()
    a.recompile()
    x = glassgrad.randn(2, 1, 1, 1)
    assert a(x) is x
    assert b(x) is not x


# --- the conv/batch-norm fusion pass, written against the fx API ------------------------------------------
def fuse(T, model):
    """Fold each BatchNorm that follows a Conv2d into the conv's weights (the tutorial's pass, ours)."""
    model = copy.deepcopy(model)
    fx_model = T.fx.symbolic_trace(model)
    modules = dict(fx_model.named_modules())
    for node in fx_model.graph.nodes:
        if node.op != "call_module":
            continue
        if type(modules[node.target]) is T.nn.BatchNorm2d and type(modules[node.args[0].target]) is T.nn.Conv2d:
            if len(node.args[0].users) > 1:
                continue
            conv, bn = modules[node.args[0].target], modules[node.target]
            fused = copy.deepcopy(conv)
            scale = bn.weight * T.rsqrt(bn.running_var + bn.eps)
            fused.weight = T.nn.Parameter(conv.weight * scale.reshape([-1, 1, 1, 1]))
            bias = conv.bias if conv.bias is not None else T.zeros_like(bn.running_mean)
            fused.bias = T.nn.Parameter((bias - bn.running_mean) * scale + bn.bias)
            *parent, name = node.args[0].target.rsplit(".", 1)
            setattr(modules[parent[0] if parent else ""], name, fused)
            node.replace_all_uses_with(node.args[0])
            fx_model.graph.erase_node(node)
    fx_model.graph.lint()
    fx_model.recompile()
    return fx_model


@pytest.mark.parametrize("make", [conv_bn_model, resnet_like])
def test_fusion_pass_matches_pytorch_and_keeps_the_numbers(make):
    glassgrad.manual_seed(0)
    model = make(glassgrad)
    for m in model.modules():  # batch norms with statistics of their own, so folding them matters
        if isinstance(m, gnn.BatchNorm2d):
            m.running_mean.data = glassgrad.randn(*m.running_mean.shape)
            m.running_var.data = glassgrad.rand(*m.running_var.shape) + 0.5
    fused = fuse(glassgrad, model)
    assert fused.code == fuse(torch, make(torch)).code
    called = [fused.get_submodule(n.target) for n in fused.graph.nodes if n.op == "call_module"]
    assert not any(isinstance(m, gnn.BatchNorm2d) for m in called)
    x = glassgrad.randn(2, 1, 3, 3) if make is conv_bn_model else glassgrad.randn(2, 3, 8, 8)
    glassgrad.testing.assert_close(fused(x), model(x), rtol=1e-4, atol=1e-5)


# --- Proxy: what cannot be traced fails as in PyTorch ---------------------------------------------------
def control_flow(T):
    class C(T.nn.Module):
        def forward(self, x):
            if x.sum() > 0:
                return x
            return -x
    return C()


def iterating(T):
    class I(T.nn.Module):
        def forward(self, x):
            return [row for row in x]
    return I()


def taking_len(T):
    class L(T.nn.Module):
        def forward(self, x):
            return len(x)
    return L()


@pytest.mark.parametrize("make", [control_flow, iterating, taking_len])
def test_untraceable_python_fails_with_pytorchs_error(make):
    with pytest.raises(Exception) as expected:
        torch.fx.symbolic_trace(make(torch))
    with pytest.raises(Exception) as got:
        gfx.symbolic_trace(make(glassgrad))
    assert type(got.value).__name__ == type(expected.value).__name__
    assert str(got.value) == str(expected.value)


def test_control_flow_error_is_a_trace_error():
    with pytest.raises(gfx.proxy.TraceError, match="symbolically traced variables cannot be used as inputs "
                                                   "to control flow"):
        gfx.symbolic_trace(control_flow(glassgrad))


def unpacking(T):
    class U(T.nn.Module):
        def forward(self, x):
            a, b = x
            return a * b
    return U()


def test_unpacking_a_proxy_indexes_it():
    tgm, ggm = assert_same_print(unpacking)
    x = glassgrad.randn(2, 3)
    assert glassgrad.equal(ggm(x), x[0] * x[1])


def calling_and_kwargs(T):
    class K(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = T.nn.Linear(3, 3)

        def forward(self, x, *, scale=2.0):
            y = self.lin(input=x)
            return y.sum(dim=1, keepdim=True) * scale
    return K()


def test_keyword_arguments_and_keyword_only_inputs():
    tgm, ggm = assert_same_print(calling_and_kwargs)
    model = calling_and_kwargs(glassgrad)
    gm = gfx.symbolic_trace(model)
    x = glassgrad.randn(4, 3)
    assert glassgrad.allclose(gm(x, 3.0), model(x, scale=3.0))


# --- Graph and Node -------------------------------------------------------------------------------------
def test_erasing_a_node_that_is_still_used_fails_as_in_pytorch():
    tgm, ggm = traced_both(conv_bn_model)
    tnode = next(n for n in tgm.graph.nodes if n.name == "bn1")
    gnode = next(n for n in ggm.graph.nodes if n.name == "bn1")
    with pytest.raises(RuntimeError) as expected:
        tgm.graph.erase_node(tnode)
    with pytest.raises(RuntimeError) as got:
        ggm.graph.erase_node(gnode)
    assert str(got.value) == str(expected.value)


def edit(T, gm):
    """Insert a relu after conv1 (inserting_after), a neg before the output (inserting_before), a copy
    of conv2's call, and a dead node that eliminate_dead_code removes."""
    g = gm.graph
    nodes = {n.name: n for n in g.nodes}
    conv1, conv2, output = nodes["conv1"], nodes["conv2"], nodes["output"]
    with g.inserting_after(conv1):
        relu = g.call_method("relu", (conv1,))
    conv1.replace_all_uses_with(relu, delete_user_cb=lambda user: user is not relu)
    with g.inserting_before(output):
        neg = g.call_function(operator.neg, (output.args[0],))
        dead = g.call_function(operator.mul, (neg, 2))
        again = g.node_copy(conv2, lambda n: neg)
    output.replace_input_with(output.args[0], again)
    assert dead.users == {} and again.all_input_nodes == [neg]
    changed = g.eliminate_dead_code()
    g.lint()
    gm.recompile()
    return changed


def test_graph_edits_print_and_run_as_in_pytorch():
    tgm, ggm = traced_both(conv_bn_model)
    assert edit(glassgrad, ggm) == edit(torch, tgm) is True
    assert str(ggm.graph) == str(tgm.graph)
    assert ggm.code == tgm.code
    x = glassgrad.randn(2, 1, 2, 2)
    m = ggm.get_submodule
    expected = m("conv2")(-m("wrapped.mod")(m("nested.1")(m("nested.0")(m("conv2")(m("bn1")(m("conv1")(x).relu()))))))
    assert glassgrad.allclose(ggm(x), expected)


def test_node_links_users_and_inputs():
    gm = gfx.symbolic_trace(operators_model(glassgrad))
    nodes = list(gm.graph.nodes)
    assert len(gm.graph.nodes) == len(nodes)
    for a, b in zip(nodes, nodes[1:]):
        assert a.next is b and b.prev is a
    assert list(reversed(gm.graph.nodes)) == nodes[::-1]
    for node in nodes:
        for used in node.all_input_nodes:
            assert node in used.users
        for user in node.users:
            assert node in user.all_input_nodes
    x = nodes[0]
    assert x.op == "placeholder" and x.target == "x" and isinstance(x.meta, dict)
    node = next(n for n in nodes if n.op == "call_method" and n.target == "view")
    node.args = (node.args[0], 2, 8)
    assert node.args == (node.all_input_nodes[0], 2, 8)
    node.update_arg(1, -1)
    assert node.args[1] == -1


def test_lint_finds_a_node_used_before_it_is_defined():
    gm = gfx.symbolic_trace(conv_bn_model(glassgrad))
    nodes = {n.name: n for n in gm.graph.nodes}
    nodes["conv1"].prepend(nodes["conv2"])  # conv2 now runs before the bn1 it reads
    with pytest.raises(RuntimeError, match="was used before it has been defined"):
        gm.graph.lint()


def test_a_graph_built_by_hand():
    def build(T):
        g = T.fx.Graph()
        x = g.placeholder("x")
        w = g.placeholder("w", default_value=3)
        s = g.call_method("sum", (x,), {"dim": 0})
        out = g.call_function(operator.mul, (s, w))
        g.output(out)
        return g
    tg, gg = build(torch), build(glassgrad)
    assert str(gg) == str(tg)
    gm = gfx.GraphModule(gnn.Module(), gg)
    assert gm.code == torch.fx.GraphModule(torch.nn.Module(), tg).code
    x = glassgrad.randn(3, 2)
    assert glassgrad.allclose(gm(x), x.sum(dim=0) * 3)
    assert type(gm).__name__ == "GraphModule"


def test_deepcopy_gives_an_independent_graph_module():
    gm = gfx.symbolic_trace(conv_bn_model(glassgrad))
    clone = copy.deepcopy(gm)
    assert clone.code == gm.code and str(clone.graph) == str(gm.graph)
    assert clone.conv1 is not gm.conv1 and clone.graph is not gm.graph
    node = next(n for n in clone.graph.nodes if n.name == "bn1")
    node.replace_all_uses_with(node.args[0])
    clone.graph.erase_node(node)
    clone.recompile()
    assert "bn1" in gm.code and "bn1" not in clone.code


def test_generated_code_reaches_attributes_that_are_not_identifiers_safely():
    g = glassgrad.fx.Graph()
    x = g.placeholder("x")
    g.output(g.call_method('a"); import os; ("', (x,)))
    code = gfx.GraphModule(gnn.Module(), g).code
    assert "import os" not in code.replace("""'a"); import os; ("'""", "")
    assert """getattr(x, 'a"); import os; ("')()""" in code


# --- Tracer ---------------------------------------------------------------------------------------------
def test_a_tracer_subclass_chooses_the_leaves():
    def trace(T):
        class Leaves(T.fx.Tracer):
            def is_leaf_module(self, m, qualname):
                return qualname == "wrapped" or super().is_leaf_module(m, qualname)
        model = conv_bn_model(T)
        return T.fx.GraphModule(model, Leaves().trace(model), "M")
    t, g = trace(torch), trace(glassgrad)
    assert str(g.graph) == str(t.graph) and g.code == t.code
    assert any(n.target == "wrapped" for n in g.graph.nodes)


def test_tracing_a_function_and_concrete_args():
    def f(a, b):
        if b:
            return a
        return a * 2
    gm = gfx.symbolic_trace(f, concrete_args={"b": False})
    assert gm(3, False) == 6
    with pytest.raises(AssertionError, match="b has been specialized to have value False but got another value"):
        gm(3, True)
    tgm = torch.fx.symbolic_trace(f, concrete_args={"b": False})
    assert [(n.op, n.name) for n in gm.graph.nodes] == [(n.op, n.name) for n in tgm.graph.nodes]


def test_varargs_become_one_placeholder():
    def f(x, *rest):
        return x + rest[0]
    tgm, ggm = torch.fx.symbolic_trace(f), gfx.symbolic_trace(f)
    assert str(ggm.graph) == str(tgm.graph) and ggm.code == tgm.code
    assert ggm(2, 5) == 7


def add_one(x):
    return x + 1


gfx.wrap("add_one")
torch.fx.wrap("add_one")


def test_wrap_records_a_module_level_function_as_one_call():
    def f(x):
        return add_one(x) * 2
    gm, tgm = gfx.symbolic_trace(f), torch.fx.symbolic_trace(f)
    assert [(n.op, n.name) for n in gm.graph.nodes] == [(n.op, n.name) for n in tgm.graph.nodes]
    node = next(n for n in gm.graph.nodes if n.op == "call_function" and n.target is add_one)
    assert node.name == "add_one"
    assert gm(glassgrad.ones(2)).tolist() == [4.0, 4.0]
    assert add_one(1) == 2  # put back after the trace


def test_module_call_is_restored_after_a_failed_trace():
    call, getattr_ = gnn.Module.__call__, gnn.Module.__getattr__
    with pytest.raises(Exception):
        gfx.symbolic_trace(control_flow(glassgrad))
    assert gnn.Module.__call__ is call and gnn.Module.__getattr__ is getattr_


# --- Interpreter, ShapeProp, Transformer, replace_pattern --------------------------------------------------
def test_interpreter_runs_the_graph_node_by_node():
    glassgrad.manual_seed(0)
    model = resnet_like(glassgrad)
    gm = gfx.symbolic_trace(model)
    x = glassgrad.randn(2, 3, 8, 8)
    seen = []

    class Watch(gfx.Interpreter):
        def run_node(self, n):
            seen.append(n.name)
            return super().run_node(n)

    assert glassgrad.allclose(Watch(gm).run(x), model(x))
    assert seen == [n.name for n in gm.graph.nodes]


def test_shape_prop_records_pytorchs_shapes():
    torch.manual_seed(0)
    tgm, ggm = traced_both(resnet_like)
    torch_shape_prop.ShapeProp(tgm).propagate(torch.randn(2, 3, 8, 8))
    ShapeProp(ggm).propagate(glassgrad.randn(2, 3, 8, 8))
    for tn, gn in zip(tgm.graph.nodes, ggm.graph.nodes):
        if "tensor_meta" in tn.meta:
            assert tuple(gn.meta["tensor_meta"].shape) == tuple(tn.meta["tensor_meta"].shape)
            assert gn.meta["tensor_meta"].dtype.name == str(tn.meta["tensor_meta"].dtype).split(".")[-1]
            assert tuple(gn.meta["tensor_meta"].stride) == tuple(tn.meta["tensor_meta"].stride)


def test_transformer_rewrites_every_relu_method():
    def rewrite(T):
        class NegRelu(T.fx.Transformer):
            def call_method(self, target, args, kwargs):
                if target == "relu":
                    return -super().call_method(target, args, kwargs)
                return super().call_method(target, args, kwargs)

        class R(T.nn.Module):
            def forward(self, x):
                return x.relu() + 1
        return NegRelu(T.fx.symbolic_trace(R())).transform()
    t, g = rewrite(torch), rewrite(glassgrad)
    assert str(g.graph) == str(t.graph) and g.code == t.code
    x = glassgrad.randn(5)
    assert glassgrad.equal(g(x), -x.relu() + 1)


def test_replace_pattern_swaps_each_match():
    def pattern(x, y):
        return (x + y).relu()

    def replacement(x, y):
        return (x - y).neg()

    def traced(T):
        class P(T.nn.Module):
            def forward(self, a, b):
                first = (a + b).relu()
                return (first + b).relu() * 2
        return T.fx.symbolic_trace(P())
    t, g = traced(torch), traced(glassgrad)
    t_matches = torch.fx.replace_pattern(t, pattern, replacement)
    g_matches = gfx.replace_pattern(g, pattern, replacement)
    assert len(g_matches) == len(t_matches) == 2
    assert g.code == t.code
    a, b = glassgrad.randn(4), glassgrad.randn(4)
    assert glassgrad.allclose(g(a, b), (-((-(a - b)) - b)) * 2)


# --- glassgrad functions inside forward: recorded through __torch_function__ ---------------------------------
def functions_model(T):
    F = T.nn.functional

    class Fns(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.c = T.ones(3)

        def forward(self, x):
            a = F.relu(x)
            b = F.softmax(a, dim=1)
            c = F.dropout(b, 0.1)
            d = F.max_pool2d(x, 2)
            e = F.log_softmax(c, -1)
            h = T.relu(e)
            i = T.sum(h, dim=1)
            j = self.c + x
            k = T.cat((x, x), 1)
            m = F.adaptive_avg_pool2d(x, (1, 1))
            o = F.mse_loss(x, j)
            p = F.layer_norm(x, (3,))
            q = T.mean(x)
            t = F.pad(x, (1, 1))
            v = F.silu(x)
            w = F.normalize(x)
            y = T.flatten(x, 1)
            z = self.c * x
            s = T.stack([x, k[:, :3]])
            return a, b, c, d, e, h, i, j, k, m, o, p, q, t, v, w, y, z, s

    return Fns()


def same_code(tgm, ggm) -> bool:
    """glassgrad's code calls its functions by glassgrad's name unless it stands in for torch."""
    return ggm.code.replace("glassgrad.", "torch.") == tgm.code \
        and str(ggm.graph).replace("glassgrad.", "torch.") == str(tgm.graph)


def test_functions_record_as_in_pytorch():
    assert same_code(*traced_both(functions_model))


def test_functions_run_as_the_model_runs():
    model = functions_model(glassgrad)
    gm = gfx.symbolic_trace(model)
    x = glassgrad.randn(2, 3, 4, 3)
    glassgrad.manual_seed(1)
    expected = model(x)
    glassgrad.manual_seed(1)
    got = gm(x)
    for e, g in zip(expected, got):
        assert glassgrad.equal(e, g)


def test_a_recorded_function_is_the_function_the_program_names():
    gm = gfx.symbolic_trace(functions_model(glassgrad))
    targets = {n.name: n.target for n in gm.graph.nodes if n.op == "call_function"}
    assert targets["relu"] is glassgrad.nn.functional.relu
    assert targets["cat"] is glassgrad.cat and targets["flatten"] is glassgrad.flatten
    methods = {n.name: (n.target, n.args) for n in gm.graph.nodes if n.op == "call_method"}
    assert methods["add"][0] == "add" and methods["add"][1][0].target == "c"


def resnet_with_torch_flatten(T):
    model = resnet_like(T)
    type(model).forward = lambda self, x: self.fc(T.flatten(self.pool(self.layer1(self.stem(x))), 1))
    return model


def test_resnet_with_torch_flatten_traces_fuses_and_matches_pytorch():
    tgm, ggm = traced_both(resnet_with_torch_flatten)
    assert same_code(tgm, ggm)
    glassgrad.manual_seed(0)
    model = resnet_with_torch_flatten(glassgrad)
    fused = fuse(glassgrad, model)
    assert fused.code.replace("glassgrad.", "torch.") == fuse(torch, resnet_with_torch_flatten(torch)).code
    x = glassgrad.randn(2, 3, 8, 8)
    glassgrad.testing.assert_close(fused(x), model(x), rtol=1e-4, atol=1e-5)


# --- PyTorch's fx documentation examples -----------------------------------------------------------------
def docs_module(T):
    class MyModule(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.param = T.nn.Parameter(T.rand(3, 4))
            self.linear = T.nn.Linear(4, 5)

        def forward(self, x):
            return T.topk(T.sum(self.linear(x + self.linear.weight).relu(), dim=-1), 3)

    return MyModule()


def docs_clamp_module(T):
    class MyModule(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.param = T.nn.Parameter(T.rand(3, 4))
            self.linear = T.nn.Linear(4, 5)

        def forward(self, x):
            return self.linear(x + self.param).clamp(min=0.0, max=1.0)

    return MyModule()


@pytest.mark.parametrize("make, rows", [(docs_module, 5), (docs_clamp_module, 3)])
def test_docs_overview_example(make, rows):
    assert same_code(*traced_both(make))
    model = make(glassgrad)
    gm = gfx.symbolic_trace(model)
    x = glassgrad.randn(rows, 4)
    expected, got = model(x), gm(x)
    as_tuple = lambda v: v if isinstance(v, tuple) else (v,)  # noqa: E731
    for e, g in zip(as_tuple(expected), as_tuple(got)):
        assert glassgrad.equal(e, g)


def test_docs_transform_replaces_add_with_mul():
    def transform(T, m):
        graph = T.fx.Tracer().trace(m)
        for node in graph.nodes:
            if node.op == "call_function" and node.target == T.add:
                node.target = T.mul
        graph.lint()
        return T.fx.GraphModule(m, graph)

    def make(T):
        class M(T.nn.Module):
            def forward(self, x, y):
                return T.add(x, y)
        return M()
    t, g = transform(torch, make(torch)), transform(glassgrad, make(glassgrad))
    assert same_code(t, g)
    x, y = glassgrad.randn(3), glassgrad.randn(3)
    assert glassgrad.equal(g(x, y), x * y)


def test_docs_decomposition_with_proxies_built_by_hand():
    def decompose(T, model):
        F = T.nn.functional
        rules = {F.relu: lambda x: (x > 0) * x}
        graph = T.fx.Tracer().trace(model)
        new_graph, env = T.fx.Graph(), {}
        tracer = T.fx.proxy.GraphAppendingTracer(new_graph)
        for node in graph.nodes:
            if node.op == "call_function" and node.target in rules:
                proxy_args = [T.fx.Proxy(env[a.name], tracer) if isinstance(a, T.fx.Node) else a for a in node.args]
                env[node.name] = rules[node.target](*proxy_args).node
            else:
                env[node.name] = new_graph.node_copy(node, lambda a: env[a.name])
        return T.fx.GraphModule(model, new_graph)

    def make(T):
        class M(T.nn.Module):
            def forward(self, x):
                return T.nn.functional.relu(x) + 1
        return M()
    t, g = decompose(torch, make(torch)), decompose(glassgrad, make(glassgrad))
    assert same_code(t, g)
    x = glassgrad.randn(6)
    assert glassgrad.equal(g(x), x.relu() + 1)


def test_dead_code_elimination_keeps_what_pytorch_keeps():
    def build(T):
        g = T.fx.Graph()
        x = g.placeholder("x")
        g.call_method("add_", (x, 1))
        g.call_function(operator.setitem, (x, 0, 1))
        g.call_function(T.rand, (3,))
        g.call_function(T.nn.functional.dropout, (x,))
        g.call_function(operator.iadd, (x, 1))
        g.call_function(T.add, (x, 1))
        g.call_function(operator.and_, (x, x))
        g.output(x)
        g.eliminate_dead_code()
        return [(n.op, n.name) for n in g.nodes]
    assert build(glassgrad) == build(torch)


def attention_scores(T):
    class Scores(T.nn.Module):
        def forward(self, q, k):
            d = q.size(-1)
            return (q @ k.transpose(-2, -1)) / math.sqrt(d) + sqrt(d)
    return Scores()


def test_math_functions_on_proxies_are_recorded_and_survive_a_retrace():
    tgm, ggm = traced_both(attention_scores)
    assert same_code(tgm, ggm)
    assert 'wrap("math_sqrt")' in ggm.code
    q, k = glassgrad.randn(2, 3, 4), glassgrad.randn(2, 5, 4)
    assert glassgrad.allclose(ggm(q, k), attention_scores(glassgrad)(q, k))
    again = gfx.symbolic_trace(ggm)
    assert again.code == ggm.code
    assert math.sqrt(4.0) == 2.0 and sqrt(9.0) == 3.0  # put back after the trace


def test_each_node_records_the_modules_it_sits_in():
    tgm, ggm = traced_both(resnet_like)

    def stacks(gm):
        return [[(key, name, cls.__name__) for key, (name, cls) in n.meta.get("nn_module_stack", {}).items()]
                for n in gm.graph.nodes]
    assert stacks(ggm) == stacks(tgm)


# --- a PyTorch program using torch.fx runs unchanged, printing what PyTorch prints ----------------------------
PROGRAM = '''
import copy
import math
import torch
import torch.fx as fx
import torch.nn as nn
import torch.nn.functional as F


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 3)

    def forward(self, x):
        x = torch.flatten(F.adaptive_avg_pool2d(x, (1, 1)), 1)
        return F.log_softmax(self.fc(x) / math.sqrt(x.size(-1)), dim=-1)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(inplace=True))
        self.head = Head()

    def forward(self, x):
        return self.head(self.features(x) + x.mean(dim=1, keepdim=True))


torch.manual_seed(0)
model = Net().eval()
gm = fx.symbolic_trace(model)
print(gm.graph)
print(gm.code)
modules = dict(gm.named_modules())
for node in gm.graph.nodes:
    if node.op == "call_module" and type(modules[node.target]) is nn.BatchNorm2d:
        node.replace_all_uses_with(node.args[0])
        gm.graph.erase_node(node)
gm.graph.lint()
gm.recompile()
print(gm.code)
x = torch.randn(2, 3, 6, 6)
print("same output:", torch.equal(fx.symbolic_trace(model)(x), model(x)))
'''


def test_a_torch_fx_program_prints_the_same_on_both_backends(tmp_path):
    program = tmp_path / "fx_program.py"
    program.write_text(PROGRAM)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    theirs = subprocess.run([sys.executable, str(program)], capture_output=True, text=True, env=env, timeout=600)
    ours = subprocess.run([sys.executable, "-m", "glassgrad.as_torch", str(program)], capture_output=True,
                          text=True, env=env, timeout=600)
    assert theirs.returncode == 0, theirs.stderr[-2000:]
    assert ours.returncode == 0, ours.stderr[-2000:]
    assert "same output: True" in ours.stdout
    assert ours.stdout == theirs.stdout


def annotated(T):
    class Annotated(T.nn.Module):
        def forward(self, x: T.Tensor, n: int = 2, m: Optional[T.Tensor] = None, sizes: List[int] = None) -> T.Tensor:
            return x * n

    return Annotated()


def test_type_annotations_print_and_run_as_in_pytorch():
    tgm, ggm = traced_both(annotated)
    assert same_code(tgm, ggm)
    assert "x : " in ggm.code and "-> " in ggm.code
    x = glassgrad.randn(3)
    assert glassgrad.equal(ggm(x, 3), x * 3)
    assert gfx.symbolic_trace(ggm).code == ggm.code


@pytest.mark.parametrize("make", [conv_bn_model, annotated])
def test_print_readable_as_pytorch_with_shape_prop_annotations(make):
    tgm, ggm = traced_both(make)
    assert ggm.print_readable(print_output=False).replace("glassgrad.", "torch.") == \
        tgm.print_readable(print_output=False)
    if make is conv_bn_model:
        torch_shape_prop.ShapeProp(tgm).propagate(torch.randn(2, 1, 3, 3))
        ShapeProp(ggm).propagate(glassgrad.randn(2, 1, 3, 3))
        assert ggm.print_readable(print_output=False) == tgm.print_readable(print_output=False)


def keeps_a_value(T):
    class Keep(T.nn.Module):
        def forward(self, x):
            self.last = x.relu()  # a module attribute set in forward: a Proxy is no Parameter
            return self.last + 1
    return Keep()


def test_a_proxy_assigned_to_a_module_attribute():
    assert same_code(*traced_both(keeps_a_value))
