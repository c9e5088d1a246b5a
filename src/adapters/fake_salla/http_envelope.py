"""Salla's answer envelopes and request reading, shared by the fake Merchant API's route modules.

Every answer of the Merchant API is ``{"status", "success", "data"[, ...]}`` or, for an error,
``{"status", "success": false, "error": {"code", "message"[, "fields"]}}``; the route modules
(``http_admin.py``, ``http_products.py``, ``http_orders.py``, ``http_webhooks.py``) build theirs here.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from adapters.fake_salla.stores import FakeStore

Handler = Callable[[Request, FakeStore], Awaitable[Response]]
"""A Merchant API handler: the request and the store its access token belongs to."""


def envelope_error(status: int, code: object, message: str, fields: dict[str, list[str]] | None = None) -> JSONResponse:
    """Salla's error envelope ``{"status", "success": false, "error": {"code", "message"[, "fields"]}}``."""
    error: dict[str, Any] = {"code": code, "message": message}
    if fields is not None:
        error["fields"] = fields
    return JSONResponse({"status": status, "success": False, "error": error}, status_code=status)


def not_found() -> JSONResponse:
    """Salla's 404, whose ``code`` is an integer (unlike the string codes elsewhere)."""
    return envelope_error(404, 404, "The content you are trying to access is no longer available")


def ok(data: object, status: int = 200, **extra: object) -> JSONResponse:
    """Salla's success envelope."""
    return JSONResponse({"status": status, "success": True, "data": data, **extra}, status_code=status)


def invalid(field: str, message: str) -> JSONResponse:
    """Salla's 422 for one invalid query field (``validation_failed``)."""
    return envelope_error(422, "validation_failed", "alert.invalid_fields", {field: [message]})


async def json_body(request: Request) -> Any:
    """The request's JSON body; None when it is empty or not JSON."""
    try:
        return json.loads(await request.body() or b"null")
    except ValueError:
        return None


def api_base_url(request: Request) -> str:
    """The Merchant API's base URL as this request reached it, for the links in answers."""
    # root_path, not base_url: mounted under a prefix (the web app's sandbox), links keep it.
    prefix = str(request.scope.get("root_path", "")).rstrip("/")
    return f"{request.url.scheme}://{request.url.netloc}{prefix}/admin/v2"


__all__ = ["Handler", "api_base_url", "envelope_error", "invalid", "json_body", "not_found", "ok"]
