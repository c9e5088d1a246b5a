"""What a decision is checked against right before its price is written (``apply_prices.apply_records``).

The product as Salla shows it now (``read_in_salla``), a price change applied to it after the
decision (``find_overtaken``), the guards of the store's current settings, rule and override
(``find_refused``, through ``recheck_decision``), and, for a decision left APPLYING by a crash,
whether its price already landed (``already_in_salla``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import attrs

from pricing_core.catalog import PricePoint, Product
from pricing_core.decision import DecisionRecord, DecisionStatus
from pricing_core.money import quantize
from pricing_core.overrides import ProductOverride
from pricing_core.recheck import recheck_decision
from pricing_core.rules import InvalidRule, RuleBook
from pricing_core.usecases.apply_outcomes import OPTIMIZER
from pricing_core.usecases.context import ApplyPorts


@attrs.frozen
class InSalla:
    """The decisions' products as Salla shows them now; ``unreadable`` maps the ones Salla returned
    but the adapter could not price (on sale, unreadable price...) to the adapter's reason."""

    products: Mapping[str, Product]
    unreadable: Mapping[str, str]

    def missing_reason(self, product_id: str, prefix: str) -> str:
        """Why ``product_id`` is not in ``products`` (unreadable, or gone from Salla), after ``prefix``."""
        why = self.unreadable.get(product_id)
        return f"{prefix} {why}" if why else f"{prefix} the product is no longer found in Salla"


def read_in_salla(
    ports: ApplyPorts, access_token: str, records: Sequence[DecisionRecord], known: Mapping[str, Product]
) -> tuple[InSalla, int]:
    """The decisions' products as Salla shows them now: ``known`` ones, the rest read in one call."""
    ids = list(dict.fromkeys(r.decision.product_id for r in records))
    found = {pid: known[pid] for pid in ids if pid in known}
    missing = [pid for pid in ids if pid not in found]
    if not missing:
        return InSalla(found, {}), 0
    page = ports.salla_catalog.get_products(access_token, missing)
    found.update((p.id, p) for p in page.products if p.id in missing)
    unreadable = {r.product_id: r.reason for r in page.rejected if r.product_id is not None}
    return InSalla(found, unreadable), 1


def find_overtaken(records: Sequence[DecisionRecord], latest: Mapping[str, PricePoint]) -> dict[str, str]:
    """Decisions made before the latest price change applied to their product, with the reason.

    Two decisions of one product can both be approved: a merchant's approval of an older one
    and a sweep's automatic one decided meanwhile (the sweep leaves an approved decision alone).
    Whichever is applied first wins; the other was guarded against a price that is gone and is
    not written (the next sweep prices the product afresh, with the cooldown).
    """
    result: dict[str, str] = {}
    for record in records:
        point = latest.get(record.decision.product_id)
        if point is not None and point.changed_at > record.decision.decided_at:
            result[record.id] = (f"not applied: {point.price} was applied to the product at "
                                 f"{point.changed_at:%Y-%m-%d %H:%M:%S} ({point.source}), after this decision; "
                                 "the next sweep prices it again")
    return result


def find_refused(
    records: Sequence[DecisionRecord],
    in_salla: InSalla,
    book: RuleBook,
    overrides: Mapping[str, ProductOverride],
    latest: Mapping[str, PricePoint],
    now: datetime,
) -> dict[str, str]:
    """The decisions the re-check refuses now, with the reason (see ``recheck_decision``).

    A decision left APPLYING by a crash may have been sent already: its reason says "not re-sent".
    """
    refused: dict[str, str] = {}
    for record in records:
        product_id = record.decision.product_id
        prefix = "not re-sent:" if record.status is DecisionStatus.APPLYING else "not applied:"
        current = in_salla.products.get(product_id)
        if current is None:
            refused[record.id] = in_salla.missing_reason(product_id, prefix)
            continue
        try:
            settings = book.settings_for(book.rule_for(current))
        except InvalidRule as exc:
            refused[record.id] = f"{prefix} {exc}"
            continue
        reason = recheck_decision(record.decision, current, settings, last_change=latest.get(product_id),
                                  now=now, merchant_approved=record.decided_by not in (None, OPTIMIZER),
                                  override=overrides.get(product_id))
        if reason is not None:
            refused[record.id] = reason.replace("not applied:", prefix, 1)
    return refused


def already_in_salla(records: Sequence[DecisionRecord], in_salla: InSalla) -> tuple[set[str], dict[str, str]]:
    """Sort APPLYING decisions (sent, or maybe sent, before a crash) by what Salla shows now.

    Returns the ids whose decided price Salla already shows (landed) and the ids not to send again
    with the reason (diverged: Salla shows neither the price the decision was made from nor the
    decided one, so someone else changed it since, or the product is gone). The rest still show
    the old price (never sent, or Salla's bulk queue has not applied it yet) and are sent again,
    after the re-check: the same price twice is harmless, and only the final send counts.
    """
    landed: set[str] = set()
    diverged: dict[str, str] = {}
    for record in records:
        decision = record.decision
        product = in_salla.products.get(decision.product_id)
        now_in_salla = None if product is None else product.price
        if now_in_salla == decision.suggested_price:
            landed.add(record.id)
        elif now_in_salla is None:
            diverged[record.id] = in_salla.missing_reason(decision.product_id, "not re-sent:")
        elif now_in_salla != decision.old_price:
            diverged[record.id] = (f"not re-sent: Salla shows {quantize(now_in_salla)}, neither the price this "
                                   f"decision was made from ({decision.old_price}) nor the decided one "
                                   f"({decision.suggested_price}); the next sweep prices it again")
    return landed, diverged


# The recovery use case reconciles APPLYING decisions exactly as the apply path does.
def reconcile_with_salla(
    ports: ApplyPorts, access_token: str, records: Sequence[DecisionRecord]
) -> tuple[set[str], dict[str, str], int]:
    """Sort APPLYING decisions by what Salla shows now (their products read in one ``get_products``):
    the landed ids, the diverged ones with the reason, and the requests spent (see ``already_in_salla``)."""
    in_salla, requests = read_in_salla(ports, access_token, records, {})
    landed, diverged = already_in_salla(records, in_salla)
    return landed, diverged, requests


__all__ = [
    "InSalla",
    "already_in_salla",
    "find_overtaken",
    "find_refused",
    "read_in_salla",
    "reconcile_with_salla",
]
