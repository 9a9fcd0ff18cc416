"""``nn.AdaptiveLogSoftmaxWithLoss`` — a softmax over a large vocabulary that spends little on rare words.

Part III, nn chapter (Grave et al., "Efficient softmax approximation for GPUs", 2016). The classes are
sorted by frequency and cut into a *shortlist* of frequent classes and a few *clusters* of rarer ones:

    cutoffs = [c1, c2]:  shortlist 0..c1-1,  cluster 1 = c1..c2-1,  cluster 2 = c2..n_classes-1

The *head* is one linear layer giving a score to each shortlist class and one to each cluster. A cluster
class's log-probability is then a product of two probabilities, a sum of two log-probabilities:

    log p(class) = log p_head(its cluster) + log p_cluster(class | cluster)

and each cluster has its own small *tail* network, ``Linear(in, in // div_value**k) → Linear(·, size)``,
so rarer clusters cost less. ``forward(input, target)`` returns ``(output, loss)``: ``output`` the
target classes' log-probabilities, ``loss`` their negated mean. ``log_prob`` gives all classes' and
``predict`` the most likely class. Built from Linear, log_softmax, gather and index_copy, so its
gradients are theirs.
"""

from __future__ import annotations

from collections import namedtuple

from glassgrad.creation import zeros
from glassgrad.nn import functional as F
from glassgrad.nn.container import ModuleList, Sequential
from glassgrad.nn.linear import Linear
from glassgrad.nn.module import Module
from glassgrad.ops.joining import cat

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """A shortlist softmax plus one tail network per cluster of rarer classes (see the module docstring)."""

    def __init__(self, in_features: int, n_classes: int, cutoffs, div_value: float = 4.0, head_bias: bool = False,
                 device=None, dtype=None) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted in an increasing "
                             "order, where each value is between 1 and n_classes-1")
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, dtype=dtype)
        self.tail = ModuleList()
        for k in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (k + 1)))
            size = self.cutoffs[k + 1] - self.cutoffs[k]
            self.tail.append(Sequential(Linear(in_features, hidden, bias=False, dtype=dtype),
                                        Linear(hidden, size, bias=False, dtype=dtype)))

    def reset_parameters(self) -> None:
        self.head.reset_parameters()
        for to_hidden, to_classes in self.tail:
            to_hidden.reset_parameters()
            to_classes.reset_parameters()

    def forward(self, input_, target_):
        """``(output, loss)``: each row's log-probability of its target class, and their negated mean."""
        if target_.dim() == 1:
            if input_.size(0) != target_.size(0):
                raise RuntimeError("Input and target should have the same size in the batch dimension.")
            if input_.dim() != 2:
                raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with size "
                                   f"{input_.size()}")
        elif target_.dim() == 0:
            if input_.dim() != 1:
                raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with size "
                                   f"{input_.size()}")
        else:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        batched = target_.dim() > 0
        input = input_ if batched else input_.unsqueeze(0)  # noqa: A001
        target = target_ if batched else target_.unsqueeze(0)
        batch = target.size(0)

        head_index = target.clone()  # which head score each row reads: its class, or its cluster's slot
        in_cluster = zeros(batch, dtype=input.dtype)  # log p_cluster(class | cluster), 0 for the shortlist
        rows_seen = 0
        bounds = [0] + self.cutoffs
        for k, (low, high) in enumerate(zip(bounds, bounds[1:])):
            rows = ((target >= low) & (target < high)).nonzero().flatten()
            if rows.numel() == 0:
                continue
            rows_seen += rows.numel()
            if k == 0:
                continue
            head_index.index_fill_(0, rows, self.shortlist_size + k - 1)
            cluster_logprob = F.log_softmax(self.tail[k - 1](input.index_select(0, rows)), dim=1)
            local_target = (target.index_select(0, rows) - low).unsqueeze(1)
            in_cluster = in_cluster.index_copy(0, rows, cluster_logprob.gather(1, local_target).squeeze(1))
        if rows_seen != batch:
            raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                               f"[{target.min().item()}, {target.max().item()}] were found. ")
        head_logprob = F.log_softmax(self.head(input), dim=1)
        output = in_cluster + head_logprob.gather(1, head_index.unsqueeze(1)).squeeze(1)
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.squeeze(0), loss)

    def _full_log_prob(self, input, head_output):  # noqa: A002
        """Every class's log-probability: shortlist from the head, cluster classes as the two-part sum."""
        head_logprob = F.log_softmax(head_output, dim=1)
        parts = [head_logprob[:, :self.shortlist_size]]
        for k in range(self.n_clusters):
            cluster_logprob = F.log_softmax(self.tail[k](input), dim=1)
            parts.append(cluster_logprob + head_logprob[:, self.shortlist_size + k].unsqueeze(1))
        return cat(parts, dim=1)

    def log_prob(self, input):  # noqa: A002
        """(N, in_features) -> (N, n_classes) log-probabilities of every class."""
        return self._full_log_prob(input, self.head(input))

    def predict(self, input):  # noqa: A002
        """(N, in_features) -> (N,) the most likely class of each row (the full softmax only where needed)."""
        head_output = self.head(input)
        best = head_output.argmax(dim=1)
        outside = best >= self.shortlist_size
        if not outside.any():
            return best
        if outside.all():
            return self._full_log_prob(input, head_output).argmax(dim=1)
        best[outside] = self._full_log_prob(input[outside], head_output[outside]).argmax(dim=1)
        return best
