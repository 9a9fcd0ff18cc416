"""The code in docs/part1-scalars.md runs, so the page cannot rot."""

import pathlib
import re

import pytest

import glassgrad

PAGE = pathlib.Path(__file__).parents[2] / "docs" / "part1-scalars.md"
BLOCKS = [b for b in re.findall(r"```python\n(.*?)```", PAGE.read_text(), re.S) if b.startswith("from glassgrad")]


def test_the_page_has_runnable_examples():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_example_runs(index):
    code = BLOCKS[index].replace("range(100)", "range(3)")  # the lesson's loop, shortened
    if "from glassgrad import Value" in code and not hasattr(glassgrad, "Value"):
        code = code.replace("from glassgrad import Value", "from glassgrad.scalar import Value")
    namespace = {}
    exec(compile(code, f"{PAGE.name} example {index}", "exec"), namespace)
    if "a.grad, b.grad" in code:
        assert (namespace["a"].grad, namespace["b"].grad) == (-3.0, 2.0)
