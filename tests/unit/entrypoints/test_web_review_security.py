"""Security review findings on the web entrypoint: each test pins one fixed defect."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from typing import Any

import attrs
import pytest
from starlette.testclient import TestClient
from tests.support.web_harness import ADMIN_TOKEN, WEBHOOK_SECRET, Harness, make_harness

from adapters.config import Config
from adapters.salla.webhooks import parse_webhook
from pricing_core.catalog import Product
from pricing_core.decision import DecisionStatus
from pricing_core.errors import WebhookRejected

P = DecisionStatus.PENDING
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _sign(body: bytes) -> dict[str, str]:
    digest = hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Salla-Signature": digest}


# --- webhook parsing -------------------------------------------------------------------------


def test_a_deeply_nested_signed_body_is_400_not_500() -> None:
    web = make_harness()
    client = TestClient(web.app, raise_server_exceptions=False)
    body = b"[" * 200_000
    response = client.post("/webhooks/salla", content=body, headers=_sign(body))
    assert response.status_code == 400
    assert web.queue.commands == []


@pytest.mark.parametrize("merchant", ["\u0663\u0664", "\u00b2", "\uff11\uff12"],
                         ids=["arabic-indic", "superscript", "fullwidth"])
def test_a_merchant_id_must_be_ascii_digits(merchant: str) -> None:
    body = json.dumps({"event": "app.installed", "merchant": merchant, "data": {}}).encode()
    with pytest.raises(WebhookRejected) as caught:
        parse_webhook(body)
    assert caught.value.status == 400
    web = make_harness()
    assert web.client.post("/webhooks/salla", content=body, headers=_sign(body)).status_code == 400
    assert web.queue.commands == []


# --- admin API bulk body ---------------------------------------------------------------------


@pytest.fixture
def web() -> Harness:
    web = make_harness()
    web.add_decisions("100", ("d1", P))
    return web


def test_bulk_review_with_a_deeply_nested_body_is_400(web: Harness) -> None:
    client = TestClient(web.app, raise_server_exceptions=False)
    response = client.post("/stores/100/decisions/approve", headers=AUTH, content=b"[" * 60_000)
    assert response.status_code == 400
    assert web.status_of("100", "d1") is P


def test_bulk_review_stops_reading_an_oversized_body() -> None:
    """The admin body limit holds while reading: a huge body is not read into memory first."""
    web = make_harness()
    chunk = b" " * 65536
    received = 0

    async def receive() -> dict[str, Any]:
        nonlocal received
        received += 1
        return {"type": "http.request", "body": chunk, "more_body": received < 200}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": "/stores/100/decisions/approve", "raw_path": b"/stores/100/decisions/approve",
        "root_path": "", "query_string": b"", "server": ("testserver", 80), "client": ("127.0.0.1", 1234),
        "headers": [(b"host", b"testserver"), (b"authorization", f"Bearer {ADMIN_TOKEN}".encode())],
    }
    asyncio.run(web.app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 400
    assert received <= 3  # 64 KiB limit: stopped after the chunk that crossed it


# --- secrets in repr -------------------------------------------------------------------------


SECRETS = {
    "admin_api_token": "ADMIN-SECRET-1", "salla_webhook_secret": "WEBHOOK-SECRET-2",
    "session_secret": "SESSION-SECRET-3", "salla_client_secret": "CLIENT-SECRET-4",
    "tavily_api_key": "TAVILY-SECRET-5", "database_url": "postgresql://app:DB-PASSWORD-6@db/app",
    "redis_url": "redis://:REDIS-PASSWORD-7@redis:6379/0",
}


def test_config_repr_hides_secrets() -> None:
    config = Config(token_encryption_keys=("FERNET-KEY-8",), **SECRETS)  # type: ignore[arg-type]
    text = repr(config)
    for leaked in ("ADMIN-SECRET-1", "WEBHOOK-SECRET-2", "SESSION-SECRET-3", "CLIENT-SECRET-4",
                   "TAVILY-SECRET-5", "DB-PASSWORD-6", "REDIS-PASSWORD-7", "FERNET-KEY-8"):
        assert leaked not in text
    assert config.admin_api_token == "ADMIN-SECRET-1"  # still there, just not printed


def test_web_state_repr_hides_the_admin_token() -> None:
    web = make_harness()
    text = repr(web.app.state.web)
    assert ADMIN_TOKEN not in text and WEBHOOK_SECRET not in text and "test-session-secret" not in text


# --- store-bound units of work on merchant pages -----------------------------------------------


def test_merchant_pages_and_actions_use_store_bound_units_of_work() -> None:
    """A merchant request never opens an unscoped (all-stores, RLS ``*``) unit of work."""
    web = make_harness()
    mine = web.merchant_ids()[0]
    browser = web.install(mine)
    web.add_decisions(mine, ("m1", P))
    token = web.csrf(browser, f"/dashboard/stores/{mine}")
    inner = web.services.uow_factory
    opened: list[str | None] = []

    def recording(store_id: str | None = None) -> Any:
        opened.append(store_id)
        return inner(store_id)

    web.services.uow_factory = recording  # type: ignore[assignment]
    base = f"/dashboard/stores/{mine}"
    for suffix in ("", "/approvals", "/decisions", "/activity", "/settings", "/products/p-m1"):
        assert browser.get(base + suffix).status_code == 200, suffix
    assert browser.post(base + "/run", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert opened and all(store_id == mine for store_id in opened), opened


# --- row-level security scope ----------------------------------------------------------------


@pytest.mark.parametrize("store_id,expected", [("", ""), ("42", "42"), (None, "*")])
def test_the_rls_scope_is_all_stores_only_for_an_unbound_unit_of_work(
    monkeypatch: pytest.MonkeyPatch, store_id: str | None, expected: str
) -> None:
    """A unit of work bound to an empty store id must not fall open to ``*`` (every store)."""
    from sqlalchemy import create_engine, event

    from adapters.storage.crypto import SecretBox, generate_key
    from adapters.storage.unit_of_work import SqlUnitOfWork, SqlUnitOfWorkFactory

    engine = create_engine("sqlite://")
    settings: list[str] = []

    @event.listens_for(engine, "connect")
    def _set_config(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.create_function("set_config", 3, lambda name, value, local: settings.append(value))

    monkeypatch.setattr(SqlUnitOfWork, "dialect", property(lambda self: "postgresql"))
    with SqlUnitOfWorkFactory(engine, SecretBox([generate_key()]))(store_id) as uow:
        assert uow.conn is not None
    assert settings == [expected]


# --- regression guards (passed before the review; they pin what was checked) -----------------


def test_names_and_explanations_from_salla_or_competitors_are_escaped() -> None:
    web = make_harness()
    mine = web.merchant_ids()[0]
    browser = web.install(mine)
    web.add_decisions(mine, ("m1", P))
    evil = '<script>alert("x")</script>'
    with web.uow_factory(mine) as uow:
        assert uow.store is not None
        record = uow.store.decisions.get("m1")
        assert record is not None
        uow.store.products.upsert_many([Product(id="p-m1", name=evil, price="100.00")],
                                       seen_at=web.services.clock.now())
        uow.commit()
    with web.uow_factory(mine) as uow:
        assert uow.store is not None
        hostile = attrs.evolve(record, id="m2", idempotency_key="k-m2",
                               decision=attrs.evolve(record.decision, name=evil, explanation=(evil,)))
        uow.store.decisions.add_many([hostile])
        uow.commit()
    for suffix in ("/approvals", "/decisions", "/products/p-m1"):
        page = browser.get(f"/dashboard/stores/{mine}{suffix}")
        assert page.status_code == 200 and evil not in page.text and "&lt;script&gt;" in page.text, suffix


def test_webhook_event_reprs_hide_the_tokens_they_carry() -> None:
    from datetime import UTC, datetime

    from adapters.salla import to_domain_event
    from pricing_core.commands import ProcessWebhook
    from pricing_core.events import StoreAuthorized

    data = {"access_token": "ory_at_SECRET1", "refresh_token": "ory_rt_SECRET2", "expires": 1_900_000_000}
    body = json.dumps({"event": "app.store.authorize", "merchant": 42, "data": data}).encode()
    event = parse_webhook(body)
    domain = to_domain_event(event, now=datetime(2030, 1, 1, tzinfo=UTC))
    queued = ProcessWebhook(event="app.store.authorize", merchant_id="42", data=data, delivery_id="d")
    for text in (repr(event), repr(domain), repr(queued)):
        assert "SECRET1" not in text and "SECRET2" not in text
    assert "1900000000" in repr(event)  # the rest of the payload stays readable
    assert event.data["access_token"] == "ory_at_SECRET1"  # the payload itself is untouched
    assert isinstance(domain, StoreAuthorized) and domain.tokens.access_token == "ory_at_SECRET1"
