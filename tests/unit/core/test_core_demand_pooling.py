"""``category_priors``: category priors shrunk toward the store's, never narrower than the store's typical spread."""

from __future__ import annotations

import math

from pricing_core.demand import WEAK_PRIOR, Z90, ElasticityEstimate, category_priors, pool_estimates


def _measured(values: list[float], sd: float = 0.1) -> list[ElasticityEstimate]:
    """Estimates made with the weak prior whose data measured each value with ``sd``."""
    out = []
    for v in values:
        precision = sd**-2 + WEAK_PRIOR.sd**-2
        centre = (v * sd**-2 + WEAK_PRIOR.value * WEAK_PRIOR.sd**-2) / precision
        half = Z90 / math.sqrt(precision)
        out.append(ElasticityEstimate(centre, centre - half, centre + half, 56))
    return out


def test_a_category_that_looks_homogeneous_by_luck_is_no_narrower_than_the_typical_category() -> None:
    spread = [-1.0 - 2.5 * i / 11 for i in range(12)]   # products about 0.8 apart (sd) in most categories
    groups = {"a": _measured(spread), "b": _measured(spread[::-1]), "c": _measured(spread[3:] + spread[:3]),
              "lucky": _measured([-2.2 + 0.01 * (i % 2) for i in range(12)])}
    priors, _ = category_priors(groups)
    alone = pool_estimates(groups["lucky"])
    assert alone.width < 1.0  # on its own it would claim to know its products within +-0.5
    assert priors["lucky"].width >= priors["a"].width * 0.95
    assert abs(priors["lucky"].value + 2.2) < 0.3  # still centred near its own products


def test_distinct_categories_keep_their_own_centres_and_widths() -> None:
    groups = {"perfume": _measured([-0.8 - 0.02 * (i % 5) for i in range(15)]),
              "phones": _measured([-3.5 - 0.02 * (i % 5) for i in range(15)])}
    priors, store = category_priors(groups)
    assert abs(priors["perfume"].value + 0.84) < 0.05 and abs(priors["phones"].value + 3.54) < 0.05
    assert priors["perfume"].width < store.width and priors["phones"].width < store.width
