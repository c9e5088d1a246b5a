"""Step 1 of the pipeline: offer hygiene, and whether an offer is trustworthy enough to act on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from statistics import median

import attrs

from pricing_core.catalog import CompetitorOffer, Product
from pricing_core.settings import TenantSettings

HUNDRED = Decimal(100)


@attrs.frozen
class DroppedOffer:
    """An offer that was not used, and why."""

    offer: CompetitorOffer
    reason: str


@attrs.frozen
class OfferHygiene:
    """The result of step 1: usable offers (cheapest first) and the dropped ones with reasons."""

    usable: tuple[CompetitorOffer, ...]
    dropped: tuple[DroppedOffer, ...]


def _rejection(
    offer: CompetitorOffer, product: Product, settings: TenantSettings, now: datetime, max_age: timedelta,
    own_names: frozenset[str], scope: tuple[frozenset[str], frozenset[str]],
) -> str | None:
    included, excluded = scope
    name = offer.competitor.casefold()
    if included and name not in included:
        return "not among the competitors these settings compare with"
    if name in excluded:
        return "a competitor these settings leave out"
    if offer.price <= 0:
        return f"non-positive price {offer.price}"
    if offer.observed_at > now:
        return "observed in the future"
    if offer.currency != product.currency:
        return f"currency {offer.currency} is not {product.currency}"
    if offer.is_own_store or offer.competitor.casefold() in own_names:
        return "this is the store's own listing"
    if now - offer.observed_at > max_age:
        hours = int((now - offer.observed_at).total_seconds() // 3600)
        return f"stale: observed {hours}h ago (limit {settings.max_offer_age_hours}h)"
    if not offer.in_stock:
        return "out of stock"
    if offer.confidence < settings.min_offer_confidence:
        why = f": {offer.note}" if offer.note else ""
        return f"confidence {offer.confidence} below {settings.min_offer_confidence}{why}"
    return None


def clean_offers(
    product: Product, offers: Sequence[CompetitorOffer], settings: TenantSettings, now: datetime
) -> OfferHygiene:
    """Drop offers that are invalid, stale, out of stock, low-confidence, the store's own, or outliers.

    Offers of competitors the settings leave out (``competitors_include``/``competitors_exclude``)
    are dropped with that reason; with ``include_shipping`` each price has its stated shipping added.
    """
    max_age = timedelta(hours=settings.max_offer_age_hours)
    own_names = frozenset(name.casefold() for name in settings.own_store_names)
    scope = (frozenset(n.casefold() for n in settings.competitors_include),
             frozenset(n.casefold() for n in settings.competitors_exclude))
    if settings.include_shipping:
        offers = [with_shipping(o) for o in offers]
    kept: list[CompetitorOffer] = []
    dropped: list[DroppedOffer] = []
    for offer in offers:
        reason = _rejection(offer, product, settings, now, max_age, own_names, scope)
        if reason is None:
            kept.append(offer)
        else:
            dropped.append(DroppedOffer(offer, reason))
    if len(kept) >= 3:
        # An outlier needs a crowd to stand out from: with fewer than 3 offers there is no median worth trusting.
        mid = median(o.price for o in kept)
        limit = settings.outlier_pct
        inliers = []
        for offer in kept:
            distance = abs(offer.price - mid) / mid * HUNDRED
            if distance > limit:
                dropped.append(DroppedOffer(offer, f"outlier: {distance:.0f}% from the median {mid}"))
            else:
                inliers.append(offer)
        kept = inliers
    # Sorted so the decision does not depend on the order the sources returned offers in.
    kept.sort(key=_offer_order)
    dropped.sort(key=lambda d: _offer_order(d.offer))
    return OfferHygiene(usable=tuple(kept), dropped=tuple(dropped))


def with_shipping(offer: CompetitorOffer) -> CompetitorOffer:
    """The offer as a customer pays it: its stated shipping added to the price and to its other readings."""
    if offer.shipping is None or offer.shipping <= 0:
        return offer
    extra = offer.shipping

    def plus(value: Decimal | None) -> Decimal | None:
        return None if value is None else value + extra

    return attrs.evolve(offer, price=offer.price + extra, previous_price=plus(offer.previous_price),
                        second_reading=plus(offer.second_reading), shipping=None)


def _offer_order(offer: CompetitorOffer) -> tuple[Decimal, str, datetime]:
    return (offer.price, offer.competitor, offer.observed_at)


def agrees(a: Decimal, b: Decimal, tolerance_pct: Decimal) -> bool:
    """True when ``a`` and ``b`` differ by at most ``tolerance_pct`` percent of ``a``."""
    return abs(a - b) <= a * tolerance_pct / HUNDRED


def corroboration(offer: CompetitorOffer, others: Sequence[CompetitorOffer], tolerance_pct: Decimal) -> str | None:
    """Why ``offer`` can be believed (a second reading, its previous observation, or another competitor), or None."""
    if offer.second_reading is not None and agrees(offer.price, offer.second_reading, tolerance_pct):
        return "confirmed by a second reading"
    if offer.previous_price is not None and agrees(offer.price, offer.previous_price, tolerance_pct):
        return "consistent with its previous observation"
    for other in others:
        if other.competitor != offer.competitor and agrees(offer.price, other.price, tolerance_pct):
            return f"confirmed by {other.competitor}"
    return None


__all__ = ["DroppedOffer", "OfferHygiene", "agrees", "clean_offers", "corroboration", "with_shipping"]
