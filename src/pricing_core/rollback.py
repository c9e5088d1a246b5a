"""Rolling back a run's price changes: for each product, may the price from before the run come back?

A run's applied decision moved a product from ``old_price`` to ``suggested_price``. Rolling it back
writes ``old_price`` again, but only while Salla still shows the price the run set and no later
change was recorded (compare-and-set: a price changed since, by the merchant or by a later
change, is left as it is, with the reason), and only when the previous price passes today's
guards, or the merchant confirmed it anyway. The guards are the ones that fix where a price may
*be* (the margin floor of today's cost, minimum margin and VAT; MAP; the minimum and maximum price;
the store's direction lock; the product's override: excluded, fixed price), taken from today's
settings with the product's rule on top. The maximum change per run and the cooldown are not
checked: they pace the optimizer's own steps, and a rollback is the merchant undoing one.

Pure: ``usecases/rollback.py`` reads the run, Salla and the settings, holds the locks, writes
and records; this module judges one product (:func:`judge_restore`) and builds the decision that
records a restore (:func:`restore_record`), which is also the rollback's per-product marker: its
id derives from the rolled-back decision (and the attempt, when an earlier one ended unwritten),
so a product is restored at most once per decision.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import attrs

from pricing_core.catalog import PricePoint, Product
from pricing_core.decision import Action, DecisionRecord, DecisionStatus, PricingDecision, RiskLevel
from pricing_core.guards import margin_floor, margin_of
from pricing_core.money import HUNDRED, percent_change, quantize
from pricing_core.overrides import ProductOverride
from pricing_core.settings import DirectionLock, TenantSettings

# The strategy name of a restore decision, and the price-history source of a restored price.
ROLLBACK = "rollback"
# Namespace of the restore decisions' ids (uuid5 of the rolled-back decision's id).
_ROLLBACK_NAMESPACE = uuid.UUID("2c4b7a51-0d6e-4f38-8a2b-93e1c7d5f604")


class RollbackOutcome(StrEnum):
    """What a rollback does (or, in a dry run, would do) to one product."""

    RESTORE = "restore"                          # the previous price is to be written (dry run: would be)
    RESTORED = "restored"                        # written by this rollback (or found written after a crash)
    ALREADY_RESTORED = "already_restored"        # an earlier rollback restored it
    NEEDS_CONFIRMATION = "needs_confirmation"    # the previous price breaks a guard of today's settings
    LEFT = "left"                                # not restored; ``reason`` says why


_OUTCOME_ORDER = {o: i for i, o in enumerate(RollbackOutcome)}


@attrs.frozen(kw_only=True)
class RollbackItem:
    """One product a run changed, and what rolling the run back does to it.

    ``previous_price`` is the price before the run (what a rollback restores), ``run_price`` the
    one the run set, ``current_price`` what Salla shows now (None: not read, or not found).
    ``guard_breaks`` lists the guards of today's settings the previous price breaks (restored
    only with the merchant's confirmation).
    """

    product_id: str
    name: str
    decision_id: str
    previous_price: Decimal
    run_price: Decimal
    current_price: Decimal | None
    currency: str
    outcome: RollbackOutcome
    reason: str | None = None
    guard_breaks: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON shape (amounts as strings, so no float rounds them)."""
        return {
            "product_id": self.product_id,
            "name": self.name,
            "decision_id": self.decision_id,
            "previous_price": str(self.previous_price),
            "run_price": str(self.run_price),
            "current_price": None if self.current_price is None else str(self.current_price),
            "currency": self.currency,
            "outcome": self.outcome.value,
            "reason": self.reason,
            "guard_breaks": list(self.guard_breaks),
        }


@attrs.frozen(kw_only=True)
class RollbackReport:
    """What a rollback of ``run_id`` did (or, ``dry_run``, would do), product by product."""

    store_id: str
    run_id: str
    dry_run: bool
    items: tuple[RollbackItem, ...] = ()
    requests: int = 0

    @classmethod
    def of_items(cls, store_id: str, run_id: str, items: Iterable[RollbackItem], *, dry_run: bool,
                 requests: int = 0) -> RollbackReport:
        """A report of ``items`` in reading order: what is to be done first, then by product name."""
        ordered = sorted(items, key=lambda i: (_OUTCOME_ORDER[i.outcome], i.name, i.product_id))
        return cls(store_id=store_id, run_id=run_id, dry_run=dry_run, items=tuple(ordered), requests=requests)

    def of(self, *outcomes: RollbackOutcome) -> list[RollbackItem]:
        """The items with one of ``outcomes``."""
        return [i for i in self.items if i.outcome in outcomes]

    @property
    def restored(self) -> int:
        """Products whose previous price this rollback wrote (0 in a dry run)."""
        return len(self.of(RollbackOutcome.RESTORED))

    @property
    def would_restore(self) -> int:
        """Products a dry run would restore."""
        return len(self.of(RollbackOutcome.RESTORE))

    @property
    def already_restored(self) -> int:
        """Products an earlier rollback restored (a repeat finds them all here)."""
        return len(self.of(RollbackOutcome.ALREADY_RESTORED))

    @property
    def left(self) -> list[RollbackItem]:
        """Products not restored, each with its reason (the guard-breaking ones included)."""
        return self.of(RollbackOutcome.LEFT, RollbackOutcome.NEEDS_CONFIRMATION)

    @property
    def needs_confirmation(self) -> list[RollbackItem]:
        """Products whose previous price breaks a guard of today's settings, not restored."""
        return self.of(RollbackOutcome.NEEDS_CONFIRMATION)

    def as_json(self) -> dict[str, Any]:
        """The API's and the CLI's JSON shape."""
        return {
            "store_id": self.store_id,
            "run_id": self.run_id,
            "dry_run": self.dry_run,
            "restored": self.restored,
            "would_restore": self.would_restore,
            "already_restored": self.already_restored,
            "left": [{"product_id": i.product_id, "reason": i.reason or "", "outcome": i.outcome.value}
                     for i in self.left],
            "needs_confirmation": [{"product_id": i.product_id, "previous_price": str(i.previous_price),
                                    "guard_breaks": list(i.guard_breaks)} for i in self.needs_confirmation],
            "items": [i.as_dict() for i in self.items],
        }


def rollback_key(decision_id: str, attempt: int = 1) -> str:
    """The idempotency key of the decision that restores the price ``decision_id`` replaced.

    One per attempt: a later attempt exists only once the one before ended without writing the
    price (failed, rejected, superseded), so at most one attempt per decision is ever applied.
    """
    base = f"{ROLLBACK}:{decision_id}"
    return base if attempt == 1 else f"{base}:{attempt}"


def rollback_decision_id(decision_id: str, attempt: int = 1) -> str:
    """The id of that decision: the same rolled-back decision and attempt always name the same row."""
    return str(uuid.uuid5(_ROLLBACK_NAMESPACE, rollback_key(decision_id, attempt)))


def attempt_of(marker: DecisionRecord, decision_id: str) -> int:
    """Which attempt at restoring ``decision_id``'s previous price the restore decision ``marker`` is."""
    rest = marker.idempotency_key.removeprefix(rollback_key(decision_id))
    return int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else 1


def item_for(record: DecisionRecord, outcome: RollbackOutcome, *, current: Decimal | None = None,
             reason: str | None = None, guard_breaks: tuple[str, ...] = ()) -> RollbackItem:
    """The item of the run's decision ``record`` with ``outcome``."""
    d = record.decision
    return RollbackItem(product_id=d.product_id, name=d.name, decision_id=record.id, previous_price=d.old_price,
                        run_price=d.suggested_price, current_price=current, currency=d.currency, outcome=outcome,
                        reason=reason, guard_breaks=guard_breaks)


def effective_product(product: Product, override: ProductOverride | None) -> Product:
    """The product as the guards see it: an override's cost replaces Salla's."""
    if override is not None and override.cost_price is not None:
        return attrs.evolve(product, cost_price=override.cost_price)
    return product


def restore_guard_breaks(
    price: Decimal, product: Product, settings: TenantSettings, override: ProductOverride | None
) -> tuple[str, ...]:
    """Every guard of today's settings that writing ``price`` to ``product`` (as Salla shows it now) breaks.

    ``settings`` are the ones that price the product (the store's, its rule on top); ``override``
    the product's. Empty: the price may be written without a confirmation.
    """
    breaks: list[str] = []
    product = effective_product(product, override)
    now_price = quantize(product.price)
    if override is not None and override.excluded:
        breaks.append("the product is excluded from automatic pricing")
    if product.cost_price is None:
        if price < now_price:
            breaks.append(f"no cost is known, so lowering {now_price} to {price} cannot be checked against the "
                          "minimum margin")
    else:
        floor = margin_floor(product.cost_price, settings.margin_fraction, settings.vat_fraction,
                             product.prices_include_vat)
        if price < floor:
            vat = f", VAT {settings.vat_rate}% included" if product.prices_include_vat else ""
            breaks.append(f"{price} is below the margin floor {floor} (cost {product.cost_price}, minimum margin "
                          f"{settings.min_profit_margin}%{vat})")
    map_price = override.map_price if override is not None else None
    if map_price is not None and price < map_price:
        breaks.append(f"{price} is below the minimum advertised price {map_price}")
    lowest = override.min_price if override is not None and override.min_price is not None else settings.min_price
    highest = override.max_price if override is not None and override.max_price is not None else settings.max_price
    if lowest is not None and price < lowest:
        breaks.append(f"{price} is below the minimum price {lowest}")
    if highest is not None and price > highest:
        breaks.append(f"{price} is above the maximum price {highest}")
    if override is not None and override.fixed_price is not None and price != quantize(override.fixed_price):
        breaks.append(f"the product's price is fixed at {quantize(override.fixed_price)}")
    if settings.direction_lock is DirectionLock.DOWN_ONLY and price > now_price:
        breaks.append(f"the store allows decreases only (direction lock), and {price} raises {now_price}")
    elif settings.direction_lock is DirectionLock.UP_ONLY and price < now_price:
        breaks.append(f"the store allows raises only (direction lock), and {price} lowers {now_price}")
    return tuple(breaks)


@attrs.frozen(kw_only=True)
class Judgment:
    """Whether one product's previous price may be restored now: the outcome, why, and the guards it breaks."""

    outcome: RollbackOutcome
    reason: str | None = None
    guard_breaks: tuple[str, ...] = ()


def judge_restore(
    record: DecisionRecord,
    current: Product | None,
    *,
    settings: TenantSettings | str,
    override: ProductOverride | None,
    later_change: PricePoint | None,
    confirm_guard_breaks: bool,
    missing_reason: str | None = None,
) -> Judgment:
    """Judge restoring the price the run's decision ``record`` replaced.

    ``current`` is the product as Salla shows it now (None: not found; ``missing_reason`` says
    why when the adapter knows), ``settings`` today's settings of the product (the store's with its
    rule on top), or the reason they cannot be had (a rule that contradicts the store's settings),
    ``later_change`` the product's latest recorded price change when it is later than the run's.
    RESTORE only when Salla still shows the price the run set and nothing replaced it since, and
    the previous price passes today's guards or ``confirm_guard_breaks``.
    """
    d = record.decision
    if current is None:
        return Judgment(outcome=RollbackOutcome.LEFT,
                        reason=f"not found in Salla: {missing_reason or 'the product is no longer in the store'}")
    now_price = quantize(current.price)
    if now_price == d.old_price:
        return Judgment(outcome=RollbackOutcome.LEFT,
                        reason=f"Salla already shows {now_price}, the price from before the run")
    if now_price != d.suggested_price:
        return Judgment(outcome=RollbackOutcome.LEFT,
                        reason=f"the price in Salla is now {now_price}, not the {d.suggested_price} this run set: "
                               "it was changed since, so it is left as it is")
    if later_change is not None:
        return Judgment(outcome=RollbackOutcome.LEFT,
                        reason=f"a later change ({later_change.price} at {later_change.changed_at:%Y-%m-%d %H:%M} "
                               f"UTC, {later_change.source}) replaced this run's, so it is left as it is")
    if isinstance(settings, str):
        return Judgment(outcome=RollbackOutcome.LEFT, reason=f"today's guards cannot be checked: {settings}")
    breaks = restore_guard_breaks(d.old_price, current, settings, override)
    if breaks and not confirm_guard_breaks:
        return Judgment(outcome=RollbackOutcome.NEEDS_CONFIRMATION,
                        reason="needs your confirmation: " + "; ".join(breaks), guard_breaks=breaks)
    return Judgment(outcome=RollbackOutcome.RESTORE, guard_breaks=breaks)


def restore_record(
    record: DecisionRecord,
    current: Product,
    *,
    settings: TenantSettings,
    override: ProductOverride | None,
    guard_breaks: tuple[str, ...],
    by: str,
    now: datetime,
    attempt: int = 1,
) -> DecisionRecord:
    """The decision that restores the price ``record`` (a run's applied decision) replaced, APPROVED.

    Its explanation says what is restored, from which run, why it may be (the compare-and-set and
    today's guards, or the merchant's confirmation of the guards it breaks) and who asked. It
    belongs to no run: it is found from the rolled-back decision by its id.
    """
    d = record.decision
    product = effective_product(current, override)
    previous, run_price = d.old_price, d.suggested_price
    floor = None
    margin_after = None
    if product.cost_price is not None:
        floor = margin_floor(product.cost_price, settings.margin_fraction, settings.vat_fraction,
                             product.prices_include_vat)
        margin_after = quantize(margin_of(previous, product.cost_price, settings.vat_fraction,
                                          product.prices_include_vat) * HUNDRED)
    run = record.run_id or "(no run)"
    steps = [
        f"Roll back of run {run}: restore {previous}, the price before the run, in place of the {run_price} "
        f"it set on {record.updated_at:%Y-%m-%d %H:%M} UTC.",
        f"Compare-and-set: Salla still shows {run_price}, the price the run set.",
    ]
    if guard_breaks:
        steps.extend(f"Restored with the merchant's confirmation although {b}." for b in guard_breaks)
    else:
        steps.append("Today's guards pass: margin floor, minimum advertised price, minimum and maximum price, "
                     "direction lock and the product's override.")
    steps.append(f"Requested by {by}.")
    decision = PricingDecision(
        product_id=d.product_id, sku=d.sku, name=d.name, old_price=run_price, suggested_price=previous,
        cost_price=product.cost_price, currency=d.currency, strategy=ROLLBACK, reference_price=None,
        floor_price=floor, risk=RiskLevel.HIGH if guard_breaks else RiskLevel.LOW, action=Action.NEEDS_APPROVAL,
        change_pct=quantize(percent_change(run_price, previous)), margin_pct_after=margin_after,
        offers_considered=0, offers_used=0, explanation=tuple(steps), decided_at=now,
        fingerprint=rollback_key(record.id, attempt),
    )
    return DecisionRecord(id=rollback_decision_id(record.id, attempt), store_id=record.store_id, run_id=None,
                          idempotency_key=rollback_key(record.id, attempt), decision=decision,
                          status=DecisionStatus.APPROVED, created_at=now, updated_at=now, decided_by=by)


__all__ = [
    "ROLLBACK",
    "Judgment",
    "RollbackItem",
    "RollbackOutcome",
    "RollbackReport",
    "attempt_of",
    "effective_product",
    "item_for",
    "judge_restore",
    "restore_guard_breaks",
    "restore_record",
    "rollback_decision_id",
    "rollback_key",
]
