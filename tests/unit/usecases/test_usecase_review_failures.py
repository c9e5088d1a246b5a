"""Correctness under failure: apply, reconcile, supersede, token batch and scheduler edge cases.

Each test pins a defect found in review (see the report); they use the in-memory ports.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from tests.support.usecase_support import StaticCompetitors, add_store, make_ports, product

from adapters.clock import SystemClock
from adapters.memory.clock import FakeClock
from adapters.memory.queue import RecordingQueue
from adapters.memory.storage import InMemoryUnitOfWorkFactory
from adapters.salla.merchant_api import SallaMerchantClient
from pricing_core.catalog import CompetitorOffer, Product
from pricing_core.decision import DecisionStatus
from pricing_core.errors import SallaUnavailable, TokenRevoked
from pricing_core.ports import PriceUpdate
from pricing_core.settings import AutomationMode
from pricing_core.tokens import RefreshOutcome
from pricing_core.usecases.apply_prices import apply_decisions
from pricing_core.usecases.optimize_store import optimize_store
from pricing_core.usecases.refresh_tokens import ensure_fresh_tokens, refresh_expiring_tokens
from runners.scheduler import DatabaseFireClaims, PeriodicScheduler


def _pending(ports: Any, store_id: str = "1") -> dict[str, Any]:
    with ports.uow_factory(store_id) as uow:
        return {r.decision.product_id: r for r in uow.store.decisions.list(status=DecisionStatus.PENDING)}


def _status(ports: Any, decision_id: str, store_id: str = "1") -> DecisionStatus:
    with ports.uow_factory(store_id) as uow:
        record = uow.store.decisions.get(decision_id)
    assert record is not None
    return record.status


def _manual_store_with_pending() -> tuple[Any, dict[str, Any]]:
    ports = make_ports()
    add_store(ports, "1", [product("a", "100"), product("b", "100")], mode=AutomationMode.MANUAL)
    ports.competitors.prices = {"a": [("x", "104"), ("y", "104")], "b": [("x", "106"), ("y", "106")]}
    optimize_store(ports, "1", run_key="k1")
    pending = _pending(ports)
    assert set(pending) == {"a", "b"}
    return ports, pending


def _approve(ports: Any, ids: Sequence[str]) -> None:
    with ports.uow_factory("1") as uow:
        uow.store.decisions.set_status(list(ids), DecisionStatus.APPROVED, at=ports.clock.now(), by="merchant")
        uow.commit()


# -- reconcile after a crash -------------------------------------------------------------------


def test_reconcile_does_not_overwrite_a_price_the_merchant_set_after_the_crash() -> None:
    """APPLYING left by a crash; Salla now shows neither the old nor the decided price: not re-sent."""
    ports, pending = _manual_store_with_pending()
    a = pending["a"]
    with ports.uow_factory("1") as uow:
        uow.store.decisions.set_status([a.id], DecisionStatus.APPROVED, at=ports.clock.now())
        uow.store.decisions.set_status([a.id], DecisionStatus.APPLYING, at=ports.clock.now())
        uow.commit()
    ports.salla_catalog.set_price("1", "a", Decimal("120"))   # the merchant's own change meanwhile
    result = apply_decisions(ports, "1", [a.id])
    assert ports.salla_catalog.price("1", "a") == Decimal("120")
    assert ports.salla_catalog.applies[("1", "a")] == 0
    assert a.id in result.failed and "120" in result.failed[a.id]
    assert _status(ports, a.id) is DecisionStatus.FAILED


def test_reconcile_resends_when_salla_still_shows_the_old_price() -> None:
    """Salla's bulk queue had not applied the first send yet: re-sending the same price is the fix, once counted."""
    ports, pending = _manual_store_with_pending()
    a = pending["a"]
    with ports.uow_factory("1") as uow:
        uow.store.decisions.set_status([a.id], DecisionStatus.APPROVED, at=ports.clock.now())
        uow.store.decisions.set_status([a.id], DecisionStatus.APPLYING, at=ports.clock.now())
        uow.commit()
    result = apply_decisions(ports, "1", [a.id])
    assert result.applied == (a.id,)
    assert ports.salla_catalog.price("1", "a") == a.decision.suggested_price
    with ports.uow_factory("1") as uow:
        assert len(uow.store.price_history.for_product("a")) == 1


# -- a sweep must not supersede what the merchant acted on meanwhile ---------------------------


class _ApprovingCompetitors(StaticCompetitors):
    """Approves a pending decision while the sweep is between its preload and its decide step."""

    def __init__(self, ports: Any, decision_id: str, prices: Any) -> None:
        super().__init__(prices)
        self.ports, self.decision_id, self.done = ports, decision_id, False

    def offers_for(self, store_id: str, products: Sequence[Product], now: datetime) -> dict[str, list[CompetitorOffer]]:
        if not self.done:
            self.done = True
            _approve(self.ports, [self.decision_id])
        return super().offers_for(store_id, products, now)


def test_sweep_does_not_supersede_a_decision_approved_during_the_sweep() -> None:
    ports, pending = _manual_store_with_pending()
    a = pending["a"]
    ports.competitors = _ApprovingCompetitors(ports, a.id, ports.competitors.prices)
    optimize_store(ports, "1", run_key="k2")
    assert _status(ports, a.id) is DecisionStatus.APPROVED      # the merchant's approval stands
    assert _status(ports, pending["b"].id) is DecisionStatus.SUPERSEDED


# -- two deliveries of one approval ------------------------------------------------------------


def test_concurrent_apply_of_one_approval_writes_the_price_once() -> None:
    """Two ``apply_decisions`` messages for one decision (double approval, or a redelivery to a live worker)."""
    ports, pending = _manual_store_with_pending()
    a = pending["a"]
    _approve(ports, [a.id])
    in_salla, release = threading.Event(), threading.Event()
    calls = 0

    def on_apply(merchant: str, updates: Sequence[PriceUpdate]) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            in_salla.set()
            release.wait(5)

    ports.salla_catalog.on_apply = on_apply
    first = threading.Thread(target=apply_decisions, args=(ports, "1", [a.id]))
    first.start()
    assert in_salla.wait(5)
    second = threading.Thread(target=apply_decisions, args=(ports, "1", [a.id]))
    second.start()
    second.join(0.5)
    release.set()
    first.join(5)
    second.join(5)
    assert ports.salla_catalog.applies[("1", "a")] == 1
    with ports.uow_factory("1") as uow:
        assert len(uow.store.price_history.for_product("a")) == 1


# -- a bulk request whose outcome is unknown ---------------------------------------------------


def test_bulk_timeout_is_not_reported_as_not_sent() -> None:
    """A timed-out bulkPrice may have been queued by Salla: it must not be turned into a FAILED decision."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    client = SallaMerchantClient(httpx.Client(transport=httpx.MockTransport(handler)),
                                 api_url="https://api.test/admin/v2", sleep=lambda s: None, clock=FakeClock(),
                                 max_attempts=2)
    with pytest.raises(SallaUnavailable):
        client.apply_prices("tok", [PriceUpdate(product_id="1", price=Decimal(9))])


# -- token refresh -----------------------------------------------------------------------------


def test_batch_refresh_goes_on_after_an_unexpected_error_for_one_store() -> None:
    ports = make_ports()
    add_store(ports, "1", expires_in=timedelta(hours=3))
    add_store(ports, "2", expires_in=timedelta(hours=3))
    ports.salla_auth.fail_next(RuntimeError("database connection lost"))
    report = refresh_expiring_tokens(ports)
    outcomes = {r.store_id: r.outcome for r in report.results}
    assert outcomes == {"1": RefreshOutcome.TRANSIENT, "2": RefreshOutcome.REFRESHED}
    assert "database connection lost" in (report.results[0].error or "")
    with ports.uow_factory() as uow:
        assert uow.stores.get("1").is_active


class _DeactivatingLocks:
    """Deactivates the store as the refresh lock is granted (another worker's refresh was revoked)."""

    def __init__(self, ports: Any) -> None:
        self.inner, self.ports = ports.locks, ports

    @contextmanager
    def hold(self, store_id: str, purpose: str, *, timeout: float | None = None) -> Iterator[bool]:
        with self.inner.hold(store_id, purpose, timeout=timeout) as acquired:
            if purpose == "token_refresh":
                with self.ports.uow_factory(store_id) as uow:
                    uow.stores.set_active(store_id, False, reason="Invalid refresh token", at=self.ports.clock.now())
                    uow.commit()
            yield acquired


def test_ensure_fresh_tokens_raises_when_the_store_was_deactivated_meanwhile() -> None:
    ports = make_ports()
    add_store(ports, "1", expires_in=timedelta(hours=3))
    ports.locks = _DeactivatingLocks(ports)
    with pytest.raises(TokenRevoked):
        ensure_fresh_tokens(ports, "1")


# -- scheduler ---------------------------------------------------------------------------------


def test_fire_time_is_the_latest_scheduled_time_within_the_grace_window() -> None:
    fired = datetime(2026, 3, 1, 12, 5, 0, 500000, tzinfo=UTC)
    scheduler = PeriodicScheduler(RecordingQueue(), DatabaseFireClaims(InMemoryUnitOfWorkFactory(), SystemClock()),
                                  {"check_and_optimize_stores": "*/1 * * * *"}, grace_seconds=300,
                                  now=lambda: fired)
    assert scheduler.fire_time("check_and_optimize_stores") == datetime(2026, 3, 1, 12, 5, tzinfo=UTC)


def test_an_approval_overtaken_by_a_later_applied_change_is_not_written() -> None:
    """The merchant approves an older decision; meanwhile another one of the product was applied."""
    from pricing_core.catalog import PricePoint

    ports, pending = _manual_store_with_pending()
    a = pending["a"]
    _approve(ports, [a.id])
    ports.clock.advance(timedelta(minutes=5))
    ports.salla_catalog.set_price("1", "a", Decimal("103"))
    with ports.uow_factory("1") as uow:   # a sweep's automatic decision for "a" was applied after "a" was decided
        uow.store.price_history.add_many([PricePoint(product_id="a", price=Decimal("103"),
                                                     changed_at=ports.clock.now(), source="optimizer")])
        uow.commit()
    result = apply_decisions(ports, "1", [a.id])
    assert "after this decision" in result.failed[a.id]
    assert ports.salla_catalog.price("1", "a") == Decimal("103")
    assert _status(ports, a.id) is DecisionStatus.FAILED


def _reinstall_during_refresh(ports: Any) -> Any:
    """The merchant re-authorizes (``app.store.authorize`` with a new chain) while a refresh is at Salla."""
    from pricing_core.usecases.refresh_tokens import refresh_store_tokens  # noqa: F401 - same module as used

    fresh: dict[str, Any] = {}

    def reinstall() -> None:
        ports.salla_auth.refresh_delay = None
        tokens = ports.salla_auth.issue("1")
        with ports.uow_factory("1") as uow:
            uow.stores.set_active("1", True, reason=None, at=ports.clock.now())
            uow.store.tokens.save(tokens)
            uow.commit()
        fresh["tokens"] = tokens

    ports.salla_auth.refresh_delay = reinstall
    return fresh


def test_refresh_refused_after_a_reinstall_meanwhile_does_not_deactivate_the_store() -> None:
    from pricing_core.usecases.refresh_tokens import refresh_store_tokens

    ports = make_ports()
    add_store(ports, "1", expires_in=timedelta(hours=3))
    fresh = _reinstall_during_refresh(ports)
    ports.salla_auth.fail_next(TokenRevoked("invalid_grant", status=400))   # the old chain died with the reinstall
    result = refresh_store_tokens(ports, "1")
    with ports.uow_factory("1") as uow:
        store, tokens = uow.stores.get("1"), uow.store.tokens.get()
    assert store.is_active, store.deactivation_reason
    assert tokens == fresh["tokens"]
    assert result.outcome is RefreshOutcome.SKIPPED


def test_refresh_does_not_overwrite_tokens_of_a_reinstall_meanwhile() -> None:
    from pricing_core.usecases.refresh_tokens import refresh_store_tokens

    ports = make_ports()
    add_store(ports, "1", expires_in=timedelta(hours=3))
    fresh = _reinstall_during_refresh(ports)
    result = refresh_store_tokens(ports, "1")
    with ports.uow_factory("1") as uow:
        tokens = uow.store.tokens.get()
    assert tokens == fresh["tokens"]
    assert result.outcome is RefreshOutcome.SKIPPED and result.tokens == fresh["tokens"]


def test_a_refresh_answer_without_a_new_refresh_token_keeps_the_old_one() -> None:
    """RFC 6749 §6: the server MAY issue a new refresh token; if it does not, the old one stays valid."""
    import attrs

    from pricing_core.usecases.refresh_tokens import refresh_store_tokens

    ports = make_ports()
    add_store(ports, "1", expires_in=timedelta(hours=3))
    with ports.uow_factory("1") as uow:
        before = uow.store.tokens.get()
    real_refresh = ports.salla_auth.refresh
    ports.salla_auth.refresh = lambda token: attrs.evolve(real_refresh(token), refresh_token=None)  # type: ignore[method-assign]
    result = refresh_store_tokens(ports, "1")
    with ports.uow_factory("1") as uow:
        after = uow.store.tokens.get()
    assert result.outcome is RefreshOutcome.REFRESHED
    assert after.refresh_token == before.refresh_token and after.access_token != before.access_token
