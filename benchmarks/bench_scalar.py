"""glassgrad's scalar engine beside micrograd, in one run: ``python -m benchmarks scalar``.

1. micrograd's demo workload, one training step (forward + backward + update) of MLP(2, [16, 16, 1]) on
   100 moons with the hinge loss and 1e-4 L2, three ways:
   - micrograd, its demo code;
   - the same micrograd code (its ``nn`` module, its loss function) running on glassgrad's Value — the
     engine alone: local derivatives as numbers instead of ``_backward`` closures;
   - glassgrad's own MLP and losses, which also make a neuron's weighted sum one ``dot`` node.
2. Memory per interior node, measured with tracemalloc while building a long chain ``y = y * x``.
3. Building and backpropagating a 1,000,000-node graph: time and peak memory. micrograd's recursive
   topological sort cannot go deep, so for the comparison the graph is a balanced sum tree (depth 19);
   glassgrad also does a 1,000,000-deep chain, which micrograd cannot.

Ratios are glassgrad / micrograd: below 1 means glassgrad needs less. Nothing here asserts a time.
"""

from __future__ import annotations

import gc
import random
import sys
import time
import tracemalloc

from glassgrad.datasets import moons
from glassgrad.scalar import MLP, Value, hinge, l2_penalty, sgd_step

try:
    import micrograd.engine
    import micrograd.nn
except ImportError:  # pragma: no cover - the dev extra installs it
    micrograd = None


# ---- 1. a training step ----


def micrograd_demo_step(nn, ValueClass, model, X, y, k):
    """One step of micrograd's demo notebook, verbatim apart from the names."""
    inputs = [list(map(ValueClass, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    alpha = 1e-4
    reg_loss = alpha * sum((p * p for p in model.parameters()))
    total_loss = data_loss + reg_loss
    model.zero_grad()
    total_loss.backward()
    learning_rate = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return total_loss.data


def glassgrad_step(model, X, y, k):
    scores = [model(x) for x in X]
    loss = hinge(scores, y) + l2_penalty(model.parameters(), 1e-4)
    model.zero_grad()
    loss.backward()
    sgd_step(model.parameters(), lr=1.0 - 0.9 * k / 100)
    return loss.data


def seconds_per_step(step, steps):
    step(0)  # warm up
    start = time.perf_counter()
    for k in range(1, steps + 1):
        step(k)
    return (time.perf_counter() - start) / steps


def bench_training_step():
    X, y = moons(100, noise=0.1, seed=0)
    X, y = X.tolist(), [float(2 * t - 1) for t in y]
    results = {}

    random.seed(1337)
    theirs = micrograd.nn.MLP(2, [16, 16, 1])
    results["micrograd"] = seconds_per_step(
        lambda k: micrograd_demo_step(micrograd.nn, micrograd.engine.Value, theirs, X, y, k), 3
    )

    # micrograd's own nn module, with glassgrad's Value put in place of its own
    saved = micrograd.nn.Value
    micrograd.nn.Value = Value
    try:
        random.seed(1337)
        same_code = micrograd.nn.MLP(2, [16, 16, 1])
        results["glassgrad Value, micrograd's code"] = seconds_per_step(
            lambda k: micrograd_demo_step(micrograd.nn, Value, same_code, X, y, k), 10
        )
    finally:
        micrograd.nn.Value = saved

    ours = MLP(2, [16, 16, 1], seed=1337)
    results["glassgrad MLP + losses (dot nodes)"] = seconds_per_step(lambda k: glassgrad_step(ours, X, y, k), 20)
    return results


# ---- 2. memory per node ----


def bytes_per_interior_node(ValueClass, n=100_000):
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    x = ValueClass(1.0)
    y = x
    for _ in range(n):
        y = y * x
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del x, y
    gc.collect()
    return (after - before) / n


# ---- 3. a million nodes ----


def sum_tree(ValueClass, leaves):
    """A balanced tree of additions over ``leaves`` Values: 2·leaves − 1 nodes, depth log₂(leaves)."""
    level = [ValueClass(1.0) for _ in range(leaves)]
    while len(level) > 1:
        paired = [level[i] + level[i + 1] for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def chain(ValueClass, length):
    x = ValueClass(1.0)
    y = x
    for _ in range(length - 1):
        y = y + x
    return y


def build_and_backward(build):
    """(seconds, peak MiB) for building a graph and running backward on it, freeing included."""
    gc.collect()
    start = time.perf_counter()
    root = build()
    root.backward()
    del root
    gc.collect()
    seconds = time.perf_counter() - start

    gc.collect()
    tracemalloc.start()
    root = build()
    root.backward()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del root
    gc.collect()
    return seconds, peak / 2**20


def micrograd_fails_on_a_deep_chain(length=10_000):
    try:
        chain(micrograd.engine.Value, length).backward()
    except RecursionError:
        return f"RecursionError at depth {length:,}"
    return "ran"


# ---- the table ----


def main() -> None:
    if micrograd is None:
        print("micrograd is not installed (pip install micrograd==0.1.0): nothing to compare with")
        return
    print(f"Python {sys.version.split()[0]}; pure Python, one thread; ratio = glassgrad / micrograd\n")

    step = bench_training_step()
    base = step["micrograd"]
    print("1. one training step of micrograd's demo (MLP(2, [16, 16, 1]), 100 moons, hinge + L2)")
    for name, seconds in step.items():
        print(f"   {name:<38} {seconds * 1000:9.1f} ms   ratio {seconds / base:6.3f}   speed-up {base / seconds:5.1f}x")

    ours, theirs = bytes_per_interior_node(Value), bytes_per_interior_node(micrograd.engine.Value)
    print("\n2. memory per interior node (chain y = y * x, tracemalloc)")
    print(f"   glassgrad {ours:7.0f} B   micrograd {theirs:7.0f} B   ratio {ours / theirs:6.3f}")

    n_leaves = 500_000  # 999,999 nodes
    ours_t, ours_m = build_and_backward(lambda: sum_tree(Value, n_leaves))
    theirs_t, theirs_m = build_and_backward(lambda: sum_tree(micrograd.engine.Value, n_leaves))
    print("\n3. build + backward of a 1,000,000-node graph (balanced sum tree)")
    print(f"   time      glassgrad {ours_t:6.2f} s     micrograd {theirs_t:6.2f} s     ratio {ours_t / theirs_t:6.3f}")
    print(f"   peak mem  glassgrad {ours_m:6.0f} MiB   micrograd {theirs_m:6.0f} MiB   ratio {ours_m / theirs_m:6.3f}")
    chain_t, chain_m = build_and_backward(lambda: chain(Value, 1_000_000))
    print(f"   a 1,000,000-deep chain: glassgrad {chain_t:.2f} s, {chain_m:.0f} MiB peak; "
          f"micrograd: {micrograd_fails_on_a_deep_chain()}")


if __name__ == "__main__":
    main()
