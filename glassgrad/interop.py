"""``glassgrad.interop`` — moving a model between glassgrad and PyTorch: how a model outgrows glassgrad.

Part III, the last page: the same architecture exists in both libraries under the same names
(``nn.Linear(64, 10)`` here is ``torch.nn.Linear(64, 10)`` there, with the same parameter names and
shapes), so moving a model is building the twin and copying the numbers.

    to_torch(module) / from_torch(module)     a built-in layer or a container of them, weights copied
    to_torch_state_dict / from_torch_state_dict   the numbers only, keys unchanged; for your own
                                              Module subclasses: build the twin yourself, then
                                              ``twin.load_state_dict(to_torch_state_dict(sd))``
    save_safetensors / load_safetensors       a state_dict as a ``.safetensors`` file, the safe format
                                              PyTorch, JAX and the Hugging Face hub all read

torch and safetensors are imported only inside these functions: glassgrad itself needs neither.
Tensors are copied, never shared, so training one twin leaves the other as it was.
"""

from __future__ import annotations

import os
from collections import OrderedDict

import numpy as np

import glassgrad.nn as gnn
from glassgrad import dtypes
from glassgrad.tensor import Tensor

__all__ = ["to_torch", "from_torch", "to_torch_state_dict", "from_torch_state_dict",
           "save_safetensors", "load_safetensors"]

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
    if str(t.dtype) not in {f"torch.{d}" for d in dtypes._BY_NAME}:
        raise TypeError(f"glassgrad has no {t.dtype}; convert first, e.g. state_dict[k].float()")
    return t.numpy().copy()


def to_torch_state_dict(state_dict) -> OrderedDict:
    """The same keys, each glassgrad tensor copied into a torch tensor (other values passed through)."""
    torch = _torch()
    return OrderedDict((k, torch.from_numpy(v._array.copy()) if isinstance(v, Tensor) else v)
                       for k, v in state_dict.items())


def from_torch_state_dict(state_dict) -> OrderedDict:
    """The same keys, each torch tensor copied into a glassgrad tensor (other values passed through)."""
    torch = _torch()
    return OrderedDict((k, Tensor._wrap(_numpy_from_torch(v)) if isinstance(v, torch.Tensor) else v)
                       for k, v in state_dict.items())


def _copy_weights(source, twin, state_dict) -> None:
    # assign=True keeps each tensor's dtype (a float64 model stays float64); requires_grad is copied
    # parameter by parameter, since load_state_dict(assign=True) takes it from the twin's own.
    twin.load_state_dict(state_dict, strict=True, assign=True)
    for (name, p), (_, q) in zip(source.named_parameters(), twin.named_parameters()):
        q.requires_grad_(p.requires_grad)
    for m, t in zip(source.modules(), twin.modules()):  # each module's own mode (train() would recurse)
        t.training = m.training


def to_torch(module):
    """A ``torch.nn`` module with the same architecture, mode (train/eval) and weights as ``module``.

    Built-in layers and the containers ``Sequential``, ``ModuleList``, ``ModuleDict`` translate; for a
    Module subclass of your own, write its torch twin and use ``to_torch_state_dict``.
    """
    torch = _torch()
    twin = _convert(module, gnn, torch.nn, "to_torch")
    _copy_weights(module, twin, to_torch_state_dict(module.state_dict()))
    return twin


def from_torch(module):
    """A glassgrad module with the same architecture, mode and weights as the ``torch.nn`` ``module``."""
    torch = _torch()
    twin = _convert(module, torch.nn, gnn, "from_torch")
    _copy_weights(module, twin, from_torch_state_dict(module.state_dict()))
    return twin


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
