"""The alert messages in the merchant's words, in English and Arabic: one title and one body per batch.

Every message says what happened and links to the page that deals with it (``PAGES``). A batch of
one kind for one store is one message; with many alerts it lists the first ``MAX_LINES`` and counts
the rest. When the store's language is not known, the message is written in Arabic, then English.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from pricing_core.alerts import Alert, AlertBatch, AlertKind

LANGUAGES = ("ar", "en")
MAX_LINES = 10

# The dashboard page that deals with each kind (paths of ``entrypoints/web``; adapters do not import it).
PAGES: dict[AlertKind, str] = {
    AlertKind.APPROVALS_WAITING: "/dashboard/stores/{store_id}/approvals",
    AlertKind.PROFIT_FELL: "/dashboard/stores/{store_id}/activity?type=change_profit_fell",
    AlertKind.TOKEN_REVOKED: "/dashboard/stores/{store_id}",
    AlertKind.TOKEN_EXPIRING: "/dashboard/stores/{store_id}",
    AlertKind.RUN_FAILED: "/dashboard/stores/{store_id}",
    AlertKind.RUN_PARTIALLY_APPLIED: "/dashboard/stores/{store_id}/decisions",
    AlertKind.WRITES_REFUSED: "/dashboard/stores/{store_id}/decisions",
    AlertKind.BELOW_FLOOR: "/dashboard/stores/{store_id}/catalog?position=above",
    AlertKind.TEST: "/dashboard/stores/{store_id}/settings",
}
PRODUCT_PAGE = "/dashboard/stores/{store_id}/products/{product_id}"
# The rollback of one applied change (the run page's preview, narrowed to that decision).
ROLLBACK_PAGE = "/dashboard/stores/{store_id}/runs/{run_id}/rollback?decision={decision_id}"

Text = dict[str, str]

TITLES: dict[AlertKind, Text] = {
    AlertKind.APPROVALS_WAITING: {"en": "{store}: {pending} price change(s) wait for your approval",
                                  "ar": "{store}: {pending} تغيير سعر بانتظار موافقتك"},
    AlertKind.PROFIT_FELL: {"en": "{store}: {count} price change(s) lost profit",
                            "ar": "{store}: {count} تغيير سعر خفّض الربح"},
    AlertKind.TOKEN_REVOKED: {"en": "{store}: the price optimizer lost access to your store",
                              "ar": "{store}: فقد محسِّن الأسعار صلاحية الوصول إلى متجرك"},
    AlertKind.TOKEN_EXPIRING: {"en": "{store}: the price optimizer's access to your store is about to lapse",
                               "ar": "{store}: صلاحية محسِّن الأسعار على متجرك على وشك الانتهاء"},
    AlertKind.RUN_FAILED: {"en": "{store}: a pricing run failed", "ar": "{store}: فشل تشغيل للتسعير"},
    AlertKind.RUN_PARTIALLY_APPLIED: {"en": "{store}: some price changes are not in Salla yet",
                                      "ar": "{store}: بعض تغييرات الأسعار لم تصل إلى سلة بعد"},
    AlertKind.WRITES_REFUSED: {"en": "{store}: Salla refused {count} price change(s)",
                               "ar": "{store}: رفضت سلة {count} تغيير سعر"},
    AlertKind.BELOW_FLOOR: {"en": "{store}: competitors sell {count} product(s) below your margin floor",
                            "ar": "{store}: يبيع المنافسون {count} منتجًا بأقل من الحد الأدنى لهامشك"},
    AlertKind.TEST: {"en": "{store}: test alert", "ar": "{store}: تنبيه تجريبي"},
}

LINES: dict[str, Text] = {
    "approvals": {"en": "The latest run(s) queued {queued} change(s); {pending} wait for your decision in all.",
                  "ar": "أضاف آخر تشغيل {queued} تغييرًا؛ وينتظر قرارك {pending} تغييرًا في المجموع."},
    "profit": {"en": "- {name}: {old_price} -> {new_price} ({change_pct}%): gross profit per day "
                     "{profit_before} -> {profit_after}, units per day {units_before} -> {units_after}; "
                     "{profit_change_pct}% against unchanged products of its category ({days} days before and "
                     "after). To undo it, restore {old_price} (roll back run {run_id}): {product_link}",
               "ar": "- {name}: {old_price} ← {new_price} ({change_pct}%): إجمالي الربح اليومي "
                     "{profit_before} ← {profit_after}، الوحدات اليومية {units_before} ← {units_after}؛ "
                     "{profit_change_pct}% مقارنةً بمنتجات فئته التي لم يتغير سعرها ({days} يومًا قبل وبعد). "
                     "للتراجع أعد السعر {old_price} (تراجع عن التشغيل {run_id}): {product_link}"},
    "revoked": {"en": "Salla refused to renew the app's access ({reason}). Prices are no longer checked or changed "
                      "until you authorize the app again from Salla's app store.",
                "ar": "رفضت سلة تجديد صلاحية التطبيق ({reason}). لن تُفحص الأسعار ولن تتغير حتى تمنح التطبيق "
                      "الصلاحية من جديد من متجر تطبيقات سلة."},
    "uninstalled": {"en": "The app was uninstalled from the store. Install it again from Salla's app store to "
                          "resume pricing.",
                    "ar": "أُزيل التطبيق من المتجر. ثبّته من جديد من متجر تطبيقات سلة لاستئناف التسعير."},
    "expiring": {"en": "Renewing the access failed ({error}); it is retried automatically. It lapses in {hours} "
                       "hour(s); if it does, authorize the app again from Salla's app store.",
                 "ar": "فشل تجديد الصلاحية ({error})؛ ستُعاد المحاولة تلقائيًا. تنتهي خلال {hours} ساعة؛ وإن انتهت "
                       "فامنح التطبيق الصلاحية من جديد من متجر تطبيقات سلة."},
    "failed": {"en": "- Run {run_id} stopped: {error}", "ar": "- توقف التشغيل {run_id}: {error}"},
    "failed_after": {"en": "Prices already written stay; the next run starts afresh.",
                     "ar": "تبقى الأسعار التي كُتبت؛ ويبدأ التشغيل التالي من جديد."},
    "partial": {"en": "Salla did not take {pending} price change(s) for now; they are tried again automatically.",
                "ar": "لم تقبل سلة {pending} تغيير سعر في الوقت الحالي؛ ستُعاد المحاولة تلقائيًا."},
    "refused": {"en": "- product {product_id}: {price}: {reason}", "ar": "- المنتج {product_id}: {price}: {reason}"},
    "below_floor": {"en": "- {name}: lowest competitor {competitor_price} {currency}, your floor {floor} {currency}: "
                          "the price stays at the floor; lower your cost or the minimum margin to follow them.",
                    "ar": "- {name}: أقل سعر منافس {competitor_price} {currency}، "
                          "والحد الأدنى لديك {floor} {currency}: يبقى السعر عند الحد الأدنى؛ "
                          "خفّض التكلفة أو الهامش الأدنى لمجاراتهم."},
    "test": {"en": "Alerts of the price optimizer reach this address. Nothing else to do.",
             "ar": "تنبيهات محسِّن الأسعار تصل إلى هذا العنوان. لا حاجة لأي إجراء آخر."},
    "more": {"en": "... and {n} more", "ar": "... و{n} غيرها"},
    "open": {"en": "Open: {link}", "ar": "افتح: {link}"},
}


class _Blank(dict[str, Any]):
    """Format values: a missing one reads as "?", never a KeyError in the middle of an alert."""

    def __missing__(self, key: str) -> str:
        return "?"


def _fill(template: str, values: Mapping[str, Any]) -> str:
    return template.format_map(_Blank({k: ("?" if v is None else v) for k, v in values.items()}))


def link(public_url: str, path: str, **values: object) -> str:
    """An absolute link to a dashboard page."""
    return public_url.rstrip("/") + path.format(**{k: quote(str(v), safe="") for k, v in values.items()})


def _lines(batch: AlertBatch, lang: str, public_url: str) -> list[str]:
    kind, alerts = batch.kind, batch.alerts
    listed: list[Alert] = list(alerts[:MAX_LINES])
    rest = len(alerts) - len(listed)
    out: list[str] = []
    if kind is AlertKind.APPROVALS_WAITING:
        queued = sum(int(a.facts.get("queued") or 0) for a in alerts)
        out.append(_fill(LINES["approvals"][lang], {"queued": queued, "pending": batch.pending_approvals}))
        rest = 0
    elif kind is AlertKind.PROFIT_FELL:
        for a in listed:
            facts = {**a.facts, "name": a.facts.get("name") or a.facts.get("product_id"),
                     "days": a.facts.get("window_days"),
                     "product_link": (link(public_url, ROLLBACK_PAGE, store_id=batch.store_id,
                                           run_id=a.facts["run_id"], decision_id=a.facts["decision_id"])
                                      if a.facts.get("run_id") and a.facts.get("decision_id") else
                                      link(public_url, PRODUCT_PAGE, store_id=batch.store_id,
                                           product_id=a.facts.get("product_id")))}
            out.append(_fill(LINES["profit"][lang], facts))
    elif kind is AlertKind.TOKEN_REVOKED:
        latest = alerts[-1]
        key = "uninstalled" if latest.facts.get("uninstalled") else "revoked"
        out.append(_fill(LINES[key][lang], latest.facts))
        rest = 0
    elif kind is AlertKind.TOKEN_EXPIRING:
        latest = alerts[-1]
        hours = latest.facts.get("hours_left")
        out.append(_fill(LINES["expiring"][lang], {**latest.facts, "hours": None if hours is None
                                                   else max(0, round(float(hours)))}))
        rest = 0
    elif kind is AlertKind.RUN_FAILED:
        out += [_fill(LINES["failed"][lang], a.facts) for a in listed]
        out.append(LINES["failed_after"][lang])
    elif kind is AlertKind.RUN_PARTIALLY_APPLIED:
        out.append(_fill(LINES["partial"][lang], {"pending": sum(int(a.facts.get("pending") or 0) for a in alerts)}))
        rest = 0
    elif kind is AlertKind.WRITES_REFUSED:
        failures = [f for a in alerts for f in a.facts.get("failures") or []]
        out += [_fill(LINES["refused"][lang], f) for f in failures[:MAX_LINES]]
        rest = max(0, sum(int(a.facts.get("count") or 0) for a in alerts) - min(len(failures), MAX_LINES))
    elif kind is AlertKind.BELOW_FLOOR:
        latest = alerts[-1]  # the latest run's view of the market
        products = list(latest.facts.get("products") or [])
        out += [_fill(LINES["below_floor"][lang], p) for p in products[:MAX_LINES]]
        rest = max(0, int(latest.facts.get("count") or 0) - len(products[:MAX_LINES]))
    elif kind is AlertKind.TEST:
        out.append(LINES["test"][lang])
        rest = 0
    if rest > 0:
        out.append(_fill(LINES["more"][lang], {"n": rest}))
    out.append(_fill(LINES["open"][lang], {"link": link(public_url, PAGES[kind], store_id=batch.store_id)}))
    return out


def _count(batch: AlertBatch) -> int:
    if batch.kind is AlertKind.WRITES_REFUSED:
        return sum(int(a.facts.get("count") or 0) for a in batch.alerts) or len(batch.alerts)
    if batch.kind is AlertKind.BELOW_FLOOR:
        return int(batch.alerts[-1].facts.get("count") or 0)
    return len(batch.alerts)


def render_in(batch: AlertBatch, lang: str, *, public_url: str) -> tuple[str, str]:
    """The (title, body) of ``batch`` in ``lang`` (``en`` or ``ar``)."""
    store = batch.store_name or batch.store_id
    title = _fill(TITLES[batch.kind][lang], {"store": store, "pending": batch.pending_approvals,
                                              "count": _count(batch)})
    return title, "\n".join(_lines(batch, lang, public_url))


def render(batch: AlertBatch, *, public_url: str) -> tuple[str, str]:
    """The (title, body) of ``batch`` in its language, or in Arabic then English when it has none."""
    if batch.language in LANGUAGES:
        return render_in(batch, batch.language, public_url=public_url)
    (title_ar, body_ar), (title_en, body_en) = (render_in(batch, lang, public_url=public_url) for lang in LANGUAGES)
    return f"{title_ar} | {title_en}", f"{body_ar}\n\n{body_en}"


__all__ = ["LANGUAGES", "LINES", "MAX_LINES", "PAGES", "TITLES", "link", "render", "render_in"]
