"""Queued work for the operator: GET /work, the operator page's section, and the /metrics gauges."""

from __future__ import annotations

from datetime import timedelta

import dramatiq
from tests.support.web_harness import ADMIN_TOKEN, Harness, make_harness

from adapters.config import Config
from entrypoints.web.work_view import work_summary
from pricing_core.activity import ActivityType
from pricing_core.commands import CleanupOldData, RepriceProducts, SweepAllStores
from pricing_core.intents import intent_for, prepared
from runners.broker import DramatiqQueue, build_broker

BEARER = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def with_work(web: Harness) -> None:
    """Three recorded tasks (one fresh, one quiet for 20 minutes, one given up) and a recovery pass."""
    now = web.services.clock.now()
    old = intent_for(SweepAllStores(batch_key="old"), now - timedelta(minutes=20))
    fresh = intent_for(CleanupOldData(), now)
    dead = intent_for(SweepAllStores(batch_key="dead"), now - timedelta(hours=1))
    assert old is not None and fresh is not None and dead is not None
    with web.uow_factory() as uow:
        for intent in (old, fresh, dead):
            uow.intents.record(intent)
        uow.intents.give_up(dead.key, "not done after 4 sending(s)")
        uow.system_activity.log(ActivityType.SYSTEM_RECOVERY, "System Action: Recovery", at=now - timedelta(hours=2),
                                metadata={"runs_resumed": 2, "work_resent": 3, "stores_left": 0, "stores_failed": 0})
        uow.system_activity.log(ActivityType.SYSTEM_RECOVERY, "System Action: Recovery", at=now - timedelta(days=2),
                                metadata={"runs_resumed": 7, "stores_left": 0, "stores_failed": 0})
        uow.commit()


def test_work_needs_the_admin_token_and_reports_intents_and_recovery() -> None:
    web = make_harness()
    with_work(web)
    assert web.client.get("/work").status_code == 401
    body = web.client.get("/work", headers=BEARER).json()
    assert body["messages"] == {"queues": None, "totals": None}       # a test queue cannot tell
    assert {k: body["intents"][k] for k in ("queued", "lost", "dead")} == {"queued": 2, "lost": 1, "dead": 1}
    [dead] = body["intents"]["dead_recent"]
    assert dead["command"] == "SweepAllStores" and dead["error"].startswith("not done")
    actions = body["recovery"]["actions"]
    assert actions["runs_resumed"] == 2 and actions["work_resent"] == 3     # the 2-day-old pass is out
    assert body["recovery"]["last_pass_at"] is not None


def test_broker_messages_per_queue_and_state() -> None:
    web = make_harness()
    broker = build_broker(Config())
    for name in ("events", "default"):
        broker.declare_queue(name)
    queue = DramatiqQueue(broker)
    queue.dispatch(prepared(RepriceProducts(store_id="1", product_ids=("a",))))
    queue.dispatch(CleanupOldData())
    broker.enqueue(dramatiq.Message(queue_name="events", actor_name="reprice_products", args=(), kwargs={},
                                    options={}))
    message = broker.queues["events"].get()              # a worker took one
    broker.dead_letters_by_queue["default"].append(message)
    summary = work_summary(web.services, queue)
    assert summary["messages"]["queues"] == {
        "default": {"queued": 1, "in_flight": 0, "retrying": 0, "dead": 1},
        "events": {"queued": 1, "in_flight": 1, "retrying": 0, "dead": 0},
    }
    assert summary["messages"]["totals"] == {"queued": 2, "in_flight": 1, "retrying": 0, "dead": 1}


def test_the_operator_page_and_the_metrics_show_the_work() -> None:
    web = make_harness()
    with_work(web)
    page = web.new_client().get("/operator", headers=BEARER)
    assert page.status_code == 200
    for text in ("Queued work", "Recorded work", "Lost, to be sent again", "Given up", "not done after 4",
                 "Recovery, last 24 hours", "Lost tasks sent again"):
        assert text in page.text, text
    arabic = web.new_client()
    arabic.get("/lang/ar")
    assert "الأعمال المسجلة" in arabic.get("/operator", headers=BEARER).text
    metrics = web.client.get("/metrics").text
    assert 'salla_optimizer_recorded_work{state="lost"} 1.0' in metrics
    assert 'salla_optimizer_recorded_work{state="dead"} 1.0' in metrics
    assert 'salla_optimizer_recovery_actions_24h{action="work_resent"} 3.0' in metrics
