"""The admin API's guard: every endpoint but health, metrics and the document needs ``Bearer $ADMIN_API_TOKEN``."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

from entrypoints.web.api.errors import unauthorized
from entrypoints.web.security import bearer_ok
from entrypoints.web.state import web_state

Handler = Callable[[Request], Response]


def admin(handler: Handler) -> Handler:
    """Require the admin bearer token."""

    def guarded(request: Request) -> Response:
        if not bearer_ok(request, web_state(request).admin_token):
            return unauthorized()
        return handler(request)

    guarded.__name__ = handler.__name__
    guarded.__doc__ = handler.__doc__
    return guarded


__all__ = ["Handler", "admin"]
