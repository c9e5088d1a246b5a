"""Priors from many products: what a product with little data of its own should start from.

A product's own sales rarely pin its elasticity down; its category's and its store's products,
together, do. :func:`pool_estimates` turns a group's first-pass estimates (each made with the weak
prior) into one prior by random-effects pooling (DerSimonian-Laird): centred on the group, as wide
as the spread *between* its products. :func:`category_priors` does it on two levels, store and
category, so that a category's prior is itself shrunk toward the store's by how much categories
really differ: a store whose categories carry signal (perfumes unlike phone cases) gets priors
close to each category's, one whose categories mix everything gets the store's prior for all.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from operator import mul

import attrs

from pricing_core.demand.model import WEAK_PRIOR, Z90, ElasticityEstimate

# Products of one category do not share one elasticity exactly; a pooled prior is never narrower
# than this spread between products (in elasticity units).
MIN_CATEGORY_SPREAD = 0.25
# Fewer informative products than this and a category has nothing to pool: the weak prior is used.
MIN_POOLED_PRODUCTS = 3


@attrs.frozen
class _Pool:
    """One group's random-effects pooling: its centre, the centre's variance, the spread between members."""

    centre: float
    centre_variance: float
    spread_sq: float
    days: int


def _dersimonian_laird(values: Sequence[float], variances: Sequence[float], *, min_spread_sq: float) -> tuple[
        float, float, float]:
    """(centre, its variance, spread squared) of ``values`` measured with ``variances`` (method of moments)."""
    weights = [1.0 / v for v in variances]
    total = sum(weights)
    mean = sum(map(mul, weights, values)) / total
    q = sum(w * (x - mean) ** 2 for w, x in zip(weights, values, strict=True))
    c = total - sum(w * w for w in weights) / total
    spread_sq = max((q - (len(values) - 1)) / c if c > 0 else 0.0, min_spread_sq)
    shared = [1.0 / (v + spread_sq) for v in variances]
    return sum(map(mul, shared, values)) / sum(shared), 1.0 / sum(shared), spread_sq


def _pool(estimates: Iterable[ElasticityEstimate], made_with: ElasticityEstimate) -> _Pool | None:
    """Each estimate's data part (``made_with`` divided out) pooled; None with too few informative ones."""
    prior_precision = made_with.sd**-2 if made_with.width > 0 else math.inf
    values: list[float] = []
    variances: list[float] = []
    days = 0
    for est in estimates:
        if est.width <= 0:
            continue
        precision = est.sd**-2
        data_precision = precision - prior_precision
        if data_precision <= 1e-9 * precision:
            continue  # the estimate is the prior: no data to pool
        values.append((est.value * precision - made_with.value * prior_precision) / data_precision)
        variances.append(1.0 / data_precision)
        days += est.observations
    if len(values) < MIN_POOLED_PRODUCTS:
        return None
    centre, centre_variance, spread_sq = _dersimonian_laird(values, variances,
                                                            min_spread_sq=MIN_CATEGORY_SPREAD**2)
    return _Pool(centre, centre_variance, spread_sq, days)


def _prior(centre: float, variance: float, days: int) -> ElasticityEstimate:
    sd = math.sqrt(variance)
    return ElasticityEstimate(centre, centre - Z90 * sd, centre + Z90 * sd, days)


def pool_estimates(
    estimates: Iterable[ElasticityEstimate], *, made_with: ElasticityEstimate = WEAK_PRIOR
) -> ElasticityEstimate:
    """A category's prior from its products' estimates (random-effects pooling, DerSimonian-Laird).

    Each estimate must have been made with the prior ``made_with`` (by default the weak prior, i.e.
    ``estimate_elasticity(history)`` without a category prior): that prior is divided out so a
    product with no data adds nothing. The result is centred on the precision-weighted mean and
    is as wide as the spread *between* products (never narrower than :data:`MIN_CATEGORY_SPREAD`)
    plus the mean's own uncertainty: the prior a new product of the category should start from.
    With fewer than :data:`MIN_POOLED_PRODUCTS` informative products it returns ``made_with``.
    """
    pooled = _pool(estimates, made_with)
    if pooled is None:
        return made_with
    return _prior(pooled.centre, pooled.spread_sq + pooled.centre_variance, pooled.days)


def category_priors(
    estimates_by_category: Mapping[str, Sequence[ElasticityEstimate]], *,
    made_with: ElasticityEstimate = WEAK_PRIOR, min_products: int = 10,
) -> tuple[dict[str, ElasticityEstimate], ElasticityEstimate]:
    """Each category's prior, shrunk toward the store's, and the store's own prior.

    Three levels: products within a category (their spread, never below the median spread of the
    store's categories), the categories' centres around the store's (their spread,
    ``between``, estimated from how far apart the centres are beyond their own noise), and the
    store. A category's centre moves toward the store's centre in proportion to how noisy it is
    against ``between``; when the categories differ no more than their noise explains
    (``between`` = 0), every category is centred on the store's centre. Only categories with at
    least ``min_products`` products are pooled (a handful of products cannot show how alike they
    are); the others, the group named ``""`` (products without a category), and every category
    when fewer than two can be pooled, get the store's prior (``pool_estimates`` over all the
    estimates). Returns (priors of the pooled categories, the store's prior).
    """
    store = pool_estimates((e for group in estimates_by_category.values() for e in group), made_with=made_with)
    pools = {name: pooled for name, group in estimates_by_category.items()
             if name and len(group) >= min_products and (pooled := _pool(group, made_with)) is not None}
    if len(pools) < 2:
        return {}, store
    centres = [p.centre for p in pools.values()]
    noise = [p.centre_variance for p in pools.values()]
    middle, middle_variance, between = _dersimonian_laird(centres, noise, min_spread_sq=0.0)
    # How far products sit from their category's centre, typically in this store (the median over
    # the categories): no category's prior is narrower. One category's own figure is noisy (a few
    # lucky estimates make it look homogeneous), and a prior too narrow is the costly error; a
    # truly varied category keeps its own.
    typical = statistics.median(p.spread_sq for p in pools.values())
    priors = {}
    for name, pooled in pools.items():
        if between > 0:
            precision = 1.0 / pooled.centre_variance + 1.0 / between
            centre = (pooled.centre / pooled.centre_variance + middle / between) / precision
            centre_variance = 1.0 / precision
        else:
            centre, centre_variance = middle, middle_variance
        priors[name] = _prior(centre, max(pooled.spread_sq, typical) + centre_variance, pooled.days)
    return priors, store


__all__ = [
    "MIN_CATEGORY_SPREAD",
    "MIN_POOLED_PRODUCTS",
    "category_priors",
    "pool_estimates",
]
