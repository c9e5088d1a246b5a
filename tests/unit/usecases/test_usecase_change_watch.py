"""Watching each applied change: a store's APPLIED decisions and daily sales in, flagged changes logged once."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from adapters.memory import FakeClock, InMemoryUnitOfWorkFactory, RecordingQueue
from pricing_core.activity import ActivityType
from pricing_core.catalog import Product
from pricing_core.change_impact import ImpactPolicy
from pricing_core.commands import WatchPriceChanges
from pricing_core.decision import Action, DecisionRecord, DecisionStatus, PricingDecision, RiskLevel
from pricing_core.errors import StoreNotFound
from pricing_core.event_time import SALLA_TZ
from pricing_core.sales import DailySales
from pricing_core.stores import Store
from pricing_core.usecases.change_watch import watch_all_price_changes, watch_price_changes

STORE = "7"
CHANGE_DAY = date(2026, 3, 10)
APPLIED_AT = datetime.combine(CHANGE_DAY, time(9), tzinfo=SALLA_TZ).astimezone(UTC)


class Ports:
    def __init__(self) -> None:
        self.uow_factory = InMemoryUnitOfWorkFactory()
        self.clock = FakeClock(datetime.combine(CHANGE_DAY + timedelta(days=9), time(6), tzinfo=UTC))


def applied(product_id: str, old: str, new: str, at: datetime = APPLIED_AT, cost: str | None = "60") -> DecisionRecord:
    decision = PricingDecision(
        product_id=product_id, sku=None, name=f"Product {product_id}", old_price=Decimal(old),
        suggested_price=Decimal(new), cost_price=None if cost is None else Decimal(cost), currency="SAR",
        strategy="match", reference_price=Decimal(new), floor_price=None, risk=RiskLevel.LOW,
        action=Action.AUTO_APPLY, change_pct=Decimal(0), margin_pct_after=None, offers_considered=1, offers_used=1,
        explanation=(), decided_at=at - timedelta(minutes=5), fingerprint=f"fp-{product_id}-{at.isoformat()}",
    )
    return DecisionRecord(id=f"d-{product_id}-{at.date()}", store_id=STORE, run_id="run-9",
                          idempotency_key=f"k-{product_id}-{at.isoformat()}", decision=decision,
                          status=DecisionStatus.APPLIED, created_at=at - timedelta(minutes=5), updated_at=at)


def sold(product_id: str, first: date, n: int, units: int, unit_revenue: str) -> list[DailySales]:
    return [DailySales(product_id=product_id, day=first + timedelta(days=i), units=units,
                       revenue=Decimal(unit_revenue) * units) for i in range(n)]


@pytest.fixture
def ports() -> Ports:
    ports = Ports()
    products = [Product(id=pid, name=f"Product {pid}", price="115", cost_price="60", categories=("shoes",))
                for pid in ("p", "q", "peer")]
    before, after = CHANGE_DAY - timedelta(days=7), CHANGE_DAY + timedelta(days=1)
    sales = (sold("p", before, 7, 10, "115") + sold("p", after, 7, 6, "109.25")   # profit fell 47.5 %
             + sold("q", before, 7, 10, "115") + sold("q", after, 7, 10, "126.50")  # profit rose
             + sold("peer", before, 7, 8, "115") + sold("peer", after, 7, 8, "115"))  # the category held
    with ports.uow_factory(STORE) as uow:
        uow.stores.upsert(Store(store_id=STORE, store_name="Shoes & Co"))
        assert uow.store is not None
        uow.store.products.upsert_many(products, seen_at=APPLIED_AT)
        uow.store.decisions.add_many([applied("p", "115", "109.25"), applied("q", "115", "126.50")])
        uow.store.sales.replace_from(before, sales)
        uow.store.sales.set_resume_from(CHANGE_DAY + timedelta(days=8))  # days up to change + 7 are read
        uow.commit()
    return ports


def flagged_entries(ports: Ports) -> list:  # type: ignore[type-arg]
    with ports.uow_factory(STORE) as uow:
        assert uow.store is not None
        return uow.store.activity.list(activity_type=ActivityType.CHANGE_PROFIT_FELL)


def test_a_change_that_lost_profit_is_logged_once_with_its_figures(ports: Ports) -> None:
    result = watch_price_changes(ports, STORE)
    assert result.judged == 2
    assert result.verdicts == {"profit_fell": 1, "profit_rose": 1}
    assert [i.change.product_id for i in result.flagged] == ["p"]
    [entry] = flagged_entries(ports)
    facts = entry.metadata
    assert facts["product_id"] == "p" and facts["decision_id"] == "d-p-2026-03-10" and facts["run_id"] == "run-9"
    assert (facts["old_price"], facts["new_price"]) == ("115", "109.25")
    assert (facts["profit_before"], facts["profit_after"]) == ("400.00", "210.00")
    assert facts["profit_change_pct"] == "-47.5" and facts["control_products"] == 1
    assert "Product p" in entry.description and "rolled back" in entry.description

    again = watch_price_changes(ports, STORE)
    assert again.judged == 2 and again.flagged == ()
    assert len(flagged_entries(ports)) == 1


def test_a_change_whose_days_after_are_not_read_yet_waits(ports: Ports) -> None:
    with ports.uow_factory(STORE) as uow:
        assert uow.store is not None
        uow.store.sales.set_resume_from(CHANGE_DAY + timedelta(days=7))  # the 7th day after is still selling
        uow.commit()
    result = watch_price_changes(ports, STORE)
    assert result.judged == 0 and not flagged_entries(ports)


def test_a_longer_window_and_a_stricter_share_change_the_outcome(ports: Ports) -> None:
    result = watch_price_changes(ports, STORE, policy=ImpactPolicy(profit_drop_pct=Decimal(50)))
    assert result.flagged == () and result.verdicts == {"steady": 2}


def test_a_store_without_sales_or_at_all() -> None:
    ports = Ports()
    with ports.uow_factory(STORE) as uow:
        uow.stores.upsert(Store(store_id=STORE))
        uow.commit()
    assert watch_price_changes(ports, STORE).note == "the store's sales were never read"
    with pytest.raises(StoreNotFound):
        watch_price_changes(ports, "nope")


def test_every_active_store_is_watched(ports: Ports) -> None:
    with ports.uow_factory("8") as uow:
        uow.stores.upsert(Store(store_id="8", is_active=False))
        uow.commit()
    queue = RecordingQueue()
    assert watch_all_price_changes(ports.uow_factory, queue) == [STORE]
    assert queue.commands == [WatchPriceChanges(store_id=STORE)]
