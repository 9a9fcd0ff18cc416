"""The renderers show the engine's numbers: SVG data-* attributes (parsed with xml.etree) equal the
Values' data/grad and the recorded local derivatives; DOT parses; the HTML is self-contained and its
embedded JSON carries the full numbers; before backward() every renderer says so."""

import base64
import json
import re
import struct
import zlib
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import glassgrad
from glassgrad import Value
from glassgrad import explain
from glassgrad.explain import style
from glassgrad.explain.render_svg import NO_GRADS, NOT_RECORDED
from glassgrad.scalar import MLP, mse

SVG = "{http://www.w3.org/2000/svg}"


def _neuron():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    o = (n * n).tanh()  # n used twice
    o.label = "o"
    return o


def _parse(svg: str):
    root = ET.fromstring(svg)
    nodes = {g.get("data-id"): g for g in root.iter(SVG + "g") if "gg-node" in (g.get("class") or "").split()}
    edges = [g for g in root.iter(SVG + "g") if g.get("class") == "gg-edge"]
    return root, nodes, edges


def test_svg_numbers_are_the_engines():
    o = _neuron()
    o.backward()
    g = explain.graph(o)
    root, nodes, edges = _parse(g.to_svg())
    assert set(nodes) == {n.id for n in g.nodes}
    for n in g.nodes:
        el = nodes[n.id]
        assert float(el.get("data-value")) == n.ref.data  # bit for bit
        assert float(el.get("data-grad")) == n.ref.grad
        assert el.get("data-op") == n.ref.op and el.get("data-label") == n.label
        texts = "".join(el.itertext())
        assert style.short(n.ref.data) in texts and style.short(n.ref.grad) in texts
    assert len(edges) == len(g.edges)
    got = sorted((e.get("data-src"), e.get("data-dst"), int(e.get("data-index")),
                  float(e.get("data-local-grad"))) for e in edges)
    want = []
    for n in g.nodes:
        for i, (p, local) in enumerate(zip(n.ref.parents, n.ref.local_grads)):
            src = next(m.id for m in g.nodes if m.ref is p)
            want.append((src, n.id, i, local))
    assert got == sorted(want)
    assert NO_GRADS not in g.to_svg()


def test_svg_colours():
    o = _neuron()
    o.backward()
    svg = explain.graph(o).to_svg()
    assert f".gg-val {{ fill: {style.VALUE}; }}" in svg and f".gg-grad {{ fill: {style.GRAD}; }}" in svg
    assert f"fill: {style.LOCAL}" in svg and style.LEAF_FILL in svg
    root, nodes, edges = _parse(svg)
    classes = {t.get("class") for el in nodes.values() for t in el.iter(SVG + "text")}
    assert {"gg-val", "gg-grad", "gg-label"} <= classes
    assert all(e.find(SVG + "text").get("class") == "gg-local" for e in edges)


def test_svg_is_deterministic_and_byte_identical():
    svgs = []
    for _ in range(2):
        o = _neuron()
        o.backward()
        svgs.append(explain.graph(o).to_svg())
    assert svgs[0] == svgs[1]
    m = MLP(3, [4, 1], seed=2)
    loss = mse([m([1.0, 2.0, 3.0]), m([0.5, -1.0, 2.0])], [1.0, -1.0])
    loss.backward()
    g = explain.graph(loss, model=m, group=True)
    assert g.to_svg() == g.to_svg() and g.to_svg(direction="TB") == g.to_svg(direction="TB")


def test_before_backward_every_renderer_says_so():
    o = _neuron()
    g = explain.graph(o)
    svg = g.to_svg()
    root, nodes, _ = _parse(svg)
    assert NO_GRADS in svg and root.get("data-has-grads") == "false"
    assert all(el.get("data-grad") == "" for el in nodes.values())
    assert "grad" not in "".join("".join(el.itertext()) for el in nodes.values())  # no wall of zeros
    assert NO_GRADS in g.to_html() and NO_GRADS in g.to_dot() and NO_GRADS in str(g)
    from rich.console import Console
    console = Console(record=True, width=120)
    console.print(g.table())
    assert NO_GRADS in console.export_text()


def test_tensor_svg_and_html_numbers():
    glassgrad.manual_seed(0)
    w = glassgrad.randn(3, 2, requires_grad=True)
    x = glassgrad.randn(40, 3)
    with explain.record():
        h = (x @ w).relu()
        loss = h.mean()
    loss.backward()
    g = explain.graph(loss)
    _, nodes, edges = _parse(g.to_svg())
    for n in g.nodes:
        el = nodes[n.id]
        assert el.get("data-shape") == ",".join(map(str, n.shape)) and el.get("data-dtype") == "float32"
        if n.value.size <= 64:  # small tensors: the numbers themselves
            np.testing.assert_array_equal(np.array(json.loads(el.get("data-value")), np.float32), n.value)
            np.testing.assert_array_equal(np.array(json.loads(el.get("data-grad")), np.float32), n.grad)
        else:  # large: a summary with the shape
            assert el.get("data-value").startswith(f"shape={list(n.shape)}")
    assert {e.get("data-rule") for e in edges} == {"MmBackward0", "ReluBackward0", "MeanBackward0"}
    # the HTML's embedded JSON has every number in full
    data = _embedded(g.to_html())
    for n, d in zip(g.nodes, data["graph"]["nodes"]):
        np.testing.assert_array_equal(np.array(d["value"], np.float32), n.value)
        np.testing.assert_array_equal(np.array(d["grad"], np.float32), n.grad)
    np.testing.assert_array_equal(np.array(data["graph"]["nodes"][0]["grad"], np.float32), w.grad.numpy())


def _embedded(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="gg-data">(.*?)</script>', html, re.S)
    return json.loads(m.group(1))


def test_html_is_self_contained():
    o = _neuron()
    o.backward()
    g = explain.graph(o)
    page = g.to_html()
    assert page.startswith("<!doctype html>")
    assert not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', page)  # nothing fetched
    assert "<script src" not in page and "<link" not in page
    for testid in ("next", "prev", "play", "step-index", "formula", "predict-toggle", "predict-input",
                   "reveal"):
        assert f'data-testid="{testid}"' in page
    data = _embedded(page)
    assert [n["value"] for n in data["graph"]["nodes"]] == [n.ref.data for n in g.nodes]
    assert [n["grad"] for n in data["graph"]["nodes"]] == [n.ref.grad for n in g.nodes]
    steps = data["steps"]
    fwd = [s for s in steps if s["phase"] == "forward"]
    assert [s["target"] for s in fwd] == [n.id for n in g.nodes if n.kind == "op"]
    assert any(s["phase"] == "backward" for s in steps)
    # given steps are used as given; strings that look like HTML cannot end the script element
    page = g.to_html(steps=[{"phase": "forward", "node": g.root, "target": g.root, "inputs": [],
                             "formula": "</script><b>", "numbers": {}, "result": float("nan"),
                             "accumulates": False, "text": "x"}])
    data = _embedded(page)
    assert data["steps"][0]["formula"] == "</script><b>" and data["steps"][0]["result"] == "nan"


def test_grouped_html_has_a_view_per_group(scalar_mlp_loss):
    m, loss = scalar_mlp_loss(n=2)
    loss.backward()
    g = explain.graph(loss, model=m)
    assert g.grouped
    page = g.to_html()
    views = re.findall(r'<div class="gg-view" data-view="([^"]+)"', page)
    assert views[0] == "collapsed" and views[-1] == "all" and len(views) == 2 + len(g.groups())
    first = re.search(r'data-view="collapsed">(.*?)</div>', page, re.S).group(1)
    _, nodes, _ = _parse(first)
    root = ET.fromstring(first)
    boxes = [el for el in root.iter(SVG + "g") if el.get("class") == "gg-group"]
    assert len(boxes) == 9
    assert sum(int(b.get("data-count")) for b in boxes) == len(g.nodes) - 1
    assert set(nodes) == {g.root}


# ---- DOT: a tiny parser, no graphviz binary needed ----

_TOKEN = re.compile(r'\s*(?:(//[^\n]*)|("(?:[^"\\]|\\.)*")|(<)|([A-Za-z_][A-Za-z0-9_.]*|-?\d+(?:\.\d+)?)'
                    r'|(->)|([{}\[\];,=]))', re.S)


def _tokens(text: str):
    i = 0
    while i < len(text):
        if text[i:].strip() == "":
            return
        m = _TOKEN.match(text, i)
        assert m, f"DOT: cannot read at {text[i:i + 30]!r}"
        if m.group(3):  # an HTML-like string: <...> with nested <>
            start = m.start(3)
            depth, j = 0, start
            while True:
                depth += {"<": 1, ">": -1}.get(text[j], 0)
                j += 1
                if depth == 0:
                    break
            yield ("html", text[start:j])
            i = j
            continue
        i = m.end()
        if m.group(1):
            continue
        kind = "str" if m.group(2) else "id" if m.group(4) else "op"
        yield (kind, m.group(m.lastindex))


def parse_dot(text: str):
    """Checks the statement grammar DOT needs here; returns (node ids, edges, attrs of each node)."""
    toks = list(_tokens(text))
    assert toks[0] == ("id", "digraph") and toks[2] == ("op", "{") and toks[-1] == ("op", "}")
    nodes, edges, depth = {}, [], 1
    k = 3

    def attr_list(k):
        out = {}
        assert toks[k] == ("op", "[")
        k += 1
        while toks[k] != ("op", "]"):
            key, eq, val = toks[k], toks[k + 1], toks[k + 2]
            assert key[0] == "id" and eq == ("op", "=") and val[0] in ("id", "str", "html"), toks[k:k + 3]
            out[key[1]] = val[1]
            k += 3
            if toks[k] == ("op", ","):
                k += 1
        return out, k + 1

    while depth:
        t = toks[k]
        if t == ("op", "}"):
            depth -= 1
            k += 1
        elif t == ("id", "subgraph"):
            assert toks[k + 1][0] == "id" and toks[k + 2] == ("op", "{")
            depth += 1
            k += 3
        elif t in (("id", "node"), ("id", "edge")):
            _, k = attr_list(k + 1)
            assert toks[k] == ("op", ";")
            k += 1
        elif t[0] == "id" and toks[k + 1] == ("op", "="):
            assert toks[k + 2][0] in ("id", "str", "html")
            k += 3
            assert toks[k] == ("op", ";")
            k += 1
        elif t[0] == "id" and toks[k + 1] == ("op", "->"):
            assert toks[k + 2][0] == "id"
            edges.append((t[1], toks[k + 2][1]))
            k += 3
            if toks[k] == ("op", "["):
                a, k = attr_list(k)
                edges[-1] += (a,)
            assert toks[k] == ("op", ";")
            k += 1
        elif t[0] == "id":
            a, k = attr_list(k + 1)
            nodes[t[1]] = a
            assert toks[k] == ("op", ";")
            k += 1
        else:
            raise AssertionError(f"DOT: unexpected {t}")
    assert k == len(toks)
    return nodes, edges


def test_dot_parses_and_holds_the_numbers():
    o = _neuron()
    o.backward()
    g = explain.graph(o)
    nodes, edges = parse_dot(g.to_dot())
    assert set(nodes) == {n.id for n in g.nodes}
    assert sorted(e[:2] for e in edges) == sorted((e.src, e.dst) for e in g.edges)
    for n in g.nodes:
        label = nodes[n.id]["label"]
        assert f"data {style.short(n.value)}" in label and f"grad {style.short(n.grad)}" in label
    assert all(e[2]["fontcolor"] == f'"{style.LOCAL}"' for e in edges)
    with pytest.raises(AssertionError):
        parse_dot("digraph g { a -> ; }")  # the checker can fail
    m = MLP(2, [3, 1], seed=0)
    loss = mse([m([1.0, -1.0])], [0.5])
    loss.backward()
    dot = explain.graph(loss, model=m).to_dot()
    nodes, _ = parse_dot(dot)
    assert dot.count("subgraph cluster_") == 4 and len(nodes) == len(explain.graph(loss).nodes)


def test_tables_and_text():
    o = _neuron()
    o.backward()
    g = explain.graph(o)
    text = str(g)
    lines = text.splitlines()
    assert lines[1].split() == ["id", "node", "op", "value", "grad"]
    for n in g.nodes:
        row = next(line for line in lines if line.startswith(n.id + " "))
        assert style.short(n.value) in row and style.short(n.grad) in row
    from rich.console import Console
    console = Console(record=True, width=160)
    console.print(g.table())
    console.print(g.steps_table())
    out = console.export_text()
    assert "backward steps" in out and style.short(g.node("n0").grad) in out
    assert g._repr_svg_() == g.to_svg()
    assert g._repr_html_().startswith("<iframe srcdoc=")


def _png_pixels(uri: str) -> np.ndarray:
    """Decode our own PNG (8-bit RGB, filter 0 on every row) back into an array, by the PNG spec."""
    data = base64.b64decode(uri.split(",", 1)[1])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        tag, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        (crc,) = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        assert crc == zlib.crc32(tag + body)
        chunks[tag] = chunks.get(tag, b"") + body
        pos += 12 + n
    w, h = struct.unpack(">II", chunks[b"IHDR"][:8])
    raw = zlib.decompress(chunks[b"IDAT"])
    rows = [raw[i * (3 * w + 1):(i + 1) * (3 * w + 1)] for i in range(h)]
    assert all(r[0] == 0 for r in rows)
    return np.array([list(r[1:]) for r in rows], np.uint8).reshape(h, w, 3)


def test_big_tensor_is_a_heatmap_with_its_scale():
    w = glassgrad.arange(100.0).reshape(10, 10).requires_grad_()
    with explain.record():
        loss = (w * w).sum()
    loss.backward()
    g = explain.graph(loss)
    root, nodes, _ = _parse(g.to_svg())
    leaf = next(n for n in g.nodes if n.kind == "leaf")
    el = nodes[leaf.id]
    pics = {p.get("class"): p for p in el.iter(SVG + "g") if "gg-pic" in (p.get("class") or "")}
    assert set(pics) == {"gg-pic gg-pic-val", "gg-pic gg-pic-grad"}
    for cls, colour, values in (("gg-pic gg-pic-val", style.VALUE, w.detach().numpy()),
                                ("gg-pic gg-pic-grad", style.GRAD, w.grad.numpy())):
        img = next(pics[cls].iter(SVG + "image"))
        px = _png_pixels(img.get("href"))
        assert px.shape == (10, 10, 3)
        target = [int(colour[k:k + 2], 16) for k in (1, 3, 5)]
        lo, hi = np.unravel_index(values.argmin(), values.shape), np.unravel_index(values.argmax(), values.shape)
        assert px[lo].tolist() == [255, 255, 255] and px[hi].tolist() == target  # white → colour
        texts = [t.text for t in pics[cls].iter(SVG + "text")]
        assert texts == [f"{values.min():.3g}", f"{values.max():.3g}"]  # the scale's two ends


def test_an_unrecorded_tensor_graph_says_how_to_record_it():
    w = glassgrad.randn(3, 2, requires_grad=True)
    x = glassgrad.randn(4, 3)
    loss = (x @ w).relu().mean()
    loss.backward()
    assert NOT_RECORDED.replace("`", "") in "".join(ET.fromstring(explain.graph(loss).to_svg()).itertext()).replace("`", "")
    with explain.record():
        loss = (x @ w).relu().mean()
    loss.backward()
    assert "not recorded" not in explain.graph(loss).to_svg()
