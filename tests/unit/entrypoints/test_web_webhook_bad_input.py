"""Signed deliveries carrying bad input: a 4xx (never a 5xx), recorded once, nothing else lost.

Black box over HTTP (``POST /webhooks/salla``) with the app on real SQLite storage, so what reaches
the database is what production would store. Salla retries anything but 200/201, so a refusal is
remembered in the webhook inbox: the retry gets the same answer and no second log line.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import event as hypothesis_event
from hypothesis import strategies as st
from tests.support.web_harness import WEBHOOK_SECRET, Harness, make_harness, signed

from adapters.config import Config
from adapters.fake_salla import create_fake_salla
from adapters.salla import to_domain_event
from adapters.storage import build_storage
from pricing_core.activity import ActivityType
from pricing_core.commands import ProcessWebhook
from pricing_core.errors import StoreNotKnownYet
from pricing_core.events import SettingsUpdated
from pricing_core.usecases.webhooks import handle_webhook_event

# A store of the harness's fake Salla: an authorization's tokens must be that store's own (its
# user info is checked), so they are issued by the fake for each test.
STORE = str(create_fake_salla().sandbox_stores()[0].merchant_id)
EXPIRES = int(datetime(2026, 3, 15, tzinfo=UTC).timestamp())


def good_tokens(web: Harness) -> dict[str, Any]:
    """The payload of an authorization carrying fresh tokens the fake Salla issued to ``STORE``."""
    issued = web.fake.issue_tokens(STORE)
    return {"access_token": issued["access_token"], "refresh_token": issued["refresh_token"],
            "expires": issued["expires"], "scope": issued["scope"], "token_type": "bearer"}


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Harness]:
    factory, _locks = build_storage(Config(var_dir=tmp_path), migrate_schema=True)
    try:
        yield make_harness(uow_factory=factory)
    finally:
        factory.engine.dispose()


def raw_signed(body: bytes) -> tuple[bytes, dict[str, str]]:
    digest = hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return body, {"Content-Type": "application/json", "X-Salla-Security-Strategy": "Signature",
                  "X-Salla-Signature": digest}


def post(web: Harness, body: bytes, headers: dict[str, str]) -> Any:
    return web.client.post("/webhooks/salla", content=body, headers=headers)


def refusals(web: Harness, store_id: str | None = None) -> list[Any]:
    """The refusals on a store's log, or (``store_id`` None) on the system-wide log."""
    with web.uow_factory(store_id) as uow:
        if uow.store is not None:
            return uow.store.activity.list(activity_type=ActivityType.WEBHOOK_REFUSED)
        entries = uow.system_activity.list(activity_type=ActivityType.WEBHOOK_REFUSED)
    return [e for e in entries if e.store_id is None]


def authorize(web: Harness) -> dict[str, Any]:
    tokens = good_tokens(web)
    body, headers = signed({"event": "app.store.authorize", "merchant": int(STORE),
                            "created_at": "2026-03-01 12:00:00", "data": tokens})
    assert post(web, body, headers).json()["message"] == "processed"
    return tokens


AUTH = b'{"event":"app.store.authorize","merchant":%s,"data":{"access_token":"a","refresh_token":"r",%s}}'
CASES = {
    # a readable envelope with a known field out of range: 422
    "created_at 1e300": (b'{"event":"app.installed","merchant":1,"created_at":1e300,"data":{}}', 422),
    "created_at 1e25": (b'{"event":"app.installed","merchant":1,"created_at":10000000000000000000000000}', 422),
    "created_at year 1": (b'{"event":"app.installed","merchant":1,"created_at":"0001-01-01 00:00:00"}', 422),
    "expires 1e300": (AUTH % (b"2", b'"expires":1e300'), 422),
    "expires_in 1e18": (AUTH % (b"2", b'"expires_in":1e18'), 422),
    "expires_in -1": (AUTH % (b"2", b'"expires_in":-1'), 422),
    "expires 30 years": (AUTH % (b"2", b'"expires":2700000000'), 422),
    "expires string": (AUTH % (b"2", b'"expires":"1e18"'), 422),
    # not JSON as RFC 8259 has it, or not a Salla envelope: 400
    "created_at NaN": (b'{"event":"app.installed","merchant":1,"created_at":NaN}', 400),
    "created_at 1e400": (b'{"event":"app.installed","merchant":1,"created_at":1e400}', 400),
    "expires Infinity": (AUTH % (b"2", b'"expires":Infinity'), 400),
    "price -Infinity": (b'{"event":"product.price.updated","merchant":1,"data":{"id":5,"price":-Infinity}}', 400),
    "event lone surrogate": (b'{"event":"\\udc80","merchant":1,"data":{}}', 400),
    "event surrogate bytes": (b'{"event":"app.\xed\xb2\x80","merchant":1,"data":{}}', 400),
    "event NUL": (b'{"event":"app.installed\\u0000","merchant":1,"data":{}}', 400),
    "event too long": (b'{"event":"' + b"a." * 80 + b'b","merchant":1,"data":{}}', 400),
    "data lone surrogate": (b'{"event":"app.installed","merchant":1,"data":{"store_type":"\\ud800"}}', 400),
    "key lone surrogate": (b'{"event":"app.installed","merchant":1,"data":{"\\udfff":1}}', 400),
    "merchant 30 digits": (b'{"event":"app.installed","merchant":' + b"9" * 30 + b',"data":{}}', 400),
}


@pytest.mark.parametrize(("body", "status"), list(CASES.values()), ids=list(CASES))
def test_bad_values_are_refused_recorded_once_and_nothing_is_queued(web: Harness, body: bytes, status: int) -> None:
    body, headers = raw_signed(body)
    first = post(web, body, headers)
    assert first.status_code == status, first.text
    assert first.json()["status"] == ("malformed" if status == 400 else "unprocessable")
    assert web.queue.commands == []
    with web.uow_factory() as uow:
        assert uow.stores.list_all() == []          # no store made up from a refused delivery
    [entry] = refusals(web)
    assert entry.metadata["delivery_id"] == hashlib.sha256(body).hexdigest()
    assert entry.metadata["status"] == status and entry.metadata["reason"] == first.json()["message"]

    retry = post(web, body, headers)                 # Salla delivers the same bytes again
    assert retry.status_code == status
    assert len(refusals(web)) == 1                   # the inbox knew it: not logged twice


def test_a_bad_authorization_keeps_the_tokens_held_and_is_logged_on_the_store(web: Harness) -> None:
    held = authorize(web)
    body, headers = signed({"event": "app.store.authorize", "merchant": int(STORE),
                            "data": {**held, "access_token": "ory_at_evil", "expires": 1e300}})
    response = post(web, body, headers)
    assert response.status_code == 422 and "expiry" in response.json()["message"]
    with web.uow_factory(STORE) as uow:
        assert uow.store is not None
        store, tokens = uow.stores.get(STORE), uow.store.tokens.get()
    assert store is not None and store.is_active
    assert tokens is not None and tokens.access_token == held["access_token"]
    assert tokens.expires_at.timestamp() == held["expires"]
    [entry] = refusals(web, STORE)
    assert entry.metadata["event"] == "app.store.authorize" and "expiry" in entry.description
    assert refusals(web) == []                       # the store's log, not the system log

    # the next good delivery for the store goes through as before
    body, headers = signed({"event": "app.uninstalled", "merchant": int(STORE), "data": {}})
    assert post(web, body, headers).json()["status"] == "accepted"


def test_a_refusal_the_database_cannot_record_is_still_a_4xx(web: Harness) -> None:
    body, headers = raw_signed(CASES["created_at NaN"][0])
    web.services.uow_factory = _Exploding()  # type: ignore[assignment]  # the database is down
    response = post(web, body, headers)
    assert response.status_code == 400 and response.json()["status"] == "malformed"


class _Exploding:
    def __call__(self, store_id: str | None = None) -> Any:
        raise ConnectionError("database down")


# -- fuzz-ish: random JSON values in the fields Salla's envelope and our handlers read ------------

def mostly(usual: st.SearchStrategy[Any], other: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``usual`` two times in three, ``other`` otherwise."""
    return st.integers(0, 2).flatmap(lambda i: other if i == 0 else usual)


# Ordinary values, and often one of those that broke the route or the worker before.
NASTY = st.sampled_from([1e300, -1e300, 1e18, -1e18, 10**19, 10**25, 2_700_000_000, float("nan"), float("inf"),
                         float("-inf"), "1e18", "NaN", "", "\udc80", "app.\ud800", "\x00", "app.installed\x00",
                         "a." * 80 + "b", "9" * 30])
TEXT = st.text(st.characters(exclude_categories=()), max_size=4)   # surrogates and NUL included
ORDINARY = st.one_of(st.none(), st.booleans(), st.integers(-(10**6), 10**10), st.floats(-1e9, 1e9), st.just(EXPIRES),
                     st.text(max_size=6), TEXT)
SCALARS = mostly(ORDINARY, NASTY)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=2) | st.dictionaries(TEXT, inner, max_size=2),
                      max_leaves=4)
KNOWN_EVENTS = st.sampled_from(["app.store.authorize", "app.installed", "app.uninstalled", "app.settings.updated",
                                "product.price.updated"])
KNOWN_MERCHANTS = st.sampled_from([int(STORE), STORE, 1, "0001"])
KNOWN_TIMES = st.sampled_from([None, "2026-03-01 12:00:00", "Sun Dec 14 2025 11:41:40 GMT+0300",
                               "9999-12-31 23:59:59", "0001-01-01 00:00:00", 1_772_000_000])
# Mostly well-formed envelopes, so that the handlers behind the route see the random values too.
EVENTS = mostly(KNOWN_EVENTS, VALUES)
MERCHANTS = mostly(KNOWN_MERCHANTS, VALUES)
CREATED = mostly(KNOWN_TIMES, VALUES)
DATA = st.fixed_dictionaries({}, optional={
    key: VALUES for key in ("access_token", "refresh_token", "expires", "expires_in", "scope", "token_type", "id",
                            "price", "sale_price", "store_type", "uninstallation_date", "refunded")
} | {"settings": st.dictionaries(st.sampled_from(["min_profit_margin", "automation_mode", "reference_competitor",
                                                   "own_store_names", "strategy_value", "max_change_pct", "x"]),
                                  VALUES, max_size=3)})
DATA = mostly(DATA, VALUES)


@pytest.fixture(scope="module")
def fuzz_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    factory, _locks = build_storage(Config(var_dir=tmp_path_factory.mktemp("fuzz")), migrate_schema=True)
    try:
        yield make_harness(uow_factory=factory)
    finally:
        factory.engine.dispose()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event=EVENTS, merchant=MERCHANTS, created_at=CREATED, data=DATA, authorize_first=st.booleans())
def test_no_signed_delivery_is_ever_a_5xx_or_fails_the_worker(
    fuzz_web: Harness, event: object, merchant: object, created_at: object, data: object, authorize_first: bool
) -> None:
    web = fuzz_web
    if authorize_first:
        authorize_once(web)
    body = json.dumps({"event": event, "merchant": merchant, "created_at": created_at, "data": data}).encode()
    body, headers = raw_signed(body)
    web.queue.commands.clear()
    response = post(web, body, headers)
    assert response.status_code < 500, response.text
    assert response.status_code in (200, 400, 422), response.text
    hypothesis_event(f"HTTP {response.status_code} {response.json()['message'][:30]}")
    for command in web.queue.of(ProcessWebhook):
        # what the route accepted, the worker handles on real storage without raising, except the
        # settings of a store not installed yet: those are retried (``process_webhook``: RetryLater)
        event = to_domain_event(command, now=web.services.clock.now())
        try:
            handle_webhook_event(web.uow_factory, web.queue, web.services.clock, event,
                                 user_info=web.services.salla_auth.user_info)
        except StoreNotKnownYet:
            with web.uow_factory() as uow:
                assert isinstance(event, SettingsUpdated) and uow.stores.get(event.store_id) is None


def authorize_once(web: Harness) -> None:
    body, headers = signed({"event": "app.store.authorize", "merchant": int(STORE), "data": good_tokens(web)})
    assert post(web, body, headers).status_code == 200
