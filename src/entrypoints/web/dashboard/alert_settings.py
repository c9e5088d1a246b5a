"""The settings page's notifications group: the store's own alert targets (masked), language and kinds,
saved with the settings form, and the "send a test alert" button.

Targets are apprise URLs with secrets in them: the page shows them masked and names each by its
``target_id`` (tick to remove); a new one is checked against the internal-address guard before it
is saved, and a refusal is shown in the merchant's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from entrypoints.web.dashboard.access import who
from entrypoints.web.i18n import translator
from entrypoints.web.pages import flash, language
from entrypoints.web.state import web_state
from pricing_core.alert_settings import (
    MAX_TARGETS,
    MERCHANT_KINDS,
    AlertLanguage,
    StoreAlertSettings,
    TargetRefusal,
    masked,
    target_id,
)
from pricing_core.alerts import AlertBatch, Delivery, TargetOutcome
from pricing_core.ports import scope_of
from pricing_core.stores import Store
from pricing_core.usecases.alert_settings import TargetsRefused, save_alert_settings
from pricing_core.usecases.alerts import send_test_alert

# A hidden field: the form carries the notifications group (unticked boxes are not sent at all).
MARKER = "alerts_form"


def current_alerts(request: Request, store: Store) -> StoreAlertSettings:
    """The store's alert settings as stored."""
    with web_state(request).services.uow_factory(store.store_id) as uow:
        return scope_of(uow).alerts.get()


def alert_group(settings: StoreAlertSettings, lang: str, *, errors: tuple[str, ...] = (),
                new_targets: str = "") -> dict[str, Any]:
    """What the template shows of the notifications group: masked targets, the language, the kinds."""
    t = translator(lang)
    return {
        "targets": [{"id": target_id(x), "shown": masked(x)} for x in settings.targets],
        "new_targets": new_targets,
        "language": settings.language.value,
        "languages": [(v.value, t(f"alert_language.{v.value}")) for v in AlertLanguage],
        "kinds": [{"value": k.value, "label": t(f"alert_kind.{k.value}"), "on": k in settings.kinds}
                  for k in MERCHANT_KINDS],
        "errors": list(errors),
    }


def refusal_text(lang: str, target: str, why: str) -> str:
    """Why ``target`` (masked) is refused, in ``lang``."""
    t = translator(lang)
    if why == TargetRefusal.TOO_MANY.value:
        return t("alert_refused.too_many").format(max=MAX_TARGETS)
    return t(f"alert_refused.{why}").format(target=target)


def save_alerts(request: Request, store: Store, form: FormData) -> dict[str, Any] | None:
    """Save the notifications group of a submitted settings form.

    None when saved (or when the form has no such group); otherwise the group to show again, with
    the refusals in the merchant's language and nothing saved.
    """
    if MARKER not in form:
        return None
    s = web_state(request).services
    lang = language(request)
    new_text = str(form.get("alert_targets_new", ""))
    chosen = str(form.get("alert_language", "")).strip()
    kinds = [str(k) for k in form.getlist("alert_kinds") if str(k) in {m.value for m in MERCHANT_KINDS}]
    try:
        save_alert_settings(
            s.uow_factory, s.store_notifier or _NoSender(), s.clock, store.store_id, add=new_text.splitlines(),
            remove={str(v) for v in form.getlist("alert_target_remove")},
            language=chosen if chosen in {v.value for v in AlertLanguage} else None, kinds=kinds, by=who(request),
        )
    except TargetsRefused as exc:
        errors = tuple(refusal_text(lang, target, why) for target, why in exc.refused)
        return alert_group(current_alerts(request, store), lang, errors=errors, new_targets=new_text)
    return None


class _NoSender:
    """Stands in when the process has no sender for stores' targets: every new target is refused."""

    def refusal(self, target: str) -> str | None:
        return TargetRefusal.SCHEME.value

    def send_to(self, batch: AlertBatch, targets: Sequence[str]) -> Delivery:
        return Delivery(sent=False, error="no sender")


def _outcome_text(lang: str, outcome: TargetOutcome) -> str:
    t = translator(lang)
    if outcome.sent:
        return t("alert_outcome.sent").format(target=outcome.target)
    if outcome.refused:
        return refusal_text(lang, outcome.target, outcome.refused)
    return t("alert_outcome.failed").format(target=outcome.target, error=outcome.error or "?")


def outcomes_text(lang: str, delivery: Delivery) -> str:
    """Each target's outcome of a test alert, in ``lang``."""
    return " · ".join(_outcome_text(lang, o) for o in delivery.outcomes) or (delivery.error or "")


def send_test(request: Request, store: Store, form: FormData) -> Response:
    """Send a test alert to the store's own targets and say, target by target, how it went."""
    s = web_state(request).services
    back = RedirectResponse(f"/dashboard/stores/{quote(store.store_id, safe='')}/settings", status_code=303)
    if s.store_notifier is None or not current_alerts(request, store).targets:
        flash(request, "test_alert_unconfigured", "error")
        return back
    delivery = send_test_alert(s, s.store_notifier, store.store_id)
    if delivery.sent and len(delivery.outcomes) == delivery.targets:
        flash(request, "test_alert_sent", targets=delivery.targets)
    else:
        flash(request, "test_alert_outcomes", "ok" if delivery.sent else "error",
              detail=outcomes_text(language(request), delivery))
    return back


__all__ = ["MARKER", "alert_group", "current_alerts", "outcomes_text", "refusal_text", "save_alerts", "send_test"]
