"""Rendering HTML pages: the shared template context (language, direction, CSRF, session) and errors."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from entrypoints.web.i18n import LANGUAGES, translator
from entrypoints.web.security import csrf_token, is_operator, merchant_store
from entrypoints.web.state import web_state


def language(request: Request) -> str:
    """The session's language (``en`` or ``ar``)."""
    lang = request.session.get("lang")
    return lang if lang in LANGUAGES else "en"


def flash(request: Request, message: str, kind: str = "ok") -> None:
    """Show ``message`` on the next rendered page."""
    messages = list(request.session.get("flash", []))
    messages.append({"kind": kind, "text": message})
    request.session["flash"] = messages[-5:]


def render(request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200) -> Response:
    """Render ``template`` with the shared context."""
    web = web_state(request)
    lang = language(request)
    base = {
        "lang": lang,
        "dir": "rtl" if lang == "ar" else "ltr",
        "t": translator(lang),
        "csrf_token": csrf_token(request),
        "is_operator": is_operator(request),
        "merchant_store": merchant_store(request),
        "sandbox": web.sandbox,
        "flashes": request.session.pop("flash", []),
        "path": request.url.path,
    }
    return web.templates.TemplateResponse(request, template, {**base, **(context or {})}, status_code=status)


def render_error(request: Request, status: int, title: str, message: str) -> Response:
    """A plain error page with ``status``."""
    return render(request, "error.html", {"status": status, "title": title, "message": message}, status=status)


__all__ = ["flash", "language", "render", "render_error"]
