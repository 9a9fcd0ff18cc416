"""Run a PyTorch program on glassgrad, unchanged: glassgrad registered as ``torch`` in ``sys.modules``.

How glassgrad proves its PyTorch-shaped API on real programs, and a learner's tool: ``glassgrad run-as-torch script.py`` (or
``python -m glassgrad.as_torch script.py``) runs a script written for PyTorch with every ``import torch``,
``torch.nn``, ``torch.nn.functional``, ``torch.optim``, ``torch.autograd`` and ``torch.utils.data``
answered by glassgrad. When the script needs something glassgrad lacks, the AttributeError names it.

It sits on top with ``cli.py`` (whose ``run-as-torch`` subcommand loads it): it imports the PyTorch-shaped
parts of the package, and none of them imports it. Beyond the modules listed in ``MODULES``, any
``torch.X.Y`` a program imports is answered by ``glassgrad.X.Y`` when glassgrad has that module (a
finder on ``sys.meta_path``), so a new glassgrad module needs no entry here; the parts that are not
PyTorch's (``explain``, ``studio``, ``scalar``, ``manual``, ``cli``) are never handed out as torch's.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import multiprocessing.spawn
import os
import runpy
import sys

import glassgrad
from glassgrad import dtypes
import glassgrad.autograd
import glassgrad.linalg
import glassgrad.nn
import glassgrad.nn.functional
import glassgrad.nn.init
import glassgrad.nn.utils
import glassgrad.optim
import glassgrad.optim.lr_scheduler
import glassgrad.functorch
import glassgrad.utils
import glassgrad.utils.data

__all__ = ["MODULES", "install", "run"]

# torch module name -> the glassgrad module that answers it
MODULES = {
    "torch": glassgrad,
    "torch.autograd": glassgrad.autograd,
    "torch.linalg": glassgrad.linalg,
    "torch.nn": glassgrad.nn,
    "torch.nn.functional": glassgrad.nn.functional,
    "torch.nn.init": glassgrad.nn.init,
    "torch.nn.utils": glassgrad.nn.utils,
    "torch.optim": glassgrad.optim,
    "torch.optim.lr_scheduler": glassgrad.optim.lr_scheduler,
    "torch.utils": glassgrad.utils,
    "torch.utils.data": glassgrad.utils.data,
    "functorch": glassgrad.functorch,  # torch.func's old name, shipped beside torch
}


# glassgrad's own parts, which PyTorch doesn't have: ``import torch.explain`` must fail as it would.
NOT_TORCH = ("explain", "studio", "scalar", "manual", "cli", "as_torch", "datasets", "interop", "graph",
             "devices", "creation", "dtypes", "tensor", "ops", "functorch")


class TorchFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers ``import torch.a.b`` with the module ``glassgrad.a.b``, when glassgrad has one."""

    @staticmethod
    def _glassgrad_name(fullname: str) -> str | None:
        if not fullname.startswith("torch."):
            return None
        rest = fullname[len("torch."):]
        if rest.split(".")[0] in NOT_TORCH:
            return None
        name = "glassgrad." + rest
        try:
            found = importlib.util.find_spec(name)
        except ModuleNotFoundError:  # a parent package is missing
            return None
        return name if found is not None else None

    def find_spec(self, fullname, path=None, target=None):
        if not fullname.startswith("torch.") or sys.modules.get("torch") is not glassgrad:
            return None  # the real PyTorch is loaded in this process: leave its imports alone
        name = self._glassgrad_name(fullname)
        if name is None:  # otherwise Python would look in glassgrad's folder and load a second copy
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        return importlib.import_module(self._glassgrad_name(spec.name))

    def exec_module(self, module) -> None:
        pass  # glassgrad's module has already run


def show_classes_as(package: str) -> None:
    """``type(x)`` prints ``<class 'torch.Tensor'>`` and ``torch.max(x, 1)``'s result is a
    ``torch.return_types.max``, as a program printing them sees on PyTorch (``glassgrad`` otherwise)."""
    glassgrad.Tensor.__module__ = package
    for cls in vars(glassgrad.return_types).values():
        cls.__module__ = f"{package}.return_types"


class _InstallInChild:
    """Unpickled in a child started by spawn (or forkserver), before it runs the program's main file again
    (as ``__mp_main__``): installs glassgrad as torch there first."""

    def __reduce__(self):
        return install, ()


def _prepare_children_too() -> None:
    """A spawned child is a fresh Python: the preparation data multiprocessing sends it gains one entry,
    whose unpickling (before the child imports anything of the program) calls ``install``."""
    original = multiprocessing.spawn.get_preparation_data
    if getattr(original, "installs_glassgrad", False):
        return

    def get_preparation_data(name):
        data = original(name)
        data["glassgrad_as_torch"] = _InstallInChild()
        return data

    get_preparation_data.installs_glassgrad = True
    multiprocessing.spawn.get_preparation_data = get_preparation_data


def install() -> None:
    """Make ``import torch`` (and any ``torch.X`` glassgrad has) import glassgrad."""
    sys.modules.update(MODULES)
    dtypes.SHOWN_AS = "torch"  # reprs print torch.float32, torch.Size([2]): what the program prints on PyTorch
    show_classes_as("torch")
    if not any(isinstance(f, TorchFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, TorchFinder())
    _prepare_children_too()


def run(path: str, argv: list[str] | None = None) -> None:
    """Run the script at ``path`` as ``__main__`` with glassgrad standing in for torch.

    As ``python script.py`` does, the script's own folder goes first on ``sys.path``, so a program
    split over files (``import model``, ``from data import Corpus``) finds its own modules.
    """
    install()
    sys.argv = [path, *(argv or [])]
    sys.path.insert(0, os.path.dirname(os.path.realpath(path)))
    runpy.run_path(path, run_name="__main__")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit("usage: python -m glassgrad.as_torch SCRIPT [ARGS...]")
    run(sys.argv[1], sys.argv[2:])
