"""Lesson 1 — a derivative is a slope.

f(x) = 3x² − 4x + 5. Its derivative, worked out with the power rule, is f′(x) = 6x − 4, so at x = 3 the
slope is 14. Without any calculus we can *measure* the slope: nudge x by a small h and see how much f
moves. Two ways to nudge:

    forward difference   (f(x + h) − f(x)) / h          error ≈ f″·h/2       (shrinks like h)
    central difference   (f(x + h) − f(x − h)) / (2h)   error ≈ f‴·h²/6      (shrinks like h²)

Shrinking h helps — until it hurts. A float carries about 16 significant digits (machine epsilon
ε ≈ 2.2e-16), so f(x + h) − f(x) loses digits when the two are nearly equal, and dividing by a tiny h
magnifies that rounding error like ε·|f|/h. The best h balances the two errors: about √ε ≈ 1e-8 for the
forward difference, about ε^(1/3) ≈ 1e-5 for the central one. Below that the error grows again.

Here f is a quadratic, so f‴ = 0: the central difference has *no* truncation error at all, and every bit
of its error is rounding. glassgrad.scalar.gradcheck.derivative is this same formula (central by default).

Run: python examples/lessons/01_derivative.py [--quick] [--out DIR]
"""

from __future__ import annotations

from glassgrad.scalar.gradcheck import derivative

from _lesson import figure, run, save, table


def f(x):
    return 3 * x**2 - 4 * x + 5


def f_prime(x):
    """The exact derivative, by the power rule: d/dx (3x² − 4x + 5) = 6x − 4."""
    return 6 * x - 4


def main(quick: bool = False, out=None) -> dict:
    x = 3.0
    exact = f_prime(x)
    print(f"f(x) = 3x² − 4x + 5 at x = {x}: f(x) = {f(x)}, exact slope f′(x) = 6x − 4 = {exact}")
    print()
    hs = [10.0**-k for k in range(1, 16)]
    rows, forward_errors, central_errors = [], {}, {}
    for h in hs:
        fwd = derivative(f, x, h, method="forward")
        cen = derivative(f, x, h, method="central")
        forward_errors[h], central_errors[h] = abs(fwd - exact), abs(cen - exact)
        rows.append((h, fwd, forward_errors[h], cen, central_errors[h]))
    print(table(["h", "forward", "|error|", "central", "|error|"], rows, [".0e", ".10f", ".1e", ".10f", ".1e"]))
    best_forward = min(forward_errors, key=forward_errors.get)
    print()
    print(f"forward difference: error 3h exactly while h is large (f″·h/2 = 6·h/2), best at h = {best_forward:.0e}")
    print("central difference: no truncation error for a quadratic; what you see is rounding, ε·|f|/h")
    print(f"smallest h = 1e-15: forward error {forward_errors[1e-15]:.2g} — larger than at h = 1e-1")
    print()
    # The slope everywhere: the measured derivative traces the line 6x − 4.
    xs = [-2.0, -1.0, 0.0, 2 / 3, 1.0, 2.0, 3.0]
    slope_rows = [(x_, derivative(f, x_), f_prime(x_)) for x_ in xs]
    print(table(["x", "central (h=1e-6)", "6x − 4"], slope_rows, [".4f", ".6f", ".6f"]))
    print("at x = 2/3 the slope is 0: the bottom of the parabola")

    fig, ax = figure(out, "01_error_vs_h.png")
    if fig is not None:
        ax.loglog(hs, [max(forward_errors[h], 1e-17) for h in hs], "o-", label="forward")
        ax.loglog(hs, [max(central_errors[h], 1e-17) for h in hs], "s-", label="central")
        ax.set_xlabel("h")
        ax.set_ylabel("|numerical − exact| at x = 3")
        ax.set_title("Too large an h: truncation. Too small: rounding.")
        ax.legend()
        save(fig)

    return {
        "x": x,
        "slope_at_3": exact,
        "forward_error": {h: forward_errors[h] for h in hs},
        "central_error": {h: central_errors[h] for h in hs},
        "central_error_h1e-6": central_errors[1e-6],
        "best_forward_h": best_forward,
        "slopes": {x_: d for x_, d, _ in slope_rows},
    }


if __name__ == "__main__":
    run(main, __doc__)
