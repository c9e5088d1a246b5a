"""``CrewRunReport``: what one ``propose`` call did and cost, and the token-usage reading it is built from."""

from __future__ import annotations

from typing import Any

import attrs


@attrs.define
class CrewRunReport:
    """What one ``propose`` call did and cost (read by the sweep's log, the tests and the benchmark).

    ``advisor.reports[store_id]`` keeps the latest call per store: with ``wants_whole_run`` that
    is the store's whole sweep (the last ``advice_cap`` chunk on catalogs larger than the cap).
    """

    store_id: str
    products: int = 0
    batch_size: int = 0
    batches_planned: int = 0
    batches_sent: int = 0
    batches_answered: int = 0
    kickoffs: int = 0
    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    token_budget: int = 0
    proposals: int = 0
    products_not_advised: int = 0
    stopped_reason: str | None = None
    error: str | None = None
    dropped: list[str] = attrs.field(factory=list)

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens


class BudgetExhausted(Exception):
    """Raised from the task callback to stop the crew before its next batch."""


def usage(llm: Any) -> tuple[int, int, int]:
    summary = llm.get_token_usage_summary()
    return summary.prompt_tokens, summary.completion_tokens, summary.successful_requests


__all__ = ["BudgetExhausted", "CrewRunReport", "usage"]
