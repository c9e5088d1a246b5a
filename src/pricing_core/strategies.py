"""Steps 2 and 3: the reference price from usable offers, and the strategy that places the target."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from statistics import median

import attrs

from pricing_core.catalog import CompetitorOffer
from pricing_core.settings import Reference, Strategy, TenantSettings

HUNDRED = Decimal(100)


@attrs.frozen
class ReferencePrice:
    """The competitor price the strategy starts from, and the offers it rests on."""

    price: Decimal
    basis: tuple[CompetitorOffer, ...]
    description: str


def reference_price(usable: Sequence[CompetitorOffer], settings: TenantSettings) -> ReferencePrice | None:
    """Pick the reference from usable offers (sorted cheapest first); None when there is none to pick."""
    if not usable:
        return None
    kind = settings.reference
    if kind == Reference.LOWEST:
        o = usable[0]
        return ReferencePrice(o.price, (o,), f"lowest usable offer: {o.competitor} at {o.price}")
    if kind == Reference.SECOND_LOWEST:
        o = usable[1] if len(usable) > 1 else usable[0]
        note = "second lowest" if len(usable) > 1 else "only (no second) offer"
        return ReferencePrice(o.price, (o,), f"{note}: {o.competitor} at {o.price}")
    if kind == Reference.MEDIAN:
        mid = Decimal(median(o.price for o in usable))
        return ReferencePrice(mid, tuple(usable), f"median of {len(usable)} usable offers: {mid}")
    if kind == Reference.AVERAGE:
        weights = {name.casefold(): w for name, w in settings.competitor_weights.items()}
        if weights:
            w = [weights.get(o.competitor.casefold(), Decimal(1)) for o in usable]
            avg = sum((o.price * x for o, x in zip(usable, w, strict=True)), Decimal(0)) / sum(w, Decimal(0))
            return ReferencePrice(avg, tuple(usable),
                                  f"weighted average of {len(usable)} usable offers: {avg:.2f}")
        avg = sum((o.price for o in usable), Decimal(0)) / len(usable)
        return ReferencePrice(avg, tuple(usable), f"average of {len(usable)} usable offers: {avg:.2f}")
    wanted = (settings.reference_competitor or "").casefold()
    for o in usable:
        if o.competitor.casefold() == wanted:
            return ReferencePrice(o.price, (o,), f"named competitor {o.competitor} at {o.price}")
    return None


def apply_strategy(reference: Decimal, settings: TenantSettings) -> tuple[Decimal, str]:
    """Place the target relative to the reference; returns (target, description)."""
    value = settings.strategy_value
    strategy = settings.strategy
    if strategy == Strategy.MATCH:
        return reference, "match it"
    if strategy == Strategy.BEAT_PERCENT:
        return reference * (1 - value / HUNDRED), f"beat it by {value}%"
    if strategy == Strategy.BEAT_AMOUNT:
        return reference - value, f"beat it by {value}"
    return reference * (1 + value / HUNDRED), f"sit {value}% above it"


def target_margin_price(cost: Decimal, margin_pct: Decimal, vat_fraction: Decimal, includes_vat: bool) -> Decimal:
    """The selling price that yields ``margin_pct`` gross margin on the pre-VAT price."""
    net = cost / (1 - margin_pct / HUNDRED)
    return net * (1 + vat_fraction) if includes_vat else net


__all__ = ["ReferencePrice", "apply_strategy", "reference_price", "target_margin_price"]
