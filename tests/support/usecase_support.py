"""Shared set-up for the use-case and runner unit tests: in-memory ports wired like ``Services``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

import attrs

from adapters.memory.clock import FakeClock
from adapters.memory.locks import ThreadStoreLocks
from adapters.memory.salla import FakeSallaAuth, FakeSallaCatalog
from adapters.memory.storage import InMemoryUnitOfWorkFactory
from pricing_core.catalog import AdvisorProposal, CompetitorOffer, Product
from pricing_core.ports import PriceEchoes, PricingAdvisor, StoreContext
from pricing_core.settings import AutomationMode, TenantSettings
from pricing_core.stores import Store
from pricing_core.usecases.context import run_id_for


class StaticCompetitors:
    """``CompetitorSource`` returning fixed offers (observed ``now``) per product id."""

    def __init__(self, prices: Mapping[str, Sequence[tuple[str, str]]] | None = None) -> None:
        self.prices: dict[str, list[tuple[str, str]]] = {k: list(v) for k, v in (prices or {}).items()}
        self.calls: list[list[str]] = []

    def offers_for(
        self, store_id: str, products: Sequence[Product], now: datetime
    ) -> dict[str, list[CompetitorOffer]]:
        self.calls.append([p.id for p in products])
        return {
            p.id: [CompetitorOffer(competitor=c, price=Decimal(price), observed_at=now)
                   for c, price in self.prices.get(p.id, [])]
            for p in products
            if p.id in self.prices
        }


class FixedAdvisor:
    """``PricingAdvisor`` proposing fixed targets, remembering the contexts it was given."""

    def __init__(self, targets: Mapping[str, str] | None = None, *, fail: bool = False) -> None:
        self.targets = dict(targets or {})
        self.fail = fail
        self.contexts: list[StoreContext] = []

    def propose(
        self, context: StoreContext, products: Sequence[Product], offers: Mapping[str, Sequence[CompetitorOffer]]
    ) -> dict[str, AdvisorProposal]:
        self.contexts.append(context)
        if self.fail:
            raise RuntimeError("advisor down")
        return {p.id: AdvisorProposal(product_id=p.id, target_price=self.targets[p.id], rationale="fixed")
                for p in products if p.id in self.targets}


@attrs.define
class Ports:
    """Same attribute names as ``adapters.services.Services``."""

    uow_factory: InMemoryUnitOfWorkFactory
    locks: ThreadStoreLocks
    clock: FakeClock
    salla_auth: FakeSallaAuth
    salla_catalog: FakeSallaCatalog
    competitors: StaticCompetitors
    advisor: PricingAdvisor | None = None
    echoes: PriceEchoes | None = None
    echo_ttl_seconds: float = 900.0
    salla_webhooks: FakeSallaCatalog | None = None  # the catalog fake implements the Webhooks API too


def make_ports(*, advisor: PricingAdvisor | None = None) -> Ports:
    clock = FakeClock()
    auth = FakeSallaAuth(clock.now)
    catalog = FakeSallaCatalog(auth, page_size=3)
    return Ports(
        uow_factory=InMemoryUnitOfWorkFactory(),
        locks=ThreadStoreLocks(),
        clock=clock,
        salla_auth=auth,
        salla_catalog=catalog,
        competitors=StaticCompetitors(),
        advisor=advisor,
        salla_webhooks=catalog,
    )


def product(pid: str, price: str, cost: str | None = "50", **kw: object) -> Product:
    return Product(id=pid, sku=f"SKU-{pid}", name=f"Product {pid}", price=Decimal(price),
                   cost_price=None if cost is None else Decimal(cost), **kw)  # type: ignore[arg-type]


def add_store(
    ports: Ports,
    store_id: str,
    products: Sequence[Product] = (),
    *,
    mode: AutomationMode = AutomationMode.FULL_AUTO,
    active: bool = True,
    expires_in: timedelta | None = None,
    settings: TenantSettings | None = None,
) -> None:
    """A store in storage (with tokens from the fake auth) and its catalog in the fake catalog."""
    tokens = ports.salla_auth.issue(store_id)
    if expires_in is not None:
        tokens = attrs.evolve(tokens, expires_at=ports.clock.now() + expires_in)
    with ports.uow_factory(store_id) as uow:
        uow.stores.upsert(Store(store_id=store_id, store_name=f"Store {store_id}", is_active=active,
                                installed_at=ports.clock.now()))
        assert uow.store is not None
        uow.store.tokens.save(tokens)
        uow.store.settings.save(settings or TenantSettings(automation_mode=mode))
        uow.commit()
    ports.salla_catalog.add_store(store_id, products)


def run_of(ports: Ports, store_id: str, run_key: str):  # type: ignore[no-untyped-def]
    with ports.uow_factory(store_id) as uow:
        assert uow.store is not None
        return uow.store.runs.get(run_id_for(store_id, run_key))


def kill_on_page(ports: Ports, page: int) -> None:
    """The next sweep's process dies (KeyboardInterrupt: not an Exception) when it reads catalog page ``page``."""
    original = ports.salla_catalog.iter_product_pages
    calls = {"n": 0}

    def dying(token: str):  # type: ignore[no-untyped-def]
        for item in original(token):
            calls["n"] += 1
            if calls["n"] == page:
                ports.salla_catalog.iter_product_pages = original  # type: ignore[method-assign]
                raise KeyboardInterrupt("kill -9")
            yield item

    ports.salla_catalog.iter_product_pages = dying  # type: ignore[method-assign]
