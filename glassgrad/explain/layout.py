"""Where the boxes go: a layered (Sugiyama-style) layout in pure Python, no graphviz binary needed.

Part IV, read after trace.py. A computation graph is a DAG, and the picture a learner wants has the
inputs on the left, the output on the right, and every arrow pointing the same way. Three steps:

1. **Layers** by longest path: a node sits one layer right of its furthest input, so every edge points
   forward (left → right, or top → bottom with ``direction="TB"``).
2. **Dummy nodes** on every edge that skips layers: a long edge is routed through reserved slots, so it
   never cuts through a box, and takes part in the ordering like any node.
3. **Ordering** within each layer by barycentric sweeps: place each node at the mean position of its
   neighbours in the layer before (sweeping forward) or after (sweeping back). Counting crossings after
   each sweep and keeping the best ordering means the result is never worse than the start.

Boxes may differ in size (a tensor drawn as its numbers is bigger than a scalar): each layer is a
column (row) as wide as its widest box, so no two boxes can overlap. Ties are broken by the input order
and every sort is stable: the same graph always gives the same picture.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from dataclasses import dataclass

__all__ = ["Box", "Layout", "layered_layout"]


@dataclass
class Box:
    id: str
    x: float
    y: float
    w: float
    h: float
    layer: int


@dataclass
class Layout:
    boxes: dict      # id -> Box
    edges: list      # (src, dst, [(x, y), ...]) from src's exit point to dst's entry point
    width: float
    height: float
    direction: str
    crossings: int


def layered_layout(ids, edges, *, size=(150.0, 60.0), direction: str = "LR", layer_gap: float = 70.0,
                   node_gap: float = 24.0, dummy: float = 14.0, sweeps: int = 8,
                   margin: float = 16.0, top: float = 0.0) -> Layout:
    """Place ``ids`` (any order) with ``edges`` ((src, dst) pairs; repeats allowed) in layers.

    ``size`` is every box's (width, height), or a dict of them by id; ``top`` reserves room above the
    drawing (for a title).
    Raises ValueError if the edges make a cycle or name an unknown id.
    """
    if direction not in ("LR", "TB"):
        raise ValueError(f"layered_layout: direction must be 'LR' or 'TB', got {direction!r}")
    ids = list(ids)
    pos_in_input = {k: i for i, k in enumerate(ids)}
    if len(pos_in_input) != len(ids):
        raise ValueError("layered_layout: duplicate node ids")
    edges = [(s, d) for s, d in edges]
    for s, d in edges:
        if s not in pos_in_input or d not in pos_in_input:
            raise ValueError(f"layered_layout: edge ({s!r}, {d!r}) names an unknown node")

    layer = _longest_path_layers(ids, edges, pos_in_input)
    # A source (a leaf: input or parameter) sits just before its first user rather than at the far
    # left, so a bias added late in the graph is drawn next to the addition, not across the picture.
    users: dict = {}
    for s, d in edges:
        users.setdefault(s, []).append(d)
    has_input = {d for _, d in edges}
    for k in ids:
        if k in users and k not in has_input:
            layer[k] = min(layer[d] for d in users[k]) - 1

    # Dummy chains: an edge from layer a to layer b > a + 1 passes through one slot per layer between.
    succ: dict = {k: [] for k in ids}
    pred: dict = {k: [] for k in ids}
    is_dummy: dict = {k: False for k in ids}
    chains = []
    for k, (s, d) in enumerate(edges):
        chain = [s]
        for level in range(layer[s] + 1, layer[d]):
            name = ("dummy", k, level)
            layer[name] = level
            is_dummy[name] = True
            succ[name], pred[name] = [], []
            chain.append(name)
        chain.append(d)
        for a, b in zip(chain, chain[1:]):
            succ[a].append(b)
            pred[b].append(a)
        chains.append(chain)

    n_layers = max(layer.values(), default=-1) + 1
    order = [[] for _ in range(n_layers)]
    for k in ids:
        order[layer[k]].append(k)
    for chain in chains:
        for name in chain[1:-1]:
            order[layer[name]].append(name)

    order = _reduce_crossings(order, succ, pred, sweeps)
    crossings = _count_all(order, succ)

    # Coordinates: the layer axis ("rank") and the axis along a layer ("across").
    sizes = size if isinstance(size, dict) else dict.fromkeys(ids, size)

    def extents(k) -> tuple:  # (rank extent, across extent) of a real box
        w, h = float(sizes[k][0]), float(sizes[k][1])
        return (w, h) if direction == "LR" else (h, w)

    def across_of(k) -> float:
        return dummy if is_dummy[k] else extents(k)[1]

    narrowest = min((extents(k)[0] for k in ids), default=0.0)  # a layer of dummies only
    rank_widths = [max((extents(k)[0] for k in col if not is_dummy[k]), default=narrowest) for col in order]
    col_extent = [sum(across_of(k) for k in col) + node_gap * max(len(col) - 1, 0) for col in order]
    longest = max(col_extent, default=0.0)
    rank_start, at_rank = [], margin
    for rw in rank_widths:
        rank_start.append(at_rank)
        at_rank += rw + layer_gap
    centre: dict = {}
    for level, col in enumerate(order):
        at = (longest - col_extent[level]) / 2.0  # each layer centred on the longest one
        for k in col:
            ext = across_of(k)
            centre[k] = (rank_start[level] + rank_widths[level] / 2.0, margin + at + ext / 2.0)
            at += ext + node_gap

    def xy(rank: float, across: float) -> tuple:
        return (rank, across + top) if direction == "LR" else (across, rank + top)

    boxes = {}
    for k in ids:
        r, a = centre[k]
        cx, cy = xy(r, a)
        w, h = float(sizes[k][0]), float(sizes[k][1])
        boxes[k] = Box(k, cx - w / 2.0, cy - h / 2.0, w, h, layer[k])

    # Edge points: leave src on its far side, enter dst on its near side; several inputs of one node
    # enter at spread-out points in argument order, so x*x shows two arrows.
    n_in: dict = {}
    for s, d in edges:
        n_in[d] = n_in.get(d, 0) + 1
    seen_in: dict = {}
    paths = []
    for (s, d), chain in zip(edges, chains):
        i = seen_in.get(d, 0)
        seen_in[d] = i + 1
        spread = min(12.0, extents(d)[1] / (n_in[d] + 1))
        offset = (i - (n_in[d] - 1) / 2.0) * spread
        rs, as_ = centre[s]
        rd, ad = centre[d]
        pts = [xy(rs + extents(s)[0] / 2.0, as_)]
        pts += [xy(*centre[name]) for name in chain[1:-1]]
        pts.append(xy(rd - extents(d)[0] / 2.0, ad + offset))
        paths.append((s, d, pts))

    rank_total = 2 * margin + sum(rank_widths) + max(len(order) - 1, 0) * layer_gap
    across_total = 2 * margin + longest
    width, height = (rank_total, across_total) if direction == "LR" else (across_total, rank_total)
    return Layout(boxes, paths, width, height + top, direction, crossings)


def _longest_path_layers(ids, edges, pos_in_input) -> dict:
    """layer[k] = 0 for sources, else 1 + the largest layer among k's inputs (Kahn's order)."""
    indeg = {k: 0 for k in ids}
    out: dict = {k: [] for k in ids}
    for s, d in edges:
        indeg[d] += 1
        out[s].append(d)
    layer = {k: 0 for k in ids}
    ready = [k for k in ids if indeg[k] == 0]
    done = 0
    while ready:
        k = ready.pop()
        done += 1
        for d in out[k]:
            layer[d] = max(layer[d], layer[k] + 1)
            indeg[d] -= 1
            if indeg[d] == 0:
                ready.append(d)
    if done != len(ids):
        raise ValueError("layered_layout: the edges contain a cycle; a computation graph is acyclic")
    return layer


def _reduce_crossings(order, succ, pred, sweeps: int) -> list:
    best = [list(col) for col in order]
    best_count = _count_all(best, succ)
    current = [list(col) for col in order]
    for sweep in range(sweeps):
        if best_count == 0:
            break
        forward = sweep % 2 == 0
        levels = range(1, len(current)) if forward else range(len(current) - 2, -1, -1)
        for level in levels:
            ref = current[level - 1] if forward else current[level + 1]
            where = {k: i for i, k in enumerate(ref)}
            neighbours = pred if forward else succ
            col = current[level]
            keys = []
            for i, k in enumerate(col):
                ns = [where[n] for n in neighbours[k] if n in where]
                # no neighbours on that side: keep its place (its old index as barycentre)
                keys.append(sum(ns) / len(ns) if ns else float(i))
            current[level] = [k for _, _, k in sorted(zip(keys, range(len(col)), col),
                                                      key=lambda t: (t[0], t[1]))]
        count = _count_all(current, succ)
        if count < best_count:
            best, best_count = [list(col) for col in current], count
    return best


def _count_all(order, succ) -> int:
    return sum(_crossings(order[i], order[i + 1], succ) for i in range(len(order) - 1))


def _crossings(upper, lower, succ) -> int:
    """Edge crossings between two adjacent layers: inversions among edges sorted by upper position."""
    where = {k: i for i, k in enumerate(lower)}
    ends = []
    for k in upper:
        targets = sorted(where[d] for d in succ[k] if d in where)
        ends.extend(targets)
    # count pairs (i < j) with ends[i] > ends[j]
    seen: list = []
    count = 0
    for e in ends:
        count += len(seen) - bisect_right(seen, e)
        insort(seen, e)
    return count
