"""The ``profit`` strategy's steps in Arabic (``pricing_core.strategies.plan_profit`` and the demand line).

Like the other steps (``explanations.py``), each is recognized by its shape and rendered with the
same numbers. A profit step is a sentence or two built from clauses (the estimate, the optimum, a
price test, a fallback), so the clauses are translated one by one; a line with a clause this module
does not know stays in English (``profit_line`` answers None), never half translated.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# ``ElasticityEstimate.describe()``: ``-2.10 (90% interval -2.60..-1.60, 56 days, 40% from the prior)``.
_EST = r"(-?\d+\.\d+) \(90% interval (-?\d+\.\d+)\.\.(-?\d+\.\d+), (\d+) days(?:, (\d+)% from the prior)?\)"
_STRATEGIES = {"match": "المطابقة", "beat_percent": "الأقل بنسبة", "beat_amount": "الأقل بمبلغ",
               "above_percent": "الأعلى بنسبة"}
_SIDE = {"above": "أعلى من", "below": "أقل من"}
# Old explanations (before the tests held a week on each side) said "daily"; they still read in Arabic.
_EVERY = {"daily": "يوميًا", "weekly": "أسبوعيًا"}


def _estimate(m: re.Match[str], first: int = 1) -> str:
    value, low, high, days, prior = m.group(first, first + 1, first + 2, first + 3, first + 4)
    text = f"{value} (مجال ثقة 90%: من {low} إلى {high}، من {days} يومًا"
    return text + (f"، {prior}% منه من التقدير المسبق" if prior else "") + ")"


def _vat(rate: str | None) -> str:
    return f"، شامل ضريبة {rate}%" if rate else ""


def _strategy(name: str) -> str:
    return f"«{_STRATEGIES.get(name, name)}»"


_Sub = Callable[[re.Match[str]], str]
# In order: clauses that hold an estimate first, then the ones that follow them.
_CLAUSES: tuple[tuple[re.Pattern[str], _Sub], ...] = tuple((re.compile(p), r) for p, r in (
    (rf"elasticity {_EST} is too uncertain \(interval wider than ([\d.]+)\)",
     lambda m: f"المرونة {_estimate(m)} غير مؤكدة بما يكفي (مجالها أوسع من {m[6]})"),
    (rf"elasticity {_EST} says demand is inelastic, so a higher price earns more",
     lambda m: f"المرونة {_estimate(m)} تقول إن الطلب غير مرن، فالسعر الأعلى يربح أكثر"),
    (rf"elasticity {_EST} may be inelastic \((\d+)% chance that e > -1\), so expected profit keeps rising "
     r"with the price",
     lambda m: f"المرونة {_estimate(m)} قد تكون غير مرنة (احتمال {m[6]}% أن تكون e > -1)، "
               "فالربح المتوقع يزداد مع السعر"),
    (rf"elasticity {_EST}; the profit-maximizing price is (\S+) in expectation over the interval "
     r"\(at (-?\d+\.\d+) alone: (\S+) = cost (\S+) x e/\(1\+e\)(?:, VAT (\S+)% included)?\)\.",
     lambda m: f"المرونة {_estimate(m)}؛ السعر الذي يعظّم الربح المتوقع عبر المجال هو {m[6]} "
               f"(عند {m[7]} وحدها: {m[8]} = التكلفة {m[9]} × e/(1+e){_vat(m[10])})."),
    (rf"elasticity {_EST}; the profit-maximizing price is (\S+) "
     r"\(cost (\S+) x e/\(1\+e\)(?:, VAT (\S+)% included)?\)\.",
     lambda m: f"المرونة {_estimate(m)}؛ السعر الذي يعظّم الربح هو {m[6]} (التكلفة {m[7]} × e/(1+e){_vat(m[8])})."),
    (r"no demand estimate yet \(no sales history\)", lambda m: "لا يوجد تقدير للطلب بعد (لا سجل مبيعات)"),
    (r"no cost is known, so profit cannot be computed", lambda m: "التكلفة غير معروفة فلا يمكن حساب الربح"),
    (r"Price test: the interval is wider than ([\d.]+), so today's price is (\S+)% (above|below) it -> (\S+) "
     r"\(the side alternates (daily|weekly)\)\.",
     lambda m: f"اختبار سعر: المجال أوسع من {m[1]}، فسعر اليوم {_SIDE[m[3]]} ذلك بنسبة {m[2]}% ← {m[4]} "
               f"(يتناوب الاتجاه {_EVERY[m[5]]})."),
    (r"Price test: (.+); today's test is (\S+)% (above|below) the '(\w+)' target (\S+) -> (\S+) "
     r"\(the side alternates (daily|weekly), so demand is seen at both\)\.",
     lambda m: f"اختبار سعر: {m[1]}؛ اختبار اليوم {_SIDE[m[3]]} هدف {_strategy(m[4])} {m[5]} بنسبة {m[2]}% "
               f"← {m[6]} (يتناوب الاتجاه {_EVERY[m[7]]} ليُرى الطلب عند الجانبين)."),
    (r"Price test: (.+); today's test is (\S+)% (above|below) the typical price (\S+) of the last (\d+) days "
     r"-> (\S+) \(the side alternates (daily|weekly), so demand is seen at both\)\.",
     lambda m: f"اختبار سعر: {m[1]}؛ اختبار اليوم {_SIDE[m[3]]} السعر المعتاد {m[4]} في آخر {m[5]} يومًا "
               f"بنسبة {m[2]}% ← {m[6]} (يتناوب الاتجاه {_EVERY[m[7]]} ليُرى الطلب عند الجانبين)."),
    (r"; the price changed less than a day ago \(([^)]+)\), so it holds until a day of sales at it is seen\.",
     lambda m: f"؛ تغيّر السعر قبل أقل من يوم ({m[1]})، فيبقى حتى يُرى يوم كامل من المبيعات عنده."),
    (r": step up by (\S+)% -> (\S+)\.", lambda m: f": رفع بنسبة {m[1]}% ← {m[2]}."),
    (r"; the store's settings fall back to '(\w+)'\.", lambda m: f"؛ إعدادات المتجر تعتمد على {_strategy(m[1])}."),
    (r"; falls back to '(\w+)'\.", lambda m: f"؛ يُعتمد على {_strategy(m[1])}."),
    (r"^Profit strategy: ", lambda m: "استراتيجية الربح: "),
))

_DEMAND = re.compile(r"Demand: at (\S+) instead of (\S+), expected gross profit (.+)\.")
_CHANGE = re.compile(r"(?:([+-]\d+\.\d+) ([A-Z]{3})/day)? ?(?:([+-]\d+\.\d+)%)?"
                     r"(?: \(between ([+-]\d+\.\d+) and ([+-]\d+\.\d+) across the interval\))?")
# What may stay Latin in a translated line: the elasticity's symbol and currency codes.
_LEFT_OVER = re.compile(r"[A-Za-z]{2,}")


def _demand(m: re.Match[str]) -> str | None:
    if m[3] == "change unknown":
        return f"الطلب: عند {m[1]} بدل {m[2]}، تغيّر الربح الإجمالي المتوقع غير معروف."
    change = _CHANGE.fullmatch(m[3])
    if change is None or not (change[1] or change[3]):
        return None
    parts = []
    if change[1]:
        parts.append(f"{change[1]} {change[2]} يوميًا")
    if change[3]:
        parts.append(f"{change[3]}%")
    text = f"الطلب: عند {m[1]} بدل {m[2]}، الربح الإجمالي المتوقع {' '.join(parts)}"
    if change[4]:
        text += f" (بين {change[4]} و{change[5]} عبر المجال)"
    return text + "."


def profit_line(line: str) -> str | None:
    """The Arabic of a profit step, or None when ``line`` is not one (or holds a clause not known here)."""
    demand = _DEMAND.fullmatch(line)
    if demand is not None:
        return _demand(demand)
    if not line.startswith(("Profit strategy: ", "Price test: ")):
        return None
    text = line
    for pattern, render in _CLAUSES:
        text = pattern.sub(render, text)
    leftover = [w for w in _LEFT_OVER.findall(text) if not (w.isupper() and len(w) == 3)]
    return None if leftover else text


__all__ = ["profit_line"]
