"""A decision's note in Arabic: why the re-check at the moment of writing did not send its price.

Before a price is written, the decision is checked again against the product as Salla shows it
then (``pricing_core/recheck.py``, ``usecases/apply_checks.py``); a refusal is stored on the
decision as one English sentence of a fixed shape, "not applied: <reason>" ("not re-sent: ..."
for a write a crash may have sent already). As for the explanation steps (``explanations.py``,
which asks this module for the lines it does not know), each shape is recognized and rendered in
Arabic with the same numbers. An unknown shape gets None and is shown as written, marked English.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from entrypoints.web.i18n import label

_Render = Callable[[re.Match[str]], str]

_PREFIX = re.compile(r"(not applied|not re-sent): (.+)")
_PREFIXES = {"not applied": "لم يُطبَّق", "not re-sent": "لم يُرسَل مجددًا"}
_AGAIN = "; the next sweep prices it again"
_AGAIN_AR = "؛ سيُسعَّر في الجولة القادمة"
_ALLOWED = r"(?: \(allowed now: (\S+)\.\.(\S+)\))?"


def _status(value: str) -> str:
    return label("ar", "salla_status", value)


def _allowed(low: str | None, high: str | None) -> str:
    return f" (المسموح الآن: {low}..{high})" if low else ""


# One reason a decision's price was not written (``recheck_decision``, ``find_overtaken``, ``missing_reason``).
_REASONS: tuple[tuple[re.Pattern[str], _Render], ...] = (
    (re.compile(r"the product is no longer found in Salla"), lambda m: "المنتج لم يعد موجودًا في سلة"),
    (re.compile(r"the product is now excluded from automatic pricing"),
     lambda m: "المنتج مستبعد الآن من التسعير التلقائي"),
    (re.compile(r"the product's status in Salla is now '(.+)'"),
     lambda m: f"حالة المنتج في سلة الآن «{_status(m[1])}»"),
    (re.compile(r"the price in Salla changed from (\S+) to (\S+) since this decision"),
     lambda m: f"تغيّر السعر في سلة من {m[1]} إلى {m[2]} بعد هذا القرار"),
    (re.compile(r"(\S+) was applied to the product at (.+?) \((.+)\), after this decision"),
     lambda m: f"طُبِّق السعر {m[1]} على المنتج في {m[2]} ({m[3]}) بعد هذا القرار"),
    (re.compile(r"cooldown: the price changed at (.+) UTC and the cooldown is (\d+)h"),
     lambda m: f"فترة التهدئة: تغيّر السعر في {m[1]} بتوقيت UTC وفترة التهدئة {m[2]} ساعة"),
    (re.compile(r"(the cost was removed in Salla since this decision|no cost is known for this product), "
                r"so a decrease from (\S+) to (\S+) cannot be checked against the minimum margin"),
     lambda m: ("حُذفت التكلفة في سلة بعد هذا القرار" if m[1].startswith("the cost") else "تكلفة المنتج غير معروفة")
     + f"، فلا يمكن التحقق من هامش خفض {m[2]} إلى {m[3]}"),
    (re.compile(r"(\S+) is below the margin floor (\S+) \(cost (\S+), minimum margin (\S+)%"
                r"(?:, VAT (\S+)% included)?\)"),
     lambda m: f"{m[1]} أقل من حد الهامش {m[2]} (التكلفة {m[3]}، أدنى هامش {m[4]}%"
               + (f"، شامل ضريبة {m[5]}%" if m[5] else "") + ")"),
    (re.compile(r"(\S+) is below the minimum advertised price (\S+)"), lambda m: f"{m[1]} أقل من أدنى سعر معلن {m[2]}"),
    (re.compile(r"(\S+) is above the maximum price (\S+?)" + _ALLOWED),
     lambda m: f"{m[1]} أعلى من أعلى سعر {m[2]}{_allowed(m[3], m[4])}"),
    (re.compile(r"(\S+) is below the minimum price (\S+?)" + _ALLOWED),
     lambda m: f"{m[1]} أقل من أدنى سعر {m[2]}{_allowed(m[3], m[4])}"),
    (re.compile(r"the store allows decreases only \(direction lock\), and (\S+) raises (\S+)"),
     lambda m: f"المتجر يسمح بالخفض فقط (قفل الاتجاه)، و{m[1]} يرفع {m[2]}"),
    (re.compile(r"the store allows raises only \(direction lock\), and (\S+) lowers (\S+)"),
     lambda m: f"المتجر يسمح بالرفع فقط (قفل الاتجاه)، و{m[1]} يخفض {m[2]}"),
    (re.compile(r"the change from (\S+) to (\S+) \((\S+)%\) exceeds the maximum change of (\S+)% per run" + _ALLOWED),
     lambda m: f"التغيير من {m[1]} إلى {m[2]} ({m[3]}%) يتجاوز أقصى تغيير {m[4]}% في الجولة"
               f"{_allowed(m[5], m[6])}"),
)


def note_line(text: str) -> str | None:
    """``text`` (a decision's re-check note) in Arabic, or None when its shape is not known."""
    m = _PREFIX.fullmatch(text)
    if m is None:
        return None
    reason, again = m[2], ""
    if reason.endswith(_AGAIN):
        reason, again = reason.removesuffix(_AGAIN), _AGAIN_AR
    for pattern, render in _REASONS:
        found = pattern.fullmatch(reason)
        if found:
            return f"{_PREFIXES[m[1]]}: {render(found)}{again}"
    return None


__all__ = ["note_line"]
