"""``torch.distributed``: glassgrad is one process, so there is no process group to join.

Part III, device surface (docs/part3-device.md). Programs import ``init_process_group`` at the top and
call it only when launched by ``torchrun`` (nanoGPT checks the RANK environment variable), so the names
exist: ``is_available()`` is False, ``is_initialized()`` False, the queries raise PyTorch's error for
an uninitialised group, and ``init_process_group`` says what to do instead: train with PyTorch, after
moving the model there with ``glassgrad.interop.to_torch``."""

from __future__ import annotations

__all__ = ["is_available", "is_initialized", "is_torchelastic_launched", "init_process_group",
           "destroy_process_group", "get_rank", "get_world_size", "get_backend", "barrier", "all_reduce",
           "broadcast", "all_gather"]

NO_DISTRIBUTED = ("glassgrad runs in one process on the CPU and has no torch.distributed: to train on "
                  "several processes or GPUs, move the model (and optimizer) to PyTorch with "
                  "glassgrad.interop.to_torch(model, optimizer) and train it there (docs/scale-out.md).")
_NOT_INITIALIZED = ("Default process group has not been initialized, please make sure to call "
                    "init_process_group.")


def is_available() -> bool:
    return False


def is_initialized() -> bool:
    return False


def is_torchelastic_launched() -> bool:
    return False


def init_process_group(backend=None, init_method=None, timeout=None, world_size: int = -1, rank: int = -1,
                       store=None, group_name: str = "", pg_options=None, device_id=None) -> None:
    raise RuntimeError(NO_DISTRIBUTED)


def destroy_process_group(group=None) -> None:
    raise AssertionError("Process group cannot be None")  # PyTorch's error when none was initialised


def get_rank(group=None) -> int:
    raise ValueError(_NOT_INITIALIZED)


def get_world_size(group=None) -> int:
    raise ValueError(_NOT_INITIALIZED)


def get_backend(group=None) -> str:
    raise ValueError(_NOT_INITIALIZED)


def barrier(group=None, async_op: bool = False, device_ids=None) -> None:
    raise ValueError(_NOT_INITIALIZED)


def all_reduce(tensor, op=None, group=None, async_op: bool = False) -> None:
    raise ValueError(_NOT_INITIALIZED)


def broadcast(tensor, src=None, group=None, async_op: bool = False, group_src=None) -> None:
    raise ValueError(_NOT_INITIALIZED)


def all_gather(tensor_list, tensor, group=None, async_op: bool = False) -> None:
    raise ValueError(_NOT_INITIALIZED)
