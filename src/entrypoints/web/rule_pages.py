"""The dashboard's rule editor (list, add with a preview of what would move, delete) and the unpriceable list.

Categories and brands are picked from the store's own (the catalog snapshot of the last sweep), by
Salla's names (the id when Salla gave none).
The preview prices the store's known products twice, with and without the proposed rule, over
the offers the last run stored: what would move, and why, before anything is saved; above that
the latest run is priced again from its stored inputs with the rule added (``backtest``), with
the same totals as the settings page's preview.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from entrypoints.web.dashboard import store_action, store_page
from entrypoints.web.pages import flash, render
from entrypoints.web.rule_views import rule_view
from entrypoints.web.state import web_state
from entrypoints.web.unpriceable import unpriceable_view
from pricing_core.catalog import Product, group_choices
from pricing_core.engine import price_catalog
from pricing_core.ports import scope_of
from pricing_core.rules import InvalidRule, PricingRule, RuleMatch
from pricing_core.stores import Store
from pricing_core.usecases.backtest import RunBacktest, backtest
from pricing_core.usecases.pricing_rules import list_rules, replace_rules

# The settings a rule most often changes; the admin API takes any of them.
RULE_SETTINGS: dict[str, list[str]] = {
    "min_profit_margin": [], "max_change_pct": [], "strategy": ["match", "beat_percent", "beat_amount",
                                                                  "above_percent"],
    "strategy_value": [], "reference": ["lowest", "second_lowest", "median", "average"],
    "automation_mode": ["manual", "semi-auto", "full-auto"], "min_price": [], "max_price": [],
    "competitors_exclude": [],
}
CATALOG_SAMPLE = 5000
PREVIEW_ROWS = 200


def _catalog(request: Request, store: Store) -> list[Product]:
    with web_state(request).services.uow_factory(store.store_id) as uow:
        return scope_of(uow).products.list(limit=CATALOG_SAMPLE)


def _texts(value: object) -> tuple[str, ...]:
    return tuple(part.strip() for part in str(value or "").split(",") if part.strip())


def _rule_from_form(form: FormData) -> PricingRule:
    settings: dict[str, object] = {}
    for name in RULE_SETTINGS:
        value = str(form.get(f"s_{name}", "")).strip()
        if value:
            settings[name] = _texts(value) if name == "competitors_exclude" else value
    try:
        priority = int(str(form.get("priority", "0")).strip() or "0")
    except ValueError as exc:
        raise InvalidRule("priority must be a whole number", {"priority": "not a number"}) from exc
    match = RuleMatch(categories=tuple(str(v) for v in form.getlist("categories")),
                      brands=tuple(str(v) for v in form.getlist("brands")), tags=_texts(form.get("tags")),
                      skus=_texts(form.get("skus")), price_min=str(form.get("price_min", "")).strip() or None,
                      price_max=str(form.get("price_max", "")).strip() or None)
    return PricingRule(name=str(form.get("name", "")), priority=priority, match=match, settings=settings)


def _page(request: Request, store: Store, *, form: FormData | None = None, error: str | None = None,
          preview: list[dict[str, Any]] | None = None, run_preview: RunBacktest | None = None,
          status: int = 200) -> Response:
    catalog = _catalog(request, store)
    values: dict[str, Any] = {"name": "", "priority": "0", "categories": [], "brands": [], "tags": "", "skus": "",
                              "price_min": "", "price_max": ""}
    if form is not None:
        values.update({k: str(form.get(k, "")) for k in ("name", "priority", "tags", "skus", "price_min", "price_max")})
        values.update(categories=form.getlist("categories"), brands=form.getlist("brands"))
    fields = [{"name": n, "options": o, "value": str(form.get(f"s_{n}", "")) if form is not None else ""}
              for n, o in RULE_SETTINGS.items()]
    views = [rule_view(r) for r in list_rules(web_state(request).services.uow_factory, store.store_id)]
    for view in views:
        view["match"] = "; ".join(f"{k}: {', '.join(v) if isinstance(v, list) else v}"
                                  for k, v in view["match"].items() if v) or "every product"
        view["settings"] = ", ".join(f"{k}={v}" for k, v in view["settings"].items()) or "—"
    return render(request, "rules.html", {
        "store": store, "section": "rules", "rules": views, "values": values, "setting_fields": fields,
        "categories": group_choices(catalog)[0], "brands": group_choices(catalog)[1],
        "preview": preview[:PREVIEW_ROWS] if preview is not None else None,
        "preview_cut": preview is not None and len(preview) > PREVIEW_ROWS, "form_error": error,
        "run_preview": run_preview,
    }, status=status)


@store_page
def rules_page(request: Request, store: Store) -> Response:
    """The store's rules and the form for a new one."""
    return _page(request, store)


def _preview(request: Request, store: Store, rule: PricingRule) -> list[dict[str, Any]]:
    s = web_state(request).services
    catalog = [p for p in _catalog(request, store) if rule.match.matches(p)]
    with s.uow_factory(store.store_id) as uow:
        scope = scope_of(uow)
        settings, rules = scope.settings.get(), scope.rules.list()
        offers = scope.offers.latest([p.id for p in catalog])
        overrides = scope.overrides.get_many([p.id for p in catalog])
    now = s.clock.now()
    before = price_catalog(catalog, offers, settings, now=now, rules=rules, overrides=overrides)
    after = price_catalog(catalog, offers, settings, now=now, rules=[*rules, rule], overrides=overrides)
    return [{"id": p.id, "name": p.name, "price": b.old_price, "currency": p.currency,
             "before": b.suggested_price, "before_action": b.action, "after": a.suggested_price,
             "after_action": a.action, "why": a.explanation[0]}
            for p, b, a in zip(catalog, before, after, strict=True)]


def _rules_url(store: Store) -> str:
    return f"/dashboard/stores/{quote(store.store_id, safe='')}/rules"


def rules_action(request: Request, store: Store, form: FormData) -> Response:
    """Preview or save a new rule, or delete one."""
    uow_factory = web_state(request).services.uow_factory
    current = list_rules(uow_factory, store.store_id)
    action = form.get("action")
    if action == "delete":
        name = str(form.get("delete", ""))
        replace_rules(uow_factory, store.store_id, [r for r in current if r.name != name])
        flash(request, "saved")
        return RedirectResponse(_rules_url(store), status_code=303)
    try:
        rule = _rule_from_form(form)
        if action == "save":
            if any(r.name == rule.name for r in current):
                raise InvalidRule(f"a rule named {rule.name!r} exists: delete it first or pick another name")
            replace_rules(uow_factory, store.store_id, [*current, rule])
            flash(request, "saved")
            return RedirectResponse(_rules_url(store), status_code=303)
        # The latest run priced again with the rule added, next to what it did (the settings page's preview).
        report = backtest(uow_factory, store.store_id, {}, runs=1, rules=[*current, rule])
        return _page(request, store, form=form, preview=_preview(request, store, rule),
                     run_preview=report.per_run[0] if report.per_run else None)
    except InvalidRule as exc:
        return _page(request, store, form=form, error=str(exc), status=400)


@store_page
def unpriceable(request: Request, store: Store) -> Response:
    """The products the last sweep could not price on its own, why, and what the merchant can do."""
    view = unpriceable_view(web_state(request).services.uow_factory, store.store_id)
    return render(request, "unpriceable.html", {"store": store, "section": "unpriceable", **view})


routes = [
    Route("/dashboard/stores/{store_id}/rules", rules_page, methods=["GET"]),
    Route("/dashboard/stores/{store_id}/rules", store_action(rules_action), methods=["POST"]),
    Route("/dashboard/stores/{store_id}/unpriceable", unpriceable, methods=["GET"]),
]

__all__ = ["routes"]
