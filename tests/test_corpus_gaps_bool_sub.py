"""Subtraction with a bool operand raises as in PyTorch.

Found in rasbt/deeplearning-models (pytorch_ipynb/basic-ml/perceptron.ipynb): ``custom_where(cond, 1, 0)`` computes
``(cond * 1) + ((1 - cond) * 0)`` with a bool mask; PyTorch refuses ``1 - mask`` (suggesting ``~``), glassgrad
computed it, and ``True - mask`` ended in numpy's own error.
"""

import pytest
import torch

import glassgrad as gg

CASES = {"number - mask": lambda L, c, i: 1 - c, "mask - number": lambda L, c, i: c - 1,
         "ints - mask": lambda L, c, i: i - c, "mask - ints": lambda L, c, i: c - i,
         "sub(mask, number)": lambda L, c, i: L.sub(c, 1), "float - mask": lambda L, c, i: 1.5 - c,
         "mask.sub(True)": lambda L, c, i: c.sub(True), "True - mask": lambda L, c, i: True - c,
         "mask - mask": lambda L, c, i: c - c}


@pytest.mark.parametrize("case", CASES)
def test_subtracting_a_bool_raises_pytorchs_error(case):
    f = CASES[case]
    with pytest.raises(RuntimeError) as t_err:
        f(torch, torch.tensor([True, False]), torch.tensor([1, 2]))
    with pytest.raises(RuntimeError) as g_err:
        f(gg, gg.tensor([True, False]), gg.tensor([1, 2]))
    assert str(g_err.value) == str(t_err.value)


def test_the_ways_pytorch_suggests_still_work():
    t, g = torch.tensor([True, False]), gg.tensor([True, False])
    assert (~g).tolist() == (~t).tolist()
    assert (1 - g.float()).tolist() == (1 - t.float()).tolist()
    assert (1 - g.long()).tolist() == (1 - t.long()).tolist()
    assert (g * 1 + (~g) * 0).tolist() == (t * 1 + (~t) * 0).tolist()


@pytest.mark.parametrize("make", [lambda T: T.add(T.tensor([1, 2]), T.tensor([1, 2]), alpha=0.5),
                                  lambda T: T.sub(T.tensor([1, 2]), 1, alpha=0.5),
                                  lambda T: T.tensor([1, 2]).add_(T.tensor([1, 2]), alpha=1.5),
                                  lambda T: T.add(T.tensor([1.0, 2.0]), T.tensor([1, 2]), alpha=0.5),
                                  lambda T: T.add(T.tensor([1, 2]), T.tensor([1, 2]), alpha=2)])
def test_float_alpha_with_integer_operands_as_pytorch(make):
    outcomes = []
    for module in (gg, torch):
        try:
            outcomes.append(make(module).tolist())
        except RuntimeError as error:
            outcomes.append(str(error))
    assert outcomes[0] == outcomes[1]
