"""``glassgrad.optim``: update rules and learning-rate schedules, as ``torch.optim``.

Part III, after ``nn``: once ``loss.backward()`` has filled every parameter's ``.grad``, an optimizer
turns gradients into parameter changes. Read in this order:

- ``optimizer.py``    ``Optimizer``: parameter groups, per-parameter state, zero_grad, state_dict
- ``sgd.py``          ``SGD``: θ ← θ − γ·g, with momentum, Nesterov, weight decay
- ``adam.py``         ``Adam`` / ``AdamW``: steps scaled by running moments of g and g²
- ``adamax.py``, ``nadam.py``, ``radam.py``  Adam's relatives: ``Adamax``, ``NAdam``, ``RAdam``
- ``adafactor.py``   ``Adafactor``: Adam's second moment factored into row and column means
- ``rmsprop.py``      ``RMSprop``;  ``adagrad.py``  ``Adagrad``;  ``adadelta.py``  ``Adadelta``
- ``rprop.py``        ``Rprop``: a step size per weight, from the gradient's sign;  ``asgd.py``  ``ASGD``
- ``lbfgs.py``        ``LBFGS``: a quasi-Newton method that calls the closure many times per step
- ``lr_scheduler.py`` ``StepLR``, ``CosineAnnealingLR``, ``OneCycleLR``, ``ReduceLROnPlateau``, ...
- ``swa_utils.py``    ``AveragedModel``, ``SWALR``, ``update_bn``: averaging the weights late in training

The usual loop, the same as PyTorch's::

    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=10)
    for epoch in range(epochs):
        for x, y in loader:
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
        scheduler.step()
"""

from glassgrad.optim import lr_scheduler  # noqa: F401  (optim.lr_scheduler.StepLR, as in PyTorch)
from glassgrad.optim import swa_utils  # noqa: F401  (optim.swa_utils.AveragedModel, SWALR, update_bn)
from glassgrad.optim.adadelta import Adadelta
from glassgrad.optim.adagrad import Adagrad
from glassgrad.optim.adam import Adam, AdamW
from glassgrad.optim.adafactor import Adafactor
from glassgrad.optim.adamax import Adamax
from glassgrad.optim.asgd import ASGD
from glassgrad.optim.lbfgs import LBFGS
from glassgrad.optim.nadam import NAdam
from glassgrad.optim.optimizer import Optimizer
from glassgrad.optim.radam import RAdam
from glassgrad.optim.rmsprop import RMSprop
from glassgrad.optim.rprop import Rprop
from glassgrad.optim.sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adafactor", "Adamax", "NAdam",
           "RAdam", "LBFGS", "Rprop", "ASGD", "lr_scheduler", "swa_utils"]
