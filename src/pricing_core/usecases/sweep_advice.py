"""A sweep's advice buffer: gathered pages wait here until the advisor has seen all their products.

By default each page's products go to the advisor as soon as the page is gathered (one
``propose`` per page). An advisor that ``wants_whole_run`` (an LLM crew with one kickoff and one
token budget per call) is asked once per ``cap`` products (once per run below that); the gathered
pages wait meanwhile, in catalog order. Either way a page leaves the buffer, with its proposals,
once all its products have been advised, and is decided by the same code. Nothing is decided
before it is advised, so a failure while pages wait leaves them undecided and the redelivered
message gathers them again.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping, Sequence

from pricing_core.catalog import AdvisorProposal, CompetitorOffer, Product
from pricing_core.ports import PricingAdvisor, StoreContext
from pricing_core.usecases.sweep_pages import GatheredPage


class AdviceBuffer:
    """The gathered pages of one run waiting for advice, and the proposals made for their products."""

    def __init__(self, advisor: PricingAdvisor | None, context: StoreContext, cap: int) -> None:
        self.advisor = advisor
        self.context = context
        self.cap = cap
        self.whole_run = bool(getattr(advisor, "wants_whole_run", False))
        # Pages gathered but not decided yet, in catalog order; the trailing ``unadvised``
        # products of those pages have not been shown to the advisor; ``advice`` holds the
        # proposals of the advised ones until their page is decided.
        self.waiting: deque[GatheredPage] = deque()
        self.unadvised: list[Product] = []
        self.advice: dict[str, AdvisorProposal] = {}

    def add(self, gathered: GatheredPage) -> None:
        """Queue a gathered page and ask the advisor what is due: the page, or every full ``cap``."""
        self.waiting.append(gathered)
        self.unadvised.extend(gathered.products)
        if not self.whole_run:
            self._advise(len(self.unadvised))
        while len(self.unadvised) >= self.cap:
            self._advise(self.cap)

    def advise_rest(self) -> None:
        """Ask about every product not advised yet (after the last page)."""
        self._advise(len(self.unadvised))

    def ready(self) -> Iterator[tuple[GatheredPage, dict[str, AdvisorProposal]]]:
        """The waiting pages whose products have all been advised, oldest first, each with its proposals."""
        advised = sum(len(g.products) for g in self.waiting) - len(self.unadvised)
        while self.waiting and len(self.waiting[0].products) <= advised:
            gathered = self.waiting.popleft()
            advised -= len(gathered.products)
            yield gathered, {p.id: self.advice.pop(p.id) for p in gathered.products if p.id in self.advice}

    def _advise(self, count: int) -> None:
        """One ``propose`` call for the next ``count`` unadvised products, with their offers."""
        if count <= 0:
            return
        chunk, self.unadvised = self.unadvised[:count], self.unadvised[count:]
        ids = {p.id for p in chunk}
        offers = {pid: items for g in self.waiting for pid, items in g.offers.items() if pid in ids}
        proposals = self._proposals(chunk, offers)
        # Only proposals for the products asked about: a stray one must not leak into a later page.
        self.advice.update({pid: p for pid, p in proposals.items() if pid in ids})

    def _proposals(
        self, products: Sequence[Product], offers: Mapping[str, Sequence[CompetitorOffer]]
    ) -> Mapping[str, AdvisorProposal]:
        if self.advisor is None:
            return {}
        try:
            return self.advisor.propose(self.context, products, offers)
        except Exception:  # an advisor is optional: its failure never stops pricing by strategy
            return {}


__all__ = ["AdviceBuffer"]
