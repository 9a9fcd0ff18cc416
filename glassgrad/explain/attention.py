"""Attention weights drawn: one heatmap per head, each row a query, each column a key it looks at.

Attention computes, for each query position i, weights over key positions j:

    w[i, j] = softmax_j(q_i · k_j / √d)       (with a causal mask: w[i, j] = 0 for j > i)

so every row is a probability distribution. ``attention(weights)`` takes those weights — shaped
(T, T), (heads, T, T) or (batch, heads, T, T), from glassgrad, PyTorch or numpy — and draws them:

    a = explain.attention(w, tokens=list("hello"))
    a.save("attention.png")     # or .svg; notebooks show it inline; print(a) gives the numbers

Besides the picture it reports each head's entropy per query, H_i = −Σ_j w[i, j] · ln w[i, j]
(0: the query looks at one key only; ln(i + 1): it spreads evenly over the i + 1 keys a causal mask
allows), and which key each query attends to most.

Where it sits: ``explain`` reads tensors through ``detach()`` and ``numpy()``; nothing here imports an
engine module.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from glassgrad.explain.health import Drawing


@dataclass
class AttentionMap(Drawing):
    """Attention weights of shape (heads, T, T) and the tokens that label their rows and columns."""
    weights: np.ndarray
    tokens: list[str]
    title: str | list[str] = "attention"   # one for all heads, or one per head

    @property
    def entropy(self) -> np.ndarray:
        """H[h, i] = −Σ_j w[h, i, j] · ln w[h, i, j]  (0 · ln 0 taken as 0), in nats."""
        w = self.weights
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(w > 0, w * np.log(np.where(w > 0, w, 1.0)), 0.0)
        return 0.0 - terms.sum(axis=-1)   # 0.0 − 0.0 is +0.0, never −0.0

    @property
    def strongest(self) -> np.ndarray:
        """strongest[h, i] = the key j with the largest weight for query i in head h."""
        return self.weights.argmax(axis=-1)

    def table(self) -> str:
        """Per head and query: the token, the key it attends to most (and how much), the entropy."""
        lines = []
        for h in range(self.weights.shape[0]):
            lines.append(f"head {h}: query → strongest key (weight), entropy in nats")
            for i, token in enumerate(self.tokens):
                j = self.strongest[h, i]
                lines.append(f"  {i:>3} {token!r:>6} → {j:>3} {self.tokens[j]!r:>6} "
                             f"({self.weights[h, i, j]:.3f})  H = {self.entropy[h, i]:.3f}")
        return "\n".join(lines)

    __str__ = table

    def figure(self):
        """A matplotlib Figure: one heatmap per head, queries down, keys across, weights in [0, 1]."""
        from matplotlib.figure import Figure  # matplotlib is optional: only drawing needs it

        heads, size = self.weights.shape[0], self.weights.shape[1]
        fig = Figure(figsize=(3.2 * heads + 1, 3.4))
        axes = np.atleast_1d(fig.subplots(1, heads))
        for h, ax in enumerate(axes):
            image = ax.imshow(self.weights[h], vmin=0.0, vmax=1.0, cmap="viridis")
            if isinstance(self.title, str):
                ax.set_title(f"{self.title}, head {h}" if heads > 1 else self.title, fontsize=9)
            else:
                ax.set_title(self.title[h], fontsize=9)
            ax.set_xticks(range(size), self.tokens, fontsize=7)
            ax.set_yticks(range(size), self.tokens, fontsize=7)
            ax.set_xlabel("key")
            ax.set_ylabel("query")
        fig.colorbar(image, ax=list(axes), shrink=0.8)
        return fig

    def _repr_html_(self) -> str:
        try:
            return self.to_svg()
        except ImportError:
            return "<pre>" + self.table().replace("&", "&amp;").replace("<", "&lt;") + "</pre>"


def attention(weights, tokens=None, *, batch: int = 0, title: str = "attention") -> AttentionMap:
    """An AttentionMap of ``weights`` (T, T), (heads, T, T) or (batch, heads, T, T); see the module doc.

    ``tokens`` label the T positions (default "0", "1", ...); ``batch`` picks the example of a 4-d input;
    ``title`` is one title for every head, or a list with one per head.
    """
    if hasattr(weights, "detach"):
        weights = weights.detach()
        weights = weights.cpu() if hasattr(weights, "cpu") else weights
        weights = weights.numpy()
    w = np.array(weights, dtype=np.float64)
    if w.ndim == 4:
        if not 0 <= batch < w.shape[0]:
            raise IndexError(f"attention(): batch {batch} is out of range for {w.shape[0]} examples")
        w = w[batch]
    elif w.ndim == 2:
        w = w[None]
    if w.ndim != 3 or w.shape[1] != w.shape[2]:
        raise ValueError(f"attention(): weights must be (T, T), (heads, T, T) or (batch, heads, T, T) with "
                         f"as many keys as queries; got shape {tuple(np.shape(weights))}")
    if not np.all(np.isfinite(w)) or (w < 0).any():
        raise ValueError("attention(): weights must be finite and non-negative (softmax outputs)")
    if not np.allclose(w.sum(axis=-1), 1.0, atol=1e-4):
        raise ValueError("attention(): each row of weights must sum to 1 (softmax over the keys); "
                         "pass the weights after softmax, not the scores")
    size = w.shape[-1]
    tokens = [str(i) for i in range(size)] if tokens is None else [str(t) for t in tokens]
    if len(tokens) != size:
        raise ValueError(f"attention(): {len(tokens)} tokens for {size} positions")
    if not isinstance(title, str) and len(title) != w.shape[0]:
        raise ValueError(f"attention(): {len(title)} titles for {w.shape[0]} heads")
    return AttentionMap(w, tokens, title if isinstance(title, str) else [str(t) for t in title])
