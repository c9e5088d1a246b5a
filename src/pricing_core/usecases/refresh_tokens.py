"""Refresh a store's OAuth tokens safely, one store or every store whose token expires soon.

Salla's refresh tokens are single-use and rotate: two concurrent refreshes with the same refresh
token revoke the whole chain and the merchant must reinstall. So a refresh always runs under the
store's ``token_refresh`` lock, re-reads the tokens inside it (another worker may have rotated
them already), and persists both new tokens before the lock is released.
"""

from __future__ import annotations

from datetime import timedelta

import attrs

from pricing_core.activity import ActivityType
from pricing_core.errors import BadResponse, RateLimited, SallaUnavailable, StoreNotFound, TokenRevoked
from pricing_core.ports import scope_of
from pricing_core.tokens import RefreshOutcome, TokenSet, token_health
from pricing_core.usecases.context import TOKEN_REFRESH_LOCK, TokenPorts

# The seed document's deactivation reasons, by the HTTP status of the ``invalid_grant`` answer.
REASON_UNAUTHORIZED = "Token refresh unauthorized"
REASON_INVALID_REFRESH_TOKEN = "Invalid refresh token"

DEFAULT_THRESHOLD_HOURS = 24
# The ``error`` of a SKIPPED result whose store was found inactive inside the lock.
STORE_INACTIVE = "store is inactive"
# How long a refresh waits for another worker's refresh of the same store before giving up.
DEFAULT_LOCK_TIMEOUT = 60.0
# Persisting the rotated tokens is retried: losing them after Salla rotated would strand the store.
_SAVE_ATTEMPTS = 3


@attrs.frozen(kw_only=True)
class RefreshResult:
    """The outcome of one store's refresh; ``tokens`` are the store's current tokens when known."""

    store_id: str
    outcome: RefreshOutcome
    tokens: TokenSet | None = None
    error: str | None = None


@attrs.frozen(kw_only=True)
class BatchRefreshReport:
    """What ``refresh_expiring_tokens`` did, store by store."""

    checked: int
    results: tuple[RefreshResult, ...]

    def count(self, outcome: RefreshOutcome) -> int:
        """How many stores ended with ``outcome``."""
        return sum(1 for r in self.results if r.outcome is outcome)

    def as_dict(self) -> dict[str, int]:
        """Counts by outcome (the batch activity entry's metadata)."""
        return {"checked": self.checked, **{o.value: self.count(o) for o in RefreshOutcome}}


def deactivation_reason(error: TokenRevoked) -> str:
    """The merchant-facing reason: 401 means the app was uninstalled or access revoked, 400 a dead refresh token."""
    return REASON_UNAUTHORIZED if error.status == 401 else REASON_INVALID_REFRESH_TOKEN


def refresh_store_tokens(
    ports: TokenPorts,
    store_id: str,
    *,
    seen: TokenSet | None = None,
    force: bool = False,
    threshold_hours: float = DEFAULT_THRESHOLD_HOURS,
    trigger: str = "proactive",
    lock_timeout: float | None = DEFAULT_LOCK_TIMEOUT,
) -> RefreshResult:
    """Refresh one store's tokens under its ``token_refresh`` lock.

    ``seen`` is the token set the caller read before asking: if the stored refresh token differs
    inside the lock, someone else rotated it and the stored tokens are returned (SKIPPED).
    Without ``seen``, tokens that do not need a refresh yet are left alone unless ``force``.

    Outcomes: REFRESHED (both tokens persisted, ``system_token_refresh`` logged), SKIPPED,
    REVOKED (``invalid_grant``: store deactivated, ``system_store_deactivated`` logged with the
    reason), TRANSIENT (timeout, 5xx, 429: store kept active, ``system_token_refresh_failed``
    logged, the next run retries).
    """
    store_id = str(store_id)
    with ports.locks.hold(store_id, TOKEN_REFRESH_LOCK, timeout=lock_timeout) as acquired:
        if not acquired:
            return _transient(ports, store_id, seen, f"token refresh lock busy for {lock_timeout}s", trigger)
        with ports.uow_factory(store_id) as uow:
            store = uow.stores.get(store_id)
            current = scope_of(uow).tokens.get()
        if store is None:
            raise StoreNotFound(f"store {store_id} does not exist")
        if not store.is_active:
            return RefreshResult(store_id=store_id, outcome=RefreshOutcome.SKIPPED, tokens=current,
                                 error=STORE_INACTIVE)
        if current is None or not current.refresh_token:
            return _transient(ports, store_id, current, "no refresh token stored", trigger)
        if seen is not None and seen.refresh_token != current.refresh_token:
            # Rotated by another worker while we waited for the lock: use its tokens, never reuse ours.
            return RefreshResult(store_id=store_id, outcome=RefreshOutcome.SKIPPED, tokens=current)
        now = ports.clock.now()
        if seen is None and not force and not token_health(current, now, threshold_hours).needs_refresh:
            return RefreshResult(store_id=store_id, outcome=RefreshOutcome.SKIPPED, tokens=current)

        try:
            rotated = ports.salla_auth.refresh(current.refresh_token)
        except TokenRevoked as exc:
            return _deactivate(ports, store_id, exc, trigger, refused=current)
        except (SallaUnavailable, RateLimited, BadResponse) as exc:
            return _transient(ports, store_id, current, f"{type(exc).__name__}: {exc}", trigger)

        if not rotated.refresh_token:
            # No new refresh token issued: the one we sent stays valid (RFC 6749 section 6).
            rotated = attrs.evolve(rotated, refresh_token=current.refresh_token)
        newer = _persist(ports, store_id, rotated, previous=current, trigger=trigger)
        if newer is not None:
            return RefreshResult(store_id=store_id, outcome=RefreshOutcome.SKIPPED, tokens=newer)
        return RefreshResult(store_id=store_id, outcome=RefreshOutcome.REFRESHED, tokens=rotated)


def _replaced(stored: TokenSet | None, previous: TokenSet) -> bool:
    """True when the stored tokens are no longer the ones this refresh started from.

    The lock keeps other refreshes out, but a (re)authorization (``app.store.authorize``,
    the OAuth callback) stores a new chain without it. Those tokens are the newest: they are
    neither overwritten by the old chain's rotation nor reason to deactivate the store.
    """
    return stored is not None and stored.refresh_token != previous.refresh_token


def _persist(
    ports: TokenPorts, store_id: str, rotated: TokenSet, *, previous: TokenSet, trigger: str
) -> TokenSet | None:
    """Store ``rotated`` (retried); returns the stored tokens instead when a reauthorization replaced them."""
    last_error: Exception | None = None
    for _ in range(_SAVE_ATTEMPTS):
        try:
            with ports.uow_factory(store_id) as uow:
                scope = scope_of(uow)
                stored = scope.tokens.get()
                if stored is not None and _replaced(stored, previous):
                    return stored
                scope.tokens.save(rotated)
                scope.activity.log(
                    ActivityType.SYSTEM_TOKEN_REFRESH,
                    f"System Action: OAuth token refreshed automatically ({trigger})",
                    at=ports.clock.now(),
                    metadata={
                        "trigger": trigger,
                        "previous_expires_at": previous.expires_at,
                        "expires_at": rotated.expires_at,
                    },
                )
                uow.commit()
            return None
        except Exception as exc:  # the database hiccuped; the new tokens exist only in memory now
            last_error = exc
    assert last_error is not None
    # Salla has rotated: the stored refresh token is dead, and presenting it again revokes the chain.
    raise TokensNotPersisted(
        f"Salla rotated the tokens of store {store_id} but storing them failed {_SAVE_ATTEMPTS} times "
        f"({type(last_error).__name__}: {last_error}); the next refresh will be refused (invalid_grant) "
        "and the merchant will have to reinstall"
    ) from last_error


class TokensNotPersisted(RuntimeError):
    """Salla rotated a store's tokens but they could not be stored: the store's chain is lost."""


def _deactivate(
    ports: TokenPorts, store_id: str, error: TokenRevoked, trigger: str, *, refused: TokenSet
) -> RefreshResult:
    reason = deactivation_reason(error)
    now = ports.clock.now()
    with ports.uow_factory(store_id) as uow:
        stored = scope_of(uow).tokens.get()
        if stored is not None and _replaced(stored, refused):
            # Reauthorized while we were at Salla: the refused chain is the old one, the store is fine.
            return RefreshResult(store_id=store_id, outcome=RefreshOutcome.SKIPPED, tokens=stored)
        uow.stores.set_active(store_id, False, reason=reason, at=now)
        scope_of(uow).activity.log(
            ActivityType.SYSTEM_STORE_DEACTIVATED,
            f"System Action: Store deactivated - {reason}",
            at=now,
            metadata={"reason": reason, "status": error.status, "error": str(error), "trigger": trigger},
        )
        uow.commit()
    return RefreshResult(store_id=store_id, outcome=RefreshOutcome.REVOKED, error=reason)


def _transient(
    ports: TokenPorts, store_id: str, tokens: TokenSet | None, error: str, trigger: str
) -> RefreshResult:
    with ports.uow_factory(store_id) as uow:
        if uow.stores.get(store_id) is not None:
            scope_of(uow).activity.log(
                ActivityType.SYSTEM_TOKEN_REFRESH_FAILED,
                f"System Action: Token refresh failed, will retry on the next run - {error}",
                at=ports.clock.now(),
                metadata={"error": error, "trigger": trigger},
            )
            uow.commit()
    return RefreshResult(store_id=store_id, outcome=RefreshOutcome.TRANSIENT, tokens=tokens, error=error)


def _unexpected(ports: TokenPorts, store_id: str, tokens: TokenSet, exc: Exception) -> RefreshResult:
    """A refresh that failed unexpectedly: TRANSIENT (the store is kept), logged when the database lets us."""
    error = f"{type(exc).__name__}: {exc}"
    try:
        return _transient(ports, store_id, tokens, error, "proactive")
    except Exception:  # the database is the problem: the batch summary still carries the error
        return RefreshResult(store_id=store_id, outcome=RefreshOutcome.TRANSIENT, tokens=tokens, error=error)


def ensure_fresh_tokens(
    ports: TokenPorts, store_id: str, *, threshold_hours: float = DEFAULT_THRESHOLD_HOURS
) -> TokenSet:
    """The store's tokens, refreshed first (under the lock) when they expire within ``threshold_hours``.

    Raises ``TokenRevoked`` when the store has no usable tokens (deactivated, never authorized,
    or revoked by this refresh) and ``SallaUnavailable`` when the token has expired and the
    refresh failed transiently. A transient failure with a still-valid token returns that token.
    """
    store_id = str(store_id)
    with ports.uow_factory(store_id) as uow:
        store = uow.stores.get(store_id)
        tokens = scope_of(uow).tokens.get()
    if store is None:
        raise StoreNotFound(f"store {store_id} does not exist")
    if not store.is_active:
        raise TokenRevoked(f"store {store_id} is inactive: {store.deactivation_reason or 'deactivated'}")
    if tokens is None:
        raise TokenRevoked(f"store {store_id} has no tokens; the merchant must authorize the app")
    now = ports.clock.now()
    if not token_health(tokens, now, threshold_hours).needs_refresh:
        return tokens
    result = refresh_store_tokens(ports, store_id, seen=tokens, threshold_hours=threshold_hours, trigger="sweep")
    if result.outcome is RefreshOutcome.SKIPPED and result.error == STORE_INACTIVE:
        # Deactivated while we waited for the lock (another worker's refresh was refused).
        raise TokenRevoked(f"store {store_id} was deactivated meanwhile")
    if result.outcome in (RefreshOutcome.REFRESHED, RefreshOutcome.SKIPPED) and result.tokens is not None:
        return result.tokens
    if result.outcome is RefreshOutcome.REVOKED:
        raise TokenRevoked(f"store {store_id} deactivated: {result.error}")
    if tokens.expires_at > ports.clock.now():
        return tokens  # refresh failed transiently, but the current token still works
    raise SallaUnavailable(f"token of store {store_id} expired and refresh failed: {result.error}")


def refresh_expiring_tokens(
    ports: TokenPorts,
    *,
    threshold_hours: float = DEFAULT_THRESHOLD_HOURS,
    lock_timeout: float | None = DEFAULT_LOCK_TIMEOUT,
) -> BatchRefreshReport:
    """Refresh every active store whose access token expires within ``threshold_hours``.

    Each store is refreshed independently (one store's failure never stops the batch); a
    ``system_token_refresh_batch`` entry summarizes the outcomes.
    """
    now = ports.clock.now()
    with ports.uow_factory() as uow:
        expiring = uow.stores.tokens_expiring(now + timedelta(hours=threshold_hours))
    results: list[RefreshResult] = []
    for store, tokens in expiring:
        try:
            result = refresh_store_tokens(
                ports, store.store_id, seen=tokens, threshold_hours=threshold_hours,
                trigger="proactive", lock_timeout=lock_timeout,
            )
        except StoreNotFound:
            continue  # deleted between the listing and the refresh
        except Exception as exc:  # one store's failure (a database error...) never stops the batch
            result = _unexpected(ports, store.store_id, tokens, exc)
        results.append(result)
    report = BatchRefreshReport(checked=len(expiring), results=tuple(results))
    with ports.uow_factory() as uow:
        uow.system_activity.log(
            ActivityType.SYSTEM_TOKEN_REFRESH_BATCH,
            "System Action: Batch token refresh completed",
            at=ports.clock.now(),
            metadata={
                **report.as_dict(),
                "threshold_hours": threshold_hours,
                "revoked_stores": [r.store_id for r in results if r.outcome is RefreshOutcome.REVOKED],
                "failed_stores": [r.store_id for r in results if r.outcome is RefreshOutcome.TRANSIENT],
            },
        )
        uow.commit()
    return report


__all__ = [
    "REASON_INVALID_REFRESH_TOKEN",
    "REASON_UNAUTHORIZED",
    "STORE_INACTIVE",
    "BatchRefreshReport",
    "RefreshResult",
    "TokensNotPersisted",
    "deactivation_reason",
    "ensure_fresh_tokens",
    "refresh_expiring_tokens",
    "refresh_store_tokens",
]
