"""``torch.multiprocessing``: Python's ``multiprocessing``, with tensors that travel as shared memory.

Part III, after nn: how several processes train one model together (the "hogwild" recipe). Everything
of Python's ``multiprocessing`` is here under its own name (``Process``, ``Queue``, ``Pool``,
``set_start_method``, ``get_context``, ...), plus what PyTorch adds: ``spawn`` (run ``fn(i, *args)`` in
``nprocs`` processes, with a child's exception raised again in the parent) and the sharing strategies.

How a tensor crosses to another process:

- ``t.share_memory_()`` (ops/building.py) moves its numbers, in place, into a ``SharedBlock``: an
  anonymous file mapped MAP_SHARED. ``model.share_memory()`` does it for every parameter and buffer.
- Under ``fork`` the child inherits every mapping: a shared tensor is the same memory (even the same
  ``data_ptr()``), an unshared one is a copy-on-write copy, so the child's changes stay its own.
- Under ``spawn`` (and ``forkserver``, and through any ``Queue`` or ``Pipe``) objects are pickled by
  ``multiprocessing``'s ``ForkingPickler``. For it, and only for it, this module registers how a
  Tensor and a Parameter (and so a Module holding them) are sent: as PyTorch does, the tensor first
  moves into shared memory, then the block's file descriptor and the tensor's dtype, shape, strides and
  offset are sent, and the receiver maps the same block. An optimizer stepping in the child writes
  into memory the parent reads (glassgrad's optimizers all update ``p._array`` in place). A gradient
  is never sent (``.grad`` is allocated lazily in each process, so it is not shared), and a non-leaf
  tensor that requires grad is refused: autograd does not cross processes.

Security: this pickling is for the children a program starts itself, which run its own code and so
are trusted. It has nothing to do with ``glassgrad.save`` / ``glassgrad.load``: checkpoints stay in the
safe format and loading one never unpickles.

Sharing strategies, as PyTorch's on Linux: ``file_descriptor`` (the default) hands the block's
descriptor over (``multiprocessing.reduction.DupFd``); ``file_system`` sends a path instead,
``/proc/<pid>/fd/<fd>``, which the receiver opens. Neither leaves a named file behind: the memory is
freed when the last process holding it lets go. Both need the sender alive until the receiver has
mapped the block (a Process's arguments, a Queue's item read while the sender runs: the usual case).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import tempfile
import traceback
import warnings
from multiprocessing import (Array, AuthenticationError, Barrier, BoundedSemaphore, BufferTooShort, Condition,
                             Event, JoinableQueue, Lock, Manager, Pipe, Pool, Process, ProcessError, Queue, RLock,
                             RawArray, RawValue, Semaphore, SimpleQueue, TimeoutError, Value, active_children,
                             allow_connection_pickling, cpu_count, current_process, freeze_support,
                             get_all_start_methods, get_context, get_logger, get_start_method, log_to_stderr,
                             parent_process, reducer, set_executable, set_forkserver_preload, set_start_method)
from multiprocessing.reduction import DupFd, ForkingPickler

import numpy as np

from glassgrad.nn.parameter import Parameter
from glassgrad.ops.building import SharedBlock, shared_block
from glassgrad.tensor import Tensor

__all__ = ["set_sharing_strategy", "get_sharing_strategy", "get_all_sharing_strategies", "spawn",
           "start_processes", "ProcessContext", "ProcessException", "ProcessRaisedException",
           "ProcessExitedException",
           # Python's multiprocessing, unchanged
           "Array", "AuthenticationError", "Barrier", "BoundedSemaphore", "BufferTooShort", "Condition", "Event",
           "JoinableQueue", "Lock", "Manager", "Pipe", "Pool", "Process", "ProcessError", "Queue", "RLock",
           "RawArray", "RawValue", "Semaphore", "SimpleQueue", "TimeoutError", "Value", "active_children",
           "allow_connection_pickling", "cpu_count", "current_process", "freeze_support",
           "get_all_start_methods", "get_context", "get_logger", "get_start_method", "log_to_stderr",
           "parent_process", "reducer", "set_executable", "set_forkserver_preload", "set_start_method"]


# --- sharing strategies ----------------------------------------------------------------------------------
_all_sharing_strategies = {"file_descriptor", "file_system"}
_sharing_strategy = "file_descriptor"


def set_sharing_strategy(new_strategy: str) -> None:
    """Choose how a shared tensor's block is handed to another process (one of
    ``get_all_sharing_strategies()``)."""
    global _sharing_strategy
    assert new_strategy in _all_sharing_strategies, (
        f"invalid sharing strategy {new_strategy!r}, expected one of {_all_sharing_strategies}")
    _sharing_strategy = new_strategy


def get_sharing_strategy() -> str:
    """The current sharing strategy (``file_descriptor`` unless set)."""
    return _sharing_strategy


def get_all_sharing_strategies() -> set:
    """The sharing strategies this system supports."""
    return _all_sharing_strategies


# --- a tensor sent to another process ----------------------------------------------------------------------
def _layout(tensor: Tensor) -> tuple:
    """Move ``tensor`` into shared memory (as PyTorch does for any tensor it sends) and describe where its
    numbers lie: (how to reach the block, its size, dtype, shape, strides, byte offset)."""
    if tensor._grad_fn is not None and tensor._requires_grad:
        raise RuntimeError("Cowardly refusing to serialize non-leaf tensor which requires_grad, since autograd "
                           "does not support crossing process boundaries.  If you just want to transfer the "
                           "data, call detach() on the tensor before serializing (e.g., putting it on the "
                           "queue).")
    tensor.share_memory_()
    array = tensor._array
    block = shared_block(array)
    start = np.frombuffer(block, np.uint8, count=1).__array_interface__["data"][0]
    offset = array.__array_interface__["data"][0] - start
    if _sharing_strategy == "file_system":  # the path, and the block's identity to check on arrival
        handle = (f"/proc/{os.getpid()}/fd/{block.fd}", os.fstat(block.fd).st_ino)
    else:
        handle = DupFd(block.fd)  # passed with the child's start, or by multiprocessing's resource sharer
    return handle, len(block), array.dtype, array.shape, array.strides, offset


def _map(handle, nbytes: int, dtype, shape: tuple, strides: tuple, offset: int) -> np.ndarray:
    """The receiving side of ``_layout``: map the sender's block and view it as the sender's array."""
    if isinstance(handle, tuple):
        path, identity = handle
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            fd = None
        if fd is not None and os.fstat(fd).st_ino != identity:  # the number was reused for another file
            os.close(fd)
            fd = None
        if fd is None:
            raise RuntimeError("a tensor sent with the 'file_system' sharing strategy was freed by its sender "
                               "before it arrived: keep it alive in the sender until the receiver has it")
    else:
        fd = handle.detach()
    block = SharedBlock.from_fd(fd, nbytes)
    return np.ndarray(shape, dtype, buffer=block, offset=offset, strides=strides)


def rebuild_tensor(layout: tuple, requires_grad: bool) -> Tensor:
    return Tensor._wrap(_map(*layout), requires_grad)


def rebuild_parameter(layout: tuple, requires_grad: bool) -> Parameter:
    return Parameter(Tensor._wrap(_map(*layout)), requires_grad)


def reduce_tensor(tensor: Tensor) -> tuple:
    return rebuild_tensor, (_layout(tensor), tensor._requires_grad)


def reduce_parameter(param: Parameter) -> tuple:
    return rebuild_parameter, (_layout(param), param._requires_grad)


# ForkingPickler is multiprocessing's own pickler (spawn's arguments, Queue, Pipe); pickle.dumps, copy and
# glassgrad.save never see these reducers.
ForkingPickler.register(Tensor, reduce_tensor)
ForkingPickler.register(Parameter, reduce_parameter)


# --- spawn: fn(i, *args) in nprocs processes ---------------------------------------------------------------
class ProcessException(Exception):
    """A process started by ``spawn`` failed: which one (``error_index``) and its pid."""

    def __init__(self, msg: str, error_index: int, error_pid: int) -> None:
        super().__init__(msg)
        self.msg = msg
        self.error_index = error_index
        self.error_pid = error_pid

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.error_pid)


class ProcessRaisedException(ProcessException):
    """A process failed with an exception from the code it ran; the message holds its traceback."""


class ProcessExitedException(ProcessException):
    """A process ended with a non-zero exit code or was killed by a signal."""

    def __init__(self, msg: str, error_index: int, error_pid: int, exit_code: int,
                 signal_name: str | None = None) -> None:
        super().__init__(msg, error_index, error_pid)
        self.exit_code = exit_code
        self.signal_name = signal_name

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.error_pid, self.exit_code, self.signal_name)


def _run(fn, i: int, args: tuple, error_file: str) -> None:
    """What each spawned process runs: ``fn(i, *args)``; an exception's traceback goes to ``error_file``
    (plain text: the parent reads it back, nothing is unpickled) and the process exits with 1."""
    try:
        fn(i, *args)
    except KeyboardInterrupt:
        pass  # the parent stopped us
    except Exception:
        with open(error_file, "w", encoding="utf-8") as file:
            file.write(traceback.format_exc())
        raise SystemExit(1)


class ProcessContext:
    """The processes ``spawn(..., join=False)`` started: ``pids()``, and ``join()`` until it returns True."""

    def __init__(self, processes: list, error_files: list) -> None:
        self.processes = processes
        self.error_files = error_files
        self.sentinels = {process.sentinel: i for i, process in enumerate(processes)}

    def pids(self) -> list:
        return [int(process.pid) for process in self.processes]

    def join(self, timeout: float | None = None, grace_period: float | None = None) -> bool:
        """Wait (up to ``timeout`` seconds) for a process to end. True once all have ended well; False while
        some still run. When one fails, the others are terminated (after ``grace_period`` seconds, if
        given) and its failure is raised: ProcessRaisedException with the child's traceback, or
        ProcessExitedException with its exit code or signal."""
        if not self.sentinels:
            return True
        failed = None
        for sentinel in multiprocessing.connection.wait(list(self.sentinels), timeout=timeout):
            index = self.sentinels.pop(sentinel)
            self.processes[index].join()
            if self.processes[index].exitcode != 0:
                failed = index
                break
        if failed is None:
            return not self.sentinels
        self._stop_the_others(grace_period)
        process, error_file = self.processes[failed], self.error_files[failed]
        if os.path.exists(error_file):
            with open(error_file, encoding="utf-8") as file:
                trace = file.read()
            os.unlink(error_file)
            raise ProcessRaisedException(f"\n\n-- Process {failed} terminated with the following error:\n{trace}",
                                         failed, process.pid)
        code = process.exitcode
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"<Unknown signal {-code}>"
            raise ProcessExitedException(f"process {failed} terminated with signal {name}", failed, process.pid,
                                         code, name)
        raise ProcessExitedException(f"process {failed} terminated with exit code {code}", failed, process.pid,
                                     code)

    def _stop_the_others(self, grace_period: float | None) -> None:
        if grace_period is not None:
            for process in self.processes:
                process.join(grace_period)
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        for process in self.processes:
            process.join(30 if grace_period is None else grace_period)
            if process.is_alive():
                process.kill()
                process.join()


def start_processes(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """Start ``nprocs`` processes running ``fn(i, *args)`` (i = 0 .. nprocs-1) with ``start_method``;
    wait for them (``join=True``, returns None) or return their ``ProcessContext``."""
    context = get_context(start_method)
    processes, error_files = [], []
    for i in range(nprocs):
        with tempfile.NamedTemporaryFile(prefix="glassgrad-errorfile-", suffix=".txt") as file:
            error_file = file.name  # the name only: the child creates the file if it fails
        process = context.Process(target=_run, args=(fn, i, args, error_file), daemon=daemon)
        process.start()
        processes.append(process)
        error_files.append(error_file)
    process_context = ProcessContext(processes, error_files)
    if not join:
        return process_context
    while not process_context.join():
        pass
    return None


def spawn(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """Run ``fn(i, *args)`` in ``nprocs`` fresh processes (start method ``spawn``), i = 0 .. nprocs-1.

    ``fn`` must be defined at the top level of a module (it is pickled). With ``join=True`` (default)
    this waits for all of them and returns None; if one fails, the others are terminated and its
    exception is raised here with the child's traceback (``ProcessRaisedException``). With
    ``join=False`` it returns a ``ProcessContext`` to join later. As PyTorch's, any other
    ``start_method`` gets a FutureWarning and spawn is used (``start_processes`` takes any).
    """
    if start_method != "spawn":
        warnings.warn(f"This method only supports start_method=spawn (got: {start_method}).\nTo use a different "
                      "start_method use:\n\t\t torch.multiprocessing.start_processes(...)", FutureWarning,
                      stacklevel=2)
    return start_processes(fn, args, nprocs, join, daemon, start_method="spawn")
