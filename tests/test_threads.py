"""glassgrad.threads: set_num_threads / get_num_threads limit numpy's BLAS pool, with PyTorch's errors."""

import os
import subprocess
import sys

import numpy as np
import pytest

from glassgrad import threads

threadpoolctl = pytest.importorskip("threadpoolctl")


def blas_pools() -> list[int]:
    return [p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]


@pytest.fixture
def restore_blas():
    """Put every BLAS pool back to the size it had, whatever the test set."""
    before = {p["filepath"]: p["num_threads"] for p in threadpoolctl.threadpool_info()
              if p["user_api"] == "blas"}
    yield
    controller = threadpoolctl.ThreadpoolController()
    for lib in controller.lib_controllers:
        if lib.filepath in before:
            lib.set_num_threads(before[lib.filepath])


def test_set_num_threads_one_limits_blas_and_get_reports_it(restore_blas):
    np.ones((64, 64)) @ np.ones((64, 64))  # numpy's BLAS is loaded
    threads.set_num_threads(1)
    assert blas_pools() and set(blas_pools()) == {1}
    assert threads.get_num_threads() == 1


def test_get_num_threads_reads_the_blas_pool(restore_blas):
    assert threads.get_num_threads() == max(blas_pools())
    threads.set_num_threads(threads.get_num_threads())  # setting what it is changes nothing
    assert threads.get_num_threads() == max(blas_pools())


def test_numpy_integers_are_ints(restore_blas):
    threads.set_num_threads(np.int64(1))
    assert threads.get_num_threads() == 1


@pytest.mark.parametrize("bad, message", [
    (0, "set_num_threads expects a positive integer"),
    (-1, "set_num_threads expects a positive integer"),
    (1.5, "set_num_threads expects an int, but got float"),
    (True, "set_num_threads expects an int, but got bool"),
    ("2", "set_num_threads expects an int, but got str"),
])
def test_errors_are_pytorchs(bad, message):
    with pytest.raises(RuntimeError) as ours:
        threads.set_num_threads(bad)
    assert str(ours.value) == message
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError) as theirs:
        torch.set_num_threads(bad)
    assert str(theirs.value) == message


def test_without_threadpoolctl_get_reads_the_environment(monkeypatch):
    monkeypatch.setattr(threads, "threadpoolctl", None)
    for name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(threads.os, "cpu_count", lambda: 6)
    assert threads.get_num_threads() == 6
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert threads.get_num_threads() == 3
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")  # what OpenBLAS reads first
    assert threads.get_num_threads() == 1


def test_without_threadpoolctl_set_says_what_to_install(monkeypatch):
    monkeypatch.setattr(threads, "threadpoolctl", None)
    with pytest.raises(ModuleNotFoundError, match="pip install threadpoolctl"):
        threads.set_num_threads(1)
    with pytest.raises(RuntimeError, match="positive integer"):  # a bad argument is still named first
        threads.set_num_threads(0)


_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _threads_in_fresh_process(**env_vars):
    env = {k: v for k, v in os.environ.items() if k not in _VARS}
    env.update(env_vars)
    out = subprocess.run([sys.executable, "-c", "import glassgrad; print(glassgrad.get_num_threads())"],
                         env=env, capture_output=True, text=True, check=True)
    return int(out.stdout.split()[-1])


def test_default_is_one_blas_thread_unless_the_user_chose():
    pytest.importorskip("threadpoolctl")
    assert _threads_in_fresh_process() == 1
    assert _threads_in_fresh_process(OPENBLAS_NUM_THREADS="2") == 2
    assert _threads_in_fresh_process(OMP_NUM_THREADS="2") == 2
