"""What a notebook shows: a Value, a Tensor, an nn.Module and a graph each have a rich HTML display
(``_repr_html_``), small for big objects, while plain ``repr`` stays PyTorch's. The last test runs a
real notebook in a fresh Jupyter kernel (nbclient) and reads the outputs it produced."""

import html
import re

import numpy as np
import pytest
import torch

import glassgrad
from glassgrad import Value, nn


def test_value_card_shows_data_and_grad():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    c.backward()
    card = c._repr_html_()
    assert "data -6.0" in card and "grad 1.0" in card and "2 inputs" in card and ">c " in card
    assert "grad -3.0" in a._repr_html_()  # ∂c/∂a = b
    assert repr(c) == "Value(data=-6.0, grad=1.0, label='c')"  # plain repr unchanged


def test_tensor_card_small_lists_the_numbers_big_is_a_heatmap():
    x = glassgrad.tensor([[1.5, -2.0], [0.25, 4.0]], requires_grad=True)
    (x * x).sum().backward()
    card = x._repr_html_()
    assert "(2, 2) float32" in card and "requires_grad=True" in card
    cells = re.findall(r'text-align:right">([^<]*)</td>', card)
    assert cells == ["1.5", "-2", "0.25", "4", "3", "-4", "0.5", "8"]  # the data, then the grad (2x)
    big = glassgrad.randn(1000, 3000)
    card = big._repr_html_()
    assert card.count("<img") == 1 and "<td" not in card  # one image, not a cell per number
    assert len(card) < 40_000
    arr = big.numpy()  # 3 million numbers: the statistics come from an evenly strided sample
    sample = arr[:, ::3]  # every row, every third column: 1,000,000 numbers
    assert f"min {sample.min():.4g}" in card and f"max {sample.max():.4g}" in card
    assert f"(of {sample.size:,} sampled)" in card
    small = glassgrad.randn(100, 100)  # small enough: every number counts
    assert f"min {small.numpy().min():.4g}" in small._repr_html_() and "sampled" not in small._repr_html_()
    assert repr(glassgrad.tensor([1.0, 2.0])) == repr(torch.tensor([1.0, 2.0]))  # plain repr: PyTorch's


def test_module_card_counts_parameters_as_pytorch_does():
    ours = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Sequential(nn.Linear(100, 10)))
    theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(),
                                 torch.nn.Sequential(torch.nn.Linear(100, 10)))
    ours[0].weight.requires_grad_(False)
    card = html.unescape(ours._repr_html_())
    total = sum(p.numel() for p in theirs.parameters())
    assert f"{total:,} parameters" in card and f"{total - 36:,} trainable" in card
    assert "Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1))" in card
    assert "weight <span" in card and "(4, 1, 3, 3)" in card and "(10, 100)" in card
    assert repr(ours) == repr(theirs)


NOTEBOOK_CELLS = [
    "import glassgrad as torch\nfrom glassgrad import Value, nn, explain",
    "a = Value(2.0, label='a'); b = Value(-3.0, label='b'); c = (a * b).tanh(); c.label = 'c'; c.backward(); c",
    "x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True); x",
    "nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))",
    "explain.graph(c)",
]


def test_notebook_outputs_in_a_fresh_kernel():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in NOTEBOOK_CELLS]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    htmls = []
    for cell in nb.cells[1:]:
        out = [o for o in cell.outputs if o.output_type == "execute_result"]
        assert out and "text/html" in out[0]["data"], cell.source
        htmls.append(out[0]["data"]["text/html"])
    value_html, tensor_html, module_html, graph_html = htmls
    assert f"data {float(np.tanh(-6.0))!r}" in value_html
    assert "(2, 2) float32" in tensor_html
    assert "13 parameters" in module_html  # 2·3 + 3 + 3·1 + 1
    page = html.unescape(re.search(r'srcdoc="(.*?)" style', graph_html, re.S).group(1))
    nodes = re.search(r'<g class="gg-nodes">(.*?)</g></svg>', page, re.S).group(1)
    assert "?" not in re.sub(r"<[^>]+>", "", nodes)  # the first frame is the finished graph
    assert '"start": "end"' in page


def test_optimizer_card_shows_groups_steps_and_state():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 1))
    opt = glassgrad.optim.SGD([{"params": model[0].parameters()},
                               {"params": model[1].parameters(), "lr": 0.5}], lr=0.1, momentum=0.9)
    card = html.unescape(opt._repr_html_())
    assert "no step yet" in card and "2 tensors, 16 numbers" in card and "2 tensors, 5 numbers" in card
    assert "lr=0.1" in card and "lr=0.5" in card and "momentum=0.9" in card
    for _ in range(3):
        opt.zero_grad()
        model(glassgrad.ones(2, 3)).sum().backward()
        opt.step()
    card = html.unescape(opt._repr_html_())
    assert "keeps momentum_buffer per parameter" in card
    adam = glassgrad.optim.Adam(model.parameters())
    model(glassgrad.ones(2, 3)).sum().backward()
    adam.step()
    assert "1 step, keeps exp_avg, exp_avg_sq per parameter" in html.unescape(adam._repr_html_())
    assert repr(opt).startswith("SGD (\nParameter Group 0")  # plain repr: PyTorch's


def test_module_card_of_a_lazy_module_before_and_after_its_first_forward():
    model = nn.Sequential(nn.LazyLinear(4), nn.ReLU())
    card = html.unescape(model._repr_html_())
    assert "0 parameters" in card and "uninitialized" in card
    model(glassgrad.ones(2, 3))
    assert "16 parameters" in html.unescape(model._repr_html_())  # 3·4 + 4
