"""A decision's explanation in the merchant's language.

The pricing core writes each step of its reasoning as one English sentence of a fixed shape
(``engine.py``, ``risk.py``). Rather than change the core's output (other code and stored decisions
read these lines), the web layer recognizes each step by its shape and renders it in Arabic with the
same numbers. A line of an unknown shape (a future step, an advisor's free text) is shown as written,
marked as English, so nothing is ever hidden.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from entrypoints.web.i18n import label
from entrypoints.web.note_explain import note_line
from entrypoints.web.profit_explain import profit_line
from entrypoints.web.rollback_explain import rollback_line

_Render = Callable[[re.Match[str]], str]

_ACTIONS = {"auto apply": "يُطبَّق تلقائيًا", "needs approval": "يحتاج موافقتك"}
_RISK = {"low": "منخفضة", "medium": "متوسطة", "high": "عالية"}
_MODES = {"manual": "يدوي", "semi-auto": "شبه تلقائي", "full-auto": "تلقائي"}


def _status(value: str) -> str:
    """Salla's product status in Arabic (as written when unknown)."""
    return label("ar", "salla_status", value)


def _mode_text(text: str) -> str:
    """``semi-auto applies low risk by itself`` / ``manual: every change waits for approval``."""
    m = re.fullmatch(r"(manual|semi-auto|full-auto): every change waits for approval(.*)", text)
    if m:
        return f"{_MODES[m[1]]}: كل تغيير ينتظر الموافقة{_also(m[2])}"
    m = re.fullmatch(r"(manual|semi-auto|full-auto) applies (.+?) risk by itself(.*)", text)
    if m:
        levels = "، ".join(_RISK.get(level.strip(), level.strip()) for level in m[2].split(","))
        return f"{_MODES[m[1]]} يطبّق المخاطرة {levels} تلقائيًا{_also(m[3])}"
    return text


def _also(rest: str) -> str:
    return "؛ أيضًا: " + _reasons(rest.removeprefix("; also: ")) if rest.startswith("; also: ") else rest


def _reasons(text: str) -> str:
    parts = []
    for part in text.split("; "):
        if part == "no cost is known":
            parts.append("التكلفة غير معروفة")
        elif part == "an advisor's decrease without a usable competitor offer":
            parts.append("خفض مقترح من المستشار دون عرض منافس صالح")
        else:
            m = re.fullmatch(r"the offer from (.+) is not corroborated by a second reading, "
                             r"its previous observation or another competitor", part)
            parts.append(f"عرض {m[1]} غير مؤكد بقراءة ثانية أو بملاحظة سابقة أو بمنافس آخر" if m else part)
    return "؛ ".join(parts)


_PATTERNS: tuple[tuple[re.Pattern[str], _Render], ...] = (
    (re.compile(r"Priced with store settings\."), lambda m: "سُعِّر بإعدادات المتجر."),
    (re.compile(r"Priced with rule '(.+)' \(priority (-?\d+)\)\."),
     lambda m: f"سُعِّر بالقاعدة «{m[1]}» (الأولوية {m[2]})."),
    (re.compile(r"Offers: (\d+) seen, (\d+) usable(?:; dropped (.+))?\."),
     lambda m: f"العروض: {m[1]} عرضًا، الصالح منها {m[2]}" + (f"؛ استُبعد: {m[3]}" if m[3] else "") + "."),
    (re.compile(r"Reference: (.+); strategy: (.+) -> (\S+)\."),
     lambda m: f"المرجع: {m[1]}؛ الاستراتيجية: {m[2]} ← {m[3]}."),
    (re.compile(r"No usable offer: move toward a (\S+)% margin \((\S+)\)\."),
     lambda m: f"لا يوجد عرض صالح: التحرك نحو هامش {m[1]}% ({m[2]})."),
    (re.compile(r"No usable offer: hold the current price\."), lambda m: "لا يوجد عرض صالح: إبقاء السعر الحالي."),
    (re.compile(r"Margin floor: (\S+) \(cost (\S+), (.+?)(?:, VAT (\S+)% included)?\)\."),
     lambda m: f"الحد الأدنى للهامش: {m[1]} (التكلفة {m[2]}، {m[3]}"
               + (f"، شامل ضريبة {m[4]}%" if m[4] else "") + ")."),
    (re.compile(r"Cost unknown: the margin cannot be checked, so the price is never lowered automatically\."),
     lambda m: "التكلفة غير معروفة: لا يمكن التحقق من الهامش، لذا لا يُخفَّض السعر تلقائيًا أبدًا."),
    (re.compile(r"Guards: keep within (\S+)\.\.(\S+) (.*)\."),
     lambda m: f"حدود الأمان: البقاء بين {m[1]} و{m[2]} {m[3]}."),
    (re.compile(r"Target (\S+) adjusted to (\S+) by the guards\."),
     lambda m: f"عُدّل السعر المستهدف {m[1]} إلى {m[2]} بفعل حدود الأمان."),
    (re.compile(r"Held: no cost is known and the store holds such products\."),
     lambda m: "مثبّت: التكلفة غير معروفة والمتجر يثبّت أسعار هذه المنتجات."),
    (re.compile(r"No change: (\S+) is the current price\."), lambda m: f"بلا تغيير: {m[1]} هو السعر الحالي."),
    (re.compile(r"Risk (low|medium|high): change of (\S+)% \(low up to (\S+)%, medium up to (\S+)%\)"
                r"(?:; raised to (low|medium|high): a decrease resting on weak evidence \((\d+) offer\))?\."),
     lambda m: f"المخاطرة {_RISK[m[1]]}: تغيير بنسبة {m[2]}% (منخفضة حتى {m[3]}%، متوسطة حتى {m[4]}%)"
               + (f"؛ رُفعت إلى {_RISK[m[5]]}: خفض يستند إلى دليل ضعيف ({m[6]} عرض)" if m[5] else "") + "."),
    (re.compile(r"Waits for approval: (.+)\."), lambda m: f"ينتظر الموافقة: {_reasons(m[1])}."),
    (re.compile(r"Action: (auto apply|needs approval|no change|skipped) \((.+)\)\."),
     lambda m: f"الإجراء: {_ACTIONS.get(m[1], m[1])} ({_mode_text(m[2])})."),
    (re.compile(r"Skipped: cooldown: price changed at (.+), cooldown is (\d+)h\."),
     lambda m: f"تم التخطي: فترة انتظار؛ تغيّر السعر في {m[1]}، ومدة الانتظار {m[2]} ساعة."),
    (re.compile(r"Skipped: current price (\S+) is not positive\."),
     lambda m: f"تم التخطي: السعر الحالي {m[1]} ليس موجبًا."),
    (re.compile(r"Skipped: product status is '(.+)'\."),
     lambda m: f"تم التخطي: حالة المنتج «{_status(m[1])}»."),
    (re.compile(r"Skipped: (.+)\."), lambda m: f"تم التخطي: {m[1]}."),
    (re.compile(r"Advisor (\S+) proposes (\S+)(.*)\."), lambda m: f"المستشار {m[1]} يقترح {m[2]}{m[3]}."),
    (re.compile(r"Advisor (\S+) proposal rejected: (.+)\."), lambda m: f"رُفض اقتراح المستشار {m[1]}: {m[2]}."),
)


# Fragments the steps embed (reference descriptions, strategies, dropped-offer reasons, guard notes).
_FRAGMENTS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), r) for p, r in (
    (r"lowest usable offer: (.+?) at (\S+)", r"أقل عرض صالح: \1 بسعر \2"),
    (r"second lowest: (.+?) at (\S+)", r"ثاني أقل عرض: \1 بسعر \2"),
    (r"only \(no second\) offer: (.+?) at (\S+)", r"العرض الوحيد (لا يوجد ثانٍ): \1 بسعر \2"),
    (r"median of (\d+) usable offers: (\S+)", r"وسيط \1 عروض صالحة: \2"),
    (r"average of (\d+) usable offers: (\S+)", r"متوسط \1 عروض صالحة: \2"),
    (r"named competitor (.+?) at (\S+)", r"المنافس المحدد \1 بسعر \2"),
    (r"\bmatch it\b", "مطابقته"),
    (r"beat it by (\S+)", r"أقل منه بـ \1"),
    (r"sit (\S+)% above it", r"أعلى منه بـ \1%"),
    (r"minimum margin (\S+)%", r"أدنى هامش \1%"),
    (r"\(maximum change (\S+)%", r"(أقصى تغيير \1%"),
    (r"non-positive price (\S+)", r"سعر غير موجب \1"),
    (r"observed in the future", "رُصد بتاريخ مستقبلي"),
    (r"currency (\S+) is not (\S+)", r"العملة \1 ليست \2"),
    (r"this is the store's own listing", "هذا عرض المتجر نفسه"),
    (r"stale: observed (\S+)h ago \(limit (\S+)h\)", r"قديم: رُصد قبل \1 ساعة (الحد \2 ساعة)"),
    (r"out of stock", "غير متوفر"),
    (r"confidence (\S+) below (\S+)", r"الثقة \1 أقل من \2"),
    (r"outlier: (\S+)% from the median (\S+)", r"قيمة شاذة: تبعد \1% عن الوسيط \2"),
    (r"minimum price (\S+)", r"أدنى سعر \1"),
    (r"maximum price (\S+)", r"أعلى سعر \1"),
    (r"direction lock: raises only", "قفل الاتجاه: الرفع فقط"),
    (r"direction lock: decreases only", "قفل الاتجاه: الخفض فقط"),
    (r"raised to the margin floor (\S+), beyond the maximum change", r"رُفع إلى حد الهامش \1 متجاوزًا أقصى تغيير"),
    (r"no price ending in (\S+) fits within the limits; kept (\S+)", r"لا توجد نهاية سعر \1 ضمن الحدود؛ بقي \2"),
))


def _fragments(text: str) -> str:
    for pattern, replacement in _FRAGMENTS:
        text = pattern.sub(replacement, text)
    return text


def explain_line(line: str, lang: str) -> tuple[str, bool]:
    """``(text, translated)``: the step in ``lang``; ``translated`` is False when shown as written."""
    if lang != "ar":
        return line, True
    for pattern, render in _PATTERNS:
        m = pattern.fullmatch(line)
        if m:
            return _fragments(render(m)), True
    profit = profit_line(line)  # the profit strategy's steps (estimate, optimum, price test, fallback)
    if profit is not None:
        return profit, True
    rollback = rollback_line(line)  # a rollback's restore decision, or why it left a product
    if rollback is not None:
        return rollback, True
    note = note_line(line)  # why the re-check at the moment of writing did not send a decision's price
    if note is not None:
        return note, True
    translated = _fragments(line)
    return translated, translated != line


def note_text(note: str, lang: str) -> tuple[str, bool]:
    """``(text, translated)`` for a decision's note (its ``error``): a fixed note's label, or the
    re-check's sentence read like an explanation step (``note_explain``)."""
    labelled = label(lang, "note", note)
    if labelled != note:
        return labelled, True
    return explain_line(note, lang)


__all__ = ["explain_line", "note_text"]
