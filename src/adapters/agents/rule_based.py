"""``RuleBasedAdvisor``: the default advisor, with no LLM. It proposes nothing, on purpose.

The tenant's pricing rule already lives in the core: reference price (lowest, median, a named
competitor...), strategy (match, beat by percent or amount, sit above) and fallback (hold or
target margin), all chosen by the merchant in the settings. A rule-based advisor that proposed
its own targets would either repeat that rule (adding nothing) or override the merchant's choice
with ours (which no merchant asked for). So the honest default is to make no proposal and let
the configured strategy price every product; the advisor still reports what it looked at, so a
sweep log can say "rule-based advisor: no proposals, the strategy decides".

An LLM advisor (``CrewAIAdvisor``) is the one that adds information the rule does not have
(listings found by search, judgement about the evidence); its proposals then pass the same guards.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

import attrs

from pricing_core.catalog import AdvisorProposal, CompetitorOffer, Product
from pricing_core.ports import StoreContext

REASON = "the rule-based advisor defers to the store's configured strategy"


@attrs.frozen
class RuleBasedReport:
    """What one ``propose`` call looked at (and why it proposed nothing)."""

    store_id: str
    products: int
    products_with_offers: int
    proposals: int = 0
    reason: str = REASON


class RuleBasedAdvisor:
    """``PricingAdvisor`` with no model: no proposals, the core's strategy prices every product."""

    source = "rule-based"
    # It proposes nothing, so there is no per-call cost to save: the sweep keeps its page-by-page
    # flow (no pages held back waiting for advice).
    wants_whole_run = False

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reports: dict[str, RuleBasedReport] = {}

    def propose(
        self,
        context: StoreContext,
        products: Sequence[Product],
        offers: Mapping[str, Sequence[CompetitorOffer]],
    ) -> Mapping[str, AdvisorProposal]:
        """No proposals; records how many products (and how many with offers) it was asked about."""
        report = RuleBasedReport(
            store_id=context.store_id,
            products=len(products),
            products_with_offers=sum(1 for p in products if offers.get(p.id)),
        )
        with self._lock:
            self.reports[context.store_id] = report
        return {}


__all__ = ["REASON", "RuleBasedAdvisor", "RuleBasedReport"]
