"""An advisor's proposal at the strategy step: read, checked for sense, explained (the guards come after)."""

from __future__ import annotations

from decimal import Decimal

from pricing_core.catalog import AdvisorProposal
from pricing_core.money import MoneyError, quantize, to_decimal

# An advisor's target further than this factor from today's price is not a pricing idea but a mistake.
PROPOSAL_MAX_FACTOR = Decimal(3)


def read_proposal(proposal: AdvisorProposal, old: Decimal) -> tuple[Decimal | None, str]:
    """Validate an advisor's target; returns (target or None, explanation line)."""
    who = proposal.source
    try:
        target = to_decimal(proposal.target_price)
    except MoneyError:
        return None, f"Advisor {who} proposal rejected: {proposal.target_price!r} is not a price."
    if target <= 0:
        return None, f"Advisor {who} proposal rejected: {target} is not a positive price."
    if target > old * PROPOSAL_MAX_FACTOR or target * PROPOSAL_MAX_FACTOR < old:
        return None, f"Advisor {who} proposal rejected: {target} is out of range for a price of {old}."
    rationale = f" ({proposal.rationale.strip()})" if proposal.rationale.strip() else ""
    return target, f"Advisor {who} proposes {quantize(target)}{rationale}."


__all__ = [
    "PROPOSAL_MAX_FACTOR",
    "read_proposal",
]
