"""``Module``: the base class of every layer and model, as ``torch.nn.Module``.

Part III, nn chapter; read after ``parameter.py``. A Module is a tree: it owns Parameters (what
the optimizer updates), buffers (state that is saved but not learned, like BatchNorm's running mean)
and child Modules. Assigning an attribute files it in the right dictionary (``__setattr__``), so

    self.fc = Linear(4, 2)      # a child module: its parameters become ours, named "fc.weight", ...

and ``parameters()``, ``state_dict()``, ``train()``, ``to(dtype)`` simply walk that tree. Calling a
module runs its forward pre-hooks, ``forward`` and its forward hooks.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import warnings
from collections import OrderedDict, namedtuple
from collections.abc import Mapping

import numpy as np

from glassgrad import _future, devices, dtypes
from glassgrad._html import module_card
from glassgrad.autograd.grad_mode import GRAD_MODE, no_grad
from glassgrad.creation import empty_like
from glassgrad.nn.backward_hooks import BackwardHooks
from glassgrad.nn.parameter import Parameter, UninitializedTensorMixin
from glassgrad.ops.cast import to_arguments
from glassgrad.tensor import RemovableHandle, Tensor, swap_tensors

__all__ = ["Module"]


def _same_kind(tensor: Tensor, applied: Tensor) -> bool:
    """PyTorch's _has_compatible_shallow_copy_type: can ``tensor.data = applied`` take the new numbers (both
    dense, or both sparse)."""
    return getattr(tensor, "is_sparse", False) == getattr(applied, "is_sparse", False)


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys the model wanted but didn't get, and the extras."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys}, unexpected_keys={self.unexpected_keys})"

    __str__ = __repr__


def _typename(value) -> str:
    """PyTorch's name of a value's type in error messages ('torch.FloatTensor' -> 'glassgrad.FloatTensor')."""
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return value.type()
    return type(value).__name__


def _addindent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


def _made_on_device(init):
    """``init`` run inside ``with device(...)`` when its ``device=`` argument is given (by name or place)."""
    place = list(inspect.signature(init).parameters).index("device")  # counting self

    @functools.wraps(init)
    def made(self, *args, **kwargs):
        where = kwargs.get("device", args[place - 1] if len(args) >= place else None)
        if where is None:
            return init(self, *args, **kwargs)
        with devices.device(where):
            return init(self, *args, **kwargs)
    return made


class Module:
    """Base class for all neural-network modules. Subclass it, assign layers in ``__init__``, write
    ``forward``; call the instance (``model(x)``), not ``forward``, so hooks run."""

    training: bool
    _version = 1

    def __init_subclass__(cls, **kwargs) -> None:
        """glassgrad's layers take PyTorch's ``device=`` (``nn.Linear(2, 3, device="meta")``): their
        ``__init__`` then runs with that device as the default, so every parameter it makes lands there."""
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None and cls.__module__.startswith("glassgrad.") \
                and "device" in inspect.signature(init).parameters:
            cls.__init__ = _made_on_device(init)

    def __init__(self, *args, **kwargs) -> None:
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got an unexpected argument")
        # object.__setattr__: our own __setattr__ needs these dictionaries to exist already.
        set_ = object.__setattr__
        set_(self, "training", True)
        set_(self, "_parameters", {})
        set_(self, "_buffers", {})
        set_(self, "_non_persistent_buffers_set", set())
        set_(self, "_modules", {})
        set_(self, "_forward_hooks", OrderedDict())
        set_(self, "_forward_hooks_always_called", {})
        set_(self, "_forward_hooks_with_kwargs", {})
        set_(self, "_forward_pre_hooks", OrderedDict())
        set_(self, "_forward_pre_hooks_with_kwargs", {})
        set_(self, "_backward_hooks", OrderedDict())
        set_(self, "_backward_pre_hooks", OrderedDict())

    # --- calling --------------------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" '
                                  'function')

    def __call__(self, *args, **kwargs):
        """Run pre-hooks, ``forward``, then forward hooks (a hook's non-None result replaces the value)."""
        if not (self._forward_hooks or self._forward_pre_hooks or self._backward_hooks
                or self._backward_pre_hooks):
            return self.forward(*args, **kwargs)  # the common, fast path
        for hook_id, hook in list(self._forward_pre_hooks.items()):
            if hook_id in self._forward_pre_hooks_with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError("forward pre-hook must return None or a tuple of "
                                           f"(new_args, new_kwargs), but got {result}.")
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        backward_hooks = None
        if (self._backward_hooks or self._backward_pre_hooks) and GRAD_MODE.enabled:
            backward_hooks = BackwardHooks(self, list(self._backward_hooks.values()),
                                           list(self._backward_pre_hooks.values()))
            args = backward_hooks.wrap_inputs(args)
        output = self.forward(*args, **kwargs)
        if backward_hooks is not None:
            output = backward_hooks.wrap_outputs(output)
        for hook_id, hook in list(self._forward_hooks.items()):
            if hook_id in self._forward_hooks_with_kwargs:
                result = hook(self, args, kwargs, output)
            else:
                result = hook(self, args, output)
            if result is not None:
                output = result
        return output

    def register_forward_pre_hook(self, hook, *, prepend: bool = False, with_kwargs: bool = False
                                  ) -> RemovableHandle:
        """``hook(module, args)`` runs before ``forward``; returning a value replaces the inputs."""
        handle = RemovableHandle(self._forward_pre_hooks, hook)
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[handle.id] = True
        if prepend:
            self._forward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_hook(self, hook, *, prepend: bool = False, with_kwargs: bool = False,
                              always_call: bool = False) -> RemovableHandle:
        """``hook(module, args, output)`` runs after ``forward``; returning a value replaces the output."""
        handle = RemovableHandle(self._forward_hooks, hook)
        if with_kwargs:
            self._forward_hooks_with_kwargs[handle.id] = True
        if always_call:
            self._forward_hooks_always_called[handle.id] = True
        if prepend:
            self._forward_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        """``hook(module, grad_input, grad_output)`` runs when the gradients with respect to the module's
        inputs are known; returning a tuple replaces ``grad_input`` (backward_hooks.py)."""
        handle = RemovableHandle(self._backward_hooks, hook)
        if prepend:
            self._backward_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_pre_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        """``hook(module, grad_output)`` runs when the gradients with respect to the outputs arrive;
        returning a tuple replaces ``grad_output``."""
        handle = RemovableHandle(self._backward_pre_hooks, hook)
        if prepend:
            self._backward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_backward_hook(self, hook) -> RemovableHandle:
        """PyTorch's deprecated form; glassgrad runs it as a full backward hook."""
        return self.register_full_backward_hook(hook)

    # --- registration through attribute assignment ----------------------------------------------------
    def __setattr__(self, name: str, value) -> None:
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._remove_from(name, self.__dict__, self._buffers, self._modules,
                              self._non_persistent_buffers_set)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as parameter '{name}' "
                                "(torch.nn.Parameter or None expected)")
            self.register_parameter(name, value)
        else:
            modules = self.__dict__.get("_modules")
            if isinstance(value, Module):
                if modules is None:
                    raise AttributeError("cannot assign module before Module.__init__() call")
                self._remove_from(name, self.__dict__, self._parameters, self._buffers,
                                  self._non_persistent_buffers_set)
                modules[name] = value
            elif modules is not None and name in modules:
                if value is not None:
                    raise TypeError(f"cannot assign '{_typename(value)}' as child module '{name}' "
                                    "(torch.nn.Module or None expected)")
                modules[name] = value
            else:
                buffers = self.__dict__.get("_buffers")
                if buffers is not None and name in buffers:
                    if value is not None and not isinstance(value, Tensor):
                        raise TypeError(f"cannot assign '{_typename(value)}' as buffer '{name}' "
                                        "(torch.Tensor or None expected)")
                    buffers[name] = value
                else:
                    object.__setattr__(self, name, value)

    @staticmethod
    def _remove_from(name: str, *containers) -> None:
        for c in containers:
            if name in c:
                c.discard(name) if isinstance(c, set) else c.pop(name)

    def __getattr__(self, name: str):
        # Only called when normal lookup fails: parameters, buffers and children live in dictionaries.
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            store = d.get(key)
            if store is not None and name in store:
                return store[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._buffers:
            del self._buffers[name]
            self._non_persistent_buffers_set.discard(name)
        elif name in self._modules:
            del self._modules[name]
        else:
            object.__delattr__(self, name)

    def __dir__(self):
        keys = list(type(self).__dict__) + list(itertools.chain.from_iterable(
            dir(c) for c in type(self).__mro__[1:] if c is not object))
        keys += list(self.__dict__) + list(self._parameters) + list(self._modules) + list(self._buffers)
        return sorted(k for k in set(keys) if not k[0].isdigit())

    @staticmethod
    def _check_name(kind: str, name) -> None:
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError(f'{kind} name can\'t contain "."')
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Keep a tensor that is state but not learned (saved in state_dict unless persistent=False)."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        self._check_name("buffer", name)
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{_typename(tensor)}' object to buffer '{name}' "
                            "(torch Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or None, a declared but absent one such as ``bias=False``)."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        self._check_name("parameter", name)
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None:
            if not isinstance(param, Parameter):
                raise TypeError(f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                                "(torch.nn.Parameter or None required)")
            if param.grad_fn is not None:
                raise ValueError(f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters "
                                 f"must be created explicitly. To express '{name}' as a function of "
                                 "another Tensor, compute the value in the forward() method.")
        self._parameters[name] = param

    def add_module(self, name: str, module: "Module | None") -> None:
        """Add a child module (what ``self.name = module`` does)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        self._check_name("module", name)
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target: str) -> "Module":
        """The module at a dotted path such as ``"encoder.0"``; ``""`` is self."""
        mod = self
        for item in target.split(".") if target else []:
            if not hasattr(mod, item):
                raise AttributeError(f"{mod._get_name()} has no attribute `{item}`")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        return mod

    def get_parameter(self, target: str) -> Parameter:
        module_path, _, name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if name not in mod._parameters:
            raise AttributeError(f"{mod._get_name()} has no parameter `{name}`")
        return mod._parameters[name]

    # --- walking the tree -----------------------------------------------------------------------------
    def named_modules(self, memo: set | None = None, prefix: str = "", remove_duplicate: bool = True):
        """Yield (dotted name, module) for self and every descendant, each module once."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            sub = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, sub, remove_duplicate)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        seen = set()
        for name, module in self._modules.items():
            if module is not None and module not in seen:
                seen.add(module)
                yield name, module

    def children(self):
        for _, m in self.named_children():
            yield m

    def _named_members(self, get_members, prefix: str = "", recurse: bool = True,
                       remove_duplicate: bool = True):
        seen = set()
        modules = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse
                   else [(prefix, self)])
        for module_prefix, module in modules:
            for name, value in get_members(module):
                if value is None or (remove_duplicate and value in seen):
                    continue
                if remove_duplicate:
                    seen.add(value)
                yield module_prefix + ("." if module_prefix else "") + name, value

    def named_parameters(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        """Yield (dotted name, parameter); a parameter shared by two modules comes once."""
        yield from self._named_members(lambda m: m._parameters.items(), prefix, recurse,
                                       remove_duplicate)

    def parameters(self, recurse: bool = True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        yield from self._named_members(lambda m: m._buffers.items(), prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def apply(self, fn) -> "Module":
        """Call ``fn(m)`` on every child (recursively), then on self. Typical use: custom init."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # --- modes and gradients ---------------------------------------------------------------------------
    def train(self, mode: bool = True) -> "Module":
        """Training mode (Dropout drops, BatchNorm uses batch statistics) for self and all children."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self) -> "Module":
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget accumulated gradients: ``.grad = None`` (default) or fill them with zeros."""
        for p in self.parameters():
            if p._grad is not None:
                if set_to_none:
                    p._grad = None
                else:
                    p._grad.grad_fn = None
                    p._grad._requires_grad = False
                    p._grad._array[...] = 0

    # --- dtype conversion ------------------------------------------------------------------------------
    def _apply(self, fn) -> "Module":
        """Replace every parameter's and buffer's value by ``fn(tensor)``, as PyTorch does.

        By default each parameter object stays and takes the new numbers (``param.data = new``), so an
        optimizer that holds the parameters still sees them. ``torch.__future__`` changes that: with
        ``set_swap_module_params_on_conversion(True)`` the parameter object stays and swaps its whole
        contents with ``Parameter(new)`` (``swap_tensors``: a tensor subclass's own fields are converted
        too); with ``set_overwrite_module_params_on_conversion(True)`` a new Parameter takes its place."""
        for module in self.children():
            module._apply(fn)
        swap = _future.get_swap_module_params_on_conversion()
        overwrite = _future.get_overwrite_module_params_on_conversion()
        for key, param in self._parameters.items():
            if param is None:
                continue
            with no_grad():
                applied = fn(param)
            grad = param._grad
            if swap:
                try:
                    param._grad = None
                    swap_tensors(param, Parameter(applied, requires_grad=param.requires_grad))
                except Exception as e:
                    param._grad = grad
                    raise RuntimeError(f"_apply(): Couldn't swap {self._get_name()}.{key}") from e
                out = param
            elif not overwrite and _same_kind(param, applied):
                param._array = applied._array  # param.data = applied: the same object, new numbers
                out = param
            else:
                out = self._parameters[key] = Parameter(applied, param.requires_grad)
            if grad is not None:
                with no_grad():
                    grad_applied = fn(grad)
                if swap:
                    grad_applied.requires_grad_(grad.requires_grad)
                    swap_tensors(grad, grad_applied)
                    out._grad = grad
                elif not overwrite and _same_kind(grad, grad_applied):
                    out._grad._array = grad_applied._array
                else:
                    out._grad = grad_applied
        for name, b in self._buffers.items():
            if b is not None:
                self._buffers[name] = fn(b)
        return self

    def share_memory(self) -> "Module":
        """Move every parameter, gradient and buffer into shared memory (``Tensor.share_memory_``), so
        processes started from here train this very model (torch.multiprocessing, the hogwild recipe)."""
        return self._apply(lambda t: t.share_memory_())

    def to(self, *args, **kwargs) -> "Module":
        """``to(dtype)`` casts floating-point parameters and buffers; ``to("cpu")`` is a no-op."""
        dtype, to_meta = to_arguments(args, kwargs, "to() received an invalid combination of arguments:")
        if to_meta is not None:  # to("meta") drops every number; to("cpu") from meta has none to copy
            self._apply(lambda t: t.to("meta" if to_meta else "cpu"))
        if dtype is None:
            return self
        dtype = dtypes.to_dtype(dtype)
        if not dtype.is_floating_point:
            raise TypeError("nn.Module.to only accepts floating point or complex dtypes, but got "
                            f"desired dtype={dtype}")
        return self._apply(lambda t: t.to(dtype) if t.is_floating_point() else t)

    def to_empty(self, *, device, recurse: bool = True) -> "Module":
        """Give every parameter and buffer new, uninitialised storage on ``device`` (zeros here, as
        ``empty``): how a model built on the meta device gets numbers to load or initialise."""
        if not recurse:
            raise NotImplementedError("to_empty(recurse=False) is not supported by glassgrad")
        return self._apply(lambda t: empty_like(t, device=device))

    def float(self) -> "Module":
        return self.to(dtypes.float32)

    def double(self) -> "Module":
        return self.to(dtypes.float64)

    def half(self) -> "Module":
        return self.to(dtypes.float16)

    def bfloat16(self) -> "Module":
        return self.to(dtypes.bfloat16)

    def type(self, dst_type) -> "Module":
        return self._apply(lambda t: t.to(dst_type))

    def cpu(self) -> "Module":
        return self

    def cuda(self, device=None) -> "Module":
        """As PyTorch built without CUDA: an AssertionError (a device index: no accelerator)."""
        if device is not None and not isinstance(device, str):
            raise RuntimeError("Cannot access accelerator device when none is available.")
        raise AssertionError("Torch not compiled with CUDA enabled")

    # --- saving and loading ------------------------------------------------------------------------------
    def _save_to_state_dict(self, destination: dict, prefix: str, keep_vars: bool) -> None:
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if keep_vars else b.detach()

    def state_dict(self, *args, destination=None, prefix: str = "", keep_vars: bool = False):
        """An ordered dict name -> tensor of every parameter and persistent buffer, e.g. ``'0.weight'``,
        ``'bn.running_mean'``. The tensors share memory with the model (detached unless keep_vars)."""
        if destination is None:
            destination = OrderedDict()
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".",
                                  keep_vars=keep_vars)
        return destination

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs, assign: bool = False) -> None:
        """Copy this module's own entries from ``state_dict``; note what is missing or unexpected."""
        persistent = {k: v for k, v in self._buffers.items()
                      if k not in self._non_persistent_buffers_set}
        local_state = {k: v for k, v in itertools.chain(self._parameters.items(), persistent.items())
                       if v is not None}
        for name, param in local_state.items():
            key = prefix + name
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            value = state_dict[key]
            if not isinstance(value, Tensor):
                error_msgs.append(f'While copying the parameter named "{key}", expected torch.Tensor '
                                  f"or Tensor-like object from checkpoint but received {type(value)}")
                continue
            if value.shape != param.shape:
                error_msgs.append(f"size mismatch for {key}: copying a param with shape {value.shape} "
                                  f"from checkpoint, the shape in current model is {param.shape}.")
                continue
            if param.is_meta and not value.is_meta and not assign:
                warnings.warn(f"for {key}: copying from a non-meta parameter in the checkpoint to a meta "
                              "parameter in the current model, which is a no-op. (Did you mean to pass "
                              "`assign=True` to assign items in the state dictionary to their corresponding "
                              "key in the module instead of copying them in place?)", UserWarning, stacklevel=3)
                continue
            if value.is_meta and not param.is_meta:
                error_msgs.append(f'While copying the parameter named "{key}", whose dimensions in the model '
                                  f"are {param.shape} and whose dimensions in the checkpoint are "
                                  f"{value.shape}, an exception occurred : ('Cannot copy out of meta tensor; "
                                  "no data!',).")
                continue
            if _future.get_swap_module_params_on_conversion():
                self._swap_in(name, param, value, assign, key, error_msgs)
                continue
            if assign:
                if name in self._parameters:
                    setattr(self, name, Parameter(value.detach(), param.requires_grad))
                else:
                    self._buffers[name] = value
                continue
            np.copyto(param._array, value._array, casting="unsafe")
            param._vc[0] += 1
        if strict:
            for key in state_dict:
                if key.startswith(prefix):
                    input_name = key[len(prefix):].split(".", 1)
                    if input_name[0] not in self._modules and input_name[0] not in local_state:
                        unexpected_keys.append(key)

    @staticmethod
    def _swap_in(name: str, param: Tensor, value: Tensor, assign: bool, key: str, error_msgs: list) -> None:
        """``load_state_dict`` under the swap switch: ``param.module_load(value, assign)`` says what the
        parameter becomes (a subclass can transform it in ``__torch_function__``), and the parameter
        object swaps contents with that, keeping its identity."""
        try:
            new = param.module_load(value, assign=assign)
            if new is value or new is param:
                raise RuntimeError("module_load returned one of self or other, please .detach() the result "
                                   "if returning one of the inputs in module_load")
            if isinstance(param, Parameter):
                if not isinstance(new, Parameter):
                    new = Parameter(new, requires_grad=param.requires_grad)
                else:
                    new.requires_grad_(param.requires_grad)
            swap_tensors(param, new)
        except Exception as e:  # noqa: BLE001  (PyTorch reports every failure the same way)
            error_msgs.append(f'While copying the parameter named "{key}", whose dimensions in the model are '
                              f"{param.shape} and whose dimensions in the checkpoint are {value.shape}, an "
                              f"exception occurred : {e.args}.")

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False) -> _IncompatibleKeys:
        """Copy parameters and buffers from ``state_dict`` into this model (shapes must match).

        With ``strict=True`` missing or unexpected keys are an error, in PyTorch's words; either way the
        result names them: ``_IncompatibleKeys(missing_keys=[...], unexpected_keys=[...])``.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        state_dict = OrderedDict(state_dict)  # BatchNorm may add a key; never change the caller's dict
        missing, unexpected, error_msgs = [], [], []

        def load(module: Module, prefix: str = "") -> None:
            module._load_from_state_dict(state_dict, prefix, {}, True, missing, unexpected, error_msgs,
                                         assign)
            for name, child in module._modules.items():
                if child is not None:
                    load(child, prefix + name + ".")

        with no_grad():
            load(self)
        if strict:
            if unexpected:
                error_msgs.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in unexpected)))
            if missing:
                error_msgs.insert(0, "Missing key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in missing)))
        if error_msgs:
            raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
                type(self).__name__, "\n\t".join(error_msgs)))
        return _IncompatibleKeys(missing, unexpected)

    # --- printing -------------------------------------------------------------------------------------
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr (its settings); override it."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({key}): " + _addindent(repr(module), 2) for key, module in self._modules.items()]
        lines = extra_lines + child_lines
        main = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main += extra_lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"

    def _repr_html_(self) -> str:
        """What a notebook shows: the module tree, each module's settings, its parameters' shapes and
        how many numbers each subtree holds. Plain ``repr`` stays PyTorch's."""
        def size(p) -> int:  # a lazy module's parameter has no shape until its first forward
            return 0 if isinstance(p, UninitializedTensorMixin) else p.numel()

        def shape(p):
            return "uninitialized" if isinstance(p, UninitializedTensorMixin) else p.shape

        rows = []
        for name, module in self.named_modules():
            depth = name.count(".") + 1 if name else 0
            own = [(p_name, shape(p), size(p)) for p_name, p in module.named_parameters(recurse=False)]
            subtree = sum(size(p) for p in module.parameters())
            extra = module.extra_repr().replace("\n", ", ")
            rows.append((depth, name.rpartition(".")[2], f"{module._get_name()}({extra})", own, subtree))
        params = list(self.parameters())
        total = sum(size(p) for p in params)
        trainable = sum(size(p) for p in params if p.requires_grad)
        return module_card(self._get_name(), rows, total, trainable)
