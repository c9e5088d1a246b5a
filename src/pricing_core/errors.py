"""Domain errors raised through the ports. Adapters translate their failures into these."""

from __future__ import annotations


class PricingCoreError(Exception):
    """Base of the core's errors."""


class StoreNotFound(PricingCoreError):
    """No such store (or not visible to the caller)."""


class StoreNotKnownYet(PricingCoreError):
    """A delivery that changes a store we do not know yet: deliveries are unordered, so the install
    that creates it may come later. Nothing was recorded; a later attempt may apply it."""


class StoreBusy(PricingCoreError):
    """Another worker holds a lock this operation needs for the store; try again later."""


class DecisionNotFound(PricingCoreError):
    """No such decision in this store."""


class RunNotFound(PricingCoreError):
    """No such run in this store (and no decision names it)."""


class InvalidTransition(PricingCoreError):
    """A decision cannot move to the requested status from where it is (e.g. approve a rejected one)."""


class SallaError(PricingCoreError):
    """Base of everything Salla (or the fake Salla) can answer badly."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class TokenRevoked(SallaError):
    """``invalid_grant`` (HTTP 400 or 401), or an access token Salla no longer accepts: the merchant must reinstall."""


class MissingScope(TokenRevoked):
    """HTTP 401 "The access token should have access to one of those scopes: ...": the token is
    valid but was granted without ``scope``. Only a new authorization with that scope helps, so
    callers that know only ``TokenRevoked`` stop as they would for a dead token."""

    def __init__(self, message: str, *, scope: str, status: int | None = 401) -> None:
        super().__init__(message, status=status)
        self.scope = scope


class RateLimited(SallaError):
    """HTTP 429. ``retry_after`` is in seconds."""

    def __init__(self, message: str, *, retry_after: float, status: int | None = 429) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class SallaUnavailable(SallaError):
    """Timeouts, connection errors and 5xx: transient, try again later."""


class BadResponse(SallaError):
    """Salla answered something we cannot read (malformed JSON, unexpected shape, 4xx validation)."""


class WebhookRejected(PricingCoreError):
    """A webhook delivery failed verification (bad signature or token) or could not be parsed."""

    def __init__(self, message: str, *, status: int = 401) -> None:
        super().__init__(message)
        self.status = status
