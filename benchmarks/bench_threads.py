"""Threads of issue 13: does a user who sets nothing run small work as fast as at one thread?

Each case runs twice, each time in a fresh subprocess whose environment has none of OMP_NUM_THREADS,
OPENBLAS_NUM_THREADS, MKL_NUM_THREADS (``python -m benchmarks`` sets them to 1 for the other benchmarks):
    default   what ``import glassgrad`` gives a user who sets nothing
    1 thread  after ``glassgrad.set_num_threads(1)``
Three runs of each, taking turns, best of each. Cases: two small training steps (an MLP, the CNN of
bench_cnn at C = 8, batch 32) and one big matmul with its backward. Time: best of several rounds, wall and CPU (CPU counts every thread, so a pool that
spins shows up there). Goal: default ≤ 1 thread on the small work (ratio ≤ 1.0); big work may gain.
Run with ``python -m benchmarks threads``.
"""

from __future__ import annotations

import os
import subprocess
import sys

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

WORKER = r'''
import sys
import numpy as np
import glassgrad
from benchmarks.bench_cnn import best_wall_cpu, make_step as cnn_step
if sys.argv[1] == "one":
    glassgrad.set_num_threads(1)


def mlp_step():
    nn, F = glassgrad.nn, glassgrad.nn.functional
    glassgrad.manual_seed(0)
    model = nn.Sequential(nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    opt = glassgrad.optim.SGD(model.parameters(), lr=0.01)
    x = glassgrad.randn(64, 256)
    y = glassgrad.randint(0, 10, (64,))

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    return step


def big_matmul():
    a = glassgrad.randn(1024, 1024, requires_grad=True)
    b = glassgrad.randn(1024, 1024, requires_grad=True)

    def step():
        a.grad = b.grad = None
        (a @ b).sum().backward()
    return step


cases = {"mlp": (mlp_step(), 30), "cnn": (cnn_step(glassgrad, 8, 32), 10), "matmul": (big_matmul(), 5)}
for name, (fn, repeat) in cases.items():
    (wall, cpu), = best_wall_cpu([fn], repeat)
    print(name, wall, cpu, glassgrad.get_num_threads())
'''

LABELS = {"mlp": "small: MLP step 256-256-10, batch 64", "cnn": "small: CNN step C=8, batch 32",
          "matmul": "big: 1024² matmul + backward"}


def run(mode: str) -> dict:
    """{case: (wall, cpu, threads)} from a fresh process with no thread variables set."""
    env = {k: v for k, v in os.environ.items() if k not in _THREAD_VARS}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", WORKER, mode], capture_output=True, text=True, check=True,
                         cwd=root, env=env).stdout
    rows = (line.split() for line in out.splitlines() if line.strip())
    return {name: (float(wall), float(cpu), int(threads)) for name, wall, cpu, threads in rows}


def main() -> None:
    print(f"CPUs: {os.cpu_count()}; thread variables unset in both runs")
    default, one = {}, {}
    for _ in range(3):  # the two take turns, three runs each: the best of each case (a noisy machine)
        for results, mode in ((default, "default"), (one, "one")):
            for name, (wall, cpu, threads) in run(mode).items():
                old = results.get(name, (wall, cpu, threads))
                results[name] = (min(wall, old[0]), min(cpu, old[1]), threads)
    print(f"{'case':40s} {'default ms':>11s} {'(threads)':>9s} {'1 thread ms':>12s} {'wall':>6s} {'cpu':>6s}"
          "   goal (small work) ≤ 1.0")
    for name, label in LABELS.items():
        (dw, dc, dt), (ow, oc, _) = default[name], one[name]
        if name == "matmul":
            goal = "-"
        elif dt == 1:  # the default is the one-thread pool itself: any difference is the machine's noise
            goal = "met (same pool)"
        else:
            goal = "met" if dw <= ow else "NOT met"
        print(f"{label:40s} {dw * 1e3:11.2f} {dt:9d} {ow * 1e3:12.2f} {dw / ow:5.2f}x {dc / oc:5.2f}x   {goal}",
              flush=True)
