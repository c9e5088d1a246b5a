"""The settings page: the store's settings as a grouped form, validated on save with errors beside their field."""

from __future__ import annotations

import enum
import types
import typing
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from entrypoints.web.dashboard.access import store_page, who
from entrypoints.web.dashboard.alert_settings import alert_group, current_alerts, save_alerts
from entrypoints.web.dashboard.alert_settings import send_test as send_test
from entrypoints.web.pages import flash, language, render
from entrypoints.web.settings_text import GROUPS, choice_label, field_help, field_label, merchant_errors
from entrypoints.web.state import web_state
from pricing_core.ports import scope_of
from pricing_core.settings import TenantSettings
from pricing_core.stores import Store
from pricing_core.usecases.backtest import backtest
from pricing_core.usecases.store_settings import merged_settings, update_settings

# Fields shown first in the settings form; the rest go under "advanced".
MAIN_SETTINGS = (
    "automation_mode", "min_profit_margin", "max_change_pct", "risk_tolerance", "update_frequency_hours",
    "strategy", "strategy_value", "reference", "reference_competitor", "fallback", "target_margin",
    "min_price", "max_price", "cooldown_hours", "direction_lock", "price_ending", "vat_rate",
)


def _field_kind(name: str) -> tuple[str, list[str], bool]:
    """(kind, options, optional) of a settings field: ``select``, ``number``, ``text``, ``list`` or ``weights``."""
    annotation = TenantSettings.model_fields[name].annotation
    args = typing.get_args(annotation)
    # ``X | None`` is a types.UnionType, but typing.Union when X is an Annotated alias (a ``Name``).
    optional = typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in args
    inner = next((a for a in args if a is not type(None)), annotation) if optional else annotation
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        return "select", [str(m.value) for m in inner], optional
    if inner is bool:
        return "select", ["false", "true"], optional
    if inner in (Decimal, int):
        return "number", [], optional
    if typing.get_origin(inner) is tuple:
        return "list", [], optional
    if typing.get_origin(inner) is dict:
        return "weights", [], optional  # written "noon=2, amazon.sa=1"
    return "text", [], optional


def _form_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def _settings_groups(values: dict[str, str], errors: dict[str, str], lang: str) -> list[dict[str, Any]]:
    """The settings form's groups (guardrails, strategy, ...), each field with its label, help and error."""
    groups = []
    for key, title, names in GROUPS:
        fields = []
        for name in names:
            kind, options, optional = _field_kind(name)
            fields.append({
                "name": name, "kind": kind, "optional": optional,
                "options": [(o, choice_label(name, o, lang)) for o in options],
                "value": values.get(name, ""), "error": errors.get(name),
                "label": field_label(name, lang), "help": field_help(name, lang),
            })
        groups.append({"key": key, "title": title.get(lang) or title["en"], "fields": fields,
                       "has_error": any(f["error"] for f in fields)})
    return groups


@store_page
def settings_form(request: Request, store: Store) -> Response:
    """The settings form with the current values."""
    with web_state(request).services.uow_factory(store.store_id) as uow:
        current = scope_of(uow).settings.get()
    values = {name: _form_value(getattr(current, name)) for name in TenantSettings.model_fields}
    return render(request, "settings.html", {
        "store": store, "groups": _settings_groups(values, {}, language(request)), "section": "settings",
        "alerts": alert_group(current_alerts(request, store), language(request)),
    })


def _changes_from_form(form: FormData) -> tuple[dict[str, object], dict[str, str]]:
    """Settings changes from a submitted form, and the raw values to redisplay."""
    changes: dict[str, object] = {}
    raw: dict[str, str] = {}
    for name in TenantSettings.model_fields:
        if name not in form:
            continue
        value = str(form.get(name, "")).strip()
        raw[name] = value
        kind, _options, optional = _field_kind(name)
        if kind == "list":
            changes[name] = tuple(part.strip() for part in value.split(",") if part.strip())
        elif kind == "weights":
            # "noon=2, amazon=1"; a part without "=" keeps its text, so validation names the field.
            pairs = [part.partition("=") for part in value.split(",") if part.strip()]
            changes[name] = {k.strip(): (v.strip() if sep else k) for k, sep, v in pairs}
        elif value == "" and optional:
            changes[name] = None
        else:
            changes[name] = value
    return changes, raw


def save_settings(request: Request, store: Store, form: FormData) -> Response:
    """Validate and save; invalid values come back inline, next to their field, with a 400.

    With ``action=preview`` nothing is saved: the latest run is priced again from its stored inputs
    under the form's settings (``backtest``) and the page shows what would have changed.
    """
    web = web_state(request)
    s = web.services
    changes, raw = _changes_from_form(form)
    previewing = form.get("action") == "preview"
    lang = language(request)
    try:
        if previewing:
            report = backtest(s.uow_factory, store.store_id, changes, runs=1)
        else:
            # All or nothing: the pricing fields are checked before anything is saved, then the
            # notifications group (a refused target saves nothing of the form), then the settings.
            with s.uow_factory(store.store_id) as uow:
                merged_settings(scope_of(uow).settings.get(), changes)
            refused_alerts = save_alerts(request, store, form)
            if refused_alerts is not None:
                with s.uow_factory(store.store_id) as uow:
                    current = scope_of(uow).settings.get()
                values = {name: _form_value(getattr(current, name)) for name in TenantSettings.model_fields} | raw
                return render(request, "settings.html", {
                    "store": store, "groups": _settings_groups(values, {}, lang), "form_error": "fix_errors",
                    "section": "settings", "alerts": refused_alerts,
                }, status=400)
            update = update_settings(s.uow_factory, web.queue, s.clock, store_id=store.store_id, changes=changes,
                                     by=who(request))
    except ValidationError as exc:
        with s.uow_factory(store.store_id) as uow:
            current = scope_of(uow).settings.get()
        values = {name: _form_value(getattr(current, name)) for name in TenantSettings.model_fields}
        values.update(raw)
        errors = merchant_errors(exc.errors(), lang, strategy=values.get("strategy"))
        # An error no field owns is shown at the top; the rest sit next to their field.
        stray = [m for f, m in errors.items() if f not in TenantSettings.model_fields]
        return render(request, "settings.html", {
            "store": store, "groups": _settings_groups(values, errors, lang), "form_error": "fix_errors",
            "stray_errors": stray, "section": "settings", "alerts": alert_group(current_alerts(request, store), lang),
        }, status=400)
    if previewing:
        with s.uow_factory(store.store_id) as uow:
            current = scope_of(uow).settings.get()
        values = {name: _form_value(getattr(current, name)) for name in TenantSettings.model_fields} | raw
        run = report.per_run[0] if report.per_run else None
        return render(request, "settings.html", {
            "store": store, "groups": _settings_groups(values, {}, lang), "section": "settings",
            "preview": run, "alerts": alert_group(current_alerts(request, store), lang),
        })
    flash(request, "saved")
    if update.superseded:
        flash(request, "settings_superseded")
    return RedirectResponse(f"/dashboard/stores/{quote(store.store_id, safe='')}/settings", status_code=303)


__all__ = ["save_settings", "send_test", "settings_form"]
