"""Run a PyTorch program on glassgrad, unchanged: glassgrad registered as ``torch`` in ``sys.modules``.

How glassgrad proves its PyTorch-shaped API on real programs, and a learner's tool: ``glassgrad run-as-torch script.py`` (or
``python -m glassgrad.as_torch script.py``) runs a script written for PyTorch with every ``import torch``,
``torch.nn``, ``torch.nn.functional``, ``torch.optim``, ``torch.autograd`` and ``torch.utils.data``
answered by glassgrad. When the script needs something glassgrad lacks, the AttributeError names it.

It sits on top with ``cli.py`` (whose ``run-as-torch`` subcommand loads it): it imports the PyTorch-shaped
parts of the package, and none of them imports it.
"""

from __future__ import annotations

import runpy
import sys

import glassgrad
import glassgrad.autograd
import glassgrad.linalg
import glassgrad.nn
import glassgrad.nn.functional
import glassgrad.nn.init
import glassgrad.nn.utils
import glassgrad.optim
import glassgrad.optim.lr_scheduler
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
}


def install() -> None:
    """Make ``import torch`` (and its submodules above) import glassgrad."""
    sys.modules.update(MODULES)


def run(path: str, argv: list[str] | None = None) -> None:
    """Run the script at ``path`` as ``__main__`` with glassgrad standing in for torch."""
    install()
    sys.argv = [path, *(argv or [])]
    runpy.run_path(path, run_name="__main__")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit("usage: python -m glassgrad.as_torch SCRIPT [ARGS...]")
    run(sys.argv[1], sys.argv[2:])
