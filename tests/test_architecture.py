"""The import rules of DESIGN.md §2, read from the source with ``ast`` (nothing is imported or run).

Every module under ``glassgrad/`` has a layer in ``LAYERS`` below, and:

- imports run down the layers: a module may import modules of its own layer or lower ones, never higher;
- imports sit at the top of the file: an import of a glassgrad module inside a ``def`` or ``class`` body
  is allowed only where ``FUNCTION_LEVEL_ALLOWED`` names the place and says why (at most three places
  besides ``cli`` and ``Tensor.backward``);
- no ``from X import *`` and no module-level ``__getattr__`` (PEP 562 lazy loading): a reader must see
  where every name comes from;
- no hidden imports: ``importlib.import_module`` / ``__import__`` of a glassgrad module;
- no cycles among module-level imports;
- ``glassgrad.manual`` (the "backprop by hand" chapter) imports numpy alone: nothing from glassgrad
  outside ``glassgrad.manual``.

How an import statement names a module:

- ``import glassgrad.nn.functional as F`` and ``import glassgrad.nn`` name that module (or package);
- ``from glassgrad.nn import functional`` names the submodule ``glassgrad.nn.functional``;
  ``from glassgrad.nn import Linear`` names the package ``glassgrad.nn`` (its ``__init__``);
- relative imports (``from . import init``, ``from .functional import relu``) resolve the same way from
  the importing module's package;
- ``import glassgrad`` and ``from glassgrad import Tensor`` (a name, not a submodule) name the package
  facade ``glassgrad``. The facade imports the whole PyTorch-shaped engine, so it sits above it: only the
  tools on top (``as_torch``, ``explain``, ``studio``, ``cli``) may write ``import glassgrad``, as user
  code does; an engine module imports the module that defines the name (``from glassgrad.tensor import
  Tensor``), otherwise importing it would go through the facade that is still loading it.

``check_package`` takes any package directory and rank table, so the last tests run it on small
packages written for the occasion and show that each rule reports what it should.
"""

from __future__ import annotations

import ast
import functools
from collections import defaultdict
from pathlib import Path
from typing import NamedTuple

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "glassgrad"

# The layers of DESIGN.md §2, bottom to top: a module may import only modules of its own layer or lower.
# "pkg.*" gives one layer to a package and everything in it; an exact name wins over a pattern.
LAYERS = {
    # the base: no glassgrad imports at all
    "glassgrad.graph": 0,                 # topological order, for Value.backward and explain
    "glassgrad._html": 0,                 # notebook cards (Value, Tensor, Module) and the base palette
    "glassgrad.dtypes": 0,
    "glassgrad._future": 0,               # torch.__future__: the swap/overwrite-on-conversion switches
    "glassgrad.threads": 0,               # set_num_threads / get_num_threads: numpy's BLAS pool, via threadpoolctl
    "glassgrad.autograd.grad_mode": 0,    # the thread-local on/off switch: Tensor reads it, so it sits
                                          # under tensor.py although it lives in autograd/ (as in torch)
    # PART I — one number at a time
    "glassgrad.scalar.value": 10,
    "glassgrad.scalar.gradcheck": 11,
    "glassgrad.scalar.nn": 11,
    "glassgrad.scalar": 12,
    # PART II — backprop by hand, numpy alone (also ISOLATED below)
    "glassgrad.manual.layers": 15,
    "glassgrad.manual.activations": 16,
    "glassgrad.manual.losses": 17,
    "glassgrad.manual.train": 17,
    "glassgrad.manual": 18,
    # PART III — the tensor engine
    "glassgrad._format": 19,              # how a Tensor prints
    "glassgrad.overrides": 19.4,
    "glassgrad._C": 19.45,                # torch._C's few Python-visible names, from overrides          # __torch_function__: the dispatch Tensor and the facade install
    "glassgrad.devices": 19.5,            # torch.device and the default device; tensor.py imports it
    "glassgrad.meta": 19.6,
    "glassgrad.memory_formats": 19.7,     # torch.memory_format: channels_last, contiguous_format, preserve_format               # the meta device: numpy arrays with a shape and no numbers
    "glassgrad.tensor": 20,
    "glassgrad.random": 20.5,             # the generator: PyTorch's mt19937 (its state is a uint8 tensor)
    "glassgrad.normal_kernels": 20.55,    # numpy-only: PyTorch's normal kernels replayed, exact fma
    "glassgrad.sampling": 20.6,           # PyTorch's recipes from the generator's words to numbers
    # creation.py (tensor, zeros, randn, manual_seed, ...) imports only tensor and dtypes: it is DESIGN's
    # "turning data into a Tensor lives here too", so it shares tensor's floor, just above it; that lets
    # every layer above (ops, nn, datasets, utils) build tensors with it.
    "glassgrad.creation": 21,
    "glassgrad.type_queries": 21.5,       # is_tensor, promote_types, result_type, can_cast ...
    "glassgrad.testing": 21.5,            # torch.testing.assert_close
    "glassgrad.anomaly": 21.5,            # autograd.detect_anomaly / Variable
    "glassgrad.autograd.saved_tensors": 29.5,  # saved values by PyTorch's names; saved_tensors_hooks' stack
    "glassgrad.autograd.function": 30,    # Function, ctx, BackwardNode
    "glassgrad.autograd.engine": 31,      # the backward walk
    "glassgrad.autograd.graph": 31,       # torch.autograd.graph: the Node type
    "glassgrad.autograd.gradcheck": 32,
    "glassgrad.autograd": 33,
    # ops/: each family imports only the families before it (ops/__init__'s reading order; a name
    # without a file yet holds its place)
    "glassgrad.ops._util": 40,
    "glassgrad.ops.elementwise": 41,
    "glassgrad.ops.unary": 42,
    "glassgrad.ops.trigonometry": 42.5,
    "glassgrad.ops.special_math": 42.7,
    "glassgrad.ops.cast": 43,
    "glassgrad.ops.compare": 44,
    "glassgrad.ops.inplace": 45,
    "glassgrad.ops.reduce": 46,
    "glassgrad.ops.variance": 47,
    "glassgrad.ops.cumulative": 48,
    "glassgrad.ops.softmax": 49,
    "glassgrad.ops.shape": 50,
    "glassgrad.ops.inplace_functions": 50.5,
    "glassgrad.ops.joining": 51,
    "glassgrad.ops.indexing": 52,
    "glassgrad.ops.repeating": 52.5,
    "glassgrad.ops.gather_scatter": 53,
    "glassgrad.ops.index_write": 53.2,
    "glassgrad.ops.counting": 53.5,
    "glassgrad.ops.numerical": 53.8,      # aminmax, trapezoid, cumulative_trapezoid, unravel_index, vander
    "glassgrad.ops.linalg": 54,
    "glassgrad.ops.more_math": 54.05,     # cumprod, gcd/lcm, float_power, the *_scatter ops, in-place aliases
    "glassgrad.ops.blas": 54.1,           # addmm, addmv, baddbmm, addcmul ... (BLAS-style fused ops)
    "glassgrad.ops.statistics": 54.2,
    "glassgrad.ops.building": 54.3,
    "glassgrad.ops.storage": 54.35,       # UntypedStorage / TypedStorage: the memory block under a tensor
    "glassgrad.ops.decompositions": 54.5,
    "glassgrad.ops.factorizations": 54.6,  # inv, eigh, qr, cholesky, lstsq, lu ... with their gradients
    "glassgrad.ops.conv": 55,
    "glassgrad.ops.pool": 56,
    "glassgrad.ops.random": 57,
    "glassgrad.ops.leaf_hooks": 57.7,     # register_post_accumulate_grad_hook: a post-hook on the leaf's node
    "glassgrad.ops": 58,                  # attaches every family's methods to Tensor
    "glassgrad.ops.sparse": 57.5,         # sparse COO tensors (torch.sparse_coo_tensor, spmm), on the ops
    "glassgrad.linalg": 59,               # torch.linalg's names, from ops/linalg.py
    "glassgrad.sparse": 59,               # torch.sparse's names, from ops/sparse.py
    "glassgrad.autograd.forward_ad": 59,       # torch.autograd.forward_ad: dual tensors via the double-backward trick
    "glassgrad.special": 59,
    "glassgrad.autograd.functional": 59,  # jacobian, hessian, vjp, jvp, hvp, vhp: built on the ops
    "glassgrad.autograd.profiler": 59,    # torch.autograd.profiler.profile: times each recorded op
    "glassgrad.profiler": 59,             # torch.profiler: the same recorder with a schedule
    "glassgrad.functional": 59,           # torch.functional's names, from ops/
    "glassgrad.nn.*": 60,
    "glassgrad.optim.*": 70,
    "glassgrad.utils.*": 80,
    "glassgrad.datasets": 80,
    "glassgrad.serialization": 80,
    "glassgrad.interop": 80,
    "glassgrad.amp": 81,                  # the device surface (docs/part3-device.md): amp drives optimizers
    "glassgrad.cuda.*": 82,               # cuda.amp builds on amp
    "glassgrad.cpu.*": 82,                # torch.cpu: the CPU as a device module; cpu.amp builds on amp
    "glassgrad.cpu": 82,
    "glassgrad.backends.*": 81,
    "glassgrad.accelerator": 81,
    "glassgrad.compiler": 81,
    "glassgrad._dynamo": 81.5,            # torch._dynamo: compiler knobs, accepted and idle (compiler.py)
    "glassgrad._logging": 81,             # torch._logging.set_logs: accepted and idle
    "glassgrad.distributed": 81,
    "glassgrad.jit": 81,
    "glassgrad._vmap": 80.5,              # vmap's BatchedTensor: batching rules over the __torch_function__ protocol
    "glassgrad.func": 81,                 # torch.func: grad, vjp, jacrev, vmap ... over autograd.functional
    "glassgrad.functorch": 82,            # functorch (torch.func's old name): func plus make_functional
    "glassgrad.onnx": 81,
    "glassgrad.multiprocessing": 81,      # torch.multiprocessing: Python's, plus tensors in shared memory
    "glassgrad.fx.*": 82,                 # torch.fx: symbolic tracing into a Graph, GraphModule, Interpreter
    "glassgrad.fx": 82,
    "glassgrad.distributions.*": 81,      # torch.distributions: uses nn.functional, ops, creation
    "glassgrad.distributions": 81,
    # the PyTorch-shaped top level: Tensor, tensor, zeros, no_grad, save, load, ... plus Value
    "glassgrad": 90,
    "glassgrad.as_torch": 91,             # glassgrad registered as `torch`
    # PART IV — seeing it: reads the engines, which never import it (the package's own reading order)
    "glassgrad.explain.graph": 100,
    "glassgrad.explain.style": 101,
    "glassgrad.explain.health": 101,       # per-layer statistics through module hooks; imports no engine module
    "glassgrad.explain.attention": 101,    # attention weights drawn per head; shares health.py's Drawing
    "glassgrad.explain.trace": 102,
    "glassgrad.explain.layout": 103,
    "glassgrad.explain.render_svg": 104,
    "glassgrad.explain.render": 105,
    "glassgrad.explain.render_html": 106,
    "glassgrad.explain.gradcheck_report": 107,
    "glassgrad.explain.step_render": 108,
    "glassgrad.explain.step": 109,
    "glassgrad.explain.parse": 110,
    "glassgrad.explain.report": 111,
    "glassgrad.explain": 112,
    "glassgrad.studio.config": 120,
    "glassgrad.studio.trainer": 121,
    "glassgrad.studio.sessions": 122,
    "glassgrad.studio.stepview": 123,
    "glassgrad.studio.codegen": 124,
    "glassgrad.studio.app": 125,
    "glassgrad.studio.server": 126,
    "glassgrad.studio": 127,
    # the command line, and `python -m glassgrad.studio`, which runs it
    "glassgrad.cli": 140,
    "glassgrad.studio.__main__": 150,
}

# Packages that may import nothing from the root package outside themselves.
ISOLATED = ("glassgrad.manual",)

# (module, qualified name of the function or class body, or "*" for the whole module) -> why.
FUNCTION_LEVEL_ALLOWED = {
    ("glassgrad.cli", "*"): "a subcommand's module (explain, studio, as_torch) loads only when that "
                            "subcommand runs: `glassgrad --help` stays fast and the studio's extra optional",
    ("glassgrad.tensor", "Tensor.backward"): "tensor.py sits below autograd/, and backward() hands the "
                                             "graph to the engine built on top of Tensor",
}
MAX_FUNCTION_LEVEL_EXCEPTIONS = 2 + 3  # cli and Tensor.backward, and at most three more


# --- reading a package ---------------------------------------------------------------------------------
def module_files(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file under the package directory ``root``."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def layer_of(module: str, layers: dict[str, int]) -> int | None:
    """The layer of ``module``: its exact entry, else the longest ``pkg.*`` entry that contains it."""
    if module in layers:
        return layers[module]
    best = None
    for pattern, rank in layers.items():
        if pattern.endswith(".*"):
            package = pattern[:-2]
            if (module == package or module.startswith(package + ".")) and (
                    best is None or len(package) > len(best[0])):
                best = (package, rank)
    return None if best is None else best[1]


class Import(NamedTuple):
    module: str        # the importing module
    target: str        # the root-package module it names
    line: int
    scope: str | None  # "Tensor.backward" inside a def or class body; None at module level


def _resolve(node, module: str, is_package: bool, root: str, known: set[str]) -> list[str]:
    """The root-package modules an import statement names (see the module docstring)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name.split(".")[0] == root]
    if node.level:
        package = module if is_package else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = ".".join(p for p in (package, node.module) if p)
    else:
        base = node.module or ""
    if base.split(".")[0] != root:
        return []
    names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
    return list(dict.fromkeys(names))  # `from x import a, b` names x once


def _dynamic_target(call: ast.Call, root: str) -> str | None:
    """The module text of ``importlib.import_module(...)`` / ``__import__(...)`` when it names ``root``."""
    f = call.func
    name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None
    if name not in ("import_module", "__import__") or not call.args:
        return None
    arg = call.args[0]
    if isinstance(arg, ast.JoinedStr):  # f"glassgrad.ops.{name}": its constant start
        arg = arg.values[0] if arg.values else arg
    text = arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None
    if text is not None and (text.split(".")[0] == root or text.startswith(".")):
        return text
    return None


def read_package(root: Path):
    """Every import of a root-package module, plus the module-level ``__getattr__``s and hidden imports."""
    files = module_files(root)
    known = set(files)
    imports, getattrs, hidden, stars = [], [], [], []
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"

        def visit(node, scope):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.Import, ast.ImportFrom)):
                    if isinstance(child, ast.ImportFrom) and any(a.name == "*" for a in child.names):
                        stars.append((module, child.lineno, child.module or "." * child.level))
                    for target in _resolve(child, module, is_package, root.name, known):
                        imports.append(Import(module, target, child.lineno, scope))
                elif isinstance(child, ast.Call) and (text := _dynamic_target(child, root.name)):
                    hidden.append((module, child.lineno, text))
                if scope is None and (
                        isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) and child.name == "__getattr__"
                        or isinstance(child, ast.Assign)
                        and any(isinstance(t, ast.Name) and t.id == "__getattr__" for t in child.targets)):
                    getattrs.append((module, child.lineno))
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    visit(child, f"{scope}.{child.name}" if scope else child.name)
                else:
                    visit(child, scope)

        visit(tree, None)
    return files, imports, getattrs, hidden, stars


# --- the rules -------------------------------------------------------------------------------------------
def _where(files, module, line) -> str:
    """``glassgrad/ops/shape.py:24``: the file as seen from the package's parent folder, and the line."""
    path = files[module]
    depth = len(module.split(".")) - (path.name != "__init__.py")  # folders between it and that parent
    return f"{path.relative_to(path.parents[depth]).as_posix()}:{line}"


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative), each sorted."""
    index, low, on_stack, stack, out, counter = {}, {}, set(), [], [], [0]
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        out.append(sorted(component))
    return out


def check_package(root: Path, layers: dict[str, int], *, allowed: dict | None = None,
                  isolated: tuple = ()) -> dict[str, list[str]]:
    """Every broken import rule in the package at ``root``: rule name -> one line per offence."""
    allowed = FUNCTION_LEVEL_ALLOWED if allowed is None else allowed
    files, imports, getattrs, hidden, stars = read_package(root)
    problems = {rule: [] for rule in ("unranked", "upward", "function-level", "star", "module-getattr",
                                      "hidden", "isolated", "cycle")}
    for module in files:
        if layer_of(module, layers) is None:
            problems["unranked"].append(f"{_where(files, module, 1)}: {module} has no layer in the table")
    edges = defaultdict(set)
    for imp in imports:
        where = _where(files, imp.module, imp.line)
        if imp.target not in files:
            problems["upward"].append(f"{where}: {imp.module} imports {imp.target}, which does not exist")
            continue
        excused = imp.scope is not None and ((imp.module, "*") in allowed or (imp.module, imp.scope) in allowed)
        if imp.scope is not None and not excused:
            problems["function-level"].append(f"{where} in {imp.scope}: {imp.module} imports {imp.target}")
        if imp.scope is None and imp.target != imp.module:
            edges[imp.module].add(imp.target)
        mine, theirs = layer_of(imp.module, layers), layer_of(imp.target, layers)
        if not excused and mine is not None and theirs is not None and theirs > mine:
            problems["upward"].append(f"{where}: {imp.module} (layer {mine}) imports {imp.target} "
                                      f"(layer {theirs}), a higher layer")
        for package in isolated:
            inside = lambda name: name == package or name.startswith(package + ".")  # noqa: E731
            if inside(imp.module) and not inside(imp.target):
                problems["isolated"].append(f"{where}: {imp.module} imports {imp.target}, outside {package}")
    for module, line, source in stars:
        problems["star"].append(f"{_where(files, module, line)}: {module} does `from {source} import *`")
    for module, line in getattrs:
        problems["module-getattr"].append(f"{_where(files, module, line)}: {module} defines a module-level "
                                          "__getattr__ (lazy loading)")
    for module, line, text in hidden:
        problems["hidden"].append(f"{_where(files, module, line)}: {module} imports {text!r} through "
                                  "importlib/__import__, where no reader looks")
    for component in _cycles(edges):
        lines = [f"{_where(files, imp.module, imp.line)} {imp.module} -> {imp.target}" for imp in imports
                 if imp.scope is None and imp.module in component and imp.target in component
                 and imp.module != imp.target]
        problems["cycle"].append(f"cycle among {', '.join(component)}:\n    " + "\n    ".join(lines))
    return problems


@functools.lru_cache(maxsize=None)
def _glassgrad_problems() -> dict[str, list[str]]:
    return check_package(PACKAGE, LAYERS, isolated=ISOLATED)


def _report(rule: str, what: str) -> None:
    found = _glassgrad_problems()[rule]
    assert not found, f"{len(found)} {what}:\n" + "\n".join(found)


# --- glassgrad keeps the rules -------------------------------------------------------------------------------
def test_every_module_has_a_layer():
    _report("unranked", "modules missing from LAYERS in tests/test_architecture.py (add each where it "
                        "belongs in DESIGN.md §2)")


def test_imports_run_down_the_layers():
    _report("upward", "imports of a higher layer (or of a module that does not exist)")


def test_imports_sit_at_the_top_of_the_file():
    _report("function-level", "imports of glassgrad modules inside a function or class body that "
                              "FUNCTION_LEVEL_ALLOWED does not name")


def test_function_level_exceptions_stay_few_and_say_why():
    assert len(FUNCTION_LEVEL_ALLOWED) <= MAX_FUNCTION_LEVEL_EXCEPTIONS
    files = module_files(PACKAGE)
    for (module, scope), reason in FUNCTION_LEVEL_ALLOWED.items():
        assert module in files, f"FUNCTION_LEVEL_ALLOWED names {module}, which does not exist"
        assert reason.strip(), f"({module}, {scope}) needs its reason"


def test_no_star_imports():
    _report("star", "star imports")


def test_no_module_level_getattr():
    _report("module-getattr", "module-level __getattr__")


def test_no_hidden_imports():
    _report("hidden", "imports through importlib or __import__")


def test_no_import_cycles():
    _report("cycle", "import cycles at module level")


def test_manual_uses_numpy_alone():
    _report("isolated", "imports from glassgrad.manual of the rest of glassgrad")


# --- the checker catches each rule --------------------------------------------------------------------------
SYNTHETIC = {
    "__init__.py": "from pkg import low, high\n",
    "low.py": "import os\n\nfrom pkg import high  # up a layer\n",
    "high.py": ("import pkg.low as low_again\n"
                "from os.path import *\n\n\n"
                "def lazy():\n    from pkg import low  # function-level\n    return low\n\n\n"
                "class Holder:\n    def allowed(self):\n        from . import low\n        return low\n"),
    "ok.py": "from pkg.low import os\nfrom . import low\n",
    "lazy.py": "def __getattr__(name):\n    raise AttributeError(name)\n",
    "hidden.py": "import importlib\n\nMOD = importlib.import_module(f'pkg.{\"low\"}')\n",
    "a.py": "from pkg import b\n",
    "b.py": "import pkg.a\n",
    "facade_user.py": "from pkg import Something\n",
    "missing.py": "from pkg import nothing_here\nimport pkg.gone\n",
    "unranked.py": "",
    "iso/__init__.py": "",
    "iso/inner.py": "from .. import low\nfrom pkg.iso import other\n",
    "iso/other.py": "",
}
SYNTHETIC_LAYERS = {"pkg.low": 0, "pkg.high": 1, "pkg.ok": 1, "pkg.lazy": 1, "pkg.hidden": 1, "pkg.a": 1,
                    "pkg.b": 1, "pkg.facade_user": 1, "pkg.missing": 1, "pkg.iso.*": 2, "pkg": 5}


@pytest.fixture
def synthetic(tmp_path):
    for name, text in SYNTHETIC.items():
        path = tmp_path / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    allowed = {("pkg.high", "Holder.allowed"): "the test's one exception"}
    return check_package(tmp_path / "pkg", SYNTHETIC_LAYERS, allowed=allowed, isolated=("pkg.iso",))


def _only(found: list[str], *expected: str) -> None:
    """Each expected text appears in exactly one offence, and every offence holds one of them."""
    for text in expected:
        assert sum(text in line for line in found) == 1, (text, found)
    assert len(found) == len(expected), found


def test_checker_reports_an_import_of_a_higher_layer(synthetic):
    _only(synthetic["upward"],
          "pkg/low.py:3: pkg.low (layer 0) imports pkg.high (layer 1)",
          "pkg/facade_user.py:1: pkg.facade_user (layer 1) imports pkg (layer 5)",  # a name: the facade
          "pkg/missing.py:2: pkg.missing imports pkg.gone, which does not exist",
          "pkg/missing.py:1: pkg.missing (layer 1) imports pkg (layer 5)")  # not a submodule: the facade


def test_checker_reports_function_level_imports_not_allowed(synthetic):
    _only(synthetic["function-level"], "pkg/high.py:6 in lazy: pkg.high imports pkg.low")


def test_checker_reports_star_imports_getattr_and_hidden_imports(synthetic):
    _only(synthetic["star"], "pkg/high.py:2: pkg.high does `from os.path import *`")
    _only(synthetic["module-getattr"], "pkg/lazy.py:1: pkg.lazy defines a module-level __getattr__")
    _only(synthetic["hidden"], "pkg/hidden.py:3: pkg.hidden imports 'pkg.' through importlib")


def test_checker_reports_cycles_and_names_their_lines(synthetic):
    found = synthetic["cycle"]
    assert len(found) == 2, found
    assert any("cycle among pkg.a, pkg.b" in c and "pkg/a.py:1" in c and "pkg/b.py:1" in c for c in found)
    assert any("pkg.high" in c and "pkg.low" in c for c in found)  # low -> high -> low


def test_checker_reports_unranked_modules_and_leaks_from_an_isolated_package(synthetic):
    _only(synthetic["unranked"], "pkg.unranked has no layer")
    _only(synthetic["isolated"], "pkg/iso/inner.py:1: pkg.iso.inner imports pkg.low, outside pkg.iso")


def test_layer_lookup_prefers_the_exact_name():
    layers = {"a.*": 1, "a.b": 5, "a.b.*": 3}
    assert [layer_of(m, layers) for m in ("a", "a.x", "a.b", "a.b.c", "z")] == [1, 1, 5, 3, None]
