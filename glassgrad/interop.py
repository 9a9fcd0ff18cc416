"""``glassgrad.interop`` — moving a model between glassgrad and PyTorch: how a model outgrows glassgrad.

Part III, the last page (docs/scale-out.md walks the whole road): the same architecture exists in both
libraries under the same names (``nn.Linear(64, 10)`` here is ``torch.nn.Linear(64, 10)`` there, with
the same parameter names and shapes), and so do the optimizers and schedulers, with the same
``state_dict`` layout. Moving a training run is building the twins and copying the numbers.

    to_torch(module)                          a built-in layer or a container of them, weights copied
    to_torch(module, optimizer, scheduler)    ... and the optimizer and scheduler, with all their state
                                              (momentum buffers, moments, step counts, learning rates,
                                              param groups): training goes on where it stopped
    from_torch(...)                           the same, the other way
    to_torch_state_dict / from_torch_state_dict   the numbers only, keys unchanged, nested dicts and
                                              lists too (an optimizer's state_dict); for your own
                                              Module subclasses: build the twin yourself, then
                                              ``twin.load_state_dict(to_torch_state_dict(sd))``
    load_into_torch(path) / save_from_torch(obj, path)   a ``glassgrad.save`` checkpoint (JSON and
                                              ``.npy``, never pickle) read as, or written from, PyTorch
                                              objects: ``{"model": ..., "optim": ..., "sched": ...}``
    save_safetensors / load_safetensors       a state_dict as a ``.safetensors`` file, the safe format
                                              PyTorch, JAX and the Hugging Face hub all read

An optimizer's state is keyed by the parameter's position in its groups (0, 1, 2, ... in group order),
so the twin optimizer is built over the twin's parameters in the same order: the parameter the
original optimizer knew as ``module.named_parameters()``'s "fc.weight" becomes the twin's "fc.weight".

torch and safetensors are imported only inside these functions: glassgrad itself needs neither.
Tensors are copied, never shared, so training one twin leaves the other as it was.
"""

from __future__ import annotations

import os
import inspect
from collections import OrderedDict

import numpy as np

import glassgrad.nn as gnn
import glassgrad.optim as goptim
from glassgrad import dtypes, serialization
from glassgrad.tensor import Tensor

__all__ = ["to_torch", "from_torch", "to_torch_state_dict", "from_torch_state_dict", "load_into_torch",
           "save_from_torch", "save_safetensors", "load_safetensors"]

_ACT = ("ReLU", "LeakyReLU", "ELU", "GELU", "SiLU", "Mish", "Tanh", "Sigmoid", "Softmax", "LogSoftmax",
        "Softmin", "Softplus", "Hardtanh", "ReLU6")

# Layer name -> the constructor arguments, read from attributes both libraries share. "bias" means
# "has a bias parameter". A container is rebuilt from its converted children.
_ARGS = {
    "Identity": (),
    "Linear": ("in_features", "out_features", "bias"),
    "Bilinear": ("in1_features", "in2_features", "out_features", "bias"),
    "Conv1d": ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
               "bias", "padding_mode"),
    "Conv2d": ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
               "bias", "padding_mode"),
    "MaxPool1d": ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"),
    "MaxPool2d": ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"),
    "AvgPool1d": ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"),
    "AvgPool2d": ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"),
    "AdaptiveAvgPool1d": ("output_size",),
    "AdaptiveAvgPool2d": ("output_size",),
    "Flatten": ("start_dim", "end_dim"),
    "Unflatten": ("dim", "unflattened_size"),
    "Dropout": ("p", "inplace"), "Dropout1d": ("p", "inplace"), "Dropout2d": ("p", "inplace"),
    "BatchNorm1d": ("num_features", "eps", "momentum", "affine", "track_running_stats", "bias"),
    "BatchNorm2d": ("num_features", "eps", "momentum", "affine", "track_running_stats", "bias"),
    "LayerNorm": ("normalized_shape", "eps", "elementwise_affine", "bias"),
    "Embedding": ("num_embeddings", "embedding_dim", "padding_idx", "max_norm", "norm_type",
                  "scale_grad_by_freq", "sparse"),
    "ReLU": ("inplace",), "LeakyReLU": ("negative_slope", "inplace"), "ELU": ("alpha", "inplace"),
    "GELU": ("approximate",), "SiLU": ("inplace",), "Mish": ("inplace",), "Tanh": (), "Sigmoid": (),
    "Softmax": ("dim",), "LogSoftmax": ("dim",), "Softmin": ("dim",),
    "Softplus": ("beta", "threshold"), "Hardtanh": ("min_val", "max_val", "inplace"),
    "ReLU6": ("inplace",),
}
_CONTAINERS = ("Sequential", "ModuleList", "ModuleDict")


def _torch():
    try:
        import torch
    except ImportError:
        raise ImportError("glassgrad.interop needs PyTorch for this: pip install torch") from None
    return torch


def _kwargs(name: str, module) -> dict:
    out = {}
    for arg in _ARGS[name]:
        if arg == "bias":
            out["bias"] = getattr(module, "bias", None) is not None
        elif not hasattr(module, arg):
            continue
        else:
            out[arg] = getattr(module, arg)
    if name == "Unflatten":
        out["unflattened_size"] = tuple(out["unflattened_size"])
    return out


def _convert(module, source_nn, target_nn, direction: str):
    """Rebuild ``module`` (from ``source_nn``) with ``target_nn``'s classes; weights copied after."""
    cls = type(module)
    name = cls.__name__
    is_builtin = getattr(source_nn, name, None) is cls
    if is_builtin and name in _CONTAINERS:
        children = OrderedDict((k, _convert(m, source_nn, target_nn, direction))
                               for k, m in module.named_children())
        if name == "Sequential":
            twin = target_nn.Sequential(children)
        elif name == "ModuleList":
            twin = target_nn.ModuleList(list(children.values()))
        else:
            twin = target_nn.ModuleDict(children)
    elif is_builtin and name in _ARGS and hasattr(target_nn, name):
        twin = getattr(target_nn, name)(**_kwargs(name, module))
    else:
        helper = "to_torch_state_dict" if direction == "to_torch" else "from_torch_state_dict"
        raise TypeError(
            f"{direction} can't translate {cls.__module__}.{name}: "
            + ("it is your own Module subclass, whose forward is Python code that can't be translated. "
               if not is_builtin else "the other library has no such layer. ")
            + f"Define the same class in the other library, then "
              f"twin.load_state_dict(glassgrad.interop.{helper}(model.state_dict())).")
    return twin


def _numpy_from_torch(t) -> np.ndarray:
    t = t.detach().cpu()
    if str(t.dtype) == "torch.bfloat16" and dtypes.BFLOAT16 is not None:  # numpy meets it as its 16 bits
        return t.view(_torch().int16).numpy().view(dtypes.BFLOAT16).copy()
    if str(t.dtype) not in {f"torch.{d}" for d in dtypes._BY_NAME}:
        raise TypeError(f"glassgrad has no {t.dtype}; convert first, e.g. state_dict[k].float()")
    return t.numpy().copy()


def _map_tensors(obj, convert):
    """``obj`` with every tensor replaced by ``convert(tensor)``, through dicts (of any dict class, key
    order kept), lists and tuples; anything else passed through."""
    if isinstance(obj, dict):
        out = type(obj)()  # a Counter (MultiStepLR's milestones) or an OrderedDict stays one
        for k, v in obj.items():
            out[k] = _map_tensors(v, convert)
        return out
    if isinstance(obj, (list, tuple)):
        return type(obj)(_map_tensors(v, convert) for v in obj)
    return convert(obj)


def _glassgrad_to_torch(torch):
    def convert(v):
        if not isinstance(v, Tensor):
            return v
        if v._array.dtype == dtypes.BFLOAT16:  # torch takes no numpy bfloat16: hand it the 16 bits
            return torch.from_numpy(v._array.view(np.int16).copy()).view(torch.bfloat16)
        return torch.from_numpy(v._array.copy())
    return convert


def _torch_to_glassgrad(torch):
    def convert(v):
        return Tensor._wrap(_numpy_from_torch(v)) if isinstance(v, torch.Tensor) else v
    return convert


def to_torch_state_dict(state_dict) -> OrderedDict:
    """The same keys, each glassgrad tensor copied into a torch tensor (other values passed through),
    also inside nested dicts and lists: a module's or an optimizer's or a scheduler's state_dict."""
    convert = _glassgrad_to_torch(_torch())
    return OrderedDict((k, _map_tensors(v, convert)) for k, v in state_dict.items())


def from_torch_state_dict(state_dict) -> OrderedDict:
    """The same keys, each torch tensor copied into a glassgrad tensor (other values passed through),
    also inside nested dicts and lists."""
    convert = _torch_to_glassgrad(_torch())
    return OrderedDict((k, _map_tensors(v, convert)) for k, v in state_dict.items())


def _copy_weights(source, twin, state_dict) -> None:
    # assign=True keeps each tensor's dtype (a float64 model stays float64). Then, by name: a parameter
    # the source shares between places (tied weights: an embedding and the output layer) becomes one
    # parameter in the twin too, and requires_grad is copied, since load_state_dict(assign=True) takes
    # it from the twin's own.
    twin.load_state_dict(state_dict, strict=True, assign=True)
    first_name: dict = {}
    twin_parameters = dict(twin.named_parameters(remove_duplicate=False))
    for name, p in source.named_parameters(remove_duplicate=False):
        shared = first_name.setdefault(id(p), name)
        if shared != name:
            owner, _, leaf = name.rpartition(".")
            setattr(_submodule(twin, owner), leaf, twin_parameters[shared])
        twin_parameters[shared].requires_grad_(p.requires_grad)
    for m, t in zip(source.modules(), twin.modules()):  # each module's own mode (train() would recurse)
        t.training = m.training


def _submodule(module, dotted: str):
    """The submodule at a dotted path ("" is the module itself), walking attributes as both libraries
    name them ("0.attn" is module's child "0", then its child "attn")."""
    for part in filter(None, dotted.split(".")):
        module = getattr(module, part)
    return module


def to_torch(module, optimizer=None, scheduler=None):
    """A ``torch.nn`` module with the same architecture, mode (train/eval) and weights as ``module``.

    Built-in layers and the containers ``Sequential``, ``ModuleList``, ``ModuleDict`` translate; for a
    Module subclass of your own, write its torch twin and use ``to_torch_state_dict``.

    With ``optimizer`` (one training ``module``'s parameters) the result is ``(module, optimizer)``,
    and with a ``scheduler`` of that optimizer too, ``(module, optimizer, scheduler)``: PyTorch's
    optimizer of the same class over the twin's parameters, in the same groups and order, with the same
    options and state, and PyTorch's scheduler of the same class at the same epoch. The next
    ``optimizer.step()`` in PyTorch is the step glassgrad would have taken.
    """
    torch = _torch()
    twin = _convert(module, gnn, torch.nn, "to_torch")
    _copy_weights(module, twin, to_torch_state_dict(module.state_dict()))
    return _hand_over(module, twin, optimizer, scheduler, goptim, torch.optim, _glassgrad_to_torch(torch),
                      "to_torch")


def from_torch(module, optimizer=None, scheduler=None):
    """A glassgrad module with the same architecture, mode and weights as the ``torch.nn`` ``module``;
    with ``optimizer`` (and ``scheduler``) also theirs, with all their state, as ``to_torch``."""
    torch = _torch()
    twin = _convert(module, torch.nn, gnn, "from_torch")
    _copy_weights(module, twin, from_torch_state_dict(module.state_dict()))
    return _hand_over(module, twin, optimizer, scheduler, torch.optim, goptim, _torch_to_glassgrad(torch),
                      "from_torch")


# --- optimizers and schedulers ---------------------------------------------------------------------------
# A scheduler's constructor argument -> the attribute it is kept in, where the two names differ.
_SCHEDULER_ATTRIBUTES = {"lr_lambda": "lr_lambdas", "min_lr": "min_lrs"}


def _hand_over(module, twin, optimizer, scheduler, source_optim, target_optim, convert, direction: str):
    """``twin``, or ``(twin, optimizer's twin)``, or ``(twin, optimizer's twin, scheduler's twin)``.

    Order matters: the schedulers' constructors write learning rates (and OneCycleLR momenta) into the
    param groups, so the optimizer's saved state is loaded after the scheduler is built, and the
    scheduler's own state last.
    """
    if optimizer is None:
        if scheduler is not None:
            raise ValueError(f"{direction}: a scheduler needs its optimizer; pass optimizer= as well")
        return twin
    if scheduler is not None and scheduler.optimizer is not optimizer:
        raise ValueError(f"{direction}: the scheduler schedules another optimizer than the one given")
    twin_optimizer = _build_optimizer(module, twin, optimizer, source_optim, target_optim, convert,
                                      direction)
    twin_scheduler = None
    if scheduler is not None:
        twin_scheduler = _build_scheduler(scheduler, twin_optimizer, source_optim, target_optim, convert,
                                          direction)
    twin_optimizer.load_state_dict(_map_tensors(optimizer.state_dict(), convert))
    _keep_state_dtypes(optimizer, twin_optimizer, convert)
    if twin_scheduler is None:
        return twin, twin_optimizer
    wanted = twin_scheduler.state_dict()
    state = {k: v for k, v in scheduler.state_dict().items() if k in wanted}
    twin_scheduler.load_state_dict(_map_tensors(state, convert))
    return twin, twin_optimizer, twin_scheduler


def _keep_state_dtypes(optimizer, twin_optimizer, convert) -> None:
    """Put back each state tensor whose dtype ``load_state_dict`` changed.

    Both libraries' ``load_state_dict`` cast every state tensor but ``step`` to its parameter's dtype,
    so NAdam's ``mu_product`` (kept in the default float dtype, float32) becomes float64 in a float64
    model and the run after loading rounds differently (~1e-10) from the run that never stopped. A
    hand-over keeps the state exactly as it was.
    """
    twin_parameters = [p for group in twin_optimizer.param_groups for p in group["params"]]
    parameters = [p for group in optimizer.param_groups for p in group["params"]]
    for p, twin_p in zip(parameters, twin_parameters):
        twin_state = twin_optimizer.state.get(twin_p, {})
        for key, value in optimizer.state.get(p, {}).items():
            if key in twin_state and getattr(twin_state[key], "dtype", None) is not None:
                exact = convert(value)
                if exact.dtype != twin_state[key].dtype:
                    twin_state[key] = exact


def _twin_class(obj, source_package, target_package, base: str, what: str, direction: str):
    """The target library's class of the same name as ``obj``'s built-in one, or a TypeError saying why."""
    cls = type(obj)
    name = cls.__name__
    target = getattr(target_package, name, None)
    if getattr(source_package, name, None) is not cls:
        raise TypeError(f"{direction} can't translate the {what} {cls.__module__}.{name}: it is not one of "
                        f"the library's own; hand its state over with "
                        f"{'to' if direction == 'to_torch' else 'from'}_torch_state_dict("
                        f"{what}.state_dict()) into a twin you build")
    if target is None or not issubclass(target, getattr(target_package, base)):
        other = "PyTorch" if direction == "to_torch" else "glassgrad"
        raise TypeError(f"{direction} can't translate the {what} {name}: {other} has no {name}")
    return target


def _build_optimizer(module, twin, optimizer, source_optim, target_optim, convert, direction: str):
    """The target library's optimizer of the same class over the twin's parameters, same groups/order."""
    target = _twin_class(optimizer, source_optim, target_optim, "Optimizer", "optimizer", direction)
    names = {id(p): name for name, p in module.named_parameters()}
    twin_parameters = dict(twin.named_parameters())
    groups = []
    for i, group in enumerate(optimizer.param_groups):
        params = []
        for p in group["params"]:
            if id(p) not in names:
                raise ValueError(f"{direction}: the optimizer's param_groups[{i}] holds a tensor that is not "
                                 f"a parameter of the module given; pass the module this optimizer trains")
            params.append(twin_parameters[names[id(p)]])
        groups.append({"params": params})
    accepted = inspect.signature(target.__init__).parameters
    options = {k: _map_tensors(v, convert) for k, v in optimizer.defaults.items() if k in accepted}
    return target(groups, **options)


def _build_scheduler(scheduler, twin_optimizer, source_optim, target_optim, convert, direction: str):
    """The target library's scheduler of the same class on ``twin_optimizer``, its options read back
    from the attributes the constructor stored them in (what they left in the param groups comes back
    with the optimizer's state, loaded afterwards)."""
    target = _twin_class(scheduler, source_optim.lr_scheduler, target_optim.lr_scheduler, "LRScheduler",
                         "scheduler", direction)
    options = {}
    for name in inspect.signature(target.__init__).parameters:
        attribute = _SCHEDULER_ATTRIBUTES.get(name, name)
        if name == "max_lr":  # OneCycleLR keeps it in each param group
            options[name] = [group["max_lr"] for group in scheduler.optimizer.param_groups]
        elif name not in ("self", "optimizer", "last_epoch", "verbose") and hasattr(scheduler, attribute):
            options[name] = _map_tensors(getattr(scheduler, attribute), convert)
    return target(twin_optimizer, **options)


# --- checkpoints: glassgrad.save's files, read and written by PyTorch programs ---------------------------
def load_into_torch(path, map_location=None):
    """Read a ``glassgrad.save`` checkpoint as PyTorch objects: the same dicts, lists and numbers, each
    tensor a ``torch.Tensor``. No pickle: the file is JSON and ``.npy`` arrays, checked before use.

    A checkpoint ``{"model": model.state_dict(), "optim": optimizer.state_dict(), "sched": ...}``
    written by glassgrad (or by a ``torch`` program run on glassgrad) resumes in PyTorch with
    ``model.load_state_dict(ck["model"])``, ``optimizer.load_state_dict(ck["optim"])``, ...
    ``map_location`` is passed to ``Tensor.to`` (e.g. ``"cuda:0"``), as ``torch.load``'s.
    """
    torch = _torch()
    obj = serialization.load(path)
    to_torch_tensor = _glassgrad_to_torch(torch)

    def convert(v):
        v = to_torch_tensor(v)
        return v.to(map_location) if map_location is not None and isinstance(v, torch.Tensor) else v
    return _map_tensors(obj, convert)


def save_from_torch(obj, path) -> None:
    """Write PyTorch objects (state dicts, nested in dicts and lists) as a ``glassgrad.save`` checkpoint,
    which ``glassgrad.load`` reads: the way back from a PyTorch run, to look inside the model again."""
    serialization.save(_map_tensors(obj, _torch_to_glassgrad(_torch())), path)


# --- safetensors ---------------------------------------------------------------------------------------
def _safetensors_numpy():
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError("reading and writing .safetensors files needs the safetensors package: "
                          "pip install safetensors") from None
    return safetensors.numpy


def save_safetensors(state_dict, path, metadata: dict | None = None) -> None:
    """Write a state_dict (name -> tensor) as a ``.safetensors`` file that PyTorch reads with
    ``safetensors.torch.load_file(path)``."""
    st = _safetensors_numpy()
    arrays = {}
    for k, v in state_dict.items():
        if not isinstance(k, str):
            raise TypeError(f"safetensors keys must be strings, got {type(k).__name__} {k!r}")
        if isinstance(v, Tensor):
            v = v._array
        if not isinstance(v, np.ndarray):
            raise TypeError(f"safetensors holds tensors only; {k!r} is a {type(v).__name__}")
        arrays[k] = np.ascontiguousarray(v)
    st.save_file(arrays, os.fspath(path), metadata=metadata)


def load_safetensors(path) -> OrderedDict:
    """Read a ``.safetensors`` file (e.g. a PyTorch state_dict saved with
    ``safetensors.torch.save_file``) as an ordered dict name -> glassgrad tensor, ready for
    ``model.load_state_dict``."""
    st = _safetensors_numpy()
    try:
        arrays = st.load_file(os.fspath(path))
    except (OSError, FileNotFoundError):
        raise
    except Exception as e:  # safetensors raises its own SafetensorError for corrupt files and bf16
        raise ValueError(f"can't read {os.fspath(path)!r} as safetensors: {e}") from None
    out = OrderedDict()
    for k, a in arrays.items():
        dtypes.from_numpy_dtype(a.dtype)  # a clear TypeError for a dtype glassgrad lacks
        out[k] = Tensor._wrap(np.array(a, copy=True) if not a.flags.writeable else a)
    return out
