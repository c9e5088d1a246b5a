"""The activity log's frequent entries in Arabic: runs, writes, reviews, settings, installs, tokens.

The core writes each entry's description as one English sentence of a fixed shape (the use cases
that call ``activity.log``). As for the explanation steps (``explanations.py``), each shape is
recognized and rendered in Arabic with the same numbers; an entry of another shape gets None and is
shown as written, marked English (its type is translated either way).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from entrypoints.web.formatting import fmt_datetime, fmt_money
from entrypoints.web.settings_text import field_label

_Render = Callable[[re.Match[str]], str]
_BY = {"merchant": "التاجر", "operator": "المشغّل", "cli": "سطر الأوامر", "admin-api": "واجهة الإدارة",
       "optimizer": "المحسّن"}
_BY["salla"] = "سلة"
_TRIGGER = {"sweep": "قبل جولة تسعير", "proactive": "قبل انتهاء صلاحيته"}
# Where a change came from (``source``): the dashboard's form, Salla's settings form, the OAuth install.
_SOURCE = {"dashboard": "لوحة التحكم", "app.settings.updated": "نموذج الإعدادات في سلة", "oauth": "تثبيت التطبيق",
           "app_store": "متجر تطبيقات سلة", "app.store.authorize": "تفويض سلة"}


def _source(value: str) -> str:
    return _SOURCE.get(value, value)


def _settings(m: re.Match[str]) -> str:
    """Which settings changed, by whom; and the pending decisions that change replaced."""
    fields = "، ".join(field_label(name, "ar") for name in m[3].split(", "))
    text = f"حدّث {_by(m[1])} الإعدادات ({_source(m[2])}): {fields}"
    if m[4]:
        text += f"؛ استُبدلت قرارات معلّقة: {m[4]}، " + ("ويُعاد تسعير منتجاتها بالإعدادات الجديدة" if m[5]
                                                       else "دون إعادة تسعير: المتجر غير نشط")
    return text


def _by(who: str) -> str:
    return _BY.get(who, who)


def _review(m: re.Match[str]) -> str:
    """A merchant's (or operator's) approval or rejection of one price change, its prices as Arabic money."""
    change = f"{m[1]}: من {fmt_money(m[4], m[6], 'ar')} إلى {fmt_money(m[5], m[6], 'ar')}"
    return f"وافق {_by(m[3])} على تغيير سعر {change}" if m[2] == "approved" else f"رفض {_by(m[3])} تغيير سعر {change}"


def _moment(text: str) -> str:
    """An instant the entry gives in ISO form, in the store's time and Arabic; as written when not ISO."""
    try:
        return fmt_datetime(text, "ar")
    except ValueError:
        return text


_ENTRIES: tuple[tuple[re.Pattern[str], _Render], ...] = (
    # "Count: n" rather than "n things": Arabic plurals agree with the number, a label does not need to.
    (re.compile(r"Optimization completed: (\d+) analyzed, (\d+) updated, (\d+) queued for approval"
                r"(?:; partially applied: (\d+) price change\(s\) not taken by Salla yet, to be tried again)?"),
     lambda m: f"اكتمل التسعير: المنتجات المحلَّلة {m[1]}، المحدَّثة {m[2]}، بانتظار الموافقة {m[3]}"
               + (f"؛ طُبّق جزئيًا: تغييرات لم تقبلها سلة بعد وستُعاد محاولتها {m[4]}" if m[4] else "")),
    (re.compile(r"Applied (\d+) price change\(s\) in Salla"), lambda m: f"تغييرات أسعار طُبّقت في سلة: {m[1]}"),
    (re.compile(r"(\d+) price change\(s\) not taken by Salla for now; they will be tried again"),
     lambda m: f"تغييرات أسعار لم تقبلها سلة حاليًا وستُعاد محاولتها: {m[1]}"),
    (re.compile(r"Salla refused (\d+) price change\(s\)"), lambda m: f"تغييرات أسعار رفضتها سلة: {m[1]}"),
    (re.compile(r"Price change for (.+) (approved|rejected) by (\S+): (\S+) -> (\S+) (\S+)"), lambda m: _review(m)),
    (re.compile(r"System Action: OAuth token refreshed automatically \((\S+)\)"),
     lambda m: f"إجراء النظام: جُدّد رمز الوصول تلقائيًا ({_TRIGGER.get(m[1], m[1])})"),
    (re.compile(r"Settings updated by (\S+) \((\S+)\): ([a-z_, ]+?)(?:; (\d+) pending decision\(s\) superseded "
                r"\(settings changed\), (?:(their products are repriced under the new settings)|not repriced: "
                r"the store is inactive))?"), _settings),
    (re.compile(r"Store (.+) (installed|reinstalled) \((\S+)\)"),
     lambda m: f"{'ثُبّت' if m[2] == 'installed' else 'أُعيد تثبيت'} المتجر {m[1]} ({_source(m[3])})"),
    (re.compile(r"OAuth tokens authorized \((\S+)\); access token valid until (\S+)"),
     lambda m: f"فُوّضت رموز الوصول ({_source(m[1])})؛ رمز الوصول صالح حتى {_moment(m[2])}"),
    (re.compile(r"App uninstalled from the store; store deactivated"), lambda m: "أُزيل التطبيق من المتجر؛ أُوقف المتجر"),
)


def activity_line(description: str) -> str | None:
    """``description`` (an activity entry's) in Arabic, or None when its shape is not known."""
    for pattern, render in _ENTRIES:
        m = pattern.fullmatch(description)
        if m:
            return render(m)
    return None


def activity_text(description: str, lang: str) -> tuple[str, bool]:
    """``(text, translated)``: the entry in ``lang``; ``translated`` is False when shown as written."""
    if lang != "ar":
        return description, True
    found = activity_line(description)
    return (description, False) if found is None else (found, True)


__all__ = ["activity_line", "activity_text"]
