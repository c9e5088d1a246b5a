"""Alerts through apprise to a real local HTTP receiver (apprise's ``json://`` target), and the messages.

Every alert kind is sent through apprise itself to a server on 127.0.0.1 that records what it
receives; a silent target and a refusing one show the deadline and the retry.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import attrs
import pytest

from adapters.alerts import AppriseNotifier, render, render_in
from adapters.alerts.messages import TITLES
from adapters.alerts.targets import TargetGuard
from pricing_core.alerts import Alert, AlertBatch, AlertKind

AT = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
PUBLIC = "https://pricing.example.sa"


class Receiver:
    """A local HTTP server: records JSON posts; ``status`` answers them, ``delay`` holds them."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.status = 200
        self.delay = 0.0
        self.refuse_first = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                time.sleep(receiver.delay)
                if receiver.refuse_first > 0:
                    receiver.refuse_first -= 1
                    status = 500
                else:
                    status = receiver.status
                    receiver.received.append(json.loads(body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.server.server_address[1]}/alerts"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


FACTS: dict[AlertKind, dict[str, Any]] = {
    AlertKind.APPROVALS_WAITING: {"run_id": "r1", "queued": 4},
    AlertKind.PROFIT_FELL: {"product_id": "p7", "name": "Oud 50 ml", "old_price": "115.00", "new_price": "99.00",
                            "change_pct": "-13.9", "profit_before": "400.00", "profit_after": "210.00",
                            "units_before": "10.00", "units_after": "6.00", "profit_change_pct": "-47.5",
                            "window_days": 7, "run_id": "r9", "decision_id": "d:r9/p7"},
    AlertKind.TOKEN_REVOKED: {"reason": "Invalid refresh token", "uninstalled": False},
    AlertKind.TOKEN_EXPIRING: {"error": "SallaUnavailable: 503", "hours_left": 5.4},
    AlertKind.RUN_FAILED: {"run_id": "r2", "error": "the catalog could not be read"},
    AlertKind.RUN_PARTIALLY_APPLIED: {"run_id": "r3", "pending": 3},
    AlertKind.WRITES_REFUSED: {"run_id": "r4", "count": 1,
                               "failures": [{"product_id": "p2", "price": "12.00", "reason": "price too low"}]},
    AlertKind.BELOW_FLOOR: {"run_id": "r5", "count": 12, "products": [
        {"product_id": "p3", "name": "Dates 1 kg", "competitor_price": "41.00", "floor": "48.30", "currency": "SAR"}]},
    AlertKind.TEST: {},
}


def batch(kind: AlertKind, language: str | None = "en", n: int = 1) -> AlertBatch:
    alerts = tuple(Alert(kind=kind, store_id="42", at=AT, facts=FACTS[kind]) for _ in range(n))
    return AlertBatch(kind=kind, store_id="42", alerts=alerts, store_name="Oud House", language=language,
                      pending_approvals=9)


@pytest.mark.parametrize("kind", list(AlertKind))
def test_every_kind_reaches_a_real_receiver_through_apprise(receiver: Receiver, kind: AlertKind) -> None:
    notifier = AppriseNotifier([receiver.url], public_url=PUBLIC, timeout=5)
    delivery = notifier.send(batch(kind))
    assert delivery.sent and delivery.targets == 1 and delivery.error is None
    [message] = receiver.received
    assert message["title"].startswith("Oud House: ")
    assert "https://pricing.example.sa/dashboard/stores/42" in message["message"]
    title, body = render(batch(kind), public_url=PUBLIC)
    assert (message["title"], message["message"]) == (title, body)


def test_the_profit_message_has_the_product_the_figures_and_the_way_back() -> None:
    title, body = render_in(batch(AlertKind.PROFIT_FELL), "en", public_url=PUBLIC)
    assert title == "Oud House: 1 price change(s) lost profit"
    assert "Oud 50 ml: 115.00 -> 99.00 (-13.9%)" in body
    assert "gross profit per day 400.00 -> 210.00" in body and "-47.5%" in body
    assert "restore 115.00 (roll back run r9)" in body
    # The link opens the rollback of exactly that change (the run page's preview, narrowed to it).
    assert f"{PUBLIC}/dashboard/stores/42/runs/r9/rollback?decision=d%3Ar9%2Fp7" in body


def test_a_profit_alert_without_its_decision_links_the_product() -> None:
    facts = {k: v for k, v in FACTS[AlertKind.PROFIT_FELL].items() if k != "decision_id"}
    found = batch(AlertKind.PROFIT_FELL)
    found = attrs.evolve(found, alerts=tuple(attrs.evolve(a, facts=facts) for a in found.alerts))
    _, body = render_in(found, "en", public_url=PUBLIC)
    assert f"{PUBLIC}/dashboard/stores/42/products/p7" in body


def test_the_below_floor_message_names_the_product_both_prices_and_what_to_do() -> None:
    title, body = render_in(batch(AlertKind.BELOW_FLOOR), "en", public_url=PUBLIC)
    assert title == "Oud House: competitors sell 12 product(s) below your margin floor"
    assert "Dates 1 kg: lowest competitor 41.00 SAR, your floor 48.30 SAR" in body and "... and 11 more" in body
    assert f"{PUBLIC}/dashboard/stores/42/catalog?position=above" in body
    title_ar, body_ar = render_in(batch(AlertKind.BELOW_FLOOR), "ar", public_url=PUBLIC)
    assert "بأقل من الحد الأدنى لهامشك" in title_ar and "أقل سعر منافس 41.00" in body_ar


def test_many_alerts_list_the_first_ten_and_count_the_rest() -> None:
    _, body = render_in(batch(AlertKind.PROFIT_FELL, n=13), "en", public_url=PUBLIC)
    assert body.count("- Oud 50 ml") == 10 and "... and 3 more" in body
    title, _ = render_in(batch(AlertKind.PROFIT_FELL, n=13), "en", public_url=PUBLIC)
    assert "13 price change(s)" in title


def test_messages_speak_arabic_english_or_both() -> None:
    title_ar, body_ar = render(batch(AlertKind.APPROVALS_WAITING, language="ar"), public_url=PUBLIC)
    assert title_ar == "Oud House: 9 تغيير سعر بانتظار موافقتك"
    assert "wait" not in body_ar
    both_title, both_body = render(batch(AlertKind.APPROVALS_WAITING, language=None), public_url=PUBLIC)
    assert both_title == f"{title_ar} | Oud House: 9 price change(s) wait for your approval"
    assert body_ar in both_body and "4 change(s)" in both_body
    for kind in AlertKind:  # every kind is written in both languages
        assert set(TITLES[kind]) == {"en", "ar"}
        for lang in ("en", "ar"):
            assert "?" not in render_in(batch(kind, language=lang), lang, public_url=PUBLIC)[0]


def test_a_missing_fact_reads_as_a_question_mark_never_an_error() -> None:
    bare = AlertBatch(kind=AlertKind.PROFIT_FELL, store_id="42",
                      alerts=(Alert(kind=AlertKind.PROFIT_FELL, store_id="42", at=AT),))
    title, body = render_in(bare, "en", public_url=PUBLIC)
    assert title == "42: 1 price change(s) lost profit" and "? -> ?" in body


def test_a_silent_target_costs_at_most_the_timeout_and_the_others_still_get_it(receiver: Receiver) -> None:
    silent = Receiver()
    silent.delay = 3.0
    try:
        notifier = AppriseNotifier([silent.url, receiver.url], public_url=PUBLIC, timeout=1.0)
        started = time.monotonic()
        delivery = notifier.send(batch(AlertKind.RUN_FAILED))
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert elapsed < 2.0
    assert delivery.sent and delivery.targets == 1
    assert delivery.error is not None and delivery.error.startswith("1 of 2 target(s) failed (target 1: ")
    assert len(receiver.received) == 1


def test_a_refusing_target_is_tried_again_and_the_failure_reported(receiver: Receiver) -> None:
    receiver.refuse_first = 1
    notifier = AppriseNotifier([receiver.url], public_url=PUBLIC, timeout=5, attempts=2)
    assert notifier.send(batch(AlertKind.TOKEN_REVOKED)).sent
    assert len(receiver.received) == 1

    receiver.status = 500
    delivery = AppriseNotifier([receiver.url], public_url=PUBLIC, timeout=5, attempts=2).send(batch(AlertKind.TEST))
    assert not delivery.sent and delivery.targets == 0
    assert delivery.error is not None and "1 of 1 target(s) failed" in delivery.error
    assert receiver.url not in delivery.error  # URLs may carry secrets: never in an error


def test_no_target_or_an_unknown_scheme_is_a_failed_delivery_not_an_exception() -> None:
    assert AppriseNotifier([], public_url=PUBLIC).send(batch(AlertKind.TEST)).error == "no alert target configured"
    delivery = AppriseNotifier(["nosuchscheme://x/y"], public_url=PUBLIC, timeout=2).send(batch(AlertKind.TEST))
    assert not delivery.sent and "not a URL apprise can send to" in (delivery.error or "")


# -- a store's own targets (StoreNotifier): the guard at sending, each target's outcome ------------


def test_a_stores_targets_are_sent_to_with_private_targets_allowed(receiver: Receiver) -> None:
    notifier = AppriseNotifier((), public_url=PUBLIC, timeout=5, guard=TargetGuard(allow_private=True))
    delivery = notifier.send_to(batch(AlertKind.RUN_FAILED, language="ar"), [receiver.url, "windows://"])
    [message] = receiver.received
    assert message["title"] == "Oud House: فشل تشغيل للتسعير"
    assert delivery.sent and delivery.targets == 1
    assert [(o.target, o.sent, o.refused) for o in delivery.outcomes] == [
        ("json://127.0.0.1/•••", True, None), ("windows://", False, "scheme")]
    assert "1 of 2 target(s) not sent" in (delivery.error or "")


def test_the_guard_is_asked_again_at_sending_an_internal_target_gets_nothing(receiver: Receiver) -> None:
    notifier = AppriseNotifier((), public_url=PUBLIC, timeout=5)  # the default guard: no private address
    assert notifier.refusal(receiver.url) == "internal"
    delivery = notifier.send_to(batch(AlertKind.TEST), [receiver.url])
    assert receiver.received == []
    assert not delivery.sent and delivery.outcomes[0].refused == "internal"


def test_a_failing_store_target_is_retried_and_reported_by_its_masked_name(receiver: Receiver) -> None:
    receiver.status = 500
    notifier = AppriseNotifier((), public_url=PUBLIC, timeout=3, guard=TargetGuard(allow_private=True))
    delivery = notifier.send_to(batch(AlertKind.TEST), [receiver.url.replace("json://", "json://user:SECRET@")])
    assert not delivery.sent and delivery.outcomes[0].error
    assert delivery.outcomes[0].target == "json://•••@127.0.0.1/•••"
    assert "SECRET" not in repr(delivery)
