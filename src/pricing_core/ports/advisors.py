"""Optional pricing advisors (an LLM crew, rule-based ones): proposals the core validates and guards."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import attrs

from pricing_core.catalog import AdvisorProposal, CompetitorOffer, Product
from pricing_core.settings import TenantSettings


@attrs.frozen(kw_only=True)
class StoreContext:
    """What an advisor knows about the store it advises (passed explicitly, never through env vars)."""

    store_id: str
    store_name: str
    settings: TenantSettings


class PricingAdvisor(Protocol):
    """Optional price proposals. The core validates and guards every one of them.

    Optional capability, read by the sweep with ``getattr(advisor, "wants_whole_run", False)``
    (so an advisor without the attribute keeps working): ``wants_whole_run = True`` asks the
    sweep to call ``propose`` once for the whole run's products instead of once per catalog
    page. An advisor with a fixed cost per call (an LLM crew: one kickoff, one token budget)
    sets it; the sweep then buffers the gathered pages and calls ``propose`` once per run, or
    once per ``advice_cap`` products on very large catalogs (see ``optimize_store``), and
    prices the buffered pages afterwards exactly as it would have page by page.
    """

    def propose(
        self,
        context: StoreContext,
        products: Sequence[Product],
        offers: Mapping[str, Sequence[CompetitorOffer]],
    ) -> Mapping[str, AdvisorProposal]:
        """Proposals by product id; products without a proposal are priced by the strategy alone."""
        ...


__all__ = [
    "PricingAdvisor",
    "StoreContext",
]
