"""Reference backends the hand-written gradients of glassgrad.manual are checked against.

A backend runs a forward function written against a functional namespace ``F`` (``linear``, ``conv2d``,
``tanh``, ``mse_loss``, ... — PyTorch's names), on leaves made from the ``inputs`` arrays, backpropagates
``output_gradient`` and returns ``(output, [∂E/∂input for each input])`` as float64 numpy arrays.
``constants`` (targets, class indices) take part in the forward but get no gradient.

Adding a backend is one function and one line in ``REFERENCES``; every parametrized gradient test then
runs against it too: PyTorch's autograd and glassgrad's own Tensor autograd (Part III) both check the
hand-written backward of Part II.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as torch_functional


def torch_reference(forward, inputs, constants, output_gradient):
    leaves = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in inputs]
    fixed = [torch.as_tensor(np.asarray(c)) for c in constants]
    out = forward(torch_functional, *leaves, *fixed)
    out.backward(torch.as_tensor(np.asarray(output_gradient, dtype=np.float64)))
    return out.detach().numpy(), [leaf.grad.numpy() for leaf in leaves]


def glassgrad_reference(forward, inputs, constants, output_gradient):
    import glassgrad
    import glassgrad.nn.functional as glassgrad_functional

    leaves = [glassgrad.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in inputs]
    fixed = [glassgrad.as_tensor(np.asarray(c)) for c in constants]
    out = forward(glassgrad_functional, *leaves, *fixed)
    out.backward(glassgrad.tensor(np.asarray(output_gradient, dtype=np.float64)))
    return out.detach().numpy(), [leaf.grad.numpy() for leaf in leaves]


REFERENCES = {"torch": torch_reference, "glassgrad": glassgrad_reference}


def central_difference(f, array: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """∂f/∂array by (f(a + h) − f(a − h)) / 2h, one entry at a time; ``array`` is perturbed in place."""
    gradient = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        saved = array[index]
        array[index] = saved + h
        up = f()
        array[index] = saved - h
        down = f()
        array[index] = saved
        gradient[index] = (up - down) / (2 * h)
    return gradient
