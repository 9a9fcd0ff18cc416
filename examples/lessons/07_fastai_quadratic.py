"""Lesson 7 — fastai's lesson: fit a noisy quadratic by gradient descent, then build any shape from ReLUs.

Part 1. ``glassgrad.datasets.quadratic()`` gives 20 points of y = 3x² + 2x + 1 with noise added. Pretend
we do not know a, b, c: start from a = b = c = 1 and let gradient descent find them. The loss is the
mean absolute error, MAE = mean |a·x² + b·x + c − y|; its gradient with respect to the prediction is
sign(prediction − y)/n, so each step moves the parameters by at most lr·mean(x², |x|, 1) — steady, not
fast. This part uses glassgrad Tensors, written exactly as PyTorch code is (lesson 10 says more).

Part 2. Why neural networks can fit *any* shape. ReLU(x) = max(0, x) is a line with one bend. A sum of
ReLUs, c₀ + Σᵢ sᵢ·ReLU(x − kᵢ), is a line with a bend at every kᵢ — a *piecewise linear* function. With
the bends at evenly spaced knots and each sᵢ the change of slope there, it passes through the target at
every knot; doubling the number of ReLUs quarters the largest error (for a smooth target, the error of
a piecewise-linear interpolant shrinks like 1/n²). A network's hidden layer of ReLUs is such a sum, with
the knots and slopes learned instead of placed.

Run: python examples/lessons/07_fastai_quadratic.py [--quick] [--out DIR]
"""

from __future__ import annotations

import numpy as np

import glassgrad as torch  # the Part III engine speaks PyTorch
from glassgrad.datasets import quadratic

from _lesson import figure, run, save, table


def fit_quadratic(steps: int, lr: float = 0.03) -> dict:
    x_np, y_np = quadratic()  # x (20, 1) evenly in [−2, 2], y (20,)
    x, y = torch.tensor(x_np[:, 0]), torch.tensor(y_np)
    params = torch.tensor([1.0, 1.0, 1.0], dtype=torch.float64, requires_grad=True)
    print(f"Part 1: fit a·x² + b·x + c to {len(y_np)} noisy points of 3x² + 2x + 1 (MAE, lr {lr}, {steps} steps)")
    losses, rows = [], []
    for step in range(steps):
        a, b, c = params
        loss = (a * x**2 + b * x + c - y).abs().mean()
        loss.backward()
        with torch.no_grad():
            params -= lr * params.grad
            params.grad.zero_()
        losses.append(loss.item())
        if step % max(1, steps // 5) == 0 or step == steps - 1:
            rows.append((step, loss.item(), *params.tolist()))
    print(table(["step", "MAE", "a", "b", "c"], rows, ["d", ".4f", ".4f", ".4f", ".4f"]))
    true_mae = float(np.mean(np.abs(3 * x_np[:, 0] ** 2 + 2 * x_np[:, 0] + 1 - y_np)))
    print(f"the true curve 3x² + 2x + 1 itself has MAE {true_mae:.4f} on these noisy points")
    return {"losses": losses, "params": params.tolist(), "true_mae": true_mae, "x": x_np[:, 0], "y": y_np}


def relu_sum(target, lo: float, hi: float, n: int):
    """c₀ + Σᵢ bᵢ·ReLU(x − kᵢ), bᵢ the change of slope at knot kᵢ: n ReLUs through target at n + 1 knots."""
    knots = np.linspace(lo, hi, n + 1)
    values = target(knots)
    slopes = np.diff(values) / np.diff(knots)  # slope of each of the n pieces
    bends = np.concatenate([[slopes[0]], np.diff(slopes)])  # ReLU i turns the slope by bends[i] at knots[i]
    knots_t, bends_t = torch.tensor(knots[:-1]), torch.tensor(bends)

    def g(x):
        x = torch.tensor(x)
        return (values[0] + (bends_t * torch.relu(x[:, None] - knots_t)).sum(dim=1)).numpy()

    return g


def relus_make_shapes(sizes) -> dict:
    def target(x):
        return np.sin(3 * x) + 0.5 * x**2

    print("Part 2: sin(3x) + x²/2 on [−2, 2] as a sum of n ReLUs")
    grid = np.linspace(-2.0, 2.0, 2001)
    errors, curves = {}, {}
    for n in sizes:
        g = relu_sum(target, -2.0, 2.0, n)
        curves[n] = g(grid)
        errors[n] = float(np.max(np.abs(curves[n] - target(grid))))
    rows = [(n, errors[n], errors[sizes[i - 1]] / errors[n] if i else "") for i, n in enumerate(sizes)]
    print(table(["ReLUs", "largest error", "shrunk by"], rows, ["d", ".5f", ".2f"]))
    print("doubling the ReLUs divides the error by about 4, as 1/n² says: enough ReLUs fit any smooth shape")
    return {"errors": errors, "grid": grid, "curves": curves, "target": target(grid)}


def main(quick: bool = False, out=None) -> dict:
    fit = fit_quadratic(40 if quick else 100)
    print()
    shapes = relus_make_shapes([2, 4, 8, 16, 32] if quick else [2, 4, 8, 16, 32, 64, 128])

    fig, ax = figure(out, "07_quadratic_fit.png")
    if fig is not None:
        xs = np.linspace(-2, 2, 200)
        a, b, c = fit["params"]
        ax.scatter(fit["x"], fit["y"], label="noisy data")
        ax.plot(xs, 3 * xs**2 + 2 * xs + 1, "--", label="true 3x² + 2x + 1")
        ax.plot(xs, a * xs**2 + b * xs + c, label=f"fit {a:.2f}x² + {b:.2f}x + {c:.2f}")
        ax.legend()
        ax.set_title("Gradient descent on the mean absolute error")
        save(fig)
    fig, ax = figure(out, "07_relu_sums.png")
    if fig is not None:
        ax.plot(shapes["grid"], shapes["target"], "k", lw=3, label="sin(3x) + x²/2")
        for n in list(shapes["curves"])[:4]:
            ax.plot(shapes["grid"], shapes["curves"][n], label=f"{n} ReLUs")
        ax.legend()
        ax.set_title("Any shape from a sum of ReLUs")
        save(fig)
    return {"losses": fit["losses"], "params": fit["params"], "true_mae": fit["true_mae"],
            "relu_errors": shapes["errors"]}


if __name__ == "__main__":
    run(main, __doc__)
