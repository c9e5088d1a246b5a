"""Rendering HTML pages: the shared template context (language, direction, CSRF, session) and errors."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from entrypoints.web.activity_explain import activity_text
from entrypoints.web.explanations import explain_line, note_text
from entrypoints.web.formatting import fmt_datetime, fmt_money, fmt_number, fmt_percent
from entrypoints.web.i18n import LANGUAGES, label, translator
from entrypoints.web.security import csrf_token, is_operator, merchant_store
from entrypoints.web.settings_text import choice_label, field_label
from entrypoints.web.state import web_state


def language(request: Request) -> str:
    """The session's language (``en`` or ``ar``)."""
    lang = request.session.get("lang")
    return lang if lang in LANGUAGES else "en"


def flash(request: Request, message: str, kind: str = "ok", **values: object) -> None:
    """Show the label ``message`` (formatted with ``values``) on the next rendered page, in the page's language."""
    messages = list(request.session.get("flash", []))
    messages.append({"kind": kind, "text": message, "values": {k: str(v) for k, v in values.items()}})
    request.session["flash"] = messages[-5:]


def render(request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200) -> Response:
    """Render ``template`` with the shared context."""
    web = web_state(request)
    lang = language(request)
    t = translator(lang)
    base = {
        "lang": lang,
        "dir": "rtl" if lang == "ar" else "ltr",
        "t": t,
        "label": lambda group, value: label(lang, group, value),
        "money": lambda value, currency=None: fmt_money(value, currency, lang),
        "number": lambda value, places=0: fmt_number(value, lang, places=places),
        "percent": lambda value, signed=False: fmt_percent(value, lang, signed=signed),
        "when": lambda value: fmt_datetime(value, lang),
        "explain": lambda line: explain_line(line, lang),
        "note_text": lambda note: note_text(note, lang),
        "activity_text": lambda description: activity_text(description, lang),
        "field_label": lambda name: field_label(name, lang),
        "choice_label": lambda name, value: choice_label(name, value, lang),
        "csrf_token": csrf_token(request),
        "is_operator": is_operator(request),
        "merchant_store": merchant_store(request),
        "sandbox": web.sandbox,
        "flashes": request.session.pop("flash", []),
        "path": request.url.path,
    }
    return web.templates.TemplateResponse(request, template, {**base, **(context or {})}, status_code=status)


def render_error(request: Request, status: int, title: str, message: str) -> Response:
    """A plain error page with ``status``; ``title`` and ``message`` are labels (or text shown as is)."""
    t = translator(language(request))
    return render(request, "error.html", {"status": status, "title": t(title), "message": t(message)},
                  status=status)


def render_sign_in(request: Request) -> Response:
    """The page a visitor without a session (lost, expired, never signed in) gets on a store page: 401."""
    return render(request, "sign_in.html", {}, status=401)


__all__ = ["flash", "language", "render", "render_error", "render_sign_in"]
