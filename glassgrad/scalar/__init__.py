"""Part I — one number at a time: micrograd, grown up.

Read ``value.py`` first (a Value and its derivative), then ``gradcheck.py`` (the same derivatives by
central differences, to check them), then ``nn.py`` (a neuron, a layer, a network, the losses and one
step of gradient descent). ``glassgrad.graph`` holds the graph walk ``Value.backward`` uses.

``glassgrad.scalar.gradcheck`` stays the module (``gradcheck.derivative``, ``gradcheck.gradcheck``):
its names are not copied up here, so the path a learner reads in the docs is the path that works.
"""

from glassgrad.scalar.value import Value, as_value, dot, sum_values
from glassgrad.scalar import gradcheck
from glassgrad.scalar.nn import MLP, Layer, Module, Neuron, hinge, l2_penalty, mae, mse, sgd_step

__all__ = [
    "Value", "as_value", "dot", "sum_values", "gradcheck",
    "Module", "Neuron", "Layer", "MLP", "mse", "mae", "hinge", "l2_penalty", "sgd_step",
]
