"""Shared set-up of the web tests: the app over in-memory storage, a recording queue and the fake Salla.

The Salla clients are the real httpx adapters talking to the HTTP fake Salla in process, so the
OAuth tests exercise the same code path as production.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs
from starlette.testclient import TestClient

from adapters.config import Config
from adapters.fake_salla import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, FakeSalla, create_fake_salla
from adapters.memory import FakeClock, InMemoryUnitOfWorkFactory, MemoryPriceEchoes, RecordingQueue
from adapters.memory.locks import ThreadStoreLocks
from adapters.salla import build_salla
from entrypoints.web.app import create_app
from pricing_core.decision import Action, DecisionRecord, DecisionStatus, PricingDecision, RiskLevel
from pricing_core.ports import SallaAuth, SallaCatalog
from pricing_core.stores import Store

ADMIN_TOKEN = "admin-test-token"
WEBHOOK_SECRET = "webhook-test-secret"
FAKE_ORIGIN = "http://fake-salla.test"


@attrs.define
class Services:
    """The fields of ``adapters.services.Services`` the web app reads (``WebServices``)."""

    config: Config
    uow_factory: InMemoryUnitOfWorkFactory
    clock: FakeClock
    salla_auth: SallaAuth
    salla_catalog: SallaCatalog
    queue: RecordingQueue
    fake_salla: FakeSalla | None = None
    echoes: MemoryPriceEchoes | None = None
    locks: ThreadStoreLocks = attrs.Factory(ThreadStoreLocks)
    echo_ttl_seconds: float = 900.0
    notifier: Any = None  # MemoryNotifier in the alert tests
    store_notifier: Any = None  # a store's own targets: MemoryNotifier or a guarded AppriseNotifier


@attrs.define
class Harness:
    """An app, its client, and the fakes behind it."""

    app: Any
    client: TestClient
    services: Services
    queue: RecordingQueue
    fake: FakeSalla
    config: Config

    @property
    def uow_factory(self) -> InMemoryUnitOfWorkFactory:
        return self.services.uow_factory

    def merchant_ids(self) -> list[str]:
        return [str(s.merchant_id) for s in self.fake.sandbox_stores()]

    def install(self, merchant_id: str, client: TestClient | None = None) -> TestClient:
        """Run the OAuth code flow for ``merchant_id`` with ``client`` (a new browser by default)."""
        browser = client or self.new_client()
        authorize = browser.get("/oauth/authorize", follow_redirects=False)
        assert authorize.status_code == 302, authorize.text
        salla_url = urlsplit(authorize.headers["location"])
        query = {k: v[0] for k, v in parse_qs(salla_url.query).items()}
        fake_client = TestClient(self.fake.app, base_url=FAKE_ORIGIN)
        granted = fake_client.get("/oauth2/auth", params={**query, "login_hint": merchant_id},
                                  follow_redirects=False)
        assert granted.status_code == 302, granted.text
        callback = urlsplit(granted.headers["location"])
        done = browser.get(f"{callback.path}?{callback.query}", follow_redirects=False)
        assert done.status_code == 303, done.text
        return browser

    def new_client(self) -> TestClient:
        return TestClient(self.app, base_url="http://testserver")

    def csrf(self, client: TestClient, path: str) -> str:
        """The CSRF token of a rendered page."""
        page = client.get(path)
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert match, f"no CSRF token on {path}: {page.status_code}"
        return match.group(1)

    def add_decisions(self, store_id: str, *specs: tuple[str, DecisionStatus]) -> None:
        """Store decisions ``(id, status)`` for ``store_id``."""
        now = self.services.clock.now()
        with self.uow_factory(store_id) as uow:
            if uow.stores.get(store_id) is None:
                uow.stores.upsert(Store(store_id=store_id, store_name=f"Store {store_id}"))
            assert uow.store is not None
            uow.store.decisions.add_many([decision(store_id, i, s, now) for i, s in specs])
            uow.commit()

    def status_of(self, store_id: str, decision_id: str) -> DecisionStatus:
        with self.uow_factory(store_id) as uow:
            assert uow.store is not None
            record = uow.store.decisions.get(decision_id)
            assert record is not None
            return record.status


def decision(store_id: str, decision_id: str, status: DecisionStatus, at: datetime) -> DecisionRecord:
    """A medium-risk 10% decrease waiting for approval."""
    d = PricingDecision(
        product_id=f"p-{decision_id}", sku=f"SKU-{decision_id}", name=f"Product {decision_id}",
        old_price=Decimal("100.00"), suggested_price=Decimal("90.00"), cost_price=Decimal("50.00"),
        currency="SAR", strategy="match", reference_price=Decimal("90.00"), floor_price=Decimal("67.28"),
        risk=RiskLevel.MEDIUM, action=Action.NEEDS_APPROVAL, change_pct=Decimal("-10"),
        margin_pct_after=Decimal("36.11"), offers_considered=2, offers_used=2,
        explanation=("2 usable offers", "reference: lowest 90.00", "strategy: match -> 90.00"),
        decided_at=at, fingerprint=f"fp-{decision_id}",
    )
    return DecisionRecord(id=decision_id, store_id=store_id, run_id="run-1", idempotency_key=f"k-{decision_id}",
                          decision=d, status=status, created_at=at, updated_at=at)


def signed(payload: dict[str, Any], secret: str = WEBHOOK_SECRET) -> tuple[bytes, dict[str, str]]:
    """A delivery body and Salla's Signature-strategy headers."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {"Content-Type": "application/json", "X-Salla-Security-Strategy": "Signature",
                  "X-Salla-Signature": digest}


def make_harness(*, admin_token: str | None = ADMIN_TOKEN, webhook_secret: str | None = WEBHOOK_SECRET,
                 sandbox: bool = False, public_url: str = "http://testserver", echoes: bool = False,
                 fake_options: dict[str, Any] | None = None, uow_factory: Any = None) -> Harness:
    """Build the app over fresh fakes (``fake_options`` go to ``create_fake_salla``; ``uow_factory``: e.g.
    real SQLite storage instead of the in-memory one)."""
    clock = FakeClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    fake = create_fake_salla(clock=clock, **(fake_options or {}))
    http = TestClient(fake.app, base_url=FAKE_ORIGIN)
    auth, catalog = build_salla(accounts_url=FAKE_ORIGIN, api_url=f"{FAKE_ORIGIN}/admin/v2",
                                client_id=SANDBOX_CLIENT_ID, client_secret=SANDBOX_CLIENT_SECRET,
                                http=http, clock=clock)
    config = Config(admin_api_token=admin_token, salla_webhook_secret=webhook_secret,
                    session_secret="test-session-secret", public_url=public_url)
    queue = RecordingQueue()
    services = Services(config=config, uow_factory=uow_factory or InMemoryUnitOfWorkFactory(), clock=clock,
                        salla_auth=auth, salla_catalog=catalog, queue=queue, fake_salla=fake if sandbox else None,
                        echoes=MemoryPriceEchoes(clock) if echoes else None)
    app = create_app(services)
    return Harness(app=app, client=TestClient(app), services=services, queue=queue, fake=fake, config=config)
