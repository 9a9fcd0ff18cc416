"""The studio's files import one way, in its reading order, and ``import glassgrad.studio`` stays light.

config < trainer < sessions < stepview < codegen < app < server: each studio module imports only studio
modules before it, and every import sits at the top of its file. The package itself imports nothing, so
``glassgrad --help`` and ``import glassgrad.studio`` work without the studio extra; ``glassgrad studio``
without it says which extra to install.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import glassgrad.studio
from glassgrad.cli import main

STUDIO = Path(__file__).resolve().parents[2] / "glassgrad" / "studio"
ORDER = ["config", "trainer", "sessions", "stepview", "codegen", "app", "server"]


def imports(tree):
    """(node, module name) for every import statement in ``tree``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node, node.module
            for alias in node.names:  # `from glassgrad.studio import codegen` names a module too
                yield node, f"{node.module}.{alias.name}"


def test_every_studio_module_is_in_the_reading_order():
    on_disk = {p.stem for p in STUDIO.glob("*.py")} - {"__init__", "__main__"}
    assert on_disk == set(ORDER)


@pytest.mark.parametrize("name", ORDER + ["__init__", "__main__"])
def test_studio_imports_run_one_way_and_sit_at_the_top(name):
    tree = ast.parse((STUDIO / f"{name}.py").read_text(encoding="utf-8"))
    top = set(map(id, tree.body))
    earlier = ORDER[: ORDER.index(name)] if name in ORDER else []
    for node, module in imports(tree):
        assert id(node) in top, f"{name}.py line {node.lineno}: import {module} inside a function or class"
        if module.startswith("glassgrad.studio."):
            assert module.split(".")[2] in earlier, f"{name}.py imports {module}: not earlier in {ORDER}"
    if name == "__init__":
        assert not list(imports(tree)), "studio/__init__.py imports nothing: the studio extra stays optional"


def test_importing_the_package_loads_neither_starlette_nor_uvicorn():
    code = ("import sys, glassgrad.studio; "
            "print(sorted(m for m in ('starlette', 'uvicorn', 'glassgrad.studio.app') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_command_without_the_extra_says_how_to_get_it(monkeypatch):
    # forget server.py if an earlier test loaded it, so the command imports it afresh
    monkeypatch.delitem(sys.modules, "glassgrad.studio.server", raising=False)
    monkeypatch.delattr(glassgrad.studio, "server", raising=False)
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if uvicorn were not installed
    with pytest.raises(SystemExit, match=r"needs uvicorn: pip install glassgrad\[studio\]"):
        main(["studio", "--port", "70000", "--no-browser"])  # a bad port: never serves, even if it got that far
