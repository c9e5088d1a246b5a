"""The pricing engine: one pure function from (product, offers, settings, history, now) to a decision.

- ``pipeline``: the steps in order (hygiene, reference, strategy or advisor, guards, rounding,
  risk, action) and the entry points ``price_product`` / ``price_catalog``;
- ``prepared``: the store's settings (or a pricing rule's) made ready once per catalog;
- ``proposals``: an advisor's proposal read and checked at the strategy step;
- ``fixed_price``: a merchant's fixed price from a product override;
- ``outcome``: a priced or skipped product as a ``PricingDecision``.

Every public name is importable from ``pricing_core.engine`` itself.
"""

from __future__ import annotations

from pricing_core.engine.pipeline import PRICEABLE_STATUSES, price_catalog, price_product
from pricing_core.engine.proposals import PROPOSAL_MAX_FACTOR

__all__ = ["PRICEABLE_STATUSES", "PROPOSAL_MAX_FACTOR", "price_catalog", "price_product"]
