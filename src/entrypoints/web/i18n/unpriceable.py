"""The words of the unpriceable list: why a product is not priced automatically, and the fix."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "no_sweep_yet": {"en": "No sweep has run yet.", "ar": "لم يُشغَّل أي تسعير بعد."},
    "from_sweep": {"en": "From the sweep of {when}.", "ar": "من تشغيل {when}."},
    "on_sale_left": {
        "en": "Products Salla shows on sale are left alone and not listed here.",
        "ar": "المنتجات المعروضة بتخفيض في سلة تُترك كما هي ولا تظهر هنا.",
    },
    "what_you_can_do": {"en": "What you can do", "ar": "ما يمكنك فعله"},
    "all_priced": {"en": "Every product of that sweep could be priced.", "ar": "أمكن تسعير كل منتجات ذلك التشغيل."},
    "why_excluded": {"en": "excluded by you", "ar": "استبعدته أنت"},
    "why_no_cost": {"en": "no cost is known, so its price is never lowered automatically",
                    "ar": "لا تكلفة معروفة له، فلا يُخفَّض سعره تلقائيًا أبدًا"},
    "why_no_offer": {"en": "no usable competitor offer", "ar": "لا عرض منافس صالح للاستخدام"},
    "fix_excluded": {"en": "remove the exclusion (costs sheet or admin API) to have it priced again",
                     "ar": "أزل الاستبعاد (ملف التكاليف أو واجهة الإدارة) ليُسعَّر من جديد"},
    "fix_rule_conflict": {"en": "change the rule or the store settings so they agree",
                          "ar": "عدّل القاعدة أو إعدادات المتجر لتتوافقا"},
    "fix_status": {"en": "only products for sale (or out of stock) are priced",
                   "ar": "لا تُسعَّر إلا المنتجات المعروضة للبيع (أو النافدة من المخزون)"},
    "fix_cooldown": {"en": "nothing: it is priced again once the cooldown ends",
                     "ar": "لا شيء: يُسعَّر من جديد عند انتهاء فترة التهدئة"},
    "fix_check_salla": {"en": "check the product in Salla", "ar": "راجع المنتج في سلة"},
    "fix_no_cost": {"en": "enter its cost in Salla, or upload a cost sheet",
                    "ar": "أدخل تكلفته في سلة، أو ارفع ملف التكاليف"},
    "fix_no_offer": {"en": "add it to a competitor feed or watch its competitors' pages",
                     "ar": "أضفه إلى ملف أسعار المنافسين أو راقب صفحات منافسيه"},
}

__all__ = ["LABELS"]
