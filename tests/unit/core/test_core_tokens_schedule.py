"""Token health, expiry parsing and the scheduling rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pricing_core import Store, TenantSettings, TokenSet, is_due, token_health
from pricing_core.tokens import expiry_from_response

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def tokens(hours: float) -> TokenSet:
    return TokenSet(access_token="at", refresh_token="rt", expires_at=NOW + timedelta(hours=hours))


@pytest.mark.parametrize(("hours", "healthy", "reason", "needs_refresh"), [
    (48.5, True, "Token valid", False),
    (23, False, "Token expires soon", True),
    (24, False, "Token expires soon", True),
    (-1, False, "Token expired", True),
])
def test_token_health_shape(hours, healthy, reason, needs_refresh):
    health = token_health(tokens(hours), NOW)
    assert health.as_dict() == {"healthy": healthy, "reason": reason, "needs_refresh": needs_refresh,
                                "hours_until_expiry": hours}


def test_token_health_threshold_is_configurable_and_missing_tokens_are_unhealthy():
    assert token_health(tokens(40), NOW, threshold_hours=48).needs_refresh
    assert token_health(None, NOW).as_dict()["healthy"] is False


def test_token_repr_hides_secrets():
    assert "at" not in repr(tokens(5)).replace("expires_at", "").replace("TokenSet", "")


def test_expiry_accepts_expires_in_and_both_readings_of_expires():
    assert expiry_from_response(NOW, expires_in=1209599) == NOW + timedelta(seconds=1209599)
    assert expiry_from_response(NOW, expires=1209599) == NOW + timedelta(seconds=1209599)
    ts = int((NOW + timedelta(days=14)).timestamp())
    assert expiry_from_response(NOW, expires=ts) == NOW + timedelta(days=14)
    with pytest.raises(ValueError):
        expiry_from_response(NOW)


def test_is_due_honours_mode_frequency_and_activity():
    store = Store(store_id="1234509876")
    six = TenantSettings(update_frequency_hours=6)
    assert is_due(store, six, None, NOW)
    assert not is_due(store, six, NOW - timedelta(hours=5), NOW)
    assert is_due(store, six, NOW - timedelta(hours=6), NOW)
    assert not is_due(store, TenantSettings(automation_mode="manual"), None, NOW)
    assert not is_due(Store(store_id="1", is_active=False), six, None, NOW)


def test_an_hourly_store_is_due_at_every_hourly_check_not_every_other():
    """The hourly check fires on the hour; the sweep it started began a few seconds later."""
    store = Store(store_id="1234509876")
    hourly = TenantSettings(update_frequency_hours=1)
    check = NOW
    last_start = None
    swept = []
    for hour in range(6):
        if is_due(store, hourly, last_start, check):
            swept.append(hour)
            last_start = check + timedelta(seconds=3)  # the worker picks the message up
        check += timedelta(hours=1)
    assert swept == [0, 1, 2, 3, 4, 5]
    # ... and not twice within the interval (a check a few minutes after a sweep started).
    assert not is_due(store, hourly, NOW, NOW + timedelta(minutes=30))


def test_token_payload_from_either_source_reads_the_same_way():
    from pricing_core.tokens import TokenPayloadError, token_set_from_payload

    ts = int((NOW + timedelta(days=14)).timestamp())
    webhook = token_set_from_payload({"access_token": "at", "refresh_token": "rt", "expires": ts,
                                      "scope": ["offline_access", "products.read_write"]}, NOW)
    endpoint = token_set_from_payload({"access_token": "at", "refresh_token": "rt", "expires_in": 14 * 86400,
                                       "scope": "offline_access products.read_write", "token_type": "Bearer"}, NOW)
    assert webhook == endpoint
    assert webhook.scope == "offline_access products.read_write" and webhook.token_type == "bearer"
    no_refresh = token_set_from_payload({"access_token": "at", "refresh_token": "", "expires_in": 60}, NOW)
    assert no_refresh.refresh_token is None
    with pytest.raises(TokenPayloadError, match="access_token"):
        token_set_from_payload({"expires_in": 60}, NOW)
    with pytest.raises(TokenPayloadError, match="expiry"):
        token_set_from_payload({"access_token": "at", "expires": "soon"}, NOW)


@pytest.mark.parametrize("fields", [
    {"expires": 1e300}, {"expires": float("nan")}, {"expires": float("inf")}, {"expires_in": 1e18},
    {"expires_in": -1}, {"expires": "1e18"}, {"expires": 10**400}, {"expires": True}, {"expires": [1]},
    {"expires": int((NOW + timedelta(days=400)).timestamp())}, {"expires_in": 400 * 86400},
])
def test_an_expiry_no_token_could_have_is_refused(fields: dict[str, object]) -> None:
    from pricing_core.tokens import TokenPayloadError, token_set_from_payload

    with pytest.raises(TokenPayloadError, match="expiry"):
        token_set_from_payload({"access_token": "at", **fields}, NOW)


def test_an_expiry_in_the_past_is_kept_as_said() -> None:
    """A late delivery's access token may have expired; its refresh token still works."""
    past = int((NOW - timedelta(days=2)).timestamp())
    assert expiry_from_response(NOW, expires=past) == NOW - timedelta(days=2)
    assert expiry_from_response(NOW, expires_in="1209599") == NOW + timedelta(seconds=1209599)
