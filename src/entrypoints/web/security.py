"""Who is asking: the admin bearer token, merchant and operator sessions, and CSRF tokens.

Sessions are Starlette's signed cookie (itsdangerous), HttpOnly and SameSite=Lax. A merchant
session carries the one store it may see; an operator session (admin-token login) sees every
store. Every state-changing form carries the session's CSRF token.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from starlette.requests import Request

SESSION_ROLE = "role"
SESSION_STORE = "store_id"
SESSION_CSRF = "csrf"
SESSION_OAUTH_STATE = "oauth_state"
ROLE_MERCHANT = "merchant"
ROLE_OPERATOR = "operator"


def same_secret(given: str | None, expected: str | None) -> bool:
    """Constant-time equality; never true when either side is missing or empty."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def bearer_ok(request: Request, admin_token: str | None) -> bool:
    """True when ``Authorization: Bearer <ADMIN_API_TOKEN>`` matches (disabled when no token is set)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return scheme.lower() == "bearer" and same_secret(value.strip(), admin_token)


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    session: dict[str, Any] = request.session
    token = session.get(SESSION_CSRF)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_CSRF] = token
    return token


def csrf_ok(request: Request, submitted: object) -> bool:
    """True when a form's ``csrf_token`` matches the session's."""
    expected = request.session.get(SESSION_CSRF)
    return isinstance(submitted, str) and isinstance(expected, str) and same_secret(submitted, expected)


def start_merchant_session(request: Request, store_id: str) -> None:
    """Log a merchant in to exactly one store (a fresh session: no earlier state carries over)."""
    lang = request.session.get("lang")
    request.session.clear()
    request.session.update({SESSION_ROLE: ROLE_MERCHANT, SESSION_STORE: store_id})
    if lang:
        request.session["lang"] = lang
    csrf_token(request)


def start_operator_session(request: Request) -> None:
    """Log an operator in (every store visible)."""
    lang = request.session.get("lang")
    request.session.clear()
    request.session[SESSION_ROLE] = ROLE_OPERATOR
    if lang:
        request.session["lang"] = lang
    csrf_token(request)


def is_operator(request: Request) -> bool:
    """True for an operator session."""
    return request.session.get(SESSION_ROLE) == ROLE_OPERATOR


def merchant_store(request: Request) -> str | None:
    """The store of a merchant session, or None."""
    if request.session.get(SESSION_ROLE) != ROLE_MERCHANT:
        return None
    store_id = request.session.get(SESSION_STORE)
    return store_id if isinstance(store_id, str) else None


def may_see_store(request: Request, store_id: str) -> bool:
    """Operators see every store; a merchant only their own; anyone else none."""
    return is_operator(request) or merchant_store(request) == store_id


__all__ = [
    "ROLE_MERCHANT",
    "ROLE_OPERATOR",
    "SESSION_OAUTH_STATE",
    "bearer_ok",
    "csrf_ok",
    "csrf_token",
    "is_operator",
    "may_see_store",
    "merchant_store",
    "same_secret",
    "start_merchant_session",
    "start_operator_session",
]
