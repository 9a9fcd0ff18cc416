"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their one-step ``RNNCell``, ``LSTMCell``, ``GRUCell``,
as in ``torch.nn``.

Part III, nn chapter, after ``linear.py`` (and ``utils/rnn.py``, which packs ragged batches). A recurrent
layer reads a sequence x_1 … x_T one step at a time and carries a hidden state h_t from step to step;
the same weights are used at every step. Each step is built from ops the chapter already has (``linear``,
``sigmoid``, ``tanh``, ``chunk``), so backward is backpropagation *through time* without a line of its
own: the engine walks the unrolled graph.

The step rules (PyTorch's gate order and two bias vectors, b_ih and b_hh):

    RNN    h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)                (or relu)
    LSTM   i, f, g, o = chunks of  x W_ihᵀ + b_ih + h W_hhᵀ + b_hh
           c' = σ(f)·c + σ(i)·tanh(g);   h' = σ(o)·tanh(c')          (h' W_hrᵀ if proj_size > 0)
    GRU    r = σ(x_r + h_r);  z = σ(x_z + h_z);  n = tanh(x_n + r·h_n)   (x_· = chunks of x W_ihᵀ + b_ih,
           h' = (1 − z)·n + z·h                                        h_· = chunks of h W_hhᵀ + b_hh)

``x W_ihᵀ`` does not depend on h, so it is computed for all T steps in one matmul before the loop;
only ``h W_hhᵀ`` stays inside it. Layer l > 0 reads layer l − 1's outputs (both directions concatenated
when bidirectional); the reverse direction reads the sequence from its end.

An LSTM layer without projection or packing is one node, LSTMLayer: its forward and backward through
time written out in numpy (about ten numpy calls a step each way, where the unrolled graph records a
dozen ops a step and walks them back); the other cases unroll the step ops above.

"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from glassgrad import creation
from glassgrad.autograd.engine import grad as autograd_grad
from glassgrad.autograd.function import Primitive
from glassgrad.nn import functional as F
from glassgrad.nn import init
from glassgrad.nn.module import Module
from glassgrad.nn.parameter import Parameter
from glassgrad.nn.utils.rnn import PackedSequence, _pack, _unpack
from glassgrad.ops.elementwise import where
from glassgrad.tensor import Tensor
from glassgrad.ops.joining import cat, stack

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


# --- one time step of each kind; xw = x W_ihᵀ + b_ih is already computed ------------------------------
def _rnn_step(xw, h, w_hh, b_hh, relu: bool):
    pre = xw + F.linear(h, w_hh, b_hh)
    return pre.relu() if relu else pre.tanh()


def _lstm_step(xw, h, c, w_hh, b_hh, w_hr=None):
    i, f, g, o = (xw + F.linear(h, w_hh, b_hh)).chunk(4, 1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    h = o.sigmoid() * c.tanh()
    return (h if w_hr is None else F.linear(h, w_hr)), c


class LSTMLayer(Primitive):
    """One LSTM layer and direction over a whole sequence, as one node (the fast path of RNNBase._run).

    Forward, for t = 1 … T, with z_t = x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh split into i, f, g, o:
        c_t = σ(f)·c_{t−1} + σ(i)·tanh(g);   h_t = σ(o)·tanh(c_t)
    σ and tanh in one call: σ(z) = ½·tanh(z/2) + ½, so with s = ½ on the i, f, o rows and 1 on the g rows,
    every gate is s·tanh(s·z) + (1 − s); the s inside is folded into the weights once per forward.

    Backward through time, from t = T down to 1 (ĥ, ĉ: ∂L/∂h_t, ∂L/∂c_t, each gate its activated value):
        ĥ_t = ∂L/∂out_t + (∂L/∂z_{t+1}) W_hh;   ĉ_t = ĉ_{t+1}·f_{t+1} + ĥ_t·o·(1 − tanh²c_t)
        ∂L/∂z_t = [ĉ·g·i(1−i),  ĉ·c_{t−1}·f(1−f),  ĉ·i·(1−g²),  ĥ·tanh(c_t)·o(1−o)]
    then for all steps at once: ∂L/∂W_ih = Σ_t ∂z_tᵀ x_t, ∂L/∂W_hh = Σ_t ∂z_tᵀ h_{t−1},
    ∂L/∂b = Σ_t ∂z_t, ∂L/∂x_t = ∂z_t W_ih, and ∂L/∂h_0, ∂L/∂c_0 where the recursion ends.

    The output is one array (T + 1, B, H): rows 0 … T−1 are h_t in the order of x, row T is c_T. With
    ``reverse`` the layer reads x from its end (the backward direction of a bidirectional LSTM).
    With create_graph=True, backward differentiates the same layer built from the step ops instead
    (_lstm_layer_unrolled), so second derivatives are there as before.
    """

    node_name = "MkldnnRnnLayerBackward0"  # PyTorch's node for a CPU LSTM layer

    @staticmethod
    def forward(ctx, x_in, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse):
        x = x_in[::-1] if reverse else x_in
        steps, batch, hidden = x.shape[0], h0.shape[0], h0.shape[1]
        s = np.full((4, 1, hidden), 0.5, dtype=x.dtype)
        s[2] = 1  # the g rows: tanh itself
        s = s.reshape(4 * hidden)
        bias = 0 if b_ih is None else (b_ih + b_hh) * s
        gates = x.reshape(steps * batch, -1) @ (w_ih.T * s)
        gates += bias  # in place: one (T·B, 4H) array fewer to fault in
        gates = gates.reshape(steps, batch, 4 * hidden)
        w_hh_t = np.ascontiguousarray(w_hh.T * s)
        offset = 1 - s
        hs = np.empty((steps + 1, batch, hidden), dtype=x.dtype)
        cs = np.empty((steps + 1, batch, hidden), dtype=x.dtype)
        tanh_cs = np.empty((steps, batch, hidden), dtype=x.dtype)
        hs[0], cs[0] = h0, c0
        ig = np.empty((batch, hidden), dtype=x.dtype)
        hw = np.empty((batch, 4 * hidden), dtype=x.dtype)
        for t in range(steps):
            z = gates[t]  # becomes the activated gates i, f, g, o of this step (kept for backward)
            z += np.matmul(hs[t], w_hh_t, out=hw)
            np.tanh(z, out=z)
            z *= s
            z += offset
            i, f, g, o = (z[:, k * hidden:(k + 1) * hidden] for k in range(4))
            np.multiply(f, cs[t], out=cs[t + 1])
            np.multiply(i, g, out=ig)
            cs[t + 1] += ig
            np.tanh(cs[t + 1], out=tanh_cs[t])
            np.multiply(o, tanh_cs[t], out=hs[t + 1])
        if ctx.needs_input_grad:
            ctx.save_for_backward(x_in, h0, c0, w_ih, w_hh, b_ih, b_hh, gates, hs, cs, tanh_cs)
            ctx.reverse = reverse
        out = np.empty((steps + 1, batch, hidden), dtype=x.dtype)
        out[:steps] = hs[:0:-1] if reverse else hs[1:]
        out[steps] = cs[steps]
        return out

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, Tensor):  # create_graph=True: differentiate the unrolled layer instead
            inputs = ctx.saved_tensors[:7]
            needs = ctx.needs_input_grad[:7]
            wanted = [t for t, need in zip(inputs, needs) if need]
            grads = iter(autograd_grad(_lstm_layer_unrolled(*inputs, ctx.reverse), wanted, grad,
                                       create_graph=True, allow_unused=True))
            return tuple(next(grads) if need else None for need in needs) + (None,)
        x, _, _, w_ih, w_hh, _, _, gates, hs, cs, tanh_cs = ctx.saved_tensors
        need_x, need_h0, need_c0, need_w_ih, need_w_hh, need_b_ih, need_b_hh = ctx.needs_input_grad[:7]
        steps, batch, hidden = tanh_cs.shape
        grad_h = grad[steps - 1::-1] if ctx.reverse else grad[:steps]  # in the order the steps ran
        x = x[::-1] if ctx.reverse else x
        gates4 = gates.reshape(steps, batch, 4, hidden)
        i, f, g, o = (gates4[:, :, k] for k in range(4))
        # ∂z_t / ∂c_t for the i, f, g rows, and ∂z_t / ∂h_t for the o rows, for all steps at once
        # (one work array for the factors: a new (T, B, H) temporary per factor is fresh memory each
        # step, and its page faults cost more than the arithmetic)
        slopes = np.empty_like(gates4)
        s_i, s_f, s_g, s_o = (slopes[:, :, k] for k in range(4))
        work = np.empty_like(tanh_cs)
        np.multiply(g, i, out=s_i)
        s_i *= np.subtract(1, i, out=work)                   # g·i(1 − i)
        np.multiply(cs[:-1], f, out=s_f)
        s_f *= np.subtract(1, f, out=work)                   # c_{t−1}·f(1 − f)
        np.subtract(1, np.multiply(g, g, out=work), out=work)
        np.multiply(i, work, out=s_g)                        # i(1 − g²)
        np.multiply(tanh_cs, o, out=s_o)
        s_o *= np.subtract(1, o, out=work)                   # tanh(c_t)·o(1 − o)
        c_slope = np.multiply(tanh_cs, tanh_cs)              # ∂h_t/∂c_t = o(1 − tanh²c_t)
        np.subtract(1, c_slope, out=c_slope)
        c_slope *= o
        dz = np.empty_like(gates4)
        dh = np.empty((batch, hidden), dtype=grad.dtype)
        dc = grad[steps].copy()
        dh_step = np.zeros((batch, hidden), dtype=grad.dtype)  # (∂L/∂z_{t+1}) W_hh
        tmp = np.empty((batch, hidden), dtype=grad.dtype)
        for t in range(steps - 1, -1, -1):
            np.add(grad_h[t], dh_step, out=dh)
            np.multiply(dh, c_slope[t], out=tmp)
            dc += tmp
            for k in range(3):  # one multiply per gate: a broadcast (B, 3, H) one was 5× slower
                np.multiply(slopes[t, :, k], dc, out=dz[t, :, k])
            np.multiply(slopes[t, :, 3], dh, out=dz[t, :, 3])
            dc *= f[t]
            np.matmul(dz[t].reshape(batch, 4 * hidden), w_hh, out=dh_step)
        dz = dz.reshape(steps * batch, 4 * hidden)
        grad_x = (dz @ w_ih).reshape(x.shape) if need_x else None
        if need_x and ctx.reverse:
            grad_x = grad_x[::-1]
        grad_w_ih = dz.T @ x.reshape(steps * batch, -1) if need_w_ih else None
        grad_w_hh = dz.T @ hs[:-1].reshape(steps * batch, hidden) if need_w_hh else None
        grad_b = dz.sum(0) if need_b_ih or need_b_hh else None  # the same for both biases
        return (grad_x, dh_step if need_h0 else None, dc if need_c0 else None, grad_w_ih, grad_w_hh,
                grad_b if need_b_ih else None, grad_b.copy() if need_b_hh else None, None)


def _lstm_layer_unrolled(x, h, c, w_ih, w_hh, b_ih, b_hh, reverse):
    """LSTMLayer's output (T + 1, B, H) from the step ops: the plain path, a graph node per op."""
    xw = F.linear(x, w_ih, b_ih).unbind(0)
    out = [None] * len(xw)
    for t in (range(len(xw) - 1, -1, -1) if reverse else range(len(xw))):
        h, c = _lstm_step(xw[t], h, c, w_hh, b_hh)
        out[t] = h
    return cat([stack(out, 0), c.unsqueeze(0)], 0)


def _gru_step(xw, h, w_hh, b_hh):
    x_r, x_z, x_n = xw.chunk(3, 1)
    h_r, h_z, h_n = F.linear(h, w_hh, b_hh).chunk(3, 1)
    r = (x_r + h_r).sigmoid()
    z = (x_z + h_z).sigmoid()
    n = (x_n + r * h_n).tanh()
    return n + z * (h - n)  # = (1 − z)·n + z·h, one op fewer


def _check_type(name: str, value, kind) -> None:
    if not isinstance(value, kind):
        raise TypeError(f"{name} should be of type {kind.__name__}, got: {type(value).__name__}")


class RNNBase(Module):
    """What RNN, LSTM and GRU share: the parameters of every layer and direction, their initialisation
    U(−1/√hidden_size, 1/√hidden_size), the argument checks, and the loop over layers and time."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None, dtype=None) -> None:
        super().__init__()
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability "
                             "of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero "
                          f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}", stacklevel=2)
        _check_type("bias", bias, bool)
        _check_type("batch_first", batch_first, bool)
        _check_type("input_size", input_size, int)
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        _check_type("hidden_size", hidden_size, int)
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        self.mode = mode
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names, self._all_weights = [], []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else real_hidden * directions
            for direction in range(directions):
                suffix = "_reverse" if direction == 1 else ""
                shapes = {"weight_ih": (gate_size, layer_input), "weight_hh": (gate_size, real_hidden)}
                if bias:
                    shapes.update(bias_ih=(gate_size,), bias_hh=(gate_size,))
                if proj_size > 0:
                    shapes["weight_hr"] = (proj_size, hidden_size)
                names = []
                for kind, shape in shapes.items():
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, Parameter(creation.empty(*shape, dtype=dtype, device=device)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        """The parameters of each layer and direction: [[weight_ih_l0, weight_hh_l0, ...], ...]."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """A no-op: PyTorch packs the weights into one buffer for cuDNN; there is none here."""

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # --- checks ----------------------------------------------------------------------------------------
    def _check_input(self, input, packed: bool) -> None:  # noqa: A002
        weight = self._parameters[self._flat_weights_names[0]]
        if input.dtype != weight.dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype "
                             f"({weight.dtype}). Convert input: input.to({weight.dtype}), or convert "
                             f"model: model.to({input.dtype})")
        expected = 2 if packed else 3
        if input.dim() != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError("input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.size(-1)}")

    @staticmethod
    def _check_hidden(hx, expected: tuple, msg: str = "Expected hidden size {}, got {}") -> None:
        if tuple(hx.shape) != expected:
            raise RuntimeError(msg.format(expected, list(hx.shape)))

    # --- the forward pass ------------------------------------------------------------------------------
    def forward(self, input, hx=None):  # noqa: A002
        """Input (T, B, input_size) — (B, T, ...) with batch_first, (T, input_size) unbatched, or a
        PackedSequence; returns (output, h_n) — (output, (h_n, c_n)) for an LSTM — with output
        (T, B, D·H_out) and h_n (num_layers·D, B, H_out), D = 2 if bidirectional else 1."""
        lstm = self.mode == "LSTM"
        name = "RNN" if self.mode.startswith("RNN") else self.mode
        directions = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        packed = isinstance(input, PackedSequence)
        batched = True
        if packed:
            data, batch_sizes, sorted_indices, unsorted_indices = input
            self._check_input(data, True)
            sizes = batch_sizes._array
            x = _unpack(data, sizes)                         # (T, B, input_size), sorted longest-first
            batch = int(sizes[0])
            # masks[t]: which sequences are still running at step t (the first sizes[t] of them)
            masks = [(np.arange(batch) < int(n))[:, None] for n in sizes]
            if hx is not None:
                hx = (tuple(h.index_select(1, sorted_indices) for h in hx) if lstm
                      else hx.index_select(1, sorted_indices)) if sorted_indices is not None else hx
        else:
            masks = None
            if input.dim() not in (2, 3):
                tail = " instead" if lstm or self.mode == "GRU" else " tensor instead"
                raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D{tail}")
            batched = input.dim() == 3
            x = input if batched else input.unsqueeze(1 if not self.batch_first else 0)
            if self.batch_first:
                x = x.transpose(0, 1)
            batch = x.shape[1]
            if hx is not None:
                hs = hx if lstm else (hx,)
                want = 3 if batched else 2
                if any(h.dim() != want for h in hs):
                    kind = "batched 3-D" if batched else "unbatched 2-D"
                    if lstm:
                        dims = ", ".join(f"{h.dim()}-D" for h in hs)
                        raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but "
                                           f"got ({dims}) tensors")
                    raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got "
                                       f"{hx.dim()}-D tensor")
                if not batched:
                    hx = tuple(h.unsqueeze(1) for h in hx) if lstm else hx.unsqueeze(1)
            self._check_input(x, False)
        if hx is None:
            h0 = creation.zeros(self.num_layers * directions, batch, real_hidden, dtype=x.dtype)
            c0 = creation.zeros(self.num_layers * directions, batch, self.hidden_size, dtype=x.dtype)
        elif lstm:
            h0, c0 = hx
            self._check_hidden(h0, (self.num_layers * directions, batch, real_hidden),
                               "Expected hidden[0] size {}, got {}")
            self._check_hidden(c0, (self.num_layers * directions, batch, self.hidden_size),
                               "Expected hidden[1] size {}, got {}")
        else:
            h0, c0 = hx, None
            self._check_hidden(h0, (self.num_layers * directions, batch, real_hidden))
        output, h_n, c_n = self._run(x, h0.unbind(0), c0.unbind(0) if lstm else None, masks)
        hidden = (h_n, c_n) if lstm else h_n
        if packed:
            if unsorted_indices is not None:
                hidden = (tuple(h.index_select(1, unsorted_indices) for h in hidden) if lstm
                          else hidden.index_select(1, unsorted_indices))
            return PackedSequence(_pack(output, sizes), batch_sizes, sorted_indices,
                                  unsorted_indices), hidden
        if self.batch_first:
            output = output.transpose(0, 1)
        if not batched:
            output = output.squeeze(0 if self.batch_first else 1)
            hidden = tuple(h.squeeze(1) for h in hidden) if lstm else hidden.squeeze(1)
        return output, hidden

    def _run(self, x, h0s, c0s, masks):
        """Every layer and direction over time-major x (T, B, in); returns (output, h_n, c_n)."""
        lstm, relu = self.mode == "LSTM", self.mode == "RNN_RELU"
        gru = self.mode == "GRU"
        directions = 2 if self.bidirectional else 1
        steps = x.shape[0]
        params = self._parameters
        h_last, c_last = [], []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                names = self._all_weights[index]
                w_ih, w_hh = params[names[0]], params[names[1]]
                b_ih, b_hh = (params[names[2]], params[names[3]]) if self.bias else (None, None)
                w_hr = params[names[-1]] if self.proj_size > 0 else None
                if lstm and w_hr is None and masks is None:  # the fast path: one node for the layer
                    both = LSTMLayer.apply(x, h0s[index], c0s[index], w_ih, w_hh, b_ih, b_hh, direction == 1)
                    outputs.append(both[:steps])
                    h_last.append(both[0 if direction else steps - 1])
                    c_last.append(both[steps])
                    continue
                xw = F.linear(x, w_ih, b_ih).unbind(0)       # x W_ihᵀ + b_ih for all steps at once
                h = h0s[index]
                c = c0s[index] if lstm else None
                out = [None] * steps
                for t in (range(steps - 1, -1, -1) if direction else range(steps)):
                    if lstm:
                        h_new, c_new = _lstm_step(xw[t], h, c, w_hh, b_hh, w_hr)
                    elif gru:
                        h_new = _gru_step(xw[t], h, w_hh, b_hh)
                    else:
                        h_new = _rnn_step(xw[t], h, w_hh, b_hh, relu)
                    if masks is not None:  # a finished sequence keeps its last state
                        h_new = where(masks[t], h_new, h)
                        if lstm:
                            c_new = where(masks[t], c_new, c)
                    h = out[t] = h_new
                    if lstm:
                        c = c_new
                outputs.append(stack(out, 0))
                h_last.append(h)
                c_last.append(c)
            x = outputs[0] if directions == 1 else cat(outputs, 2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        return x, stack(h_last, 0), (stack(c_last, 0) if lstm else None)


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh) (``nonlinearity="relu"``: relu)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device=None, dtype=None, *,
                 proj_size=None) -> None:
        if proj_size is not None:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
                         num_layers, bias, batch_first, dropout, bidirectional, 0, device, dtype)


class LSTM(RNNBase):
    """Long short-term memory: a cell state c_t beside h_t, written through input/forget/output gates
    (see the module docstring); returns (output, (h_n, c_n))."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, device, dtype)


class GRU(RNNBase):
    """Gated recurrent unit: a reset gate r and an update gate z (see the module docstring)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None, *, proj_size=None) -> None:
        if proj_size is not None:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, device, dtype)


# --- one step at a time ----------------------------------------------------------------------------------
class RNNCellBase(Module):
    """The parameters of one step: weight_ih (k·H, in), weight_hh (k·H, H), bias_ih, bias_hh (k·H,),
    k gates; all U(−1/√H, 1/√H)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        gates = num_chunks * hidden_size
        self.weight_ih = Parameter(creation.empty(gates, input_size, dtype=dtype, device=device))
        self.weight_hh = Parameter(creation.empty(gates, hidden_size, dtype=dtype, device=device))
        if bias:
            self.bias_ih = Parameter(creation.empty(gates, dtype=dtype, device=device))
            self.bias_hh = Parameter(creation.empty(gates, dtype=dtype, device=device))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _prepare(self, input, hx, hidden_count: int):  # noqa: A002
        """Checks; a 1-D input becomes a batch of one; a missing state becomes zeros."""
        name = type(self).__name__
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        states = None if hx is None else (tuple(hx) if hidden_count == 2 else (hx,))
        if states is not None:
            for i, h in enumerate(states):
                if h.dim() not in (1, 2):
                    what = f"hx[{i}]" if hidden_count == 2 else "hidden"
                    raise ValueError(f"{name}: Expected {what} to be 1D or 2D, got {h.dim()}D instead")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)  # noqa: A001
        if input.size(1) != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.size(1)} expected "
                               f"{self.input_size}")
        if states is None:
            zeros = creation.zeros(input.size(0), self.hidden_size, dtype=input.dtype)
            states = (zeros,) * hidden_count
        elif not batched:
            states = tuple(h.unsqueeze(0) for h in states)
        for i, h in enumerate(states):
            if h.size(0) != input.size(0):
                raise RuntimeError(f"Input batch size {input.size(0)} doesn't match hidden{i} batch "
                                   f"size {h.size(0)}")
            if h.size(1) != self.hidden_size:
                raise RuntimeError(f"hidden{i} has inconsistent hidden_size: got {h.size(1)}, expected "
                                   f"{self.hidden_size}")
        return input, states, batched


class RNNCell(RNNCellBase):
    """One Elman step: h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (or relu)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):  # noqa: A002
        input, (h,), batched = self._prepare(input, hx, 1)  # noqa: A001
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        h = _rnn_step(F.linear(input, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh,
                      self.nonlinearity == "relu")
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step; returns (h', c')."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):  # noqa: A002
        input, (h, c), batched = self._prepare(input, hx, 2)  # noqa: A001
        h, c = _lstm_step(F.linear(input, self.weight_ih, self.bias_ih), h, c, self.weight_hh,
                          self.bias_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):  # noqa: A002
        input, (h,), batched = self._prepare(input, hx, 1)  # noqa: A001
        h = _gru_step(F.linear(input, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh)
        return h if batched else h.squeeze(0)
