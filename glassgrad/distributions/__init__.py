"""``glassgrad.distributions`` — probability distributions to sample from and score, as ``torch.distributions``.

Part III, after nn: a distribution holds its parameters as tensors and answers, each with an ordinary
tensor expression (so gradients flow through ``log_prob``, ``entropy``, ``kl_divergence`` and ``rsample``):

- ``sample(shape)``: draws without a graph (a policy gradient differentiates ``log_prob`` of the draws);
- ``rsample(shape)``: a draw as a differentiable function of the parameters (the reparametrisation
  trick, loc + ε·scale) for the distributions that have one;
- ``log_prob(value)``, ``entropy()``, ``mean``, ``mode``, ``variance``, ``stddev``, ``cdf``/``icdf``;
- ``kl_divergence(p, q)``, looked up by the pair of types (``register_kl`` adds one).

Shapes: ``sample(sample_shape)`` is sample_shape + batch_shape + event_shape. Draws come from the same
generator calls PyTorch makes (``normal``, ``rand``, ``multinomial``, ``bernoulli``, ``exponential_``),
so with the same seed they are the same numbers; Gamma, Beta, Dirichlet, Poisson and Binomial use
samplers of their own and match PyTorch in distribution only. Arguments are checked as PyTorch checks
them (``validate_args``, on unless ``Distribution.set_default_validate_args(False)``).

Reading order: utils, constraints, distribution; then each distribution in its own file (normal,
categorical, bernoulli, ...); transforms and transformed_distribution; kl last.
"""

from glassgrad.distributions import constraints, transforms
from glassgrad.distributions.bernoulli import Bernoulli
from glassgrad.distributions.beta import Beta
from glassgrad.distributions.binomial import Binomial
from glassgrad.distributions.categorical import Categorical
from glassgrad.distributions.cauchy import Cauchy
from glassgrad.distributions.chi2 import Chi2
from glassgrad.distributions.constraint_registry import biject_to, transform_to
from glassgrad.distributions.continuous_bernoulli import ContinuousBernoulli
from glassgrad.distributions.dirichlet import Dirichlet
from glassgrad.distributions.distribution import Distribution
from glassgrad.distributions.exponential import Exponential
from glassgrad.distributions.gamma import Gamma
from glassgrad.distributions.geometric import Geometric
from glassgrad.distributions.gumbel import Gumbel
from glassgrad.distributions.half_cauchy import HalfCauchy
from glassgrad.distributions.half_normal import HalfNormal
from glassgrad.distributions.independent import Independent
from glassgrad.distributions.kl import kl_divergence, register_kl
from glassgrad.distributions.laplace import Laplace
from glassgrad.distributions.log_normal import LogNormal
from glassgrad.distributions.mixture_same_family import MixtureSameFamily
from glassgrad.distributions.multinomial import Multinomial
from glassgrad.distributions.multivariate_normal import MultivariateNormal
from glassgrad.distributions.negative_binomial import NegativeBinomial
from glassgrad.distributions.normal import Normal
from glassgrad.distributions.one_hot_categorical import OneHotCategorical
from glassgrad.distributions.pareto import Pareto
from glassgrad.distributions.poisson import Poisson
from glassgrad.distributions.relaxed_bernoulli import LogitRelaxedBernoulli, RelaxedBernoulli
from glassgrad.distributions.relaxed_categorical import ExpRelaxedCategorical, RelaxedOneHotCategorical
from glassgrad.distributions.studentT import StudentT
from glassgrad.distributions.transformed_distribution import TransformedDistribution
from glassgrad.distributions.transforms import (AbsTransform, AffineTransform, ComposeTransform,
                                                ExpTransform, IndependentTransform, PowerTransform,
                                                SigmoidTransform, SoftmaxTransform, StickBreakingTransform,
                                                TanhTransform, Transform)
from glassgrad.distributions.uniform import Uniform
from glassgrad.distributions.weibull import Weibull

__all__ = ["AbsTransform", "AffineTransform", "Bernoulli", "Beta", "Binomial", "Categorical", "Cauchy",
           "Chi2", "ComposeTransform", "ContinuousBernoulli", "Dirichlet", "Distribution",
           "ExpRelaxedCategorical", "ExpTransform", "Exponential", "Gamma", "Geometric", "Gumbel",
           "HalfCauchy", "HalfNormal", "Independent", "IndependentTransform", "Laplace", "LogNormal",
           "LogitRelaxedBernoulli", "MixtureSameFamily", "Multinomial", "MultivariateNormal",
           "NegativeBinomial", "Normal", "OneHotCategorical", "Pareto", "Poisson", "PowerTransform",
           "RelaxedBernoulli", "RelaxedOneHotCategorical", "SigmoidTransform", "SoftmaxTransform",
           "StickBreakingTransform", "StudentT", "TanhTransform", "Transform", "TransformedDistribution",
           "Uniform", "Weibull", "biject_to", "constraints", "kl_divergence", "register_kl", "transform_to",
           "transforms"]
