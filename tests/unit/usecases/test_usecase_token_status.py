"""summarize_token_status: the original design's summary shape and per-store health."""

from __future__ import annotations

from datetime import timedelta

from tests.support.usecase_support import add_store, make_ports

from pricing_core.usecases.token_status import summarize_token_status


def test_summary_counts_and_per_store_health() -> None:
    ports = make_ports()
    add_store(ports, "1")                                       # healthy (14 days)
    add_store(ports, "2", expires_in=timedelta(days=3))         # healthy
    add_store(ports, "3", expires_in=timedelta(hours=5))        # expiring soon
    add_store(ports, "4", expires_in=timedelta(hours=-2))       # expired
    add_store(ports, "5", expires_in=timedelta(hours=-2), active=False)
    add_store(ports, "6", active=False)
    report = summarize_token_status(ports.uow_factory, ports.clock.now(), threshold_hours=24)

    assert report.summary.as_dict() == {
        "total_stores": 6, "active_stores": 4, "inactive_stores": 2,
        "tokens_expiring_soon": 1, "tokens_expired": 1, "healthy_tokens": 2,
    }
    rows = {r.store.store_id: r.as_dict() for r in report.stores}
    assert rows["3"]["reason"] == "Token expires soon" and rows["3"]["needs_refresh"] is True
    assert rows["3"]["hours_until_expiry"] == 5.0
    assert rows["4"]["reason"] == "Token expired" and rows["4"]["healthy"] is False
    assert rows["1"]["reason"] == "Token valid" and rows["1"]["hours_until_expiry"] == 14 * 24
    assert rows["5"]["is_active"] is False


def test_threshold_is_configurable() -> None:
    ports = make_ports()
    add_store(ports, "1", expires_in=timedelta(hours=30))
    now = ports.clock.now()
    assert summarize_token_status(ports.uow_factory, now, threshold_hours=24).summary.healthy_tokens == 1
    assert summarize_token_status(ports.uow_factory, now, threshold_hours=48).summary.tokens_expiring_soon == 1
