"""Layers that know their own derivatives: backprop written out by hand with numpy matrices.

Part II of the reading order. Part I (``glassgrad.scalar``) differentiated one number at a time; here a
whole layer is one node. Each layer keeps what its backward pass needs from its forward pass and turns
``∂E/∂Y`` (the gradient of the loss E with respect to its output) into ``∂E/∂X`` (with respect to its
input), storing the gradients of its own parameters on itself along the way. Chaining ``backward`` from
the last layer to the first *is* backpropagation — no graph, no autograd.

Shapes are batched like PyTorch's: samples along the first axis. Parameters are shaped like PyTorch's
too (``Dense.weights`` is ``(out, in)`` like ``nn.Linear.weight``; ``Convolutional.weights`` is
``(K, C, kh, kw)`` like ``nn.Conv2d.weight``), so a learner can hold the two side by side.

The update is *not* done here. ``backward`` only computes gradients; ``train.sgd_step`` applies them once
the whole backward pass is over. Updating inside ``backward`` would hand the previous layer an input
gradient computed with weights that are no longer the ones used in the forward pass — a classic bug.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Layer", "Dense", "Reshape", "Convolutional", "MaxPool", "cross_correlate"]


def make_rng(rng: np.random.Generator | None = None, seed: int | None = None) -> np.random.Generator:
    """The Generator a layer draws its initial parameters from: ``rng`` if given, else one from ``seed``."""
    if rng is not None and seed is not None:
        raise ValueError("pass either rng= or seed=, not both")
    if rng is not None:
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy Generator (np.random.default_rng(...)), got {type(rng).__name__}")
        return rng
    return np.random.default_rng(seed)


def as_batch(x, ndim: int, layer: str, what: str) -> np.ndarray:
    """``x`` as a float64 array with ``ndim`` axes, or a ValueError that says what was expected."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != ndim:
        raise ValueError(f"{layer} expects its input with {ndim} axes {what}, got shape {x.shape} ({x.ndim} axes)")
    return x


class Layer:
    """The protocol every layer follows.

    ``forward(input) -> output`` remembers what backward will need;
    ``backward(output_gradient) -> input_gradient`` applies the chain rule through this layer and stores
    the gradients of the layer's parameters (same order as ``parameters()``) without changing them.
    """

    def forward(self, input: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, output_gradient: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def parameters(self) -> list[np.ndarray]:
        """The arrays an optimiser step changes (in place). A layer without parameters has none."""
        return []

    def gradients(self) -> list[np.ndarray]:
        """``∂E/∂p`` for each array of ``parameters()``, in the same order, from the last ``backward``."""
        return []

    def _output_gradient(self, output_gradient) -> np.ndarray:
        """Check that backward got a gradient shaped like the last forward's output."""
        output_shape = getattr(self, "_output_shape", None)
        if output_shape is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward: "
                               f"there is no input to differentiate at")
        output_gradient = np.asarray(output_gradient, dtype=np.float64)
        if output_gradient.shape != output_shape:
            raise ValueError(
                f"{type(self).__name__}.backward: output_gradient has shape {output_gradient.shape} "
                f"but the forward output had shape {output_shape}"
            )
        return output_gradient

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Dense(Layer):
    """A fully connected layer, ``Y = X·Wᵀ + b``, as ``torch.nn.Linear`` (``F.linear``).

    X is (N, in), W is (out, in), b is (out,), Y is (N, out). Since ``Yₙⱼ = Σᵢ Xₙᵢ·Wⱼᵢ + bⱼ``:
      ∂E/∂Wⱼᵢ = Σₙ ∂E/∂Yₙⱼ · Xₙᵢ   ⇒  ∂E/∂W = (∂E/∂Y)ᵀ · X        (out, in)
      ∂E/∂bⱼ  = Σₙ ∂E/∂Yₙⱼ          ⇒  ∂E/∂b = Σₙ ∂E/∂Y            (out,)
      ∂E/∂Xₙᵢ = Σⱼ ∂E/∂Yₙⱼ · Wⱼᵢ   ⇒  ∂E/∂X = ∂E/∂Y · W            (N, in)
    Parameters start uniform in ±1/√in, as PyTorch's do.
    """

    def __init__(self, input_size: int, output_size: int, *, rng: np.random.Generator | None = None,
                 seed: int | None = None):
        if int(input_size) < 1 or int(output_size) < 1:
            raise ValueError(f"Dense sizes must be positive, got input_size={input_size}, output_size={output_size}")
        self.input_size, self.output_size = int(input_size), int(output_size)
        generator = make_rng(rng, seed)
        bound = 1.0 / np.sqrt(self.input_size)
        self.weights = generator.uniform(-bound, bound, size=(self.output_size, self.input_size))
        self.bias = generator.uniform(-bound, bound, size=(self.output_size,))
        self.weights_gradient = np.zeros_like(self.weights)
        self.bias_gradient = np.zeros_like(self.bias)

    def forward(self, input):
        x = as_batch(input, 2, "Dense", "(batch, features)")
        if x.shape[1] != self.input_size:
            raise ValueError(f"Dense expects {self.input_size} input features but got input of shape {x.shape}; "
                             f"its weights have shape {self.weights.shape} (out, in)")
        self.input = x
        output = x @ self.weights.T + self.bias
        self._output_shape = output.shape
        return output

    def backward(self, output_gradient):
        g = self._output_gradient(output_gradient)
        self.weights_gradient = g.T @ self.input
        self.bias_gradient = g.sum(axis=0)
        return g @ self.weights

    def parameters(self):
        return [self.weights, self.bias]

    def gradients(self):
        return [self.weights_gradient, self.bias_gradient]

    def __repr__(self):
        return f"Dense({self.input_size}, {self.output_size})"


class Reshape(Layer):
    """Reshape each sample: (N, *input_shape) → (N, *output_shape), as ``x.reshape``/``nn.Flatten``.

    Reshaping moves no number, it only renames positions, so the gradient is reshaped back:
      Y = reshape(X)  ⇒  ∂E/∂X = reshape⁻¹(∂E/∂Y)
    """

    def __init__(self, input_shape, output_shape):
        self.input_shape, self.output_shape = tuple(input_shape), tuple(output_shape)
        if np.prod(self.input_shape) != np.prod(self.output_shape):
            raise ValueError(f"Reshape cannot turn {self.input_shape} ({int(np.prod(self.input_shape))} numbers) "
                             f"into {self.output_shape} ({int(np.prod(self.output_shape))} numbers)")

    def forward(self, input):
        x = np.asarray(input, dtype=np.float64)
        if x.shape[1:] != self.input_shape:
            raise ValueError(f"Reshape expects samples of shape {self.input_shape}, got input of shape {x.shape}")
        output = x.reshape((x.shape[0],) + self.output_shape)
        self._output_shape = output.shape
        return output

    def backward(self, output_gradient):
        g = self._output_gradient(output_gradient)
        return g.reshape((g.shape[0],) + self.input_shape)

    def __repr__(self):
        return f"Reshape({self.input_shape}, {self.output_shape})"


def cross_correlate(x: np.ndarray, kernels: np.ndarray) -> np.ndarray:
    """Valid 2-D cross-correlation of a batch with a bank of kernels, in one matrix product (im2col).

    x (N, C, H, W) ⋆ kernels (K, C, kh, kw) → (N, K, H−kh+1, W−kw+1), with
      out[n, k, y, x] = Σ_c Σ_i Σ_j  x[n, c, y+i, x+j] · kernels[k, c, i, j]      (= F.conv2d without bias)
    Every (kh×kw×C) window of x becomes one row of a matrix ("im2col"); each kernel becomes one column;
    one matmul then computes every output pixel of every kernel at once.
    """
    n, c, h, w = x.shape
    k, kernel_c, kh, kw = kernels.shape
    if kernel_c != c:
        raise ValueError(f"cross_correlate: input has {c} channels (shape {x.shape}) but kernels expect "
                         f"{kernel_c} (shape {kernels.shape})")
    if kh > h or kw > w:
        raise ValueError(f"cross_correlate: kernel {kh}×{kw} does not fit in an input of {h}×{w} (shape {x.shape})")
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))  # (N, C, Ho, Wo, kh, kw), a view
    ho, wo = windows.shape[2], windows.shape[3]
    columns = windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * ho * wo, c * kh * kw)  # one row per window
    out = columns @ kernels.reshape(k, c * kh * kw).T  # (N·Ho·Wo, K)
    return out.reshape(n, ho, wo, k).transpose(0, 3, 1, 2)


class Convolutional(Layer):
    """A convolutional layer (valid cross-correlation, stride 1), as ``torch.nn.Conv2d`` (``F.conv2d``).

    X (N, C, H, W), kernels W (K, C, kh, kw), one bias per output channel b (K,), Y (N, K, H−kh+1, W−kw+1):
      Y[n,k]  = b[k] + Σ_c X[n,c] ⋆ W[k,c]                  (⋆ = valid cross-correlation)
      ∂E/∂W[k,c] = Σ_n X[n,c] ⋆ ∂E/∂Y[n,k]                 (each weight met every window it slid over)
      ∂E/∂b[k]   = Σ_n,y,x ∂E/∂Y[n,k,y,x]                  (the bias was added to every output pixel)
      ∂E/∂X[n,c] = Σ_k ∂E/∂Y[n,k] ⋆full rot180(W[k,c])     (each input pixel fed every window that held it)
    All three are the same ``cross_correlate``, so the whole layer is three matrix products.
    Parameters start uniform in ±1/√(C·kh·kw), as PyTorch's do.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, *,
                 rng: np.random.Generator | None = None, seed: int | None = None):
        kernel = (kernel_size, kernel_size) if np.isscalar(kernel_size) else tuple(kernel_size)
        if len(kernel) != 2:
            raise ValueError(f"Convolutional kernel_size must be an int or (height, width), got {kernel_size!r}")
        kh, kw = kernel
        if min(int(in_channels), int(out_channels), int(kh), int(kw)) < 1:
            raise ValueError(f"Convolutional sizes must be positive, got in_channels={in_channels}, "
                             f"out_channels={out_channels}, kernel_size={kernel_size}")
        self.in_channels, self.out_channels, self.kernel_size = int(in_channels), int(out_channels), (int(kh), int(kw))
        generator = make_rng(rng, seed)
        bound = 1.0 / np.sqrt(self.in_channels * kh * kw)
        self.weights = generator.uniform(-bound, bound, size=(self.out_channels, self.in_channels, kh, kw))
        self.bias = generator.uniform(-bound, bound, size=(self.out_channels,))
        self.weights_gradient = np.zeros_like(self.weights)
        self.bias_gradient = np.zeros_like(self.bias)

    def forward(self, input):
        x = as_batch(input, 4, "Convolutional", "(batch, channels, height, width)")
        if x.shape[1] != self.in_channels:
            raise ValueError(f"Convolutional expects {self.in_channels} input channels but got input of shape "
                             f"{x.shape}; its weights have shape {self.weights.shape} (K, C, kh, kw)")
        kh, kw = self.kernel_size
        if x.shape[2] < kh or x.shape[3] < kw:
            raise ValueError(f"Convolutional kernel {kh}×{kw} does not fit in input of shape {x.shape}")
        self.input = x
        output = cross_correlate(x, self.weights) + self.bias[None, :, None, None]
        self._output_shape = output.shape
        return output

    def backward(self, output_gradient):
        g = self._output_gradient(output_gradient)
        kh, kw = self.kernel_size
        # Swap batch and channel axes so the sum over samples becomes the sum over "channels" of the helper.
        self.weights_gradient = cross_correlate(self.input.transpose(1, 0, 2, 3),
                                                g.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
        self.bias_gradient = g.sum(axis=(0, 2, 3))
        padded = np.pad(g, ((0, 0), (0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))  # "full" = valid on a padded input
        flipped = self.weights[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)  # (C, K, kh, kw), each kernel rotated 180°
        return cross_correlate(padded, flipped)

    def parameters(self):
        return [self.weights, self.bias]

    def gradients(self):
        return [self.weights_gradient, self.bias_gradient]

    def __repr__(self):
        return f"Convolutional({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size})"


class MaxPool(Layer):
    """Max pooling over non-overlapping k×k windows (stride k), as ``torch.nn.MaxPool2d(k)``.

    X (N, C, H, W) → Y (N, C, H//k, W//k), each output the largest number of its window (edges that do
    not fill a window are dropped, as in PyTorch):
      Y[n,c,y,x] = X at the window's argmax  ⇒  ∂E/∂X = ∂E/∂Y at each window's argmax, 0 elsewhere
    Only the winner influenced the output, so only the winner gets gradient (the first one on a tie).
    """

    def __init__(self, kernel_size: int):
        if int(kernel_size) < 1:
            raise ValueError(f"MaxPool kernel_size must be positive, got {kernel_size}")
        self.kernel_size = int(kernel_size)

    def _windows(self, x):
        n, c, h, w = x.shape
        k = self.kernel_size
        ho, wo = h // k, w // k
        cropped = x[:, :, :ho * k, :wo * k]
        return cropped.reshape(n, c, ho, k, wo, k).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, ho, wo, k * k)

    def forward(self, input):
        x = as_batch(input, 4, "MaxPool", "(batch, channels, height, width)")
        k = self.kernel_size
        if x.shape[2] < k or x.shape[3] < k:
            raise ValueError(f"MaxPool window {k}×{k} does not fit in input of shape {x.shape}")
        windows = self._windows(x)
        self.input_shape = x.shape
        self.argmax = windows.argmax(axis=-1)[..., None]  # which of the k·k numbers won, per window
        output = np.take_along_axis(windows, self.argmax, axis=-1)[..., 0]
        self._output_shape = output.shape
        return output

    def backward(self, output_gradient):
        g = self._output_gradient(output_gradient)
        n, c, h, w = self.input_shape
        k = self.kernel_size
        ho, wo = g.shape[2], g.shape[3]
        windows = np.zeros((n, c, ho, wo, k * k))
        np.put_along_axis(windows, self.argmax, g[..., None], axis=-1)
        input_gradient = np.zeros(self.input_shape)
        input_gradient[:, :, :ho * k, :wo * k] = (
            windows.reshape(n, c, ho, wo, k, k).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, ho * k, wo * k))
        return input_gradient

    def __repr__(self):
        return f"MaxPool({self.kernel_size})"
