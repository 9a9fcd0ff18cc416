"""Batches of sequences of different lengths, as ``torch.nn.utils.rnn``.

Part III, nn chapter, read just before ``glassgrad/nn/rnn.py``. A batch of sentences is ragged: one has
3 words, another 7. Two ways to hold it:

- **padded**: one tensor (T, B, *) (or (B, T, *) with ``batch_first``), the short sequences filled up
  to the longest with ``padding_value`` — ``pad_sequence``;
- **packed**: a ``PackedSequence``: the sequences sorted longest first, then read time step by time step,
  keeping only the sequences still running. ``data`` is (Σ lengths, *), and ``batch_sizes[t]`` says how
  many sequences are still running at step t (so its first entry is the batch size). An RNN given a
  PackedSequence runs each sequence for exactly its own length.

Everything here is built from differentiable ops (slicing, cat, stack, index_select), so gradients flow
through packing and unpacking.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from glassgrad import creation
from glassgrad import dtypes
from glassgrad.ops.joining import cat, stack
from glassgrad.tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence",
           "pad_sequence", "unpad_sequence", "pack_sequence", "unpack_sequence"]


def _long(values) -> Tensor:
    return creation.tensor(np.asarray(values, dtype=np.int64), dtype=dtypes.int64)


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The permutation q with q[p[i]] = i (None stays None)."""
    if permutation is None:
        return None
    p = permutation._array
    inverse = np.empty_like(p)
    inverse[p] = np.arange(p.size, dtype=p.dtype)
    return _long(inverse)


class PackedSequence(namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices",
                                                   "unsorted_indices"])):
    """Sequences packed time step by time step: ``data`` (Σ lengths, *), ``batch_sizes`` (T,) int64,
    and the permutation that sorted the batch longest-first (``sorted_indices``) and its inverse
    (``unsorted_indices``), or None when the batch came sorted."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            raise RuntimeError("PackedSequence: batch_sizes is required (build one with "
                               "pack_padded_sequence or pack_sequence)")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> "PackedSequence":
        """Cast ``data`` (``to(dtype)``); the index tensors stay int64."""
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else type(self)(data, self.batch_sizes, self.sorted_indices,
                                                         self.unsorted_indices)

    def cpu(self) -> "PackedSequence":
        return self

    def float(self) -> "PackedSequence":
        return self.to(dtypes.float32)

    def double(self) -> "PackedSequence":
        return self.to(dtypes.float64)

    @property
    def is_cuda(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        return False


# --- the two conversions, on a batch already sorted longest-first ------------------------------------
def _batch_sizes(lengths: np.ndarray) -> np.ndarray:
    """batch_sizes[t] = how many of the (sorted) sequences are longer than t."""
    return (lengths[None, :] > np.arange(int(lengths.max()))[:, None]).sum(1).astype(np.int64)


def _pack(padded: Tensor, batch_sizes: np.ndarray) -> Tensor:
    """(T, B, *) time-major and sorted -> data (Σ batch_sizes, *): row block t is padded[t, :bs_t]."""
    steps = padded.unbind(0)
    return cat([steps[t][:int(bs)] for t, bs in enumerate(batch_sizes)], 0)


def _unpack(data: Tensor, batch_sizes: np.ndarray, padding_value: float = 0.0,
            total_length: int | None = None) -> Tensor:
    """data (Σ batch_sizes, *) -> (T, B, *) time-major, rows past each sequence's end filled."""
    batch = int(batch_sizes[0])
    rest = tuple(data.shape[1:])
    steps, start = [], 0
    for bs in batch_sizes:
        bs = int(bs)
        piece = data[start:start + bs]
        start += bs
        if bs < batch:
            fill = creation.full((batch - bs, *rest), padding_value, dtype=data.dtype)
            piece = cat([piece, fill], 0)
        steps.append(piece)
    if total_length is not None and total_length > len(steps):
        fill = creation.full((batch, *rest), padding_value, dtype=data.dtype)
        steps.extend([fill] * (total_length - len(steps)))
    return stack(steps, 0)


# --- the public functions -----------------------------------------------------------------------------
def pack_padded_sequence(input, lengths, batch_first: bool = False,  # noqa: A002
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch (T, B, *) (or (B, T, *)) whose sequence b has ``lengths[b]`` real steps.

    With ``enforce_sorted=False`` the batch is sorted longest-first here and the permutation kept in
    the result, so ``pad_packed_sequence`` (and an RNN's h_n) come back in the caller's order."""
    lengths = np.asarray(lengths._array if isinstance(lengths, Tensor) else lengths, dtype=np.int64)
    if enforce_sorted:
        if np.any(lengths[:-1] < lengths[1:]):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` "
                               "is True. You can pass `enforce_sorted=False` to pack_padded_sequence "
                               "and/or pack_sequence to sidestep this requirement if you do not need "
                               "ONNX exportability.")
        sorted_indices = None
    else:
        order = np.argsort(-lengths, kind="stable")
        lengths = lengths[order]
        sorted_indices = _long(order)
        input = input.index_select(0 if batch_first else 1, sorted_indices)  # noqa: A001
    if lengths.size == 0 or lengths.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in "
                           "'lengths' that is <= 0")
    if batch_first:
        input = input.transpose(0, 1)  # noqa: A001
    if int(lengths[0]) > input.shape[0]:
        raise RuntimeError(f"Expected sequence length to be larger than or equal to {int(lengths[0])} "
                           f"but got {input.shape[0]}")
    batch_sizes = _batch_sizes(lengths)
    return PackedSequence(_pack(input, batch_sizes), _long(batch_sizes), sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """The inverse of ``pack_padded_sequence``: (padded (T, B, *) or (B, T, *), lengths int64 (B,))."""
    batch_sizes = sequence.batch_sizes._array
    if total_length is not None and total_length < len(batch_sizes):
        raise ValueError("Expected total_length to be at least the length of the longest sequence in "
                         f"input, but got total_length={total_length} and max sequence length being "
                         f"{len(batch_sizes)}")
    padded = _unpack(sequence.data, batch_sizes, padding_value, total_length)
    lengths = (batch_sizes[None, :] > np.arange(int(batch_sizes[0]))[:, None]).sum(1)
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(1, sequence.unsorted_indices)
        lengths = lengths[sequence.unsorted_indices._array]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, _long(lengths)


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences (L_i, *) into (T, B, *) (or (B, T, *)), T = max L_i, filling with
    ``padding_value`` after each sequence (``padding_side="left"``: before it)."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    longest = max(s.shape[0] for s in sequences)
    rows = []
    for s in sequences:
        missing = longest - s.shape[0]
        if missing:
            fill = creation.full((missing, *s.shape[1:]), padding_value, dtype=s.dtype)
            s = cat([s, fill] if padding_side == "right" else [fill, s], 0)
        rows.append(s)
    return stack(rows, 0 if batch_first else 1)


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> list:
    """The inverse of ``pad_sequence``: the list of sequences, each cut to its length."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    lengths = lengths._array if isinstance(lengths, Tensor) else lengths
    return [seq[:int(n)] for seq, n in zip(padded_sequences.unbind(0), lengths)]


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences (L_i, *) directly: ``pack_padded_sequence(pad_sequence(...))``."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The inverse of ``pack_sequence``: the list of sequences in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
