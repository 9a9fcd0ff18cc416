"""explain.step: one training step's numbers equal a hand computation (scalar MLP) and PyTorch's
(nn.Sequential), the update really happens, and the HTML/rich/text forms carry those very numbers."""

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import glassgrad
from glassgrad import nn
from glassgrad.explain.step import TrainingStep, step
from glassgrad.explain.style import short
from glassgrad.scalar.nn import MLP, mse

torch = pytest.importorskip("torch")


# ---- scalar MLP vs a computation by hand ----


def test_scalar_mlp_step_matches_a_hand_computation():
    model = MLP(2, [3, 1], activation="tanh", seed=4)
    W1 = np.array([[w.data for w in n.w] for n in model.layers[0].neurons])
    b1 = np.array([n.b.data for n in model.layers[0].neurons]) + 0.1
    for n, b in zip(model.layers[0].neurons, b1):
        n.b.data = b  # non-zero biases, so a bias mix-up would show
    W2 = np.array([[w.data for w in n.w] for n in model.layers[1].neurons])
    b2 = np.array([-0.2])
    model.layers[1].neurons[0].b.data = -0.2
    x, y, lr = np.array([0.5, -1.0]), 0.75, 0.1

    z1 = W1 @ x + b1
    a1 = np.tanh(z1)
    z2 = W2 @ a1 + b2
    loss = (z2[0] - y) ** 2
    g_z2 = np.array([2 * (z2[0] - y)])
    g_W2, g_b2 = np.outer(g_z2, a1), g_z2
    g_a1 = W2.T @ g_z2
    g_z1 = g_a1 * (1 - a1 ** 2)
    g_W1, g_b1 = np.outer(g_z1, x), g_z1

    ts = step(model, list(x), y, mse, lr)
    assert isinstance(ts, TrainingStep) and ts.engine == "scalar"
    l0, l1 = ts.layers
    close = {"rtol": 1e-12, "atol": 1e-14}
    np.testing.assert_allclose(l0.inputs[0], x, **close)
    np.testing.assert_allclose(l0.weight, W1, **close)
    np.testing.assert_allclose(l0.bias, b1, **close)
    np.testing.assert_allclose(l0.z[0], z1, **close)
    np.testing.assert_allclose(l0.a[0], a1, **close)
    np.testing.assert_allclose(l1.z[0], z2, **close)
    np.testing.assert_allclose(l1.a[0], z2, **close)
    assert ts.loss == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(l1.grad_z[0], g_z2, **close)
    np.testing.assert_allclose(l0.grad_a[0], g_a1, **close)
    np.testing.assert_allclose(l0.grad_z[0], g_z1, **close)
    np.testing.assert_allclose(l0.grad_weight, g_W1, **close)
    np.testing.assert_allclose(l0.grad_bias, g_b1, **close)
    np.testing.assert_allclose(l1.grad_weight, g_W2, **close)
    np.testing.assert_allclose(l1.grad_bias, g_b2, **close)
    # the update happened in the model, exactly as p ← p − lr·g
    for lay, layer in zip(ts.layers, model.layers):
        now = np.array([[w.data for w in n.w] for n in layer.neurons])
        np.testing.assert_array_equal(now, lay.new_weight)
        np.testing.assert_array_equal(lay.new_weight, lay.weight - lr * lay.grad_weight)
        np.testing.assert_array_equal(np.array([n.b.data for n in layer.neurons]), lay.new_bias)
    assert len(ts.updates) == len(model.parameters())
    for u, p in zip(ts.updates, model.parameters()):
        assert u.after == p.data == u.before - lr * u.grad


def test_scalar_step_with_several_outputs_and_relu():
    model = MLP(3, [4, 2], seed=1)
    ts = step(model, [1.0, -0.5, 2.0], [0.0, 1.0], mse, 0.05)
    assert ts.output.shape == (1, 2) and ts.y.shape == (1, 2)
    assert ts.layers[0].activation == "relu" and ts.layers[1].activation == "linear"
    relu = ts.layers[0]
    np.testing.assert_array_equal(relu.a[0], np.maximum(relu.z[0], 0.0))
    np.testing.assert_array_equal(relu.grad_z[0], np.where(relu.z[0] > 0, relu.grad_a[0], 0.0))


# ---- nn.Sequential vs torch ----


def _twins(dtype=np.float64):
    glassgrad.manual_seed(3)
    net = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 2),
                        nn.Sigmoid(), nn.Linear(2, 1)).double()
    tnet = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 4),
                               torch.nn.ReLU(), torch.nn.Linear(4, 2), torch.nn.Sigmoid(),
                               torch.nn.Linear(2, 1)).double()
    with torch.no_grad():
        for (name, p), (tname, tp) in zip(net.named_parameters(), tnet.named_parameters()):
            assert name == tname
            tp.copy_(torch.tensor(p._array))
    return net, tnet


def test_sequential_step_matches_torch():
    net, tnet = _twins()
    rng = np.random.default_rng(0)
    xa, ya = rng.normal(size=(6, 3)), rng.normal(size=(6, 1))
    lr = 0.1
    ts = step(net, glassgrad.tensor(xa), glassgrad.tensor(ya), nn.MSELoss(), lr)

    # torch: the same forward with every intermediate kept, backward, one SGD step
    h = torch.tensor(xa)
    zs, acts = [], []
    mods = list(tnet)
    for k in range(0, len(mods), 2):
        z = mods[k](h)
        z.retain_grad()
        a = mods[k + 1](z) if k + 1 < len(mods) else z
        if a is not z:
            a.retain_grad()
        zs.append(z)
        acts.append(a)
        h = a
    loss = torch.nn.functional.mse_loss(h, torch.tensor(ya))
    loss.backward()
    before = {n: p.detach().clone() for n, p in tnet.named_parameters()}
    torch.optim.SGD(tnet.parameters(), lr=lr).step()

    close = {"rtol": 1e-12, "atol": 1e-14}
    assert ts.loss == pytest.approx(loss.item(), rel=1e-12)
    assert [lay.activation for lay in ts.layers] == ["tanh", "relu", "sigmoid", "linear"]
    for k, (lay, z, a) in enumerate(zip(ts.layers, zs, acts)):
        np.testing.assert_allclose(lay.z, z.detach().numpy(), **close)
        np.testing.assert_allclose(lay.a, a.detach().numpy(), **close)
        np.testing.assert_allclose(lay.grad_z, z.grad.numpy(), **close)
        np.testing.assert_allclose(lay.grad_a, a.grad.numpy(), **close)
        name = str(2 * k)
        tparams = dict(tnet.named_parameters())
        tw, tb = tparams[f"{name}.weight"], tparams[f"{name}.bias"]
        np.testing.assert_allclose(lay.weight, before[f"{name}.weight"].numpy(), **close)
        np.testing.assert_allclose(lay.grad_weight, tw.grad.numpy(), **close)
        np.testing.assert_allclose(lay.grad_bias, tb.grad.numpy(), **close)
        np.testing.assert_allclose(lay.new_weight, tw.detach().numpy(), **close)
        np.testing.assert_allclose(lay.new_bias, tb.detach().numpy(), **close)
    for (name, p), u in zip(net.named_parameters(), ts.updates):  # the model itself moved
        assert u.name == name
        np.testing.assert_array_equal(p._array, u.after)
        np.testing.assert_allclose(u.after, u.before - lr * u.grad, rtol=1e-15, atol=1e-17)


def test_sequential_step_with_an_optimizer():
    net, tnet = _twins()
    x = np.array([[0.2, -0.4, 1.0]])
    y = np.array([[0.5]])
    opt = glassgrad.optim.Adam(net.parameters(), lr=0.01)
    ts = step(net, glassgrad.tensor(x), glassgrad.tensor(y), nn.MSELoss(), 0.01, optimizer=opt)
    topt = torch.optim.Adam(tnet.parameters(), lr=0.01)
    torch.nn.functional.mse_loss(tnet(torch.tensor(x)), torch.tensor(y)).backward()
    topt.step()
    assert ts.rule == "Adam.step()"
    for u, (_, tp) in zip(ts.updates, tnet.named_parameters()):
        np.testing.assert_allclose(u.after, tp.detach().numpy(), rtol=1e-12)


def test_refused_models_and_inputs():
    with pytest.raises(TypeError, match="MLP or an nn.Sequential"):
        step(nn.Linear(2, 1), glassgrad.zeros(1, 2), glassgrad.zeros(1, 1), nn.MSELoss(), 0.1)
    with pytest.raises(TypeError, match="expected a Linear"):
        step(nn.Sequential(nn.Tanh(), nn.Linear(2, 1)), glassgrad.zeros(1, 2), glassgrad.zeros(1, 1),
             nn.MSELoss(), 0.1)
    with pytest.raises(ValueError, match="takes 2 inputs"):
        step(MLP(2, [1], seed=0), [1.0, 2.0, 3.0], 1.0, mse, 0.1)
    with pytest.raises(ValueError, match="lr"):
        step(MLP(2, [1], seed=0), [1.0, 2.0], 1.0, mse, -1)


# ---- the renderings carry the same numbers ----


def _small_step():
    net, _ = _twins()
    rng = np.random.default_rng(1)
    return step(net, glassgrad.tensor(rng.normal(size=(2, 3))), glassgrad.tensor(rng.normal(size=(2, 1))),
                nn.MSELoss(), 0.1)


def test_html_diagram_numbers_are_the_steps():
    ts = _small_step()
    page = ts.to_html(full=True)
    assert page.startswith("<!doctype html>") and "http://" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    svg = re.search(r"<svg.*?</svg>", page, re.DOTALL).group(0)
    root = ET.fromstring(svg)  # well-formed
    ns = "{http://www.w3.org/2000/svg}"
    edges = [e for e in root.iter(f"{ns}line") if e.get("data-weight")]
    assert len(edges) == sum(lay.weight.size for lay in ts.layers)
    by_name = {lay.name: lay for lay in ts.layers}
    for e in edges:
        lay, i, j = by_name[e.get("data-layer")], int(e.get("data-i")), int(e.get("data-j"))
        assert float(e.get("data-weight")) == lay.weight[j, i]
        assert float(e.get("data-grad")) == lay.grad_weight[j, i]
        assert float(e.get("data-new")) == lay.new_weight[j, i]
        assert e.get("stroke") == ("#0891b2" if lay.weight[j, i] >= 0 else "#ea580c")
    widths = {(e.get("data-layer"), e.get("data-i"), e.get("data-j")): float(e.get("stroke-width"))
              for e in edges}
    biggest = max(((lay.name, i, j) for lay in ts.layers for j, i in np.ndindex(lay.weight.shape)),
                  key=lambda k: abs(by_name[k[0]].weight[k[2], k[1]]))
    assert widths[(biggest[0], str(biggest[1]), str(biggest[2]))] == max(widths.values())
    neurons = [g for g in root.iter(f"{ns}g") if g.get("class") == "gg-neuron"]
    assert len(neurons) == sum(lay.weight.shape[0] for lay in ts.layers)
    for g in neurons:
        lay, j = by_name[g.get("data-layer")], int(g.get("data-j"))
        assert float(g.get("data-z")) == lay.z[0, j] and float(g.get("data-a")) == lay.a[0, j]
        assert float(g.get("data-grad-a")) == lay.grad_a[0, j]
    loss = next(g for g in root.iter(f"{ns}g") if g.get("class") == "gg-loss")
    assert float(loss.get("data-loss")) == ts.loss
    assert "layer 0: z = W·x + b, a = tanh(z)" in page and "0.weight[0,0]" in page


def test_rich_and_text_forms():
    pytest.importorskip("rich")
    from rich.console import Console

    ts = step(MLP(2, [2, 1], seed=0), [1.0, -2.0], 1.0, mse, 0.1)
    console = Console(record=True, width=160)
    console.print(ts)
    out = console.export_text()
    text = str(ts)
    for lay in ts.layers:
        for v in list(lay.z[0]) + list(lay.a[0]) + list(lay.new_weight.ravel()):
            assert short(v) in out and short(v) in text
    assert "update: w ← w − lr · ∂L/∂w, lr = 0.1" in out and short(ts.loss) in text
