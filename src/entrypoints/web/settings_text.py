"""The settings form in the merchant's words: groups, labels, one-line help, choices and errors, in both languages.

Field names (``min_profit_margin``) never reach the page. Validation errors come from pydantic; each
is reworded here from its error type and the field's limits, and a cross-field error (minimum price
above maximum price, say) is shown next to the field the merchant has to change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from pricing_core.settings import MAX_ABOVE_PERCENT, MAX_BEAT_AMOUNT, MAX_BEAT_PERCENT, MAX_NAME_LENGTH, Strategy

Text = dict[str, str]

# (group key, group title, fields in order)
GROUPS: tuple[tuple[str, Text, tuple[str, ...]], ...] = (
    ("automation", {"en": "Automation", "ar": "الأتمتة"},
     ("automation_mode", "risk_tolerance", "update_frequency_hours", "risk_low_max_pct", "risk_medium_max_pct")),
    ("guardrails", {"en": "Guardrails", "ar": "حدود الأمان"},
     ("min_profit_margin", "max_change_pct", "min_price", "max_price", "cooldown_hours", "direction_lock",
      "no_cost_policy", "vat_rate")),
    ("strategy", {"en": "Strategy", "ar": "الاستراتيجية"},
     ("strategy", "strategy_value", "reference", "reference_competitor", "fallback", "target_margin",
      "price_ending", "profit_fallback_strategy", "profit_max_interval_width", "profit_when_inelastic",
      "profit_step_up_pct", "exploration", "exploration_step_pct")),
    ("competitors", {"en": "Competitor data", "ar": "بيانات المنافسين"},
     ("max_offer_age_hours", "min_offer_confidence", "outlier_pct", "offer_agreement_pct", "own_store_names",
      "include_shipping", "competitors_include", "competitors_exclude", "competitor_weights")),
)

# name -> (label, one-line help)
FIELDS: dict[str, tuple[Text, Text]] = {
    "include_shipping": (
        {"en": "Compare prices with shipping", "ar": "قارن الأسعار مع الشحن"},
        {"en": "Add each competitor's stated shipping cost to its price before comparing.",
         "ar": "أضف تكلفة الشحن المعلنة لكل منافس إلى سعره قبل المقارنة."}),
    "competitors_include": (
        {"en": "Only these competitors", "ar": "هؤلاء المنافسون فقط"},
        {"en": "Comma-separated; empty means every competitor.", "ar": "مفصولة بفواصل؛ الفراغ يعني كل المنافسين."}),
    "competitors_exclude": (
        {"en": "Ignore these competitors", "ar": "تجاهل هؤلاء المنافسين"},
        {"en": "Comma-separated competitor names.", "ar": "أسماء منافسين مفصولة بفواصل."}),
    "competitor_weights": (
        {"en": "Competitor weights", "ar": "أوزان المنافسين"},
        {"en": "For the average market price, e.g. noon=2, amazon.sa=1.",
         "ar": "لمتوسط سعر السوق، مثل noon=2, amazon.sa=1."}),
    "profit_fallback_strategy": (
        {"en": "When the demand estimate is unsure", "ar": "عندما يكون تقدير الطلب غير مؤكد"},
        {"en": "The competitive strategy used instead of profit pricing.",
         "ar": "الاستراتيجية التنافسية المستخدمة بدل التسعير للربح."}),
    "profit_max_interval_width": (
        {"en": "Widest elasticity interval to trust", "ar": "أوسع نطاق مرونة يُعتمد عليه"},
        {"en": "Wider than this, profit pricing falls back.", "ar": "إن كان أوسع من هذا يُستخدم البديل."}),
    "profit_when_inelastic": (
        {"en": "When demand hardly reacts to price", "ar": "عندما لا يتأثر الطلب بالسعر تقريبًا"},
        {"en": "Step the price up, or use the fallback strategy.", "ar": "ارفع السعر بخطوة، أو استخدم البديل."}),
    "profit_step_up_pct": (
        {"en": "Step up (%)", "ar": "خطوة الرفع (%)"},
        {"en": "How much to raise at a time when demand is inelastic.",
         "ar": "مقدار الرفع في كل مرة عندما يكون الطلب غير مرن."}),
    "exploration": (
        {"en": "Small price tests", "ar": "اختبارات سعر صغيرة"},
        {"en": "Try small moves on products whose demand is unknown, inside every guard: a week a little above, "
               "then a week a little below.",
         "ar": "جرّب تحركات صغيرة على منتجات طلبها غير معروف، ضمن كل الحدود: أسبوعًا أعلى قليلًا ثم أسبوعًا أقل قليلًا."}),
    "exploration_step_pct": (
        {"en": "Test step (%)", "ar": "خطوة الاختبار (%)"},
        {"en": "The size of a price test.", "ar": "حجم اختبار السعر."}),
    "automation_mode": (
        {"en": "How prices change", "ar": "طريقة تغيير الأسعار"},
        {"en": "Manual: every change waits for you. Semi-automatic: small, safe changes apply by themselves.",
         "ar": "يدوي: كل تغيير ينتظر موافقتك. شبه تلقائي: التغييرات الصغيرة الآمنة تُطبَّق وحدها."}),
    "risk_tolerance": (
        {"en": "How bold a change may be", "ar": "مدى جرأة التغيير"},
        {"en": "Sets which change sizes count as low, medium or high risk.",
         "ar": "تحدد أحجام التغيير التي تُعد مخاطرتها منخفضة أو متوسطة أو عالية."}),
    "update_frequency_hours": (
        {"en": "Check prices every (hours)", "ar": "فحص الأسعار كل (ساعة)"},
        {"en": "How often the market is checked, from 1 to 168 hours.",
         "ar": "عدد الساعات بين كل فحص للسوق، من 1 إلى 168."}),
    "risk_low_max_pct": (
        {"en": "Low risk up to (%)", "ar": "مخاطرة منخفضة حتى (%)"},
        {"en": "Optional: a change up to this size counts as low risk.",
         "ar": "اختياري: التغيير حتى هذا الحجم يُعد منخفض المخاطرة."}),
    "risk_medium_max_pct": (
        {"en": "Medium risk up to (%)", "ar": "مخاطرة متوسطة حتى (%)"},
        {"en": "Optional: a change up to this size counts as medium risk; larger ones are high.",
         "ar": "اختياري: التغيير حتى هذا الحجم يُعد متوسط المخاطرة، وما فوقه عالٍ."}),
    "min_profit_margin": (
        {"en": "Minimum profit margin (%)", "ar": "أدنى هامش ربح (%)"},
        {"en": "No price goes below cost plus this margin.",
         "ar": "لن ينزل أي سعر عن التكلفة مضافًا إليها هذا الهامش."}),
    "max_change_pct": (
        {"en": "Largest change per run (%)", "ar": "أكبر تغيير في كل تشغيل (%)"},
        {"en": "A price moves at most this much at a time.", "ar": "يتحرك السعر بهذه النسبة كحد أقصى في كل مرة."}),
    "min_price": (
        {"en": "Lowest price allowed", "ar": "أدنى سعر مسموح"},
        {"en": "Optional: no product is priced below this amount.",
         "ar": "اختياري: لن يُسعَّر أي منتج بأقل من هذا المبلغ."}),
    "max_price": (
        {"en": "Highest price allowed", "ar": "أعلى سعر مسموح"},
        {"en": "Optional: no product is priced above this amount.",
         "ar": "اختياري: لن يُسعَّر أي منتج بأكثر من هذا المبلغ."}),
    "cooldown_hours": (
        {"en": "Wait after a change (hours)", "ar": "الانتظار بعد التغيير (ساعة)"},
        {"en": "A product whose price just changed is left alone this long.",
         "ar": "يُترك المنتج الذي تغيّر سعره للتو دون تغيير طوال هذه المدة."}),
    "direction_lock": (
        {"en": "Allowed direction", "ar": "الاتجاه المسموح"},
        {"en": "Allow raises and cuts, raises only, or cuts only.",
         "ar": "السماح بالرفع والخفض، أو الرفع فقط، أو الخفض فقط."}),
    "no_cost_policy": (
        {"en": "Products without a cost", "ar": "المنتجات بلا تكلفة"},
        {"en": "Without a cost the margin cannot be checked: hold their price, or ask you before a cut.",
         "ar": "بدون التكلفة لا يمكن التحقق من الهامش: ثبّت سعرها، أو اسألني قبل أي خفض."}),
    "vat_rate": (
        {"en": "VAT rate (%)", "ar": "نسبة ضريبة القيمة المضافة (%)"},
        {"en": "Used when your prices include VAT (15% in Saudi Arabia).",
         "ar": "تُستخدم عندما تشمل أسعارك الضريبة (15% في السعودية)."}),
    "strategy": (
        {"en": "Pricing strategy", "ar": "استراتيجية التسعير"},
        {"en": "Match the market price, beat it, or stay above it.",
         "ar": "مطابقة سعر السوق، أو التفوق عليه، أو البقاء فوقه."}),
    "strategy_value": (
        {"en": "By how much", "ar": "بمقدار"},
        {"en": "Percent, or an amount in your currency for \u201cbeat by an amount\u201d; "
               "ignored for \u201cmatch\u201d.",
         "ar": "نسبة مئوية، أو مبلغ بعملتك عند «أقل بمبلغ»؛ لا يُستخدم مع «مطابقة»."}),
    "reference": (
        {"en": "Market price to follow", "ar": "سعر السوق المرجعي"},
        {"en": "Which competitor price the strategy starts from.", "ar": "سعر المنافس الذي تبدأ منه الاستراتيجية."}),
    "reference_competitor": (
        {"en": "Competitor to follow", "ar": "المنافس المتَّبع"},
        {"en": "Needed when the market price is \u201ca chosen competitor\u201d.",
         "ar": "مطلوب عندما يكون المرجع «منافس محدد»."}),
    "fallback": (
        {"en": "When no competitor price is usable", "ar": "عند عدم توفر سعر منافس صالح"},
        {"en": "Keep the price, or move toward a target margin.", "ar": "إبقاء السعر، أو التحرك نحو هامش مستهدف."}),
    "target_margin": (
        {"en": "Target margin (%)", "ar": "الهامش المستهدف (%)"},
        {"en": "Optional: the margin to aim for when no competitor price is usable.",
         "ar": "اختياري: الهامش المستهدف عند عدم توفر سعر منافس صالح."}),
    "price_ending": (
        {"en": "Price ending", "ar": "نهاية السعر"},
        {"en": "Round prices to end in .95, .99 or .00, within the guardrails.",
         "ar": "تقريب الأسعار لتنتهي بـ ‎.95 أو ‎.99 أو ‎.00 ضمن حدود الأمان."}),
    "max_offer_age_hours": (
        {"en": "Ignore competitor prices older than (hours)", "ar": "تجاهل أسعار المنافسين الأقدم من (ساعة)"},
        {"en": "Old readings no longer reflect the market.", "ar": "القراءات القديمة لم تعد تعكس السوق."}),
    "min_offer_confidence": (
        {"en": "Minimum confidence in a reading (0 to 1)", "ar": "أدنى ثقة في القراءة (من 0 إلى 1)"},
        {"en": "Readings the matcher is less sure of are ignored.", "ar": "تُتجاهل القراءات الأقل ثقة من هذا الحد."}),
    "outlier_pct": (
        {"en": "Outlier distance (%)", "ar": "حد القيم الشاذة (%)"},
        {"en": "With 3+ offers, one this far from the middle price is ignored.",
         "ar": "مع 3 عروض أو أكثر، يُتجاهل العرض البعيد عن السعر الوسيط بهذه النسبة."}),
    "offer_agreement_pct": (
        {"en": "Readings agree within (%)", "ar": "تتفق القراءات ضمن (%)"},
        {"en": "Two readings this close confirm each other.", "ar": "قراءتان بهذا القرب تؤكد إحداهما الأخرى."}),
    "own_store_names": (
        {"en": "Your own store names", "ar": "أسماء متاجرك"},
        {"en": "Comma-separated; offers from these are never treated as competitors.",
         "ar": "مفصولة بفواصل؛ لا تُعامل عروضها كمنافسين أبدًا."}),
}

# field -> value -> label
CHOICES: dict[str, dict[str, Text]] = {
    "automation_mode": {
        "manual": {"en": "Manual: I approve every change", "ar": "يدوي: أوافق على كل تغيير"},
        "semi-auto": {"en": "Semi-automatic: safe changes apply by themselves",
                      "ar": "شبه تلقائي: التغييرات الآمنة تُطبَّق وحدها"},
        "full-auto": {"en": "Automatic: apply every change within the guardrails",
                      "ar": "تلقائي: تطبيق كل تغيير ضمن حدود الأمان"},
    },
    "risk_tolerance": {
        "low": {"en": "Careful", "ar": "حذر"}, "medium": {"en": "Balanced", "ar": "متوازن"},
        "high": {"en": "Bold", "ar": "جريء"},
    },
    "direction_lock": {
        "none": {"en": "Raise and lower", "ar": "الرفع والخفض"}, "up_only": {"en": "Raise only", "ar": "الرفع فقط"},
        "down_only": {"en": "Lower only", "ar": "الخفض فقط"},
    },
    "no_cost_policy": {
        "hold": {"en": "Keep their price", "ar": "تثبيت سعرها"},
        "ask": {"en": "Ask me before a cut", "ar": "اسألني قبل أي خفض"},
    },
    "strategy": {
        "match": {"en": "Match the market price", "ar": "مطابقة سعر السوق"},
        "beat_percent": {"en": "Beat it by a percent", "ar": "أقل منه بنسبة مئوية"},
        "beat_amount": {"en": "Beat it by an amount", "ar": "أقل منه بمبلغ"},
        "above_percent": {"en": "Stay above it by a percent", "ar": "أعلى منه بنسبة مئوية"},
    },
    "reference": {
        "lowest": {"en": "The lowest price", "ar": "أقل سعر"},
        "second_lowest": {"en": "The second lowest price", "ar": "ثاني أقل سعر"},
        "median": {"en": "The middle (median) price", "ar": "السعر الوسيط"},
        "average": {"en": "The average price", "ar": "متوسط السعر"},
        "competitor": {"en": "A chosen competitor", "ar": "منافس محدد"},
    },
    "fallback": {
        "hold": {"en": "Keep the current price", "ar": "إبقاء السعر الحالي"},
        "target_margin": {"en": "Move toward the target margin", "ar": "التحرك نحو الهامش المستهدف"},
    },
    "price_ending": {
        "none": {"en": "No rounding", "ar": "بدون تقريب"}, ".95": {"en": "End in .95", "ar": "ينتهي بـ ‎.95"},
        ".99": {"en": "End in .99", "ar": "ينتهي بـ ‎.99"}, ".00": {"en": "Whole amounts (.00)",
                                                                    "ar": "مبالغ صحيحة (‎.00)"},
    },
}

_ERRORS: dict[str, Text] = {
    "number": {"en": "Enter a number, like 15 or 12.5.", "ar": "أدخل رقمًا، مثل 15 أو 12.5."},
    "whole": {"en": "Enter a whole number, like 6.", "ar": "أدخل عددًا صحيحًا، مثل 6."},
    "gt": {"en": "Must be more than {limit}.", "ar": "يجب أن يكون أكبر من {limit}."},
    "ge": {"en": "Must be {limit} or more.", "ar": "يجب أن يكون {limit} أو أكثر."},
    "lt": {"en": "Must be less than {limit}.", "ar": "يجب أن يكون أقل من {limit}."},
    "le": {"en": "Must be at most {limit}.", "ar": "يجب ألا يتجاوز {limit}."},
    "choice": {"en": "Choose one of the options.", "ar": "اختر أحد الخيارات."},
    "too_long": {"en": "Too long: at most {limit} characters.", "ar": "طويل جدًا: {limit} حرفًا كحد أقصى."},
    "too_many": {"en": "Too many names: at most {limit}.", "ar": "أسماء كثيرة جدًا: {limit} كحد أقصى."},
    "one_line": {"en": "Use one line of plain text.", "ar": "استخدم سطرًا واحدًا من النص."},
    "margin_range": {"en": "Enter a margin from 0 up to (not including) 95%.",
                     "ar": "أدخل هامشًا من 0 إلى أقل من 95%."},
    "beat_percent": {"en": "For \u201cbeat by a percent\u201d enter more than 0 and at most {limit}%.",
                     "ar": "مع «أقل بنسبة مئوية» أدخل قيمة أكبر من 0 وحتى {limit}%."},
    "above_percent": {"en": "For \u201cstay above by a percent\u201d enter 0 to {limit}%.",
                      "ar": "مع «أعلى بنسبة مئوية» أدخل من 0 إلى {limit}%."},
    "beat_amount": {"en": "For \u201cbeat by an amount\u201d enter 0 to {limit} in your currency.",
                    "ar": "مع «أقل بمبلغ» أدخل من 0 إلى {limit} بعملتك."},
    "min_over_max": {"en": "The lowest price must not be above the highest price.",
                     "ar": "يجب ألا يزيد أدنى سعر عن أعلى سعر."},
    "competitor_needed": {"en": "Name the competitor to follow.", "ar": "اكتب اسم المنافس المتَّبع."},
    "risk_order": {"en": "Low risk must not reach beyond medium risk.",
                   "ar": "يجب ألا يتجاوز حد المخاطرة المنخفضة حد المتوسطة."},
    "invalid": {"en": "This value is not accepted.", "ar": "هذه القيمة غير مقبولة."},
}

_LIMIT_TYPES = {"greater_than": "gt", "greater_than_equal": "ge", "less_than": "lt", "less_than_equal": "le"}


def text(entry: Mapping[str, str], lang: str) -> str:
    """``entry`` in ``lang``, English when missing."""
    return entry.get(lang) or entry["en"]


def field_label(name: str, lang: str) -> str:
    """The merchant's label of a settings field."""
    return text(FIELDS[name][0], lang) if name in FIELDS else name


def field_help(name: str, lang: str) -> str:
    """The one-line explanation of a settings field."""
    return text(FIELDS[name][1], lang) if name in FIELDS else ""


# A yes/no setting (a ``bool`` field) shown as a select.
_YES_NO: dict[str, Text] = {"true": {"en": "Yes", "ar": "نعم"}, "false": {"en": "No", "ar": "لا"}}


def choice_label(name: str, value: str, lang: str) -> str:
    """The merchant's label of one choice of a select field (``true``/``false`` read Yes/No)."""
    entry = CHOICES.get(name, {}).get(value) or _YES_NO.get(value)
    return text(entry, lang) if entry else value


def _limit(value: object) -> str:
    return format(Decimal(str(value)).normalize(), "f")


def merchant_errors(errors: Sequence[Mapping[str, Any]], lang: str, strategy: str | None = None) -> dict[str, str]:
    """Pydantic ``errors()`` as ``{field: message}`` in the merchant's words; cross-field errors are
    filed under the field to change."""
    out: dict[str, str] = {}
    for err in errors:
        loc = err.get("loc") or ()
        field = str(loc[0]) if loc else ""
        kind = str(err.get("type", ""))
        ctx = err.get("ctx") or {}
        raw = str(err.get("msg", ""))
        key, limit = "invalid", ""
        if kind in ("decimal_parsing", "decimal_type", "finite_number", "float_parsing"):
            key = "number"
        elif kind in ("int_parsing", "int_from_float", "int_type"):
            key = "whole"
        elif kind in _LIMIT_TYPES:
            key = _LIMIT_TYPES[kind]
            limit = _limit(ctx.get(key, ""))
        elif kind == "enum":
            key = "choice"
        elif kind == "string_too_long":
            key, limit = "too_long", str(ctx.get("max_length", MAX_NAME_LENGTH))
        elif kind == "too_long":
            key, limit = "too_many", str(ctx.get("max_length", ""))
        elif kind == "one_line":
            key = "one_line"
        elif field == "min_profit_margin":
            key = "margin_range"
        elif field == "strategy_value":
            key, limit = {
                Strategy.BEAT_PERCENT.value: ("beat_percent", _limit(MAX_BEAT_PERCENT)),
                Strategy.ABOVE_PERCENT.value: ("above_percent", _limit(MAX_ABOVE_PERCENT)),
                Strategy.BEAT_AMOUNT.value: ("beat_amount", _limit(MAX_BEAT_AMOUNT)),
            }.get(strategy or "", ("invalid", ""))
        elif "min_price must not exceed max_price" in raw:
            field, key = "min_price", "min_over_max"
        elif "reference_competitor is required" in raw:
            field, key = "reference_competitor", "competitor_needed"
        elif "risk_low_max_pct must not exceed" in raw:
            field, key = "risk_low_max_pct", "risk_order"
        out.setdefault(field or "__all__", text(_ERRORS[key], lang).format(limit=limit))
    return out


__all__ = ["CHOICES", "FIELDS", "GROUPS", "choice_label", "field_help", "field_label", "merchant_errors", "text"]
