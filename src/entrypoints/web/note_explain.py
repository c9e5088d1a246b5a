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
from entrypoints.web.rollback_explain import guard_breaks

_Render = Callable[[re.Match[str]], str]

_PREFIX = re.compile(r"(not applied|not re-sent): (.+)")
_PREFIXES = {"not applied": "لم يُطبَّق", "not re-sent": "لم يُرسَل مجددًا"}
_AGAIN = "; the next sweep prices it again"
_AGAIN_AR = "؛ سيُسعَّر في الجولة القادمة"
_ALLOWED = re.compile(r"(.+) \(allowed now: (\S+)\.\.(\S+)\)")


def _status(value: str) -> str:
    return label("ar", "salla_status", value)


# One reason a decision's price was not written (``recheck_decision``, ``find_overtaken``, ``missing_reason``);
# the guard sentences it shares with a rollback's notes (margin floor, bounds, MAP, direction lock)
# are ``rollback_explain.guard_breaks``'s.
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
    (re.compile(r"the change from (\S+) to (\S+) \((\S+)%\) exceeds the maximum change of (\S+)% per run"),
     lambda m: f"التغيير من {m[1]} إلى {m[2]} ({m[3]}%) يتجاوز أقصى تغيير {m[4]}% في الجولة"),
)


def note_line(text: str) -> str | None:
    """``text`` (a decision's re-check note) in Arabic, or None when its shape is not known."""
    m = _PREFIX.fullmatch(text)
    if m is None:
        return None
    reason, again, allowed = m[2], "", ""
    if reason.endswith(_AGAIN):
        reason, again = reason.removesuffix(_AGAIN), _AGAIN_AR
    bounds = _ALLOWED.fullmatch(reason)
    if bounds is not None:  # a bounds refusal names the prices allowed now
        reason, allowed = bounds[1], f" (المسموح الآن: {bounds[2]}..{bounds[3]})"
    found = next((render(hit) for pattern, render in _REASONS if (hit := pattern.fullmatch(reason))), None)
    if found is None:
        found = guard_breaks(reason)
    return None if found is None else f"{_PREFIXES[m[1]]}: {found}{allowed}{again}"


__all__ = ["note_line"]
