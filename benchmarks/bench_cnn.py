"""The CNN of issue 13, glassgrad vs PyTorch CPU, both at one thread: time and peak memory.

Model (channels C → 2C → 4C, 28×28 input):
    Conv2d(C, 2C, 3, padding=1) → ReLU → MaxPool2d(2) → Conv2d(2C, 4C, 3, padding=1) → ReLU
    → MaxPool2d(2) → Flatten → Linear(4C·7·7, 10) → cross_entropy;  one step = forward, backward, SGD.
at C = 8 / 32 / 64 and batch 32 / 128.

Time: both libraries in this process, taking turns (see bench_tensor.best); the best of several rounds,
as wall time and as CPU time (process_time: what this process burnt, less sensitive to a busy machine).
Memory: each library alone in a fresh subprocess that runs two steps; the number is its peak resident
memory (VmHWM from /proc/self/status, the same quantity as ru_maxrss, which Linux would carry over from
this parent process) minus its resident memory before the model was built, so the import of each
library (torch's is larger) does not count. Goal: ≤ 1.0× PyTorch for time and for memory.
Floor: the step's convolution matmuls alone, in numpy, at im2col's shapes (forward W @ cols, backward
G @ colsᵀ and, for the second convolution, Wᵀ @ G), one sample at a time times the batch: no copies,
no pooling, no graph — what numpy's BLAS allows a numpy library at best. floor/pytorch above 1.0 means
numpy's sgemm alone is slower than PyTorch's whole step (its oneDNN convolutions use the CPU's widest
vector units; this machine pins OpenBLAS to its Haswell, AVX2 kernels).
Run with ``python -m benchmarks cnn``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

import glassgrad  # noqa: E402

CONFIGS = [(8, 32), (8, 128), (32, 32), (32, 128), (64, 32), (64, 128)]  # (C, batch)


def make_step(lib, c: int, batch: int):
    """One training step of the CNN on a fixed random batch (same data and weights for both libraries)."""
    nn, F = lib.nn, lib.nn.functional
    lib.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(c, 2 * c, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(2 * c, 4 * c, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(4 * c * 7 * 7, 10))
    opt = lib.optim.SGD(model.parameters(), lr=0.01)
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((batch, c, 28, 28), dtype=np.float32))
    y = lib.tensor(rng.integers(0, 10, batch), dtype=lib.long)

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    return step


def gemm_floor(c: int, batch: int) -> float:
    """CPU seconds of the step's im2col matmuls alone (see the module docstring): the best of 5 rounds."""
    rng = np.random.default_rng(0)

    def arrays(cin, cout, pixels):
        return (rng.standard_normal((cout, cin * 9), dtype=np.float32),
                rng.standard_normal((cin * 9, pixels), dtype=np.float32),
                rng.standard_normal((cout, pixels), dtype=np.float32))

    (w1, cols1, g1), (w2, cols2, g2) = arrays(c, 2 * c, 28 * 28), arrays(2 * c, 4 * c, 14 * 14)

    def one_sample():
        w1 @ cols1, w2 @ cols2  # forward
        g1 @ cols1.T, g2 @ cols2.T  # ∂L/∂W of both convolutions
        w2.T @ g2  # ∂L/∂input of the second (the first one's input needs no gradient)

    (_, cpu), = best_wall_cpu([lambda: [one_sample() for _ in range(8)]], 5)
    return cpu / 8 * batch


def best_wall_cpu(fns, repeat: int) -> list[tuple[float, float]]:
    """(wall, cpu) seconds of one call of each function: minima over ``repeat`` alternating rounds."""
    for fn in fns:
        fn()  # warm up: first-call costs, BLAS buffers, gradients allocated
    times = [(float("inf"), float("inf"))] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            w0, c0 = time.perf_counter(), time.process_time()
            fn()
            wall, cpu = time.perf_counter() - w0, time.process_time() - c0
            times[i] = (min(times[i][0], wall), min(times[i][1], cpu))
    return times


MEMORY_WORKER = r'''
import sys
lib_name, c, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
if lib_name == "torch":
    import torch as lib
    lib.set_num_threads(1)
else:
    import glassgrad as lib
from benchmarks.bench_cnn import make_step
def resident_kb(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(key))
before = resident_kb("VmRSS:")
step = make_step(lib, c, batch)
step(); step()
print(resident_kb("VmHWM:") - before)
'''


def peak_mb(lib_name: str, c: int, batch: int) -> float:
    """Peak resident memory (MB) of two training steps, in a fresh process, above its post-import level."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", MEMORY_WORKER, lib_name, str(c), str(batch)],
                         capture_output=True, text=True, check=True, cwd=root)
    return int(out.stdout.split()[-1]) / 1024


def openblas_kernels() -> str:
    """Which OpenBLAS kernels numpy uses: the convolutions' time is mostly its sgemm. OPENBLAS_CORETYPE
    can force older ones (Haswell's AVX2 sgemm measured half as fast as SkylakeX's AVX-512 one here)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (no threadpoolctl)"
    kinds = {i.get("architecture") for i in threadpool_info() if i.get("internal_api") == "openblas"}
    forced = os.environ.get("OPENBLAS_CORETYPE")
    return ", ".join(sorted(map(str, kinds))) + (f" (OPENBLAS_CORETYPE={forced})" if forced else "")


def main() -> None:
    torch.set_num_threads(1)
    print(f"numpy {np.__version__}, torch {torch.__version__} (threads: {torch.get_num_threads()}); "
          f"numpy's OpenBLAS kernels: {openblas_kernels()}")
    print(f"{'C':>3s} {'batch':>5s} {'glassgrad ms':>13s} {'pytorch ms':>11s} {'wall':>6s} {'cpu':>6s} "
          f"{'glassgrad MB':>13s} {'pytorch MB':>11s} {'mem':>6s}   goal ≤ 1.0   {'floor ms':>9s} "
          f"{'floor/pytorch':>13s}")
    for c, batch in CONFIGS:
        work = c * c * batch  # the convolutions' cost grows as C²·N: fewer rounds for the big ones
        repeat = 15 if work <= 32 * 32 * 32 else 5 if work <= 64 * 64 * 32 else 3
        steps = [make_step(glassgrad, c, batch), make_step(torch, c, batch)]
        (gw, gc), (tw, tc) = best_wall_cpu(steps, repeat)
        del steps
        gm, tm = peak_mb("glassgrad", c, batch), peak_mb("torch", c, batch)
        met = "met" if max(gw / tw, gc / tc, gm / tm) <= 1.0 else "NOT met"
        floor = gemm_floor(c, batch)
        print(f"{c:3d} {batch:5d} {gw * 1e3:13.1f} {tw * 1e3:11.1f} {gw / tw:5.2f}x {gc / tc:5.2f}x "
              f"{gm:13.0f} {tm:11.0f} {gm / tm:5.2f}x   {met:10s} {floor * 1e3:9.1f} {floor / tc:12.2f}x",
              flush=True)
