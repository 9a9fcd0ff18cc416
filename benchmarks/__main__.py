"""Run every benchmark: ``python -m benchmarks [name ...]`` (``make bench``).

Each ``benchmarks/bench_*.py`` has a ``main()`` that measures glassgrad beside its peers in one run and
prints ratios. Benchmarks are not tests: nothing here asserts a time.
"""

import importlib
import os
import pathlib
import sys

# Both sides of every comparison run at one thread (set before numpy or torch load BLAS).
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")


def main(argv: list[str]) -> None:
    here = pathlib.Path(__file__).parent
    names = sorted(p.stem for p in here.glob("bench_*.py"))
    wanted = [n for n in names if not argv or any(a in n for a in argv)]
    for name in wanted:
        print(f"\n=== {name} ===", flush=True)
        importlib.import_module(f"benchmarks.{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
