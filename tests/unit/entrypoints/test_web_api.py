"""The admin JSON API, /health, /metrics and /openapi.json."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.support.web_harness import ADMIN_TOKEN, Harness, make_harness

from pricing_core.commands import ApplyDecisions, SweepStoreNow
from pricing_core.decision import DecisionStatus
from pricing_core.runs import OptimizationRun, RunStatus, RunType
from pricing_core.stores import Store
from pricing_core.tokens import TokenSet

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
P, A, R = DecisionStatus.PENDING, DecisionStatus.APPLIED, DecisionStatus.REJECTED


@pytest.fixture
def web() -> Harness:
    web = make_harness()
    now = web.services.clock.now()
    with web.uow_factory("100") as uow:
        uow.stores.upsert(Store(store_id="100", store_name="Store 100", plan="pro", installed_at=now))
        assert uow.store is not None
        uow.store.tokens.save(TokenSet(access_token="a", refresh_token="r", expires_at=now + timedelta(hours=10)))
        uow.store.runs.add(OptimizationRun(id="run-1", store_id="100", run_type=RunType.MANUAL,
                                           status=RunStatus.COMPLETED, started_at=now, finished_at=now,
                                           duration_seconds=1.5, products_analyzed=12, products_queued=2))
        uow.commit()
    web.add_decisions("100", ("d1", P), ("d2", P), ("d3", A))
    web.add_decisions("200", ("x1", P))
    return web


@pytest.mark.parametrize("method,path", [
    ("GET", "/stores"), ("GET", "/stores/100"), ("POST", "/stores/100/optimize"),
    ("GET", "/stores/100/decisions"), ("POST", "/stores/100/decisions/d1/approve"),
    ("POST", "/stores/100/decisions/d1/reject"), ("POST", "/stores/100/decisions/approve"),
    ("POST", "/stores/100/decisions/reject"),
])
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": ADMIN_TOKEN}],
                         ids=["none", "wrong", "no-scheme"])
def test_every_admin_route_needs_the_bearer_token(web: Harness, method, path, headers) -> None:
    response = web.client.request(method, path, headers=headers, json={"decision_ids": ["d1"]})
    assert response.status_code == 401 and response.json()["error"] == "unauthorized"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert web.status_of("100", "d1") is P and web.queue.commands == []


def test_admin_api_is_closed_when_no_token_is_configured() -> None:
    web = make_harness(admin_token=None)
    assert web.client.get("/stores", headers={"Authorization": "Bearer "}).status_code == 401
    assert web.client.get("/stores", headers={"Authorization": "Bearer None"}).status_code == 401


def test_health_checks_database_and_broker(web: Harness) -> None:
    body = web.client.get("/health").json()
    assert body["status"] == "ok" and body["database"]["ok"] and body["broker"]["ok"]


def test_health_is_503_when_the_database_fails(web: Harness) -> None:
    def broken(store_id=None):
        raise OSError("database is gone")

    web.services.uow_factory = broken  # type: ignore[assignment]
    response = web.client.get("/health")
    assert response.status_code == 503
    assert response.json()["database"] == {"ok": False, "error": "OSError"}


def test_health_is_503_when_the_broker_fails(web: Harness) -> None:
    web.queue.ping = lambda: False  # type: ignore[attr-defined]
    web.queue.depth = lambda: 0  # type: ignore[attr-defined]
    response = web.client.get("/health")
    assert response.status_code == 503 and response.json()["broker"]["ok"] is False


def test_list_stores(web: Harness) -> None:
    body = web.client.get("/stores", headers=AUTH).json()
    assert body["count"] == 2
    first = body["stores"][0]
    assert first["store_id"] == "100" and first["store_name"] == "Store 100" and first["is_active"] is True
    assert first["automation_mode"] == "semi-auto"
    assert first["token_health"] == {"healthy": False, "reason": "Token expires soon", "needs_refresh": True,
                                     "hours_until_expiry": 10.0}
    assert first["last_run"]["status"] == "completed" and first["last_run"]["products_analyzed"] == 12
    assert first["pending_decisions"] == 2
    assert body["stores"][1]["token_health"]["reason"] == "No token"


def test_get_store_detail(web: Harness) -> None:
    body = web.client.get("/stores/100", headers=AUTH).json()
    for key in ("store_id", "store_name", "is_active", "automation_mode", "token_health", "last_run"):
        assert key in body
    assert body["decision_counts"]["pending"] == 2 and body["decision_counts"]["applied"] == 1
    assert body["settings"]["min_profit_margin"] == "15"
    assert web.client.get("/stores/999", headers=AUTH).status_code == 404


def test_optimize_queues_a_manual_run(web: Harness) -> None:
    response = web.client.post("/stores/100/optimize", headers=AUTH)
    assert response.status_code == 202 and response.json() == {"enqueued": "manual_optimize", "store_id": "100"}
    assert web.queue.of(SweepStoreNow) == [SweepStoreNow(store_id="100")]
    assert web.client.post("/stores/999/optimize", headers=AUTH).status_code == 404


def test_optimize_an_inactive_store_is_409(web: Harness) -> None:
    with web.uow_factory() as uow:
        uow.stores.set_active("100", False, reason="app uninstalled", at=web.services.clock.now())
        uow.commit()
    response = web.client.post("/stores/100/optimize", headers=AUTH)
    assert response.status_code == 409 and "app uninstalled" in response.json()["message"]
    assert web.queue.commands == []


def test_list_decisions_with_filters(web: Harness) -> None:
    body = web.client.get("/stores/100/decisions", headers=AUTH).json()
    assert {d["id"] for d in body["decisions"]} == {"d1", "d2", "d3"}
    pending = web.client.get("/stores/100/decisions", params={"status": "pending", "limit": 1}, headers=AUTH)
    assert pending.json()["count"] == 1 and pending.json()["decisions"][0]["status"] == "pending"
    d = body["decisions"][0]
    assert d["old_price"] == "100.00" and d["suggested_price"] == "90.00" and d["change_pct"] == "-10.00"
    assert d["explanation"][0] == "2 usable offers"


@pytest.mark.parametrize("params", [{"status": "nope"}, {"limit": "0"}, {"limit": "x"}, {"offset": "-1"}])
def test_list_decisions_bad_query_is_400(web: Harness, params) -> None:
    assert web.client.get("/stores/100/decisions", params=params, headers=AUTH).status_code == 400


def test_approve_and_reject_one(web: Harness) -> None:
    approved = web.client.post("/stores/100/decisions/d1/approve", headers=AUTH)
    assert approved.status_code == 200 and approved.json() == {"status": "approved", "moved": ["d1"], "skipped": {}}
    assert web.queue.of(ApplyDecisions) == [ApplyDecisions(store_id="100", decision_ids=("d1",))]
    assert web.client.post("/stores/100/decisions/d2/reject", headers=AUTH).status_code == 200
    assert web.status_of("100", "d2") is R
    again = web.client.post("/stores/100/decisions/d1/approve", headers=AUTH)
    assert again.status_code == 409 and again.json()["error"] == "invalid_transition"


def test_reviewing_another_stores_decision_is_404(web: Harness) -> None:
    assert web.client.post("/stores/100/decisions/x1/approve", headers=AUTH).status_code == 404
    assert web.client.post("/stores/999/decisions/x1/approve", headers=AUTH).status_code == 404
    assert web.status_of("200", "x1") is P


def test_bulk_review(web: Harness) -> None:
    response = web.client.post("/stores/100/decisions/approve", headers=AUTH,
                               json={"decision_ids": ["d1", "d2", "d3"]})
    assert response.status_code == 200
    assert response.json() == {"status": "approved", "moved": ["d1", "d2"], "skipped": {"d3": "applied"}}
    reject = web.client.post("/stores/100/decisions/reject", headers=AUTH, json={"decision_ids": ["d1"]})
    assert reject.json()["moved"] == [] and reject.json()["skipped"] == {"d1": "approved"}


@pytest.mark.parametrize("body,status", [
    (b"{oops", 400), (b'{"decision_ids": []}', 422), (b'{"decision_ids": "d1"}', 400),
    (b'{"decision_ids": [1]}', 422), (b"[]", 400),
])
def test_bulk_review_bad_bodies(web: Harness, body: bytes, status: int) -> None:
    response = web.client.post("/stores/100/decisions/approve", headers=AUTH, content=body)
    assert response.status_code == status
    assert web.status_of("100", "d1") is P


def test_bulk_review_unknown_ids_is_404_and_nothing_moves(web: Harness) -> None:
    response = web.client.post("/stores/100/decisions/approve", headers=AUTH, json={"decision_ids": ["d1", "x1"]})
    assert response.status_code == 404
    assert web.status_of("100", "d1") is P and web.queue.commands == []


def test_metrics_exposition(web: Harness) -> None:
    response = web.client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    assert "salla_optimizer_total_stores 2.0" in response.text
    assert "salla_optimizer_active_stores 2.0" in response.text


def test_openapi_document_lists_every_api_route(web: Harness) -> None:
    doc = web.client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) == {
        "/health", "/metrics", "/stores", "/stores/{store_id}", "/stores/{store_id}/optimize",
        "/stores/{store_id}/decisions", "/stores/{store_id}/decisions/approve", "/stores/{store_id}/decisions/reject",
        "/stores/{store_id}/decisions/{decision_id}/approve", "/stores/{store_id}/decisions/{decision_id}/reject",
        "/stores/{store_id}/rules", "/stores/{store_id}/overrides/{product_id}",
        "/stores/{store_id}/runs/{run_id}/rollback", "/work",
    }
