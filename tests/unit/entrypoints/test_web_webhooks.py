"""POST /webhooks/salla: verification, size cap, malformed bodies, duplicates, and hand-off to the queue."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import httpx
import pytest
from tests.support.web_harness import FAKE_ORIGIN, WEBHOOK_SECRET, Harness, make_harness, signed

from adapters.salla import SallaOAuthClient, to_domain_event
from pricing_core.activity import ActivityType
from pricing_core.commands import EnsureStoreEvents, ProcessWebhook
from pricing_core.usecases.webhooks import handle_webhook_event

# A delivery that never reaches the ownership check (refused at the signature or the size cap).
AUTHORIZE = {
    "event": "app.store.authorize", "merchant": 1234509876, "created_at": "2026-03-01 12:00:00",
    "data": {"access_token": "ory_at_a", "expires": int(datetime(2026, 3, 15, tzinfo=UTC).timestamp()),
             "refresh_token": "ory_rt_a", "scope": "offline_access products.read_write", "token_type": "bearer"},
}


def authorize(web: Harness, merchant: str, *, tokens_of: str | None = None) -> dict:
    """An easy-mode ``app.store.authorize`` for ``merchant`` with fresh fake-Salla tokens of ``tokens_of``."""
    tokens = web.fake.issue_tokens(tokens_of or merchant)
    return {"event": "app.store.authorize", "merchant": int(merchant), "created_at": "2026-03-01 12:00:00",
            "data": {"access_token": tokens["access_token"], "expires": tokens["expires"],
                     "refresh_token": tokens["refresh_token"], "scope": tokens["scope"], "token_type": "bearer"}}


@pytest.fixture
def web() -> Harness:
    return make_harness()


def post(web: Harness, body: bytes, headers: dict[str, str]):
    return web.client.post("/webhooks/salla", content=body, headers=headers)


INSTALLED = {"event": "app.installed", "merchant": 1234509876, "created_at": "2026-03-01 12:00:00",
             "data": {"id": 1, "app_name": "Price Optimizer", "store_type": "live"}}


def test_a_signed_delivery_is_acknowledged_and_queued(web: Harness) -> None:
    body, headers = signed(INSTALLED)
    response = post(web, body, headers)
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    (message,) = [c.as_message() for c in web.queue.of(ProcessWebhook)]
    assert message["event"] == "app.installed" and message["merchant_id"] == "1234509876"
    assert message["delivery_id"] == hashlib.sha256(body).hexdigest()
    assert message["created_at"].startswith("2026-03-01T12:00:00")


def test_an_authorization_is_stored_here_and_its_tokens_never_enter_the_queue(web: Harness) -> None:
    merchant = web.merchant_ids()[0]
    payload = authorize(web, merchant)
    access, refresh = payload["data"]["access_token"], payload["data"]["refresh_token"]
    body, headers = signed(payload)
    response = post(web, body, headers)
    assert response.status_code == 200 and response.json()["status"] == "processed"
    assert web.queue.of(ProcessWebhook) == []
    assert access not in repr(web.queue.commands) and refresh not in repr(web.queue.commands)
    assert web.queue.of(EnsureStoreEvents) == [EnsureStoreEvents(store_id=merchant)]
    with web.uow_factory(merchant) as uow:
        assert uow.store is not None
        tokens = uow.store.tokens.get()
        store = uow.stores.get(merchant)
    assert tokens is not None and tokens.access_token == access and tokens.refresh_token == refresh
    assert store is not None and store.store_name  # named by Salla's user info
    again = post(web, body, headers)  # Salla repeats deliveries: the second is a duplicate
    assert again.status_code == 200 and again.json()["status"] == "duplicate"


def test_the_token_strategy_is_accepted(web: Harness) -> None:
    body, _ = signed(authorize(web, web.merchant_ids()[0]))
    response = post(web, body, {"Content-Type": "application/json", "X-Salla-Security-Strategy": "Token",
                                "Authorization": WEBHOOK_SECRET})
    assert response.status_code == 200 and response.json()["status"] == "processed"


def test_an_authorization_carrying_another_stores_tokens_is_refused_and_not_stored(web: Harness) -> None:
    victim, other = web.merchant_ids()[:2]
    genuine = authorize(web, victim)
    post(web, *signed(genuine))
    forged = authorize(web, victim, tokens_of=other)  # signed, but the tokens are the other store's

    response = post(web, *signed(forged))

    assert response.status_code == 403 and response.json()["status"] == "refused"
    with web.uow_factory(victim) as uow:
        assert uow.store is not None
        tokens = uow.store.tokens.get()
    assert tokens is not None and tokens.access_token == genuine["data"]["access_token"]
    with web.uow_factory() as uow:
        assert [s.store_id for s in uow.stores.list_all()] == [victim]  # the other store was not created
        refused = [e for e in uow.system_activity.list(limit=50)
                   if e.activity_type is ActivityType.SYSTEM_TOKENS_UNVERIFIED]
    assert len(refused) == 1 and refused[0].metadata["token_store_id"] == other
    assert forged["data"]["access_token"] not in repr(refused)
    assert post(web, *signed(forged)).json()["status"] == "duplicate"  # Salla's retry changes nothing


def test_an_unknown_merchant_with_a_stores_tokens_creates_nothing(web: Harness) -> None:
    forged = authorize(web, web.merchant_ids()[0])
    forged["merchant"] = 555000111  # no such store at Salla, tokens of a real one
    assert "555000111" not in web.merchant_ids()
    response = post(web, *signed(forged))
    assert response.status_code == 403
    with web.uow_factory() as uow:
        assert uow.stores.list_all() == []
    assert web.queue.commands == []


def test_a_user_info_outage_is_503_stores_nothing_and_the_redelivery_is_stored(web: Harness) -> None:
    merchant = web.merchant_ids()[0]
    body, headers = signed(authorize(web, merchant))
    original = web.services.salla_auth
    # Salla's accounts service answering 503, seen through the real OAuth client.
    down = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(503, text="upstream")))
    web.services.salla_auth = SallaOAuthClient(down, accounts_url=FAKE_ORIGIN, client_id="c", client_secret="s")
    response = post(web, body, headers)
    assert response.status_code == 503 and response.json()["status"] == "unavailable"
    with web.uow_factory() as uow:
        assert uow.stores.list_all() == []
        logged = [e for e in uow.system_activity.list(limit=50)
                  if e.activity_type is ActivityType.SYSTEM_TOKENS_UNVERIFIED]
    assert [e.metadata["outcome"] for e in logged] == ["retry"]
    web.services.salla_auth = original
    again = post(web, body, headers)  # Salla redelivers minutes later
    assert again.status_code == 200 and again.json()["message"] == "processed"
    with web.uow_factory() as uow:
        assert [s.store_id for s in uow.stores.list_all()] == [merchant]


@pytest.mark.parametrize("headers", [
    {},
    {"X-Salla-Signature": "0" * 64},
    {"X-Salla-Security-Strategy": "Token", "Authorization": "wrong"},
    {"X-Salla-Security-Strategy": "none"},
], ids=["unsigned", "bad-signature", "bad-token", "strategy-none"])
def test_unverified_deliveries_are_401_and_nothing_is_queued(web: Harness, headers) -> None:
    body, _ = signed(AUTHORIZE)
    response = post(web, body, {"Content-Type": "application/json", **headers})
    assert response.status_code == 401
    assert web.queue.commands == []
    with web.uow_factory() as uow:
        assert uow.stores.list_all() == []


def test_a_signature_over_other_bytes_is_rejected(web: Harness) -> None:
    body, headers = signed(AUTHORIZE)
    response = post(web, body.replace(b"ory_at_a", b"ory_at_b"), headers)
    assert response.status_code == 401 and web.queue.commands == []


def test_without_a_configured_secret_everything_is_rejected() -> None:
    web = make_harness(webhook_secret=None)
    body, headers = signed(AUTHORIZE)
    assert post(web, body, headers).status_code == 401
    assert web.queue.commands == []


@pytest.mark.parametrize("body", [b"{not json", b"[1,2]", b'{"event":"app.installed"}',
                                  b'{"event":"app.installed","merchant":"abc"}', "\u00ff".encode("latin-1")])
def test_malformed_signed_bodies_are_400(web: Harness, body: bytes) -> None:
    import hmac

    signature = hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = post(web, body, {"Content-Type": "application/json", "X-Salla-Signature": signature})
    assert response.status_code == 400 and web.queue.commands == []


def test_an_oversized_body_is_413(web: Harness) -> None:
    payload = {**AUTHORIZE, "data": {**AUTHORIZE["data"], "padding": "x" * 300_000}}
    body, headers = signed(payload)
    assert post(web, body, headers).status_code == 413


def test_an_oversized_streamed_body_without_length_is_413(web: Harness) -> None:
    body, headers = signed({**AUTHORIZE, "data": {"padding": "x" * 300_000}})

    def chunks():
        for start in range(0, len(body), 65536):
            yield body[start:start + 65536]

    response = web.client.post("/webhooks/salla", content=chunks(), headers=headers)
    assert response.status_code == 413 and web.queue.commands == []


def test_a_repeated_delivery_is_acknowledged_but_queued_once(web: Harness) -> None:
    body, headers = signed(INSTALLED)
    assert post(web, body, headers).json()["status"] == "accepted"
    again = post(web, body, headers)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert len(web.queue.of(ProcessWebhook)) == 1


def test_a_queue_failure_is_503_and_the_retry_is_accepted(web: Harness) -> None:
    body, headers = signed(INSTALLED)
    original = web.queue.dispatch

    def broken(command: object) -> None:
        raise ConnectionError("redis down")

    web.queue.dispatch = broken  # type: ignore[method-assign]
    assert post(web, body, headers).status_code == 503
    web.queue.dispatch = original  # type: ignore[method-assign]
    assert post(web, body, headers).json()["status"] == "accepted"


def test_queued_deliveries_processed_by_the_use_case_create_the_store_once(web: Harness) -> None:
    """The worker side: the queued command rebuilds the delivery the use case handles exactly once."""
    outcomes: list[str] = []

    def process_webhook(command: ProcessWebhook) -> None:
        event = to_domain_event(command, now=web.services.clock.now())
        outcome = handle_webhook_event(web.uow_factory, web.queue, web.services.clock, event,
                                       user_info=web.services.salla_auth.user_info)
        outcomes.append(outcome.value)

    web.queue.handlers[ProcessWebhook] = process_webhook
    body, headers = signed(INSTALLED)
    post(web, body, headers)
    web.app.state.web.recent_deliveries = type(web.app.state.web.recent_deliveries)()  # a restarted server
    post(web, body, headers)  # Salla repeats it

    assert outcomes == ["processed", "duplicate"]
    with web.uow_factory("1234509876") as uow:
        assert uow.stores.get("1234509876") is not None


def test_a_repeated_authorization_after_a_restart_is_a_duplicate(web: Harness) -> None:
    """The inline path is exactly-once through the same webhook inbox as the worker's."""
    body, headers = signed(authorize(web, web.merchant_ids()[0]))
    assert post(web, body, headers).json()["message"] == "processed"
    web.app.state.web.recent_deliveries = type(web.app.state.web.recent_deliveries)()  # a restarted server
    assert post(web, body, headers).json()["message"] == "duplicate"


def test_webhook_metrics_count_outcomes(web: Harness) -> None:
    body, headers = signed(INSTALLED)
    post(web, body, headers)
    post(web, body, {"Content-Type": "application/json"})
    text = web.client.get("/metrics").text
    assert 'salla_optimizer_webhook_deliveries_total{outcome="accepted"} 1.0' in text
    assert 'salla_optimizer_webhook_deliveries_total{outcome="unauthorized"} 1.0' in text


def test_other_methods_on_the_webhook_path_are_405(web: Harness) -> None:
    assert web.client.get("/webhooks/salla").status_code == 405
    assert web.queue.commands == []
