"""Applying prices records their expected Salla echoes before the request goes out."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs
from tests.support.usecase_support import Ports, add_store, make_ports, product

from adapters.memory import MemoryPriceEchoes
from pricing_core.decision import DecisionStatus
from pricing_core.ports import ApplyReport, PriceUpdate
from pricing_core.settings import AutomationMode
from pricing_core.usecases.apply_prices import apply_decisions
from pricing_core.usecases.context import DEFAULT_ECHO_TTL_SECONDS
from pricing_core.usecases.optimize_store import optimize_store


@attrs.define
class EchoingPorts(Ports):
    """The usecase fakes with an in-memory echoes port (as ``adapters.services.Services`` has it)."""

    echoes: MemoryPriceEchoes | None = None  # type: ignore[assignment]
    echo_ttl_seconds: float = DEFAULT_ECHO_TTL_SECONDS


class CheckingCatalog:
    """Delegates to the fake catalog; on each ``apply_prices`` notes whether every price was already expected."""

    def __init__(self, inner: Any, echoes: MemoryPriceEchoes, store_id: str) -> None:
        self._inner = inner
        self._echoes = echoes
        self._store_id = store_id
        self.expected_at_send: list[tuple[str, Decimal, bool]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def apply_prices(self, access_token: str, updates: Sequence[PriceUpdate]) -> ApplyReport:
        self.expected_at_send += [(u.product_id, u.price, self._echoes.is_echo(self._store_id, u.product_id, u.price))
                                  for u in updates]
        report: ApplyReport = self._inner.apply_prices(access_token, updates)
        return report


def echoing(ports: Ports, *, ttl: float = DEFAULT_ECHO_TTL_SECONDS) -> tuple[EchoingPorts, CheckingCatalog]:
    echoes = MemoryPriceEchoes(ports.clock)
    catalog = CheckingCatalog(ports.salla_catalog, echoes, "1")
    fields = {f.name: getattr(ports, f.name) for f in attrs.fields(Ports)}
    return EchoingPorts(**{**fields, "salla_catalog": catalog, "echoes": echoes, "echo_ttl_seconds": ttl}), catalog


def test_approved_prices_are_expected_before_salla_is_called() -> None:
    base = make_ports()
    add_store(base, "1", [product("a", "100"), product("b", "100")], mode=AutomationMode.MANUAL)
    base.competitors.prices = {"a": [("x", "104"), ("y", "104")], "b": [("x", "106")]}
    ports, catalog = echoing(base, ttl=120)
    optimize_store(ports, "1", run_key="k1")
    assert catalog.expected_at_send == []  # manual mode: nothing sent, nothing expected
    with ports.uow_factory("1") as uow:
        assert uow.store is not None
        pending = uow.store.decisions.list(status=DecisionStatus.PENDING)
        uow.store.decisions.set_status([r.id for r in pending], DecisionStatus.APPROVED, at=ports.clock.now())
        uow.commit()
    result = apply_decisions(ports, "1", [r.id for r in pending])
    assert len(result.applied) == 2
    sent = {(pid, price) for pid, price, _ in catalog.expected_at_send}
    assert sent == {(r.decision.product_id, r.decision.suggested_price) for r in pending}
    assert all(expected for _, _, expected in catalog.expected_at_send)
    # the configured TTL is used
    price_a = next(r.decision.suggested_price for r in pending if r.decision.product_id == "a")
    ports.clock.advance(seconds=119)
    assert ports.echoes is not None and ports.echoes.is_echo("1", "a", price_a)
    ports.clock.advance(seconds=1)
    assert not ports.echoes.is_echo("1", "a", price_a)


def test_a_sweeps_auto_applied_prices_are_expected_before_sending() -> None:
    base = make_ports()
    add_store(base, "1", [product("a", "100"), product("b", "100"), product("c", "100")])
    base.competitors.prices = {"a": [("x", "103"), ("y", "103")], "b": [("x", "102"), ("y", "102")]}
    ports, catalog = echoing(base)
    result = optimize_store(ports, "1", run_key="k1")
    assert result.ok
    assert catalog.expected_at_send, "the full-auto sweep applied nothing"
    assert all(expected for _, _, expected in catalog.expected_at_send)
    for pid, price, _ in catalog.expected_at_send:
        assert ports.salla_catalog.price("1", pid) == price


def test_bundles_with_no_echoes_port_still_apply() -> None:
    ports = make_ports()  # ``echoes`` is None: nothing is recorded
    add_store(ports, "1", [product("a", "100")])
    ports.competitors.prices = {"a": [("x", "103"), ("y", "103")]}
    result = optimize_store(ports, "1", run_key="k1")
    assert result.ok and ports.salla_catalog.price("1", "a") != Decimal("100")
