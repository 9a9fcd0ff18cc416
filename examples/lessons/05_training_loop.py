"""Lesson 5 — from neuron to MLP to loss to gradient descent: micrograd's training loop.

A neuron is tanh(w·x + b). A layer is several neurons looking at the same inputs; an MLP is layers in a
row. ``MLP(3, [4, 4, 1])`` takes 3 numbers, has two hidden layers of 4 tanh neurons and one linear
output: 4·(3+1) + 4·(4+1) + 1·(4+1) = 41 parameters, each a Value.

Four examples with targets ±1 (micrograd's lecture), and a loss that is 0 only when every prediction
hits its target:  loss = Σ (prediction − target)².  Then the loop every network in the world trains by:

    forward:    predictions = [model(x) for x in xs];  loss = Σ (p − y)²
    zero_grad:  every parameter's grad ← 0        (backward *adds*, lesson 4)
    backward:   loss.backward()                   (∂loss/∂p for all 41 parameters at once)
    update:     p.data ← p.data − lr · p.grad     (a small step downhill)

The PyTorch twin (05_training_loop_torch.py) starts from the very same weights and prints the very
same losses.

Run: python examples/lessons/05_training_loop.py [--quick] [--out DIR]
"""

from __future__ import annotations

from glassgrad.scalar import MLP

from _lesson import figure, run, save, table

XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]
SEED, LR = 1, 0.05


def main(quick: bool = False, out=None) -> dict:
    steps = 20 if quick else 50
    model = MLP(3, [4, 4, 1], activation="tanh", seed=SEED)
    params = model.parameters()
    print(f"{model}")
    print(f"{len(params)} parameters; learning rate {LR}; {steps} steps")
    print()
    losses, rows = [], []
    for step in range(steps):
        predictions = [model(x) for x in XS]                               # forward
        loss = sum((p - y) ** 2 for p, y in zip(predictions, YS))
        model.zero_grad()                                                  # zero_grad
        loss.backward()                                                    # backward
        for p in params:                                                   # update
            p.data -= LR * p.grad
        losses.append(loss.data)
        if step % (steps // 10) == 0 or step == steps - 1:
            rows.append((step, loss.data, *(p.data for p in predictions)))
    print(table(["step", "loss", "pred 1", "pred 2", "pred 3", "pred 4"], rows,
                ["d", ".3e", "+.4f", "+.4f", "+.4f", "+.4f"]))
    final = [model(x).data for x in XS]
    print(f"targets {YS}")
    print(f"after training: {[round(p, 4) for p in final]}")
    signs = sum((p > 0) == (y > 0) for p, y in zip(final, YS))
    print(f"loss {losses[0]:.4f} → {losses[-1]:.2e}; {signs} of 4 predictions on the right side of 0")

    fig, ax = figure(out, "05_loss.png")
    if fig is not None:
        ax.semilogy(losses)
        ax.set_xlabel("step")
        ax.set_ylabel("loss = Σ (prediction − target)²")
        ax.set_title("micrograd's loop: forward, zero_grad, backward, update")
        save(fig)
    return {"losses": losses, "final_predictions": final, "right_side": signs, "steps": steps}


if __name__ == "__main__":
    run(main, __doc__)
