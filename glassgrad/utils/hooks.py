"""``glassgrad.utils.hooks`` — as ``torch.utils.hooks``: ``RemovableHandle``, what registering a hook
returns (``handle.remove()`` takes the hook away again; a ``with`` block removes it at its end).

Part III, a utility. PyTorch's constructor: ``RemovableHandle(hooks_dict, *, extra_dict=None)`` takes the
next id; the caller stores its hook at ``hooks_dict[handle.id]``. The handles glassgrad's own
``register_hook`` / ``register_forward_hook`` return (``tensor.RemovableHandle``) count as instances too.
"""

from __future__ import annotations

import weakref

from glassgrad.tensor import RemovableHandle as _TensorHandle

__all__ = ["RemovableHandle"]


class _CountsTensorHandles(type):
    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, _TensorHandle) or type.__instancecheck__(cls, obj)


class RemovableHandle(metaclass=_CountsTensorHandles):
    """A handle that removes its hook (at ``id``) from ``hooks_dict`` and any ``extra_dict``."""

    next_id = 0

    def __init__(self, hooks_dict, *, extra_dict=None) -> None:
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = RemovableHandle.next_id
        RemovableHandle.next_id += 1
        if isinstance(extra_dict, dict):
            self.extra_dict_ref = (weakref.ref(extra_dict),)
        elif isinstance(extra_dict, list):
            self.extra_dict_ref = tuple(weakref.ref(d) for d in extra_dict)
        else:
            self.extra_dict_ref = ()

    def remove(self) -> None:
        for ref in (self.hooks_dict_ref, *self.extra_dict_ref):
            hooks = ref()
            if hooks is not None and self.id in hooks:
                del hooks[self.id]

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()
