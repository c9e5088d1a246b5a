"""Demand: a product's own-price elasticity learned from its daily sales, and the price that earns most under it.

- ``model``: the values, a day's sales (``SalesObservation``) and an elasticity estimate with its
  90% interval (``ElasticityEstimate``) on a constant-elasticity demand curve, and the weak prior;
- ``estimation``: the Bayesian Poisson fit of one product's elasticity (``estimate_elasticity``);
- ``pooling``: priors from many products: a group's pooled prior (``pool_estimates``) and each
  category's, shrunk toward the store's (``category_priors``);
- ``weekly``: the store's weekly pattern of demand (``weekday_factors``), which the fit takes out;
- ``profit``: pricing under an estimate, the profit-maximizing price (at the estimate and in
  expectation over its uncertainty), the expected change in daily profit, the side of a price test.

Every public name is importable from ``pricing_core.demand`` itself. Money stays ``Decimal``;
statistics are ``float``.
"""

from __future__ import annotations

from pricing_core.demand.estimation import estimate_elasticity
from pricing_core.demand.model import WEAK_PRIOR, Z90, DemandError, ElasticityEstimate, SalesObservation
from pricing_core.demand.pooling import MIN_CATEGORY_SPREAD, MIN_POOLED_PRODUCTS, category_priors, pool_estimates
from pricing_core.demand.profit import (
    EXPLORATION_WEEK_DAYS,
    ProfitChange,
    daily_profit,
    expected_profit_price,
    exploration_direction,
    inelastic_probability,
    optimal_price,
    profit_change,
)
from pricing_core.demand.weekly import weekday_factors

__all__ = [
    "EXPLORATION_WEEK_DAYS",
    "MIN_CATEGORY_SPREAD",
    "MIN_POOLED_PRODUCTS",
    "WEAK_PRIOR",
    "Z90",
    "DemandError",
    "ElasticityEstimate",
    "ProfitChange",
    "SalesObservation",
    "category_priors",
    "daily_profit",
    "estimate_elasticity",
    "expected_profit_price",
    "exploration_direction",
    "inelastic_probability",
    "optimal_price",
    "pool_estimates",
    "profit_change",
    "weekday_factors",
]
