"""``torch.fx.replace_pattern``: find every copy of a small program in a graph and put another in its place.

Part III, ``fx`` (docs/part3-nn.md). ``pattern`` and ``replacement`` are functions (or GraphModules) with
the same inputs; both are traced. A match is a set of nodes of ``gm`` computing what ``pattern``
computes: same ops and targets, same constants, the pattern's inputs standing for any node, and no node
inside the match read from outside it (only the result may be). Each match is replaced by a copy of
``replacement``'s nodes reading the matched inputs, the old nodes are erased and ``gm`` is recompiled.
"""

from __future__ import annotations

from typing import NamedTuple

from glassgrad.fx._symbolic_trace import symbolic_trace
from glassgrad.fx.graph_module import GraphModule, _copy_attr
from glassgrad.fx.node import Node, map_arg

__all__ = ["Match", "replace_pattern"]


class Match(NamedTuple):
    anchor: Node  # the node of gm matched by the pattern's result
    nodes_map: dict  # pattern node -> node of gm


def _leaves(a) -> list:
    out: list = []
    map_arg(a, lambda n: out.append(n))
    return out


def _same_shape(p, g) -> bool:
    """Whether two arguments agree everywhere except where the pattern has a node."""
    if isinstance(p, Node):
        return isinstance(g, Node)
    if isinstance(p, (tuple, list)):
        return type(p) is type(g) and len(p) == len(g) and all(_same_shape(a, b) for a, b in zip(p, g))
    if isinstance(p, dict):
        return isinstance(g, dict) and p.keys() == g.keys() and all(_same_shape(p[k], g[k]) for k in p)
    return type(p) is type(g) and p == g


def _match(pn: Node, gn: Node, mapping: dict) -> bool:
    if pn in mapping:
        return mapping[pn] is gn
    if pn.op == "placeholder":
        mapping[pn] = gn
        return True
    if pn.op != gn.op or pn.target != gn.target:
        return False
    if not (_same_shape(pn.args, gn.args) and _same_shape(pn.kwargs, gn.kwargs)):
        return False
    mapping[pn] = gn
    pattern_inputs = _leaves(pn.args) + _leaves(pn.kwargs)
    graph_inputs = _leaves(gn.args) + _leaves(gn.kwargs)
    return all(_match(p, g, mapping) for p, g in zip(pattern_inputs, graph_inputs))


def replace_pattern(gm: GraphModule, pattern, replacement) -> list[Match]:
    """Replace each match of ``pattern`` in ``gm`` with ``replacement``; returns the matches."""
    pattern_graph = pattern.graph if isinstance(pattern, GraphModule) else symbolic_trace(pattern).graph
    replacement_gm = replacement if isinstance(replacement, GraphModule) else symbolic_trace(replacement)
    pattern_output = next(n for n in reversed(pattern_graph.nodes) if n.op == "output")
    pattern_anchor = pattern_output.args[0]
    if not isinstance(pattern_anchor, Node):
        raise NotImplementedError("replace_pattern: a pattern must return one value")
    pattern_inputs = [n for n in pattern_graph.nodes if n.op == "placeholder"]
    replacement_inputs = [n for n in replacement_gm.graph.nodes if n.op == "placeholder"]
    if len(pattern_inputs) != len(replacement_inputs):
        raise ValueError("replace_pattern: pattern and replacement must take the same inputs")

    matches: list[Match] = []
    taken: set = set()
    for gn in list(gm.graph.nodes):
        mapping: dict = {}
        if gn.op in ("placeholder", "output") or not _match(pattern_anchor, gn, mapping):
            continue
        inner = {mapping[p] for p in mapping if p.op != "placeholder"}
        if inner & taken:
            continue
        if any(user not in inner for g in inner if g is not gn for user in g.users):
            continue  # an inner result is read outside the match: it cannot go
        taken |= inner
        matches.append(Match(anchor=gn, nodes_map=mapping))

    graph = gm.graph
    replaced: dict = {}  # an anchor already replaced -> what replaced it (a later match may read it)
    for match in matches:
        for p in pattern_inputs:
            match.nodes_map[p] = replaced.get(match.nodes_map[p], match.nodes_map[p])
        val_map = {r: match.nodes_map[p] for r, p in zip(replacement_inputs, pattern_inputs)}
        result = None
        with graph.inserting_before(match.anchor):
            for rn in replacement_gm.graph.nodes:
                if rn.op == "placeholder":
                    continue
                if rn.op == "output":
                    result = map_arg(rn.args[0], lambda n: val_map[n])
                    continue
                if rn.op in ("get_attr", "call_module"):
                    _copy_attr(replacement_gm, gm, rn.target)
                val_map[rn] = graph.node_copy(rn, lambda n: val_map[n])
        match.anchor.replace_all_uses_with(result)
        replaced[match.anchor] = result
        inner = [match.nodes_map[p] for p in reversed(pattern_graph.nodes)
                 if p in match.nodes_map and p.op != "placeholder"]
        for gn in inner:
            graph.erase_node(gn)
    gm.recompile()
    return matches
