"""PyTorch programs run unchanged on glassgrad, reach their own bars, and print PyTorch's numbers.

Each program in examples/pytorch/ runs twice, once with real PyTorch and once with glassgrad
registered as ``torch`` (glassgrad/as_torch.py). A program asserts its own accuracy or loss bar, so
exit status 0 means it learned.

Each seeds the generator with ``torch.manual_seed`` and glassgrad's random numbers are PyTorch's, so
the two runs start from the same weights, see the same batches in the same order and sample the same
text. Where every printed number is made in float64, or in float32 over few enough steps, both print
exactly the same lines (``SAME_OUTPUT``). The others print numbers that agree to float32 rounding at
first and then drift: a float32 sum (of a loss over 2,000 points, of a matmul's products) is added
up in a different order by numpy and by PyTorch's kernels, the last bit differs, and a long run
amplifies it — in mnist_cnn from 1e-7 at step 10 to a few percent by step 240 (run in float64 it
prints PyTorch's numbers to 12 digits); polynomial_optim's RMSprop, circling its minimum, moves the
fourth digit of its final loss; dynamic_net's first loss of 3.9e6 differs by a few ulps.
"""

import functools
import os
import pathlib
import subprocess
import sys

import pytest

PROGRAMS = sorted((pathlib.Path(__file__).parent.parent / "examples" / "pytorch").glob("*.py"))
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


# programs whose whole output is the same on both backends (see the module docstring for the others)
SAME_OUTPUT = ["char_bigram_mlp", "char_rnn", "digits_mlp", "tiny_gpt"]


@functools.lru_cache(maxsize=None)  # each program runs once per backend, for both tests below
def run(program: pathlib.Path, backend: str) -> subprocess.CompletedProcess:
    if backend == "torch":
        cmd = [sys.executable, str(program)]
    else:
        cmd = [sys.executable, "-m", "glassgrad.as_torch", str(program)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=ENV,
                          cwd=program.parent)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["torch", "glassgrad"])
@pytest.mark.parametrize("program", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_program_reaches_its_bar(program, backend):
    result = run(program, backend)
    assert result.returncode == 0, (
        f"{program.name} on {backend} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    assert "bar" in result.stdout  # each program prints its final number against its bar


@pytest.mark.slow
@pytest.mark.parametrize("name", SAME_OUTPUT)
def test_program_prints_the_same_numbers_on_both_backends(name):
    program = PROGRAMS[[p.stem for p in PROGRAMS].index(name)]
    theirs, ours = run(program, "torch"), run(program, "glassgrad")
    assert theirs.returncode == ours.returncode == 0, (theirs.stderr[-2000:], ours.stderr[-2000:])
    assert len(theirs.stdout.splitlines()) >= 3
    assert ours.stdout == theirs.stdout


def test_as_torch_registers_glassgrad():
    code = ("import glassgrad.as_torch as a; a.install(); import torch, torch.autograd; "
            "import glassgrad; assert torch is glassgrad; print(torch.tensor([1.0]) + 1)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "tensor([2.])"


def test_any_torch_submodule_is_glassgrads_own_module_and_glassgrads_extras_are_not_torchs():
    code = "\n".join([
        "import glassgrad.as_torch as a; a.install()",
        "import importlib, glassgrad.optim.lr_scheduler as ours, glassgrad.nn.utils.clip_grad as clip",
        "import torch.optim.lr_scheduler, torch.nn.utils.clip_grad",
        "assert torch.optim.lr_scheduler is ours and torch.nn.utils.clip_grad is clip  # no second copy",
        "for name in ('torch.explain', 'torch.studio', 'torch.scalar', 'torch.no_such_module'):",
        "    try:",
        "        importlib.import_module(name)",
        "    except ModuleNotFoundError as e:",
        "        assert repr(name) in str(e), e",
        "    else:",
        "        raise AssertionError(name + ' imported')",
        "print('ok')",
    ])
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_run_as_torch_finds_a_module_beside_the_script(tmp_path):
    (tmp_path / "model.py").write_text("import torch\nnet = torch.nn.Linear(2, 1)\n")
    (tmp_path / "main.py").write_text("from model import net\nprint(type(net).__module__)\n")
    out = subprocess.run([sys.executable, "-m", "glassgrad.as_torch", str(tmp_path / "main.py")],
                         capture_output=True, text=True, env=ENV, cwd="/")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "glassgrad.nn.linear"


def test_torchs_module_paths_name_glassgrads_classes():
    import glassgrad.functional
    import glassgrad.nn.modules
    import torch.functional
    import torch.nn.modules

    # every nn.modules submodule PyTorch has that glassgrad mirrors names the very class nn exports
    for sub in ("linear", "conv", "activation", "loss", "container", "rnn", "transformer", "batchnorm",
                "dropout", "sparse", "pooling", "normalization", "flatten", "module"):
        ours = getattr(glassgrad.nn.modules, sub)
        theirs = getattr(torch.nn.modules, sub)
        shared = [n for n in ours.__all__ if hasattr(theirs, n)]
        assert shared, sub
        for name in shared:
            cls = getattr(ours, name)
            assert getattr(glassgrad.nn, name, cls) is cls, f"nn.modules.{sub}.{name}"
    assert set(glassgrad.functional.__all__) <= set(torch.functional.__all__)


def test_run_as_torch_prints_what_pytorch_prints(tmp_path):
    script = tmp_path / "show.py"
    script.write_text("\n".join([
        "import torch",
        "x = torch.arange(6.0, dtype=torch.float64).reshape(2, 3)",
        "print(x.shape, x.dtype, x.int(), x.max(1), torch.float16)",
        "print(torch.nn.ParameterList([torch.nn.Parameter(torch.ones(2))]))",
    ]))
    ours = subprocess.run([sys.executable, "-m", "glassgrad.as_torch", str(script)], capture_output=True,
                          text=True, env=ENV)
    theirs = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=ENV)
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == theirs.stdout
