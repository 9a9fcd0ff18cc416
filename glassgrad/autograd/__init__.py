"""glassgrad.autograd — as ``torch.autograd``: ``Function``, ``grad``, ``backward``, grad modes, gradcheck.

Part III. Read ``grad_mode.py`` (whether operations record), then ``function.py`` (a recorded operation
and its backward node), then ``engine.py`` (the chain rule over the whole graph), then ``gradcheck.py``
(the engine's derivatives against central differences). Then the extras: ``saved_tensors.py`` (what a
node saved, by PyTorch's names, and the hooks of ``graph.saved_tensors_hooks``), ``functional.py``
(Jacobian products) and ``forward_ad.py`` (forward-mode AD; it is built on the ops, which sit above this
package, so ``import glassgrad.autograd.forward_ad`` loads it).

``grad_mode`` comes first on purpose: ``glassgrad/tensor.py`` reads the grad mode, and importing any
module of this package runs this file, so the grad modes must exist before ``function.py`` (which builds
on the tensor) is imported.
"""

from glassgrad.autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled, no_grad,
                                          set_grad_enabled)
from glassgrad.autograd.function import Function, FunctionCtx, Node, on_node_created
from glassgrad.autograd.engine import backward, grad
from glassgrad.autograd import gradcheck as _gradcheck_module
from glassgrad.autograd import graph
from glassgrad.anomaly import (Variable, detect_anomaly, is_anomaly_check_nan_enabled,  # noqa: F401
                               is_anomaly_enabled, set_detect_anomaly)

# The submodule import above made ``gradcheck`` the module; the name belongs to the function, as in
# PyTorch (``torch.autograd.gradcheck`` is the function).
gradcheck = _gradcheck_module.gradcheck
gradgradcheck = _gradcheck_module.gradgradcheck

__all__ = ["Function", "FunctionCtx", "Node", "grad", "backward", "gradcheck", "gradgradcheck", "no_grad",
           "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode", "graph",
           "on_node_created", "Variable", "detect_anomaly", "set_detect_anomaly"]
