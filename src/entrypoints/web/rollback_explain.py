"""A rollback's sentences in Arabic: its restore decisions' explanation steps and the reasons a product is left.

The core writes them in English of a fixed shape (``pricing_core/rollback.py``); as for the
engine's steps (``explanations.py``, which asks this module for the lines it does not know), each
shape is recognized and rendered in Arabic with the same numbers. An unknown shape gets None.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_Render = Callable[[re.Match[str]], str]
_BY = {"merchant": "التاجر", "operator": "المشغّل", "cli": "سطر الأوامر", "admin-api": "واجهة الإدارة"}

# One guard a previous price breaks (``restore_guard_breaks``).
_BREAKS: tuple[tuple[re.Pattern[str], _Render], ...] = (
    (re.compile(r"the product is excluded from automatic pricing"), lambda m: "المنتج مستبعد من التسعير التلقائي"),
    (re.compile(r"no cost is known, so lowering (\S+) to (\S+) cannot be checked against the minimum margin"),
     lambda m: f"التكلفة غير معروفة، فلا يمكن التحقق من هامش خفض {m[1]} إلى {m[2]}"),
    (re.compile(r"(\S+) is below the margin floor (\S+) \(cost (\S+), minimum margin (\S+)%"
                r"(?:, VAT (\S+)% included)?\)"),
     lambda m: f"{m[1]} أقل من حد الهامش {m[2]} (التكلفة {m[3]}، أدنى هامش {m[4]}%"
               + (f"، شامل ضريبة {m[5]}%" if m[5] else "") + ")"),
    (re.compile(r"(\S+) is below the minimum advertised price (\S+)"), lambda m: f"{m[1]} أقل من أدنى سعر معلن {m[2]}"),
    (re.compile(r"(\S+) is below the minimum price (\S+)"), lambda m: f"{m[1]} أقل من أدنى سعر {m[2]}"),
    (re.compile(r"(\S+) is above the maximum price (\S+)"), lambda m: f"{m[1]} أعلى من أعلى سعر {m[2]}"),
    (re.compile(r"the product's price is fixed at (\S+)"), lambda m: f"سعر المنتج مثبّت عند {m[1]}"),
    (re.compile(r"the store allows decreases only \(direction lock\), and (\S+) raises (\S+)"),
     lambda m: f"المتجر يسمح بالخفض فقط (قفل الاتجاه)، و{m[1]} يرفع {m[2]}"),
    (re.compile(r"the store allows raises only \(direction lock\), and (\S+) lowers (\S+)"),
     lambda m: f"المتجر يسمح بالرفع فقط (قفل الاتجاه)، و{m[1]} يخفض {m[2]}"),
)


def guard_breaks(text: str) -> str | None:
    """``text``, one or more guard sentences joined by "; " (a price below the margin floor, the
    minimum advertised price, outside the minimum/maximum, against the direction lock), in Arabic;
    None when a part is of an unknown shape. The rollback's and the re-check's notes share them."""
    parts = []
    for part in text.split("; "):
        for pattern, render in _BREAKS:
            m = pattern.fullmatch(part)
            if m:
                parts.append(render(m))
                break
        else:
            return None
    return "؛ ".join(parts)


def _with_breaks(prefix: str, m: re.Match[str], suffix: str = "") -> str | None:
    found = guard_breaks(m[1])
    return None if found is None else f"{prefix}{found}{suffix}"


def _prefixed(prefix: str, rest: str) -> str | None:
    found = rollback_line(rest)
    return None if found is None else prefix + found


_LINES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str | None]], ...] = (
    (re.compile(r"Roll back of run (\S+): restore (\S+), the price before the run, in place of the (\S+) it set "
                r"on (.+) UTC\."),
     lambda m: f"إرجاع التشغيل {m[1]}: استعادة {m[2]}، السعر قبل التشغيل، بدل {m[3]} الذي وضعه في {m[4]} UTC."),
    (re.compile(r"Compare-and-set: Salla still shows (\S+), the price the run set\."),
     lambda m: f"تحقق قبل الكتابة: ما زالت سلة تعرض {m[1]}، السعر الذي وضعه التشغيل."),
    (re.compile(r"Today's guards pass: .+\."),
     lambda m: "حدود اليوم مستوفاة: حد الهامش، أدنى سعر معلن، أدنى وأعلى سعر، قفل الاتجاه وإعدادات المنتج."),
    (re.compile(r"Restored with the merchant's confirmation although (.+)\."),
     lambda m: _with_breaks("استُعيد بتأكيد التاجر رغم أن ", m, ".")),
    (re.compile(r"Requested by (merchant|operator|cli|admin-api)\."), lambda m: f"بطلب من {_BY[m[1]]}."),
    # Why a product is left (``judge_restore``), and a guard break alone.
    (re.compile(r"not found in Salla: (.+)"),
     lambda m: "غير موجود في سلة: " + ("لم يعد المنتج في المتجر" if m[1] == "the product is no longer in the store"
                                       else m[1])),
    (re.compile(r"Salla already shows (\S+), the price from before the run"),
     lambda m: f"سلة تعرض {m[1]} بالفعل، السعر قبل التشغيل"),
    (re.compile(r"the price in Salla is now (\S+), not the (\S+) this run set: it was changed since, so it is left "
                r"as it is"),
     lambda m: f"السعر في سلة الآن {m[1]}، لا {m[2]} الذي وضعه التشغيل: تغيّر بعده، فيُترك كما هو"),
    (re.compile(r"a later change \((\S+) at (.+) UTC, (.+)\) replaced this run's, so it is left as it is"),
     lambda m: f"تغيير لاحق ({m[1]} في {m[2]} UTC) حلّ محل تغيير هذا التشغيل، فيُترك كما هو"),
    (re.compile(r"needs your confirmation: (.+)"), lambda m: _with_breaks("يحتاج تأكيدك: ", m)),
    (re.compile(r"not restored for now: Salla answered (.+); roll back again to retry"),
     lambda m: f"لم يُستعد بعد: أجابت سلة {m[1]}؛ أعد الإرجاع للمحاولة مجددًا"),
    (re.compile(r"not restored: Salla refused it: (.+)"), lambda m: f"لم يُستعد: رفضته سلة: {m[1]}"),
    (re.compile(r"not restored: (.+)"), lambda m: _prefixed("لم يُستعد: ", m[1])),
    (re.compile(r"(.+)"), lambda m: guard_breaks(m[1])),
)


def rollback_line(line: str) -> str | None:
    """``line`` in Arabic when it is one of the rollback's sentences, else None."""
    for pattern, render in _LINES:
        m = pattern.fullmatch(line)
        if m:
            found = render(m)
            if found is not None:
                return found
    return None


__all__ = ["guard_breaks", "rollback_line"]
