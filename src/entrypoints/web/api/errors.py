"""How the admin API says no: one error shape, ``{"error": code, "message": ...}``, and its common cases."""

from __future__ import annotations

from starlette.responses import JSONResponse


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The API's error shape: ``{"error": code, "message": ...}``."""
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


def unauthorized() -> JSONResponse:
    """401 with the bearer challenge: no admin token, or a wrong one."""
    return error(401, "unauthorized", "Authorization: Bearer <ADMIN_API_TOKEN> required",
                 headers={"WWW-Authenticate": 'Bearer realm="admin"'})


def invalid(message: str, errors: dict[str, str]) -> JSONResponse:
    """422 for a body the API refuses, with ``errors`` naming each field and what is wrong with it."""
    return JSONResponse({"error": "invalid", "message": message, "errors": errors}, status_code=422)


__all__ = ["error", "invalid", "unauthorized"]
