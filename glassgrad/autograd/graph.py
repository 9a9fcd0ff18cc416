"""``glassgrad.autograd.graph`` — as ``torch.autograd.graph``: the type of every backward node, and the
hooks that decide how saved tensors are kept.

Part III. ``isinstance(y.grad_fn, glassgrad.autograd.graph.Node)`` is true for every ``grad_fn`` and
every ``AccumulateGrad``; the class itself lives in ``function.py`` beside the nodes it is the base of.
``saved_tensors_hooks(pack, unpack)`` and ``save_on_cpu()`` are context managers over the stack of hooks
in ``saved_tensors.py`` (read it for what pack and unpack see).
"""

from glassgrad.autograd import saved_tensors
from glassgrad.autograd.function import Node

__all__ = ["Node", "saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks"]


class saved_tensors_hooks:  # noqa: N801 (PyTorch's name)
    """While active, every tensor an operation saves for backward is kept as ``pack_hook(tensor)``, and
    backward reads it back as ``unpack_hook(that)`` (which must return a Tensor). Nested uses: the
    innermost pair applies."""

    def __init__(self, pack_hook, unpack_hook) -> None:
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self) -> None:
        if saved_tensors.DISABLED:
            raise RuntimeError(saved_tensors.DISABLED[-1])
        saved_tensors.HOOKS.append((self.pack_hook, self.unpack_hook))

    def __exit__(self, *exc) -> None:
        saved_tensors.HOOKS.pop()


class save_on_cpu(saved_tensors_hooks):  # noqa: N801
    """Keep saved tensors in CPU memory until backward needs them: pack copies a tensor to the CPU and
    unpack moves it back to its device. glassgrad lives on the CPU, so the copy is the tensor itself;
    ``pin_memory`` is accepted and changes nothing here."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        def pack_to_cpu(tensor):
            return tensor.device, tensor.cpu()

        def unpack_from_cpu(packed):
            device, tensor = packed
            return tensor.to(device)

        super().__init__(pack_to_cpu, unpack_from_cpu)


class disable_saved_tensors_hooks:  # noqa: N801
    """Within it, entering ``saved_tensors_hooks`` raises ``RuntimeError(error_message)``."""

    def __init__(self, error_message: str) -> None:
        self.error_message = error_message

    def __enter__(self) -> None:
        saved_tensors.DISABLED.append(self.error_message)

    def __exit__(self, *exc) -> None:
        saved_tensors.DISABLED.pop()
