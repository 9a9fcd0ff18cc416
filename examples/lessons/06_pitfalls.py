"""Lesson 6 — pitfalls, shown with numbers.

1. **Forgetting zero_grad.** ``backward()`` *adds* into ``.grad`` (lesson 4: it must, for nodes used
   twice). Between training steps nobody resets it unless you do, so step k uses the sum of all k
   gradients so far: k backward passes at the same weights give exactly k times the gradient, and in
   training the steps grow until the loss jumps around instead of falling.
2. **The learning rate.** On L(w) = w², the gradient is 2w and one step gives w ← w − lr·2w = (1 − 2·lr)·w.
   So |w| shrinks by |1 − 2·lr| per step: lr = 0.1 shrinks it by 0.8 (good), lr = 0.001 by 0.998 (a
   crawl), lr = 0.5 lands on the minimum in one step, and lr = 1.1 *multiplies* it by −1.2 (divergence).
   Every loss looks like a w² near its minimum, with its own curvature; the same three regimes appear.
3. **Saturated tanh.** tanh′(n) = 1 − tanh²(n) is 1 at n = 0 but 0.07 at n = 2 and 8e-9 at n = 10. A
   neuron whose pre-activation is large passes back almost no gradient, so its weights hardly move: the
   *vanishing gradient*. Large initial weights do this to a whole network.

Run: python examples/lessons/06_pitfalls.py [--quick] [--out DIR]
"""

from __future__ import annotations

import math

from glassgrad import Value
from glassgrad.scalar import MLP

from _lesson import figure, run, save, table

XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]


def loss_of(model):
    return sum((model(x) - y) ** 2 for x, y in zip(XS, YS))


def forgetting_zero_grad(steps: int) -> dict:
    print("1. Forgetting zero_grad")
    model = MLP(3, [4, 4, 1], activation="tanh", seed=1)
    params = model.parameters()
    once = None
    k_rows = []
    for k in range(1, 4):
        loss_of(model).backward()  # same weights each time, no zero_grad in between
        if once is None:
            once = [p.grad for p in params]
        k_rows.append((k, params[0].grad, params[0].grad / once[0]))
    print("   backward k times at the same weights, never zeroing: the first weight's grad")
    print(table(["k", "w.grad", "× first"], k_rows, ["d", ".6f", ".12f"]))
    # every parameter, not just the one printed: after 3 passes each grad is 3× its first value
    worst = max(abs(p.grad - 3.0 * g) / max(abs(g), 1e-300) for p, g in zip(params, once) if g != 0.0)

    histories, step_sizes = {}, {}
    for zero in (True, False):
        model = MLP(3, [4, 4, 1], activation="tanh", seed=1)
        params = model.parameters()
        losses, sizes = [], []
        for _ in range(steps):
            loss = loss_of(model)
            if zero:
                model.zero_grad()
            loss.backward()
            sizes.append(0.05 * math.sqrt(sum(p.grad**2 for p in params)))  # length of the update
            for p in params:
                p.data -= 0.05 * p.grad
            losses.append(loss.data)
        histories[zero], step_sizes[zero] = losses, sizes
    rows = [(i, histories[True][i], step_sizes[True][i], histories[False][i], step_sizes[False][i])
            for i in range(0, steps, max(1, steps // 5))] + [
        (steps - 1, histories[True][-1], step_sizes[True][-1], histories[False][-1], step_sizes[False][-1])]
    print("   lesson 5's network, lr 0.05, with and without zero_grad:")
    print(table(["step", "loss (zeroed)", "step size", "loss (forgot)", "step size"], rows,
                ["d", ".3e", ".4f", ".3e", ".4f"]))
    ratio = step_sizes[False][-1] / step_sizes[True][-1]
    print(f"   after {steps} steps the forgetful update is {ratio:.0f}× longer and its loss "
          f"{histories[False][-1] / histories[True][-1]:.0f}× higher")
    return {"grad_ratios": [row[2] for row in k_rows], "worst_relative_deviation_from_3x": worst,
            "loss_zeroed": histories[True], "loss_forgot": histories[False],
            "step_zeroed": step_sizes[True], "step_forgot": step_sizes[False], "final_step_ratio": ratio}


def learning_rates(steps: int) -> dict:
    print("2. The learning rate, on L(w) = w² from w = 1 (each step multiplies w by 1 − 2·lr)")
    rates = {"too small": 0.001, "good": 0.1, "exact": 0.5, "too large": 1.1}
    paths = {}
    for name, lr in rates.items():
        w = Value(1.0, label="w")
        path = [w.data]
        for _ in range(steps):
            w.grad = 0.0
            loss = w * w
            loss.backward()
            w.data -= lr * w.grad
            path.append(w.data)
        paths[name] = path
    rows = [(f"{name} (lr {lr:g})", 1 - 2 * lr, *(paths[name][i] for i in (1, 2, 5, steps)))
            for name, lr in rates.items()]
    print(table(["", "factor 1 − 2lr", "w after 1", "2", "5", f"{steps} steps"], rows,
                ["", "+.3f", "+.6g", "+.6g", "+.6g", "+.6g"]))
    print(f"   too large: |w| grew {abs(paths['too large'][-1]):.3g}× in {steps} steps (diverged); "
          f"too small: w = {paths['too small'][-1]:.3f}, still far from 0")
    return {"rates": rates, "paths": paths}


def saturated_tanh(steps: int) -> dict:
    print("3. Saturated tanh: tanh′(n) = 1 − tanh²(n)")
    ns = [0.0, 1.0, 2.0, 5.0, 10.0]
    rows = []
    for n in ns:
        v = Value(n)
        o = v.tanh()
        o.backward()
        rows.append((n, o.data, v.grad))
    print(table(["n", "tanh(n)", "tanh′(n)"], rows, [".0f", ".10f", ".3e"]))
    print(f"   one neuron o = tanh(w·x), x = 1, learning the target −0.5 (lr 0.5, {steps} steps):")
    result = {"tanh_prime": {n: g for n, _, g in rows}}
    learn_rows = []
    for w0 in (0.5, 6.0):
        w = Value(w0, label="w")
        first_grad = None
        for _ in range(steps):
            w.grad = 0.0
            loss = (w.tanh() - (-0.5)) ** 2
            loss.backward()
            first_grad = w.grad if first_grad is None else first_grad
            w.data -= 0.5 * w.grad
        final_loss = (math.tanh(w.data) + 0.5) ** 2
        learn_rows.append((w0, first_grad, w.data, final_loss))
        result[f"start_{w0:g}"] = {"first_grad": first_grad, "w": w.data, "loss": final_loss}
    print(table(["w start", "first ∂L/∂w", "w after", "loss after"], learn_rows,
                [".1f", "+.3e", "+.6f", ".3e"]))
    shrink = abs(result["start_0.5"]["first_grad"] / result["start_6"]["first_grad"])
    print(f"   started saturated, the gradient is {shrink:.0f}× smaller and w barely moves")
    return result


def main(quick: bool = False, out=None) -> dict:
    steps = 20 if quick else 40
    results = {"zero_grad": forgetting_zero_grad(steps)}
    print()
    results["learning_rate"] = learning_rates(steps)
    print()
    results["saturation"] = saturated_tanh(steps)

    fig, ax = figure(out, "06_learning_rates.png")
    if fig is not None:
        for name, path in results["learning_rate"]["paths"].items():
            ax.plot([abs(w) + 1e-12 for w in path], label=f"{name} (lr {results['learning_rate']['rates'][name]:g})")
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel("|w| (the minimum is at 0)")
        ax.set_title("L(w) = w²: crawl, converge, jump, diverge")
        ax.legend()
        save(fig)
    return results


if __name__ == "__main__":
    run(main, __doc__)
