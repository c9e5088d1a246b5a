"""Token lifecycle: health of a store's OAuth tokens and what a refresh outcome means."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import attrs


@attrs.frozen(kw_only=True, repr=False)
class TokenSet:
    """A store's OAuth tokens. ``repr`` hides the secrets so they never reach a log."""

    access_token: str
    refresh_token: str | None
    expires_at: datetime
    scope: str = ""
    token_type: str = "bearer"

    def __repr__(self) -> str:
        return f"TokenSet(expires_at={self.expires_at.isoformat()}, scope={self.scope!r}, tokens=<hidden>)"


@attrs.frozen(kw_only=True)
class TokenHealth:
    """The original design's health shape: healthy, reason, needs_refresh, hours_until_expiry."""

    healthy: bool
    reason: str
    needs_refresh: bool
    hours_until_expiry: float | None

    def as_dict(self) -> dict[str, object]:
        """The JSON shape used by the API and the CLI."""
        return {
            "healthy": self.healthy,
            "reason": self.reason,
            "needs_refresh": self.needs_refresh,
            "hours_until_expiry": self.hours_until_expiry,
        }


TOKEN_VALID = "Token valid"
TOKEN_EXPIRES_SOON = "Token expires soon"
TOKEN_EXPIRED = "Token expired"
TOKEN_MISSING = "No token"


def token_health(tokens: TokenSet | None, now: datetime, threshold_hours: float = 24) -> TokenHealth:
    """Classify a token set at ``now``: valid, expiring within ``threshold_hours``, expired, or missing."""
    if tokens is None:
        return TokenHealth(healthy=False, reason=TOKEN_MISSING, needs_refresh=False, hours_until_expiry=None)
    hours = round((tokens.expires_at - now).total_seconds() / 3600, 2)
    if hours <= 0:
        return TokenHealth(healthy=False, reason=TOKEN_EXPIRED, needs_refresh=True, hours_until_expiry=hours)
    if hours <= threshold_hours:
        return TokenHealth(healthy=False, reason=TOKEN_EXPIRES_SOON, needs_refresh=True, hours_until_expiry=hours)
    return TokenHealth(healthy=True, reason=TOKEN_VALID, needs_refresh=False, hours_until_expiry=hours)


# Salla's access tokens live 14 days. An expiry more than a year away is not one Salla gave: taking
# it would call the tokens healthy long after they stopped working, and no refresh would be tried.
MAX_TOKEN_LIFETIME = timedelta(days=366)
# ``expires`` above this is a Unix timestamp (2001-09-09), below it a number of seconds.
_TIMESTAMP_FROM = 1_000_000_000


def expiry_from_response(now: datetime, *, expires_in: object = None, expires: object = None) -> datetime:
    """Turn Salla's ``expires_in`` (seconds) or ``expires`` (seconds, or a Unix timestamp) into a datetime.

    Salla's token endpoint answers ``expires_in``; its docs and the ``app.store.authorize``
    webhook use ``expires``, which is a Unix timestamp when larger than 1e9. Raises ``ValueError``
    for anything else: not a finite number, a negative lifetime, or an expiry more than
    ``MAX_TOKEN_LIFETIME`` after ``now`` (``1e300`` or ``NaN`` included).
    """
    raw = expires_in if expires_in is not None else expires
    if raw is None:
        raise ValueError("token response has neither expires_in nor expires")
    seconds = _seconds(raw)
    latest = now.timestamp() + MAX_TOKEN_LIFETIME.total_seconds()
    if expires_in is None and seconds > _TIMESTAMP_FROM:
        if seconds > latest:
            raise ValueError(f"expires {_shown(seconds)} is more than {MAX_TOKEN_LIFETIME.days} days away")
        return datetime.fromtimestamp(int(seconds), tz=now.tzinfo)
    if seconds < 0:
        raise ValueError(f"a negative token lifetime ({_shown(seconds)} s)")
    if seconds > MAX_TOKEN_LIFETIME.total_seconds():
        raise ValueError(f"a token lifetime of {_shown(seconds)} s is more than {MAX_TOKEN_LIFETIME.days} days")
    return now + timedelta(seconds=int(seconds))


def _shown(seconds: float) -> str:
    return f"{seconds:.0f}" if abs(seconds) < 1e15 else f"{seconds:.3g}"


def _seconds(raw: object) -> float:
    """A finite number of seconds from a JSON number or a numeric string; ``ValueError`` otherwise."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ValueError(f"not a number: {type(raw).__name__}")
    try:
        value = float(raw)
    except (ValueError, OverflowError) as exc:  # a huge int overflows float()
        raise ValueError(f"not a number of seconds: {str(raw)[:40]!r}") from exc
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {str(raw)[:40]!r}")
    return value


class TokenPayloadError(ValueError):
    """A token payload (token endpoint answer or ``app.store.authorize``) lacks a usable field."""


def token_set_from_payload(data: Mapping[str, Any], now: datetime) -> TokenSet:
    """Read Salla's token fields, wherever they come from: the token endpoint or the authorize webhook.

    ``scope`` may be a space-separated string or a list; a missing or empty refresh token is None.
    Raises :class:`TokenPayloadError` without an access token or a readable expiry.
    """
    access = data.get("access_token")
    if not isinstance(access, str) or not access:
        raise TokenPayloadError("no access_token")
    try:
        expires_at = expiry_from_response(now, expires_in=data.get("expires_in"), expires=data.get("expires"))
    except (TypeError, ValueError) as exc:
        raise TokenPayloadError(f"unreadable expiry: {exc}") from exc
    refresh = data.get("refresh_token")
    scope = data.get("scope", "")
    return TokenSet(
        access_token=access,
        refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        expires_at=expires_at,
        scope=" ".join(str(part) for part in scope) if isinstance(scope, list) else str(scope or ""),
        token_type=str(data.get("token_type") or "bearer").lower(),
    )


class RefreshOutcome(StrEnum):
    """What a refresh attempt ended in, and so what the system does next."""

    REFRESHED = "refreshed"        # rotate and persist both tokens, log system_token_refresh
    REVOKED = "revoked"            # invalid_grant (400/401): deactivate the store, log why
    TRANSIENT = "transient"        # timeout / 5xx / 429: keep active, log, retry next run
    SKIPPED = "skipped"            # another worker refreshed it first (seen under the lock)


@attrs.frozen(kw_only=True)
class TokenStatusSummary:
    """System-wide token status, in the original design's shape."""

    total_stores: int
    active_stores: int
    inactive_stores: int
    tokens_expiring_soon: int
    tokens_expired: int
    healthy_tokens: int

    def as_dict(self) -> dict[str, int]:
        """The JSON shape used by the API, the CLI and the operator view."""
        return attrs.asdict(self)


__all__ = [
    "MAX_TOKEN_LIFETIME",
    "TOKEN_EXPIRED",
    "TOKEN_EXPIRES_SOON",
    "TOKEN_MISSING",
    "TOKEN_VALID",
    "RefreshOutcome",
    "TokenHealth",
    "TokenPayloadError",
    "TokenSet",
    "TokenStatusSummary",
    "expiry_from_response",
    "token_health",
    "token_set_from_payload",
]
