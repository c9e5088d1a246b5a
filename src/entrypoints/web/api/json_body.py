"""Reading a request's JSON body, within the admin API's size cap."""

from __future__ import annotations

import json

from starlette.responses import JSONResponse

from entrypoints.web.api.errors import error

MAX_JSON_BODY = 64 * 1024


def json_body(body: bytes | None) -> tuple[object, JSONResponse | None]:
    """The parsed body, or the error to answer: 413 over :data:`MAX_JSON_BODY` (``None``), 400 when not JSON."""
    if body is None:
        return None, error(413, "too_large", f"body larger than {MAX_JSON_BODY} bytes")
    try:
        return json.loads(body), None
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None, error(400, "bad_request", "body is not JSON")


__all__ = ["MAX_JSON_BODY", "json_body"]
