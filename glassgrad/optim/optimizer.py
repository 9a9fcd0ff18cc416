"""``Optimizer``: the base of every update rule, as ``torch.optim.Optimizer``.

Part III, after ``nn``. Backward leaves a gradient in each parameter's ``.grad``; an optimizer reads it
and changes the parameter in place, under ``no_grad`` (the update is not part of the model's graph).
This file holds what all optimizers share: parameter groups (each group of parameters may carry its own
learning rate and options), per-parameter state (momentum buffers, running averages), ``zero_grad``, and
``state_dict`` / ``load_state_dict`` in PyTorch's layout, so a checkpoint reads the same in both
libraries. It also holds what every update rule would otherwise repeat: the argument checks with
PyTorch's messages (``_check_nonnegative``), the options an old checkpoint lacks (``_setstate_defaults``,
filled by ``__setstate__``), and the start of the per-parameter loop (``_grads_for_update``: skip
parameters without a gradient, maximize, weight decay). So the files next door, one update rule each
(``sgd.py``, ``adam.py``, ``rmsprop.py``, ``adagrad.py``), hold only their rule.

The updates write straight into each parameter's numpy array (``p._array``) and then move its version
counter on, as PyTorch's in-place ``add_``/``addcdiv_`` do: a graph that saved the old value refuses to
run backward instead of silently using the new one.
"""

from __future__ import annotations

import functools
import warnings
from collections import defaultdict
from collections.abc import Iterator
from copy import deepcopy
from itertools import chain

import numpy as np

from glassgrad import dtypes
from glassgrad._html import optimizer_card
from glassgrad.autograd.grad_mode import GRAD_MODE, enable_grad
from glassgrad.autograd.profiler import record_function
from glassgrad.tensor import Tensor

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Marks an option every parameter group must give (PyTorch's ``optimizer.required``)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()

# How PyTorch's "Invalid ..." messages name an option; any other is "Invalid <name> value: ...".
_LABELS = {"lr": "learning rate", "eps": "epsilon value"}


def _use_no_grad(step):
    """Run ``step`` with graph recording off; a ``closure`` it calls turns recording back on itself.
    A profile shows the step as PyTorch's range ``Optimizer.step#SGD.step``."""

    @functools.wraps(step)
    def wrapper(self, closure=None):
        previous = GRAD_MODE.enabled
        GRAD_MODE.enabled = False
        try:
            with record_function(f"Optimizer.step#{type(self).__name__}.step"):
                return step(self, closure)
        finally:
            GRAD_MODE.enabled = previous

    return wrapper


def _run_closure(closure):
    """Re-evaluate the model with the graph recorded (the closure usually calls ``backward``)."""
    if closure is None:
        return None
    with enable_grad():
        return closure()


def _scalar_state(value: float = 0.0) -> Tensor:
    """The ``step`` counter: a 0-d float tensor of the default float dtype, as PyTorch keeps it."""
    return Tensor._wrap(np.array(value, dtype=dtypes.get_default_dtype().numpy))


def _start_state(p_state: dict, param: np.ndarray, *buffers: str, **scalars: float) -> None:
    """A parameter's state at its first step, in PyTorch's key order (its state_dict keeps it): the
    ``step`` counter, then any other 0-d counters (``scalars``), then a zero buffer per name."""
    p_state["step"] = _scalar_state()
    for name, value in scalars.items():
        p_state[name] = _scalar_state(value)
    for name in buffers:
        p_state[name] = Tensor._wrap(np.zeros_like(param))


def _lerp_(start: np.ndarray, end: np.ndarray, weight: float, work: np.ndarray | None = None) -> None:
    """``start ← start + w·(end − start)`` in place, as PyTorch's ``lerp_``: it uses that form for
    w < 0.5 and ``end − (end − start)·(1 − w)`` otherwise, each exact at its nearer end, so the
    running averages round as PyTorch's do. ``work`` (an array like ``start``, from ``_Scratch``) takes
    the intermediate instead of a new array; the result is the same to the bit."""
    if work is None:
        work = end - start
    else:
        np.subtract(end, start, out=work)
    if weight < 0.5:
        work *= weight
        start += work
    else:
        work *= 1 - weight
        np.subtract(end, work, out=start)


class _Scratch:
    """Work arrays an update rule writes its intermediates into, so a step runs as in-place ufuncs
    instead of making a new array per operation per parameter (PyTorch's ``foreach`` idea, in numpy).

    ``like(a, k)`` is an uninitialised array of ``a``'s shape and dtype — the k-th one a rule needs at a
    time — carved out of one flat buffer per (dtype, k) that grows to the largest parameter. Each
    optimizer keeps one (``Optimizer._scratch``), so the buffers stay allocated between steps: large
    temporaries cost page faults every time (SGD on 4096×4096: 10.2 → 7.3 ms a step, Adam 60 → 47 ms),
    for the memory of one or two copies of the largest parameter.
    """

    def __init__(self) -> None:
        self._flat: dict = {}   # (dtype, k) -> 1-d buffer
        self._views: dict = {}  # (shape, dtype, k) -> its view into the buffer

    def like(self, a: np.ndarray, k: int = 0) -> np.ndarray:
        key = (a.shape, a.dtype, k)
        view = self._views.get(key)
        if view is None:
            flat = self._flat.get((a.dtype, k))
            if flat is None or flat.size < a.size:
                flat = self._flat[a.dtype, k] = np.empty(a.size, a.dtype)
                self._views = {}  # views of a smaller buffer would keep it alive
            view = self._views[key] = flat[:a.size].reshape(a.shape)
        return view


def _typename(x) -> str:
    if isinstance(x, Tensor):
        return f"{dtypes.SHOWN_AS}." + {"float32": "FloatTensor", "float64": "DoubleTensor"}.get(
            x.dtype.name, "Tensor")
    return f"{type(x).__module__}.{type(x).__qualname__}" if type(x).__module__ != "builtins" \
        else type(x).__qualname__


class Optimizer:
    """Base class of all optimizers.

    ``params`` is an iterable of Tensors, of ``(name, Tensor)`` pairs, or of dicts (parameter groups:
    ``{"params": [...], "lr": 0.1, ...}``, where options missing from a group take ``defaults``).
    Subclasses implement ``step(closure=None)`` and list in ``_setstate_defaults`` the group options a
    checkpoint written before the option existed lacks (with the value that keeps its old behaviour).
    """

    _setstate_defaults: dict = {}

    def __init__(self, params, defaults: dict) -> None:
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors "
                            "or dicts, but got " + _typename(params))
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def _scratch(self) -> _Scratch:
        """This optimizer's work arrays: no part of its state (never saved; made again after loading)."""
        scratch = self.__dict__.get("_work")
        if scratch is None:
            scratch = self._work = _Scratch()
        return scratch

    # --- pickling-style state (what load_state_dict replaces) -----------------------------------------
    def __getstate__(self) -> dict:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict) -> None:
        """Take a state back (``load_state_dict`` ends here), filling what older checkpoints lack.

        Options an update rule gained after a checkpoint was written get the value that reproduces
        the old behaviour (``_setstate_defaults``), and a ``step`` saved as a plain number (PyTorch
        before 1.12) becomes the 0-d tensor the rules expect.
        """
        self.__dict__.update(state)
        self.defaults.setdefault("differentiable", False)
        for group in self.param_groups:
            for name, default in self._setstate_defaults.items():
                group.setdefault(name, default)
            for p in group["params"]:
                p_state = self.state.get(p, {})
                if "step" in p_state and not isinstance(p_state["step"], Tensor):
                    p_state["step"] = _scalar_state(float(p_state["step"]))

    def _repr_html_(self) -> str:
        """What a notebook shows: each group's settings and size, the steps taken, and the state kept per
        parameter. Plain ``repr`` stays PyTorch's."""
        groups = [({k: v for k, v in sorted(g.items()) if k != "params"}, len(g["params"]),
                   sum(p.numel() for p in g["params"])) for g in self.param_groups]
        states = [s for s in self.state.values() if s]
        names = sorted({k for s in states for k in s if k != "step"})
        steps = max((int(s["step"]) for s in states if "step" in s), default=None)
        return optimizer_card(self.__class__.__name__, groups, steps, names)

    def __repr__(self) -> str:
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    # --- parameter groups -----------------------------------------------------------------------------
    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters (with its own options) — e.g. layers unfrozen while fine-tuning."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but "
                            "the ordering of tensors in sets will change between runs. Please use a "
                            "list instead.")
        else:
            param_group["params"] = list(params)

        tensors, names = [], []
        for param in param_group["params"]:
            if isinstance(param, tuple):
                names.append(param[0])
                tensors.append(param[1])
            else:
                tensors.append(param)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. Some param names "
                                 "are missing")
            param_group["param_names"] = names

        for param in tensors:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(param))
            if not self.defaults.get("differentiable", None) and not (param.is_leaf
                                                                      or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization "
                                 f"parameter {name}")
            param_group.setdefault(name, default)

        if len(tensors) != len(set(tensors)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, "
                          "this will cause an error; see github.com/pytorch/pytorch/issues/40967 for "
                          "more information", stacklevel=3)

        seen: set = set()
        for group in self.param_groups:
            seen.update(group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if not seen.isdisjoint(tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # --- gradients ------------------------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients before the next backward (which would otherwise add to them).

        ``set_to_none=True`` (the default) sets ``.grad = None``: a parameter that gets no gradient in
        the next backward is then skipped by ``step`` rather than updated with a zero gradient.
        """
        with record_function(f"Optimizer.zero_grad#{type(self).__name__}.zero_grad"):
            for group in self.param_groups:
                for p in group["params"]:
                    g = p._grad
                    if g is None:
                        continue
                    if set_to_none:
                        p._grad = None
                    else:
                        if g.grad_fn is not None:
                            g.detach_()
                        else:
                            g._requires_grad = False
                        g._array.fill(0)
                        g._vc[0] += 1

    def step(self, closure=None):
        """Update every parameter that has a gradient; ``closure`` re-evaluates the loss (optional)."""
        raise NotImplementedError

    # --- checkpoints ----------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}`` as PyTorch.

        Parameters are numbered in the order the groups list them; the tensors themselves are not
        saved (the model's own ``state_dict`` holds them). The state tensors are returned, not copied.
        """
        mapping: dict = {}
        start = 0

        def pack(group: dict) -> dict:
            nonlocal start
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                mapping.setdefault(id(p), i)
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            return packed

        param_groups = [pack(g) for g in self.param_groups]
        state = {(mapping[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": param_groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore options and state saved by ``state_dict`` into an optimizer over the same parameters.

        Groups are matched by position and must hold as many parameters as when saved. State tensors are
        copied and cast to their parameter's dtype (``step`` keeps its own dtype), as PyTorch does.
        """
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the "
                             "size of optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))

        def cast(param: Tensor, value, key=None):
            if isinstance(value, Tensor):
                if key == "step" or not param.is_floating_point():
                    array = np.array(value._array)
                else:
                    array = np.array(value._array, dtype=param._array.dtype)
                return Tensor._wrap(array)
            if isinstance(value, dict):
                return {k: cast(param, v, k) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(cast(param, v) for v in value)
            return value

        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = cast(param, v)
            else:
                state[k] = v

        def update_group(group: dict, new_group: dict) -> dict:
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            return new_group

        param_groups = [update_group(g, ng) for g, ng in zip(groups, saved_groups)]
        self.__setstate__({"state": state, "param_groups": param_groups})

    # --- what every update rule shares ------------------------------------------------------------------
    @staticmethod
    def _check_nonnegative(*, nan_passes: bool = False, **options) -> None:
        """Refuse an option below zero with PyTorch's message, checked in the order given.

        The messages are PyTorch's: ``Invalid learning rate: -0.1``, ``Invalid epsilon value: -1.0``,
        ``Invalid <name> value: <value>`` for the rest. A Tensor ``lr`` must hold one number (checked
        first, as PyTorch does). PyTorch writes the test as ``not 0.0 <= x``, which refuses NaN too,
        except in SGD, which writes ``x < 0.0`` and lets NaN through: ``nan_passes=True`` is that test.
        """
        for name, value in options.items():
            if name == "lr" and isinstance(value, Tensor) and value.numel() != 1:
                raise ValueError("Tensor lr must be 1-element")
            if value < 0.0 if nan_passes else not 0.0 <= value:
                label = _LABELS.get(name, f"{name} value")
                raise ValueError(f"Invalid {label}: {value}")

    @staticmethod
    def _check_unsupported(differentiable: bool, capturable: bool = False) -> None:
        # glassgrad's updates write into numpy arrays, so they cannot be differentiated, and there is no
        # accelerator graph to capture: refuse rather than silently ignore the request.
        if differentiable:
            raise NotImplementedError("glassgrad optimizers do not support differentiable=True: the "
                                      "update is done in place on numpy arrays, outside the graph")
        if capturable:
            raise NotImplementedError("glassgrad optimizers do not support capturable=True (there is "
                                      "no accelerator graph to capture on the CPU)")

    def _grads_for_update(self, group: dict) -> Iterator[tuple[Tensor, np.ndarray, np.ndarray]]:
        """Yield ``(p, θ, g)`` for each parameter of ``group`` that has a gradient, g ready for the rule.

        What every rule does first (γ = lr, λ = weight_decay), in PyTorch's order::

            skip p                  if p.grad is None   (it took no part in the last backward)
            g ← −g                  if maximize
            θ ← θ·(1 − γλ)          if λ ≠ 0 and decoupled_weight_decay (AdamW: decay the weight itself)
            g ← g + λ·θ             if λ ≠ 0 otherwise  (L2 penalty folded into the gradient)

        θ is the parameter's own array (the rule writes into it); g is a new array whenever it differs
        from ``p.grad``, so ``p.grad`` itself is never changed.
        """
        lr = float(group["lr"])
        weight_decay = float(group["weight_decay"])
        maximize = group["maximize"]
        decoupled = group.get("decoupled_weight_decay", False)
        for p in group["params"]:
            if p._grad is None:
                continue
            param = p._array
            grad = p._grad._array
            if maximize:
                grad = -grad
            if weight_decay != 0:
                if decoupled:
                    param *= 1 - lr * weight_decay
                else:
                    grad = grad + weight_decay * param      # grad.add(param, alpha=λ)
            yield p, param, grad
