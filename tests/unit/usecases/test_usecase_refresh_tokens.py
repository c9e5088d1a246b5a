"""The token lifecycle: every refresh outcome, the batch, and refreshing before a sweep."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from tests.support.usecase_support import add_store, make_ports

from pricing_core.activity import ActivityType
from pricing_core.errors import SallaUnavailable, TokenRevoked
from pricing_core.tokens import RefreshOutcome
from pricing_core.usecases.refresh_tokens import (
    REASON_INVALID_REFRESH_TOKEN,
    REASON_UNAUTHORIZED,
    ensure_fresh_tokens,
    refresh_expiring_tokens,
    refresh_store_tokens,
)


def stored(ports, store_id="1"):  # type: ignore[no-untyped-def]
    with ports.uow_factory(store_id) as uow:
        return uow.stores.get(store_id), uow.store.tokens.get(), uow.store.activity.list(limit=100)


@pytest.fixture
def ports():  # type: ignore[no-untyped-def]
    p = make_ports()
    add_store(p, "1", expires_in=timedelta(hours=3))
    return p


def test_refreshed_persists_both_tokens_and_logs(ports) -> None:  # type: ignore[no-untyped-def]
    _, before, _ = stored(ports)
    result = refresh_store_tokens(ports, "1", seen=before)
    store, after, log = stored(ports)
    assert result.outcome is RefreshOutcome.REFRESHED
    assert after == result.tokens
    assert after.access_token != before.access_token and after.refresh_token != before.refresh_token
    assert after.expires_at > before.expires_at and store.is_active
    assert log[0].activity_type is ActivityType.SYSTEM_TOKEN_REFRESH
    assert log[0].description == "System Action: OAuth token refreshed automatically (proactive)"
    # the new access token works, the old one is dead
    assert ports.salla_auth.merchant_for(after.access_token) == "1"
    with pytest.raises(TokenRevoked):
        ports.salla_auth.merchant_for(before.access_token)


def test_skipped_when_someone_else_rotated_first(ports) -> None:  # type: ignore[no-untyped-def]
    _, seen, _ = stored(ports)
    first = refresh_store_tokens(ports, "1", seen=seen)
    late = refresh_store_tokens(ports, "1", seen=seen)   # same stale view: must not reuse the refresh token
    assert late.outcome is RefreshOutcome.SKIPPED and late.tokens == first.tokens
    assert ports.salla_auth.refresh_calls == 1
    assert stored(ports)[0].is_active


def test_skipped_without_seen_when_not_due_unless_forced() -> None:
    ports = make_ports()
    add_store(ports, "1")  # expires in 14 days
    assert refresh_store_tokens(ports, "1").outcome is RefreshOutcome.SKIPPED
    assert refresh_store_tokens(ports, "1", force=True).outcome is RefreshOutcome.REFRESHED
    assert ports.salla_auth.refresh_calls == 1


@pytest.mark.parametrize(("status", "reason"), [(401, REASON_UNAUTHORIZED), (400, REASON_INVALID_REFRESH_TOKEN)])
def test_revoked_deactivates_with_reason(ports, status: int, reason: str) -> None:  # type: ignore[no-untyped-def]
    ports.salla_auth.fail_next(TokenRevoked("invalid_grant", status=status))
    result = refresh_store_tokens(ports, "1")
    store, _, log = stored(ports)
    assert result.outcome is RefreshOutcome.REVOKED and result.error == reason
    assert not store.is_active and store.deactivation_reason == reason
    assert log[0].activity_type is ActivityType.SYSTEM_STORE_DEACTIVATED
    assert log[0].description == f"System Action: Store deactivated - {reason}"
    assert log[0].metadata["status"] == status


def test_uninstalled_store_is_deactivated(ports) -> None:  # type: ignore[no-untyped-def]
    ports.salla_auth.invalid_grant_status = 401
    ports.salla_auth.uninstall("1")
    result = refresh_store_tokens(ports, "1")
    assert result.outcome is RefreshOutcome.REVOKED
    assert stored(ports)[0].deactivation_reason == REASON_UNAUTHORIZED


@pytest.mark.parametrize("error", [SallaUnavailable("read timeout"), SallaUnavailable("503", status=503)])
def test_transient_keeps_store_active_and_logs(ports, error: Exception) -> None:  # type: ignore[no-untyped-def]
    _, before, _ = stored(ports)
    result = refresh_store_tokens(ports, "1")
    assert result.outcome is RefreshOutcome.REFRESHED  # sanity: refresh works
    ports.salla_auth.fail_next(error)
    _, current, _ = stored(ports)
    failed = refresh_store_tokens(ports, "1", force=True)
    store, after, log = stored(ports)
    assert failed.outcome is RefreshOutcome.TRANSIENT and store.is_active
    assert after == current != before
    assert log[0].activity_type is ActivityType.SYSTEM_TOKEN_REFRESH_FAILED
    # next run retries and succeeds with the unchanged refresh token
    assert refresh_store_tokens(ports, "1", force=True).outcome is RefreshOutcome.REFRESHED


def test_concurrent_refreshes_make_one_call(ports) -> None:  # type: ignore[no-untyped-def]
    _, seen, _ = stored(ports)
    ports.salla_auth.refresh_delay = lambda: time.sleep(0.05)  # widen the race window
    barrier = threading.Barrier(8)
    results = []

    def worker() -> None:
        barrier.wait()
        results.append(refresh_store_tokens(ports, "1", seen=seen))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store, final, _ = stored(ports)
    assert ports.salla_auth.refresh_calls == 1 and store.is_active
    assert sorted(r.outcome for r in results) == [RefreshOutcome.REFRESHED] + [RefreshOutcome.SKIPPED] * 7
    assert {r.tokens.access_token for r in results} == {final.access_token}


def test_batch_refreshes_expiring_and_summarizes() -> None:
    ports = make_ports()
    add_store(ports, "1", expires_in=timedelta(hours=3))     # refreshed
    add_store(ports, "2", expires_in=timedelta(hours=-1))    # expired: refreshed too
    add_store(ports, "3", expires_in=timedelta(hours=5))     # revoked
    add_store(ports, "4", expires_in=timedelta(hours=6))     # timeout
    add_store(ports, "5", expires_in=timedelta(days=10))     # not expiring: untouched
    add_store(ports, "6", expires_in=timedelta(hours=1), active=False)  # inactive: untouched
    ports.salla_auth.uninstall("3")
    errors = {"4": SallaUnavailable("timeout")}
    original = ports.salla_auth.refresh

    def refresh(token: str):  # type: ignore[no-untyped-def]
        merchant = token.split("-")[1]
        if merchant in errors:
            raise errors[merchant]
        return original(token)

    ports.salla_auth.refresh = refresh  # type: ignore[method-assign]
    report = refresh_expiring_tokens(ports, threshold_hours=24)

    outcomes = {r.store_id: r.outcome for r in report.results}
    assert outcomes == {"1": RefreshOutcome.REFRESHED, "2": RefreshOutcome.REFRESHED,
                        "3": RefreshOutcome.REVOKED, "4": RefreshOutcome.TRANSIENT}
    assert report.as_dict() == {"checked": 4, "refreshed": 2, "revoked": 1, "transient": 1, "skipped": 0}
    with ports.uow_factory() as uow:
        batch = uow.system_activity.list(activity_type=ActivityType.SYSTEM_TOKEN_REFRESH_BATCH)
        per_store = uow.system_activity.list(activity_type=ActivityType.SYSTEM_TOKEN_REFRESH)
        assert uow.stores.get("4").is_active and not uow.stores.get("3").is_active
    assert len(batch) == 1 and batch[0].store_id is None
    assert batch[0].description == "System Action: Batch token refresh completed"
    assert batch[0].metadata["refreshed"] == 2 and batch[0].metadata["revoked_stores"] == ["3"]
    assert {e.store_id for e in per_store} == {"1", "2"}

    # the next run retries store 4; store 5 (10 days left) stays outside even a 48 h threshold
    errors.clear()
    again = refresh_expiring_tokens(ports, threshold_hours=48)
    assert {r.store_id: r.outcome for r in again.results} == {"4": RefreshOutcome.REFRESHED}


def test_ensure_fresh_tokens(ports) -> None:  # type: ignore[no-untyped-def]
    fresh = ensure_fresh_tokens(ports, "1")               # 3 h left: refreshed
    assert ports.salla_auth.refresh_calls == 1
    assert ensure_fresh_tokens(ports, "1") == fresh       # 14 days left: as is
    assert ports.salla_auth.refresh_calls == 1


def test_ensure_fresh_tokens_transient_keeps_valid_token_and_fails_expired(ports) -> None:  # type: ignore[no-untyped-def]
    _, current, _ = stored(ports)
    ports.salla_auth.fail_next(SallaUnavailable("timeout"))
    assert ensure_fresh_tokens(ports, "1") == current     # still valid for 3 h
    ports.clock.advance(hours=4)
    ports.salla_auth.fail_next(SallaUnavailable("timeout"))
    with pytest.raises(SallaUnavailable):
        ensure_fresh_tokens(ports, "1")


def test_ensure_fresh_tokens_revoked_raises(ports) -> None:  # type: ignore[no-untyped-def]
    ports.salla_auth.fail_next(TokenRevoked("invalid_grant", status=400))
    with pytest.raises(TokenRevoked):
        ensure_fresh_tokens(ports, "1")
    with pytest.raises(TokenRevoked, match="inactive"):
        ensure_fresh_tokens(ports, "1")
